"""Criteria over more than one visit: an event in the period (:class:`Ever`), a
criterion read at another timepoint's visit (:class:`At`), and a criterion held at
every visit of a span (:class:`Throughout`).

They answer per subject, so they are evaluated in a context with one item per subject
and a timepoint (the assessment context of an endpoint).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import reasons, timeline
from ..decimals import rounded
from ..definitions import At, Compare, Ever, Never, Throughout
from .expressions import EVALUATORS, Context, Outcome, evaluate, variables


def _per_subject(ctx: Context, node) -> None:
    if ctx.timepoint is None:
        raise TypeError(f"{type(node).__name__} criteria need an assessment context")


def _day_text(v, rows: np.ndarray, template: str) -> pd.Categorical:
    """`template` formatted with the day of each row (no reason where row is -1)."""
    return _days_text(timeline.day_at(v, rows), rows >= 0, template)


def _days_text(days: np.ndarray, present: np.ndarray, template: str) -> pd.Categorical:
    """`template` formatted with each day, where `present` (distinct days formatted once)."""
    codes, uniques = pd.factorize(days)
    texts = pd.Index([template.format(day=d) for d in uniques], dtype=object)
    return reasons.where(present, pd.Categorical.from_codes(codes, categories=texts))


def ever(c: Ever, ctx: Context) -> Outcome:
    """True if the event is met at a visit of the period; see :class:`Ever`."""
    _per_subject(ctx, c)
    v, tp = ctx.visits, ctx.timepoint
    if _dosing_event(c, v):
        return _ever_from_records(c, ctx)
    every = ctx.every_visit()
    inner = evaluate(c.ever, every)
    recorded = np.zeros(v.n_rows, dtype=bool)
    for name in set(variables(c.ever, ctx.named, at_visit=True)):
        recorded |= ~np.isnan(v.column(name))
    period = timeline.period_mask(v, ctx.rows, tp.day) & recorded
    if c.after_day is not None:
        period &= v.day > c.after_day
    hit = period & inner.true
    first_hit = timeline.first_row(v, hit)
    first_unknown = timeline.first_row(v, period & inner.unknown)
    no_visit = ctx.rows < 0
    seen, unsure = first_hit >= 0, (first_unknown >= 0) | no_visit
    value = pd.arrays.BooleanArray(seen, ~seen & unsure)
    label = c.describe()
    why = reasons.coalesce(
        _day_text(v, first_hit, label + " (day {day})"),
        reasons.const(~seen & no_visit, "no visit in window"),
        reasons.prefix(reasons.where(~seen & (first_unknown >= 0), reasons.join(
            [_day_text(v, first_unknown, "unknown at day {day}: "),
             reasons.at(inner.why, first_unknown)], sep="")), f"{label}: "),
        reasons.const(~seen & ~unsure, f"no {label} in the period"),
    )
    counts = {"visits": timeline.count_in(v, hit)}
    if "domains" in inner.counts:
        counts["domains"] = np.bincount(v.code[hit], weights=inner.counts["domains"][hit],
                                        minlength=v.n_subjects).astype(np.int64)
    return Outcome(value, why, counts)


def never(c: Never, ctx: Context) -> Outcome:
    """No event in the period: the negation of :func:`ever`, reasons kept."""
    happened = ever(Ever(ever=c.never, after_day=c.after_day), ctx)
    label = c.describe()
    why = reasons.coalesce(
        reasons.prefix(reasons.where(happened.true, happened.why), f"{label} failed: "),
        reasons.where(happened.unknown, happened.why),
    )
    return Outcome(~happened.value, why, happened.counts)


def at(c: At, ctx: Context) -> Outcome:
    """The criterion read at the assessment visit of timepoint ``c.timepoint``."""
    _per_subject(ctx, c)
    other = ctx.at_timepoint(ctx.trial.timepoint(c.timepoint))
    inner = evaluate(c.criterion, other)
    label = c.describe()
    why = reasons.coalesce(
        reasons.const(other.rows < 0, f"{label}: no {c.timepoint} visit"),
        reasons.where(inner.true, _day_text(ctx.visits, other.rows, label + " (day {day})")),
        reasons.prefix(inner.why, f"{c.timepoint} visit: "),
    )
    return Outcome(inner.value, why)


def throughout(c: Throughout, ctx: Context) -> Outcome:
    """The criterion met at every visit from the ``c.since`` visit to the current one."""
    _per_subject(ctx, c)
    v = ctx.visits
    since = ctx.trial.timepoint(c.since)
    start_rows = timeline.assessment_rows(v, since.day, since.window)
    start = timeline.day_at(v, start_rows, since.day)
    end = timeline.day_at(v, ctx.rows, np.iinfo(np.int64).min)
    if _daily_dose_cap(c, v):
        return _throughout_daily(c, ctx, start, end)
    span = (v.day >= start[v.code]) & (v.day <= end[v.code])
    inner = evaluate(c.throughout, ctx.every_visit())
    first_fail = timeline.first_row(v, span & inner.false)
    first_unknown = timeline.first_row(v, span & inner.unknown)
    failed, unsure = first_fail >= 0, (first_unknown >= 0) | (ctx.rows < 0)
    value = pd.arrays.BooleanArray(~failed & ~unsure, ~failed & unsure)
    label = c.describe()
    why = reasons.coalesce(
        _day_text(v, first_fail, label + ": not met at day {day}"),
        reasons.const(~failed & (ctx.rows < 0), "no visit in window"),
        reasons.where(~failed, _day_text(v, first_unknown, label + ": unknown at day {day}")),
    )
    return Outcome(value, why)


def _dosing_event(c: Ever, v) -> bool:
    """A rituximab / new immunosuppressant flag, with a medications table to date it."""
    inner = c.ever
    return (v.medications is not None and isinstance(inner, Compare)
            and inner.variable in ("rituximab", "new_immunosuppressant") and inner.at == "visit"
            and inner.op == "==" and inner.value == 1 and not inner.change_from and not inner.of)


def _ever_from_records(c: Ever, ctx: Context) -> Outcome:
    """With a medications table a dosing event is dated by its record, not by a visit:
    it counts when it starts in the period (0 < day <= assessment visit, or <= T)."""
    v, tp, meds = ctx.visits, ctx.timepoint, ctx.visits.medications
    end = timeline.day_at(v, ctx.rows, tp.day)
    after = np.full(v.n_subjects, max(0, c.after_day if c.after_day is not None else 0))
    which = getattr(meds, c.ever.variable)
    day, count = meds.first_start(which, v.n_subjects, after, end)
    seen, no_visit = day >= 0, ctx.rows < 0
    label = c.describe()
    why = reasons.coalesce(
        _days_text(day, seen, label + " (day {day})"),
        reasons.const(~seen & no_visit, "no visit in window"),
        reasons.const(~seen & ~no_visit, f"no {label} in the period"),
    )
    value = pd.arrays.BooleanArray(seen, ~seen & no_visit)
    return Outcome(value, why, {"visits": count})


def _daily_dose_cap(c: Throughout, v) -> bool:
    """A cap on the prednisone dose, with a medications table to check it day by day."""
    inner = c.throughout
    return (v.medications is not None and isinstance(inner, Compare)
            and inner.variable == "prednisone" and inner.at == "visit"
            and inner.op in ("<", "<=") and not inner.change_from and not inner.of)


def _throughout_daily(c: Throughout, ctx: Context, start: np.ndarray, end: np.ndarray):
    """With a medications table the cap must hold on every day of the span."""
    top = ctx.visits.medications.steroid_max(start, end)
    cap = c.throughout
    excess = rounded(top - cap.value)
    ok = excess < 0 if cap.op == "<" else excess <= 0
    unknown = np.isnan(top)
    label = c.describe()
    why = reasons.coalesce(
        reasons.const(unknown, "no visit in window"),
        reasons.const(~unknown & ~ok, f"{label}: daily dose above the cap"),
    )
    return Outcome(pd.arrays.BooleanArray(ok & ~unknown, unknown), why)


EVALUATORS.update({Ever: ever, Never: never, At: at, Throughout: throughout})
