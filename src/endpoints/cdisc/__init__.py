"""CDISC datasets in: ``read_adam`` and ``read_sdtm`` turn ADaM or SDTM datasets into
the canonical tables that :func:`endpoints.score` reads (SPEC section 5)."""

from pathlib import Path

from .folder import read_folder
from .readers import read_adam, read_sdtm
from .trial_data import TrialData

__all__ = ["TrialData", "example_folder", "read_adam", "read_folder", "read_sdtm"]


def example_folder(standard: str | None = None) -> Path:
    """The bundled example datasets of NCT03917797 (simulated, 40 subjects): the folder
    of ``"adam"`` or ``"sdtm"`` datasets (``.xpt``), or without `standard` the folder
    that holds both and ``params.csv`` (the sponsor-defined parameter codes).

    Examples
    --------
    >>> sorted(p.name for p in example_folder("adam").iterdir())
    ['adlb.xpt', 'adqs.xpt', 'adsl.xpt', 'adtrt.xpt', 'advs.xpt']
    """
    root = Path(__file__).resolve().parent.parent / "examples" / "cdisc"
    return root if standard is None else root / standard
