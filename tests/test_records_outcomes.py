"""The records' remaining outcomes (SPEC sections 4, 6 and 7): laboratory presence at
its thresholds, levels and baseline timepoints, timepoint series, adverse events at the
edges of their period, the safety table and the shift counts."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import endpoints as ep
from endpoints.definitions import Series, TrialDefinition

MISLE, NANJING = "NCT02633163", "NCT03580291"
pytestmark = pytest.mark.filterwarnings("ignore::endpoints.EndpointsWarning")


def score(visits, trial, **options):
    return ep.score(pd.DataFrame(visits), trial, **options)


def row(out, endpoint, timepoint, subject="S1"):
    hit = out[(out.endpoint == endpoint) & (out.timepoint == timepoint)
              & (out.subject_id == subject)]
    assert len(hit) == 1
    return hit.iloc[0]


# --- cytopenia: platelets < 100 or white cells < 3 (SLEDAI-2K items) ------------------


@pytest.mark.parametrize(("platelets", "wbc", "expected"), [
    (100.0, 5.0, False),   # exactly 100 is not < 100
    (99.9, 5.0, True),
    (100.1, 5.0, False),
    (200.0, 3.0, False),   # exactly 3 is not < 3
    (200.0, 2.99, True),
    (200.0, 3.01, False),
    (None, 5.0, None),     # platelets unknown, white cells fine: presence unknown
    (None, 2.5, True),     # Kleene: one known finding is enough
    (50.0, None, True),
    (None, None, None),
])
def test_cytopenia_thresholds(platelets, wbc, expected):
    visits = {"subject_id": "S1", "day": [0, 84], "platelets": [200.0, platelets],
              "wbc": [5.0, wbc]}
    got = row(score(visits, MISLE), "cytopenia", "week 12")
    assert (got.result is pd.NA) if expected is None else (got.result == expected)
    assert got.day == 84
    if expected is not True:
        assert isinstance(got.reason, str) and got.reason


@pytest.mark.parametrize(("c3", "c3_lln", "expected"), [
    (90.0, 90.0, False),   # at the LLN is not below it
    (89.9, 90.0, True),
    (90.1, 90.0, False),
    (80.0, None, None),    # the limit is missing: unknown, never a silent False
    (None, 90.0, None),
])
def test_low_complement_against_the_lower_limit_of_normal(c3, c3_lln, expected):
    visits = {"subject_id": "S1", "day": [0, 84], "c3": [100.0, c3], "c3_lln": [90.0, c3_lln],
              "c4": [20.0, 20.0], "c4_lln": [16.0, 16.0]}
    got = row(score(visits, MISLE), "low_complement", "week 12")
    assert (got.result is pd.NA) if expected is None else (got.result == expected)
    if expected is None:
        assert "missing" in got.reason


def test_presence_at_baseline_reads_each_variables_baseline():
    visits = {"subject_id": "S1", "day": [-14, 0, 84], "platelets": [80.0, None, 150.0],
              "wbc": [5.0, 5.0, 5.0]}
    out = score(visits, MISLE)
    base = row(out, "cytopenia", "baseline")
    assert base.result == True and base.day == 0  # noqa: E712  (screening platelets 80)
    assert row(out, "cytopenia", "week 12").result == False  # noqa: E712
    shifts = ep.shift_table(out, pd.DataFrame(visits).assign(arm="MSC"), "cytopenia")
    week12 = shifts[(shifts.timepoint == "week 12") & (shifts.subjects > 0)]
    assert week12[["baseline", "status", "subjects"]].values.tolist() == [
        ["present", "absent", 1]]
    weeks = shifts[(shifts.subjects > 0)].timepoint.tolist()
    assert weeks == ["week 12", "week 24", "week 52"]
    assert shifts[shifts.timepoint == "week 24"].query("subjects > 0").status.tolist() == [
        "not evaluable"]


def test_shift_table_needs_a_baseline_timepoint():
    out = score({"subject_id": "S1", "day": [0, 84], "sledai": [6.0, 2.0]}, MISLE)
    with pytest.raises(ep.InputError, match="baseline"):
        ep.shift_table(out, pd.DataFrame({"subject_id": ["S1"], "arm": ["MSC"]}), "sri4")


# --- levels, the baseline timepoint, series -----------------------------------------------


def test_levels_at_baseline_and_every_week():
    visits = {"subject_id": "S1", "day": [-14, 0, 28, 90, 170],
              "upcr": [3.0, None, 2.5, 1.0, None]}
    out = score(visits, NANJING)
    base = row(out, "upcr_level", "baseline")
    assert (base.value, base.day) == (3.0, -14)  # the baseline value, on its own day
    assert base.result is pd.NA and base.reason == "continuous endpoint: see value"
    assert row(out, "upcr_level", "week 4").value == 2.5
    assert row(out, "upcr_level", "week 12").day == 90
    missing = row(out, "upcr_level", "week 24")
    assert missing.value is pd.NA and missing.reason == "upcr missing at the assessment visit"
    assert row(out, "upcr_level", "week 20").reason == "no visit in window"  # 30 days off
    none = row(score({"subject_id": "S1", "day": [7], "upcr": [1.0]}, NANJING),
               "upcr_level", "baseline")
    assert none.value is pd.NA and none.day is pd.NA and none.reason == "baseline upcr missing"


def test_every_change_and_level_of_the_nanjing_record_at_every_week():
    trial = ep.get_trial(NANJING)
    weeks = [f"week {w}" for w in (4, 8, 12, 16, 20, 24)]
    for name in ("upcr", "proteinuria", "serum_albumin", "creatinine", "egfr", "c3", "c4",
                 "ana", "anti_dsdna", "haq", "pga", "sledai", "bilag"):
        assert list(trial.endpoint(f"{name}_level").timepoints) == ["baseline", *weeks]
        assert list(trial.endpoint(f"{name}_change").timepoints) == weeks
    assert list(trial.endpoint("sri4").timepoints) == weeks
    assert list(trial.endpoint("renal_response").timepoints) == ["week 12", "week 24"]
    for e in trial.endpoints:
        assert e.source, e.name


def test_series_expand_into_timepoints_that_behave_like_written_ones():
    series = {"name": "visits", "start": 28, "stop": 84, "every": 28, "label": "week {week}"}
    endpoint = {"kind": "change", "name": "upcr_change", "variable": "upcr",
                "timepoints": ["visits"]}
    by_series = TrialDefinition(id="S", title="", series=[series],
                                timepoints=[{"label": "week 4", "day": 28}],
                                endpoints=[endpoint])
    written = TrialDefinition(id="S", title="", timepoints=[
        {"label": f"week {w}", "day": 7 * w} for w in (4, 8, 12)],
        endpoints=[{**endpoint, "timepoints": ["week 4", "week 8", "week 12"]}])
    assert by_series.timepoints == written.timepoints
    visits = pd.DataFrame({"subject_id": "S1", "day": [0, 27, 60, 85],
                           "upcr": [3.0, 2.0, 1.5, 1.0]})
    pd.testing.assert_frame_equal(ep.score(visits, by_series), ep.score(visits, written))
    assert [t.label for t in Series(name="m", days=[183, 365], label="month {month}")
            .timepoints()] == ["month 6", "month 12"]
    with pytest.raises(ep.DefinitionError, match="label"):
        TrialDefinition(id="S", title="", series=[{**series, "label": "week {wk}"}],
                        timepoints=[{"label": "x", "day": 1}], endpoints=[endpoint])
    with pytest.raises(ep.DefinitionError, match="either days or start"):
        TrialDefinition(id="S", title="", series=[{**series, "days": [1]}],
                        timepoints=[{"label": "x", "day": 1}], endpoints=[endpoint])


def test_event_kinds_cannot_be_read_at_baseline():
    with pytest.raises(ep.DefinitionError, match="baseline timepoint"):
        TrialDefinition(id="B", title="", timepoints=[{"label": "baseline"}], endpoints=[
            {"kind": "event", "name": "flare", "timepoints": ["baseline"],
             "event": {"variable": "sledai", "op": ">", "value": 12}}])


def test_compare_against_another_column():
    from endpoints.definitions import Compare

    assert Compare(variable="c3", op="<", than="c3_lln", value=0.8).describe() == (
        "c3 < 80% of c3_lln")
    with pytest.raises(ep.DefinitionError, match="one of change_from, of and than"):
        Compare(variable="c3", op="<", than="c3_lln", of="baseline", value=1)
    with pytest.raises(ep.DefinitionError, match="value is required"):
        Compare(variable="c3", op="<")


# --- adverse events --------------------------------------------------------------------


def ae(**columns):
    base = {"subject_id": ["S1"], "term": ["Pyrexia"], "start_day": [10], "grade": [2],
            "related": [True], "serious": [False], "body_system": ["General disorders"]}
    return pd.DataFrame({**base, **columns})


VISITS = {"subject_id": "S1", "day": [0, 170]}  # week-24 assessment visit on day 170


@pytest.mark.parametrize(("start", "expected"), [(0, True), (170, True), (171, False),
                                                 (-1, False), (100, True)])
def test_adverse_event_period_runs_from_day_0_to_the_assessment_visit(start, expected):
    got = row(score(VISITS, NANJING, adverse_events=ae(start_day=[start])),
              "treatment_related_ae", "week 24")
    assert got.result == expected
    assert got.value == (1 if expected else 0)
    if expected:
        assert got.category == "grade 2"
    else:
        assert pd.isna(got.category) and got.reason == "no matching adverse event recorded"


def test_adverse_event_filters_and_unknowns():
    events = ae(subject_id=["S1", "S1", "S2", "S3", "S4"], term=["Pyrexia", "Nausea",
                "Nausea", "Rash", "Rash"], start_day=[5, 6, 7, 8, 9],
                grade=[1, 3, 2, None, 4], related=[True, True, False, None, True],
                serious=[False, True, False, False, True], body_system=["x"] * 5)
    visits = {"subject_id": ["S1", "S1", "S2", "S2", "S3", "S3"], "day": [0, 168] * 3}
    out = score(visits, NANJING, adverse_events=events)
    s1 = row(out, "treatment_related_ae", "week 24", "S1")
    assert (s1.result, s1.value, s1.category) == (True, 2.0, "grade 3")  # the worst grade
    s2 = row(out, "treatment_related_ae", "week 24", "S2")
    assert (s2.result, s2.value) == (False, 0.0)  # an unrelated event
    s3 = row(out, "treatment_related_ae", "week 24", "S3")
    assert s3.result is pd.NA and "relatedness unknown" in s3.reason  # never a silent False
    s4 = row(out, "treatment_related_ae", "week 24", "S4")  # events only, no visits
    assert (s4.result, s4.category, s4.day) == (True, "grade 4", pd.NA)
    trial = TrialDefinition(id="AE", title="", timepoints=[{"label": "w", "day": 168}],
                            endpoints=[
        {"kind": "adverse_event", "name": "severe", "min_grade": 3, "timepoints": ["w"]},
        {"kind": "adverse_event", "name": "rash", "terms": ["rash"], "timepoints": ["w"]},
        {"kind": "adverse_event", "name": "serious", "serious": True, "timepoints": ["w"]}])
    out = score(visits, trial, adverse_events=events)
    assert row(out, "severe", "w", "S1").result == True  # noqa: E712  (grade 3)
    assert row(out, "severe", "w", "S2").result == False  # noqa: E712
    assert row(out, "severe", "w", "S3").result is pd.NA  # grade unknown
    assert row(out, "rash", "w", "S3").result == True  # noqa: E712  (terms any case)
    assert row(out, "serious", "w", "S1").value == 1.0


def test_no_adverse_event_records_at_all():
    empty = ae().iloc[:0]
    out = score(VISITS, NANJING, adverse_events=empty)
    got = row(out, "treatment_related_ae", "week 24")
    assert (got.result, got.value) == (False, 0.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = score(VISITS, NANJING)
    assert any("adverse-events table not provided" in str(w.message) for w in caught)
    got = row(out, "treatment_related_ae", "week 24")
    assert got.result is pd.NA and got.reason == "adverse-events table not provided"


@pytest.mark.parametrize(("change", "problem"), [
    ({"grade": [6]}, "CTCAE grade outside 1-5"),
    ({"term": [None]}, "missing adverse-event term"),
    ({"related": ["maybe"]}, "expected a boolean"),
    ({"start_day": ["soon"]}, "not a number"),
])
def test_bad_adverse_events_are_input_errors(change, problem):
    with pytest.raises(ep.InputError) as info:
        score(VISITS, NANJING, adverse_events=ae(**change))
    assert problem in " | ".join(info.value.failures["problem"])


def test_adverse_events_from_sdtm_are_scored():
    dm = pd.DataFrame({"USUBJID": ["S1", "S2"], "RFXSTDTC": "2024-03-01", "ARM": "MSC"})
    lb = pd.DataFrame({"USUBJID": ["S1"] * 2, "LBTESTCD": "PROTCRT", "LBSTRESN": [2.0, 1.0],
                       "LBSTRESU": "mg/mg", "LBDY": [1, 169]})
    ae_domain = pd.DataFrame({"USUBJID": ["S1", "S2"], "AEDECOD": ["Pyrexia", "Nausea"],
                              "AESTDY": [3, 20], "AETOXGR": ["1", "2"],
                              "AEREL": ["POSSIBLY RELATED", "NOT RELATED"]})
    out = ep.score(ep.read_sdtm(dm=dm, lb=lb, ae=ae_domain), NANJING)
    assert row(out, "treatment_related_ae", "week 24").result == True  # noqa: E712
    assert row(out, "treatment_related_ae", "week 24", "S2").result is pd.NA  # no visits


# --- the safety table ----------------------------------------------------------------------


def test_safety_table_counts_subjects_by_worst_grade_per_arm():
    visits = pd.DataFrame({"subject_id": ["a", "b", "c", "d"], "day": 0,
                           "arm": ["MSC", "MSC", "Placebo", "Placebo"]})
    events = ae(subject_id=["a", "a", "b", "c", "z"], term=["Pyrexia", "Pyrexia", "Nausea",
                "Pyrexia", "Rash"], body_system=["Gen", "Gen", "GI", "Gen", "Skin"],
                start_day=[1, 2, 3, 4, 5], grade=[1, 3, None, 2, 1],
                related=[True, False, True, False, True], serious=[False] * 5)
    table = ep.safety_table(events, visits)
    any_row = table[(table.body_system == "Any adverse event") & (table.arm == "MSC")].iloc[0]
    assert (any_row.n, any_row.N, any_row.percent) == (2, 2, 100.0)
    pyrexia = table[(table.term == "Pyrexia") & (table.arm == "MSC")].iloc[0]
    assert (pyrexia.n, pyrexia.grade_1, pyrexia.grade_3) == (1, 0, 1)  # worst: grade 3
    nausea = table[(table.term == "Nausea") & (table.arm == "MSC")].iloc[0]
    assert (nausea.n, nausea.grade_missing) == (1, 1)
    placebo = table[(table.term == "Pyrexia") & (table.arm == "Placebo")].iloc[0]
    assert (placebo.n, placebo.N, placebo.percent) == (1, 2, 50.0)
    assert set(table.arm) == {"MSC", "Placebo", "<NA>"}  # z: events without visits
    related = ep.safety_table(events, visits, related=True)
    pyrexia = related[(related.term == "Pyrexia") & (related.arm == "MSC")].iloc[0]
    assert (pyrexia.n, pyrexia.grade_1, pyrexia.grade_3) == (1, 1, 0)
    with pytest.raises(ep.InputError, match="related="):
        ep.safety_table(events, visits, related="yes")


# --- the missing-column warning: one per call, compact ---------------------------------


def test_one_compact_warning_for_a_panel_of_absent_columns():
    visits = pd.DataFrame({"subject_id": "S1", "day": [0, 168], "upcr": [3.0, 0.4]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = ep.score(visits, "NCT03917797")
    messages = [str(w.message) for w in caught if issubclass(w.category, ep.EndpointsWarning)]
    assert len(messages) == 1 and len(messages[0]) < 400
    assert messages[0].startswith("columns not provided (")
    il6 = row(out, "il6_change", "month 12")
    assert il6.result is pd.NA and il6.reason == "column il6 not provided"


def test_misle_cumulative_dose_counts_po_iv_and_im_only():
    """NCT02633163: "Cumulative systemic steroid dose (PO, IV, IM) at Week 52"."""
    visits = pd.DataFrame({"subject_id": "S1", "day": [0, 364]})
    meds = pd.DataFrame({
        "subject_id": "S1",
        "drug": ["prednisone", "methylprednisolone", "dexamethasone", "dexamethasone",
                 "prednisone"],
        "route": ["PO", "IV", "IM", "SC", None],
        "start_day": [0, 10, 20, 30, 40], "end_day": [9, 10, 20, 30, 40],
        "dose": [10.0, 500.0, 0.75, 0.75, 5.0]})
    out = ep.score(visits, MISLE, medications=meds)
    # 10 x 10 days + 625 (IV pulse) + 5 (IM) + 5 (no route: counted); SC not counted
    assert row(out, "cumulative_steroid_dose", "week 52").value == 735.0
    trial = TrialDefinition(id="D", title="", timepoints=[{"label": "w", "day": 364}],
                            endpoints=[{"kind": "cumulative_dose", "name": "dose",
                                        "timepoints": ["w"]}])
    assert row(ep.score(visits, trial, medications=meds), "dose", "w").value == 740.0


@pytest.mark.parametrize(("column", "value", "problem"), [
    ("platelets", -1.0, "negative value"), ("wbc", -0.1, "negative value"),
    ("hemoglobin", -2.0, "negative value"), ("c3", -5.0, "negative value"),
    ("haq", 3.125, "value outside 0-3"), ("lit", 101.0, "value outside 0-100"),
])
def test_new_columns_are_checked(column, value, problem):
    with pytest.raises(ep.InputError) as info:
        ep.score(pd.DataFrame({"subject_id": "S1", "day": [0], column: [value]}), MISLE)
    assert (info.value.column, info.value.problem) == (column, problem)


def test_presence_at_baseline_without_a_baseline_visit_says_so():
    visits = {"subject_id": "S1", "day": [28, 84], "platelets": [80.0, 90.0], "wbc": 5.0}
    got = row(score(visits, MISLE), "cytopenia", "baseline")
    assert got.result is pd.NA and got.reason == "no visit on or before day 0"


def test_safety_table_without_events_still_has_every_arm():
    visits = pd.DataFrame({"subject_id": ["a", "b"], "day": 0, "arm": ["X", "Y"]})
    events = ae(subject_id=["a"], related=[False])
    table = ep.safety_table(events, visits, related=True)  # no related event at all
    assert table[["body_system", "arm", "n", "N", "percent"]].values.tolist() == [
        ["Any adverse event", "X", 0, 1, 0.0], ["Any adverse event", "Y", 0, 1, 0.0]]
