"""Per-visit listings of events, for data review: which visit met which event, and how.

:func:`flare_events` evaluates, at every post-baseline visit, the event criteria of a
trial's ``event`` endpoints (its flares) -- the definitions the endpoints count, through
the same engine -- so a listing and an endpoint cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from . import derived, registry, timeline
from .definitions import Event, NewBilag, TrialDefinition
from .inputs.visits import prepare
from .nodes import Context, evaluate, variables

#: the events listed when no trial is given: the SELENA Flare Index by SLEDAI of
#: NCT03917797 and the BILAG-2004 flares of NCT02633163
DEFAULT_EVENTS = (("NCT03917797", "flare_severe"), ("NCT03917797", "flare_mild_moderate"),
                  ("NCT02633163", "bilag_flare_renal"), ("NCT02633163", "bilag_flare_nonrenal"))
COLUMNS = ["subject_id", "day", "kind", "domain", "value", "previous"]
_GRADES = np.array([None, "A", "B", "C", "D", "E"], dtype=object)


def flare_events(
    visits: pd.DataFrame,
    *,
    trial: str | TrialDefinition | None = None,
    columns: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """List the events of a trial's event endpoints at every post-baseline visit.

    Parameters
    ----------
    visits : DataFrame
        Visit table (``subject_id``, ``day``, and what the events read).
    trial : str or TrialDefinition, optional
        The trial whose ``event`` endpoints are listed. Default: the SELENA Flare Index
        flares of NCT03917797 (severe, mild/moderate) and the BILAG flares of
        NCT02633163 (renal, non-renal).
    columns, units : mapping, optional
        As for :func:`endpoints.score`.

    Returns
    -------
    DataFrame
        One row per event met at a visit: ``subject_id``, ``day``, ``kind`` (the
        endpoint's name), ``domain`` (the BILAG domain of an event counted by domain,
        else <NA>), ``value`` and ``previous`` (the compared variable -- SLEDAI, or the
        domain's grade -- at the visit and at the previous assessment). Sorted by
        subject, day, kind, domain.

    Examples
    --------
    >>> visits = pd.DataFrame({"subject_id": ["S1"] * 3, "day": [0, 28, 56],
    ...                        "sledai": [4, 8, 14], "bilag_renal": ["C", "B", "B"]})
    >>> flare_events(visits)[["day", "kind", "domain"]].to_dict("records")
    [{'day': 28, 'kind': 'bilag_flare_renal', 'domain': 'renal'}, {'day': 28, 'kind': 'flare_mild_moderate', 'domain': None}, {'day': 56, 'kind': 'flare_severe', 'domain': None}]
    """  # noqa: E501
    if trial is None:
        events = [(registry.get_trial(t), registry.get_trial(t).endpoint(e))
                  for t, e in DEFAULT_EVENTS]
    else:
        definition = registry.definition_of(getattr(trial, "id", trial), trial)
        events = [(definition, e) for e in definition.endpoints if isinstance(e, Event)]
    needed = {v for d, e in events for v in variables(e.event, d.criteria)}
    v = prepare(visits, columns=columns, units=units,
                derive=derived.methods_of({}, sorted(needed)))
    post = v.day > 0
    contexts: dict[str, Context] = {}
    parts = []
    for definition, endpoint in events:
        ctx = contexts.setdefault(definition.id, Context(
            v, np.arange(v.n_rows), v.code, definition, scope=("listing",)))
        rule = _resolved(endpoint.event, definition)
        if isinstance(rule, NewBilag) and endpoint.count == "domains":
            for domain in rule.domains:
                column = f"bilag_{domain}"
                met = rule.model_copy(update={"domains": (domain,)}).evaluate(ctx).true
                rows = np.flatnonzero(post & met)
                parts.append(_rows(v, rows, endpoint.name, domain,
                                   _grades(v.column(column)[rows]),
                                   _grades(timeline.previous(v, column)[rows])))
            continue
        rows = np.flatnonzero(post & evaluate(endpoint.event, ctx).true)
        read = sorted(set(variables(endpoint.event, definition.criteria, at_visit=True)))
        one = read[0] if len(read) == 1 else None
        value = v.column(one)[rows] if one else np.full(len(rows), np.nan)
        before = timeline.previous(v, one)[rows] if one else np.full(len(rows), np.nan)
        parts.append(_rows(v, rows, endpoint.name, None, value, before))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["subject_id", "day", "kind", "domain"], kind="stable")
    return out.reset_index(drop=True)


def _resolved(criterion, definition: TrialDefinition):
    """The node a criterion stands for, named criteria followed."""
    while isinstance(criterion, str):
        criterion = definition.criteria[criterion]
    return criterion


def _grades(codes: np.ndarray) -> np.ndarray:
    return _GRADES[np.nan_to_num(codes, nan=0).astype(np.intp)]


def _rows(v, rows: np.ndarray, kind: str, domain, value, previous) -> pd.DataFrame:
    return pd.DataFrame({
        "subject_id": pd.array(v.subjects[v.code[rows]], dtype="string"),
        "day": pd.array(v.day[rows], dtype="Int64"),
        "kind": pd.array([kind] * len(rows), dtype="string"),
        "domain": pd.array([domain] * len(rows), dtype="string"),
        "value": pd.array(value, dtype=object),
        "previous": pd.array(previous, dtype=object),
    })
