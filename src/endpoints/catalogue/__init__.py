"""The catalogue of published definitions (SPEC section 8): each a data entry with its
citation, the criteria exactly as published, notes where sources disagree, and the
disagreeing values as parameters with the default named.

Entries live in the TOML files of this package, one per source (``kdigo_2021.toml``
holds ``kdigo_2021.cr`` and ``kdigo_2021.pr``; a file with ``prefix = ""`` names its
entries by their keys alone, as ``sri.toml`` does ``sri4`` .. ``sri8``). A criterion
may hold ``"{name}"`` placeholders for its parameters; :meth:`Definition.with_parameters`
fills in others.
A trial file refers to an entry by its name wherever a named criterion may stand.

Examples
--------
>>> import endpoints as ep
>>> "kdigo_2021.cr" in ep.list_definitions()
True
>>> ep.get_definition("kdigo_2021.cr").criteria.describe()
'UPCR < 0.5 and egfr >= 85% of baseline'
>>> ep.get_definition("kdigo_2021.cr", egfr_fraction=0.9).criteria.describe()
'UPCR < 0.5 and egfr >= 90% of baseline'
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import Field

from ..errors import DefinitionError, UnknownTrialError
from ..model import Model
from ..nodes import Criterion

NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$|^[a-z][a-z0-9_]*$")
_PLACEHOLDER = re.compile(r"^\{([a-z_][a-z0-9_]*)\}$")
_INNER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class Parameter(Model):
    """A value the sources disagree on: the default (the primary publication's) and
    the alternatives, each with where it comes from."""

    default: float | str
    alternatives: tuple[float | str, ...] = ()
    description: str = ""
    source: str = ""


class Definition(Model):
    """A published definition: its criterion (a response met at an assessment, or an
    event at a visit), citation, quoted text, notes and parameters."""

    name: str = Field(pattern=NAME.pattern)
    title: str
    kind: Literal["response", "event"] = "response"
    criteria: Criterion
    citation: str
    quote: str = ""
    url: str = ""
    notes: tuple[str, ...] = ()
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    template: dict[str, Any] | str = Field(default_factory=dict, exclude=True, repr=False)

    def with_parameters(self, **values: float | str) -> Definition:
        """The definition with other values of its parameters.

        Raises
        ------
        DefinitionError
            For a name that is not a parameter of the definition.
        """
        unknown = sorted(set(values) - set(self.parameters))
        if unknown:
            raise DefinitionError(f"{self.name}: no parameter {', '.join(unknown)}; "
                                  f"parameters: {', '.join(sorted(self.parameters)) or 'none'}")
        chosen = {name: p.default for name, p in self.parameters.items()} | values
        return self.model_copy(update={"criteria": _criterion(self.template, chosen,
                                                              self.name)})


def _filled(template: Any, values: dict[str, float | str]) -> Any:
    """`template` with every ``"{name}"`` string replaced by the value of `name`."""
    if isinstance(template, dict):
        return {k: _filled(v, values) for k, v in template.items()}
    if isinstance(template, list | tuple):
        return [_filled(v, values) for v in template]
    if isinstance(template, str):
        found = _PLACEHOLDER.match(template)
        if found:
            if found.group(1) not in values:
                raise DefinitionError(f"placeholder {template!r} names no parameter")
            return values[found.group(1)]
        # a label may name parameters inside its text: "prednisolone {prednisone_op} 5"
        return _INNER.sub(lambda m: _text(values[m.group(1)]) if m.group(1) in values
                          else m.group(0), template)
    return template


def _text(value: float | str) -> str:
    return f"{value:g}" if isinstance(value, float | int) else str(value)


def _criterion(template, values: dict[str, float | str], name: str):
    from pydantic import TypeAdapter

    try:
        return TypeAdapter(Criterion).validate_python(_filled(template, values))
    except DefinitionError:
        raise
    except ValueError as exc:
        raise DefinitionError(f"catalogue entry {name}: invalid criterion: {exc}") from None


@cache
def _catalogue() -> dict[str, Definition]:
    found: dict[str, Definition] = {}
    for item in sorted(resources.files(__name__).iterdir(), key=lambda p: p.name):
        if not item.name.endswith(".toml"):
            continue
        data = tomllib.loads(item.read_text(encoding="utf-8"))
        # entries are named "<file>.<key>", or "<key>" in a file with prefix = ""
        prefix = data.get("prefix", item.name.removesuffix(".toml"))
        shared = {k: data[k] for k in ("citation", "url") if k in data}
        for key, entry in data.get("definitions", {}).items():
            name = f"{prefix}.{key}" if prefix else key
            parameters = {k: Parameter.model_validate(v)
                          for k, v in entry.get("parameters", {}).items()}
            template = entry["criteria"]
            criteria = _criterion(template, {k: p.default for k, p in parameters.items()},
                                  name)
            found[name] = Definition.model_validate(
                {**shared, **entry, "name": name, "criteria": criteria,
                 "parameters": parameters, "template": template})
    return found


def list_definitions() -> list[str]:
    """The names of the catalogue's definitions, sorted.

    Examples
    --------
    >>> [n for n in list_definitions() if n.startswith("kdigo_2021")]
    ['kdigo_2021.cr', 'kdigo_2021.pr']
    """
    return sorted(_catalogue())


def get_definition(name: str, **parameters: float | str) -> Definition:
    """A definition of the catalogue by name, with other parameter values if given.

    Raises
    ------
    UnknownTrialError
        (a ``KeyError``) for an unknown name, suggesting the nearest.
    """
    catalogue = _catalogue()
    if not isinstance(name, str) or name not in catalogue:
        near = difflib.get_close_matches(str(name), list(catalogue), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise UnknownTrialError(f"unknown definition {name!r}{hint} (see list_definitions())")
    found = catalogue[name]
    return found.with_parameters(**parameters) if parameters else found


#: the fields that hold a criterion, in endpoints and in nodes (tests/test_catalogue.py
#: checks that every node's criterion field is listed)
CRITERION_FIELDS = frozenset({"criteria", "unless", "event", "applies_if", "all", "any",
                              "criterion", "ever", "never", "throughout", "confirmed",
                              "sustained", "not"})


def referenced(data: Any) -> dict[str, Any]:
    """The catalogue entries a raw trial definition names where a criterion stands (an
    endpoint's ``criteria``, a term of ``all``, a named criterion...), each as the JSON
    form of its criterion, to add to the trial's named criteria."""
    names: set[str] = set()

    def walk(value: Any, criterion: bool) -> None:
        if hasattr(value, "model_dump"):
            value = value.model_dump()
        if isinstance(value, str):
            if criterion and value in _catalogue():
                names.add(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, key in CRITERION_FIELDS)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item, criterion)

    if isinstance(data, dict):
        for named in (data.get("criteria") or {}).values():
            walk(named, True)
        for key in ("endpoints",):
            walk(data.get(key), False)
    done: set[str] = set()
    while names - done:  # entries that name other entries (a mild flare is not severe)
        for name in sorted(names - done):
            done.add(name)
            walk(_catalogue()[name].criteria, True)
    return {n: json.loads(_catalogue()[n].criteria.model_dump_json(exclude_defaults=True))
            for n in sorted(names)}
