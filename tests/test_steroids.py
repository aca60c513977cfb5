"""Hand-written boundary examples for the steroid (and immunosuppressant) endpoints.

Black-box tests of ``ep.score`` against SPEC.md sections 3-4 and docs/interpretations.md.
Every expectation is hard-coded (worked out by hand); nothing here re-implements the rules.

NCT03673748 (Valladolid), week 24 = day 168:
* ``steroid_reduction``: prednisone at week 24 <= 75% of the selection visit's (the earliest
  visit with prednisone recorded) and <= 7.5; no visit in the period with a new BILAG A or
  two or more new BILAG B against the selection visit's grades. Selection dose 0: <NA>,
  "not on steroids".
* ``steroid_reduction_category``: ">50%" (dose < 50% of selection), "25-50%" (<= 75%),
  "<25%" otherwise.
* ``immunosuppressant_reduction``: dose below the selection visit's, no exacerbation.
* ``cumulative_steroid_dose``: days 0-167; a recorded dose holds until the next one.
NCT02633163 (MiSLE), week 52 = day 364:
* ``steroid_discontinuation``: time to the first visit with prednisone 0 among subjects
  with baseline prednisone > 0.
* ``cumulative_steroid_dose``: days 0-363.

Only the columns these endpoints read are supplied; the EndpointsWarning about the other
endpoints' absent columns is ignored.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import endpoints as ep

from helpers import assert_result, assert_value, bilag, has_reason, make_frame, med, pick

pytestmark = pytest.mark.filterwarnings("ignore::endpoints.EndpointsWarning")

VALLADOLID = "NCT03673748"
MISLE = "NCT02633163"

SR = "steroid_reduction"
SRC = "steroid_reduction_category"
ISR = "immunosuppressant_reduction"
CUM = "cumulative_steroid_dose"
DISC = "steroid_discontinuation"
W24 = "week 24"
W52 = "week 52"


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def assert_not_applicable(row: pd.Series, reason: str) -> None:
    where = f"{row.endpoint} {row.timepoint}: {row.to_dict()!r}"
    assert row.result is pd.NA, where
    assert pd.isna(row.category), where
    assert pd.isna(row.value), where
    assert pd.isna(row.day), where
    assert reason in row.reason.lower(), where


def rows_for(visits: dict[int, dict[str, Any]], subject: str = "s1") -> list[dict[str, Any]]:
    return [{"subject_id": subject, "day": day, **v} for day, v in sorted(visits.items())]


def score(trial: str, visits: dict[int, dict[str, Any]]) -> pd.DataFrame:
    return ep.score(make_frame(rows_for(visits)), trial)


# --------------------------------------------------------------------------------------
# NCT03673748 steroid_reduction and steroid_reduction_category (week 24 = day 168)
# Selection visit: screening (day -14); day 0 repeats the selection dose; the week-24
# visit is day 168. All BILAG grades C unless an exacerbation is the subject.
# --------------------------------------------------------------------------------------


def reduction_visits(
    selection: float | None, week24: float | None, *, day0: float | str | None = "same"
) -> dict[int, dict[str, Any]]:
    return {
        -14: {"prednisone": selection, **bilag()},
        0: {"prednisone": selection if day0 == "same" else day0, **bilag()},
        168: {"prednisone": week24, **bilag()},
    }


REDUCTION_CASES = [
    # (selection dose, week-24 dose, steroid_reduction, category)
    pytest.param(10.0, 7.5, True, "25-50%", id="10-to-7.5-exactly-25pct-and-7.5"),
    pytest.param(8.0, 6.0, True, "25-50%", id="8-to-6-exactly-25pct"),
    pytest.param(10.0, 7.6, False, "<25%", id="10-to-7.6"),
    pytest.param(10.0, 7.51, False, "<25%", id="10-to-7.51"),
    pytest.param(10.0, 5.0, True, "25-50%", id="10-to-5-exactly-50pct"),
    pytest.param(10.0, 4.9, True, ">50%", id="10-to-4.9"),
    pytest.param(10.0, 0.0, True, ">50%", id="10-to-0"),
    pytest.param(20.0, 7.5, True, ">50%", id="20-to-7.5"),
    pytest.param(20.0, 15.0, False, "25-50%", id="20-to-15-25pct-but-above-7.5"),
    pytest.param(20.0, 10.0, False, "25-50%", id="20-to-10-50pct-but-above-7.5"),
    pytest.param(20.0, 9.9, False, ">50%", id="20-to-9.9"),
    pytest.param(20.0, 15.1, False, "<25%", id="20-to-15.1"),
    pytest.param(20.0, 20.0, False, "<25%", id="20-no-change"),
    pytest.param(20.0, 25.0, False, "<25%", id="20-to-25-increase"),
    pytest.param(7.5, 7.5, False, "<25%", id="7.5-no-change"),
    pytest.param(6.0, 4.6, False, "<25%", id="6-to-4.6-23pct"),
    pytest.param(6.0, 4.5, True, "25-50%", id="6-to-4.5-25pct"),
    # decimal-safe: 0.75 x 1.9 is 1.4249999999999998 in binary floats
    pytest.param(1.9, 1.425, True, "25-50%", id="1.9-to-1.425-decimal-25pct"),
    # decimal-safe: 0.5 x (0.1 + 0.2) is 0.15000000000000002 in binary floats
    pytest.param(0.1 + 0.2, 0.15, True, "25-50%", id="0.3-to-0.15-decimal-50pct"),
    # missing dose at the week-24 visit
    pytest.param(10.0, None, None, None, id="week-24-dose-missing"),
]


@pytest.mark.parametrize(("selection", "week24", "expected", "category"), REDUCTION_CASES)
def test_steroid_reduction_doses(selection, week24, expected, category):
    out = score(VALLADOLID, reduction_visits(selection, week24))
    row = pick(out, SR, W24)
    assert_result(row, expected)
    assert row.day == 168
    cat = pick(out, SRC, W24)
    assert cat.result is pd.NA
    assert has_reason(cat)
    if category is None:
        assert pd.isna(cat.category)
    else:
        assert cat.category == category
        assert cat.day == 168


def test_steroid_reduction_selection_is_earliest_recorded_visit():
    # selection (screening) 8, day 0 6: reduction is measured against 8 -> 25%
    out = score(VALLADOLID, reduction_visits(8.0, 6.0, day0=6.0))
    assert_result(pick(out, SR, W24), True)
    assert pick(out, SRC, W24).category == "25-50%"
    # selection 20, day 0 7.5, week 24 7.5: 62.5% from selection
    out = score(VALLADOLID, reduction_visits(20.0, 7.5, day0=7.5))
    assert_result(pick(out, SR, W24), True)
    assert pick(out, SRC, W24).category == ">50%"
    # screening without a dose: the selection visit is day 0 (6): 6 -> 6 is no reduction
    out = score(VALLADOLID, reduction_visits(None, 6.0, day0=6.0))
    assert_result(pick(out, SR, W24), False)
    assert pick(out, SRC, W24).category == "<25%"


def test_steroid_reduction_not_on_steroids():
    out = score(VALLADOLID, reduction_visits(0.0, 0.0))
    assert_not_applicable(pick(out, SR, W24), "not on steroids")
    assert_not_applicable(pick(out, SRC, W24), "not on steroids")
    # selection (screening) 0 although day 0 is 10: the selection visit decides
    out = score(VALLADOLID, reduction_visits(0.0, 5.0, day0=10.0))
    assert_not_applicable(pick(out, SR, W24), "not on steroids")
    assert_not_applicable(pick(out, SRC, W24), "not on steroids")


def test_steroid_reduction_no_visit_in_window():
    visits = reduction_visits(10.0, 5.0)
    visits[200] = visits.pop(168)
    out = score(VALLADOLID, visits)
    row = pick(out, SR, W24)
    assert_result(row, None)
    assert pd.isna(row.day)
    assert "no visit in window" in row.reason.lower()
    assert pd.isna(pick(out, SRC, W24).category)


# Exacerbation: selection grades all C (screening and day 0), week-24 dose 5 from 10
# (reduction met); grades at day 84 and at the week-24 visit vary.
EXACERBATION_CASES = [
    pytest.param({}, {}, True, id="no-exacerbation"),
    pytest.param(bilag(renal="A"), {}, False, id="new-A-at-84"),
    pytest.param({}, bilag(renal="A"), False, id="new-A-at-week-24"),
    pytest.param(bilag(renal="B"), {}, True, id="one-new-B-at-84"),
    pytest.param(bilag(renal="B", mucocutaneous="B"), {}, False, id="two-new-B-at-84"),
    pytest.param(
        bilag(renal="E", mucocutaneous="D"),
        bilag(renal="B", mucocutaneous="B"),
        False,
        id="two-new-B-at-week-24",
    ),
    # one new B at each of two visits: no visit has two
    pytest.param(bilag(renal="B"), bilag(mucocutaneous="B"), True, id="one-new-B-per-visit"),
    # renal stays B and mucocutaneous becomes B: two new B at the week-24 visit
    pytest.param(
        bilag(renal="B"), bilag(renal="B", mucocutaneous="B"), False, id="two-new-B-cumulated"
    ),
    # a visit with a missing grade could have been a new A
    pytest.param(bilag(renal=None), {}, None, id="grade-missing-at-84"),
    pytest.param(bilag(renal=None, mucocutaneous="A"), {}, False, id="grade-missing-and-new-A"),
]


@pytest.mark.parametrize(("at84", "at168", "expected"), EXACERBATION_CASES)
def test_steroid_reduction_exacerbation(at84, at168, expected):
    visits = {
        -14: {"prednisone": 10.0, **bilag()},
        0: {"prednisone": 10.0, **bilag()},
        84: {"prednisone": 10.0, **bilag(), **at84},
        168: {"prednisone": 5.0, **bilag(), **at168},
    }
    out = score(VALLADOLID, visits)
    assert_result(pick(out, SR, W24), expected)
    # the category does not look at exacerbations
    assert pick(out, SRC, W24).category == "25-50%"


def test_steroid_reduction_exacerbation_and_dose_failure():
    # grade missing (exacerbation unknown) but the dose criterion fails: False
    visits = {
        -14: {"prednisone": 10.0, **bilag()},
        84: {"prednisone": 10.0, **bilag(renal=None)},
        168: {"prednisone": 8.0, **bilag()},
    }
    assert_result(pick(score(VALLADOLID, visits), SR, W24), False)


def test_steroid_reduction_exacerbation_after_week_24_visit():
    visits = {
        -14: {"prednisone": 10.0, **bilag()},
        0: {"prednisone": 10.0, **bilag()},
        168: {"prednisone": 5.0, **bilag()},
        190: {"prednisone": 5.0, **bilag(renal="A", mucocutaneous="A")},
    }
    row = pick(score(VALLADOLID, visits), SR, W24)
    assert_result(row, True)
    assert row.day == 168


def test_steroid_reduction_exacerbation_before_day_1_not_counted():
    # renal A at day 0 against selection C: day 0 is not in the period (0 < day)
    visits = {
        -14: {"prednisone": 10.0, **bilag()},
        0: {"prednisone": 10.0, **bilag(renal="A")},
        168: {"prednisone": 5.0, **bilag(renal="A")},
    }
    # the week-24 visit itself has renal A against selection C: a new A -> False
    assert_result(pick(score(VALLADOLID, visits), SR, W24), False)
    visits[168] = {"prednisone": 5.0, **bilag()}
    assert_result(pick(score(VALLADOLID, visits), SR, W24), True)


def test_steroid_reduction_exacerbation_against_selection_grades():
    # renal and mucocutaneous B at selection (screening), C at day 0, B again at day 84:
    # not new against the selection grades (against day 0 they would be two new B)
    visits = {
        -14: {"prednisone": 10.0, **bilag(renal="B", mucocutaneous="B")},
        0: {"prednisone": 10.0, **bilag()},
        84: {"prednisone": 10.0, **bilag(renal="B", mucocutaneous="B")},
        168: {"prednisone": 5.0, **bilag()},
    }
    assert_result(pick(score(VALLADOLID, visits), SR, W24), True)
    # renal B at selection, A at 84: new A (B is in B-E)
    visits[84] = {"prednisone": 10.0, **bilag(renal="A")}
    visits[-14] = {"prednisone": 10.0, **bilag(renal="B")}
    assert_result(pick(score(VALLADOLID, visits), SR, W24), False)
    # renal A at selection, A at 84: not new
    visits[-14] = {"prednisone": 10.0, **bilag(renal="A")}
    assert_result(pick(score(VALLADOLID, visits), SR, W24), True)


def test_steroid_reduction_reason_names_failed_criterion():
    row = pick(score(VALLADOLID, reduction_visits(10.0, 7.6)), SR, W24)
    assert "prednisone" in row.reason.lower()


# --------------------------------------------------------------------------------------
# NCT03673748 immunosuppressant_reduction (week 24)
# --------------------------------------------------------------------------------------

IS_CASES = [
    # (selection dose, day-0 dose, week-24 dose, grades at 84, expected)
    pytest.param(2000.0, 2000.0, 1500.0, {}, True, id="2000-to-1500"),
    pytest.param(2000.0, 2000.0, 1999.99, {}, True, id="2000-to-1999.99"),
    pytest.param(2000.0, 2000.0, 2000.0, {}, False, id="no-change"),
    pytest.param(2000.0, 2000.0, 2500.0, {}, False, id="increase"),
    pytest.param(2000.0, 2000.0, 0.0, {}, True, id="stopped"),
    pytest.param(3000.0, 2000.0, 2000.0, {}, True, id="selection-is-screening"),
    pytest.param(2000.0, 2000.0, None, {}, None, id="week-24-dose-missing"),
    pytest.param(None, 2000.0, 1500.0, {}, True, id="selection-is-day-0"),
    pytest.param(2000.0, 2000.0, 1500.0, bilag(renal="A"), False, id="new-A"),
    pytest.param(2000.0, 2000.0, 1500.0, bilag(renal="B"), True, id="one-new-B"),
    pytest.param(
        2000.0, 2000.0, 1500.0, bilag(renal="B", haematological="B"), False, id="two-new-B"
    ),
    pytest.param(2000.0, 2000.0, 1500.0, bilag(renal=None), None, id="grade-missing"),
    pytest.param(2000.0, 2000.0, 2000.0, bilag(renal=None), False, id="grade-missing-no-cut"),
]


@pytest.mark.parametrize(("selection", "day0", "week24", "at84", "expected"), IS_CASES)
def test_immunosuppressant_reduction(selection, day0, week24, at84, expected):
    visits = {
        -14: {"immunosuppressant_dose": selection, **bilag()},
        0: {"immunosuppressant_dose": day0, **bilag()},
        84: {"immunosuppressant_dose": day0, **bilag(), **at84},
        168: {"immunosuppressant_dose": week24, **bilag()},
    }
    row = pick(score(VALLADOLID, visits), ISR, W24)
    assert_result(row, expected)
    assert row.day == 168


# --------------------------------------------------------------------------------------
# cumulative_steroid_dose: NCT03673748 week 24 (days 0-167), NCT02633163 week 52 (0-363)
# --------------------------------------------------------------------------------------


def doses(series: dict[int, float | None]) -> dict[int, dict[str, Any]]:
    return {day: {"prednisone": dose} for day, dose in series.items()}


CUMULATIVE_24_CASES = [
    # 20 x 84 days (0-83) + 10 x 84 days (84-167)
    pytest.param({0: 20.0, 84: 10.0, 168: 10.0}, 2520.0, id="20-then-10"),
    pytest.param({0: 10.0, 168: 10.0}, 1680.0, id="10-constant"),
    pytest.param({0: 10.0, 168: 50.0}, 1680.0, id="day-168-dose-not-in-sum"),
    # baseline recorded at screening (day -7) holds from day 0
    pytest.param({-7: 20.0, 84: 10.0, 168: 10.0}, 2520.0, id="baseline-from-screening"),
    pytest.param({-7: 20.0, 0: None, 84: 10.0, 168: 10.0}, 2520.0, id="day-0-dose-missing"),
    # the screening dose is replaced by the day-0 dose (days before 0 are not summed)
    pytest.param({-7: 40.0, 0: 20.0, 84: 10.0, 168: 10.0}, 2520.0, id="screening-then-day-0"),
    # a missing dose in between: the previous dose holds until the next recorded one
    pytest.param({0: 20.0, 42: None, 84: 10.0, 168: 10.0}, 2520.0, id="gap-in-between"),
    # a dose recorded after the target day does not add
    pytest.param({0: 20.0, 84: 10.0, 168: 10.0, 200: 50.0}, 2520.0, id="day-200-not-added"),
    # three steps: 20 x 84 + 10 x 56 + 5 x 28
    pytest.param({0: 20.0, 84: 10.0, 140: 5.0}, 2380.0, id="last-dose-day-140-exactly-28"),
    pytest.param({0: 20.0, 84: 10.0, 139: 5.0}, None, id="last-dose-day-139-too-early"),
    pytest.param({0: 20.0, 84: 10.0, 139: 5.0, 168: None}, None, id="last-dose-139-visit-168"),
    pytest.param({0: 0.0, 168: 0.0}, 0.0, id="no-steroids"),
    pytest.param({0: 0.0, 84: 10.0, 168: 10.0}, 840.0, id="started-day-84"),
    # no dose on or before day 0
    pytest.param({-7: None, 0: None, 14: 20.0, 168: 20.0}, None, id="no-baseline-dose"),
    pytest.param({14: 20.0, 168: 20.0}, None, id="first-visit-day-14"),
    # 2.5 x 168 decimal
    pytest.param({0: 2.5, 168: 2.5}, 420.0, id="2.5-constant"),
]


@pytest.mark.parametrize(("series", "expected"), CUMULATIVE_24_CASES)
def test_cumulative_steroid_dose_week_24(series, expected):
    row = pick(score(VALLADOLID, doses(series)), CUM, W24)
    assert row.result is pd.NA
    assert has_reason(row)
    assert_value(row, expected)


CUMULATIVE_52_CASES = [
    # 10 x 182 (0-181) + 5 x 182 (182-363)
    pytest.param({0: 10.0, 182: 5.0, 364: 5.0}, 2730.0, id="10-then-5"),
    pytest.param({0: 10.0, 364: 10.0}, 3640.0, id="10-constant"),
    # 10 x 336 + 5 x 28
    pytest.param({0: 10.0, 336: 5.0}, 3500.0, id="last-dose-day-336-exactly-28"),
    pytest.param({0: 10.0, 335: 5.0}, None, id="last-dose-day-335-too-early"),
    pytest.param({-10: 10.0, 182: 0.0, 364: 0.0}, 1820.0, id="screening-then-stop"),
    pytest.param({30: 10.0, 364: 10.0}, None, id="no-baseline-dose"),
]


@pytest.mark.parametrize(("series", "expected"), CUMULATIVE_52_CASES)
def test_cumulative_steroid_dose_week_52(series, expected):
    row = pick(score(MISLE, doses(series)), CUM, W52)
    assert row.result is pd.NA
    assert has_reason(row)
    assert_value(row, expected)


# --------------------------------------------------------------------------------------
# NCT02633163 steroid_discontinuation (week 52 = day 364)
# --------------------------------------------------------------------------------------

DISCONTINUATION_CASES = [
    # (doses, result, value)
    pytest.param({0: 5.0, 84: 5.0, 200: 0.0, 364: 0.0}, True, 200.0, id="stopped-day-200"),
    pytest.param({0: 5.0, 84: 0.0, 200: 5.0, 364: 5.0}, True, 84.0, id="first-zero-counts"),
    pytest.param({0: 5.0, 364: 0.0}, True, 364.0, id="stopped-at-week-52"),
    pytest.param({0: 5.0, 84: 5.0, 200: 2.5, 364: 2.5}, False, 364.0, id="never-zero"),
    pytest.param({0: 5.0, 84: 0.01, 364: 1.0}, False, 364.0, id="0.01-is-not-zero"),
    # censored at the last visit in the period with the dose known
    pytest.param({0: 5.0, 84: 5.0, 300: 5.0, 364: None}, False, 300.0, id="censor-last-known"),
    # a zero after the week-52 visit is outside the period
    pytest.param({0: 5.0, 364: 5.0, 380: 0.0}, False, 364.0, id="zero-after-week-52-visit"),
    # baseline from screening
    pytest.param({-10: 5.0, 0: None, 100: 0.0, 364: 0.0}, True, 100.0, id="baseline-screening"),
    # screening zero and day 0 on steroids: baseline is day 0
    pytest.param({-10: 0.0, 0: 5.0, 100: 0.0, 364: 0.0}, True, 100.0, id="baseline-day-0"),
]


@pytest.mark.parametrize(("series", "expected", "value"), DISCONTINUATION_CASES)
def test_steroid_discontinuation(series, expected, value):
    row = pick(score(MISLE, doses(series)), DISC, W52)
    assert_result(row, expected)
    assert_value(row, value)


@pytest.mark.parametrize(
    "series",
    [
        pytest.param({0: 0.0, 100: 0.0, 364: 0.0}, id="zero-throughout"),
        pytest.param({0: 0.0, 100: 10.0, 364: 0.0}, id="started-after-baseline"),
        pytest.param({-10: 5.0, 0: 0.0, 364: 0.0}, id="stopped-before-day-1"),
    ],
)
def test_steroid_discontinuation_not_on_steroids(series):
    row = pick(score(MISLE, doses(series)), DISC, W52)
    assert_not_applicable(row, "not on steroids at baseline")


def test_steroid_discontinuation_unknown():
    # no post-baseline visit
    row = pick(score(MISLE, doses({0: 5.0})), DISC, W52)
    assert_result(row, None)
    assert_value(row, None)
    # no baseline dose: cannot tell whether the subject was on steroids
    row = pick(score(MISLE, doses({0: None, 100: 0.0, 364: 0.0})), DISC, W52)
    assert_result(row, None)
    assert_value(row, None)


def test_cumulative_steroid_dose_reasons():
    row = pick(score(VALLADOLID, doses({0: 20.0, 84: 10.0, 139: 5.0})), CUM, W24)
    assert "28 days" in row.reason
    row = pick(score(VALLADOLID, doses({14: 20.0, 168: 20.0})), CUM, W24)
    assert "baseline" in row.reason.lower()


# --------------------------------------------------------------------------------------
# cumulative_steroid_dose from a medications table: exact daily sums, pulses included,
# corticosteroids converted to prednisone-equivalent (prednisone 5 = prednisolone 5 =
# methylprednisolone 4 = hydrocortisone 20 = dexamethasone 0.75 = deflazacort 6).
# --------------------------------------------------------------------------------------


MEDICATION_CASES = [
    pytest.param([med("prednisone", 0, None, 10.0)], 1680.0, id="prednisone-10-ongoing"),
    # 10 x 168 + 5 x 10 (methylprednisolone 4 = 5) + 625 (methylprednisolone 500 pulse)
    pytest.param(
        [
            med("prednisone", 0, None, 10.0),
            med("methylprednisolone", 0, 9, 4.0),
            med("Methylprednisolone", 100, 100, 500.0),
        ],
        2355.0,
        id="concurrent-and-pulse",
    ),
    # prednisolone 20 days -30..83 (only 0..83 counted) then prednisone 10 from day 84
    pytest.param(
        [med("prednisolone", -30, 83, 20.0), med("PREDNISONE", 84, None, 10.0)],
        2520.0,
        id="prednisolone-then-prednisone",
    ),
    pytest.param([med("hydrocortisone", 0, None, 20.0)], 840.0, id="hydrocortisone-20-is-5"),
    pytest.param([med("deflazacort", 0, 83, 6.0)], 420.0, id="deflazacort-6-is-5-for-84-days"),
    pytest.param([med("dexamethasone", 0, 0, 0.75)], 5.0, id="dexamethasone-0.75-one-day"),
    # a pulse on day 168 is outside days 0-167; one on day 167 is inside
    pytest.param(
        [med("prednisone", 0, None, 10.0), med("methylprednisolone", 168, 168, 500.0)],
        1680.0,
        id="pulse-on-day-168",
    ),
    pytest.param(
        [med("prednisone", 0, None, 10.0), med("methylprednisolone", 167, 167, 500.0)],
        2305.0,
        id="pulse-on-day-167",
    ),
]


@pytest.mark.parametrize(("meds", "expected"), MEDICATION_CASES)
def test_cumulative_steroid_dose_from_medications(meds, expected):
    visits = pd.DataFrame([{"subject_id": "s1", "day": d} for d in (0, 84, 168)])
    out = ep.score(visits, VALLADOLID, medications=pd.DataFrame(meds))
    row = pick(out, CUM, W24)
    assert row.result is pd.NA
    assert_value(row, expected)
