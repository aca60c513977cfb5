"""A canonical visit table written as CDISC datasets: ADaM (ADSL and BDS datasets) or
SDTM (DM and findings domains), for examples, tests and round trips.

Laboratory tests and vital signs get their CDISC Controlled Terminology codes (the
first entry of the default parameter map for the column); other columns get
sponsor-defined codes (:func:`sponsor_code`), listed by :func:`sponsor_params` for
``params=``. Days become CDISC study days (no day 0) and dates from each subject's
reference date.
"""

from __future__ import annotations

from importlib.resources import files

import numpy as np
import pandas as pd

from ..inputs.units import CANONICAL_UNITS, unit_divisor
from ..inputs.visits import BILAG_COLUMNS, FLAGS
from .dates import SAS_EPOCH
from .params import default_map

SUBJECT_LEVEL = ("subject_id", "day", "arm", "age", "sex")
VITALS = ("weight", "height")
#: visit facts that are treatments, not assessments (a sponsor-defined dataset)
TREATMENTS = ("prednisone", "immunosuppressant_dose", "new_immunosuppressant", "rituximab")
START = np.datetime64("2024-01-08", "D")


def sponsor_code(column: str) -> str:
    """A parameter code of at most 8 characters for a column without a CDISC code.

    Examples
    --------
    >>> [sponsor_code(c) for c in ("sledai", "bilag_renal", "promis_fatigue")]
    ['SLEDAI', 'BLGRENAL', 'PROMISFA']
    """
    if column.startswith("bilag_"):
        return ("BLG" + column[len("bilag_"):].upper())[:8]
    return column.replace("_", "").upper()[:8]


def _codes(columns) -> dict[str, tuple[str, str, bool]]:
    """column -> (code, specimen, is a CDISC CT code); sponsor codes are made unique
    with a numeric suffix where two columns would share one."""
    table = default_map()
    table = table[table["column"] != ""]
    first = table.drop_duplicates("column").set_index("column")
    out, taken = {}, set(first["code"])
    for c in sorted(columns):
        if c in first.index:
            out[c] = (first.at[c, "code"], first.at[c, "specimen"], True)
            continue
        code, k = sponsor_code(c), 1
        while code in taken:
            k += 1
            code = f"{sponsor_code(c)[: 8 - len(str(k))]}{k}"
        taken.add(code)
        out[c] = (code, "", False)
    return out


def _measured(visits: pd.DataFrame) -> list[str]:
    """The columns written as parameters: not the subject-level ones, and not the
    reference limits of a column (``<column>_lln`` / ``_uln``: written as its range)."""
    return [c for c in visits.columns if c not in SUBJECT_LEVEL and _limit_of(c, visits) is None]


def _limit_of(column: str, visits: pd.DataFrame) -> str | None:
    """The column whose reference limit `column` is (None if it is not one)."""
    for suffix in ("_lln", "_uln"):
        if column.endswith(suffix) and column[: -len(suffix)] in visits.columns:
            return column[: -len(suffix)]
    return None


def sponsor_params(visits: pd.DataFrame) -> dict[str, str]:
    """The ``params=`` map of the sponsor-defined codes :func:`as_adam` and
    :func:`as_sdtm` give the columns of `visits`."""
    return {code: c for c, (code, _, cdisc) in _codes(_measured(visits)).items() if not cdisc}


def _long(visits: pd.DataFrame, units: dict[str, str]) -> pd.DataFrame:
    """One record per subject, visit and column with a value: code, specimen, numeric
    and text result, unit."""
    columns = _measured(visits)
    codes = _codes(columns)
    parts = []
    for c in columns:
        values = visits[c]
        given = values.notna().to_numpy()
        if not given.any():
            continue
        part = pd.DataFrame({"subject_id": visits["subject_id"].astype(str).to_numpy()[given],
                             "day": visits["day"].to_numpy(dtype=np.int64)[given]})
        code, specimen, _ = codes[c]
        part["code"], part["specimen"], part["column"] = code, specimen, c
        if c in BILAG_COLUMNS:
            part["number"], part["unit"] = np.nan, None
            part["text"] = values[given].astype(str).to_numpy()
        elif c in FLAGS:
            flag = values[given].astype(bool).to_numpy()
            part["number"] = np.nan
            part["text"] = np.where(flag, "POSITIVE" if c == "rbc_casts" else "Y",
                                    "NEGATIVE" if c == "rbc_casts" else "N")
            part["unit"] = None
        else:
            unit = units.get(c, CANONICAL_UNITS.get(c))
            number = values[given].to_numpy(dtype=float) * _factor(c, units)
            part["number"], part["text"], part["unit"] = number, None, unit
            part["text"] = [f"{v:.12g}" for v in number]
        for suffix, name in (("_lln", "low"), ("_uln", "high")):  # its reference range
            limit = visits.get(c + suffix)
            part[name] = np.nan if limit is None else (
                limit.to_numpy(dtype=float)[given] * _factor(c, units))
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    return long.sort_values(["subject_id", "day", "code"], kind="stable").reset_index(drop=True)


def _factor(column: str, units: dict[str, str]) -> float:
    """What canonical values of `column` are multiplied by to be in the written unit."""
    unit = units.get(column, CANONICAL_UNITS.get(column))
    return unit_divisor(column, unit) if column in CANONICAL_UNITS else 1.0


def _reference(visits: pd.DataFrame) -> pd.Series:
    """Each subject's reference date (first treatment): staggered enrolment."""
    subjects = pd.unique(visits["subject_id"].astype(str))
    return pd.Series(START + 3 * np.arange(len(subjects)), index=subjects)


def _sas_date(dates: np.ndarray) -> np.ndarray:
    """SAS date numbers (days since 1960-01-01) of dates."""
    return (dates.astype("datetime64[D]") - SAS_EPOCH).astype(np.int64).astype(float)


def _cdisc_day(day: np.ndarray) -> np.ndarray:
    return np.where(day >= 0, day + 1, day)


def _subject_level(visits: pd.DataFrame) -> pd.DataFrame:
    first = visits.drop_duplicates("subject_id").assign(
        subject_id=lambda f: f["subject_id"].astype(str))
    out = pd.DataFrame({"USUBJID": first["subject_id"].to_numpy()})
    if "arm" in first:
        out["ARM"] = first["arm"].astype(str).to_numpy()
    if "age" in first:
        out["AGE"], out["AGEU"] = first["age"].to_numpy(dtype=float), "YEARS"
    if "sex" in first:
        out["SEX"] = first["sex"].astype(str).to_numpy()
    return out


def as_adam(visits: pd.DataFrame, *, study_id: str = "STUDY",
            units: dict[str, str] | None = None) -> dict[str, pd.DataFrame]:
    """ADaM datasets of a canonical visit table: ``ADSL``, ``ADLB``, ``ADVS``, ``ADQS``
    and ``ADTRT`` (treatments at visits, sponsor-defined).

    Parameters
    ----------
    visits : DataFrame
        Canonical visit table (e.g. from :func:`endpoints.simulate`).
    study_id : str
        ``STUDYID``.
    units : dict, optional
        Column -> unit to write its values in (default: the canonical unit).

    Examples
    --------
    >>> import endpoints as ep
    >>> adam = as_adam(ep.simulate("NCT03917797", n_per_arm=2, seed=1))
    >>> sorted(adam), list(adam["ADLB"].columns[:6])
    (['ADLB', 'ADQS', 'ADSL', 'ADTRT', 'ADVS'], ['STUDYID', 'USUBJID', 'PARAMCD', 'PARAM', \
'AVAL', 'AVALC'])
    """
    reference = _reference(visits)
    adsl = _subject_level(visits)
    adsl = adsl.rename(columns={"ARM": "TRT01P"}).assign(ARM=adsl.get("ARM"))
    adsl.insert(0, "STUDYID", study_id)
    adsl["TRTSDT"] = _sas_date(reference[adsl["USUBJID"]].to_numpy())
    long = _long(visits, units or {})
    names = _test_names()
    date = reference[long["subject_id"]].to_numpy().astype("datetime64[D]") + long["day"].to_numpy()
    bds = pd.DataFrame({
        "STUDYID": study_id, "USUBJID": long["subject_id"], "PARAMCD": long["code"],
        "PARAM": [f"{names.get(c, c)}" + (f" ({u})" if isinstance(u, str) else "")
                  for c, u in zip(long["column"], long["unit"], strict=True)],
        "AVAL": long["number"], "AVALC": long["text"].where(long["number"].isna()),
        "AVALU": long["unit"],
        "ADT": _sas_date(date), "ADY": _cdisc_day(long["day"].to_numpy()),
        "ANRLO": long["low"], "ANRHI": long["high"],
        "ANL01FL": "Y", "LBSPEC": long["specimen"].replace("", None)})
    bds["ASEQ"] = bds.groupby("USUBJID").cumcount() + 1.0
    dataset = np.select([long["column"].isin(VITALS), long["column"].isin(TREATMENTS),
                         long["column"].map(_codes(set(long["column"]))).str[2]],
                        ["ADVS", "ADTRT", "ADLB"], "ADQS")
    out = {"ADSL": adsl}
    for name in ("ADLB", "ADVS", "ADQS", "ADTRT"):
        part = bds[dataset == name]
        if name != "ADLB":
            part = part.drop(columns="LBSPEC")
        part = part.drop(columns=[c for c in ("ANRLO", "ANRHI") if part[c].isna().all()])
        if len(part):
            out[name] = part.reset_index(drop=True)
    return out


def _test_names() -> dict[str, str]:
    """column -> the CDISC test name of its code (for ``PARAM``)."""
    table = pd.read_csv(files("endpoints") / "data" / "cdisc_parameters.csv", dtype=str,
                        keep_default_na=False)
    table = table[table["column"] != ""].drop_duplicates("column")
    return dict(zip(table["column"], table["test"], strict=True))


def as_sdtm(visits: pd.DataFrame, *, study_id: str = "STUDY",
            units: dict[str, str] | None = None) -> dict[str, pd.DataFrame]:
    """SDTM domains of a canonical visit table: ``DM``, ``LB``, ``VS``, ``QS`` and
    ``XT`` (treatments at visits, a sponsor-defined findings domain).

    Examples
    --------
    >>> import endpoints as ep
    >>> sdtm = as_sdtm(ep.simulate("NCT03917797", n_per_arm=2, seed=1))
    >>> sorted(sdtm), sdtm["DM"]["RFXSTDTC"].iloc[0]
    (['DM', 'LB', 'QS', 'VS', 'XT'], '2024-01-08')
    """
    reference = _reference(visits)
    dm = _subject_level(visits)
    dm.insert(0, "STUDYID", study_id)
    dm.insert(1, "DOMAIN", "DM")
    dm["RFSTDTC"] = dm["RFXSTDTC"] = reference[dm["USUBJID"]].to_numpy().astype(
        "datetime64[D]").astype(str)
    long = _long(visits, units or {})
    cdisc = long["column"].map(_codes(set(long["column"]))).str[2].to_numpy(dtype=bool)
    domain = np.select([long["column"].isin(VITALS), long["column"].isin(TREATMENTS), cdisc],
                       ["VS", "XT", "LB"], "QS")
    date = reference[long["subject_id"]].to_numpy().astype("datetime64[D]") + long["day"].to_numpy()
    out = {"DM": dm}
    for name in ("LB", "VS", "QS", "XT"):
        at = domain == name
        if not at.any():
            continue
        part = long[at]
        p = name
        frame = pd.DataFrame({
            "STUDYID": study_id, "DOMAIN": name, "USUBJID": part["subject_id"].to_numpy(),
            f"{p}TESTCD": part["code"].to_numpy(),
            f"{p}STRESC": part["text"].to_numpy(), f"{p}STRESN": part["number"].to_numpy(),
            f"{p}STRESU": part["unit"].to_numpy(),
            f"{p}STNRLO": part["low"].to_numpy(), f"{p}STNRHI": part["high"].to_numpy(),
            f"{p}DTC": date[at].astype(str), f"{p}DY": _cdisc_day(part["day"].to_numpy())})
        frame = frame.drop(columns=[c for c in (f"{p}STNRLO", f"{p}STNRHI")
                                    if frame[c].isna().all()])
        if name == "LB":
            frame.insert(4, "LBSPEC", part["specimen"].replace("", None).to_numpy())
        frame.insert(3, f"{p}SEQ", frame.groupby("USUBJID").cumcount() + 1.0)
        out[name] = frame
    return out
