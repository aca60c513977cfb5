"""The canonical visit table: column mapping, unit conversion and validation.

:func:`check_visits` turns a user's visit table (and medications table) into a
:class:`VisitTable`: subjects coded 0..n-1 by their text form (every subject of either
table), rows in (subject, day) order, every clinical column a float64 array in canonical
units (booleans as 0/1, BILAG grades A..E as 1..5). It never mutates the input. Bad
input raises one :class:`~endpoints.errors.InputError` listing every problem, each
naming the column, the problem and the first offending subject/day in (subject, day)
order, so independent of row order.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from ..clinical.sledai import SLEDAI_2K_ITEMS
from ..errors import EndpointsWarning
from .adverse_events import AdverseEvents, check_adverse_events
from .days import MAX_DAY, as_numbers, study_days
from .medications import Medications, check_medications
from .numbers import to_numbers
from .problems import Problems, Rows
from .sorting import stable_order
from .text import ID_PROBLEMS, TRUTH, encode
from .units import implausible, unit_divisor

#: the nine BILAG-2004 domains, graded in the columns ``bilag_<domain>``
BILAG_DOMAINS: tuple[str, ...] = (
    "constitutional",
    "mucocutaneous",
    "neuropsychiatric",
    "musculoskeletal",
    "cardiorespiratory",
    "gastrointestinal",
    "ophthalmic",
    "renal",
    "haematological",
)
BILAG_COLUMNS: tuple[str, ...] = tuple(f"bilag_{d}" for d in BILAG_DOMAINS)
#: BILAG grades are stored as ordinals: A=1 (most active) .. E=5 (never involved).
GRADE_CODES: dict[str, float] = {"A": 1.0, "B": 2.0, "C": 3.0, "D": 4.0, "E": 5.0}

NON_NEGATIVE: tuple[str, ...] = (
    "upcr",
    "proteinuria_24h",
    "egfr",
    "creatinine",
    "age",
    "serum_albumin",
    "urine_rbc",
    "urine_wbc",
    "prednisone",
    "immunosuppressant_dose",
    "weight",
    "height",
    "sledai",
    "pga",
    # SPEC section 4's laboratory columns: counts, concentrations and titres
    "c3",
    "c4",
    "anti_dsdna",
    "ana",
    "platelets",
    "wbc",
    "neutrophils",
    "lymphocytes",
    "hemoglobin",
)
FLAGS: tuple[str, ...] = ("rbc_casts", "new_immunosuppressant", "rituximab")
#: the SLEDAI-2K descriptors (SPEC section 8): boolean columns read like FLAGS, from which
#: a ``sledai`` total the table lacks is computed (:mod:`endpoints.derived`)
SLEDAI_FLAGS: tuple[str, ...] = tuple(SLEDAI_2K_ITEMS)
RANGES: dict[str, tuple[float, float]] = {"pga": (0.0, 3.0), "sledai": (0.0, 105.0),
                                          "haq": (0.0, 3.0), "lit": (0.0, 100.0)}
REQUIRED: tuple[str, ...] = ("subject_id", "day")

_SEX = {"f": "F", "female": "F", "m": "M", "male": "M"}


@dataclass
class Visits:
    """A validated visit table in canonical form, sorted by (subject, day).

    Attributes
    ----------
    subjects : ndarray of str
        Subject IDs as strings, sorted; position = subject code.
    code : ndarray of int64
        Subject code of each row.
    day : ndarray of int64
        Study day of each row.
    starts : ndarray of int64
        Position of each subject's first row (where it would be, for a subject without
        visits: one known only from another table).
    values : dict of str to ndarray of float64
        Clinical columns in canonical units, NaN where missing.
    text : dict of str to ndarray of object
        Text columns (``sex``), per row.
    """

    subjects: np.ndarray
    code: np.ndarray
    day: np.ndarray
    starts: np.ndarray
    values: dict[str, np.ndarray]
    text: dict[str, np.ndarray] = field(default_factory=dict)
    medications: Medications | None = None
    adverse_events: AdverseEvents | None = None
    cache: dict = field(default_factory=dict, repr=False)

    @property
    def n_subjects(self) -> int:
        return len(self.subjects)

    @property
    def n_rows(self) -> int:
        return len(self.day)

    def has(self, column: str) -> bool:
        return column in self.values

    @property
    def without_visits(self) -> np.ndarray:
        """Per subject: True for a subject without any visit (known from another table)."""
        if "without_visits" not in self.cache:
            self.cache["without_visits"] = np.diff(np.r_[self.starts, self.n_rows]) == 0
        return self.cache["without_visits"]

    def column(self, name: str) -> np.ndarray:
        """The float64 array of a clinical column (all NaN if absent)."""
        found = self.values.get(name)
        return found if found is not None else np.full(self.n_rows, np.nan)


@dataclass(frozen=True)
class _Column:
    """A checked column in input order: its values, or codes into a small table of
    values (flags, grades, text), put in any row order by :meth:`take`."""

    data: np.ndarray
    table: np.ndarray | None = None

    def take(self, rows: np.ndarray) -> np.ndarray:
        picked = self.data[rows]
        return picked if self.table is None else self.table[picked]


@dataclass
class VisitTable:
    """A validated visit table whose clinical columns are still in input order.

    The (subject, day) order is known (`order`), but columns are put in it only for the
    subjects being scored: :meth:`visits` gives a block of subjects as :class:`Visits`,
    :meth:`blocks` the whole table block by block. Scoring a large table this way keeps
    each block's arrays small enough for the CPU caches and lets their memory be reused
    from block to block.
    """

    subjects: np.ndarray
    code: np.ndarray
    day: np.ndarray
    starts: np.ndarray
    order: np.ndarray
    columns: dict[str, _Column]
    derive: Mapping[str, Any] = field(default_factory=dict)
    derivation_only: frozenset[str] = frozenset()
    medications: Medications | None = None
    adverse_events: AdverseEvents | None = None

    @property
    def n_rows(self) -> int:
        return len(self.day)

    def visits(self, lo: int = 0, hi: int | None = None) -> Visits:
        """Subjects ``lo .. hi - 1`` (all by default) as :class:`Visits`, recoded from 0."""
        n = len(self.subjects)
        hi = n if hi is None else hi
        first = self.starts[lo] if lo < n else self.n_rows
        last = self.starts[hi] if hi < n else self.n_rows
        rows = self.order[first:last]
        names = list(self.columns)
        values = dict(zip(names, map_threads(lambda name: self.columns[name].take(rows), names,
                                              len(rows)),
                          strict=True))
        text = {"sex": values.pop("sex")} if "sex" in values else {}
        code, day = self.code[first:last] - lo, self.day[first:last]
        for name, method in self.derive.items():  # a supplied column is used as it is
            if name not in values and method.available(values.keys() | text.keys()):
                values[name] = method.compute(*(values.get(i, text.get(i))
                                                for i in method.inputs))
        for name in self.derivation_only:
            values.pop(name, None)
        meds = None if self.medications is None else self.medications.subjects_in(lo, hi)
        if meds is not None:  # the source of these facts when given
            values.update(meds.at_visits(code, day))
        events = (None if self.adverse_events is None
                  else self.adverse_events.subjects_in(lo, hi))
        return Visits(self.subjects[lo:hi], code, day, self.starts[lo:hi] - first, values,
                      text, meds, events)

    def blocks(self, rows: int) -> Iterator[Visits]:
        """The table as consecutive blocks of whole subjects, about `rows` rows each.

        Examples
        --------
        >>> table = check_visits(pd.DataFrame({"subject_id": [1, 1, 2, 3],
        ...                                    "day": [0, 7, 0, 0]}))
        >>> [(list(b.subjects), b.code.tolist()) for b in table.blocks(2)]
        [(['1'], [0, 0]), (['2', '3'], [0, 1])]
        """
        n = len(self.subjects)
        cuts = np.searchsorted(self.starts, np.arange(rows, self.n_rows, rows))
        edges = np.unique(np.r_[0, cuts, n])
        if n == 0:
            yield self.visits()
        for lo, hi in pairwise(edges):
            yield self.visits(int(lo), int(hi))


#: fewer rows than this are converted on one thread: starting threads costs more
THREAD_ROWS = 50_000


def map_threads(function, items: list, rows: int = THREAD_ROWS) -> list:
    """``[function(item) for item in items]`` on a few threads (for numpy and Arrow work,
    which releases the GIL) when the table has at least :data:`THREAD_ROWS` `rows`;
    results, and the first error, in the order of `items`."""
    with started(function, items, rows) as results:
        return results()


@contextmanager
def started(function, items: list, rows: int = THREAD_ROWS) -> Iterator[Callable[[], list]]:
    """Start ``[function(item) for item in items]`` on a few threads, as
    :func:`map_threads` would, while the caller goes on; the context gives a callable
    that waits for the results (and the first error), in the order of `items`. For a
    table of fewer than :data:`THREAD_ROWS` `rows` the items run when it is called.

    Examples
    --------
    >>> with started(lambda x: x + 1, [1, 2, 3], rows=10**6) as results:
    ...     results()
    [2, 3, 4]
    """
    if len(items) < 2 or rows < THREAD_ROWS:
        yield lambda: [function(item) for item in items]
        return
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        futures = [pool.submit(function, item) for item in items]
        try:
            yield lambda: [future.result() for future in futures]
        finally:
            for future in futures:  # the caller failed: what has not started never will
                future.cancel()


def prepare(visits: pd.DataFrame, **options) -> Visits:
    """Map, convert and validate a visit table into canonical :class:`Visits`, every
    subject at once; `options` are those of :func:`check_visits`.

    Examples
    --------
    >>> v = prepare(pd.DataFrame({"USUBJID": ["b", "a"], "day": [0, 0],
    ...                           "upcr": [113.12, 56.56], "sledai": [4, 2]}),
    ...             columns={"USUBJID": "subject_id"}, units={"upcr": "mg/mmol"},
    ...             needed={"upcr"}, select=True)
    >>> list(v.subjects), v.values
    (['a', 'b'], {'upcr': array([0.5, 1. ])})
    """
    return check_visits(visits, **options).visits()


def check_visits(
    visits: pd.DataFrame,
    *,
    columns: Mapping[str, str] | None = None,
    units: Mapping[str, str | float] | None = None,
    needed: Iterable[str] = (),
    select: bool = False,
    medications: pd.DataFrame | None = None,
    drug_classes: Mapping[str, str] | None = None,
    derive: Mapping[str, Any] | None = None,
    subjects: Iterable[str] = (),
    adverse_events: pd.DataFrame | None = None,
) -> VisitTable:
    """Map, convert and validate a visit table; :meth:`VisitTable.visits` then orders it.

    Parameters
    ----------
    visits : DataFrame
        Wide visit table, one row per subject per visit (SPEC section 2).
    columns : mapping, optional
        User column name -> canonical name, e.g. ``{"USUBJID": "subject_id"}``.
    units : mapping, optional
        Column -> declared unit of its values, e.g. ``{"upcr": "mg/mmol"}``, or the
        number they are divided by (``{"creatinine": 88.4}``).
    needed : iterable of str
        The columns the caller reads; those that are not canonical must be numeric.
    select : bool
        Keep only the `needed` columns (and those a derived one is computed from).
        Every column is validated either way.
    medications : DataFrame, optional
        Dosing records; when given they are the source of ``prednisone`` (daily
        prednisone-equivalent dose on the visit day), ``rituximab`` and
        ``new_immunosuppressant`` (a record started since the previous visit). A
        subject with records and no visits is still a subject.
    drug_classes : mapping, optional
        The user's drug names -> a known drug (or class), extending the dictionary.
    derive : mapping, optional
        Derived variable -> its :class:`~endpoints.derived.Method`: computed for the
        blocks of the table when the table lacks the variable and has its inputs.
    subjects : iterable of str
        Further subject IDs (text forms), e.g. of a subject-level dataset: subjects
        with or without visits.
    adverse_events : DataFrame, optional
        The adverse-events table (SPEC section 6); its subjects are subjects too.

    Returns
    -------
    VisitTable

    Raises
    ------
    InputError
        Listing every problem found: a missing required column, a bad value, a
        duplicate visit, an unknown unit, a bad medication record.

    Examples
    --------
    >>> table = check_visits(pd.DataFrame({"subject_id": ["b", "a"], "day": [0, 0],
    ...                                    "upcr": [1.0, 0.5], "sledai": [4, 2]}),
    ...                      needed={"upcr"}, select=True)
    >>> list(table.subjects), list(table.columns)
    (['a', 'b'], ['upcr'])
    """
    problems = Problems()
    frame = frame_of(visits, "visit table", problems)
    mapping = _mapping(columns, "columns", problems)
    cdisc_day = None
    declared = _mapping(units, "units", problems, numbers=True)
    if frame is not None and mapping is not None:
        cdisc_day = next((k for k, v in mapping.items() if v == "day" and isinstance(k, str)
                          and re.fullmatch(r"(A|[A-Z]{2})DY", k.upper())), None)
        frame = _rename(frame, mapping, problems)
    if frame is not None:
        long = [c for c in frame.columns if isinstance(c, str)
                and (c.upper() == "PARAMCD" or c.upper().endswith("TESTCD"))]
        if long:
            problems.add(long[0], "a long CDISC dataset (one row per parameter), where a wide "
                         "visit table (one row per subject and visit) is expected: read it "
                         "with ep.read_adam or ep.read_sdtm")
        for name in REQUIRED:
            if name not in frame.columns:
                problems.add(name, "required column is missing")
    records, of_meds = None, Problems()  # the medications' problems are listed after the visits'
    if medications is not None:
        meds = frame_of(medications, "medications table", of_meds)
        records = None if meds is None else check_medications(meds, of_meds, drug_classes)
    events = None
    if adverse_events is not None:  # its problems are listed with the medications'
        table = frame_of(adverse_events, "adverse-events table", of_meds)
        events = None if table is None else check_adverse_events(table, of_meds)
    if frame is None or mapping is None or not set(REQUIRED) <= set(frame.columns):
        problems.found += of_meds.found
        problems.raise_if_any()  # the visit table's shape is wrong: its values cannot be read

    of_units = Problems()  # listed where they were before the columns were started
    divisors = _unit_divisors(declared or {}, mapping or {}, frame.columns, of_units)
    needed = set(needed)
    read = [name for name in frame.columns
            if name in ("sex", *FLAGS, *SLEDAI_FLAGS, *BILAG_COLUMNS, *NON_NEGATIVE, *RANGES)
            or name in needed]
    located = Rows.later(problems)  # the columns are checked while the rows are ordered

    def canonical(name) -> tuple[_Column, Problems, str | None]:
        """The column converted to canonical values and checked, its problems, and the
        plausibility warning of its values (each column on its own: threads run them
        in any order, and their problems are listed in column order)."""
        found = Problems()
        where = replace(located, problems=found)
        convert = _CONVERTERS.get(name)
        if convert is not None:
            return convert(frame[name], name, where), found, None
        values = to_numbers(frame[name], name, where)
        if divisors.get(name, 1.0) != 1.0:
            values = values / divisors[name]
        _check_range(values, name, where)
        return _Column(values), found, implausible(name, values)

    with started(canonical, read, len(frame)) as results:
        try:
            subjects, code, raw_day, order, bad_ids, bad_days = _ordered(
                frame, cdisc_day, subjects, (records, events))
        except BaseException as error:  # no column waits for rows that never come
            located.pending.set_exception(error)
            raise
        located.pending.set_result((subjects, code, raw_day, order))
        rows = Rows(subjects, code, raw_day, order, problems)
        for problem, mask in bad_ids.items():  # located by day: rows have no subject
            rows.check(mask, "subject_id", ID_PROBLEMS[problem])
        for problem, mask in bad_days.items():
            rows.check(mask, "day", problem, shown=None if problem == "missing study day"
                       else frame["day"])
        code, day = code[order], raw_day[order]
        valid = (code >= 0) & ~np.isnan(day)
        dup = np.flatnonzero(valid[1:] & valid[:-1] & (code[1:] == code[:-1])
                             & (day[1:] == day[:-1]))
        if len(dup):
            problems.add("day", "two rows for the same subject and day",
                         subject=subjects[code[dup[0]]], day=day[dup[0]], count=len(dup))
        problems.found += of_units.found
        converted = results()
    checked = {name: column for name, (column, _, _) in zip(read, converted, strict=True)}
    for _, found, _ in converted:
        problems.found += found.found
    problems.found += of_meds.found
    problems.raise_if_any()
    for message in filter(None, (warning for _, _, warning in converted)):
        warnings.warn(message, EndpointsWarning, stacklevel=3)
    derive = {name: method for name, method in (derive or {}).items()
              if name not in frame.columns}
    inputs = {i for method in derive.values() for i in method.inputs}
    kept = (needed | inputs) if select else set(checked)
    starts = np.searchsorted(code, np.arange(len(subjects)))  # subjects without visits too
    return VisitTable(
        subjects, code, day.astype(np.int64), starts, order,
        columns={name: column for name, column in checked.items() if name in kept},
        derive=derive,
        derivation_only=frozenset(inputs - needed) if select else frozenset(),
        medications=None if records is None else records.coded(pd.Index(subjects)),
        adverse_events=None if events is None else events.coded(pd.Index(subjects)),
    )


def _ordered(frame: pd.DataFrame, cdisc_day: str | None, subjects: Iterable[str],
             tables: tuple) -> tuple:
    """The rows' subjects and days, and their (subject, day) order.

    Returns every subject of the visits, of `subjects` and of the other `tables` (sorted
    text forms), each row's subject code and study day, the order, and the rows with a
    bad subject ID or day, by problem (:func:`encode`, :func:`study_days`).
    """
    code, labels, bad_ids = encode(frame["subject_id"])
    raw_day, bad_days = study_days(frame["day"])
    if cdisc_day and not (raw_day == 0).any() and (raw_day >= 1).any():
        warnings.warn(f"columns={{{cdisc_day!r}: 'day'}}: {cdisc_day} has no day 0, like CDISC "
                      "study days (day 1 is the reference date, the canonical day 0); if it "
                      "holds them, read the dataset with ep.read_adam / ep.read_sdtm, or give "
                      f"day = {cdisc_day} - 1 where {cdisc_day} >= 1", EndpointsWarning,
                      stacklevel=5)
    invalid_day = np.isnan(raw_day) & ~bad_days["missing study day"]
    others = np.asarray(list(subjects), dtype=object)
    for table in tables:
        if table is not None:
            others = np.concatenate([others, table.labels])
    subjects = labels  # every subject of every table, sorted by text form
    if len(others) and not pd.Index(others).isin(labels).all():
        subjects, recode = np.unique(np.concatenate([labels, others]).astype(str),
                                     return_inverse=True)  # sorted as encode sorts
        subjects = subjects.astype(object)
        code = np.r_[recode.ravel()[:len(labels)], -1][code].astype(np.int64)
    # rows with an invalid day sort by what number they hold, if any
    order = _sort_order(code, np.where(invalid_day, as_numbers(frame["day"]), raw_day)
                        if invalid_day.any() else raw_day)
    return subjects, code, raw_day, order, bad_ids, bad_days


def frame_of(table, name: str, problems: Problems) -> pd.DataFrame | None:
    """`table` if it is a DataFrame with one level of unique column labels."""
    if not isinstance(table, pd.DataFrame):
        problems.add(f"({name})", f"expected a pandas DataFrame, got {type(table).__name__}")
        return None
    if isinstance(table.columns, pd.MultiIndex):
        problems.add(f"({name})", "column labels have several levels: flatten them first")
        return None
    duplicated = table.columns[table.columns.duplicated()]
    if len(duplicated):
        problems.add(duplicated[0], f"column appears more than once in the {name}")
        return None
    nameless = [i for i, label in enumerate(table.columns) if _no_label(label)]
    if nameless:
        label = table.columns[nameless[0]]
        problems.add(f"({name})", f"column {nameless[0]} has no name ({label!r})")
        return None
    return table


def _no_label(label) -> bool:
    try:
        return label is None or bool(pd.isna(label))
    except (TypeError, ValueError):  # a tuple or another odd label: a name all the same
        return False


def _mapping(given, name: str, problems: Problems, *, numbers: bool = False) -> dict | None:
    """`given` as a dict of text to text (or, with `numbers`, to numbers as well), or
    None (recording a problem) if it is not."""
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        problems.add(f"{name}=", f"expected a mapping such as a dict, got "
                                   f"{type(given).__name__}")
        return None
    allowed = (str, int, float) if numbers else str
    bad = [(k, v) for k, v in given.items()
           if not isinstance(v, allowed) or isinstance(v, bool)]
    if bad:
        what = "text or numbers" if numbers else "text"
        problems.add(f"{name}=", f"values must be {what}, got {bad[0][1]!r} for {bad[0][0]!r}")
        return None
    return dict(given)


def _sort_order(code: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The stable (subject, day) order of the rows, rows without a subject last and,
    within a subject, rows without a day last: one integer key (:func:`stable_order`)
    when every day is a valid study day (they are bounded), else a two-key sort.

    Examples
    --------
    >>> _sort_order(np.array([1, 0, 1, -1, 0]), np.array([7.0, 3.0, 0.0, 0.0, 3.0]))
    array([1, 4, 2, 0, 3])
    >>> _sort_order(np.array([0, 0, 0]), np.array([np.nan, 2.0, 1.5]))
    array([2, 1, 0])
    """
    if not len(day):
        return np.arange(0)
    subject = np.where(code >= 0, code, code.max() + 1).astype(np.int64)  # no subject: last
    valid = np.isfinite(day) & (day == np.round(day)) & (np.abs(day) <= MAX_DAY)
    if not valid.all():
        return np.lexsort((np.where(np.isnan(day), np.inf, day), subject))
    days = day.astype(np.int64)
    first = int(days.min())
    return stable_order(subject * (int(days.max()) - first + 1) + (days - first))


def compute_bilag_score(grades: Sequence[np.ndarray]) -> np.ndarray:
    """BILAG numeric score per row: A=12, B=8, C=1, D=0, E=0 summed over the recorded
    domains (one array per domain, grades coded A=1 .. E=5); NaN if none is recorded.

    Examples
    --------
    >>> compute_bilag_score([np.array([1.0, np.nan]), np.array([2.0, np.nan]),
    ...                      np.array([3.0, np.nan]), np.array([np.nan, np.nan])])
    array([21., nan])
    """
    points = np.array([0.0, 12.0, 8.0, 1.0, 0.0, 0.0])  # position 0: not recorded
    total = np.zeros(len(grades[0]))
    recorded = np.zeros(len(grades[0]), dtype=bool)
    for grade in grades:
        coded = np.nan_to_num(grade, nan=0.0).astype(np.intp)
        total += points[coded]
        recorded |= coded > 0
    return np.where(recorded, total, np.nan)


def _rename(visits: pd.DataFrame, columns: dict[str, str], problems: Problems
            ) -> pd.DataFrame | None:
    found = len(problems.found)
    for user in columns:
        if user not in visits.columns:
            problems.add(user, "named in columns= but not in the visit table")
    targets = list(columns.values())
    for target in sorted(set(targets)):
        if targets.count(target) > 1:
            problems.add(target, "more than one input column is mapped to it")
    for user, target in columns.items():
        if (user in visits.columns and target in visits.columns and target != user
                and target not in columns):
            problems.add(target, "mapped from another column but also present in the table")
    if len(problems.found) > found:
        return None
    return visits.rename(columns=columns) if columns else visits


def _unit_divisors(units: dict[str, str], columns: dict[str, str], present,
                   problems: Problems) -> dict[str, float]:
    """Column (canonical name) -> what its declared unit's values are divided by."""
    divisors, absent = {}, []
    for name, unit in units.items():
        name = columns.get(name, name)
        if isinstance(unit, int | float) and not isinstance(unit, bool):
            # a number is the divisor itself: another source's factor (88.4 umol/L per
            # mg/dL where SPEC section 2's default is 88.42)
            divisor = float(unit) if np.isfinite(unit) and unit > 0 else None
            if divisor is None:
                problems.add(name, f"unit divisor {unit!r} is not a positive number")
                continue
        else:
            divisor = unit_divisor(name, unit)
        if divisor is None:
            problems.add(name, f"unknown unit {unit!r}")
            continue
        if name not in present:
            absent.append(name)
        divisors[name] = divisor
    if absent:
        warnings.warn(f"units declared for columns not in the visit table: {', '.join(absent)}",
                      EndpointsWarning, stacklevel=4)
    return divisors


def _check_range(values: np.ndarray, name, rows: Rows) -> None:
    if name in NON_NEGATIVE and name not in RANGES:
        rows.check(values < 0, name, "negative value")
    if name in RANGES:
        low, high = RANGES[name]
        rows.check((values < low) | (values > high), name, f"value outside {low:g}-{high:g}")


def _by_value(series: pd.Series, convert, rows: Rows, name, problem: str) -> _Column:
    """Apply `convert` (lower-case text -> value, or NaN if invalid) to the distinct text
    forms of `series` only (``1.0``, ``1`` and ``"1"`` are one form), checking that only
    blanks are missing.

    The column is kept as small codes into the table of converted values."""
    codes, labels, bad = encode(series)
    rows.check(bad["not a single value"] | bad["infinite"], name, problem)
    converted = np.array([convert(str(t).lower()) for t in labels], dtype=float)
    invalid = np.r_[np.isnan(converted), False]
    rows.check(invalid[codes], name, problem)
    return _coded(codes, np.r_[converted, np.nan])  # code -1 (missing) -> the last entry


def _coded(codes: np.ndarray, table: np.ndarray) -> _Column:
    """A column of codes into `table` (-1: its last entry), in the smallest integer type."""
    for small in (np.int8, np.int16, np.int32):
        if len(table) <= np.iinfo(small).max:
            return _Column(codes.astype(small), table)
    return _Column(codes, table)


def _flag(series: pd.Series, name, rows: Rows) -> _Column:
    return _by_value(series, lambda t: TRUTH.get(t, np.nan),
                     rows, name, "expected a boolean (true/false, yes/no, 1/0)")


def _grade(series: pd.Series, name, rows: Rows) -> _Column:
    return _by_value(series, lambda t: GRADE_CODES.get(t.upper(), np.nan), rows, name,
                     "BILAG grade outside A-E")


def _sex(series: pd.Series, name, rows: Rows) -> _Column:
    """"F" or "M" (None where missing) per row, from the accepted spellings."""
    coded = _by_value(series, lambda t: {"M": 0.0, "F": 1.0}.get(_SEX.get(t), np.nan), rows,
                      name, 'expected "F" or "M"')
    labels = np.array(["M", "F", None], dtype=object)
    return _Column(coded.data, labels[np.nan_to_num(coded.table, nan=2).astype(np.intp)])


#: converter of each column that is not plain numeric: (series, name, rows) -> _Column
_CONVERTERS = {"sex": _sex, **dict.fromkeys((*FLAGS, *SLEDAI_FLAGS), _flag),
               **dict.fromkeys(BILAG_COLUMNS, _grade)}
