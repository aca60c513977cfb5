"""``score``: validate the visits, evaluate every endpoint x timepoint of a trial with
its family's evaluator, and assemble the long result table (SPEC section 1)."""

from __future__ import annotations

import os
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from . import derived, reasons, registry
from .assembly import ResultTable
from .definitions import Endpoint, Timepoint, TrialDefinition, criteria_of
from .errors import EndpointsWarning
from .inputs.visits import Visits, check_visits
from .kinds import adverse, change, doses, events, level, response
from .kinds.base import NO_DAY, NO_VISITS, Block, at_assessment
from .nodes import Outcome, evaluate, variables

#: endpoint kind -> evaluator(visits, trial, endpoint, timepoint) -> Block
FAMILIES: dict[str, Callable[..., Block]] = {
    "response": response.response,
    "categorical": response.categorical,
    "time_to_event": response.time_to_event,
    "change": change.change,
    "event": events.event,
    "cumulative_dose": doses.cumulative_dose,
    "level": level.level,
    "adverse_event": adverse.adverse_event,
}
#: kinds that read other tables as well as the visits: they decide for subjects without
#: visits themselves (an adverse event counts without any visit)
OWN_SUBJECTS = frozenset({"adverse_event"})

#: visit rows scored at a time: large tables are scored in blocks of whole subjects
#: (subjects are independent), which keeps the working arrays cache-sized
BLOCK_ROWS = 2**20
#: result rows (subjects x endpoint-timepoints) of a block at most: a trial with many
#: endpoints is scored in smaller blocks, so the blocks in flight hold a bounded result
BLOCK_RESULTS = 2**22
#: blocks scored at once, on threads (numpy releases the GIL)
WORKERS = min(2, os.cpu_count() or 1)



def score(
    visits: pd.DataFrame,
    trial: str | TrialDefinition,
    *,
    medications: pd.DataFrame | None = None,
    columns: Mapping[str, str] | None = None,
    units: Mapping[str, str | float] | None = None,
    drug_classes: Mapping[str, str | float] | None = None,
    subjects: tuple[str, ...] = (),
    adverse_events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Score a pandas visit table: the engine behind :func:`endpoints.score` (which
    sends dask DataFrames to :mod:`endpoints.distributed`); the same arguments, and
    `subjects`: further subject IDs, with or without visits."""
    definition = trial if isinstance(trial, TrialDefinition) else registry.get_trial(trial)
    needs = {e.name: _needs(e, definition) for e in definition.endpoints}
    needed = set().union(*needs.values())
    table = check_visits(visits, columns=columns, units=units, needed=needed, select=True,
                         medications=medications, drug_classes=drug_classes,
                         subjects=subjects, adverse_events=adverse_events,
                         derive=derived.methods_of(definition.derived, sorted(needed)))
    provided = table.visits(0, 0).values.keys()  # no subject: just the columns, derived too
    absent = {name: sorted(cols - provided) for name, cols in needs.items()}
    lacking = sorted(set().union(*absent.values()))
    without_events = adverse_events is None and any(
        e.kind == "adverse_event" for e in definition.endpoints)
    if lacking or without_events:
        warnings.warn(_missing_inputs(lacking, without_events), EndpointsWarning, stacklevel=3)
    tasks = sorted(
        ((e, definition.timepoint(label)) for e in definition.endpoints for label in e.timepoints),
        key=lambda task: (task[0].name, task[1].day, task[1].label),
    )
    results = ResultTable(definition.id, tasks, table.subjects)
    parts = table.blocks(_block_rows(table, tasks))
    for blocks in ahead(lambda part: [_evaluate(part, definition, e, tp, absent[e.name])
                                      for e, tp in tasks], parts):
        results.put(blocks)
    return results.frame()


def _block_rows(table, tasks: list) -> int:
    """Visit rows per block: :data:`BLOCK_ROWS`, fewer when the block's subjects would
    have more than :data:`BLOCK_RESULTS` result rows.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> table = SimpleNamespace(n_rows=13_000_000, subjects=range(1_000_000))
    >>> _block_rows(table, [None] * 47) == BLOCK_ROWS, _block_rows(table, [None] * 184)
    (True, 296336)
    """
    per_subject = table.n_rows / max(1, len(table.subjects))
    return max(1, min(BLOCK_ROWS, int(BLOCK_RESULTS / max(1, len(tasks)) * per_subject)))


def ahead(function: Callable, items: Iterable, workers: int = WORKERS) -> Iterator:
    """``map(function, items)``, `workers` items at a time on threads while the next
    item is made: blocks of subjects are independent, and numpy releases the GIL, so a
    large table is scored on `workers` cores with at most `workers` + 1 blocks in memory.
    Results come in the order of `items` (the first error too), whatever thread finishes
    first.

    Examples
    --------
    >>> list(ahead(lambda x: x * x, iter(range(5)), workers=2))
    [0, 1, 4, 9, 16]
    """
    items, none = iter(items), object()
    first, second = next(items, none), next(items, none)
    if second is none or workers < 2:  # one block (or one worker): no thread to start
        yield from map(function, (item for item in (first, second) if item is not none))
        yield from map(function, items)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending = deque([pool.submit(function, first), pool.submit(function, second)])
        for item in items:
            if len(pending) >= workers:
                yield pending.popleft().result()
            pending.append(pool.submit(function, item))
        while pending:
            yield pending.popleft().result()


def _missing_inputs(columns: list[str], without_events: bool) -> str:
    """The one warning of a call: the absent columns, compactly (a trial with a panel of
    optional endpoints may miss many), and an absent adverse-events table.

    Examples
    --------
    >>> _missing_inputs(["c3", "c4"], False)
    'columns not provided: c3, c4; endpoints needing them are not evaluable'
    >>> message = _missing_inputs([f"x{i:02}" for i in range(15)], True)
    >>> message.startswith("columns not provided (15): x00, x01,"), message.split("; ")[1:]
    (True, ['adverse-events table not provided', 'endpoints needing them are not evaluable'])
    >>> "x11 ... and 3 more" in message
    True
    """
    parts = []
    if columns:
        shown = ", ".join(columns) if len(columns) <= 12 else (
            f"{', '.join(columns[:12])} ... and {len(columns) - 12} more")
        count = f" ({len(columns)})" if len(columns) > 12 else ""
        parts.append(f"columns not provided{count}: {shown}")
    if without_events:
        parts.append("adverse-events table not provided")
    return "; ".join(parts) + "; endpoints needing them are not evaluable"


def _needs(endpoint: Endpoint, trial: TrialDefinition) -> set[str]:
    found = {v for c in criteria_of(endpoint) for v in variables(c, trial.criteria)}
    if hasattr(endpoint, "variable"):
        found.add(endpoint.variable)
    return found


def _evaluate(v: Visits, trial: TrialDefinition, endpoint: Endpoint, tp: Timepoint,
              absent: list[str]) -> Block:
    if absent:
        noun = "column" if len(absent) == 1 else "columns"
        return _without_visits(v, Block.empty(v.n_subjects,
                                              f"{noun} {', '.join(absent)} not provided"))
    block = FAMILIES[endpoint.kind](v, trial, endpoint, tp)
    if endpoint.applies_if is not None:
        block = _restrict(block, evaluate(endpoint.applies_if, at_assessment(v, trial, tp)),
                          endpoint.not_applicable)
    return block if endpoint.kind in OWN_SUBJECTS else _without_visits(v, block)


def _without_visits(v: Visits, block: Block) -> Block:
    """Subjects known only from another table (no visit at all) are not evaluable."""
    none = v.without_visits
    if not none.any():
        return block
    result = block.result.copy()
    result[none] = pd.NA
    return Block(np.where(none, NO_DAY, block.day), result, reasons.where(~none, block.category),
                 np.where(none, np.nan, block.value),
                 reasons.coalesce(reasons.const(none, NO_VISITS), block.reason))


def _restrict(block: Block, applies: Outcome, not_applicable: str) -> Block:
    """Blank the results of subjects the endpoint does not apply to (or may not)."""
    out = ~applies.true
    result = block.result.copy()
    result[out] = pd.NA
    why = reasons.coalesce(
        reasons.const(applies.false, not_applicable),
        reasons.prefix(reasons.where(applies.unknown, applies.why), "not evaluable: "),
        block.reason,
    )
    category = reasons.where(~out, block.category)
    day = np.where(out, NO_DAY, block.day)
    return Block(day, result, category, np.where(out, np.nan, block.value), why)
