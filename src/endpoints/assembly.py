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

from . import reasons
from .kinds.base import NO_DAY, Block
from .results import COLUMNS


class _Labels:
    """A text column being filled block by block: int32 codes (-1: missing) into labels
    numbered in first-seen order."""

    def __init__(self, rows: int) -> None:
        self.codes = np.empty(rows, dtype=np.int32)
        self.index: dict[str, int] = {}

    def put(self, rows: slice, parts: list, subjects: int) -> None:
        """Write the texts of `parts` (one Reason per task, `subjects` items each) into
        the subject-major `rows`."""
        joined = reasons.concat(parts)
        remap = np.array([self.index.setdefault(label, len(self.index))
                          for label in joined.categories] + [-1], dtype=np.int32)
        target = self.codes[rows].reshape(subjects, len(parts))
        target[...] = remap[joined.codes].reshape(len(parts), subjects).T

    def categorical(self) -> pd.Categorical:
        return categorical(self.codes, list(self.index))


def categorical(codes: np.ndarray, labels: list, *, unused: bool = False) -> pd.Categorical:
    """A categorical of `labels` at `codes` (-1: missing), its categories the distinct
    labels used (all of them if `unused`), sorted; a label may be given more than once.

    Examples
    --------
    >>> c = categorical(np.array([2, -1, 2, 0, 3]), ["b", "unused", "a", "b"])
    >>> list(c.categories), c.tolist()
    (['a', 'b'], ['a', <NA>, 'a', 'b', 'b'])
    """
    names, inverse = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
    used = np.full(len(names), unused)
    used[inverse[np.bincount(codes + 1, minlength=len(labels) + 1)[1:] > 0]] = True
    kept = np.flatnonzero(used)
    renumber = np.full(len(names), -1, dtype=np.int64)
    renumber[kept] = np.arange(len(kept))
    remap = np.append(renumber[inverse], -1)  # code -1 stays -1
    dtype = np.int8 if len(kept) < 2**7 else np.int16 if len(kept) < 2**15 else np.int32
    return pd.Categorical.from_codes(remap[codes].astype(dtype),
                                     categories=pd.Index(names[kept].tolist(), dtype="string"),
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
        task = np.tile(np.arange(b, dtype=np.int32), n)
        no_day = self.day == NO_DAY
        self.day[no_day] = 0
        table = {
            "trial_id": categorical(np.zeros(n * b, dtype=np.int8), [self.trial_id], unused=True),
            "subject_id": pd.array(np.asarray(self.subjects, dtype=object), dtype="string").take(
                np.repeat(np.arange(n), b), allow_fill=True),
            "endpoint": categorical(task, [e.name for e, _ in self.tasks], unused=True),
            "timepoint": categorical(task, [tp.label for _, tp in self.tasks], unused=True),
            "day": pd.arrays.IntegerArray(self.day, no_day),
            "result": pd.arrays.BooleanArray(self.result, self.result_missing),
            "category": self.category.categorical(),
            "value": pd.arrays.FloatingArray(self.value, np.isnan(self.value)),
            "reason": self.reason.categorical(),
        }
        return pd.DataFrame(table, columns=list(COLUMNS), copy=False)
