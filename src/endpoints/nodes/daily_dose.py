"""``DailyDose``: the daily steroid dose under a cap, day by day over a span.

This is how a definition says that a dose rule holds day by day, as the dosing records
give it: a pulse between two visits breaks it. By default one day above the cap breaks
the rule; with ``consecutive_days`` / ``total_days`` it is broken only by that many
consecutive days above the cap, or that many days in all (AURORA 1: "no more than 10 mg
prednisone equivalent per day for 3 or more consecutive days or for 7 or more days
during weeks 44 through 52").

With a medications table (the source of steroid doses, SPEC section 2) every day of the
span counts. Without one, the visits give the doses: the plain rule is read at the
visits of the span (SPEC section 4, NCT02633163's ``sri4``); a rule that counts days
takes each recorded visit dose to hold until the next recorded one, as the cumulative
dose does (SPEC section 3), the dose at the span's start being the latest recorded on
or before it.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from .. import reasons, timeline
from ..decimals import rounded
from .base import Context, Node, Outcome
from .compare import Compare
from .throughout import Throughout

_END = np.iinfo(np.int64).min


class DailyDose(Node):
    """The daily prednisone-equivalent dose `op` `value` on every day from the assessment
    visit of timepoint `since` (or, lacking one, its target day), or from study day
    `from_day`, through the current assessment visit -- except on fewer than
    `consecutive_days` consecutive days and fewer than `total_days` days in all, when
    either is given.

    Three-valued: unknown where the subject has no assessment visit, or (without a
    medications table) where a visit dose the rule depends on is missing.

    Examples
    --------
    >>> DailyDose(daily_dose="prednisone", op="<=", value=10, since="week 20").describe()
    'daily prednisone <= 10 mg/day from week 20'
    >>> DailyDose(daily_dose="prednisone", op="<=", value=10, from_day=308,
    ...           consecutive_days=3, total_days=7).describe()
    'daily prednisone <= 10 mg/day from day 308 (not above on 3 consecutive days or 7 days)'
    """

    key: ClassVar[str] = "daily_dose"
    per_subject: ClassVar[bool] = True

    daily_dose: Literal["prednisone"]
    op: Literal["<", "<="]
    value: float = Field(allow_inf_nan=False)
    since: str | None = None
    from_day: int | None = None
    consecutive_days: int | None = Field(default=None, ge=1)
    total_days: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_start(self) -> DailyDose:
        if (self.since is None) == (self.from_day is None):
            raise ValueError("give the span's start: since (a timepoint) or from_day")
        return self

    def columns(self, *, at_visit: bool = False) -> tuple[str, ...]:
        return (self.daily_dose,)  # a medications table provides it when given

    def timepoints(self) -> tuple[str, ...]:
        return () if self.since is None else (self.since,)

    @property
    def _start(self) -> str:
        return self.since if self.since is not None else f"day {self.from_day}"

    @property
    def _tolerance(self) -> str:
        parts = [f"{self.consecutive_days} consecutive days" if self.consecutive_days else "",
                 f"{self.total_days} days" if self.total_days else ""]
        parts = [p for p in parts if p]
        return f" (not above on {' or '.join(parts)})" if parts else ""

    def describe(self) -> str:
        return self.label or (f"daily {self.daily_dose} {self.op} {self.value:g} mg/day "
                              f"from {self._start}{self._tolerance}")

    def explain(self) -> str:
        start = (f"the {self.since!r} assessment visit" if self.since is not None
                 else f"study day {self.from_day}")
        broken = "on any day" if not (self.consecutive_days or self.total_days) else (
            "on " + " or ".join(p for p in (
                f"{self.consecutive_days} or more consecutive days" if self.consecutive_days
                else "", f"{self.total_days} or more days in all" if self.total_days else "")
                if p))
        return (f"{self.daily_dose} {self.op} {self.value:g} mg/day day by day from {start} "
                "through this timepoint's assessment visit, the rule broken by a dose above "
                f"the cap {broken} (from the dosing records; without a medications table, "
                "each visit's dose holds until the next visit)")

    def evaluate(self, ctx: Context) -> Outcome:
        v, meds = ctx.visits, ctx.visits.medications
        counted = bool(self.consecutive_days or self.total_days)
        if meds is None and not counted and self.since is not None:
            cap = Compare(variable=self.daily_dose, op=self.op, value=self.value)
            return Throughout(throughout=cap, since=self.since,
                              label=self.describe()).evaluate(ctx)
        if self.since is not None:
            since = ctx.trial.timepoint(self.since)
            start = timeline.day_at(v, timeline.assessment_rows(v, since.day, since.window),
                                    since.day)
        else:
            start = np.full(v.n_subjects, self.from_day, dtype=np.int64)
        end = timeline.day_at(v, ctx.rows, _END)
        if meds is None:
            code, day, rate = _visit_steps(v, self.daily_dose, start, end)
        else:
            code, day, rate = meds.steroid_steps(start, end)
        known, possible = _days_above(code, day, rate, end, self.value, self.op,
                                      v.n_subjects)
        broken_known, broken_possible = self._broken(*known), self._broken(*possible)
        no_visit = ctx.rows < 0
        unknown = no_visit | (broken_possible & ~broken_known)
        ok = ~broken_possible & ~no_visit
        label = self.describe()
        why = reasons.coalesce(
            reasons.const(no_visit, "no visit in window"),
            reasons.const(~no_visit & broken_known, f"{label}: daily doses above the cap"),
            reasons.const(unknown & ~no_visit, f"{label}: {self.daily_dose} missing"),
        )
        return Outcome(pd.arrays.BooleanArray(ok, unknown), why)

    def _broken(self, total: np.ndarray, longest: np.ndarray) -> np.ndarray:
        if not (self.consecutive_days or self.total_days):
            return total >= 1
        broken = np.zeros(len(total), dtype=bool)
        if self.consecutive_days:
            broken |= longest >= self.consecutive_days
        if self.total_days:
            broken |= total >= self.total_days
        return broken


def _visit_steps(v, column: str, start: np.ndarray, end: np.ndarray):
    """The dose steps the recorded visit doses give over each subject's span ``start ..
    end``: the dose in force at the start (the latest recorded on or before it; NaN if
    none), then each later recorded dose."""
    x = v.column(column)
    rec = np.flatnonzero(~np.isnan(x))
    code_r, day_r = v.code[rec], v.day[rec]
    keyed = code_r.astype(np.int64) * 2**32 + (day_r.astype(np.int64) + 2**31)
    subjects = np.arange(v.n_subjects)
    pos = np.searchsorted(keyed, subjects * 2**32 + (start + 2**31), side="right") - 1
    found = (pos >= 0) & (code_r[np.maximum(pos, 0)] == subjects) if len(rec) else (
        np.zeros(v.n_subjects, dtype=bool))
    at_start = np.where(found, rec[np.maximum(pos, 0)] if len(rec) else -1, -1)
    inside = (day_r > start[code_r]) & (day_r <= end[code_r])
    code = np.r_[subjects, code_r[inside]]
    day = np.r_[start, day_r[inside]]
    rate = np.r_[timeline.take(x, at_start), x[rec[inside]]]
    return code, day, rate


def _days_above(code, day, rate, end, cap, op, n):
    """Per subject, ((days above the cap, longest run of them) known, (the same) possibly,
    counting a day of unknown dose as above): the steps (code, day, rate) sorted or not,
    each holding from its day to the subject's next step, the last to `end`."""
    order = np.lexsort((day, code))
    code, day, rate = code[order], day[order], rate[order]
    last = np.r_[code[1:] != code[:-1], True] if len(code) else np.zeros(0, dtype=bool)
    nxt = np.where(last, end[code] + 1, np.r_[day[1:], 0])
    length = np.clip(nxt - day, 0, None)
    length[end[code] < day] = 0
    excess = rounded(rate - cap)
    above = (excess > 0) if op == "<=" else (excess >= 0)
    missing = np.isnan(rate)
    return (_runs(code, length, above & ~missing, last, n),
            _runs(code, length, above | missing, last, n))


def _runs(code, length, above, last, n):
    """Per subject: total days of the steps marked `above`, and the longest run of
    consecutive ones (adjacent steps are adjacent days)."""
    days = np.where(above, length, 0)
    total = np.bincount(code, weights=days, minlength=n).astype(np.int64)
    first = np.r_[True, last[:-1]] if len(code) else np.zeros(0, dtype=bool)
    run = np.cumsum(first | (~above & (length > 0)))  # a day not above ends a run
    run_days = np.bincount(run, weights=days)
    longest = np.zeros(n, dtype=np.int64)
    if len(code):
        np.maximum.at(longest, code, run_days[run].astype(np.int64))
    return total, longest
