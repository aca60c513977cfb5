"""SLEDAI-2K from its 24 descriptors (SPEC section 8): the weights, the total, the
clinical SLEDAI, the accepted input forms and errors, and ``score`` computing ``sledai``
for a visit table that has the descriptors but no total."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import endpoints as ep
from endpoints import derived
from endpoints.clinical import (
    CLINICAL_SLEDAI_ITEMS,
    SEROLOGY_ITEMS,
    SLEDAI_2K_ITEMS,
    compute_clinical_sledai,
    compute_sledai_2k,
    sledai_2k_descriptors,
)
from endpoints.clinical.sledai import total_points

#: SPEC section 8, written out again here: column -> weight, in this order
SPEC = [
    ("sledai_seizure", 8), ("sledai_psychosis", 8), ("sledai_organic_brain_syndrome", 8),
    ("sledai_visual_disturbance", 8), ("sledai_cranial_nerve", 8),
    ("sledai_lupus_headache", 8), ("sledai_cva", 8), ("sledai_vasculitis", 8),
    ("sledai_arthritis", 4), ("sledai_myositis", 4), ("sledai_urinary_casts", 4),
    ("sledai_hematuria", 4), ("sledai_proteinuria", 4), ("sledai_pyuria", 4),
    ("sledai_rash", 2), ("sledai_alopecia", 2), ("sledai_mucosal_ulcers", 2),
    ("sledai_pleurisy", 2), ("sledai_pericarditis", 2), ("sledai_low_complement", 2),
    ("sledai_increased_dna_binding", 2), ("sledai_fever", 1), ("sledai_thrombocytopenia", 1),
    ("sledai_leukopenia", 1),
]
COLUMNS = [name for name, _ in SPEC]
NONE = dict.fromkeys(COLUMNS, False)


def frame(*rows: dict) -> pd.DataFrame:
    """Rows of descriptors: each row's given items over all-absent ones."""
    return pd.DataFrame([{**NONE, **row} for row in rows])


def reference_total(row: dict) -> float:
    """The total of one row, written out with plain Python."""
    if any(row[name] is None or (isinstance(row[name], float) and np.isnan(row[name]))
           for name in COLUMNS):
        return np.nan
    return float(sum(weight for name, weight in SPEC if row[name]))


# --------------------------------------------------------------------------------------
# The descriptors and their weights
# --------------------------------------------------------------------------------------


def test_items_are_the_spec_weights_in_the_spec_order() -> None:
    assert list(SLEDAI_2K_ITEMS.items()) == SPEC
    assert sum(SLEDAI_2K_ITEMS.values()) == 105


def test_top_level_exports() -> None:
    if not hasattr(ep, "compute_sledai_2k"):
        pytest.skip("ep.SLEDAI_2K_ITEMS / ep.compute_sledai_2k not yet exported from "
                    "endpoints/__init__.py")
    assert ep.SLEDAI_2K_ITEMS == dict(SPEC)
    assert ep.compute_sledai_2k is compute_sledai_2k


def test_clinical_items_drop_exactly_the_two_serological_descriptors() -> None:
    assert SEROLOGY_ITEMS == ("sledai_low_complement", "sledai_increased_dna_binding")
    assert list(CLINICAL_SLEDAI_ITEMS) == [c for c in COLUMNS if c not in SEROLOGY_ITEMS]
    assert sum(CLINICAL_SLEDAI_ITEMS.values()) == 101


def test_the_data_file_agrees_with_the_weights() -> None:
    table = sledai_2k_descriptors()
    assert list(table.columns) == ["column", "weight", "descriptor", "definition",
                                   "selena_sledai", "note", "source"]
    assert list(zip(table.column, table.weight, strict=True)) == SPEC
    assert (table.definition.str.len() > 0).all() and (table.source.str.len() > 0).all()
    proteinuria = table.set_index("column").loc["sledai_proteinuria"]
    assert proteinuria.definition == ">0.5 gram/24 hours."
    assert "New onset or recent increase" in proteinuria.selena_sledai
    table.loc[0, "weight"] = 99  # a copy: the module's table is unchanged
    assert sledai_2k_descriptors().weight.iloc[0] == 8


def test_editing_the_exported_dict_changes_no_score() -> None:
    items = frame({"sledai_seizure": True})
    saved = dict(SLEDAI_2K_ITEMS)
    try:
        SLEDAI_2K_ITEMS["sledai_seizure"] = 100
        assert compute_sledai_2k(items).tolist() == [8]
    finally:
        SLEDAI_2K_ITEMS.clear()
        SLEDAI_2K_ITEMS.update(saved)


# --------------------------------------------------------------------------------------
# Worked examples
# --------------------------------------------------------------------------------------


def test_worked_examples() -> None:
    items = frame(
        {},                                                       # nothing present: 0
        dict.fromkeys(COLUMNS, True),                             # everything: 105
        {"sledai_arthritis": True, "sledai_proteinuria": True,    # 4 + 4 + 2 + 2
         "sledai_low_complement": True, "sledai_increased_dna_binding": True},
        {"sledai_seizure": True, "sledai_fever": True},           # 8 + 1
        {"sledai_rash": True, "sledai_leukopenia": None},         # a missing item
    )
    total = compute_sledai_2k(items)
    assert str(total.dtype) == "Int64" and total.name == "sledai"
    assert total.iloc[:4].tolist() == [0, 105, 12, 9]
    assert total.iloc[4] is pd.NA


def test_each_descriptor_alone_scores_its_weight() -> None:
    items = frame(*({name: True} for name in COLUMNS))
    assert compute_sledai_2k(items).tolist() == [w for _, w in SPEC]


def test_the_result_keeps_the_frame_index_and_ignores_other_columns() -> None:
    items = frame({"sledai_cva": True}, {}).set_axis(["v1", "v2"]).assign(upcr=[1.0, 2.0])
    total = compute_sledai_2k(items)
    assert total.index.tolist() == ["v1", "v2"] and total.tolist() == [8, 0]
    assert compute_sledai_2k(frame({}).iloc[:0]).tolist() == []


def test_random_tables_against_a_row_by_row_reference() -> None:
    rng = np.random.default_rng(2002)
    values = rng.choice([0.0, 1.0, np.nan], p=[0.6, 0.38, 0.02], size=(500, 24))
    items = pd.DataFrame(values, columns=COLUMNS)
    expected = [reference_total(row) for row in items.to_dict("records")]
    got = compute_sledai_2k(items).to_numpy(dtype=float, na_value=np.nan)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(total_points(values.T), expected)


# --------------------------------------------------------------------------------------
# Input forms
# --------------------------------------------------------------------------------------

ARTHRITIS_AND_RASH = [True, False, True]  # three rows: arthritis + rash, nothing, both


@pytest.mark.parametrize(("present", "absent"), [
    (True, False),
    (1, 0),
    (1.0, 0.0),
    ("Y", "N"),
    ("y", "n"),
    ("yes", "no"),
    ("Yes", "No"),
    ("TRUE", "FALSE"),
    ("true", "false"),
    ("1", "0"),
    (" Y ", " N "),
])
def test_every_boolean_form_is_read(present, absent) -> None:
    items = pd.DataFrame({name: [present if (name in ("sledai_arthritis", "sledai_rash")
                                             and flag) else absent
                                 for flag in ARTHRITIS_AND_RASH] for name in COLUMNS})
    assert compute_sledai_2k(items).tolist() == [6, 0, 6]


@pytest.mark.parametrize("dtype", ["bool", "boolean", "int64", "Int8", "float64", "Float64",
                                   "category", "string", "object"])
def test_every_column_dtype_is_read(dtype) -> None:
    items = frame({"sledai_arthritis": True}, {}).astype(int)
    if dtype in ("string", "object"):
        items = items.replace({1: "Y", 0: "N"})
    assert compute_sledai_2k(items.astype(dtype)).tolist() == [4, 0]


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA, "", "   "])
def test_missing_values_give_na(missing) -> None:
    items = frame({"sledai_cva": True}, {}).astype(object)
    items.loc[1, "sledai_pyuria"] = missing
    total = compute_sledai_2k(items)
    assert total.iloc[0] == 8 and total.iloc[1] is pd.NA


def test_nullable_booleans_with_missing_values() -> None:
    items = frame({"sledai_cva": True}, {}).astype("boolean")
    items.loc[1, "sledai_fever"] = pd.NA
    assert compute_sledai_2k(items).tolist() == [8, pd.NA]


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [2, -1, 0.5, "maybe", "positive", float("inf"), [1]])
def test_values_that_are_not_booleans_are_errors(bad) -> None:
    items = frame({}, {}, {}).astype(object)
    items.loc[1:, "sledai_myositis"] = [bad, bad]
    with pytest.raises(ep.InputError, match="sledai_myositis: expected a boolean") as err:
        compute_sledai_2k(items)
    failures = err.value.failures
    assert failures.column.tolist() == ["sledai_myositis"]
    assert failures["count"].tolist() == [2]


def test_every_bad_column_is_listed_with_its_first_row() -> None:
    items = frame({}, {}).astype(object)
    items["sledai_rash"] = ["Y", "sometimes"]
    items["sledai_fever"] = [3, 3]
    with pytest.raises(ep.InputError) as err:
        compute_sledai_2k(items)
    failures = err.value.failures
    assert failures.column.tolist() == ["sledai_rash", "sledai_fever"]
    assert "'sometimes' (first at row 1)" in failures.problem.iloc[0]
    # a visit table locates the row by subject and day
    located = items.assign(subject_id=["s1", "s2"], day=[0, 28])
    with pytest.raises(ep.InputError, match="first at subject s2, day 28"):
        compute_sledai_2k(located)


def test_missing_columns_are_all_listed() -> None:
    dropped = ["sledai_cva", "sledai_pleurisy", "sledai_leukopenia"]
    items = frame({}).drop(columns=dropped).assign(sledai_rash="maybe")
    with pytest.raises(ep.InputError) as err:
        compute_sledai_2k(items)
    message = str(err.value)
    assert "3 missing: sledai_cva, sledai_pleurisy, sledai_leukopenia" in message
    assert err.value.failures.column.tolist() == [*dropped, "sledai_rash"]  # one error


def test_the_clinical_sledai_needs_only_the_clinical_columns() -> None:
    items = frame({"sledai_rash": True}).drop(columns=list(SEROLOGY_ITEMS))
    assert compute_clinical_sledai(items).tolist() == [2]
    with pytest.raises(ep.InputError, match="sledai_low_complement"):
        compute_sledai_2k(items)


@pytest.mark.parametrize("given", [None, [1, 2], pd.Series([True]), "frame"])
def test_a_table_must_be_a_dataframe(given) -> None:
    with pytest.raises(ep.InputError, match="expected a pandas DataFrame"):
        compute_sledai_2k(given)


def test_duplicated_descriptor_columns_are_errors() -> None:
    items = pd.concat([frame({}), frame({})[["sledai_cva"]]], axis=1)
    with pytest.raises(ep.InputError, match="sledai_cva: column appears more than once"):
        compute_sledai_2k(items)


# --------------------------------------------------------------------------------------
# Variants: SLEDAI-2K and SELENA-SLEDAI sum the same weights
# --------------------------------------------------------------------------------------


def test_the_selena_variant_has_the_same_arithmetic() -> None:
    rng = np.random.default_rng(2005)
    items = pd.DataFrame(rng.random((50, 24)) < 0.3, columns=COLUMNS)
    two_k = compute_sledai_2k(items)
    pd.testing.assert_series_equal(compute_sledai_2k(items, variant="selena"), two_k)
    pd.testing.assert_series_equal(compute_sledai_2k(items, variant="SELENA"), two_k)
    pd.testing.assert_series_equal(compute_clinical_sledai(items, variant="selena"),
                                   compute_clinical_sledai(items))


@pytest.mark.parametrize("variant", ["sledai", "2000", "", None, 2])
def test_unknown_variants_are_errors(variant) -> None:
    with pytest.raises(ep.InputError, match="variant="):
        compute_sledai_2k(frame({}), variant=variant)


# --------------------------------------------------------------------------------------
# Clinical SLEDAI (DORIS 2021)
# --------------------------------------------------------------------------------------


def test_the_clinical_sledai_drops_exactly_the_serological_points() -> None:
    rng = np.random.default_rng(2021)
    items = pd.DataFrame(rng.random((200, 24)) < 0.3, columns=COLUMNS)
    serology = (2 * items.sledai_low_complement + 2 * items.sledai_increased_dna_binding)
    clinical = compute_clinical_sledai(items)
    assert clinical.name == "clinical_sledai" and str(clinical.dtype) == "Int64"
    assert (compute_sledai_2k(items) - clinical).tolist() == serology.tolist()
    only_serology = frame({"sledai_low_complement": True,
                           "sledai_increased_dna_binding": True})
    assert compute_clinical_sledai(only_serology).tolist() == [0]
    assert compute_sledai_2k(only_serology).tolist() == [4]
    assert compute_clinical_sledai(frame(dict.fromkeys(COLUMNS, True))).tolist() == [101]


def test_a_missing_serological_item_does_not_hide_the_clinical_sledai() -> None:
    items = frame({"sledai_arthritis": True, "sledai_low_complement": None})
    assert compute_sledai_2k(items).tolist() == [pd.NA]
    assert compute_clinical_sledai(items).tolist() == [4]


# --------------------------------------------------------------------------------------
# The derived variables and score
# --------------------------------------------------------------------------------------


def test_the_derived_methods() -> None:
    assert derived.DEFAULTS["sledai"] == "sledai_2k"
    assert derived.DEFAULTS["clinical_sledai"] == "sledai_2k"
    method = derived.METHODS["sledai"]["sledai_2k"]
    assert method.inputs == tuple(COLUMNS)
    clinical = derived.METHODS["clinical_sledai"]["sledai_2k"]
    assert clinical.inputs == tuple(CLINICAL_SLEDAI_ITEMS)
    flags = [np.array([1.0, 0.0, 1.0]) for _ in COLUMNS]
    flags[3] = np.array([1.0, 0.0, np.nan])
    np.testing.assert_array_equal(method.compute(*flags), [105.0, 0.0, np.nan])
    np.testing.assert_array_equal(
        clinical.compute(*(f for c, f in zip(COLUMNS, flags, strict=True)
                           if c not in SEROLOGY_ITEMS)), [101.0, 0.0, np.nan])


def test_a_trial_may_name_the_method() -> None:
    data = ep.get_trial("NCT03917797").model_dump(mode="json")
    named = ep.TrialDefinition.model_validate(
        {**data, "derived": {"sledai": "sledai_2k", "clinical_sledai": "sledai_2k"}})
    assert named.derived == {"sledai": "sledai_2k", "clinical_sledai": "sledai_2k"}
    with pytest.raises(ep.DefinitionError, match="unknown method 'selena' for sledai"):
        ep.TrialDefinition.model_validate({**data, "derived": {"sledai": "selena"}})


#: NCT03917797 (MSC-ROLE): SLEDAI change at month 12, SELENA flares against the previous
#: assessment. Items by subject and day; unnamed items are absent.
VISITS = {
    # s1: arthritis + proteinuria + low complement + DNA binding (12) at baseline, then 4
    # at week 4 (arthritis), then 0 at month 12: change -12, no flare
    ("s1", -14): {"sledai_arthritis": True},
    ("s1", 0): {"sledai_arthritis": True, "sledai_proteinuria": True,
                "sledai_low_complement": True, "sledai_increased_dna_binding": True},
    ("s1", 28): {"sledai_arthritis": True},
    ("s1", 365): {},
    # s2: 2 at baseline (rash), 2 + 4 + 8 = 14 at week 12 (rash, hematuria, vasculitis):
    # a severe flare; 5 at month 12 (pyuria, fever): change +3
    ("s2", 0): {"sledai_rash": "Y"},
    ("s2", 84): {"sledai_rash": "Y", "sledai_hematuria": "Y", "sledai_vasculitis": "Y"},
    ("s2", 365): {"sledai_pyuria": "Y", "sledai_fever": "Y"},
    # s3: 1 at baseline, +3 (alopecia, leukopenia) at week 8: a mild/moderate flare; one
    # descriptor missing at month 12: the total, and the change, are unknown
    ("s3", 0): {"sledai_thrombocytopenia": 1},
    ("s3", 56): {"sledai_thrombocytopenia": 1, "sledai_alopecia": 1, "sledai_leukopenia": 1},
    ("s3", 365): {"sledai_myositis": None},
}


def visit_table() -> pd.DataFrame:
    rows = [{"subject_id": s, "day": d, **NONE, **items} for (s, d), items in VISITS.items()]
    return pd.DataFrame(rows).astype({c: object for c in COLUMNS})


SLEDAI_ENDPOINTS = ["sledai_change", "flare_any", "flare_mild_moderate", "flare_severe"]


def score(visits: pd.DataFrame) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ep.EndpointsWarning)  # the trial's other columns
        out = ep.score(visits, "NCT03917797")
    return out[out.endpoint.isin(SLEDAI_ENDPOINTS)].reset_index(drop=True)


def test_score_computes_sledai_from_the_descriptors() -> None:
    visits = visit_table()
    computed = score(visits)
    with_total = score(visits.assign(sledai=compute_sledai_2k(visits)))
    pd.testing.assert_frame_equal(computed, with_total)
    value = computed.set_index(["subject_id", "endpoint"]).value
    assert value["s1", "sledai_change"] == -12
    assert value["s2", "sledai_change"] == 3
    assert pd.isna(value["s3", "sledai_change"])
    result = computed.set_index(["subject_id", "endpoint"]).result
    assert result["s1", "flare_any"] == False  # noqa: E712
    assert result["s2", "flare_severe"] == True  # noqa: E712
    assert result["s3", "flare_mild_moderate"] == True  # noqa: E712
    assert not computed.reason.str.contains("not provided").any()


def test_the_descriptors_alone_equal_the_total_alone() -> None:
    visits = visit_table()
    total_only = visits[["subject_id", "day"]].assign(sledai=compute_sledai_2k(visits))
    pd.testing.assert_frame_equal(score(visits), score(total_only))


def test_a_supplied_total_is_used_as_it_is() -> None:
    visits = visit_table().assign(sledai=0.0)  # disagrees with the descriptors
    out = score(visits).set_index(["subject_id", "endpoint"])
    assert out.value["s1", "sledai_change"] == 0
    assert out.result["s2", "flare_any"] == False  # noqa: E712


def test_without_every_descriptor_the_total_is_not_provided() -> None:
    visits = visit_table().drop(columns="sledai_cva")
    with pytest.warns(ep.EndpointsWarning, match="columns not provided"):
        out = ep.score(visits, "NCT03917797")
    change = out[out.endpoint == "sledai_change"]
    assert change.result.isna().all() and change.value.isna().all()
    assert change.reason.str.contains("column sledai not provided").all()


def test_bad_descriptor_values_in_a_visit_table_are_errors() -> None:
    visits = visit_table()
    visits.loc[visits.index[-1], "sledai_fever"] = "maybe"
    with pytest.raises(ep.InputError, match="sledai_fever: expected a boolean"):
        ep.score(visits, "NCT03917797")
