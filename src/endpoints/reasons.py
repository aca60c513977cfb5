"""Reasons as categoricals: per-subject texts built from a handful of distinct strings.

A result table of a million subjects has a million reasons but only a few distinct
ones ("not met: UPCR < 0.5", ...). Reasons are therefore kept as
:class:`pandas.Categorical` arrays: prefixing renames the categories, joining combines
the integer codes of the parts and formats each distinct combination once. Nothing
here loops over subjects.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

Reason = pd.Categorical


def none(n: int) -> Reason:
    """``n`` empty reasons."""
    return pd.Categorical.from_codes(np.full(n, -1, dtype=np.int8), categories=[])


def const(mask: np.ndarray, text: str) -> Reason:
    """`text` where `mask` holds, no reason elsewhere.

    Examples
    --------
    >>> list(const(np.array([True, False]), "no visit in window"))
    ['no visit in window', nan]
    """
    return pd.Categorical.from_codes(np.where(mask, 0, -1).astype(np.int8), categories=[text])


def where(mask: np.ndarray, reason: Reason) -> Reason:
    """Keep `reason` where `mask` holds, no reason elsewhere."""
    codes = np.where(mask, reason.codes, -1)
    return pd.Categorical.from_codes(codes, dtype=reason.dtype)


def at(reason: Reason, rows: np.ndarray) -> Reason:
    """The reasons of `rows` (positions in `reason`), no reason where a row is ``-1``.

    Examples
    --------
    >>> list(at(pd.Categorical(["a", "b"]), np.array([1, -1])))
    ['b', nan]
    """
    codes = reason.codes[np.maximum(rows, 0)] if len(reason) else np.full(len(rows), -1)
    return pd.Categorical.from_codes(np.where(rows >= 0, codes, -1), dtype=reason.dtype)


def prefix(reason: Reason, text: str) -> Reason:
    """Prepend `text` to every reason (acts on the distinct strings only)."""
    return reason.rename_categories([text + c for c in reason.categories])


def explain(reason: Reason, label: str, verb: str) -> Reason:
    """``"{label} {verb}: {reason}"``, or just ``"{label} {verb}"`` where the reason
    only repeats the label (e.g. a single threshold).

    Examples
    --------
    >>> r = pd.Categorical(["UPCR < 0.5", "reduction >= 25%"])
    >>> list(explain(r, "reduction >= 25%", "not met"))
    ['reduction >= 25% not met: UPCR < 0.5', 'reduction >= 25% not met']
    """
    return reason.rename_categories(
        [f"{label} {verb}" if c == label else f"{label} {verb}: {c}" for c in reason.categories]
    )


def coalesce(*parts: Reason) -> Reason:
    """The first part that has a reason, row by row."""
    return join(parts, sep=None)


def join(parts: Sequence[Reason], sep: str | None = "; ") -> Reason:
    """Join the reasons of several parts row by row (parts without a reason are skipped).

    With ``sep=None`` only the first present part is kept.

    Examples
    --------
    >>> a = const(np.array([True, True, False]), "UPCR >= 0.5")
    >>> b = const(np.array([True, False, False]), "prednisone > 10")
    >>> list(join([a, b]))
    ['UPCR >= 0.5; prednisone > 10', 'UPCR >= 0.5', nan]
    """
    n = len(parts[0])
    parts = [p for p in parts if len(p.categories)]  # a part without texts adds nothing
    if len(parts) <= 1:
        return parts[0] if parts else none(n)
    sizes = [len(p.categories) + 1 for p in parts]  # digit 0 = no reason
    total = math.prod(sizes)
    if total < 2**62:  # each row's combination of digits as one integer key
        weights = np.cumprod([1, *sizes[:-1]], dtype=np.int64)
        keys = np.full(n, weights.sum(), dtype=np.int64)
        for p, weight in zip(parts, weights, strict=True):
            keys += p.codes.astype(np.int64) * weight
        if total <= max(n, 2**16):  # few possible keys: a lookup table, no hashing
            uniques = np.flatnonzero(np.bincount(keys, minlength=total))
            lookup = np.zeros(total, dtype=np.int64)
            lookup[uniques] = np.arange(len(uniques))
            codes = lookup[keys]
        else:
            codes, uniques = pd.factorize(keys)
        combos = (uniques[:, None] // weights % np.array(sizes)).T
    else:  # too many combinations for one integer key
        digits = np.stack([p.codes.astype(np.int64) + 1 for p in parts])
        combos, codes = np.unique(digits, axis=1, return_inverse=True)
    texts = []
    for combo in combos.T:
        found = [p.categories[d - 1] for p, d in zip(parts, combo, strict=True) if d]
        texts.append((found[:1] if sep is None else [sep.join(found)]) if found else [None])
    labels = pd.Series([t[0] for t in texts], dtype=object)
    final, categories = pd.factorize(labels)
    return pd.Categorical.from_codes(final[np.asarray(codes).ravel()], categories=categories)


def concat(parts: Sequence[pd.Categorical]) -> pd.Categorical:
    """Concatenate categoricals whose category sets (and their dtypes) differ."""
    labels = [c for p in parts for c in p.categories]
    offsets = np.cumsum([0] + [len(p.categories) for p in parts[:-1]])
    codes = np.concatenate(
        [np.where(p.codes >= 0, p.codes + off, -1) for p, off in zip(parts, offsets, strict=True)]
    )
    remap, uniques = pd.factorize(pd.Series(labels, dtype=object))
    remap = np.r_[remap, -1]  # code -1 stays -1
    return pd.Categorical.from_codes(remap[codes], categories=pd.Index(uniques, dtype=object))
