"""``Compare``: one variable against a threshold at the visit being read."""

from __future__ import annotations

import operator
from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from .. import reasons
from ..decimals import errstate, rounded
from ..model import clinical
from .base import Context, Node, Outcome

Op = Literal["<", "<=", ">", ">=", "==", "!="]
Against = Literal["baseline", "reference", "previous"]
OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
       "==": operator.eq, "!=": operator.ne}


class Compare(Node):
    """Compare a variable with a threshold at the visit being assessed.

    The compared quantity is the variable's value ``at`` the visit (or the subject's
    baseline / reference value), minus the ``change_from`` value if given; the threshold
    is ``value``, times the ``of`` value if given, or times the value of another column
    ``than`` at the same visit (a reference limit such as ``c3_lln``; ``value`` is then
    1 unless given), or at the subject's baseline or reference visit with ``than_at``
    (a value recorded once, such as the pre-flare eGFR ``egfr_preflare``). Both sides are
    compared in decimal terms: ``round(lhs - rhs, 9) <op> 0``.

    Examples
    --------
    >>> Compare(variable="upcr", op="<=", value=0.5, of="baseline").describe()
    'upcr <= 50% of baseline'
    >>> Compare(variable="sledai", op="<=", value=-4, change_from="baseline").describe()
    'sledai change from baseline <= -4'
    >>> Compare(variable="c3", op="<", than="c3_lln").describe()
    'c3 < c3_lln'
    >>> Compare(variable="egfr", op=">=", value=0.8, than="egfr_preflare",
    ...         than_at="reference").describe()
    'egfr >= 80% of reference egfr_preflare'
    """

    key: ClassVar[str] = "variable"

    variable: str
    op: Op
    value: float | None = Field(default=None, allow_inf_nan=False)
    at: Literal["visit", "baseline", "reference"] = "visit"
    change_from: Against | None = None
    of: Against | None = None
    than: str | None = None
    than_at: Literal["visit", "baseline", "reference"] = "visit"

    _variable = field_validator("variable")(clinical)

    @field_validator("than")
    @classmethod
    def _than_is_a_column(cls, than: str | None) -> str | None:
        return None if than is None else clinical(than)

    @model_validator(mode="after")
    def _one_relation(self) -> Compare:
        if sum(x is not None for x in (self.change_from, self.of, self.than)) > 1:
            raise ValueError("use one of change_from, of and than")
        if self.at != "visit" and (self.change_from or self.of):
            raise ValueError("change_from / of compare the visit value: leave `at` as visit")
        if self.than_at != "visit" and self.than is None:
            raise ValueError("than_at says where the `than` column is read: give than")
        if self.value is None and self.than is None:
            raise ValueError("value is required (unless the threshold is another column, "
                             "than)")
        return self

    @property
    def factor(self) -> float:
        """The threshold value (1 times the `than` column when not given)."""
        return 1.0 if self.value is None else self.value

    def columns(self, *, at_visit: bool = False) -> tuple[str, ...]:
        own = (self.variable,) if not at_visit or self.at == "visit" else ()
        than = (self.than,) if self.than and (not at_visit or self.than_at == "visit") else ()
        return own + than

    def describe(self) -> str:
        if self.label:
            return self.label
        subject = self.variable if self.at == "visit" else f"{self.at} {self.variable}"
        if self.change_from:
            subject += f" change from {self.change_from}"
        threshold = f"{self.factor:g}"
        if self.of:
            threshold = f"{self.factor * 100:g}% of {self.of}"
        elif self.than:
            than = self.than if self.than_at == "visit" else f"{self.than_at} {self.than}"
            threshold = than if self.factor == 1 else f"{self.factor * 100:g}% of {than}"
        return f"{subject} {self.op} {threshold}"

    def evaluate(self, ctx: Context) -> Outcome:
        """Compare the read value with the threshold in decimal terms; unknown (with the
        missing inputs named) where an input is missing.

        Examples
        --------
        >>> from endpoints.inputs.visits import prepare
        >>> from endpoints.definitions import TrialDefinition
        >>> v = prepare(pd.DataFrame({"subject_id": ["a", "b", "c"], "day": 168,
        ...                           "upcr": [0.5, 0.4, None]}))
        >>> trial = TrialDefinition(id="T", title="", timepoints=[{"label": "w", "day": 168}],
        ...     endpoints=[{"kind": "change", "name": "x", "variable": "upcr",
        ...                 "timepoints": ["w"]}])
        >>> out = Compare(variable="upcr", op="<", value=0.5).evaluate(
        ...     Context(v, np.arange(3), v.code, trial))
        >>> out.value.tolist(), out.why.tolist()
        ([False, True, <NA>], ['upcr < 0.5', nan, 'upcr < 0.5: upcr missing'])
        """
        x = ctx.read(self.variable, self.at)
        inputs = [(x, self.variable if self.at == "visit" else f"{self.at} {self.variable}")]
        lhs, rhs = x, np.float64(self.factor)
        with errstate():
            if self.change_from:
                other = ctx.read(self.variable, self.change_from)
                inputs.append((other, f"{self.change_from} {self.variable}"))
                lhs = x - other
            elif self.of:
                other = ctx.read(self.variable, self.of)
                inputs.append((other, f"{self.of} {self.variable}"))
                rhs = self.factor * other
            elif self.than:
                other = ctx.read(self.than, self.than_at)
                inputs.append((other, self.than if self.than_at == "visit" else
                               f"{self.than_at} {self.than}"))
                rhs = self.factor * other
            diff = rounded(lhs - rhs)
        unknown = np.isnan(diff)
        value = pd.arrays.BooleanArray(OPS[self.op](np.where(unknown, 0.0, diff), 0.0), unknown)
        label = self.describe()
        missing = [reasons.const(np.isnan(a), name) for a, name in inputs]
        why_missing = reasons.prefix(reasons.join(missing, sep=" and "), f"{label}: ")
        why_missing = reasons.where(unknown, why_missing.rename_categories(
            [s + " missing" for s in why_missing.categories]))
        return Outcome(value, reasons.coalesce(reasons.const(~unknown & ~value.to_numpy(
            dtype=bool, na_value=True), label), why_missing))
