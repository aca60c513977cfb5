"""``DailyDose``: the daily steroid dose under a cap on every day of a span.

This is how a definition says that a dose rule holds day by day, as the dosing records
give it: a pulse between two visits breaks it. With a medications table (the source of
steroid doses, SPEC section 2) every day of the span counts; without one, the doses
recorded at the visits of the span do (as ``throughout`` does).
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from .. import reasons, timeline
from ..decimals import rounded
from .base import Context, Node, Outcome
from .compare import Compare
from .throughout import Throughout


class DailyDose(Node):
    """The daily prednisone-equivalent dose `op` `value` on every day from the assessment
    visit of timepoint `since` (or, lacking one, its target day) through the current
    assessment visit.

    Examples
    --------
    >>> DailyDose(daily_dose="prednisone", op="<=", value=10, since="week 20").describe()
    'daily prednisone <= 10 mg/day from week 20'
    """

    key: ClassVar[str] = "daily_dose"
    per_subject: ClassVar[bool] = True

    daily_dose: Literal["prednisone"]
    op: Literal["<", "<="]
    value: float = Field(allow_inf_nan=False)
    since: str

    def columns(self, *, at_visit: bool = False) -> tuple[str, ...]:
        return (self.daily_dose,)  # a medications table provides it when given

    def timepoints(self) -> tuple[str, ...]:
        return (self.since,)

    def describe(self) -> str:
        return self.label or (f"daily {self.daily_dose} {self.op} {self.value:g} mg/day "
                              f"from {self.since}")

    def explain(self) -> str:
        return (f"{self.daily_dose} {self.op} {self.value:g} mg/day on every day from the "
                f"{self.since!r} assessment visit through this timepoint's assessment visit "
                "(from the dosing records; at the visits of that span when no medications "
                "table is given)")

    def evaluate(self, ctx: Context) -> Outcome:
        v, meds = ctx.visits, ctx.visits.medications
        if meds is None:  # the doses recorded at the visits of the span
            cap = Compare(variable=self.daily_dose, op=self.op, value=self.value)
            return Throughout(throughout=cap, since=self.since,
                              label=self.describe()).evaluate(ctx)
        since = ctx.trial.timepoint(self.since)
        start = timeline.day_at(v, timeline.assessment_rows(v, since.day, since.window),
                                since.day)
        end = timeline.day_at(v, ctx.rows, np.iinfo(np.int64).min)
        top = meds.steroid_max(start, end)  # the highest dose of each subject's span
        excess = rounded(top - self.value)
        ok = excess < 0 if self.op == "<" else excess <= 0
        unknown = np.isnan(top)
        label = self.describe()
        why = reasons.coalesce(
            reasons.const(unknown, "no visit in window"),
            reasons.const(~unknown & ~ok, f"{label}: a daily dose above the cap"),
        )
        return Outcome(pd.arrays.BooleanArray(ok & ~unknown, unknown), why)
