"""Study days: integers relative to day 0, whatever form the input gives them in.

Accepted: integers, floats that are whole numbers, text of those, and ``timedelta64``
values of whole days (what ``ADT - TRTSDT`` gives). Dates are not study days: they are
a problem with a hint on how to get days. Days outside -100,000..100,000 are a problem,
never a silent wrap-around.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .text import each

#: study days beyond this (in either direction) are an error: about 274 years
MAX_DAY = 100_000
_NS_PER_DAY = 86_400 * 10**9
DATES = ("dates, not study days: give day = date - reference date in whole days "
         "(e.g. ADT - TRTSDT)")


def study_days(column: pd.Series, *, missing: str | None = "missing study day"
               ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Convert a column to study days.

    Parameters
    ----------
    column : Series
    missing : str or None
        The problem a missing day is (``None``: missing days are allowed, e.g. an
        ongoing record's end day).

    Returns
    -------
    days : ndarray of float64
        Whole study days; NaN where missing or invalid.
    bad : dict of str to ndarray of bool
        Rows with a problem, by problem text.

    Examples
    --------
    >>> days, bad = study_days(pd.Series([0, 28.0, "56", None, 1.5]))
    >>> days.tolist(), {k: v.tolist() for k, v in bad.items() if v.any()}
    ([0.0, 28.0, 56.0, nan, nan], {'not a whole number of days': [False, False, False, False, \
True], 'missing study day': [False, False, False, True, False]})
    >>> study_days(pd.Series(pd.to_timedelta([0, 14], unit="D")))[0].tolist()
    [0.0, 14.0]
    """
    n = len(column)
    bad: dict[str, np.ndarray] = {}
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        column, dtype = column.astype(object), np.dtype(object)
    if pd.api.types.is_bool_dtype(dtype):
        given = column.notna().to_numpy(dtype=bool)
        bad["expected whole numbers of days, got booleans"] = given
        values = np.full(n, np.nan)
        absent = ~given
    elif pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
        given = column.notna().to_numpy(dtype=bool)
        bad[DATES] = given
        values = np.full(n, np.nan)
        absent = ~given
    elif pd.api.types.is_timedelta64_dtype(dtype):
        values, absent = _from_timedelta(column)
    elif pd.api.types.is_numeric_dtype(dtype):
        values = column.to_numpy(dtype="float64", na_value=np.nan)
        absent = np.isnan(values)
    else:
        values, absent, text_bad = _from_objects(column)
        bad.update(text_bad)
    flagged = np.zeros(n, dtype=bool)
    for mask in bad.values():
        flagged |= mask
    with np.errstate(invalid="ignore"):
        infinite = np.isinf(values)
        fraction = np.isfinite(values) & (values != np.round(values))
        outside = np.isfinite(values) & (np.abs(values) > MAX_DAY)
    bad["infinite study day"] = infinite
    bad["not a whole number of days"] = fraction
    bad[f"study day outside -{MAX_DAY:,}..{MAX_DAY:,}"] = outside & ~fraction
    if missing is not None:
        bad[missing] = absent & ~flagged
    invalid = flagged | infinite | fraction | outside
    return np.where(invalid | absent, np.nan, values), bad


def as_numbers(column: pd.Series) -> np.ndarray:
    """The values as numbers wherever they are numbers at all, NaN elsewhere: to put
    invalid study days in order when naming the first of them."""
    try:
        return pd.to_numeric(column.astype(object), errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan)
    except (TypeError, ValueError):
        return np.full(len(column), np.nan)


def _from_timedelta(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    ns = column.to_numpy(dtype="timedelta64[ns]").astype(np.int64)
    absent = column.isna().to_numpy(dtype=bool)
    whole = ns % _NS_PER_DAY == 0
    days = np.where(whole, ns // _NS_PER_DAY, ns / _NS_PER_DAY).astype(np.float64)
    return np.where(absent, np.nan, days), absent


def _from_objects(column: pd.Series) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Days from text or mixed Python objects, value by value for the odd ones."""
    values = column.to_numpy(dtype=object)
    absent = pd.isna(values)
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        text = pd.Series(values, dtype=object).str.strip()
        blank = (text == "").to_numpy(dtype=bool)
        numbers = pd.to_numeric(text.where(~blank), errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan)
        failed = np.isnan(numbers) & ~absent & ~blank
        dates = np.zeros(len(values), dtype=bool)
        if failed.any():
            parsed = pd.to_datetime(text[failed], errors="coerce", format="ISO8601")
            dates[np.flatnonzero(failed)[parsed.notna().to_numpy()]] = True
        return numbers, absent | blank, {DATES: dates, "not a number": failed & ~dates}
    kind = each(_kind, values).astype(np.int8)
    kind[absent] = 0
    numbers = np.full(len(values), np.nan)
    numeric = kind == 0
    if numeric.any():
        numbers[numeric] = pd.to_numeric(pd.Series(values[numeric], dtype=object),
                                         errors="coerce").to_numpy(dtype="float64",
                                                                   na_value=np.nan)
    for i in np.flatnonzero(kind == 4):  # timedeltas, one by one: a mixed column is rare
        numbers[i] = pd.Timedelta(values[i]).value / _NS_PER_DAY
    text = kind == 3
    bad = {DATES: kind == 2, "expected whole numbers of days, got booleans": kind == 1,
           "not a number": (numeric & np.isnan(numbers) & ~absent) | (kind == 5)}
    if text.any():
        numbers[text], blank, text_bad = _from_objects(pd.Series(values[text], dtype=object))
        absent = absent | _spread(blank, text)
        for key, mask in text_bad.items():
            bad[key] = bad[key] | _spread(mask, text)
    return numbers, absent, bad


def _spread(mask: np.ndarray, where: np.ndarray) -> np.ndarray:
    out = np.zeros(len(where), dtype=bool)
    out[where] = mask
    return out


def _kind(value) -> int:
    """0 number or missing, 1 boolean, 2 date, 3 text, 4 timedelta, 5 anything else."""
    if value is None or value is pd.NA or value is pd.NaT:
        return 0
    if isinstance(value, bool | np.bool_):
        return 1
    if isinstance(value, dt.date | np.datetime64 | pd.Period):  # datetime is a date
        return 2
    if isinstance(value, str):
        return 3
    if isinstance(value, dt.timedelta | np.timedelta64):
        return 4
    if isinstance(value, int | float | np.number):
        return 0
    return 5
