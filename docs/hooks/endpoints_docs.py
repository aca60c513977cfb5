"""MkDocs hooks that build the documentation pages derived from the library itself.

Registered in ``mkdocs.yml`` under ``hooks:``; no plugin beyond mkdocs is needed.

- One page per built-in trial (``trials/<ID>.md``) and a trial index, generated from
  the registry (``ep.list_trials()`` / ``ep.get_trial()``) and added to the nav in
  place of the ``Trials: trials/index.md`` entry.
- The catalogue of published definitions (``definitions.md``), generated from
  ``ep.list_definitions()`` / ``ep.get_definition()``: citation, quoted text, criteria,
  parameters and notes of every entry.
- API reference pages for the optional modules (``endpoints.summary`` ...) that import
  at build time, appended to the ``API reference`` section. A module that is absent or
  does not import is skipped with an INFO line in the build log.
- Placeholders ``<!-- endpoints:NAME -->`` in the hand-written pages are replaced by
  tables computed from the source: the unit table (``endpoints.inputs.units``), the
  corticosteroid equivalents (``endpoints.inputs.medications``) and the messages of real
  ``InputError``s, so these never drift from the code.
"""

from __future__ import annotations

import html
import importlib
import json
import logging
import re
import warnings

import pandas as pd
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

import endpoints as ep
from endpoints import definitions as d

log = logging.getLogger("mkdocs.hooks.endpoints_docs")

TRIALS_DIR = "trials"
DEFINITIONS_PAGE = "definitions.md"
#: modules documented when they import (written alongside the core; order = nav order)
OPTIONAL_MODULES = (
    "endpoints.summary",
    "endpoints.plots",
    "endpoints.simulate",
    "endpoints.io",
    "endpoints.cli",
    "endpoints.adam",
)
KIND_MEANING = {
    "response": "binary response at the assessment visit",
    "categorical": "ordered, exclusive categories; the first met wins",
    "time_to_event": "days to the first visit in the period where the event is met",
    "change": "value at the assessment visit minus baseline",
    "event": "did the event occur at a visit of the period",
    "cumulative_dose": "sum of the daily dose over days 0 .. T-1",
}


# --------------------------------------------------------------------------- hooks


def on_config(config):
    """Expand the ``Trials`` nav entry and append the optional API pages."""
    config["_endpoints_modules"] = _importable_modules()
    nav = config.get("nav")
    if not nav:
        raise PluginError("endpoints_docs hook: mkdocs.yml needs an explicit nav")
    for i, item in enumerate(nav):
        if not isinstance(item, dict):
            continue
        (title, value), = item.items()
        if value == f"{TRIALS_DIR}/index.md":
            nav[i] = {title: [f"{TRIALS_DIR}/index.md"]
                      + [{tid: f"{TRIALS_DIR}/{tid}.md"} for tid in ep.list_trials()]}
        elif title == "API reference" and isinstance(value, list):
            value.extend({name: _module_page(name)} for name in config["_endpoints_modules"])
    return config


def on_files(files, config):
    """Add the generated trial pages and optional API reference pages."""
    files.append(File.generated(config, f"{TRIALS_DIR}/index.md", content=trial_index()))
    files.append(File.generated(config, DEFINITIONS_PAGE, content=definitions_page()))
    for tid in ep.list_trials():
        files.append(File.generated(config, f"{TRIALS_DIR}/{tid}.md",
                                    content=trial_page(ep.get_trial(tid))))
    for module in config["_endpoints_modules"]:
        page = f"::: {module}\n    options:\n      heading_level: 1\n"
        files.append(File.generated(config, _module_page(module), content=page))
    return files


def on_page_markdown(markdown, page, config, files):
    """Replace ``<!-- endpoints:NAME -->`` placeholders with generated content."""
    def fill(match):
        name = match.group(1)
        if name not in PLACEHOLDERS:
            raise PluginError(f"{page.file.src_uri}: unknown placeholder endpoints:{name}")
        fill_in = PLACEHOLDERS[name]
        return fill_in(markdown) if name == "other-public" else fill_in()
    return re.sub(r"<!-- endpoints:([a-z_-]+) -->", fill, markdown)


def _module_page(module: str) -> str:
    return f"reference/{module.split('.', 1)[1]}.md"


def _importable_modules() -> list[str]:
    found = []
    for module in OPTIONAL_MODULES:
        try:
            importlib.import_module(module)
        except Exception as exc:  # absent, or broken: say so in the build log
            log.info("API reference: %s skipped (%s: %s)", module, type(exc).__name__, exc)
            continue
        found.append(module)
    return found


# ------------------------------------------------------------------ text helpers


def text(value: str) -> str:
    """Free text from a definition, escaped for Markdown (no markup survives)."""
    escaped = html.escape(str(value), quote=False)
    return re.sub(r"([\\`*_\[\]#|])", r"\\\1", escaped)


def code(value) -> str:
    value = str(value)
    fence = "``" if "`" in value else "`"
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def anchor(kind: str, name: str) -> str:
    return f"{kind}-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def indent(lines: list[str], by: int = 4) -> list[str]:
    return [" " * by + line if line else line for line in lines]


# -------------------------------------------------------------- criteria rendering


def formal(criterion) -> str:
    """The criterion's own wording, ignoring its label; compact JSON for a model that is
    not a criterion node."""
    if not hasattr(criterion, "explain"):
        return json.dumps(criterion.model_dump(mode="json", exclude_defaults=True),
                          ensure_ascii=False, separators=(", ", ": "))
    return criterion.explain()


def render(criterion, named: dict, *, expand: bool = True) -> list[str]:
    """A criterion tree as a nested Markdown list (one item per node).

    A reference to a named criterion links to its definition under "Named criteria";
    with `expand`, the referenced tree is also shown in place, headed by its name.
    """
    if isinstance(criterion, str):
        link = f"[{code(criterion)}](#{anchor('criterion', criterion)})"
        target = named[criterion]
        if expand:
            first, *rest = render(target, named, expand=True)
            return [f"- {link} — {first[2:]}", *rest]
        label = getattr(target, "label", None)
        return [f"- {link}" + (f" ({text(label)})" if label else "")]
    label = getattr(criterion, "label", None)
    label = f"**{text(label)}**" if label else ""
    if criterion.children():  # how the node reads them, then each child
        how = criterion.explain()
        body = [line for child in criterion.children()
                for line in render(child, named, expand=expand)]
        return [f"- {label}: {how}" if label else f"- {how[0].upper()}{how[1:]}:",
                *indent(body)]
    plain = formal(criterion)  # a leaf: its rule
    if getattr(criterion, "label", None) and _same(criterion.label, plain):
        return [f"- {label}"]
    return [f"- {label}: {code(plain)}" if label else f"- {code(plain)}"]


def _same(label: str, plain: str) -> bool:
    squash = lambda s: re.sub(r"\s+", "", s.lower())  # noqa: E731
    return squash(label) == squash(plain)


def endpoint_rules(endpoint, named: dict) -> list[str]:
    lines: list[str] = []

    def block(title: str, criterion) -> None:
        lines.extend([f"**{title}**", "", *render(criterion, named), ""])

    if isinstance(endpoint, d.Response):
        block("Met when", endpoint.criteria)
        if endpoint.unless is not None:
            block("Unless (then not met)", endpoint.unless)
    elif isinstance(endpoint, d.Categorical):
        lines.extend([f"**Categories** (exclusive, in order; none met: "
                      f"{code(endpoint.otherwise)})", ""])
        for category in endpoint.categories:
            lines.append(f"- {code(category.label)}:")
            lines.extend(indent(render(category.criteria, named)))
        lines.append("")
        if endpoint.binary:
            labels = " or ".join(code(c.label) for c in endpoint.categories)
            lines.extend([f"`result` is True for {labels}.", ""])
    elif isinstance(endpoint, d.TimeToEvent):
        block("Event", endpoint.event)
    elif isinstance(endpoint, d.Event):
        block("Event", endpoint.event)
        counted = ("domain x visit events" if endpoint.count == "domains"
                   else "visits with the event")
        lines.extend([f"`value` counts the {counted} in the period.", ""])
    elif isinstance(endpoint, d.Change):
        lines.extend([f"**Variable:** {code(endpoint.variable)} — value at the assessment "
                      "visit minus its baseline (`value`).", ""])
    elif isinstance(endpoint, d.CumulativeDose):
        lines.extend([f"**Variable:** {code(endpoint.variable)} (mg/day), summed over study "
                      "days 0 .. T-1 of the timepoint (`value`, mg).", ""])
    if endpoint.applies_if is not None:
        block("Applies only if", endpoint.applies_if)
        lines.extend([f"Otherwise `<NA>` with reason “{text(endpoint.not_applicable)}”.", ""])
    return lines


# ------------------------------------------------------------------------ pages


def trial_index() -> str:
    lines = [
        "# Built-in trials",
        "",
        "The registry ships these trial definitions (TOML files in "
        "`src/endpoints/trials/`). Each page below is generated from the registry when "
        "the documentation is built, so it always matches `ep.get_trial(ID)`.",
        "",
        "| Trial | Title | Timepoints | Endpoints |",
        "|---|---|---|---|",
    ]
    for tid in ep.list_trials():
        trial = ep.get_trial(tid)
        timepoints = ", ".join(t.label for t in trial.timepoints)
        lines.append(f"| [{tid}]({tid}.md) | {text(trial.title)} | {text(timepoints)} "
                     f"| {len(trial.endpoints)} |")
    lines += [
        "",
        "Your own trials work the same way: write a definition file and register it with "
        "`ep.register(ep.load_trial(\"my_trial.toml\"))`, or pass the `TrialDefinition` "
        "object to `ep.score` directly.",
        "",
    ]
    return "\n".join(lines)


def definitions_page() -> str:
    """The catalogue of published definitions, one section per entry."""
    names = ep.list_definitions()
    named = {n: ep.get_definition(n).criteria for n in names}
    lines = [
        "# Published definitions",
        "",
        "The catalogue of standard lupus and lupus nephritis definitions (SPEC section 8), "
        "generated from `ep.list_definitions()` / `ep.get_definition(name)` when the "
        "documentation is built. Each entry is data (`src/endpoints/catalogue/*.toml`) "
        "with its citation, the text it follows, its criteria, the values the sources "
        "disagree on as parameters (`ep.get_definition(name, **values)`), and notes on "
        "every reading. A trial file names an entry wherever a criterion may stand; "
        "`ep.compare_definitions` scores several on one dataset. The research behind the "
        "entries is in [Catalogue sources](catalogue.md).",
        "",
        "| Name | Definition | Kind |",
        "|---|---|---|",
    ]
    for name in names:
        entry = ep.get_definition(name)
        lines.append(f"| [{code(name)}](#{anchor('definition', name)}) | "
                     f"{text(entry.title)} | {entry.kind} |")
    for name in names:
        entry = ep.get_definition(name)
        lines += ["", f"## {code(name)} {{#{anchor('definition', name)}}}", "",
                  # where a criterion that names this entry links to
                  f'<a id="{anchor("criterion", name)}"></a>', "",
                  f"**{text(entry.title)}** ({entry.kind}).", "",
                  f"Source: {text(entry.citation)}" + (f" <{entry.url}>" if entry.url else ""),
                  "", f"> {text(entry.quote)}", "", "Criteria:", ""]
        lines += render(entry.criteria, named, expand=False)
        if entry.parameters:
            lines += ["", "| Parameter | Default | Alternatives | Source |", "|---|---|---|---|"]
            for pname, p in entry.parameters.items():
                alternatives = ", ".join(code(a) for a in p.alternatives) or "-"
                lines.append(f"| {code(pname)} | {code(p.default)} | {alternatives} | "
                             f"{text(p.source or p.description)} |")
        if entry.notes:
            lines += ["", "Notes:", ""] + [f"- {text(note)}" for note in entry.notes]
    lines.append("")
    return "\n".join(lines)


def trial_page(trial: d.TrialDefinition) -> str:
    named = trial.criteria
    out = [f"# {trial.id}", "", f"**{text(trial.title)}**", ""]
    if trial.source:
        out += [f"**Source:** {text(trial.source)}", ""]
    if trial.notes:
        out += ["## Notes", "", *[f"- {text(n)}" for n in trial.notes], ""]
    if trial.arms:
        out += ["## Arms", "", "| Arm | Description | Control |", "|---|---|---|"]
        out += [f"| {code(a.label)} | {text(a.description)} | {'yes' if a.control else ''} |"
                for a in trial.arms]
        out.append("")
    if trial.schedule:
        out += ["## Schedule", "",
                "Planned visit days (study day 0 = first infusion / randomisation): "
                + ", ".join(str(day) for day in trial.schedule) + ".", ""]
    out += ["## Timepoints", "", "| Label | Target day | Window (± days) |", "|---|---|---|"]
    out += [f"| {text(t.label)} | {t.day} | {t.window} |" for t in trial.timepoints]
    out += ["", "## Endpoints", "", "| Endpoint | Kind | Timepoints |", "|---|---|---|"]
    for e in trial.endpoints:
        out.append(f"| [{code(e.name)}](#{anchor('endpoint', e.name)}) | {e.kind} "
                   f"| {text(', '.join(e.timepoints))} |")
    out.append("")
    for e in trial.endpoints:
        out += endpoint_section(e, named)
    if named:
        out += ["## Named criteria", "",
                "Criteria defined once in the trial file and referred to by name above.", ""]
        for name, criterion in named.items():
            out += [f"### {code(name)} {{ #{anchor('criterion', name)} }}", ""]
            label = getattr(criterion, "label", None)
            if label:
                out += [text(label), ""]
            out += [*render(criterion, named, expand=False), ""]
    out += ["## Definition as data", "",
            f"`ep.get_trial(\"{trial.id}\").model_dump_json()` gives the whole definition; "
            "each endpoint's JSON is shown in its section.", ""]
    return "\n".join(out)


def endpoint_section(e, named: dict) -> list[str]:
    meaning = f" ({KIND_MEANING[e.kind]})" if e.kind in KIND_MEANING else ""
    out = [f"### {code(e.name)} {{ #{anchor('endpoint', e.name)} }}", "",
           f"**Kind:** `{e.kind}`{meaning}  ",  # two spaces: line break
           f"**Timepoints:** {text(', '.join(e.timepoints))}", ""]
    if e.description:
        out += [text(e.description), ""]
    if e.source:
        out += ["Registry record:", "", f"> {text(e.source)}", ""]
    if e.notes:
        out += ["**Interpretation**", "", *[f"- {text(n)}" for n in e.notes], ""]
    out += endpoint_rules(e, named)
    data = {"kind": e.kind, **e.model_dump(mode="json", exclude_defaults=True,
                                           exclude={"source", "notes", "description"})}
    dumped = json.dumps(data, ensure_ascii=False, indent=2)
    out += [f'??? note "Definition of {e.name} (JSON)"', "", "    ```json",
            *indent(dumped.splitlines()), "    ```", ""]
    return out


# ------------------------------------------------------------------ placeholders


def units_table() -> str:
    from endpoints.inputs.units import CANONICAL_UNITS, UNIT_DIVISORS

    lines = ["| Column | Canonical unit | Also accepted (value is divided by) |",
             "|---|---|---|"]
    for column, unit in CANONICAL_UNITS.items():
        others = [f"{code(u)} (÷ {divisor:g})"
                  for u, divisor in UNIT_DIVISORS.get(column, {}).items() if u != unit]
        lines.append(f"| `{column}` | `{unit}` | {', '.join(others) or '—'} |")
    return "\n".join(lines) + "\n"


def steroid_table() -> str:
    from endpoints.inputs.drugs import dictionary

    lines = ["| Drug | mg equivalent to 5 mg prednisone |", "|---|---|"]
    lines += [f"| {drug} | {mg:g} |" for drug, mg in dictionary().equivalents.items()]
    return "\n".join(lines) + "\n"


def input_errors() -> str:
    """Run the library on bad tables and quote the messages it really gives."""
    two = {"subject_id": ["S1", "S1"], "day": [0, 28]}
    cases = [
        ("a required column is missing", pd.DataFrame({"subject_id": ["S1"]}), {}),
        ("a non-numeric lab", pd.DataFrame({**two, "upcr": [1.2, "high"]}), {}),
        ("a negative lab value", pd.DataFrame({**two, "creatinine": [1.0, -0.2]}), {}),
        ("a PGA outside 0-3", pd.DataFrame({**two, "pga": [1.0, 3.5]}), {}),
        ("a BILAG grade outside A-E", pd.DataFrame({**two, "bilag_renal": ["B", "F"]}), {}),
        ("two rows for the same subject and day",
         pd.DataFrame({"subject_id": ["S1", "S1"], "day": [0, 0]}), {}),
        ("an unknown unit", pd.DataFrame({**two, "upcr": [1.0, 2.0]}),
         {"units": {"upcr": "mmol"}}),
        ("a mapped column that is not in the table", pd.DataFrame(two),
         {"columns": {"USUBJID": "subject_id"}}),
        ("a corticosteroid without a prednisone equivalence", pd.DataFrame(two),
         {"medications": pd.DataFrame({"subject_id": ["S1"], "drug": ["Fludrocortisone"],
                                       "start_day": [0], "end_day": [10], "dose": [0.1]})}),
        ("dates where study days belong",
         pd.DataFrame({**two, "day": pd.to_datetime(["2024-01-02", "2024-01-30"])}), {}),
        ("a study day beyond 100,000 (never a wrap-around)",
         pd.DataFrame({**two, "day": [0, 2**63 - 1]}), {}),
        ("several problems at once (all are listed in `error.failures`)",
         pd.DataFrame({**two, "pga": [1.0, 3.5], "sledai": [-1, 4]}), {}),
    ]
    lines = ["| Problem | Message |", "|---|---|"]
    for problem, frame, kwargs in cases:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ep.EndpointsWarning)
                ep.score(frame, "NCT03580291", **kwargs)
        except ep.InputError as exc:
            lines.append(f"| {problem} | {code(exc)} |")
        else:
            raise PluginError(f"docs: expected an InputError for {problem}; none was raised")
    return "\n".join(lines) + "\n"


def other_public(markdown: str) -> str:
    """``:::`` entries for the names of ``endpoints.__all__`` the page does not cover yet
    (the error classes are covered by ``::: endpoints.errors``, ``TrialDefinition`` by the
    definitions page), so a new public name is never missing from the reference."""
    from endpoints import errors

    covered = set(re.findall(r"^::: endpoints\.(?:\w+\.)*(\w+)\s*$", markdown, re.M))
    covered |= {n for n in vars(errors) if not n.startswith("_")} | {"TrialDefinition"}
    rest = [name for name in ep.__all__ if name not in covered]
    if not rest:
        return ""
    entries = [f"::: endpoints.{name}\n    options:\n      heading_level: 3\n" for name in rest]
    return "## Other public names\n\n" + "\n".join(entries)


PLACEHOLDERS = {
    "units-table": units_table,
    "steroid-table": steroid_table,
    "input-errors": input_errors,
    "other-public": other_public,
}
