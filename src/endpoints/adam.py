"""ADaM-style export: the result table as a CDISC-like long dataset (one record per
subject x parameter x analysis visit), for teams that feed results into ADaM pipelines.

Variables: ``STUDYID``, ``USUBJID``, ``PARAMCD`` (at most 8 characters), ``PARAM``,
``PARCAT1`` (endpoint kind), ``AVISIT``, ``AVISITN`` (target study day), ``ADY``,
``AVALC`` (the category for categorical endpoints, else ``"Y"``/``"N"`` for binary ones),
``AVAL`` (1/0 for binary endpoints, the value for continuous ones) and ``REASON`` (split
into ``REASON``, ``REASON1``, ``REASON2``... of at most 200 characters each, at word
boundaries, when a reason is longer: the limit of a SAS transport file).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import registry
from .definitions import TrialDefinition
from .errors import InputError
from .results import check_results

ADAM_COLUMNS = ["STUDYID", "USUBJID", "PARAMCD", "PARAM", "PARCAT1", "AVISIT", "AVISITN",
                "ADY", "AVALC", "AVAL", "REASON"]


def paramcd(names: list[str]) -> dict[str, str]:
    """Short parameter codes (<= 8 characters, unique) for endpoint names.

    Names of up to 8 characters are upper-cased; ``<variable>_change`` becomes the
    variable's first 5 characters + ``CHG``; other names their words' initials. A code
    already taken gets a numeric suffix.

    Examples
    --------
    >>> paramcd(["sri4", "complete_renal_response", "anti_dsdna_change", "c3_change"])
    {'sri4': 'SRI4', 'complete_renal_response': 'CRR', 'anti_dsdna_change': 'ANTIDCHG', 'c3_change': 'C3CHG'}
    """  # noqa: E501
    codes: dict[str, str] = {}
    for name in sorted(names, key=lambda n: (len(n), n)):
        if len(name) <= 8:
            code = name.upper()
        elif name.endswith("_change"):
            code = name[: -len("_change")].replace("_", "")[:5].upper() + "CHG"
        else:
            code = "".join(word[0] for word in name.split("_")).upper()[:8]
        base, k = code, 1
        while code in codes.values():
            k += 1
            code = f"{base[: 8 - len(str(k))]}{k}"
        codes[name] = code
    return {name: codes[name] for name in names}


def to_adam(results: pd.DataFrame, *, trial: str | TrialDefinition | None = None) -> pd.DataFrame:
    """Convert a result table of :func:`endpoints.score` to an ADaM-style dataset.

    Parameters
    ----------
    results : DataFrame
        The output of ``score`` (one trial or several).
    trial : str or TrialDefinition, optional
        Definition of the scored trial, needed only when it is not registered (by
        default each ``trial_id`` of `results` is looked up in the registry).

    Returns
    -------
    DataFrame
        Columns as in the module docstring, in the result table's row order.

    Examples
    --------
    >>> import endpoints as ep, warnings
    >>> warnings.simplefilter("ignore", ep.EndpointsWarning)
    >>> visits = pd.DataFrame({"subject_id": ["S1", "S1"], "day": [0, 84],
    ...                        "upcr": [3.0, 0.4], "egfr": [90.0, 80.0]})
    >>> adam = to_adam(ep.score(visits, "NCT03580291"))
    >>> crr = adam[adam.PARAMCD == "CRR"][["AVISIT", "ADY", "AVALC", "AVAL"]]
    >>> print(crr.to_string(index=False))
     AVISIT  ADY AVALC  AVAL
    Week 12   84     Y   1.0
    Week 24 <NA>  <NA>  <NA>
    """
    index = results.index if isinstance(results, pd.DataFrame) else None
    results = check_results(results).reset_index(drop=True)
    meta = _parameters(results["trial_id"].dropna().unique(), trial)
    keys = results[["trial_id", "endpoint", "timepoint"]].astype(object)
    info = keys.merge(meta, how="left", on=["trial_id", "endpoint", "timepoint"])
    unknown = info["kind"].isna() & results["endpoint"].notna()
    if unknown.any():
        first = results.loc[unknown.to_numpy(), ["endpoint", "timepoint"]].iloc[0]
        raise InputError("endpoint", f"{first['endpoint']!r} at {first['timepoint']!r} is not an "
                                     "endpoint and timepoint of the trial")
    binary = info["binary"].fillna(False).to_numpy(dtype=bool)
    result = results["result"]
    yes_no = result.map({True: "Y", False: "N"}).astype("string")
    avalc = results["category"].fillna(yes_no.where(binary))  # CR / PR / NR where one exists
    value = results["value"]
    aval = value.where(~binary | value.notna(), result.astype("Float64"))
    codes = paramcd(sorted(set(results["endpoint"].dropna())))
    column = results
    out = pd.DataFrame({
        "STUDYID": column["trial_id"].astype("string"),
        "USUBJID": column["subject_id"].astype("string"),
        "PARAMCD": column["endpoint"].map(codes).astype("string"),
        "PARAM": info["param"].astype("string"),
        "PARCAT1": info["kind"].astype("string"),
        "AVISIT": column["timepoint"].astype("string").str.capitalize(),
        "AVISITN": info["avisitn"].astype("Int64"),
        "ADY": column["day"].astype("Int64"),
        "AVALC": avalc,
        "AVAL": aval,
    }, columns=ADAM_COLUMNS[:-1])
    for name, part in _split(column["reason"].astype("string"), "REASON").items():
        out[name] = part
    return out.set_axis(index)


def _split(text: pd.Series, name: str, width: int = 200) -> dict[str, pd.Series]:
    """Text longer than `width` split at word boundaries into `name`, `name`1, ...
    (the CDISC way of keeping long text within a transport file's 200-byte limit);
    each distinct text is split once.

    Examples
    --------
    >>> long = " ".join(["word"] * 50)
    >>> parts = _split(pd.Series(["a short one", long], dtype="string"), "R", 100)
    >>> list(parts), bool(parts["R"].str.len().max() <= 100), parts["R2"].tolist()
    (['R', 'R1', 'R2'], True, [<NA>, 'word word word word word word word word word word'])
    """
    codes, distinct = pd.factorize(text)
    pieces = [_pieces(t, width) for t in distinct]
    n = max((len(p) for p in pieces), default=1) or 1
    out = {}
    for k in range(n):
        labels = pd.array([p[k] if k < len(p) else None for p in pieces] + [None],
                          dtype="string")
        out[name if k == 0 else f"{name}{k}"] = pd.Series(
            labels.take(np.where(codes >= 0, codes, len(pieces))), index=text.index)
    return out


def _pieces(text: str, width: int) -> list[str]:
    """`text` in pieces of at most `width` characters, cut at the last space that fits."""
    pieces = []
    while len(text) > width:
        cut = text.rfind(" ", 0, width + 1)
        cut = cut if cut > 0 else width
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*pieces, text]


def _parameters(trial_ids, given: TrialDefinition | None) -> pd.DataFrame:
    """Per trial x endpoint x timepoint: kind, whether binary, PARAM text, AVISITN."""
    rows = []
    for trial_id in trial_ids:
        trial = registry.definition_of(trial_id, given)
        day = {t.label: t.day for t in trial.timepoints}
        for e in trial.endpoints:
            param = (e.description or e.name.replace("_", " ").capitalize()).split(". ")[0]
            rows += [{"trial_id": trial_id, "endpoint": e.name, "timepoint": tp,
                      "kind": e.kind, "binary": e.result_type == "binary", "param": param[:200],
                      "avisitn": day[tp]} for tp in e.timepoints]
    columns = ["trial_id", "endpoint", "timepoint", "kind", "binary", "param", "avisitn"]
    return pd.DataFrame(rows, columns=columns).astype({"trial_id": object, "endpoint": object,
                                                        "timepoint": object})
