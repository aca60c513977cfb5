"""Change from baseline: the value at the assessment visit minus the baseline."""

from __future__ import annotations

import numpy as np

from .. import reasons, timeline
from ..decimals import errstate, rounded
from ..definitions import Change, Timepoint, TrialDefinition
from ..inputs.visits import Visits
from .base import NO_DAY, NO_VISIT, Block, at_assessment, unknown_results, visit_days


def change(visits: Visits, trial: TrialDefinition, endpoint: Change, timepoint: Timepoint) -> Block:
    """``value`` = value at the assessment visit minus baseline (<NA> with a reason if
    either is missing); ``result`` is <NA>: this is a continuous endpoint."""
    ctx = at_assessment(visits, trial, timepoint)
    name = endpoint.variable
    at_visit = ctx.read(name, "visit")  # at a baseline timepoint: the baseline itself
    base = timeline.baseline(visits, name)
    with errstate():
        value = rounded(at_visit - base)
    day = visit_days(ctx)
    if timepoint.baseline:  # the change at baseline is 0, read on the baseline's day
        day = np.where(np.isnan(base), NO_DAY, timeline.baseline_day(visits, name))
    why = reasons.coalesce(
        reasons.const((ctx.rows < 0) & ~timepoint.baseline, NO_VISIT),
        reasons.const(np.isnan(base), f"baseline {name} missing"),
        reasons.const(np.isnan(at_visit), f"{name} missing at the assessment visit"),
        reasons.const(np.ones(len(value), dtype=bool), "continuous endpoint: see value"),
    )
    result = unknown_results(len(value))
    return Block(day, result, reasons.none(len(value)), value, why)
