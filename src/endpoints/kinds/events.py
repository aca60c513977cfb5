"""Events by a timepoint (flares, BILAG flares): did the event occur at a visit of the
period, and how often (visits, or domain x visit for BILAG)."""

from __future__ import annotations

import numpy as np

from .. import reasons
from ..definitions import Event, Ever, Timepoint, TrialDefinition
from ..inputs.visits import Visits
from ..nodes import describe, evaluate
from .base import Block, at_assessment, visit_days


def event(visits: Visits, trial: TrialDefinition, endpoint: Event, timepoint: Timepoint) -> Block:
    """``result``: the event occurred in the period (see :class:`~endpoints.definitions.Ever`);
    ``value``: the number of events (0 when none, <NA> when the result is <NA>)."""
    ctx = at_assessment(visits, trial, timepoint)
    out = evaluate(Ever(ever=endpoint.event, label=describe(endpoint.event, trial.criteria)),
                   ctx)
    count = out.counts[endpoint.count].astype(float)
    value = np.where(out.unknown, np.nan, count)
    return Block(visit_days(ctx), out.value, reasons.none(len(value)), value, out.why)
