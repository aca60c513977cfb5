"""Responses read at the assessment visit: binary (e.g. complete renal response),
categorical (CR > PR > NR), and time to response over the period.

Renal CR/PR of every trial, and any other criteria-based response, are definitions
evaluated here; nothing in this module knows a particular trial.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import reasons, timeline
from ..definitions import Categorical, Response, Timepoint, TimeToEvent, TrialDefinition
from ..inputs.visits import Visits
from ..nodes import Context, Outcome, describe, evaluate
from ..nodes.base import days_text
from .base import NO_DAY, Block, at_assessment, missing_visit, unknown_results, visit_days


def _unevaluable(out: Outcome, no_visit: np.ndarray, prefix: str = "not evaluable: "):
    return reasons.where(out.unknown & ~no_visit, reasons.prefix(out.why, prefix))


def response(
    visits: Visits, trial: TrialDefinition, endpoint: Response, timepoint: Timepoint
) -> Block:
    """`criteria` met and `unless` not met, at the assessment visit."""
    ctx = at_assessment(visits, trial, timepoint)
    no_visit = ctx.rows < 0
    met = evaluate(endpoint.criteria, ctx)
    value, why = met.value, [reasons.where(met.false, reasons.prefix(met.why, "not met: "))]
    if endpoint.unless is not None:
        excluded = evaluate(endpoint.unless, ctx)
        value = value & ~excluded.value
        label = describe(endpoint.unless, trial.criteria)
        why.append(reasons.const(met.true & excluded.true, f"{label} met instead"))
        why.append(reasons.where(~met.false, _unevaluable(excluded, no_visit, f"{label}: ")))
    why = reasons.coalesce(
        reasons.where(met.true, met.why),  # what happened, for event-based responses
        reasons.const(no_visit, missing_visit(timepoint)), *why, _unevaluable(met, no_visit),
    )
    return Block(visit_days(ctx), value, reasons.none(len(value)), np.full(len(value), np.nan),
                 why)


def categorical(
    visits: Visits, trial: TrialDefinition, endpoint: Categorical, timepoint: Timepoint
) -> Block:
    """The first category met, given every earlier one is known not met."""
    ctx = at_assessment(visits, trial, timepoint)
    n, no_visit = visits.n_subjects, ctx.rows < 0
    undecided = np.ones(n, dtype=bool)  # every earlier category known not met
    codes = np.full(n, -1, dtype=np.int64)
    reached = pd.array(np.zeros(n, dtype=bool), dtype="boolean")
    parts = []
    for k, category in enumerate(endpoint.categories):
        out = evaluate(category.criteria, ctx)
        label = describe(category.criteria, trial.criteria)
        codes[undecided & out.true] = k
        parts.append(reasons.where(undecided & out.false, reasons.explain(
            out.why, label, "not met")))
        parts.append(reasons.where(undecided & out.unknown, reasons.explain(
            out.why, label, "not evaluable")))
        undecided &= out.false
        reached = reached | out.value
    codes[undecided] = len(endpoint.categories)
    labels = [c.label for c in endpoint.categories] + [endpoint.otherwise]
    category = reasons.Reason(np.where(no_visit, -1, codes), np.array(labels, dtype=object))
    why = reasons.coalesce(reasons.const(no_visit, missing_visit(timepoint)),
                           reasons.join(parts))
    if endpoint.binary:
        result = reached
    else:
        result = unknown_results(n)
        why = reasons.coalesce(why, reasons.const(codes >= 0, "categorical endpoint"))
    return Block(visit_days(ctx), result, category, np.full(n, np.nan), why)


def time_to_event(
    visits: Visits, trial: TrialDefinition, endpoint: TimeToEvent, timepoint: Timepoint
) -> Block:
    """Day of the first visit in the period where the event is met, else censoring day.

    Censored (result False) at the last visit in the period where the event is known
    not met; <NA> when no visit in the period has the event known.
    """
    v = visits
    ctx = Context(v, np.arange(0), np.arange(0), trial).every_visit()
    out = evaluate(endpoint.event, ctx)
    period = timeline.period_mask(
        v, timeline.assessment_rows(v, timepoint.day, timepoint.window), timepoint.day)
    event_row = timeline.first_row(v, period & out.true)
    censor_row = timeline.last_row(v, period & out.false)
    row = np.where(event_row >= 0, event_row, censor_row)
    found = row >= 0
    day = timeline.day_at(v, np.where(found, row, -1), NO_DAY)
    result = pd.arrays.BooleanArray(found & (event_row >= 0), ~found)
    in_period = timeline.any_in(v, period)
    label = describe(endpoint.event, trial.criteria)
    last_unknown = timeline.last_row(v, period & out.unknown)
    why = reasons.coalesce(
        reasons.const(~in_period, "no post-baseline visit in the period"),
        reasons.const(~found, f"{label} not evaluable at any visit in the period; last: "),
        reasons.const(found & (event_row < 0), f"censored: {label} not met by day "),
    )
    unknown_why = reasons.where(~found & in_period, reasons.at(out.why, last_unknown))
    censored = found & (event_row < 0)
    why = reasons.join([why, unknown_why, days_text(day, censored, "{day}")], sep="")
    return Block(day, result, reasons.none(v.n_subjects), np.where(found, day, np.nan), why)
