"""``AllOf`` / ``AnyOf``: Kleene AND / OR of criteria."""

from __future__ import annotations

import operator
from functools import reduce
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import Field

from .. import reasons
from .base import Context, Node, Outcome, evaluate, label_of

if TYPE_CHECKING:
    from .base import Criterion


class AllOf(Node):
    """All criteria hold (Kleene AND: one known failure is a failure)."""

    key: ClassVar[str] = "all"

    all: tuple[Criterion, ...] = Field(min_length=1)

    def children(self) -> tuple[Criterion, ...]:
        return self.all

    def describe(self) -> str:
        return self.label or " and ".join(label_of(c) for c in self.all)

    def explain(self) -> str:
        return "all of"

    def evaluate(self, ctx: Context) -> Outcome:
        return _combine(self, [evaluate(t, ctx) for t in self.all], conjunction=True)


class AnyOf(Node):
    """At least one criterion holds (Kleene OR: one known success is a success)."""

    key: ClassVar[str] = "any"

    any: tuple[Criterion, ...] = Field(min_length=1)

    def children(self) -> tuple[Criterion, ...]:
        return self.any

    def describe(self) -> str:
        return self.label or "(" + " or ".join(label_of(c) for c in self.any) + ")"

    def explain(self) -> str:
        return "any of"

    def evaluate(self, ctx: Context) -> Outcome:
        return _combine(self, [evaluate(t, ctx) for t in self.any], conjunction=False)


def _combine(node: Node, terms: list[Outcome], *, conjunction: bool) -> Outcome:
    """Kleene AND / OR of the terms' outcomes. Reasons: the failed terms (AND) or the
    node's own label (OR) where False; the unknown terms where unknown; what happened
    where True. The terms' counts add up."""
    if conjunction:
        value = reduce(operator.and_, (t.value for t in terms))
        failed = [reasons.where(t.false, t.why) for t in terms]
    else:
        value = reduce(operator.or_, (t.value for t in terms))
        failed = [reasons.const(np.ones(len(value), dtype=bool), node.describe())]
    # counts of the terms that count things add up (e.g. domains with a new BILAG grade)
    counts: dict[str, np.ndarray] = {}
    for term in terms:
        for name, count in term.counts.items():
            counts[name] = counts[name] + count if name in counts else count
    out = Outcome(value, reasons.none(len(value)), counts)
    unknown = reasons.join([reasons.where(t.unknown, t.why) for t in terms], sep=", ")
    happened = reasons.coalesce(*(reasons.where(t.true, t.why) for t in terms))
    out.why = reasons.coalesce(
        reasons.where(out.false, reasons.join(failed, sep=", ")),
        reasons.where(out.unknown, unknown),
        reasons.where(out.true, happened),
    )
    return out
