"""Shared time rules of SPEC section 3, vectorised over all subjects at once.

Every function works on a :class:`~endpoints.inputs.visits.Visits` table, whose rows are
sorted by (subject, day), with whole-array numpy operations: per-subject values come
from boolean masks and the first/last hit of each subject's run of rows, never from a
Python loop over subjects or visits. Results are cached on the ``Visits`` object, so
a baseline or an assessment visit is computed once per call of ``score``.
"""

from __future__ import annotations

import numpy as np

from .inputs.visits import Visits

NO_ROW = -1


def first_row(v: Visits, mask: np.ndarray) -> np.ndarray:
    """Per subject, the position of its first row where `mask` holds (``-1`` if none).

    Examples
    --------
    >>> import pandas as pd
    >>> from endpoints.inputs.visits import prepare
    >>> v = prepare(pd.DataFrame({"subject_id": [1, 1, 2], "day": [0, 7, 0]}))
    >>> first_row(v, v.day > 0).tolist()
    [1, -1]
    """
    return _edge_row(v, mask, last=False)


def last_row(v: Visits, mask: np.ndarray) -> np.ndarray:
    """Per subject, the position of its last row where `mask` holds (``-1`` if none)."""
    return _edge_row(v, mask, last=True)


def _edge_row(v: Visits, mask: np.ndarray, *, last: bool) -> np.ndarray:
    hits = np.flatnonzero(mask)
    codes = v.code[hits]
    keep = np.ones(len(hits), dtype=bool)  # each subject's first (or last) hit
    if last:
        np.not_equal(codes[1:], codes[:-1], out=keep[:-1])
    else:
        np.not_equal(codes[1:], codes[:-1], out=keep[1:])
    rows = np.full(v.n_subjects, NO_ROW, dtype=np.int64)
    rows[codes[keep]] = hits[keep]
    return rows


def day_at(v: Visits, rows: np.ndarray, missing: int = NO_ROW) -> np.ndarray:
    """Per item: the study day of visit row `rows`, `missing` where a row is ``-1``.

    Examples
    --------
    >>> import pandas as pd
    >>> from endpoints.inputs.visits import prepare
    >>> v = prepare(pd.DataFrame({"subject_id": [1, 1], "day": [0, 7]}))
    >>> day_at(v, np.array([1, -1])).tolist()
    [7, -1]
    """
    if not v.n_rows:  # subjects known only from another table have no rows
        return np.full(len(rows), missing, dtype=np.int64)
    return np.where(rows >= 0, v.day[np.maximum(rows, 0)], missing)


def take(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``values[rows]`` with NaN where a row is ``-1`` (no visit)."""
    out = values[np.where(rows >= 0, rows, 0)] if len(values) else np.full(len(rows), np.nan)
    return np.where(rows >= 0, out, np.nan)


def baseline(v: Visits, column: str) -> np.ndarray:
    """Per subject: the last non-missing value of `column` on or before day 0.

    Examples
    --------
    >>> import pandas as pd
    >>> from endpoints.inputs.visits import prepare
    >>> v = prepare(pd.DataFrame({"subject_id": [1, 1, 1], "day": [-14, 0, 28],
    ...                           "upcr": [2.0, None, 1.0]}))
    >>> baseline(v, "upcr").tolist()
    [2.0]
    """
    key = ("baseline", column)
    if key not in v.cache:
        x = v.column(column)
        v.cache[key] = take(x, last_row(v, ~np.isnan(x) & (v.day <= 0)))
    return v.cache[key]


def baseline_rows(v: Visits) -> np.ndarray:
    """Per subject: the row of the baseline visit, the last visit on or before day 0
    (``-1`` when there is none).

    Examples
    --------
    >>> import pandas as pd
    >>> from endpoints.inputs.visits import prepare
    >>> v = prepare(pd.DataFrame({"subject_id": [1, 1, 1, 2], "day": [-14, 0, 28, 7]}))
    >>> baseline_rows(v).tolist()
    [1, -1]
    """
    key = ("baseline rows",)
    if key not in v.cache:
        v.cache[key] = last_row(v, v.day <= 0)
    return v.cache[key]


def baseline_day(v: Visits, column: str) -> np.ndarray:
    """Per subject: the day of the baseline value of `column` (``-1`` for none)."""
    x = v.column(column)
    return day_at(v, last_row(v, ~np.isnan(x) & (v.day <= 0)))


def reference(v: Visits, column: str) -> np.ndarray:
    """Per subject: the value at the earliest visit where `column` is not missing.

    This is the "selection visit" value of definitions that compare against it.
    """
    key = ("reference", column)
    if key not in v.cache:
        x = v.column(column)
        v.cache[key] = take(x, first_row(v, ~np.isnan(x)))
    return v.cache[key]


def previous(v: Visits, column: str) -> np.ndarray:
    """Per row: the subject's value of `column` at its most recent earlier visit where
    `column` was recorded (NaN if there is none).

    Examples
    --------
    >>> import pandas as pd
    >>> from endpoints.inputs.visits import prepare
    >>> v = prepare(pd.DataFrame({"subject_id": [1, 1, 1, 2], "day": [0, 7, 14, 0],
    ...                           "sledai": [8.0, None, 12.0, 4.0]}))
    >>> previous(v, "sledai").tolist()
    [nan, 8.0, 8.0, nan]
    """
    key = ("previous", column)
    if key not in v.cache:
        x = v.column(column)
        recorded = np.where(~np.isnan(x), np.arange(v.n_rows), -1)
        latest = np.maximum.accumulate(recorded) if v.n_rows else recorded
        before = np.r_[-1, latest[:-1]] if v.n_rows else latest
        same = (before >= 0) & (v.code[np.maximum(before, 0)] == v.code)
        v.cache[key] = np.where(same, x[np.maximum(before, 0)], np.nan)
    return v.cache[key]


def assessment_rows(v: Visits, target: int, window: int) -> np.ndarray:
    """Per subject: the row of the assessment visit for target day `target`.

    Among visits with ``day > 0`` and ``|day - target| <= window``, the one nearest to
    the target; a tie goes to the later visit. ``-1`` when there is no such visit.

    Examples
    --------
    >>> import pandas as pd
    >>> from endpoints.inputs.visits import prepare
    >>> v = prepare(pd.DataFrame({"subject_id": [1, 1, 1], "day": [0, 160, 176]}))
    >>> assessment_rows(v, 168, 28).tolist()  # 160 and 176 are both 8 days away
    [2]
    """
    key = ("assessment", target, window)
    if key not in v.cache:
        distance = np.abs(v.day - target)
        eligible = (v.day > 0) & (distance <= window)
        # Rank candidates by distance, the later of two equidistant days first.
        rank = np.where(eligible, 2 * distance - (v.day > target), np.iinfo(np.int64).max)
        best = _segment_min(v, rank)
        v.cache[key] = first_row(v, eligible & (rank == best[v.code]))
    return v.cache[key]


def period_mask(v: Visits, rows: np.ndarray, target: int) -> np.ndarray:
    """Per row: is the visit in the period of a timepoint?

    The period is ``0 < day <= day of the assessment visit`` (`rows`, one per subject),
    or ``0 < day <= target`` for subjects with no assessment visit.
    """
    end = day_at(v, rows, target)
    return (v.day > 0) & (v.day <= end[v.code])


def any_in(v: Visits, mask: np.ndarray) -> np.ndarray:
    """Per subject: does `mask` hold on any of its rows?"""
    return np.bincount(v.code[mask], minlength=v.n_subjects) > 0


def count_in(v: Visits, mask: np.ndarray) -> np.ndarray:
    """Per subject: on how many of its rows does `mask` hold?"""
    return np.bincount(v.code[mask], minlength=v.n_subjects)


def _segment_min(v: Visits, x: np.ndarray) -> np.ndarray:
    """Per subject: the minimum of `x` over its rows (the dtype's maximum if it has none:
    a subject known only from another table)."""
    out = np.full(v.n_subjects, np.iinfo(x.dtype).max, dtype=x.dtype)
    some = np.r_[v.starts[1:], v.n_rows] > v.starts if v.n_subjects else np.zeros(0, bool)
    if some.any():
        out[some] = np.minimum.reduceat(x, v.starts[some])
    return out
