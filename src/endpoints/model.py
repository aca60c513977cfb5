"""The base of every definition model: frozen, strict, and invalid as a
:class:`~endpoints.errors.DefinitionError` with the location of every invalid field."""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import DefinitionError

#: columns of the visit table that are not clinical variables a criterion can compare
NOT_VARIABLES: frozenset[str] = frozenset({"subject_id", "arm", "sex"})


def definition_error(exc: ValidationError, origin: str = "") -> DefinitionError:
    """A :class:`DefinitionError` listing every invalid field of a validation error.

    Locations are written as in the data (``endpoints.0.criteria.all.1.op``): the tags
    pydantic adds to tell the kinds of criteria and endpoints apart are left out.
    """
    problems = "; ".join(
        f"{_location(e['loc']) or '(definition)'}: {e['msg'].removeprefix('Value error, ')}"
        for e in exc.errors()
    )
    return DefinitionError(f"{origin}{': ' if origin else ''}invalid definition: {problems}")


def _location(loc: tuple) -> str:
    """The location as written in the data, without the tags (``<compare>``) pydantic
    adds where a union of criteria or endpoint kinds is told apart."""
    return ".".join(str(part) for part in loc
                     if not (isinstance(part, str) and part.startswith("<")))


def tag(name: str) -> str:
    """The discriminator tag of a kind of criterion or endpoint (see :func:`_location`)."""
    return f"<{name}>"


class Model(BaseModel):
    """Base of every definition model: frozen and strict about unknown fields. An invalid
    model is a :class:`~endpoints.errors.DefinitionError` (not pydantic's error type)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def __init__(self, **data: Any) -> None:
        with _outermost(type(self).__name__):
            super().__init__(**data)

    @classmethod
    def model_validate(cls, obj: Any, **options: Any):
        """Validate `obj` into the model; a :class:`DefinitionError` if it is invalid."""
        with _outermost(cls.__name__):
            return super().model_validate(obj, **options)

    @classmethod
    def model_validate_json(cls, json_data, **options: Any):
        """Validate JSON text into the model; a :class:`DefinitionError` if it is invalid."""
        with _outermost(cls.__name__):
            return super().model_validate_json(json_data, **options)


_DEPTH: contextvars.ContextVar[int] = contextvars.ContextVar("definition_depth", default=0)


@contextlib.contextmanager
def _outermost(name: str):
    """Turn pydantic's error into a DefinitionError at the outermost model only (pydantic
    builds nested models through their ``__init__`` and merges their errors itself)."""
    depth = _DEPTH.get()
    token = _DEPTH.set(depth + 1)
    try:
        yield
    except ValidationError as exc:
        if depth:
            raise
        raise definition_error(exc, name) from None
    finally:
        _DEPTH.reset(token)


def clinical(variable: str) -> str:
    """A field validator: `variable` must be a clinical variable of the visit table."""
    if variable in NOT_VARIABLES:
        raise ValueError(f"{variable!r} is not a clinical variable")
    return variable
