"""Hand-written examples showing that the reference oracle follows SPEC sections 3 and 4."""

import math

import pandas as pd
import pytest

from oracle import and3, not3, or3, oracle_score

NAN = math.nan


def get(result: pd.DataFrame, subject_id: str, endpoint: str, timepoint: str) -> tuple:
    """(day, result, category, value) of one result row."""
    rows = result[
        (result["subject_id"] == subject_id)
        & (result["endpoint"] == endpoint)
        & (result["timepoint"] == timepoint)
    ]
    assert len(rows) == 1
    row = rows.iloc[0]
    return row["day"], row["result"], row["category"], row["value"]


def test_kleene_helpers():
    assert and3(True, True) is True
    assert and3(True, None) is None
    assert and3(False, None) is False
    assert or3(True, None) is True
    assert or3(False, None) is None
    assert or3(False, False) is False
    assert not3(None) is None
    assert not3(True) is False


def test_output_shape_and_types():
    visits = pd.DataFrame(
        {"subject_id": [7, 7], "day": [0, 84], "upcr": [2.0, 0.3], "egfr": [90.0, 90.0]}
    )
    result = oracle_score(visits, "NCT03580291")
    assert list(result.columns) == [
        "subject_id",
        "endpoint",
        "timepoint",
        "day",
        "result",
        "category",
        "value",
    ]
    # 3 renal endpoints x 2 timepoints + 2 time-to-event endpoints
    assert len(result) == 8
    assert list(zip(result["endpoint"], result["timepoint"], strict=True)) == [
        ("complete_renal_response", "week 12"),
        ("complete_renal_response", "week 24"),
        ("partial_renal_response", "week 12"),
        ("partial_renal_response", "week 24"),
        ("renal_response", "week 12"),
        ("renal_response", "week 24"),
        ("time_to_complete_response", "week 24"),
        ("time_to_partial_response", "week 24"),
    ]
    assert set(result["subject_id"]) == {"7"}
    day, res, cat, value = get(result, "7", "renal_response", "week 12")
    assert (day, res, cat, value) == (84, True, "CR", None)
    assert type(day) is int
    # no visit within 168 +/- 28: not evaluable
    assert get(result, "7", "renal_response", "week 24") == (None, None, None, None)
    day, res, cat, value = get(result, "7", "time_to_complete_response", "week 24")
    assert (day, res, cat, value) == (84, True, None, 84.0)
    assert type(value) is float


def test_unknown_trial_raises_key_error():
    visits = pd.DataFrame({"subject_id": ["a"], "day": [0]})
    with pytest.raises(KeyError):
        oracle_score(visits, "NCT00000000")


def test_window_tie_goes_to_later_visit():
    # Week 12 = day 84. Days 74 and 94 are both 10 days away: day 94 is used.
    # Day 50 is outside the window; row order is arbitrary.
    visits = pd.DataFrame(
        {
            "subject_id": ["s1"] * 4,
            "day": [94, 0, 74, 50],
            "upcr": [0.3, 2.0, 1.5, 0.1],
            "egfr": [90.0, 90.0, 90.0, 90.0],
        }
    )
    result = oracle_score(visits, "NCT03580291")
    assert get(result, "s1", "renal_response", "week 12") == (94, True, "CR", None)
    assert get(result, "s1", "complete_renal_response", "week 12") == (94, True, None, None)
    assert get(result, "s1", "partial_renal_response", "week 12") == (94, False, None, None)


def test_baseline_per_variable_from_screening_visit():
    # Baseline UPCR is missing at day 0, so it comes from the screening visit (day -14):
    # 4.0. Baseline eGFR is the day-0 value 80 (last non-missing on or before day 0).
    # At week 24: UPCR 2.0 = exactly 50% of 4.0 and eGFR 68 = exactly 85% of 80 -> PR.
    # Post-baseline day 5 never counts for the baseline.
    visits = pd.DataFrame(
        {
            "subject_id": ["s2"] * 5,
            "day": [-14, 0, 5, 168, 200],
            "upcr": [4.0, NAN, 0.1, 2.0, 0.1],
            "egfr": [100.0, 80.0, 1.0, 68.0, 100.0],
        }
    )
    result = oracle_score(visits, "NCT03580291")
    assert get(result, "s2", "renal_response", "week 24") == (168, True, "PR", None)
    assert get(result, "s2", "complete_renal_response", "week 24") == (168, False, None, None)
    assert get(result, "s2", "partial_renal_response", "week 24") == (168, True, None, None)


def test_threshold_exactly_at_half_in_decimal_terms():
    # 0.7 - 0.2 is 0.49999999999999994 in binary floats but 0.5 in decimal terms,
    # so "UPCR < 0.5" (NCT03917797 CR) fails while "UPCR <= 50% of baseline" (PR) holds.
    visits = pd.DataFrame(
        {
            "subject_id": ["s3"] * 2,
            "day": [0, 365],
            "upcr": [1.0, 0.7 - 0.2],
            "egfr": [100.0, 100.0],
            "urine_rbc": [20.0, 2.0],
            "rbc_casts": [True, False],
            "prednisone": [20.0, 5.0],
        }
    )
    result = oracle_score(visits, "NCT03917797")
    assert get(result, "s3", "renal_response", "month 12") == (365, True, "PR", None)
    assert get(result, "s3", "complete_renal_response", "month 12") == (365, False, None, None)
    assert get(result, "s3", "partial_renal_response", "month 12") == (365, True, None, None)


def test_proteinuria_exactly_at_half_meets_nct03673748_complete_response():
    # "proteinuria <= 0.5 g/24h"; serum albumin must be strictly > 3.
    visits = pd.DataFrame(
        {
            "subject_id": ["ok", "ok", "alb", "alb"],
            "day": [0, 168, 0, 168],
            "proteinuria_24h": [4.0, 0.5, 4.0, 0.5],
            "egfr": [50.0, 60.0, 50.0, 60.0],
            "urine_rbc": [10.0, 5.0, 10.0, 5.0],
            "urine_wbc": [10.0, 5.0, 10.0, 5.0],
            "rbc_casts": [True, False, True, False],
            "serum_albumin": [2.0, 3.1, 2.0, 3.0],
        }
    )
    result = oracle_score(visits, "NCT03673748")
    assert get(result, "ok", "renal_response", "week 24") == (168, True, "CR", None)
    # albumin exactly 3 fails CR; baseline proteinuria 4.0 >= 3.5 and 0.5 < 3.5, and
    # eGFR 60 >= 75% of 50 -> PR
    assert get(result, "alb", "renal_response", "week 24") == (168, True, "PR", None)


def test_missing_value_gives_none():
    # eGFR missing at the assessment visit: both CR and PR are unknown.
    visits = pd.DataFrame(
        {
            "subject_id": ["s4"] * 2,
            "day": [0, 168],
            "upcr": [2.0, 0.3],
            "egfr": [90.0, None],
        }
    )
    result = oracle_score(visits, "NCT03580291")
    assert get(result, "s4", "renal_response", "week 24") == (168, None, None, None)
    assert get(result, "s4", "complete_renal_response", "week 24") == (168, None, None, None)
    assert get(result, "s4", "partial_renal_response", "week 24") == (168, None, None, None)


def test_complete_response_unknown_but_partial_met():
    # Urine RBC missing (and the rbc_casts column absent): CR unknown, PR met.
    # renal_response is True with category None; CR and "PR and not CR" are unknown.
    visits = pd.DataFrame(
        {
            "subject_id": ["s5"] * 2,
            "day": [0, 365],
            "upcr": [2.0, 0.3],
            "egfr": [100.0, 100.0],
            "urine_rbc": [20.0, pd.NA],
            "prednisone": [20.0, 5.0],
        }
    )
    result = oracle_score(visits, "NCT03917797")
    assert get(result, "s5", "renal_response", "month 12") == (365, True, None, None)
    assert get(result, "s5", "complete_renal_response", "month 12") == (365, None, None, None)
    assert get(result, "s5", "partial_renal_response", "month 12") == (365, None, None, None)


def test_one_known_failure_makes_false_despite_missing_values():
    # eGFR and RBC casts are missing, but prednisone 15 > 10 fails both CR and PR: NR.
    visits = pd.DataFrame(
        {
            "subject_id": ["s6"] * 2,
            "day": [0, 365],
            "upcr": [2.0, 0.3],
            "egfr": [100.0, NAN],
            "urine_rbc": [20.0, 2.0],
            "rbc_casts": [True, None],
            "prednisone": [20.0, 15.0],
        }
    )
    result = oracle_score(visits, "NCT03917797")
    assert get(result, "s6", "renal_response", "month 12") == (365, False, "NR", None)
    assert get(result, "s6", "complete_renal_response", "month 12") == (365, False, None, None)
    assert get(result, "s6", "partial_renal_response", "month 12") == (365, False, None, None)


def test_time_to_event_and_censoring():
    # Baseline UPCR 3.0, eGFR 90 (85% = 76.5). KDIGO PR: UPCR <= 1.5 and < 3.0.
    visits = pd.DataFrame(
        {
            # subject a: 7 visits, then subject b: 4 visits
            "subject_id": ["a", "a", "a", "a", "a", "a", "a", "b", "b", "b", "b"],
            "day": [0, 28, 56, 84, 112, 168, 190, -7, 28, 84, 150],
            "upcr": [3.0, 2.5, 1.4, 0.8, NAN, 0.6, 0.2, 3.0, 2.5, NAN, NAN],
            "egfr": [90.0] * 11,
        }
    )
    result = oracle_score(visits, "NCT03580291")
    # a: PR first met at day 56.
    assert get(result, "a", "time_to_partial_response", "week 24") == (56, True, None, 56.0)
    # a: CR never met up to the week-24 assessment visit (day 168); day 190 (UPCR 0.2)
    # lies after the period. Censored at day 168, the last visit with CR known.
    assert get(result, "a", "time_to_complete_response", "week 24") == (
        168,
        False,
        None,
        168.0,
    )
    # b: week-24 assessment visit at day 150 (within 28 days); UPCR unknown from day 84 on,
    # so both events are censored at day 28, the last visit where they are known.
    assert get(result, "b", "renal_response", "week 24") == (150, None, None, None)
    assert get(result, "b", "time_to_complete_response", "week 24") == (28, False, None, 28.0)
    assert get(result, "b", "time_to_partial_response", "week 24") == (28, False, None, 28.0)


def test_time_to_event_without_assessment_visit_uses_target_day():
    # No visit within 168 +/- 28: the period is 0 < day <= 168.
    visits = pd.DataFrame(
        {
            "subject_id": ["c", "c", "c", "d"],
            "day": [0, 100, 139, 0],
            "upcr": [3.0, 2.0, 0.3, 3.0],
            "egfr": [90.0, 90.0, 90.0, 90.0],
        }
    )
    result = oracle_score(visits, "NCT03580291")
    assert get(result, "c", "renal_response", "week 24") == (None, None, None, None)
    assert get(result, "c", "time_to_complete_response", "week 24") == (139, True, None, 139.0)
    # d has only a baseline visit: nothing in the period.
    assert get(result, "d", "time_to_partial_response", "week 24") == (None, None, None, None)
