"""CDISC study days and dates turned into canonical study days (SPEC section 5).

CDISC study days have no day 0: day 1 is the reference start date and the day before
it is day -1. The canonical day counts from the reference date as day 0, so
``day = DY - 1`` for ``DY >= 1`` and ``day = DY`` for ``DY <= -1``; ``DY = 0`` does not
exist and is a problem. From dates, ``day = date - reference date``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..inputs.days import study_days
from ..inputs.text import text_forms

SAS_EPOCH = np.datetime64("1960-01-01", "D")  # SAS dates count days from here
_FULL = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:T[\d:.]*)?$")
_PARTIAL = re.compile(r"^\d{4}(?:-(?:\d{2}|-)(?:-(?:\d{2}|-))?)?(?:T.*)?$")
NO_DAY_ZERO = ("CDISC study day 0 does not exist (day 1 is the reference date, day -1 the "
               "day before)")
PARTIAL = "partial date where the day is needed"
NOT_A_DATE = "not an ISO 8601 date"


def from_study_days(column: pd.Series) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Canonical days from CDISC study days (``--DY``, ``ADY``); NaN where missing.

    Examples
    --------
    >>> days, bad = from_study_days(pd.Series([1, 2, -1, 0, None]))
    >>> days.tolist(), bad[NO_DAY_ZERO].tolist()
    ([0.0, 1.0, -1.0, nan, nan], [False, False, False, True, False])
    """
    values, bad = study_days(column, missing=None)
    zero = values == 0
    bad[NO_DAY_ZERO] = zero
    with np.errstate(invalid="ignore"):
        days = np.where(values >= 1, values - 1, values)
    days[zero] = np.nan
    return days, bad


def to_dates(column: pd.Series) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Dates (``datetime64[D]``, NaT where missing) and times of day (in days, for
    ordering records of one day) from ISO 8601 text, datetimes or SAS date numbers.

    Examples
    --------
    >>> dates, _, bad = to_dates(pd.Series(["2024-03-01", "2024-03", "2024-03-02T08:30", None]))
    >>> dates.astype(str).tolist(), bad[PARTIAL].tolist()
    (['2024-03-01', 'NaT', '2024-03-02', 'NaT'], [False, True, False, False])
    >>> to_dates(pd.Series([0.0, 23436.0]))[0].astype(str).tolist()  # SAS date numbers
    ['1960-01-01', '2024-03-01']
    """
    n = len(column)
    bad = {PARTIAL: np.zeros(n, bool), NOT_A_DATE: np.zeros(n, bool)}
    time = np.zeros(n)
    if isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(object)
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        stamps = pd.to_datetime(column).dt.tz_localize(None) if getattr(
            column.dt, "tz", None) else pd.to_datetime(column)
        values = stamps.to_numpy(dtype="datetime64[ns]")
        dates = values.astype("datetime64[D]")
        time = ((values - dates.astype("datetime64[ns]")).astype(np.int64) / 86_400e9)
        return dates, np.where(np.isnat(dates), 0.0, time), bad
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(
            column.dtype):
        numbers = column.to_numpy(dtype="float64", na_value=np.nan)
        whole = np.isfinite(numbers) & (numbers == np.round(numbers)) & (np.abs(numbers) < 1e6)
        bad[NOT_A_DATE] = ~np.isnan(numbers) & ~whole
        dates = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        dates[whole] = SAS_EPOCH + numbers[whole].astype(np.int64)
        return dates, time, bad
    texts = text_forms(column)
    codes, distinct = pd.factorize(pd.Series(texts, dtype=object), use_na_sentinel=True)
    parsed = [_parse(t) for t in distinct]
    kinds = np.array([p[0] for p in parsed] + ["missing"], dtype=object)[codes]
    found = np.array([p[1] for p in parsed] + [np.datetime64("NaT", "D")],
                     dtype="datetime64[D]")[codes]
    stamp = np.array([p[2] for p in parsed] + [0.0])[codes]
    bad[PARTIAL] = kinds == "partial"
    bad[NOT_A_DATE] = kinds == "invalid"
    return found, stamp, bad


def _parse(text: str) -> tuple[str, np.datetime64, float]:
    """(kind, date, time of day as a fraction) of one ISO 8601 text."""
    nat = np.datetime64("NaT", "D")
    full = _FULL.match(text)
    if full:
        try:
            date = np.datetime64(full.group(1), "D")
        except ValueError:
            return "invalid", nat, 0.0
        time = 0.0
        if "T" in text:
            parts = ([*text.split("T", 1)[1].split(":"), "0", "0"])[:3]
            try:
                time = (float(parts[0] or 0) * 3600 + float(parts[1] or 0) * 60
                        + float(parts[2] or 0)) / 86_400
            except ValueError:
                return "invalid", nat, 0.0
        return "full", date, time
    return ("partial" if _PARTIAL.match(text) else "invalid"), nat, 0.0


def days_between(dates: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``date - reference`` in days (float, NaN where either is missing)."""
    out = (dates - reference).astype("timedelta64[D]").astype("float64")
    out[np.isnat(dates) | np.isnat(reference)] = np.nan
    return out
