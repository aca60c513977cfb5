"""endpoints: score clinical-trial endpoints of lupus and lupus nephritis trials.

Examples
--------
>>> import endpoints as ep
>>> ep.list_trials()
['NCT02633163', 'NCT03580291', 'NCT03673748', 'NCT03917797']
"""

from typing import TYPE_CHECKING

from .adam import to_adam
from .catalogue import get_definition, list_definitions
from .cdisc import TrialData, read_adam, read_sdtm
from .clinical import (
    SLEDAI_2K_ITEMS,
    compute_egfr_ckd_epi_2009,
    compute_egfr_ckd_epi_2021,
    compute_egfr_mdrd,
    compute_egfr_schwartz,
    compute_sledai_2k,
)
from .comparison import compare_definitions, concordance
from .ctcae import compute_ctcae_grade
from .definitions import TrialDefinition
from .errors import (
    DefinitionError,
    EndpointsError,
    EndpointsWarning,
    InputError,
    UnknownTrialError,
)
from .formatting import format_table
from .listings import flare_events
from .registry import get_trial, list_trials, load_trial, register
from .report import report
from .safety import safety_table
from .scoring import score
from .shifts import shift_table
from .simulate import simulate
from .summary import summarize
from .xpt import write_xpt

if TYPE_CHECKING:  # the figures import matplotlib: loaded on first use, by __getattr__
    from .plots import definition_agreement, kaplan_meier

__all__ = [
    "SLEDAI_2K_ITEMS",
    "DefinitionError",
    "EndpointsError",
    "EndpointsWarning",
    "InputError",
    "TrialData",
    "TrialDefinition",
    "UnknownTrialError",
    "compare_definitions",
    "compute_ctcae_grade",
    "compute_egfr_ckd_epi_2009",
    "compute_egfr_ckd_epi_2021",
    "compute_egfr_mdrd",
    "compute_egfr_schwartz",
    "compute_sledai_2k",
    "concordance",
    "definition_agreement",
    "flare_events",
    "format_table",
    "get_definition",
    "get_trial",
    "kaplan_meier",
    "list_definitions",
    "list_trials",
    "load_trial",
    "read_adam",
    "read_sdtm",
    "register",
    "report",
    "safety_table",
    "score",
    "shift_table",
    "simulate",
    "summarize",
    "to_adam",
    "write_xpt",
]
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in ("definition_agreement", "kaplan_meier"):  # not importing matplotlib before
        from . import plots

        return getattr(plots, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
