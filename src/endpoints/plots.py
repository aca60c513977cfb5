"""Figures of scored results and visit data (needs matplotlib, the ``plot`` extra).

Import it as a submodule, ``from endpoints import plots``, so that ``import endpoints``
does not import matplotlib. Every function builds and returns a
:class:`matplotlib.figure.Figure` without touching pyplot's global state (nothing is
shown; it works with any backend, Agg included): save it with ``fig.savefig(path)`` or
let Jupyter display it.

- :func:`response_over_time` — responder proportion by timepoint and group, with 95%
  Wilson intervals (from :func:`endpoints.summarize`).
- :func:`upcr_trajectories` — one thin line per subject and the group median over study
  day (UPCR by default, any numeric column).
- :func:`event_chart` — one line per subject over follow-up, with flares
  (:func:`endpoints.flare_events`) and treatment failures (from a result table).
- :func:`steroid_dose` — median prednisone dose and interquartile band over study day by
  group.
- :func:`definition_agreement` — where published definitions disagree on the same
  subjects (a :func:`endpoints.compare_definitions` table): a subject x definition grid
  and the responder rate under each definition, with 95% Wilson intervals.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from . import registry
from .comparison import concordance
from .definitions import TrialDefinition
from .errors import EndpointsError, InputError
from .listings import flare_events
from .results import check_results
from .summary import NO_GROUP, _groups, summarize

#: flare kind of :func:`endpoints.flare_events` -> (marker, colour)
FLARE_MARKERS = {
    "flare_mild_moderate": ("o", "tab:orange"),
    "flare_severe": ("o", "tab:red"),
    "bilag_flare_nonrenal": ("s", "tab:purple"),
    "bilag_flare_renal": ("D", "tab:brown"),
}
#: markers of the result endpoints, in turn
FAILURE_MARKERS = ("X", "P", "*", "v", "^")
MAX_SUBJECT_LABELS = 40
ALL = "all subjects"
#: cells of :func:`definition_agreement`'s grid: code -> (label, colour)
AGREEMENT_CELLS = {
    1: ("responder", "#2166ac"),
    0: ("non-responder", "#f4a582"),
    -1: ("not evaluable", "#d9d9d9"),
}
#: row blocks of :func:`definition_agreement`'s grid, top to bottom
AGREEMENT_BLOCKS = ("discordant", "all responder", "all non-responder", "none evaluable")


def response_over_time(
    results: pd.DataFrame,
    visits: pd.DataFrame,
    endpoint: str,
    *,
    by: str = "arm",
    missing: str = "non_responder",
    trial: str | TrialDefinition | None = None,
) -> Figure:
    """Plot the responder proportion of a binary endpoint by timepoint and group.

    Points are the proportions of :func:`endpoints.summarize` at each timepoint's target
    day, error bars the 95% Wilson score intervals; groups are shifted slightly apart.

    Parameters
    ----------
    results : DataFrame
        Result table of :func:`endpoints.score`.
    visits : DataFrame
        The scored visit table (it gives the groups).
    endpoint : str
        Name of a binary endpoint (response, event, time-to-event, or binary categorical).
    by : str, default "arm"
        Grouping column of `visits`.
    missing : {"non_responder", "observed"}, default "non_responder"
        Passed to :func:`endpoints.summarize`.
    trial : str or TrialDefinition, optional
        The scored trial, needed only when it is not registered.

    Returns
    -------
    Figure

    Examples
    --------
    >>> import endpoints as ep
    >>> results = pd.DataFrame({
    ...     "trial_id": "NCT03917797", "subject_id": ["1", "2", "1", "2"],
    ...     "endpoint": "treatment_failure", "timepoint": ["week 24"] * 2 + ["month 12"] * 2,
    ...     "result": pd.array([False, False, True, False], dtype="boolean"),
    ...     "category": pd.NA, "value": pd.NA})
    >>> visits = pd.DataFrame({"subject_id": [1, 2], "day": 0, "arm": ["MSC", "Placebo"]})
    >>> fig = response_over_time(results, visits, "treatment_failure")
    >>> fig.axes[0].get_title()
    'treatment_failure'
    """
    if endpoint not in set(results["endpoint"].astype(str)):
        known = sorted(set(results["endpoint"].astype(str)))
        raise ValueError(f"endpoint {endpoint!r} is not in the results; known: {known}")
    rows = results[results["endpoint"].astype(str) == endpoint]
    summary = summarize(rows, visits, by=by, missing=missing, trial=trial)
    if not (summary["kind"] == "binary").all():
        raise ValueError(f"endpoint {endpoint!r} is not binary: plot its summary instead")
    days = summary[["timepoint", "day"]].drop_duplicates().sort_values("day")
    groups = list(dict.fromkeys(summary[by]))
    subjects = summary["n"] + (summary["not_evaluable"] if missing == "observed" else 0)
    span = max(float(days["day"].max() - days["day"].min()), 1.0)
    step = span * 0.015

    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.add_subplot()
    for i, (group, colour) in enumerate(zip(groups, _colours(groups), strict=True)):
        g = summary[summary[by] == group]
        x = g["day"].to_numpy(dtype=float) + (i - (len(groups) - 1) / 2) * step
        y = g["proportion"].to_numpy(dtype=float)
        low, high = g["ci_low"].to_numpy(dtype=float), g["ci_high"].to_numpy(dtype=float)
        ax.errorbar(x, y, yerr=np.vstack([y - low, high - y]), marker="o", capsize=4,
                    color=colour, label=f"{group} (N={int(subjects[g.index].max())})")
    ax.set_xticks(days["day"].to_numpy(dtype=float), days["timepoint"].tolist())
    ax.set_xlim(days["day"].min() - span * 0.1, days["day"].max() + span * 0.1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("Timepoint (target study day)")
    imputed = "missing = unfavourable" if missing == "non_responder" else "observed cases"
    ax.set_ylabel(f"Proportion meeting the endpoint ({imputed})")
    ax.set_title(endpoint)
    ax.legend(title=f"{by} · 95% Wilson CI", loc="best")
    ax.grid(axis="y", alpha=0.3)
    return fig


def upcr_trajectories(
    visits: pd.DataFrame,
    *,
    by: str | None = "arm",
    column: str = "upcr",
    bin_days: int = 7,
    log: bool = False,
) -> Figure:
    """Plot each subject's values of a column over study day and the median by group.

    Parameters
    ----------
    visits : DataFrame
        Visit table with ``subject_id``, ``day`` and `column`.
    by : str or None, default "arm"
        Grouping column (first non-missing value per subject); None for one group.
    column : str, default "upcr"
        Numeric column to plot (canonical unit: UPCR in mg/mg).
    bin_days : int, default 7
        The median line pools visits of all subjects at nearby days (visit days scatter
        around the planned ones): a visit takes distinct days at most `bin_days` apart,
        spanning at most ``2 * bin_days``, and sits at the median day of its rows;
        0 for exact days.
    log : bool, default False
        Log-scaled y axis (only positive values are then drawn).

    Returns
    -------
    Figure
        One axes: per group a :class:`~matplotlib.collections.LineCollection` of subject
        lines and a median line labelled ``"<group> median"``.

    Examples
    --------
    >>> visits = pd.DataFrame({"subject_id": [1, 1, 2, 2], "day": [0, 28, 0, 28],
    ...                        "arm": "MSC", "upcr": [3.0, 1.5, 2.0, 0.4]})
    >>> fig = upcr_trajectories(visits)
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['MSC median']
    """
    frame = _long(visits, by, column, bin_days)
    if log:
        frame = frame[frame["value"] > 0]
    groups = _ordered(frame["group"])
    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.add_subplot()
    for group, colour in zip(groups, _colours(groups), strict=True):
        g = frame[frame["group"] == group]
        segments = [s[["day", "value"]].to_numpy(dtype=float)
                    for _, s in g.groupby("subject_id", sort=True)]
        ax.add_collection(LineCollection(segments, colors=colour, linewidths=0.7, alpha=0.35))
        median = g.groupby("visit")["value"].median()
        ax.plot(median.index, median.to_numpy(), color=colour, linewidth=2.5, marker="o",
                markersize=4, label=f"{group} median")
    ax.autoscale_view()
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("Study day")
    ax.set_ylabel(_axis_label(column))
    ax.set_title(f"{_axis_label(column).split(' (')[0]} by subject"
                 + (f" and {by}" if by is not None else ""))
    ax.legend(title="thin lines: subjects", loc="best")
    ax.grid(alpha=0.3)
    return fig


def event_chart(
    visits: pd.DataFrame,
    results: pd.DataFrame | None = None,
    *,
    endpoints: Sequence[str] | None = None,
    by: str | None = "arm",
    trial: str | TrialDefinition | None = None,
) -> Figure:
    """Plot one horizontal line per subject over follow-up with its flares and failures.

    Flares are those of :func:`endpoints.flare_events` (SELENA Flare Index by SLEDAI,
    BILAG flares), at the visit where they were seen. Failures come from
    `results`: for each subject and endpoint, the first timepoint with a True result,
    marked at its assessment visit day (the failure happened by then), or, for
    time-to-event endpoints, at the event day (``value``).

    Parameters
    ----------
    visits : DataFrame
        Visit table (``subject_id``, ``day``; ``sledai`` / ``bilag_*`` for flares).
    results : DataFrame, optional
        Result table of :func:`endpoints.score`.
    endpoints : sequence of str, optional
        Result endpoints to mark; default ``["treatment_failure"]`` when present.
    by : str or None, default "arm"
        Grouping column used to order and colour the subjects; None for no grouping.
    trial : str or TrialDefinition, optional
        The scored trial, needed only when it is not registered.

    Returns
    -------
    Figure
        One axes: a :class:`~matplotlib.collections.LineCollection` of subject lines and
        one labelled marker series per kind of event shown.

    Examples
    --------
    >>> visits = pd.DataFrame({"subject_id": ["A"] * 3 + ["B"] * 3, "day": [0, 28, 56] * 2,
    ...                        "sledai": [4, 8, 8, 6, 6, 16]})
    >>> fig = event_chart(visits, by=None)
    >>> sorted(line.get_label() for line in fig.axes[0].get_lines())
    ['flare mild moderate', 'flare severe']
    """
    for column in ("subject_id", "day"):
        if column not in visits.columns:
            raise InputError(column, "not in the visit table")
    subjects = visits[["subject_id", "day"]].assign(subject_id=visits["subject_id"].astype(str))
    subjects["day"] = pd.to_numeric(subjects["day"])
    span = subjects.groupby("subject_id")["day"].agg(["min", "max"])
    span["group"] = (_groups(visits, by).reindex(span.index).fillna(NO_GROUP)
                     if by is not None else ALL)
    span["_na"] = span["group"] == NO_GROUP
    span = span.sort_values(["_na", "group"], kind="stable")  # subjects sorted within groups
    row = pd.Series(np.arange(len(span), dtype=float), index=span.index)

    height = min(max(3.0, 0.25 * len(span) + 1.5), 14.0)
    fig = Figure(figsize=(8, height), layout="constrained")
    ax = fig.add_subplot()
    names = _ordered(span["group"])
    colour = dict(zip(names, _colours(names), strict=True))
    segments = [[(lo, y), (hi, y)] for lo, hi, y in zip(span["min"], span["max"], row, strict=True)]
    ax.add_collection(LineCollection(segments, colors=[colour[g] for g in span["group"]],
                                     linewidths=1.5 if len(span) <= 60 else 0.8, alpha=0.6))

    flares = flare_events(visits)
    for kind, (marker, c) in FLARE_MARKERS.items():
        hits = flares[flares["kind"] == kind]
        if len(hits):
            ax.plot(hits["day"].to_numpy(dtype=float),
                    row[hits["subject_id"].astype(str)].to_numpy(), linestyle="none",
                    marker=marker, color=c, markersize=7, label=kind.replace("_", " "))
    if results is not None:
        groups = _failures(results, endpoints, trial).groupby("endpoint", sort=True)
        for i, (name, hits) in enumerate(groups):
            hits = hits[hits["subject_id"].isin(row.index)]
            when = "event day" if hits["tte"].any() else "assessment visit"
            ax.plot(hits["x"].to_numpy(dtype=float), row[hits["subject_id"]].to_numpy(),
                    linestyle="none", marker=FAILURE_MARKERS[i % len(FAILURE_MARKERS)],
                    markersize=9, color="black",
                    label=f"{str(name).replace('_', ' ')} ({when})")

    ax.autoscale_view()
    ax.set_ylim(len(span) - 0.5, -0.5)
    if len(span) <= MAX_SUBJECT_LABELS:
        ax.set_yticks(row.to_numpy(), list(row.index))
    else:
        ax.set_yticks([])
    ax.set_xlabel("Study day")
    ax.set_ylabel("Subject" + (f" (coloured by {by})" if by is not None else ""))
    ax.set_title("Flares and treatment failures over follow-up")
    handles, labels = ax.get_legend_handles_labels()
    if by is not None:
        handles += [Line2D([], [], color=colour[g], linewidth=2) for g in names]
        labels += [f"{by}: {g}" for g in names]
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return fig


def steroid_dose(
    visits: pd.DataFrame,
    *,
    by: str | None = "arm",
    column: str = "prednisone",
    bin_days: int = 7,
) -> Figure:
    """Plot the median daily prednisone dose and its interquartile band over time by group.

    Parameters
    ----------
    visits : DataFrame
        Visit table with ``subject_id``, ``day`` and `column` (mg/day,
        prednisone-equivalent).
    by : str or None, default "arm"
        Grouping column (first non-missing value per subject); None for one group.
    column : str, default "prednisone"
        Dose column.
    bin_days : int, default 7
        Nearby days are pooled into visits as in :func:`upcr_trajectories`; 0 for exact
        days.

    Returns
    -------
    Figure
        One axes: per group a median line labelled ``"<group> median"`` and a shaded
        25th-75th percentile band.

    Examples
    --------
    >>> visits = pd.DataFrame({"subject_id": [1, 1, 2, 2], "day": [0, 28, 0, 28],
    ...                        "arm": ["MSC"] * 2 + ["Placebo"] * 2,
    ...                        "prednisone": [30.0, 10.0, 40.0, 20.0]})
    >>> fig = steroid_dose(visits)
    >>> len(fig.axes[0].collections), len(fig.axes[0].get_lines())
    (2, 2)
    """
    frame = _long(visits, by, column, bin_days)
    groups = _ordered(frame["group"])
    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.add_subplot()
    for group, colour, style in zip(groups, _colours(groups), _styles(groups), strict=True):
        binned = frame[frame["group"] == group].groupby("visit")["value"]
        stats = pd.DataFrame({"q1": binned.quantile(0.25), "median": binned.median(),
                              "q3": binned.quantile(0.75)})
        x = stats.index.to_numpy(dtype=float)
        ax.fill_between(x, stats["q1"].to_numpy(), stats["q3"].to_numpy(), color=colour,
                        alpha=0.18, linewidth=0)
        ax.plot(x, stats["median"].to_numpy(), color=colour, linewidth=2, marker="o",
                markersize=4, linestyle=style, label=f"{group} median")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("Study day")
    ax.set_ylabel(f"{column.replace('_', ' ').capitalize()} (mg/day, prednisone-equivalent)")
    ax.set_title("Steroid dose" + (f" by {by}" if by is not None else "")
                 + ": median and interquartile range")
    ax.legend(title="shaded: IQR", loc="best")
    ax.grid(alpha=0.3)
    return fig


def definition_agreement(
    table: pd.DataFrame,
    visits: pd.DataFrame | None = None,
    *,
    by: str = "arm",
    definitions: Sequence[str] | None = None,
) -> Figure:
    """Plot where definitions disagree: a subject x definition grid and the rates.

    Panel (a) has one row per subject and one column per definition, each cell coloured
    by the subject's result (:data:`AGREEMENT_CELLS`: responder, non-responder, not
    evaluable for ``<NA>``). Rows come in blocks (:data:`AGREEMENT_BLOCKS`), top to
    bottom: the *discordant* subjects, whom some definitions call responders and others
    not (among the definitions they are evaluable under), then the subjects all
    evaluable definitions call responders, then non-responders, then those evaluable
    under none. Within a block, subjects with the
    same pattern of results are adjacent (responder before non-responder before not
    evaluable, definition by definition), then sorted by ID. Subject IDs label the rows
    up to :data:`MAX_SUBJECT_LABELS` subjects.

    Panel (b) has the responder rate under each definition among the subjects evaluable
    under it (the ``"rates"`` of :func:`endpoints.concordance`, not imputed), with its
    95% Wilson score interval, by group of `visits` when given.

    Parameters
    ----------
    table : DataFrame
        Result table of :func:`endpoints.compare_definitions` (one timepoint; endpoint =
        definition name).
    visits : DataFrame, optional
        The scored visit table, for responder rates by group; None for all subjects.
    by : str, default "arm"
        Grouping column of `visits`.
    definitions : sequence of str, optional
        The definitions to draw, in this order; default: every definition of `table`, in
        the order they first appear (:func:`~endpoints.compare_definitions`' order).

    Returns
    -------
    Figure
        Two axes: (a) the grid, an image whose data are the cell codes (subjects x
        definitions), with a legend of the cells; (b) one errorbar series per group,
        labelled with the group (``"all subjects"`` without `visits`).

    Raises
    ------
    InputError
        If `table` is not a result table, has no rows, more than one timepoint or a
        subject twice under one definition, if `definitions` names one it does not have
        (or one twice), or if `visits` lacks ``subject_id`` or `by`.

    Examples
    --------
    >>> table = pd.DataFrame({"trial_id": "DEFINITIONS", "subject_id": list("aabbcc"),
    ...     "endpoint": ["x", "y"] * 3, "timepoint": "day 364", "day": 364,
    ...     "result": pd.array([True, True, True, False, False, None], dtype="boolean"),
    ...     "category": None, "value": None, "reason": None})
    >>> fig = definition_agreement(table)
    >>> fig.axes[0].images[0].get_array().tolist()  # b disagrees: first
    [[1, 0], [1, 1], [0, -1]]
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['b', 'a', 'c']
    """
    from statsmodels.stats.proportion import proportion_confint

    results = check_results(table)
    if results.empty:
        raise InputError("(results)", "no rows to plot")
    timepoints = results["timepoint"].dropna().unique()
    if len(timepoints) > 1:
        raise InputError("timepoint", f"one timepoint expected (ep.compare_definitions' "
                                      f"table), got {sorted(timepoints)}")
    if results.duplicated(["subject_id", "endpoint"]).any():
        raise InputError("(results)", "a subject appears twice under one definition")
    names = list(dict.fromkeys(results["endpoint"].dropna()))
    if definitions is not None:
        wanted = [str(d) for d in definitions]
        unknown = [d for d in wanted if d not in names]
        if unknown or not wanted or len(set(wanted)) != len(wanted):
            raise InputError("definitions=", f"give distinct definitions of the table, got "
                                             f"{wanted}; the table has {names}")
        names = wanted
        results = results[results["endpoint"].isin(names)]
    codes = pd.Series(np.where(results["result"].isna(), -1,
                               results["result"].fillna(False).astype(int)),
                      index=results.index)
    grid = (pd.DataFrame({"subject_id": results["subject_id"], "endpoint": results["endpoint"],
                          "code": codes})
            .dropna(subset=["subject_id", "endpoint"])
            .pivot(index="subject_id", columns="endpoint", values="code")
            .reindex(columns=names).fillna(-1).astype(int))
    block = _agreement_blocks(grid.to_numpy())
    # within a block: responder (rank 0), non-responder (1), not evaluable (2), column by
    # column, then subject ID
    rank = np.where(grid.to_numpy() == -1, 2, 1 - grid.to_numpy())
    order = np.lexsort([grid.index.to_numpy(dtype=str), *rank.T[::-1], block])
    grid, block = grid.iloc[order], block[order]
    counts = dict(zip(AGREEMENT_BLOCKS, np.bincount(block, minlength=len(AGREEMENT_BLOCKS)),
                      strict=True))

    rates = concordance(results, visits, by=by)["rates"]
    if visits is None:
        rates[by], groups = ALL, [ALL]
    else:
        groups = _ordered(rates[by])
    n, k = len(grid), len(names)
    x = np.arange(k, dtype=float)

    height = min(max(3.0, 0.16 * n + 1.5), 6.5)
    fig = Figure(figsize=(max(6.5, 1.1 * k + 4.0), height + 3.2), layout="constrained")
    grid_ax, rate_ax = fig.subplots(2, 1, height_ratios=[height, 3.2])

    cells = list(AGREEMENT_CELLS)  # 1, 0, -1
    cmap = ListedColormap([AGREEMENT_CELLS[c][1] for c in sorted(cells)])
    norm = BoundaryNorm(np.arange(min(cells) - 0.5, max(cells) + 1), cmap.N)
    grid_ax.imshow(grid.to_numpy(), cmap=cmap, norm=norm, aspect="auto",
                   interpolation="nearest")
    for edge in x[1:] - 0.5:
        grid_ax.axvline(edge, color="white", linewidth=2)
    grid_ax.set_xticks(x, names, rotation=30, ha="left")
    grid_ax.xaxis.tick_top()
    if n <= MAX_SUBJECT_LABELS:
        grid_ax.set_yticks(np.arange(n), list(grid.index), fontsize=8)
        grid_ax.set_ylabel("Subject")
    else:
        grid_ax.set_yticks([])
        grid_ax.set_ylabel(f"Subjects (n={n})")
    right = blended_transform_factory(grid_ax.transAxes, grid_ax.transData)
    start = 0
    for i, name in enumerate(AGREEMENT_BLOCKS):
        size = int(counts[name])
        if size:
            if start:
                grid_ax.axhline(start - 0.5, color="black", linewidth=1.2)
            grid_ax.text(1.02, start + (size - 1) / 2, f"{name}\n(n={size})", transform=right,
                         va="center", ha="left", fontsize=8,
                         fontweight="bold" if i == 0 else "normal")
        start += size
    grid_ax.legend([Patch(color=colour) for _, colour in AGREEMENT_CELLS.values()],
                   [label for label, _ in AGREEMENT_CELLS.values()], loc="upper left",
                   bbox_to_anchor=(1.02, -0.02), fontsize=8, frameon=False)
    grid_ax.set_title("(a) Result per subject (discordant subjects first)", loc="left")

    step = min(0.15, 0.6 / len(groups))
    for i, (group, colour) in enumerate(zip(groups, _colours(groups), strict=True)):
        g = (rates[rates[by] == group].set_index("endpoint")
             .reindex(names).fillna({"evaluable": 0, "responders": 0}))
        evaluable = g["evaluable"].to_numpy(dtype=float)
        responders = g["responders"].to_numpy(dtype=float)
        some = evaluable > 0
        y, low, high = (np.full(k, np.nan) for _ in range(3))
        y[some] = responders[some] / evaluable[some]
        if some.any():
            low[some], high[some] = proportion_confint(responders[some], evaluable[some],
                                                       alpha=0.05, method="wilson")
        rate_ax.errorbar(x + (i - (len(groups) - 1) / 2) * step, y,
                         yerr=np.vstack([y - low, high - y]), marker="o", capsize=4,
                         linestyle="none", color=colour, label=str(group))
    rate_ax.set_xticks(x, names, rotation=30, ha="right")
    rate_ax.set_xlim(grid_ax.get_xlim())
    rate_ax.set_ylim(-0.02, 1.02)
    rate_ax.set_ylabel("Responder rate\n(evaluable subjects)")
    rate_ax.set_title("(b) Responder rate per definition", loc="left")
    rate_ax.legend(title=(f"{by} · " if visits is not None else "") + "95% Wilson CI",
                   loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=8, frameon=False)
    rate_ax.grid(axis="y", alpha=0.3)
    timepoint = f" ({timepoints[0]})" if len(timepoints) else ""
    fig.suptitle(f"Where the definitions disagree{timepoint}")
    return fig


def _long(visits: pd.DataFrame, by: str | None, column: str, bin_days: int) -> pd.DataFrame:
    """subject_id (str), day, value (float), group and visit (pooled day) of the
    non-missing values."""
    for name in ("subject_id", "day", column):
        if name not in visits.columns:
            raise InputError(name, "not in the visit table")
    frame = pd.DataFrame({
        "subject_id": visits["subject_id"].astype(str),
        "day": pd.to_numeric(visits["day"]).astype(float),
        "value": pd.to_numeric(visits[column], errors="coerce").astype(float),
    })
    if by is None:
        frame["group"] = ALL
    else:
        frame["group"] = frame["subject_id"].map(_groups(visits, by)).fillna(NO_GROUP)
    frame = frame[frame["value"].notna()].sort_values(["subject_id", "day"], kind="stable")
    if frame.empty:
        raise InputError(column, "no non-missing values to plot")
    frame["visit"] = _visits(frame["day"], bin_days)
    return frame


def _visits(day: pd.Series, bin_days: int) -> pd.Series:
    """Pool study days into visits, over all subjects (so groups share x values).

    A visit grows while the next distinct day is within `bin_days` of the previous one
    and within ``2 * bin_days`` of the visit's first day; it is placed at the median day
    of its rows."""
    days = np.sort(day.unique())
    first = np.empty(len(days))
    start, previous = -np.inf, -np.inf
    for i, d in enumerate(days):  # over distinct study days, not subjects
        if d - previous > bin_days or d - start > 2 * bin_days:
            start = d
        first[i], previous = start, d
    cluster = day.map(dict(zip(days, first, strict=True)))
    return day.groupby(cluster).transform("median")


def _failures(results: pd.DataFrame, endpoints: Sequence[str] | None, trial) -> pd.DataFrame:
    """subject_id, endpoint, x: where to mark each subject's first True result."""
    names = set(results["endpoint"].astype(str))
    wanted = list(endpoints) if endpoints is not None else ["treatment_failure"]
    unknown = [e for e in wanted if e not in names]
    if endpoints is not None and unknown:
        raise ValueError(f"endpoints {unknown} are not in the results; known: {sorted(names)}")
    hits = results[results["endpoint"].astype(str).isin(wanted)
                   & results["result"].astype("boolean").fillna(False).astype(bool)]
    hits = pd.DataFrame({
        "trial_id": hits["trial_id"].astype(str),
        "subject_id": hits["subject_id"].astype(str),
        "endpoint": hits["endpoint"].astype(str),
        "day": pd.to_numeric(hits["day"]).astype(float),
        "value": pd.to_numeric(hits["value"]).astype(float),
    })
    hits["tte"] = hits["endpoint"].isin(_time_to_event(hits, trial))
    hits["x"] = hits["day"].where(~hits["tte"], hits["value"])
    hits = hits[hits["x"].notna()].sort_values("x", kind="stable")
    return hits.drop_duplicates(["subject_id", "endpoint"])


def _time_to_event(hits: pd.DataFrame, trial) -> set[str]:
    names = set()
    for trial_id in hits["trial_id"].unique():
        try:
            definition = registry.definition_of(trial_id, trial)
        except EndpointsError:  # an unregistered trial: mark assessment days
            continue
        names |= {e.name for e in definition.endpoints if e.kind == "time_to_event"}
    return names


def _agreement_blocks(codes: np.ndarray) -> np.ndarray:
    """Index into :data:`AGREEMENT_BLOCKS` of each row of a subject x definition code
    matrix: discordant, all responder, all non-responder, none evaluable."""
    responder, non_responder = (codes == 1).any(axis=1), (codes == 0).any(axis=1)
    return np.select([responder & non_responder, responder, non_responder], [0, 1, 2], 3)


def _ordered(groups: pd.Series) -> list[str]:
    present = set(groups)
    return sorted(present - {NO_GROUP}) + ([NO_GROUP] if NO_GROUP in present else [])


def _colours(groups: Sequence[str]) -> list[str]:
    palette = [f"C{i}" for i in range(10)]
    return [("0.5" if g == NO_GROUP else palette[i % 10]) for i, g in enumerate(groups)]


def _styles(groups: Sequence[str]) -> list[str]:
    """Line styles that keep overlapping median lines apart."""
    return [("-", "--", "-.", ":")[i % 4] for i in range(len(groups))]


def _axis_label(column: str) -> str:
    labels = {"upcr": "UPCR (mg/mg)", "proteinuria_24h": "Proteinuria (g/24h)",
              "egfr": "eGFR (mL/min/1.73 m²)", "prednisone": "Prednisone (mg/day)"}
    return labels.get(column, column.replace("_", " "))
