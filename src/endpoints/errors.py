"""The errors and warnings `endpoints` raises on purpose.

Two families: :class:`InputError` for bad data (it names the column, the problem and
the first offending subject/day) and :class:`DefinitionError` for bad trial
definitions. Both derive from :class:`EndpointsError`.
"""

from __future__ import annotations


class EndpointsError(Exception):
    """Base class of every error the library raises on purpose."""


class InputError(EndpointsError, ValueError):
    """Bad input data: a missing column, an invalid value, a duplicate visit, a bad unit.

    Parameters
    ----------
    column : str
        The column at fault.
    problem : str
        What is wrong with it.
    subject, day : optional
        The first offending subject and study day, for value problems.

    Examples
    --------
    >>> str(InputError("pga", "values outside 0-3", subject="S1", day=28))
    'column pga: values outside 0-3 (first at subject S1, day 28)'
    """

    def __init__(self, column: str, problem: str, *, subject=None, day=None) -> None:
        self.column = column
        self.problem = problem
        self.subject = subject
        self.day = day
        where = ""
        if subject is not None:
            where = f" (first at subject {subject}" + (f", day {day})" if day is not None else ")")
        super().__init__(f"column {column}: {problem}{where}")

    def __reduce__(self):  # picklable, so errors raised in worker processes arrive intact
        return (_input_error, (self.column, self.problem, self.subject, self.day))


def _input_error(column, problem, subject, day) -> InputError:
    return InputError(column, problem, subject=subject, day=day)


class UnknownTrialError(EndpointsError, KeyError):
    """A trial ID that is not in the registry; the message lists the known IDs."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class DefinitionError(EndpointsError, ValueError):
    """An invalid trial or endpoint definition (bad file, bad field, duplicate ID)."""


class EndpointsWarning(UserWarning):
    """Something the user should know that does not stop scoring (e.g. absent columns)."""
