"""``Ever`` / ``Never``: an event at some visit of the timepoint's period, or none."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd

from .. import reasons, timeline
from .base import Context, Node, Outcome, day_text, evaluate, label_of, variables

if TYPE_CHECKING:
    from .base import Criterion


class Ever(Node):
    """An event: `ever` met at some visit of the timepoint's period (after `after_day`).

    True when seen at a visit of the period; unknown when it cannot be ruled out at some
    visit or the subject has no assessment visit; otherwise False. Visits where none of
    the variables the event reads is recorded are not assessments and are skipped (the
    facts a medications table gives at every visit do not make a visit an assessment,
    unless the event reads nothing else).
    """

    key: ClassVar[str] = "ever"
    per_subject: ClassVar[bool] = True
    children_per_visit: ClassVar[bool] = True

    ever: Criterion
    after_day: int | None = None

    def children(self) -> tuple[Criterion, ...]:
        return (self.ever,)

    def describe(self) -> str:
        after = f" after day {self.after_day}" if self.after_day is not None else ""
        return self.label or f"{label_of(self.ever)} at a visit{after}"

    def explain(self) -> str:
        after = f" after day {self.after_day}" if self.after_day is not None else ""
        return f"at some visit of the period{after}"

    def evaluate(self, ctx: Context) -> Outcome:
        v, tp = ctx.visits, ctx.timepoint
        every = ctx.every_visit()
        inner = evaluate(self.ever, every)
        read = set(variables(self.ever, ctx.named, at_visit=True))
        if v.medications is not None:  # the records give their facts at every visit: a
            # visit is an assessment by what it records itself (a lab-only visit is not)
            own = read - set(v.medications.VISIT_FACTS)
            read = own or read
        recorded = np.zeros(v.n_rows, dtype=bool)
        for name in read:
            recorded |= ~np.isnan(v.column(name))
        period = timeline.period_mask(v, ctx.rows, tp.day) & recorded
        if self.after_day is not None:
            period &= v.day > self.after_day
        hit = period & inner.true
        first_hit = timeline.first_row(v, hit)
        first_unknown = timeline.first_row(v, period & inner.unknown)
        no_visit = ctx.rows < 0
        seen, unsure = first_hit >= 0, (first_unknown >= 0) | no_visit
        value = pd.arrays.BooleanArray(seen, ~seen & unsure)
        label = self.describe()
        why = reasons.coalesce(
            day_text(v, first_hit, label + " (day {day})"),
            reasons.const(~seen & no_visit, "no visit in window"),
            reasons.prefix(reasons.where(~seen & (first_unknown >= 0), reasons.join(
                [day_text(v, first_unknown, "unknown at day {day}: "),
                 reasons.at(inner.why, first_unknown)], sep="")), f"{label}: "),
            reasons.const(~seen & ~unsure, f"no {label} in the period"),
        )
        counts = {"visits": timeline.count_in(v, hit)}
        if "domains" in inner.counts:
            counts["domains"] = np.bincount(v.code[hit], weights=inner.counts["domains"][hit],
                                            minlength=v.n_subjects).astype(np.int64)
        return Outcome(value, why, counts)


class Never(Node):
    """No event: the negation of :class:`Ever` over the same period."""

    key: ClassVar[str] = "never"
    per_subject: ClassVar[bool] = True
    children_per_visit: ClassVar[bool] = True

    never: Criterion
    after_day: int | None = None

    def children(self) -> tuple[Criterion, ...]:
        return (self.never,)

    def describe(self) -> str:
        return self.label or f"no {label_of(self.never)} in the period"

    def explain(self) -> str:
        after = f" after day {self.after_day}" if self.after_day is not None else ""
        return f"at no visit of the period{after}"

    def evaluate(self, ctx: Context) -> Outcome:
        """The negation of :class:`Ever`, reasons kept."""
        happened = Ever(ever=self.never, after_day=self.after_day).evaluate(ctx)
        label = self.describe()
        why = reasons.coalesce(
            reasons.prefix(reasons.where(happened.true, happened.why), f"{label} failed: "),
            reasons.where(happened.unknown, happened.why),
        )
        return Outcome(~happened.value, why, happened.counts)
