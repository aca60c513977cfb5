"""``NewItems``: how many descriptors (boolean item columns, such as the SLEDAI-2K's) are
present at the visit and were absent in the comparator: LLDAS's "no new features of lupus
disease activity compared with the previous assessment".

Written in a definition as ``{ new_items = "sledai", against = "previous", op = "<",
count = 1 }``; ``"sledai"`` stands for the 24 SLEDAI-2K descriptor columns
(:data:`endpoints.SLEDAI_2K_ITEMS`), or list the columns.
"""

from __future__ import annotations

import operator
from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from .. import reasons
from ..clinical.sledai import SLEDAI_2K_ITEMS
from ..model import clinical
from .base import Context, Node, Outcome

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
#: names that stand for a set of item columns
ITEM_SETS: dict[str, tuple[str, ...]] = {"sledai": tuple(SLEDAI_2K_ITEMS)}


class NewItems(Node):
    """Count the items present at the visit and absent in the comparator (the previous
    assessment by default), and compare the count.

    An item missing at the visit, or present at the visit with the comparator missing,
    may or may not be new: the count is known between two bounds, and the comparison is
    decided only when both bounds agree (as for ``new_bilag``). Against the previous
    assessment, the comparator of an item is its value at the subject's most recent
    earlier visit where it was recorded.

    Examples
    --------
    >>> NewItems(new_items="sledai", op="<", count=1).describe()
    'new sledai items vs previous < 1'
    >>> len(NewItems(new_items="sledai", op="<", count=1).columns())
    24
    """

    key: ClassVar[str] = "new_items"

    new_items: str | tuple[str, ...]
    against: Literal["baseline", "reference", "previous"] = "previous"
    op: Literal["<", "<=", ">", ">="]
    count: int = Field(ge=0)

    @field_validator("new_items")
    @classmethod
    def _known_items(cls, items: str | tuple[str, ...]) -> str | tuple[str, ...]:
        if isinstance(items, str):
            if items not in ITEM_SETS:
                raise ValueError(f"unknown item set {items!r}; known: {sorted(ITEM_SETS)}, "
                                 "or list the columns")
            return items
        if not items:
            raise ValueError("list at least one item column")
        return tuple(clinical(i) for i in items)

    def columns(self, *, at_visit: bool = False) -> tuple[str, ...]:
        items = self.new_items
        return ITEM_SETS[items] if isinstance(items, str) else items

    def describe(self) -> str:
        items = self.new_items if isinstance(self.new_items, str) else "/".join(self.new_items)
        return self.label or f"new {items} items vs {self.against} {self.op} {self.count}"

    def explain(self) -> str:
        return (f"the number of items present at the visit and absent at {self.against} "
                f"{self.op} {self.count} (items: {', '.join(self.columns())})")

    def evaluate(self, ctx: Context) -> Outcome:
        n = len(ctx.rows)
        known, possible = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        for item in self.columns():
            now, before = ctx.read(item, "visit"), ctx.read(item, self.against)
            new = (now == 1) & (before == 0)
            maybe = ((now == 1) | np.isnan(now)) & ((before == 0) | np.isnan(before))
            known += new
            possible += maybe & ~new
        compare = _OPS[self.op]
        low, high = compare(known, self.count), compare(known + possible, self.count)
        unknown = low != high
        label = self.describe()
        why = reasons.coalesce(
            reasons.const(unknown, f"{label}: items missing"),
            reasons.const(~unknown & ~low, label),
        )
        return Outcome(pd.arrays.BooleanArray(low & ~unknown, unknown), why,
                       counts={"items": known})
