"""A summary as a report table: rounded estimates, "n/N (%)" cells, one column per group.

:func:`format_table` turns the table of :func:`endpoints.summarize` (one row per
endpoint x timepoint x group, numbers at full precision) into what a study report shows:
one row per endpoint x timepoint x statistic, one column per group, every cell text.

Examples
--------
>>> import pandas as pd, endpoints as ep
>>> results = pd.DataFrame({
...     "trial_id": "NCT03917797", "subject_id": ["1", "2", "3", "4"],
...     "endpoint": "sri4", "timepoint": "month 12",
...     "result": pd.array([True, False, True, True], dtype="boolean"),
...     "category": pd.NA, "value": pd.NA})
>>> visits = pd.DataFrame({"subject_id": [1, 2, 3, 4], "day": 0,
...                        "arm": ["MSC", "MSC", "Placebo", "Placebo"]})
>>> table = ep.summarize(results, visits).pipe(ep.format_table)
>>> table[["statistic", "MSC", "Placebo"]].values.tolist()[0]
['Responders, n/N (%)', '1/2 (50.0%)', '2/2 (100.0%)']
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .errors import InputError
from .summary import MISSING_CATEGORY

#: the first columns of a summary, before the group column
_KEYS = ("trial_id", "endpoint", "timepoint", "day")
#: the columns of the report table before the groups
LEADING = ("trial_id", "endpoint", "timepoint", "statistic")


def format_table(summary: pd.DataFrame, *, digits: int = 1, p_digits: int = 3
                 ) -> pd.DataFrame:
    """A :func:`endpoints.summarize` table as a report table.

    Parameters
    ----------
    summary : DataFrame
        The table :func:`endpoints.summarize` returned (its group column is the one
        after ``day``).
    digits : int, default 1
        Decimals of percentages and of continuous statistics.
    p_digits : int, default 3
        Decimals of p-values; smaller values are shown as ``"<0.001"``.

    Returns
    -------
    DataFrame
        Columns ``trial_id``, ``endpoint``, ``timepoint``, ``statistic``, then one
        column per group (in the summary's order), all text; a group a statistic does
        not apply to (the reference group's difference) is empty. Rows, per endpoint x
        timepoint in the summary's order:

        - binary: ``Responders, n/N (%)``, ``95% CI (%)`` (Wilson), ``Difference vs
          <reference>, % (95% CI)`` (Newcombe) and ``p-value`` (with its test) when the
          summary has them, ``Not evaluable`` and ``Not applicable`` when any;
        - categorical: ``<category>, n/N (%)`` and its ``95% CI (%)`` per category;
        - continuous: ``n``, ``Mean (SD)``, ``Median (Q1, Q3)``, the difference in means
          and ``p-value`` when present, ``Not evaluable``;
        - time to event: ``Events, n/N``, ``Median, days (95% CI)``, ``Event by day <d>,
          % (95% CI)``, ``p-value``, when the summary has them.

    Raises
    ------
    InputError
        If `summary` is not a table of :func:`endpoints.summarize`.
    """
    if not isinstance(summary, pd.DataFrame) or list(summary.columns[:4]) != list(_KEYS) or (
            "kind" not in summary.columns):
        raise InputError("(summary)", "expected the table endpoints.summarize returned")
    by = summary.columns[4]
    groups = list(dict.fromkeys(summary[by].astype(object)))
    if summary.empty:
        return pd.DataFrame(columns=[*LEADING, *groups], dtype=object)
    cell = _Cells(digits, p_digits)
    rows: list[dict] = []
    keys = ["trial_id", "endpoint", "timepoint"]
    for key, part in summary.groupby(keys, sort=False, dropna=False):
        kind = part["kind"].iloc[0]
        lines = _LINES.get(kind, _binary)(part, by, cell)
        for statistic, values in lines:
            if all(v == "" for v in values.values()):
                continue
            rows.append(dict(zip(keys, key, strict=True)) | {"statistic": statistic} | values)
    out = pd.DataFrame(rows, columns=[*LEADING, *groups])
    return out.fillna("").astype({g: object for g in groups})


class _Cells:
    """How numbers are written."""

    def __init__(self, digits: int, p_digits: int) -> None:
        self.digits, self.p_digits = digits, p_digits

    def number(self, x) -> str:
        return "" if _missing(x) else f"{float(x):.{self.digits}f}"

    def percent(self, x) -> str:
        return "" if _missing(x) else f"{100 * float(x):.{self.digits}f}"

    def count(self, r, n, p) -> str:
        if _missing(n):
            return ""
        share = f" ({self.percent(p)}%)" if not _missing(p) else ""
        return f"{int(r)}/{int(n)}{share}"

    def interval(self, low, high, scale=1.0) -> str:
        if _missing(low) or _missing(high):
            return ""
        fmt = self.percent if scale == 100 else self.number
        return f"({fmt(low)}, {fmt(high)})"

    def estimate(self, x, low, high, scale=1.0) -> str:
        if _missing(x):
            return ""
        fmt = self.percent if scale == 100 else self.number
        ci = self.interval(low, high, scale)
        return f"{fmt(x)} {ci}".strip()

    def p(self, p, test) -> str:
        if _missing(p):
            return ""
        limit = 10.0 ** -self.p_digits
        text = f"<{limit:.{self.p_digits}f}" if p < limit else f"{p:.{self.p_digits}f}"
        return f"{text} ({test})" if isinstance(test, str) and test else text


def _missing(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def _per_group(part: pd.DataFrame, by: str, write) -> dict[str, str]:
    return {str(row[by]): write(row) for _, row in part.iterrows()}


def _reference(part: pd.DataFrame, by: str) -> str | None:
    """The group the differences are against: the one row without a difference where
    others have one."""
    if "difference" not in part or part["difference"].isna().all():
        return None
    without = part.loc[part["difference"].isna(), by].astype(str)
    without = [g for g in without if g != "<NA>"]
    return without[0] if len(without) == 1 else None


def _comparison(part, by, cell, *, scale) -> list[tuple[str, dict]]:
    lines = []
    reference = _reference(part, by)
    if reference is not None:
        unit = ", %" if scale == 100 else ""
        lines.append((f"Difference vs {reference}{unit} (95% CI)", _per_group(
            part, by, lambda r: cell.estimate(r["difference"], r.get("diff_low"),
                                              r.get("diff_high"), scale))))
    if "p_value" in part:
        lines.append(("p-value", _per_group(part, by, lambda r: cell.p(r["p_value"],
                                                                         r.get("test")))))
    return lines


def _tail(part, by) -> list[tuple[str, dict]]:
    lines = []
    for column, title in (("not_evaluable", "Not evaluable"),
                          ("not_applicable", "Not applicable")):
        if column in part and part[column].fillna(0).gt(0).any():
            lines.append((title, _per_group(part, by, lambda r, c=column: "" if _missing(
                r[c]) else str(int(r[c])))))
    return lines


def _binary(part, by, cell) -> list[tuple[str, dict]]:
    return [
        ("Responders, n/N (%)", _per_group(part, by, lambda r: cell.count(
            r["responders"], r["n"], r["proportion"]))),
        ("95% CI (%)", _per_group(part, by, lambda r: cell.interval(
            r["ci_low"], r["ci_high"], 100))),
        *_comparison(part, by, cell, scale=100),
        *_tail(part, by),
    ]


def _categorical(part, by, cell) -> list[tuple[str, dict]]:
    lines = []
    for category, rows in part.groupby("category", sort=False, dropna=False):
        name = MISSING_CATEGORY if _missing(category) else str(category)
        lines.append((f"{name}, n/N (%)", _per_group(rows, by, lambda r: cell.count(
            r["count"], r["n"], r["proportion"]))))
        if "ci_low" in rows and rows["ci_low"].notna().any():
            lines.append((f"{name}: 95% CI (%)", _per_group(rows, by, lambda r: cell.interval(
                r["ci_low"], r["ci_high"], 100))))
    # the missing results are a category row of their own when the summary has one
    has_missing_row = any(name.startswith(MISSING_CATEGORY) for name, _ in lines)
    return lines + [line for line in _tail(part.drop_duplicates(by), by)
                    if not (has_missing_row and line[0] == "Not evaluable")]


def _continuous(part, by, cell) -> list[tuple[str, dict]]:
    return [
        ("n", _per_group(part, by, lambda r: "" if _missing(r["n"]) else str(int(r["n"])))),
        ("Mean (SD)", _per_group(part, by, lambda r: "" if _missing(r["mean"]) else (
            f"{cell.number(r['mean'])} ({cell.number(r['sd'])})" if not _missing(r["sd"])
            else cell.number(r["mean"])))),
        ("Median (Q1, Q3)", _per_group(part, by, lambda r: "" if _missing(r["median"]) else (
            f"{cell.number(r['median'])} {cell.interval(r['q1'], r['q3'])}".strip()))),
        *_comparison(part, by, cell, scale=1.0),
        *_tail(part, by),
    ]


def _time_to_event(part, by, cell) -> list[tuple[str, dict]]:
    day = part["day"].iloc[0]
    lines = []
    if "events" in part:
        lines.append(("Events, n/N", _per_group(part, by, lambda r: cell.count(
            r["events"], r["n"], np.nan))))
    if "median" in part:
        lines.append(("Median, days (95% CI)", _per_group(part, by, lambda r: (
            "not reached" if _missing(r["median"]) and not _missing(r["n"]) and r["n"] > 0
            else cell.estimate(r["median"], r.get("median_low"), r.get("median_high"))))))
    lines.append((f"Event by day {day}, % (95% CI)", _per_group(part, by, lambda r: (
        cell.estimate(r["proportion"], r["ci_low"], r["ci_high"], 100)))))
    if "p_value" in part:
        lines.append(("p-value", _per_group(part, by, lambda r: cell.p(r["p_value"],
                                                                         r.get("test")))))
    return lines + _tail(part, by)


_LINES = {"binary": _binary, "categorical": _categorical, "continuous": _continuous,
          "time_to_event": _time_to_event}
