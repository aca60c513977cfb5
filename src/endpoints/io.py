"""Reading and writing tables in the formats analysts exchange: CSV, Parquet and SAS
(transport ``.xpt`` and ``.sas7bdat``) in; CSV, Parquet and SAS transport version 5 out."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import InputError

READABLE = (".csv", ".parquet", ".pq", ".xpt", ".sas7bdat")
WRITABLE = (".csv", ".parquet", ".pq", ".xpt")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a table by its file extension (a directory is read as a Parquet dataset).

    Raises
    ------
    InputError
        For a missing file, an unknown extension or an unreadable file.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(str(path), "file not found")
    suffix = ".parquet" if path.is_dir() else path.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(path)
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if suffix in (".xpt", ".sas7bdat"):
            import pyreadstat

            reader = pyreadstat.read_xport if suffix == ".xpt" else pyreadstat.read_sas7bdat
            return reader(str(path))[0]
    except InputError:
        raise
    except Exception as exc:  # the readers raise many types; name the file and the cause
        raise InputError(str(path), f"cannot read {suffix[1:]} file: {exc}") from None
    raise InputError(str(path), f"unknown file type {suffix!r}; use one of {', '.join(READABLE)}")


def check_writable(path: str | Path) -> None:
    """Raise :class:`InputError` unless `path` names a format :func:`write_table` writes."""
    suffix = Path(path).suffix.lower()
    if suffix not in WRITABLE:
        raise InputError(str(path), f"cannot write {suffix or 'files without an extension'}; "
                                    f"use one of {', '.join(WRITABLE)}")


def write_table(table: pd.DataFrame, path: str | Path) -> None:
    """Write a table as CSV, Parquet or SAS transport version 5 (the dataset named after
    the file, e.g. ``adrs.xpt`` -> ``ADRS``, its variables labelled by the table's
    ``attrs["labels"]`` where :func:`endpoints.to_adam` set them), by the file extension."""
    from .xpt import write_xpt

    check_writable(path)
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table.to_csv(path, index=False)
    elif suffix == ".xpt":
        labels = table.attrs.get("labels") if isinstance(table.attrs.get("labels"), dict) else {}
        write_xpt(table, path, name=path.stem.upper(),
                  labels={c: label for c, label in labels.items() if c in table.columns})
    else:
        table.to_parquet(path, index=False)
