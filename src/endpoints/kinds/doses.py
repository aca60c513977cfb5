"""Cumulative dose through a timepoint, from the doses recorded at visits.

A recorded dose holds from its visit until the day before the next recorded dose; the
baseline dose (the last recorded on or before day 0) holds from day 0. The sum runs over
days 0 .. T-1. It is not evaluable without a baseline dose or when the last recorded
dose is more than the window before T.
"""

from __future__ import annotations

import numpy as np

from .. import reasons, timeline
from ..decimals import errstate, rounded
from ..definitions import CumulativeDose, Timepoint, TrialDefinition
from ..inputs.visits import Visits
from .base import NO_DAY, Block, unknown_results


def cumulative_dose(
    visits: Visits, trial: TrialDefinition, endpoint: CumulativeDose, timepoint: Timepoint
) -> Block:
    """``value`` = mg taken over days 0 .. T-1 (``result`` <NA>: a continuous endpoint)."""
    v, end = visits, timepoint.day
    if v.medications is not None and endpoint.variable in v.medications.DAILY:
        return _from_medications(v, end, endpoint.routes)
    dose = v.column(endpoint.variable)
    recorded = ~np.isnan(dose)
    base_row = timeline.last_row(v, recorded & (v.day <= 0))
    # Segments: the baseline record from day 0, then every record after day 0.
    use = recorded & (v.day > 0)
    use[base_row[base_row >= 0]] = True
    rows = np.flatnonzero(use)
    start = np.maximum(v.day[rows], 0)
    same_next = np.r_[v.code[rows][1:] == v.code[rows][:-1], False]
    stop = np.where(same_next, np.r_[start[1:], 0], end)
    days = np.clip(np.minimum(stop, end) - np.minimum(start, end), 0, None)
    with errstate():
        total = np.bincount(v.code[rows], weights=dose[rows] * days, minlength=v.n_subjects)
    last = timeline.last_row(v, recorded)
    last_day = timeline.day_at(v, last, np.iinfo(np.int64).min)
    no_base, stale = base_row < 0, last_day < end - timepoint.window
    value = np.where(no_base | stale, np.nan, rounded(total))
    name = endpoint.variable
    why = reasons.coalesce(
        reasons.const(no_base, f"no baseline {name} dose recorded"),
        reasons.const(stale, f"last {name} dose recorded more than {timepoint.window} days "
                             f"before day {end}"),
        reasons.const(np.ones(v.n_subjects, dtype=bool), "continuous endpoint: see value"),
    )
    result = unknown_results(v.n_subjects)
    return Block(np.full(v.n_subjects, NO_DAY, dtype=np.int64), result, reasons.none(v.n_subjects),
                 value, why)


def _from_medications(v: Visits, end: int, routes: tuple[str, ...]) -> Block:
    """Exact prednisone-equivalent total over days 0 .. end-1, pulses included (only
    the records of `routes`, when given)."""
    n = v.n_subjects
    value = v.medications.steroid_total(n, 0, end - 1, routes)
    why = reasons.const(np.ones(n, dtype=bool), "continuous endpoint: see value")
    result = unknown_results(n)
    return Block(np.full(n, NO_DAY, dtype=np.int64), result, reasons.none(n), value, why)
