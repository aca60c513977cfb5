"""Input validation, column mapping, unit conversion and missing columns (SPEC section 2).

Every bad input of the canonical visit table must raise :class:`endpoints.InputError`
(a subclass of :class:`endpoints.EndpointsError` and :class:`ValueError`) whose message
names the column and, for value problems, the first offending subject and day in
(subject, day) sorted order -- whatever the order of the rows. Inputs are never mutated.
"""

from __future__ import annotations

import copy
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import endpoints as ep

from helpers import DOMAINS as BILAG_DOMAINS

DAYS = (-14, 0, 28, 84, 140, 168, 364, 365)
SEEDS = (0, 1, 2, 3, 4)


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def full_visits(subjects=("S1", "S2", "S3"), days=DAYS) -> pd.DataFrame:
    """A valid visit table with every column of SPEC section 2 (canonical units)."""
    rows = []
    for s, subject in enumerate(subjects):
        for k, day in enumerate(days):
            improve = max(day, 0) / 365
            rows.append(
                {
                    "subject_id": subject,
                    "day": day,
                    "arm": "MSC" if s % 2 == 0 else "placebo",
                    "upcr": round(3.0 - 2.6 * improve + 0.1 * s, 3),
                    "proteinuria_24h": round(4.0 - 3.5 * improve + 0.1 * s, 3),
                    "egfr": 80.0 + s + k,
                    "creatinine": 1.1 + 0.01 * s,
                    "age": 30.0 + s,
                    "sex": "F" if s % 2 == 0 else "M",
                    "serum_albumin": 2.8 + 0.8 * improve,
                    "urine_rbc": 12.0 - 10 * improve,
                    "urine_wbc": 8.0 - 6 * improve,
                    "rbc_casts": day <= 0,
                    "prednisone": 20.0 - 12.5 * improve,
                    "immunosuppressant_dose": 2000.0 - 500 * improve,
                    "weight": 60.0 + s,
                    "sledai": 12.0 - 8 * round(improve),
                    "pga": 2.0 - round(improve, 1),
                    **{f"bilag_{d}": ("B" if d == "renal" and day <= 0 else "D")
                       for d in BILAG_DOMAINS},
                    "new_immunosuppressant": False,
                    "rituximab": False,
                    "anti_dsdna": 100.0 - 50 * improve + s,
                    "c3": 0.6 + 0.3 * improve,
                    "c4": 0.08 + 0.05 * improve,
                    "sf36": 40.0 + 10 * improve,
                    "lupusqol": 60.0 + 10 * improve,
                    "slicc_di": 1.0,
                    "promis_fatigue": 55.0 - 5 * improve,
                    "promis_pain": 50.0 - 5 * improve,
                    "promis_depression": 52.0 - 3 * improve,
                    "lupuspro": 70.0 + 5 * improve,
                    # SPEC section 4's new columns, and NCT03917797's biomarker panel
                    "ana": 320.0, "haq": 1.0 - 0.5 * improve, "lit": 50.0 - 10 * improve,
                    "sf36_pcs": 38.0 + 5 * improve, "sf36_mcs": 40.0 + 5 * improve,
                    "platelets": 180.0 + s, "wbc": 5.0 + 0.1 * s, "neutrophils": 3.0,
                    "lymphocytes": 1.2, "hemoglobin": 12.0, "c3_lln": 0.9, "c4_lln": 0.1,
                    **{name: 10.0 + s - 2 * improve for name in PANEL},
                }
            )
    return pd.DataFrame(rows)


#: NCT03917797's biomarker panel (SPEC section 4)
PANEL = ("th1", "th17", "treg", "b_naive", "b_memory", "b_transitional", "tnf_alpha",
         "tgf_beta1", "il6", "il17a", "il10", "baff", "mcp1", "cxcl10", "ifn_gamma")


def shuffled(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def expect_input_error(visits, trial="NCT03580291", **kwargs) -> ep.InputError:
    """Score, expect an InputError raised by the library itself, and return it."""
    before = visits.copy(deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ep.EndpointsWarning)
        with pytest.raises(ep.InputError) as info:
            ep.score(visits, trial, **kwargs)
    err = info.value
    assert isinstance(err, ep.EndpointsError)
    assert isinstance(err, ValueError)
    # raised on purpose, not re-raised out of a pandas/numpy error (no chained traceback)
    assert err.__cause__ is None
    assert err.__context__ is None or err.__suppress_context__
    # even a failing call leaves the input untouched
    pd.testing.assert_frame_equal(visits, before)
    return err


def names_word(message: str, word: object) -> bool:
    """True if `word` occurs in `message` as a whole token."""
    return re.search(rf"(?<![\w.]){re.escape(str(word))}(?![\w]|\.\d)", message) is not None


def assert_names(err: Exception, column: str, subject=None, day=None) -> None:
    message = str(err)
    assert column in message, message
    if subject is not None:
        assert names_word(message, subject), message
    if day is not None:
        assert names_word(message, day), message


def score_quiet(visits, trial, **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ep.EndpointsWarning)
        return ep.score(visits, trial, **kwargs)


def row(table: pd.DataFrame, subject: str, endpoint: str, timepoint: str) -> pd.Series:
    hit = table[
        (table["subject_id"] == subject)
        & (table["endpoint"] == endpoint)
        & (table["timepoint"] == timepoint)
    ]
    assert len(hit) == 1, (subject, endpoint, timepoint, len(hit))
    return hit.iloc[0]


def endpoints_warnings(caught) -> list[warnings.WarningMessage]:
    return [w for w in caught if issubclass(w.category, ep.EndpointsWarning)]


def is_known(x) -> bool:
    return not pd.isna(x)


def two_visits(**columns) -> pd.DataFrame:
    """One subject S1 with a baseline (day 0) and a week-12 (day 84) visit."""
    return pd.DataFrame({"subject_id": ["S1", "S1"], "day": [0, 84], **columns})


# --------------------------------------------------------------------------------------
# Exception hierarchy
# --------------------------------------------------------------------------------------


def test_input_error_hierarchy():
    assert issubclass(ep.InputError, ep.EndpointsError)
    assert issubclass(ep.InputError, ValueError)


def test_valid_full_table_scores_without_error():
    visits = full_visits()
    for trial in ep.list_trials():
        if not trial.startswith("NCT"):
            continue
        out = score_quiet(visits, trial)
        assert set(out["subject_id"]) == {"S1", "S2", "S3"}


# --------------------------------------------------------------------------------------
# Required columns and values
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["subject_id", "day"])
def test_missing_required_column(column):
    visits = full_visits().drop(columns=[column])
    err = expect_input_error(visits)
    assert_names(err, column)


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA])
def test_missing_subject_id_value(missing):
    visits = full_visits()
    visits["subject_id"] = visits["subject_id"].astype(object)
    visits.loc[5, "subject_id"] = missing
    err = expect_input_error(visits)
    assert_names(err, "subject_id")


@pytest.mark.parametrize("bad_day", [np.nan, None, 3.5, "week 4"])
def test_missing_or_non_integer_day(bad_day):
    visits = full_visits().astype({"day": object})
    # the bad day is at subject S2; S3 also has one, later in sorted order
    s2 = visits.index[(visits["subject_id"] == "S2") & (visits["day"] == 28)][0]
    s3 = visits.index[(visits["subject_id"] == "S3") & (visits["day"] == 84)][0]
    visits.loc[s2, "day"] = bad_day
    visits.loc[s3, "day"] = bad_day
    for seed in SEEDS:
        err = expect_input_error(shuffled(visits, seed))
        assert_names(err, "day", subject="S2")
        assert not names_word(str(err), "S3"), str(err)


def test_non_integer_day_first_in_sorted_order_is_named():
    """Two non-integer days of one subject: the smaller one is first in sorted order."""
    visits = full_visits().astype({"day": object})
    for day, bad in ((28, 7.5), (84, 3.5)):
        i = visits.index[(visits["subject_id"] == "S2") & (visits["day"] == day)][0]
        visits.loc[i, "day"] = bad
    messages = set()
    for seed in SEEDS:
        err = expect_input_error(shuffled(visits, seed))
        assert_names(err, "day", subject="S2")
        messages.add(str(err))
    assert len(messages) == 1, messages
    assert "3.5" in messages.pop()


def test_integer_valued_float_days_are_accepted():
    visits = full_visits()
    as_float = visits.astype({"day": "float64"})
    pd.testing.assert_frame_equal(
        score_quiet(as_float, "NCT03580291"), score_quiet(visits, "NCT03580291")
    )


@pytest.mark.filterwarnings("error")  # no integer overflow on the way
def test_rows_are_ordered_by_subject_and_day_at_the_extreme_days():
    from endpoints.inputs.visits import prepare

    big = 100_000  # the widest study day allowed (SPEC section 2)
    visits = pd.DataFrame({"subject_id": ["b", "a", "b", "a", "a"],
                           "day": [big, 0, -big, -big, 7]})
    v = prepare(visits)
    assert list(v.subjects) == ["a", "b"]
    assert v.code.tolist() == [0, 0, 0, 1, 1]
    assert v.day.tolist() == [-big, 0, 7, -big, big]


@pytest.mark.parametrize("day", [100_001, -100_001, 2**62, 2**63 - 1, -(2**63), 1e30])
def test_days_beyond_the_range_are_an_error_not_a_wrap_around(day):
    """A day of 2**63 - 1 used to wrap to -2**63 and become the baseline."""
    visits = pd.DataFrame({"subject_id": ["a", "a", "b"], "day": [0, day, 0]})
    err = expect_input_error(visits)
    assert_names(err, "day", subject="a")
    assert "100,000" in str(err)


# --------------------------------------------------------------------------------------
# Value problems: named column, first offending subject/day in sorted order
# --------------------------------------------------------------------------------------


def plant(column: str, bad, *, dtype=None) -> pd.DataFrame:
    """Bad values at S2 day 84, S2 day 28 and S3 day 0 (first in sorted order: S2/28).

    The rows are placed so that row order would name another subject/day first.
    """
    visits = full_visits()
    if dtype is not None:
        visits = visits.astype({column: dtype})
    for subject, day in (("S3", 0), ("S2", 84), ("S2", 28)):
        i = visits.index[(visits["subject_id"] == subject) & (visits["day"] == day)][0]
        visits.loc[i, column] = bad
    # row order: S3 first, then S2 with day 84 before day 28, S1 last
    return visits.sort_values(["subject_id", "day"], ascending=False, ignore_index=True)
    return visits


VALUE_PROBLEMS = [
    pytest.param("upcr", "high", object, id="upcr-non-numeric"),
    pytest.param("creatinine", "n/a?", object, id="creatinine-non-numeric"),
    pytest.param("c3", "low", object, id="c3-non-numeric"),
    pytest.param("creatinine", -1.0, None, id="creatinine-negative"),
    pytest.param("upcr", -0.1, None, id="upcr-negative"),
    pytest.param("prednisone", -5.0, None, id="prednisone-negative"),
    pytest.param("egfr", -3.0, None, id="egfr-negative"),
    pytest.param("proteinuria_24h", -0.2, None, id="proteinuria-negative"),
    pytest.param("serum_albumin", -0.1, None, id="albumin-negative"),
    pytest.param("pga", 3.1, None, id="pga-above-3"),
    pytest.param("pga", -0.5, None, id="pga-negative"),
    pytest.param("bilag_renal", "F", object, id="bilag-F"),
    pytest.param("bilag_renal", "X", object, id="bilag-X"),
    pytest.param("bilag_mucocutaneous", "AB", object, id="bilag-AB"),
]


@pytest.mark.parametrize(("column", "bad", "dtype"), VALUE_PROBLEMS)
@pytest.mark.parametrize("trial", ["NCT03580291", "NCT03917797"])
def test_bad_value_names_column_and_first_subject_day(column, bad, dtype, trial):
    visits = plant(column, bad, dtype=dtype)
    assert list(visits["subject_id"].iloc[:1]) == ["S3"]
    messages = set()
    for seed in (None, *SEEDS):
        table = visits if seed is None else shuffled(visits, seed)
        err = expect_input_error(table, trial)
        assert_names(err, column, subject="S2", day=28)
        assert not names_word(str(err), "S3"), str(err)
        assert not names_word(str(err), 84), str(err)
        messages.add(str(err))
    assert len(messages) == 1, messages


@pytest.mark.parametrize("good", [0.0, 3.0, 1.5])
def test_pga_bounds_are_inclusive(good):
    visits = full_visits()
    visits.loc[3, "pga"] = good
    score_quiet(visits, "NCT03580291")


def test_negative_lab_is_caught_in_declared_units_too():
    visits = full_visits()
    visits["upcr"] = visits["upcr"] * 113.12
    visits.loc[4, "upcr"] = -11.312
    err = expect_input_error(visits, units={"upcr": "mg/mmol"})
    assert_names(err, "upcr", subject=visits.loc[4, "subject_id"], day=visits.loc[4, "day"])


@pytest.mark.parametrize(
    ("subject", "day"), [("S2", 28), ("S1", 0), ("S3", 365)]
)
def test_duplicate_subject_day(subject, day):
    visits = full_visits()
    dup = visits[(visits["subject_id"] == subject) & (visits["day"] == day)]
    later = visits[(visits["subject_id"] == "S3") & (visits["day"] == 365)]
    visits = pd.concat([visits, dup, later], ignore_index=True)
    for seed in (None, *SEEDS):
        table = visits if seed is None else shuffled(visits, seed)
        err = expect_input_error(table)
        assert_names(err, "day", subject=subject, day=day)


def test_duplicate_visit_with_different_values_is_still_an_error():
    visits = two_visits(upcr=[3.0, 0.4], egfr=[90.0, 90.0])
    extra = pd.DataFrame({"subject_id": ["S1"], "day": [84], "upcr": [0.6], "egfr": [88.0]})
    err = expect_input_error(pd.concat([visits, extra], ignore_index=True))
    assert_names(err, "day", subject="S1", day=84)


# --------------------------------------------------------------------------------------
# Units and column mapping errors
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "units",
    [{"upcr": "furlongs"}, {"creatinine": "mmHg"}, {"serum_albumin": "g/dL/h"}],
)
def test_unknown_unit(units):
    err = expect_input_error(full_visits(), units=units)
    (column,) = units
    assert_names(err, column)
    assert units[column] in str(err)


def test_a_unit_may_be_the_divisor_itself():
    """88.4 umol/L per mg/dL (KDIGO 2012, the AMA table) where SPEC section 2 prescribes
    88.42: the number is the divisor, and the default is the unit name."""
    visits = two_visits(creatinine=[88.4, 176.8], upcr=[1.0, 1.0], egfr=[90.0, 90.0])
    by_number = score_quiet(visits, "NCT03580291", units={"creatinine": 88.4})
    by_name = score_quiet(visits, "NCT03580291", units={"creatinine": "umol/L"})
    assert row(by_number, "S1", "creatinine_change", "week 12")["value"] == 1.0
    assert row(by_name, "S1", "creatinine_change", "week 12")["value"] == pytest.approx(
        88.4 / 88.42)  # (176.8 - 88.4) / 88.42
    for bad in (0, -88.4, float("inf")):
        err = expect_input_error(visits, units={"creatinine": bad})
        assert_names(err, "creatinine")
        assert "not a positive number" in str(err)


def test_columns_mapping_naming_absent_column():
    visits = full_visits().rename(columns={"subject_id": "USUBJID"})
    err = expect_input_error(visits, columns={"USUBJID": "subject_id", "ADY": "day"})
    assert_names(err, "ADY")


def test_columns_mapping_to_subject_id_without_source_column():
    visits = full_visits().drop(columns=["subject_id"])
    err = expect_input_error(visits, columns={"PATIENT": "subject_id"})
    assert_names(err, "PATIENT")


# --------------------------------------------------------------------------------------
# Column mapping and unit conversion (positive cases)
# --------------------------------------------------------------------------------------


def test_columns_mapping_works_like_canonical_names():
    visits = full_visits()
    user = visits.rename(columns={"subject_id": "USUBJID", "day": "ADY"})
    before = user.copy(deep=True)
    mapping = {"USUBJID": "subject_id", "ADY": "day"}
    for trial in ("NCT03580291", "NCT03917797"):
        pd.testing.assert_frame_equal(
            score_quiet(user, trial, columns=mapping), score_quiet(visits, trial)
        )
    pd.testing.assert_frame_equal(user, before)


def test_upcr_mg_per_mmol_converts_exactly_to_partial_response():
    """339.36 mg/mmol = 3.0 mg/mg and 56.56 mg/mmol = 0.5 mg/mg exactly.

    Week 12: UPCR 0.5 is not < 0.5 (no CR) but is <= 50% of 3.0 and < 3.0, and eGFR
    is 100% of baseline: PR.
    """
    visits = two_visits(upcr=[339.36, 56.56], egfr=[90.0, 90.0])
    out = score_quiet(visits, "NCT03580291", units={"upcr": "mg/mmol"})
    rr = row(out, "S1", "renal_response", "week 12")
    assert rr["day"] == 84
    assert rr["category"] == "PR"
    assert is_known(rr["result"]) and bool(rr["result"]) is True
    crr = row(out, "S1", "complete_renal_response", "week 12")["result"]
    assert is_known(crr) and bool(crr) is False
    prr = row(out, "S1", "partial_renal_response", "week 12")["result"]
    assert is_known(prr) and bool(prr) is True
    assert row(out, "S1", "upcr_change", "week 12")["value"] == pytest.approx(-2.5, abs=1e-12)
    # identical to the same data given in mg/mg
    canonical = score_quiet(two_visits(upcr=[3.0, 0.5], egfr=[90.0, 90.0]), "NCT03580291")
    pd.testing.assert_frame_equal(out, canonical)


def test_upcr_mg_per_g_converts():
    visits = two_visits(upcr=[3000.0, 400.0], egfr=[90.0, 90.0])
    out = score_quiet(visits, "NCT03580291", units={"upcr": "mg/g"})
    canonical = score_quiet(two_visits(upcr=[3.0, 0.4], egfr=[90.0, 90.0]), "NCT03580291")
    pd.testing.assert_frame_equal(out, canonical)
    assert row(out, "S1", "renal_response", "week 12")["category"] == "CR"


def test_creatinine_umol_per_l_gives_computed_egfr():
    """88.42 umol/L = 1.0 mg/dL; 106.104 umol/L = 1.2 mg/dL; eGFR from CKD-EPI 2021."""
    assert float(ep.compute_egfr_ckd_epi_2021([1.2], [55], ["M"]).iloc[0]) == pytest.approx(
        71.4, abs=0.05
    )
    visits = two_visits(creatinine=[106.104, 88.42], age=[55.0, 55.0], sex=["M", "M"])
    out = score_quiet(visits, "NCT03580291", units={"creatinine": "umol/L"})
    egfr = ep.compute_egfr_ckd_epi_2021([1.2, 1.0], [55, 55], ["M", "M"]).astype(float)
    expected = float(egfr.iloc[1] - egfr.iloc[0])
    change = row(out, "S1", "egfr_change", "week 12")
    assert change["day"] == 84
    assert float(change["value"]) == pytest.approx(expected, rel=1e-9)
    assert float(row(out, "S1", "creatinine_change", "week 12")["value"]) == pytest.approx(
        -0.2, abs=1e-12
    )
    canonical = score_quiet(
        two_visits(creatinine=[1.2, 1.0], age=[55.0, 55.0], sex=["M", "M"]), "NCT03580291"
    )
    pd.testing.assert_frame_equal(out, canonical)


def test_computed_egfr_is_used_when_egfr_column_absent():
    """Baseline eGFR 71.4 (creatinine 1.2, 55 y, M); no eGFR column is not 'missing'."""
    visits = two_visits(
        creatinine=[1.2, 1.2], age=[55.0, 55.0], sex=["M", "M"], upcr=[3.0, 0.3]
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = ep.score(visits, "NCT03580291")
    missing = " ".join(str(w.message) for w in endpoints_warnings(caught))
    assert not names_word(missing, "egfr"), missing
    assert float(row(out, "S1", "egfr_change", "week 12")["value"]) == pytest.approx(0.0, abs=1e-9)
    assert row(out, "S1", "renal_response", "week 12")["category"] == "CR"


def test_serum_albumin_g_per_l_divides_by_10():
    visits = two_visits(serum_albumin=[30.0, 40.0])
    out = score_quiet(visits, "NCT03580291", units={"serum_albumin": "g/L"})
    assert float(row(out, "S1", "serum_albumin_change", "week 12")["value"]) == pytest.approx(
        1.0, abs=1e-12
    )
    canonical = score_quiet(two_visits(serum_albumin=[3.0, 4.0]), "NCT03580291")
    pd.testing.assert_frame_equal(out, canonical)


def test_proteinuria_mg_per_24h_divides_by_1000():
    visits = two_visits(proteinuria_24h=[3000.0, 500.0])
    out = score_quiet(visits, "NCT03580291", units={"proteinuria_24h": "mg/24h"})
    assert float(row(out, "S1", "proteinuria_change", "week 12")["value"]) == pytest.approx(
        -2.5, abs=1e-12
    )
    canonical = score_quiet(two_visits(proteinuria_24h=[3.0, 0.5]), "NCT03580291")
    pd.testing.assert_frame_equal(out, canonical)


def test_unit_declared_under_user_column_name():
    visits = two_visits(UPCR_MGMMOL=[339.36, 56.56], egfr=[90.0, 90.0])
    out = score_quiet(
        visits, "NCT03580291", columns={"UPCR_MGMMOL": "upcr"}, units={"UPCR_MGMMOL": "mg/mmol"}
    )
    assert row(out, "S1", "renal_response", "week 12")["category"] == "PR"
    assert row(out, "S1", "upcr_change", "week 12")["value"] == pytest.approx(-2.5, abs=1e-12)


def test_unit_declared_under_canonical_name_with_mapping():
    visits = two_visits(UPCR_MGMMOL=[339.36, 56.56], egfr=[90.0, 90.0])
    out = score_quiet(
        visits, "NCT03580291", columns={"UPCR_MGMMOL": "upcr"}, units={"upcr": "mg/mmol"}
    )
    assert row(out, "S1", "renal_response", "week 12")["category"] == "PR"


def test_full_table_in_si_units_scores_like_canonical():
    visits = full_visits()
    si = visits.copy()
    si["upcr"] = si["upcr"] * 113.12
    si["creatinine"] = si["creatinine"] * 88.42
    si["serum_albumin"] = si["serum_albumin"] * 10
    si["proteinuria_24h"] = si["proteinuria_24h"] * 1000
    units = {
        "upcr": "mg/mmol",
        "creatinine": "umol/L",
        "serum_albumin": "g/L",
        "proteinuria_24h": "mg/24h",
    }
    for trial in ("NCT03580291", "NCT03673748"):
        got = score_quiet(si, trial, units=units)
        want = score_quiet(visits, trial)
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9, atol=1e-9)


# --------------------------------------------------------------------------------------
# Case-insensitive grades and sex
# --------------------------------------------------------------------------------------


def test_lower_case_bilag_grades_are_accepted():
    visits = full_visits()
    lower = visits.copy()
    for d in BILAG_DOMAINS:
        lower[f"bilag_{d}"] = lower[f"bilag_{d}"].str.lower()
    lower.loc[2, "bilag_renal"] = " a "
    upper = visits.copy()
    upper.loc[2, "bilag_renal"] = "A"
    for trial in ep.list_trials():
        if trial.startswith("NCT"):
            pd.testing.assert_frame_equal(score_quiet(lower, trial), score_quiet(upper, trial))


def test_lower_case_sex_is_accepted_for_egfr():
    upper = two_visits(creatinine=[1.2, 1.0], age=[55.0, 55.0], sex=["F", "F"], upcr=[3.0, 0.3])
    lower = upper.assign(sex=["f", "f"])
    out_upper = score_quiet(upper, "NCT03580291")
    pd.testing.assert_frame_equal(score_quiet(lower, "NCT03580291"), out_upper)
    egfr = ep.compute_egfr_ckd_epi_2021([1.2, 1.0], [55, 55], ["F", "F"]).astype(float)
    assert float(row(out_upper, "S1", "egfr_change", "week 12")["value"]) == pytest.approx(
        float(egfr.iloc[1] - egfr.iloc[0]), rel=1e-9
    )
    males = upper.assign(sex=["m", "m"])
    assert float(row(score_quiet(males, "NCT03580291"), "S1", "egfr_change", "week 12")[
        "value"
    ]) != pytest.approx(float(egfr.iloc[1] - egfr.iloc[0]), rel=1e-6)


# --------------------------------------------------------------------------------------
# Columns an endpoint needs but the table lacks
# --------------------------------------------------------------------------------------


def test_missing_c3_column_warns_once_and_marks_c3_change_not_evaluable():
    visits = full_visits().drop(columns=["c3"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = ep.score(visits, "NCT03917797")
    found = endpoints_warnings(caught)
    assert len(found) == 1, [str(w.message) for w in found]
    message = str(found[0].message)
    assert names_word(message, "c3"), message
    for present in ("c4", "anti_dsdna", "upcr", "egfr", "sledai", "prednisone"):
        assert not names_word(message, present), message

    c3 = out[out["endpoint"] == "c3_change"]
    assert len(c3) == 3 * len(ep.get_trial("NCT03917797").endpoint("c3_change").timepoints)
    assert c3["result"].isna().all()
    assert c3["value"].isna().all()
    assert (c3["reason"] == "column c3 not provided").all(), c3["reason"].tolist()

    # the other endpoints are scored as usual
    c4 = out[out["endpoint"] == "c4_change"]
    assert c4["value"].notna().all()
    rr = out[out["endpoint"] == "renal_response"]
    assert rr["category"].notna().all()
    others = out[out["endpoint"] != "c3_change"]
    assert not others["reason"].str.contains("c3").fillna(False).any()


def test_several_missing_columns_are_listed_in_one_warning():
    visits = full_visits().drop(columns=["c3", "c4"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = ep.score(visits, "NCT03917797")
    found = endpoints_warnings(caught)
    assert len(found) == 1, [str(w.message) for w in found]
    assert names_word(str(found[0].message), "c3")
    assert names_word(str(found[0].message), "c4")
    c4 = out[out["endpoint"] == "c4_change"]
    assert (c4["reason"] == "column c4 not provided").all()
    assert out[out["endpoint"] == "anti_dsdna_change"]["value"].notna().all()


def test_no_warning_when_nothing_is_missing():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ep.score(full_visits(), "NCT03917797")
    assert endpoints_warnings(caught) == []


def test_is_warning_class():
    assert issubclass(ep.EndpointsWarning, Warning)


# --------------------------------------------------------------------------------------
# Inputs are never mutated
# --------------------------------------------------------------------------------------


def test_inputs_not_mutated_by_scoring():
    visits = shuffled(full_visits(), 7)
    visits["subject_id"] = visits["subject_id"].astype(object)
    si = visits.copy()
    si["upcr"] = si["upcr"] * 113.12
    si = si.rename(columns={"subject_id": "USUBJID", "upcr": "UPCR"})
    for table, kwargs in (
        (visits, {}),
        (si, {"columns": {"USUBJID": "subject_id", "UPCR": "upcr"},
              "units": {"upcr": "mg/mmol"}}),
    ):
        before = copy.deepcopy(table)
        columns = copy.deepcopy(kwargs.get("columns"))
        units = copy.deepcopy(kwargs.get("units"))
        for trial in ep.list_trials():
            if trial.startswith("NCT"):
                score_quiet(table, trial, **kwargs)
        pd.testing.assert_frame_equal(table, before)
        assert kwargs.get("columns") == columns
        assert kwargs.get("units") == units


def test_inputs_not_mutated_by_failing_calls():
    visits = full_visits().drop(columns=["c3"])
    visits.loc[9, "pga"] = 3.5
    before = copy.deepcopy(visits)
    with pytest.raises(ep.InputError):
        score_quiet(visits, "NCT03580291", units={"upcr": "mg/mmol"})
    pd.testing.assert_frame_equal(visits, before)

    lower = full_visits()
    lower["bilag_renal"] = lower["bilag_renal"].str.lower()
    lower.loc[0, "sex"] = "f"
    before = copy.deepcopy(lower)
    with pytest.raises(ep.InputError):
        score_quiet(lower, "NCT03580291", units={"upcr": "furlongs"})
    pd.testing.assert_frame_equal(lower, before)
    score_quiet(lower, "NCT03917797", units={"upcr": "mg/g"})
    pd.testing.assert_frame_equal(lower, before)


def test_input_error_survives_pickling():
    """Errors raised in worker processes (dask, multiprocessing) arrive intact."""
    import pickle

    error = ep.InputError("pga", "value outside 0-3", subject="S1", day=28)
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, ep.InputError)
    assert (copy.column, copy.problem, copy.subject, copy.day) == ("pga", "value outside 0-3",
                                                                   "S1", 28)
    assert str(copy) == str(error)


@pytest.mark.parametrize("threads", [False, True])
def test_columns_checked_on_threads_list_the_same_problems(threads):
    """Columns are checked on threads while the rows are put in (subject, day) order:
    every problem is still found, located and listed as on one thread, in the same
    order (IDs and days, duplicates, units, then the columns in table order)."""
    from unittest.mock import patch

    from endpoints.inputs import visits as checking

    rng = np.random.default_rng(7)
    n = 600
    visits = pd.DataFrame({
        "subject_id": rng.permutation([f"S{i % 150:03d}" for i in range(n)]).astype(object),
        "day": np.tile(np.arange(4) * 28.0, n // 4),
        "upcr": rng.uniform(0, 3, n), "pga": rng.uniform(0, 3, n),
        "bilag_renal": rng.choice(list("ABCDE"), n).astype(object),
        "rbc_casts": rng.choice([True, False], n),
    })
    visits.loc[[5, 80], "upcr"] = -1.0
    visits.loc[[9], "pga"] = 4.0
    visits.loc[[3, 30], "bilag_renal"] = "F"
    visits.loc[[11], "subject_id"] = None
    visits.loc[[12], "day"] = 0.5
    visits.loc[13, ["subject_id", "day"]] = visits.loc[14, ["subject_id", "day"]].to_numpy()
    rows = 1 if threads else 10**9
    with patch.object(checking, "THREAD_ROWS", rows), pytest.raises(ep.InputError) as caught:
        ep.score(visits, "NCT03580291", units={"upcr": "furlongs"})
    found = caught.value.failures
    assert found.column.tolist() == ["subject_id", "day", "day", "upcr", "upcr", "pga",
                                     "bilag_renal"]
    for column, corrupted in (("pga", [9]), ("bilag_renal", [3, 30])):
        first = min(zip(visits.subject_id[corrupted], visits.day[corrupted], strict=True))
        row = found[found.column == column].iloc[0]
        assert (row.subject_id, row.day) == first, column  # the first in (subject, day) order
    shuffled = visits.sample(frac=1, random_state=1)
    with patch.object(checking, "THREAD_ROWS", 10**9 if threads else 1), pytest.raises(
            ep.InputError) as again:
        ep.score(shuffled, "NCT03580291", units={"upcr": "furlongs"})
    pd.testing.assert_frame_equal(again.value.failures, found)
