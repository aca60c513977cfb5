"""The criterion nodes the catalogue added (SPEC section 8): ``not``, ``bilag_improved``,
``new_items``, day-counting ``daily_dose`` and ``than_at``, through trial definitions as a
user writes them."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import endpoints as ep

pytestmark = pytest.mark.filterwarnings("ignore::endpoints.EndpointsWarning")


def score(criteria, visits: pd.DataFrame, *, day=168, medications=None, kind="response"):
    endpoint = {"kind": kind, "name": "x", "timepoints": ["t"]}
    endpoint["event" if kind == "event" else "criteria"] = criteria
    trial = ep.TrialDefinition(id="T", title="", timepoints=[{"label": "t", "day": day}],
                               endpoints=[endpoint])
    out = ep.score(visits, trial, medications=medications).set_index("subject_id")
    return out.result.astype(object).where(out.result.notna(), None).to_dict(), out.reason


def test_not_is_kleene_negation_with_what_happened_as_the_reason():
    visits = pd.DataFrame({"subject_id": list("aabbc"), "day": [0, 168, 0, 168, 0],
                           "rituximab": [0, 0, 0, 1, 0]})
    got, why = score({"not": {"started": "rituximab"}, "label": "no rituximab"}, visits)
    assert got == {"a": True, "b": False, "c": None}  # c: no visit at the timepoint
    assert why["b"].startswith("not met: no rituximab: rituximab started")
    assert "no visit in window" in why["c"]


def test_not_round_trips_through_json_and_names_its_key():
    node = ep.nodes.Not.model_validate({"not": {"variable": "upcr", "op": "<", "value": 1}})
    assert '"not"' in node.model_dump_json() and node.children() == (node.not_,)
    assert ep.nodes.Not.model_validate_json(node.model_dump_json()) == node


@pytest.mark.parametrize(("base", "now", "expected"), [
    ({"renal": "A"}, {"renal": "B"}, True),
    ({"renal": "A"}, {"renal": "A"}, False),
    ({"renal": "B"}, {"renal": "B"}, False),
    ({"renal": "B"}, {"renal": "D"}, True),
    ({"renal": "C"}, {"renal": "C"}, True),          # C at baseline: no requirement
    ({"renal": "A"}, {"renal": None}, None),
    ({"renal": None}, {"renal": "B"}, None),         # baseline A would improve, B would not
    ({"renal": None}, {"renal": "C"}, True),
    ({"renal": "A", "skin": "B"}, {"renal": None, "skin": "B"}, False),  # a known failure
])
def test_bilag_improved(base, now, expected):
    def row(day, grades):
        return {"subject_id": "s", "day": day,
                "bilag_renal": grades.get("renal", "E"),
                "bilag_mucocutaneous": grades.get("skin", "E")}
    visits = pd.DataFrame([row(0, base), row(168, now)])
    got, _ = score({"bilag_improved": ["A", "B"],
                    "domains": ["renal", "mucocutaneous"]}, visits)
    assert got["s"] is expected


def test_bilag_improved_refuses_an_unknown_domain():
    with pytest.raises(ep.DefinitionError, match="unknown BILAG domains"):
        ep.nodes.BilagImproved(bilag_improved=("A",), domains=("kidney",))


@pytest.mark.parametrize(("before", "now", "op", "count", "expected"), [
    ((0, 0), (1, 0), "<", 1, False),        # one new item
    ((1, 0), (1, 0), "<", 1, True),         # present before: not new
    ((0, 0), (1, 1), "<=", 1, False),       # two new
    ((0, 0), (1, 1), ">=", 2, True),
    ((0, None), (0, 1), "<", 1, False),     # the comparator is the last recorded value (day 0)
    ((0, 0), (0, None), "<", 1, None),      # an item unrecorded at the visit may be new
])
def test_new_items_against_the_previous_assessment(before, now, op, count, expected):
    visits = pd.DataFrame({
        "subject_id": "s", "day": [0, 84, 168],
        "sledai_rash": [0, before[0], now[0]],
        "sledai_alopecia": [0, math.nan if before[1] is None else before[1],
                            math.nan if now[1] is None else now[1]]})
    got, _ = score({"new_items": ["sledai_rash", "sledai_alopecia"], "op": op,
                    "count": count}, visits)
    assert got["s"] is expected


def test_new_items_against_baseline_and_the_sledai_set():
    items = {c: [0.0, 0.0, 0.0] for c in ep.SLEDAI_2K_ITEMS}
    items["sledai_fever"] = [0.0, 1.0, 1.0]
    visits = pd.DataFrame({"subject_id": "s", "day": [0, 84, 168], **items})
    previous, _ = score({"new_items": "sledai", "op": "<", "count": 1}, visits)
    baseline, _ = score({"new_items": "sledai", "against": "baseline", "op": "<",
                         "count": 1}, visits)
    assert previous["s"] is True and baseline["s"] is False
    with pytest.raises(ep.DefinitionError, match="unknown item set"):
        ep.nodes.NewItems(new_items="bilag", op="<", count=1)


def rule(**options):
    return {"daily_dose": "prednisone", "op": "<=", "value": 10, **options}


def test_daily_dose_needs_one_start():
    with pytest.raises(ep.DefinitionError, match=r"since .* or from_day"):
        ep.nodes.DailyDose(daily_dose="prednisone", op="<=", value=10)
    with pytest.raises(ep.DefinitionError, match=r"since .* or from_day"):
        ep.nodes.DailyDose(daily_dose="prednisone", op="<=", value=10, since="t",
                           from_day=3)


@pytest.mark.parametrize(("records", "options", "expected"), [
    ([(100, 101, 11)], {"consecutive_days": 3}, True),      # 2 consecutive days
    ([(100, 102, 11)], {"consecutive_days": 3}, False),     # 3
    ([(100, 101, 11), (102, 102, 12)], {"consecutive_days": 3}, False),  # records join up
    ([(100, 100, 11), (102, 103, 11)], {"consecutive_days": 3}, True),   # a gap breaks it
    ([(100, 100, 11), (102, 103, 11)], {"total_days": 3}, False),
    ([(98, 101, 11)], {"consecutive_days": 3}, True),       # days before day 100 don't count
    ([(100, 100, 10)], {}, True),                           # at the cap
    ([(100, 100, 10.5)], {}, False),                        # one day above breaks the plain rule
])
def test_daily_dose_counts_days_from_the_medications_table(records, options, expected):
    visits = pd.DataFrame({"subject_id": "s", "day": [0, 168]})
    meds = pd.DataFrame([{"subject_id": "s", "drug": "prednisolone", "start_day": a,
                          "end_day": b, "dose": d} for a, b, d in records])
    got, _ = score(rule(from_day=100, **options), visits, medications=meds)
    assert got["s"] is expected


def test_daily_dose_counts_are_unknown_without_a_dose_in_force():
    visits = pd.DataFrame({"subject_id": "s", "day": [0, 120, 168],
                           "prednisone": [math.nan, 5.0, 5.0]})
    got, why = score(rule(from_day=100, total_days=10), visits)
    assert got["s"] is None and "prednisone missing" in why["s"]  # days 100-119 unknown
    assert score(rule(from_day=100, total_days=21), visits)[0]["s"] is True  # 20 at most
    visits.loc[0, "prednisone"] = 30.0                            # 20 days above: fine
    assert score(rule(from_day=100, total_days=30), visits)[0]["s"] is True
    assert score(rule(from_day=100, total_days=20), visits)[0]["s"] is False


def test_than_at_reads_a_value_recorded_once():
    visits = pd.DataFrame({"subject_id": ["a", "a", "a", "b", "b"],
                           "day": [-30, 0, 168, 0, 168],
                           "egfr_preflare": [100.0, math.nan, math.nan, math.nan, math.nan],
                           "egfr": [math.nan, 70.0, 80.0, 70.0, 80.0]})
    criterion = {"variable": "egfr", "op": ">=", "value": 0.8, "than": "egfr_preflare",
                 "than_at": "reference"}
    got, why = score(criterion, visits)
    assert got == {"a": True, "b": None}
    assert "reference egfr_preflare missing" in why["b"]
    visits.loc[2, "egfr"] = 79.9
    assert score(criterion, visits)[0]["a"] is False
    with pytest.raises(ep.DefinitionError, match="give than"):
        ep.nodes.Compare(variable="egfr", op=">=", value=1, than_at="reference")


def test_a_lab_only_visit_is_not_an_assessment_with_a_medications_table():
    """The records give prednisone at every visit; a visit that records only UPCR is
    still not an SFI assessment, so it cannot leave the flare unknown."""
    visits = pd.DataFrame({"subject_id": "a", "day": [0, 100, 200, 364],
                           "sledai": [4, 4, math.nan, 4], "pga": [1, 1, math.nan, 1],
                           "weight": [60, 60, math.nan, 60], "upcr": 1.0,
                           "new_immunosuppressant": [0, 0, math.nan, 0]})
    meds = pd.DataFrame({"subject_id": "a", "drug": ["prednisone"], "start_day": [-30],
                         "end_day": [math.nan], "dose": [5.0]})
    for medications in (None, meds):
        out = ep.compare_definitions(visits.assign(prednisone=[5, 5, math.nan, 5]),
                                     ["sfi.flare_severe", "sfi.flare_mild_moderate"],
                                     day=364, medications=medications)
        assert out.result.tolist() == [False, False], medications
    # an event read from the records alone is assessed at every visit
    meds.loc[1] = {"subject_id": "a", "drug": "tacrolimus", "start_day": 150,
                   "end_day": math.nan, "dose": 4.0}
    got, _ = score({"ever": {"variable": "new_immunosuppressant", "op": "==", "value": 1}},
                   visits, day=364, medications=meds, kind="response")
    assert got["a"] is True
