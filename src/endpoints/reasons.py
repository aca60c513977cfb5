"""Reasons as categoricals: per-subject texts built from a handful of distinct strings.

A result table of a million subjects has a million reasons but only a few distinct
ones ("not met: UPCR < 0.5", ...). Reasons are therefore kept as integer codes into a
few texts, like a :class:`pandas.Categorical`: prefixing renames the texts, joining
combines the integer codes of the parts and formats each distinct combination once.
Nothing here loops over subjects.

:class:`Reason` is that pair of arrays and no more: building a pandas categorical
validates its categories, which costs more than the whole evaluation of a small trial,
so the result table (:mod:`endpoints.assembly`) numbers the texts of every block into
one pandas categorical per column, once, at the end. The functions here also
accept :class:`pandas.Categorical` arguments (anything with ``codes`` and
``categories``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

_NO_TEXT = np.array([], dtype=object)


@dataclass(frozen=True, eq=False)
class Reason:
    """Per-item texts: ``codes`` (-1: no text) into ``categories`` (distinct texts).

    Examples
    --------
    >>> r = Reason(np.array([1, -1, 0]), np.array(["a", "b"], dtype=object))
    >>> list(r), r.tolist()
    (['b', nan, 'a'], ['b', nan, 'a'])
    """

    codes: np.ndarray
    categories: np.ndarray

    @classmethod
    def of(cls, values) -> Reason:
        """A Reason from a :class:`pandas.Categorical` (or a Reason, returned as is)."""
        if isinstance(values, Reason):
            return values
        return cls(np.asarray(values.codes), np.asarray(values.categories, dtype=object))

    def __len__(self) -> int:
        return len(self.codes)

    def __iter__(self) -> Iterator:
        texts = np.append(self.categories, np.nan).astype(object)
        return iter(texts[self.codes].tolist())

    def tolist(self) -> list:
        return list(self)

    def rename_categories(self, texts: Sequence[str]) -> Reason:
        """The same codes with other texts (one per category, in order)."""
        return Reason(self.codes, np.asarray(list(texts), dtype=object))


def none(n: int) -> Reason:
    """``n`` empty reasons."""
    return Reason(np.full(n, -1, dtype=np.int8), _NO_TEXT)


def const(mask: np.ndarray, text: str) -> Reason:
    """`text` where `mask` holds, no reason elsewhere.

    Examples
    --------
    >>> list(const(np.array([True, False]), "no visit in window"))
    ['no visit in window', nan]
    """
    return Reason(np.where(mask, 0, -1).astype(np.int8), np.array([text], dtype=object))


def where(mask: np.ndarray, reason) -> Reason:
    """Keep `reason` where `mask` holds, no reason elsewhere."""
    reason = Reason.of(reason)
    return Reason(np.where(mask, reason.codes, -1), reason.categories)


def at(reason, rows: np.ndarray) -> Reason:
    """The reasons of `rows` (positions in `reason`), no reason where a row is ``-1``.

    Examples
    --------
    >>> list(at(pd.Categorical(["a", "b"]), np.array([1, -1])))
    ['b', nan]
    """
    reason = Reason.of(reason)
    codes = reason.codes[np.maximum(rows, 0)] if len(reason) else np.full(len(rows), -1)
    return Reason(np.where(rows >= 0, codes, -1), reason.categories)


def prefix(reason, text: str) -> Reason:
    """Prepend `text` to every reason (acts on the distinct strings only)."""
    reason = Reason.of(reason)
    return reason.rename_categories([text + c for c in reason.categories])


def explain(reason, label: str, verb: str) -> Reason:
    """``"{label} {verb}: {reason}"``, or just ``"{label} {verb}"`` where the reason
    only repeats the label (e.g. a single threshold).

    Examples
    --------
    >>> r = pd.Categorical(["UPCR < 0.5", "reduction >= 25%"])
    >>> list(explain(r, "reduction >= 25%", "not met"))
    ['reduction >= 25% not met: UPCR < 0.5', 'reduction >= 25% not met']
    """
    reason = Reason.of(reason)
    return reason.rename_categories(
        [f"{label} {verb}" if c == label else f"{label} {verb}: {c}" for c in reason.categories]
    )


def coalesce(*parts) -> Reason:
    """The first part that has a reason, row by row.

    Examples
    --------
    >>> a = const(np.array([True, False, False]), "no visit")
    >>> b = const(np.array([True, True, False]), "UPCR missing")
    >>> list(coalesce(a, b))
    ['no visit', 'UPCR missing', nan]
    """
    n = len(parts[0])
    parts = [Reason.of(p) for p in parts if len(p.categories)]  # no texts: adds nothing
    if len(parts) <= 1:
        return parts[0] if parts else none(n)
    offsets = np.cumsum([0] + [len(p.categories) for p in parts])
    dtype = code_dtype(offsets[-1])
    codes = np.full(n, -1, dtype=dtype)
    for p, offset in zip(parts[::-1], offsets[-2::-1], strict=True):  # the first part last
        np.copyto(codes, p.codes.astype(dtype) + dtype.type(offset), where=p.codes >= 0)
    labels = [c for p in parts for c in p.categories]
    if len(set(labels)) == len(labels):  # the common case: the parts' texts all differ
        return Reason(codes, np.array(labels, dtype=object))
    remap, texts = _distinct(labels)
    return Reason(np.append(remap, -1)[codes], texts)


def code_dtype(categories: int) -> np.dtype:
    """The smallest signed integer type holding codes -1 .. `categories` - 1."""
    return np.dtype(np.int8 if categories < 2**7 else np.int16 if categories < 2**15
                    else np.int32 if categories < 2**31 else np.int64)


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
    parts = [Reason.of(p) for p in parts if len(p.categories)]  # no texts: adds nothing
    if len(parts) <= 1:
        return parts[0] if parts else none(n)
    if sep is None:
        return coalesce(*parts)
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
    final, categories = _distinct([t[0] for t in texts])
    return Reason(final[np.asarray(codes).ravel()], categories)


def _distinct(labels: list) -> tuple[np.ndarray, np.ndarray]:
    """(code of each label, the distinct labels in first-seen order); None -> -1."""
    index: dict[str, int] = {}
    codes = np.empty(len(labels), dtype=np.int64)
    for i, label in enumerate(labels):
        codes[i] = -1 if label is None else index.setdefault(label, len(index))
    return codes, np.array(list(index), dtype=object)

