"""Scoring dask DataFrames: ``ep.score(ddf, trial)`` returns a lazy dask DataFrame.

Scoring is per subject, so a visit table can be scored partition by partition once every
subject's visits live in one partition. Rows of one subject may arrive split across
partitions (a table read from several files, or ordered by date), so the visits are
first hash-partitioned on the subject ID *as a string* (the form the result uses, so
``1`` and ``"1"`` are the same subject, as in the pandas path): each row gets the key
``hash(str(subject_id)) mod n`` and ``set_index`` with divisions ``0, 1, ..., n`` moves
every row with key ``i`` to partition ``i``. A dask medications table is partitioned the
same way, so partition ``i`` of both holds the same subjects; a pandas medications table
is sent once to the workers and each partition keeps the records of its own subjects.
Each partition is then scored by the pandas :func:`endpoints.score`.

The result has the pandas result's columns and dtypes (its ``meta`` is the score of the
empty input, computed on the client, which also checks the columns, units and trial at
once and emits the usual :class:`~endpoints.errors.EndpointsWarning` for absent
columns), except that ``category`` and ``reason`` are string columns: as categoricals
each partition would list its own texts, which dask can neither combine in order nor
write to one Parquet schema. ``trial_id``, ``endpoint`` and ``timepoint`` have the
trial's categories in every partition, as in the pandas result. Rows are sorted by
subject, endpoint and timepoint *within* each partition; the partitions are in hash
order, not subject order, and each has its own 0-based index. After ``compute()``,
sorting by ``subject_id``, ``endpoint`` and ``timepoint`` and resetting the index gives
the pandas result, ``category`` and ``reason`` as text. Value
problems in the data (:class:`~endpoints.errors.InputError`) are found when the
partitions are computed and name the first offending subject/day *of the partition*
that failed.

dask is an optional dependency (``pip install endpoints[dask]``); this module imports it
only when a dask DataFrame is scored.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import engine, registry
from .definitions import TrialDefinition
from .errors import EndpointsWarning, InputError
from .inputs.text import encode

#: temporary column holding each row's target partition
KEY = "__endpoints_partition__"
#: result columns given as text: as categoricals, each partition would list its own
#: texts, which dask could neither combine in order nor write to one Parquet schema
TEXTS_USED = ("category", "reason")


def is_dask_dataframe(obj: Any) -> bool:
    """True if `obj` is a dask DataFrame (without importing dask when it is not loaded)."""
    dd = sys.modules.get("dask.dataframe")
    return dd is not None and isinstance(obj, dd.DataFrame)


def score(
    visits: Any,
    trial: str | TrialDefinition,
    *,
    medications: Any = None,
    columns: Mapping[str, str] | None = None,
    units: Mapping[str, str | float] | None = None,
    drug_classes: Mapping[str, str | float] | None = None,
    adverse_events: Any = None,
):
    """Score a dask visit table lazily; see :func:`endpoints.score` for the arguments.
    An adverse-events table (pandas, or dask: it is small, and is computed once) is
    split by the partitions of its subjects like a pandas medications table.

    Returns
    -------
    dask.dataframe.DataFrame
        The pandas result's columns and dtypes, one partition per input partition.
    """
    import dask
    import dask.dataframe as dd

    definition = trial if isinstance(trial, TrialDefinition) else registry.get_trial(trial)
    meds_is_dask = is_dask_dataframe(medications)
    if medications is not None and not meds_is_dask and not isinstance(medications, pd.DataFrame):
        raise InputError("(medications table)", "expected a pandas or dask DataFrame, got "
                         f"{type(medications).__name__}")
    # Checks columns, units and the trial now, warns once, and gives the result's meta.
    empty_meds = None
    if medications is not None:
        empty_meds = medications._meta if meds_is_dask else medications.iloc[:0]
    if is_dask_dataframe(adverse_events):
        adverse_events = adverse_events.compute()
    if adverse_events is not None and not isinstance(adverse_events, pd.DataFrame):
        raise InputError("(adverse-events table)", "expected a pandas or dask DataFrame, got "
                         f"{type(adverse_events).__name__}")
    meta = engine.score(visits._meta, definition, medications=empty_meds, columns=columns,
                        units=units, drug_classes=drug_classes,
                        adverse_events=None if adverse_events is None else
                        adverse_events.iloc[:0])
    meta = _as_text(meta)
    columns, units = dict(columns or {}), dict(units or {})  # mappings: checked just above
    subject = next((user for user, canonical in columns.items() if canonical == "subject_id"),
                   "subject_id")

    n = visits.npartitions
    divisions = tuple(range(n + 1))  # partition i holds key i (the last also n: never used)
    parts = _partitioned(visits, subject, n, divisions)
    options = {"definition": definition, "columns": columns, "units": units,
               "drug_classes": drug_classes, "empty": meta}
    events = None if adverse_events is None else dask.delayed(
        _by_partition(adverse_events, n), pure=True)  # sent to workers once
    if medications is None:
        return parts.map_partitions(_score_partition, None, events, meta=meta,
                                    clear_divisions=True, **options)
    if meds_is_dask:
        meds = _partitioned(medications, "subject_id", n, divisions)
        return dd.map_partitions(_score_partition, parts, meds, events, meta=meta,
                                 clear_divisions=True, **options)
    meds = dask.delayed(_by_partition(medications, n), pure=True)  # sent to workers once
    return parts.map_partitions(_score_partition, meds, events, meta=meta,
                                clear_divisions=True, **options)


def partition_of(subject: pd.Series | pd.Index, n: int) -> np.ndarray:
    """Target partition (0..n-1) of each row: a hash of the subject ID's text form (the
    form subjects are matched on: ``1.0`` and ``1`` are one subject).

    Deterministic across processes and runs; missing IDs go to partition 0 (where the
    pandas scorer reports them).

    Examples
    --------
    >>> a = partition_of(pd.Series(["7", "12", "7"]), 4)
    >>> bool(a[0] == a[2]), bool((partition_of(pd.Series([7.0, 12, 7]), 4) == a).all())
    (True, True)
    """
    codes, labels, _ = encode(pd.Series(subject))
    buckets = (pd.util.hash_array(labels) % np.uint64(n)).astype(np.int64)
    return np.where(codes >= 0, buckets[np.maximum(codes, 0)] if len(buckets) else 0, 0)


def _with_key(frame: pd.DataFrame, subject: str, n: int) -> pd.DataFrame:
    if subject not in frame.columns:  # the pandas scorer names the missing column
        return frame.assign(**{KEY: np.zeros(len(frame), dtype=np.int64)})
    return frame.assign(**{KEY: partition_of(frame[subject], n)})


def _partitioned(frame, subject: str, n: int, divisions: tuple[int, ...]):
    """`frame` (dask) with every row in the partition of its subject (index = KEY)."""
    meta = frame._meta.assign(**{KEY: np.zeros(0, dtype=np.int64)})
    keyed = frame.map_partitions(_with_key, subject, n, meta=meta)
    return keyed.set_index(KEY, divisions=divisions)


def _by_partition(table: pd.DataFrame, n: int) -> dict[int | None, pd.DataFrame]:
    """A pandas table of records (medications, adverse events) split by the partition
    of its subjects (key None: no records, for partitions without any)."""
    if "subject_id" not in table.columns:  # the pandas scorer names the missing column
        return {None: table}
    keys = partition_of(table["subject_id"], n)
    split: dict[int | None, pd.DataFrame] = {None: table.iloc[:0]}
    split.update({int(k): part for k, part in table.groupby(keys, sort=False)})
    return split


def _score_partition(part: pd.DataFrame, meds, events=None, *, definition: TrialDefinition,
                     columns: dict, units: dict, drug_classes, empty: pd.DataFrame,
                     partition_info=None) -> pd.DataFrame:
    """Score one partition (all visits and records of its subjects) with the pandas
    scorer; a partition without visits may still hold subjects of the other tables."""
    number = None if partition_info is None else partition_info["number"]
    if isinstance(meds, dict):  # a pandas table split by partition: this one's records
        meds = meds.get(number, meds[None])
    elif meds is not None:
        meds = meds.reset_index(drop=True)
    if isinstance(events, dict):
        events = events.get(number, events[None])
    if len(part) == 0 and (meds is None or len(meds) == 0) and (
            events is None or len(events) == 0):
        return empty
    visits = part.reset_index(drop=True)
    with warnings.catch_warnings():  # the client warned of absent columns once already
        warnings.filterwarnings("ignore", "columns not provided", EndpointsWarning)
        return _as_text(engine.score(visits, definition, medications=meds, columns=columns,
                                     units=units, drug_classes=drug_classes,
                                     adverse_events=events))


def _as_text(results: pd.DataFrame) -> pd.DataFrame:
    """The result with :data:`TEXTS_USED` as string columns."""
    return results.astype({column: "string" for column in TEXTS_USED})
