"""Clinical measurements derived from visit data (kidney function, SLEDAI-2K)."""

from .egfr import (
    compute_egfr_ckd_epi_2009,
    compute_egfr_ckd_epi_2021,
    compute_egfr_mdrd,
    compute_egfr_schwartz,
)
from .sledai import (
    CLINICAL_SLEDAI_ITEMS,
    SEROLOGY_ITEMS,
    SLEDAI_2K_ITEMS,
    compute_clinical_sledai,
    compute_sledai_2k,
    sledai_2k_descriptors,
)

__all__ = [
    "CLINICAL_SLEDAI_ITEMS",
    "SEROLOGY_ITEMS",
    "SLEDAI_2K_ITEMS",
    "compute_clinical_sledai",
    "compute_egfr_ckd_epi_2009",
    "compute_egfr_ckd_epi_2021",
    "compute_egfr_mdrd",
    "compute_egfr_schwartz",
    "compute_sledai_2k",
    "sledai_2k_descriptors",
]
