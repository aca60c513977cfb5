"""What every criterion node is and shares: the :class:`Node` contract, the evaluation
:class:`Context` and :class:`Outcome`, and the walks over criterion trees.

A criterion is a node or a string, the name of a criterion defined in the trial's
``criteria`` table. Each node type is one module of this package and declares, beside
its model (the keys of a definition file):

- ``key``: the field that tells it apart in a definition (``"all"``, ``"ever"``, ...);
- ``per_subject``: it answers once per subject over a period, so it is read where one
  item per subject is assessed at a timepoint, never visit by visit;
- ``children_per_visit``: its children are read visit by visit (events, spans);
- :meth:`Node.children`, :meth:`Node.columns` (the visit columns it reads itself),
  :meth:`Node.timepoints` (those it refers to), :meth:`Node.describe` and
  :meth:`Node.evaluate`.

The engine, the definition checks, the missing-column check and the docs read these
declarations; nothing else knows a node type.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from .. import reasons, timeline
from ..inputs.sorting import dense_ranks
from ..inputs.visits import Visits
from ..model import Model

if TYPE_CHECKING:
    from ..definitions import Timepoint, TrialDefinition

    Criterion = Any

#: every node type, by its key (filled in as the modules of this package are imported)
NODES: dict[str, type[Node]] = {}


class Node(Model):
    """Base of criterion nodes; see the module docstring for the contract."""

    key: ClassVar[str] = ""
    per_subject: ClassVar[bool] = False
    children_per_visit: ClassVar[bool] = False

    label: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.key:
            NODES[cls.key] = cls

    def children(self) -> tuple[Criterion, ...]:
        """The criteria directly inside this one."""
        return ()

    def columns(self, *, at_visit: bool = False) -> tuple[str, ...]:
        """The visit columns this node reads itself (with `at_visit`, only those read at
        the visit, not at baseline)."""
        return ()

    def timepoints(self) -> tuple[str, ...]:
        """The timepoints this node refers to by label."""
        return ()

    def describe(self) -> str:
        """A readable label: the node's ``label`` or a description of its rule."""
        raise NotImplementedError

    def explain(self) -> str:
        """The node's rule in words, whatever its label: for a node with children, how
        it reads them (``"all of"``, ``"at some visit of the period"``); for a leaf, its
        rule. Used by the documentation of the trials."""
        return self.model_copy(update={"label": None}).describe()

    def evaluate(self, ctx: Context) -> Outcome:
        """The three-valued result of this node for every item of `ctx`."""
        raise NotImplementedError


@dataclass
class Outcome:
    """Three-valued result per evaluated item, with the reason where it is not True
    (and, for events, where it is True: what happened and when).

    ``counts`` carries event counts (``"visits"``, ``"domains"``) for the nodes that
    count things.
    """

    value: pd.arrays.BooleanArray
    why: reasons.Reason
    counts: dict[str, np.ndarray] = field(default_factory=dict)

    # read many times by the nodes above: computed once (`value` is never replaced), and
    # read-only, as an outcome may be shared by every node that names its criterion
    @functools.cached_property
    def true(self) -> np.ndarray:
        return _frozen(self.value.to_numpy(dtype=bool, na_value=False))

    @functools.cached_property
    def false(self) -> np.ndarray:
        return _frozen((~self.value).to_numpy(dtype=bool, na_value=False))

    @functools.cached_property
    def unknown(self) -> np.ndarray:
        return _frozen(np.asarray(self.value.isna()))


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


#: the scope of a context over every visit row, in order
EVERY_VISIT = ("every visit",)


@dataclass
class Context:
    """Where criteria are read: one row of `visits` per evaluated item (``-1``: none).

    Parameters
    ----------
    visits : Visits
    rows : ndarray of int64
        The visit row read for each evaluated item.
    subject : ndarray of int64
        The subject code of each evaluated item (baseline / reference lookups).
    trial : TrialDefinition
        For named criteria and timepoints.
    timepoint : Timepoint, optional
        The timepoint being assessed; set when there is one item per subject, which is
        what nodes answering per subject (events, other timepoints' visits) need.
    scope : tuple, optional
        Names the rows read (every visit, or one timepoint's assessment visits).
        Contexts of the same scope, visits and trial share their evaluated named
        criteria, so e.g. a flare definition is evaluated over every visit once per
        call of ``score``, not once per endpoint and timepoint that refers to it.
    """

    visits: Visits
    rows: np.ndarray
    subject: np.ndarray
    trial: TrialDefinition
    timepoint: Timepoint | None = None
    scope: tuple | None = None
    _done: dict[str, Outcome] = field(default_factory=dict, repr=False)

    @property
    def at_baseline(self) -> bool:
        """Whether the rows are the subjects' baseline: a visit's values are then each
        variable's baseline value."""
        return self.timepoint is not None and self.timepoint.baseline

    def __post_init__(self) -> None:
        if self.scope is not None:
            self._done = self.visits.cache.setdefault(("named", self.trial.id, *self.scope), {})

    @property
    def named(self) -> Mapping[str, Criterion]:
        return self.trial.criteria

    def every_visit(self) -> Context:
        """A context over every visit row of every subject."""
        v = self.visits
        return Context(v, np.arange(v.n_rows), v.code, self.trial, scope=EVERY_VISIT)

    def at_timepoint(self, timepoint: Timepoint) -> Context:
        """A context over each subject's assessment visit of `timepoint`."""
        v = self.visits
        if timepoint.baseline:
            return Context(v, timeline.baseline_rows(v), np.arange(v.n_subjects), self.trial,
                           timepoint, scope=("baseline",))
        rows = timeline.assessment_rows(v, timepoint.day, timepoint.window)
        return Context(v, rows, np.arange(v.n_subjects), self.trial, timepoint,
                       scope=("assessment", timepoint.day, timepoint.window))

    def read(self, variable: str, at: str) -> np.ndarray:
        """The values of `variable` at the visit, or the subject's baseline / reference."""
        v = self.visits
        if at == "visit" and self.at_baseline:
            at = "baseline"
        if at == "visit" and self.scope == EVERY_VISIT:  # every row in order: no copy
            view = v.column(variable).view()
            view.flags.writeable = False
            return view
        if at == "visit":
            return timeline.take(v.column(variable), self.rows)
        if at == "previous":
            return timeline.take(timeline.previous(v, variable), self.rows)
        per_subject = timeline.baseline(v, variable) if at == "baseline" else (
            timeline.reference(v, variable)
        )
        return per_subject[self.subject]


def evaluate(criterion: Criterion, ctx: Context) -> Outcome:
    """Evaluate `criterion` (a node, or the name of a defined criterion) for every item
    of `ctx`; a named criterion is evaluated once per scope."""
    if isinstance(criterion, str):
        if criterion not in ctx._done:
            ctx._done[criterion] = evaluate(ctx.named[criterion], ctx)
        return ctx._done[criterion]
    if criterion.per_subject and ctx.timepoint is None:  # prevented by the definition checks
        raise RuntimeError(f"{type(criterion).__name__} needs an assessment context")
    return criterion.evaluate(ctx)


def describe(criterion: Criterion, named: Mapping[str, Criterion]) -> str:
    """A readable label of a criterion; a named reference shows its definition's label."""
    return describe(named[criterion], named) if isinstance(criterion, str) else (
        criterion.describe())


def label_of(criterion: Criterion) -> str:
    """The label of a criterion as written inside another one's description."""
    return criterion if isinstance(criterion, str) else criterion.describe()


def variables(criterion: Criterion, named: Mapping[str, Criterion], *,
              at_visit: bool = False) -> Iterator[str]:
    """The visit columns a criterion reads, following named references (with
    `at_visit`, only those read at the visit itself, not at baseline)."""
    if isinstance(criterion, str):
        yield from variables(named[criterion], named, at_visit=at_visit)
        return
    yield from criterion.columns(at_visit=at_visit)
    for term in criterion.children():
        yield from variables(term, named, at_visit=at_visit)


def day_text(v: Visits, rows: np.ndarray, template: str) -> reasons.Reason:
    """`template` formatted with the day of each row (no reason where a row is -1)."""
    return days_text(timeline.day_at(v, rows), rows >= 0, template)


def days_text(days: np.ndarray, present: np.ndarray, template: str) -> reasons.Reason:
    """`template` formatted with each day, where `present` (distinct days formatted once)."""
    uniques, codes = dense_ranks(days)
    texts = np.array([template.format(day=d) for d in uniques.tolist()], dtype=object)
    return reasons.where(present, reasons.Reason(codes, texts))
