"""``Throughout``: a criterion met at every visit of a span of the follow-up."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd

from .. import reasons, timeline
from .base import Context, Node, Outcome, day_text, evaluate, label_of

if TYPE_CHECKING:
    from .base import Criterion


class Throughout(Node):
    """`throughout` met at every visit from the assessment visit of timepoint `since`
    (or, lacking one, from its target day) through the current assessment visit."""

    key: ClassVar[str] = "throughout"
    per_subject: ClassVar[bool] = True
    children_per_visit: ClassVar[bool] = True

    throughout: Criterion
    since: str

    def children(self) -> tuple[Criterion, ...]:
        return (self.throughout,)

    def timepoints(self) -> tuple[str, ...]:
        return (self.since,)

    def describe(self) -> str:
        return self.label or f"{label_of(self.throughout)} at every visit since {self.since}"

    def explain(self) -> str:
        return (f"at every visit from the {self.since!r} assessment visit through this "
                "timepoint's assessment visit")

    def evaluate(self, ctx: Context) -> Outcome:
        v = ctx.visits
        since = ctx.trial.timepoint(self.since)
        start_rows = timeline.assessment_rows(v, since.day, since.window)
        start = timeline.day_at(v, start_rows, since.day)
        end = timeline.day_at(v, ctx.rows, np.iinfo(np.int64).min)
        span = (v.day >= start[v.code]) & (v.day <= end[v.code])
        inner = evaluate(self.throughout, ctx.every_visit())
        first_fail = timeline.first_row(v, span & inner.false)
        first_unknown = timeline.first_row(v, span & inner.unknown)
        failed, unsure = first_fail >= 0, (first_unknown >= 0) | (ctx.rows < 0)
        value = pd.arrays.BooleanArray(~failed & ~unsure, ~failed & unsure)
        label = self.describe()
        why = reasons.coalesce(
            day_text(v, first_fail, label + ": not met at day {day}"),
            reasons.const(~failed & (ctx.rows < 0), "no visit in window"),
            reasons.where(~failed, day_text(v, first_unknown, label + ": unknown at day {day}")),
        )
        return Outcome(value, why)
