"""Confirmed and sustained responses (SPEC section 8): the ``confirmed`` node (met at the
assessment visit and again at the next visit at least N days later) and the
``sustained`` node (met at every post-baseline visit over the last N days), at every
edge of their spans, where they may stand in a definition and where they may not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import endpoints as ep
from endpoints.definitions import TrialDefinition
from endpoints.nodes import AllOf, Compare, Confirmed, Sustained

pytestmark = pytest.mark.filterwarnings("ignore::endpoints.EndpointsWarning")

UPCR_CR = {"variable": "upcr", "op": "<", "value": 0.5}
EGFR_OK = {"variable": "egfr", "op": ">=", "value": 60}
WEEK_24 = {"label": "week 24", "day": 168}


def trial(criteria, *, timepoints=(WEEK_24,), named=None, kind="response"):
    """A one-endpoint trial ``x`` reading `criteria` at every timepoint."""
    return TrialDefinition(
        id="CS", title="", timepoints=list(timepoints), criteria=named or {},
        endpoints=[{"kind": kind, "name": "x", "criteria": criteria,
                    "timepoints": [t["label"] for t in timepoints]}])


def confirmed(after=28, inner=UPCR_CR, **extra):
    return trial({"confirmed": inner, "after": after}, **extra)


def sustained(over=84, inner=UPCR_CR, **extra):
    return trial({"sustained": inner, "over": over}, **extra)


def one(definition, days, timepoint="week 24", **columns):
    """The result row of subject S1 for endpoint ``x`` at `timepoint`."""
    visits = pd.DataFrame({"subject_id": "S1", "day": days, **columns})
    out = ep.score(visits, definition)
    hit = out[(out.timepoint == timepoint) & (out.subject_id == "S1")]
    assert len(hit) == 1
    return hit.iloc[0]


def check(got, expected, *reason_parts):
    """`result` is `expected` (None: <NA>) and the reason holds every part."""
    where = f"result={got.result!r} reason={got.reason!r}"
    if expected is None:
        assert got.result is pd.NA, where
    else:
        assert got.result is not pd.NA and bool(got.result) is expected, where
    for part in reason_parts:
        assert isinstance(got.reason, str) and part in got.reason, where


NA = np.nan


# --- confirmed ------------------------------------------------------------------------------


def test_confirming_visit_exactly_after_days_later_counts():
    got = one(confirmed(), [0, 168, 196], upcr=[3.0, 0.4, 0.3])
    check(got, True, "confirmed at day 196")
    assert got.day == 168  # the endpoint is dated at the assessment visit


def test_a_visit_one_day_short_is_not_the_confirming_visit():
    # day 195 is 27 days after 168: the next later visit (day 210) confirms or refutes
    check(one(confirmed(), [0, 168, 195, 210], upcr=[3.0, 0.4, 0.3, 0.9]), False,
          "not confirmed at day 210")
    check(one(confirmed(), [0, 168, 195, 210], upcr=[3.0, 0.4, 0.9, 0.3]), True,
          "confirmed at day 210")


def test_only_the_first_visit_after_the_interval_is_read():
    # day 196 refutes; a later recovery at day 224 does not rescue it
    check(one(confirmed(), [0, 168, 196, 224], upcr=[3.0, 0.4, 0.9, 0.3]), False,
          "not confirmed at day 196")
    # day 196 confirms; a later loss at day 224 does not matter
    check(one(confirmed(), [0, 168, 196, 224], upcr=[3.0, 0.4, 0.3, 0.9]), True)


def test_no_visit_after_days_later_is_not_evaluable():
    got = one(confirmed(), [0, 168, 195], upcr=[3.0, 0.4, 0.3])
    check(got, None, "not confirmed: no visit 28 days later")
    check(one(confirmed(after=1), [0, 168], upcr=[3.0, 0.4]), None, "no visit 1 days later")


def test_confirming_visit_unknown_is_not_evaluable():
    got = one(confirmed(), [0, 168, 196], upcr=[3.0, 0.4, NA])
    check(got, None, "unknown at day 196", "upcr missing")


def test_not_met_at_the_assessment_visit_is_false_whatever_follows():
    for later in ([196], []):
        days = [0, 168, *later]
        got = one(confirmed(), days, upcr=[3.0, 0.6, *[0.3] * len(later)])
        check(got, False, "not met at day 168")


def test_assessment_visit_unknown():
    # unknown AND met: unknown; unknown AND not met: not met (Kleene)
    check(one(confirmed(), [0, 168, 196], upcr=[3.0, NA, 0.3]), None, "unknown at day 168")
    check(one(confirmed(), [0, 168], upcr=[3.0, NA]), None, "unknown at day 168")
    check(one(confirmed(), [0, 168, 196], upcr=[3.0, NA, 0.9]), False,
          "not confirmed at day 196")


def test_confirmed_without_an_assessment_visit():
    got = one(confirmed(), [0, 100, 230], upcr=[3.0, 0.3, 0.3])  # 168 +- 28: none
    check(got, None)
    assert got.reason == "no visit in window"


def test_confirmed_reads_from_the_actual_assessment_visit_day():
    # assessment visit at day 190 (in the window): confirmation from day 218 on
    check(one(confirmed(), [0, 190, 210, 218], upcr=[3.0, 0.4, 0.9, 0.3]), True,
          "confirmed at day 218")


def test_confirmed_reasons_name_the_failing_term_of_a_composite():
    got = one(confirmed(inner={"all": [UPCR_CR, EGFR_OK]}), [0, 168, 196],
              upcr=[3.0, 0.4, 0.3], egfr=[80.0, 80.0, 50.0])
    check(got, False, "not confirmed at day 196: egfr >= 60")
    got = one(confirmed(inner={"all": [UPCR_CR, EGFR_OK]}), [0, 168, 196],
              upcr=[3.0, 0.4, 0.3], egfr=[80.0, 80.0, NA])
    check(got, None, "unknown at day 196", "egfr missing")


# --- sustained ------------------------------------------------------------------------------
# week 24 (day 168) over 84 days: the span is days 84..168


def test_sustained_all_met():
    got = one(sustained(), [0, 84, 112, 140, 168], upcr=[3.0, 0.4, 0.3, 0.2, 0.4])
    check(got, True)
    assert got.day == 168


def test_failing_visit_on_the_first_day_of_the_span():
    got = one(sustained(), [0, 84, 112, 168], upcr=[3.0, 0.5, 0.3, 0.4])
    check(got, False, "not met at day 84")


def test_failing_visit_just_before_the_span_is_ignored():
    check(one(sustained(), [0, 83, 112, 168], upcr=[3.0, 0.9, 0.3, 0.4]), True)


def test_failing_assessment_visit():
    check(one(sustained(), [0, 84, 168], upcr=[3.0, 0.4, 0.7]), False, "not met at day 168")


def test_visits_after_the_assessment_visit_are_ignored():
    check(one(sustained(), [0, 112, 168, 180], upcr=[3.0, 0.4, 0.4, 0.9]), True)


def test_unknown_visit_in_the_span():
    got = one(sustained(), [0, 84, 112, 168], upcr=[3.0, 0.4, NA, 0.4])
    check(got, None, "unknown at day 112", "upcr missing")


def test_a_known_failure_outweighs_an_earlier_unknown():
    got = one(sustained(), [0, 84, 112, 168], upcr=[3.0, NA, 0.9, 0.4])
    check(got, False, "not met at day 112")
    assert "unknown" not in got.reason


def test_the_first_failing_day_is_named():
    got = one(sustained(), [0, 84, 112, 168], upcr=[3.0, 0.4, 0.9, 0.9])
    check(got, False, "not met at day 112")
    assert "168" not in got.reason


def test_screening_and_day_0_visits_in_the_span_are_ignored():
    # over 200 days from day 168: the span reaches back to day -32, but only visits
    # after day 0 are read
    got = one(sustained(over=200), [-14, 0, 28, 168], upcr=[3.0, 2.5, 0.4, 0.3])
    check(got, True)
    got = one(sustained(over=200), [-14, 0, 28, 168], upcr=[NA, NA, 0.4, 0.3])
    check(got, True)


def test_a_span_shortened_by_the_start_of_follow_up_counts():
    week8 = {"label": "week 8", "day": 56}
    definition = sustained(timepoints=(week8,))  # span would start at day -28
    check(one(definition, [0, 28, 56], "week 8", upcr=[3.0, 0.4, 0.3]), True)
    check(one(definition, [0, 28, 56], "week 8", upcr=[3.0, 0.6, 0.3]), False,
          "not met at day 28")


def test_sustained_reads_from_the_actual_assessment_visit_day():
    # assessment visit at day 180: the span is days 96..180 (day 90 is outside it)
    check(one(sustained(), [0, 90, 120, 180], upcr=[3.0, 0.9, 0.4, 0.4]), True)
    check(one(sustained(), [0, 96, 120, 180], upcr=[3.0, 0.9, 0.4, 0.4]), False,
          "not met at day 96")


def test_sustained_without_an_assessment_visit():
    got = one(sustained(), [0, 100, 130], upcr=[3.0, 0.3, 0.3])
    check(got, None)
    assert got.reason == "no visit in window"


# --- baseline timepoints ----------------------------------------------------------------------


@pytest.mark.parametrize("definition", [
    confirmed(timepoints=({"label": "baseline"}, WEEK_24)),
    sustained(timepoints=({"label": "baseline"}, WEEK_24)),
], ids=["confirmed", "sustained"])
def test_not_assessed_at_a_baseline_timepoint(definition):
    got = one(definition, [0, 168, 196], "baseline", upcr=[0.3, 0.4, 0.3])
    check(got, None, "not assessed at a baseline timepoint")
    check(one(definition, [0, 168, 196], upcr=[0.3, 0.4, 0.3]), True)


# --- where they stand in a definition ---------------------------------------------------------


def test_inside_all_any_and_named_criteria_at_the_assessment_visit():
    named = {"confirmed_cr": {"confirmed": UPCR_CR, "after": 28},
             "sustained_cr": {"sustained": UPCR_CR, "over": 84}}
    days, upcr = [0, 112, 168, 196], [3.0, 0.4, 0.4, 0.3]
    both = trial({"all": ["confirmed_cr", "sustained_cr", EGFR_OK]}, named=named)
    check(one(both, days, upcr=upcr, egfr=[90.0, 90.0, 90.0, 90.0]), True)
    check(one(both, days, upcr=upcr, egfr=[90.0, 90.0, 50.0, 90.0]), False, "egfr >= 60")
    check(one(both, days, upcr=[3.0, 0.9, 0.4, 0.3], egfr=[90.0] * 4), False,
          "not met at day 112")
    either = trial({"any": ["confirmed_cr", {"variable": "egfr", "op": ">", "value": 100}]},
                   named=named)
    check(one(either, [0, 168, 196], upcr=[3.0, 0.4, 0.3], egfr=[90.0] * 3), True)
    check(one(either, [0, 168, 196], upcr=[3.0, 0.4, 0.9], egfr=[90.0] * 3), False)
    unless = TrialDefinition(id="CS", title="", timepoints=[WEEK_24], criteria=named,
                             endpoints=[{"kind": "response", "name": "x", "criteria": EGFR_OK,
                                         "unless": "sustained_cr", "timepoints": ["week 24"]}])
    check(one(unless, days, upcr=upcr, egfr=[90.0] * 4), False, "met instead")


def test_nested_confirmed_of_a_sustained_is_refused():
    # the inner criterion of either is read visit by visit: no per-subject node inside
    with pytest.raises(ep.DefinitionError, match="visit by visit"):
        confirmed(inner={"sustained": UPCR_CR, "over": 84})


@pytest.mark.parametrize("node", [
    {"confirmed": UPCR_CR, "after": 28},
    {"sustained": UPCR_CR, "over": 84},
], ids=["confirmed", "sustained"])
@pytest.mark.parametrize("kind", ["event", "time_to_event"])
def test_refused_where_a_criterion_is_read_visit_by_visit(node, kind):
    definition = {"id": "BAD", "title": "", "timepoints": [WEEK_24],
                  "endpoints": [{"kind": kind, "name": "x", "timepoints": ["week 24"],
                                 "event": node}]}
    with pytest.raises(ep.DefinitionError, match="visit by visit"):
        TrialDefinition(**definition)
    with pytest.raises(ep.DefinitionError, match=f"\\({next(iter(node))}\\)"):
        TrialDefinition.model_validate(definition)
    inside_ever = {**definition, "endpoints": [
        {"kind": "response", "name": "x", "timepoints": ["week 24"], "criteria": {"ever": node}}]}
    with pytest.raises(ep.DefinitionError, match="visit by visit"):
        TrialDefinition(**inside_ever)


@pytest.mark.parametrize(("node", "field"), [
    ({"confirmed": UPCR_CR, "after": 0}, "after"),
    ({"confirmed": UPCR_CR}, "after"),
    ({"sustained": UPCR_CR, "over": 0}, "over"),
    ({"sustained": UPCR_CR}, "over"),
])
def test_the_interval_is_required_and_at_least_one_day(node, field):
    with pytest.raises(ep.DefinitionError, match=field):
        trial(node)


def test_toml_forms(tmp_path):
    path = tmp_path / "confirmed.toml"
    path.write_text("""\
id = "CS-TOML"
title = "confirmed and sustained"

[[timepoints]]
label = "week 24"
day = 168

[criteria]
confirmed_cr = { confirmed = { variable = "upcr", op = "<", value = 0.5 }, after = 28 }
sustained_cr = { sustained = { variable = "upcr", op = "<", value = 0.5 }, over = 84 }

[[endpoints]]
name = "x"
kind = "response"
criteria = { all = ["confirmed_cr", "sustained_cr"] }
timepoints = ["week 24"]
""", encoding="utf-8")
    loaded = ep.load_trial(path)
    assert isinstance(loaded.criteria["confirmed_cr"], Confirmed)
    assert isinstance(loaded.criteria["sustained_cr"], Sustained)
    assert loaded.criteria["confirmed_cr"].after == 28
    assert loaded.criteria["sustained_cr"].over == 84
    check(one(loaded, [0, 112, 168, 196], upcr=[3.0, 0.4, 0.4, 0.3]), True)
    assert TrialDefinition.model_validate_json(loaded.model_dump_json()) == loaded


# --- describe / explain -----------------------------------------------------------------------


def test_describe_texts():
    upcr = Compare(variable="upcr", op="<", value=0.5)
    assert Confirmed(confirmed=upcr, after=28).describe() == (
        "upcr < 0.5 confirmed >= 28 days later")
    assert Sustained(sustained=upcr, over=84).describe() == (
        "upcr < 0.5 at every visit over the last 84 days")
    assert Confirmed(confirmed="renal_cr", after=90).describe() == (
        "renal_cr confirmed >= 90 days later")
    both = AllOf(all=(upcr, Compare(variable="egfr", op=">=", value=60)))
    assert Sustained(sustained=both, over=56).describe() == (
        "upcr < 0.5 and egfr >= 60 at every visit over the last 56 days")
    assert Confirmed(confirmed=upcr, after=28, label="confirmed CR").describe() == (
        "confirmed CR")
    assert "at least 28 days later" in Confirmed(confirmed=upcr, after=28, label="c").explain()
    assert "84 days" in Sustained(sustained=upcr, over=84, label="s").explain()


def test_the_reason_uses_the_label():
    definition = trial({"confirmed": UPCR_CR, "after": 28, "label": "confirmed CR"})
    check(one(definition, [0, 168, 196], upcr=[3.0, 0.4, 0.9]), False,
          "confirmed CR: not confirmed at day 196")


# --- many subjects, any row order -----------------------------------------------------------


def visits_of_many():
    rows = []
    for s, (days, upcr, egfr) in enumerate([
        ([0, 168, 196], [3.0, 0.4, 0.3], [90, 90, 90]),        # confirmed, sustained
        ([0, 168, 195, 210], [3.0, 0.4, 0.3, 0.9], [90] * 4),  # refuted at 210
        ([0, 168, 195], [3.0, 0.4, 0.3], [90] * 3),            # no confirming visit
        ([0, 84, 168, 196], [3.0, 0.5, 0.4, NA], [90] * 4),    # fails at 84, unknown at 196
        ([-14, 0, 120, 168, 200], [2.0, NA, 0.3, 0.3, 0.3], [90] * 5),
        ([0, 100], [3.0, 0.3], [90, 90]),                      # no assessment visit
        ([0, 83, 112, 168, 197], [3.0, 0.9, NA, 0.4, 0.3], [90] * 5),
    ]):
        rows += [{"subject_id": f"S{s}", "day": d, "upcr": u, "egfr": float(e)}
                 for d, u, e in zip(days, upcr, egfr, strict=True)]
    return pd.DataFrame(rows)


def test_results_do_not_depend_on_row_order():
    definition = TrialDefinition(
        id="CS", title="", timepoints=[WEEK_24, {"label": "week 12", "day": 84}],
        endpoints=[{"kind": "response", "name": "c", "timepoints": ["week 12", "week 24"],
                    "criteria": {"confirmed": {"all": [UPCR_CR, EGFR_OK]}, "after": 28}},
                   {"kind": "response", "name": "s", "timepoints": ["week 12", "week 24"],
                    "criteria": {"sustained": UPCR_CR, "over": 84}}])
    visits = visits_of_many()
    expected = ep.score(visits, definition)
    by_subject = expected[expected.timepoint == "week 24"].set_index(["endpoint", "subject_id"])
    def results(endpoint):
        got = by_subject.loc[endpoint].result
        return {s: None if r is pd.NA else bool(r) for s, r in got.items()}

    assert results("c") == {"S0": True, "S1": False, "S2": None, "S3": None, "S4": True,
                            "S5": None, "S6": True}
    assert results("s") == {"S0": True, "S1": True, "S2": True, "S3": False, "S4": True,
                            "S5": None, "S6": None}
    for seed in range(5):
        shuffled = visits.sample(frac=1, random_state=seed).reset_index(drop=True)
        pd.testing.assert_frame_equal(ep.score(shuffled, definition), expected)
