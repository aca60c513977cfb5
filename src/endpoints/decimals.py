"""Decimal-safe arithmetic (SPEC section 3): clinical differences and ratios are rounded
to 9 decimal places before they are compared or reported, so that a PGA going from 2.0
to 2.3 is an increase of exactly 0.3."""

from __future__ import annotations

import numpy as np

DECIMALS = 9


def rounded(values) -> np.ndarray:
    """`values` rounded to 9 decimal places; values too large to be rounded (beyond about
    1e299, where rounding would overflow) are kept as they are.

    Examples
    --------
    >>> rounded(np.array([2.3 - 2.0, 1e300])).tolist()
    [0.3, 1e+300]
    """
    values = np.asarray(values, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.round(values, DECIMALS)
    return np.where(np.isfinite(out) | ~np.isfinite(values), out, values)


def errstate():
    """Floating-point overflow of absurdly large inputs is not a warning: the result is
    infinite, and compared as such."""
    return np.errstate(over="ignore", invalid="ignore")
