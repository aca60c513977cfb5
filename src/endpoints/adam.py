"""ADaM-style export: the result table as CDISC ADaM datasets, for teams that feed results
into ADaM pipelines (``to_adam(results, dataset=...)``).

``"adrs"`` (the default) is a BDS dataset with one record per subject x parameter x
analysis visit, one for every row of the result table: ``STUDYID``, ``USUBJID``,
``PARAMCD`` (at most 8 characters), ``PARAM``, ``PARCAT1`` (endpoint kind), ``AVISIT``,
``AVISITN`` (target study day), ``ADY`` (CDISC relative day of the visit used: no day 0),
``AVALC`` and ``AVAL`` (one-to-one within a parameter: ``Y``/``N`` with 1/0 for responses,
the category with its rank for categorical endpoints, the number alone for counts,
changes, doses and days to event), ``CRIT1`` / ``CRIT1FL`` (the criterion that the
binary result evaluates, ``Y``/``N``, blank when not evaluable) and ``REASON`` (split into
``REASON``, ``REASON1``, ``REASON2``... of at most 200 characters each, at word
boundaries, when a reason is longer: the limit of a SAS transport file).

``"adtte"`` is a BDS time-to-event dataset with one record per subject x
``time_to_event`` endpoint x timepoint: ``STUDYID``, ``USUBJID``, ``PARAMCD``, ``PARAM``,
``AVISIT``, ``AVISITN``, ``ADY``, ``AVAL`` (days from day 0 to the event or censoring
visit), ``CNSR`` (0 event, 1 censored), ``EVNTDESC``, ``CNSDTDSC`` and ``REASON``. A
subject not evaluable keeps its record, with ``AVAL`` and ``CNSR`` missing and the reason.

No record of either dataset is imputed (``score`` never imputes), so neither has
``DTYPE``. :data:`LABELS` holds the variables' labels, and each dataset carries those of
its own columns in ``attrs["labels"]``, ready for :func:`endpoints.write_xpt`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import registry
from .definitions import TrialDefinition
from .errors import InputError
from .nodes import describe
from .results import check_results

DATASETS = ("adrs", "adtte")
ADRS_COLUMNS = ["STUDYID", "USUBJID", "PARAMCD", "PARAM", "PARCAT1", "AVISIT", "AVISITN",
                "ADY", "AVALC", "AVAL", "CRIT1", "CRIT1FL", "REASON"]
ADTTE_COLUMNS = ["STUDYID", "USUBJID", "PARAMCD", "PARAM", "AVISIT", "AVISITN", "ADY",
                 "AVAL", "CNSR", "EVNTDESC", "CNSDTDSC", "REASON"]
#: the ADRS variables (kept under their former name)
ADAM_COLUMNS = ADRS_COLUMNS

_REASON = "Reason Not Met or Not Evaluable"
#: variable -> label (ASCII, at most 40 characters): the ADaM IG's labels of the BDS and
#: time-to-event variables, ours for REASON and its continuations REASON1, REASON2...
LABELS: dict[str, str] = {
    "STUDYID": "Study Identifier",
    "USUBJID": "Unique Subject Identifier",
    "PARAMCD": "Parameter Code",
    "PARAM": "Parameter",
    "PARCAT1": "Parameter Category 1",
    "AVISIT": "Analysis Visit",
    "AVISITN": "Analysis Visit (N)",
    "ADY": "Analysis Relative Day",
    "AVALC": "Analysis Value (C)",
    "AVAL": "Analysis Value",
    "CRIT1": "Analysis Criterion 1",
    "CRIT1FL": "Criterion 1 Evaluation Result Flag",
    "DTYPE": "Derivation Type",
    "CNSR": "Censor",
    "EVNTDESC": "Event or Censoring Description",
    "CNSDTDSC": "Censor Date Description",
    "REASON": _REASON,
    **{f"REASON{k}": f"{_REASON} {k}" for k in range(1, 10)},
}

#: how AVALC / AVAL are filled, by endpoint kind (others by their result type)
_SOURCE = {"response": "flag", "categorical": "category", "time_to_event": "value",
           "event": "value", "change": "value", "cumulative_dose": "value"}
_BY_RESULT_TYPE = {"binary": "flag", "categorical": "category", "continuous": "value"}
_WIDTH = 200  # characters of a text value in a SAS transport file


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


def to_adam(results: pd.DataFrame, *, trial: str | TrialDefinition | None = None,
            dataset: str = "adrs") -> pd.DataFrame:
    """Convert a result table of :func:`endpoints.score` to an ADaM dataset.

    Parameters
    ----------
    results : DataFrame
        The output of ``score`` (one trial or several).
    trial : str or TrialDefinition, optional
        Definition of the scored trial, needed only when it is not registered (by
        default each ``trial_id`` of `results` is looked up in the registry).
    dataset : {"adrs", "adtte"}
        ``"adrs"``: one record per row of `results` (every endpoint, time-to-event ones
        included). ``"adtte"``: one record per row of a ``time_to_event`` endpoint,
        with ``CNSR``, ``EVNTDESC`` and ``CNSDTDSC``.

    Returns
    -------
    DataFrame
        The variables listed in the module docstring, in the result table's row order
        and with its index (the rows of `results` each record comes from). ``attrs
        ["labels"]`` maps every column to its label, for :func:`endpoints.write_xpt`.

    Raises
    ------
    InputError
        For a `dataset` other than ``"adrs"`` or ``"adtte"``, a table that is not a
        result table, or an endpoint / timepoint the trial does not define.

    Examples
    --------
    S1 reaches complete remission at the day-56 visit; S2 never does:

    >>> import endpoints as ep, warnings
    >>> warnings.simplefilter("ignore", ep.EndpointsWarning)
    >>> visits = pd.DataFrame({"subject_id": ["S1", "S1", "S1", "S2", "S2"],
    ...                        "day": [0, 56, 84, 0, 84], "upcr": [3.0, 0.4, 0.3, 2.0, 1.9],
    ...                        "egfr": [90.0, 85.0, 80.0, 70.0, 70.0]})
    >>> results = ep.score(visits, "NCT03580291")
    >>> adrs = to_adam(results)
    >>> week12 = adrs[adrs.PARAMCD.isin(["CRR", "RR"]) & (adrs.AVISIT == "Week 12")]
    >>> print(week12[["USUBJID", "PARAMCD", "ADY", "AVALC", "AVAL", "CRIT1", "CRIT1FL"]]
    ...       .to_string(index=False))
    USUBJID PARAMCD  ADY AVALC  AVAL                   CRIT1 CRIT1FL
         S1     CRR   85     Y   1.0 Complete renal response       Y
         S1      RR   85    CR   1.0                CR or PR       Y
         S2     CRR   85     N   0.0 Complete renal response       N
         S2      RR   85    NR   3.0                CR or PR       N

    Time to complete response: S1's event at day 56 (ADY 57), S2 censored at day 84:

    >>> adtte = to_adam(results, dataset="adtte")
    >>> ttcr = adtte[adtte.PARAMCD == "TTCR"]
    >>> print(ttcr[["USUBJID", "AVAL", "ADY", "CNSR", "EVNTDESC"]].to_string(index=False))
    USUBJID  AVAL  ADY  CNSR                                             EVNTDESC
         S1  56.0   57     0                              Complete renal response
         S2  84.0   85     1 Censored: complete renal response not met by week 24
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     ep.write_xpt(adtte, os.path.join(folder, "adtte.xpt"), name="ADTTE",
    ...                  labels=adtte.attrs["labels"])
    """
    if not isinstance(dataset, str) or dataset not in DATASETS:
        raise InputError("dataset=", f"unknown dataset {dataset!r}; use 'adrs' or 'adtte'")
    index = results.index if isinstance(results, pd.DataFrame) else None
    results = check_results(results).reset_index(drop=True)
    meta, ranks = _parameters(results["trial_id"].dropna().unique(), trial)
    keys = results[["trial_id", "endpoint", "timepoint"]].astype(object)
    info = keys.merge(meta, how="left", on=["trial_id", "endpoint", "timepoint"])
    unknown = info["kind"].isna() & results["endpoint"].notna()
    if unknown.any():
        first = results.loc[unknown.to_numpy(), ["endpoint", "timepoint"]].iloc[0]
        raise InputError("endpoint", f"{first['endpoint']!r} at {first['timepoint']!r} is not an "
                                     "endpoint and timepoint of the trial")
    codes = paramcd(sorted(set(results["endpoint"].dropna())))  # the same in both datasets
    day = results["day"]
    common = {
        "STUDYID": results["trial_id"].astype("string"),
        "USUBJID": results["subject_id"].astype("string"),
        "PARAMCD": results["endpoint"].map(codes).astype("string"),
        "PARAM": info["param"].astype("string"),
        "PARCAT1": info["kind"].astype("string"),
        "AVISIT": results["timepoint"].astype("string").str.capitalize(),
        "AVISITN": info["avisitn"].astype("Int64"),
        "ADY": day + (day >= 0).astype("Int64"),  # CDISC: day 0 is day 1, no day 0
    }
    if dataset == "adtte":
        out, keep = _adtte(results, info, common)
    else:
        out, keep = _adrs(results, info, ranks, common), np.ones(len(results), dtype=bool)
    for name, part in _split(results["reason"].astype("string")[keep], "REASON").items():
        out[name] = part.reset_index(drop=True)
    out = out.set_axis(index[keep])
    out.attrs["labels"] = {c: LABELS.get(c) or _label(c) for c in out.columns}
    return out


def _adrs(results: pd.DataFrame, info: pd.DataFrame, ranks: pd.DataFrame,
          common: dict[str, pd.Series]) -> pd.DataFrame:
    """AVALC / AVAL by the parameter's source, CRIT1 / CRIT1FL for binary results."""
    source = info["source"].to_numpy(dtype=object)
    flag, ranked, value = (source == "flag"), (source == "category"), (source == "value")
    result = results["result"]
    yes_no = result.map({True: "Y", False: "N"}).astype("string")
    category = results["category"]
    rank = (results[["trial_id", "endpoint", "category"]].astype(object)
            .merge(ranks, how="left", on=["trial_id", "endpoint", "category"])["rank"])
    empty_text = pd.Series(pd.NA, index=results.index, dtype="string")
    # a kind outside the known ones keeps the category and value it has
    avalc = yes_no.where(flag, category.where(~value, empty_text))
    aval = results["value"].where(~flag, result.astype("Float64"))
    aval = aval.where(~ranked, rank.astype("Float64"))
    crit1 = info["crit1"].astype("string")
    crit1fl = yes_no.where(crit1.notna(), empty_text)
    return pd.DataFrame({**common, "AVALC": avalc, "AVAL": aval, "CRIT1": crit1,
                         "CRIT1FL": crit1fl}, columns=ADRS_COLUMNS[:-1])


def _adtte(results: pd.DataFrame, info: pd.DataFrame,
           common: dict[str, pd.Series]) -> tuple[pd.DataFrame, np.ndarray]:
    """The time-to-event rows: AVAL days, CNSR 0 / 1, the event or censoring text."""
    keep = (info["kind"].to_numpy(dtype=object) == "time_to_event")
    result = results["result"][keep]
    event = result.fillna(False).to_numpy(dtype=bool)
    censored = (~result).fillna(False).to_numpy(dtype=bool)
    empty_text = pd.Series(pd.NA, index=result.index, dtype="string")
    text = {c: info[c][keep].astype("string") for c in ("event", "censored", "censor_day")}
    out = pd.DataFrame({
        **{name: column[keep] for name, column in common.items() if name != "PARCAT1"},
        "AVAL": results["value"][keep],
        "CNSR": (~result).astype("Int64"),  # 0 event, 1 censored, missing not evaluable
        "EVNTDESC": text["event"].where(event, text["censored"].where(censored, empty_text)),
        "CNSDTDSC": text["censor_day"].where(censored, empty_text),
    }, columns=ADTTE_COLUMNS[:-1])
    return out.reset_index(drop=True), keep


def _label(column: str) -> str:
    """The label of a continuation of REASON beyond those :data:`LABELS` lists."""
    return f"{_REASON} {column[len('REASON'):]}" if column.startswith("REASON") else column


def _split(text: pd.Series, name: str, width: int = _WIDTH) -> dict[str, pd.Series]:
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


def _fit(text: str, width: int = _WIDTH) -> str:
    """A descriptive text within `width` characters, cut at a word with "..."."""
    return text if len(text) <= width else _pieces(text, width - 3)[0] + "..."


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _criterion(endpoint, named) -> str | None:
    """CRIT1: what the binary result of `endpoint` says was met (None: no binary result)."""
    if endpoint.result_type != "binary":
        return None
    if endpoint.kind == "response":
        text = describe(endpoint.criteria, named)
        if endpoint.unless is not None:
            text += f" and not {describe(endpoint.unless, named)}"
    elif endpoint.kind == "categorical":
        text = " or ".join(c.label for c in endpoint.categories)
    elif endpoint.kind in ("event", "time_to_event"):
        text = f"{describe(endpoint.event, named)} by the analysis visit"
    else:
        text = (endpoint.description or endpoint.name.replace("_", " ")).split(". ")[0]
    return _fit(_sentence(text))


def _parameters(trial_ids, given: TrialDefinition | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per trial x endpoint x timepoint: kind, AVAL source, PARAM, AVISITN, CRIT1 and the
    time-to-event texts; and per trial x categorical endpoint x category, its rank."""
    rows, ranks = [], []
    for trial_id in trial_ids:
        trial = registry.definition_of(trial_id, given)
        day = {t.label: t.day for t in trial.timepoints}
        for e in trial.endpoints:
            param = (e.description or e.name.replace("_", " ").capitalize()).split(". ")[0]
            source = _SOURCE.get(e.kind, _BY_RESULT_TYPE.get(e.result_type, "value"))
            crit1 = _criterion(e, trial.criteria)
            label = describe(e.event, trial.criteria) if e.kind == "time_to_event" else None
            for tp in e.timepoints:
                texts = {"event": None, "censored": None, "censor_day": None}
                if label is not None:
                    texts = {"event": _fit(_sentence(label)),
                             "censored": _fit(f"Censored: {label} not met by {tp}"),
                             "censor_day": _fit(f"Last visit by {tp} with {label} known")}
                rows.append({"trial_id": trial_id, "endpoint": e.name, "timepoint": tp,
                             "kind": e.kind, "source": source, "param": param[:_WIDTH],
                             "avisitn": day[tp], "crit1": crit1, **texts})
            if e.kind == "categorical":
                labels = [c.label for c in e.categories] + [e.otherwise]
                ranks += [{"trial_id": trial_id, "endpoint": e.name, "category": c,
                           "rank": k} for k, c in enumerate(labels, start=1)]
    columns = ["trial_id", "endpoint", "timepoint", "kind", "source", "param", "avisitn",
               "crit1", "event", "censored", "censor_day"]
    meta = pd.DataFrame(rows, columns=columns).astype(
        {"trial_id": object, "endpoint": object, "timepoint": object})
    ranks = pd.DataFrame(ranks, columns=["trial_id", "endpoint", "category", "rank"]).astype(
        {"trial_id": object, "endpoint": object, "category": object})
    return meta, ranks.drop_duplicates(["trial_id", "endpoint", "category"])
