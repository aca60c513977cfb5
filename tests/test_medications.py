"""Hand-written examples for the optional medications table (SPEC sections 2-4).

Black-box tests through ``ep.score(visits, trial_id, medications=meds)`` and
``endpoints.inputs.medications.compute_prednisone_equivalent``. Every expectation is hard-coded
(worked out by hand); nothing here re-implements the rules.

* Records: ``subject_id``, ``drug``, ``start_day``, ``end_day`` (inclusive; missing =
  ongoing), ``dose`` (mg/day over the interval; a one-day pulse has start == end),
  ``route`` and ``protocol`` optional.
* Equivalences (each = 5 mg prednisone): prednisone 5, prednisolone 5,
  methylprednisolone 4, hydrocortisone 20, cortisone 25, dexamethasone 0.75,
  betamethasone 0.75, triamcinolone 4, deflazacort 6. Names case-insensitive; an unknown
  corticosteroid is an InputError, never a silent zero.
* With a table, the table is the source of the prednisone dose at visits, of rituximab
  and of new immunosuppressants; the visit columns are ignored.
* Cumulative steroid dose through T: sum over days 0..T-1 of the daily dose, exactly.

Only the columns the endpoints under test read are supplied; the EndpointsWarning about
the other endpoints' absent columns is ignored.
"""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import numpy as np
import pandas as pd
import pytest

import endpoints as ep
from endpoints import engine
from endpoints.inputs.medications import compute_prednisone_equivalent

from helpers import DOMAINS, assert_result, assert_value, pick
from helpers import med as rec

pytestmark = pytest.mark.filterwarnings("ignore::endpoints.EndpointsWarning")

MSC_ROLE = "NCT03917797"  # treatment_failure: week 24 (168), month 12 (365)
VALLADOLID = "NCT03673748"  # steroid_reduction(_category), cumulative dose: week 24 (168)
MISLE = "NCT02633163"  # sri4 week 24 (168), week 20 = 140; cumulative dose week 52 (364)

CUM = "cumulative_steroid_dose"
SR = "steroid_reduction"
SRC = "steroid_reduction_category"
TF = "treatment_failure"
SRI = "sri4"
W24 = "week 24"
W52 = "week 52"
M12 = "month 12"

ALL_D = {f"bilag_{d}": "D" for d in DOMAINS}


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def meds_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(records)
    df["end_day"] = pd.to_numeric(df["end_day"]).astype("float64")
    df["dose"] = pd.to_numeric(df["dose"]).astype("float64")
    return df


def visit_frame(days: list[int], subject: str = "s1", **cols: Any) -> pd.DataFrame:
    """Visits of one subject; scalar columns are repeated, lists are per visit."""
    data: dict[str, Any] = {"subject_id": [subject] * len(days), "day": days}
    for name, value in cols.items():
        data[name] = value if isinstance(value, list) else [value] * len(days)
    return pd.DataFrame(data)


def cum_dose(trial: str, timepoint: str, records: list[dict[str, Any]],
             days: list[int] | None = None) -> float:
    visits = visit_frame(days or [0, 84, 168])
    out = ep.score(visits, trial, medications=meds_frame(records))
    row = pick(out, CUM, timepoint)
    assert not pd.isna(row.value), row.to_dict()
    return float(row.value)


# --------------------------------------------------------------------------------------
# compute_prednisone_equivalent
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "mg"),
    [
        ("prednisone", 5.0),
        ("prednisolone", 5.0),
        ("methylprednisolone", 4.0),
        ("hydrocortisone", 20.0),
        ("cortisone", 25.0),
        ("dexamethasone", 0.75),
        ("betamethasone", 0.75),
        ("triamcinolone", 4.0),
        ("deflazacort", 6.0),
    ],
)
def test_equivalent_of_each_corticosteroid_is_5mg_prednisone(drug: str, mg: float) -> None:
    got = compute_prednisone_equivalent([drug], [mg])
    assert got.tolist() == pytest.approx([5.0], abs=1e-9)


def test_equivalent_scales_linearly() -> None:
    got = compute_prednisone_equivalent(
        ["prednisone", "methylprednisolone", "dexamethasone", "hydrocortisone", "cortisone",
         "deflazacort", "triamcinolone", "betamethasone", "prednisolone"],
        [20, 500, 1.5, 100, 50, 30, 16, 3, 7.5],
    )
    assert got.tolist() == pytest.approx(
        [20.0, 625.0, 10.0, 25.0, 10.0, 25.0, 20.0, 20.0, 7.5], abs=1e-9
    )


def test_equivalent_names_are_case_insensitive_and_match_first_word() -> None:
    got = compute_prednisone_equivalent(
        ["PREDNISONE", "Methylprednisolone sodium succinate", "  Dexamethasone ",
         "HydroCortisone"],
        [10, 8, 0.75, 40],
    )
    assert got.tolist() == pytest.approx([10.0, 10.0, 5.0, 10.0], abs=1e-9)


def test_equivalent_of_non_steroid_is_nan() -> None:
    got = compute_prednisone_equivalent(["tacrolimus", "prednisone"], [4, 5])
    assert np.isnan(got.iloc[0])
    assert got.iloc[1] == pytest.approx(5.0)


# --------------------------------------------------------------------------------------
# Validation of the table
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("drug", ["fludrocortisone", "Fludrocortisone acetate", "cortivazol",
                                  "prednisolonate"])
def test_unknown_corticosteroid_is_input_error(drug: str) -> None:
    """A systemic corticosteroid without a prednisone equivalence, or a steroid-like name
    the dictionary does not know, is never counted as zero in silence."""
    meds = meds_frame([rec("prednisone", 0, None, 5.0), rec(drug, 10, 20, 0.1)])
    with pytest.raises(ep.InputError) as info:
        ep.score(visit_frame([0, 84, 168]), VALLADOLID, medications=meds)
    assert info.value.column == "drug"
    assert "drug" in str(info.value)
    assert "s1" in str(info.value)


def test_unknown_corticosteroid_names_the_offending_subject() -> None:
    meds = meds_frame([
        rec("prednisone", 0, None, 5.0, subject="a"),
        rec("fludrocortisone", 10, 20, 9.0, subject="zz9"),
    ])
    visits = pd.concat([visit_frame([0, 168], "a"), visit_frame([0, 168], "zz9")])
    with pytest.raises(ep.InputError) as info:
        ep.score(visits, VALLADOLID, medications=meds)
    assert info.value.column == "drug"
    assert "zz9" in str(info.value)


@pytest.mark.parametrize("column", ["start_day", "drug", "subject_id", "dose"])
def test_missing_required_column_is_input_error(column: str) -> None:
    meds = meds_frame([rec("prednisone", 0, None, 5.0)]).drop(columns=[column])
    with pytest.raises(ep.InputError) as info:
        ep.score(visit_frame([0, 84, 168]), VALLADOLID, medications=meds)
    assert column in str(info.value)


def test_negative_dose_is_input_error() -> None:
    meds = meds_frame([rec("prednisone", 0, 50, 5.0), rec("prednisone", 51, None, -5.0)])
    with pytest.raises(ep.InputError) as info:
        ep.score(visit_frame([0, 84, 168]), VALLADOLID, medications=meds)
    assert info.value.column == "dose"
    assert "s1" in str(info.value)


def test_end_day_before_start_day_is_input_error() -> None:
    meds = meds_frame([rec("prednisone", 30, 29, 5.0)])
    with pytest.raises(ep.InputError) as info:
        ep.score(visit_frame([0, 84, 168]), VALLADOLID, medications=meds)
    assert info.value.column == "end_day"
    assert "s1" in str(info.value)


def test_missing_start_day_value_is_input_error() -> None:
    meds = meds_frame([rec("prednisone", 0, None, 5.0), rec("prednisone", 0, None, 5.0)])
    meds["start_day"] = pd.array([0, None], dtype="Int64")
    with pytest.raises(ep.InputError) as info:
        ep.score(visit_frame([0, 84, 168]), VALLADOLID, medications=meds)
    assert info.value.column == "start_day"


def test_missing_corticosteroid_dose_is_input_error() -> None:
    meds = meds_frame([rec("prednisone", 0, None, None)])
    with pytest.raises(ep.InputError) as info:
        ep.score(visit_frame([0, 84, 168]), VALLADOLID, medications=meds)
    assert info.value.column == "dose"


def test_non_steroid_drugs_without_dose_are_fine() -> None:
    meds = meds_frame([
        rec("prednisone", -10, None, 10.0),
        rec("hydroxychloroquine", -100, None, None),
        rec("rituximab", 300, 300, None, route="IV"),
        rec("tacrolimus", -50, None, None),
    ])
    out = ep.score(visit_frame([0, 84, 168]), VALLADOLID, medications=meds)
    assert_value(pick(out, CUM, W24), 1680.0)  # 10 x 168 days


@pytest.mark.parametrize("drug", ["dapsone", "Dapsone"])
def test_dapsone_is_not_a_corticosteroid(drug: str) -> None:
    # dapsone (used for cutaneous lupus) is not a corticosteroid: no error, no steroid dose
    meds = meds_frame([rec("prednisone", -10, None, 10.0), rec(drug, 0, None, 100.0)])
    out = ep.score(visit_frame([0, 84, 168]), VALLADOLID, medications=meds)
    assert_value(pick(out, CUM, W24), 1680.0)


def test_end_day_column_may_be_absent_meaning_ongoing() -> None:
    meds = meds_frame([rec("prednisone", -10, None, 10.0)]).drop(columns=["end_day"])
    out = ep.score(visit_frame([0, 84, 168]), VALLADOLID, medications=meds)
    assert_value(pick(out, CUM, W24), 1680.0)


# --------------------------------------------------------------------------------------
# cumulative_steroid_dose from the table
# NCT03673748 week 24: days 0..167 (168 days); NCT02633163 week 52: days 0..363 (364 days)
# --------------------------------------------------------------------------------------


def test_cumulative_ongoing_dose_from_before_day_0() -> None:
    # 20 mg/day x 168 days
    assert cum_dose(VALLADOLID, W24, [rec("prednisone", -10, None, 20.0)]) == pytest.approx(3360)


def test_cumulative_adds_one_day_iv_pulse() -> None:
    records = [
        rec("prednisone", -10, None, 20.0),
        rec("Methylprednisolone sodium succinate", 50, 50, 500.0, route="IV"),
    ]
    # 3360 + 500 * 5/4 = 3360 + 625
    assert cum_dose(VALLADOLID, W24, records) == pytest.approx(3985)


def test_cumulative_end_day_is_inclusive() -> None:
    # days 0..99 = 100 days x 10 mg
    assert cum_dose(VALLADOLID, W24, [rec("prednisone", 0, 99, 10.0)]) == pytest.approx(1000)


def test_cumulative_course_started_before_day_0_counts_from_day_0() -> None:
    # days 0..9 of a course -30..9 = 10 days x 30 mg
    assert cum_dose(VALLADOLID, W24, [rec("prednisone", -30, 9, 30.0)]) == pytest.approx(300)


def test_cumulative_ignores_records_outside_days_0_to_167() -> None:
    records = [
        rec("prednisone", -40, -1, 60.0),  # ends the day before day 0
        rec("methylprednisolone", -1, -1, 1000.0),  # pulse on day -1
        rec("prednisone", 168, None, 40.0),  # starts on day 168 (not summed)
        rec("methylprednisolone", 170, 170, 500.0),
    ]
    assert cum_dose(VALLADOLID, W24, records) == pytest.approx(0)


def test_cumulative_boundary_days_0_and_167_count() -> None:
    records = [
        rec("methylprednisolone", 0, 0, 400.0),  # 500
        rec("methylprednisolone", 167, 167, 80.0),  # 100
        rec("prednisone", 160, 200, 10.0),  # days 160..167 = 8 days = 80
    ]
    assert cum_dose(VALLADOLID, W24, records) == pytest.approx(680)


def test_cumulative_overlapping_records_add() -> None:
    records = [
        rec("prednisone", 0, None, 10.0),  # 1680
        rec("prednisolone", 50, 59, 5.0),  # 10 days x 5 = 50
        rec("dexamethasone", 100, 109, 1.5),  # 10 days x 10 = 100
        rec("PREDNISONE", 120, 129, 2.5),  # 10 days x 2.5 = 25
    ]
    assert cum_dose(VALLADOLID, W24, records) == pytest.approx(1855)


def test_cumulative_mixed_drugs() -> None:
    records = [
        rec("hydrocortisone", 0, 19, 40.0),  # 10/day x 20 days = 200
        rec("cortisone", 20, 39, 50.0),  # 10/day x 20 = 200
        rec("betamethasone", 40, 49, 3.0),  # 20/day x 10 = 200
        rec("triamcinolone", 50, 59, 8.0),  # 10/day x 10 = 100
        rec("deflazacort", 60, 69, 12.0),  # 10/day x 10 = 100
    ]
    assert cum_dose(VALLADOLID, W24, records) == pytest.approx(800)


def test_cumulative_week_52_sums_days_0_to_363() -> None:
    records = [
        rec("prednisone", 0, None, 5.0),  # 5 x 364 = 1820
        rec("hydrocortisone", 300, 400, 40.0),  # 10/day for days 300..363 = 64 days = 640
        rec("methylprednisolone", 363, 363, 4.0),  # 5 on day 363
        rec("methylprednisolone", 364, 364, 400.0),  # day 364: not summed
    ]
    got = cum_dose(MISLE, W52, records, days=[0, 84, 140, 168, 364])
    assert got == pytest.approx(2465)


def test_cumulative_ignores_visit_prednisone_column() -> None:
    visits = visit_frame([0, 84, 168], prednisone=[40.0, 40.0, 40.0])
    meds = meds_frame([rec("prednisone", 0, None, 5.0)])
    out = ep.score(visits, VALLADOLID, medications=meds)
    assert_value(pick(out, CUM, W24), 840.0)


def test_cumulative_subject_without_records_is_zero_and_others_unaffected() -> None:
    visits = pd.concat([visit_frame([0, 84, 168], "a"), visit_frame([0, 84, 168], "b")])
    meds = meds_frame([rec("prednisone", 0, None, 10.0, subject="a")])
    out = ep.score(visits, VALLADOLID, medications=meds)
    assert_value(pick(out, CUM, W24, "a"), 1680.0)
    assert_value(pick(out, CUM, W24, "b"), 0.0)


def test_budesonide_is_not_a_systemic_corticosteroid() -> None:
    """WHO ATC has no systemic (H02) code for budesonide: its oral forms act locally
    (A07EA06), so a record without a systemic route word is not counted, and no error."""
    meds = meds_frame([rec("prednisone", 0, None, 5.0), rec("budesonide", 10, 20, 9.0)])
    out = ep.score(visit_frame([0, 84, 168]), VALLADOLID, medications=meds)
    assert_value(pick(out, CUM, W24), 5.0 * 168)


def test_subjects_only_in_the_table_are_subjects() -> None:
    """SPEC section 1: a subject only in the medications table gets every row, not
    evaluable for want of visits."""
    visits = visit_frame([0, 84, 168], "a")
    meds = meds_frame([
        rec("prednisone", 0, None, 10.0, subject="a"),
        rec("prednisone", 0, None, 99.0, subject="ghost"),
        rec("rituximab", 10, 10, None, subject="ghost"),
    ])
    out = ep.score(visits, VALLADOLID, medications=meds)
    assert set(out.subject_id) == {"a", "ghost"}
    ghost = out[out.subject_id == "ghost"]
    assert len(ghost) == len(out[out.subject_id == "a"])
    assert ghost.result.isna().all() and ghost.value.isna().all() and ghost.day.isna().all()
    assert (ghost.reason == "no visits").all()
    assert_value(pick(out, CUM, W24, "a"), 1680.0)


def test_integer_subject_ids_match_between_tables() -> None:
    visits = pd.DataFrame({"subject_id": [1, 1, 1, 2, 2, 2], "day": [0, 84, 168] * 2})
    meds = pd.DataFrame({
        "subject_id": [1, 2],
        "drug": ["prednisone", "prednisone"],
        "start_day": [0, 0],
        "end_day": [np.nan, 9.0],
        "dose": [10.0, 20.0],
    })
    out = ep.score(visits, VALLADOLID, medications=meds)
    assert_value(pick(out, CUM, W24, "1"), 1680.0)
    assert_value(pick(out, CUM, W24, "2"), 200.0)


def test_result_does_not_depend_on_medication_row_order() -> None:
    visits = pd.concat([visit_frame([0, 84, 168], "a"), visit_frame([0, 84, 168], "b")])
    records = [
        rec("prednisone", -10, 99, 20.0, subject="a"),
        rec("prednisone", 100, None, 5.0, subject="a"),
        rec("methylprednisolone", 50, 50, 500.0, subject="b"),
        rec("prednisone", 0, None, 2.5, subject="b"),
        rec("rituximab", 30, 30, None, subject="b"),
    ]
    meds = meds_frame(records)
    first = ep.score(visits, VALLADOLID, medications=meds)
    second = ep.score(visits, VALLADOLID, medications=meds.iloc[::-1].reset_index(drop=True))
    pd.testing.assert_frame_equal(first, second)
    assert_value(pick(first, CUM, W24, "a"), 2000.0 + 340.0)  # 20x100 + 5x68
    assert_value(pick(first, CUM, W24, "b"), 625.0 + 420.0)  # pulse + 2.5x168


@pytest.mark.parametrize("trial", [MSC_ROLE, VALLADOLID, MISLE])
@pytest.mark.parametrize("block_rows", [1, 2, 4])
def test_scoring_in_blocks_of_subjects_gives_the_same_table(trial: str, block_rows: int) -> None:
    visits = pd.concat([
        visit_frame([0, 84, 168, 365], s, sledai=[10, 6, 4, 2], pga=1.0, upcr=[3.0, 1.0, 0.4, 0.3],
                    egfr=90.0, **ALL_D)
        for s in ("a", "b", "c", "d")
    ])
    meds = meds_frame([
        rec("prednisone", -10, 99, 20.0, subject="a"),
        rec("prednisone", 100, None, 5.0, subject="a"),
        rec("methylprednisolone", 50, 50, 500.0, subject="b"),
        rec("rituximab", 30, 30, None, subject="b"),
        rec("prednisone", 0, None, 12.5, subject="c"),
        rec("azathioprine", 120, None, 100.0, subject="d"),
        rec("prednisone", 0, 200, 7.5, subject="d"),
    ])
    whole = ep.score(visits, trial, medications=meds)
    with patch.object(engine, "BLOCK_ROWS", block_rows):
        pd.testing.assert_frame_equal(ep.score(visits, trial, medications=meds), whole)
    assert whole.subject_id.nunique() == 4


# --------------------------------------------------------------------------------------
# Prednisone at visits from the table: NCT03673748 steroid_reduction(_category)
# Visits 0 (selection visit), 84, 168 (week 24); BILAG all D, so no exacerbation.
# The visit `prednisone` column holds contradictory values that must be ignored.
# --------------------------------------------------------------------------------------


def valladolid_visits(prednisone: list[float], subject: str = "s1") -> pd.DataFrame:
    return visit_frame([0, 84, 168], subject, prednisone=prednisone, **ALL_D)


def test_steroid_reduction_follows_table_not_visit_column() -> None:
    # table: 40 on day 0, 5 on day 168 -> 87.5% reduction, <= 7.5 -> responder, ">50%"
    # visit column: 40 -> 40 (would be no reduction)
    meds = meds_frame([
        rec("prednisone", -10, 83, 40.0),
        rec("prednisone", 84, 139, 20.0),
        rec("prednisone", 140, None, 5.0),
    ])
    out = ep.score(valladolid_visits([40.0, 40.0, 40.0]), VALLADOLID, medications=meds)
    assert_result(pick(out, SR, W24), True)
    assert pick(out, SRC, W24).category == ">50%"


def test_steroid_reduction_25_to_50_from_table() -> None:
    # table: 20 -> 12 (40% reduction): category "25-50%", not a responder (12 > 7.5)
    # visit column: 20 -> 5 (would be a responder, ">50%")
    meds = meds_frame([rec("prednisone", -10, 119, 20.0), rec("prednisone", 120, None, 12.0)])
    out = ep.score(valladolid_visits([20.0, 10.0, 5.0]), VALLADOLID, medications=meds)
    assert_result(pick(out, SR, W24), False)
    assert pick(out, SRC, W24).category == "25-50%"


def test_steroid_reduction_converts_equivalents() -> None:
    # methylprednisolone 16 = prednisone 20 at selection; prednisolone 7.5 at week 24:
    # 62.5% reduction and <= 7.5 -> responder, ">50%"
    meds = meds_frame([
        rec("Methylprednisolone", -5, 139, 16.0),
        rec("prednisolone", 140, None, 7.5),
    ])
    out = ep.score(valladolid_visits([0.0, 0.0, 0.0]), VALLADOLID, medications=meds)
    assert_result(pick(out, SR, W24), True)
    assert pick(out, SRC, W24).category == ">50%"


def test_steroid_reduction_pulse_on_week_24_visit_day_counts() -> None:
    # daily dose on day 168 = 5 + 500*5/4 = 630 -> an increase: "<25%", not a responder
    meds = meds_frame([
        rec("prednisone", -10, None, 5.0),
        rec("methylprednisolone", 168, 168, 500.0),
    ])
    visits = valladolid_visits([20.0, 10.0, 2.5])
    out = ep.score(visits, VALLADOLID, medications=meds)
    assert_result(pick(out, SR, W24), False)
    assert pick(out, SRC, W24).category == "<25%"


def test_steroid_reduction_pulse_between_visits_does_not_count() -> None:
    # selection 20, week 24 4 (a pulse on day 100 is not a visit day): 80% -> ">50%"
    meds = meds_frame([
        rec("prednisone", -10, 139, 20.0),
        rec("prednisone", 140, None, 4.0),
        rec("methylprednisolone", 100, 100, 1000.0),
    ])
    out = ep.score(valladolid_visits([20.0, 20.0, 20.0]), VALLADOLID, medications=meds)
    assert_result(pick(out, SR, W24), True)
    assert pick(out, SRC, W24).category == ">50%"


def test_steroid_reduction_end_day_inclusive_on_visit_day() -> None:
    # 20 mg ends on day 168 (inclusive), 5 mg starts day 169: on day 168 the dose is still
    # 20 -> no reduction
    meds = meds_frame([rec("prednisone", -10, 168, 20.0), rec("prednisone", 169, None, 5.0)])
    out = ep.score(valladolid_visits([20.0, 20.0, 5.0]), VALLADOLID, medications=meds)
    assert_result(pick(out, SR, W24), False)
    assert pick(out, SRC, W24).category == "<25%"


def test_steroid_reduction_not_on_steroids_without_records() -> None:
    # the visit column says 20 but the table has no steroid for this subject: dose 0
    meds = meds_frame([rec("hydroxychloroquine", -100, None, None)])
    out = ep.score(valladolid_visits([20.0, 10.0, 5.0]), VALLADOLID, medications=meds)
    row = pick(out, SR, W24)
    assert_result(row, None)
    assert "not on steroids" in row.reason.lower()
    assert pd.isna(pick(out, SRC, W24).category)


def test_steroid_reduction_works_without_visit_prednisone_column() -> None:
    meds = meds_frame([rec("prednisone", -10, 139, 20.0), rec("prednisone", 140, None, 5.0)])
    visits = visit_frame([0, 84, 168], **ALL_D)
    out = ep.score(visits, VALLADOLID, medications=meds)
    assert_result(pick(out, SR, W24), True)
    assert pick(out, SRC, W24).category == ">50%"


# --------------------------------------------------------------------------------------
# NCT03917797 treatment_failure from the table (visits 0, 84, 168, 365)
# --------------------------------------------------------------------------------------

TF_DAYS = [0, 84, 168, 365]


def tf_score(records: list[dict[str, Any]], days: list[int] | None = None,
             **cols: Any) -> pd.DataFrame:
    visits = visit_frame(days or TF_DAYS, **cols)
    return ep.score(visits, MSC_ROLE, medications=meds_frame(records))


def test_tf_no_failure_with_low_dose_only() -> None:
    out = tf_score([rec("prednisone", -30, None, 10.0)])
    assert_result(pick(out, TF, W24), False)
    assert_result(pick(out, TF, M12), False)


def test_tf_rituximab_day_100_fails_both_timepoints() -> None:
    out = tf_score([rec("prednisone", -30, None, 5.0), rec("rituximab", 100, 100, 1000.0)])
    for tp in (W24, M12):
        row = pick(out, TF, tp)
        assert_result(row, True)
        assert "(d)" in row.reason, row.reason


def test_tf_rituximab_day_200_fails_only_month_12() -> None:
    out = tf_score([rec("prednisone", -30, None, 5.0), rec("Rituximab", 200, 200, None)])
    assert_result(pick(out, TF, W24), False)
    row = pick(out, TF, M12)
    assert_result(row, True)
    assert "(d)" in row.reason, row.reason


def test_tf_rituximab_visit_column_is_ignored() -> None:
    # the visit flag says rituximab at day 84, but the table has none
    out = tf_score([rec("prednisone", -30, None, 5.0)],
                   rituximab=[False, True, False, False],
                   new_immunosuppressant=[False, True, False, False],
                   prednisone=[5.0, 5.0, 30.0, 30.0])
    assert_result(pick(out, TF, W24), False)
    assert_result(pick(out, TF, M12), False)


def test_tf_rituximab_before_day_0_without_baseline_visit_is_not_in_period() -> None:
    # rituximab on day -60 is before the period (0 < day); the first visit is day 7
    out = tf_score([rec("prednisone", -30, None, 5.0), rec("rituximab", -60, -60, None)],
                   days=[7, 84, 168, 365])
    assert_result(pick(out, TF, W24), False)
    assert_result(pick(out, TF, M12), False)


def test_tf_rituximab_before_day_0_with_baseline_visit_is_not_in_period() -> None:
    out = tf_score([rec("prednisone", -30, None, 5.0), rec("rituximab", -60, -60, None)],
                   days=[0, 84, 168, 365])
    assert_result(pick(out, TF, W24), False)
    assert_result(pick(out, TF, M12), False)


def test_tf_rituximab_after_last_visit_but_before_timepoint_is_a_failure() -> None:
    # Visits 0 and 84 only (no week-24 or month-12 visit): the table records rituximab on
    # day 150, within "by week 24" (period <= T = 168 when there is no assessment visit).
    # An event observed in the period is True even without an assessment visit.
    out = tf_score([rec("prednisone", -30, None, 5.0), rec("rituximab", 150, 150, None)],
                   days=[0, 84])
    for tp in (W24, M12):
        row = pick(out, TF, tp)
        assert_result(row, True)
        assert "(d)" in row.reason, row.reason


def test_tf_mycophenolate_already_taken_on_day_0_is_not_new() -> None:
    out = tf_score([
        rec("prednisone", -30, None, 5.0),
        rec("mycophenolate", -30, None, 2000.0),
    ])
    assert_result(pick(out, TF, W24), False)
    assert_result(pick(out, TF, M12), False)


def test_tf_mycophenolate_started_day_0_is_not_new() -> None:
    out = tf_score([rec("prednisone", -30, None, 5.0), rec("mycophenolate", 0, None, 2000.0)])
    assert_result(pick(out, TF, W24), False)
    assert_result(pick(out, TF, M12), False)


def test_tf_mycophenolate_dose_change_after_day_0_is_not_new() -> None:
    out = tf_score([
        rec("prednisone", -30, None, 5.0),
        rec("mycophenolate", -30, 49, 1000.0),
        rec("mycophenolate", 50, None, 2000.0),
    ])
    assert_result(pick(out, TF, W24), False)
    assert_result(pick(out, TF, M12), False)


def test_tf_mycophenolate_started_day_50_is_new() -> None:
    out = tf_score([rec("prednisone", -30, None, 5.0), rec("Mycophenolate", 50, None, 2000.0)])
    for tp in (W24, M12):
        row = pick(out, TF, tp)
        assert_result(row, True)
        assert "(c)" in row.reason, row.reason


def test_tf_new_immunosuppressant_after_week_24_fails_month_12_only() -> None:
    out = tf_score([rec("prednisone", -30, None, 5.0), rec("tacrolimus", 250, None, None)])
    assert_result(pick(out, TF, W24), False)
    row = pick(out, TF, M12)
    assert_result(row, True)
    assert "(c)" in row.reason, row.reason


def test_tf_protocol_immunosuppressant_is_never_new() -> None:
    out = tf_score([
        rec("prednisone", -30, None, 5.0),
        rec("mycophenolate", 50, None, 2000.0, protocol=True),
        rec("cyclophosphamide", 200, 200, 500.0, protocol=True),
    ])
    assert_result(pick(out, TF, W24), False)
    assert_result(pick(out, TF, M12), False)


def test_tf_protocol_flag_false_is_new() -> None:
    out = tf_score([
        rec("prednisone", -30, None, 5.0),
        rec("mycophenolate", 50, None, 2000.0, protocol=False),
    ])
    assert_result(pick(out, TF, W24), True)


def test_tf_prednisone_above_10_at_week_24_visit_from_table() -> None:
    # table: 15 mg on day 168 -> (a); the visit column (5) is ignored
    out = tf_score([rec("prednisone", -30, 149, 5.0), rec("prednisone", 150, None, 15.0)],
                   prednisone=5.0)
    row = pick(out, TF, W24)
    assert_result(row, True)
    assert "(a)" in row.reason, row.reason


def test_tf_table_dose_at_10_is_not_failure_even_if_visit_column_high() -> None:
    out = tf_score([rec("dexamethasone", -30, None, 1.5)], prednisone=40.0)  # = 10 mg
    assert_result(pick(out, TF, W24), False)
    assert_result(pick(out, TF, M12), False)


def test_tf_pulse_between_visits_is_not_a_visit_dose() -> None:
    # (a) and (b) read the dose on visit days; a pulse on day 100 or 300 is not one
    out = tf_score([
        rec("prednisone", -30, None, 5.0),
        rec("methylprednisolone", 100, 100, 500.0),
        rec("methylprednisolone", 300, 300, 500.0),
    ])
    assert_result(pick(out, TF, W24), False)
    assert_result(pick(out, TF, M12), False)


def test_tf_prednisone_above_10_after_week_24_from_table() -> None:
    # 5 mg until day 299, then 20 mg: day 365 visit has 20 -> (b) at month 12 only
    out = tf_score([rec("prednisone", -30, 299, 5.0), rec("prednisone", 300, None, 20.0)])
    assert_result(pick(out, TF, W24), False)
    row = pick(out, TF, M12)
    assert_result(row, True)
    assert "(b)" in row.reason, row.reason


# --------------------------------------------------------------------------------------
# NCT02633163 sri4 (week 24) steroid condition with a table: daily dose <= 10 on every
# day from the week-20 visit (day 140) through the week-24 visit (day 168).
# The subject otherwise meets SRI-4: SLEDAI 10 -> 4, BILAG all D, PGA 1.0 -> 1.0.
# --------------------------------------------------------------------------------------


def misle_visits(days: list[int] | None = None, **cols: Any) -> pd.DataFrame:
    days = days or [0, 140, 168]
    sledai = [10.0] + [4.0] * (len(days) - 1)
    return visit_frame(days, sledai=sledai, pga=1.0, **ALL_D, **cols)


def sri(records: list[dict[str, Any]], days: list[int] | None = None,
        **cols: Any) -> pd.Series:
    out = ep.score(misle_visits(days, **cols), MISLE, medications=meds_frame(records))
    return pick(out, SRI, W24)


def test_sri4_met_with_prednisone_10_ongoing() -> None:
    assert_result(sri([rec("prednisone", -30, None, 10.0)]), True)


def test_sri4_met_without_steroids() -> None:
    assert_result(sri([rec("hydroxychloroquine", -30, None, None)]), True)


def test_sri4_visit_column_is_ignored() -> None:
    # visit column says 20 mg in the span; table says 10 -> met
    row = sri([rec("prednisone", -30, None, 10.0)], prednisone=[20.0, 20.0, 20.0])
    assert_result(row, True)


def test_sri4_fails_with_prednisone_above_10_in_table() -> None:
    # visit column says 5; the table says 12.5 throughout
    row = sri([rec("prednisone", -30, None, 12.5)], prednisone=[5.0, 5.0, 5.0])
    assert_result(row, False)


@pytest.mark.parametrize("pulse_day", [140, 141, 150, 167, 168])
def test_sri4_pulse_inside_span_fails(pulse_day: int) -> None:
    # dose on visit days 140 and 168 is 10 except when the pulse is on that day
    row = sri([
        rec("prednisone", -30, None, 10.0),
        rec("methylprednisolone", pulse_day, pulse_day, 250.0),
    ])
    assert_result(row, False)


def test_sri4_one_day_pulse_strictly_between_visits_fails() -> None:
    # visits 0, 140, 154, 168: doses on visit days are all 10; pulse day 160 -> fails
    row = sri(
        [rec("prednisone", -30, None, 10.0), rec("methylprednisolone", 160, 160, 500.0)],
        days=[0, 140, 154, 168],
    )
    assert_result(row, False)


def test_sri4_short_course_strictly_between_visits_fails() -> None:
    # prednisone 10 then 10.5 on days 145..146 only
    row = sri([
        rec("prednisone", -30, 144, 10.0),
        rec("prednisone", 145, 146, 10.5),
        rec("prednisone", 147, None, 10.0),
    ])
    assert_result(row, False)


@pytest.mark.parametrize("pulse_day", [100, 139, 169, 200])
def test_sri4_pulse_outside_span_is_fine(pulse_day: int) -> None:
    row = sri([
        rec("prednisone", -30, None, 10.0),
        rec("methylprednisolone", pulse_day, pulse_day, 500.0),
    ])
    assert_result(row, True)


def test_sri4_dose_reduced_to_10_by_week_20_visit() -> None:
    # 30 mg until day 139, 10 from the week-20 visit (day 140) on -> met
    row = sri([rec("prednisone", -30, 139, 30.0), rec("prednisone", 140, None, 10.0)])
    assert_result(row, True)


def test_sri4_dose_reduced_one_day_after_week_20_visit_fails() -> None:
    row = sri([rec("prednisone", -30, 140, 30.0), rec("prednisone", 141, None, 10.0)])
    assert_result(row, False)


def test_sri4_overlapping_records_add_in_span() -> None:
    # 7.5 + 5 (prednisolone, days 150..155) = 12.5 on days 150..155 -> fails
    row = sri([rec("prednisone", -30, None, 7.5), rec("prednisolone", 150, 155, 5.0)])
    assert_result(row, False)


def test_sri4_overlapping_records_at_cap_are_fine() -> None:
    # 5 + hydrocortisone 20 (= 5) = 10 throughout the span
    row = sri([rec("prednisone", -30, None, 5.0), rec("hydrocortisone", 100, 200, 20.0)])
    assert_result(row, True)


def test_sri4_without_week_20_visit_span_starts_at_day_140() -> None:
    # visits 0, 84, 175: no visit within 28 days of 140; week-24 visit 175;
    # span = days 140..175
    ok = sri([rec("prednisone", -30, None, 10.0), rec("methylprednisolone", 139, 139, 500.0)],
             days=[0, 84, 175])
    assert_result(ok, True)
    bad = sri([rec("prednisone", -30, None, 10.0), rec("methylprednisolone", 145, 145, 500.0)],
              days=[0, 84, 175])
    assert_result(bad, False)


def test_sri4_sledai_failure_still_fails_with_table() -> None:
    visits = visit_frame([0, 140, 168], sledai=[10.0, 8.0, 8.0], pga=1.0, **ALL_D)
    meds = meds_frame([rec("prednisone", -30, None, 5.0)])
    out = ep.score(visits, MISLE, medications=meds)
    assert_result(pick(out, SRI, W24), False)


# --------------------------------------------------------------------------------------
# Inputs are not mutated
# --------------------------------------------------------------------------------------


def test_inputs_are_not_mutated() -> None:
    visits = pd.concat([
        visit_frame([0, 140, 168], "a", sledai=[10.0, 4.0, 4.0], pga=1.0, prednisone=20.0,
                    **ALL_D),
        visit_frame([0, 140, 168], "b", sledai=[10.0, 4.0, 4.0], pga=1.0, prednisone=20.0,
                    **ALL_D),
    ]).reset_index(drop=True)
    meds = meds_frame([
        rec("PREDNISONE", -30, None, 10.0, subject="b", route="oral"),
        rec("Methylprednisolone sodium succinate", 150, 150, 500.0, subject="a", route="IV"),
        rec("rituximab", 100, 100, None, subject="a", route="IV"),
        rec("mycophenolate", 50, None, 2000.0, subject="b", protocol=True),
        rec("prednisone", 0, None, 5.0, subject="ghost"),
    ]).iloc[::-1]
    visits_copy, meds_copy = visits.copy(deep=True), meds.copy(deep=True)
    for trial in (MISLE, MSC_ROLE, VALLADOLID):
        ep.score(visits, trial, medications=meds)
    pd.testing.assert_frame_equal(visits, visits_copy)
    pd.testing.assert_frame_equal(meds, meds_copy)
    assert list(meds.columns) == list(meds_copy.columns)
    assert meds.index.equals(meds_copy.index)


def test_a_disputed_prednisone_equivalence_is_a_number_in_drug_classes():
    """Betamethasone: 0.75 mg per 5 mg prednisone (SPEC section 2) or 0.6 (another
    table); a corticosteroid without a known equivalence can be given one."""
    visits = pd.DataFrame({"subject_id": "a", "day": [0, 84]})
    meds = pd.DataFrame({"subject_id": "a", "drug": ["Celestone", "paramethasone"],
                         "start_day": 0, "end_day": 83, "dose": [0.6, 2.0]})

    def cumulative(**options):
        out = ep.score(visits, "NCT02633163", medications=meds, **options)
        return out.query("endpoint == 'cumulative_steroid_dose' and timepoint == 'week 52'"
                         ).value.iloc[0]

    # week 52 (the endpoint's timepoint): 84 days of 0.6 mg betamethasone (4 mg
    # prednisone at 0.75) and 2 mg paramethasone (5)
    assert cumulative(drug_classes={"paramethasone": 2.0}) == 84 * 9
    assert cumulative(drug_classes={"paramethasone": 2, "betamethasone": 0.6}) == 84 * 10
    with pytest.raises(ep.InputError, match="must be a positive number"):
        cumulative(drug_classes={"paramethasone": 0})
    with pytest.raises(ep.InputError, match="no prednisone equivalence for paramethasone"):
        cumulative()
