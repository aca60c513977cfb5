"""Helpers shared by the hand-written example tests.

Used by test_renal_boundaries.py, test_sri.py, test_steroids.py, test_treatment_failure.py,
test_flares.py and test_medications.py: building small visit / medication frames, picking
one row of ``ep.score``'s output and asserting on it. Nothing here re-implements a rule.

The BILAG domain names and the numeric / boolean column names are the ones the oracle
(tests/oracle.py) declares; only those constants are taken from it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from oracle import BILAG_DOMAINS as DOMAINS
from oracle import BOOLEAN_COLUMNS, NUMERIC_COLUMNS

__all__ = [
    "DOMAINS",
    "assert_result",
    "assert_value",
    "bilag",
    "has_reason",
    "make_frame",
    "med",
    "pick",
]


def bilag(default: str | None = "C", **grades: str | None) -> dict[str, str | None]:
    """BILAG columns: every domain at ``default`` except the given ones (None = missing)."""
    out: dict[str, str | None] = {f"bilag_{d}": default for d in DOMAINS}
    for domain, grade in grades.items():
        assert domain in DOMAINS, domain
        out[f"bilag_{domain}"] = grade
    return out


def make_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Wide visit table from row dicts; None becomes a missing value.

    Numeric columns become float64, boolean ones nullable ``boolean`` and BILAG grades
    ``object``; a column the rows do not have stays absent.
    """
    df = pd.DataFrame(rows)
    for col in NUMERIC_COLUMNS:
        if col in df:
            df[col] = pd.to_numeric(df[col], errors="raise").astype("float64")
    for col in BOOLEAN_COLUMNS:
        if col in df:
            df[col] = df[col].astype("boolean")
    for col in df.columns:
        if col.startswith("bilag_"):
            df[col] = df[col].astype("object")
    return df


def med(
    drug: str,
    start: int,
    end: int | None = None,
    dose: float | None = None,
    *,
    subject: str = "s1",
    **extra: Any,
) -> dict[str, Any]:
    """One medications-table record; ``end`` None = ongoing."""
    return {
        "subject_id": subject,
        "drug": drug,
        "start_day": start,
        "end_day": end,
        "dose": dose,
        **extra,
    }


def pick(out: pd.DataFrame, endpoint: str, timepoint: str, subject: str = "s1") -> pd.Series:
    """The one output row of ``subject`` / ``endpoint`` / ``timepoint``."""
    sel = out[
        (out.subject_id == subject) & (out.endpoint == endpoint) & (out.timepoint == timepoint)
    ]
    assert len(sel) == 1, f"expected one row for {subject}/{endpoint}/{timepoint}, got {len(sel)}"
    return sel.iloc[0]


def has_reason(row: pd.Series) -> bool:
    return isinstance(row.reason, str) and row.reason.strip() != ""


def assert_result(row: pd.Series, expected: bool | None) -> None:
    """``result`` is ``expected`` (None = <NA>); <NA> and False must give a reason."""
    where = (
        f"{row.subject_id} {row.endpoint} {row.timepoint}: result={row.result!r} "
        f"category={row.category!r} reason={row.reason!r}"
    )
    if expected is None:
        assert row.result is pd.NA, where
        assert has_reason(row), where
    else:
        assert row.result is not pd.NA, where
        assert bool(row.result) is expected, where
        if expected is False:
            assert has_reason(row), where


def assert_value(row: pd.Series, expected: float | None) -> None:
    """``value`` is ``expected`` to 1e-9; None = missing."""
    where = (
        f"{row.subject_id} {row.endpoint} {row.timepoint}: value={row.value!r} "
        f"reason={row.reason!r}"
    )
    if expected is None:
        assert pd.isna(row.value), where
    else:
        assert not pd.isna(row.value), where
        assert row.value == pytest.approx(expected, abs=1e-9), where
