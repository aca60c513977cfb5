"""Levels: the value of a variable at the assessment visit, or at a baseline timepoint
its baseline value."""

from __future__ import annotations

import numpy as np

from .. import reasons, timeline
from ..definitions import Level, Timepoint, TrialDefinition
from ..inputs.visits import Visits
from .base import NO_DAY, NO_VISIT, Block, at_assessment, unknown_results, visit_days


def level(visits: Visits, trial: TrialDefinition, endpoint: Level, timepoint: Timepoint) -> Block:
    """``value`` = the variable at the assessment visit (at a baseline timepoint: its
    baseline, with the day it was recorded); ``result`` is <NA>: a continuous endpoint.

    Examples
    --------
    >>> import pandas as pd
    >>> from endpoints.inputs.visits import prepare
    >>> v = prepare(pd.DataFrame({"subject_id": [1, 1, 1], "day": [-14, 0, 84],
    ...                           "upcr": [2.0, None, 0.4]}))
    >>> trial = TrialDefinition(id="T", title="", timepoints=[
    ...     {"label": "baseline"}, {"label": "week 12", "day": 84}], endpoints=[
    ...     {"kind": "level", "name": "upcr", "variable": "upcr",
    ...      "timepoints": ["baseline", "week 12"]}])
    >>> [(level(v, trial, trial.endpoints[0], tp).day.tolist(),
    ...   level(v, trial, trial.endpoints[0], tp).value.tolist()) for tp in trial.timepoints]
    [([-14], [2.0]), ([84], [0.4])]
    """
    ctx = at_assessment(visits, trial, timepoint)
    name = endpoint.variable
    value = ctx.read(name, "visit")
    if timepoint.baseline:
        day = timeline.baseline_day(visits, name)
        day = np.where(np.isnan(value), NO_DAY, day)
        why = reasons.coalesce(
            reasons.const(np.isnan(value), f"baseline {name} missing"),
            reasons.const(np.ones(len(value), dtype=bool), "continuous endpoint: see value"),
        )
    else:
        day = visit_days(ctx)
        why = reasons.coalesce(
            reasons.const(ctx.rows < 0, NO_VISIT),
            reasons.const(np.isnan(value), f"{name} missing at the assessment visit"),
            reasons.const(np.ones(len(value), dtype=bool), "continuous endpoint: see value"),
        )
    result = unknown_results(len(value))
    return Block(day, result, reasons.none(len(value)), value, why)
