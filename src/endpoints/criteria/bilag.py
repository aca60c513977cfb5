"""BILAG-2004 criteria: counts of domains with a new grade A or B at a visit.

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

import numpy as np
import pandas as pd

from .. import reasons
from ..definitions import NewBilag
from ..inputs.visits import GRADE_CODES
from .expressions import EVALUATORS, Context, Outcome

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def new_grade_counts(c: NewBilag, ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """Per item: (domains known new, domains possibly new) for the grades of `c`."""
    n = len(ctx.rows)
    known, possible = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    for domain in c.domains:
        grade = ctx.read(f"bilag_{domain}", "visit")
        comparator = ctx.read(f"bilag_{domain}", c.against)
        new = np.zeros(n, dtype=bool)
        maybe = np.zeros(n, dtype=bool)
        # Against the previous assessment (flares), an ungraded domain is not assessed at
        # the visit; against a fixed reference it may be new only where the reference
        # grade allows it (reference A: never; reference B: new A only).
        ungraded = np.isnan(grade) & (c.against != "previous")
        for letter in c.new_bilag:
            code = GRADE_CODES[letter]
            allows = (comparator > code) | np.isnan(comparator)
            new |= (grade == code) & (comparator > code)
            maybe |= ((grade == code) | ungraded) & allows
        known += new
        possible += maybe & ~new
    return known, possible


def new_bilag(c: NewBilag, ctx: Context) -> Outcome:
    """Compare the count of new-grade domains with ``c.count``."""
    known, possible = new_grade_counts(c, ctx)
    compare = _OPS[c.op]
    low, high = compare(known, c.count), compare(known + possible, c.count)
    unknown = low != high
    value = pd.arrays.BooleanArray(low & ~unknown, unknown)
    label = c.describe()
    why = reasons.coalesce(
        reasons.const(unknown, f"{label}: BILAG grades missing"),
        reasons.const(~unknown & ~low, label),
    )
    return Outcome(value, why, counts={"domains": known})


EVALUATORS[NewBilag] = new_bilag
