"""The ``endpoints`` command line: list and describe trials, score, summarise and
simulate visit tables in batch.

Bad input ends with exit code 2 and a one-line message on standard error, never a
traceback. The CLI only calls the public API.
"""

from __future__ import annotations

import json
import re
import tomllib
import warnings
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

import endpoints as ep

from .cdisc import read_folder
from .io import READABLE, check_writable, read_table, write_table

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True,
                  help="Score lupus and lupus nephritis trial endpoints over visit tables.")

Output = Annotated[Path, typer.Option(
    "--output", "-o", help="Output file (.csv, .parquet, or .xpt: SAS transport version 5)")]
Reference = Annotated[str | None, typer.Option(
    help="The group the others are compared with (default: the trial's control arm, "
         "matched case-insensitively)")]


@app.callback()
def _setup() -> None:
    """One line per warning on standard error, like the error messages."""
    warnings.formatwarning = lambda message, category, *args, **kwargs: (
        f"warning: {message}\n")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _run(action):
    """Run `action`, turning the library's and the file system's errors into exit 2."""
    try:
        return action()
    except (ep.EndpointsError, OSError, ValueError, KeyError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _fail(message)


@app.command()
def trials() -> None:
    """List the registered trials."""
    for trial_id in ep.list_trials():
        typer.echo(f"{trial_id}  {ep.get_trial(trial_id).title}")


@app.command()
def describe(
    trial_id: str,
    as_json: Annotated[bool, typer.Option("--json", help="Print the definition as JSON")] = False,
) -> None:
    """Describe a trial: arms, timepoints and endpoints."""
    trial = _run(lambda: ep.get_trial(trial_id))
    if as_json:
        typer.echo(trial.model_dump_json(indent=2))
        return
    typer.echo(f"{trial.id}: {trial.title}\nsource: {trial.source}")
    for arm in trial.arms:
        typer.echo(f"arm {arm.label}{' (control)' if arm.control else ''}: {arm.description}")
    typer.echo("timepoints: " + ", ".join(f"{t.label} (day {t.day} ± {t.window})"
                                          for t in trial.timepoints))
    for e in trial.endpoints:
        typer.echo(f"- {e.name} [{e.kind}] at {', '.join(e.timepoints)}: {e.description}")


def _mapping(path: Path | None) -> dict[str, str] | None:
    """A JSON or TOML file holding a mapping of names to names."""
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ep.InputError(f"({path})", f"cannot read the mapping: {exc}") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ep.InputError(f"({path})", "expected a mapping of names to names")
    return data


def _units(pairs: list[str] | None) -> dict[str, str] | None:
    if not pairs:
        return None
    out = {}
    for pair in pairs:
        column, sep, unit = pair.partition("=")
        if not sep or not column or not unit:
            raise ep.InputError(pair, "expected COLUMN=UNIT, e.g. upcr=mg/mmol")
        out[column.strip()] = unit.strip()
    return out


@app.command()
def score(
    input: Annotated[Path, typer.Argument(
        help="Visit table (.csv, .parquet, .xpt, .sas7bdat), or a folder of ADaM (adsl, "
             "adlb...) or SDTM (dm, lb...) datasets")],
    trial: Annotated[str, typer.Option("--trial", "-t", help="Trial ID or definition file")],
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Output file (.csv, .parquet, or .xpt: SAS transport version "
                               "5); with --xpt, a folder")],
    medications: Annotated[Path | None, typer.Option(help="Medications table")] = None,
    columns: Annotated[Path | None, typer.Option(
        help="JSON or TOML file mapping input column names to canonical names")] = None,
    units: Annotated[list[str] | None, typer.Option(
        "--units", help="Declared unit COLUMN=UNIT (repeatable)")] = None,
    drug_classes: Annotated[Path | None, typer.Option(
        help="JSON or TOML file mapping drug names to a known drug or class")] = None,
    adam: Annotated[bool, typer.Option(help="Write the ADaM dataset ADRS instead")] = False,
    xpt: Annotated[bool, typer.Option(
        help="Write ADaM ADRS (and ADTTE for time-to-event endpoints) as SAS transport "
             "version 5 files into the output folder")] = False,
    params: Annotated[Path | None, typer.Option(
        help="CDISC parameter codes -> canonical columns: a CSV file (code, column, "
             "optionally specimen) or a JSON / TOML mapping")] = None,
    duplicates: Annotated[str, typer.Option(
        help="CDISC records of one subject, parameter and day that disagree: error, or "
             "last (the last by date and sequence number)")] = "error",
    report: Annotated[Path | None, typer.Option(
        help="Write what was read from the CDISC datasets, and what was left out, here")] = None,
    engine: Annotated[str, typer.Option(
        help="pandas, or dask for Parquet datasets larger than memory")] = "pandas",
) -> None:
    """Score every endpoint of a trial for every subject of a visit table or of a folder
    of CDISC datasets."""
    if engine not in ("pandas", "dask"):
        _fail(f"unknown engine {engine!r}; use pandas or dask")
    if not xpt:
        _run(lambda: check_writable(output))
    elif output.suffix:
        _fail(f"--xpt writes adrs.xpt (and adtte.xpt) into a folder; {output} is a file name")
    definition = _run(lambda: _trial(trial))
    options = {"columns": _run(lambda: _mapping(columns)), "units": _run(lambda: _units(units)),
               "drug_classes": _run(lambda: _mapping(drug_classes))}
    if engine == "dask":
        _run(lambda: _score_dask(input, definition, output, medications, options))
        return
    if _cdisc_folder(input):
        code_map = _run(lambda: _params(params))
        data = _run(lambda: read_folder(input, params=code_map, duplicates=duplicates))
        if report is not None:
            _run(lambda: write_table(data.report, report))
        left = data.report[data.report["action"] == "left out"]["records"].sum()
        typer.echo(f"read {len(data.subjects)} subjects, {len(data.visits)} visits from "
                   f"{input}; {left} records left out" + (f" (see {report})" if report else
                                                          " (--report FILE lists them)"),
                   err=True)
        visits, options = data, {"drug_classes": options["drug_classes"]}
    else:
        visits = _run(lambda: read_table(input))
    meds = _run(lambda: read_table(medications)) if medications is not None else None
    results = _run(lambda: ep.score(visits, definition, medications=meds, **options))
    if xpt:
        _run(lambda: _write_submission(results, definition, output))
        return
    _run(lambda: write_table(ep.to_adam(results, trial=definition) if adam else results,
                             output))
    typer.echo(f"scored {results.subject_id.nunique()} subjects, {len(results)} rows -> {output}",
               err=True)


def _cdisc_folder(path: Path) -> bool:
    """Whether `path` is a folder of CDISC datasets (files named like ``adsl``, ``adlb``,
    ``dm``, ``lb``), rather than a Parquet dataset (``part.0.parquet``...)."""
    return path.is_dir() and any(
        p.suffix.lower() in READABLE and re.fullmatch(r"ad[a-z0-9]{1,6}|[a-z]{2}", p.stem.lower())
        for p in path.iterdir())


def _params(path: Path | None):
    """The --params file: a CSV table, or a JSON / TOML mapping of codes to columns."""
    if path is None or path.suffix.lower() == ".csv":
        return path
    return _mapping(path)


def _write_submission(results: pd.DataFrame, definition, folder: Path) -> None:
    """ADRS and, when the trial has time-to-event endpoints, ADTTE as .xpt files."""
    folder.mkdir(parents=True, exist_ok=True)
    kinds = {e.name: e.kind for e in definition.endpoints}
    written = []
    for dataset in ("adrs", "adtte"):
        if dataset == "adtte" and "time_to_event" not in kinds.values():
            continue
        table = ep.to_adam(results, trial=definition, dataset=dataset)
        write_table(table, folder / f"{dataset}.xpt")
        written.append(f"{dataset}.xpt ({len(table)} records)")
    typer.echo(f"scored {results.subject_id.nunique()} subjects -> {folder}: "
               + ", ".join(written), err=True)


def _trial(trial: str):
    path = Path(trial)
    if path.suffix.lower() in (".toml", ".json") and path.exists():
        return ep.load_trial(path)
    return ep.get_trial(trial)


def _score_dask(input, definition, output, medications, options) -> None:
    import dask.dataframe as dd

    if output.suffix.lower() not in (".parquet", ".pq", ""):
        raise ep.InputError(str(output), "the dask engine writes a Parquet dataset")
    visits = dd.read_parquet(input)
    meds = read_table(medications) if medications is not None else None
    results = ep.score(visits, definition, medications=meds, **options)
    results.to_parquet(output, write_index=False)
    typer.echo(f"wrote {output}", err=True)


@app.command()
def summarize(
    results: Annotated[Path, typer.Argument(help="Result table written by `endpoints score`")],
    visits: Annotated[Path, typer.Option(
        help="The visit table, or the folder of CDISC datasets (for the arm of each subject)")],
    output: Output,
    by: Annotated[str, typer.Option(help="Grouping column of the visit table")] = "arm",
    missing: Annotated[str, typer.Option(help="non_responder or observed")] = "non_responder",
    trial: Annotated[str | None, typer.Option(
        "--trial", "-t", help="Trial ID or definition file, if not registered")] = None,
    reference: Reference = None,
) -> None:
    """Summarise a result table by arm: rates with CIs, differences, statistics."""
    definition = None if trial is None else _run(lambda: _trial(trial))
    table = _run(lambda: read_table(results))
    table = _run(lambda: _typed_results(table))
    visit_table = _run(lambda: read_folder(visits) if visits.is_dir() else read_table(visits))
    summary = _run(lambda: ep.summarize(table, visit_table, by=by, missing=missing,
                                        reference=reference, trial=definition))
    _run(lambda: write_table(summary, output))
    typer.echo(f"summarised {len(summary)} rows -> {output}", err=True)


@app.command()
def report(
    input: Annotated[Path, typer.Argument(
        help="Visit table (.csv, .parquet, .xpt, .sas7bdat), or a folder of ADaM / SDTM "
             "datasets")],
    trial: Annotated[str, typer.Option("--trial", "-t", help="Trial ID or definition file")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write")],
    results: Annotated[Path | None, typer.Option(
        help="A result table already written by `endpoints score` (default: score INPUT)")
    ] = None,
    medications: Annotated[Path | None, typer.Option(help="Medications table")] = None,
    params: Annotated[Path | None, typer.Option(
        help="CDISC parameter codes -> canonical columns (as for `endpoints score`)")] = None,
    by: Annotated[str, typer.Option(help="Grouping column of the visit table")] = "arm",
    missing: Annotated[str, typer.Option(help="non_responder or observed")] = "non_responder",
    reference: Reference = None,
) -> None:
    """Score a trial (or take its result table) and write one self-contained HTML report:
    definitions, summary tables, figures, and the not-evaluable results with reasons."""
    if output.suffix.lower() not in (".html", ".htm"):
        _fail(f"the report is an HTML file: {output} does not end in .html")
    definition = _run(lambda: _trial(trial))
    if _cdisc_folder(input):
        visits = _run(lambda: read_folder(input, params=_params(params)))
    else:
        visits = _run(lambda: read_table(input))
    if results is not None:
        table = _run(lambda: _typed_results(read_table(results)))
    else:
        meds = _run(lambda: read_table(medications)) if medications is not None else None
        table = _run(lambda: ep.score(visits, definition, medications=meds))
    path = _run(lambda: ep.report(table, visits, path=output, trial=definition, by=by,
                                  missing=missing, reference=reference))
    typer.echo(f"report of {table.subject_id.nunique()} subjects -> {path}", err=True)


def _typed_results(table: pd.DataFrame) -> pd.DataFrame:
    """Restore the result table's dtypes after a round trip through CSV."""
    from .results import check_results

    return check_results(table)


@app.command()
def simulate(
    trial_id: str,
    output: Output,
    n_per_arm: Annotated[int, typer.Option(help="Subjects per arm")] = 50,
    seed: Annotated[int, typer.Option(help="Random seed")] = 0,
) -> None:
    """Write a synthetic visit table for a built-in trial."""
    visits = _run(lambda: ep.simulate(trial_id, n_per_arm=n_per_arm, seed=seed))
    _run(lambda: write_table(visits, output))
    typer.echo(f"simulated {visits.subject_id.nunique()} subjects -> {output}", err=True)


if __name__ == "__main__":  # pragma: no cover
    app()
