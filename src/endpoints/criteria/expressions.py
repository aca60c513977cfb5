"""Evaluate criterion trees (:mod:`endpoints.definitions`) over visits, in Kleene logic.

A :class:`Context` fixes which visit is read for each subject (the assessment visit of
a timepoint, or every visit for time-to-event scans). :func:`evaluate` returns an
:class:`Outcome`: a nullable boolean array (True met, False not met, <NA> unknown)
and, where not True, a reason naming the failed criterion or the missing input.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import reduce

import numpy as np
import pandas as pd

from .. import reasons, timeline
from ..decimals import errstate, rounded
from ..definitions import (
    AllOf,
    Compare,
    Criterion,
    NewBilag,
    Timepoint,
    TrialDefinition,
    children,
)
from ..inputs.visits import Visits

#: evaluators of further criterion node types, registered by their modules
EVALUATORS: dict[type, Callable[[Criterion, Context], Outcome]] = {}

_OPS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


@dataclass
class Outcome:
    """Three-valued result per evaluated item, with the reason where it is not True
    (and, for events, where it is True: what happened and when).

    ``counts`` carries event counts (``"visits"``, ``"domains"``) for the nodes that
    count things.
    """

    value: pd.arrays.BooleanArray
    why: pd.Categorical
    counts: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def true(self) -> np.ndarray:
        return self.value.to_numpy(dtype=bool, na_value=False)

    @property
    def false(self) -> np.ndarray:
        return (~self.value).to_numpy(dtype=bool, na_value=False)

    @property
    def unknown(self) -> np.ndarray:
        return self.value.isna()


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
        what period-based criteria (events, other timepoints' visits) need.
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

    def __post_init__(self) -> None:
        if self.scope is not None:
            self._done = self.visits.cache.setdefault(("named", self.trial.id, *self.scope), {})

    @property
    def named(self) -> Mapping[str, Criterion]:
        return self.trial.criteria

    def every_visit(self) -> Context:
        """A context over every visit row of every subject."""
        v = self.visits
        return Context(v, np.arange(v.n_rows), v.code, self.trial, scope=("every visit",))

    def at_timepoint(self, timepoint: Timepoint) -> Context:
        """A context over each subject's assessment visit of `timepoint`."""
        v = self.visits
        rows = timeline.assessment_rows(v, timepoint.day, timepoint.window)
        return Context(v, rows, np.arange(v.n_subjects), self.trial, timepoint,
                       scope=("assessment", timepoint.day, timepoint.window))

    def read(self, variable: str, at: str) -> np.ndarray:
        """The values of `variable` at the visit, or the subject's baseline / reference."""
        v = self.visits
        if at == "visit":
            return timeline.take(v.column(variable), self.rows)
        if at == "previous":
            return timeline.take(timeline.previous(v, variable), self.rows)
        per_subject = timeline.baseline(v, variable) if at == "baseline" else (
            timeline.reference(v, variable)
        )
        return per_subject[self.subject]


def evaluate(criterion: Criterion, ctx: Context) -> Outcome:
    """Evaluate `criterion` for every item of `ctx`.

    Examples
    --------
    >>> from endpoints.inputs.visits import prepare
    >>> v = prepare(pd.DataFrame({"subject_id": ["a", "b", "c"], "day": 168,
    ...                           "upcr": [0.5, 0.4, None]}))
    >>> from endpoints.definitions import TrialDefinition
    >>> trial = TrialDefinition(id="T", title="", timepoints=[{"label": "w", "day": 168}],
    ...     endpoints=[{"kind": "change", "name": "x", "variable": "upcr", "timepoints": ["w"]}])
    >>> ctx = Context(v, np.arange(3), v.code, trial)
    >>> out = evaluate(Compare(variable="upcr", op="<", value=0.5), ctx)
    >>> out.value.tolist(), out.why.tolist()
    ([False, True, <NA>], ['upcr < 0.5', nan, 'upcr < 0.5: upcr missing'])
    """
    if isinstance(criterion, str):
        if criterion not in ctx._done:
            ctx._done[criterion] = evaluate(ctx.named[criterion], ctx)
        return ctx._done[criterion]
    if isinstance(criterion, Compare):
        return _compare(criterion, ctx)
    if type(criterion) in EVALUATORS:
        return EVALUATORS[type(criterion)](criterion, ctx)
    terms = [evaluate(t, ctx) for t in (criterion.all if isinstance(criterion, AllOf) else
                                         criterion.any)]
    if isinstance(criterion, AllOf):
        value = reduce(operator.and_, (t.value for t in terms))
        failed = [reasons.where(t.false, t.why) for t in terms]
    else:
        value = reduce(operator.or_, (t.value for t in terms))
        failed = [reasons.const(np.ones(len(value), dtype=bool), criterion.describe())]
    out = Outcome(value, reasons.none(len(value)))
    unknown = reasons.join([reasons.where(t.unknown, t.why) for t in terms], sep=", ")
    happened = reasons.coalesce(*(reasons.where(t.true, t.why) for t in terms))
    out.why = reasons.coalesce(
        reasons.where(out.false, reasons.join(failed, sep=", ")),
        reasons.where(out.unknown, unknown),
        reasons.where(out.true, happened),
    )
    return out


def _compare(c: Compare, ctx: Context) -> Outcome:
    x = ctx.read(c.variable, c.at)
    inputs = [(x, c.variable if c.at == "visit" else f"{c.at} {c.variable}")]
    lhs, rhs = x, np.float64(c.value)
    with errstate():
        if c.change_from:
            other = ctx.read(c.variable, c.change_from)
            inputs.append((other, f"{c.change_from} {c.variable}"))
            lhs = x - other
        elif c.of:
            other = ctx.read(c.variable, c.of)
            inputs.append((other, f"{c.of} {c.variable}"))
            rhs = c.value * other
        diff = rounded(lhs - rhs)
    unknown = np.isnan(diff)
    value = pd.arrays.BooleanArray(_OPS[c.op](np.where(unknown, 0.0, diff), 0.0), unknown)
    label = c.describe()
    missing = [reasons.const(np.isnan(a), name) for a, name in inputs]
    why_missing = reasons.prefix(reasons.join(missing, sep=" and "), f"{label}: ")
    why_missing = reasons.where(unknown, why_missing.rename_categories(
        [s + " missing" for s in why_missing.categories]))
    return Outcome(value, reasons.coalesce(reasons.const(~unknown & ~value.to_numpy(
        dtype=bool, na_value=True), label), why_missing))


def describe(criterion: Criterion, named: Mapping[str, Criterion]) -> str:
    """A readable label of a criterion; a named reference shows its definition's label."""
    return describe(named[criterion], named) if isinstance(criterion, str) else (
        criterion.describe())


def variables(
    criterion: Criterion, named: Mapping[str, Criterion], *, at_visit: bool = False
) -> Iterator[str]:
    """The visit columns a criterion reads (following named references).

    With ``at_visit``, only those read at the visit itself (not baselines).
    """
    if isinstance(criterion, str):
        yield from variables(named[criterion], named, at_visit=at_visit)
    elif isinstance(criterion, Compare):
        if not at_visit or criterion.at == "visit":
            yield criterion.variable
    elif isinstance(criterion, NewBilag):
        yield from (f"bilag_{d}" for d in criterion.domains)
    else:
        for term in children(criterion):
            yield from variables(term, named, at_visit=at_visit)
