"""Units of the canonical visit columns and the exact factors to convert into them.

Each entry maps a declared unit to the divisor that turns a value in that unit into
the canonical unit (the canonical unit itself has divisor 1). Dividing by the
published factor, rather than multiplying by its reciprocal, keeps conversions exact
in decimal terms (e.g. 56.56 mg/mmol / 113.12 = 0.5 mg/mg).
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
}

#: column -> {unit: divisor into the canonical unit}
UNIT_DIVISORS: dict[str, dict[str, float]] = {
    "upcr": {"mg/mg": 1.0, "g/g": 1.0, "mg/mmol": 113.12, "mg/g": 1000.0},
    "proteinuria_24h": {"g/24h": 1.0, "g/day": 1.0, "mg/24h": 1000.0, "mg/day": 1000.0},
    "egfr": {"mL/min/1.73m2": 1.0, "ml/min/1.73m2": 1.0},
    "creatinine": {"mg/dL": 1.0, "umol/L": 88.42, "µmol/L": 88.42},
    "serum_albumin": {"g/dL": 1.0, "g/L": 10.0},
    "prednisone": {"mg/day": 1.0, "mg": 1.0},
    "immunosuppressant_dose": {"mg/day": 1.0, "g/day": 0.001},
    "weight": {"kg": 1.0, "g": 1000.0, "lb": 1 / 0.45359237},
    "height": {"cm": 1.0, "m": 0.01},
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
