"""``read_adam`` and ``read_sdtm``: CDISC datasets into canonical tables (SPEC
section 5).

Both readers do the same things in the same order: the subject-level dataset (ADSL or
DM) gives each subject's reference date, arm, age and sex; the findings datasets (BDS
datasets; LB, VS, QS and any other findings domain) give the visit table, one value per
subject, column and study day; CM / ADCM gives the medications and AE / ADAE the
adverse events. Every problem of every dataset is reported in one
:class:`~endpoints.errors.InputError`; everything that is not used is a line of the
report.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import EndpointsWarning, InputError
from ..inputs.numbers import to_numbers
from ..inputs.problems import Rows
from ..inputs.text import text_forms
from ..inputs.visits import frame_of
from ..io import read_table
from . import events, findings
from .dates import NOT_A_DATE, PARTIAL, to_dates
from .params import parameter_map
from .report import Report
from .trial_data import TrialData

DUPLICATES = ("error", "last")
#: AGEU -> years per unit
AGE_UNITS = {"YEARS": 1.0, "MONTHS": 1 / 12, "WEEKS": 7 / 365.25, "DAYS": 1 / 365.25}
_SEX = {"F": "F", "M": "M"}  # CDISC SEX: F, M, U, UNDIFFERENTIATED (the last two unknown)


def read_adam(adsl, bds=(), *, medications=None, adverse_events=None, params=None,
              duplicates: str = "error") -> TrialData:
    """Read ADaM datasets into canonical tables.

    Parameters
    ----------
    adsl : DataFrame or path
        Subject-level dataset: ``USUBJID``, ``TRTSDT`` (the reference date of dated
        records; else ``RFXSTDTC`` / ``RFSTDTC``), ``TRT01P`` (else ``ARM``), ``AGE``,
        ``SEX``.
    bds : DataFrame, path, or a sequence or mapping (name -> dataset) of them
        BDS datasets (ADLB, ADVS, ADQS...): ``USUBJID``, ``PARAMCD``, ``AVAL`` /
        ``AVALC``, ``AVALU`` (else the unit in parentheses at the end of ``PARAM``),
        ``ADY`` (else ``ADT``), optionally ``ANL01FL``, ``ANRLO`` / ``ANRHI``, ``DTYPE``,
        ``ASEQ`` and ``LBSPEC``.
    medications : DataFrame or path, optional
        ADCM: ``CMDECOD`` / ``CMTRT``, ``CMDOSE`` / ``CMDOSTOT``, ``CMDOSU``,
        ``CMDOSFRQ``, ``CMROUTE``, ``ASTDY`` / ``AENDY`` (else dates), ``ATC1CD``..
        ``ATC4CD``.
    adverse_events : DataFrame or path, optional
        ADAE: ``AEDECOD`` / ``AETERM``, ``AEBODSYS``, ``ASTDY`` / dates, ``AETOXGR``,
        ``AEREL``, ``AESER``.
    params : mapping, DataFrame or path, optional
        Parameter code -> canonical column, extending the default map of CDISC
        Controlled Terminology codes (see :func:`endpoints.cdisc.params.parameter_map`).
    duplicates : {"error", "last"}
        Records of one subject, parameter and day that disagree are an error, or the
        last (by date and time, then ``ASEQ``) is kept.

    Returns
    -------
    TrialData

    Raises
    ------
    InputError
        Listing every problem: a missing variable, CDISC study day 0, a partial date
        where a day is needed, an unknown unit, records that disagree.

    Examples
    --------
    >>> import endpoints as ep
    >>> adsl = pd.DataFrame({"USUBJID": ["S1"], "TRT01P": ["MSC"], "AGE": [40],
    ...                      "SEX": ["F"]})
    >>> adlb = pd.DataFrame({"USUBJID": ["S1"] * 3, "PARAMCD": ["CREAT"] * 3,
    ...                      "AVAL": [88.42, 79.578, 0.9], "AVALU": ["umol/L", "umol/L", "mg/dL"],
    ...                      "ADY": [1, 85, 85]})  # a retest that agrees: one value
    >>> data = ep.read_adam(adsl, [adlb])
    >>> data.visits[["subject_id", "day", "arm", "creatinine"]].to_dict("records")
    [{'subject_id': 'S1', 'day': 0, 'arm': 'MSC', 'creatinine': 1.0}, \
{'subject_id': 'S1', 'day': 84, 'arm': 'MSC', 'creatinine': 0.9}]
    """
    report = Report()
    duplicates = _duplicates(duplicates, report)
    mapping = parameter_map(params)
    subjects_frame = _read("ADSL", adsl, report)
    datasets = _named(bds, "BDS dataset", report)
    meds = _read("ADCM", medications, report)
    aes = _read("ADAE", adverse_events, report)
    report.problems.raise_if_any()
    info, reference = _subjects(subjects_frame, "ADSL", ("TRTSDT", "RFXSTDTC", "RFSTDTC"),
                                ("TRT01P", "ARM"), report)
    ctx = findings.Context(mapping, reference, "TRTSDT, RFXSTDTC or RFSTDTC", report)
    long = [findings.records(frame, findings.adam_layout(name), ctx)
            for name, frame in datasets.items()]
    return _assemble(long, info, meds, aes, ctx, duplicates, adam=True, names=("ADCM", "ADAE"))


def read_sdtm(dm=None, lb=None, qs=None, vs=None, cm=None, ae=None, ex=None, *, params=None,
              duplicates: str = "error", **other) -> TrialData:
    """Read SDTM domains into canonical tables.

    Parameters
    ----------
    dm : DataFrame or path
        Demographics: ``USUBJID``, ``RFXSTDTC`` (else ``RFSTDTC``: the reference date of
        dated records), ``ARM``, ``AGE`` / ``AGEU``, ``SEX``.
    lb, qs, vs : DataFrame or path, optional
        Findings domains: ``--TESTCD``, ``--STRESN`` / ``--STRESC``, ``--STRESU``,
        ``--DY`` (else ``--DTC``), ``--SPEC``, ``--STNRLO`` / ``--STNRHI``, ``--SEQ``,
        ``--STAT``.
    cm : DataFrame or path, optional
        Concomitant medications: ``CMDECOD`` / ``CMTRT``, ``CMDOSE`` / ``CMDOSTOT``,
        ``CMDOSU``, ``CMDOSFRQ``, ``CMROUTE``, ``CMSTDY`` / ``CMENDY`` (else dates),
        ``CMCLASCD`` (an ATC code), ``CMOCCUR``.
    ae : DataFrame or path, optional
        Adverse events: ``AEDECOD`` / ``AETERM``, ``AEBODSYS``, ``AESTDY`` / dates,
        ``AETOXGR``, ``AEREL``, ``AESER``.
    ex : DataFrame or path, optional
        Exposure: the first ``EXSTDTC`` of a subject is the reference date when DM has no
        ``RFXSTDTC`` (RFXSTDTC is that date by definition).
    params, duplicates
        As in :func:`read_adam` (``duplicates="last"`` keeps the last by ``--SEQ``).
    **other : DataFrame or path
        Further findings domains by their two-letter name, e.g. a sponsor-defined
        ``xs=``.

    Returns
    -------
    TrialData

    Examples
    --------
    >>> import endpoints as ep
    >>> dm = pd.DataFrame({"USUBJID": ["S1"], "RFXSTDTC": ["2024-01-10"], "ARM": ["MSC"],
    ...                    "AGE": [40], "SEX": ["F"]})
    >>> lb = pd.DataFrame({"USUBJID": ["S1", "S1"], "LBTESTCD": ["ALB", "ALB"],
    ...                    "LBSTRESN": [35.0, 41.0], "LBSTRESU": ["g/L", "g/L"],
    ...                    "LBDTC": ["2024-01-10", "2024-02-07T09:30"]})
    >>> ep.read_sdtm(dm=dm, lb=lb).visits[["day", "serum_albumin"]].to_dict("list")
    {'day': [0, 28], 'serum_albumin': [3.5, 4.1]}
    """
    report = Report()
    duplicates = _duplicates(duplicates, report)
    mapping = parameter_map(params)
    domains = {"LB": lb, "QS": qs, "VS": vs, **{k.upper(): v for k, v in other.items()}}
    frames = {name: _read(name, frame, report) for name, frame in domains.items()}
    dm_frame, ex_frame = _read("DM", dm, report), _read("EX", ex, report)
    meds, aes = _read("CM", cm, report), _read("AE", ae, report)
    report.problems.raise_if_any()
    if dm_frame is not None and ex_frame is not None and "USUBJID" in ex_frame.columns \
            and "EXSTDTC" in ex_frame.columns:
        dm_frame = _first_exposure(dm_frame, ex_frame, report)
    info, reference = _subjects(dm_frame, "DM", ("RFXSTDTC", "RFSTDTC"), ("ARM",), report)
    ctx = findings.Context(mapping, reference, "RFXSTDTC or RFSTDTC", report)
    long = [findings.records(frame, findings.sdtm_layout(name, name), ctx)
            for name, frame in frames.items() if frame is not None]
    return _assemble(long, info, meds, aes, ctx, duplicates, adam=False, names=("CM", "AE"))


def _duplicates(value, report: Report) -> str:
    if value not in DUPLICATES:
        report.problems.add("duplicates=", f"expected 'error' or 'last', got {value!r}")
    return value


def _read(name: str, given, report: Report) -> pd.DataFrame | None:
    """A dataset given as a DataFrame or a path (None if not given)."""
    if given is None:
        return None
    if isinstance(given, str | Path):
        try:
            return frame_of(read_table(given), name, report.problems)
        except InputError as err:
            report.problems.found += err.failures.astype(object).where(
                err.failures.notna(), None).itertuples(index=False, name=None)
            return None
    if not isinstance(given, pd.DataFrame):
        report.problems.add(f"({name})", f"expected a DataFrame or a path, got "
                                         f"{type(given).__name__}")
        return None
    return frame_of(given, name, report.problems)


def _named(bds, noun: str, report: Report) -> dict[str, pd.DataFrame]:
    if isinstance(bds, pd.DataFrame | str | Path):
        bds = [bds]
    if isinstance(bds, Mapping):
        items = [(str(k).upper(), v) for k, v in bds.items()]
    elif isinstance(bds, Sequence):
        items = [(Path(b).stem.upper() if isinstance(b, str | Path) else f"{noun} {i + 1}", b)
                 for i, b in enumerate(bds)]
    else:
        report.problems.add("bds", f"expected a DataFrame or a list of them, got "
                                   f"{type(bds).__name__}")
        return {}
    out = {name: _read(name, frame, report) for name, frame in items}
    return {name: frame for name, frame in out.items() if frame is not None}


def _first_exposure(dm: pd.DataFrame, ex: pd.DataFrame, report: Report) -> pd.DataFrame:
    """DM with ``RFXSTDTC`` filled from the first full ``EXSTDTC`` where it is missing."""
    dates, _, _ = to_dates(ex["EXSTDTC"].reset_index(drop=True))
    ids = text_forms(ex["USUBJID"])
    first = pd.Series(dates, index=ids).dropna().groupby(level=0).min().dt.strftime("%Y-%m-%d")
    dm = dm.copy()
    own = dm["RFXSTDTC"] if "RFXSTDTC" in dm.columns else pd.Series(None, index=dm.index)
    subject = pd.Series(text_forms(dm["USUBJID"]), index=dm.index)
    filled = own.isna() & subject.isin(first.index)
    dm["RFXSTDTC"] = own.astype(object).where(~filled, subject.map(first))
    if filled.any():
        report.add("EX", "mapped", "first EXSTDTC used as RFXSTDTC (missing in DM)",
                   records=int(filled.sum()))
    return dm


def _subjects(frame, name: str, references: tuple[str, ...], arms: tuple[str, ...],
              report: Report) -> tuple[pd.DataFrame, dict]:
    """Per subject: ``arm``, ``age``, ``sex`` and the reference date."""
    if frame is None:
        return pd.DataFrame({"subject_id": pd.Series([], dtype=object)}), {}
    if "USUBJID" not in frame.columns:
        report.problems.add("USUBJID", f"required variable is missing from {name}")
        report.problems.raise_if_any()
    subject = text_forms(frame["USUBJID"])
    if pd.isna(subject).any():
        report.problems.add("USUBJID", f"missing subject ID in {name}",
                            count=int(pd.isna(subject).sum()))
    if pd.Series(subject).dropna().duplicated().any():
        first = pd.Series(subject).dropna()[pd.Series(subject).dropna().duplicated()].iloc[0]
        report.problems.add("USUBJID", f"subject appears more than once in {name}",
                            subject=first)
    info = pd.DataFrame({"subject_id": subject})
    arm = next((a for a in arms if a in frame.columns), None)
    if arm:
        info["arm"] = text_forms(frame[arm])
    if "AGE" in frame.columns:
        order = np.argsort(subject.astype(str), kind="stable")
        rows = Rows(subject, np.arange(len(frame)), np.full(len(frame), np.nan), order,
                    report.problems)
        age = to_numbers(frame["AGE"].reset_index(drop=True), f"AGE in {name}", rows)
        if "AGEU" in frame.columns:
            unit = pd.Series(text_forms(frame["AGEU"]),
                             dtype="string").str.upper()
            factor = unit.map(AGE_UNITS).astype(float).fillna(1.0).to_numpy()
            odd = unit.notna().to_numpy() & ~unit.isin(list(AGE_UNITS)).to_numpy()
            if odd.any():
                report.problems.add("AGEU", f"unknown age unit {unit[odd].iloc[0]!r} in {name}",
                                    subject=subject[np.flatnonzero(odd)[0]],
                                    count=int(odd.sum()))
            age = age * factor
        info["age"] = age
    if "SEX" in frame.columns:
        sex = pd.Series(text_forms(frame["SEX"]), dtype="string")
        info["sex"] = sex.str.upper().map(_SEX).astype(object).where(lambda s: s.notna(), None)
    reference = np.full(len(frame), np.datetime64("NaT"), dtype="datetime64[D]")
    for variable in references:
        if variable not in frame.columns:
            continue
        dates, _, bad = to_dates(frame[variable].reset_index(drop=True))
        use = np.isnat(reference)
        for problem in (PARTIAL, NOT_A_DATE):
            at = bad[problem] & use
            if at.any():
                report.problems.add(variable, f"{problem} in {name} (the reference date)",
                                    subject=subject[np.flatnonzero(at)[0]], count=int(at.sum()))
        reference = np.where(use, dates, reference)
    dates = {s: d for s, d in zip(subject, reference, strict=True)
             if isinstance(s, str) and not np.isnat(d)}
    report.add(name, "mapped", "subjects read", records=len(frame))
    return info[info["subject_id"].notna()], dates


def _assemble(long, info, meds, aes, ctx, duplicates, *, adam: bool, names) -> TrialData:
    report = ctx.report
    parts = [part for part in long if part is not None and len(part)]
    records = pd.concat(parts, ignore_index=True) if parts else None
    med_table = None if meds is None else events.medications(
        meds, names[0], adam, ctx.reference, report)
    ae_table = None if aes is None else events.adverse_events(
        aes, names[1], adam, ctx.reference, report)
    report.problems.raise_if_any()
    if records is not None:
        records = pd.concat([records, findings.limits(records)], ignore_index=True)
        records = records[records["value"].notna() | records["grade"].notna()]  # reported
        records = findings.resolve(records, duplicates, report)
    report.problems.raise_if_any()
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in (
        ("subject_id", object), ("column", object), ("day", float), ("value", float),
        ("grade", object))})
    visits = findings.widen(records if records is not None else empty, info)
    subjects = set(info["subject_id"]) | set(visits["subject_id"])
    for table in (med_table, ae_table):
        if table is not None:
            subjects |= set(table["subject_id"].dropna())
    table = report.frame()
    _warn_unitless(table)
    return TrialData(visits, med_table, ae_table, table, tuple(sorted(subjects)),
                     info.reset_index(drop=True))


def _warn_unitless(report: pd.DataFrame) -> None:
    """One warning naming the parameters whose records had no unit and were read in the
    column's canonical unit: a guess the data should confirm, never a silent one."""
    lines = report[report["detail"].str.startswith("no unit given").fillna(False)]
    if lines.empty:
        return
    shown = ", ".join(f"{p} ({c}, {n} records)" for p, c, n in zip(
        lines["parameter"], lines["column"], lines["records"], strict=True))
    warnings.warn(f"CDISC records without a unit were read in the canonical unit: {shown}; "
                  "check the units (the report lists them)", EndpointsWarning, stacklevel=3)
