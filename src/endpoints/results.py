"""Result tables given back to the library (summaries, ADaM export, the CLI): checked
and typed once, here, so that a table read back from CSV or Parquet, or edited by
hand, is read as ``score`` wrote it (its text columns as strings, whether ``score``'s
categoricals or text), or refused with an :class:`~endpoints.errors.InputError`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import InputError
from .inputs.problems import Problems
from .inputs.text import TRUTH, encode

COLUMNS = ("trial_id", "subject_id", "endpoint", "timepoint", "day", "result", "category",
           "value", "reason")
TEXT = ("trial_id", "subject_id", "endpoint", "timepoint", "category", "reason")


def check_results(results, *, needed=COLUMNS) -> pd.DataFrame:
    """A typed copy of a result table of :func:`endpoints.score` (its `needed` columns),
    index kept.

    Raises
    ------
    InputError
        Listing every problem: not a DataFrame, a missing or repeated column, values
        that are not of the column's type.

    Examples
    --------
    >>> table = check_results(pd.DataFrame({
    ...     "trial_id": ["T"], "subject_id": [1], "endpoint": ["e"], "timepoint": ["w"],
    ...     "day": [28.0], "result": ["True"], "category": [None], "value": [None],
    ...     "reason": [None]}))
    >>> table.dtypes.astype(str).tolist()
    ['string', 'string', 'string', 'string', 'Int64', 'boolean', 'string', 'Float64', 'string']
    """
    problems = Problems()
    if not isinstance(results, pd.DataFrame):
        raise InputError("(results)", f"expected ep.score's result table (a DataFrame), got "
                                      f"{type(results).__name__}")
    if isinstance(results.columns, pd.MultiIndex) or results.columns.duplicated().any():
        raise InputError("(results)", "column labels must be unique and of one level")
    for column in needed:
        if column not in results.columns:
            problems.add(column, "not in the results table (expected ep.score's output)")
    problems.raise_if_any()
    out = {}
    for column in needed:
        series = results[column]
        try:
            out[column] = _typed(column, series)
        except (TypeError, ValueError, OverflowError) as exc:
            problems.add(column, f"values of the wrong type for a result table ({exc})")
    problems.raise_if_any()
    return pd.DataFrame(out, index=results.index, columns=list(needed))


def _typed(column: str, series: pd.Series):
    if column == "subject_id":  # the text form of IDs, as score writes them
        codes, labels, bad = encode(series)
        if bad["not a single value"].any() or bad["infinite"].any():
            raise ValueError("subject IDs must be single finite values")
        return pd.array(np.r_[labels, None][codes], dtype="string")
    if column in TEXT:
        return series.astype("string").array
    if column == "result":
        if pd.api.types.is_bool_dtype(series.dtype):
            return series.astype("boolean").array
        codes, labels, bad = encode(series)  # each distinct text form read once
        truth = np.array([TRUTH.get(str(label).lower(), np.nan) for label in labels] + [0.0])
        unread = np.isnan(truth[codes]) | bad["not a single value"] | bad["infinite"]
        if unread.any():
            raise ValueError(f"{series.iloc[int(np.argmax(unread))]!r} is not a boolean")
        return pd.arrays.BooleanArray(truth[codes] == 1.0, codes < 0)
    if not (pd.api.types.is_numeric_dtype(series.dtype) or series.dtype == object
            or pd.api.types.is_string_dtype(series.dtype)) or pd.api.types.is_bool_dtype(
            series.dtype):
        raise TypeError(f"expected numbers, got {series.dtype}")
    numbers = pd.to_numeric(series.astype(object).where(series.notna(), None), errors="raise")
    numbers = np.asarray(numbers, dtype="float64")
    if np.isinf(numbers).any():
        raise ValueError("infinite value")
    if column == "day":
        whole = np.nan_to_num(numbers)
        if (whole != np.round(whole)).any() or (np.abs(whole) > 2**53).any():
            raise ValueError("study days must be whole numbers")
        return pd.arrays.IntegerArray(whole.astype(np.int64), np.isnan(numbers))
    return pd.arrays.FloatingArray(np.nan_to_num(numbers), np.isnan(numbers))
