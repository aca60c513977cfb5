"""Endpoint families, each evaluated from its definition over a canonical visit table.

Importing the package registers the evaluators of every criterion node type.
"""

from . import bilag, temporal  # noqa: F401  (register criterion evaluators)
