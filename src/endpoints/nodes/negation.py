"""``Not``: the negation of a criterion, such as "no treatment failure" or "a mild or
moderate flare that is not severe".

Written in a definition as ``{ not = <criterion> }``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from pydantic import ConfigDict, Field

from .. import reasons
from .base import Context, Node, Outcome, evaluate, label_of

if TYPE_CHECKING:
    from .base import Criterion


class Not(Node):
    """True where `not` is known False, False where it is known True, ``<NA>`` where it
    is unknown (Kleene NOT: an unknown stays unknown, with the criterion's reason).

    Where False, the reason says what happened (``"no treatment failure: rituximab
    started in the period (day 40)"``).

    Examples
    --------
    >>> Not.model_validate({"not": {"started": "rituximab"}}).describe()
    'not rituximab started in the period'
    """

    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True)

    key: ClassVar[str] = "not"

    not_: Criterion = Field(alias="not")

    def children(self) -> tuple[Criterion, ...]:
        return (self.not_,)

    def describe(self) -> str:
        return self.label or f"not {label_of(self.not_)}"

    def explain(self) -> str:
        return "not"

    def evaluate(self, ctx: Context) -> Outcome:
        inner = evaluate(self.not_, ctx)
        value = ~inner.value
        label = self.describe()
        happened = reasons.coalesce(  # what made the criterion true, else the label
            reasons.prefix(reasons.where(inner.true, inner.why), f"{label}: "),
            reasons.const(inner.true, label))
        return Outcome(value, reasons.coalesce(happened, reasons.where(inner.unknown, inner.why)))
