"""Reference implementation ("oracle") of every built-in endpoint, for property tests.

This module is written independently of the ``endpoints`` library (it imports nothing from
it) and deliberately trades speed for clarity: it loops over subjects and visits with plain
Python, dicts, floats and ``None``. Each function mirrors a sentence of /work/shared/SPEC.md
(sections 3 and 4) or of docs/interpretations.md.

Interface::

    oracle_score(visits, trial_id) -> pandas.DataFrame

``visits`` is a canonical wide visit table (one row per subject per visit; ``subject_id``,
``day`` and any of the columns below; an absent column is missing at every visit). The
result has one row per subject x endpoint x timepoint with columns ``subject_id`` (str),
``endpoint``, ``timepoint``, ``day`` (int or None), ``result`` (True/False/None),
``category`` (str or None) and ``value`` (float or None). All columns have ``object``
dtype so the cells are plain Python values.

Three-valued values are ``True`` / ``False`` / ``None`` (None = unknown).

Steroid doses, new immunosuppressants and rituximab come from the visit columns only (the
medications table is not modelled here).
"""

from __future__ import annotations

import operator

import pandas as pd

WINDOW = 28

NUMERIC_COLUMNS = (
    "upcr",
    "proteinuria_24h",
    "egfr",
    "creatinine",
    "urine_rbc",
    "urine_wbc",
    "serum_albumin",
    "prednisone",
    "immunosuppressant_dose",
    "sledai",
    "pga",
    "c3",
    "c4",
    "anti_dsdna",
    "sf36",
    "lupusqol",
    "slicc_di",
    "promis_fatigue",
    "promis_pain",
    "promis_depression",
    "lupuspro",
    "lit",
    "sf36_pcs",
    "sf36_mcs",
    "ana",
    "haq",
    "platelets",
    "wbc",
    "c3_lln",
    "c4_lln",
    "th1", "th17", "treg", "b_naive", "b_memory", "b_transitional", "tnf_alpha",
    "tgf_beta1", "il6", "il17a", "il10", "baff", "mcp1", "cxcl10", "ifn_gamma",
)
BOOLEAN_COLUMNS = ("rbc_casts", "new_immunosuppressant", "rituximab")

BILAG_DOMAINS = (
    "constitutional",
    "mucocutaneous",
    "neuropsychiatric",
    "musculoskeletal",
    "cardiorespiratory",
    "gastrointestinal",
    "ophthalmic",
    "renal",
    "haematological",
)
BILAG_COLUMNS = tuple(f"bilag_{domain}" for domain in BILAG_DOMAINS)
NONRENAL_BILAG_COLUMNS = tuple(c for c in BILAG_COLUMNS if c != "bilag_renal")

#: BILAG numeric score of each grade
BILAG_SCORE = {"A": 12, "B": 8, "C": 1, "D": 0, "E": 0}
#: previous / reference grades against which a grade A, or a grade B, is "new"
NEW_A_FROM = ("B", "C", "D", "E")
NEW_B_FROM = ("C", "D", "E")

RESULT_COLUMNS = ["subject_id", "endpoint", "timepoint", "day", "result", "category", "value"]

_OPERATORS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
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


def at_least(known, possible, n):
    """Whether at least n items hold: ``known`` of them certainly, ``possible`` maybe.

    True if known >= n; False if even known + possible < n; otherwise None.
    """
    if known >= n:
        return True
    if known + possible < n:
        return False
    return None


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


def change(x, reference):
    """``x - reference`` rounded to 9 decimals; None if either is missing."""
    if x is None or reference is None:
        return None
    return round(x - reference, 9)


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


def _to_grade(x):
    return None if _is_missing(x) else str(x)


def bilag_score(visit):
    """BILAG numeric score: A=12, B=8, C=1, D=0, E=0 summed over the domains recorded at
    the visit; None when no domain is recorded."""
    grades = [visit[column] for column in BILAG_COLUMNS if visit[column] is not None]
    if not grades:
        return None
    return float(sum(BILAG_SCORE[grade] for grade in grades))


def _subjects(visits: pd.DataFrame):
    """Group the table into ``{original subject id: [visit dict, ...]}``, visits sorted by day.

    A visit dict has ``day`` (int), every numeric / boolean column as float / bool / None,
    every BILAG grade as "A".."E" / None, and the derived ``bilag_score``. A column absent
    from the table is missing (None) at every visit.
    """
    subjects: dict = {}
    for row in visits.to_dict("records"):
        visit = {"day": int(row["day"])}
        for column in NUMERIC_COLUMNS:
            visit[column] = _to_float(row.get(column))
        for column in BOOLEAN_COLUMNS:
            visit[column] = _to_bool(row.get(column))
        for column in BILAG_COLUMNS:
            visit[column] = _to_grade(row.get(column))
        visit["bilag_score"] = bilag_score(visit)
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

ALL_VARIABLES = (*NUMERIC_COLUMNS, *BOOLEAN_COLUMNS, *BILAG_COLUMNS, "bilag_score")


def baselines(subject_visits):
    """Baseline of each variable: its last non-missing value on or before day 0.

    The baseline BILAG score is the score of the last visit on or before day 0 where the
    score is defined (not a sum of per-domain baselines).
    """
    base = {}
    for column in ALL_VARIABLES:
        base[column] = None
        for visit in subject_visits:  # sorted by day, so the last one found wins
            if visit["day"] <= 0 and visit[column] is not None:
                base[column] = visit[column]
    return base


def selection_values(subject_visits):
    """Reference ("selection visit") value of each variable: its value at the earliest
    visit where it is recorded (screening included, any day)."""
    selection = {}
    for column in ALL_VARIABLES:
        selection[column] = None
        for visit in subject_visits:  # sorted by day: the first one found wins
            if visit[column] is not None:
                selection[column] = visit[column]
                break
    return selection


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


def previous_recorded(subject_visits, visit, column):
    """The value of ``column`` at the subject's most recent visit before ``visit`` where it
    is recorded (any day, screening included); None if there is none."""
    previous = None
    for earlier in subject_visits:
        if earlier["day"] >= visit["day"]:
            break
        if earlier[column] is not None:
            previous = earlier[column]
    return previous


def event_by_timepoint(events, assessment):
    """Event by a timepoint, from the three-valued events of the period's assessments.

    ``events`` holds one entry per assessment in the period (a visit, or a domain x visit
    for BILAG flares); visits where the compared variable is not recorded are left out by
    the caller. Returns (result, value): (True, number of events) if any event is True;
    otherwise (None, None) if an event is unknown or the subject has no assessment visit at
    the timepoint (follow-up incomplete); otherwise (False, 0.0).
    """
    count = sum(1 for event in events if event is True)
    if count > 0:
        return True, float(count)
    if any(event is None for event in events) or assessment is None:
        return None, None
    return False, 0.0


# --------------------------------------------------------------------------------------
# New BILAG A / B against reference grades (SRI, exacerbations)
# --------------------------------------------------------------------------------------


def new_bilag_a(grade, reference):
    """New BILAG A in a domain: grade A and the reference grade in B-E (three-valued).
    An ungraded domain can be new A only if its reference grade is not A."""
    if grade is None:
        return False if reference == "A" else None
    if grade != "A":
        return False
    if reference is None:
        return None
    return reference in NEW_A_FROM


def new_bilag_b(grade, reference):
    """New BILAG B in a domain: grade B and the reference grade in C-E (three-valued).
    An ungraded domain can be new B only if its reference grade is neither A nor B."""
    if grade is None:
        return False if reference in ("A", "B") else None
    if grade != "B":
        return False
    if reference is None:
        return None
    return reference in NEW_B_FROM


def new_bilag_counts(visit, reference):
    """Counts over the nine domains: (known new A, possible new A, known new B, possible
    new B), where "possible" counts the domains where it is unknown."""
    known_a = possible_a = known_b = possible_b = 0
    for column in BILAG_COLUMNS:
        a = new_bilag_a(visit[column], reference[column])
        b = new_bilag_b(visit[column], reference[column])
        known_a += a is True
        possible_a += a is None
        known_b += b is True
        possible_b += b is None
    return known_a, possible_a, known_b, possible_b


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


# --------------------------------------------------------------------------------------
# Endpoints. Each scorer returns one row dict (without subject_id).
# ``subject`` is {"visits": [...], "base": {...}, "selection": {...}, "trial": {...}}.
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


def _day(visit):
    return None if visit is None else visit["day"]


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


def renal_row(subject, endpoint, timepoint, target_day):
    """One of renal_response / complete_renal_response / partial_renal_response."""
    rows = renal_response_rows(
        subject["visits"], subject["base"], subject["trial"]["criteria"], timepoint, target_day
    )
    return next(row for row in rows if row["endpoint"] == endpoint)


def time_to_response_row(subject, endpoint, timepoint, target_day):
    """time_to_complete_response (event CR) / time_to_partial_response (CR or PR)."""
    criteria = subject["trial"]["criteria"]

    def complete(visit, base):
        cr, _pr = criteria(visit, base)
        return cr

    def partial_or_better(visit, base):
        cr, pr = criteria(visit, base)
        return or3(cr, pr)

    event = complete if endpoint == "time_to_complete_response" else partial_or_better
    return time_to_event_row(
        endpoint, subject["visits"], subject["base"], event, timepoint, target_day
    )


# --- change from baseline -------------------------------------------------------------

#: the visit column of each change endpoint whose name is not simply "<column>_change"
CHANGE_COLUMN = {"proteinuria_change": "proteinuria_24h", "bilag_change": "bilag_score"}


def change_row(subject, endpoint, timepoint, target_day):
    """Change from baseline: value at the assessment visit minus baseline (9 decimals).
    result None; value None when the visit's value or the baseline is missing."""
    column = CHANGE_COLUMN.get(endpoint, endpoint.removesuffix("_change"))
    visit = assessment_visit(subject["visits"], target_day)
    if visit is None or column in subject.get("absent", ()):
        return _row(endpoint, timepoint)
    value = change(visit[column], subject["base"][column])
    return _row(endpoint, timepoint, day=visit["day"], value=value)


# --- SELENA Flare Index by SLEDAI -----------------------------------------------------


def sfi_flares(sledai, previous):
    """(severe, mild_moderate, any) flare at a visit with SLEDAI ``sledai`` whose previous
    assessment had SLEDAI ``previous`` (None: no previous assessment, all unknown).

    Severe: SLEDAI > 12 and higher than the previous assessment.
    Mild/moderate: increase >= 3 and not severe. Any: either.
    """
    increase = None if previous is None else round(sledai - previous, 9)
    severe = and3(round(sledai, 9) > 12, None if increase is None else increase > 0)
    # Given an increase >= 3 (> 0), "not severe" is exactly SLEDAI <= 12; writing it so
    # keeps a known answer when the increase is unknown but SLEDAI > 12 (then never mild).
    mild_moderate = and3(None if increase is None else increase >= 3, round(sledai, 9) <= 12)
    return severe, mild_moderate, or3(severe, mild_moderate)


def flare_row(subject, endpoint, timepoint, target_day):
    """flare_any / flare_mild_moderate / flare_severe: at least one such flare in the
    period; value = number of flare visits."""
    which = {"flare_severe": 0, "flare_mild_moderate": 1, "flare_any": 2}[endpoint]
    visits = subject["visits"]
    assessment = assessment_visit(visits, target_day)
    events = []
    for visit in period(visits, target_day, assessment):
        if visit["sledai"] is None:  # not an assessment of SLEDAI
            continue
        previous = previous_recorded(visits, visit, "sledai")
        events.append(sfi_flares(visit["sledai"], previous)[which])
    result, value = event_by_timepoint(events, assessment)
    return _row(endpoint, timepoint, day=_day(assessment), result=result, value=value)


# --- BILAG flares ---------------------------------------------------------------------


def bilag_flare(grade, previous):
    """Flare in a domain: new A or new B against the previous recorded grade of that domain
    (None: no previous grade, unknown)."""
    if grade not in ("A", "B"):
        return False
    if previous is None:  # graded A or B with nothing to compare with: unknown
        return None
    return (grade == "A" and previous in NEW_A_FROM) or (grade == "B" and previous in NEW_B_FROM)


def bilag_flare_row(subject, endpoint, timepoint, target_day):
    """bilag_flare_renal (renal domain) / bilag_flare_nonrenal (the other eight domains):
    at least one flare in the period; value = number of domain x visit flares."""
    columns = ("bilag_renal",) if endpoint == "bilag_flare_renal" else NONRENAL_BILAG_COLUMNS
    visits = subject["visits"]
    assessment = assessment_visit(visits, target_day)
    events = []
    for visit in period(visits, target_day, assessment):
        for column in columns:
            if visit[column] is None:  # this domain is not assessed at this visit
                continue
            previous = previous_recorded(visits, visit, column)
            events.append(bilag_flare(visit[column], previous))
    result, value = event_by_timepoint(events, assessment)
    return _row(endpoint, timepoint, day=_day(assessment), result=result, value=value)


# --- SRI-4 ------------------------------------------------------------------------------


def sri4_criteria(visit, base):
    """SRI-4 at a visit against the baseline values and grades: SLEDAI change <= -4; no new
    BILAG A; at most one new BILAG B; PGA change < 0.3."""
    sledai_change = change(visit["sledai"], base["sledai"])
    pga_change = change(visit["pga"], base["pga"])
    known_a, possible_a, known_b, possible_b = new_bilag_counts(visit, base)
    return and3(
        None if sledai_change is None else sledai_change <= -4,
        not3(at_least(known_a, possible_a, 1)),  # no new BILAG A
        not3(at_least(known_b, possible_b, 2)),  # at most one new BILAG B
        None if pga_change is None else pga_change < 0.3,
    )


def prednisone_at_most_10_weeks_20_to_24(visits, week24):
    """NCT02633163: prednisone <= 10 mg/day at every visit from the week-20 assessment
    visit through the week-24 assessment visit (no week-20 visit: every visit with
    140 <= day <= the week-24 visit's day). False if one visit exceeds 10; otherwise None
    if one visit lacks the dose; otherwise True."""
    week20 = assessment_visit(visits, 140)
    first_day = week20["day"] if week20 is not None else 140
    span = [v for v in visits if first_day <= v["day"] <= week24["day"]]
    return and3(*[absolute(v["prednisone"], "<=", 10) for v in span])


def sri4_row(subject, endpoint, timepoint, target_day):
    """sri4 at the assessment visit (NCT02633163 adds the week 20-24 steroid condition)."""
    visits = subject["visits"]
    visit = assessment_visit(visits, target_day)
    if visit is None:
        return _row(endpoint, timepoint)
    result = sri4_criteria(visit, subject["base"])
    if subject["trial"].get("sri4_steroid_condition"):
        result = and3(result, prednisone_at_most_10_weeks_20_to_24(visits, visit))
    return _row(endpoint, timepoint, day=visit["day"], result=result)


# --- Treatment failure (NCT03917797) ----------------------------------------------------


def treatment_failure_row(subject, endpoint, timepoint, target_day):
    """Any of (a) prednisone > 10 at the week-24 assessment visit; (b) prednisone > 10 at a
    visit with 168 < day in the period; (c) a new immunosuppressant in the period;
    (d) rituximab in the period.

    True if any part is True; otherwise None if (a) is unknown or the subject has no
    assessment visit at the timepoint; otherwise False. Visits where the dose or the flag
    is not recorded are skipped by (b)-(d).
    """
    visits = subject["visits"]
    week24 = assessment_visit(visits, 168)
    a = None if week24 is None else absolute(week24["prednisone"], ">", 10)
    assessment = assessment_visit(visits, target_day)
    in_period = period(visits, target_day, assessment)
    b = any(
        absolute(v["prednisone"], ">", 10) is True
        for v in in_period
        if v["day"] > 168 and v["prednisone"] is not None
    )
    c = any(v["new_immunosuppressant"] is True for v in in_period)
    d = any(v["rituximab"] is True for v in in_period)
    if a is True or b or c or d:
        result = True
    elif a is None or assessment is None:
        result = None
    else:
        result = False
    return _row(endpoint, timepoint, day=_day(assessment), result=result)


# --- Steroids and immunosuppressants (NCT03673748) ---------------------------------------


def exacerbation(visit, selection):
    """BILAG A or 2B exacerbation at a visit, against the selection visit's grades: a new
    BILAG A, or two or more new BILAG B (three-valued). None also when no grade is
    recorded at the visit (callers skip such visits)."""
    known_a, possible_a, known_b, possible_b = new_bilag_counts(visit, selection)
    return or3(at_least(known_a, possible_a, 1), at_least(known_b, possible_b, 2))


def no_exacerbation_in_period(subject, target_day):
    """Not (exacerbation by the timepoint); visits with all nine grades missing are not
    assessments."""
    visits = subject["visits"]
    assessment = assessment_visit(visits, target_day)
    events = []
    for visit in period(visits, target_day, assessment):
        if all(visit[column] is None for column in BILAG_COLUMNS):
            continue
        events.append(exacerbation(visit, subject["selection"]))
    result, _value = event_by_timepoint(events, assessment)
    return not3(result)


def steroid_reduction_row(subject, endpoint, timepoint, target_day):
    """Prednisone at the visit reduced by >= 25% from the selection visit (<= 75% of it)
    and <= 7.5 mg/day, and no BILAG A / 2B exacerbation in the period. None when the
    selection dose is 0 ("not on steroids") or missing."""
    visit = assessment_visit(subject["visits"], target_day)
    selected = subject["selection"]["prednisone"]
    if selected is None or selected == 0:  # not applicable: no assessment, no day
        return _row(endpoint, timepoint)
    dose = None if visit is None else visit["prednisone"]
    result = and3(
        relative(dose, "<=", 0.75, selected),
        absolute(dose, "<=", 7.5),
        no_exacerbation_in_period(subject, target_day),
    )
    return _row(endpoint, timepoint, day=_day(visit), result=result)


def steroid_reduction_category_row(subject, endpoint, timepoint, target_day):
    """Category of reduction from the selection dose: ">50%" if the dose is < 50% of it;
    "25-50%" if <= 75% of it; otherwise "<25%" (no change and increases included).
    result None; category None when not on steroids or a dose is missing."""
    visit = assessment_visit(subject["visits"], target_day)
    if visit is None:
        return _row(endpoint, timepoint)
    selected = subject["selection"]["prednisone"]
    dose = visit["prednisone"]
    if selected is None or selected == 0:  # not applicable: no assessment, no day
        return _row(endpoint, timepoint)
    if dose is None:
        category = None
    elif relative(dose, "<", 0.50, selected):
        category = ">50%"
    elif relative(dose, "<=", 0.75, selected):
        category = "25-50%"
    else:
        category = "<25%"
    return _row(endpoint, timepoint, day=visit["day"], category=category)


def immunosuppressant_reduction_row(subject, endpoint, timepoint, target_day):
    """immunosuppressant_dose below the selection visit's, and no BILAG A / 2B
    exacerbation in the period."""
    visit = assessment_visit(subject["visits"], target_day)
    result = and3(
        relative(
            None if visit is None else visit["immunosuppressant_dose"],
            "<",
            1.0,
            subject["selection"]["immunosuppressant_dose"],
        ),
        no_exacerbation_in_period(subject, target_day),
    )
    return _row(endpoint, timepoint, day=_day(visit), result=result)


def cumulative_steroid_dose_row(subject, endpoint, timepoint, target_day):
    """Sum over days d = 0..T-1 of the prednisone dose in force on day d, from visit data.

    The baseline dose (last recorded on or before day 0) holds from day 0; each later
    recorded dose holds from its visit's day until the day before the next recorded dose.
    None when there is no baseline dose or the last recorded dose is more than 28 days
    before T. Rounded to 9 decimals.
    """
    recorded = [
        (v["day"], v["prednisone"]) for v in subject["visits"] if v["prednisone"] is not None
    ]
    baseline_doses = [dose for day, dose in recorded if day <= 0]
    if not baseline_doses or recorded[-1][0] < target_day - WINDOW:
        return _row(endpoint, timepoint)
    changes = [(0, baseline_doses[-1])] + [(day, dose) for day, dose in recorded if day > 0]
    total = 0.0
    for d in range(target_day):
        in_force = None
        for day, dose in changes:  # sorted by day: the last one on or before d wins
            if day <= d:
                in_force = dose
        total += in_force
    return _row(endpoint, timepoint, value=round(total, 9))


def steroid_discontinuation_row(subject, endpoint, timepoint, target_day):
    """Time to the first visit in the period with prednisone 0, among subjects with
    baseline prednisone > 0 (others: all None). Censoring as for time to response."""
    base_dose = subject["base"]["prednisone"]
    if base_dose is None or base_dose == 0:
        return _row(endpoint, timepoint)

    def discontinued(visit, base):
        return absolute(visit["prednisone"], "==", 0)

    return time_to_event_row(
        endpoint, subject["visits"], subject["base"], discontinued, timepoint, target_day
    )


# --- levels, presence at a visit and at baseline, adverse events (SPEC 4, 6, 7) --------

BASELINE = "baseline"
#: the visit column of each level endpoint whose name is not simply "<column>_level"
LEVEL_COLUMN = {"proteinuria_level": "proteinuria_24h", "bilag_level": "bilag_score"}


def baseline_visit(subject_visits):
    """The last visit on or before day 0 (None if there is none)."""
    found = None
    for visit in subject_visits:
        if visit["day"] <= 0:
            found = visit
    return found


def level_row(subject, endpoint, timepoint, target_day):
    """The value at the assessment visit; at baseline, the baseline value with the day
    it was recorded on."""
    column = LEVEL_COLUMN.get(endpoint, endpoint.removesuffix("_level"))
    if column in subject["absent"]:
        return _row(endpoint, timepoint)
    if timepoint == BASELINE:
        value = subject["base"][column]
        days = [v["day"] for v in subject["visits"] if v["day"] <= 0 and v[column] is not None]
        return _row(endpoint, timepoint, day=days[-1] if days else None, value=value)
    visit = assessment_visit(subject["visits"], target_day)
    if visit is None:
        return _row(endpoint, timepoint)
    return _row(endpoint, timepoint, day=visit["day"], value=visit[column])


def below(x, limit):
    """x < limit in decimal terms (None if either is missing)."""
    if x is None or limit is None:
        return None
    return round(x - limit, 9) < 0


def presence_row(subject, endpoint, timepoint, target_day):
    """Cytopenia (platelets < 100 or white cells < 3) or low complement (C3 or C4 below
    its LLN) at the assessment visit; at baseline, from each variable's baseline, on the
    day of the last visit on or before day 0."""
    if timepoint == BASELINE:
        visit, values = baseline_visit(subject["visits"]), subject["base"]
    else:
        visit = assessment_visit(subject["visits"], target_day)
        values = visit
    needs = ("platelets", "wbc") if endpoint == "cytopenia" else ("c3", "c3_lln", "c4", "c4_lln")
    if visit is None or set(needs) & subject["absent"]:
        return _row(endpoint, timepoint)
    if endpoint == "cytopenia":
        result = or3(absolute(values["platelets"], "<", 100), absolute(values["wbc"], "<", 3))
    else:
        result = or3(below(values["c3"], values["c3_lln"]), below(values["c4"], values["c4_lln"]))
    return _row(endpoint, timepoint, day=visit["day"], result=result)


def no_adverse_events_row(subject, endpoint, timepoint, target_day):
    """Without an adverse-events table, an adverse-event endpoint is not evaluable."""
    return _row(endpoint, timepoint)


# --------------------------------------------------------------------------------------
# Trials (SPEC section 4)
# --------------------------------------------------------------------------------------

SCORERS = {
    "renal_response": renal_row,
    "complete_renal_response": renal_row,
    "partial_renal_response": renal_row,
    "time_to_complete_response": time_to_response_row,
    "time_to_partial_response": time_to_response_row,
    "treatment_failure": treatment_failure_row,
    "sri4": sri4_row,
    "flare_any": flare_row,
    "flare_mild_moderate": flare_row,
    "flare_severe": flare_row,
    "bilag_flare_renal": bilag_flare_row,
    "bilag_flare_nonrenal": bilag_flare_row,
    "steroid_reduction": steroid_reduction_row,
    "steroid_reduction_category": steroid_reduction_category_row,
    "immunosuppressant_reduction": immunosuppressant_reduction_row,
    "cumulative_steroid_dose": cumulative_steroid_dose_row,
    "steroid_discontinuation": steroid_discontinuation_row,
    "cytopenia": presence_row,
    "low_complement": presence_row,
    "treatment_related_ae": no_adverse_events_row,
}

W12, W20, W24, W52, M12 = "week 12", "week 20", "week 24", "week 52", "month 12"
#: NCT03580291's visits every 4 weeks to week 24; NCT03673748's scheduled visits
NANJING_WEEKS = {f"week {w}": 7 * w for w in (4, 8, 12, 16, 20, 24)}
VALLADOLID_VISITS = {f"week {w}": 7 * w for w in (4, 8, 12, 16, 20, 24, 36, 48, 60, 72, 78)}
#: NCT03917797's biomarker panel
PANEL = ("th1", "th17", "treg", "b_naive", "b_memory", "b_transitional", "tnf_alpha",
         "tgf_beta1", "il6", "il17a", "il10", "baff", "mcp1", "cxcl10", "ifn_gamma")

TRIALS = {
    "NCT03917797": {
        "criteria": criteria_nct03917797,
        "timepoints": {W24: 168, M12: 365},
        "endpoints": {
            "renal_response": [M12],
            "complete_renal_response": [M12],
            "partial_renal_response": [M12],
            "treatment_failure": [W24, M12],
            "sri4": [M12],
            "flare_any": [M12],
            "flare_mild_moderate": [M12],
            "flare_severe": [M12],
            "sledai_change": [M12],
            "bilag_change": [M12],
            "anti_dsdna_change": [W24, M12],
            "c3_change": [W24, M12],
            "c4_change": [W24, M12],
            **{f"{name}_change": [W24, M12] for name in PANEL},
        },
    },
    "NCT03673748": {
        "criteria": criteria_nct03673748,
        "timepoints": VALLADOLID_VISITS,
        "endpoints": {
            "renal_response": [W24],
            "complete_renal_response": [W24],
            "partial_renal_response": [W24],
            "steroid_reduction": list(VALLADOLID_VISITS),
            "steroid_reduction_category": [W24],
            "immunosuppressant_reduction": [W24],
            "cumulative_steroid_dose": [W24],
            "proteinuria_change": list(VALLADOLID_VISITS),
            "sledai_change": list(VALLADOLID_VISITS),
            "sf36_change": list(VALLADOLID_VISITS),
            "lupusqol_change": list(VALLADOLID_VISITS),
        },
    },
    "NCT03580291": {
        "criteria": criteria_nct03580291,
        "timepoints": {BASELINE: 0, **NANJING_WEEKS},
        "endpoints": {
            "renal_response": [W12, W24],
            "complete_renal_response": [W12, W24],
            "partial_renal_response": [W12, W24],
            "time_to_complete_response": [W24],
            "time_to_partial_response": [W24],
            "sri4": list(NANJING_WEEKS),
            "treatment_related_ae": [W24],
            **{f"{name}_level": [BASELINE, *NANJING_WEEKS] for name in (
                "proteinuria", "upcr", "serum_albumin", "creatinine", "egfr", "c3", "c4", "ana",
                "anti_dsdna", "haq", "pga", "sledai", "bilag")},
            **{f"{name}_change": list(NANJING_WEEKS) for name in ("haq", "ana", "bilag")},
            **{
                f"{name}_change": list(NANJING_WEEKS)
                for name in (
                    "upcr",
                    "proteinuria",
                    "serum_albumin",
                    "creatinine",
                    "egfr",
                    "c3",
                    "c4",
                    "anti_dsdna",
                    "sledai",
                    "pga",
                )
            },
        },
    },
    "NCT02633163": {
        "criteria": None,
        # week 20 is used only by sri4's steroid condition: no endpoint is reported there
        "timepoints": {BASELINE: 0, W12: 84, W20: 140, W24: 168, W52: 364},
        "sri4_steroid_condition": True,
        "endpoints": {
            "sri4": [W24],
            "sledai_change": [W12, W24, W52],
            "bilag_flare_renal": [W12, W24, W52],
            "bilag_flare_nonrenal": [W12, W24, W52],
            "slicc_di_change": [W52],
            **{
                f"{name}_change": [W12, W24, W52]
                for name in (
                    "sf36",
                    "promis_fatigue",
                    "promis_pain",
                    "promis_depression",
                    "lupuspro",
                    "lit",
                    "sf36_pcs",
                    "sf36_mcs",
                )
            },
            "cytopenia": [BASELINE, W12, W24, W52],
            "low_complement": [BASELINE, W12, W24, W52],
            "steroid_discontinuation": [W52],
            "cumulative_steroid_dose": [W52],
            **{f"{name}_change": [W12, W24, W52] for name in ("c3", "c4", "anti_dsdna", "upcr")},
        },
    },
}


def score_subject(subject_visits, trial_id, absent=frozenset()):
    """All endpoint rows (without subject_id) of one subject, as a list of dicts;
    `absent`: the columns the table does not have (their endpoints are not evaluable)."""
    trial = TRIALS[trial_id]  # KeyError for an unknown trial
    subject = {
        "visits": subject_visits,
        "base": baselines(subject_visits),
        "selection": selection_values(subject_visits),
        "trial": trial,
        "absent": absent,
    }
    rows = []
    for endpoint, timepoints in trial["endpoints"].items():
        scorer = SCORERS.get(endpoint) or (level_row if endpoint.endswith("_level")
                                           else change_row)  # the others are "*_change"
        for timepoint in timepoints:
            rows.append(scorer(subject, endpoint, timepoint, trial["timepoints"][timepoint]))
    return rows


def oracle_score(visits: pd.DataFrame, trial_id: str) -> pd.DataFrame:
    """Score every endpoint of ``trial_id`` for every subject of ``visits``.

    Raises KeyError for a trial other than NCT03917797, NCT03673748, NCT03580291,
    NCT02633163. Rows are sorted by subject_id (as string), endpoint, timepoint day.
    """
    if trial_id not in TRIALS:
        raise KeyError(trial_id)
    days = TRIALS[trial_id]["timepoints"]
    rows = []
    absent = frozenset(NUMERIC_COLUMNS) - set(visits.columns)
    for subject_id, subject_visits in _subjects(visits).items():
        for row in score_subject(subject_visits, trial_id, absent):
            rows.append({"subject_id": str(subject_id), **row})
    rows.sort(key=lambda r: (r["subject_id"], r["endpoint"], days[r["timepoint"]]))
    return pd.DataFrame(
        {column: pd.Series([r[column] for r in rows], dtype=object) for column in RESULT_COLUMNS}
    )
