"""Clinical measurements derived from visit data (kidney function)."""

from .egfr import (
    compute_egfr_ckd_epi_2009,
    compute_egfr_ckd_epi_2021,
    compute_egfr_mdrd,
    compute_egfr_schwartz,
)

__all__ = [
    "compute_egfr_ckd_epi_2009",
    "compute_egfr_ckd_epi_2021",
    "compute_egfr_mdrd",
    "compute_egfr_schwartz",
]
