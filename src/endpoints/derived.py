"""Derived visit variables: columns a trial computes from others by a declared method.

A definition names the method of each derived variable it uses (``[derived] egfr =
"ckd_epi_2009"``); each method states the columns it reads. A derived variable is
computed for a visit table that lacks it and has what its method reads; a column the
table does have is used as it is (a supplied eGFR is never recomputed).

Examples
--------
>>> sorted(METHODS["egfr"])
['ckd_epi_2009', 'ckd_epi_2021', 'mdrd', 'schwartz']
>>> DEFAULTS["egfr"]
'ckd_epi_2021'
>>> METHODS["sledai"]["sledai_2k"].inputs == tuple(SLEDAI_2K_ITEMS)
True
>>> DEFAULTS["sledai"], len(METHODS["clinical_sledai"]["sledai_2k"].inputs)
('sledai_2k', 22)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .clinical.egfr import (
    compute_egfr_ckd_epi_2009,
    compute_egfr_ckd_epi_2021,
    compute_egfr_mdrd,
    compute_egfr_schwartz,
)
from .clinical.sledai import CLINICAL_SLEDAI_ITEMS, SLEDAI_2K_ITEMS, total_points
from .inputs.visits import BILAG_COLUMNS, compute_bilag_score


@dataclass(frozen=True)
class Method:
    """How a derived variable is computed: the columns it reads (all of them, or with
    `any_input` as many as are present) and a function of their arrays (in that order;
    ``sex`` as text) returning float64."""

    inputs: tuple[str, ...]
    compute: Callable[..., np.ndarray]
    source: str
    any_input: bool = False

    def available(self, present) -> bool:
        """Can it be computed from the columns `present`?"""
        found = [name in present for name in self.inputs]
        return any(found) if self.any_input else all(found)


def _floats(compute) -> Callable[..., np.ndarray]:
    return lambda *columns: compute(*columns).to_numpy(dtype="float64", na_value=np.nan)


def _bilag(*grades: np.ndarray) -> np.ndarray:
    return compute_bilag_score([g for g in grades if g is not None])


def _points(columns: tuple[str, ...]) -> Callable[..., np.ndarray]:
    """A SLEDAI total of the descriptor `columns` (flags as 1 / 0 / NaN, in that order)."""
    return lambda *items: total_points(items, columns)


_SLEDAI = tuple(SLEDAI_2K_ITEMS)
_CLINICAL_SLEDAI = tuple(CLINICAL_SLEDAI_ITEMS)


#: derived variable -> method name -> Method
METHODS: dict[str, dict[str, Method]] = {
    "egfr": {
        "ckd_epi_2021": Method(("creatinine", "age", "sex"), _floats(compute_egfr_ckd_epi_2021),
                               "Inker et al., N Engl J Med 2021;385:1737-49 (race-free)"),
        "ckd_epi_2009": Method(("creatinine", "age", "sex"), _floats(compute_egfr_ckd_epi_2009),
                               "Levey et al., Ann Intern Med 2009;150:604-12 (without the race "
                               "coefficient: no race column is read)"),
        "mdrd": Method(("creatinine", "age", "sex"), _floats(compute_egfr_mdrd),
                       "Levey et al., Clin Chem 2007;53:766-72, IDMS-traceable 175 (without "
                       "the race coefficient)"),
        "schwartz": Method(("creatinine", "height"), _floats(compute_egfr_schwartz),
                           "Schwartz et al., J Am Soc Nephrol 2009;20:629-37 (bedside)"),
    },
    "bilag_score": {
        "bilag_2004": Method(BILAG_COLUMNS, _bilag, "BILAG-2004 numeric score: A=12, B=8, "
                             "C=1, D=0, E=0 over the domains recorded (SPEC section 3)",
                             any_input=True),
    },
    "sledai": {
        "sledai_2k": Method(_SLEDAI, _points(_SLEDAI),
                            "SLEDAI-2K: the weights of the 24 descriptors present, 0-105 "
                            "(Gladman et al., J Rheumatol 2002;29:288-91); missing where any "
                            "descriptor is missing"),
    },
    "clinical_sledai": {
        "sledai_2k": Method(_CLINICAL_SLEDAI, _points(_CLINICAL_SLEDAI),
                            "SLEDAI-2K without low complement and increased DNA binding, "
                            "0-101 (the clinical SLEDAI of the 2021 DORIS remission "
                            "definition, van Vollenhoven et al., Lupus Sci Med "
                            "2021;8:e000538)"),
    },
}
#: the method of each derived variable when a definition names none (SPEC section 2)
DEFAULTS: dict[str, str] = {"egfr": "ckd_epi_2021", "bilag_score": "bilag_2004",
                            "sledai": "sledai_2k", "clinical_sledai": "sledai_2k"}


def methods_of(chosen: dict[str, str], names: Sequence[str]) -> dict[str, Method]:
    """The method of each derived variable among `names`: the chosen one, else the
    default."""
    return {name: METHODS[name][chosen.get(name, DEFAULTS[name])]
            for name in names if name in METHODS}
