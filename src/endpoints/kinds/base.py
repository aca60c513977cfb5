"""What every endpoint family returns, and the assessment-visit context they share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import reasons, timeline
from ..definitions import Timepoint, TrialDefinition
from ..inputs.visits import Visits
from ..nodes import Context

NO_VISIT = "no visit in window"
#: a baseline timepoint's reason when the subject has no visit on or before day 0
NO_BASELINE_VISIT = "no visit on or before day 0"
#: a subject known only from another table (medications, adverse events)
NO_VISITS = "no visits"
#: the day of a result read from no visit (days themselves may be negative: baseline)
NO_DAY = np.iinfo(np.int64).min


@dataclass
class Block:
    """One endpoint at one timepoint: one entry per subject (subject code order).

    ``day`` uses :data:`NO_DAY` for "no visit"; ``value`` uses NaN for "no value".
    """

    day: np.ndarray
    result: pd.arrays.BooleanArray
    category: reasons.Reason
    value: np.ndarray
    reason: reasons.Reason

    @classmethod
    def empty(cls, n: int, reason: str) -> Block:
        """Not evaluable for all `n` subjects, for the same `reason`."""
        return cls(
            day=np.full(n, NO_DAY, dtype=np.int64),
            result=unknown_results(n),
            category=reasons.none(n),
            value=np.full(n, np.nan),
            reason=reasons.const(np.ones(n, dtype=bool), reason),
        )


def unknown_results(n: int) -> pd.arrays.BooleanArray:
    """``n`` results, all ``<NA>`` (continuous endpoints, subjects not evaluable)."""
    return pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool))


def at_assessment(visits: Visits, trial: TrialDefinition, timepoint: Timepoint) -> Context:
    """A context reading each subject's assessment visit of `timepoint`."""
    return Context(visits, np.arange(0), np.arange(0), trial).at_timepoint(timepoint)


def missing_visit(timepoint: Timepoint) -> str:
    """Why a subject without an assessment visit of `timepoint` is not evaluable."""
    return NO_BASELINE_VISIT if timepoint.baseline else NO_VISIT


def visit_days(ctx: Context) -> np.ndarray:
    """The study day of each context row (``-1`` where there is none)."""
    return timeline.day_at(ctx.visits, ctx.rows, NO_DAY)

