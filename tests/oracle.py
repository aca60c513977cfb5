"""Reference implementation ("oracle") of the renal endpoints, for property tests.

This module is written independently of the ``endpoints`` library (it imports nothing from
it) and deliberately trades speed for clarity: it loops over subjects and visits with plain
Python, dicts, floats and ``None``. Each function mirrors a sentence of /work/shared/SPEC.md
(sections 3 and 4).

Interface::

    oracle_score(visits, trial_id) -> pandas.DataFrame

``visits`` is a canonical wide visit table (one row per subject per visit; ``subject_id``,
``day`` and any of the lab columns below). The result has one row per subject x endpoint x
timepoint with columns ``subject_id`` (str), ``endpoint``, ``timepoint``, ``day`` (int or
None), ``result`` (True/False/None), ``category`` (str or None) and ``value`` (float or
None). All columns have ``object`` dtype so the cells are plain Python values.

Three-valued values are ``True`` / ``False`` / ``None`` (None = unknown).
"""

from __future__ import annotations

import operator

import pandas as pd

WINDOW = 28

NUMERIC_COLUMNS = (
    "upcr",
    "proteinuria_24h",
    "egfr",
    "urine_rbc",
    "urine_wbc",
    "serum_albumin",
    "prednisone",
)
BOOLEAN_COLUMNS = ("rbc_casts",)

RESULT_COLUMNS = ["subject_id", "endpoint", "timepoint", "day", "result", "category", "value"]

_OPERATORS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


# --------------------------------------------------------------------------------------
# Three-valued (Kleene) logic over True / False / None
# --------------------------------------------------------------------------------------


def and3(*xs):
    """Kleene AND: False if any False, else None if any None, else True."""
    if any(x is False for x in xs):
        return False
    if any(x is None for x in xs):
        return None
    return True


def or3(*xs):
    """Kleene OR: True if any True, else None if any None, else False."""
    if any(x is True for x in xs):
        return True
    if any(x is None for x in xs):
        return None
    return False


def not3(x):
    """Kleene NOT: None stays None."""
    if x is None:
        return None
    return not x


# --------------------------------------------------------------------------------------
# Decimal thresholds
# --------------------------------------------------------------------------------------


def absolute(x, op, threshold):
    """Criterion ``x <op> threshold``, compared in decimal terms; None if x is missing."""
    if x is None:
        return None
    return _OPERATORS[op](round(x, 9), threshold)


def relative(x, op, fraction, baseline):
    """Criterion ``x <op> fraction * baseline`` (e.g. ">= 80% of baseline").

    Compared in decimal terms as ``round(x - fraction * baseline, 9) <op> 0``.
    None if the value or the baseline is missing.
    """
    if x is None or baseline is None:
        return None
    return _OPERATORS[op](round(x - fraction * baseline, 9), 0)


def no_rbc_casts(rbc_casts):
    """Criterion "no RBC casts": True if casts are absent, False if present, None if missing."""
    if rbc_casts is None:
        return None
    return not rbc_casts


# --------------------------------------------------------------------------------------
# Reading the visit table into plain Python
# --------------------------------------------------------------------------------------


def _is_missing(x):
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _to_float(x):
    return None if _is_missing(x) else float(x)


def _to_bool(x):
    return None if _is_missing(x) else bool(x)


def _subjects(visits: pd.DataFrame):
    """Group the table into ``{original subject id: [visit dict, ...]}``, visits sorted by day.

    A visit dict has ``day`` (int) and every numeric / boolean column as float / bool /
    None. A column absent from the table is missing (None) at every visit.
    """
    subjects: dict = {}
    for row in visits.to_dict("records"):
        visit = {"day": int(row["day"])}
        for column in NUMERIC_COLUMNS:
            visit[column] = _to_float(row.get(column))
        for column in BOOLEAN_COLUMNS:
            visit[column] = _to_bool(row.get(column))
        subjects.setdefault(row["subject_id"], []).append(visit)
    for subject_id, subject_visits in subjects.items():
        subject_visits.sort(key=lambda v: v["day"])
        days = [v["day"] for v in subject_visits]
        if len(days) != len(set(days)):
            raise ValueError(f"two rows for the same subject and day (subject {subject_id})")
    return subjects


# --------------------------------------------------------------------------------------
# Shared rules (SPEC section 3)
# --------------------------------------------------------------------------------------


def baselines(subject_visits):
    """Baseline of each variable: its last non-missing value on or before day 0."""
    base = {}
    for column in NUMERIC_COLUMNS + BOOLEAN_COLUMNS:
        base[column] = None
        for visit in subject_visits:  # sorted by day, so the last one found wins
            if visit["day"] <= 0 and visit[column] is not None:
                base[column] = visit[column]
    return base


def assessment_visit(subject_visits, target_day, window=WINDOW):
    """Among visits with day > 0 and |day - T| <= W, the nearest to T; a tie goes to the
    later visit. None if there is no such visit."""
    best = None
    for visit in subject_visits:
        day = visit["day"]
        if day <= 0 or abs(day - target_day) > window:
            continue
        if best is None or abs(day - target_day) <= abs(best["day"] - target_day):
            # visits are sorted by day, so "<=" lets the later visit win a tie
            best = visit
    return best


def period(subject_visits, target_day, assessment):
    """Visits with 0 < day <= the assessment visit's day (or <= T without one)."""
    last_day = assessment["day"] if assessment is not None else target_day
    return [v for v in subject_visits if 0 < v["day"] <= last_day]


# --------------------------------------------------------------------------------------
# CR / PR criteria per trial (SPEC section 4); each returns (CR, PR) as three-valued
# --------------------------------------------------------------------------------------


def criteria_nct03917797(at, base):
    """MSC-ROLE.

    CR: UPCR < 0.5; eGFR >= 120 or eGFR >= 80% of baseline; urine RBC < 10/hpf and no RBC
    casts; prednisone <= 10 mg/day.
    PR: UPCR <= 50% of baseline; eGFR >= 120 or >= 80% of baseline; prednisone <= 10 mg/day.
    """
    egfr_ok = or3(
        absolute(at["egfr"], ">=", 120),
        relative(at["egfr"], ">=", 0.80, base["egfr"]),
    )
    prednisone_ok = absolute(at["prednisone"], "<=", 10)
    cr = and3(
        absolute(at["upcr"], "<", 0.5),
        egfr_ok,
        absolute(at["urine_rbc"], "<", 10),
        no_rbc_casts(at["rbc_casts"]),
        prednisone_ok,
    )
    pr = and3(
        relative(at["upcr"], "<=", 0.50, base["upcr"]),
        egfr_ok,
        prednisone_ok,
    )
    return cr, pr


def criteria_nct03673748(at, base):
    """Valladolid; proteinuria is proteinuria_24h (g/24h).

    CR: eGFR >= 60, or (baseline eGFR < 60 and eGFR >= 85% of baseline); proteinuria
    <= 0.5; urine RBC <= 5/hpf; urine WBC <= 5/hpf; no RBC casts; serum albumin > 3 g/dL.
    PR: (baseline proteinuria >= 3.5 and proteinuria < 3.5) or (baseline proteinuria < 3.5
    and proteinuria < 50% of baseline); and eGFR >= 75% of baseline.
    """
    protein = at["proteinuria_24h"]
    base_protein = base["proteinuria_24h"]
    cr = and3(
        or3(
            absolute(at["egfr"], ">=", 60),
            and3(
                absolute(base["egfr"], "<", 60),
                relative(at["egfr"], ">=", 0.85, base["egfr"]),
            ),
        ),
        absolute(protein, "<=", 0.5),
        absolute(at["urine_rbc"], "<=", 5),
        absolute(at["urine_wbc"], "<=", 5),
        no_rbc_casts(at["rbc_casts"]),
        absolute(at["serum_albumin"], ">", 3),
    )
    pr = and3(
        or3(
            and3(absolute(base_protein, ">=", 3.5), absolute(protein, "<", 3.5)),
            and3(
                absolute(base_protein, "<", 3.5),
                relative(protein, "<", 0.50, base_protein),
            ),
        ),
        relative(at["egfr"], ">=", 0.75, base["egfr"]),
    )
    return cr, pr


def criteria_nct03580291(at, base):
    """Nanjing; KDIGO 2021 default.

    CR: UPCR < 0.5 and eGFR >= 85% of baseline.
    PR: UPCR <= 50% of baseline and UPCR < 3.0, and eGFR >= 85% of baseline.
    """
    egfr_ok = relative(at["egfr"], ">=", 0.85, base["egfr"])
    cr = and3(absolute(at["upcr"], "<", 0.5), egfr_ok)
    pr = and3(
        relative(at["upcr"], "<=", 0.50, base["upcr"]),
        absolute(at["upcr"], "<", 3.0),
        egfr_ok,
    )
    return cr, pr


TRIALS = {
    "NCT03917797": {
        "criteria": criteria_nct03917797,
        "renal_timepoints": [("month 12", 365)],
        "time_to_event_timepoint": None,
    },
    "NCT03673748": {
        "criteria": criteria_nct03673748,
        "renal_timepoints": [("week 24", 168)],
        "time_to_event_timepoint": None,
    },
    "NCT03580291": {
        "criteria": criteria_nct03580291,
        "renal_timepoints": [("week 12", 84), ("week 24", 168)],
        "time_to_event_timepoint": ("week 24", 168),
    },
}


# --------------------------------------------------------------------------------------
# Endpoints
# --------------------------------------------------------------------------------------


def _row(endpoint, timepoint, day=None, result=None, category=None, value=None):
    return {
        "endpoint": endpoint,
        "timepoint": timepoint,
        "day": None if day is None else int(day),
        "result": result,
        "category": category,
        "value": None if value is None else float(value),
    }


def renal_response_rows(subject_visits, base, criteria, timepoint, target_day):
    """renal_response / complete_renal_response / partial_renal_response at one timepoint.

    Categories are exclusive: CR if CR; otherwise PR if PR; otherwise NR.
    """
    visit = assessment_visit(subject_visits, target_day)
    if visit is None:  # no visit in window: not evaluable
        return [
            _row("renal_response", timepoint),
            _row("complete_renal_response", timepoint),
            _row("partial_renal_response", timepoint),
        ]
    cr, pr = criteria(visit, base)
    if cr is True:
        category = "CR"
    elif cr is False and pr is True:
        category = "PR"
    elif cr is False and pr is False:
        category = "NR"
    else:
        category = None
    day = visit["day"]
    return [
        _row("renal_response", timepoint, day=day, result=or3(cr, pr), category=category),
        _row("complete_renal_response", timepoint, day=day, result=cr),
        _row("partial_renal_response", timepoint, day=day, result=and3(pr, not3(cr))),
    ]


def time_to_event_row(endpoint, subject_visits, base, event, timepoint, target_day):
    """Time to the first visit in the period where ``event(visit, base)`` is True.

    Met: value = day of the first such visit, result True. Never met: value = day of the
    last visit in the period with the event known, result False (censored). No visit in
    the period, or the event unknown at all of them: result None.
    """
    assessment = assessment_visit(subject_visits, target_day)
    first_met = None
    last_known = None
    for visit in period(subject_visits, target_day, assessment):
        happened = event(visit, base)
        if happened is True and first_met is None:
            first_met = visit["day"]
        if happened is not None:
            last_known = visit["day"]
    if first_met is not None:
        return _row(endpoint, timepoint, day=first_met, result=True, value=first_met)
    if last_known is not None:
        return _row(endpoint, timepoint, day=last_known, result=False, value=last_known)
    return _row(endpoint, timepoint)


def score_subject(subject_visits, trial_id):
    """All renal endpoint rows (without subject_id) of one subject, as a list of dicts."""
    trial = TRIALS[trial_id]  # KeyError for an unknown trial
    criteria = trial["criteria"]
    base = baselines(subject_visits)
    rows = []
    for timepoint, target_day in trial["renal_timepoints"]:
        rows += renal_response_rows(subject_visits, base, criteria, timepoint, target_day)
    if trial["time_to_event_timepoint"] is not None:
        timepoint, target_day = trial["time_to_event_timepoint"]

        def complete(visit, base):
            cr, _pr = criteria(visit, base)
            return cr

        def partial_or_better(visit, base):
            cr, pr = criteria(visit, base)
            return or3(cr, pr)

        rows.append(
            time_to_event_row(
                "time_to_complete_response",
                subject_visits,
                base,
                complete,
                timepoint,
                target_day,
            )
        )
        rows.append(
            time_to_event_row(
                "time_to_partial_response",
                subject_visits,
                base,
                partial_or_better,
                timepoint,
                target_day,
            )
        )
    return rows


def _target_day(trial_id, timepoint):
    trial = TRIALS[trial_id]
    labels = dict(trial["renal_timepoints"])
    if trial["time_to_event_timepoint"] is not None:
        label, day = trial["time_to_event_timepoint"]
        labels[label] = day
    return labels[timepoint]


def oracle_score(visits: pd.DataFrame, trial_id: str) -> pd.DataFrame:
    """Score the renal endpoints of ``trial_id`` for every subject of ``visits``.

    Raises KeyError for a trial other than NCT03917797, NCT03673748, NCT03580291.
    Rows are sorted by subject_id (as string), endpoint, timepoint day.
    """
    if trial_id not in TRIALS:
        raise KeyError(trial_id)
    rows = []
    for subject_id, subject_visits in _subjects(visits).items():
        for row in score_subject(subject_visits, trial_id):
            rows.append({"subject_id": str(subject_id), **row})
    rows.sort(key=lambda r: (r["subject_id"], r["endpoint"], _target_day(trial_id, r["timepoint"])))
    return pd.DataFrame(
        {column: pd.Series([r[column] for r in rows], dtype=object) for column in RESULT_COLUMNS}
    )
