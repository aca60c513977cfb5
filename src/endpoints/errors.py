"""The errors and warnings `endpoints` raises on purpose.

Two families: :class:`InputError` for bad data (it names the column, the problem and
the first offending subject/day, and lists every problem found in ``failures``) and
:class:`DefinitionError` for bad trial definitions. Both derive from
:class:`EndpointsError`.
"""

from __future__ import annotations

from collections.abc import Sequence

FAILURE_COLUMNS = ("column", "problem", "subject_id", "day", "count")


class EndpointsError(Exception):
    """Base class of every error the library raises on purpose."""


class InputError(EndpointsError, ValueError):
    """Bad input data: a missing column, an invalid value, a duplicate visit, a bad unit.

    One error reports every problem found in a table, not just the first: the message
    leads with the first, and :attr:`failures` lists them all.

    Parameters
    ----------
    column : str
        The column at fault (of the first problem).
    problem : str
        What is wrong with it.
    subject, day : optional
        The first offending subject and study day, for value problems.
    count : int, optional
        How many rows have the problem.
    more : sequence of tuples, optional
        Further problems, each ``(column, problem, subject, day, count)``.

    Attributes
    ----------
    failures : pandas.DataFrame
        One row per problem, with the columns ``column``, ``problem``, ``subject_id``,
        ``day`` and ``count`` (like pandera's failure cases).

    Examples
    --------
    >>> err = InputError("pga", "values outside 0-3", subject="S1", day=28)
    >>> str(err)
    'column pga: values outside 0-3 (first at subject S1, day 28)'
    >>> err.failures[["column", "subject_id", "day", "count"]].to_dict("records")
    [{'column': 'pga', 'subject_id': 'S1', 'day': 28, 'count': 1}]
    """

    def __init__(self, column: str, problem: str, *, subject=None, day=None, count: int = 1,
                 more: Sequence[tuple] = ()) -> None:
        self.column = str(column)
        self.problem = problem
        self.subject = subject
        self.day = day
        self._problems = [(self.column, problem, subject, day, int(count)), *map(tuple, more)]
        message = _describe(*self._problems[0][:4])
        others = self._problems[1:]
        if others:
            listed = "; ".join(_describe(*p[:4]) for p in others[:5])
            tail = f"; and {len(others) - 5} more" if len(others) > 5 else ""
            message += f" [{len(others)} more problem{'s' if len(others) > 1 else ''}: " \
                       f"{listed}{tail}]"
        super().__init__(message)

    @property
    def failures(self):
        """Every problem found: a DataFrame with one row per problem."""
        import pandas as pd

        return pd.DataFrame(
            {name: pd.array([p[k] for p in self._problems],
                            dtype="Int64" if name in ("day", "count") else "string")
             for k, name in enumerate(FAILURE_COLUMNS)},
            columns=list(FAILURE_COLUMNS),
        )

    def __reduce__(self):  # picklable, so errors raised in worker processes arrive intact
        first, *more = self._problems
        return (_input_error, (first, more))


def _describe(column, problem, subject, day) -> str:
    """One problem in words: ``column c: problem (first at subject s, day d)``; a whole
    table is named in parentheses (``(visit table)``), an argument with its ``=``."""
    where = ""
    if subject is not None:
        where = f" (first at subject {subject}" + (f", day {day})" if day is not None else ")")
    elif day is not None:
        where = f" (first at day {day})"
    if column.endswith("="):
        return f"argument {column} {problem}{where}"
    if column.startswith("(") and column.endswith(")"):
        return f"{column[1:-1]}: {problem}{where}"
    return f"column {column}: {problem}{where}"


def _input_error(first, more) -> InputError:
    column, problem, subject, day, count = first
    return InputError(column, problem, subject=subject, day=day, count=count, more=more)


class UnknownTrialError(EndpointsError, KeyError):
    """A trial ID that is not in the registry; the message lists the known IDs."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class DefinitionError(EndpointsError, ValueError):
    """An invalid trial or endpoint definition (bad file, bad field, duplicate ID)."""


class EndpointsWarning(UserWarning):
    """Something the user should know that does not stop scoring (e.g. absent columns)."""
