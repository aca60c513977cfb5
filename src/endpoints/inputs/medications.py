"""The optional medications table: dosing records turned into daily prednisone-equivalent
doses, rituximab and new immunosuppressants (SPEC section 2).

Records are ``subject_id``, ``drug``, ``start_day``, ``end_day`` (inclusive; missing =
ongoing), ``dose`` (mg per day over the interval; a one-day IV pulse has
``start_day == end_day``) and optionally ``route`` and ``protocol`` (True for therapy the
protocol prescribes, which is never a *new* immunosuppressant).

The daily dose is a step function per subject. It is evaluated at any set of days with
one sweep: every record adds its rate on its first day and removes it the day after its
last; sorting those changes together with the query days and taking a cumulative sum
gives the rate in force on each queried day, for all subjects at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import InputError

#: mg of each corticosteroid equivalent to 5 mg prednisone
PREDNISONE_EQUIVALENT_MG: dict[str, float] = {
    "prednisone": 5.0,
    "prednisolone": 5.0,
    "methylprednisolone": 4.0,
    "hydrocortisone": 20.0,
    "cortisone": 25.0,
    "dexamethasone": 0.75,
    "betamethasone": 0.75,
    "triamcinolone": 4.0,
    "deflazacort": 6.0,
}
#: stems of glucocorticoid names; a name with one that is not in the table is an error
_STEROID_LIKE = re.compile(
    r"(?:cort|methasone|metasone|nisone|nisolone|cinolone|onide|betasol|fluocin|casone)"
)
IMMUNOSUPPRESSANTS: frozenset[str] = frozenset({
    "mycophenolate", "mycophenolic", "mmf", "cyclophosphamide", "azathioprine", "tacrolimus",
    "cyclosporine", "ciclosporin", "voclosporin", "methotrexate", "leflunomide", "sirolimus",
    "belimumab", "anifrolumab", "obinutuzumab", "ocrelizumab", "tripterygium",
})
RITUXIMAB = "rituximab"
_FOREVER = np.iinfo(np.int64).max // 4


def compute_prednisone_equivalent(drug, dose) -> pd.Series:
    """Convert corticosteroid doses to prednisone-equivalent mg (NaN for other drugs).

    Drug names match case-insensitively on their first word ("Methylprednisolone sodium
    succinate" is methylprednisolone).

    Examples
    --------
    >>> compute_prednisone_equivalent(["Methylprednisolone", "dexamethasone"], [4, 1.5]).tolist()
    [5.0, 10.0]
    """
    names = _first_word(pd.Series(drug))
    factor = 5.0 / names.map(PREDNISONE_EQUIVALENT_MG).astype(float)
    return pd.Series(np.asarray(dose, dtype=float) * factor.to_numpy(), index=names.index)


def _first_word(drug: pd.Series) -> pd.Series:
    return drug.astype("string").str.strip().str.lower().str.split().str[0].fillna("")


@dataclass
class Medications:
    """Validated dosing records, subjects coded like the visit table's."""

    code: np.ndarray  # subject code per record
    start: np.ndarray  # first day
    stop: np.ndarray  # day after the last day (exclusive end)
    steroid_rate: np.ndarray  # prednisone-equivalent mg/day (0 for other drugs)
    rituximab: np.ndarray  # bool
    new_immunosuppressant: np.ndarray  # bool

    def subjects_in(self, lo: int, hi: int) -> Medications:
        """The records of subjects ``lo .. hi - 1``, recoded from 0."""
        keep = (self.code >= lo) & (self.code < hi)
        return Medications(self.code[keep] - lo, self.start[keep], self.stop[keep],
                           self.steroid_rate[keep], self.rituximab[keep],
                           self.new_immunosuppressant[keep])

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
        return np.round(np.maximum(rate[len(delta):], 0.0), 9)

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

    def steroid_total(self, n_subjects: int, first: int, last: int) -> np.ndarray:
        """Per subject: prednisone-equivalent mg over days first .. last (inclusive)."""
        days = np.clip(np.minimum(self.stop, last + 1) - np.maximum(self.start, first), 0, None)
        total = np.bincount(self.code, weights=self.steroid_rate * days, minlength=n_subjects)
        return np.round(total, 9)

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


def prepare_medications(meds: pd.DataFrame, subjects: np.ndarray) -> Medications:
    """Validate a medications table and code its subjects like the visit table's.

    Records of subjects absent from the visit table are ignored (they have no visits to
    score). Raises :class:`~endpoints.errors.InputError` for a missing column, a bad day
    or dose, or an unknown corticosteroid name.
    """
    if not isinstance(meds, pd.DataFrame):
        raise InputError("(medications)", f"expected a DataFrame, got {type(meds).__name__}")
    for column in ("subject_id", "drug", "start_day", "dose"):
        if column not in meds.columns:
            raise InputError(column, "required column is missing from the medications table")
    index = pd.Index(subjects)
    code = index.get_indexer(meds["subject_id"].astype(str))
    keep = code >= 0
    frame = meds[keep]
    code = code[keep]
    first = _first_word(frame["drug"]).to_numpy(dtype=object)
    start = pd.to_numeric(frame["start_day"], errors="coerce").to_numpy(dtype=float)
    end = (pd.to_numeric(frame["end_day"], errors="coerce").to_numpy(dtype=float)
           if "end_day" in frame.columns else np.full(len(frame), np.nan))
    dose = pd.to_numeric(frame["dose"], errors="coerce").to_numpy(dtype=float)

    def check(bad: np.ndarray, column: str, problem: str) -> None:
        if bad.any():
            i = np.flatnonzero(bad)[np.lexsort((np.nan_to_num(start[bad]), code[bad]))[0]]
            day = None if np.isnan(start[i]) else int(start[i])
            raise InputError(column, problem, subject=subjects[code[i]], day=day)

    check(~np.isfinite(start) | (start != np.round(start)), "start_day",
          "missing or non-integer start day")
    has_end = ~np.isnan(end)
    check(has_end & ((end != np.round(end)) | (end < start)), "end_day",
          "end day before start day or not an integer")
    text_dose = frame["dose"].notna().to_numpy() & np.isnan(dose)
    check(text_dose, "dose", "non-numeric dose")
    check(dose < 0, "dose", "negative dose")
    blank = pd.Series(first == "").to_numpy()
    check(blank, "drug", "missing drug name")
    known = pd.Series(first).isin(PREDNISONE_EQUIVALENT_MG).to_numpy()
    steroid_like = pd.Series(first).str.contains(_STEROID_LIKE).to_numpy(dtype=bool)
    check(steroid_like & ~known, "drug",
          "unknown corticosteroid (known: " + ", ".join(PREDNISONE_EQUIVALENT_MG) + ")")
    check(known & np.isnan(dose), "dose", "missing corticosteroid dose")
    rate = np.where(known, compute_prednisone_equivalent(first, np.nan_to_num(dose)).to_numpy(),
                    0.0)
    protocol = np.zeros(len(frame), dtype=bool)
    if "protocol" in frame.columns:
        text = frame["protocol"].astype("string").str.strip().str.lower()
        protocol = text.isin(["true", "t", "yes", "y", "1", "1.0"]).to_numpy(dtype=bool)
    stop = np.where(has_end, end + 1, _FOREVER).astype(np.int64)
    start = start.astype(np.int64)
    immuno = pd.Series(first).isin(IMMUNOSUPPRESSANTS).to_numpy()
    # "new": started after day 0, not in the protocol, and not already taken on day 0
    on_day0 = immuno & (start <= 0) & (stop > 0)
    taken = pd.MultiIndex.from_arrays([code[on_day0], first[on_day0]])
    already = pd.MultiIndex.from_arrays([code, first]).isin(taken)
    new = immuno & (start > 0) & ~protocol & ~already
    rituximab = (first == RITUXIMAB) & (start > 0)  # given during the study
    return Medications(code.astype(np.int64), start, stop, rate, rituximab, new)
