"""Units of the canonical visit columns and the exact factors to convert into them.

Each entry maps a declared unit to the divisor that turns a value in that unit into
the canonical unit (the canonical unit itself has divisor 1). Dividing by the
published factor, rather than multiplying by its reciprocal, keeps conversions exact
in decimal terms (e.g. 56.56 mg/mmol / 113.12 = 0.5 mg/mg).

Besides the everyday spellings, every table lists the submission values of the CDISC
UNIT codelist (C71620, SDTM Controlled Terminology 2025-03-28) that mean a unit of the
column, because the CDISC readers convert ADaM ``AVALU`` and SDTM ``--STRESU`` with
:func:`unit_divisor`. Some CDISC spellings differ from the everyday ones: mg/mmol is
``g/mol`` (C73721), mg/g is ``g/kg`` (C69104), mg/mg is ``g/g`` (C70453), g/24h is
``g/day`` (C67372), mg/24h is ``mg/day`` (C67399), /uL and /mm3 are ``10^6/L`` (C67452),
10^3/uL is ``10^9/L`` (C67255) and the eGFR unit is ``mL/min/1.73 m2`` (C67412). See
``src/endpoints/data/README.md`` ("cdisc_parameters.csv").
"""

from __future__ import annotations

CANONICAL_UNITS: dict[str, str] = {
    "upcr": "mg/mg",
    "proteinuria_24h": "g/24h",
    "egfr": "mL/min/1.73m2",
    "creatinine": "mg/dL",
    "age": "years",
    "serum_albumin": "g/dL",
    "urine_rbc": "/hpf",
    "urine_wbc": "/hpf",
    "prednisone": "mg/day",
    "immunosuppressant_dose": "mg/day",
    "weight": "kg",
    "height": "cm",
    "c3": "mg/dL",
    "c4": "mg/dL",
    "anti_dsdna": "IU/mL",
    "ana": "titer",
    "platelets": "10^9/L",
    "wbc": "10^9/L",
    "neutrophils": "10^9/L",
    "lymphocytes": "10^9/L",
    "hemoglobin": "g/dL",
}

#: Cell counts (platelets, white cells, neutrophils, lymphocytes): 10^9/L, with the
#: spellings that mean the same (CDISC C67255 10^9/L and its synonyms 10^3/uL,
#: 10^3/mm3, GI/L, G/L; THOU/uL as in the CDISC pilot LBORRESU) and cells per
#: microlitre (CDISC C67452 10^6/L = /uL = /mm3: 1 x 10^9/L = 1000/uL).
_COUNTS: dict[str, float] = {
    "10^9/L": 1.0, "10^3/uL": 1.0, "10^3/mm3": 1.0, "GI/L": 1.0, "G/L": 1.0,
    "THOU/uL": 1.0, "10^6/L": 1000.0, "/uL": 1000.0, "/mm3": 1000.0,
}

#: column -> {unit: divisor into the canonical unit}
UNIT_DIVISORS: dict[str, dict[str, float]] = {
    # 113.12 = molar mass of creatinine (g/mol): 1 mmol creatinine weighs 113.12 mg.
    # CDISC spells mg/mmol "g/mol" (C73721) and mg/g "g/kg" (C69104).
    "upcr": {"mg/mg": 1.0, "g/g": 1.0, "mg/mmol": 113.12, "mg/g": 1000.0,
             "g/mol": 113.12, "g/kg": 1000.0},
    # CDISC g/day (C67372, synonym g/24h) and mg/day (C67399) are "per 24 hours".
    "proteinuria_24h": {"g/24h": 1.0, "g/day": 1.0, "mg/24h": 1000.0, "mg/day": 1000.0},
    # CDISC C67412 is spelled with a space; mL/s/1.73 m2 (C105505): 1 mL/s = 60 mL/min.
    "egfr": {"mL/min/1.73m2": 1.0, "ml/min/1.73m2": 1.0, "mL/min/1.73 m2": 1.0,
             "mL/s/1.73 m2": 1 / 60},
    # 88.42 umol/L per mg/dL as SPEC section 2 prescribes (the AMA SI table rounds to 88.4).
    # CDISC spells umol/L "umol/L" (C48508).
    "creatinine": {"mg/dL": 1.0, "umol/L": 88.42, "µmol/L": 88.42},
    "serum_albumin": {"g/dL": 1.0, "g/L": 10.0},
    # Urine sediment cells per high-power field: CDISC "/HPF" (C96619). Counts per uL
    # (automated urinalysis) cannot be turned into /HPF and are deliberately absent.
    "urine_rbc": {"/hpf": 1.0},
    "urine_wbc": {"/hpf": 1.0},
    "prednisone": {"mg/day": 1.0, "mg": 1.0},
    "immunosuppressant_dose": {"mg/day": 1.0, "g/day": 0.001},
    # The pound is 0.45359237 kg exactly (international yard and pound, 1959).
    "weight": {"kg": 1.0, "g": 1000.0, "lb": 1 / 0.45359237},
    # The inch is 2.54 cm exactly (international yard and pound, 1959).
    "height": {"cm": 1.0, "m": 0.01, "mm": 10.0, "in": 1 / 2.54},
    # Complement C3 and C4: mg/dL x 0.01 = g/L (JAMA/AMA SI conversion table), so g/L
    # values are divided by 0.01; 1 mg/dL = 10 mg/L.
    "c3": {"mg/dL": 1.0, "g/L": 0.01, "mg/L": 10.0},
    "c4": {"mg/dL": 1.0, "g/L": 0.01, "mg/L": 10.0},
    # CDISC IU/mL (C67377) has the synonym kIU/L. Assay-specific U/mL is not IU/mL.
    "anti_dsdna": {"IU/mL": 1.0, "kIU/L": 1.0},
    # Reciprocal titre (1:160 -> 160); CDISC "titer" (C67454), synonym Titre.
    "ana": {"titer": 1.0, "titre": 1.0},
    "platelets": dict(_COUNTS),
    "wbc": dict(_COUNTS),
    "neutrophils": dict(_COUNTS),
    "lymphocytes": dict(_COUNTS),
    # 1 g/dL = 10 g/L = 0.6206 mmol/L, mmol of the haemoglobin monomer (one haem; CDISC HGB
    # C64848 has the synonym "Hemoglobin Monomer"): the factor of Kratz et al., N Engl J
    # Med 2004;351:1548-63 (as quoted by medicalalgorithms.com, "Hemoglobin unit
    # conversion") and the one in the CDISC pilot LB data (pharmaversesdtm lb, HGB g/dL ->
    # mmol/L: LBSTRESN / LBORRES = 0.6206 in all 1809 records). The tetramer factor 0.155
    # is not used.
    "hemoglobin": {"g/dL": 1.0, "g/L": 10.0, "mmol/L": 0.6206},
}


def unit_divisor(column: str, unit: str) -> float | None:
    """Return the divisor converting `unit` into the canonical unit of `column`.

    Unit names match case-insensitively. Returns ``None`` when the unit (or the
    column) is unknown.

    Examples
    --------
    >>> unit_divisor("upcr", "mg/mmol")
    113.12
    >>> unit_divisor("creatinine", "furlongs") is None
    True
    """
    table = {u.lower(): d for u, d in UNIT_DIVISORS.get(column, {}).items()}
    return table.get(unit.strip().lower())


#: column -> (highest plausible median in the canonical unit, the unit such values
#: suggest): a median above it means the values are probably in another unit (SPEC
#: section 2's plausibility rule). Values are never converted on this guess.
PLAUSIBLE_MEDIAN: dict[str, tuple[float, str]] = {
    "upcr": (20.0, "mg/mmol"),
    "creatinine": (20.0, "umol/L"),
    "serum_albumin": (10.0, "g/L"),
    "proteinuria_24h": (50.0, "mg/24h"),
}


def implausible(column: str, values) -> str | None:
    """A warning text when the median of `values` (canonical unit) is implausible.

    Examples
    --------
    >>> implausible("upcr", [150.0, 170.0, 190.0])
    "column upcr: median 170 is implausible in mg/mg; values look like mg/mmol: declare \
units={'upcr': 'mg/mmol'}"
    >>> implausible("upcr", [0.5, 1.7]) is None
    True
    """
    import numpy as np

    limit = PLAUSIBLE_MEDIAN.get(column)
    if limit is None:
        return None
    values = np.asarray(values, dtype=float)
    # The median is above the limit when more than half of the values are; it is below
    # when fewer than half are. Only a tie (an even count, half above) needs the median.
    n = len(values) - int(np.count_nonzero(np.isnan(values)))
    above = 2 * int(np.count_nonzero(values > limit[0]))
    if not n or above < n:
        return None
    with np.errstate(over="ignore"):  # the mean of two values near 1e308 is infinite
        median = float(np.nanmedian(values))
    if median <= limit[0]:
        return None
    return (f"column {column}: median {median:g} is implausible in {CANONICAL_UNITS[column]}; "
            f"values look like {limit[1]}: declare units={{{column!r}: {limit[1]!r}}}")
