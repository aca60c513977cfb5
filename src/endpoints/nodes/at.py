"""``At``: a criterion read at the assessment visit of another timepoint."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from .. import reasons
from .base import Context, Node, Outcome, day_text, evaluate, label_of

if TYPE_CHECKING:
    from .base import Criterion


class At(Node):
    """`criterion` read at the assessment visit of another `timepoint`."""

    key: ClassVar[str] = "criterion"
    per_subject: ClassVar[bool] = True

    timepoint: str
    criterion: Criterion

    def children(self) -> tuple[Criterion, ...]:
        return (self.criterion,)

    def timepoints(self) -> tuple[str, ...]:
        return (self.timepoint,)

    def describe(self) -> str:
        return self.label or f"{label_of(self.criterion)} at the {self.timepoint} visit"

    def explain(self) -> str:
        return f"at the assessment visit of {self.timepoint!r}"

    def evaluate(self, ctx: Context) -> Outcome:
        other = ctx.at_timepoint(ctx.trial.timepoint(self.timepoint))
        inner = evaluate(self.criterion, other)
        label = self.describe()
        why = reasons.coalesce(
            reasons.const(other.rows < 0, f"{label}: no {self.timepoint} visit"),
            reasons.where(inner.true, day_text(ctx.visits, other.rows, label + " (day {day})")),
            reasons.prefix(inner.why, f"{self.timepoint} visit: "),
        )
        return Outcome(inner.value, why)
