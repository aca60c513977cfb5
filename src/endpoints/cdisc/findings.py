"""Findings records (SDTM LB / VS / QS, ADaM BDS datasets such as ADLB and ADQS) into
the wide canonical visit table: one value per subject, column and study day.

Each record is mapped to a column by its parameter code (and specimen), placed on a
canonical study day, read as a number (or a flag, or a BILAG grade) in the column's
canonical unit, and checked against the other records of its subject, column and day.
Everything that is not used is a line of the :class:`~endpoints.cdisc.report.Report`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..inputs.numbers import to_numbers
from ..inputs.problems import Rows
from ..inputs.text import TRUTH, text_forms
from ..inputs.units import CANONICAL_UNITS, UNIT_DIVISORS, unit_divisor
from ..inputs.visits import BILAG_COLUMNS, FLAGS
from .dates import NOT_A_DATE, PARTIAL, days_between, from_study_days, to_dates
from .params import columns_of
from .report import Report

#: result texts of a present / absent finding (urine casts, Y/N flags), lower-cased
PRESENCE = {**TRUTH, "positive": 1.0, "pos": 1.0, "present": 1.0, "negative": 0.0,
            "neg": 0.0, "absent": 0.0, "not present": 0.0}
_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"
_LIMITED = re.compile(rf"^([<>]=?)\s*{_NUMBER}$")
_RANGE = re.compile(rf"^{_NUMBER}\s*-\s*{_NUMBER}$")
_TITRE = re.compile(rf"^1\s*:\s*{_NUMBER}$")
_UNIT_IN_NAME = re.compile(r"\(([^()]+)\)\s*$")
BELOW = "result below a limit ('<L'): read as half the limit, L/2"
ABOVE = "result above a limit ('>L'): read as the limit, L"
RANGE = "result given as a range ('a-b'): read as its upper end, b"
#: column -> {unit (lower case): what a record in that unit measures instead}: such
#: records are another measurement of the same test code, left out with a report line
OTHER_MEASURES = {"proteinuria_24h": dict.fromkeys(
    ("mg/dl", "g/l", "mg/l", "g/dl"), "a concentration (spot urine), not a 24-hour excretion")}
TITRE = "titre given as a dilution ('1:N'): read as the reciprocal titre, N"


@dataclass(frozen=True)
class Layout:
    """Where a findings dataset keeps each piece of a record (the variable names)."""

    dataset: str
    code: str
    number: str
    text: str
    unit: str
    dy: str
    date: str
    low: str
    high: str
    seq: str
    specimen: str
    flag: str | None = None  # ADaM ANL01FL
    derived: str | None = None  # ADaM DTYPE
    status: str | None = None  # SDTM --STAT
    name: str | None = None  # ADaM PARAM (its unit in parentheses)
    subject: str = "USUBJID"


def adam_layout(dataset: str) -> Layout:
    """The variables of an ADaM BDS dataset."""
    return Layout(dataset, "PARAMCD", "AVAL", "AVALC", "AVALU", "ADY", "ADT", "ANRLO",
                  "ANRHI", "ASEQ", "LBSPEC", flag="ANL01FL", derived="DTYPE", name="PARAM")


def sdtm_layout(dataset: str, prefix: str) -> Layout:
    """The variables of an SDTM findings domain with the variable prefix `prefix`."""
    p = prefix.upper()
    return Layout(dataset, f"{p}TESTCD", f"{p}STRESN", f"{p}STRESC", f"{p}STRESU", f"{p}DY",
                  f"{p}DTC", f"{p}STNRLO", f"{p}STNRHI", f"{p}SEQ", f"{p}SPEC",
                  status=f"{p}STAT")


@dataclass
class Context:
    """What every dataset of one read shares."""

    mapping: pd.DataFrame  # the parameter map
    reference: dict  # subject -> reference date (datetime64[D])
    reference_name: str  # how the reference date was found, for messages
    report: Report


def records(frame: pd.DataFrame, layout: Layout, ctx: Context) -> pd.DataFrame | None:
    """The mapped records of one findings dataset, in canonical form: ``subject_id``,
    ``column``, ``day``, ``value`` (float), ``grade`` (text), ``low``, ``high``,
    ``_stamp`` and ``_seq`` (date and time, and sequence number: the order of
    ``duplicates="last"``), ``dataset`` and ``parameter``. None when the dataset cannot
    be read."""
    report, name = ctx.report, layout.dataset
    missing = [v for v in (layout.subject, layout.code) if v not in frame.columns]
    if missing:
        for variable in missing:
            report.problems.add(variable, f"required variable is missing from {name}")
        return None
    get = _getter(frame)
    subject = text_forms(get(layout.subject))
    code = pd.Series(text_forms(get(layout.code)),
                     dtype="string").str.upper()
    no_id = pd.isna(subject)
    if no_id.any():
        report.problems.add(layout.subject, f"missing subject ID in {name}",
                            count=int(no_id.sum()))
    report.add(name, "left out", "no parameter code", mask=code.isna().to_numpy() & ~no_id)
    column = columns_of(code, get(layout.specimen), ctx.mapping)
    unmapped = column.isna().to_numpy() & code.notna().to_numpy() & ~no_id
    report.add(name, "left out", "code not in the parameter map: name its column with "
               "params=", mask=unmapped, parameter=code)
    ignored = (column == "").fillna(False).to_numpy() & ~no_id
    report.add(name, "left out", "the parameter map leaves this code (with this "
               "specimen) out", mask=ignored, parameter=code)
    keep = ~(no_id | unmapped | ignored | code.isna().to_numpy())
    if layout.derived and layout.derived in frame.columns:
        imputed = keep & pd.notna(text_forms(get(layout.derived)))
        report.add(name, "left out", f"imputed record ({layout.derived} given): only "
                   "observed values are scored", mask=imputed, parameter=code, column=column)
        keep &= ~imputed
    if layout.status and layout.status in frame.columns:
        status = pd.Series(text_forms(get(layout.status)),
                           dtype="string").str.upper()
        not_done = keep & (status == "NOT DONE").fillna(False).to_numpy()
        report.add(name, "left out", f"{layout.status} = 'NOT DONE'", mask=not_done,
                   parameter=code, column=column)
        keep &= ~not_done
    if layout.flag and layout.flag in frame.columns:
        keep &= _analysis_flagged(frame, layout, code, column, keep, report)
    rows = np.flatnonzero(keep)
    part = pd.DataFrame({
        "subject_id": subject[rows],
        "parameter": code.to_numpy(dtype=object)[rows],
        "column": column.to_numpy(dtype=object)[rows],
    })
    part["day"], part["_stamp"], part["_seq"] = _days(frame, layout, part, rows, ctx)
    _values(frame, layout, part, rows, report)
    part["dataset"] = name
    report.add(name, "mapped", "read into the visit table",
               mask=(part["value"].notna() | part["grade"].notna()).to_numpy(),
               parameter=part["parameter"], column=part["column"])
    return part


def _getter(frame: pd.DataFrame):
    def get(variable: str) -> pd.Series:
        if variable in frame.columns:
            return frame[variable].reset_index(drop=True)
        return pd.Series(None, index=pd.RangeIndex(len(frame)), dtype=object)
    return get


def _analysis_flagged(frame, layout, code, column, keep, report) -> np.ndarray:
    """Where a parameter has records flagged ``ANL01FL = "Y"``, only those are used."""
    flag = pd.Series(text_forms(frame[layout.flag]),
                     dtype="string").str.upper().eq("Y").fillna(False).to_numpy()
    flagged_codes = set(code[flag & keep].dropna())
    dropped = keep & ~flag & code.isin(flagged_codes).to_numpy()
    report.add(layout.dataset, "left out", f"not the analysed record ({layout.flag} is not "
               "'Y' where the parameter has flagged records)", mask=dropped, parameter=code,
               column=column)
    return ~dropped


def _days(frame, layout, part, rows, ctx: Context
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Canonical study day of each record (from ``--DY``, else from the date and the
    subject's reference date), and what orders its records of one day: the date and
    time, then the sequence number."""
    problems, name = ctx.report.problems, layout.dataset
    n = len(rows)
    day = np.full(n, np.nan)
    if layout.dy in frame.columns:
        given = frame[layout.dy].iloc[rows].reset_index(drop=True)
        day, bad = from_study_days(given)
        for problem, mask in bad.items():
            _problem(problems, mask, layout.dy, f"{problem} in {name}", part, day, given)
    stamp = np.full(n, np.nan)
    if layout.date in frame.columns:
        written = frame[layout.date].iloc[rows].reset_index(drop=True)
        dates, time, bad = to_dates(written)
        reference = part["subject_id"].map(ctx.reference).to_numpy(dtype="datetime64[D]")
        from_dates = days_between(dates, reference)
        use = np.isnan(day)
        for problem, mask in bad.items():
            if problem in (PARTIAL, NOT_A_DATE):
                _problem(problems, mask & use, layout.date, f"{problem} in {name}", part, day,
                         written)
        no_reference = use & ~np.isnat(dates) & np.isnat(reference)
        _problem(problems, no_reference, layout.date, f"dated record of a subject without "
                 f"a reference date ({ctx.reference_name}) in {name}", part, day)
        day = np.where(use, from_dates, day)
        stamp = np.where(np.isnat(dates), np.nan,
                         dates.astype("datetime64[D]").astype("float64") + time)
    undated = np.isnan(day)
    ctx.report.add(name, "left out", "no study day or date", mask=undated,
                   parameter=part["parameter"], column=part["column"])
    seq = pd.to_numeric(frame[layout.seq].iloc[rows], errors="coerce").to_numpy(
        dtype=float) if layout.seq in frame.columns else np.full(n, np.nan)
    return day, stamp, seq


def _problem(problems, mask, variable, problem, part, day, shown=None) -> None:
    """Record `problem` for the records of `mask`, located at the first in (subject,
    day) order; with `shown` (the variable's values), that record's value is quoted."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return
    where = part.loc[mask, ["subject_id"]].assign(day=day[mask])
    if shown is not None:  # ties broken by what is quoted, so any row order gives one
        where["shown"] = shown[mask].astype(str).to_numpy()
        if "parameter" in part:
            where["parameter"] = part.loc[mask, "parameter"].astype(str).to_numpy()
    first = where.sort_values([c for c in ("subject_id", "day", "shown", "parameter")
                               if c in where], na_position="last", kind="stable")
    at, first = first.index[0], first.iloc[0]
    if shown is not None:
        record = f"{part['parameter'].iloc[at]} record " if "parameter" in part else ""
        value = shown.iloc[at]
        value = value.item() if isinstance(value, np.generic) else value
        problem = f"{problem} ({record}{value!r})"
    problems.add(variable, problem, subject=first["subject_id"],
                 day=None if np.isnan(first["day"]) else first["day"], count=int(mask.sum()))


def _values(frame, layout, part, rows, report: Report) -> None:
    """Fill ``value``, ``grade``, ``low`` and ``high`` of the records, in canonical
    units; unknown units are problems, texts that are not results are left out."""
    n = len(rows)

    day = part["day"].to_numpy(dtype=float)
    order = np.lexsort((np.nan_to_num(day, nan=np.inf), part["subject_id"].to_numpy(dtype=str)))
    located = Rows(part["subject_id"].to_numpy(dtype=object), np.arange(n), day, order,
                   report.problems)

    def take(variable, numeric=False):
        if variable not in frame.columns:
            return np.full(n, np.nan) if numeric else np.full(n, None, dtype=object)
        values = frame[variable].iloc[rows].reset_index(drop=True)
        if numeric:  # text that is not a number is a problem, as in a visit table
            return to_numbers(values, f"{variable} in {layout.dataset}", located)
        return text_forms(values)

    number, text = take(layout.number, True), take(layout.text)
    column = part["column"].to_numpy(dtype=object)
    grade_col = np.isin(column, BILAG_COLUMNS)
    flag_col = np.isin(column, FLAGS)
    # a flag recorded as a count (casts per field) is present when above zero
    value = np.where(flag_col & ~np.isnan(number), (number > 0).astype(float), number)
    # texts of numeric results: numbers, limits, ranges
    needs_text = np.isnan(value) & pd.notna(text) & ~grade_col
    read, how = _numbers_from_text(text, needs_text, flag_col)
    value = np.where(needs_text, read, value)
    for note in (BELOW, ABOVE, RANGE, TITRE):
        report.add(layout.dataset, "converted", note, mask=how == note,
                   parameter=part["parameter"], column=part["column"])
    unread = needs_text & np.isnan(read)
    report.add(layout.dataset, "left out", "text result that is not a number",
               mask=unread, parameter=part["parameter"], column=part["column"])
    grade = np.where(grade_col, pd.Series(text, dtype="string").str.upper().to_numpy(
        dtype=object, na_value=None), None)
    empty = np.isnan(value) & ~unread & (~grade_col | pd.isna(grade))
    report.add(layout.dataset, "left out", "no result", mask=empty,
               parameter=part["parameter"], column=part["column"])
    unit = take(layout.unit)
    if layout.name and layout.name in frame.columns:
        from_name = pd.Series(take(layout.name), dtype="string").str.extract(
            _UNIT_IN_NAME, expand=False).to_numpy(dtype=object, na_value=None)
        unit = np.where(pd.isna(unit), from_name, unit)
    low, high = take(layout.low, True), take(layout.high, True)
    divisor = np.ones(n)
    measured = ~grade_col & ~flag_col
    for col in pd.unique(column[measured]):
        of = measured & (column == col)
        if col not in UNIT_DIVISORS:
            report.add(layout.dataset, "mapped", "unit kept as given (the column has no "
                       "canonical unit)", mask=of & pd.notna(unit),
                       parameter=part["parameter"], column=part["column"])
            continue
        units = pd.Series(unit[of], dtype=object)
        for u in pd.unique(units.dropna()):
            d = unit_divisor(col, u)
            at = of & (unit == u)
            other = OTHER_MEASURES.get(col, {}).get(str(u).strip().lower())
            if d is None and other:
                report.add(layout.dataset, "left out", f"unit {u}: {other}", mask=at,
                           parameter=part["parameter"], column=part["column"])
                value[at] = np.nan
                continue
            if d is None:
                known = ", ".join(UNIT_DIVISORS[col])
                _problem(report.problems, at, layout.unit, f"unknown unit {u!r} of "
                         f"{part['parameter'][at].iloc[0]} ({col}; known: {known})",
                         part, part["day"].to_numpy())
                continue
            divisor[at] = d
            if d != 1.0:
                report.add(layout.dataset, "converted", f"{u} -> {CANONICAL_UNITS[col]}",
                           mask=at, parameter=part["parameter"], column=part["column"])
        report.add(layout.dataset, "converted", f"no unit given: read as "
                   f"{CANONICAL_UNITS[col]}", mask=of & pd.isna(unit) & ~np.isnan(value),
                   parameter=part["parameter"], column=part["column"])
    part["value"] = value / divisor
    part["grade"] = grade
    part["low"] = low / divisor
    part["high"] = high / divisor


def _numbers_from_text(text, where, flag_col) -> tuple[np.ndarray, np.ndarray]:
    """Numbers of result texts (numbers, presence words for flags, "<L", ">L", "a-b",
    "1:N") and which rule read them; each distinct (text, is a flag) is read once."""
    n = len(text)
    value = np.full(n, np.nan)
    how = np.full(n, None, dtype=object)
    rows = np.flatnonzero(where)
    if not len(rows):
        return value, how
    keys = pd.MultiIndex.from_arrays([pd.Series(text[rows], dtype=object).astype(str),
                                      np.asarray(flag_col)[rows]])
    codes, distinct = pd.factorize(keys)
    read = [_read_text(t.strip(), bool(flag)) for t, flag in distinct]
    value[rows] = np.array([v for v, _ in read])[codes]
    how[rows] = np.array([h for _, h in read], dtype=object)[codes]
    return value, how


def _read_text(t: str, flag: bool) -> tuple[float, str | None]:
    """(number, rule) of one result text."""
    if flag:
        return PRESENCE.get(t.lower(), np.nan), None
    try:
        return float(t), None
    except ValueError:
        pass
    limited = _LIMITED.match(t)
    if limited:
        bound = float(limited.group(2))
        return (bound / 2, BELOW) if limited.group(1).startswith("<") else (bound, ABOVE)
    ranged = _RANGE.match(t)
    if ranged and float(ranged.group(1)) <= float(ranged.group(2)):
        return float(ranged.group(2)), RANGE
    titre = _TITRE.match(t)
    if titre:
        return float(titre.group(1)), TITRE
    return np.nan, None


def resolve(long: pd.DataFrame, duplicates: str, report: Report) -> pd.DataFrame:
    """One record per subject, column and day: records that agree collapse to one;
    records that disagree are a problem, unless `duplicates` is ``"last"`` (the last by
    date and time, then sequence number)."""
    long = long[~np.isnan(long["day"].to_numpy(dtype=float))]
    if not len(long):
        return long
    long = long.sort_values(["subject_id", "column", "day", "_stamp", "_seq"], kind="stable",
                            na_position="first")
    key = ["subject_id", "column", "day"]
    size = long.groupby(key, sort=False)["day"].transform("size").to_numpy()
    several = size > 1
    if not several.any():
        return long
    same = long[several].groupby(key, sort=False)[["value", "grade"]].nunique(dropna=False)
    agree = (same.max(axis=1) == 1)
    agree_keys = pd.MultiIndex.from_frame(same.index.to_frame()[agree.to_numpy()])
    in_agree = pd.MultiIndex.from_frame(long[key]).isin(agree_keys)
    collapsed = in_agree & long.duplicated(key, keep="first").to_numpy()
    _by_dataset(report, long, collapsed, "collapsed",
                "records of one subject, column and day that agree")
    disagree = several & ~in_agree
    if disagree.any():
        if duplicates == "last":
            dropped = disagree & long.duplicated(key, keep="last").to_numpy()
            _by_dataset(report, long, dropped, "left out", "records of one subject, column "
                        "and day that disagree: the last by date and sequence number kept "
                        "(duplicates='last')")
            collapsed |= dropped
        else:
            first = long[disagree].iloc[0]
            values = long[disagree & (long["subject_id"] == first["subject_id"]).to_numpy()
                          & (long["column"] == first["column"]).to_numpy()
                          & (long["day"] == first["day"]).to_numpy()]
            shown = ", ".join(sorted({str(v) for v in values["value"].where(
                values["grade"].isna(), values["grade"]).tolist()}))  # whatever the order
            groups = long[disagree].drop_duplicates(key)
            report.problems.add(
                first["parameter"],
                f"records of one subject, parameter and day disagree in {first['dataset']} "
                f"({shown}); pass "
                "duplicates='last' to keep the last by date and sequence number",
                subject=first["subject_id"], day=first["day"], count=len(groups))
    return long[~collapsed]


def _by_dataset(report: Report, long: pd.DataFrame, mask: np.ndarray, action: str,
                detail: str) -> None:
    dataset = long["dataset"].to_numpy(dtype=object)
    for name in pd.unique(dataset[mask]):
        report.add(name, action, detail, mask=mask & (dataset == name),
                   parameter=long["parameter"], column=long["column"])


def widen(long: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
    """The wide visit table: one row per subject and day with a value of any column,
    the subject's ``arm``, ``age`` and ``sex`` (from `subjects`) on every row."""
    numeric = long[long["grade"].isna()]
    wide = numeric.set_index(["subject_id", "day", "column"])["value"].unstack("column")
    graded = long[long["grade"].notna()]
    if len(graded):
        grades = graded.set_index(["subject_id", "day", "column"])["grade"].unstack("column")
        wide = wide.join(grades, how="outer") if len(numeric) else grades
    wide = wide.reset_index() if len(long) else pd.DataFrame(columns=["subject_id", "day"])
    wide.columns.name = None
    for name in FLAGS:
        if name in wide.columns:
            wide[name] = wide[name].map({1.0: True, 0.0: False}).astype("boolean")
    for name in BILAG_COLUMNS:
        if name in wide.columns:
            wide[name] = wide[name].astype("string")
    measures = sorted(c for c in wide.columns if c not in ("subject_id", "day"))
    wide = wide.merge(subjects, on="subject_id", how="left")
    front = ["subject_id", "day", *[c for c in ("arm", "age", "sex") if c in subjects]]
    wide = wide[front + [c for c in measures if c not in front]]
    wide["day"] = wide["day"].astype("int64")
    return wide.sort_values(["subject_id", "day"], kind="stable").reset_index(drop=True)


def limits(long: pd.DataFrame) -> pd.DataFrame:
    """Reference limits as records of ``<column>_lln`` / ``<column>_uln``."""
    parts = []
    for source, suffix in (("low", "_lln"), ("high", "_uln")):
        given = long[~np.isnan(long[source].to_numpy(dtype=float))]
        parts.append(given.assign(column=given["column"] + suffix, value=given[source],
                                  grade=None))
    return pd.concat(parts, ignore_index=True)
