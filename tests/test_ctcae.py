"""CTCAE grading of laboratory values (SPEC section 6, ``compute_ctcae_grade``).

Every expectation is worked out by hand from the CTCAE text quoted in the comment above
it (NCI CTCAE v4.03 of 2010-06-14 and v5.0 of 2017-11-27, as in
``src/endpoints/data/ctcae_criteria.csv``). A range "<A - B" of a decrease means
B <= value < A; a range ">A - B x ULN" of an increase means A x ULN < value <= B x ULN.
``None`` in an expected list stands for ``<NA>``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from endpoints.ctcae import VERSIONS, compute_ctcae_grade, criteria_table
from endpoints.errors import InputError

BOTH = pytest.mark.parametrize("version", VERSIONS)


def grades(values, test, **kwargs) -> list:
    out = compute_ctcae_grade(values, test, **kwargs)
    assert str(out.dtype) == "Int64"
    return [None if pd.isna(g) else int(g) for g in out]


def check(cases, test, **kwargs):
    values = [value for value, _ in cases]
    expected = [grade for _, grade in cases]
    assert grades(values, test, **kwargs) == expected, list(zip(values, expected, strict=True))


# ---------------------------------------------------------------------------------------
# Decreases: the same text in v4.03 and v5.0
# ---------------------------------------------------------------------------------------


@BOTH
def test_platelets(version):
    # Grade 1 "<LLN - 75,000/mm3; <LLN - 75.0 x 10e9 /L"
    # Grade 2 "<75,000 - 50,000/mm3; <75.0 - 50.0 x 10e9 /L"
    # Grade 3 "<50,000 - 25,000/mm3; <50.0 - 25.0 x 10e9 /L"
    # Grade 4 "<25,000/mm3; <25.0 x 10e9 /L"      (75,000/mm3 = 75.0 x 10^9/L exactly)
    cases = [(400, 0), (150.1, 0), (150, 0),  # not below the LLN: normal
             (149.9, 1), (75.1, 1), (75, 1),  # 75 is the lower end of grade 1
             (74.9, 2), (50.1, 2), (50, 2),
             (49.9, 3), (25.1, 3), (25, 3),
             (24.9, 4), (1, 4), (0, 4)]
    check(cases, "platelets", lln=150, version=version)


@BOTH
def test_white_blood_cells(version):
    # Grade 1 "<LLN - 3000/mm3; <LLN - 3.0 x 10e9 /L"
    # Grade 2 "<3000 - 2000/mm3; <3.0 - 2.0 x 10e9 /L"
    # Grade 3 "<2000 - 1000/mm3; <2.0 - 1.0 x 10e9 /L"
    # Grade 4 "<1000/mm3; <1.0 x 10e9 /L"
    cases = [(4.01, 0), (4.0, 0), (3.99, 1), (3.01, 1), (3.0, 1), (2.99, 2), (2.01, 2),
             (2.0, 2), (1.99, 3), (1.01, 3), (1.0, 3), (0.99, 4), (0.0, 4)]
    check(cases, "wbc", lln=4.0, version=version)


@BOTH
def test_neutrophils(version):
    # Grade 1 "<LLN - 1500/mm3; <LLN - 1.5 x 10e9 /L"
    # Grade 2 "<1500 - 1000/mm3; <1.5 - 1.0 x 10e9 /L"
    # Grade 3 "<1000 - 500/mm3; <1.0 - 0.5 x 10e9 /L"
    # Grade 4 "<500/mm3; <0.5 x 10e9 /L"
    cases = [(2.0, 0), (1.99, 1), (1.51, 1), (1.5, 1), (1.49, 2), (1.01, 2), (1.0, 2),
             (0.99, 3), (0.51, 3), (0.5, 3), (0.49, 4), (0.01, 4)]
    check(cases, "neutrophils", lln=2.0, version=version)


@BOTH
def test_lymphocytes(version):
    # Grade 1 "<LLN - 800/mm3; <LLN - 0.8 x 10e9/L"
    # Grade 2 "<800 - 500/mm3; <0.8 - 0.5 x 10e9 /L"
    # Grade 3 "<500 - 200/mm3; <0.5 - 0.2 x 10e9 /L"
    # Grade 4 "<200/mm3; <0.2 x 10e9 /L"
    cases = [(1.1, 0), (1.0, 0), (0.99, 1), (0.81, 1), (0.8, 1), (0.79, 2), (0.51, 2),
             (0.5, 2), (0.49, 3), (0.21, 3), (0.2, 3), (0.19, 4), (0.0, 4)]
    check(cases, "lymphocytes", lln=1.0, version=version)


@BOTH
def test_anemia(version):
    # Grade 1 "Hemoglobin (Hgb) <LLN - 10.0 g/dL; <LLN - 6.2 mmol/L; <LLN - 100 g/L"
    # Grade 2 "Hgb <10.0 - 8.0 g/dL; <6.2 - 4.9 mmol/L; <100 - 80g/L"
    # Grade 3 "Hgb <8.0 g/dL; <4.9 mmol/L; <80 g/L; transfusion indicated"
    # Grade 4 "Life-threatening consequences; urgent intervention indicated": not from a
    # value, so a very low haemoglobin is grade 3 (the highest grade a value can show).
    cases = [(13.5, 0), (12.0, 0), (11.9, 1), (10.1, 1), (10.0, 1), (9.9, 2), (8.1, 2),
             (8.0, 2), (7.9, 3), (4.0, 3), (0.5, 3)]
    check(cases, "anemia", lln=12.0, version=version)


@BOTH
def test_hypoalbuminemia(version):
    # Grade 1 "<LLN - 3 g/dL; <LLN - 30 g/L"
    # Grade 2 "<3 - 2 g/dL; <30 - 20 g/L"
    # Grade 3 "<2 g/dL; <20 g/L"
    # Grade 4 "Life-threatening consequences; urgent intervention indicated": not from a
    # value.
    cases = [(4.2, 0), (3.5, 0), (3.49, 1), (3.01, 1), (3.0, 1), (2.99, 2), (2.01, 2),
             (2.0, 2), (1.99, 3), (0.8, 3)]
    check(cases, "hypoalbuminemia", lln=3.5, version=version)


@BOTH
@pytest.mark.parametrize(("test", "below_grade_1", "cases"), [
    # Without the LLN only grade 1 vs 0 is undecided: values at or above the absolute
    # lower end of grade 1 are <NA>; values below it are graded.
    ("platelets", 75, [(300, None), (75, None), (74.9, 2), (49.9, 3), (24.9, 4)]),
    ("wbc", 3.0, [(9.0, None), (3.0, None), (2.9, 2), (1.9, 3), (0.9, 4)]),
    ("neutrophils", 1.5, [(5.0, None), (1.5, None), (1.4, 2), (0.9, 3), (0.4, 4)]),
    ("lymphocytes", 0.8, [(2.0, None), (0.8, None), (0.79, 2), (0.49, 3), (0.19, 4)]),
    ("anemia", 10.0, [(14.0, None), (10.0, None), (9.9, 2), (7.9, 3)]),
    ("hypoalbuminemia", 3.0, [(4.0, None), (3.0, None), (2.9, 2), (1.9, 3)]),
])
def test_decreases_without_the_lln(version, test, below_grade_1, cases):
    check(cases, test, version=version)
    check(cases, test, lln=None, version=version)
    check(cases, test, lln=[np.nan] * len(cases), version=version)


@BOTH
def test_lln_per_value_some_missing(version):
    # The LLN is given per value; where it is missing only the absolute grades are known.
    values = [140, 140, 140, 60, 60]
    lln = [150, 130, None, None, 150]
    assert grades(values, "platelets", lln=lln, version=version) == [1, 0, None, 2, 2]


@BOTH
def test_absolute_grades_do_not_depend_on_the_lln(version):
    # "Hgb <10.0 - 8.0 g/dL" does not mention the LLN: 9.7 g/dL is grade 2 even where the
    # laboratory's LLN is lower (9.5), as admiral grades it (absolute criteria first).
    assert grades([9.7, 9.5], "anemia", lln=9.5, version=version) == [2, 2]
    # And a count at or above the LLN but below 75 is grade 2 ("<75.0 - 50.0 x 10e9 /L").
    assert grades([70], "platelets", lln=60, version=version) == [2]


@BOTH
@pytest.mark.parametrize("test", ["platelets", "wbc", "neutrophils", "lymphocytes", "anemia",
                                  "hypoalbuminemia"])
def test_a_grade_known_without_the_lln_is_the_grade_with_any_lln(version, test):
    values = np.round(np.arange(0, 400.5, 0.5) if test == "platelets"
                      else np.arange(0, 16.01, 0.01), 2)
    without = compute_ctcae_grade(values, test, version=version)
    for lln in ([100, 150, 200, 300] if test == "platelets" else [0.5, 1.0, 3.5, 12.0]):
        with_lln = compute_ctcae_grade(values, test, lln=lln, version=version)
        assert with_lln.notna().all()
        known = without.notna()
        assert (without[known] == with_lln[known]).all(), (test, lln)
        # and grades never rise as the value rises
        assert (np.diff(with_lln.to_numpy(dtype=int)) <= 0).all()
    assert int(compute_ctcae_grade(values, test, lln=1.0, version=version).max()) <= (
        3 if test in ("anemia", "hypoalbuminemia") else 4)


# ---------------------------------------------------------------------------------------
# Creatinine increased
# ---------------------------------------------------------------------------------------


@BOTH
def test_creatinine_against_the_uln(version):
    # Grade 1 ">ULN - 1.5 x ULN"; grade 2 ">1.5 - 3.0 x ULN"; grade 3 ">3.0 - 6.0 x ULN";
    # grade 4 ">6.0 x ULN" (the same in both versions). A baseline of 10 mg/dL keeps the
    # baseline criteria out of play for these values.
    cases = [(0.5, 0), (1.0, 0), (1.01, 1), (1.5, 1), (1.51, 2), (3.0, 2), (3.01, 3),
             (6.0, 3), (6.01, 4), (9.9, 4)]
    check(cases, "creatinine", uln=1.0, baseline=10, version=version)


@BOTH
def test_creatinine_boundaries_are_exact_decimals(version):
    # 1.5 x 0.7 = 1.05 exactly (1.0499999999999998 in binary floating point), 3 x 1.1 =
    # 3.3 and 6 x 1.3 = 7.8: each value at the boundary is in the lower grade.
    cases = [(1.05, 1), (1.06, 2), (2.1, 2), (2.11, 3), (4.2, 3), (4.21, 4)]
    check(cases, "creatinine", uln=0.7, baseline=10, version=version)
    assert grades([3.3, 3.31, 7.8, 7.81], "creatinine", uln=[1.1, 1.1, 1.3, 1.3],
                  baseline=10, version=version) == [2, 3, 3, 4]


def test_creatinine_against_the_baseline_v403():
    # v4.03: grade 1 ">1 - 1.5 x baseline", grade 2 ">1.5 - 3.0 x baseline", grade 3
    # ">3.0 baseline" (no grade 4 from the baseline). ULN 10 keeps the ULN out of play.
    # 1.5 x 0.6 = 0.9 and 3 x 0.6 = 1.8 exactly (0.8999999999999999 and 1.7999999999999998
    # in binary floating point).
    cases = [(0.5, 0), (0.6, 0), (0.61, 1), (0.9, 1), (0.91, 2), (1.8, 2), (1.81, 3),
             (9.0, 3)]
    check(cases, "creatinine", uln=10, baseline=0.6, version="4.03")


def test_creatinine_against_the_baseline_v50():
    # v5.0: grade 1 is ">ULN - 1.5 x ULN" only (no baseline); grade 2 ">1.5 - 3.0 x
    # baseline; >1.5 - 3.0 x ULN"; grade 3 ">3.0 x baseline; >3.0 - 6.0 x ULN".
    # So up to 1.5 x baseline a value within the ULN is grade 0 in v5.0 (grade 1 in v4.03).
    cases = [(0.6, 0), (0.61, 0), (0.9, 0), (0.91, 2), (1.8, 2), (1.81, 3), (9.0, 3)]
    check(cases, "creatinine", uln=10, baseline=0.6, version="5.0")
    assert grades([0.61, 0.9], "creatinine", uln=10, baseline=0.6, version="4.03") == [1, 1]


@BOTH
def test_creatinine_takes_the_worse_of_uln_and_baseline(version):
    # 1.2 mg/dL with ULN 1.0 is grade 1 by the ULN but 4 x a baseline of 0.3: grade 3.
    # 7.0 with ULN 1.0 is grade 4 by the ULN (the baseline gives at most grade 3).
    assert grades([1.2, 7.0], "creatinine", uln=1.0, baseline=0.3, version=version) == [3, 4]
    # 2.0 with baseline 1.9 is grade 2 by the ULN ("1.5 - 3.0 x ULN"), 0 or 1 by the
    # baseline.
    assert grades([2.0], "creatinine", uln=1.0, baseline=1.9, version=version) == [2]


@BOTH
def test_creatinine_with_the_baseline_missing(version):
    # The baseline criteria reach grade 3: with the baseline missing a grade is known only
    # when the ULN alone gives grade 3 or 4.
    cases = [(0.9, None), (1.2, None), (3.0, None), (3.01, 3), (6.0, 3), (6.01, 4)]
    check(cases, "creatinine", uln=1.0, version=version)
    check(cases, "creatinine", uln=1.0, baseline=[None] * len(cases), version=version)


@BOTH
def test_creatinine_with_the_uln_missing(version):
    # Grade 4 is ">6.0 x ULN" alone, so without the ULN no grade is known, not even for
    # a value 20 times the baseline.
    cases = [(0.5, None), (1.0, None), (10.0, None)]
    check(cases, "creatinine", baseline=0.5, version=version)
    check(cases, "creatinine", version=version)


@pytest.mark.parametrize(("version", "column"), [("4.03", "v4"), ("5.0", "v5")])
def test_creatinine_agrees_with_admirals_own_test_cases(version, column):
    # pharmaverse admiral tests/testthat/test-derive_var_atoxgr.R (commit 6eb5125a),
    # "Creatinine increased" rows 3-17 and 19-20: (AVAL, BASE, ANRHI, grade, in v4, in v5).
    # Units do not matter: every criterion is relative to the ULN or the baseline.
    rows = [(241, 241, 40, 4, True, True), (240, 230, 40, 3, True, True),
            (121, 120, 40, 3, True, True), (120, 119, 40, 2, True, True),
            (61, 60, 40, 2, True, True), (60, 60, 40, 1, True, True),
            (41, 41, 40, 1, True, True), (40, 40, 40, 0, True, True),
            (42, 6, 40, 3, True, True), (42, 13.9, 40, 3, True, True),
            (42, 14, 40, 2, True, True), (42.1, 28, 40, 2, True, True),
            (42, 28, 42, 1, True, False), (42, 41, 42, 1, True, False),
            (42, 42, 42, 0, True, False),
            (42, 42, None, None, True, True), (None, 0.1, 40, None, True, True)]
    rows = [row for row in rows if row[4 if column == "v4" else 5]]
    out = grades([r[0] for r in rows], "creatinine", baseline=[r[1] for r in rows],
                 uln=[r[2] for r in rows], version=version)
    assert out == [r[3] for r in rows]


def test_creatinine_differs_from_admiral_where_a_missing_limit_could_raise_the_grade():
    # admiral grades 1.6 x ULN with BASE missing as "2" in v4; the baseline criterion
    # (">3.0 baseline") could make it 3, so it is <NA> here. admiral's v5 code ignores a
    # missing BASE (grade 0 for a value <= ULN); the baseline could make it 2, so <NA>.
    assert grades([64], "creatinine", uln=40, version="4.03") == [None]
    assert grades([40], "creatinine", uln=40, version="5.0") == [None]


# ---------------------------------------------------------------------------------------
# Proteinuria (24-hour urine protein, g/24h)
# ---------------------------------------------------------------------------------------


def test_proteinuria_v403():
    # Grade 1 "1+ proteinuria; urinary protein <1.0 g/24 hrs" (no lower bound in v4.03:
    # the ULN of v5.0's clarification "≥ULN" is used);
    # grade 2 "Adults: 2+ proteinuria; urinary protein 1.0 - 3.4 g/24 hrs; ...";
    # grade 3 "Adults: urinary protein >=3.5 g/24 hrs; ...". No grade 4 or 5.
    # Between 3.4 and 3.5 g/24 hrs the v4.03 text places no grade: <NA>.
    cases = [(0.05, 0), (0.14, 0), (0.15, 1), (0.5, 1), (0.99, 1), (1.0, 2), (2.0, 2),
             (3.4, 2), (3.41, None), (3.49, None), (3.5, 3), (3.51, 3), (12.0, 3)]
    check(cases, "proteinuria", uln=0.15, version="4.03")


def test_proteinuria_v50():
    # Grade 1 "1+ proteinuria; urinary protein ≥ULN - <1.0 g/24 hrs";
    # grade 2 "Adult: 2+ and 3+ proteinuria; urinary protein 1.0 - <3.5 g/24 hrs; ...";
    # grade 3 "Adult: Urinary protein >=3.5 g/24 hrs; 4+ proteinuria; ...".
    cases = [(0.05, 0), (0.14, 0), (0.15, 1), (0.5, 1), (0.99, 1), (1.0, 2), (2.0, 2),
             (3.4, 2), (3.45, 2), (3.49, 2), (3.5, 3), (3.51, 3), (12.0, 3)]
    check(cases, "proteinuria", uln=0.15, version="5.0")


@BOTH
def test_proteinuria_without_the_uln(version):
    # Only grade 1 vs 0 needs the ULN: from 1.0 g/24 hrs up the grade is known.
    cases = [(0.05, None), (0.99, None), (1.0, 2), (3.4, 2), (3.5, 3)]
    check(cases, "proteinuria", version=version)


# ---------------------------------------------------------------------------------------
# Missing values, names, versions, alignment
# ---------------------------------------------------------------------------------------


@BOTH
@pytest.mark.parametrize(("test", "limits"), [
    ("platelets", {"lln": 150}), ("wbc", {"lln": 4}), ("neutrophils", {"lln": 2}),
    ("lymphocytes", {"lln": 1}), ("anemia", {"lln": 12}), ("hypoalbuminemia", {"lln": 3.5}),
    ("creatinine", {"uln": 1.1, "baseline": 0.8}), ("proteinuria", {"uln": 0.15}),
])
def test_missing_values_are_na(version, test, limits):
    out = compute_ctcae_grade([None, np.nan, pd.NA, "", " "], test, version=version, **limits)
    assert out.isna().all() and len(out) == 5


def test_names_of_a_test():
    values = [100, 60]
    expected = [1, 2]
    for name in ["platelets", "PLATELETS", "Platelet count decreased",
                 "platelet COUNT decreased", "  Platelet   count decreased "]:
        assert grades(values, name, lln=150) == expected
    assert grades([11], "Hemoglobin", lln=12) == grades([11], "Anemia", lln=12) == [1]
    assert grades([2.5], "serum_albumin", lln=3.5) == grades([2.5], "Hypoalbuminemia",
                                                             lln=3.5) == [2]
    assert grades([2], "proteinuria_24h", uln=0.15) == grades([2], "Proteinuria",
                                                             uln=0.15) == [2]
    assert grades([3], "Creatinine increased", uln=1, baseline=1) == [2]
    assert grades([2.5], "White blood cell decreased", lln=4) == [2]
    assert grades([1.2], "Neutrophil count decreased", lln=2) == [2]
    assert grades([0.6], "Lymphocyte count decreased", lln=1) == [2]


def test_versions():
    # v4.03 (default) and v5.0 differ for creatinine within the ULN above the baseline.
    args = dict(uln=10, baseline=0.6)
    assert grades([0.8], "creatinine", **args) == [1]
    for version in ["4.03", "v4.03", "V4.03", 4.03]:
        assert grades([0.8], "creatinine", version=version, **args) == [1]
    for version in ["5.0", "v5.0", 5.0]:
        assert grades([0.8], "creatinine", version=version, **args) == [0]


def test_index_and_name_are_kept():
    values = pd.Series([160.0, 60.0, None], index=["s1", "s2", "s3"], name="platelets")
    lln = pd.Series([150, 150, 150], index=values.index)
    out = compute_ctcae_grade(values, "platelets", lln=lln)
    assert list(out.index) == ["s1", "s2", "s3"]
    assert out.name == "Platelet count decreased"
    assert out.dtype == "Int64"
    assert out.tolist() == [0, 2, pd.NA]
    # numpy arrays and Series limits with a plain array of values
    assert grades(np.array([1.2, 0.4]), "neutrophils", lln=np.array([2.0, 2.0])) == [2, 4]
    assert grades(pd.Series([1.2], dtype="Float64"), "neutrophils", lln=2) == [2]
    assert grades(["1.2", 0.4], "neutrophils", lln=["2.0", 2]) == [2, 4]
    # a scalar value is one value
    assert grades(1.2, "neutrophils", lln=2) == [2]
    assert grades([], "neutrophils", lln=2) == []


def test_inputs_are_not_changed():
    values = pd.Series([1.0, 2.0, np.nan])
    uln = np.array([1.1, 1.1, 1.1])
    compute_ctcae_grade(values, "creatinine", uln=uln, baseline=0.5)
    assert values.tolist()[:2] == [1.0, 2.0] and np.isnan(values.iloc[2])
    assert uln.tolist() == [1.1, 1.1, 1.1]


# ---------------------------------------------------------------------------------------
# Bad arguments
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "column", "message"), [
    (dict(values=[1], test="haemoglobin A1c"), "test=", "unknown test"),
    (dict(values=[1], test=5), "test=", "unknown test"),
    (dict(values=[1], test="wbc", version="5"), "version=", "unknown CTCAE version"),
    (dict(values=[1], test="wbc", version="6.0"), "version=", "unknown CTCAE version"),
    (dict(values=[1], test="wbc", version=None), "version=", "unknown CTCAE version"),
    (dict(values=[1], test="wbc", version=True), "version=", "unknown CTCAE version"),
    (dict(values=["abc"], test="wbc"), "values", "not numeric"),
    (dict(values=[1.0, "2+"], test="proteinuria"), "values", "not numeric"),
    (dict(values=[object()], test="wbc"), "values", "not numeric"),
    (dict(values=[True, False], test="wbc"), "values", "booleans"),
    (dict(values=pd.to_datetime(["2024-01-01"]), test="wbc"), "values", "expected numbers"),
    (dict(values=[1.0, -0.5], test="wbc"), "values", "negative value -0.5"),
    (dict(values=[np.inf], test="wbc"), "values", "infinite value"),
    (dict(values=pd.DataFrame({"a": [1]}), test="wbc"), "values", "one-dimensional"),
    (dict(values=[[1, 2]], test="wbc"), "values", "one-dimensional"),
    (dict(values=[1, 2, 3], test="wbc", lln=[4, 4]), "lln=", "has 2 values; values has 3"),
    (dict(values=[1, 2], test="creatinine", uln=[1, 1, 1]), "uln=", "has 3 values"),
    (dict(values=[1], test="creatinine", uln=1, baseline=[1, 1]), "baseline=", "has 2"),
    (dict(values=[1], test="wbc", lln=-4), "lln=", "negative value"),
    (dict(values=[1], test="wbc", lln=0), "lln=", "must be positive"),
    (dict(values=[1], test="creatinine", uln="high"), "uln=", "not numeric"),
    (dict(values=[1], test="creatinine", uln=1, baseline=[np.inf]), "baseline=", "infinite"),
    (dict(values=pd.Series([1], index=[7]), test="wbc", lln=pd.Series([4], index=[8])),
     "lln=", "index differs"),
])
def test_bad_arguments(kwargs, column, message):
    with pytest.raises(InputError, match=re.escape(message)) as info:
        compute_ctcae_grade(**kwargs)
    assert info.value.column == column
    assert info.value.failures["column"].tolist() == [column]


# ---------------------------------------------------------------------------------------
# The criteria table
# ---------------------------------------------------------------------------------------


def test_criteria_table_layout():
    table = criteria_table()
    assert list(table.columns) == [
        "version", "term", "key", "column", "unit", "grade", "criterion", "computable",
        "lower_op", "lower", "upper_op", "upper", "criterion_text", "ctcae_text", "admiral",
        "note", "source"]
    assert set(table.version) == set(VERSIONS)
    assert set(table.key) == {"platelets", "wbc", "neutrophils", "lymphocytes", "anemia",
                              "creatinine", "proteinuria", "hypoalbuminemia"}
    for (version, key), rows in table.groupby(["version", "key"]):
        # grades 0 (normal range) and 1-5 of the CTCAE table, each with one text
        assert set(rows.grade) == {"0", "1", "2", "3", "4", "5"}, (version, key)
        for grade, same in rows.groupby("grade"):
            assert same.ctcae_text.nunique() == 1, (version, key, grade)
            for part in same.criterion_text:
                assert part in same.ctcae_text.iloc[0], (version, key, grade, part)
        assert (rows.source != "").all()
        assert rows.term.nunique() == rows.column.nunique() == rows.unit.nunique() == 1
    computable = table[table.computable == "yes"]
    assert ((computable.lower != "") | (computable.upper != "")).all()
    assert set(table.computable) == {"yes", "no"}


@pytest.mark.parametrize(("version", "key", "grade", "text"), [
    ("4.03", "creatinine", "1", ">1 - 1.5 x baseline; >ULN - 1.5 x ULN"),
    ("4.03", "creatinine", "3", ">3.0 baseline; >3.0 - 6.0 x ULN"),
    ("5.0", "creatinine", "1", ">ULN - 1.5 x ULN"),
    ("5.0", "creatinine", "2", ">1.5 - 3.0 x baseline; >1.5 - 3.0 x ULN"),
    ("5.0", "creatinine", "3", ">3.0 x baseline; >3.0 - 6.0 x ULN"),
    ("4.03", "proteinuria", "2", "Adults: 2+ proteinuria; urinary protein 1.0 - 3.4 g/24 hrs;"
                                 " Pediatric: urine P/C (Protein/Creatinine) ratio 0.5 - 1.9"),
    ("5.0", "proteinuria", "1", "1+ proteinuria; urinary protein ≥ULN - <1.0 g/24 hrs"),
    ("5.0", "anemia", "4", "Life-threatening consequences; urgent intervention indicated"),
    ("4.03", "hypoalbuminemia", "5", "Death"),
    ("5.0", "lymphocytes", "1", "<LLN - 800/mm3; <LLN - 0.8 x 10e9/L"),
])
def test_criteria_table_quotes_the_ctcae_text(version, key, grade, text):
    table = criteria_table()
    rows = table[(table.version == version) & (table.key == key) & (table.grade == grade)]
    assert set(rows.ctcae_text) == {text}
