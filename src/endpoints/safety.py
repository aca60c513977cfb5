"""``safety_table``: participants with adverse events, by body system, term and worst
grade, per arm, as percentages of the arm's treated subjects (SPEC section 6)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import InputError
from .inputs.adverse_events import check_adverse_events
from .inputs.problems import Problems
from .inputs.visits import frame_of
from .summary import NO_GROUP, _groups

ANY = "Any adverse event"
COLUMNS = ("body_system", "term", "n", "N", "percent", "grade_1", "grade_2", "grade_3",
           "grade_4", "grade_5", "grade_missing")


def safety_table(adverse_events: pd.DataFrame, visits, *, by: str = "arm",
                 related: bool | None = None) -> pd.DataFrame:
    """Participants with at least one adverse event, by body system and preferred term,
    and by their worst grade, per group.

    Parameters
    ----------
    adverse_events : DataFrame
        The adverse-events table (SPEC section 6).
    visits : DataFrame or TrialData
        The visit table (or CDISC data): its subjects are the treated subjects, grouped
        by the first non-missing value of `by`. A subject with events but no visits is
        counted in the group ``"<NA>"``.
    by : str, default "arm"
        Grouping column.
    related : bool, optional
        True: only events related to treatment; False: only unrelated ones; None: all.
        Events of unknown relatedness are left out of a filtered table.

    Returns
    -------
    DataFrame
        One row per (body system, term) x group, with the body system's and the
        overall ("Any adverse event") rows first, term ``<NA>``: ``body_system``,
        ``term``, the group column, ``n`` (subjects with at least one event), ``N``
        (subjects of the group), ``percent`` (100 n / N), and ``grade_1`` ..
        ``grade_5``, ``grade_missing``: subjects by their worst grade of those events
        (missing where none of a subject's events has a grade).

    Examples
    --------
    >>> import endpoints as ep
    >>> visits = pd.DataFrame({"subject_id": ["a", "b", "c"], "day": 0,
    ...                        "arm": ["MSC", "MSC", "Placebo"]})
    >>> events = pd.DataFrame({"subject_id": ["a", "a", "c"], "term": ["Pyrexia"] * 3,
    ...                        "body_system": "General disorders", "start_day": [1, 5, 2],
    ...                        "grade": [1, 2, 1], "related": [True, False, False]})
    >>> table = ep.safety_table(events, visits)
    >>> table[table.term == "Pyrexia"][["arm", "n", "N", "percent", "grade_2"]]
           arm  n  N  percent  grade_2
    4      MSC  1  2     50.0        1
    5  Placebo  1  1    100.0        0
    """
    from .cdisc import TrialData

    if related not in (None, True, False):
        raise InputError("related=", f"expected True, False or None, got {related!r}")
    if isinstance(visits, TrialData):
        visits = pd.concat([visits.demographics, visits.visits], ignore_index=True)
    groups = _groups(visits, by)
    problems = Problems()
    table = frame_of(adverse_events, "adverse-events table", problems)
    events = None if table is None else check_adverse_events(table, problems)
    problems.raise_if_any()
    subject = np.asarray(events.labels, dtype=object)[events.code]
    system = (table["body_system"].astype("string").str.strip().fillna("(not given)")
              .to_numpy(dtype=object) if "body_system" in table else
              np.full(len(table), "(not given)", dtype=object))
    term = table["term"].astype("string").str.strip().to_numpy(dtype=object)
    keep = np.ones(len(table), dtype=bool)
    if related is not None:
        keep = events.related == float(related)
    group = pd.Series(groups).reindex(subject).fillna(NO_GROUP).to_numpy(dtype=object)
    frame = pd.DataFrame({"subject": subject, "group": group, "body_system": system,
                          "term": term, "grade": events.grade})[keep]
    sizes = pd.Series(groups).value_counts()
    for extra in set(frame["group"]) - set(sizes.index):  # subjects only in the events
        sizes[extra] = frame.loc[frame["group"] == extra, "subject"].nunique()
    levels = [frame.assign(body_system=ANY, term=pd.NA),
              frame.assign(term=pd.NA), frame]
    keys = ["body_system", "term", "group"]
    # each subject's worst grade per row of the table, then subjects counted per grade
    worst = pd.concat([part.groupby([*keys, "subject"], dropna=False)["grade"].max()
                       .reset_index() for part in levels], ignore_index=True)
    worst = worst.assign(n=1, grade_missing=worst["grade"].isna(),
                         **{f"grade_{g}": worst["grade"] == g for g in range(1, 6)})
    counts = worst.groupby(keys, dropna=False, sort=False)[["n", *COLUMNS[5:]]].sum()
    rows = counts.reset_index().rename(columns={"group": by})
    out = rows[["body_system", "term", by, "n", *COLUMNS[5:]]]
    full = _complete(out, sorted(sizes.index, key=lambda g: (g == NO_GROUP, g)), by)
    full["N"] = full[by].map(sizes).astype("int64")
    full["percent"] = (100 * full["n"] / full["N"]).round(9)
    # the overall rows first, then each body system with its own total before its terms
    full["_rank"] = np.where(full["body_system"] == ANY, 0, 1)
    full = full.sort_values(["_rank", "body_system", "term", by], key=_order,
                            na_position="first", kind="stable", ignore_index=True)
    return full[["body_system", "term", by, *COLUMNS[2:]]].astype(
        {"body_system": "string", "term": "string", by: "string"})


def _order(column: pd.Series) -> pd.Series:
    return column.astype("string").str.casefold() if column.dtype == object else column


def _complete(out: pd.DataFrame, groups: list, by: str) -> pd.DataFrame:
    """Every (body system, term) row for every group, zero where no subject had it; the
    overall row is there even when no subject had an event."""
    overall = pd.DataFrame({"body_system": [ANY], "term": [pd.NA]})  # even without events
    keys = pd.concat([overall, out[["body_system", "term"]]], ignore_index=True).astype(
        object).drop_duplicates()
    grid = keys.merge(pd.DataFrame({by: groups}), how="cross")
    full = grid.merge(out, on=["body_system", "term", by], how="left")
    counts = ["n", *COLUMNS[5:]]
    full[counts] = full[counts].fillna(0).astype("int64")
    return full
