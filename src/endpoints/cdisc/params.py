"""Parameter codes (ADaM ``PARAMCD``, SDTM ``--TESTCD``) -> canonical columns.

The default map holds the CDISC Controlled Terminology codes of the canonical
laboratory tests and vital signs (``data/cdisc_parameters.csv``, with its sources).
Where the specimen decides what a test is (red and white cells in urine or in blood),
an entry names the specimen; an entry without one matches any specimen. Codes of
questionnaires and disease-activity scores (SLEDAI, BILAG domains, PGA) are
sponsor-defined: the user names them with ``params=``, which extends and overrides the
default map.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from pathlib import Path

import pandas as pd

from ..errors import InputError

#: a params= entry whose column is one of these leaves the code out on purpose
IGNORED = ("", "-", "none")


@cache
def default_map() -> pd.DataFrame:
    """The default map: ``code``, ``specimen`` ("" = any) and ``column`` per entry."""
    table = pd.read_csv(files("endpoints") / "data" / "cdisc_parameters.csv", dtype=str,
                        keep_default_na=False)
    return _normalised(table)


def _normalised(table: pd.DataFrame) -> pd.DataFrame:
    specimen = table["specimen"] if "specimen" in table.columns else ""
    out = pd.DataFrame({"code": table["code"].astype(str).str.strip().str.upper(),
                        "specimen": pd.Series(specimen, index=table.index).fillna("")
                        .astype(str).str.strip().str.upper(),
                        "column": table["column"].fillna("").astype(str).str.strip()})
    return out.drop_duplicates(["code", "specimen"], keep="last").reset_index(drop=True)


def parameter_map(params=None) -> pd.DataFrame:
    """The default map extended (and overridden) by the user's `params`.

    Parameters
    ----------
    params : mapping, DataFrame, str or Path, optional
        ``{code: column}`` or ``{(code, specimen): column}``; a table (or the path of a
        CSV file) with columns ``code``, ``column`` and optionally ``specimen``. A column
        of ``""`` or ``None`` leaves the code out.

    Raises
    ------
    InputError
        When `params` has none of these forms, or a column name is not text.

    Examples
    --------
    >>> m = parameter_map({"SLEDAI": "sledai", ("WBC", "URINE"): "urine_wbc"})
    >>> m[m.code == "SLEDAI"].to_dict("records")
    [{'code': 'SLEDAI', 'specimen': '', 'column': 'sledai'}]
    """
    base = default_map()
    if params is None:
        return base
    if isinstance(params, str | Path):
        path = Path(params)
        if not path.exists():
            raise InputError("params=", f"file not found: {path}")
        params = pd.read_csv(path, dtype=str, keep_default_na=False)
    if isinstance(params, pd.DataFrame):
        missing = [c for c in ("code", "column") if c not in params.columns]
        if missing:
            raise InputError("params=", f"the table needs the columns code and column "
                                        f"(optionally specimen); {', '.join(missing)} missing")
        user = params
    elif isinstance(params, Mapping):
        rows = []
        for key, column in params.items():
            code, specimen = key if isinstance(key, tuple) and len(key) == 2 else (key, "")
            if not isinstance(code, str) or not isinstance(specimen, str | None):
                raise InputError("params=", f"keys are codes or (code, specimen) pairs of "
                                            f"text, got {key!r}")
            if column is not None and not isinstance(column, str):
                raise InputError("params=", f"columns are text, got {column!r} for {key!r}")
            rows.append({"code": code, "specimen": specimen or "", "column": column or ""})
        user = pd.DataFrame(rows, columns=["code", "specimen", "column"])
    else:
        raise InputError("params=", "expected a mapping, a DataFrame or the path of a CSV "
                                    f"file, got {type(params).__name__}")
    return _normalised(pd.concat([base, _normalised(user)], ignore_index=True))


def columns_of(codes: pd.Series, specimens: pd.Series, mapping: pd.DataFrame) -> pd.Series:
    """The canonical column of each record (``<NA>`` where its code maps to nothing,
    ``""`` where the user left it out): the entry for its specimen, else the entry
    for any specimen."""
    code = codes.astype("string").str.strip().str.upper()
    specimen = specimens.astype("string").str.strip().str.upper().fillna("")
    exact = mapping[mapping.specimen != ""].set_index(["code", "specimen"])["column"]
    anyone = mapping[mapping.specimen == ""].set_index("code")["column"]
    keys = pd.MultiIndex.from_arrays([code.fillna(""), specimen])
    found = pd.Series(exact.reindex(keys).to_numpy(dtype=object), index=codes.index)
    fallback = pd.Series(anyone.reindex(code.fillna("")).to_numpy(dtype=object),
                         index=codes.index)
    return found.where(found.notna(), fallback).astype("string")
