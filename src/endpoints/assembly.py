"""The long result table, assembled from the per-endpoint blocks of every subject block.

``score`` evaluates the subjects in blocks (:meth:`VisitTable.blocks`), and each block
gives one :class:`~endpoints.kinds.base.Block` per endpoint x timepoint, endpoint-major.
:class:`ResultTable` writes them straight into the columns of the final, subject-major
table (row ``s * b + k``: subject ``s``, task ``k`` of ``b``), allocated once, so a large
table is not built block by block and then concatenated.

The low-cardinality text columns (``trial_id``, ``endpoint``, ``timepoint``,
``category``, ``reason``) are pandas categoricals (SPEC section 10): integer codes into
a few labels, sorted. The categories of ``trial_id``, ``endpoint`` and ``timepoint`` are
the trial's (every endpoint and timepoint label it scores, with or without subjects), so
that every part of a table scored in parts (dask partitions) has the same ones; those
of ``category`` and ``reason`` are the texts used, so that the column is a function of
its values alone, whatever the order of the input rows. ``subject_id`` stays a string
column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from . import reasons
from .kinds.base import NO_DAY, Block
from .results import COLUMNS


class _Labels:
    """A text column being filled block by block: codes (-1: missing) into the labels
    used so far, numbered in first-seen order (int16 codes, int32 past 32,767 labels)."""

    def __init__(self, rows: int) -> None:
        self.codes = np.empty(rows, dtype=np.int16)
        self.index: dict[str, int] = {}

    def put(self, rows: slice, parts: list, subjects: int) -> None:
        """Write the texts of `parts` (one Reason per task, `subjects` items each) into
        the subject-major `rows`; only the texts some item has become labels."""
        parts, numbered = [reasons.Reason.of(part) for part in parts], []
        for part in parts:
            used = np.zeros(len(part.categories) + 1, dtype=bool)
            used[part.codes] = True  # the last slot: no text
            numbered.append([self.index.setdefault(label, len(self.index)) if seen else -1
                             for label, seen in zip(part.categories, used, strict=False)])
        if len(self.index) >= 2**15 and self.codes.dtype == np.int16:
            self.codes = self.codes.astype(np.int32)
        target = self.codes[rows].reshape(subjects, len(parts))
        for k, (part, ids) in enumerate(zip(parts, numbered, strict=True)):
            target[:, k] = np.array([*ids, -1], dtype=self.codes.dtype)[part.codes]

    def categorical(self) -> pd.Categorical:
        return categorical(self.codes, list(self.index))


def categorical(codes: np.ndarray, labels: list) -> pd.Categorical:
    """A categorical of `labels` at `codes` (-1: missing), its categories the distinct
    labels, sorted; a label may be given more than once.

    Examples
    --------
    >>> c = categorical(np.array([1, -1, 1, 0, 2]), ["b", "a", "b"])
    >>> list(c.categories), c.tolist()
    (['a', 'b'], ['a', <NA>, 'a', 'b', 'b'])
    """
    names, inverse = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
    remap = np.append(inverse, -1).astype(reasons.code_dtype(len(names)))  # -1 stays -1
    return pd.Categorical.from_codes(remap[codes],
                                     categories=pd.Index(names.tolist(), dtype="string"),
                                     validate=False)


def repeated(texts: np.ndarray, times: int) -> pd.api.extensions.ExtensionArray:
    """A string array of every text of `texts` `times` times in a row (``None``:
    missing); texts of one width in bytes are copied as fixed-width bytes, without the
    per-row work of a take.

    Examples
    --------
    >>> repeated(np.array(["a1", "b2"], dtype=object), 2).tolist()
    ['a1', 'a1', 'b2', 'b2']
    >>> repeated(np.array(["a", "bé", None], dtype=object), 2).tolist()
    ['a', 'a', 'bé', 'bé', <NA>, <NA>]
    """
    texts = pa.array(np.asarray(texts, dtype=object), type=pa.large_string())
    _, offsets, data = texts.buffers()
    offsets = np.frombuffer(offsets, dtype=np.int64)[texts.offset:texts.offset + len(texts) + 1]
    width = np.diff(offsets)
    if texts.null_count or not len(texts) or (width != width[0]).any():
        return pd.array(texts, dtype="string").take(np.repeat(np.arange(len(texts)), times))
    chars = np.frombuffer(data, dtype=np.uint8)[offsets[0]:offsets[-1]]
    copies = np.repeat(chars.reshape(len(texts), width[0]), times, axis=0)
    out = pa.LargeStringArray.from_buffers(
        len(texts) * times, pa.py_buffer(np.arange(len(texts) * times + 1) * width[0]),
        pa.py_buffer(copies))
    return pd.array(out, dtype="string")


def _per_task(labels: list, subjects: int) -> pd.Categorical:
    """A categorical of one label per task (endpoint, timepoint), repeated for every
    subject: the trial's categories, whether the table has subjects or not."""
    one = categorical(np.arange(len(labels)), labels)
    return pd.Categorical.from_codes(np.tile(one.codes, subjects), dtype=one.dtype,
                                     validate=False)


class ResultTable:
    """The result table of `subjects` x `tasks` (endpoint, timepoint) pairs, filled by
    :meth:`put` for consecutive blocks of subjects, read by :meth:`frame`."""

    def __init__(self, trial_id: str, tasks: list, subjects: np.ndarray) -> None:
        self.trial_id, self.tasks, self.subjects = trial_id, tasks, subjects
        rows = len(subjects) * len(tasks)
        self.day = np.empty(rows, dtype=np.int64)
        self.result = np.empty(rows, dtype=bool)
        self.result_missing = np.empty(rows, dtype=bool)
        self.value = np.empty(rows, dtype=np.float64)
        self.category, self.reason = _Labels(rows), _Labels(rows)
        self.filled = 0  # subjects written so far

    def put(self, blocks: list[Block]) -> None:
        """Write the blocks (one per task) of the next subjects."""
        b = len(self.tasks)
        n = len(blocks[0].day) if blocks else 0
        rows = slice(self.filled * b, (self.filled + n) * b)
        if blocks:
            def into(column: np.ndarray, parts: list) -> None:
                np.stack(parts, axis=1, out=column[rows].reshape(n, b))

            into(self.day, [blk.day for blk in blocks])
            into(self.result, [blk.result.to_numpy(dtype=bool, na_value=False)
                               for blk in blocks])
            into(self.result_missing, [np.asarray(blk.result.isna()) for blk in blocks])
            into(self.value, [blk.value for blk in blocks])
            self.category.put(rows, [blk.category for blk in blocks], n)
            self.reason.put(rows, [blk.reason for blk in blocks], n)
        self.filled += n

    def frame(self) -> pd.DataFrame:
        """The table (the columns become the frame's: call once)."""
        n, b = len(self.subjects), len(self.tasks)
        no_day = self.day == NO_DAY
        self.day[no_day] = 0
        table = {
            "trial_id": _per_task([self.trial_id] * b, n),
            "subject_id": repeated(self.subjects, b),
            "endpoint": _per_task([e.name for e, _ in self.tasks], n),
            "timepoint": _per_task([tp.label for _, tp in self.tasks], n),
            "day": pd.arrays.IntegerArray(self.day, no_day),
            "result": pd.arrays.BooleanArray(self.result, self.result_missing),
            "category": self.category.categorical(),
            "value": pd.arrays.FloatingArray(self.value, np.isnan(self.value)),
            "reason": self.reason.categorical(),
        }
        return pd.DataFrame(table, columns=list(COLUMNS), copy=False)
