"""``TrialData``: the canonical tables read from CDISC datasets, with the report."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class TrialData:
    """Visits, medications and adverse events read from CDISC datasets.

    ``ep.score(data, trial)`` scores it: every subject of the subject-level dataset
    (ADSL or DM) is a subject, with or without records.

    Attributes
    ----------
    visits : DataFrame
        The wide canonical visit table (SPEC section 2).
    medications : DataFrame or None
        The canonical medications table, when CM / ADCM was given.
    adverse_events : DataFrame or None
        The canonical adverse-events table, when AE / ADAE was given.
    report : DataFrame
        What was read, mapped, converted, collapsed or left out, and why: columns
        ``dataset``, ``parameter``, ``column``, ``action``, ``records``, ``detail``.
    subjects : tuple of str
        Every subject ID of the datasets, sorted.
    demographics : DataFrame
        One row per subject of ADSL / DM: ``subject_id``, and ``arm``, ``age``, ``sex``
        where the dataset has them (so that summaries know the arm of a subject without
        visits).
    """

    visits: pd.DataFrame
    medications: pd.DataFrame | None
    adverse_events: pd.DataFrame | None
    report: pd.DataFrame
    subjects: tuple[str, ...]
    demographics: pd.DataFrame

    def __repr__(self) -> str:
        parts = [f"{len(self.subjects)} subjects", f"{len(self.visits)} visits"]
        for name in ("medications", "adverse_events"):
            table = getattr(self, name)
            if table is not None:
                parts.append(f"{len(table)} {name.replace('_', ' ')}")
        return f"TrialData({', '.join(parts)}; report: {len(self.report)} lines)"
