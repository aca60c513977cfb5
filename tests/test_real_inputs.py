"""Inputs as trials really hold them (issue: no silent wrong answer on real data).

Each test feeds the shape of data that once gave a wrong answer without an error or a
warning -- drug names as written, IDs that pandas read as floats, dates, SI units,
missing BILAG grades, duplicate columns -- and hard-codes the answer worked out by hand
from SPEC sections 1-3. Every one of them failed on the code before the fix.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
import pytest

import endpoints as ep

from helpers import assert_result, assert_value, bilag, make_frame, pick
from helpers import med as rec

MSC_ROLE = "NCT03917797"  # sri4 and treatment failure at month 12 (day 365)
VALLADOLID = "NCT03673748"  # steroid reduction, cumulative dose at week 24 (day 168)
MISLE = "NCT02633163"  # cumulative dose at week 52 (day 364)
CUM = "cumulative_steroid_dose"


def quiet_score(visits, trial, **kwargs) -> pd.DataFrame:
    """Score, ignoring the warning about columns the test does not supply."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "columns not provided", ep.EndpointsWarning)
        return ep.score(visits, trial, **kwargs)


def visits_of(subject="s1", days=(0, 84, 168), **columns) -> pd.DataFrame:
    data = {"subject_id": [subject] * len(days), "day": list(days)}
    data.update({k: v if isinstance(v, list) else [v] * len(days) for k, v in columns.items()})
    return pd.DataFrame(data)


def meds_of(*records) -> pd.DataFrame:
    return pd.DataFrame(list(records))


# --------------------------------------------------------------------------------------
# 1. New BILAG grades with a missing grade (SPEC section 3)
# --------------------------------------------------------------------------------------


def sri_rows(base_renal, visit_renal, **visit):
    base = {"subject_id": "s1", "day": 0, "sledai": 10.0, "pga": 1.0,
            **bilag(renal=base_renal)}
    month12 = {"subject_id": "s1", "day": 365, "sledai": 6.0, "pga": 1.0,
               **bilag(renal=visit_renal), **visit}
    return make_frame([base, month12])


@pytest.mark.parametrize(
    ("base_renal", "visit_renal", "extra", "expected"),
    [
        # reference A: an ungraded domain can be neither a new A nor a new B
        pytest.param("A", None, {}, True, id="ref-A-ungraded-known"),
        # reference B: it can be a new A (unknown) but not a new B
        pytest.param("B", None, {}, None, id="ref-B-ungraded-maybe-new-A"),
        # reference B, and another domain is a known new B: still at most one new B
        pytest.param("B", None, {"bilag_mucocutaneous": "B"}, None, id="ref-B-plus-new-B"),
        # reference A, another known new B: at most one new B holds
        pytest.param("A", None, {"bilag_mucocutaneous": "B"}, True, id="ref-A-plus-one-new-B"),
        # reference A, two other known new B: fails, whatever the ungraded one
        pytest.param("A", None, {"bilag_mucocutaneous": "B", "bilag_musculoskeletal": "B"},
                     False, id="ref-A-two-new-B"),
        # reference missing, visit C-E: not new
        pytest.param(None, "C", {}, True, id="ref-missing-visit-C"),
        pytest.param(None, "E", {}, True, id="ref-missing-visit-E"),
        # reference missing, visit A: maybe new A
        pytest.param(None, "A", {}, None, id="ref-missing-visit-A"),
        # both missing: maybe new A
        pytest.param(None, None, {}, None, id="both-missing"),
        # reference C, ungraded: maybe new A, maybe new B
        pytest.param("C", None, {}, None, id="ref-C-ungraded"),
    ],
)
def test_sri4_new_bilag_bounds_with_a_missing_grade(base_renal, visit_renal, extra, expected):
    row = pick(quiet_score(sri_rows(base_renal, visit_renal, **extra), MSC_ROLE), "sri4",
               "month 12")
    assert_result(row, expected)


def test_exacerbation_against_selection_grade_a_is_known():
    """NCT03673748's "BILAG A or 2B exacerbation": selection renal A, renal ungraded at a
    later visit: no exacerbation is possible there, so steroid reduction is decided."""
    rows = [
        {"subject_id": "s1", "day": 0, "prednisone": 20.0, **bilag(renal="A")},
        {"subject_id": "s1", "day": 84, "prednisone": 10.0, **bilag(renal=None)},
        {"subject_id": "s1", "day": 168, "prednisone": 5.0, **bilag(renal="A")},
    ]
    assert_result(pick(quiet_score(make_frame(rows), VALLADOLID), "steroid_reduction",
                       "week 24"), True)
    rows[0].update(bilag(renal="B"))  # selection B: an ungraded domain may be a new A
    rows[2].update(bilag(renal="B"))
    assert_result(pick(quiet_score(make_frame(rows), VALLADOLID), "steroid_reduction",
                       "week 24"), None)


# --------------------------------------------------------------------------------------
# 2. Drug names as written (SPEC section 2, "Medications: what a record is")
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "route", "dose", "expected_total"),
    [
        ("IV methylprednisolone", None, 500.0, 625.0),
        ("oral prednisone", None, 10.0, 10.0),
        ("pulse methylprednisolone", None, 500.0, 625.0),
        ("methylpred", None, 4.0, 5.0),
        ("methyl prednisolone", None, 4.0, 5.0),
        ("prednisolon", None, 10.0, 10.0),
        ("Medrol", None, 4.0, 5.0),
        ("Solu-Medrol", None, 1000.0, 1250.0),
        ("SOLU-MEDROL 1 G IV", None, 1000.0, 1250.0),
        ("Deltasone", None, 20.0, 20.0),
        ("Decadron", None, 1.5, 10.0),
        ("Methylprednisolone sodium succinate", "INTRAVENOUS", 500.0, 625.0),
        ("prednisone 5 mg tablet", "ORAL", 5.0, 5.0),
        ("prednisone", "PO", 5.0, 5.0),
        # routes that do not count towards the systemic dose, and are never an error
        ("hydrocortisone", "TOPICAL", 20.0, 0.0),
        ("topical hydrocortisone", None, 20.0, 0.0),
        ("hydrocortisone cream 1%", None, 20.0, 0.0),
        ("fluticasone", "RESPIRATORY (INHALATION)", 0.5, 0.0),
        ("inhaled fluticasone", None, 0.5, 0.0),
        ("triamcinolone", "INTRA-ARTICULAR", 40.0, 0.0),
        ("dexamethasone eye drops", None, 0.1, 0.0),
    ],
)
def test_corticosteroids_as_written_count_exactly(drug, route, dose, expected_total):
    """One day of the record on day 10 (start == end): the week-52 total is its
    prednisone equivalent, or 0 where the route is not systemic."""
    record = rec(drug, 10, 10, dose)
    if route is not None:
        record["route"] = route
    out = quiet_score(visits_of(days=(0, 364)), MISLE, medications=meds_of(record))
    assert_value(pick(out, CUM, "week 52"), expected_total)


@pytest.mark.parametrize("drug", ["CellCept", "Prograf", "Rituxan", "MabThera",
                                  "rituximab-abbs", "Truxima", "mycophenolate mofetil",
                                  "Benlysta", "tacrolimus 1mg capsule", "cyclophosphamide IV"])
def test_brand_names_of_immunosuppressants_and_rituximab_make_treatment_failure(drug):
    """A new immunosuppressant or rituximab in the period is treatment failure (c)/(d)."""
    visits = visits_of(days=(0, 168, 365), prednisone=5.0)
    out = quiet_score(visits, MSC_ROLE, medications=meds_of(rec(drug, 100, 100, 1.0)))
    row = pick(out, "treatment_failure", "month 12")
    assert_result(row, True)
    assert "day 100" in row.reason


def test_topical_tacrolimus_is_not_a_new_immunosuppressive_regimen():
    visits = visits_of(days=(0, 168, 365), prednisone=5.0)
    meds = meds_of(rec("tacrolimus ointment", 100, 200, 1.0), rec("prednisone", 0, None, 5.0))
    assert_result(pick(quiet_score(visits, MSC_ROLE, medications=meds), "treatment_failure",
                       "month 12"), False)


def test_atc_code_decides_over_an_unknown_name():
    visits = visits_of(days=(0, 168, 365), prednisone=5.0)
    meds = meds_of({**rec("study drug X", 100, 100, 1.0), "atc": "L04AA06"},
                   {**rec("Pred tablets", 0, None, 5.0), "atc": "H02AB07"})
    out = quiet_score(visits, MSC_ROLE, medications=meds)
    assert_result(pick(out, "treatment_failure", "month 12"), True)


def test_unclassified_names_are_listed_in_one_warning_and_not_counted():
    meds = meds_of(rec("prednisone", 0, None, 5.0), rec("Zyxolab", 0, 10, 3.0),
                   rec("Qwertin", 0, 10, 3.0))
    with pytest.warns(ep.EndpointsWarning, match="Qwertin.*Zyxolab|Zyxolab.*Qwertin") as seen:
        out = quiet_score(visits_of(days=(0, 364)), MISLE, medications=meds)
    assert sum("not classified" in str(w.message) for w in seen) == 1
    assert_value(pick(out, CUM, "week 52"), 5.0 * 364)


def test_drug_classes_extends_the_dictionary():
    meds = meds_of(rec("Pred-X", 0, 9, 10.0), rec("Qwertin", 20, 20, 1.0))
    out = quiet_score(visits_of(days=(0, 364)), MISLE, medications=meds,
                      drug_classes={"pred-x": "prednisone", "QWERTIN": "other"})
    assert_value(pick(out, CUM, "week 52"), 100.0)
    with pytest.raises(ep.InputError, match="drug_classes"):
        quiet_score(visits_of(), MISLE, medications=meds, drug_classes={"Pred-X": "candy"})


@pytest.mark.parametrize("drug", ["prednisolonate", "fluprednisolone", "fludrocortisone"])
def test_steroid_like_names_that_cannot_be_counted_are_errors(drug):
    with pytest.raises(ep.InputError) as info:
        quiet_score(visits_of(), MISLE, medications=meds_of(rec(drug, 0, 10, 5.0)))
    assert info.value.column == "drug"


def test_conflicting_route_evidence_is_an_error_not_a_guess():
    meds = meds_of({**rec("prednisolone eye drops", 0, 10, 5.0), "route": "ORAL"})
    with pytest.raises(ep.InputError, match="route"):
        quiet_score(visits_of(), MISLE, medications=meds)


def test_unknown_route_of_a_corticosteroid_is_an_error():
    meds = meds_of({**rec("prednisone", 0, 10, 5.0), "route": "by magic"})
    with pytest.raises(ep.InputError, match="by magic"):
        quiet_score(visits_of(), MISLE, medications=meds)


# --------------------------------------------------------------------------------------
# 3. Subjects across tables and their ID text form (SPEC sections 1 and 2)
# --------------------------------------------------------------------------------------


def test_float_visit_ids_match_integer_medication_ids():
    visits = pd.DataFrame({"subject_id": [1.0, 1.0, 2.0, 2.0], "day": [0, 364] * 2})
    meds = pd.DataFrame({"subject_id": [1, 2], "drug": ["prednisone"] * 2,
                         "start_day": [0, 0], "end_day": [9, 19], "dose": [10.0, 10.0]})
    out = quiet_score(visits, MISLE, medications=meds)
    assert set(out.subject_id) == {"1", "2"}
    assert_value(pick(out, CUM, "week 52", "1"), 100.0)
    assert_value(pick(out, CUM, "week 52", "2"), 200.0)


def test_subject_only_in_the_medications_table_keeps_its_rows():
    meds = meds_of(rec("prednisone", 0, 9, 10.0, subject="s1"),
                   rec("prednisone", 0, 9, 10.0, subject="ghost"))
    out = quiet_score(visits_of(days=(0, 364)), MISLE, medications=meds)
    ghost = out[out.subject_id == "ghost"]
    assert len(ghost) == len(out) // 2
    assert ghost.result.isna().all() and (ghost.reason == "no visits").all()


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        ([0.0, -0.0], {"0"}),
        ([1, 1.0], {"1"}),
        ([True, 1], {"True", "1"}),
        (["1", 1.0], {"1"}),
        ([" S1", "S1 "], {"S1"}),
    ],
)
def test_subject_ids_have_one_text_form_whatever_the_row_order(ids, expected):
    for order in (ids, ids[::-1]):
        visits = pd.DataFrame({"subject_id": pd.Series(order, dtype=object), "day": [0, 84]})
        if len(expected) == 1:
            visits["day"] = [0, 84]
        out = quiet_score(visits, MISLE)
        assert set(out.subject_id) == expected, order


@pytest.mark.parametrize("ids", [
    ["S0000002", "S0000001", "S0000002"],  # one width: hashed as integers
    ["S1  ", "  S1", "S2  "],  # SAS-padded to one width: one subject after stripping
    ["é01", "e01", "é01"],  # UTF-8: one width in bytes
    ["éa", "ab"],  # one width in characters, not in bytes
    ["ABC-001-0001", "ABC-001-0002"],  # wider than 8 bytes
    ["S1", None, "S1"],  # a missing ID
    ["abcdefghi", "bcdaghfie", "cdabihegf", "dabcfgieh", "abcdefghi"],  # numbered by a sort
    ["".join("abcd"[(i + j) % 4] for j in range(32)) for i in range(4)],  # too many to number
    ["x" * 40, "y" * 40],  # too wide to read byte by byte
    ["a\0", "ab"],  # a NUL byte
])
def test_arrow_text_ids_encode_as_their_python_text(ids):
    """Subject IDs stored by Arrow (pandas' default for text, fixed-width ones through a
    fast path) get the codes and text forms the same IDs get as Python strings."""
    from endpoints.inputs.text import encode

    arrow = encode(pd.Series(ids, dtype="string[pyarrow]"))
    python = encode(pd.Series(ids, dtype=object))
    assert arrow[0].tolist() == python[0].tolist()
    assert arrow[1].tolist() == python[1].tolist()
    assert {k: v.tolist() for k, v in arrow[2].items()} == {
        k: v.tolist() for k, v in python[2].items()}


@pytest.mark.parametrize(("ids", "numbered"), [
    (["S0000002", "S0000001", None, "S0000002"], True),  # through a table of the numbers
    (["abcdefghi", "bcdaghfie", "cdabihegf", "dabcfgieh"], True),  # 4**9 numbers: a sort
    (["".join("abcd"[(i + j) % 4] for j in range(32)) for i in range(4)], False),  # 4**32
    (["a", "ab"], False),  # two widths
])
def test_fixed_width_texts_are_numbered_from_their_bytes(ids, numbered):
    """Texts of one width get codes into their distinct texts, sorted by their bytes,
    whichever way the numbers are ranked; others are left to Arrow's hashing."""
    import pyarrow as pa

    from endpoints.inputs.text import _fixed_width_codes

    found = _fixed_width_codes(pa.array(ids))
    assert (found is not None) == numbered
    if numbered:
        codes, texts = found
        present = sorted({i for i in ids if i is not None})
        assert texts.tolist() == present
        assert codes.tolist() == [present.index(i) if i is not None else -1 for i in ids]


@pytest.mark.parametrize("spread", [50, 2**40, 2**62])  # a table; a packed sort; argsort
def test_keys_are_ordered_and_numbered_as_numpy_does(spread):
    """``stable_order`` is numpy's stable argsort and ``dense_ranks`` its ``unique``,
    whichever way they get there (a table over the range, a packed sort, the argsort)."""
    from endpoints.inputs.sorting import dense_ranks, stable_order

    rng = np.random.default_rng(spread % 97)
    keys = rng.choice(rng.integers(-spread, spread, 40), 300)
    assert stable_order(keys).tolist() == np.argsort(keys, kind="stable").tolist()
    distinct, positions = dense_ranks(keys)
    expected, inverse = np.unique(keys, return_inverse=True)
    assert distinct.tolist() == expected.tolist()
    assert positions.tolist() == inverse.ravel().tolist()


@pytest.mark.parametrize("seed", range(6))
def test_the_packed_sort_is_the_stable_subject_day_order(seed):
    """The (subject, day, row) key packed into one integer gives the order a stable
    two-key sort gives: subjects, then days (negative ones too), ties in row order, rows
    without a subject last; and so does each fallback (too wide to pack, invalid days)."""
    from endpoints.inputs.visits import _sort_order

    rng = np.random.default_rng(seed)
    rows = int(rng.integers(1, 400))
    code = rng.integers(-1, rng.integers(1, 50), rows)
    day = rng.integers(-30, 30, rows).astype(float)
    expected = np.lexsort((day, np.where(code >= 0, code, code.max() + 1)))
    assert _sort_order(code, day).tolist() == expected.tolist()
    wide = np.where(code >= 0, code * 2**50, code)  # too many bits to pack: argsort
    assert _sort_order(wide, day).tolist() == expected.tolist()
    day[0] = 0.5  # not a study day: the two-key sort
    assert _sort_order(code, day).tolist() == np.lexsort(
        (day, np.where(code >= 0, code, code.max() + 1))).tolist()


# --------------------------------------------------------------------------------------
# 4. Days (SPEC section 2)
# --------------------------------------------------------------------------------------


def test_timedelta_days_are_whole_days():
    visits = make_frame([{"subject_id": "s1", "day": d, "upcr": u, "egfr": 90.0}
                         for d, u in ((0, 3.0), (84, 0.4), (168, 0.3))])
    as_int = quiet_score(visits, "NCT03580291")
    as_timedelta = quiet_score(visits.assign(day=pd.to_timedelta(visits.day, unit="D")),
                               "NCT03580291")
    pd.testing.assert_frame_equal(as_int, as_timedelta)
    assert_result(pick(as_int, "complete_renal_response", "week 24"), True)


def test_a_fraction_of_a_day_is_an_error():
    visits = visits_of(days=(0, 84)).assign(day=pd.to_timedelta(["0 days", "84 days 6h"]))
    with pytest.raises(ep.InputError, match="whole number of days"):
        quiet_score(visits, MISLE)


@pytest.mark.parametrize("dates", [
    pd.to_datetime(["2024-01-01", "2024-03-25"]),
    pd.Series(["2024-01-01", "2024-03-25"], dtype=object),
])
def test_dates_are_refused_with_a_hint(dates):
    visits = visits_of(days=(0, 84)).assign(day=list(dates) if isinstance(dates, pd.Series)
                                            else dates)
    with pytest.raises(ep.InputError) as info:
        quiet_score(visits, MISLE)
    assert info.value.column == "day" and "date - reference date" in str(info.value)


@pytest.mark.parametrize(("column", "value"), [
    ("start_day", 2**31 + 5), ("end_day", 1e30), ("end_day", np.inf), ("start_day", np.inf),
    ("end_day", "day 40"), ("start_day", "yesterday"),
])
def test_medication_days_that_are_not_study_days_are_errors(column, value):
    meds = meds_of(rec("prednisone", 0, 40, 10.0), rec("prednisone", 0, None, 5.0,
                                                       subject="s2"))
    meds[column] = meds[column].astype(object)
    meds.loc[0, column] = value
    visits = pd.concat([visits_of(), visits_of("s2")])
    with pytest.raises(ep.InputError) as info:
        quiet_score(visits, MISLE, medications=meds)
    assert info.value.column == column
    assert "s1" in str(info.value)


# --------------------------------------------------------------------------------------
# 5. Duplicate and multi-level columns
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["subject_id", "dose", "drug"])
def test_medications_with_a_duplicate_column_are_an_error(column):
    meds = meds_of(rec("prednisone", 0, 40, 10.0))
    meds = pd.concat([meds, meds[[column]]], axis=1)
    with pytest.raises(ep.InputError) as info:
        quiet_score(visits_of(), MISLE, medications=meds)
    assert info.value.column == column and "more than once" in str(info.value)


@pytest.mark.parametrize("label", [np.nan, None])
def test_a_column_without_a_name_is_an_error(label):
    """A nameless column (NaN or None label) is a malformed table, on every path."""
    visits = visits_of()
    visits[label] = 1.0
    with pytest.raises(ep.InputError, match="has no name"):
        quiet_score(visits, MISLE)


def test_multi_level_column_labels_are_an_error():
    visits = visits_of()
    visits.columns = pd.MultiIndex.from_tuples([("id", "subject_id"), ("time", "day")])
    with pytest.raises(ep.InputError, match="flatten"):
        quiet_score(visits, MISLE)


# --------------------------------------------------------------------------------------
# 6. Units never declared: one plausibility warning, never a converted guess
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("column", "values", "unit"), [
    ("upcr", [170.0, 150.0, 40.0], "mg/mmol"),
    ("creatinine", [100.0, 95.0, 110.0], "umol/L"),
    ("serum_albumin", [32.0, 35.0, 38.0], "g/L"),
])
def test_values_implausible_in_their_unit_are_warned_about(column, values, unit):
    visits = visits_of(**{column: values})
    with pytest.warns(ep.EndpointsWarning, match=f"{column}.*{unit}"):
        out = quiet_score(visits, "NCT03580291")
    if column == "upcr":  # never converted on a guess
        assert_value(pick(out, "upcr_change", "week 24"), 40.0 - 170.0)


@pytest.mark.parametrize(("column", "limit"), [("upcr", 20.0), ("creatinine", 20.0),
                                              ("serum_albumin", 10.0),
                                              ("proteinuria_24h", 50.0)])
@pytest.mark.parametrize(("values", "warned"), [
    pytest.param([-0.01, -0.01, None, 0.0], False, id="below"),
    pytest.param([0.0, 0.0, None, -1.0], False, id="median-at-the-limit"),
    pytest.param([0.01, 0.01, None, 0.0], True, id="median-just-above"),
    pytest.param([-5.0, -5.0, None, 900.0], False, id="one-outlier-above"),
])
def test_plausibility_limit_is_on_the_median(column, limit, values, warned):
    """Offsets from the limit: at it no warning, just above one; the median decides, and
    missing values are left out of it."""
    given = [None if v is None else max(limit + v, 0.0) for v in values]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        ep.score(visits_of(days=(0, 28, 56, 84), **{column: given}), "NCT03580291")
    units = [w for w in seen if "implausible" in str(w.message)]
    assert len(units) == int(warned), [str(w.message) for w in units]


def test_a_column_of_missing_values_gives_no_unit_warning():
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        ep.score(visits_of(upcr=[None, None, None]), "NCT03580291")
    assert not [w for w in seen if "implausible" in str(w.message)]


def test_plausible_values_give_no_unit_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", ep.EndpointsWarning)
        warnings.filterwarnings("ignore", "columns not provided", ep.EndpointsWarning)
        ep.score(visits_of(upcr=[3.0, 1.0, 0.4], creatinine=1.1, serum_albumin=3.5),
                 "NCT03580291")


def test_declared_unit_converts_and_silences_the_warning():
    visits = visits_of(upcr=[339.36, 113.12, 45.248])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ep.EndpointsWarning)
        warnings.filterwarnings("ignore", "columns not provided", ep.EndpointsWarning)
        out = ep.score(visits, "NCT03580291", units={"upcr": "mg/mmol"})
    assert_value(pick(out, "upcr_change", "week 24"), 0.4 - 3.0)


# --------------------------------------------------------------------------------------
# 7. Summaries on tables score accepted
# --------------------------------------------------------------------------------------


def test_not_applicable_subjects_are_outside_every_denominator():
    """Two subjects on steroids (one responds, one does not), one not on steroids: the
    responder rate is 1/2 in both missing-data modes, not 1/3."""
    visits = pd.DataFrame({
        "subject_id": ["a", "a", "b", "b", "c", "c"], "day": [0, 168] * 3,
        "arm": "MSC", "prednisone": [20.0, 5.0, 20.0, 20.0, 0.0, 0.0],
        **{k: v for k, v in bilag(default="C").items()},
    })
    results = quiet_score(visits, VALLADOLID)
    for missing in ("non_responder", "observed"):
        s = ep.summarize(results, visits, missing=missing)
        row = s[(s.endpoint == "steroid_reduction") & (s.timepoint == "week 24")].iloc[0]
        assert (row.n, row.responders, row.not_applicable) == (2, 1, 1), missing
        assert row.proportion == 0.5
    cat = ep.summarize(results, visits)
    cat = cat[cat.endpoint == "steroid_reduction_category"]
    assert set(cat.n) == {2} and set(cat.not_applicable) == {1}


def test_summarize_reads_days_and_ids_as_score_does():
    visits = pd.DataFrame({"subject_id": [1.0, 1.0, 2.0, 2.0],
                           "day": pd.Series(["0", 168, 0, "168"], dtype=object),
                           "arm": ["MSC", "MSC", "Placebo", "Placebo"], "sledai": 4.0})
    results = quiet_score(visits, VALLADOLID)
    s = ep.summarize(results, visits)
    assert set(s.arm) == {"MSC", "Placebo"}
    both = visits.set_index("day", drop=False)  # day both an index level and a column
    pd.testing.assert_frame_equal(ep.summarize(results, both), s)


# --------------------------------------------------------------------------------------
# 8. Only the library's own errors, and every problem at once
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("visits", "kwargs", "column"), [
    (visits_of().assign(subject_id=[[1], [1], [2]]), {}, "subject_id"),
    (visits_of(), {"units": ["upcr", "mg/mmol"]}, "units="),
    (visits_of(), {"columns": "USUBJID"}, "columns="),
    (visits_of(), {"medications": meds_of(rec("prednisone", np.inf, None, 5.0))}, "start_day"),
    (visits_of(), {"medications": "meds.csv"}, "(medications table)"),
])
def test_bad_input_is_an_input_error_naming_what_is_wrong(visits, kwargs, column):
    before = copy.deepcopy(kwargs)
    with pytest.raises(ep.InputError) as info:
        quiet_score(visits, MISLE, **kwargs)
    assert info.value.column == column
    assert set(before) == set(kwargs)


def test_every_problem_is_listed_in_failures():
    visits = pd.DataFrame({"subject_id": ["a", "a", "b", None], "day": [0, 28, 0, 7],
                           "pga": [1.0, 3.5, 4.0, 1.0], "sledai": [-1.0, 4.0, 4.0, 4.0],
                           "bilag_renal": ["A", "F", "B", "C"]})
    with pytest.raises(ep.InputError) as info:
        quiet_score(visits, MSC_ROLE)
    failures = info.value.failures
    assert list(failures.columns) == ["column", "problem", "subject_id", "day", "count"]
    by_column = failures.set_index("column")
    assert set(by_column.index) == {"subject_id", "pga", "sledai", "bilag_renal"}
    assert by_column.loc["pga", "count"] == 2
    assert (by_column.loc["pga", "subject_id"], by_column.loc["pga", "day"]) == ("a", 28)
    assert str(info.value).startswith("column subject_id: missing subject ID (first at day 7)")


@pytest.mark.parametrize("event", [
    {"never": {"variable": "upcr", "op": "<", "value": 0.5}},
    {"criterion": {"variable": "upcr", "op": "<", "value": 0.5}, "timepoint": "week 24"},
    {"ever": {"variable": "upcr", "op": "<", "value": 0.5}},
])
@pytest.mark.parametrize("kind", ["time_to_event", "event"])
def test_per_subject_criteria_where_visits_are_read_are_refused_when_built(kind, event):
    definition = {
        "id": "BAD", "title": "bad", "timepoints": [{"label": "week 24", "day": 168}],
        "endpoints": [{"kind": kind, "name": "x", "timepoints": ["week 24"], "event": event}],
    }
    with pytest.raises(ep.DefinitionError, match="visit by visit"):
        ep.TrialDefinition.model_validate(definition)
    with pytest.raises(ep.DefinitionError):
        ep.TrialDefinition(**definition)


def test_categorical_columns_score_like_their_text():
    """Columns pandas holds as categoricals (as read from Parquet or Stata, or as the
    simulator gives BILAG grades) are encoded through their categories: unused
    categories add no subject, and float IDs read as categories keep their text form."""
    visits = ep.simulate("NCT03917797", n_per_arm=6, seed=2)
    plain = visits.assign(**{c: visits[c].astype(object) for c in visits.columns
                             if isinstance(visits[c].dtype, pd.CategoricalDtype)})
    ids = pd.Series(range(len(plain.subject_id.unique())), index=plain.subject_id.unique())
    plain["subject_id"] = plain.subject_id.map(ids).astype(float)  # 1.0 -> "1"
    coded = plain.copy()
    coded["subject_id"] = pd.Categorical(plain.subject_id, categories=[*ids.astype(float),
                                                                        999.0])
    for column in ("bilag_renal", "sex", "arm"):
        coded[column] = pd.Categorical(plain[column], categories=[
            *pd.unique(plain[column].dropna()), "unused"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ep.EndpointsWarning)
        expected, got = ep.score(plain, "NCT03917797"), ep.score(coded, "NCT03917797")
    pd.testing.assert_frame_equal(got, expected)
    assert "999" not in set(got.subject_id) and "1" in set(got.subject_id)
