"""Figures of scored results and visit data (needs matplotlib, the ``plot`` extra).

Import it as a submodule, ``from endpoints import plots``, so that ``import endpoints``
does not import matplotlib. Every function builds and returns a :class:`DisplayFigure`, a
:class:`matplotlib.figure.Figure` drawn on its own Agg canvas, without touching pyplot's
global state: it works headless and in threads with any backend, nothing pops up, and
Jupyter displays it as a PNG without any magic command (``%matplotlib inline`` is not
needed). Save it with ``fig.savefig(path)``.

Lab values are drawn in their column's canonical unit (UPCR in mg/mg): declare the unit
the table is in with ``units=`` as for :func:`endpoints.score` (``{"upcr": "mg/mmol"}``)
and the values are converted, the axis saying from what.

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
- :func:`kaplan_meier` — Kaplan-Meier curves of a time-to-event endpoint by group, with
  censoring marks and the number at risk.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import ScaledTranslation, blended_transform_factory

from . import registry
from .comparison import concordance
from .definitions import TrialDefinition
from .errors import EndpointsError, EndpointsWarning, InputError
from .inputs.units import CANONICAL_UNITS, UNIT_DIVISORS, implausible, unit_divisor
from .listings import flare_events
from .nodes.base import describe
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
#: :func:`event_chart`: row height (inches) while the figure is below its tallest
#: height (inches); beyond, rows shrink to fit, and subject IDs are labelled every k-th
#: row once their font (three quarters of the row) would drop below the smallest size
EVENT_ROW_INCHES = 0.25
EVENT_CHART_MAX_HEIGHT = 36.0
SUBJECT_FONT_POINTS = (5.0, 9.0)
#: names of lab columns on axes (their units are those of the data, see `units=`)
AXIS_NAMES = {"upcr": "UPCR", "proteinuria_24h": "Proteinuria", "egfr": "eGFR",
              "prednisone": "Prednisone", "c3": "C3", "c4": "C4",
              "anti_dsdna": "Anti-dsDNA", "wbc": "WBC"}
#: units as written on axes
_PRETTY_UNITS = {"mL/min/1.73m2": "mL/min/1.73 m²", "10^9/L": "10⁹/L"}


class DisplayFigure(Figure):
    """A :class:`matplotlib.figure.Figure` that Jupyter displays without a magic command.

    It is drawn on its own :class:`~matplotlib.backends.backend_agg.FigureCanvasAgg`
    (pyplot is never involved, so it works headless and in threads), and IPython shows
    it through :meth:`_repr_png_`. Where an inline backend is active (``%matplotlib
    inline``), IPython's own figure formatter is used instead: the figure still shows
    once.

    Examples
    --------
    >>> fig = DisplayFigure(figsize=(2, 1))
    >>> _ = fig.add_subplot().plot([0, 1], [1, 0])
    >>> fig._repr_png_()[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        FigureCanvasAgg(self)

    def _repr_png_(self) -> bytes:
        """The figure as PNG bytes (IPython's ``image/png`` representation)."""
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


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
        Name of a binary endpoint (response, event, or binary categorical); a
        time-to-event endpoint is drawn by :func:`kaplan_meier`.
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

    fig = DisplayFigure(figsize=(7, 4.5), layout="constrained")
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
    units: Mapping[str, str | float] | None = None,
) -> Figure:
    """Plot each subject's values of a column over study day and the median by group.

    Values are drawn in the column's canonical unit (UPCR in mg/mg, the unit of the
    trial definitions), which the y axis names: declare the unit of the table's values
    with `units` (as for :func:`endpoints.score`) and they are converted, the axis adding
    ``"converted from <unit>"``.

    Parameters
    ----------
    visits : DataFrame
        Visit table with ``subject_id``, ``day`` and `column`.
    by : str or None, default "arm"
        Grouping column (first non-missing value per subject); None for one group.
    column : str, default "upcr"
        Numeric column to plot.
    bin_days : int, default 7
        The median line pools visits of all subjects at nearby days (visit days scatter
        around the planned ones): a visit takes distinct days at most `bin_days` apart,
        spanning at most ``2 * bin_days``, and sits at the median day of its rows;
        0 for exact days.
    log : bool, default False
        Log-scaled y axis (only positive values are then drawn).
    units : mapping, optional
        Column -> the unit its values are in (``{"upcr": "mg/mmol"}``), or the number
        they are divided by to give the canonical unit, as for :func:`endpoints.score`;
        only `column`'s entry is read. Without one the values are taken to be in the
        canonical unit (with a warning when their median is implausible in it, as
        :func:`endpoints.score` warns). A column without a canonical unit is drawn as
        given, labelled with the unit declared for it.

    Returns
    -------
    Figure
        One axes: per group a :class:`~matplotlib.collections.LineCollection` of subject
        lines and a median line labelled ``"<group> median"``.

    Raises
    ------
    InputError
        If `visits` lacks ``subject_id``, ``day``, `column` or `by`, `column` has no
        values, or its declared unit is unknown.

    Examples
    --------
    >>> visits = pd.DataFrame({"subject_id": [1, 1, 2, 2], "day": [0, 28, 0, 28],
    ...                        "arm": "MSC", "upcr": [339.4, 169.7, 226.2, 45.2]})
    >>> fig = upcr_trajectories(visits, units={"upcr": "mg/mmol"})
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['MSC median']
    >>> fig.axes[0].get_ylabel()
    'UPCR (mg/mg, converted from mg/mmol)'
    >>> fig.axes[0].get_lines()[0].get_ydata().round(2).tolist()  # medians in mg/mg
    [2.5, 0.95]
    """
    frame = _long(visits, by, column, bin_days)
    divisor, label = _lab_unit(column, units, frame["value"])
    frame["value"] = frame["value"] / divisor
    if log:
        frame = frame[frame["value"] > 0]
    groups = _ordered(frame["group"])
    fig = DisplayFigure(figsize=(7, 4.5), layout="constrained")
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
    ax.set_ylabel(label)
    ax.set_title(f"{_axis_name(column)} by subject" + (f" and {by}" if by is not None else ""))
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

    Each subject has one row, labelled with its ID, its line running from its first to
    its last visit (marked ``|``: the end of follow-up). Subjects come in one block per
    group of `by` (sorted by ID within it, numbers in numeric order), blocks separated by
    a line and named, with their size, right of the axes. The figure grows with the
    subjects (:data:`EVENT_ROW_INCHES` a row) up to :data:`EVENT_CHART_MAX_HEIGHT`
    inches; beyond, rows, fonts and markers shrink, and IDs are labelled every k-th row
    only once their font would be smaller than ``SUBJECT_FONT_POINTS[0]`` (about 1,000
    subjects; a few hundred are all labelled).

    Flares are those of :func:`endpoints.flare_events` (SELENA Flare Index by SLEDAI,
    BILAG flares), at the visit where they were seen. Failures come from
    `results`: for each subject and endpoint, the first timepoint with a True result,
    marked at its assessment visit day (the failure happened by then), or, for
    time-to-event endpoints, at the event day (``value``). A subject censored for a
    time-to-event endpoint (False at every timepoint) has the same marker, hollow, at
    the censoring day (its latest).

    Parameters
    ----------
    visits : DataFrame
        Visit table (``subject_id``, ``day``; ``sledai`` / ``bilag_*`` for flares).
    results : DataFrame, optional
        Result table of :func:`endpoints.score`.
    endpoints : sequence of str, optional
        Result endpoints to mark; default ``["treatment_failure"]`` when present.
    by : str or None, default "arm"
        Grouping column used to order, colour and block the subjects; None for no
        grouping.
    trial : str or TrialDefinition, optional
        The scored trial, needed only when it is not registered.

    Returns
    -------
    Figure
        One axes: a :class:`~matplotlib.collections.LineCollection` of subject lines (row
        ``i`` at y = ``i``, top to bottom), the subject IDs as y tick labels, a scatter
        of the last visits labelled ``"last visit"``, one labelled marker series per kind
        of event shown, and, with `by`, one text per group (``"<group> (n=<subjects>)"``)
        and a separating line (gid ``"group separator"``) between groups.

    Examples
    --------
    >>> visits = pd.DataFrame({"subject_id": ["A"] * 3 + ["B"] * 3, "day": [0, 28, 56] * 2,
    ...                        "sledai": [4, 8, 8, 6, 6, 16]})
    >>> fig = event_chart(visits, by=None)
    >>> sorted(line.get_label() for line in fig.axes[0].get_lines())
    ['flare mild moderate', 'flare severe']
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['A', 'B']
    """
    for column in ("subject_id", "day"):
        if column not in visits.columns:
            raise InputError(column, "not in the visit table")
    subjects = visits[["subject_id", "day"]].assign(subject_id=visits["subject_id"].astype(str))
    subjects["day"] = pd.to_numeric(subjects["day"])
    span = subjects.groupby("subject_id")["day"].agg(["min", "max"])
    span["group"] = (_groups(visits, by).reindex(span.index).fillna(NO_GROUP)
                     if by is not None else ALL)
    names = _ordered(span["group"])
    rank = {g: i for i, g in enumerate(names)}
    span = span.loc[sorted(span.index, key=lambda s: (rank[span.at[s, "group"]], _natural(s)))]
    row = pd.Series(np.arange(len(span), dtype=float), index=span.index)
    n = len(span)

    # a row of EVENT_ROW_INCHES up to the tallest figure, then as much as fits
    frame_inches = 1.7
    row_inches = min(EVENT_ROW_INCHES, (EVENT_CHART_MAX_HEIGHT - frame_inches) / max(n, 1))
    height = max(3.0, n * row_inches + frame_inches)
    row_points = row_inches * 72
    smallest, largest = SUBJECT_FONT_POINTS
    every = max(1, math.ceil(smallest / (0.75 * row_points)))  # label every k-th row
    fontsize = min(largest, 0.75 * row_points * every)
    marker = min(7.0, max(2.5, 0.8 * row_points))

    fig = DisplayFigure(figsize=(8, height), layout="constrained")
    ax = fig.add_subplot()
    colour = dict(zip(names, _colours(names), strict=True))
    segments = [[(lo, y), (hi, y)] for lo, hi, y in zip(span["min"], span["max"], row, strict=True)]
    ax.add_collection(LineCollection(segments, colors=[colour[g] for g in span["group"]],
                                     linewidths=min(1.5, max(0.5, row_points / 8)), alpha=0.6))
    ax.scatter(span["max"].to_numpy(dtype=float), row.to_numpy(), marker="|",
               s=(1.2 * marker) ** 2, color="0.3", linewidths=1, label="last visit")

    flares = flare_events(visits)
    for kind, (shape, c) in FLARE_MARKERS.items():
        hits = flares[flares["kind"] == kind]
        if len(hits):
            ax.plot(hits["day"].to_numpy(dtype=float),
                    row[hits["subject_id"].astype(str)].to_numpy(), linestyle="none",
                    marker=shape, color=c, markersize=marker, label=kind.replace("_", " "))
    if results is not None:
        hits, censored = _failures(results, endpoints, trial)
        for i, name in enumerate(sorted(set(hits["endpoint"]) | set(censored["endpoint"]))):
            shape = FAILURE_MARKERS[i % len(FAILURE_MARKERS)]
            label = str(name).replace("_", " ")
            events = hits[(hits["endpoint"] == name) & hits["subject_id"].isin(row.index)]
            if len(events):
                when = "event day" if events["tte"].any() else "assessment visit"
                ax.plot(events["x"].to_numpy(dtype=float),
                        row[events["subject_id"]].to_numpy(), linestyle="none", marker=shape,
                        markersize=marker + 2, color="black", label=f"{label} ({when})")
            cens = censored[(censored["endpoint"] == name)
                            & censored["subject_id"].isin(row.index)]
            if len(cens):
                ax.plot(cens["x"].to_numpy(dtype=float), row[cens["subject_id"]].to_numpy(),
                        linestyle="none", marker=shape, markersize=marker + 2, color="black",
                        markerfacecolor="white", label=f"{label} (censored)")

    ax.autoscale_view()
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_yticks(row.to_numpy()[::every], list(row.index)[::every], fontsize=fontsize)
    ax.tick_params(axis="y", length=2 if n > 60 else 3.5, pad=2)
    if height > 8:  # a tall chart: study days on top too
        ax.tick_params(axis="x", top=True, labeltop=True)
    ax.set_xlabel("Study day")
    ax.set_ylabel(f"Subject (n={n})")
    ax.set_title("Flares and treatment failures over follow-up")

    # group blocks: a line between them, their names right of the axes
    offset = 0.0
    if by is not None:
        right = (blended_transform_factory(ax.transAxes, ax.transData)
                 + ScaledTranslation(4 / 72, 0, fig.dpi_scale_trans))
        sizes = span["group"].value_counts()
        start, renderer, texts = 0, fig.canvas.get_renderer(), []
        for g in names:
            if start:
                ax.axhline(start - 0.5, color="0.2", linewidth=1, gid="group separator")
            texts.append(ax.text(1, start + (sizes[g] - 1) / 2, f"{g} (n={sizes[g]})",
                                 transform=right, ha="left", va="center", fontsize=9,
                                 fontweight="bold", color=colour[g]))
            start += sizes[g]
        # names along their blocks when every block is long enough, else across
        lengths = [t.get_window_extent(renderer).width / fig.dpi for t in texts]
        along = all(sizes[g] * row_inches >= length + 0.2
                    for g, length in zip(names, lengths, strict=True))
        for t in texts:
            t.set_rotation(270 if along else 0)
        offset = max((t.get_window_extent(renderer).width / fig.dpi for t in texts),
                     default=0.0)
    handles, labels = ax.get_legend_handles_labels()
    if by is not None:
        handles += [Line2D([], [], color=colour[g], linewidth=2) for g in names]
        labels += [f"{by}: {g}" for g in names]
    if handles:  # right of the group names
        anchor = ax.transAxes + ScaledTranslation(offset + 0.12, 0, fig.dpi_scale_trans)
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1, 1),
                  bbox_transform=anchor, borderaxespad=0, fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return fig


def steroid_dose(
    visits: pd.DataFrame,
    *,
    by: str | None = "arm",
    column: str = "prednisone",
    bin_days: int = 7,
    units: Mapping[str, str | float] | None = None,
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
    units : mapping, optional
        Column -> declared unit, as in :func:`upcr_trajectories`: doses are drawn in
        mg/day (``{"immunosuppressant_dose": "g/day"}`` is converted).

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
    divisor, label = _lab_unit(column, units, frame["value"], default="mg/day")
    frame["value"] = frame["value"] / divisor
    if column == "prednisone":
        label = label[:-1] + ", prednisone-equivalent)"
    groups = _ordered(frame["group"])
    fig = DisplayFigure(figsize=(7, 4.5), layout="constrained")
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
    ax.set_ylabel(label)
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
    fig = DisplayFigure(figsize=(max(6.5, 1.1 * k + 4.0), height + 3.2), layout="constrained")
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


def kaplan_meier(
    results: pd.DataFrame,
    visits: pd.DataFrame | None,
    endpoint: str,
    *,
    timepoint: str | None = None,
    by: str | None = "arm",
    cumulative: bool = False,
    times: Sequence[float] | None = None,
    trial: str | TrialDefinition | None = None,
) -> Figure:
    """Plot Kaplan-Meier curves of a time-to-event endpoint by group, with the numbers at
    risk.

    Each subject evaluable at the timepoint (``result`` not ``<NA>``) contributes its
    ``value``, the study day of the event (``result`` True) or of censoring (False), as
    its time since day 0; subjects with ``<NA>`` (no visit with the event known, or the
    endpoint does not apply) are left out. The survival function of each group is
    estimated by :class:`statsmodels.duration.survfunc.SurvfuncRight` and drawn as a
    step curve from 1 at day 0 to the group's last follow-up, censoring times marked
    ``|`` on the curve. Under the axes, the number at risk (time >= t) of each group at
    the x ticks.

    Parameters
    ----------
    results : DataFrame
        Result table of :func:`endpoints.score`.
    visits : DataFrame or None
        The scored visit table (it gives the groups); None for all subjects in one.
    endpoint : str
        Name of a time-to-event endpoint of the scored trial.
    timepoint : str, optional
        The endpoint's timepoint (the end of its period); default its latest, the
        longest follow-up (an earlier one counts the same events up to its day).
    by : str or None, default "arm"
        Grouping column of `visits`; None for all subjects in one group.
    cumulative : bool, default False
        Draw ``1 - S(t)``, the proportion with the event (rising curves: usual for a
        favourable event such as a response), instead of the proportion without it.
    times : sequence of float, optional
        Study days of the x ticks and the numbers at risk; default every 7, 14, 28,
        56, ... days (at most 8 intervals) from 0 to the last time.
    trial : str or TrialDefinition, optional
        The scored trial, needed only when it is not registered.

    Returns
    -------
    Figure
        Two axes. (a) The curves: per group a step line labelled ``"<group> (n=<subjects>,
        events=<events>)"`` whose data are the steps (x: 0, the event times, the last
        time; y: 1 and the estimates after each event time; drawn ``steps-post``), and a
        marker line labelled ``"<group> censored"`` at the censoring times. (b) The
        numbers at risk: one text per group and time, the groups as y tick labels.

    Raises
    ------
    InputError
        If the endpoint is not in `results`, is not a time-to-event endpoint of its
        trial, or its rows are not time-to-event results (``value`` the day, not
        negative, for every row with a result), or no subject is evaluable; if
        `timepoint` is not one of the endpoint's, or `visits` lacks ``subject_id`` or
        `by`.

    Examples
    --------
    >>> results = pd.DataFrame({
    ...     "trial_id": "NCT03580291", "subject_id": ["1", "2", "3", "4"],
    ...     "endpoint": "time_to_complete_response", "timepoint": "week 24",
    ...     "day": [56, 84, 168, 168], "result": [True, True, False, True],
    ...     "category": None, "value": [56.0, 84.0, 168.0, 168.0], "reason": None})
    >>> fig = kaplan_meier(results, None, "time_to_complete_response")
    >>> curve = fig.axes[0].get_lines()[0]
    >>> curve.get_label()
    'all subjects (n=4, events=3)'
    >>> curve.get_xdata().tolist(), curve.get_ydata().round(3).tolist()
    ([0.0, 56.0, 84.0, 168.0, 168.0], [1.0, 0.75, 0.5, 0.25, 0.25])
    >>> [t.get_text() for t in fig.axes[1].texts][:3]  # at risk on days 0, 28, 56
    ['4', '4', '4']
    """
    from statsmodels.duration.survfunc import SurvfuncRight

    table = check_results(results, needed=("trial_id", "subject_id", "endpoint", "timepoint",
                                           "day", "result", "value"))
    rows = table[table["endpoint"] == endpoint]
    if rows.empty:
        known = sorted(set(table["endpoint"].dropna()))
        raise InputError("endpoint", f"{endpoint!r} is not in the results; known: {known}")
    trial_ids = list(rows["trial_id"].dropna().unique())
    if len(trial_ids) != 1:
        raise InputError("trial_id", f"the rows of {endpoint!r} should come from one trial, "
                                     f"got {trial_ids}")
    definition = registry.definition_of(trial_ids[0], trial)
    try:
        spec = definition.endpoint(endpoint)
    except KeyError:
        raise InputError("endpoint", f"{endpoint!r} is not an endpoint of trial "
                                     f"{definition.id}") from None
    if spec.kind != "time_to_event":
        raise InputError("endpoint", f"{endpoint!r} is a {spec.kind} endpoint of "
                                     f"{definition.id}, not time_to_event: a Kaplan-Meier "
                                     f"plot needs the day of each event or censoring")
    labels = list(dict.fromkeys(rows["timepoint"].dropna()))
    days = {t.label: t.day for t in definition.timepoints}
    if timepoint is None:
        timepoint = max(labels, key=lambda t: days.get(t, -np.inf))
    elif timepoint not in labels:
        raise InputError("timepoint=", f"{timepoint!r} is not a timepoint of {endpoint!r} in "
                                       f"the results; it has {labels}")
    rows = rows[(rows["timepoint"] == timepoint) & rows["result"].notna()]
    if rows["subject_id"].duplicated().any():
        raise InputError("subject_id", f"a subject appears twice for {endpoint!r} at "
                                       f"{timepoint!r}")
    time = rows["value"].astype("Float64")
    bad = (time.isna() | (time < 0) | (rows["day"].notna() & (rows["day"] != time))
           ).fillna(True).astype(bool)
    if bad.any():
        first = rows[bad].iloc[0]
        raise InputError("value", f"not a time-to-event result of {endpoint!r}: value must be "
                                  f"the study day (>= 0) of the event or censoring, the row's "
                                  f"day", subject=first["subject_id"], count=int(bad.sum()))
    if rows.empty:
        raise InputError("result", f"no subject is evaluable for {endpoint!r} at {timepoint!r}")
    frame = pd.DataFrame({"subject_id": rows["subject_id"].astype(str),
                          "time": time.to_numpy(dtype=float),
                          "event": rows["result"].to_numpy(dtype=bool)})
    if visits is None or by is None:
        frame["group"] = ALL
    else:
        frame["group"] = frame["subject_id"].map(_groups(visits, by)).fillna(NO_GROUP)
    groups = _ordered(frame["group"])
    last = float(frame["time"].max())
    ticks = np.asarray(times if times is not None else _day_ticks(last), dtype=float)
    right = max(last, float(ticks.max()) if len(ticks) else last)
    xlim = (min(0.0, float(ticks.min()) if len(ticks) else 0.0) - 0.03 * max(right, 1),
            right + 0.03 * max(right, 1))

    table_inches = 0.45 + 0.22 * len(groups)
    fig = DisplayFigure(figsize=(7, 4.5 + table_inches), layout="constrained")
    ax, risk = fig.subplots(2, 1, height_ratios=[4.5, table_inches])
    for i, (group, colour, style) in enumerate(
            zip(groups, _colours(groups), _styles(groups), strict=True)):
        g = frame[frame["group"] == group]
        fit = SurvfuncRight(g["time"].to_numpy(), g["event"].to_numpy(dtype=int))
        steps = np.asarray(fit.surv_times, dtype=float)
        surv = np.asarray(fit.surv_prob, dtype=float)
        end = float(g["time"].max())
        x = np.concatenate([[0.0], steps, [end]])
        y = np.concatenate([[1.0], surv, [surv[-1] if len(surv) else 1.0]])
        censored = np.sort(g.loc[~g["event"], "time"].to_numpy(dtype=float))
        at = np.searchsorted(steps, censored, side="right")  # S(t) is right-continuous
        y_censored = np.where(at > 0, surv[np.maximum(at - 1, 0)] if len(surv) else 1.0, 1.0)
        if cumulative:
            y, y_censored = 1 - y, 1 - y_censored
        ax.plot(x, y, drawstyle="steps-post", color=colour, linestyle=style, linewidth=2,
                label=f"{group} (n={len(g)}, events={int(g['event'].sum())})")
        ax.plot(censored, y_censored, linestyle="none", marker="|", markersize=10,
                markeredgewidth=1.5, color=colour, label=f"{group} censored")
        for t in ticks:
            risk.text(t, i, str(int((g["time"] >= t).sum())), ha="center", va="center",
                      fontsize=9, color=colour)
    curves = [ln for ln in ax.get_lines() if not ln.get_label().endswith(" censored")]
    ax.legend([*curves, Line2D([], [], color="0.3", marker="|", markersize=10,
                               markeredgewidth=1.5, linestyle="none")],
              [*(c.get_label() for c in curves), "censored"],
              title=(f"{by}" if by is not None and visits is not None else None),
              loc="best", fontsize=9)
    event = describe(spec.event, definition.criteria)
    ax.set_ylabel(f"Proportion {'with' if cumulative else 'without'} {event}\n(Kaplan-Meier)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("Study day")
    ax.set_title(f"{endpoint} ({timepoint})")
    ax.grid(alpha=0.3)
    for axes in (ax, risk):
        axes.set_xticks(ticks)
        axes.set_xlim(xlim)
    risk.set_yticks(np.arange(len(groups)), groups, fontsize=9)
    risk.set_ylim(len(groups) - 0.5, -0.5)
    risk.tick_params(axis="x", bottom=False, labelbottom=False)
    risk.tick_params(axis="y", length=0)
    for spine in risk.spines.values():
        spine.set_visible(False)
    risk.set_title("Number at risk", loc="left", fontsize=9)
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


def _failures(results: pd.DataFrame, endpoints: Sequence[str] | None, trial
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """subject_id, endpoint, x (and tte): where to mark each subject's first True result;
    and subject_id, endpoint, x: the censoring day of each subject censored for a
    time-to-event endpoint (no True result, a False one: its latest ``value``)."""
    names = set(results["endpoint"].astype(str))
    wanted = list(endpoints) if endpoints is not None else ["treatment_failure"]
    unknown = [e for e in wanted if e not in names]
    if endpoints is not None and unknown:
        raise ValueError(f"endpoints {unknown} are not in the results; known: {sorted(names)}")
    rows = results[results["endpoint"].astype(str).isin(wanted)]
    rows = pd.DataFrame({
        "trial_id": rows["trial_id"].astype(str),
        "subject_id": rows["subject_id"].astype(str),
        "endpoint": rows["endpoint"].astype(str),
        "day": pd.to_numeric(rows["day"]).astype(float),
        "value": pd.to_numeric(rows["value"]).astype(float),
        "result": rows["result"].astype("boolean"),
    })
    rows["tte"] = rows["endpoint"].isin(_time_to_event(rows, trial))
    true = rows["result"].fillna(False).astype(bool)
    hits = rows[true].copy()
    hits["x"] = hits["day"].where(~hits["tte"], hits["value"])
    hits = hits[hits["x"].notna()].sort_values("x", kind="stable")
    hits = hits.drop_duplicates(["subject_id", "endpoint"])
    keys = ["subject_id", "endpoint"]
    ever = pd.MultiIndex.from_frame(rows.loc[true, keys])
    false = rows["result"].eq(False).fillna(False).astype(bool)  # <NA> is not False
    censored = rows[rows["tte"] & false & rows["value"].notna()]
    censored = censored[~pd.MultiIndex.from_frame(censored[keys]).isin(ever)]
    censored = (censored.groupby(keys, as_index=False, sort=True)["value"].max()
                .rename(columns={"value": "x"}))
    return hits, censored


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


def _day_ticks(last: float) -> np.ndarray:
    """Study days 0, step, 2 step, ... up to `last`: the smallest step of 7, 14, 28, 56,
    84, 112, 168, 182, 364 and 728 days giving at most 8 intervals."""
    for step in (7, 14, 28, 56, 84, 112, 168, 182, 364, 728):
        if last / step <= 8:
            return np.arange(0.0, last + 1e-9, step)
    return np.linspace(0.0, last, 9)


def _natural(text: str) -> tuple:
    """Sort key putting numbers in text in numeric order: S2 before S10."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", text) if part)


def _ordered(groups: pd.Series) -> list[str]:
    present = set(groups)
    return sorted(present - {NO_GROUP}) + ([NO_GROUP] if NO_GROUP in present else [])


def _colours(groups: Sequence[str]) -> list[str]:
    palette = [f"C{i}" for i in range(10)]
    return [("0.5" if g == NO_GROUP else palette[i % 10]) for i, g in enumerate(groups)]


def _styles(groups: Sequence[str]) -> list[str]:
    """Line styles that keep overlapping median lines apart."""
    return [("-", "--", "-.", ":")[i % 4] for i in range(len(groups))]


def _axis_name(column: str) -> str:
    return AXIS_NAMES.get(column, column.replace("_", " ").capitalize())


def _lab_unit(column: str, units, values: pd.Series, *, default: str | None = None
              ) -> tuple[float, str]:
    """(divisor, axis label) of `column`'s values: the divisor into the canonical unit
    declared in `units` (1 when none is), and ``"<name> (<unit>)"`` naming the unit the
    divided values are in, and the declared one they were converted from.

    `default` is the unit of a column without a canonical unit or a declared one."""
    if units is None:
        units = {}
    if not isinstance(units, Mapping):
        raise InputError("units=", f"expected a mapping such as {{'upcr': 'mg/mmol'}}, got "
                                   f"{type(units).__name__}")
    canonical = CANONICAL_UNITS.get(column)
    declared = units.get(column)
    name = _axis_name(column)
    if declared is None:
        warning = implausible(column, values)
        if warning:
            warnings.warn(warning, EndpointsWarning, stacklevel=3)
        unit = canonical or default
        return 1.0, f"{name} ({_PRETTY_UNITS.get(unit, unit)})" if unit else name
    if isinstance(declared, bool) or not isinstance(declared, str | int | float):
        raise InputError(column, f"units= must give a unit name or a divisor, got {declared!r}")
    if not isinstance(declared, str):
        if canonical is None or not (math.isfinite(declared) and declared > 0):
            raise InputError(column, f"unit divisor {declared!r} needs a positive number and a "
                                     f"column with a canonical unit")
        pretty = _PRETTY_UNITS.get(canonical, canonical)
        return float(declared), f"{name} ({pretty}, converted: values / {declared:g})"
    if canonical is None:  # not a canonical column: drawn as given, in the declared unit
        return 1.0, f"{name} ({declared})"
    divisor = unit_divisor(column, declared)
    if divisor is None:
        raise InputError(column, f"unknown unit {declared!r}; known: "
                                 f"{', '.join(UNIT_DIVISORS.get(column, {canonical: 1}))}")
    pretty = _PRETTY_UNITS.get(canonical, canonical)
    if divisor == 1.0:
        return 1.0, f"{name} ({pretty})"
    return divisor, f"{name} ({pretty}, converted from {declared})"
