"""SAS transport files (XPT) version 5, the format of a regulatory submission.

:func:`write_xpt` checks every limit of version 5 before a byte is written -- names of at
most 8 characters, labels of at most 40, character values of at most 200 bytes, ASCII
text, numeric or text columns only -- and reports every violation in one
:class:`~endpoints.errors.InputError`. The file is written by pyreadstat (the ``io``
extra) with ``file_format_version=5``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .inputs.problems import Problems

MAX_NAME = 8
MAX_LABEL = 40
MAX_TEXT_BYTES = 200
_SAS_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def write_xpt(frame: pd.DataFrame, path: str | Path, *, name: str,
              labels: Mapping[str, str] | None = None) -> None:
    """Write `frame` as a SAS transport file, version 5.

    Parameters
    ----------
    frame : DataFrame
        Numeric (integers, floats, booleans, nullable kinds) or text columns. Missing
        numbers are SAS missing values; missing text is written blank, as SAS stores it.
    path : str or Path
        The ``.xpt`` file to write.
    name : str
        The dataset's name (at most 8 characters, e.g. ``"ADRS"``).
    labels : mapping, optional
        Column -> label (at most 40 ASCII characters).

    Raises
    ------
    InputError
        Listing every violation of the version 5 limits, before anything is written.

    Examples
    --------
    >>> import tempfile, os
    >>> frame = pd.DataFrame({"USUBJID": ["S1", "S2"], "AVAL": [1.0, None]})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_xpt(frame, os.path.join(d, "adrs.xpt"), name="ADRS",
    ...               labels={"AVAL": "Analysis Value"})
    ...     pd.read_sas(os.path.join(d, "adrs.xpt"), format="xport",
    ...                 encoding="ascii").to_dict("list")
    {'USUBJID': ['S1', 'S2'], 'AVAL': [1.0, nan]}
    """
    problems = Problems()
    if not isinstance(frame, pd.DataFrame):
        raise InputError("(table)", f"expected a pandas DataFrame, got {type(frame).__name__}")
    _check_name(name, "name=", "the dataset's name", problems)
    labels = _checked_labels(labels, frame, problems)
    if isinstance(frame.columns, pd.MultiIndex):
        problems.add("(table)", "column labels have several levels: flatten them first")
        problems.raise_if_any()
    seen: dict[str, str] = {}
    columns = {}
    for column in frame.columns:
        if not isinstance(column, str):
            problems.add(str(column), "a variable name must be text")
            continue
        _check_name(column, column, "a variable name", problems)
        if column.upper() in seen:
            problems.add(column, f"the same name as {seen[column.upper()]!r} for SAS (names "
                                 "are not case-sensitive)")
        seen[column.upper()] = column
        columns[column] = _column(frame[column], column, problems)
    problems.raise_if_any()
    import pyreadstat  # the io extra; imported only to write

    out = pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))
    pyreadstat.write_xport(out, str(path), table_name=name, file_format_version=5,
                           column_labels={c: labels.get(c) for c in out.columns})


def _check_name(name, where: str, what: str, problems: Problems) -> None:
    if not isinstance(name, str) or not _SAS_NAME.match(name) or len(name) > MAX_NAME:
        problems.add(where, f"{what} must be 1-{MAX_NAME} letters, digits or underscores, "
                            f"not starting with a digit: {name!r}")


def _checked_labels(labels, frame: pd.DataFrame, problems: Problems) -> dict[str, str]:
    if labels is None:
        return {}
    if not isinstance(labels, Mapping):
        problems.add("labels=", f"expected a mapping of column to label, got "
                                f"{type(labels).__name__}")
        return {}
    for column, label in labels.items():
        if column not in frame.columns:
            problems.add("labels=", f"labels a column that is not in the table: {column!r}")
        elif not isinstance(label, str) or not label.isascii() or len(label) > MAX_LABEL:
            problems.add(str(column), f"a label must be ASCII text of at most {MAX_LABEL} "
                                      f"characters: {label!r}")
    return {c: label for c, label in labels.items() if isinstance(label, str)}


def _column(series: pd.Series, column: str, problems: Problems) -> np.ndarray:
    """The column as float64 (numbers) or text (blank where missing), its problems
    recorded."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or (pd.api.types.is_numeric_dtype(dtype)
                                              and not pd.api.types.is_complex_dtype(dtype)):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        if np.isinf(values).any():
            problems.add(column, "infinite values have no SAS representation")
        return values
    if not (pd.api.types.is_string_dtype(dtype) or dtype == np.dtype(object)):
        problems.add(column, f"{dtype} values: write them as numbers or text first")
        return np.array([], dtype=object)
    values = series.to_numpy(dtype=object)
    missing = pd.isna(values)
    text = list(values[~missing])
    if not all(isinstance(v, str) for v in text):
        problems.add(column, "mixes text with other values: write it as text or numbers")
        return np.array([], dtype=object)
    wide = [v for v in text if len(v.encode("utf-8")) > MAX_TEXT_BYTES]
    if wide:
        problems.add(column, f"{len(wide)} values longer than {MAX_TEXT_BYTES} bytes (e.g. "
                             f"{wide[0][:40]!r}...)", count=len(wide))
    foreign = [v for v in text if not v.isascii()]
    if foreign:
        problems.add(column, f"{len(foreign)} values are not ASCII (e.g. {foreign[0][:40]!r})",
                     count=len(foreign))
    return np.where(missing, "", values).astype(object)
