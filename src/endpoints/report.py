"""One self-contained HTML report of a scored trial (SPEC section 9).

:func:`report` writes, in one file with its figures embedded: the trial's endpoint
definitions and the registry text they come from, every summary table
(:func:`endpoints.summarize` through :func:`endpoints.format_table`), the figures
(responder rates with their intervals, Kaplan-Meier curves, UPCR trajectories, the
steroid dose, the event chart) and a listing of every not-evaluable result with its
reason. The file needs no network and no other file: a statistician can attach it to a
study report or open it in any browser.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from . import registry
from .definitions import TrialDefinition
from .errors import InputError
from .formatting import format_table
from .results import check_results

#: the largest listing written out row by row; beyond it, counts by reason only
MAX_LISTING = 5000
_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;
max-width:1100px;color:#222;line-height:1.4}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.86em}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;white-space:nowrap}
figure{margin:1em 0}figure img{max-width:100%}figcaption{font-size:.85em;color:#555}
.meta{color:#555;font-size:.9em}details{margin:.5em 0 1em}blockquote{margin:.3em 1em;
color:#444;font-size:.9em;border-left:3px solid #ddd;padding-left:.6em}
nav ul{columns:2;font-size:.9em}
"""


def report(results: pd.DataFrame, visits, *, path, trial: str | TrialDefinition | None = None,
           by: str = "arm", missing: str = "non_responder", reference: str | None = None,
           strata: str | None = None, title: str | None = None) -> Path:
    """Write one self-contained HTML report of a result table.

    Parameters
    ----------
    results : DataFrame
        The result table of :func:`endpoints.score` for one trial.
    visits : DataFrame or TrialData
        The visits that were scored (the groups of the subjects, the figures).
    path : str or Path
        The HTML file to write.
    trial : str or TrialDefinition, optional
        The trial's definition when it is not registered.
    by, missing, reference : optional
        As for :func:`endpoints.summarize`.
    strata : str, optional
        A column of `visits` to stratify the tests by (:func:`endpoints.summarize`),
        when the summary supports it.
    title : str, optional
        The report's title (default: the trial's ID and title).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        If `results` is not a result table of one trial, or a summary cannot be made.

    Examples
    --------
    >>> import endpoints as ep, tempfile, pathlib, warnings
    >>> warnings.simplefilter("ignore", ep.EndpointsWarning)
    >>> visits = ep.simulate("NCT03917797", n_per_arm=10, seed=1)
    >>> out = ep.report(ep.score(visits, "NCT03917797"), visits,
    ...                 path=pathlib.Path(tempfile.mkdtemp()) / "report.html")
    >>> "Not evaluable results" in out.read_text(encoding="utf-8")
    True
    """
    from .cdisc import TrialData

    frame = check_results(results)
    trial_ids = list(frame["trial_id"].dropna().unique())
    if len(trial_ids) != 1:
        raise InputError("trial_id", f"a report covers one trial; the results hold {trial_ids}")
    definition = registry.definition_of(trial_ids[0], trial)
    table = visits.visits if isinstance(visits, TrialData) else visits
    options = {"by": by, "missing": missing, "reference": reference, "trial": definition}
    if strata is not None:
        options["strata"] = strata
    from .summary import summarize

    summary = summarize(frame, visits, **options)
    sections = [
        _heading(definition, frame, summary, by, missing, title),
        _contents(definition),
        _definitions(definition),
        _results(definition, frame, table, summary, by, missing),
        _figures(definition, frame, table, by),
        _not_evaluable(frame),
    ]
    page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(title or definition.id)}</title><style>{_STYLE}</style></head>"
            f"<body>{''.join(sections)}</body></html>\n")
    out = Path(path)
    out.write_text(page, encoding="utf-8")
    return out


def _e(text) -> str:
    return html.escape("" if text is None else str(text))


def _anchor(name: str) -> str:
    return "ep-" + "".join(c if c.isalnum() else "-" for c in name.lower())


def _html_table(frame: pd.DataFrame, numeric: tuple[str, ...] = ()) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = "".join(
            f"<td class=\"num\">{_e(v)}</td>" if c in numeric else f"<td>{_e(v)}</td>"
            for c, v in zip(frame.columns, row, strict=True))
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure(make: Callable[[], object], caption: str) -> str:
    """The figure `make` draws, as an embedded PNG with its caption; a figure that cannot
    be drawn from these data says why instead."""
    try:
        fig = make()
    except InputError as exc:
        return f"<p class=\"meta\">{_e(caption)}: not drawn ({_e(exc)})</p>"
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f"<figure><img alt=\"{_e(caption)}\" src=\"data:image/png;base64,{data}\">"
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _heading(definition, frame, summary, by, missing, title) -> str:
    from . import __version__

    groups = summary.columns[4]
    counts = frame.drop_duplicates("subject_id").shape[0]
    arms = summary[[groups]].drop_duplicates()[groups].tolist()
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"<h1>{_e(title or f'{definition.id}: {definition.title}')}</h1>"
        f"<p class=\"meta\">{counts} subjects; groups by <code>{_e(by)}</code>: "
        f"{_e(', '.join(map(str, arms)))}. Missing binary results: "
        f"<code>{_e(missing)}</code> (SPEC section 3; scoring itself never imputes). "
        f"Generated {now} by endpoints {__version__}.</p>"
        + (f"<blockquote>{_e(definition.source)}</blockquote>" if definition.source else ""))


def _contents(definition) -> str:
    items = "".join(f"<li><a href=\"#{_anchor(e.name)}\">{_e(e.name)}</a></li>"
                    for e in definition.endpoints)
    return (f"<nav><h2>Contents</h2><ul><li><a href=\"#definitions\">Definitions</a></li>"
            f"{items}<li><a href=\"#figures\">Figures</a></li>"
            f"<li><a href=\"#not-evaluable\">Not evaluable results</a></li></ul></nav>")


def _rule(endpoint, definition) -> str:
    from .nodes import describe

    for field in ("criteria", "event"):
        criterion = getattr(endpoint, field, None)
        if criterion is not None:
            return describe(criterion, definition.criteria)
    variable = getattr(endpoint, "variable", None)
    return f"variable {variable}" if variable else ""


def _definitions(definition) -> str:
    rows = pd.DataFrame([{
        "endpoint": e.name, "kind": e.kind, "timepoints": ", ".join(e.timepoints),
        "definition": e.description or _rule(e, definition), "rule": _rule(e, definition),
        "registry text": e.source} for e in definition.endpoints])
    timepoints = pd.DataFrame([{"timepoint": t.label, "target day": t.day,
                                "window (days)": t.window} for t in definition.timepoints])
    return ("<h2 id=\"definitions\">Definitions</h2>"
            "<p>Each endpoint as the trial file defines it, the rule applied, and the "
            "registry record's words it comes from.</p>" + _html_table(rows)
            + "<h3>Timepoints</h3>" + _html_table(timepoints, ("target day", "window (days)")))


def _results(definition, frame, table, summary, by, missing) -> str:
    from . import plots

    formatted = format_table(summary)
    parts = ["<h2 id=\"results\">Results</h2>"]
    for endpoint in definition.endpoints:
        part = formatted[formatted["endpoint"] == endpoint.name]
        parts.append(f"<h3 id=\"{_anchor(endpoint.name)}\">{_e(endpoint.name)}</h3>")
        if endpoint.description:
            parts.append(f"<p>{_e(endpoint.description)}</p>")
        if part.empty:
            parts.append("<p class=\"meta\">No results.</p>")
            continue
        parts.append(_html_table(part.drop(columns=["trial_id", "endpoint"])))
        kind = summary.loc[summary["endpoint"] == endpoint.name, "kind"].iloc[0]
        if kind == "binary" and len(endpoint.timepoints) > 1:
            parts.append(_figure(lambda e=endpoint: plots.response_over_time(
                frame, table, e.name, by=by, missing=missing, trial=definition),
                f"{endpoint.name}: responder rate by timepoint and {by} (95% Wilson "
                "intervals)"))
        if kind == "time_to_event" or endpoint.kind == "time_to_event":
            parts.append(_figure(lambda e=endpoint: plots.kaplan_meier(
                frame, table, e.name, by=by, trial=definition),
                f"{endpoint.name}: Kaplan-Meier estimate by {by} (events and censoring at "
                "the last assessed visit)"))
    return "".join(parts)


def _figures(definition, frame, table, by) -> str:
    from . import plots

    parts = ["<h2 id=\"figures\">Figures</h2>"]
    group = by if by in table.columns else None
    if "upcr" in table.columns:
        parts.append(_figure(lambda: plots.upcr_trajectories(table, by=group),
                             "UPCR over time"))
    if "prednisone" in table.columns:
        parts.append(_figure(lambda: plots.steroid_dose(table, by=group),
                             "Prednisone-equivalent dose over time (visits)"))
    events = [e.name for e in definition.endpoints if e.kind in ("event", "time_to_event")]
    if events:
        parts.append(_figure(lambda: plots.event_chart(table, frame, endpoints=events,
                                                       by=group, trial=definition),
                             "Events by subject and day"))
    return "".join(parts)


def _not_evaluable(frame) -> str:
    missing = frame[frame["result"].isna() & frame["category"].isna() & frame["value"].isna()]
    head = "<h2 id=\"not-evaluable\">Not evaluable results</h2>"
    if missing.empty:
        return head + "<p>Every result was evaluable.</p>"
    counts = (missing.groupby(["endpoint", "timepoint", "reason"], dropna=False, sort=True)
              .size().rename("results").reset_index())
    listing = missing[["subject_id", "endpoint", "timepoint", "day", "reason"]].sort_values(
        ["endpoint", "timepoint", "subject_id"], kind="stable")
    shown = listing.head(MAX_LISTING)
    more = (f" (the first {MAX_LISTING} of {len(listing)})" if len(listing) > MAX_LISTING
            else "")
    return (head + f"<p>{len(missing)} results could not be evaluated; by endpoint, "
            "timepoint and reason:</p>" + _html_table(counts, ("results",))
            + f"<details><summary>Every not-evaluable result{more}</summary>"
            + _html_table(shown.astype(object).where(shown.notna(), "")) + "</details>")
