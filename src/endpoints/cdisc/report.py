"""The report of a CDISC read: every record read, mapped, converted, collapsed or left
out, counted per dataset, parameter and what happened, with the reason."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..inputs.problems import Problems

COLUMNS = ("dataset", "parameter", "column", "action", "records", "detail")


@dataclass
class Report:
    """Lines of the report and the problems found, collected while reading."""

    problems: Problems = field(default_factory=Problems)
    lines: list[dict] = field(default_factory=list)

    def add(self, dataset: str, action: str, detail: str, *, mask=None, parameter=None,
            column=None, records: int | None = None) -> None:
        """One line per (parameter, column) among the records of `mask` (a boolean
        array over the records), or one line of `records` records."""
        if mask is None:
            self.lines.append({"dataset": dataset, "parameter": parameter, "column": column,
                               "action": action, "records": int(records or 0),
                               "detail": detail})
            return
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        keys = pd.DataFrame({"parameter": _values(parameter, mask),
                             "column": _values(column, mask)})
        for (p, c), n in keys.value_counts(dropna=False, sort=False).sort_index().items():
            self.lines.append({"dataset": dataset, "parameter": None if pd.isna(p) else p,
                               "column": None if pd.isna(c) else c, "action": action,
                               "records": int(n), "detail": detail})

    def frame(self) -> pd.DataFrame:
        """The report as a DataFrame, in the order things were done."""
        table = pd.DataFrame(self.lines, columns=list(COLUMNS))
        return table.astype({c: "string" for c in COLUMNS if c != "records"}).astype(
            {"records": "int64"})


def _values(given, mask: np.ndarray) -> np.ndarray:
    if given is None or isinstance(given, str):
        return np.full(int(mask.sum()), given, dtype=object)
    return np.asarray(given, dtype=object)[mask]
