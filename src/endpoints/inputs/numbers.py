"""Numeric columns: numbers from whatever dtype the input gives, with their problems."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .problems import Rows
from .text import each


def to_numbers(series: pd.Series, name, rows: Rows) -> np.ndarray:
    """A column as float64 (NaN where missing or bad), recording its problems in `rows`.

    Numbers, and text of numbers, are accepted; blank text is missing (CSV exports write
    missing values as blanks). Booleans, dates, infinite values and other text are
    problems.

    Examples
    --------
    >>> from endpoints.inputs.problems import Problems
    >>> rows = Rows(np.array(["a"], dtype=object), np.zeros(3, dtype=np.int64),
    ...             np.array([0.0, 7.0, 14.0]), np.arange(3), Problems())
    >>> to_numbers(pd.Series(["1.5", " ", "x"]), "upcr", rows).tolist()
    [1.5, nan, nan]
    >>> rows.problems.found
    [('upcr', "non-numeric value (e.g. 'x')", 'a', 14, 1)]
    """
    dtype = series.dtype
    if dtype == np.float64:  # already canonical: read in place, not copied
        values = series.to_numpy()
        rows.check(np.isinf(values), name, "infinite value")
        return values
    if pd.api.types.is_bool_dtype(dtype):
        rows.check(series.notna().to_numpy(dtype=bool), name, "expected numbers, got booleans")
        return np.full(len(series), np.nan)
    if (pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype)
            or pd.api.types.is_complex_dtype(dtype) or isinstance(dtype, pd.PeriodDtype | (
                pd.IntervalDtype))):
        rows.check(series.notna().to_numpy(dtype=bool), name,
                   f"expected numbers, got {dtype} values")
        return np.full(len(series), np.nan)
    if pd.api.types.is_numeric_dtype(dtype):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
    else:
        values = _numbers_from_objects(series, name, rows)
    rows.check(np.isinf(values), name, "infinite value")
    return values


def _numbers_from_objects(series: pd.Series, name, rows: Rows) -> np.ndarray:
    """Numbers from text or mixed objects, through their text; blank text is missing."""
    raw = series.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(raw, skipna=True) not in ("string", "empty", "integer",
                                                           "floating", "mixed-integer-float"):
        other = each(_not_number_or_text, raw).astype(bool)
        if other.any():
            example = raw[np.flatnonzero(other)[0]]
            rows.check(other, name, f"expected numbers, got {type(example).__name__} values")
            raw = np.where(other, None, raw)
    text = pd.Series(raw, dtype=object).astype("string").str.strip()
    text = text.where(text != "")  # blank text is missing
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    bad = (text.notna().to_numpy(dtype=bool)) & np.isnan(numbers)
    if bad.any():
        rows.check(bad, name, f"non-numeric value (e.g. {raw[np.flatnonzero(bad)[0]]!r})")
    return numbers


def _not_number_or_text(value) -> bool:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return False
    return isinstance(value, bool | np.bool_) or not isinstance(value, str | int | float |
                                                                np.number)
