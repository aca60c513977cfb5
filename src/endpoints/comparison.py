"""Comparing definitions on one dataset (SPEC section 8): the same visits scored under
several published definitions at one timepoint, and how far they agree.

Examples
--------
>>> import endpoints as ep, pandas as pd, warnings
>>> warnings.simplefilter("ignore", ep.EndpointsWarning)
>>> visits = pd.DataFrame({"subject_id": ["a", "a", "b", "b"], "day": [0, 168] * 2,
...                        "upcr": [3.0, 0.4, 3.0, 1.2], "egfr": [90.0, 78.0, 90.0, 90.0]})
>>> table = ep.compare_definitions(visits, ["kdigo_2021.cr", "kdigo_2021.pr"], day=168)
>>> table[["subject_id", "endpoint", "result"]].values.tolist()
[['a', 'kdigo_2021.cr', True], ['a', 'kdigo_2021.pr', True], ['b', 'kdigo_2021.cr', False], ['b', 'kdigo_2021.pr', True]]
"""  # noqa: E501

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .catalogue import Definition, get_definition
from .definitions import TrialDefinition
from .errors import InputError
from .results import check_results
from .scoring import score

TRIAL_ID = "DEFINITIONS"


def compare_definitions(visits, definitions: Sequence[str | Definition], *, day: int,
                        window: int = 28, label: str | None = None, **options
                        ) -> pd.DataFrame:
    """Score one visit table under several definitions at one timepoint.

    Parameters
    ----------
    visits : DataFrame or TrialData
        As for :func:`endpoints.score`.
    definitions : sequence of str or Definition
        Catalogue names (``"kdigo_2021.cr"``) or definitions (e.g. one
        :meth:`~endpoints.catalogue.Definition.with_parameters` gave).
    day, window : int
        The timepoint: target study day and window (days either side).
    label : str, optional
        The timepoint's label (default ``"day <day>"``).
    **options
        ``medications``, ``adverse_events``, ``columns``, ``units``, ``drug_classes``:
        as for :func:`endpoints.score`.

    Returns
    -------
    DataFrame
        :func:`endpoints.score`'s table with ``trial_id`` ``"DEFINITIONS"`` and
        ``endpoint`` the definition's name, subjects sorted, definitions in the order
        given.

    Raises
    ------
    InputError
        When the same definition is given twice, or none.
    """
    chosen = [d if isinstance(d, Definition) else get_definition(d) for d in definitions]
    names = [d.name for d in chosen]
    if not chosen or len(set(names)) != len(names):
        raise InputError("definitions=", f"give distinct definitions, got {names}")
    label = label or f"day {day}"
    keys = [f"d{i:03d}" for i in range(len(chosen))]
    endpoints = [
        {"kind": "response", "name": key, "criteria": key, "timepoints": [label]}
        if d.kind == "response" else
        {"kind": "event", "name": key, "event": key, "timepoints": [label]}
        for key, d in zip(keys, chosen, strict=True)]
    trial = TrialDefinition(
        id=TRIAL_ID, title="Definitions compared",
        timepoints=[{"label": label, "day": day, "window": window}],
        criteria={key: d.criteria for key, d in zip(keys, chosen, strict=True)},
        endpoints=endpoints)
    out = score(visits, trial, **options)
    out["endpoint"] = out["endpoint"].map(dict(zip(keys, names, strict=True))).astype("string")
    return out


def concordance(table: pd.DataFrame, visits=None, *, by: str = "arm") -> dict[str, pd.DataFrame]:
    """How far the definitions of a :func:`compare_definitions` table agree.

    Returns
    -------
    dict
        ``"pairs"``: per pair of definitions, subjects evaluable under both, the
        proportion that agree, Cohen's kappa with its 95% Wald interval (statsmodels,
        cut to kappa's range [-1, 1]), and
        the subjects that only the first / only the second calls a responder.
        ``"rates"``: per definition (and group of `visits`' column `by`, when `visits`
        is given), evaluable subjects, responders and the responder rate among them.

    Examples
    --------
    >>> table = pd.DataFrame({"trial_id": "DEFINITIONS", "subject_id": list("aabbcc"),
    ...     "endpoint": ["x", "y"] * 3, "timepoint": "day 168", "day": 168,
    ...     "result": [True, True, False, True, False, False], "category": None,
    ...     "value": None, "reason": None})
    >>> concordance(table)["pairs"][["first", "second", "n", "agreement"]].values.tolist()
    [['x', 'y', 3, 0.6666666666666666]]
    """
    from statsmodels.stats.inter_rater import cohens_kappa

    from .summary import _groups

    results = check_results(table)
    names = list(dict.fromkeys(results["endpoint"].dropna()))
    wide = results.pivot_table(index="subject_id", columns="endpoint", values="result",
                               aggfunc="first", dropna=False)
    rows = []
    for a, b in itertools.combinations(names, 2):
        both = wide[[a, b]].dropna()
        x, y = both[a].astype(bool).to_numpy(), both[b].astype(bool).to_numpy()
        counts = np.array([[np.sum(x & y), np.sum(x & ~y)], [np.sum(~x & y), np.sum(~x & ~y)]])
        kappa = cohens_kappa(counts) if len(both) and counts.sum(0).all() and counts.sum(
            1).all() else None
        rows.append({"first": a, "second": b, "n": len(both),
                     "agreement": float(np.mean(x == y)) if len(both) else np.nan,
                     "kappa": np.nan if kappa is None else float(kappa.kappa),
                     # the Wald interval can pass kappa's bounds: kept within [-1, 1]
                     "kappa_low": np.nan if kappa is None else max(-1.0, float(kappa.kappa_low)),
                     "kappa_high": np.nan if kappa is None else min(1.0, float(kappa.kappa_upp)),
                     "only_first": int(counts[0, 1]), "only_second": int(counts[1, 0])})
    pairs = pd.DataFrame(rows, columns=["first", "second", "n", "agreement", "kappa",
                                        "kappa_low", "kappa_high", "only_first",
                                        "only_second"])
    frame = results[["subject_id", "endpoint", "result"]].copy()
    keys = ["endpoint"]
    if visits is not None:
        groups = _groups(visits, by)
        frame[by] = frame["subject_id"].map(pd.Series(groups)).fillna("<NA>")
        keys.append(by)
    rates = frame.groupby(keys, sort=False).agg(
        evaluable=("result", lambda r: int(r.notna().sum())),
        responders=("result", lambda r: int((r == True).sum()))).reset_index()  # noqa: E712
    rates["rate"] = rates["responders"] / rates["evaluable"].where(rates["evaluable"] > 0)
    return {"pairs": pairs, "rates": rates}
