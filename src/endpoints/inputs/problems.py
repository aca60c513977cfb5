"""Problems found in input tables, collected so that one error reports them all.

Validation does not stop at the first bad value: every check adds what it found to a
:class:`Problems` list, naming the column, the problem, how many rows have it and the
first offending subject/day in (subject, day) order, whatever the order of the rows.
:meth:`Problems.raise_if_any` then raises one :class:`~endpoints.errors.InputError`.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError


@dataclass
class Problems:
    """The problems found so far, in the order they were found.

    Examples
    --------
    >>> p = Problems()
    >>> p.add("pga", "value outside 0-3", subject="S1", day=28, count=2)
    >>> p.add("sledai", "negative value", subject="S2", day=0)
    >>> try:
    ...     p.raise_if_any()
    ... except InputError as err:
    ...     print(err.failures[["column", "count"]].to_dict("list"))
    {'column': ['pga', 'sledai'], 'count': [2, 1]}
    """

    found: list[tuple] = field(default_factory=list)

    def add(self, column, problem: str, *, subject=None, day=None, count: int = 1) -> None:
        """Record one problem (`subject` and `day` locate its first offending row)."""
        subject = None if subject is None else str(subject)
        day = None if day is None else int(day)
        self.found.append((str(column), problem, subject, day, int(count)))

    def __bool__(self) -> bool:
        return bool(self.found)

    def raise_if_any(self) -> None:
        """Raise one :class:`InputError` listing every problem, if there is any."""
        if self.found:
            (column, problem, subject, day, count), *more = self.found
            raise InputError(column, problem, subject=subject, day=day, count=count,
                             more=more)


@dataclass
class Rows:
    """Locates problems in a table's rows: each row's subject label and study day
    (NaN where unknown) and the rows' (subject, day) order.

    Parameters
    ----------
    labels : ndarray of str
        Subject label of each subject code.
    code : ndarray of int64
        Subject code of each input row (``-1``: no valid ID).
    day : ndarray of float64
        Study day of each input row (NaN: not a valid day).
    order : ndarray of int64
        Input rows in (subject, day) order, rows without a valid ID or day last.
    problems : Problems
        Where found problems go.
    pending : Future, optional
        The four arrays above (``labels, code, day, order``), while another thread still
        computes them: columns are checked meanwhile, and a check waits for them only to
        locate a problem it found. See :meth:`later`.
    """

    labels: np.ndarray | None
    code: np.ndarray | None
    day: np.ndarray | None
    order: np.ndarray | None
    problems: Problems
    pending: Future | None = None

    @classmethod
    def later(cls, problems: Problems) -> Rows:
        """Rows located once ``rows.pending.set_result((labels, code, day, order))``."""
        return cls(None, None, None, None, problems, pending=Future())

    def check(self, bad: np.ndarray, column, problem: str, shown=None) -> bool:
        """Record `problem` if `bad` (a mask over the input rows) holds anywhere; tell
        whether it did. With `shown` (the column's values), the first offending value is
        quoted.

        Examples
        --------
        >>> rows = Rows.later(Problems())
        >>> rows.pending.set_result((np.array(["a", "b"]), np.array([1, 0]),
        ...                          np.array([0.0, 7.0]), np.array([1, 0])))
        >>> rows.check(np.array([True, True]), "upcr", "negative value")
        True
        >>> column, problem, subject, day, count = rows.problems.found[0]
        >>> subject, int(day), count
        ('a', 7, 2)
        """
        bad = np.asarray(bad, dtype=bool)
        if not bad.any():
            return False
        labels, code, days, order = (self.pending.result() if self.pending is not None
                                     else (self.labels, self.code, self.day, self.order))
        i = order[np.flatnonzero(bad[order])[0]]
        subject = labels[code[i]] if code[i] >= 0 else None
        day = None if np.isnan(days[i]) else days[i]
        if shown is not None:
            value = shown.iloc[i]
            problem = f"{problem} ({value.item() if isinstance(value, np.generic) else value!r})"
        self.problems.add(column, problem, subject=subject, day=day, count=int(bad.sum()))
        return True
