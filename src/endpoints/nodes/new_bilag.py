"""``NewBilag``: how many BILAG-2004 domains have a new grade A or B at a visit.

A domain is *new A* when graded A at the visit and B-E in the comparator (baseline,
selection visit or previous assessment), *new B* when graded B and C-E in the
comparator. Grades are stored as ordinals A=1 .. E=5, so "new X" is ``grade == X`` and
``comparator > X``. A domain whose grade is missing, or graded X with the comparator
missing, may or may not be new: the count is known between two bounds, and a comparison
is decided only when both bounds agree (Kleene logic for counts). A missing grade is
possibly new only where the known grade allows it: a domain whose reference grade is A
can be neither a new A nor a new B; reference B can be a new A but not a new B.
"""

from __future__ import annotations

import operator
from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from .. import reasons
from ..inputs.visits import BILAG_DOMAINS, GRADE_CODES
from .base import Context, Node, Outcome

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


class BilagDomains(Node):
    """Base of the nodes that read BILAG-2004 grades domain by domain: the ``domains``
    read (all nine by default) and the ``against`` grade they compare with."""

    against: Literal["baseline", "reference", "previous"] = "baseline"
    domains: tuple[str, ...] = BILAG_DOMAINS

    @model_validator(mode="after")
    def _known_domains(self) -> BilagDomains:
        unknown = set(self.domains) - set(BILAG_DOMAINS)
        if unknown:
            raise ValueError(f"unknown BILAG domains {sorted(unknown)}; known: {BILAG_DOMAINS}")
        return self

    def columns(self, *, at_visit: bool = False) -> tuple[str, ...]:
        return tuple(f"bilag_{d}" for d in self.domains)

    def domains_read(self) -> str:
        """``" (domains: ...)"`` when not all nine are read, else ``""``."""
        if set(self.domains) == set(BILAG_DOMAINS):
            return ""
        return " (domains: " + ", ".join(self.domains) + ")"


class NewBilag(BilagDomains):
    """Count the BILAG domains with a *new* grade at the visit and compare the count.

    With several `grades`, a domain counts once if new in any of them. With missing
    grades the count is known only within bounds, and the comparison is unknown unless
    both bounds agree.

    Examples
    --------
    >>> NewBilag(new_bilag=("B",), op="<=", count=1).describe()
    'new BILAG B domains vs baseline <= 1'
    """

    key: ClassVar[str] = "new_bilag"

    new_bilag: tuple[Literal["A", "B"], ...] = Field(min_length=1)
    op: Literal["<", "<=", ">", ">="]
    count: int = Field(ge=0)

    def describe(self) -> str:
        grades = "/".join(self.new_bilag)
        return self.label or f"new BILAG {grades} domains vs {self.against} {self.op} {self.count}"

    def explain(self) -> str:
        return self.model_copy(update={"label": None}).describe() + self.domains_read()

    def counts(self, ctx: Context) -> tuple[np.ndarray, np.ndarray]:
        """Per item: (domains known new, domains possibly new)."""
        n = len(ctx.rows)
        known, possible = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        for domain in self.domains:
            grade = ctx.read(f"bilag_{domain}", "visit")
            comparator = ctx.read(f"bilag_{domain}", self.against)
            new = np.zeros(n, dtype=bool)
            maybe = np.zeros(n, dtype=bool)
            # Against the previous assessment (flares), an ungraded domain is not assessed
            # at the visit; against a fixed reference it may be new only where the
            # reference grade allows it (reference A: never; reference B: new A only).
            ungraded = np.isnan(grade) & (self.against != "previous")
            for letter in self.new_bilag:
                code = GRADE_CODES[letter]
                allows = (comparator > code) | np.isnan(comparator)
                new |= (grade == code) & (comparator > code)
                maybe |= ((grade == code) | ungraded) & allows
            known += new
            possible += maybe & ~new
        return known, possible

    def evaluate(self, ctx: Context) -> Outcome:
        """Compare the count of new-grade domains with ``count``."""
        known, possible = self.counts(ctx)
        compare = _OPS[self.op]
        low, high = compare(known, self.count), compare(known + possible, self.count)
        unknown = low != high
        value = pd.arrays.BooleanArray(low & ~unknown, unknown)
        label = self.describe()
        why = reasons.coalesce(
            reasons.const(unknown, f"{label}: BILAG grades missing"),
            reasons.const(~unknown & ~low, label),
        )
        return Outcome(value, why, counts={"domains": known})
