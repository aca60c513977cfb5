"""``Confirmed``: a criterion met at the assessment visit and met again at the next visit
at least N days later (SPEC section 8, "confirmed" responses).

Written in a definition as ``{ confirmed = <criterion>, after = 28 }``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd
from pydantic import Field

from .. import reasons, timeline
from ..inputs.visits import Visits
from .base import Context, Node, Outcome, day_text, evaluate, label_of

if TYPE_CHECKING:
    from .base import Criterion


class Confirmed(Node):
    """`confirmed` met at the assessment visit and again at the confirming visit: the
    subject's first visit on or after the assessment visit's day + `after` (a visit one
    day earlier does not confirm; the next later visit is read instead).

    Three-valued, as the Kleene AND of the two visits:

    - False when the criterion is known not met at the assessment visit, or known not
      met at the confirming visit (whatever the assessment visit says: False AND
      unknown is False);
    - True when it is met at both;
    - ``<NA>`` otherwise: either visit unknown, or met at the assessment visit with no
      visit `after` days later (follow-up too short to confirm), or no assessment visit
      ("no visit in window").

    The confirming visit is the first visit by day, whatever it records: a visit there
    that lacks the criterion's variables leaves the confirmation unknown. It may lie
    beyond the timepoint's window, so the node answers once per subject
    (``per_subject``) and is refused where a criterion is read visit by visit. At a
    baseline timepoint there is no response to confirm: ``<NA>``.

    Examples
    --------
    >>> from endpoints.nodes import Compare
    >>> Confirmed(confirmed=Compare(variable="upcr", op="<", value=0.5), after=28).describe()
    'upcr < 0.5 confirmed >= 28 days later'

    Scored at week 24 (day 168), the response at day 170 is confirmed at day 200, the
    first visit on or after day 198:

    >>> import pandas as pd
    >>> import endpoints as ep
    >>> trial = ep.TrialDefinition(
    ...     id="C", title="", timepoints=[{"label": "week 24", "day": 168}],
    ...     endpoints=[{"kind": "response", "name": "confirmed_cr", "timepoints": ["week 24"],
    ...                 "criteria": {"confirmed": {"variable": "upcr", "op": "<",
    ...                                            "value": 0.5}, "after": 28}}])
    >>> visits = pd.DataFrame({"subject_id": "S1", "day": [0, 170, 190, 200],
    ...                        "upcr": [3.0, 0.4, 0.9, 0.3]})
    >>> out = ep.score(visits, trial)
    >>> out.result.tolist(), out.reason.tolist()
    ([True], ['upcr < 0.5 confirmed >= 28 days later (confirmed at day 200)'])
    """

    key: ClassVar[str] = "confirmed"
    per_subject: ClassVar[bool] = True
    children_per_visit: ClassVar[bool] = True

    confirmed: Criterion
    after: int = Field(ge=1)

    def children(self) -> tuple[Criterion, ...]:
        return (self.confirmed,)

    def describe(self) -> str:
        return self.label or f"{label_of(self.confirmed)} confirmed >= {self.after} days later"

    def explain(self) -> str:
        return (f"at the assessment visit and again at the first visit at least {self.after} "
                "days later")

    def evaluate(self, ctx: Context) -> Outcome:
        label = self.describe()
        if ctx.at_baseline:
            return not_at_baseline(len(ctx.rows), label)
        v, rows = ctx.visits, ctx.rows
        inner = evaluate(self.confirmed, ctx.every_visit())
        seen = rows >= 0
        target = np.where(seen, timeline.day_at(v, rows) + self.after, np.iinfo(np.int64).max)
        later = timeline.first_row(v, v.day >= target[v.code])
        met, failed = at_rows(inner.true, rows), at_rows(inner.false, rows)
        again, refuted = at_rows(inner.true, later), at_rows(inner.false, later)
        false = failed | refuted
        true = met & again
        unknown = ~false & ~true
        inner_label = label_of(self.confirmed)
        why = reasons.coalesce(
            reasons.const(~seen, "no visit in window"),
            reasons.where(failed, visit_reason(v, rows, inner.why, label,
                                               "not met at day {day}", inner_label)),
            reasons.where(refuted, visit_reason(v, later, inner.why, label,
                                                "not confirmed at day {day}", inner_label)),
            reasons.where(unknown & ~met, visit_reason(v, rows, inner.why, label,
                                                       "unknown at day {day}", inner_label)),
            reasons.const(unknown & met & (later < 0),
                          f"{label}: not confirmed: no visit {self.after} days later"),
            reasons.where(unknown & met, visit_reason(v, later, inner.why, label,
                                                      "unknown at day {day}", inner_label)),
            reasons.where(true, day_text(v, later, label + " (confirmed at day {day})")),
        )
        return Outcome(pd.arrays.BooleanArray(true, unknown), why)


def at_rows(per_row: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Per item: `per_row` at visit row `rows` (False where a row is ``-1``)."""
    out = np.zeros(len(rows), dtype=bool)
    present = rows >= 0
    out[present] = per_row[rows[present]]
    return out


def visit_reason(v: Visits, rows: np.ndarray, why: reasons.Reason, label: str,
                 template: str, inner_label: str) -> reasons.Reason:
    """``"{label}: {template with the day of the row}: {inner reason at the row}"``, the
    inner reason left out where there is none or it only repeats `inner_label` (a
    single threshold not met). No reason where a row is ``-1``."""
    detail = reasons.at(why, rows)
    keep = np.r_[np.asarray(detail.categories != inner_label, dtype=bool), False]
    detail = reasons.where(keep[detail.codes], detail)
    return reasons.prefix(reasons.join([day_text(v, rows, template), detail], sep=": "),
                          f"{label}: ")


def not_at_baseline(n: int, label: str) -> Outcome:
    """`<NA>` for every item: a criterion over the visits after day 0, read at a baseline
    timepoint."""
    value = pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool))
    return Outcome(value, reasons.const(np.ones(n, dtype=bool),
                                        f"{label}: not assessed at a baseline timepoint"))
