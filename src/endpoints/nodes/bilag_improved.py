"""``BilagImproved``: every BILAG-2004 domain active in the comparator has improved by at
least one grade at the visit (BICLA's first component: "all A scores falling to B, C or D
and all B scores falling to C or D").

Written in a definition as ``{ bilag_improved = ["A", "B"] }``. Grades are ordinals
A=1 .. E=5, so a domain graded X in the comparator has improved when its grade at the
visit is above X. A domain graded C-E in the comparator (or a grade not listed) has no
requirement; a subject with no such active domain meets the criterion.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from .. import reasons
from ..inputs.visits import GRADE_CODES
from .base import Context, Outcome
from .new_bilag import BilagDomains


class BilagImproved(BilagDomains):
    """Every domain graded one of `bilag_improved` in the comparator (baseline by
    default) is graded better at the visit.

    Three-valued, domain by domain (Kleene AND over the domains): a domain fails when
    its comparator grade is known to be listed and its grade at the visit is known and
    not better; it is unknown when a grade it depends on is missing (a missing
    comparator grade matters only where the visit grade would fail under some listed
    grade: visit grade C-E improves on A and B whatever the comparator was).

    Examples
    --------
    >>> BilagImproved(bilag_improved=("A", "B")).describe()
    'every BILAG A/B domain vs baseline improved'
    """

    key: ClassVar[str] = "bilag_improved"

    bilag_improved: tuple[Literal["A", "B", "C", "D"], ...] = Field(min_length=1)

    def describe(self) -> str:
        grades = "/".join(self.bilag_improved)
        return self.label or f"every BILAG {grades} domain vs {self.against} improved"

    def explain(self) -> str:
        grades = " and ".join(self.bilag_improved)
        return (f"every domain graded {grades} at {self.against} is graded better at the "
                f"visit{self.domains_read()}")

    def evaluate(self, ctx: Context) -> Outcome:
        listed = np.array(sorted(GRADE_CODES[g] for g in self.bilag_improved), dtype=float)
        worst = listed.max()  # a visit grade above every listed grade always improves
        n = len(ctx.rows)
        failed, unsure = [], []
        for domain in self.domains:
            grade = ctx.read(f"bilag_{domain}", "visit")
            comparator = ctx.read(f"bilag_{domain}", self.against)
            active = np.isin(comparator, listed)
            # known to fail: active, graded at the visit, and not better than before
            fails = active & ~np.isnan(grade) & (grade <= comparator)
            # unknown: active with no grade at the visit; or no comparator grade and a
            # visit grade that some listed grade would not improve on
            maybe = (active & np.isnan(grade)) | (
                np.isnan(comparator) & (np.isnan(grade) | (grade <= worst)))
            failed.append(reasons.const(fails, domain))
            unsure.append(maybe & ~fails)
        any_fail = np.zeros(n, dtype=bool)
        for f in failed:
            any_fail |= f.codes >= 0
        unknown = ~any_fail & np.logical_or.reduce(unsure) if unsure else np.zeros(n, bool)
        value = pd.arrays.BooleanArray(~any_fail & ~unknown, unknown)
        label = self.describe()
        why = reasons.coalesce(
            reasons.prefix(reasons.where(any_fail, reasons.join(failed, sep=", ")),
                           f"{label}: not improved in "),
            reasons.const(unknown, f"{label}: BILAG grades missing"),
        )
        return Outcome(value, why)
