"""Per-visit listings of events, for data review: which visit flared, how, and where.

:func:`flare_events` lists SELENA Flare Index flares (by SLEDAI against the previous
assessment) and BILAG flares (new A / new B against the domain's previous grade) at every
post-baseline visit. The rules are definitions evaluated by the same engine as the
trials' flare endpoints (SPEC section 4), so a listing and an endpoint always agree.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .definitions import BILAG_DOMAINS, AllOf, Compare, NewBilag, TrialDefinition
from .inputs.visits import prepare
from .nodes import Context, evaluate

SFI_SEVERE = AllOf(all=(
    Compare(variable="sledai", op=">", value=12),
    Compare(variable="sledai", op=">", value=0, change_from="previous"),
))
SFI_MILD_MODERATE = AllOf(all=(
    Compare(variable="sledai", op=">=", value=3, change_from="previous"),
    Compare(variable="sledai", op="<=", value=12),
))
_NO_TRIAL = TrialDefinition(
    id="listing", title="listing", timepoints=[{"label": "any", "day": 0}],
    endpoints=[{"kind": "change", "name": "none", "variable": "sledai", "timepoints": ["any"]}],
)
COLUMNS = ["subject_id", "day", "kind", "domain", "value", "previous"]


def flare_events(
    visits: pd.DataFrame,
    *,
    columns: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """List the flares at every post-baseline visit.

    Returns
    -------
    DataFrame
        One row per flare: ``subject_id``, ``day``, ``kind`` (``"severe"``,
        ``"mild/moderate"``, ``"BILAG new A"``, ``"BILAG new B"``), ``domain`` (BILAG
        domain, <NA> for SLEDAI flares), ``value`` and ``previous`` (the SLEDAI or grade at
        the visit and at the previous assessment). Sorted by subject, day, kind, domain.

    Examples
    --------
    >>> visits = pd.DataFrame({"subject_id": ["S1"] * 3, "day": [0, 28, 56],
    ...                        "sledai": [4, 8, 14], "bilag_renal": ["C", "B", "B"]})
    >>> flare_events(visits)[["day", "kind", "domain"]].to_dict("records")
    [{'day': 28, 'kind': 'BILAG new B', 'domain': 'renal'}, {'day': 28, 'kind': 'mild/moderate', 'domain': None}, {'day': 56, 'kind': 'severe', 'domain': None}]
    """  # noqa: E501
    v = prepare(visits, columns=columns, units=units)
    ctx = Context(v, np.arange(v.n_rows), v.code, _NO_TRIAL)
    post = v.day > 0
    parts = []
    if v.has("sledai"):
        sledai, before = v.column("sledai"), ctx.read("sledai", "previous")
        for kind, rule in (("severe", SFI_SEVERE), ("mild/moderate", SFI_MILD_MODERATE)):
            rows = np.flatnonzero(post & evaluate(rule, ctx).true)
            parts.append(_rows(v, rows, kind, None, sledai[rows], before[rows]))
    letters = np.array([None, "A", "B", "C", "D", "E"], dtype=object)
    for domain in BILAG_DOMAINS:
        if not v.has(f"bilag_{domain}"):
            continue
        grade, before = v.column(f"bilag_{domain}"), ctx.read(f"bilag_{domain}", "previous")
        for letter in ("A", "B"):
            rule = NewBilag(new_bilag=(letter,), against="previous", domains=(domain,),
                            op=">=", count=1)
            known, _ = rule.counts(ctx)
            rows = np.flatnonzero(post & (known > 0))
            parts.append(_rows(v, rows, f"BILAG new {letter}", domain,
                               letters[grade[rows].astype(int)],
                               letters[before[rows].astype(int)]))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["subject_id", "day", "kind", "domain"], kind="stable")
    return out.reset_index(drop=True)


def _rows(v, rows: np.ndarray, kind: str, domain, value, previous) -> pd.DataFrame:
    return pd.DataFrame({
        "subject_id": pd.array(v.subjects[v.code[rows]], dtype="string"),
        "day": pd.array(v.day[rows], dtype="Int64"),
        "kind": pd.array([kind] * len(rows), dtype="string"),
        "domain": pd.array([domain] * len(rows), dtype="string"),
        "value": pd.array(value, dtype=object),
        "previous": pd.array(previous, dtype=object),
    })
