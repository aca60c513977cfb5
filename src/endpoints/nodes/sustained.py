"""``Sustained``: a criterion met at every visit over the last N days up to the
assessment visit (SPEC section 8, "sustained" responses).

Written in a definition as ``{ sustained = <criterion>, over = 84 }``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import pandas as pd
from pydantic import Field

from .. import reasons, timeline
from .base import Context, Node, Outcome, evaluate, label_of
from .confirmed import not_at_baseline, visit_reason

if TYPE_CHECKING:
    from .base import Criterion


class Sustained(Node):
    """`sustained` met at every visit of the span: the visits with day in
    ``[D - over, D]`` (both ends included), D the day of the assessment visit, the
    assessment visit itself included.

    Three-valued, as the Kleene AND over the span's visits: False when known not met at
    some visit (the reason names the first such day), else ``<NA>`` when unknown at some
    visit (the first such day named), else True. No assessment visit: ``<NA>``, "no
    visit in window".

    - Only post-baseline visits are read: a visit on or before day 0 (screening,
      baseline) inside the span is ignored, since it precedes treatment. At a baseline
      timepoint there is no such visit: ``<NA>``.
    - Only the visits that exist are read: when follow-up started later than
      ``D - over`` (an assessment before day ``over``), the span is the shorter one from
      the first post-baseline visit to D, and it counts. Nothing is required about the
      number of visits or the gaps between them; the assessment visit alone can make a
      span.
    - Every visit of the span counts as written, including one that lacks the
      criterion's variables (unknown there).

    Examples
    --------
    >>> from endpoints.nodes import Compare
    >>> Sustained(sustained=Compare(variable="upcr", op="<", value=0.5), over=84).describe()
    'upcr < 0.5 at every visit over the last 84 days'

    Scored at week 24 (day 168) over 84 days: the span is days 84-168, so the high UPCR
    at day 56 is before it and the one at day 112 fails:

    >>> import pandas as pd
    >>> import endpoints as ep
    >>> trial = ep.TrialDefinition(
    ...     id="S", title="", timepoints=[{"label": "week 24", "day": 168}],
    ...     endpoints=[{"kind": "response", "name": "sustained_cr", "timepoints": ["week 24"],
    ...                 "criteria": {"sustained": {"variable": "upcr", "op": "<",
    ...                                            "value": 0.5}, "over": 84}}])
    >>> visits = pd.DataFrame({"subject_id": "S1", "day": [0, 56, 84, 112, 168],
    ...                        "upcr": [3.0, 2.0, 0.4, 0.6, 0.3]})
    >>> ep.score(visits, trial).reason.tolist()
    ['not met: upcr < 0.5 at every visit over the last 84 days: not met at day 112']
    """

    key: ClassVar[str] = "sustained"
    per_subject: ClassVar[bool] = True
    children_per_visit: ClassVar[bool] = True

    sustained: Criterion
    over: int = Field(ge=1)

    def children(self) -> tuple[Criterion, ...]:
        return (self.sustained,)

    def describe(self) -> str:
        return self.label or (f"{label_of(self.sustained)} at every visit over the last "
                              f"{self.over} days")

    def explain(self) -> str:
        return (f"at every visit after day 0 in the {self.over} days up to and including "
                "the assessment visit")

    def evaluate(self, ctx: Context) -> Outcome:
        label = self.describe()
        if ctx.at_baseline:
            return not_at_baseline(len(ctx.rows), label)
        v, rows = ctx.visits, ctx.rows
        inner = evaluate(self.sustained, ctx.every_visit())
        seen = rows >= 0
        end = timeline.day_at(v, rows)
        span = (seen[v.code] & (v.day > 0) & (v.day >= (end - self.over)[v.code])
                & (v.day <= end[v.code]))
        first_fail = timeline.first_row(v, span & inner.false)
        first_unknown = timeline.first_row(v, span & inner.unknown)
        failed, unsure = first_fail >= 0, (first_unknown >= 0) | ~seen
        inner_label = label_of(self.sustained)
        why = reasons.coalesce(
            reasons.const(~seen, "no visit in window"),
            reasons.where(failed, visit_reason(v, first_fail, inner.why, label,
                                               "not met at day {day}", inner_label)),
            reasons.where(~failed, visit_reason(v, first_unknown, inner.why, label,
                                                "unknown at day {day}", inner_label)),
        )
        return Outcome(pd.arrays.BooleanArray(~failed & ~unsure, ~failed & unsure), why)
