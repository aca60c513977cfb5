"""Hand-written boundary examples for the SRI-4 endpoint (``sri4``).

Black-box tests of ``ep.score`` against SPEC.md sections 3-4 and docs/interpretations.md.
Every expectation is hard-coded (worked out by hand); nothing here re-implements the rules.

SRI-4: SLEDAI change from baseline <= -4; no new BILAG A; at most one new BILAG B (both
against the baseline grades); PGA change from baseline < 0.3 (decimal-safe).
NCT02633163 adds: prednisone <= 10 mg/day at every visit from the week-20 assessment visit
through the week-24 assessment visit (no week-20 visit: from day 140).

Only the columns SRI reads are supplied, so the EndpointsWarning about the other endpoints'
absent columns is ignored.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import endpoints as ep

from helpers import assert_result, bilag, has_reason, make_frame, med, pick

pytestmark = pytest.mark.filterwarnings("ignore::endpoints.EndpointsWarning")

MSC_ROLE = "NCT03917797"  # sri4 at month 12 (day 365)
NANJING = "NCT03580291"  # sri4 at week 24 (day 168), no steroid condition
MISLE = "NCT02633163"  # sri4 at week 24 (day 168) with the week-20..24 steroid condition


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def sri_visit(
    day: int,
    subject: str = "s1",
    *,
    sledai: float | None = 10.0,
    pga: float | None = 1.0,
    grades: dict[str, str | None] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One visit: SLEDAI, PGA and all BILAG domains (default grade C), plus extras."""
    row: dict[str, Any] = {"subject_id": subject, "day": day, "sledai": sledai, "pga": pga}
    row.update(bilag() if grades is None else grades)
    row.update(extra)
    return row


def sri(trial: str, rows: list[dict[str, Any]], timepoint: str, subject: str = "s1"):
    return pick(ep.score(make_frame(rows), trial), "sri4", timepoint, subject)


# --------------------------------------------------------------------------------------
# NCT03917797 (MSC-ROLE), month 12 = day 365
# Baseline (day 0): SLEDAI 10, PGA 1.0, all BILAG C.  Visit (day 365): SLEDAI 6 (-4),
# PGA 1.0, all BILAG C, unless overridden.
# --------------------------------------------------------------------------------------

MSC_ROLE_CASES = [
    pytest.param({}, {}, True, id="all-met"),
    # SLEDAI reduction >= 4
    pytest.param({}, {"sledai": 6.0}, True, id="sledai-reduction-4-exactly"),
    pytest.param({}, {"sledai": 7.0}, False, id="sledai-reduction-3"),
    pytest.param({}, {"sledai": 0.0}, True, id="sledai-reduction-10"),
    pytest.param({}, {"sledai": 10.0}, False, id="sledai-no-change"),
    pytest.param({}, {"sledai": 14.0}, False, id="sledai-increase"),
    pytest.param({"sledai": 4.0}, {"sledai": 0.0}, True, id="sledai-4-to-0"),
    pytest.param({"sledai": 3.0}, {"sledai": 0.0}, False, id="sledai-3-to-0"),
    # PGA increase < 0.3
    pytest.param({}, {"pga": 1.2}, True, id="pga-increase-0.2"),
    pytest.param({}, {"pga": 1.3}, False, id="pga-increase-0.3-exactly"),
    pytest.param({}, {"pga": 1.29}, True, id="pga-increase-0.29"),
    pytest.param({"pga": 2.0}, {"pga": 2.3}, False, id="pga-2.0-to-2.3-decimal-0.3"),
    pytest.param({"pga": 2.0}, {"pga": 2.2}, True, id="pga-2.0-to-2.2"),
    pytest.param({"pga": 0.4}, {"pga": 0.7}, False, id="pga-0.4-to-0.7-decimal-0.3"),
    pytest.param({"pga": 2.5}, {"pga": 0.0}, True, id="pga-decrease"),
    pytest.param({"pga": 3.0}, {"pga": 3.0}, True, id="pga-3-unchanged"),
    # new BILAG B (grade B at the visit, baseline C-E): at most one
    pytest.param({}, {"grades": bilag(renal="B")}, True, id="one-new-B-C-to-B"),
    pytest.param(
        {"grades": bilag(renal="E")}, {"grades": bilag(renal="B")}, True, id="one-new-B-E-to-B"
    ),
    pytest.param({}, {"grades": bilag(renal="B", mucocutaneous="B")}, False, id="two-new-B"),
    pytest.param(
        {"grades": bilag(renal="D", mucocutaneous="E")},
        {"grades": bilag(renal="B", mucocutaneous="B")},
        False,
        id="two-new-B-from-D-and-E",
    ),
    pytest.param(
        {"grades": bilag(renal="B", mucocutaneous="B")},
        {"grades": bilag(renal="B", mucocutaneous="B")},
        True,
        id="B-to-B-twice-not-new",
    ),
    pytest.param(
        {"grades": bilag(renal="A", mucocutaneous="A")},
        {"grades": bilag(renal="B", mucocutaneous="B")},
        True,
        id="A-to-B-twice-not-new",
    ),
    pytest.param(
        {"grades": bilag(renal="B")},
        {"grades": bilag(renal="B", mucocutaneous="B")},
        True,
        id="one-persistent-B-one-new-B",
    ),
    # new BILAG A (grade A at the visit, baseline B-E)
    pytest.param({}, {"grades": bilag(renal="A")}, False, id="new-A-from-C"),
    pytest.param(
        {"grades": bilag(renal="B")}, {"grades": bilag(renal="A")}, False, id="new-A-from-B"
    ),
    pytest.param(
        {"grades": bilag(renal="E")}, {"grades": bilag(renal="A")}, False, id="new-A-from-E"
    ),
    pytest.param(
        {"grades": bilag(renal="A")}, {"grades": bilag(renal="A")}, True, id="A-to-A-not-new"
    ),
    pytest.param(
        {"grades": bilag(default="A")},
        {"grades": bilag(default="A")},
        True,
        id="all-A-to-all-A-not-new",
    ),
    # missing values and Kleene logic
    pytest.param({}, {"sledai": None}, None, id="sledai-missing"),
    pytest.param({"sledai": None}, {}, None, id="baseline-sledai-missing"),
    pytest.param({}, {"pga": None}, None, id="pga-missing"),
    pytest.param({}, {"sledai": None, "pga": 1.5}, False, id="sledai-missing-pga-fails"),
    pytest.param({}, {"pga": None, "sledai": 8.0}, False, id="pga-missing-sledai-fails"),
    pytest.param(
        {}, {"sledai": None, "grades": bilag(renal="A")}, False, id="sledai-missing-new-A"
    ),
    # a missing grade that could be a new A decides: unknown
    pytest.param({}, {"grades": bilag(renal=None)}, None, id="visit-grade-missing"),
    pytest.param(
        {"grades": bilag(renal=None)},
        {"grades": bilag(renal="A")},
        None,
        id="baseline-grade-missing-visit-A",
    ),
    # ... but not when another criterion is known to fail
    pytest.param(
        {}, {"grades": bilag(renal=None, mucocutaneous="A")}, False, id="grade-missing-new-A"
    ),
    pytest.param(
        {},
        {"grades": bilag(renal=None, mucocutaneous="B", musculoskeletal="B")},
        False,
        id="grade-missing-two-new-B",
    ),
    pytest.param(
        {}, {"grades": bilag(renal=None), "sledai": 7.0}, False, id="grade-missing-sledai-fails"
    ),
    pytest.param(
        {}, {"grades": bilag(renal=None), "pga": 1.3}, False, id="grade-missing-pga-fails"
    ),
    # a missing grade next to one known new B: a second new B (or a new A) is possible
    pytest.param(
        {}, {"grades": bilag(renal=None, mucocutaneous="B")}, None, id="grade-missing-one-new-B"
    ),
    # a grade that cannot be new whatever the missing value was
    pytest.param(
        {"grades": bilag(renal=None)},
        {"grades": bilag(renal="C")},
        True,
        id="baseline-grade-missing-visit-C",
    ),
    pytest.param(
        {"grades": bilag(renal=None)},
        {"grades": bilag(renal="B")},
        True,
        id="baseline-grade-missing-visit-B-at-most-one",
    ),
    pytest.param(
        {"grades": bilag(renal=None)},
        {"grades": bilag(renal="B", mucocutaneous="B")},
        None,
        id="baseline-grade-missing-visit-B-plus-new-B",
    ),
]


@pytest.mark.parametrize(("base", "at_visit", "expected"), MSC_ROLE_CASES)
def test_msc_role_sri4(base, at_visit, expected):
    rows = [sri_visit(0, **base), sri_visit(365, **{"sledai": 6.0, **at_visit})]
    row = sri(MSC_ROLE, rows, "month 12")
    assert_result(row, expected)
    assert row.day == 365


def test_msc_role_sri4_baseline_from_screening_per_variable():
    # SLEDAI only at screening (-14), PGA and BILAG at day 0: baseline SLEDAI 12.
    rows = [
        sri_visit(-14, sledai=12.0, pga=None, grades=bilag(default=None)),
        sri_visit(0, sledai=None),
        sri_visit(365, sledai=8.0),
    ]
    assert_result(sri(MSC_ROLE, rows, "month 12"), True)
    rows[2] = sri_visit(365, sledai=9.0)
    assert_result(sri(MSC_ROLE, rows, "month 12"), False)


def test_msc_role_sri4_screening_grade_is_overridden_by_day_0():
    # Baseline grade = last recorded on or before day 0: renal A at screening, C at day 0.
    rows = [
        sri_visit(-14, grades=bilag(renal="A")),
        sri_visit(0),
        sri_visit(365, sledai=6.0, grades=bilag(renal="A")),
    ]
    assert_result(sri(MSC_ROLE, rows, "month 12"), False)


def test_msc_role_sri4_reads_one_visit_only():
    # Visits at 350 (meets) and 370 (SLEDAI -2): 370 is nearer to 365, so it is used.
    rows = [sri_visit(0), sri_visit(350, sledai=6.0), sri_visit(370, sledai=8.0)]
    row = sri(MSC_ROLE, rows, "month 12")
    assert_result(row, False)
    assert row.day == 370
    # SLEDAI missing at the assessment visit is not taken from the other visit.
    rows = [sri_visit(0), sri_visit(350, sledai=6.0), sri_visit(370, sledai=None)]
    row = sri(MSC_ROLE, rows, "month 12")
    assert_result(row, None)
    assert row.day == 370


def test_msc_role_sri4_window_edges():
    rows = [sri_visit(0), sri_visit(393, sledai=6.0)]
    row = sri(MSC_ROLE, rows, "month 12")
    assert_result(row, True)
    assert row.day == 393
    rows = [sri_visit(0), sri_visit(394, sledai=6.0)]
    row = sri(MSC_ROLE, rows, "month 12")
    assert_result(row, None)
    assert pd.isna(row.day)
    assert "no visit in window" in row.reason.lower()


def test_msc_role_sri4_reasons_name_the_failed_criterion():
    row = sri(MSC_ROLE, [sri_visit(0), sri_visit(365, sledai=7.0)], "month 12")
    assert "sledai" in row.reason.lower()
    row = sri(MSC_ROLE, [sri_visit(0), sri_visit(365, sledai=6.0, pga=1.3)], "month 12")
    assert "pga" in row.reason.lower()
    row = sri(
        MSC_ROLE, [sri_visit(0), sri_visit(365, sledai=6.0, grades=bilag(renal="A"))], "month 12"
    )
    assert "bilag a" in row.reason.lower()


def test_msc_role_sri4_subject_without_data():
    rows = [sri_visit(0), sri_visit(365, sledai=6.0), {"subject_id": "s2", "day": 0}]
    out = ep.score(make_frame(rows), MSC_ROLE)
    assert_result(pick(out, "sri4", "month 12", "s1"), True)
    assert_result(pick(out, "sri4", "month 12", "s2"), None)


# --------------------------------------------------------------------------------------
# NCT03580291 (Nanjing), week 24 = day 168, no steroid condition
# --------------------------------------------------------------------------------------

NANJING_CASES = [
    pytest.param({}, {}, True, id="all-met"),
    pytest.param({}, {"sledai": 7.0}, False, id="sledai-reduction-3"),
    pytest.param({"pga": 2.0}, {"pga": 2.3}, False, id="pga-2.0-to-2.3"),
    pytest.param({"pga": 2.0}, {"pga": 2.2}, True, id="pga-2.0-to-2.2"),
    pytest.param({}, {"grades": bilag(renal="B")}, True, id="one-new-B"),
    pytest.param({}, {"grades": bilag(renal="B", haematological="B")}, False, id="two-new-B"),
    pytest.param({}, {"grades": bilag(renal="A")}, False, id="new-A"),
    pytest.param({}, {"grades": bilag(renal=None)}, None, id="grade-missing"),
    # no steroid condition: prednisone is not read
    pytest.param({}, {"prednisone": 40.0}, True, id="prednisone-40-irrelevant"),
]


@pytest.mark.parametrize(("base", "at_visit", "expected"), NANJING_CASES)
def test_nanjing_sri4(base, at_visit, expected):
    rows = [sri_visit(0, **base), sri_visit(168, **{"sledai": 6.0, **at_visit})]
    row = sri(NANJING, rows, "week 24")
    assert_result(row, expected)
    assert row.day == 168


def test_nanjing_sri4_at_every_visit_of_the_record():
    """SPEC section 4: "the SLE reaction index" at weeks 4, 8, 12, 16, 20 and 24, each
    assessed at its own visit (a visit serves a timepoint within its 28-day window)."""
    rows = [sri_visit(0), sri_visit(84, sledai=6.0), sri_visit(168, sledai=8.0)]
    out = ep.score(make_frame(rows), NANJING)
    sri = out[out.endpoint == "sri4"].set_index("timepoint")
    assert list(sri.index) == [f"week {w}" for w in (4, 8, 12, 16, 20, 24)]
    assert sri.loc["week 12", "result"] == True and sri.loc["week 12", "day"] == 84  # noqa: E712
    assert sri.loc["week 24", "result"] == False and sri.loc["week 24", "day"] == 168  # noqa: E712
    assert sri.loc["week 4", "reason"] == "no visit in window"  # day 84 is 56 days away
    assert sri.loc["week 8", "day"] == 84  # the week-12 visit is 28 days from week 8


# --------------------------------------------------------------------------------------
# NCT02633163 (MiSLE), week 24 = day 168, plus prednisone <= 10 from the week-20 visit
# (target day 140, window 28) through the week-24 visit.
# Every visit meets the SRI criteria (SLEDAI 10 -> 6) unless overridden; the prednisone
# doses are given per visit.
# --------------------------------------------------------------------------------------


def misle_rows(doses: dict[int, float | None], **at_visit: Any) -> list[dict[str, Any]]:
    """Baseline at day 0 (SLEDAI 10) and a visit per day in ``doses`` (SLEDAI 6)."""
    rows = []
    for day, dose in sorted(doses.items()):
        if day <= 0:
            rows.append(sri_visit(day, prednisone=dose))
        else:
            rows.append(sri_visit(day, sledai=6.0, prednisone=dose))
    if at_visit:
        rows[-1].update(at_visit)
    return rows


MISLE_STEROID_CASES = [
    pytest.param({0: 20.0, 140: 10.0, 168: 10.0}, True, id="10-at-week-20-and-24"),
    pytest.param({0: 20.0, 140: 10.0, 154: 10.0, 168: 10.0}, True, id="10-throughout"),
    pytest.param({0: 20.0, 140: 10.0, 154: 10.5, 168: 10.0}, False, id="10.5-in-between"),
    pytest.param({0: 20.0, 140: 10.5, 168: 10.0}, False, id="10.5-at-week-20"),
    pytest.param({0: 20.0, 140: 10.0, 168: 10.01}, False, id="10.01-at-week-24"),
    pytest.param({0: 20.0, 140: 16.1 - 6.1, 168: 10.0}, True, id="16.1-minus-6.1-is-10"),
    pytest.param({0: 20.0, 112: 20.0, 140: 10.0, 168: 10.0}, True, id="20-before-week-20-visit"),
    pytest.param({0: 20.0, 56: 30.0, 140: 10.0, 168: 5.0}, True, id="30-at-week-8"),
    # tie between 126 and 154 for week 20 (both 14 days off) goes to the later: 154
    pytest.param({0: 20.0, 126: 12.0, 154: 10.0, 168: 10.0}, True, id="tie-week-20-later"),
    pytest.param({0: 20.0, 126: 10.0, 154: 12.0, 168: 10.0}, False, id="tie-week-20-later-fails"),
    # a visit after the week-24 visit is outside the span
    pytest.param({0: 20.0, 140: 10.0, 168: 10.0, 190: 20.0}, True, id="20-after-week-24"),
    # missing dose in the span
    pytest.param({0: 20.0, 140: 10.0, 154: None, 168: 10.0}, None, id="missing-in-between"),
    pytest.param({0: 20.0, 140: None, 168: 10.0}, None, id="missing-at-week-20"),
    pytest.param({0: 20.0, 140: 10.0, 168: None}, None, id="missing-at-week-24"),
    pytest.param({0: 20.0, 140: None, 154: 12.0, 168: 10.0}, False, id="missing-and-12"),
    pytest.param({0: 20.0, 112: None, 140: 10.0, 168: 10.0}, True, id="missing-before-span"),
    # no week-20 visit (no visit in days 112-168): the span starts at day 140, so only
    # the week-24 visit (here day 175) is in it
    pytest.param({0: 20.0, 100: 20.0, 175: 10.0}, True, id="no-week-20-visit-10"),
    pytest.param({0: 20.0, 100: 20.0, 175: 12.0}, False, id="no-week-20-visit-12"),
    pytest.param({0: 20.0, 111: 20.0, 175: 10.0}, True, id="no-week-20-visit-111-outside"),
    pytest.param({0: 20.0, 100: 20.0, 175: None}, None, id="no-week-20-visit-missing"),
]


@pytest.mark.parametrize(("doses", "expected"), MISLE_STEROID_CASES)
def test_misle_sri4_steroid_condition(doses, expected):
    row = sri(MISLE, misle_rows(doses), "week 24")
    assert_result(row, expected)


def test_misle_sri4_steroid_reason():
    row = sri(MISLE, misle_rows({0: 20.0, 140: 10.0, 154: 10.5, 168: 10.0}), "week 24")
    assert "prednisone" in row.reason.lower()


MISLE_SRI_CASES = [
    pytest.param({}, True, id="all-met"),
    pytest.param({"sledai": 7.0}, False, id="sledai-reduction-3"),
    pytest.param({"pga": 1.3}, False, id="pga-increase-0.3"),
    pytest.param({"pga": 1.2}, True, id="pga-increase-0.2"),
    pytest.param({**bilag(renal="B")}, True, id="one-new-B"),
    pytest.param({**bilag(renal="B", mucocutaneous="B")}, False, id="two-new-B"),
    pytest.param({**bilag(renal="A")}, False, id="new-A"),
    pytest.param({"sledai": None}, None, id="sledai-missing"),
]


@pytest.mark.parametrize(("at_visit", "expected"), MISLE_SRI_CASES)
def test_misle_sri4_criteria(at_visit, expected):
    row = sri(MISLE, misle_rows({0: 20.0, 140: 10.0, 168: 10.0}, **at_visit), "week 24")
    assert_result(row, expected)
    assert row.day == 168


def test_misle_sri4_kleene_steroid_unknown_and_sri_failed():
    rows = misle_rows({0: 20.0, 140: None, 168: 10.0}, sledai=7.0)
    assert_result(sri(MISLE, rows, "week 24"), False)
    rows = misle_rows({0: 20.0, 140: 12.0, 168: 10.0}, sledai=None)
    assert_result(sri(MISLE, rows, "week 24"), False)


# --------------------------------------------------------------------------------------
# bilag_change (NCT03917797, month 12): BILAG numeric score (A=12, B=8, C=1, D=0, E=0
# over the recorded domains) at the assessment visit minus the baseline score.
# --------------------------------------------------------------------------------------

BILAG_CHANGE_CASES = [
    # 12 + 8 + 1 = 21 -> 8 + 1 = 9
    pytest.param(
        bilag(default="D", renal="A", mucocutaneous="B", haematological="C"),
        bilag(default="D", renal="B", mucocutaneous="C"),
        -12.0,
        id="21-to-9",
    ),
    pytest.param(bilag(default="E"), bilag(default="E"), 0.0, id="all-E"),
    pytest.param(bilag(default="D"), bilag(default="E"), 0.0, id="all-D-to-all-E"),
    pytest.param(bilag(default="C"), bilag(default="A"), 99.0, id="all-C-9-to-all-A-108"),
    pytest.param(bilag(default="A"), bilag(default="C"), -99.0, id="all-A-to-all-C"),
    pytest.param(bilag(default="B"), bilag(default="E"), -72.0, id="all-B-72-to-0"),
    pytest.param(
        bilag(default="E", renal="C"), bilag(default="E", renal="A"), 11.0, id="renal-C-to-A"
    ),
    # only the recorded domains are summed: 12 -> 1 + 8
    pytest.param(
        bilag(default=None, renal="A"),
        bilag(default=None, renal="C", mucocutaneous="B"),
        -3.0,
        id="partial-domains",
    ),
    # no domain recorded at the visit (or at baseline): not evaluable
    pytest.param(bilag(default="C"), bilag(default=None), None, id="visit-ungraded"),
    pytest.param(bilag(default=None), bilag(default="C"), None, id="baseline-ungraded"),
]


@pytest.mark.parametrize(("base", "at_visit", "expected"), BILAG_CHANGE_CASES)
def test_bilag_change(base, at_visit, expected):
    rows = [sri_visit(0, grades=base), sri_visit(365, grades=at_visit)]
    row = pick(ep.score(make_frame(rows), MSC_ROLE), "bilag_change", "month 12")
    assert row.result is pd.NA
    assert has_reason(row)
    if expected is None:
        assert pd.isna(row.value), row.to_dict()
    else:
        assert not pd.isna(row.value), row.to_dict()
        assert row.value == expected
        assert row.day == 365
        assert "continuous" in row.reason.lower()


def test_bilag_change_baseline_from_screening_and_nearest_visit():
    rows = [
        sri_visit(-14, grades=bilag(default="D", renal="B")),  # score 8
        sri_visit(0, grades=bilag(default=None)),
        sri_visit(350, grades=bilag(default="D", renal="A")),  # 12, not used
        sri_visit(370, grades=bilag(default="D", renal="C")),  # 1, nearest to 365
    ]
    row = pick(ep.score(make_frame(rows), MSC_ROLE), "bilag_change", "month 12")
    assert row.value == -7.0
    assert row.day == 370


def test_bilag_change_no_visit_in_window():
    rows = [sri_visit(0), sri_visit(300)]
    row = pick(ep.score(make_frame(rows), MSC_ROLE), "bilag_change", "month 12")
    assert pd.isna(row.value)
    assert pd.isna(row.day)
    assert "no visit in window" in row.reason.lower()


# --------------------------------------------------------------------------------------
# NCT02633163 steroid condition from a medications table: the daily prednisone-equivalent
# dose is <= 10 on every day from the week-20 visit through the week-24 visit.
# Visits at 0 (baseline), 140 (week 20) and 168 (week 24); SRI criteria met.
# --------------------------------------------------------------------------------------


PRED_10 = med("prednisone", 0, None, 10.0)

MISLE_MEDICATION_CASES = [
    pytest.param([PRED_10], (140, 168), True, id="prednisone-10-ongoing"),
    pytest.param(
        [PRED_10, med("methylprednisolone", 150, 150, 500.0)],
        (140, 168),
        False,
        id="pulse-in-span",
    ),
    # prednisone 10 + methylprednisolone 4 (= prednisone 5) on the same day is 15
    pytest.param(
        [PRED_10, med("methylprednisolone", 150, 150, 4.0)],
        (140, 168),
        False,
        id="concurrent-15",
    ),
    pytest.param(
        [med("prednisone", 0, None, 6.0), med("methylprednisolone", 150, 150, 3.2)],
        (140, 168),
        True,
        id="6-plus-4-is-10",
    ),
    pytest.param(
        [PRED_10, med("methylprednisolone", 140, 140, 500.0)],
        (140, 168),
        False,
        id="pulse-on-week-20-visit-day",
    ),
    pytest.param(
        [PRED_10, med("methylprednisolone", 168, 168, 500.0)],
        (140, 168),
        False,
        id="pulse-on-week-24-visit-day",
    ),
    pytest.param(
        [PRED_10, med("methylprednisolone", 139, 139, 500.0)],
        (140, 168),
        True,
        id="pulse-before-span",
    ),
    pytest.param(
        [PRED_10, med("methylprednisolone", 169, 169, 500.0)],
        (140, 168),
        True,
        id="pulse-after-span",
    ),
    # no week-20 visit (visits 100 and 175): the span is days 140-175
    pytest.param(
        [PRED_10, med("methylprednisolone", 145, 145, 500.0)],
        (100, 175),
        False,
        id="no-week-20-visit-pulse-day-145",
    ),
    pytest.param(
        [PRED_10, med("methylprednisolone", 139, 139, 500.0)],
        (100, 175),
        True,
        id="no-week-20-visit-pulse-day-139",
    ),
]


@pytest.mark.parametrize(("meds", "days", "expected"), MISLE_MEDICATION_CASES)
def test_misle_sri4_steroid_condition_from_medications(meds, days, expected):
    rows = [sri_visit(0)] + [sri_visit(d, sledai=6.0) for d in days]
    out = ep.score(make_frame(rows), MISLE, medications=pd.DataFrame(meds))
    assert_result(pick(out, "sri4", "week 24"), expected)
