"""Hand-written boundary examples for the renal criteria of the built-in trials.

Black-box tests of ``ep.score`` against SPEC.md sections 1, 3 and 4. Every expectation is
hard-coded (worked out by hand from the SPEC); nothing here re-implements the rules.

Frames are tiny: one or a few subjects, a baseline visit at day 0 (sometimes a screening
visit at a negative day) and the assessment visit(s). Every column that a trial's renal
endpoints read is present; the other endpoints of the trials (c3, sledai, ...) are not
the subject here, so the EndpointsWarning about their absent columns is ignored.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import endpoints as ep

from helpers import assert_result, has_reason, make_frame, pick

pytestmark = pytest.mark.filterwarnings("ignore::endpoints.EndpointsWarning")

MSC_ROLE = "NCT03917797"  # month 12 (day 365): upcr, egfr, urine_rbc, rbc_casts, prednisone
VALLADOLID = "NCT03673748"  # week 24 (day 168): proteinuria_24h, egfr, urine_rbc/wbc, ...
NANJING = "NCT03580291"  # week 12 (day 84) and week 24 (day 168): upcr, egfr (KDIGO 2021)

CRR = "complete_renal_response"
PRR = "partial_renal_response"
RR = "renal_response"
TTCR = "time_to_complete_response"
TTPR = "time_to_partial_response"

# Expected (complete_renal_response, partial_renal_response, renal_response, category);
# None stands for <NA>.
CR = (True, False, True, "CR")
PR = (False, True, True, "PR")
NR = (False, False, False, "NR")
UNKNOWN = (None, None, None, None)
CR_UNKNOWN_PR_MET = (None, None, True, None)
CR_NO_PR_UNKNOWN = (False, None, None, None)

# Baseline (day 0) and assessment-visit values that make a complete renal response;
# each example overrides only what it is about.
MSC_ROLE_BASE = {
    "upcr": 2.0,
    "egfr": 90.0,
    "urine_rbc": 3.0,
    "rbc_casts": False,
    "prednisone": 5.0,
}
MSC_ROLE_VISIT = {
    "upcr": 0.4,
    "egfr": 90.0,
    "urine_rbc": 3.0,
    "rbc_casts": False,
    "prednisone": 5.0,
}
VALLADOLID_BASE = {
    "proteinuria_24h": 2.0,
    "egfr": 90.0,
    "urine_rbc": 3.0,
    "urine_wbc": 3.0,
    "rbc_casts": False,
    "serum_albumin": 3.5,
}
VALLADOLID_VISIT = {
    "proteinuria_24h": 0.4,
    "egfr": 90.0,
    "urine_rbc": 3.0,
    "urine_wbc": 3.0,
    "rbc_casts": False,
    "serum_albumin": 3.5,
}
NANJING_BASE = {"upcr": 2.0, "egfr": 90.0}
NANJING_VISIT = {"upcr": 0.4, "egfr": 90.0}

DEFAULTS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    MSC_ROLE: (MSC_ROLE_BASE, MSC_ROLE_VISIT),
    VALLADOLID: (VALLADOLID_BASE, VALLADOLID_VISIT),
    NANJING: (NANJING_BASE, NANJING_VISIT),
}


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def visit(trial: str, day: int, subject: str = "s1", *, base: bool = False, **values: Any):
    """One visit row: the trial's default baseline or visit values, then overrides."""
    defaults = DEFAULTS[trial][0 if base else 1]
    return {"subject_id": subject, "day": day, **defaults, **values}


def score_pair(
    trial: str,
    day: int,
    base: dict[str, Any] | None = None,
    at_visit: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Score one subject with a day-0 baseline and one assessment visit."""
    rows = [
        visit(trial, 0, base=True, **(base or {})),
        visit(trial, day, **(at_visit or {})),
    ]
    return ep.score(make_frame(rows), trial)


def assert_category(row: pd.Series, expected: str | None) -> None:
    if expected is None:
        assert pd.isna(row.category), f"category={row.category!r}"
    else:
        assert row.category == expected


def assert_renal(
    out: pd.DataFrame,
    timepoint: str,
    expected: tuple[bool | None, bool | None, bool | None, str | None],
    *,
    subject: str = "s1",
    day: int | None = None,
) -> None:
    cr, pr, rr, category = expected
    assert_result(pick(out, CRR, timepoint, subject), cr)
    assert_result(pick(out, PRR, timepoint, subject), pr)
    row = pick(out, RR, timepoint, subject)
    assert_result(row, rr)
    assert_category(row, category)
    if day is not None:
        for endpoint in (CRR, PRR, RR):
            assert pick(out, endpoint, timepoint, subject).day == day


# --------------------------------------------------------------------------------------
# NCT03917797 (MSC-ROLE), month 12
# CR: UPCR < 0.5; eGFR >= 120 or >= 80% of baseline; urine RBC < 10 and no casts;
#     prednisone <= 10.   PR: UPCR <= 50% of baseline; eGFR as CR; prednisone <= 10.
# Defaults: baseline UPCR 2.0, eGFR 90; visit UPCR 0.4, eGFR 90, RBC 3, no casts, pred 5.
# --------------------------------------------------------------------------------------

MSC_ROLE_CASES = [
    pytest.param({}, {}, CR, id="all-met"),
    # UPCR < 0.5
    pytest.param({}, {"upcr": 0.49}, CR, id="upcr-0.49"),
    pytest.param({}, {"upcr": 0.5}, PR, id="upcr-0.5-exactly"),
    pytest.param({}, {"upcr": 0.51}, PR, id="upcr-0.51"),
    pytest.param({}, {"upcr": 0.7 - 0.2}, PR, id="upcr-0.7-minus-0.2-is-0.5"),
    # UPCR <= 50% of baseline (baseline 2.0)
    pytest.param({}, {"upcr": 0.99}, PR, id="upcr-49.5pct"),
    pytest.param({}, {"upcr": 1.0}, PR, id="upcr-50pct-exactly"),
    pytest.param({}, {"upcr": 1.01}, NR, id="upcr-50.5pct"),
    pytest.param({"upcr": 0.3}, {"upcr": 0.15, "urine_rbc": 12.0}, PR, id="upcr-0.15-of-0.3"),
    pytest.param(
        {"upcr": 0.3},
        {"upcr": (0.1 + 0.2) / 2, "urine_rbc": 12.0},
        PR,
        id="upcr-(0.1+0.2)/2-of-0.3",
    ),
    pytest.param(
        {"upcr": 0.1 + 0.2}, {"upcr": 0.15, "urine_rbc": 12.0}, PR, id="upcr-0.15-of-0.1+0.2"
    ),
    pytest.param({"upcr": 0.3}, {"upcr": 0.16, "urine_rbc": 12.0}, NR, id="upcr-0.16-of-0.3"),
    # eGFR >= 80% of baseline
    pytest.param({"egfr": 100.0}, {"egfr": 80.0}, CR, id="egfr-80pct-exactly"),
    pytest.param({"egfr": 100.0}, {"egfr": 80.01}, CR, id="egfr-80.01pct"),
    pytest.param({"egfr": 100.0}, {"egfr": 79.99}, NR, id="egfr-79.99pct"),
    pytest.param({"egfr": 51.0}, {"egfr": 40.8}, CR, id="egfr-40.8-of-51-is-80pct"),
    pytest.param({"egfr": 51.0}, {"egfr": 40.79}, NR, id="egfr-40.79-of-51"),
    # ... or eGFR >= 120
    pytest.param({"egfr": 200.0}, {"egfr": 120.0}, CR, id="egfr-120-exactly"),
    pytest.param({"egfr": 200.0}, {"egfr": 119.99}, NR, id="egfr-119.99"),
    pytest.param({"egfr": 200.0}, {"egfr": 160.0}, CR, id="egfr-160-of-200"),
    # urine RBC < 10 and no RBC casts (CR only)
    pytest.param({}, {"urine_rbc": 9.99}, CR, id="rbc-9.99"),
    pytest.param({}, {"urine_rbc": 10.0}, PR, id="rbc-10-exactly"),
    pytest.param({}, {"urine_rbc": 10.01}, PR, id="rbc-10.01"),
    pytest.param({}, {"rbc_casts": True}, PR, id="rbc-casts"),
    # prednisone <= 10 (CR and PR)
    pytest.param({}, {"prednisone": 9.99}, CR, id="pred-9.99"),
    pytest.param({}, {"prednisone": 10.0}, CR, id="pred-10-exactly"),
    pytest.param({}, {"prednisone": 16.1 - 6.1}, CR, id="pred-16.1-minus-6.1-is-10"),
    pytest.param({}, {"prednisone": 10.01}, NR, id="pred-10.01"),
    pytest.param({}, {"prednisone": 10.01, "upcr": 0.9}, NR, id="pred-10.01-pr-upcr"),
    # missing values and Kleene logic
    pytest.param({}, {"upcr": None}, UNKNOWN, id="upcr-missing"),
    pytest.param({}, {"upcr": None, "prednisone": 12.0}, NR, id="upcr-missing-pred-fails"),
    pytest.param({}, {"upcr": None, "egfr": 50.0}, NR, id="upcr-missing-egfr-fails"),
    pytest.param({}, {"urine_rbc": None}, CR_UNKNOWN_PR_MET, id="rbc-missing-pr-met"),
    pytest.param({}, {"rbc_casts": None}, CR_UNKNOWN_PR_MET, id="casts-missing-pr-met"),
    pytest.param({}, {"prednisone": None}, UNKNOWN, id="pred-missing"),
    pytest.param({}, {"urine_rbc": None, "upcr": 0.6}, PR, id="rbc-missing-upcr-fails-cr"),
    pytest.param({}, {"urine_rbc": None, "upcr": 1.5}, NR, id="rbc-missing-upcr-fails-both"),
    pytest.param({"egfr": None}, {"egfr": 130.0}, CR, id="base-egfr-missing-egfr-130"),
    pytest.param({"egfr": None}, {"egfr": 90.0}, UNKNOWN, id="base-egfr-missing-egfr-90"),
    pytest.param({"upcr": None}, {"upcr": 0.4}, CR, id="base-upcr-missing-cr-met"),
    pytest.param({"upcr": None}, {"upcr": 0.6}, CR_NO_PR_UNKNOWN, id="base-upcr-missing-0.6"),
]


@pytest.mark.parametrize(("base", "at_visit", "expected"), MSC_ROLE_CASES)
def test_msc_role_renal_criteria(base, at_visit, expected):
    out = score_pair(MSC_ROLE, 365, base, at_visit)
    assert_renal(out, "month 12", expected, day=365)


def test_msc_role_reason_names_missing_cr_input():
    out = score_pair(MSC_ROLE, 365, {}, {"urine_rbc": None})
    rr = pick(out, RR, "month 12")
    assert rr.result is not pd.NA and bool(rr.result) is True
    assert pd.isna(rr.category)
    assert "rbc" in rr.reason.lower()
    assert "rbc" in pick(out, CRR, "month 12").reason.lower()


def test_msc_role_reason_names_missing_upcr():
    out = score_pair(MSC_ROLE, 365, {}, {"upcr": None})
    for endpoint in (CRR, PRR, RR):
        assert "upcr" in pick(out, endpoint, "month 12").reason.lower()


# --------------------------------------------------------------------------------------
# NCT03673748 (Valladolid), week 24
# CR: eGFR >= 60, or (baseline eGFR < 60 and eGFR >= 85% of baseline); proteinuria
#     <= 0.5; urine RBC <= 5, WBC <= 5, no casts; albumin > 3.
# PR: baseline proteinuria >= 3.5: proteinuria < 3.5; else proteinuria < 50% of baseline;
#     and eGFR >= 75% of baseline.
# Defaults: baseline proteinuria 2.0, eGFR 90; visit proteinuria 0.4, eGFR 90, RBC 3,
# WBC 3, no casts, albumin 3.5.
# --------------------------------------------------------------------------------------

VALLADOLID_CASES = [
    pytest.param({}, {}, CR, id="all-met"),
    # eGFR >= 60 (baseline 90: PR's 75% rule needs 67.5)
    pytest.param({}, {"egfr": 60.0}, CR, id="egfr-60-exactly"),
    pytest.param({}, {"egfr": 60.01}, CR, id="egfr-60.01"),
    pytest.param({}, {"egfr": 59.99}, NR, id="egfr-59.99-base-90"),
    # baseline eGFR exactly 60 is not < 60
    pytest.param({"egfr": 60.0}, {"egfr": 59.0}, PR, id="base-egfr-60-exactly"),
    pytest.param({"egfr": 59.99}, {"egfr": 59.0}, CR, id="base-egfr-59.99"),
    # baseline < 60: eGFR >= 85% of baseline
    pytest.param({"egfr": 59.0}, {"egfr": 50.15}, CR, id="egfr-85pct-exactly"),
    pytest.param({"egfr": 59.0}, {"egfr": 50.16}, CR, id="egfr-85pct-plus"),
    pytest.param({"egfr": 59.0}, {"egfr": 50.14}, PR, id="egfr-85pct-minus"),
    pytest.param({"egfr": 23.6}, {"egfr": 20.06}, CR, id="egfr-20.06-of-23.6-is-85pct"),
    # proteinuria <= 0.5
    pytest.param({}, {"proteinuria_24h": 0.49}, CR, id="prot-0.49"),
    pytest.param({}, {"proteinuria_24h": 0.5}, CR, id="prot-0.5-exactly"),
    pytest.param({}, {"proteinuria_24h": 1.1 - 0.6}, CR, id="prot-1.1-minus-0.6-is-0.5"),
    pytest.param({}, {"proteinuria_24h": 0.51}, PR, id="prot-0.51"),
    # urine sediment
    pytest.param({}, {"urine_rbc": 5.0}, CR, id="rbc-5-exactly"),
    pytest.param({}, {"urine_rbc": 5.01}, PR, id="rbc-5.01"),
    pytest.param({}, {"urine_rbc": 4.99}, CR, id="rbc-4.99"),
    pytest.param({}, {"urine_wbc": 5.0}, CR, id="wbc-5-exactly"),
    pytest.param({}, {"urine_wbc": 5.01}, PR, id="wbc-5.01"),
    pytest.param({}, {"urine_wbc": 4.99}, CR, id="wbc-4.99"),
    pytest.param({}, {"rbc_casts": True}, PR, id="rbc-casts"),
    # albumin > 3
    pytest.param({}, {"serum_albumin": 3.0}, PR, id="albumin-3-exactly"),
    pytest.param({}, {"serum_albumin": 4.4 - 1.4}, PR, id="albumin-4.4-minus-1.4-is-3"),
    pytest.param({}, {"serum_albumin": 3.01}, CR, id="albumin-3.01"),
    pytest.param({}, {"serum_albumin": 2.99}, PR, id="albumin-2.99"),
    # PR, baseline proteinuria >= 3.5: proteinuria < 3.5
    pytest.param({"proteinuria_24h": 3.5}, {"proteinuria_24h": 3.49}, PR, id="base-3.5-prot-3.49"),
    pytest.param({"proteinuria_24h": 3.5}, {"proteinuria_24h": 3.5}, NR, id="base-3.5-prot-3.5"),
    pytest.param({"proteinuria_24h": 3.5}, {"proteinuria_24h": 3.51}, NR, id="base-3.5-prot-3.51"),
    pytest.param({"proteinuria_24h": 4.0}, {"proteinuria_24h": 3.0}, PR, id="base-4-prot-3"),
    # PR, baseline proteinuria < 3.5: proteinuria < 50% of baseline
    pytest.param({"proteinuria_24h": 3.49}, {"proteinuria_24h": 3.0}, NR, id="base-3.49-prot-3"),
    pytest.param(
        {"proteinuria_24h": 3.49}, {"proteinuria_24h": 1.745}, NR, id="base-3.49-prot-50pct"
    ),
    pytest.param(
        {"proteinuria_24h": 3.49}, {"proteinuria_24h": 1.74}, PR, id="base-3.49-prot-1.74"
    ),
    pytest.param({"proteinuria_24h": 3.0}, {"proteinuria_24h": 1.5}, NR, id="prot-50pct-exactly"),
    pytest.param({"proteinuria_24h": 3.0}, {"proteinuria_24h": 1.49}, PR, id="prot-49.7pct"),
    pytest.param({"proteinuria_24h": 3.0}, {"proteinuria_24h": 1.51}, NR, id="prot-50.3pct"),
    pytest.param(
        {"proteinuria_24h": 0.1 + 0.2},
        {"proteinuria_24h": 0.15, "serum_albumin": 3.0},
        NR,
        id="prot-0.15-of-0.1+0.2-is-50pct",
    ),
    pytest.param(
        {"proteinuria_24h": 0.3},
        {"proteinuria_24h": 0.14, "serum_albumin": 3.0},
        PR,
        id="prot-0.14-of-0.3",
    ),
    # PR: eGFR >= 75% of baseline (proteinuria 1.0 of 3.0 fails CR, meets PR)
    pytest.param(
        {"proteinuria_24h": 3.0, "egfr": 100.0},
        {"proteinuria_24h": 1.0, "egfr": 75.0},
        PR,
        id="egfr-75pct-exactly",
    ),
    pytest.param(
        {"proteinuria_24h": 3.0, "egfr": 100.0},
        {"proteinuria_24h": 1.0, "egfr": 74.99},
        NR,
        id="egfr-74.99pct",
    ),
    pytest.param({"egfr": 21.6}, {"egfr": 16.2}, PR, id="egfr-16.2-of-21.6-is-75pct"),
    pytest.param({"egfr": 21.6}, {"egfr": 16.19}, NR, id="egfr-16.19-of-21.6"),
    # missing values and Kleene logic
    pytest.param({}, {"proteinuria_24h": None}, UNKNOWN, id="prot-missing"),
    pytest.param({}, {"serum_albumin": None}, CR_UNKNOWN_PR_MET, id="albumin-missing-pr-met"),
    pytest.param({}, {"urine_wbc": None}, CR_UNKNOWN_PR_MET, id="wbc-missing-pr-met"),
    pytest.param({}, {"rbc_casts": None}, CR_UNKNOWN_PR_MET, id="casts-missing-pr-met"),
    pytest.param({}, {"serum_albumin": None, "urine_rbc": 6.0}, PR, id="albumin-missing-rbc-fails"),
    pytest.param(
        {"proteinuria_24h": 3.0},
        {"proteinuria_24h": 1.0, "egfr": None},
        CR_NO_PR_UNKNOWN,
        id="egfr-missing-prot-fails-cr",
    ),
    pytest.param({}, {"proteinuria_24h": 3.0, "egfr": None}, NR, id="egfr-missing-prot-fails-both"),
    pytest.param({"egfr": None}, {"egfr": 90.0}, CR, id="base-egfr-missing-egfr-90"),
    pytest.param({"egfr": None}, {"egfr": 55.0}, UNKNOWN, id="base-egfr-missing-egfr-55"),
    pytest.param({"proteinuria_24h": None}, {}, CR, id="base-prot-missing-cr-met"),
    pytest.param(
        {"proteinuria_24h": None},
        {"proteinuria_24h": 1.0},
        CR_NO_PR_UNKNOWN,
        id="base-prot-missing-prot-1",
    ),
]


@pytest.mark.parametrize(("base", "at_visit", "expected"), VALLADOLID_CASES)
def test_valladolid_renal_criteria(base, at_visit, expected):
    out = score_pair(VALLADOLID, 168, base, at_visit)
    assert_renal(out, "week 24", expected, day=168)


def test_valladolid_reason_names_missing_albumin():
    out = score_pair(VALLADOLID, 168, {}, {"serum_albumin": None})
    rr = pick(out, RR, "week 24")
    assert rr.result is not pd.NA and bool(rr.result) is True
    assert pd.isna(rr.category)
    assert "albumin" in rr.reason.lower()
    assert "albumin" in pick(out, CRR, "week 24").reason.lower()
    assert "albumin" in pick(out, PRR, "week 24").reason.lower()


# --------------------------------------------------------------------------------------
# NCT03580291 (Nanjing), KDIGO 2021, week 12 and week 24
# CR: UPCR < 0.5 and eGFR >= 85% of baseline.
# PR: UPCR <= 50% of baseline and UPCR < 3.0, and eGFR >= 85% of baseline.
# Defaults: baseline UPCR 2.0, eGFR 90; visit UPCR 0.4, eGFR 90.
# --------------------------------------------------------------------------------------

NANJING_CASES = [
    pytest.param({}, {}, CR, id="all-met"),
    pytest.param({}, {"upcr": 0.49}, CR, id="upcr-0.49"),
    pytest.param({}, {"upcr": 0.5}, PR, id="upcr-0.5-exactly"),
    pytest.param({}, {"upcr": 0.51}, PR, id="upcr-0.51"),
    pytest.param({}, {"upcr": 0.7 - 0.2}, PR, id="upcr-0.7-minus-0.2-is-0.5"),
    # eGFR >= 85% of baseline (CR and PR)
    pytest.param({"egfr": 100.0}, {"egfr": 85.0}, CR, id="egfr-85pct-exactly"),
    pytest.param({"egfr": 100.0}, {"egfr": 85.01}, CR, id="egfr-85.01pct"),
    pytest.param({"egfr": 100.0}, {"egfr": 84.99}, NR, id="egfr-84.99pct"),
    pytest.param({"egfr": 23.6}, {"egfr": 20.06}, CR, id="egfr-20.06-of-23.6-is-85pct"),
    pytest.param(
        {"egfr": 100.0}, {"upcr": 0.9, "egfr": 84.99}, NR, id="egfr-84.99pct-upcr-pr-level"
    ),
    # UPCR <= 50% of baseline
    pytest.param({"upcr": 5.0}, {"upcr": 2.5}, PR, id="upcr-50pct-exactly"),
    pytest.param({"upcr": 5.0}, {"upcr": 2.49}, PR, id="upcr-49.8pct"),
    pytest.param({"upcr": 5.0}, {"upcr": 2.51}, NR, id="upcr-50.2pct"),
    pytest.param({"upcr": 3.3}, {"upcr": (1.1 + 2.2) / 2}, PR, id="upcr-(1.1+2.2)/2-of-3.3"),
    pytest.param({"upcr": 1.1 + 2.2}, {"upcr": 1.65}, PR, id="upcr-1.65-of-1.1+2.2"),
    pytest.param({"upcr": 0.3}, {"upcr": 0.15}, CR, id="upcr-0.15-of-0.3"),
    # UPCR < 3.0
    pytest.param({"upcr": 7.0}, {"upcr": 3.0}, NR, id="upcr-3.0-exactly"),
    pytest.param({"upcr": 7.0}, {"upcr": 2.99}, PR, id="upcr-2.99"),
    pytest.param({"upcr": 7.0}, {"upcr": 3.01}, NR, id="upcr-3.01"),
    pytest.param({"upcr": 7.0}, {"upcr": 4.1 - 1.1}, NR, id="upcr-4.1-minus-1.1-is-3"),
    pytest.param({"upcr": 6.0}, {"upcr": 3.0}, NR, id="upcr-3.0-at-50pct"),
    # missing values and Kleene logic
    pytest.param({}, {"upcr": None}, UNKNOWN, id="upcr-missing"),
    pytest.param({"egfr": 100.0}, {"upcr": None, "egfr": 80.0}, NR, id="upcr-missing-egfr-fails"),
    pytest.param({}, {"egfr": None}, UNKNOWN, id="egfr-missing"),
    pytest.param({}, {"egfr": None, "upcr": 2.5}, NR, id="egfr-missing-upcr-fails"),
    pytest.param({"egfr": None}, {}, UNKNOWN, id="base-egfr-missing"),
    pytest.param({"upcr": None}, {}, CR, id="base-upcr-missing-cr-met"),
    pytest.param({"upcr": None}, {"upcr": 0.6}, CR_NO_PR_UNKNOWN, id="base-upcr-missing-0.6"),
    pytest.param({"upcr": None}, {"upcr": 3.0}, NR, id="base-upcr-missing-3.0"),
]


@pytest.mark.parametrize(("timepoint", "day"), [("week 12", 84), ("week 24", 168)])
@pytest.mark.parametrize(("base", "at_visit", "expected"), NANJING_CASES)
def test_nanjing_renal_criteria(timepoint, day, base, at_visit, expected):
    out = score_pair(NANJING, day, base, at_visit)
    assert_renal(out, timepoint, expected, day=day)


def test_nanjing_timepoints_are_assessed_separately():
    rows = [
        visit(NANJING, 0, base=True),
        visit(NANJING, 84, upcr=0.4),  # CR
        visit(NANJING, 168, upcr=0.9),  # PR
    ]
    out = ep.score(make_frame(rows), NANJING)
    assert_renal(out, "week 12", CR, day=84)
    assert_renal(out, "week 24", PR, day=168)


def test_nanjing_reason_names_missing_upcr():
    out = score_pair(NANJING, 168, {}, {"upcr": None})
    for endpoint in (CRR, PRR, RR):
        assert "upcr" in pick(out, endpoint, "week 24").reason.lower()


# --------------------------------------------------------------------------------------
# Assessment window (T +/- 28, nearest, tie -> later, day > 0 only)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trial", "timepoint", "visit_day", "used"),
    [
        pytest.param(MSC_ROLE, "month 12", 337, True, id="msc-role-T-28"),
        pytest.param(MSC_ROLE, "month 12", 393, True, id="msc-role-T+28"),
        pytest.param(MSC_ROLE, "month 12", 336, False, id="msc-role-T-29"),
        pytest.param(MSC_ROLE, "month 12", 394, False, id="msc-role-T+29"),
        pytest.param(VALLADOLID, "week 24", 140, True, id="valladolid-T-28"),
        pytest.param(VALLADOLID, "week 24", 196, True, id="valladolid-T+28"),
        pytest.param(VALLADOLID, "week 24", 139, False, id="valladolid-T-29"),
        pytest.param(VALLADOLID, "week 24", 197, False, id="valladolid-T+29"),
        pytest.param(NANJING, "week 12", 56, True, id="nanjing-w12-T-28"),
        pytest.param(NANJING, "week 12", 112, True, id="nanjing-w12-T+28"),
        pytest.param(NANJING, "week 12", 55, False, id="nanjing-w12-T-29"),
        pytest.param(NANJING, "week 12", 113, False, id="nanjing-w12-T+29"),
        pytest.param(NANJING, "week 24", 140, True, id="nanjing-w24-T-28"),
        pytest.param(NANJING, "week 24", 196, True, id="nanjing-w24-T+28"),
        pytest.param(NANJING, "week 24", 139, False, id="nanjing-w24-T-29"),
        pytest.param(NANJING, "week 24", 197, False, id="nanjing-w24-T+29"),
    ],
)
def test_assessment_window_edges(trial, timepoint, visit_day, used):
    out = score_pair(trial, visit_day)
    if used:
        assert_renal(out, timepoint, CR, day=visit_day)
    else:
        assert_renal(out, timepoint, UNKNOWN)
        for endpoint in (CRR, PRR, RR):
            row = pick(out, endpoint, timepoint)
            assert row.day is pd.NA
            assert "no visit in window" in row.reason


@pytest.mark.parametrize(
    ("trial", "timepoint", "target"),
    [
        pytest.param(MSC_ROLE, "month 12", 365, id="msc-role"),
        pytest.param(VALLADOLID, "week 24", 168, id="valladolid"),
        pytest.param(NANJING, "week 12", 84, id="nanjing-w12"),
        pytest.param(NANJING, "week 24", 168, id="nanjing-w24"),
    ],
)
def test_tie_goes_to_later_visit(trial, timepoint, target):
    # earlier visit meets CR; later visit (same distance) fails both CR and PR on eGFR
    rows = [
        visit(trial, 0, base=True),
        visit(trial, target - 7),
        visit(trial, target + 7, egfr=40.0),
    ]
    out = ep.score(make_frame(rows), trial)
    assert_renal(out, timepoint, NR, day=target + 7)

    # and the other way round
    rows = [
        visit(trial, 0, base=True),
        visit(trial, target - 7, egfr=40.0),
        visit(trial, target + 7),
    ]
    out = ep.score(make_frame(rows), trial)
    assert_renal(out, timepoint, CR, day=target + 7)


def test_nearest_visit_wins_over_later_one():
    rows = [
        visit(MSC_ROLE, 0, base=True),
        visit(MSC_ROLE, 360),  # 5 days early: CR
        visit(MSC_ROLE, 372, upcr=0.9),  # 7 days late: PR
    ]
    out = ep.score(make_frame(rows), MSC_ROLE)
    assert_renal(out, "month 12", CR, day=360)


def test_variables_are_not_mixed_across_visits():
    # the assessment visit (day 365) lacks UPCR; the day-370 value must not be borrowed
    rows = [
        visit(MSC_ROLE, 0, base=True),
        visit(MSC_ROLE, 365, upcr=None),
        visit(MSC_ROLE, 370),
    ]
    out = ep.score(make_frame(rows), MSC_ROLE)
    assert_renal(out, "month 12", UNKNOWN, day=365)


def test_week_24_visit_is_not_a_month_12_visit():
    out = score_pair(MSC_ROLE, 168)
    assert_renal(out, "month 12", UNKNOWN)
    assert "no visit in window" in pick(out, RR, "month 12").reason


def _nanjing_with_week12_at_day(day: int):
    data = ep.get_trial(NANJING).model_dump()
    for tp in data["timepoints"]:
        if tp["label"] == "week 12":
            tp["day"] = day
    return type(ep.get_trial(NANJING)).model_validate(data)


def test_day_zero_and_screening_are_never_assessment_visits():
    # a copy of the Nanjing definition with "week 12" moved to day 14 (window 28 spans
    # days -14..42): the day-0 and day -7 visits are nearer but never assessment visits
    trial = _nanjing_with_week12_at_day(14)
    rows = [
        visit(NANJING, -7, base=True),
        visit(NANJING, 0, base=True),
    ]
    out = ep.score(make_frame(rows), trial)
    assert_renal(out, "week 12", UNKNOWN)
    assert pick(out, RR, "week 12").day is pd.NA
    assert "no visit in window" in pick(out, RR, "week 12").reason

    rows = [
        visit(NANJING, -7, base=True),
        visit(NANJING, 0, base=True),
        visit(NANJING, 30),
    ]
    out = ep.score(make_frame(rows), trial)
    assert_renal(out, "week 12", CR, day=30)


# --------------------------------------------------------------------------------------
# Baseline: last non-missing value on or before day 0, per variable
# --------------------------------------------------------------------------------------


def test_baseline_from_screening_when_day0_lacks_value():
    rows = [
        visit(MSC_ROLE, -14, base=True, upcr=2.0),
        visit(MSC_ROLE, 0, base=True, upcr=None),
        visit(MSC_ROLE, 365, upcr=0.9),  # 45% of the screening 2.0: PR
    ]
    out = ep.score(make_frame(rows), MSC_ROLE)
    assert_renal(out, "month 12", PR, day=365)


def test_per_variable_baselines_upcr_from_screening_egfr_from_day0():
    rows = [
        visit(MSC_ROLE, -14, base=True, upcr=2.0, egfr=200.0),
        visit(MSC_ROLE, 0, base=True, upcr=None, egfr=100.0),
        # UPCR 0.9 <= 50% of 2.0; eGFR 85 >= 80% of 100 (but not of 200)
        visit(MSC_ROLE, 365, upcr=0.9, egfr=85.0),
    ]
    out = ep.score(make_frame(rows), MSC_ROLE)
    assert_renal(out, "month 12", PR, day=365)


def test_baseline_is_the_last_value_before_day0():
    rows = [
        visit(MSC_ROLE, -28, base=True, upcr=1.0),
        visit(MSC_ROLE, -7, base=True, upcr=2.0),
        visit(MSC_ROLE, 0, base=True, upcr=None),
        visit(MSC_ROLE, 365, upcr=0.9),  # PR against 2.0, not against 1.0
    ]
    out = ep.score(make_frame(rows), MSC_ROLE)
    assert_renal(out, "month 12", PR, day=365)


def test_post_baseline_visit_is_never_a_baseline():
    rows = [
        visit(MSC_ROLE, 0, base=True, upcr=None),
        visit(MSC_ROLE, 7, base=True, upcr=2.0),
        visit(MSC_ROLE, 365, upcr=0.9),
    ]
    out = ep.score(make_frame(rows), MSC_ROLE)
    assert_renal(out, "month 12", CR_NO_PR_UNKNOWN, day=365)


def test_valladolid_baseline_egfr_from_screening():
    rows = [
        visit(VALLADOLID, -14, base=True, egfr=59.0),
        visit(VALLADOLID, 0, base=True, egfr=None),
        visit(VALLADOLID, 168, egfr=50.15),  # 85% of the screening 59
    ]
    out = ep.score(make_frame(rows), VALLADOLID)
    assert_renal(out, "week 24", CR, day=168)


def test_nanjing_per_variable_baselines():
    rows = [
        visit(NANJING, -10, base=True, upcr=5.0, egfr=None),
        visit(NANJING, 0, base=True, upcr=None, egfr=100.0),
        visit(NANJING, 168, upcr=2.5, egfr=85.0),
    ]
    out = ep.score(make_frame(rows), NANJING)
    assert_renal(out, "week 24", PR, day=168)


# --------------------------------------------------------------------------------------
# Time to response (NCT03580291, week 24 period)
# --------------------------------------------------------------------------------------


def nanjing_series(*visits: tuple[int, dict[str, Any]]) -> pd.DataFrame:
    rows = [visit(NANJING, 0, base=True)]
    rows += [visit(NANJING, day, **values) for day, values in visits]
    return ep.score(make_frame(rows), NANJING)


def assert_time(row: pd.Series, result: bool | None, value: float | None) -> None:
    assert_result(row, result)
    if value is None:
        assert row.value is pd.NA, f"value={row.value!r}"
    else:
        assert row.value is not pd.NA, f"value={row.value!r}"
        assert float(row.value) == value


def test_time_to_response_first_visit_meeting_event():
    out = nanjing_series(
        (28, {"upcr": 0.9}),  # PR
        (56, {"upcr": 0.4}),  # CR
        (84, {"upcr": 0.6}),  # PR
        (168, {"upcr": 0.4}),  # CR
    )
    assert_time(pick(out, TTCR, "week 24"), True, 56.0)
    assert_time(pick(out, TTPR, "week 24"), True, 28.0)


def test_time_to_partial_counts_cr_as_pr_or_better():
    out = nanjing_series((28, {"upcr": 1.5}), (56, {"upcr": 0.4}), (168, {"upcr": 0.4}))
    assert_time(pick(out, TTCR, "week 24"), True, 56.0)
    assert_time(pick(out, TTPR, "week 24"), True, 56.0)


def test_time_to_response_censored_at_last_visit():
    out = nanjing_series((84, {"upcr": 0.9}), (168, {"upcr": 0.9}))
    assert_time(pick(out, TTCR, "week 24"), False, 168.0)
    assert_time(pick(out, TTPR, "week 24"), True, 84.0)


def test_time_to_response_censored_at_last_known_assessment():
    # the week-24 visit lacks UPCR (assessment unknown): censor at day 140
    out = nanjing_series((84, {"upcr": 1.5}), (140, {"upcr": 1.5}), (168, {"upcr": None}))
    assert_time(pick(out, TTCR, "week 24"), False, 140.0)
    assert_time(pick(out, TTPR, "week 24"), False, 140.0)


def test_time_to_response_known_failure_despite_missing_upcr():
    # UPCR missing but eGFR 40 (< 85% of 90) fails CR and PR: a known non-response
    out = nanjing_series((84, {"upcr": 1.5}), (168, {"upcr": None, "egfr": 40.0}))
    assert_time(pick(out, TTCR, "week 24"), False, 168.0)
    assert_time(pick(out, TTPR, "week 24"), False, 168.0)


def test_time_to_response_skips_unknown_visit():
    out = nanjing_series((28, {"upcr": None}), (56, {"upcr": 0.4}), (168, {"upcr": 0.4}))
    assert_time(pick(out, TTCR, "week 24"), True, 56.0)


def test_time_to_response_ignores_response_after_assessment_visit():
    # day 168 is the week-24 assessment visit; the CR at day 190 is after the period
    out = nanjing_series((84, {"upcr": 1.5}), (168, {"upcr": 1.5}), (190, {"upcr": 0.4}))
    assert_time(pick(out, TTCR, "week 24"), False, 168.0)
    assert_time(pick(out, TTPR, "week 24"), False, 168.0)


def test_time_to_response_period_ends_at_late_assessment_visit():
    # no day-168 visit: day 180 is the assessment visit (nearer than 150), so it is in
    # the period
    out = nanjing_series((84, {"upcr": 1.5}), (150, {"upcr": 1.5}), (180, {"upcr": 0.4}))
    assert_time(pick(out, TTCR, "week 24"), True, 180.0)
    assert_time(pick(out, TTPR, "week 24"), True, 180.0)


def test_time_to_response_without_assessment_visit_censors_at_last_visit():
    # no visit within 168 +/- 28: period is days 1..168
    out = nanjing_series((84, {"upcr": 1.5}), (100, {"upcr": 1.5}))
    assert_time(pick(out, TTCR, "week 24"), False, 100.0)
    assert_time(pick(out, TTPR, "week 24"), False, 100.0)


def test_time_to_response_no_post_baseline_visit():
    rows = [visit(NANJING, -14, base=True), visit(NANJING, 0, base=True)]
    out = ep.score(make_frame(rows), NANJING)
    assert_time(pick(out, TTCR, "week 24"), None, None)
    assert_time(pick(out, TTPR, "week 24"), None, None)


def test_time_to_response_only_visit_after_period():
    out = nanjing_series((200, {"upcr": 0.4}))
    assert_time(pick(out, TTCR, "week 24"), None, None)
    assert_time(pick(out, TTPR, "week 24"), None, None)


def test_time_to_response_no_known_assessment():
    out = nanjing_series((84, {"upcr": None}), (168, {"upcr": None}))
    assert_time(pick(out, TTCR, "week 24"), None, None)
    assert_time(pick(out, TTPR, "week 24"), None, None)


# --------------------------------------------------------------------------------------
# Contract basics on these frames
# --------------------------------------------------------------------------------------

RENAL_ROWS = {
    MSC_ROLE: {(CRR, "month 12"), (PRR, "month 12"), (RR, "month 12")},
    VALLADOLID: {(CRR, "week 24"), (PRR, "week 24"), (RR, "week 24")},
    NANJING: {
        (CRR, "week 12"),
        (PRR, "week 12"),
        (RR, "week 12"),
        (CRR, "week 24"),
        (PRR, "week 24"),
        (RR, "week 24"),
        (TTCR, "week 24"),
        (TTPR, "week 24"),
    },
}
ASSESSMENT_DAYS = {MSC_ROLE: (365,), VALLADOLID: (168,), NANJING: (84, 168)}
CATEGORICAL = ("trial_id", "endpoint", "timepoint", "category", "reason")
EXPECTED_DTYPES = {
    "trial_id": "category",
    "subject_id": "string",
    "endpoint": "category",
    "timepoint": "category",
    "day": "Int64",
    "result": "boolean",
    "category": "category",
    "value": "Float64",
    "reason": "category",
}


def contract_frame(trial: str) -> pd.DataFrame:
    """Four subjects: a CR, one with a missing value, one with no post-baseline visit,
    and one with only an empty screening row."""
    rows = [visit(trial, 0, "cr", base=True)]
    rows += [visit(trial, d, "cr") for d in ASSESSMENT_DAYS[trial]]
    rows += [visit(trial, 0, "missing", base=True)]
    rows += [visit(trial, d, "missing", egfr=None) for d in ASSESSMENT_DAYS[trial]]
    rows += [visit(trial, -14, "baseline-only", base=True), visit(trial, 0, "baseline-only")]
    rows += [{"subject_id": "empty", "day": -7}]
    return make_frame(rows)


@pytest.fixture(params=[MSC_ROLE, VALLADOLID, NANJING])
def contract_case(request):
    trial = request.param
    visits = contract_frame(trial)
    before = visits.copy()
    out = ep.score(visits, trial)
    pd.testing.assert_frame_equal(visits, before)
    return trial, out


def test_contract_columns_and_dtypes(contract_case):
    trial_id, out = contract_case
    assert list(out.columns) == list(EXPECTED_DTYPES)
    assert {c: str(t) for c, t in out.dtypes.items()} == EXPECTED_DTYPES
    # the low-cardinality texts are categoricals (SPEC section 10) of string labels,
    # sorted: the trial's endpoints and timepoints, the category and reason texts used
    trial = ep.get_trial(trial_id)
    for column in CATEGORICAL:
        assert str(out[column].cat.categories.dtype) == "string"
        assert list(out[column].cat.categories) == sorted(out[column].cat.categories)
    assert list(out.trial_id.cat.categories) == [trial.id]
    assert set(out.endpoint.cat.categories) == {e.name for e in trial.endpoints if e.timepoints}
    for column in ("category", "reason"):
        assert set(out[column].cat.categories) == set(out[column].dropna())


def test_contract_every_subject_for_every_renal_endpoint(contract_case):
    trial, out = contract_case
    subjects = {"cr", "missing", "baseline-only", "empty"}
    assert set(out.subject_id) == subjects
    assert (out.trial_id == trial).all()
    renal = out[
        [(e, t) in RENAL_ROWS[trial] for e, t in zip(out.endpoint, out.timepoint, strict=True)]
    ]
    got = sorted(zip(renal.subject_id, renal.endpoint, renal.timepoint, strict=True))
    expected = sorted((s, e, t) for s in subjects for e, t in RENAL_ROWS[trial])
    assert got == expected
    # and every (endpoint, timepoint) of the trial, renal or not, has every subject once
    counts = out.groupby(["endpoint", "timepoint"]).subject_id.agg(["count", "nunique"])
    assert (counts["count"] == len(subjects)).all()
    assert (counts["nunique"] == len(subjects)).all()


def test_contract_reason_present_when_not_met(contract_case):
    trial, out = contract_case
    renal = out[
        [(e, t) in RENAL_ROWS[trial] for e, t in zip(out.endpoint, out.timepoint, strict=True)]
    ]
    not_met = renal[renal.result.isna() | (renal.result == False)]  # noqa: E712
    assert len(not_met) > 0
    for _, row in not_met.iterrows():
        assert has_reason(row), (row.subject_id, row.endpoint, row.timepoint)


def test_contract_expected_values(contract_case):
    trial, out = contract_case
    for tp in sorted({t for _, t in RENAL_ROWS[trial]}):
        assert_renal(out, tp, CR, subject="cr")
        assert_renal(out, tp, UNKNOWN, subject="missing")
        assert_renal(out, tp, UNKNOWN, subject="baseline-only")
        assert_renal(out, tp, UNKNOWN, subject="empty")
        for subject in ("baseline-only", "empty"):
            row = pick(out, RR, tp, subject)
            assert row.day is pd.NA
            assert "no visit in window" in row.reason
    if trial == NANJING:
        assert_time(pick(out, TTCR, "week 24", "cr"), True, 84.0)
        assert_time(pick(out, TTPR, "week 24", "cr"), True, 84.0)
        for subject in ("baseline-only", "empty"):
            assert_time(pick(out, TTCR, "week 24", subject), None, None)
            assert_time(pick(out, TTPR, "week 24", subject), None, None)


TIMEPOINT_DAYS = {t.label: t.day for trial in ep.list_trials()
                  for t in ep.get_trial(trial).timepoints}


def test_contract_rows_sorted(contract_case):
    _, out = contract_case
    # sorted by subject_id, endpoint, then timepoint (by its target day)
    keys = list(zip(out.subject_id, out.endpoint, out.timepoint.map(TIMEPOINT_DAYS), strict=True))
    assert keys == sorted(keys)


def test_score_is_independent_of_row_order():
    visits = contract_frame(NANJING)
    a = ep.score(visits, NANJING)
    b = ep.score(visits.iloc[::-1].reset_index(drop=True), NANJING)
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
