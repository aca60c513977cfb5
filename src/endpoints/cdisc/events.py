"""Medication records (SDTM CM, ADaM ADCM) and adverse events (SDTM AE, ADaM ADAE)
into the canonical medications and adverse-events tables (SPEC sections 2 and 6).

Doses become mg per day: ``CMDOSTOT`` (the total daily dose) when given, else
``CMDOSE`` times the administrations per day of ``CMDOSFRQ`` (the CDISC frequency
terms, ``data/cdisc_frequencies.csv``); ``ONCE`` is a one-day record. Days come from
``--STDY`` / ``--ENDY`` (ADaM ``ASTDY`` / ``AENDY``), else from the dates.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from importlib.resources import files

import numpy as np
import pandas as pd

from ..inputs.drugs import _ATC
from ..inputs.numbers import to_numbers
from ..inputs.problems import Rows
from ..inputs.text import text_forms
from .dates import NOT_A_DATE, PARTIAL, days_between, from_study_days, to_dates
from .report import Report

#: dose units -> factor into mg
DOSE_UNITS = {"mg": 1.0, "g": 1000.0, "ug": 0.001, "mcg": 0.001, "µg": 0.001}
#: AEREL values that mean "not related" (anything else given is related; SPEC section 5)
NOT_RELATED = frozenset({"NOT RELATED", "N", "NO", "NONE"})
ONCE = "once"


@cache
def frequencies() -> dict[str, Fraction | str | None]:
    """CDISC frequency term -> administrations per day, exact (``"once"`` for a single
    administration, None where the term has no definite rate)."""
    table = pd.read_csv(files("endpoints") / "data" / "cdisc_frequencies.csv", dtype=str,
                        keep_default_na=False)
    out: dict[str, Fraction | str | None] = {}
    for term, rate in zip(table["frequency"], table["per_day"], strict=True):
        rate = rate.strip()
        out[term.strip().upper()] = (ONCE if rate.lower() == ONCE else
                                     Fraction(rate) if rate else None)
    return out


def _text(frame: pd.DataFrame, *names: str) -> np.ndarray:
    """Text forms of the first of `names` that the frame has, record by record falling
    back on the next (e.g. CMDECOD, else CMTRT)."""
    out = np.full(len(frame), None, dtype=object)
    for name in names:
        if name in frame.columns:
            values = text_forms(frame[name])
            out = np.where(pd.isna(out), values, out)
    return out


def _number(frame: pd.DataFrame, name: str, dataset: str, report: Report, subject, day
            ) -> np.ndarray:
    """A numeric variable; text that is not a number is a problem."""
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    order = np.lexsort((np.nan_to_num(day, nan=np.inf), subject.astype(str)))
    rows = Rows(subject, np.arange(len(frame)), day, order, report.problems)
    return to_numbers(frame[name].reset_index(drop=True), f"{name} in {dataset}", rows)


def event_days(frame, dataset: str, prefix: str, adam: bool, reference: dict,
               report: Report, subject: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end days of event records (canonical days; NaN where unknown)."""
    out = []
    for which in ("ST", "EN"):
        dy = f"A{which}DY" if adam and f"A{which}DY" in frame.columns else f"{prefix}{which}DY"
        dt = f"A{which}DT" if adam and f"A{which}DT" in frame.columns else f"{prefix}{which}DTC"
        day = np.full(len(frame), np.nan)
        if dy in frame.columns:
            day, bad = from_study_days(frame[dy].reset_index(drop=True))
            for problem, mask in bad.items():
                _locate(report, mask, dy, f"{problem} in {dataset}", subject, day)
        if dt in frame.columns:
            dates, _, bad = to_dates(frame[dt].reset_index(drop=True))
            ref = np.array([reference.get(s, np.datetime64("NaT", "D")) for s in subject],
                           dtype="datetime64[D]")
            use = np.isnan(day)
            for problem in (PARTIAL, NOT_A_DATE):
                _locate(report, bad[problem] & use, dt, f"{problem} in {dataset}", subject, day)
            _locate(report, use & ~np.isnat(dates) & np.isnat(ref), dt,
                    f"dated record of a subject without a reference date in {dataset}",
                    subject, day)
            day = np.where(use, days_between(dates, ref), day)
        out.append(day)
    return out[0], out[1]


def _locate(report: Report, mask, variable, problem, subject, day) -> None:
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return
    order = np.lexsort((np.nan_to_num(day[mask], nan=np.inf), subject[mask].astype(str)))
    i = np.flatnonzero(mask)[order[0]]
    report.problems.add(variable, problem, subject=subject[i],
                        day=None if np.isnan(day[i]) else day[i], count=int(mask.sum()))


def medications(frame: pd.DataFrame, dataset: str, adam: bool, reference: dict,
                report: Report) -> pd.DataFrame:
    """The canonical medications table of a CM / ADCM dataset."""
    subject = _text(frame, "USUBJID")
    occur = pd.Series(_text(frame, "CMOCCUR"), dtype="string").str.upper()
    not_taken = (occur == "N").fillna(False).to_numpy()
    report.add(dataset, "left out", "CMOCCUR = 'N': not taken", records=int(not_taken.sum())) \
        if not_taken.any() else None
    drug = _text(frame, "CMDECOD", "CMTRT")
    start, end = event_days(frame, dataset, "CM", adam, reference, report, subject)
    ongoing = pd.Series(_text(frame, "CMENRTPT", "CMENRF"), dtype="string").str.upper()
    ongoing = ongoing.isin(["ONGOING", "AFTER", "DURING/AFTER"]).to_numpy()
    end = np.where(ongoing & np.isnan(end), np.nan, end)
    dose, total = (_number(frame, name, dataset, report, subject, start)
                   for name in ("CMDOSE", "CMDOSTOT"))
    unit = pd.Series(_text(frame, "CMDOSU"), dtype="string").str.strip().str.lower()
    factor = unit.map(DOSE_UNITS).astype(float).to_numpy()
    known_unit = ~np.isnan(factor) | unit.isna().to_numpy()
    factor = np.where(np.isnan(factor), 1.0, factor)
    frequency = pd.Series(_text(frame, "CMDOSFRQ"), dtype="string").str.strip().str.upper()
    table = frequencies()
    times = np.full(len(frame), np.nan)  # administrations per day = times / days
    days = np.ones(len(frame))
    once = np.zeros(len(frame), bool)
    unknown_terms = []
    for term in pd.unique(frequency.dropna()):
        at = frequency.eq(term).fillna(False).to_numpy(dtype=bool)
        if term not in table:
            unknown_terms.append(term)
            continue
        per_day = table[term]
        if per_day == ONCE:
            once |= at
            times[at] = 1.0
        elif per_day is not None:
            times[at], days[at] = per_day.numerator, per_day.denominator
    no_frequency = frequency.isna().to_numpy()
    times = np.where(no_frequency, 1.0, times)
    rate = times / days
    # dose x times / days: 10 mg every week is exactly 10/7 mg a day
    daily = np.where(~np.isnan(total), total, dose * times / days) * factor
    given = ~np.isnan(dose) | ~np.isnan(total)
    live = ~not_taken
    report.add(dataset, "converted", "CMDOSFRQ not given: CMDOSE read as the daily dose",
               records=int((live & given & no_frequency & np.isnan(total)).sum())) \
        if (live & given & no_frequency & np.isnan(total)).any() else None
    unrated = live & given & np.isnan(total) & ~no_frequency & np.isnan(rate)
    if unrated.any():
        terms = ", ".join(sorted(set(frequency[unrated].dropna())))
        report.add(dataset, "converted", f"no daily rate for CMDOSFRQ {terms}: dose left "
                   "missing", records=int(unrated.sum()))
    for term in unknown_terms:
        at = frequency.eq(term).fillna(False).to_numpy(dtype=bool) & live
        _locate(report, at & given & np.isnan(total), "CMDOSFRQ",
                f"unknown dose frequency {term!r} in {dataset} (CDISC FREQ terms such as "
                "QD, BID, QOD, QW)", subject, start)
    bad_unit = live & given & ~known_unit
    for u in pd.unique(unit[bad_unit].dropna()):
        _locate(report, bad_unit & unit.eq(u).fillna(False).to_numpy(dtype=bool), "CMDOSU",
                f"dose unit {u!r} in {dataset} is not a mass (mg, g, ug)", subject, start)
    end = np.where(once & np.isnan(end), start, end)
    out = pd.DataFrame({"subject_id": subject, "drug": drug, "start_day": start,
                        "end_day": end, "dose": daily,
                        "route": _text(frame, "CMROUTE")})
    atc = _text(frame, "ATC4CD", "ATC3CD", "ATC2CD", "ATC1CD", "CMCLASCD")
    looks = pd.Series(atc, dtype="string").str.upper().str.match(_ATC.pattern).fillna(
        False).to_numpy(dtype=bool)
    if looks.any():
        out["atc"] = np.where(looks, atc, None)
    out = out[live].reset_index(drop=True)
    report.add(dataset, "mapped", "read into the medications table", records=len(out))
    return out.astype({"start_day": "Float64", "end_day": "Float64", "dose": "Float64"})


def adverse_events(frame: pd.DataFrame, dataset: str, adam: bool, reference: dict,
                   report: Report) -> pd.DataFrame:
    """The canonical adverse-events table of an AE / ADAE dataset."""
    subject = _text(frame, "USUBJID")
    start, end = event_days(frame, dataset, "AE", adam, reference, report, subject)
    grade_text = pd.Series(_text(frame, "ATOXGR", "AETOXGR"), dtype="string")
    grade = pd.to_numeric(grade_text.str.extract(r"(\d+)\s*$", expand=False),
                          errors="coerce").astype("Int64")
    bad_grade = (grade_text.notna() & ~grade.isin([1, 2, 3, 4, 5]).fillna(False)).to_numpy()
    _locate(report, bad_grade, "AETOXGR", f"CTCAE grade outside 1-5 in {dataset}", subject,
            start)
    rel = pd.Series(_text(frame, "AREL", "AEREL"), dtype="string").str.strip().str.upper()
    related = (~rel.isin(NOT_RELATED)).astype("boolean").where(rel.notna())
    serious = pd.Series(_text(frame, "AESER"), dtype="string").str.upper().map(
        {"Y": True, "N": False}).astype("boolean")
    out = pd.DataFrame({"subject_id": subject, "term": _text(frame, "AEDECOD", "AETERM"),
                        "start_day": pd.array(start, dtype="Float64"),
                        "end_day": pd.array(end, dtype="Float64"), "grade": grade.array,
                        "related": related.array, "serious": serious.array,
                        "body_system": _text(frame, "AEBODSYS", "AESOC")})
    report.add(dataset, "mapped", "read into the adverse-events table", records=len(out))
    return out
