"""Tests for the creatinine-based eGFR equations in ``endpoints.clinical.egfr``.

Reference values are either published or computed here, row by row, from the
equations written out with plain :mod:`math` -- independently of the vectorised code.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import endpoints as ep
from endpoints.clinical import (
    compute_egfr_ckd_epi_2009,
    compute_egfr_ckd_epi_2021,
    compute_egfr_mdrd,
    compute_egfr_schwartz,
)

# --------------------------------------------------------------------------------------
# Independent scalar references (plain Python, one row at a time)
# --------------------------------------------------------------------------------------


def ref_ckd_epi_2021(scr: float, age: float, female: bool) -> float:
    k = 0.7 if female else 0.9
    a = -0.241 if female else -0.302
    egfr = 142 * min(scr / k, 1) ** a * max(scr / k, 1) ** -1.200 * 0.9938**age
    return egfr * 1.012 if female else egfr


def ref_ckd_epi_2009(scr: float, age: float, female: bool, black: bool = False) -> float:
    k = 0.7 if female else 0.9
    a = -0.329 if female else -0.411
    egfr = 141 * min(scr / k, 1) ** a * max(scr / k, 1) ** -1.209 * 0.993**age
    if female:
        egfr *= 1.018
    if black:
        egfr *= 1.159
    return egfr


def ref_mdrd(scr: float, age: float, female: bool, black: bool = False) -> float:
    egfr = 175 * math.pow(scr, -1.154) * math.pow(age, -0.203)
    if female:
        egfr *= 0.742
    if black:
        egfr *= 1.212
    return egfr


def ref_schwartz(scr: float, height: float) -> float:
    return 0.413 * height / scr


def one(result: pd.Series) -> float:
    assert len(result) == 1
    return float(result.iloc[0])


# --------------------------------------------------------------------------------------
# Reference values
# --------------------------------------------------------------------------------------


def test_ckd_epi_2021_published_value() -> None:
    # Reference value: Scr 1.2 mg/dL, 55 y, male -> 71.4 mL/min/1.73 m2.
    result = compute_egfr_ckd_epi_2021(pd.Series([1.2]), pd.Series([55]), pd.Series(["M"]))
    assert round(one(result), 1) == 71.4


@pytest.mark.parametrize(
    ("scr", "age", "sex"),
    [
        (0.5, 30, "F"),  # female, below knot k = 0.7
        (0.6, 40, "F"),  # female, below knot
        (0.9, 40, "F"),  # female, above knot
        (2.4, 62, "F"),  # female, well above knot
        (0.7, 48, "M"),  # male, below knot k = 0.9
        (1.2, 55, "M"),  # male, above knot
        (3.1, 71, "M"),  # male, well above knot
    ],
)
def test_ckd_epi_2021_matches_hand_computation(scr: float, age: float, sex: str) -> None:
    expected = ref_ckd_epi_2021(scr, age, female=sex == "F")
    assert one(compute_egfr_ckd_epi_2021([scr], [age], [sex])) == pytest.approx(expected, rel=1e-12)


def test_ckd_epi_2021_written_out_cases() -> None:
    # Female, Scr 0.6 < 0.7: only the min() term contributes.
    female_low = 142 * (0.6 / 0.7) ** -0.241 * 0.9938**40 * 1.012
    # Female, Scr 0.9 > 0.7: only the max() term contributes.
    female_high = 142 * (0.9 / 0.7) ** -1.200 * 0.9938**40 * 1.012
    # Male, Scr 0.7 < 0.9 and 1.2 > 0.9.
    male_low = 142 * (0.7 / 0.9) ** -0.302 * 0.9938**48
    male_high = 142 * (1.2 / 0.9) ** -1.200 * 0.9938**55
    result = compute_egfr_ckd_epi_2021([0.6, 0.9, 0.7, 1.2], [40, 40, 48, 55], ["F", "F", "M", "M"])
    np.testing.assert_allclose(
        result.to_numpy(dtype=float), [female_low, female_high, male_low, male_high], rtol=1e-12
    )
    assert [round(v, 1) for v in result] == [116.3, 82.9, 113.7, 71.4]


def test_ckd_epi_2021_continuous_at_knot() -> None:
    # At Scr == k both creatinine terms are 1.
    result = compute_egfr_ckd_epi_2021([0.7, 0.9], [50, 50], ["F", "M"])
    np.testing.assert_allclose(
        result.to_numpy(dtype=float), [142 * 0.9938**50 * 1.012, 142 * 0.9938**50], rtol=1e-12
    )


@pytest.mark.parametrize(
    ("scr", "age", "sex", "black"),
    [
        (0.6, 40, "F", False),  # female, below knot
        (0.6, 40, "F", True),
        (1.1, 35, "F", False),  # female, above knot
        (0.8, 60, "M", False),  # male, below knot
        (1.2, 55, "M", False),  # male, above knot
        (1.2, 55, "M", True),
        (2.5, 70, "M", True),
    ],
)
def test_ckd_epi_2009_matches_hand_computation(
    scr: float, age: float, sex: str, black: bool
) -> None:
    expected = ref_ckd_epi_2009(scr, age, female=sex == "F", black=black)
    result = compute_egfr_ckd_epi_2009([scr], [age], [sex], black=[black])
    assert one(result) == pytest.approx(expected, rel=1e-12)


def test_ckd_epi_2009_written_out_cases() -> None:
    female_low = 141 * (0.6 / 0.7) ** -0.329 * 0.993**40 * 1.018
    male_high_black = 141 * (1.2 / 0.9) ** -1.209 * 0.993**55 * 1.159
    result = compute_egfr_ckd_epi_2009([0.6, 1.2], [40, 55], ["F", "M"], black=[False, True])
    np.testing.assert_allclose(
        result.to_numpy(dtype=float), [female_low, male_high_black], rtol=1e-12
    )
    assert [round(v, 1) for v in result] == [114.0, 78.4]


def test_ckd_epi_2009_black_none_means_not_black() -> None:
    args = ([0.6, 1.2], [40, 55], ["F", "M"])
    pd.testing.assert_series_equal(
        compute_egfr_ckd_epi_2009(*args), compute_egfr_ckd_epi_2009(*args, black=[False, False])
    )


@pytest.mark.parametrize(
    ("scr", "age", "sex", "black"),
    [
        (1.0, 50, "F", False),
        (1.0, 50, "M", False),
        (1.8, 63, "M", True),
        (0.8, 29, "F", True),
    ],
)
def test_mdrd_matches_hand_computation(scr: float, age: float, sex: str, black: bool) -> None:
    expected = ref_mdrd(scr, age, female=sex == "F", black=black)
    assert one(compute_egfr_mdrd([scr], [age], [sex], black=[black])) == pytest.approx(
        expected, rel=1e-12
    )


def test_mdrd_written_out_case() -> None:
    expected = 175 * 1.0**-1.154 * 50**-0.203 * 0.742
    result = compute_egfr_mdrd(pd.Series([1.0]), pd.Series([50]), pd.Series(["F"]))
    assert one(result) == pytest.approx(expected, rel=1e-12)
    assert round(one(result), 1) == 58.7


def test_schwartz_reference_values() -> None:
    result = compute_egfr_schwartz(pd.Series([0.7, 0.45, 1.6]), pd.Series([140.0, 110.0, 165.0]))
    assert round(float(result.iloc[0]), 1) == 82.6
    np.testing.assert_allclose(
        result.to_numpy(dtype=float),
        [ref_schwartz(0.7, 140.0), ref_schwartz(0.45, 110.0), ref_schwartz(1.6, 165.0)],
        rtol=1e-12,
    )


_valid_rows = st.lists(
    st.tuples(
        st.floats(0.1, 15.0),  # creatinine mg/dL
        st.floats(1.0, 100.0),  # age y
        st.sampled_from(["F", "M", "f", "m"]),
        st.booleans(),  # black
        st.floats(50.0, 200.0),  # height cm
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=50, deadline=None)
@given(_valid_rows)
def test_vectorised_matches_row_by_row_reference(rows: list[tuple]) -> None:
    scr, age, sex, black, height = (list(column) for column in zip(*rows, strict=True))
    female = [s.upper() == "F" for s in sex]
    cases = [
        (compute_egfr_ckd_epi_2021(scr, age, sex), map(ref_ckd_epi_2021, scr, age, female)),
        (
            compute_egfr_ckd_epi_2009(scr, age, sex, black),
            map(ref_ckd_epi_2009, scr, age, female, black),
        ),
        (compute_egfr_mdrd(scr, age, sex, black), map(ref_mdrd, scr, age, female, black)),
        (compute_egfr_schwartz(scr, height), map(ref_schwartz, scr, height)),
    ]
    for result, expected in cases:
        np.testing.assert_allclose(result.to_numpy(dtype=float), list(expected), rtol=1e-12)


# --------------------------------------------------------------------------------------
# Missing / invalid inputs
# --------------------------------------------------------------------------------------

_ALL = [
    ("ckd_epi_2021", lambda c, a, s, b, h: compute_egfr_ckd_epi_2021(c, a, s)),
    ("ckd_epi_2009", lambda c, a, s, b, h: compute_egfr_ckd_epi_2009(c, a, s, b)),
    ("mdrd", lambda c, a, s, b, h: compute_egfr_mdrd(c, a, s, b)),
    ("schwartz", lambda c, a, s, b, h: compute_egfr_schwartz(c, h)),
]


@pytest.mark.parametrize("missing", [np.nan, None, pd.NA])
def test_missing_inputs_give_na(missing: object) -> None:
    scr = pd.Series([1.0, missing, 1.0, 1.0, 1.0], dtype=object)
    age = pd.Series([50, 50, missing, 50, 50], dtype=object)
    sex = pd.Series(["F", "F", "F", missing, "F"], dtype=object)
    height = pd.Series([150.0, 150.0, 150.0, 150.0, missing], dtype=object)
    black = pd.Series([False] * 5)

    needs_sex_age = [False, True, True, True, False]
    assert compute_egfr_ckd_epi_2021(scr, age, sex).isna().tolist() == needs_sex_age
    assert compute_egfr_ckd_epi_2009(scr, age, sex, black).isna().tolist() == needs_sex_age
    assert compute_egfr_mdrd(scr, age, sex, black).isna().tolist() == needs_sex_age
    assert compute_egfr_schwartz(scr, height).isna().tolist() == [False, True, False, False, True]


def test_missing_in_nullable_dtypes() -> None:
    scr = pd.Series([1.0, pd.NA, 0.8], dtype="Float64")
    age = pd.Series([50, 60, pd.NA], dtype="Int64")
    sex = pd.Series(["F", "M", "M"], dtype="string")
    result = compute_egfr_ckd_epi_2021(scr, age, sex)
    assert result.isna().tolist() == [False, True, True]
    assert float(result.iloc[0]) == pytest.approx(ref_ckd_epi_2021(1.0, 50, True), rel=1e-12)


def test_missing_black_gives_na() -> None:
    black = pd.Series([True, None, False], dtype="boolean")
    for func in (compute_egfr_ckd_epi_2009, compute_egfr_mdrd):
        result = func([1.0, 1.0, 1.0], 50, "M", black)
        assert result.isna().tolist() == [False, True, False]


@pytest.mark.parametrize("scr", [0.0, -0.5])
def test_non_positive_creatinine_gives_na_without_warnings(scr: float) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _, func in _ALL:
            result = func([scr, 1.0], [50, 50], ["M", "M"], [False, False], [150.0, 150.0])
            assert result.isna().tolist() == [True, False]


def test_non_positive_age_mdrd_and_height_schwartz_give_na() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert compute_egfr_mdrd([1.0, 1.0], [0, -3], "M").isna().all()
        assert compute_egfr_schwartz([1.0, 1.0], [0.0, -10.0]).isna().all()


def test_unknown_sex_gives_na_not_error() -> None:
    sex = ["F", "X", "", "female", 1, "M"]
    for func in (compute_egfr_ckd_epi_2021, compute_egfr_ckd_epi_2009, compute_egfr_mdrd):
        result = func([1.0] * 6, [50] * 6, sex)
        assert result.isna().tolist() == [False, True, True, True, True, False]


def test_lower_case_sex_accepted() -> None:
    for func in (compute_egfr_ckd_epi_2021, compute_egfr_ckd_epi_2009, compute_egfr_mdrd):
        pd.testing.assert_series_equal(
            func([0.6, 1.3], [30, 70], ["f", "m"]), func([0.6, 1.3], [30, 70], ["F", "M"])
        )


# --------------------------------------------------------------------------------------
# Shape, index, dtype, purity
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "func"), _ALL)
def test_dtype_is_nullable_float64(name: str, func) -> None:
    for args in [
        (pd.Series([1.0]), pd.Series([50]), pd.Series(["F"]), pd.Series([True]), pd.Series([150])),
        (
            np.array([1.0, 2.0]),
            np.array([50, 60]),
            np.array(["F", "M"]),
            None,
            np.array([150, 160]),
        ),
        ([1.0, 2.0], [50, 60], ["F", "M"], [True, False], [150, 160]),
        (1.0, 50, "F", True, 150),
    ]:
        result = func(*args)
        assert isinstance(result, pd.Series)
        assert result.dtype == "Float64", name


@pytest.mark.parametrize(("name", "func"), _ALL)
def test_index_preserved(name: str, func) -> None:
    index = pd.Index(["p1-v1", "p1-v2", "p2-v1"], name="visit")
    scr = pd.Series([0.6, 1.1, 2.0], index=index)
    age = pd.Series([30, 45, 70], index=index)
    sex = pd.Series(["F", "M", "F"], index=index)
    black = pd.Series([False, True, False], index=index)
    height = pd.Series([150.0, 170.0, 160.0], index=index)
    pd.testing.assert_index_equal(func(scr, age, sex, black, height).index, index)


def test_index_from_first_series_argument() -> None:
    index = pd.Index([10, 20, 30])
    result = compute_egfr_ckd_epi_2021([0.6, 1.1, 2.0], pd.Series([30, 45, 70], index=index), "F")
    pd.testing.assert_index_equal(result.index, index)
    assert compute_egfr_ckd_epi_2021([1.0, 1.1], [30, 40], ["F", "M"]).index.equals(
        pd.RangeIndex(2)
    )


def test_scalars_broadcast() -> None:
    result = compute_egfr_ckd_epi_2021(pd.Series([0.6, 1.2]), 55, "M")
    expected = [ref_ckd_epi_2021(0.6, 55, False), ref_ckd_epi_2021(1.2, 55, False)]
    np.testing.assert_allclose(result.to_numpy(dtype=float), expected, rtol=1e-12)
    assert len(compute_egfr_schwartz(0.7, 140)) == 1


def test_incompatible_lengths_raise() -> None:
    with pytest.raises(ep.InputError, match="incompatible lengths"):
        compute_egfr_ckd_epi_2021([1.0, 1.1, 1.2], [50, 60], "F")


@pytest.mark.parametrize("creatinine", [["high"], [[1.0]], [{"a": 1}]])
def test_non_numeric_inputs_are_input_errors(creatinine) -> None:
    with pytest.raises(ep.InputError, match=r"not numeric|one-dimensional"):
        compute_egfr_ckd_epi_2021(creatinine, [50], "F")


def test_inputs_not_mutated() -> None:
    scr = pd.Series([0.6, np.nan, -1.0, 1.2], index=list("abcd"))
    age = pd.Series([40, 50, 60, 70], dtype="Int64", index=list("abcd"))
    sex = pd.Series(["F", "m", "X", None], index=list("abcd"))
    black = pd.Series([True, False, None, True], dtype="boolean", index=list("abcd"))
    height = np.array([150.0, 160.0, 0.0, 170.0])
    originals = [scr.copy(), age.copy(), sex.copy(), black.copy()]
    height_original = height.copy()

    for _, func in _ALL:
        func(scr, age, sex, black, height)

    for before, after in zip(originals, [scr, age, sex, black], strict=True):
        pd.testing.assert_series_equal(after, before)
    np.testing.assert_array_equal(height, height_original)


# --------------------------------------------------------------------------------------
# The equation is the trial's choice (TrialDefinition.derived)
# --------------------------------------------------------------------------------------


def _trial(derived: dict) -> ep.TrialDefinition:
    return ep.TrialDefinition.model_validate({
        "id": "EGFR-CHOICE", "title": "eGFR >= 63", "derived": derived,
        "timepoints": [{"label": "week 12", "day": 84}],
        "endpoints": [{"kind": "response", "name": "egfr_63", "timepoints": ["week 12"],
                       "criteria": {"variable": "egfr", "op": ">=", "value": 63}}],
    })


def _egfr_63(derived: dict, visits: pd.DataFrame):
    out = ep.score(visits, _trial(derived))
    return out.result.iloc[0]


CREATININE_1_3 = pd.DataFrame({"subject_id": ["s1"], "day": [84], "creatinine": [1.3],
                               "age": [55.0], "sex": ["M"]})


def test_a_trial_chooses_its_egfr_equation() -> None:
    """Creatinine 1.3 mg/dL, 55-year-old man: CKD-EPI 2021 gives 64.9, CKD-EPI 2009
    61.4 (values of the reference formulas above), on either side of 63."""
    assert ref_ckd_epi_2021(1.3, 55, False) >= 63 > ref_ckd_epi_2009(1.3, 55, False, False)
    assert _egfr_63({}, CREATININE_1_3) == True  # noqa: E712  (the default: 2021)
    assert _egfr_63({"egfr": "ckd_epi_2021"}, CREATININE_1_3) == True  # noqa: E712
    assert _egfr_63({"egfr": "ckd_epi_2009"}, CREATININE_1_3) == False  # noqa: E712
    assert _egfr_63({"egfr": "mdrd"}, CREATININE_1_3) is not pd.NA


def test_a_supplied_egfr_is_used_whatever_the_equation() -> None:
    visits = CREATININE_1_3.assign(egfr=[62.0])
    assert _egfr_63({"egfr": "ckd_epi_2021"}, visits) == False  # noqa: E712


def test_schwartz_reads_height() -> None:
    visits = pd.DataFrame({"subject_id": ["s1"], "day": [84], "creatinine": [0.8],
                           "height": [140.0]})
    assert _egfr_63({"egfr": "schwartz"}, visits) == True  # noqa: E712 (0.413 x 140 / 0.8 = 72.3)
    with pytest.warns(ep.EndpointsWarning, match="egfr"):
        assert _egfr_63({"egfr": "schwartz"}, visits.drop(columns="height")) is pd.NA


@pytest.mark.parametrize(("derived", "message"), [
    ({"egfr": "cockcroft_gault"}, "unknown method 'cockcroft_gault' for egfr"),
    ({"sledai_total": "x"}, "'sledai_total' is not a derived variable"),
])
def test_unknown_methods_are_definition_errors(derived, message) -> None:
    with pytest.raises(ep.DefinitionError, match=message):
        _trial(derived)
