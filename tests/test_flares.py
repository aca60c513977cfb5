"""Hand-written boundary examples for the flare endpoints.

Black-box tests of ``ep.score`` against SPEC.md sections 3-4 and docs/interpretations.md.
Every expectation is hard-coded (worked out by hand); nothing here re-implements the rules.

* SELENA Flare Index by SLEDAI (NCT03917797, month 12 = day 365): at each visit of the
  period, SLEDAI against the previous recorded SLEDAI (baseline and screening included).
  Severe: SLEDAI > 12 and higher than the previous. Mild/moderate: increase >= 3 and not
  severe. ``value`` = number of flare visits.
* BILAG flares (NCT02633163, weeks 12/24/52 = days 84/168/364): in a domain at a visit,
  a new A (previous grade B-E) or a new B (previous grade C-E) against the last recorded
  grade of that domain. ``value`` = number of domain x visit flares.

Only the columns the flares read are supplied; the EndpointsWarning about the other
endpoints' absent columns is ignored.
"""

from __future__ import annotations

import pandas as pd
import pytest

import endpoints as ep

from helpers import DOMAINS, assert_result, pick
from helpers import bilag as grades

pytestmark = pytest.mark.filterwarnings("ignore::endpoints.EndpointsWarning")

MSC_ROLE = "NCT03917797"
MISLE = "NCT02633163"

ANY = "flare_any"
MILD = "flare_mild_moderate"
SEVERE = "flare_severe"
RENAL = "bilag_flare_renal"
NONRENAL = "bilag_flare_nonrenal"


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def assert_event(row: pd.Series, expected: bool | None, count: float | None = None) -> None:
    """Result and value of an event endpoint; ``count`` defaults to 0 when False.

    The result part (incl. the reason required for <NA> and False) is ``assert_result``.
    """
    assert_result(row, expected)
    where = (
        f"{row.endpoint} {row.timepoint}: result={row.result!r} value={row.value!r} "
        f"reason={row.reason!r}"
    )
    if expected is None:
        assert pd.isna(row.value), where
        return
    if expected is False:
        count = 0 if count is None else count
    if count is not None:
        assert not pd.isna(row.value), where
        assert row.value == count, where


def sledai_frame(series: list[tuple[int, float | None]], subject: str = "s1") -> pd.DataFrame:
    df = pd.DataFrame([{"subject_id": subject, "day": day, "sledai": s} for day, s in series])
    df["sledai"] = pd.to_numeric(df["sledai"]).astype("float64")
    return df


def sfi(series: list[tuple[int, float | None]]) -> pd.DataFrame:
    return ep.score(sledai_frame(series), MSC_ROLE)


# --------------------------------------------------------------------------------------
# SELENA Flare Index (NCT03917797, month 12)
# Each case: (day, SLEDAI) series and the expected (result, value) of
# flare_any, flare_mild_moderate, flare_severe. None = <NA>.
# --------------------------------------------------------------------------------------

NO_FLARE = ((False, 0), (False, 0), (False, 0))
ONE_MILD = ((True, 1), (True, 1), (False, 0))
ONE_SEVERE = ((True, 1), (False, 0), (True, 1))

SFI_CASES = [
    pytest.param([(0, 4.0), (365, 4.0)], NO_FLARE, id="no-change"),
    # mild/moderate: increase >= 3 (and not severe)
    pytest.param([(0, 4.0), (90, 7.0), (365, 7.0)], ONE_MILD, id="increase-3-exactly"),
    pytest.param([(0, 4.0), (90, 6.9), (365, 6.9)], NO_FLARE, id="increase-2.9"),
    pytest.param([(0, 4.0), (90, 6.0), (365, 6.0)], NO_FLARE, id="increase-2"),
    pytest.param([(0, 1.1), (90, 4.1), (365, 4.1)], ONE_MILD, id="1.1-to-4.1-decimal-3"),
    pytest.param([(0, 8.0), (90, 12.0), (365, 12.0)], ONE_MILD, id="8-to-12-not-severe"),
    pytest.param([(0, 0.0), (365, 3.0)], ONE_MILD, id="flare-at-the-assessment-visit"),
    # increments of 2 then 2: each visit against the previous one, no flare
    pytest.param([(0, 2.0), (90, 4.0), (180, 6.0), (365, 6.0)], NO_FLARE, id="2-then-2"),
    # severe: SLEDAI > 12 and higher than the previous
    pytest.param([(0, 12.0), (90, 13.0), (365, 13.0)], ONE_SEVERE, id="12-to-13"),
    pytest.param([(0, 13.0), (90, 13.0), (365, 13.0)], NO_FLARE, id="13-to-13"),
    pytest.param([(0, 14.0), (90, 13.0), (365, 13.0)], NO_FLARE, id="14-to-13"),
    pytest.param([(0, 10.0), (90, 16.0), (365, 10.0)], ONE_SEVERE, id="10-to-16-severe-not-mild"),
    pytest.param([(0, 13.0), (90, 14.0), (365, 8.0)], ONE_SEVERE, id="13-to-14"),
    pytest.param([(0, 12.0), (90, 12.0), (365, 12.0)], NO_FLARE, id="12-to-12"),
    # counts of flare visits
    pytest.param(
        [(0, 2.0), (30, 6.0), (60, 3.0), (90, 14.0), (120, 17.0), (365, 5.0)],
        ((True, 3), (True, 1), (True, 2)),
        id="one-mild-two-severe",
    ),
    pytest.param(
        [(0, 0.0), (30, 3.0), (60, 6.0), (90, 9.0), (365, 9.0)],
        ((True, 3), (True, 3), (False, 0)),
        id="three-mild",
    ),
    # previous = the last RECORDED SLEDAI: a visit without SLEDAI is skipped
    pytest.param([(0, 4.0), (60, None), (90, 7.0), (365, 7.0)], ONE_MILD, id="skip-missing-3"),
    pytest.param([(0, 4.0), (60, None), (90, 6.0), (365, 6.0)], NO_FLARE, id="skip-missing-2"),
    pytest.param(
        [(0, 12.0), (60, None), (90, 13.0), (365, 13.0)], ONE_SEVERE, id="skip-missing-severe"
    ),
    # baseline / screening are previous assessments
    pytest.param(
        [(-14, 4.0), (0, None), (30, 7.0), (365, 7.0)], ONE_MILD, id="screening-is-previous"
    ),
    pytest.param(
        [(-14, 4.0), (0, 8.0), (30, 9.0), (365, 9.0)],
        NO_FLARE,
        id="day-0-is-previous-not-screening",
    ),
    # a flare before day 1 (screening -> day 0) is not in the period
    pytest.param([(-30, 2.0), (-7, 8.0), (0, 8.0), (365, 8.0)], NO_FLARE, id="flare-at-screening"),
    pytest.param([(-30, 2.0), (0, 14.0), (365, 14.0)], NO_FLARE, id="severe-at-day-0"),
    # a flare after the month-12 assessment visit does not count
    pytest.param([(0, 4.0), (365, 4.0), (380, 10.0)], NO_FLARE, id="flare-after-assessment"),
    pytest.param([(0, 4.0), (360, 4.0), (364, 20.0)], ONE_SEVERE, id="flare-before-assessment"),
    # no month-12 visit in window (337-393)
    pytest.param([(0, 4.0), (200, 4.0)], ((None,), (None,), (None,)), id="no-visit-no-flare"),
    pytest.param([(0, 4.0), (200, 8.0)], ((True, 1), (True, 1), (None,)), id="no-visit-mild-flare"),
    pytest.param(
        [(0, 4.0), (200, 16.0)], ((True, 1), (None,), (True, 1)), id="no-visit-severe-flare"
    ),
    # SLEDAI recorded with nothing to compare with: unknown unless its value rules it out
    pytest.param(
        [(0, None), (28, 8.0), (365, 8.0)],
        ((None,), (None,), (False, 0)),
        id="first-sledai-8-post-baseline",
    ),
    pytest.param(
        [(0, None), (28, 14.0), (365, 14.0)],
        ((None,), (False, 0), (None,)),
        id="first-sledai-14-post-baseline",
    ),
    pytest.param(
        [(0, None), (28, 8.0), (90, 14.0), (365, 14.0)],
        ((True, 1), (None,), (True, 1)),
        id="unknown-then-severe",
    ),
    # SLEDAI missing at the assessment visit: that visit neither shows nor rules out a flare
    pytest.param([(0, 4.0), (90, 4.0), (365, None)], NO_FLARE, id="sledai-missing-at-visit"),
]


@pytest.mark.parametrize(("series", "expected"), SFI_CASES)
def test_sfi_flares(series, expected):
    out = sfi(series)
    for endpoint, exp in zip((ANY, MILD, SEVERE), expected, strict=True):
        row = pick(out, endpoint, "month 12")
        if exp[0] is None:
            assert_event(row, None)
        else:
            assert_event(row, exp[0], exp[1])


def test_sfi_no_visit_in_window_reason_and_day():
    out = sfi([(0, 4.0), (200, 4.0)])
    for endpoint in (ANY, MILD, SEVERE):
        row = pick(out, endpoint, "month 12")
        assert "no visit in window" in row.reason.lower()
        assert pd.isna(row.day)


def test_sfi_no_flare_uses_the_assessment_visit():
    out = sfi([(0, 4.0), (350, 4.0), (370, 4.0)])
    for endpoint in (ANY, MILD, SEVERE):
        row = pick(out, endpoint, "month 12")
        assert_event(row, False, 0)
        assert row.day == 370


def test_sfi_flare_between_two_visits_in_window():
    # 350 and 370 are both in window; 370 is the assessment visit, so 350 is in the period.
    out = sfi([(0, 4.0), (350, 9.0), (370, 9.0)])
    assert_event(pick(out, MILD, "month 12"), True, 1)
    # 360 and 380: 360 is nearer (5 vs 15), a flare at 380 is outside the period.
    out = sfi([(0, 4.0), (360, 4.0), (380, 9.0)])
    assert_event(pick(out, MILD, "month 12"), False, 0)


def test_sfi_several_subjects_independent():
    df = pd.concat(
        [
            sledai_frame([(0, 4.0), (90, 7.0), (365, 7.0)], "a"),
            sledai_frame([(0, 12.0), (90, 13.0), (365, 13.0)], "b"),
            sledai_frame([(0, 4.0), (365, 4.0)], "c"),
        ],
        ignore_index=True,
    )
    out = ep.score(df, MSC_ROLE)
    assert_event(pick(out, MILD, "month 12", "a"), True, 1)
    assert_event(pick(out, SEVERE, "month 12", "a"), False, 0)
    assert_event(pick(out, MILD, "month 12", "b"), False, 0)
    assert_event(pick(out, SEVERE, "month 12", "b"), True, 1)
    assert_event(pick(out, ANY, "month 12", "c"), False, 0)


# --------------------------------------------------------------------------------------
# BILAG flares (NCT02633163, weeks 12/24/52 = days 84/168/364)
# --------------------------------------------------------------------------------------


def bilag_frame(visits: dict[int, dict[str, str | None]], subject: str = "s1") -> pd.DataFrame:
    rows = [{"subject_id": subject, "day": day, **g} for day, g in sorted(visits.items())]
    return pd.DataFrame(rows).astype({f"bilag_{d}": "object" for d in DOMAINS})


def bilag_score(visits: dict[int, dict[str, str | None]]) -> pd.DataFrame:
    return ep.score(bilag_frame(visits), MISLE)


TRANSITIONS = [
    # new A: previous B-E
    ("B", "A", True),
    ("C", "A", True),
    ("D", "A", True),
    ("E", "A", True),
    # new B: previous C-E
    ("C", "B", True),
    ("D", "B", True),
    ("E", "B", True),
    # not new
    ("A", "A", False),
    ("A", "B", False),
    ("B", "B", False),
    ("C", "C", False),
    ("A", "C", False),
    ("B", "C", False),
    ("E", "C", False),
    ("C", "D", False),
    ("D", "E", False),
]


@pytest.mark.parametrize(("before", "after", "flare"), TRANSITIONS)
def test_bilag_flare_transition_renal(before, after, flare):
    out = bilag_score({0: grades(renal=before), 84: grades(renal=after)})
    assert_event(pick(out, RENAL, "week 12"), flare, 1 if flare else 0)
    assert_event(pick(out, NONRENAL, "week 12"), False, 0)


@pytest.mark.parametrize(("before", "after", "flare"), TRANSITIONS)
def test_bilag_flare_transition_nonrenal(before, after, flare):
    out = bilag_score({0: grades(haematological=before), 84: grades(haematological=after)})
    assert_event(pick(out, NONRENAL, "week 12"), flare, 1 if flare else 0)
    assert_event(pick(out, RENAL, "week 12"), False, 0)


def test_bilag_flare_counts_domains_and_visits():
    out = bilag_score(
        {
            0: grades(),
            # muco C->B, musculoskeletal C->A: two non-renal flares
            84: grades(mucocutaneous="B", musculoskeletal="A"),
            # muco B->A (new A), haem C->B: two more; musculoskeletal A->A none
            168: grades(mucocutaneous="A", musculoskeletal="A", haematological="B"),
            # muco A->B none, haem B->B none; renal C->A
            364: grades(mucocutaneous="B", musculoskeletal="A", haematological="B", renal="A"),
        }
    )
    assert_event(pick(out, NONRENAL, "week 12"), True, 2)
    assert_event(pick(out, NONRENAL, "week 24"), True, 4)
    assert_event(pick(out, NONRENAL, "week 52"), True, 4)
    assert_event(pick(out, RENAL, "week 12"), False, 0)
    assert_event(pick(out, RENAL, "week 24"), False, 0)
    assert_event(pick(out, RENAL, "week 52"), True, 1)


def test_bilag_flare_timepoints():
    out = bilag_score({0: grades(), 84: grades(), 168: grades(), 364: grades()})
    for endpoint in (RENAL, NONRENAL):
        labels = set(out[out.endpoint == endpoint].timepoint)
        assert labels == {"week 12", "week 24", "week 52"}


def test_bilag_flare_same_domain_flares_twice():
    # renal B -> A (new A) -> B (not new) -> A (new A again: previous is B)
    out = bilag_score(
        {
            0: grades(renal="B"),
            84: grades(renal="A"),
            168: grades(renal="B"),
            364: grades(renal="A"),
        }
    )
    assert_event(pick(out, RENAL, "week 12"), True, 1)
    assert_event(pick(out, RENAL, "week 24"), True, 1)
    assert_event(pick(out, RENAL, "week 52"), True, 2)


def test_bilag_flare_previous_is_last_recorded_grade():
    # renal C at day 0, ungraded at 84, B at 168: C -> B is a flare at 168
    out = bilag_score({0: grades(renal="C"), 84: grades(renal=None), 168: grades(renal="B")})
    assert_event(pick(out, RENAL, "week 12"), False, 0)
    assert_event(pick(out, RENAL, "week 24"), True, 1)
    # renal B at day 0, ungraded at 84, B at 168: B -> B, no flare
    out = bilag_score({0: grades(renal="B"), 84: grades(renal=None), 168: grades(renal="B")})
    assert_event(pick(out, RENAL, "week 12"), False, 0)
    assert_event(pick(out, RENAL, "week 24"), False, 0)
    # renal A at day 0, ungraded at 84, B at 168: A -> B, no flare
    out = bilag_score({0: grades(renal="A"), 84: grades(renal=None), 168: grades(renal="B")})
    assert_event(pick(out, RENAL, "week 24"), False, 0)


def test_bilag_flare_previous_visit_not_baseline():
    # renal C -> B (flare at 84) -> B at 168 (not new against the previous B, although
    # new against baseline C)
    out = bilag_score({0: grades(), 84: grades(renal="B"), 168: grades(renal="B")})
    assert_event(pick(out, RENAL, "week 24"), True, 1)


def test_bilag_flare_screening_is_previous():
    # grades at screening only (day 0 ungraded): renal C at -14 -> A at 84 is a flare
    out = bilag_score({-14: grades(), 0: grades(default=None), 84: grades(renal="A")})
    assert_event(pick(out, RENAL, "week 12"), True, 1)
    assert_event(pick(out, NONRENAL, "week 12"), False, 0)


def test_bilag_flare_before_day_1_not_counted():
    # C at screening -> A at day 0 is not in the period; A -> A afterwards
    out = bilag_score({-14: grades(), 0: grades(renal="A"), 84: grades(renal="A")})
    assert_event(pick(out, RENAL, "week 12"), False, 0)


def test_bilag_flare_after_assessment_visit_not_counted():
    # week-12 visit at 84; a flare at 100 is after it (100 is in the week-12 window but
    # 84 is nearer) and counts at week 24
    out = bilag_score({0: grades(), 84: grades(), 100: grades(renal="A"), 168: grades(renal="A")})
    assert_event(pick(out, RENAL, "week 12"), False, 0)
    assert_event(pick(out, RENAL, "week 24"), True, 1)


def test_bilag_flare_no_assessment_visit():
    # visits at 0 and 200: week 12 (56-112) has no visit; week 24 (140-196) neither
    out = bilag_score({0: grades(), 200: grades()})
    row = pick(out, RENAL, "week 12")
    assert_event(row, None)
    assert "no visit in window" in row.reason.lower()
    assert_event(pick(out, RENAL, "week 24"), None)
    # the week-52 period holds day 200 but the window (336-392) has no visit
    assert_event(pick(out, RENAL, "week 52"), None)
    # a flare observed still counts without an assessment visit
    out = bilag_score({0: grades(), 200: grades(renal="A", mucocutaneous="B")})
    assert_event(pick(out, RENAL, "week 52"), True, 1)
    assert_event(pick(out, NONRENAL, "week 52"), True, 1)
    assert_event(pick(out, RENAL, "week 24"), None)


def test_bilag_flare_grade_with_nothing_to_compare():
    # renal ungraded at baseline, B at 84: could be new B -> unknown
    out = bilag_score({0: grades(renal=None), 84: grades(renal="B")})
    assert_event(pick(out, RENAL, "week 12"), None)
    # ... A at 84: could be new A -> unknown
    out = bilag_score({0: grades(renal=None), 84: grades(renal="A")})
    assert_event(pick(out, RENAL, "week 12"), None)
    # ... C at 84 cannot be a new A or B -> False
    out = bilag_score({0: grades(renal=None), 84: grades(renal="C")})
    assert_event(pick(out, RENAL, "week 12"), False, 0)
    # an unknown renal comparison does not touch the non-renal endpoint
    out = bilag_score({0: grades(renal=None), 84: grades(renal="B")})
    assert_event(pick(out, NONRENAL, "week 12"), False, 0)
    # unknown at one visit but a known flare at another -> True
    out = bilag_score({0: grades(renal=None), 84: grades(renal="B"), 168: grades(renal="A")})
    assert_event(pick(out, RENAL, "week 24"), True, 1)
