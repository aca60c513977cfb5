"""Criterion nodes, the shared vocabulary of definitions: one module per node type
(see :mod:`endpoints.nodes.base` for the contract every node declares).

Importing the package registers every node type and builds :data:`Criterion`, the
pydantic type of a criterion: a node, or the name of a criterion defined in the trial.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Annotated, Any, Union

from pydantic import Discriminator, Tag

from ..model import tag
from .base import NODES, Context, Node, Outcome, describe, evaluate, variables

# every module of the package is a node type (or the base): importing it registers it
for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

from .at import At  # noqa: E402  (the node types, for `from endpoints.nodes import ...`)
from .bilag_improved import BilagImproved  # noqa: E402
from .compare import Compare  # noqa: E402
from .confirmed import Confirmed  # noqa: E402
from .daily_dose import DailyDose  # noqa: E402
from .ever import Ever, Never  # noqa: E402
from .logic import AllOf, AnyOf  # noqa: E402
from .negation import Not  # noqa: E402
from .new_bilag import NewBilag  # noqa: E402
from .new_items import NewItems  # noqa: E402
from .started import Started  # noqa: E402
from .sustained import Sustained  # noqa: E402
from .throughout import Throughout  # noqa: E402

#: data keys, most specific first: a criterion with several (``ever`` and ``variable``,
#: say) is the node of the first; ``variable`` (a comparison) comes last
_BY_KEY = sorted(NODES.items(), key=lambda item: item[1] is Compare)


def _criterion_tag(value: Any) -> str:
    if isinstance(value, str):
        return tag("ref")
    if isinstance(value, dict):
        return tag(next((cls.__name__ for key, cls in _BY_KEY if key in value), "Compare"))
    return tag(type(value).__name__)


#: a criterion: the name of a criterion defined in the trial, or a node of any type
Criterion = Annotated[
    Union[(Annotated[str, Tag(tag("ref"))],
           *(Annotated[cls, Tag(tag(cls.__name__))] for cls in NODES.values()))],
    Discriminator(_criterion_tag),
]

for _node in NODES.values():
    _node.model_rebuild(_types_namespace={"Criterion": Criterion})

__all__ = [
    "NODES",
    "AllOf",
    "AnyOf",
    "At",
    "BilagImproved",
    "Compare",
    "Confirmed",
    "Context",
    "Criterion",
    "DailyDose",
    "Ever",
    "Never",
    "NewBilag",
    "NewItems",
    "Node",
    "Not",
    "Outcome",
    "Started",
    "Sustained",
    "Throughout",
    "describe",
    "evaluate",
    "variables",
]
