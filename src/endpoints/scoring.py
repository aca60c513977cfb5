"""``score``, the entry point: a dask DataFrame is scored by :mod:`endpoints.distributed`
(partition by partition, lazily), anything else by :mod:`endpoints.engine`."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from . import distributed, engine
from .cdisc import TrialData
from .definitions import TrialDefinition
from .errors import InputError


def score(
    visits: pd.DataFrame,
    trial: str | TrialDefinition,
    *,
    medications: pd.DataFrame | None = None,
    columns: Mapping[str, str] | None = None,
    units: Mapping[str, str | float] | None = None,
    drug_classes: Mapping[str, str | float] | None = None,
    adverse_events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Score every endpoint of a trial for every subject of a visit table.

    Parameters
    ----------
    visits : DataFrame, dask DataFrame or TrialData
        Wide visit table (one row per subject per visit), canonical columns or mapped
        with `columns`. A dask DataFrame is scored partition by partition after
        partitioning by subject, and a lazy dask DataFrame is returned. A
        :class:`~endpoints.TrialData` (from :func:`~endpoints.read_adam` or
        :func:`~endpoints.read_sdtm`) gives the visits, the medications and every
        subject of its subject-level dataset.
    trial : str or TrialDefinition
        A registered trial ID, or a definition object.
    medications : DataFrame, optional
        Dosing records (SPEC section 2). A subject with records and no visits is still
        scored: not evaluable, reason "no visits".
    columns : mapping, optional
        User column name -> canonical name.
    units : mapping, optional
        Column -> unit of its values when not the canonical one (``"umol/L"``), or the
        number its values are divided by (``88.4``: another source's factor where the
        default, SPEC section 2's 88.42, is disputed).
    adverse_events : DataFrame, optional
        Adverse events (SPEC section 6: ``subject_id``, ``term``, ``start_day``,
        ``end_day``, ``grade``, ``related``, ``serious``, ``body_system``), read by
        ``adverse_event`` endpoints. A subject with events and no visits is still scored.
    drug_classes : mapping, optional
        Drug names of the medications table -> a known drug (``"prednisone"``) or class
        (``"immunosuppressant"``, ``"rituximab"``, ``"other"``), for names the drug
        dictionary does not know; or to a number, the mg of that corticosteroid equal
        to 5 mg prednisone (``{"betamethasone": 0.6}``: another source's value where the
        default, 0.75, is disputed; or a corticosteroid the dictionary has no
        equivalence for).

    Returns
    -------
    DataFrame
        One row per subject x endpoint x timepoint with columns ``trial_id``,
        ``subject_id``, ``endpoint``, ``timepoint``, ``day``, ``result``, ``category``,
        ``value`` and ``reason``, sorted by subject, endpoint and timepoint day.

    Examples
    --------
    >>> import endpoints as ep
    >>> visits = pd.DataFrame({"subject_id": ["S1", "S1"], "day": [0, 84],
    ...                        "upcr": [3.0, 0.4], "egfr": [90.0, 80.0]})
    >>> import warnings; warnings.simplefilter("ignore", ep.EndpointsWarning)  # no c3 etc.
    >>> out = ep.score(visits, "NCT03580291")
    >>> row = out[(out.endpoint == "renal_response") & (out.timepoint == "week 12")]
    >>> row[["day", "result", "category"]].to_dict("records")
    [{'day': 84, 'result': True, 'category': 'CR'}]
    """
    options = {"medications": medications, "columns": columns, "units": units,
               "drug_classes": drug_classes, "adverse_events": adverse_events}
    if isinstance(visits, TrialData):
        given = [f"{name}=" for name, value in (("columns", columns), ("units", units))
                 if value is not None]
        given += [f"{name}=" for name, value in (("medications", medications),
                                                 ("adverse_events", adverse_events))
                  if value is not None and getattr(visits, name) is not None]
        if given:
            raise InputError(", ".join(given), "not with TrialData: its tables are canonical "
                             "already, and its medications and adverse events come from its "
                             "CM / AE datasets")
        return engine.score(visits.visits, trial, drug_classes=drug_classes,
                            subjects=visits.subjects, medications=(
                                visits.medications if medications is None else medications),
                            adverse_events=(visits.adverse_events if adverse_events is None
                                            else adverse_events))
    if distributed.is_dask_dataframe(visits):  # -> lazy dask DataFrame, same columns
        return distributed.score(visits, trial, **options)
    return engine.score(visits, trial, **options)
