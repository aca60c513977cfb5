"""``Started``: a treatment started in the period, dated by its record when there is one.

This is how a definition says that a fact comes from the dosing records: "rituximab
given" or "a new immunosuppressive regimen" by the timepoint. With a medications table
(the source of these facts, SPEC section 2) the start is the record's first day;
without one, the visit flag of the same name (given since the previous visit) dates it
at the visit, as ``ever = {variable = ..., op = "==", value = 1}`` does.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import pandas as pd

from .. import reasons, timeline
from .base import Context, Node, Outcome, days_text
from .compare import Compare
from .ever import Ever


class Started(Node):
    """A start of `started` after day 0 (and after `after_day`) and by the assessment
    visit, or by the target day without one.

    True when a start is seen; without one, unknown when the subject has no assessment
    visit (or, from visit flags, a flag is missing); otherwise False.

    Examples
    --------
    >>> Started(started="rituximab").describe()
    'rituximab started in the period'
    """

    key: ClassVar[str] = "started"
    per_subject: ClassVar[bool] = True

    started: Literal["rituximab", "new_immunosuppressant"]
    after_day: int | None = None

    def columns(self, *, at_visit: bool = False) -> tuple[str, ...]:
        return (self.started,)  # a medications table provides it when given

    def describe(self) -> str:
        after = f" after day {self.after_day}" if self.after_day is not None else ""
        return self.label or f"{self.started} started in the period{after}"

    def explain(self) -> str:
        after = f" after day {self.after_day}" if self.after_day is not None else ""
        return (f"a start of {self.started} in the period{after}: the day its dosing record "
                "starts, or a visit where its flag is 1 when no medications table is given")

    def evaluate(self, ctx: Context) -> Outcome:
        v, tp, meds = ctx.visits, ctx.timepoint, ctx.visits.medications
        if meds is None:  # visit flags: an event at a visit of the period
            flag = Compare(variable=self.started, op="==", value=1)
            return Ever(ever=flag, after_day=self.after_day, label=self.describe()).evaluate(ctx)
        end = timeline.day_at(v, ctx.rows, tp.day)
        after = np.full(v.n_subjects, max(0, self.after_day or 0))
        day, count = meds.first_start(getattr(meds, self.started), v.n_subjects, after, end)
        seen, no_visit = day >= 0, ctx.rows < 0
        label = self.describe()
        why = reasons.coalesce(
            days_text(day, seen, label + " (day {day})"),
            reasons.const(~seen & no_visit, "no visit in window"),
            reasons.const(~seen & ~no_visit, f"no {label}"),
        )
        return Outcome(pd.arrays.BooleanArray(seen, ~seen & no_visit), why, {"visits": count})
