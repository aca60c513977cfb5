"""Summaries of a result table by arm (or any grouping column of the visit table).

:func:`summarize` turns the long, lossless result table of :func:`endpoints.score` into
one row per endpoint x timepoint x group: responder rates with Wilson score intervals
and Newcombe differences against a reference group for binary endpoints, descriptive
statistics for continuous endpoints, and category counts for categorical endpoints.
This is where imputation happens, and only on request (``missing=``): scoring itself
never imputes.

Confidence intervals need statsmodels (the ``stats`` extra); it is imported when
:func:`summarize` is called, so ``import endpoints`` works without it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from . import registry
from .definitions import Categorical, TrialDefinition
from .errors import EndpointsWarning, InputError
from .inputs.days import study_days
from .inputs.text import encode
from .results import COLUMNS, check_results

MISSING_OPTIONS = ("non_responder", "observed")
NO_GROUP = "<NA>"
#: the columns of a result table a summary reads (the reason, when present, too)
RESULT_COLUMNS = tuple(c for c in COLUMNS if c not in ("day", "reason"))
KEYS = ("trial_id", "endpoint", "timepoint")
STAT_COLUMNS = (
    "kind", "category", "n", "responders", "count", "proportion", "ci_low", "ci_high",
    "difference", "diff_low", "diff_high", "mean", "sd", "median", "q1", "q3",
    "not_evaluable", "not_applicable",
)
COUNT_COLUMNS = ("n", "responders", "count", "not_evaluable", "not_applicable")


def summarize(
    results: pd.DataFrame,
    visits: pd.DataFrame,
    *,
    by: str = "arm",
    missing: str = "non_responder",
    reference: str | None = None,
    trial: str | TrialDefinition | None = None,
) -> pd.DataFrame:
    """Summarise a result table by group: rates, intervals, differences, statistics.

    Each subject's group is the first non-missing value of column `by` in `visits`
    (earliest visit first); subjects without one form the group ``"<NA>"``. Subject IDs
    are compared as strings, as in the result table.

    Parameters
    ----------
    results : DataFrame
        Result table of :func:`endpoints.score` (one row per subject x endpoint x
        timepoint).
    visits : DataFrame or TrialData
        The visit table that was scored (or the :class:`~endpoints.TrialData` read from
        CDISC datasets); it supplies the subjects' groups.
    by : str, default "arm"
        Column of `visits` that defines the groups; it names the output's group column.
    missing : {"non_responder", "observed"}, default "non_responder"
        Handling of not-evaluable binary results. ``"non_responder"``: every subject of
        the group is in the denominator and a missing result counts as the unfavourable
        outcome: a non-responder for responses, a failure or flare for endpoints defined
        with ``favourable = false`` (non-responder imputation). ``"observed"``: evaluable
        subjects only. Continuous
        and categorical endpoints are never imputed: their missing results are counted
        in ``not_evaluable``. In every mode, subjects for whom an endpoint does not
        apply (its ``applies_if`` is not met, e.g. "not on steroids") are outside the
        denominator and counted in ``not_applicable``.
    reference : str, optional
        Group that the others are compared with (matched case-insensitively). Default:
        the trial's control arm if it matches one of the groups case-insensitively (CDISC
        ``ARM`` values such as ``"PLACEBO"`` match ``"Placebo"``), else the first group
        in sorted order, with an :class:`~endpoints.EndpointsWarning` saying so.
    trial : str or TrialDefinition, optional
        Definition of the scored trial, needed only when it is not registered (by
        default each ``trial_id`` of `results` is looked up in the registry).

    Returns
    -------
    DataFrame
        One row per trial x endpoint x timepoint x group (x category for categorical
        endpoints), sorted by trial, endpoint, timepoint day, group and category, with
        columns:

        - ``trial_id``, ``endpoint``, ``timepoint``, ``day`` (the timepoint's target
          day), the group column named after `by`, and ``kind``: ``"binary"`` (response,
          event and time-to-event endpoints, and categorical endpoints with
          ``binary=True``), ``"continuous"`` (change and cumulative dose) or
          ``"categorical"``;
        - binary: ``n``, ``responders``, ``proportion``, ``ci_low``, ``ci_high`` (95%
          Wilson score interval), ``difference``, ``diff_low``, ``diff_high`` (group
          minus reference, 95% Newcombe hybrid score interval; NaN for the reference
          group and the ``"<NA>"`` group) and ``not_evaluable``;
        - continuous: ``n`` (non-missing values), ``mean``, ``sd`` (ddof=1),
          ``median``, ``q1``, ``q3`` (linear interpolation) and ``not_evaluable``;
        - categorical: one row per category (the definition's categories in order, then
          its ``otherwise`` category) with ``category``, ``count``, ``n`` (subjects with
          a category), ``proportion`` and ``not_evaluable``.

        Columns that do not apply to a row's kind are missing (NaN / <NA>).

    Raises
    ------
    InputError
        If `results` is not a result table, `visits` lacks ``subject_id`` or `by`,
        `missing` is not one of its options, or `reference` is not a group.
    UnknownTrialError
        If a ``trial_id`` of `results` is not registered and `trial` is not given.

    Examples
    --------
    >>> import endpoints as ep
    >>> results = pd.DataFrame({
    ...     "trial_id": "NCT03917797", "subject_id": ["1", "2", "3", "4"],
    ...     "endpoint": "sri4", "timepoint": "month 12",
    ...     "result": pd.array([True, pd.NA, True, False], dtype="boolean"),
    ...     "category": pd.NA, "value": pd.NA})
    >>> visits = pd.DataFrame({"subject_id": [1, 2, 3, 4], "day": 0,
    ...                        "arm": ["MSC", "MSC", "Placebo", "Placebo"]})
    >>> s = ep.summarize(results, visits)
    >>> s[["arm", "n", "responders", "proportion", "difference"]]
           arm  n  responders  proportion  difference
    0      MSC  2           1         0.5         0.0
    1  Placebo  2           1         0.5         NaN
    >>> ep.summarize(results, visits, missing="observed")["n"].tolist()
    [1, 2]
    """
    if missing not in MISSING_OPTIONS:
        raise InputError("missing=", f"must be one of {MISSING_OPTIONS}, not {missing!r}")
    if not isinstance(by, str) or by in (*KEYS, "subject_id", "day", *STAT_COLUMNS):
        raise InputError("by=", f"{by!r} is not a usable group column name (it must be text "
                                  "and not a column of the summary)")
    if reference is not None and not isinstance(reference, str):
        raise InputError("reference=", f"expected a group label, got {reference!r}")
    with_reason = isinstance(results, pd.DataFrame) and "reason" in results.columns
    frame = check_results(results, needed=(*RESULT_COLUMNS, "reason") if with_reason
                          else RESULT_COLUMNS).reset_index(drop=True)
    from .cdisc import TrialData

    if isinstance(visits, TrialData):  # its subject-level dataset first: subjects without visits
        known = visits.demographics if by in visits.demographics else visits.visits
        visits = pd.concat([known, visits.visits], ignore_index=True)
    groups = _groups(visits, by)
    found = pd.Index(groups.index, dtype=object).get_indexer(frame["subject_id"].astype(object))
    labels = np.append(np.asarray(groups, dtype=object), NO_GROUP)  # -1 (no group): the last
    frame[by] = pd.array(labels[found].astype(str), dtype=object)

    layout = _layout(frame, trial)
    frame = frame.merge(layout[["trial_id", "endpoint", "kind", "favourable", "_na_reason"]],
                        on=["trial_id", "endpoint"], how="left")
    # an endpoint that does not apply to a subject leaves every denominator
    frame["_not_applicable"] = (frame["result"].isna() & frame["category"].isna() & (
        frame["reason"] == frame["_na_reason"] if with_reason else False)).fillna(False)
    parts = [
        _binary(frame[frame.kind == "binary"], by, missing),
        _continuous(frame[frame.kind == "continuous"], by),
        _categorical(frame[frame.kind == "categorical"], by, layout),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty(by)
    out = pd.concat(parts, ignore_index=True)
    out = _with_differences(out, by, reference, _controls(out, trial))
    days = _timepoint_days(out, trial)
    out = out.merge(days, on=["trial_id", "timepoint"], how="left")

    out["_group_na"] = out[by] == NO_GROUP
    out["_cat_order"] = out["_cat_order"].fillna(0) if "_cat_order" in out else 0
    out = out.sort_values(["trial_id", "endpoint", "day", "timepoint", "_group_na", by,
                           "_cat_order"], kind="stable", ignore_index=True)
    for column in STAT_COLUMNS:
        if column not in out:
            out[column] = np.nan
    for column in COUNT_COLUMNS:
        out[column] = out[column].astype("Int64")
    for column in (by, "kind", "category"):
        out[column] = out[column].astype("string")
    out["day"] = out["day"].astype("Int64")
    return out[[*KEYS, "day", by, *STAT_COLUMNS]]


def _groups(visits: pd.DataFrame, by: str) -> pd.Series:
    """Subject ID (its text form, as in the result table) -> the first non-missing value of
    `by` (its text form), earliest visit first."""
    if not isinstance(visits, pd.DataFrame) or isinstance(visits.columns, pd.MultiIndex) or (
            visits.columns.duplicated().any()):
        raise InputError("(visit table)", "expected the visit table that was scored (a DataFrame "
                                     "with unique, one-level column labels)")
    for column in ("subject_id", by):
        if column not in visits.columns:
            raise InputError(column, f"not in the visit table (needed to summarise by {by!r})")
    subject, subjects, _ = encode(visits["subject_id"])
    group, groups, _ = encode(visits[by])
    day = study_days(visits["day"])[0] if "day" in visits.columns else np.zeros(len(visits))
    use = np.flatnonzero((subject >= 0) & (group >= 0))
    use = use[np.lexsort((use, np.nan_to_num(day[use], nan=np.inf), subject[use]))]
    first = use[np.r_[True, subject[use][1:] != subject[use][:-1]]] if len(use) else use
    return pd.Series(groups[group[first]], index=subjects[subject[first]], dtype=object)


def _layout(frame: pd.DataFrame, trial: str | TrialDefinition | None) -> pd.DataFrame:
    """trial_id, endpoint, kind, categories: one row per endpoint of the scored trials."""
    rows = []
    for trial_id in frame["trial_id"].dropna().unique():
        definition = registry.definition_of(trial_id, trial)
        for e in definition.endpoints:
            categories: tuple[str, ...] = ()
            if isinstance(e, Categorical):
                categories = (*(c.label for c in e.categories), e.otherwise)
            na_reason = e.not_applicable if e.applies_if is not None else None
            rows.append((trial_id, e.name, e.result_type, categories, e.favourable, na_reason))
    layout = pd.DataFrame(rows, columns=["trial_id", "endpoint", "kind", "categories",
                                         "favourable", "_na_reason"])
    layout["_na_reason"] = layout["_na_reason"].astype("string")
    layout["trial_id"] = layout["trial_id"].astype("string")
    layout["endpoint"] = layout["endpoint"].astype("string")
    unknown = frame.loc[~frame.endpoint.isin(layout.endpoint), "endpoint"]
    if len(unknown):
        raise InputError("endpoint", f"{unknown.iloc[0]!r} is not an endpoint of the trial")
    return layout


def _binary(frame: pd.DataFrame, by: str, missing: str) -> pd.DataFrame:
    from statsmodels.stats.proportion import proportion_confint

    result = frame["result"].astype("boolean")
    # Imputation counts a missing result as the unfavourable outcome: not a response,
    # but a treatment failure or a flare. With missing="observed" it is never counted.
    # A subject the endpoint does not apply to is never counted.
    unfavourable = ~frame["favourable"].to_numpy(dtype=bool)
    applies = ~frame["_not_applicable"].to_numpy(dtype=bool)
    imputed = unfavourable & applies if missing == "non_responder" else np.zeros(
        len(frame), dtype=bool)
    responders = result.to_numpy(dtype=bool, na_value=False) | (result.isna().to_numpy() & imputed)
    work = pd.DataFrame({
        **{k: frame[k] for k in (*KEYS, by)},
        "applies": applies.astype(int),
        "evaluable": result.notna().to_numpy(dtype=int),
        "responders": responders.astype(int),
    })
    out = work.groupby([*KEYS, by], sort=False, observed=True).agg(
        subjects=("applies", "sum"), rows=("applies", "size"), evaluable=("evaluable", "sum"),
        responders=("responders", "sum"),
    ).reset_index()
    out["not_applicable"] = out.rows - out.subjects
    out["not_evaluable"] = out.subjects - out.evaluable
    out["n"] = out.subjects if missing == "non_responder" else out.evaluable
    n, responders = out["n"].to_numpy(), out["responders"].to_numpy()
    some = n > 0
    out["proportion"] = np.divide(responders, n, out=np.full(len(n), np.nan), where=some)
    low, high = np.full(len(n), np.nan), np.full(len(n), np.nan)
    if some.any():
        low[some], high[some] = proportion_confint(responders[some], n[some], alpha=0.05,
                                                   method="wilson")
    out["ci_low"], out["ci_high"] = low, high
    out["kind"] = "binary"
    return out.drop(columns=["subjects", "rows", "evaluable"])


def _continuous(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    work = frame[[*KEYS, by]].copy()
    work["value"] = frame["value"].astype("float64")
    applies = ~frame["_not_applicable"].to_numpy(dtype=bool)
    work["_applies"] = applies.astype(int)
    grouped = work[applies].groupby([*KEYS, by], sort=False, observed=True)["value"]
    out = grouped.agg(n="count", size="size", mean="mean", sd="std", median="median")
    out["q1"] = grouped.quantile(0.25)
    out["q3"] = grouped.quantile(0.75)
    out["not_evaluable"] = out.pop("size") - out["n"]
    every = work.groupby([*KEYS, by], sort=False, observed=True)["_applies"].agg(["size", "sum"])
    out = every.join(out, how="left")
    out["not_applicable"] = out.pop("size") - out.pop("sum")
    out["n"] = out["n"].fillna(0)
    out["not_evaluable"] = out["not_evaluable"].fillna(0)
    out = out.reset_index()
    out["kind"] = "continuous"
    return out


def _categorical(frame: pd.DataFrame, by: str, layout: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame.iloc[0:0]
    cells = frame[[*KEYS, by]].drop_duplicates()
    # every category of the definition, then any unexpected one seen in the data
    defined = layout[layout.kind == "categorical"].explode("categories")
    defined = defined.rename(columns={"categories": "category"})[
        ["trial_id", "endpoint", "category"]]
    defined["_cat_order"] = defined.groupby(["trial_id", "endpoint"]).cumcount()
    seen = frame.loc[frame.category.notna(), ["trial_id", "endpoint", "category"]]
    extra = seen.drop_duplicates().merge(defined, how="left", indicator=True)
    extra = extra[extra._merge == "left_only"].sort_values("category")
    extra["_cat_order"] = len(defined) + np.arange(len(extra))
    categories = pd.concat([defined, extra[defined.columns]], ignore_index=True)
    categories["category"] = categories["category"].astype("string")

    applies = frame[~frame["_not_applicable"].to_numpy(dtype=bool)]
    known = applies[applies.category.notna()]
    counts = known.groupby([*KEYS, by, "category"], observed=True).size().rename("count")
    totals = applies.groupby([*KEYS, by], observed=True).agg(
        n=("category", "count"), size=("category", "size"))
    totals["not_evaluable"] = totals.pop("size") - totals["n"]
    every = frame.groupby([*KEYS, by], observed=True).size().rename("rows")
    totals = totals.reindex(every.index).fillna(0)
    totals["not_applicable"] = every - totals["n"] - totals["not_evaluable"]

    out = cells.merge(categories, on=["trial_id", "endpoint"])
    out = out.merge(counts.reset_index(), on=[*KEYS, by, "category"], how="left")
    out = out.merge(totals.reset_index(), on=[*KEYS, by], how="left")
    out["count"] = out["count"].fillna(0).astype(int)
    n = out["n"].to_numpy(dtype=float)
    out["proportion"] = np.divide(out["count"].to_numpy(dtype=float), n,
                                  out=np.full(len(n), np.nan), where=n > 0)
    out["kind"] = "categorical"
    return out


def _controls(out: pd.DataFrame, trial: str | TrialDefinition | None) -> dict[str, str | None]:
    """trial_id -> label of the trial's control arm (None if it has none)."""
    controls = {}
    for trial_id in out["trial_id"].unique():
        arms = registry.definition_of(trial_id, trial).arms
        controls[trial_id] = next((a.label for a in arms if a.control), None)
    return controls


def _matching(label: str | None, groups: list[str]) -> str | None:
    """The group that is `label`, compared case-insensitively and without surrounding
    blanks (CDISC arms are often upper case: "PLACEBO")."""
    if label is None:
        return None
    key = label.strip().casefold()
    return next((g for g in groups if g.strip().casefold() == key), None)


def _with_differences(out: pd.DataFrame, by: str, reference: str | None,
                      controls: dict[str, str | None]) -> pd.DataFrame:
    """Add each binary row's difference in proportions vs its trial's reference group."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    refs = {}
    for trial_id, groups in out.groupby("trial_id")[by]:
        present = sorted(set(groups) - {NO_GROUP})
        control = _matching(controls.get(trial_id), present)
        if reference is not None:
            given = _matching(reference, sorted(set(groups)))
            if given is None:
                raise InputError("reference=", f"{reference!r} is not a group of {by!r}: "
                                                 f"{sorted(set(groups))}")
            refs[trial_id] = given
        elif control is not None:
            refs[trial_id] = control
        elif len(present) > 1:
            refs[trial_id] = present[0]
            warnings.warn(
                f"{trial_id}: no group of {by!r} matches the trial's control arm "
                f"({controls.get(trial_id)!r}); differences are against {present[0]!r}, the "
                "first in sorted order: pass reference= to choose", EndpointsWarning,
                stacklevel=4)
        elif present:
            refs[trial_id] = present[0]
    out["_reference"] = out["trial_id"].map(refs)

    binary = out[out.kind == "binary"]
    if binary.empty:
        return out.drop(columns="_reference")
    ref_rows = binary[binary[by] == binary["_reference"]][[*KEYS, "n", "responders"]]
    paired = binary[[*KEYS]].reset_index().merge(
        ref_rows.rename(columns={"n": "_ref_n", "responders": "_ref_r"}), on=list(KEYS),
        how="left").set_index("index")
    compare = (
        (binary[by] != binary["_reference"]) & (binary[by] != NO_GROUP)
        & (binary["n"] > 0) & (paired["_ref_n"] > 0)
    ).to_numpy(dtype=bool)
    difference = np.full(len(binary), np.nan)
    low, high = difference.copy(), difference.copy()
    if compare.any():
        n1 = binary["n"].to_numpy(dtype=float)[compare]
        r1 = binary["responders"].to_numpy(dtype=float)[compare]
        n2 = paired["_ref_n"].to_numpy(dtype=float)[compare]
        r2 = paired["_ref_r"].to_numpy(dtype=float)[compare]
        difference[compare] = r1 / n1 - r2 / n2
        low[compare], high[compare] = confint_proportions_2indep(
            r1, n1, r2, n2, method="newcomb", compare="diff", alpha=0.05)
    out.loc[binary.index, "difference"] = difference
    out.loc[binary.index, "diff_low"] = low
    out.loc[binary.index, "diff_high"] = high
    return out.drop(columns="_reference")


def _timepoint_days(out: pd.DataFrame, trial: str | TrialDefinition | None) -> pd.DataFrame:
    rows = [(trial_id, t.label, t.day)
            for trial_id in out["trial_id"].unique()
            for t in registry.definition_of(trial_id, trial).timepoints]
    days = pd.DataFrame(rows, columns=["trial_id", "timepoint", "day"])
    days["trial_id"] = days["trial_id"].astype("string")
    days["timepoint"] = days["timepoint"].astype("string")
    return days


def _empty(by: str) -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype="string") for c in (*KEYS, by, "kind", "category")})
    out["day"] = pd.Series(dtype="Int64")
    for column in STAT_COLUMNS:
        if column not in out:
            out[column] = pd.Series(dtype="Int64" if column in COUNT_COLUMNS else "float64")
    return out[[*KEYS, "day", by, *STAT_COLUMNS]]
