"""The trial registry: built-in trials (TOML files in ``endpoints/trials``) and the
user's own. Lookups of unknown IDs list the known ones and suggest the nearest;
registering an ID twice is an error, never an overwrite.
"""

from __future__ import annotations

import difflib
import json
import tomllib
from importlib import resources
from pathlib import Path

from .definitions import TrialDefinition
from .errors import DefinitionError, UnknownTrialError

_trials: dict[str, TrialDefinition] = {}
_loaded_builtins = False


def _registry() -> dict[str, TrialDefinition]:
    global _loaded_builtins
    if not _loaded_builtins:
        _loaded_builtins = True
        for item in sorted(resources.files("endpoints.trials").iterdir(), key=lambda p: p.name):
            if item.name.endswith(".toml"):
                register(parse_trial(item.read_text(encoding="utf-8"), fmt="toml",
                                     origin=item.name))
    return _trials


def parse_trial(text: str, *, fmt: str, origin: str = "<text>") -> TrialDefinition:
    """Build a :class:`TrialDefinition` from TOML or JSON text.

    Raises
    ------
    DefinitionError
        With the location of every invalid field (pydantic's path, e.g.
        ``endpoints.0.criteria.all.1.op``).
    """
    try:
        data = tomllib.loads(text) if fmt == "toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise DefinitionError(f"{origin}: not valid {fmt.upper()}: {exc}") from None
    try:
        return TrialDefinition.model_validate(data)
    except DefinitionError as exc:
        raise DefinitionError(f"{origin}: {exc}") from None


def load_trial(path: str | Path) -> TrialDefinition:
    """Read a trial definition from a ``.toml`` or ``.json`` file (not registered).

    Examples
    --------
    >>> import endpoints as ep, tempfile, os
    >>> text = ep.get_trial("NCT03580291").model_dump_json()
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, "trial.json")
    ...     _ = open(path, "w").write(text.replace("NCT03580291", "MY-TRIAL"))
    ...     load_trial(path).id
    'MY-TRIAL'
    """
    if not isinstance(path, str | Path):
        raise DefinitionError(f"expected the path of a trial definition file, got "
                              f"{type(path).__name__}")
    path = Path(path)
    fmt = "json" if path.suffix.lower() == ".json" else "toml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DefinitionError(f"cannot read trial definition {path}: {exc}") from None
    return parse_trial(text, fmt=fmt, origin=str(path))


def register(definition: TrialDefinition) -> TrialDefinition:
    """Add a trial to the registry; an ID that is already registered is an error."""
    if not isinstance(definition, TrialDefinition):
        raise DefinitionError(f"expected a TrialDefinition, got {type(definition).__name__}")
    trials = _registry()
    if definition.id in trials:
        raise DefinitionError(f"trial {definition.id} is already registered")
    trials[definition.id] = definition
    return definition


def get_trial(trial_id: str) -> TrialDefinition:
    """The registered definition of `trial_id`.

    Raises
    ------
    UnknownTrialError
        Listing the known IDs and the nearest one.

    Examples
    --------
    >>> get_trial("NCT03917797").timepoints[0].label
    'week 24'
    """
    trials = _registry()
    key = str(trial_id).strip()
    if key in trials:
        return trials[key]
    matches = {k.upper(): k for k in trials}
    if key.upper() in matches:
        return trials[matches[key.upper()]]
    near = difflib.get_close_matches(key.upper(), list(matches), n=1, cutoff=0.5)
    hint = f"; did you mean {matches[near[0]]}?" if near else ""
    raise UnknownTrialError(
        f"unknown trial {trial_id!r}; known trials: {', '.join(sorted(trials))}{hint}"
    )


def definition_of(trial_id: str, given: str | TrialDefinition | None = None
                  ) -> TrialDefinition:
    """The definition of `trial_id`: `given` (a definition or a registered ID) when it is
    that trial's, else the registered one (for result tables of trials scored from a
    definition object, not registered).

    Examples
    --------
    >>> custom = get_trial("NCT03917797").model_copy(update={"id": "MY-TRIAL"})
    >>> definition_of("MY-TRIAL", custom).id, definition_of("NCT03917797", custom).id
    ('MY-TRIAL', 'NCT03917797')
    """
    if isinstance(given, str):
        given = get_trial(given)
    elif given is not None and not isinstance(given, TrialDefinition):
        raise DefinitionError(f"trial= must be a trial ID or a TrialDefinition, got "
                              f"{type(given).__name__}")
    if given is not None and given.id == trial_id:
        return given
    return get_trial(trial_id)


def list_trials() -> list[str]:
    """The sorted IDs of every registered trial."""
    return sorted(_registry())
