"""Adverse events by a timepoint (SPEC section 6): at least one event matching the
endpoint's filters that starts in the period, how many, and the worst grade."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import reasons
from ..definitions import AdverseEvent, Timepoint, TrialDefinition
from ..inputs.visits import Visits
from .base import NO_DAY, NO_VISITS, Block, at_assessment, visit_days

NOT_GIVEN = "adverse-events table not provided"
NONE_RECORDED = "no matching adverse event recorded"


def _filters(endpoint: AdverseEvent, events) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per event: certainly matching, possibly matching (a needed field unknown), and
    the names of the filters that can be unknown."""
    certain = np.ones(len(events.code), dtype=bool)
    possible = certain.copy()
    unknowable = []
    for name, wanted in (("related", endpoint.related), ("serious", endpoint.serious)):
        if wanted is None:
            continue
        field = getattr(events, name)
        known = ~np.isnan(field)
        certain &= known & (field == float(wanted))
        possible &= ~known | (field == float(wanted))
        unknowable.append("relatedness" if name == "related" else "seriousness")
    if endpoint.min_grade is not None:
        known = ~np.isnan(events.grade)
        with np.errstate(invalid="ignore"):
            high = events.grade >= endpoint.min_grade
        certain &= known & high
        possible &= ~known | high
        unknowable.append("grade")
    if endpoint.terms:
        listed = np.isin(events.term, [t.strip().upper() for t in endpoint.terms])
        certain &= listed
        possible &= listed
    return certain, possible & ~certain, unknowable


def adverse_event(visits: Visits, trial: TrialDefinition, endpoint: AdverseEvent,
                  timepoint: Timepoint) -> Block:
    """``result`` True with at least one matching event starting in ``0 .. end`` (the
    period's end: the assessment visit's day, else the timepoint's day); False for a
    subject with visits and none; <NA> when an event might match but a field the
    filters need is unknown, or for a subject with neither visits nor a matching event.
    ``value`` counts the matching events, ``category`` is the worst grade."""
    v, n = visits, visits.n_subjects
    events = v.adverse_events
    if events is None:
        return Block.empty(n, NOT_GIVEN)
    ctx = at_assessment(v, trial, timepoint)
    day = visit_days(ctx)
    end = np.where(ctx.rows >= 0, day, timepoint.day)
    start = events.start
    in_period = (start >= 0) & (start <= end[events.code])
    certain, possible, unknowable = _filters(endpoint, events)
    certain &= in_period
    possible &= in_period
    count = np.bincount(events.code[certain], minlength=n)
    maybe = np.bincount(events.code[possible], minlength=n)
    worst = np.zeros(n)
    graded = certain & ~np.isnan(events.grade)
    np.maximum.at(worst, events.code[graded], events.grade[graded])
    ungraded = np.bincount(events.code[certain & np.isnan(events.grade)], minlength=n) > 0
    has_visits = np.bincount(v.code, minlength=n) > 0
    met = count > 0
    unknown = ~met & ((maybe > 0) | ~has_visits)
    result = pd.arrays.BooleanArray(met, unknown)
    value = np.where(unknown, np.nan, count.astype(float))
    category_known = met & (~ungraded | (worst == 5))
    labels = [f"grade {g}" for g in range(1, 6)]
    codes = np.where(category_known & (worst >= 1), worst.astype(np.int64) - 1, -1)
    category = reasons.Reason(codes, np.array(labels, dtype=object))
    kinds = " or ".join(unknowable) or "a field"
    why = reasons.coalesce(
        reasons.const(~met & ~has_visits & (maybe == 0), NO_VISITS),
        reasons.const(~met & (maybe > 0), f"{kinds} unknown for an adverse event of the "
                                           "period"),
        reasons.const(met & ~category_known, "worst grade unknown: an event has no grade"),
        reasons.const(~met & ~unknown, NONE_RECORDED),
    )
    return Block(np.where(met | ~unknown, day, NO_DAY), result, category, value, why)
