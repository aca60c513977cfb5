"""The optional medications table: dosing records turned into daily prednisone-equivalent
doses, rituximab and new immunosuppressants (SPEC section 2).

Records are ``subject_id``, ``drug``, ``start_day``, ``end_day`` (inclusive; missing =
ongoing), ``dose`` (mg per day over the interval; a one-day IV pulse has
``start_day == end_day``) and optionally ``route``, ``atc`` (WHO ATC code) and
``protocol`` (True for therapy the protocol prescribes, which is never a *new*
immunosuppressant). What each record is comes from the drug dictionary
(:mod:`endpoints.inputs.drugs`).

The daily dose is a step function per subject. It is evaluated at any set of days with
one sweep: every record adds its rate on its first day and removes it the day after its
last; sorting those changes together with the query days and taking a cumulative sum
gives the rate in force on each queried day, for all subjects at once.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from ..decimals import errstate, rounded
from ..errors import EndpointsWarning
from .days import as_numbers, study_days
from .drugs import classify, dictionary, resolve_user, route_name, steroid_like
from .numbers import to_numbers
from .problems import Problems, Rows
from .text import ID_PROBLEMS, TRUTH, encode

REQUIRED = ("subject_id", "drug", "start_day", "dose")
_FOREVER = np.iinfo(np.int64).max // 4


def compute_prednisone_equivalent(drug, dose) -> pd.Series:
    """Convert corticosteroid doses to prednisone-equivalent mg (NaN for other drugs).

    Drug names are read by the drug dictionary ("Solu-Medrol", "IV methylprednisolone").

    Examples
    --------
    >>> compute_prednisone_equivalent(["Methylprednisolone", "dexamethasone"], [4, 1.5]).tolist()
    [5.0, 10.0]
    """
    names = pd.Series(drug)
    equivalents = dictionary().equivalents
    codes, labels, _ = encode(names)  # each distinct name classified once
    mg = np.array([equivalents.get(classify(name).drug or "", np.nan) for name in labels]
                  + [np.nan])[codes]
    return pd.Series(np.asarray(dose, dtype=float) * 5.0 / mg, index=names.index)


@dataclass
class Medications:
    """Validated dosing records, subjects coded like the visit table's.

    The table is the source of these visit facts when it is given (SPEC section 2): the
    visit table's own columns of the same names are not read then.
    """

    #: visit fact -> what the records give at a visit (see :meth:`at_visits`)
    VISIT_FACTS: ClassVar[dict[str, str]] = {
        "prednisone": "the prednisone-equivalent daily dose in force on the visit day",
        "rituximab": "a rituximab record started after the previous visit, by this one",
        "new_immunosuppressant": "a new immunosuppressive regimen started after the "
                                 "previous visit, by this one",
    }
    #: variables the records give day by day (cumulative doses, daily caps)
    DAILY: ClassVar[frozenset[str]] = frozenset({"prednisone"})

    code: np.ndarray  # subject code per record
    start: np.ndarray  # first day
    stop: np.ndarray  # day after the last day (exclusive end)
    steroid_rate: np.ndarray  # prednisone-equivalent mg/day (0 for other drugs)
    rituximab: np.ndarray  # bool
    new_immunosuppressant: np.ndarray  # bool
    route: np.ndarray | None = None  # the route each record names ("oral"), None if none

    def at_visits(self, code: np.ndarray, day: np.ndarray) -> dict[str, np.ndarray]:
        """The :attr:`VISIT_FACTS` at the visits of subjects `code` on days `day`."""
        return {
            "prednisone": self.steroid_rate_on(code, day),
            "rituximab": self.started_in(self.rituximab, code, day).astype(float),
            "new_immunosuppressant": self.started_in(self.new_immunosuppressant, code,
                                                     day).astype(float),
        }

    def subjects_in(self, lo: int, hi: int) -> Medications:
        """The records of subjects ``lo .. hi - 1``, recoded from 0."""
        keep = (self.code >= lo) & (self.code < hi)
        return Medications(self.code[keep] - lo, self.start[keep], self.stop[keep],
                           self.steroid_rate[keep], self.rituximab[keep],
                           self.new_immunosuppressant[keep],
                           None if self.route is None else self.route[keep])

    def steroid_rate_on(self, code: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Prednisone-equivalent daily dose in force for subject `code` on `day`."""
        steroid = self.steroid_rate > 0
        change_code = np.r_[self.code[steroid], self.code[steroid]]
        change_day = np.r_[self.start[steroid], self.stop[steroid]]
        delta = np.r_[self.steroid_rate[steroid], -self.steroid_rate[steroid]]
        n = len(code)
        all_code = np.r_[change_code, code]
        all_day = np.r_[change_day, day]
        is_query = np.r_[np.zeros(len(delta), dtype=bool), np.ones(n, dtype=bool)]
        order = np.lexsort((is_query, all_day, all_code))  # changes before same-day queries
        level = np.cumsum(np.r_[delta, np.zeros(n)][order])  # each subject's changes net 0
        rate = np.empty(len(order))
        rate[order] = level
        return rounded(np.maximum(rate[len(delta):], 0.0))

    def steroid_max(self, first: np.ndarray, last: np.ndarray) -> np.ndarray:
        """Per subject: the highest daily dose on any day from `first` to `last`
        (inclusive, per-subject arrays); NaN where the span is empty."""
        n = len(first)
        steroid = self.steroid_rate > 0
        rec_code, rec_start = self.code[steroid], self.start[steroid]
        inside = (rec_start > first[rec_code]) & (rec_start <= last[rec_code])
        code = np.r_[np.arange(n), rec_code[inside]]  # the rate can only rise at a start
        rate = self.steroid_rate_on(code, np.r_[first, rec_start[inside]])
        top = np.full(n, -np.inf)
        np.maximum.at(top, code, rate)
        return np.where(first <= last, top, np.nan)

    def steroid_steps(self, first: np.ndarray, last: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The steps of each subject's daily steroid dose over days `first` .. `last`
        (per-subject arrays): (subject code, day the step starts, dose from that day),
        one step at `first` and one at each record start or end inside the span."""
        n = len(first)
        steroid = self.steroid_rate > 0
        rec_code = np.r_[self.code[steroid], self.code[steroid]]
        rec_day = np.r_[self.start[steroid], self.stop[steroid]]
        inside = (rec_day > first[rec_code]) & (rec_day <= last[rec_code])
        code = np.r_[np.arange(n), rec_code[inside]]
        day = np.r_[first, rec_day[inside]]
        return code, day, self.steroid_rate_on(code, day)

    def steroid_total(self, n_subjects: int, first: int, last: int,
                      routes: tuple[str, ...] = ()) -> np.ndarray:
        """Per subject: prednisone-equivalent mg over days first .. last (inclusive);
        with `routes`, only records given by those routes (or naming none) count."""
        days = np.clip(np.minimum(self.stop, last + 1) - np.maximum(self.start, first), 0, None)
        rate = self.steroid_rate
        if routes and self.route is not None:
            route = pd.Series(self.route, dtype=object)
            named = (route.isna() | route.isin(routes)).to_numpy(dtype=bool)
            rate = np.where(named, rate, 0.0)
        with errstate():
            total = np.bincount(self.code, weights=rate * days, minlength=n_subjects)
        return rounded(total)

    def first_start(self, which: np.ndarray, n_subjects: int, after: np.ndarray,
                    until: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per subject: (day of the first record selected by `which` that starts in
        ``(after, until]``, -1 if none; the number of such records)."""
        code, start = self.code[which], self.start[which]
        inside = (start > after[code]) & (start <= until[code])
        first = np.full(n_subjects, np.iinfo(np.int64).max)
        np.minimum.at(first, code[inside], start[inside])
        count = np.bincount(code[inside], minlength=n_subjects)
        return np.where(count > 0, first, -1), count

    def started_in(self, which: np.ndarray, code: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Per visit row: did a record selected by `which` start after the subject's
        previous visit and on or before this one?"""
        flagged = np.zeros(len(day), dtype=bool)
        rec_code, rec_start = self.code[which], self.start[which]
        # position of the first visit of the same subject on or after the record's start
        pos = np.searchsorted(_composite(code, day), _composite(rec_code, rec_start))
        ok = pos < len(day)
        ok[ok] = code[pos[ok]] == rec_code[ok]
        flagged[pos[ok]] = True
        return flagged


def _composite(code: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Sortable (subject, day) key; days are shifted to be non-negative."""
    return code.astype(np.int64) * (2**32) + (day.astype(np.int64) + 2**31)


@dataclass
class MedicationRecords:
    """Checked dosing records whose subjects are coded by their own labels; see
    :meth:`coded` for the visit table's coding."""

    labels: np.ndarray
    code: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    steroid_rate: np.ndarray
    rituximab: np.ndarray
    new_immunosuppressant: np.ndarray
    route: np.ndarray

    def coded(self, subjects: pd.Index) -> Medications:
        """The records with subjects coded as positions in `subjects` (which holds them all)."""
        code = subjects.get_indexer(self.labels)[self.code].astype(np.int64)
        return Medications(code, self.start, self.stop, self.steroid_rate, self.rituximab,
                           self.new_immunosuppressant, self.route)


def check_medications(meds: pd.DataFrame, problems: Problems,
                      drug_classes: Mapping | None = None) -> MedicationRecords | None:
    """Validate and classify a medications table, recording its problems.

    Returns None when the table cannot be read at all (a required column is missing).
    Names that cannot be classified and do not look like corticosteroids are listed in
    one :class:`~endpoints.errors.EndpointsWarning`.
    """
    absent = [c for c in REQUIRED if c not in meds.columns]
    for column in absent:
        problems.add(column, "required column is missing from the medications table")
    user, unresolved, user_equivalents = resolve_user(drug_classes) if isinstance(
        drug_classes, Mapping | None) else (
        {}, [f"expected a mapping, got {type(drug_classes).__name__}"], {})
    if unresolved:
        problems.add("drug_classes=", "not a known drug or class (immunosuppressant, "
                     "rituximab, other) or mg equal to 5 mg prednisone: "
                     + "; ".join(unresolved))
    if absent:
        return None
    code, labels, bad_ids = encode(meds["subject_id"])
    start, bad_start = study_days(meds["start_day"], missing="missing start day")
    end, bad_end = (study_days(meds["end_day"], missing=None) if "end_day" in meds.columns
                    else (np.full(len(meds), np.nan), {}))
    # problems are located in (subject, start day) order, subjects by their text form
    rank = np.r_[np.argsort(np.argsort(labels.astype(str))), len(labels)]
    start_numbers = as_numbers(meds["start_day"])
    order = np.lexsort((np.where(np.isnan(start), np.nan_to_num(start_numbers, nan=np.inf),
                                 start), rank[code]))
    rows = Rows(labels, code, start, order, problems)
    for problem, mask in bad_ids.items():
        rows.check(mask, "subject_id", f"{ID_PROBLEMS[problem]} in the medications table")
    for problem, mask in bad_start.items():
        rows.check(mask, "start_day", problem)
    for problem, mask in bad_end.items():
        rows.check(mask, "end_day", problem)
    with np.errstate(invalid="ignore"):  # an invalid start or end day is its own problem
        rows.check(as_numbers(meds["end_day"]) < start_numbers if "end_day" in meds.columns
                   else np.zeros(len(meds), bool), "end_day", "end day before start day")
    dose = to_numbers(meds["dose"], "dose", rows)
    rows.check(dose < 0, "dose", "negative dose")

    kinds = _classified(meds, user)
    rows.check(kinds["blank"].to_numpy(dtype=bool), "drug", "missing drug name")
    for problem in pd.unique(kinds["problem"].dropna()):
        rows.check((kinds["problem"] == problem).to_numpy(dtype=bool), "drug", problem)
    unknown = (kinds["klass"].isna() & ~kinds["blank"] & kinds["problem"].isna()).to_numpy(
        dtype=bool)
    steroidish = unknown & kinds["steroid_like"].to_numpy(dtype=bool)
    rows.check(steroidish, "drug", "unknown corticosteroid (known: " + ", ".join(
        dictionary().equivalents) + "); declare it with drug_classes=")
    drug = kinds["drug"].to_numpy(dtype=object)
    klass = kinds["klass"].to_numpy(dtype=object)
    systemic = kinds["systemic"].to_numpy(dtype=bool)
    equivalents = dictionary().equivalents | user_equivalents
    mg = np.array([equivalents.get(d, np.nan) if isinstance(d, str) else np.nan for d in drug])
    counted = (klass == "corticosteroid") & systemic & ~np.isnan(mg)
    rows.check(counted & np.isnan(dose), "dose", "missing corticosteroid dose")
    if problems:
        return None
    unclassified = sorted(set(kinds["name"][unknown & ~steroidish]))
    if unclassified:
        shown = ", ".join(repr(n) for n in unclassified[:10])
        more = f" and {len(unclassified) - 10} more" if len(unclassified) > 10 else ""
        warnings.warn(f"medications not classified (not counted as corticosteroids, "
                      f"immunosuppressants or rituximab): {shown}{more}; map them with "
                      "drug_classes=", EndpointsWarning, stacklevel=4)
    with errstate():
        rate = np.where(counted, np.nan_to_num(dose) * 5.0 / np.where(counted, mg, 1.0), 0.0)
    protocol = np.zeros(len(meds), dtype=bool)
    if "protocol" in meds.columns:
        p_codes, p_labels, _ = encode(meds["protocol"])
        truth = np.r_[[TRUTH.get(str(t).lower()) == 1.0 for t in p_labels], False].astype(bool)
        protocol = truth[p_codes]
    start = start.astype(np.int64)
    stop = np.where(np.isnan(end), _FOREVER, np.nan_to_num(end) + 1).astype(np.int64)
    immuno = (klass == "immunosuppressant") & systemic
    # "new": started after day 0, not in the protocol, and not already taken on day 0
    identity = np.where(pd.isna(drug), klass, drug).astype(str)
    on_day0 = immuno & (start <= 0) & (stop > 0)
    taken = pd.MultiIndex.from_arrays([code[on_day0], identity[on_day0]])
    already = pd.MultiIndex.from_arrays([code, identity]).isin(taken)
    new = immuno & (start > 0) & ~protocol & ~already
    rituximab = (klass == "rituximab") & systemic & (start > 0)  # given during the study
    return MedicationRecords(labels, code, start, stop, rate, rituximab, new,
                             kinds["route"].to_numpy(dtype=object))


def _classified(meds: pd.DataFrame, user) -> pd.DataFrame:
    """Per record: name, drug, klass, systemic, problem, blank, steroid_like; each
    distinct (name, route, ATC) combination is classified once."""
    keys = [meds[c] if c in meds.columns else pd.Series(None, index=meds.index, dtype=object)
            for c in ("drug", "route", "atc")]
    coded = [encode(k) for k in keys]
    combo = np.zeros(len(meds), dtype=np.int64)
    for codes, labels, _ in coded:
        combo = combo * (len(labels) + 1) + (codes + 1)
    distinct, first = np.unique(combo, return_index=True)
    rows = []
    for i in first:
        name, route, atc = (labels[codes[i]] if codes[i] >= 0 else None
                            for codes, labels, _ in coded)
        found = classify(name, route, atc, user=user)
        rows.append((name, found.drug, found.klass, found.systemic, found.problem,
                     name is None, name is not None and steroid_like(name),
                     route_name(route, name)))
    table = pd.DataFrame(rows, columns=["name", "drug", "klass", "systemic", "problem",
                                        "blank", "steroid_like", "route"], dtype=object)
    return table.iloc[np.searchsorted(distinct, combo)].reset_index(drop=True)
