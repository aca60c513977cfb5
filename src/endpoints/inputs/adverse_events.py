"""The optional adverse-events table (SPEC section 6): one row per event.

Columns: ``subject_id``, ``term``, ``start_day`` (required), ``end_day``, ``grade``
(CTCAE 1-5), ``related`` and ``serious`` (booleans) and ``body_system`` (optional). A
missing grade or relatedness stays unknown: an event whose grade or relatedness an
endpoint's filter needs, and does not have, is a *possible* match, so a subject with
no certain match but a possible one is not evaluable rather than counted as having
none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .days import as_numbers, study_days
from .numbers import to_numbers
from .problems import Problems, Rows
from .text import ID_PROBLEMS, TRUTH, encode, text_forms

REQUIRED = ("subject_id", "term", "start_day")
COLUMNS = ("subject_id", "term", "start_day", "end_day", "grade", "related", "serious",
           "body_system")


@dataclass
class AdverseEvents:
    """Checked events, subjects coded like the visit table's (see :meth:`coded`).

    ``grade`` is float (NaN unknown); ``related`` and ``serious`` are 1.0 / 0.0 / NaN.
    """

    code: np.ndarray
    start: np.ndarray
    grade: np.ndarray
    related: np.ndarray
    serious: np.ndarray
    term: np.ndarray  # upper-cased preferred terms (object)
    labels: np.ndarray | None = None  # the subject labels of `code`, before coding

    def coded(self, subjects: pd.Index) -> AdverseEvents:
        """The events with subjects coded as positions in `subjects` (which holds them)."""
        code = subjects.get_indexer(self.labels)[self.code].astype(np.int64)
        return AdverseEvents(code, self.start, self.grade, self.related, self.serious,
                             self.term)

    def subjects_in(self, lo: int, hi: int) -> AdverseEvents:
        """The events of subjects ``lo .. hi - 1``, recoded from 0."""
        keep = (self.code >= lo) & (self.code < hi)
        return AdverseEvents(self.code[keep] - lo, self.start[keep], self.grade[keep],
                             self.related[keep], self.serious[keep], self.term[keep])


def _flags(column: pd.Series, name: str, rows: Rows) -> np.ndarray:
    """A boolean column as 1.0 / 0.0 / NaN (True/False, Y/N, 1/0 as text or numbers)."""
    codes, labels, _ = encode(column)  # each distinct value read once
    value = np.array([TRUTH.get(str(t).lower(), -1.0) for t in labels] + [np.nan])[codes]
    rows.check(value == -1.0, name, "expected a boolean (True/False, Y/N, 1/0)",
               shown=column.reset_index(drop=True))
    return np.where(value == -1.0, np.nan, value)


def check_adverse_events(events: pd.DataFrame, problems: Problems) -> AdverseEvents | None:
    """Validate an adverse-events table, recording its problems (None when a required
    column is missing, or when it has problems).

    Examples
    --------
    >>> p = Problems()
    >>> ae = check_adverse_events(pd.DataFrame({
    ...     "subject_id": ["S1", "S2"], "term": ["Pyrexia", "Nausea"],
    ...     "start_day": [3, 10], "grade": [1, None], "related": ["Y", None]}), p)
    >>> ae.grade.tolist(), ae.related.tolist(), list(ae.labels)
    ([1.0, nan], [1.0, nan], ['S1', 'S2'])
    """
    absent = [c for c in REQUIRED if c not in events.columns]
    for column in absent:
        problems.add(column, "required column is missing from the adverse-events table")
    if absent:
        return None
    n = len(events)
    code, labels, bad_ids = encode(events["subject_id"])
    start, bad_start = study_days(events["start_day"], missing="missing start day")
    rank = np.r_[np.argsort(np.argsort(labels.astype(str))), len(labels)]
    order = np.lexsort((np.where(np.isnan(start), np.nan_to_num(
        as_numbers(events["start_day"]), nan=np.inf), start), rank[code]))
    found = Problems()
    rows = Rows(labels, code, start, order, found)
    for problem, mask in bad_ids.items():
        rows.check(mask, "subject_id", f"{ID_PROBLEMS[problem]} in the adverse-events table")
    for problem, mask in bad_start.items():
        rows.check(mask, "start_day", f"{problem} in the adverse-events table")
    if "end_day" in events.columns:
        end, bad_end = study_days(events["end_day"], missing=None)
        for problem, mask in bad_end.items():
            rows.check(mask, "end_day", f"{problem} in the adverse-events table")
        with np.errstate(invalid="ignore"):
            rows.check(end < start, "end_day", "end day before start day")
    term = text_forms(events["term"])
    rows.check(pd.isna(term), "term", "missing adverse-event term")
    grade = np.full(n, np.nan)
    if "grade" in events.columns:
        grade = to_numbers(events["grade"].reset_index(drop=True), "grade", rows)
        rows.check(~np.isnan(grade) & ~np.isin(grade, [1, 2, 3, 4, 5]), "grade",
                   "CTCAE grade outside 1-5", shown=events["grade"].reset_index(drop=True))
        grade = np.where(np.isin(grade, [1, 2, 3, 4, 5]), grade, np.nan)
    flags = {name: (_flags(events[name].reset_index(drop=True), name, rows)
                    if name in events.columns else np.full(n, np.nan))
             for name in ("related", "serious")}
    problems.found += found.found
    if found:
        return None
    upper = np.array([t.upper() if isinstance(t, str) else "" for t in term], dtype=object)
    return AdverseEvents(code, start.astype(np.int64), grade, flags["related"],
                         flags["serious"], upper, labels)
