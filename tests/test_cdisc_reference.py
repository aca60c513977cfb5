"""Checks of the CDISC reference data: the default parameter map
(``data/cdisc_parameters.csv``) and the CDISC unit spellings of ``inputs/units.py``."""

from __future__ import annotations

import csv
import re
from importlib.resources import files

import pytest

from endpoints.inputs.units import CANONICAL_UNITS, UNIT_DIVISORS, unit_divisor
from endpoints.inputs.visits import FLAGS, NON_NEGATIVE

COLUMNS = ["code", "specimen", "column", "test", "nci_code", "source"]
#: LBSPEC values used in the map (CDISC SPECTYPE codelist C78734, CT 2025-03-28)
SPECIMENS = {
    "BLOOD", "SERUM", "PLASMA", "SERUM OR PLASMA", "SERUM OR PLASMA OR BLOOD", "URINE",
    "URINE SEDIMENT", "CEREBROSPINAL FLUID", "PERICARDIAL FLUID", "PERITONEAL FLUID",
    "PLEURAL FLUID", "SYNOVIAL FLUID", "DIALYSIS FLUID", "DIALYSIS FLUID, PERITONEAL",
}


def _rows() -> list[dict[str, str]]:
    path = files("endpoints") / "data" / "cdisc_parameters.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == COLUMNS
        return list(reader)


ROWS = _rows()
MAPPED = [row for row in ROWS if row["column"]]


def test_every_column_is_canonical():
    canonical = set(CANONICAL_UNITS) | set(FLAGS) | set(NON_NEGATIVE)
    assert {row["column"] for row in MAPPED} <= canonical


def test_the_map_covers_the_canonical_laboratory_and_vital_sign_columns():
    # ana has no LBTESTCD in CDISC CT (see data/README.md), so no row maps to it.
    assert {row["column"] for row in MAPPED} == {
        "creatinine", "serum_albumin", "upcr", "proteinuria_24h", "urine_rbc", "urine_wbc",
        "rbc_casts", "c3", "c4", "anti_dsdna", "egfr", "platelets", "wbc", "neutrophils",
        "lymphocytes", "hemoglobin", "weight", "height"}


def test_codes_are_cdisc_test_codes():
    for row in ROWS:
        assert re.fullmatch(r"[A-Z][A-Z0-9_]{0,7}", row["code"]), row
        assert re.fullmatch(r"C\d+", row["nci_code"]), row
        assert row["test"] and row["source"].startswith("CDISC SDTM CT 2025-03-28, "), row
        assert row["specimen"] == "" or row["specimen"] in SPECIMENS, row


def test_code_and_specimen_pairs_are_unique():
    pairs = [(row["code"], row["specimen"]) for row in ROWS]
    assert len(pairs) == len(set(pairs))


def test_a_code_has_one_nci_code_and_one_test_name():
    for code in {row["code"] for row in ROWS}:
        terms = {(row["nci_code"], row["test"]) for row in ROWS if row["code"] == code}
        assert len(terms) == 1, (code, terms)


def test_rows_left_out_name_their_specimen():
    """A row with an empty column leaves a body-fluid specimen of a blood test out
    (the reader's any-specimen row would otherwise take it)."""
    for row in ROWS:
        if not row["column"]:
            assert row["specimen"], row
            assert any(r["code"] == row["code"] and not r["specimen"] and r["column"]
                       for r in ROWS), row


@pytest.mark.parametrize(("code", "specimen", "column"), [
    ("WBC", "URINE", "urine_wbc"), ("WBC", "BLOOD", "wbc"), ("WBC", "", "wbc"),
    ("RBC", "URINE", "urine_rbc"), ("PROT", "URINE", "proteinuria_24h"),
    ("PROTCRT", "", "upcr"), ("CREAT", "SERUM", "creatinine"), ("CREAT", "URINE", ""),
    ("ALB", "URINE", ""), ("HGB", "URINE", ""), ("CSRBC", "", "rbc_casts"),
    ("DDNAIGAB", "", "anti_dsdna"), ("WEIGHT", "", "weight"), ("HEIGHT", "", "height"),
])
def test_specimen_decides(code, specimen, column):
    match = [row for row in ROWS if row["code"] == code and row["specimen"] == specimen]
    assert [row["column"] for row in match] == [column]


def test_no_any_specimen_row_for_codes_of_another_test_in_blood():
    """Blood RBC and serum total protein have no canonical column: only their urine
    rows map."""
    assert not [row for row in ROWS if row["code"] in ("RBC", "PROT") and not row["specimen"]]


def test_every_mapped_column_has_its_canonical_unit():
    for column in {row["column"] for row in MAPPED} - set(FLAGS):
        unit = CANONICAL_UNITS[column]
        assert UNIT_DIVISORS[column][unit] == 1.0, column
        assert unit_divisor(column, unit) == 1.0


def test_every_unit_table_has_a_canonical_unit():
    assert set(UNIT_DIVISORS) <= set(CANONICAL_UNITS)
    for column, table in UNIT_DIVISORS.items():
        assert all(divisor > 0 for divisor in table.values()), column
        lower = {}
        for unit, divisor in table.items():  # case-insensitive duplicates must agree
            assert lower.setdefault(unit.lower(), divisor) == divisor, (column, unit)


@pytest.mark.parametrize(("column", "unit"), [
    # submission values of the CDISC UNIT codelist (C71620)
    ("creatinine", "umol/L"), ("creatinine", "mg/dL"), ("serum_albumin", "g/L"),
    ("serum_albumin", "g/dL"), ("upcr", "g/g"), ("upcr", "g/mol"), ("upcr", "g/kg"),
    ("proteinuria_24h", "g/day"), ("proteinuria_24h", "mg/day"),
    ("egfr", "mL/min/1.73 m2"), ("urine_rbc", "/HPF"), ("urine_wbc", "/HPF"),
    ("c3", "g/L"), ("c4", "mg/dL"), ("anti_dsdna", "IU/mL"), ("ana", "titer"),
    ("platelets", "10^9/L"), ("wbc", "10^6/L"), ("neutrophils", "10^9/L"),
    ("lymphocytes", "10^9/L"), ("hemoglobin", "mmol/L"), ("hemoglobin", "g/dL"),
    ("weight", "kg"), ("weight", "LB"), ("height", "cm"), ("height", "in"),
])
def test_cdisc_unit_spellings_are_known(column, unit):
    assert unit_divisor(column, unit) is not None


@pytest.mark.parametrize(("column", "value", "unit", "expected"), [
    ("creatinine", 88.42, "umol/L", 1.0),
    ("upcr", 56.56, "mg/mmol", 0.5),
    ("upcr", 56.56, "g/mol", 0.5),
    ("upcr", 500.0, "g/kg", 0.5),
    ("proteinuria_24h", 1500.0, "mg/day", 1.5),
    ("serum_albumin", 35.0, "g/L", 3.5),
    ("platelets", 150.0, "10^3/uL", 150.0),
    ("platelets", 150000.0, "/uL", 150.0),
    ("wbc", 4500.0, "/mm3", 4.5),
    ("neutrophils", 2.5, "GI/L", 2.5),
    ("lymphocytes", 800.0, "10^6/L", 0.8),
    ("hemoglobin", 120.0, "g/L", 12.0),
    ("c3", 0.9, "g/L", 90.0),
    ("c4", 150.0, "mg/L", 15.0),
    ("anti_dsdna", 30.0, "kIU/L", 30.0),
    ("weight", 70.0, "kg", 70.0),
    ("height", 1.7, "m", 170.0),
])
def test_exact_conversions(column, value, unit, expected):
    assert value / unit_divisor(column, unit) == expected


@pytest.mark.parametrize(("column", "value", "unit", "expected"), [
    ("hemoglobin", 7.4472, "mmol/L", 12.0),  # 12 g/dL x 0.6206
    ("egfr", 1.5, "mL/s/1.73 m2", 90.0),
    ("height", 68.0, "in", 172.72),
    ("weight", 154.0, "lb", 69.85322498),
])
def test_conversions_by_published_factors(column, value, unit, expected):
    assert value / unit_divisor(column, unit) == pytest.approx(expected, rel=1e-9)
