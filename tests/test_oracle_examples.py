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
    # 3 renal endpoints x 2 timepoints + 2 time-to-event endpoints + sri4 x 6 weeks +
    # treatment-related AEs + 13 levels x (baseline + 6 weeks) + 13 changes x 6 weeks
    assert len(result) == 3 * 2 + 2 + 6 + 1 + 13 * 7 + 13 * 6
    renal = result[result["endpoint"].str.contains("response")]
    assert list(zip(renal["endpoint"], renal["timepoint"], strict=True)) == [
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


# --------------------------------------------------------------------------------------
# Non-renal endpoints
# --------------------------------------------------------------------------------------

GRADES_C = {f"bilag_{d}": "C" for d in (
    "constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal",
    "cardiorespiratory", "gastrointestinal", "ophthalmic", "renal", "haematological",
)}


def frame(rows: list[dict]) -> pd.DataFrame:
    """A visit table from row dicts (a key absent from a row is missing there)."""
    return pd.DataFrame(rows)


def test_endpoint_lists_per_trial():
    visits = pd.DataFrame({"subject_id": ["x"], "day": [0]})
    expected = {
        # 3 renal + 2 failure + sri4 + 3 flares + 2 changes + (3 + 15 panel) changes x 2
        "NCT03917797": 3 + 2 + 1 + 3 + 2 + 18 * 2,
        # 3 renal + 3 at week 24 + (steroid_reduction + 4 changes) x 11 scheduled visits
        "NCT03673748": 3 + 3 + 5 * 11,
        "NCT03580291": 3 * 2 + 2 + 6 + 1 + 13 * 7 + 13 * 6,
        # ... + lit, sf36_pcs, sf36_mcs changes x 3 + cytopenia, low complement x 4
        "NCT02633163": 1 + 3 + 3 + 3 + 1 + 5 * 3 + 1 + 1 + 4 * 3 + 3 * 3 + 2 * 4,
    }
    for trial_id, n in expected.items():
        result = oracle_score(visits, trial_id)
        assert len(result) == n, trial_id
    # MiSLE's week 20 is used by sri4's steroid condition only: nothing is reported there
    assert "week 20" not in set(oracle_score(visits, "NCT02633163")["timepoint"])
    result = oracle_score(visits, "NCT02633163")
    assert get(result, "x", "sri4", "week 24") == (None, None, None, None)
    assert get(result, "x", "slicc_di_change", "week 52") == (None, None, None, None)


def test_change_from_baseline():
    visits = frame(
        [
            # screening: BILAG score 12 + 8 = 20; SLEDAI 10; proteinuria 3.0
            {"subject_id": "a", "day": -7, "bilag_renal": "A", "bilag_mucocutaneous": "B",
             "sledai": 10.0, "c3": 60.0},
            {"subject_id": "a", "day": 0, "sledai": 8.0},  # no grade at day 0
            {"subject_id": "a", "day": 170, "c3": 90.0},
            {"subject_id": "a", "day": 365, "bilag_renal": "C", "sledai": 4.0, "c3": 85.5},
            {"subject_id": "b", "day": 0, "bilag_renal": "A", "proteinuria_24h": 3.0},
            {"subject_id": "b", "day": 168, "proteinuria_24h": 1.1, "sf36": 50.0},
        ]
    )
    result = oracle_score(visits, "NCT03917797")
    # month 12: only the renal grade is recorded, C = 1 -> 1 - 20
    assert get(result, "a", "bilag_change", "month 12") == (365, None, None, -19.0)
    # baseline SLEDAI is the day-0 value 8 (the last on or before day 0)
    assert get(result, "a", "sledai_change", "month 12") == (365, None, None, -4.0)
    assert get(result, "a", "c3_change", "week 24") == (170, None, None, 30.0)
    assert get(result, "a", "c3_change", "month 12") == (365, None, None, 25.5)
    # b: no grade at the month-12 visit... nor any month-12 visit at all
    assert get(result, "b", "bilag_change", "month 12") == (None, None, None, None)
    result = oracle_score(visits, "NCT03673748")
    # proteinuria_change reads proteinuria_24h; 1.1 - 3.0 = -1.9 in decimal terms
    assert get(result, "b", "proteinuria_change", "week 24") == (168, None, None, -1.9)
    # sf36 recorded at the visit but not at baseline
    assert get(result, "b", "sf36_change", "week 24") == (168, None, None, None)


def test_sfi_flares_against_previous_recorded_visit():
    visits = frame(
        [
            # f1: day 0 and day 56 have no SLEDAI: they are not assessments.
            {"subject_id": "f1", "day": -7, "sledai": 4.0},
            {"subject_id": "f1", "day": 0},
            {"subject_id": "f1", "day": 28, "sledai": 8.0},  # +4 vs day -7: mild/moderate
            {"subject_id": "f1", "day": 56},
            {"subject_id": "f1", "day": 84, "sledai": 14.0},  # +6 and > 12: severe
            {"subject_id": "f1", "day": 200, "sledai": 14.0},  # not higher: no flare
            {"subject_id": "f1", "day": 365, "sledai": 10.0},
            # f2: first SLEDAI at day 28 has nothing to compare with: a mild/moderate flare
            # is unknown there, a severe one is ruled out (SLEDAI 10 is not > 12)
            {"subject_id": "f2", "day": 0},
            {"subject_id": "f2", "day": 28, "sledai": 10.0},
            {"subject_id": "f2", "day": 365, "sledai": 11.0},
            # f3: 8.1 - 5.1 is an increase of exactly 3 in decimal terms
            {"subject_id": "f3", "day": 0, "sledai": 5.1},
            {"subject_id": "f3", "day": 100, "sledai": 8.1},
            {"subject_id": "f3", "day": 350, "sledai": 8.1},
            # f4: no flare, but no visit in the month-12 window: follow-up incomplete
            {"subject_id": "f4", "day": 0, "sledai": 5.0},
            {"subject_id": "f4", "day": 100, "sledai": 5.0},
            # f5: 12 -> 13 is severe (> 12 and higher); 13 -> 13 is not
            {"subject_id": "f5", "day": 0, "sledai": 12.0},
            {"subject_id": "f5", "day": 100, "sledai": 13.0},
            {"subject_id": "f5", "day": 200, "sledai": 13.0},
            {"subject_id": "f5", "day": 365, "sledai": 12.0},
        ]
    )
    result = oracle_score(visits, "NCT03917797")
    assert get(result, "f1", "flare_any", "month 12") == (365, True, None, 2.0)
    assert get(result, "f1", "flare_mild_moderate", "month 12") == (365, True, None, 1.0)
    assert get(result, "f1", "flare_severe", "month 12") == (365, True, None, 1.0)
    for endpoint in ("flare_any", "flare_mild_moderate"):
        assert get(result, "f2", endpoint, "month 12") == (365, None, None, None)
    assert get(result, "f2", "flare_severe", "month 12") == (365, False, None, 0.0)
    for endpoint in ("flare_any", "flare_mild_moderate", "flare_severe"):
        assert get(result, "f4", endpoint, "month 12") == (None, None, None, None)
    assert get(result, "f3", "flare_mild_moderate", "month 12") == (350, True, None, 1.0)
    assert get(result, "f3", "flare_severe", "month 12") == (350, False, None, 0.0)
    assert get(result, "f5", "flare_severe", "month 12") == (365, True, None, 1.0)
    assert get(result, "f5", "flare_mild_moderate", "month 12") == (365, False, None, 0.0)
    assert get(result, "f5", "flare_any", "month 12") == (365, True, None, 1.0)


def test_bilag_flare_counts():
    visits = frame(
        [
            {"subject_id": "b1", "day": -14, "bilag_renal": "C", "bilag_mucocutaneous": "D"},
            # day 0 is not in the period; it is the previous grade for day 28
            {"subject_id": "b1", "day": 0, "bilag_mucocutaneous": "B"},
            # renal B after C: flare; mucocutaneous A after B: flare; musculoskeletal A with
            # no previous grade: unknown (a True elsewhere still makes the result True)
            {"subject_id": "b1", "day": 28, "bilag_renal": "B", "bilag_mucocutaneous": "A",
             "bilag_musculoskeletal": "A"},
            # renal A after B: flare; mucocutaneous A after A: none
            {"subject_id": "b1", "day": 84, "bilag_renal": "A", "bilag_mucocutaneous": "A"},
            # b2: haematological D with no previous grade: not A or B, so no flare; renal
            # never graded: no assessment, so no renal flare either
            {"subject_id": "b2", "day": 0, "bilag_mucocutaneous": "C"},
            {"subject_id": "b2", "day": 84, "bilag_mucocutaneous": "C",
             "bilag_haematological": "D"},
            # b3: B after A (improvement) and C after D (B-E to C-E but not B): no flare
            {"subject_id": "b3", "day": 0, "bilag_renal": "A", "bilag_ophthalmic": "D"},
            {"subject_id": "b3", "day": 84, "bilag_renal": "B", "bilag_ophthalmic": "C"},
        ]
    )
    result = oracle_score(visits, "NCT02633163")
    assert get(result, "b1", "bilag_flare_renal", "week 12") == (84, True, None, 2.0)
    assert get(result, "b1", "bilag_flare_nonrenal", "week 12") == (84, True, None, 1.0)
    # no week-24 visit: the period is 0 < day <= 168 and the flares are still observed
    assert get(result, "b1", "bilag_flare_renal", "week 24") == (None, True, None, 2.0)
    assert get(result, "b2", "bilag_flare_nonrenal", "week 12") == (84, False, None, 0.0)
    assert get(result, "b2", "bilag_flare_renal", "week 12") == (84, False, None, 0.0)
    assert get(result, "b3", "bilag_flare_renal", "week 12") == (84, False, None, 0.0)
    assert get(result, "b3", "bilag_flare_nonrenal", "week 12") == (84, False, None, 0.0)
    assert get(result, "b3", "bilag_flare_renal", "week 52") == (None, None, None, None)


def sri_visits(subject_id, at_visit, baseline=None):
    """Baseline SLEDAI 10, PGA 1.0, all grades C; week-24 visit SLEDAI 6, PGA 1.2, all C,
    updated with ``at_visit`` (and the baseline with ``baseline``)."""
    base = {"subject_id": subject_id, "day": 0, "sledai": 10.0, "pga": 1.0, **GRADES_C}
    visit = {"subject_id": subject_id, "day": 168, "sledai": 6.0, "pga": 1.2, **GRADES_C}
    base.update(baseline or {})
    visit.update(at_visit)
    return [base, visit]


def test_sri4_with_missing_domains():
    visits = frame(
        sri_visits("ok", {"bilag_mucocutaneous": "B"})  # one new B is allowed
        + sri_visits("pga", {"pga": 1.3})  # an increase of exactly 0.3
        + sri_visits("sledai3", {"sledai": 7.0})  # a reduction of 3
        + sri_visits("two_b", {"bilag_mucocutaneous": "B", "bilag_renal": "B"})
        + sri_visits("new_a", {"bilag_renal": "A"})
        # renal grade missing at the visit: it may be a new A
        + sri_visits("miss", {"bilag_renal": None})
        # ... but a known failed criterion still makes a non-responder
        + sri_visits("miss_fail", {"bilag_renal": None, "sledai": 7.0})
        # one known new B and one domain that may be a new B
        + sri_visits("b_miss", {"bilag_mucocutaneous": "B", "bilag_renal": None})
        # baseline renal grade missing: C at the visit can be neither new A nor new B ...
        + sri_visits("base_miss", {}, baseline={"bilag_renal": None})
        # ... while A at the visit may be new
        + sri_visits("base_miss_a", {"bilag_renal": "A"}, baseline={"bilag_renal": None})
    )
    result = oracle_score(visits, "NCT03580291")

    def sri(subject_id):
        return get(result, subject_id, "sri4", "week 24")

    assert sri("ok") == (168, True, None, None)
    assert sri("pga") == (168, False, None, None)
    assert sri("sledai3") == (168, False, None, None)
    assert sri("two_b") == (168, False, None, None)
    assert sri("new_a") == (168, False, None, None)
    assert sri("miss") == (168, None, None, None)
    assert sri("miss_fail") == (168, False, None, None)
    assert sri("b_miss") == (168, None, None, None)
    assert sri("base_miss") == (168, True, None, None)
    assert sri("base_miss_a") == (168, None, None, None)


def test_sri4_steroid_condition_weeks_20_to_24():
    def subject(subject_id, doses):
        rows = sri_visits(subject_id, {})
        rows[1]["prednisone"] = 5.0
        rows += [{"subject_id": subject_id, "day": d, "prednisone": p} for d, p in doses]
        return rows

    visits = frame(
        # week-20 visit day 140; day 150 (in the span) exceeds 10
        subject("over", [(140, 10.0), (150, 12.0)])
        # week-20 visit day 130 (nearest to 140): the span starts there, not at day 140
        + subject("early", [(100, 40.0), (130, 15.0)])
        + subject("ok", [(100, 40.0), (130, 10.0)])
        + subject("missing", [(140, None)])
    )
    result = oracle_score(visits, "NCT02633163")
    assert get(result, "over", "sri4", "week 24") == (168, False, None, None)
    assert get(result, "early", "sri4", "week 24") == (168, False, None, None)
    assert get(result, "ok", "sri4", "week 24") == (168, True, None, None)
    assert get(result, "missing", "sri4", "week 24") == (168, None, None, None)
    # without a week-20 visit (none in 112..168): visits with 140 <= day <= 180
    visits = frame(
        [
            {"subject_id": "late", "day": 0, "sledai": 10.0, "pga": 1.0, **GRADES_C},
            {"subject_id": "late", "day": 100, "prednisone": 40.0},
            {"subject_id": "late", "day": 180, "sledai": 6.0, "pga": 1.0, "prednisone": 10.0,
             **GRADES_C},
        ]
    )
    result = oracle_score(visits, "NCT02633163")
    assert get(result, "late", "sri4", "week 24") == (180, True, None, None)


def test_treatment_failure_parts():
    visits = frame(
        [
            # (a): prednisone 15 at the week-24 visit fails both timepoints
            {"subject_id": "a", "day": 0, "prednisone": 20.0},
            {"subject_id": "a", "day": 170, "prednisone": 15.0},
            {"subject_id": "a", "day": 365, "prednisone": 5.0},
            # (c): a new immunosuppressant at day 250 fails month 12 only
            {"subject_id": "c", "day": 0, "prednisone": 20.0},
            {"subject_id": "c", "day": 168, "prednisone": 5.0},
            {"subject_id": "c", "day": 250, "new_immunosuppressant": True},
            {"subject_id": "c", "day": 365, "prednisone": 5.0, "new_immunosuppressant": False},
            # (b): exactly 10 at week 24 is not > 10; 10.5 at day 300 is
            {"subject_id": "b", "day": 0, "prednisone": 20.0},
            {"subject_id": "b", "day": 168, "prednisone": 10.0},
            {"subject_id": "b", "day": 300, "prednisone": 10.5},
            {"subject_id": "b", "day": 365, "prednisone": 5.0},
            # no week-24 visit: (a) unknown, nothing else observed
            {"subject_id": "none", "day": 0, "prednisone": 20.0},
            {"subject_id": "none", "day": 365, "prednisone": 5.0},
            # no week-24 visit, but rituximab at day 100 fails both timepoints
            {"subject_id": "d", "day": 0, "prednisone": 20.0},
            {"subject_id": "d", "day": 100, "rituximab": True},
            {"subject_id": "d", "day": 365, "prednisone": 5.0},
            # flags never recorded: not assessments, no failure
            {"subject_id": "ok", "day": 0, "prednisone": 20.0},
            {"subject_id": "ok", "day": 168, "prednisone": 5.0},
            {"subject_id": "ok", "day": 200},
            {"subject_id": "ok", "day": 365, "prednisone": 5.0, "rituximab": False},
        ]
    )
    result = oracle_score(visits, "NCT03917797")

    def failure(subject_id, timepoint):
        return get(result, subject_id, "treatment_failure", timepoint)

    assert failure("a", "week 24") == (170, True, None, None)
    assert failure("a", "month 12") == (365, True, None, None)
    assert failure("c", "week 24") == (168, False, None, None)
    assert failure("c", "month 12") == (365, True, None, None)
    assert failure("b", "week 24") == (168, False, None, None)
    assert failure("b", "month 12") == (365, True, None, None)
    assert failure("none", "week 24") == (None, None, None, None)
    assert failure("none", "month 12") == (365, None, None, None)
    assert failure("d", "week 24") == (None, True, None, None)
    assert failure("d", "month 12") == (365, True, None, None)
    assert failure("ok", "week 24") == (168, False, None, None)
    assert failure("ok", "month 12") == (365, False, None, None)


def test_steroid_reduction_boundaries():
    def subject(subject_id, selection, at_week_24, grades_84=None):
        rows = [
            {"subject_id": subject_id, "day": -14, "prednisone": selection, **GRADES_C},
            {"subject_id": subject_id, "day": 0, "prednisone": 8.0},
            {"subject_id": subject_id, "day": 84, **(grades_84 or {})},
            {"subject_id": subject_id, "day": 168, "prednisone": at_week_24},
        ]
        return rows

    visits = frame(
        # 7.5 is exactly 75% of the selection dose 10 (a reduction of exactly 25%) and
        # exactly 7.5 mg/day; the baseline dose 8 is not the reference
        subject("at25", 10.0, 7.5)
        + subject("under25", 9.0, 7.5)  # 7.5 > 6.75
        + subject("at50", 20.0, 10.0)  # exactly 50%: "25-50%", but 10 > 7.5
        + subject("over50", 20.0, 7.5)
        + subject("zero", 0.0, 0.0)  # not on steroids
        + subject("missing", 20.0, None)
        # two new B against the selection grades at day 84: an exacerbation
        + subject("two_b", 20.0, 5.0, {**GRADES_C, "bilag_renal": "B", "bilag_ophthalmic": "B"})
        + subject("one_b", 20.0, 5.0, {**GRADES_C, "bilag_renal": "B"})
        # only one domain graded at day 84: any of the other eight may be a new A
        + subject("partial", 20.0, 5.0, {"bilag_renal": "C"})
    )
    result = oracle_score(visits, "NCT03673748")

    def reduction(subject_id):
        return get(result, subject_id, "steroid_reduction", "week 24")

    def category(subject_id):
        return get(result, subject_id, "steroid_reduction_category", "week 24")

    assert reduction("at25") == (168, True, None, None)
    assert category("at25") == (168, None, "25-50%", None)
    assert reduction("under25") == (168, False, None, None)
    assert category("under25") == (168, None, "<25%", None)
    assert reduction("at50") == (168, False, None, None)
    assert category("at50") == (168, None, "25-50%", None)
    assert reduction("over50") == (168, True, None, None)
    assert category("over50") == (168, None, ">50%", None)
    assert reduction("zero") == (None, None, None, None)  # not applicable: no day
    assert category("zero") == (None, None, None, None)
    assert reduction("missing") == (168, None, None, None)
    assert category("missing") == (168, None, None, None)
    assert reduction("two_b") == (168, False, None, None)
    assert reduction("one_b") == (168, True, None, None)
    assert reduction("partial") == (168, None, None, None)


def test_immunosuppressant_reduction():
    visits = frame(
        [
            {"subject_id": "down", "day": -14, "immunosuppressant_dose": 2000.0},
            {"subject_id": "down", "day": 168, "immunosuppressant_dose": 1500.0},
            {"subject_id": "same", "day": -14, "immunosuppressant_dose": 2000.0},
            {"subject_id": "same", "day": 168, "immunosuppressant_dose": 2000.0},
            # a new BILAG A against the selection grade (C at day -14) at day 28
            {"subject_id": "flare", "day": -14, "immunosuppressant_dose": 2000.0,
             **GRADES_C},
            {"subject_id": "flare", "day": 28, **{**GRADES_C, "bilag_renal": "A"}},
            {"subject_id": "flare", "day": 168, "immunosuppressant_dose": 1000.0},
        ]
    )
    result = oracle_score(visits, "NCT03673748")
    endpoint = "immunosuppressant_reduction"
    assert get(result, "down", endpoint, "week 24") == (168, True, None, None)
    assert get(result, "same", endpoint, "week 24") == (168, False, None, None)
    assert get(result, "flare", endpoint, "week 24") == (168, False, None, None)


def test_cumulative_steroid_dose_by_hand():
    visits = frame(
        [
            # days 0-49 at 20 (the screening dose), 50-149 at 10 (day 100 not recorded),
            # 150-167 at 5: 1000 + 1000 + 90
            {"subject_id": "a", "day": -7, "prednisone": 20.0},
            {"subject_id": "a", "day": 0},
            {"subject_id": "a", "day": 50, "prednisone": 10.0},
            {"subject_id": "a", "day": 100},
            {"subject_id": "a", "day": 150, "prednisone": 5.0},
            # last recorded dose at day 140 = T - 28: still evaluable; 20 x 140 + 10 x 28
            {"subject_id": "edge", "day": 0, "prednisone": 20.0},
            {"subject_id": "edge", "day": 140, "prednisone": 10.0},
            # last recorded dose at day 139, more than 28 days before T
            {"subject_id": "stale", "day": 0, "prednisone": 20.0},
            {"subject_id": "stale", "day": 139, "prednisone": 10.0},
            {"subject_id": "stale", "day": 168},
            # no dose on or before day 0
            {"subject_id": "nobase", "day": 10, "prednisone": 20.0},
            {"subject_id": "nobase", "day": 168, "prednisone": 10.0},
        ]
    )
    result = oracle_score(visits, "NCT03673748")
    endpoint = "cumulative_steroid_dose"
    assert get(result, "a", endpoint, "week 24") == (None, None, None, 2090.0)
    assert get(result, "edge", endpoint, "week 24") == (None, None, None, 3080.0)
    assert get(result, "stale", endpoint, "week 24") == (None, None, None, None)
    assert get(result, "nobase", endpoint, "week 24") == (None, None, None, None)
    # NCT02633163, days 0-363; the dose recorded at day 400 comes after T
    visits = frame(
        [
            {"subject_id": "w52", "day": 0, "prednisone": 10.0},
            {"subject_id": "w52", "day": 400, "prednisone": 0.0},
        ]
    )
    result = oracle_score(visits, "NCT02633163")
    assert get(result, "w52", endpoint, "week 52") == (None, None, None, 3640.0)


def test_steroid_discontinuation():
    visits = frame(
        [
            {"subject_id": "stop", "day": 0, "prednisone": 10.0},
            {"subject_id": "stop", "day": 84, "prednisone": 5.0},
            {"subject_id": "stop", "day": 168, "prednisone": 0.0},
            {"subject_id": "stop", "day": 364, "prednisone": 0.0},
            # censored at day 300, the last visit in the period with a known dose; day 400
            # is outside the week-52 window, so the period ends at day 364
            {"subject_id": "cens", "day": 0, "prednisone": 10.0},
            {"subject_id": "cens", "day": 84, "prednisone": 5.0},
            {"subject_id": "cens", "day": 168},
            {"subject_id": "cens", "day": 300, "prednisone": 5.0},
            {"subject_id": "cens", "day": 400, "prednisone": 0.0},
            # not on steroids at baseline
            {"subject_id": "off", "day": 0, "prednisone": 0.0},
            {"subject_id": "off", "day": 84, "prednisone": 0.0},
            # baseline dose from the screening visit
            {"subject_id": "scr", "day": -10, "prednisone": 5.0},
            {"subject_id": "scr", "day": 0},
            {"subject_id": "scr", "day": 100, "prednisone": 0.0},
        ]
    )
    result = oracle_score(visits, "NCT02633163")
    endpoint = "steroid_discontinuation"
    assert get(result, "stop", endpoint, "week 52") == (168, True, None, 168.0)
    assert get(result, "cens", endpoint, "week 52") == (300, False, None, 300.0)
    assert get(result, "off", endpoint, "week 52") == (None, None, None, None)
    assert get(result, "scr", endpoint, "week 52") == (100, True, None, 100.0)
