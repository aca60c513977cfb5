"""CTCAE grades of laboratory values (SPEC section 6).

The criteria are data, not code: ``endpoints/data/ctcae_criteria.csv`` holds one row per
CTCAE version x term x grade x criterion, with the published text of the grade quoted and
the bounds written as small expressions (``75``, ``lln``, ``1.5*uln``, ``3*baseline``).
This module only reads that table and applies it; ``endpoints/data/README.md`` gives the
sources (the NCI CTCAE v4.03 and v5.0 tables, and pharmaverse admiral's grading metadata)
and every place where a grade cannot be computed from a value.

How a grade is read from the rows of a term:

- A criterion holds when all its bounds hold; a bound that refers to a limit (LLN, ULN or
  baseline) that is missing is unknown. Criteria are combined with Kleene logic (SPEC
  section 3): one bound known to fail makes the criterion fail, whatever the others.
- The grade is the highest grade of the criteria that hold (grade 0 is the normal range).
  It is known only when no criterion of a *higher* grade is unknown; otherwise it is
  ``<NA>``. So a platelet count of 20 x 10^9/L is grade 4 whatever the LLN, while a
  count of 100 with no LLN is ``<NA>`` (grade 0 or 1).
- A missing value is ``<NA>``, and so is a value that no row places (v4.03 proteinuria
  between 3.4 and 3.5 g/24 hrs, which its text leaves out): never a silent 0.
- Thresholds are ``factor x limit``; both sides are rounded to 9 decimal places before
  they are compared (SPEC section 3), so 1.05 is exactly 1.5 x 0.7.
"""

from __future__ import annotations

import decimal
import functools
import numbers
import operator
import re
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from .decimals import errstate, rounded
from .errors import InputError

#: The CTCAE versions of the criteria table.
VERSIONS: tuple[str, ...] = ("4.03", "5.0")

#: The reference limits a bound can refer to, by their argument names.
LIMITS: tuple[str, ...] = ("lln", "uln", "baseline")

_OPERATORS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
_LOWER = (">", ">=")
_UPPER = ("<", "<=")
_EXPRESSION = re.compile(
    r"^(?:(?P<factor>\d+(?:\.\d+)?)(?:\*(?P<limit>lln|uln|baseline))?"
    r"|(?P<bare>lln|uln|baseline))$")
_FILE = "ctcae_criteria.csv"


@dataclass(frozen=True)
class Bound:
    """One side of a criterion: ``value <op> factor`` or ``value <op> factor x limit``."""

    op: str
    factor: float
    limit: str | None


@dataclass(frozen=True)
class Criterion:
    """A computable criterion of a grade: all its bounds must hold."""

    grade: int
    name: str
    bounds: tuple[Bound, ...]
    text: str


@dataclass(frozen=True)
class Term:
    """The computable criteria of one CTCAE term in one version."""

    version: str
    key: str
    term: str
    column: str
    unit: str
    criteria: tuple[Criterion, ...]


def _bound(op: str, expression: str, where: str) -> Bound:
    match = _EXPRESSION.match(expression)
    if match is None:
        raise ValueError(f"{_FILE}, {where}: bad bound expression {expression!r}")
    if match["bare"]:
        return Bound(op, 1.0, match["bare"])
    return Bound(op, float(match["factor"]), match["limit"])


@functools.cache
def criteria_table() -> pd.DataFrame:
    """The criteria table ``endpoints/data/ctcae_criteria.csv`` as text (read once).

    Examples
    --------
    >>> table = criteria_table()
    >>> row = table[(table.version == "4.03") & (table.key == "platelets")
    ...             & (table.grade == "2")].iloc[0]
    >>> row.lower_op, row.lower, row.upper_op, row.upper
    ('>=', '50', '<', '75')
    >>> row.ctcae_text
    '<75,000 - 50,000/mm3; <75.0 - 50.0 x 10e9 /L'
    """
    with resources.files("endpoints.data").joinpath(_FILE).open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


@functools.cache
def _terms() -> dict[tuple[str, str], Term]:
    """The computable rows of the table by (version, key), checked as they are read."""
    table = criteria_table()
    terms: dict[tuple[str, str], Term] = {}
    for (version, key), rows in table.groupby(["version", "key"], sort=False):
        found = []
        for row in rows.itertuples(index=False):
            where = f"version {version}, {key}, grade {row.grade} ({row.criterion})"
            if row.computable == "no":
                continue
            if row.computable != "yes":
                raise ValueError(f"{_FILE}, {where}: computable must be yes or no")
            bounds = []
            for op, expression, allowed in ((row.lower_op, row.lower, _LOWER),
                                            (row.upper_op, row.upper, _UPPER)):
                if not op and not expression:
                    continue
                if op not in allowed:
                    raise ValueError(f"{_FILE}, {where}: bad operator {op!r}")
                bounds.append(_bound(op, expression, where))
            if not bounds:
                raise ValueError(f"{_FILE}, {where}: a computable row needs a bound")
            found.append(Criterion(int(row.grade), row.criterion, tuple(bounds),
                                   row.criterion_text))
        first = rows.iloc[0]
        terms[(version, key)] = Term(version, key, first.term, first.column, first.unit,
                                     tuple(found))
    return terms


def _name(text: str) -> str:
    return " ".join(str(text).split()).lower()


@functools.cache
def _names() -> dict[str, str]:
    """Accepted names of a test -> its key: the key, the CTCAE term and the column."""
    names: dict[str, str] = {}
    for term in _terms().values():
        for name in (term.key, term.term, term.column):
            names[_name(name)] = term.key
    return names


def _version(version) -> str:
    text = _name(version).removeprefix("v")
    if text not in VERSIONS or isinstance(version, bool):
        raise InputError("version=", f"unknown CTCAE version {version!r}; known: "
                                     f"{', '.join(VERSIONS)}")
    return text


def _key(test) -> str:
    key = _names().get(_name(test)) if isinstance(test, str) else None
    if key is None:
        keys = sorted({term.key for term in _terms().values()})
        raise InputError("test=", f"unknown test {test!r}; known: {', '.join(keys)} (or the "
                                  "CTCAE term, e.g. 'Platelet count decreased', or the "
                                  "canonical column, e.g. 'hemoglobin')")
    return key


def _number(item) -> float | None:
    """One object as a float (NaN when missing); None when it is not a number."""
    if item is pd.NaT:
        return None
    if item is None or item is pd.NA:
        return np.nan
    if isinstance(item, bool | np.bool_ | complex | np.complexfloating):
        return None
    if isinstance(item, numbers.Real | decimal.Decimal):
        return float(item)
    if isinstance(item, str):
        text = item.strip()
        if not text:
            return np.nan
        try:
            return float(text)
        except ValueError:
            return None
    return None


def _ndim(data) -> int:
    """Dimensions of `data`; a ragged list counts as one-dimensional (its items are then
    found not to be numbers)."""
    try:
        return np.ndim(data)
    except ValueError:
        return 1


def _floats(data, name: str) -> np.ndarray:
    """`data` (1-D) as float64 with NaN where missing; non-numbers, infinite and negative
    values are an :class:`InputError` naming `name`."""
    series = data if isinstance(data, pd.Series) else pd.Series(
        data if isinstance(data, np.ndarray) else list(data))
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        raise InputError(name, "expected numbers, got booleans")
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
    elif pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        raw = series.to_numpy(dtype=object)
        parsed = [_number(item) for item in raw]
        bad = [position for position, item in enumerate(parsed) if item is None]
        if bad:
            raise InputError(name, f"not numeric: {raw[bad[0]]!r} (first at position "
                                   f"{bad[0]})", count=len(bad))
        values = np.array(parsed, dtype="float64")
    else:
        raise InputError(name, f"expected numbers, got {dtype} values")
    for problem, where in (("infinite value", np.isinf(values)),
                           ("negative value", values < 0)):
        if where.any():
            first = int(np.flatnonzero(where)[0])
            raise InputError(name, f"{problem} {float(values[first])!r} (first at position "
                                   f"{first})",
                             count=int(where.sum()))
    return values


def _limit(data, name: str, values) -> np.ndarray:
    """A limit argument as float64 aligned with `values` (NaN where missing)."""
    n = len(values)
    if data is None:
        return np.full(n, np.nan)
    if isinstance(data, pd.DataFrame) or _ndim(data) > 1:
        raise InputError(f"{name}=", "must be a scalar or one-dimensional")
    if _ndim(data) == 0:
        limit = _floats([data], f"{name}=")
        limit = np.full(n, limit[0])
    else:
        if len(data) != n:
            raise InputError(f"{name}=", f"has {len(data)} values; values has {n}")
        if (isinstance(data, pd.Series) and isinstance(values, pd.Series)
                and not data.index.equals(values.index)):
            raise InputError(f"{name}=", "is a Series whose index differs from the index "
                                         "of values")
        limit = _floats(data, f"{name}=")
    if (limit == 0).any():
        raise InputError(f"{name}=", "must be positive (a limit of 0 was given)",
                         count=int((limit == 0).sum()))
    return limit


def compute_ctcae_grade(values, test: str, *, uln=None, lln=None, baseline=None,
                        version: str = "4.03") -> pd.Series:
    """Grade laboratory values by the CTCAE (v4.03 or v5.0) laboratory criteria.

    Parameters
    ----------
    values : array-like or pandas.Series
        Laboratory values in the canonical units of this package (SPEC section 2):
        platelets, white cells, neutrophils and lymphocytes in 10^9/L; haemoglobin and
        serum albumin in g/dL; creatinine in mg/dL; proteinuria as the 24-hour urine
        protein in g/24h (column ``proteinuria_24h``). Missing values (None, NaN,
        ``pd.NA``, blank text) are allowed; text of numbers is read as numbers.
    test : str
        Which CTCAE term to grade, case-insensitively: the short key, the CTCAE term or
        the canonical column of its values:

        ===================  ==============================  ===================
        key                  CTCAE term                      column
        ===================  ==============================  ===================
        ``platelets``        Platelet count decreased        ``platelets``
        ``wbc``              White blood cell decreased      ``wbc``
        ``neutrophils``      Neutrophil count decreased      ``neutrophils``
        ``lymphocytes``      Lymphocyte count decreased      ``lymphocytes``
        ``anemia``           Anemia                          ``hemoglobin``
        ``creatinine``       Creatinine increased            ``creatinine``
        ``proteinuria``      Proteinuria                     ``proteinuria_24h``
        ``hypoalbuminemia``  Hypoalbuminemia                 ``serum_albumin``
        ===================  ==============================  ===================
    uln, lln, baseline : scalar or array-like, optional
        The upper and lower limits of normal and the subject's baseline value, in the
        unit of `values`: a scalar for all values, or one per value (a Series must have
        the index of `values`). Missing entries are allowed. Which a term needs:
        decreases (counts, anaemia, hypoalbuminaemia) the LLN, for grade 1 vs 0 only;
        creatinine the ULN and the baseline (both versions grade against the baseline
        as well as the ULN); proteinuria the ULN, for grade 1 vs 0 only. A limit a term
        does not use is ignored.
    version : {"4.03", "5.0"}
        The CTCAE version (a leading "v" is allowed).

    Returns
    -------
    pandas.Series
        The grades (0 normal, 1-4), dtype ``Int64``, aligned with `values` (its index is
        kept) and named after the CTCAE term. ``<NA>`` where the value is missing, where
        a missing limit leaves the grade undecided (a count below the grade-1 threshold is
        graded without the LLN; a creatinine needs its ULN, and its baseline unless the
        ULN already gives grade 3 or 4), and where the CTCAE text places no grade.
        Clinical criteria (grade 4 "life-threatening consequences", "transfusion
        indicated", grade 5 death, dipstick and paediatric proteinuria) cannot be read
        from a value and are not graded.

    Raises
    ------
    InputError
        An unknown test or version; values or limits that are not numbers, infinite or
        negative; a limit of 0; a limit whose length (or Series index) does not match
        `values`.

    Examples
    --------
    >>> compute_ctcae_grade([160, 75, 74.9, 20, None], "platelets", lln=150)
    0       0
    1       1
    2       2
    3       4
    4    <NA>
    Name: Platelet count decreased, dtype: Int64
    >>> compute_ctcae_grade([100, 20], "Platelet count decreased").tolist()
    [<NA>, 4]
    >>> compute_ctcae_grade([1.0, 2.0], "creatinine", uln=1.1, baseline=0.6,
    ...                     version="5.0").tolist()
    [2, 3]
    """
    version = _version(version)
    term = _terms()[(version, _key(test))]
    if isinstance(values, pd.DataFrame) or _ndim(values) > 1:
        raise InputError("values", "must be one-dimensional (a list, array or Series)")
    if _ndim(values) == 0:
        values = [values]
    index = values.index if isinstance(values, pd.Series) else pd.RangeIndex(len(values))
    raw = _floats(values, "values")
    limits = {name: _limit(arg, name, values)
              for name, arg in (("lln", lln), ("uln", uln), ("baseline", baseline))}

    value = rounded(raw)
    n = len(raw)
    best_true = np.full(n, -1)
    best_unknown = np.full(n, -1)
    for criterion in term.criteria:
        holds = np.ones(n, dtype=bool)
        fails = np.zeros(n, dtype=bool)
        for bound in criterion.bounds:
            if bound.limit is None:
                threshold = np.full(n, bound.factor)
            else:
                with errstate():
                    threshold = rounded(bound.factor * limits[bound.limit])
            known = ~np.isnan(threshold)
            with errstate():
                met = _OPERATORS[bound.op](value, threshold)
            fails |= known & ~met
            holds &= known & met
        unknown = ~holds & ~fails
        best_true = np.where(holds, np.maximum(best_true, criterion.grade), best_true)
        best_unknown = np.where(unknown, np.maximum(best_unknown, criterion.grade),
                                best_unknown)

    decided = (best_true >= 0) & (best_unknown <= best_true) & ~np.isnan(raw)
    grades = pd.array(np.where(decided, best_true, 0), dtype="Int64")
    grades[~decided] = pd.NA
    return pd.Series(grades, index=index, name=term.term)
