"""Kaplan-Meier estimates and log-rank tests of time-to-event endpoints, by group.

:func:`endpoints.summarize` calls :func:`time_to_event` for the rows of endpoints whose
definition kind is ``"time_to_event"``. A row's ``value`` is the study day of the event
(``result`` True) or of censoring (``result`` False), counted from day 0; a row whose
``result`` or ``value`` is missing is not evaluable and is left out of the estimate.

Conventions (those of SAS PROC LIFETEST, which statisticians' tables usually follow):

- the median is the smallest event time at which the Kaplan-Meier curve is below 0.5;
  where the curve is exactly 0.5 (within ``sqrt(machine epsilon)``) from an event time
  until the next one, the midpoint of the two (as SAS and R's ``survfit`` do); NaN when
  the curve never reaches 0.5 ("not reached");
- its 95% interval inverts the log-log transformed test of S(t) = 0.5 (Brookmeyer and
  Crowley, statsmodels' ``quantile_ci(method="cloglog")``); a limit the data do not
  reach is NaN;
- the proportion with the event by a day T is 1 - S(T), S read at the last event time
  on or before T; its 95% interval is the log-log interval of S(T) with Greenwood's
  standard error, ``S ** exp(±z se / (S log S))``, turned round; NaN when S(T) is 0 or 1
  (no variance estimate);
- the log-rank test compares each group with the reference group alone (the subjects
  of the two groups), stratified when strata are given; a test with no information
  (zero variance: no event, or never both groups at risk at an event time) has p-value
  1.0, as an exact permutation test would.

statsmodels and scipy are imported when a summary needs them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: S(t) within this of 0.5 is taken as exactly 0.5 (the tolerance of R's survfit)
TOLERANCE = float(np.sqrt(np.finfo(float).eps))
Z = 1.959963984540054  # 97.5th percentile of the standard normal
NO_GROUP = "<NA>"


def time_to_event(frame: pd.DataFrame, by: str, keys: tuple[str, ...],
                  references: dict[str, str], stratified: bool) -> pd.DataFrame:
    """One row per `keys` x group: n, events, median and its interval, proportion with the
    event by the target day (column ``_target``) and its interval, log-rank p-value.

    `frame` holds one row per subject with `keys`, `by`, ``result``, ``value``,
    ``_not_applicable``, ``_target`` and, when `stratified`, ``_stratum``;
    `references` maps a trial ID to its reference group.
    """
    applies = ~frame["_not_applicable"].to_numpy(dtype=bool)
    result = frame["result"].astype("boolean")
    time = frame["value"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    usable = applies & result.notna().to_numpy() & ~np.isnan(time)
    work = pd.DataFrame({
        **{k: frame[k] for k in (*keys, by)},
        "applies": applies.astype(int), "usable": usable.astype(int),
        "event": (result.to_numpy(dtype=bool, na_value=False) & usable).astype(int),
        "time": time, "target": frame["_target"].to_numpy(dtype=float),
        "stratum": frame["_stratum"].to_numpy(dtype=object) if stratified else "",
    })
    cell = [*keys, by]
    tests = _logrank(work[usable], by, keys, references, stratified)
    rows = []
    for name, g in work.groupby(cell, sort=False):
        use = g["usable"].to_numpy(dtype=bool)
        applicable = int(g["applies"].sum())
        estimates = (_kaplan_meier(g["time"].to_numpy()[use], g["event"].to_numpy()[use],
                                   g["target"].iloc[0]) if use.any() else (np.nan,) * 6)
        p_value, test = tests.get(name, (np.nan, None))
        rows.append((*name, int(use.sum()), int(g["event"].sum()), *estimates, p_value, test,
                     applicable - int(use.sum()), len(g) - applicable))
    out = pd.DataFrame(rows, columns=[
        *cell, "n", "events", "median", "median_low", "median_high", "proportion", "ci_low",
        "ci_high", "p_value", "test", "not_evaluable", "not_applicable"])
    out["kind"] = "time_to_event"
    return out


def _kaplan_meier(time: np.ndarray, event: np.ndarray, day: float) -> tuple[float, ...]:
    """median, median_low, median_high, proportion by `day`, ci_low, ci_high."""
    from statsmodels.duration.survfunc import SurvfuncRight

    fit = SurvfuncRight(time.astype(float), event.astype(float))
    surv, se, times = fit.surv_prob, fit.surv_prob_se, fit.surv_times
    with np.errstate(divide="ignore", invalid="ignore"):  # log(0) where S reaches 0
        low, high = fit.quantile_ci(0.5, alpha=0.05, method="cloglog")
    median = _median(surv, times)
    at = np.searchsorted(times, day, side="right") - 1 if not np.isnan(day) else -2
    if at == -2:  # no target day: no proportion
        s, s_se = np.nan, np.nan
    else:
        s, s_se = (surv[at], se[at]) if at >= 0 else (1.0, 0.0)
    proportion = 1.0 - s
    ci_low = ci_high = np.nan
    if 0.0 < s < 1.0 and np.isfinite(s_se) and s_se > 0:
        # log-log interval of S: S ** exp(±z se / (S log S)); 1 - S turns it round
        spread = Z * s_se / (s * np.log(s))  # negative: log S < 0
        s_low, s_high = s ** np.exp(-spread), s ** np.exp(spread)
        ci_low, ci_high = 1.0 - s_high, 1.0 - s_low
    finite = lambda x: float(x) if np.isfinite(x) else np.nan  # noqa: E731
    return median, finite(low), finite(high), proportion, ci_low, ci_high


def _median(surv: np.ndarray, times: np.ndarray) -> float:
    """Smallest event time with S(t) < 0.5; the midpoint to the next event time where S is
    exactly 0.5 (SAS, R); NaN when not reached."""
    below = np.flatnonzero(surv <= 0.5 + TOLERANCE)
    if not len(below):
        return np.nan
    j = below[0]
    if abs(surv[j] - 0.5) <= TOLERANCE and j + 1 < len(times):
        return float(times[j] + times[j + 1]) / 2
    return float(times[j])


def _logrank(used: pd.DataFrame, by: str, keys: tuple[str, ...],
             references: dict[str, str], stratified: bool) -> dict[tuple, tuple[float, str]]:
    """(keys..., group) -> (p-value, "logrank") of the log-rank test of each group against
    its trial's reference group."""
    from statsmodels.duration.survfunc import survdiff

    tests = {}
    for name, g in used.groupby(list(keys), sort=False):
        reference = references.get(name[0])
        labels = g[by].to_numpy(dtype=object)
        if reference is None or not (labels == reference).any():
            continue
        time, event = g["time"].to_numpy(), g["event"].to_numpy()
        strata = g["stratum"].to_numpy(dtype=object) if stratified else None
        for group in pd.unique(labels):
            if group in (reference, NO_GROUP):
                continue
            pair = (labels == group) | (labels == reference)
            try:
                _, p = survdiff(time[pair], event[pair], (labels[pair] == group).astype(int),
                                strata=None if strata is None else strata[pair])
            except np.linalg.LinAlgError:  # zero variance: the data carry no information
                p = 1.0
            tests[(*name, group)] = (float(p) if np.isfinite(p) else 1.0, "logrank")
    return tests
