"""The canonical visit table: column mapping, unit conversion and validation.

:func:`prepare` turns a user's visit table into a :class:`Visits` object: rows sorted
by (subject, day), subjects coded 0..n-1, every clinical column a float64 array in
canonical units (booleans as 0/1, BILAG grades A..E as 1..5). It never mutates the
input and raises :class:`~endpoints.errors.InputError` naming the column, the problem
and the first offending subject/day (in sorted order, so independent of row order).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd

from .clinical.egfr import compute_egfr_ckd_epi_2021
from .definitions import BILAG_DOMAINS
from .errors import InputError
from .medications import Medications, prepare_medications
from .units import unit_divisor

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
)
FLAGS: tuple[str, ...] = ("rbc_casts", "new_immunosuppressant", "rituximab")
RANGES: dict[str, tuple[float, float]] = {"pga": (0.0, 3.0), "sledai": (0.0, 105.0)}
REQUIRED: tuple[str, ...] = ("subject_id", "day")

_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}
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
        Position of each subject's first row.
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
    cache: dict = field(default_factory=dict, repr=False)

    @property
    def n_subjects(self) -> int:
        return len(self.subjects)

    @property
    def n_rows(self) -> int:
        return len(self.day)

    def has(self, column: str) -> bool:
        return column in self.values

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
    bilag_score: bool = False
    derivation_only: frozenset[str] = frozenset()
    medications: Medications | None = None

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
        values = dict(zip(names, _map(lambda name: self.columns[name].take(rows), names),
                          strict=True))
        text = {"sex": values.pop("sex")} if "sex" in values else {}
        code, day = self.code[first:last] - lo, self.day[first:last]
        if self.bilag_score and any(c in values for c in BILAG_COLUMNS):
            values["bilag_score"] = compute_bilag_score(
                [values[c] for c in BILAG_COLUMNS if c in values])
        for name in self.derivation_only:
            values.pop(name, None)
        if "egfr" not in values and {"creatinine", "age"} <= values.keys() and "sex" in text:
            egfr = compute_egfr_ckd_epi_2021(values["creatinine"], values["age"], text["sex"])
            values["egfr"] = egfr.to_numpy(dtype="float64", na_value=np.nan)
        meds = None if self.medications is None else self.medications.subjects_in(lo, hi)
        if meds is not None:
            values["prednisone"] = meds.steroid_rate_on(code, day)
            values["rituximab"] = meds.started_in(meds.rituximab, code, day).astype(float)
            values["new_immunosuppressant"] = meds.started_in(
                meds.new_immunosuppressant, code, day).astype(float)
        return Visits(self.subjects[lo:hi], code, day, self.starts[lo:hi] - first, values,
                      text, meds)

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


def _map(function, items: list) -> list:
    """``[function(item) for item in items]`` on a few threads (for numpy and Arrow work,
    which releases the GIL); results, and the first error, in the order of `items`."""
    if len(items) < 2:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return list(pool.map(function, items))


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
    units: Mapping[str, str] | None = None,
    needed: Iterable[str] = (),
    select: bool = False,
    medications: pd.DataFrame | None = None,
) -> VisitTable:
    """Map, convert and validate a visit table; :func:`prepare` then orders it.

    Parameters
    ----------
    visits : DataFrame
        Wide visit table, one row per subject per visit (SPEC section 2).
    columns : mapping, optional
        User column name -> canonical name, e.g. ``{"USUBJID": "subject_id"}``.
    units : mapping, optional
        Column -> declared unit of its values, e.g. ``{"upcr": "mg/mmol"}``.
    needed : iterable of str
        The columns the caller reads; those that are not canonical must be numeric.
    select : bool
        Keep only the `needed` columns (and those ``egfr`` or ``bilag_score`` are
        derived from). Every column is validated either way.
    medications : DataFrame, optional
        Dosing records; when given they are the source of ``prednisone`` (daily
        prednisone-equivalent dose on the visit day), ``rituximab`` and
        ``new_immunosuppressant`` (a record started since the previous visit).

    Returns
    -------
    VisitTable

    Raises
    ------
    InputError
        On a missing required column, a bad value, a duplicate visit or an unknown unit.

    Examples
    --------
    >>> table = check_visits(pd.DataFrame({"subject_id": ["b", "a"], "day": [0, 0],
    ...                                    "upcr": [1.0, 0.5], "sledai": [4, 2]}),
    ...                      needed={"upcr"}, select=True)
    >>> list(table.subjects), list(table.columns)
    (['a', 'b'], ['upcr'])
    """
    if not isinstance(visits, pd.DataFrame):
        raise InputError("(table)", f"expected a pandas DataFrame, got {type(visits).__name__}")
    frame = _rename(visits, dict(columns or {}))
    for name in REQUIRED:
        if name not in frame.columns:
            raise InputError(name, "required column is missing")
    code, subjects = _subject_codes(frame["subject_id"])
    raw_day = _days(frame["day"], code, subjects)
    order = _sort_order(code, raw_day)
    code, day = code[order], raw_day[order]
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]]) if len(code) else code[:0]
    dup = np.flatnonzero((code[1:] == code[:-1]) & (day[1:] == day[:-1]))
    if len(dup):
        i = dup[0]
        raise InputError(
            "day", "two rows for the same subject and day", subject=subjects[code[i]], day=day[i]
        )
    where = _Locator(subjects, code, day, order)
    divisors = _unit_divisors(dict(units or {}), dict(columns or {}))
    needed = set(needed)
    read = [name for name in frame.columns
            if name in ("sex", *FLAGS, *BILAG_COLUMNS, *NON_NEGATIVE) or name in needed]

    def canonical(name: str) -> _Column:
        """The column converted to canonical values and checked."""
        convert = _CONVERTERS.get(name)
        if convert is not None:
            return convert(frame[name], name, where)
        values = _numeric(frame[name], name, where)
        if divisors.get(name, 1.0) != 1.0:
            values = values / divisors[name]
        _check_range(values, name, where)
        return _Column(values)

    # Unknown columns no endpoint reads, and `arm` (carried by summaries), are left alone.
    checked = dict(zip(read, _map(canonical, read), strict=True))
    kept = _kept(needed, frame.columns) if select else set(checked)
    meds = None if medications is None else prepare_medications(medications, subjects)
    return VisitTable(
        subjects, code, day, starts, order,
        columns={name: column for name, column in checked.items() if name in kept},
        bilag_score="bilag_score" in needed,
        derivation_only=frozenset(set(BILAG_COLUMNS) - needed) if select else frozenset(),
        medications=meds,
    )


def _kept(needed: set[str], present: Iterable[str]) -> set[str]:
    """The columns to keep for `needed`: those, and what a derived one is computed from."""
    kept = set(needed)
    if "egfr" in needed and "egfr" not in present:
        kept |= {"creatinine", "age", "sex"}
    if "bilag_score" in needed:
        kept |= set(BILAG_COLUMNS)
    return kept


def _sort_order(code: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The stable (subject, day) order of the rows: one sort of a single integer key
    when (subject, day) fits one, else a two-key sort."""
    if not len(day):
        return np.arange(0)
    low = int(day.min())
    span = int(day.max()) - low + 1  # Python integers: no overflow for extreme days
    if int(code.max()) < np.iinfo(np.int64).max // span:
        return np.argsort(code * span + (day - low), kind="stable")
    return np.lexsort((day, code))


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


class _Locator:
    """Names the first offending subject/day, in (subject, day) order, of a boolean mask
    over the input rows (`order` maps sorted positions to input rows)."""

    def __init__(self, subjects: np.ndarray, code: np.ndarray, day: np.ndarray,
                 order: np.ndarray) -> None:
        self.subjects, self.code, self.day, self.order = subjects, code, day, order

    def check(self, bad: np.ndarray, column: str, problem: str) -> None:
        if not bad.any():
            return
        hits = np.flatnonzero(np.asarray(bad)[self.order])
        if len(hits):
            i = hits[0]
            raise InputError(
                column, problem, subject=self.subjects[self.code[i]], day=int(self.day[i])
            )


def _rename(visits: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    for user in columns:
        if user not in visits.columns:
            raise InputError(user, "named in columns= but not in the visit table")
    targets = list(columns.values())
    for target in set(targets):
        if targets.count(target) > 1:
            raise InputError(target, "more than one input column is mapped to it")
    clashes = [t for u, t in columns.items() if t in visits.columns and t != u and t not in columns]
    if clashes:
        raise InputError(clashes[0], "mapped from another column but also present in the table")
    frame = visits.rename(columns=columns) if columns else visits
    if frame.columns.duplicated().any():
        name = frame.columns[frame.columns.duplicated()][0]
        raise InputError(str(name), "column appears more than once")
    return frame


def _subject_codes(subject: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    missing = subject.isna().to_numpy()
    if missing.any():
        raise InputError("subject_id", f"missing subject ID in row {int(np.argmax(missing))}")
    # Halves of the rows are encoded on two threads, then their distinct IDs together.
    half = len(subject) // 2
    halves = _map(_factorize, [subject.iloc[:half], subject.iloc[half:]])
    labels = pd.Index(np.concatenate([uniques for _, uniques in halves])).astype(str)
    recode, subjects = pd.factorize(labels, sort=True)
    (first, first_ids), (second, _) = halves
    code = np.concatenate([recode[first], recode[len(first_ids):][second]])
    return code.astype(np.int64), np.asarray(subjects, dtype=object)


def _factorize(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 where missing) and distinct values of a column, in order of appearance.

    A column stored by Arrow (pandas' default for text) is encoded by Arrow itself,
    several times faster than pandas' general path on millions of rows.

    Examples
    --------
    >>> codes, uniques = _factorize(pd.Series(["b", "a", None, "b"], dtype="string"))
    >>> codes.tolist(), uniques.tolist()
    ([0, 1, -1, 0], ['b', 'a'])
    """
    if getattr(series.dtype, "storage", None) == "pyarrow":
        import pyarrow as pa  # installed: the column is stored by it

        encoded = pa.array(series.array).dictionary_encode()
        if isinstance(encoded, pa.ChunkedArray):  # one dictionary for all chunks
            encoded = encoded.combine_chunks()
        codes = encoded.indices.fill_null(-1).to_numpy()
        return codes, encoded.dictionary.to_numpy(zero_copy_only=False)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


def _days(day: pd.Series, code: np.ndarray, subjects: np.ndarray) -> np.ndarray:
    numeric = pd.to_numeric(day, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isfinite(numeric) | (numeric != np.round(numeric))
    if bad.any():
        rows = np.flatnonzero(bad)
        first = rows[np.lexsort((numeric[rows], code[rows]))[0]]  # sorted order; NaN last
        problem = "missing study day" if pd.isna(day.iloc[first]) else "study day is not an integer"
        raise InputError("day", f"{problem} ({day.iloc[first]!r})", subject=subjects[code[first]])
    return numeric.astype(np.int64)


def _unit_divisors(units: dict[str, str], columns: dict[str, str]) -> dict[str, float]:
    """Column (canonical name) -> what its declared unit's values are divided by."""
    divisors = {}
    for name, unit in units.items():
        name = columns.get(name, name)
        if not isinstance(unit, str):
            raise InputError(name, f"unit must be a string, got {unit!r}")
        divisor = unit_divisor(name, unit)
        if divisor is None:
            raise InputError(name, f"unknown unit {unit!r}")
        divisors[name] = divisor
    return divisors


def _numeric(series: pd.Series, name: str, where: _Locator) -> np.ndarray:
    if series.dtype == np.float64:  # already canonical: read in place, not copied
        values = series.to_numpy()
        where.check(np.isinf(values), name, "infinite value")
        return values
    if pd.api.types.is_bool_dtype(series.dtype):
        where.check(series.notna().to_numpy(), name, "expected numbers, got booleans")
    if not pd.api.types.is_numeric_dtype(series.dtype):  # blank text (e.g. from CSV) is missing
        series = series.where(~series.astype("string").str.strip().eq("").fillna(False))
    numeric = pd.to_numeric(series, errors="coerce")
    bad = (numeric.isna() & series.notna()).to_numpy()
    where.check(bad, name, "non-numeric value")
    values = numeric.to_numpy(dtype="float64", na_value=np.nan)
    where.check(np.isinf(values), name, "infinite value")
    return values


def _check_range(values: np.ndarray, name: str, where: _Locator) -> None:
    if name in NON_NEGATIVE:
        where.check(values < 0, name, "negative value")
    if name in RANGES:
        low, high = RANGES[name]
        where.check((values < low) | (values > high), name, f"value outside {low:g}-{high:g}")


def _by_value(series: pd.Series, convert, where: _Locator, name: str,
              problem: str) -> _Column:
    """Apply `convert` (text -> value, or NaN if invalid) to the distinct values of
    `series` only (stripped and lower-cased), checking that only blanks are missing.

    The column is kept as small codes into the table of converted values."""
    codes, uniques = _factorize(series)
    text = pd.Series(uniques, dtype=object).astype("string").str.strip().str.lower().fillna("")
    converted = np.array([convert(t) for t in text], dtype=float)
    invalid = np.isnan(converted) & (text != "").to_numpy(dtype=bool)
    if invalid.any():
        where.check(np.r_[invalid, False][codes], name, problem)
    return _coded(codes, np.r_[converted, np.nan])  # code -1 (missing) -> the last entry


def _coded(codes: np.ndarray, table: np.ndarray) -> _Column:
    """A column of codes into `table` (-1: its last entry), in the smallest integer type."""
    for small in (np.int8, np.int16, np.int32):
        if len(table) <= np.iinfo(small).max:
            return _Column(codes.astype(small), table)
    return _Column(codes, table)


def _flag(series: pd.Series, name: str, where: _Locator) -> _Column:
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        values = pd.to_numeric(series).to_numpy(dtype="float64", na_value=np.nan)
        where.check(~np.isnan(values) & (values != 0) & (values != 1), name, "expected a boolean")
        return _coded(np.where(np.isnan(values), -1, values), np.array([0.0, 1.0, np.nan]))
    return _by_value(series, lambda t: 1.0 if t in _TRUE else 0.0 if t in _FALSE else np.nan,
                     where, name, "expected a boolean (true/false, yes/no, 1/0)")


def _grade(series: pd.Series, name: str, where: _Locator) -> _Column:
    return _by_value(series, lambda t: GRADE_CODES.get(t.upper(), np.nan), where, name,
                     "BILAG grade outside A-E")


def _sex(series: pd.Series, name: str, where: _Locator) -> _Column:
    """"F" or "M" (None where missing) per row, from the accepted spellings."""
    coded = _by_value(series, lambda t: {"M": 0.0, "F": 1.0}.get(_SEX.get(t), np.nan), where,
                      name, 'expected "F" or "M"')
    labels = np.array(["M", "F", None], dtype=object)
    return _Column(coded.data, labels[np.nan_to_num(coded.table, nan=2).astype(np.intp)])


#: converter of each column that is not plain numeric: (series, name, where) -> _Column
_CONVERTERS = {"sex": _sex, **dict.fromkeys(FLAGS, _flag),
               **dict.fromkeys(BILAG_COLUMNS, _grade)}
