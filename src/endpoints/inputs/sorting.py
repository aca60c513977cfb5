"""Ordering and numbering integer keys fast: the (subject, day) order of the visit rows,
the numbers of fixed-width texts, the distinct days of a reason.

Both functions avoid numpy's stable argsort (a merge sort) where they can: a key that
fits in a few bits is packed with its row number into one integer, whose plain sort
(SIMD) is several times faster and keeps ties in row order; distinct values in a small
range are numbered through a table over the range, without sorting at all.
"""

from __future__ import annotations

import numpy as np


def stable_order(key: np.ndarray) -> np.ndarray:
    """``np.argsort(key, kind="stable")`` of an integer array, by one packed sort when
    the range of the keys and the row numbers fit in 62 bits.

    Examples
    --------
    >>> stable_order(np.array([3, -1, 3, 0])).tolist()
    [1, 3, 0, 2]
    >>> stable_order(np.array([2**62, -(2**62), 0])).tolist()  # too wide: the argsort
    [1, 2, 0]
    """
    if not len(key):
        return np.arange(0)
    low = int(key.min())
    row_bits = (len(key) - 1).bit_length()
    if (int(key.max()) - low).bit_length() + row_bits > 62:
        return np.argsort(key, kind="stable")
    packed = ((key.astype(np.int64) - low) << row_bits) | np.arange(len(key))
    return np.sort(packed) & ((1 << row_bits) - 1)


def dense_ranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of an integer array, sorted, and each item's position among
    them: through a table over the values' range when it is small, else by
    :func:`stable_order`.

    Examples
    --------
    >>> distinct, positions = dense_ranks(np.array([84, -1, 84, 7]))
    >>> distinct.tolist(), positions.tolist()
    ([-1, 7, 84], [2, 0, 2, 1])
    >>> dense_ranks(np.array([5, np.iinfo(np.int64).min]))[1].tolist()  # a wide range
    [1, 0]
    """
    if not len(values):
        return values[:0], np.zeros(0, dtype=np.intp)
    low, high = int(values.min()), int(values.max())
    if high - low <= 4 * len(values) + 2**18:  # a table over every value of the range
        offset = values - low
        seen = np.zeros(high - low + 1, dtype=bool)
        seen[offset] = True
        return np.flatnonzero(seen) + low, (np.cumsum(seen) - 1)[offset]
    order = stable_order(values)
    ordered = values[order]
    new = np.r_[True, ordered[1:] != ordered[:-1]]
    positions = np.empty(len(values), dtype=np.intp)
    positions[order] = np.cumsum(new) - 1
    return ordered[new], positions
