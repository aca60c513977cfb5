"""Summaries of a result table by arm (or any grouping column of the visit table).

:func:`summarize` turns the long, lossless result table of :func:`endpoints.score` into
one row per endpoint x timepoint x group: responder rates with Wilson score intervals,
Newcombe differences and Fisher / Cochran-Mantel-Haenszel p-values against a reference
group for binary endpoints; Kaplan-Meier medians, proportions with the event and
log-rank p-values for time-to-event endpoints (:mod:`endpoints.survival`); descriptive
statistics and Welch differences in means for continuous endpoints; and category counts
with Wilson intervals for categorical endpoints. This is where imputation happens, and
only on request (``missing=``): scoring itself never imputes.

Intervals and tests need statsmodels and scipy (the ``stats`` extra); they are imported
when :func:`summarize` is called, so ``import endpoints`` works without them.
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
from .survival import time_to_event

MISSING_OPTIONS = ("non_responder", "observed")
NO_GROUP = "<NA>"
#: the columns of a result table a summary reads (the reason, when present, too)
RESULT_COLUMNS = tuple(c for c in COLUMNS if c not in ("day", "reason"))
KEYS = ("trial_id", "endpoint", "timepoint")
STAT_COLUMNS = (
    "kind", "category", "n", "responders", "count", "proportion", "ci_low", "ci_high",
    "difference", "diff_low", "diff_high", "mean", "sd", "median", "q1", "q3",
    "not_evaluable", "not_applicable",
    "events", "median_low", "median_high", "p_value", "test",
)
COUNT_COLUMNS = ("n", "responders", "count", "not_evaluable", "not_applicable", "events")
TEXT_COLUMNS = ("kind", "category", "test")
#: the category of a categorical endpoint's row of not-evaluable subjects
MISSING_CATEGORY = "<missing>"


def summarize(
    results: pd.DataFrame,
    visits: pd.DataFrame,
    *,
    by: str = "arm",
    missing: str = "non_responder",
    reference: str | None = None,
    trial: str | TrialDefinition | None = None,
    strata: str | None = None,
) -> pd.DataFrame:
    """Summarise a result table by group: rates, intervals, differences, tests, statistics.

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
        CDISC datasets); it supplies the subjects' groups (and strata).
    by : str, default "arm"
        Column of `visits` that defines the groups; it names the output's group column.
    missing : {"non_responder", "observed"}, default "non_responder"
        Handling of not-evaluable binary results. ``"non_responder"``: every subject of
        the group is in the denominator and a missing result counts as the unfavourable
        outcome: a non-responder for responses, a failure or flare for endpoints defined
        with ``favourable = false`` (non-responder imputation). ``"observed"``: evaluable
        subjects only. Continuous, categorical and time-to-event endpoints are never
        imputed: their missing results are counted in ``not_evaluable`` (and are the
        ``"<missing>"`` row of a categorical endpoint). In every mode, subjects for whom
        an endpoint does not apply (its ``applies_if`` is not met, e.g. "not on
        steroids") are outside every denominator and counted in ``not_applicable``.
    reference : str, optional
        Group that the others are compared with (matched case-insensitively). Default:
        the trial's control arm if it matches one of the groups case-insensitively (CDISC
        ``ARM`` values such as ``"PLACEBO"`` match ``"Placebo"``), else the first group
        in sorted order, with an :class:`~endpoints.EndpointsWarning` saying so.
    trial : str or TrialDefinition, optional
        Definition of the scored trial, needed only when it is not registered (by
        default each ``trial_id`` of `results` is looked up in the registry).
    strata : str, optional
        Column of `visits` with each subject's stratum (e.g. a randomisation
        stratification factor; the first non-missing value, earliest visit first, as for
        `by`; subjects without one form the stratum ``"<NA>"``). With it, binary
        endpoints are compared by the Cochran-Mantel-Haenszel test and time-to-event
        endpoints by the stratified log-rank test. Differences and their intervals are
        not stratified.

    Returns
    -------
    DataFrame
        One row per trial x endpoint x timepoint x group (x category for categorical
        endpoints), sorted by trial, endpoint, timepoint day, group and category, with
        columns:

        - ``trial_id``, ``endpoint``, ``timepoint``, ``day`` (the timepoint's target
          day), the group column named after `by`, and ``kind``: ``"binary"``
          (response and event endpoints, and categorical endpoints with
          ``binary=True``), ``"time_to_event"``, ``"continuous"`` (change, level and
          cumulative dose) or ``"categorical"``;
        - binary: ``n``, ``responders``, ``proportion``, ``ci_low``, ``ci_high`` (95%
          Wilson score interval), ``difference``, ``diff_low``, ``diff_high`` (group
          minus reference, 95% Newcombe hybrid score interval), ``p_value`` (two-sided:
          Fisher's exact test of the group's 2x2 table against the reference's, or the
          Cochran-Mantel-Haenszel test without continuity correction over `strata`),
          ``test`` (``"fisher"`` or ``"cmh"``) and ``not_evaluable``;
        - time to event (Kaplan-Meier by group; ``value`` is the day of the event,
          ``result`` True, or of censoring, ``result`` False): ``n`` (subjects with a
          result), ``events``, ``median`` (the Kaplan-Meier median: NaN when the curve
          never falls to 0.5, "not reached"), ``median_low``, ``median_high`` (its 95%
          interval, Brookmeyer-Crowley with the log-log transform; NaN for a limit the
          data do not reach), ``proportion`` (1 - S at the target ``day``: the
          proportion with the event by then), ``ci_low``, ``ci_high`` (its 95% log-log
          interval with Greenwood's variance; NaN when S is 0 or 1), ``p_value`` (the
          log-rank test against the reference, stratified over `strata`), ``test``
          (``"logrank"``) and ``not_evaluable``;
        - continuous: ``n`` (non-missing values), ``mean``, ``sd`` (ddof=1),
          ``median``, ``q1``, ``q3`` (linear interpolation), ``difference`` (mean minus
          the reference's mean), ``diff_low``, ``diff_high`` (95% Welch interval:
          unequal variances, Welch-Satterthwaite degrees of freedom), ``p_value``
          (Welch's t-test), ``test`` (``"welch"``) and ``not_evaluable``;
        - categorical: one row per category (the definition's categories in order, then
          its ``otherwise`` category, then ``"<missing>"``: the not-evaluable subjects)
          with ``category``, ``count``, ``n`` (the group's subjects the endpoint applies
          to, so the proportions of a group's rows add up to 1), ``proportion``,
          ``ci_low``, ``ci_high`` (95% Wilson score interval) and ``not_evaluable``;
        - every kind: ``not_applicable`` (subjects the endpoint does not apply to).

        Comparisons (``difference``, ``p_value``, ``test``) are missing (NaN / <NA>) for
        the reference group, the ``"<NA>"`` group, and where a group or the reference
        has no subject to compare (for Welch's interval and test: fewer than 2 values, or
        no variance); ``test`` is given exactly where ``p_value`` is. A test whose data
        carry no information (no responder or no event in either group, for
        Cochran-Mantel-Haenszel and log-rank) has p-value 1.0. Columns that do not apply
        to a row's kind are missing (NaN / <NA>).

    Raises
    ------
    InputError
        If `results` is not a result table, `visits` lacks ``subject_id``, `by` or
        `strata`, `missing` is not one of its options, or `reference` is not a group.
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
    >>> s[["arm", "n", "responders", "proportion", "difference", "p_value", "test"]]
           arm  n  responders  proportion  difference  p_value    test
    0      MSC  2           1         0.5         0.0      1.0  fisher
    1  Placebo  2           1         0.5         NaN      NaN    <NA>
    >>> ep.summarize(results, visits, missing="observed")["n"].tolist()
    [1, 2]
    """
    if missing not in MISSING_OPTIONS:
        raise InputError("missing=", f"must be one of {MISSING_OPTIONS}, not {missing!r}")
    reserved = (*KEYS, "subject_id", "day", *STAT_COLUMNS)
    if not isinstance(by, str) or by in reserved:
        raise InputError("by=", f"{by!r} is not a usable group column name (it must be text "
                                  "and not a column of the summary)")
    if strata is not None and (not isinstance(strata, str) or strata in (*reserved, by)):
        raise InputError("strata=", f"{strata!r} is not a usable stratum column name (it must "
                                      "be text, not the group column and not a column of the "
                                      "summary)")
    if reference is not None and not isinstance(reference, str):
        raise InputError("reference=", f"expected a group label, got {reference!r}")
    with_reason = isinstance(results, pd.DataFrame) and "reason" in results.columns
    frame = check_results(results, needed=(*RESULT_COLUMNS, "reason") if with_reason
                          else RESULT_COLUMNS).reset_index(drop=True)
    frame[by] = _labels(_groups(_with_subjects(visits, by), by), frame["subject_id"])
    stratified = strata is not None
    if stratified:
        frame["_stratum"] = _labels(_groups(_with_subjects(visits, strata), strata),
                                    frame["subject_id"])

    layout = _layout(frame, trial)
    frame = frame.merge(layout[["trial_id", "endpoint", "kind", "favourable", "_na_reason"]],
                        on=["trial_id", "endpoint"], how="left")
    # an endpoint that does not apply to a subject leaves every denominator
    frame["_not_applicable"] = (frame["result"].isna() & frame["category"].isna() & (
        frame["reason"] == frame["_na_reason"] if with_reason else False)).fillna(False)
    if frame.empty:
        return _empty(by)
    refs = _references(frame, by, reference, _controls(frame, trial))
    days = _timepoint_days(frame, trial)
    events = frame[frame.kind == "time_to_event"].merge(
        days.rename(columns={"day": "_target"}), on=["trial_id", "timepoint"], how="left")
    parts = [
        _binary(frame[frame.kind == "binary"], by, missing, refs, stratified),
        time_to_event(events, by, KEYS, refs, stratified) if len(events) else events,
        _continuous(frame[frame.kind == "continuous"], by, refs),
        _categorical(frame[frame.kind == "categorical"], by, layout),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty(by)
    out = pd.concat(parts, ignore_index=True)
    out = _with_differences(out, by, refs)
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
    for column in (*KEYS, by, *TEXT_COLUMNS):
        out[column] = out[column].astype("string")
    for column in set(STAT_COLUMNS) - {*COUNT_COLUMNS, *TEXT_COLUMNS}:
        out[column] = out[column].astype("float64")
    out["day"] = out["day"].astype("Int64")
    return out[[*KEYS, "day", by, *STAT_COLUMNS]]


def _with_subjects(visits: pd.DataFrame, column: str) -> pd.DataFrame:
    """The table that gives each subject's `column`: a TrialData's subject-level dataset
    first (subjects without visits), when it has the column, then its visits."""
    from .cdisc import TrialData

    if isinstance(visits, TrialData):
        known = visits.demographics if column in visits.demographics else visits.visits
        return pd.concat([known, visits.visits], ignore_index=True)
    return visits


def _labels(groups: pd.Series, subjects: pd.Series) -> pd.arrays.NumpyExtensionArray:
    """Each subject's label in `groups` (subject text form -> label), ``"<NA>"`` if none."""
    found = pd.Index(groups.index, dtype=object).get_indexer(subjects.astype(object))
    labels = np.append(np.asarray(groups, dtype=object), NO_GROUP)  # -1 (no group): the last
    return pd.array(labels[found].astype(str), dtype=object)


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
            kind = "time_to_event" if e.kind == "time_to_event" else e.result_type
            rows.append((trial_id, e.name, kind, categories, e.favourable, na_reason))
    layout = pd.DataFrame(rows, columns=["trial_id", "endpoint", "kind", "categories",
                                         "favourable", "_na_reason"])
    layout["_na_reason"] = layout["_na_reason"].astype("string")
    layout["trial_id"] = layout["trial_id"].astype("string")
    layout["endpoint"] = layout["endpoint"].astype("string")
    unknown = frame.loc[~frame.endpoint.isin(layout.endpoint), "endpoint"]
    if len(unknown):
        raise InputError("endpoint", f"{unknown.iloc[0]!r} is not an endpoint of the trial")
    return layout


def _binary(frame: pd.DataFrame, by: str, missing: str, refs: dict[str, str],
            stratified: bool) -> pd.DataFrame:

    result = frame["result"].astype("boolean")
    # Imputation counts a missing result as the unfavourable outcome: not a response,
    # but a treatment failure or a flare. With missing="observed" it is never counted.
    # A subject the endpoint does not apply to is never counted.
    unfavourable = ~frame["favourable"].to_numpy(dtype=bool)
    applies = ~frame["_not_applicable"].to_numpy(dtype=bool)
    imputed = unfavourable & applies if missing == "non_responder" else np.zeros(
        len(frame), dtype=bool)
    responders = result.to_numpy(dtype=bool, na_value=False) | (result.isna().to_numpy() & imputed)
    evaluable = result.notna().to_numpy(dtype=bool)
    work = pd.DataFrame({
        **{k: frame[k] for k in (*KEYS, by)},
        "applies": applies.astype(int),
        "evaluable": evaluable.astype(int),
        "responders": responders.astype(int),
        # in the denominator: every subject it applies to, or the evaluable ones
        "counted": (applies if missing == "non_responder" else evaluable).astype(int),
    })
    if stratified:
        work["_stratum"] = frame["_stratum"]
    out = work.groupby([*KEYS, by], sort=False, observed=True).agg(
        subjects=("applies", "sum"), rows=("applies", "size"), evaluable=("evaluable", "sum"),
        responders=("responders", "sum"),
    ).reset_index()
    out["not_applicable"] = out.rows - out.subjects
    out["not_evaluable"] = out.subjects - out.evaluable
    out["n"] = out.subjects if missing == "non_responder" else out.evaluable
    out["proportion"], out["ci_low"], out["ci_high"] = _wilson(out["responders"], out["n"])
    out["kind"] = "binary"
    out = out.drop(columns=["subjects", "rows", "evaluable"])
    return _binary_tests(out, work, by, refs, stratified)


def _compared(out: pd.DataFrame, by: str, refs: dict[str, str],
              columns: tuple[str, ...]) -> tuple[np.ndarray, pd.DataFrame]:
    """Rows of `out` that are compared with their trial's reference group (not the
    reference itself, not the "<NA>" group, the reference present), and for every row the
    reference's `columns` (prefixed ``ref_``), aligned with `out`."""
    # one row per endpoint x timepoint x group: a dictionary is quicker than a merge
    keys = list(zip(*(out[k].to_numpy(dtype=object) for k in KEYS), strict=True))
    groups = out[by].to_numpy(dtype=object)
    reference = np.array([refs.get(k[0]) for k in keys], dtype=object)
    is_ref = groups == reference
    position = {k: i for i, k in enumerate(keys) if is_ref[i]}
    found = np.array([position.get(k, -1) for k in keys], dtype=np.int64)
    paired = pd.DataFrame({
        f"ref_{c}": np.where(found >= 0, out[c].to_numpy(dtype=float)[found], np.nan)
        for c in columns}, index=out.index)
    compare = ~is_ref & (groups != NO_GROUP) & (found >= 0)
    return compare, paired


def _binary_tests(out: pd.DataFrame, work: pd.DataFrame, by: str, refs: dict[str, str],
                  stratified: bool) -> pd.DataFrame:
    """p_value and test of each group's responders against its reference group's: Fisher's
    exact test, or the Cochran-Mantel-Haenszel test over the strata."""
    from scipy.stats import fisher_exact
    from statsmodels.stats.contingency_tables import StratifiedTable

    compare, paired = _compared(out, by, refs, ("n", "responders"))
    compare &= (out["n"].to_numpy() > 0) & (paired["ref_n"].to_numpy(dtype=float) > 0)
    p_value = np.full(len(out), np.nan)
    rows = np.flatnonzero(compare)
    if len(rows) and not stratified:
        n, r = out["n"].to_numpy(dtype=float)[rows], out["responders"].to_numpy(dtype=float)[rows]
        n_ref = paired["ref_n"].to_numpy(dtype=float)[rows]
        r_ref = paired["ref_responders"].to_numpy(dtype=float)[rows]
        tables = np.stack([r, n - r, r_ref, n_ref - r_ref], axis=1).astype(np.int64)
        unique, inverse = np.unique(tables, axis=0, return_inverse=True)  # each table once
        p = [fisher_exact(t.reshape(2, 2), alternative="two-sided").pvalue for t in unique]
        p_value[rows] = np.asarray(p, dtype=float)[inverse.ravel()]
    elif len(rows):
        cells = work.groupby([*KEYS, by, "_stratum"], observed=True)[
            ["counted", "responders"]].sum().reset_index()
        # (keys..., group) -> its strata (sorted), subjects counted and responders in each
        per_group = {key: (g["_stratum"].to_numpy(dtype=str), g["counted"].to_numpy(),
                           g["responders"].to_numpy())
                     for key, g in cells.groupby([*KEYS, by], sort=False, observed=True)}
        keys = out[list(KEYS)].to_numpy(dtype=object)
        groups = out[by].to_numpy(dtype=object)
        for i in rows:
            g_strata, g_n, g_r = per_group[(*keys[i], groups[i])]
            r_strata, r_n, r_r = per_group[(*keys[i], refs[keys[i][0]])]
            _, gi, ri = np.intersect1d(g_strata, r_strata, return_indices=True)
            # a stratum where one group has no subject carries no information
            keep = (g_n[gi] > 0) & (r_n[ri] > 0)
            gi, ri = gi[keep], ri[keep]
            tables = np.stack([
                np.stack([g_r[gi], g_n[gi] - g_r[gi]]),
                np.stack([r_r[ri], r_n[ri] - r_r[ri]]),
            ]).astype(float)  # 2 x 2 x strata
            margins = tables.sum(axis=1).prod(axis=0) * tables.sum(axis=0).prod(axis=0)
            if not margins.any():  # zero variance (or no stratum left): no information
                p_value[i] = 1.0
            else:
                p_value[i] = StratifiedTable(tables).test_null_odds(correction=False).pvalue
    out["p_value"] = p_value
    out["test"] = np.where(compare, "cmh" if stratified else "fisher", None)
    return out


def _wilson(count, n) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Proportion and 95% Wilson score interval of `count` out of `n` (NaN where n is 0)."""
    from statsmodels.stats.proportion import proportion_confint

    count, n = np.asarray(count, dtype=float), np.asarray(n, dtype=float)
    some = n > 0
    proportion = np.divide(count, n, out=np.full(len(n), np.nan), where=some)
    low, high = np.full(len(n), np.nan), np.full(len(n), np.nan)
    if some.any():
        low[some], high[some] = proportion_confint(count[some], n[some], alpha=0.05,
                                                   method="wilson")
    return proportion, low, high


def _continuous(frame: pd.DataFrame, by: str, refs: dict[str, str]) -> pd.DataFrame:
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
    return _welch(out, by, refs)


def _welch(out: pd.DataFrame, by: str, refs: dict[str, str]) -> pd.DataFrame:
    """Difference in means against the reference group, with Welch's 95% interval and
    t-test (unequal variances, Welch-Satterthwaite degrees of freedom)."""
    from scipy.stats import t as student

    compare, paired = _compared(out, by, refs, ("n", "mean", "sd"))
    n1, n2 = out["n"].to_numpy(dtype=float), paired["ref_n"].to_numpy(dtype=float)
    m1, m2 = out["mean"].to_numpy(dtype=float), paired["ref_mean"].to_numpy(dtype=float)
    s1, s2 = out["sd"].to_numpy(dtype=float), paired["ref_sd"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        v1, v2 = s1**2 / n1, s2**2 / n2
        se = np.sqrt(v1 + v2)
        df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    has_means = compare & (n1 > 0) & (n2 > 0)
    testable = has_means & (n1 > 1) & (n2 > 1) & (se > 0)
    difference = np.where(has_means, m1 - m2, np.nan)
    half, p_value = np.full(len(out), np.nan), np.full(len(out), np.nan)
    if testable.any():
        half[testable] = student.ppf(0.975, df[testable]) * se[testable]
        p_value[testable] = 2 * student.sf(np.abs(difference[testable] / se[testable]),
                                           df[testable])
    out["difference"] = difference
    out["diff_low"], out["diff_high"] = difference - half, difference + half
    out["p_value"] = p_value
    out["test"] = np.where(testable, "welch", None)
    return out


def _categorical(frame: pd.DataFrame, by: str, layout: pd.DataFrame) -> pd.DataFrame:

    if frame.empty:
        return frame.iloc[0:0]
    cells = frame[[*KEYS, by]].drop_duplicates()
    # every category of the definition, then any unexpected one seen in the data, then
    # the row of the not-evaluable subjects
    defined = layout[layout.kind == "categorical"].explode("categories")
    defined = defined.rename(columns={"categories": "category"})[
        ["trial_id", "endpoint", "category"]]
    defined["_cat_order"] = defined.groupby(["trial_id", "endpoint"]).cumcount()
    seen = frame.loc[frame.category.notna(), ["trial_id", "endpoint", "category"]]
    extra = seen.drop_duplicates().merge(defined, how="left", indicator=True)
    extra = extra[extra._merge == "left_only"].sort_values("category")
    extra["_cat_order"] = len(defined) + np.arange(len(extra))
    endpoints = defined[["trial_id", "endpoint"]].drop_duplicates()
    absent = endpoints.assign(category=MISSING_CATEGORY,
                              _cat_order=len(defined) + len(extra))
    categories = pd.concat([defined, extra[defined.columns], absent], ignore_index=True)
    categories["category"] = categories["category"].astype("string")

    applies = frame[~frame["_not_applicable"].to_numpy(dtype=bool)]
    category = applies["category"].astype("string").fillna(MISSING_CATEGORY)
    counts = applies.assign(category=category).groupby(
        [*KEYS, by, "category"], observed=True).size().rename("count")
    totals = applies.groupby([*KEYS, by], observed=True).agg(
        n=("category", "size"), known=("category", "count"))
    totals["not_evaluable"] = totals["n"] - totals.pop("known")
    every = frame.groupby([*KEYS, by], observed=True).size().rename("rows")
    totals = totals.reindex(every.index).fillna(0)
    totals["not_applicable"] = every - totals["n"]

    out = cells.merge(categories, on=["trial_id", "endpoint"])
    out = out.merge(counts.reset_index(), on=[*KEYS, by, "category"], how="left")
    out = out.merge(totals.reset_index(), on=[*KEYS, by], how="left")
    out["count"] = out["count"].fillna(0).astype(int)
    out["proportion"], out["ci_low"], out["ci_high"] = _wilson(out["count"], out["n"])
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


def _references(frame: pd.DataFrame, by: str, reference: str | None,
                controls: dict[str, str | None]) -> dict[str, str]:
    """trial_id -> the group its other groups are compared with."""
    refs = {}
    for trial_id, groups in frame.groupby("trial_id", observed=True)[by].unique().items():
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
    return refs


def _with_differences(out: pd.DataFrame, by: str, refs: dict[str, str]) -> pd.DataFrame:
    """Add each binary row's difference in proportions vs its trial's reference group."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    binary = out[out.kind == "binary"]
    if binary.empty:
        return out
    compare, paired = _compared(binary, by, refs, ("n", "responders"))
    compare &= ((binary["n"] > 0) & (paired["ref_n"] > 0)).to_numpy(dtype=bool)
    difference = np.full(len(binary), np.nan)
    low, high = difference.copy(), difference.copy()
    if compare.any():
        n1 = binary["n"].to_numpy(dtype=float)[compare]
        r1 = binary["responders"].to_numpy(dtype=float)[compare]
        n2 = paired["ref_n"].to_numpy(dtype=float)[compare]
        r2 = paired["ref_responders"].to_numpy(dtype=float)[compare]
        difference[compare] = r1 / n1 - r2 / n2
        low[compare], high[compare] = confint_proportions_2indep(
            r1, n1, r2, n2, method="newcomb", compare="diff", alpha=0.05)
    out.loc[binary.index, "difference"] = difference
    out.loc[binary.index, "diff_low"] = low
    out.loc[binary.index, "diff_high"] = high
    return out


def _timepoint_days(out: pd.DataFrame, trial: str | TrialDefinition | None) -> pd.DataFrame:
    rows = [(trial_id, t.label, t.day)
            for trial_id in out["trial_id"].unique()
            for t in registry.definition_of(trial_id, trial).timepoints]
    days = pd.DataFrame(rows, columns=["trial_id", "timepoint", "day"])
    days["trial_id"] = days["trial_id"].astype("string")
    days["timepoint"] = days["timepoint"].astype("string")
    return days


def _empty(by: str) -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype="string") for c in (*KEYS, by, *TEXT_COLUMNS)})
    out["day"] = pd.Series(dtype="Int64")
    for column in STAT_COLUMNS:
        if column not in out:
            out[column] = pd.Series(dtype="Int64" if column in COUNT_COLUMNS else "float64")
    return out[[*KEYS, "day", by, *STAT_COLUMNS]]
