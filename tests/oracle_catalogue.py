"""Reference implementation ("oracle") of the catalogue of published definitions
(SPEC section 8), for tests of ``endpoints.compare_definitions``.

Like ``tests/oracle.py`` (whose three-valued helpers and shared rules it reuses), it is
written without the library's evaluation code: plain Python, subject by subject, visit by
visit, with ``True`` / ``False`` / ``None`` (None = unknown). Each entry of the catalogue
is written out by hand below from its quoted text and notes (src/endpoints/catalogue/
*.toml), not read from the TOML criteria, so that a criterion that does not say what its
notes say is caught too.

Interface::

    oracle_definition(visits, name, day, window=28, medications=None, parameters=None)
        -> DataFrame[subject_id (str), endpoint (= name), result (True/False/None)]
    oracle_definitions(visits, names, day, ...)   # several entries, tables read once

Readings shared by every entry (SPEC sections 2, 3 and 8; docs/interpretations.md):

- baseline of a variable: its last non-missing value on or before day 0; reference
  ("selection") value: its value at the earliest visit where it is recorded;
- a *response* entry is read at the assessment visit of the timepoint (day > 0,
  |day - T| <= W, nearest, a tie to the later visit: SPEC section 3); without one every
  visit value is unknown, so only a criterion over the period (a rescue therapy started
  by the target day) can decide it (docs/interpretations.md, "Event-based criteria
  without an assessment visit");
- an *event* entry (``sfi.*``, ``bilag_2004.*``) is read at every visit of the period
  (0 < day <= the assessment visit's day, or <= T without one), skipping visits that
  record none of the variables it reads (those a medications table gives aside): True
  if seen at a visit, else unknown if unknown at a visit or there is no assessment
  visit, else False; a BILAG domain ungraded at a
  visit is not assessed there (flares against the previous assessment);
- "previous" (assessment) of a variable at a visit: its value at the most recent earlier
  visit where it is recorded (screening and baseline included);
- thresholds are compared as ``round(lhs - rhs, 9) <op> 0``; a missing input is unknown;
- a column an entry reads (even inside an OR) that the table lacks, and cannot derive,
  makes the entry unknown for every subject; ``sledai`` is derived from the 24 SLEDAI-2K
  descriptors and ``clinical_sledai`` from the 22 clinical ones (unknown where one is
  missing) when absent;
- with a medications table, the prednisone-equivalent dose (at a visit: the total of the
  systemic corticosteroid records covering its day, pulses included), rituximab and new
  immunosuppressants come from the table (the visit columns are not read); without one,
  from the visit columns (a visit dose holds until the next recorded one for day-by-day
  rules; a missing visit flag is "not recorded", not an observation).
"""

from __future__ import annotations

import operator

import pandas as pd

from oracle import (
    BILAG_COLUMNS,
    and3,
    assessment_visit,
    event_by_timepoint,
    new_bilag_a,
    new_bilag_b,
    not3,
    or3,
    period,
    previous_recorded,
)

#: SLEDAI-2K descriptors and weights (Gladman 2002; SPEC section 8), in its order
SLEDAI_ITEMS = {
    "sledai_seizure": 8,
    "sledai_psychosis": 8,
    "sledai_organic_brain_syndrome": 8,
    "sledai_visual_disturbance": 8,
    "sledai_cranial_nerve": 8,
    "sledai_lupus_headache": 8,
    "sledai_cva": 8,
    "sledai_vasculitis": 8,
    "sledai_arthritis": 4,
    "sledai_myositis": 4,
    "sledai_urinary_casts": 4,
    "sledai_hematuria": 4,
    "sledai_proteinuria": 4,
    "sledai_pyuria": 4,
    "sledai_rash": 2,
    "sledai_alopecia": 2,
    "sledai_mucosal_ulcers": 2,
    "sledai_pleurisy": 2,
    "sledai_pericarditis": 2,
    "sledai_low_complement": 2,
    "sledai_increased_dna_binding": 2,
    "sledai_fever": 1,
    "sledai_thrombocytopenia": 1,
    "sledai_leukopenia": 1,
}
SEROLOGY = ("sledai_low_complement", "sledai_increased_dna_binding")
CLINICAL_ITEMS = {k: w for k, w in SLEDAI_ITEMS.items() if k not in SEROLOGY}
#: LLDAS's major organ systems, as SLEDAI-2K descriptors (lldas notes)
LLDAS_MAJOR = (
    "sledai_urinary_casts", "sledai_hematuria", "sledai_proteinuria", "sledai_pyuria",
    "sledai_seizure", "sledai_psychosis", "sledai_organic_brain_syndrome",
    "sledai_visual_disturbance", "sledai_cranial_nerve", "sledai_lupus_headache",
    "sledai_cva", "sledai_pleurisy", "sledai_pericarditis", "sledai_vasculitis",
    "sledai_fever",
)
BOOLEAN = ("rbc_casts", "new_immunosuppressant", "rituximab", *SLEDAI_ITEMS)
#: the visit facts that a medications table provides instead of the visit columns
MEDICATION_FACTS = ("prednisone", "new_immunosuppressant", "rituximab")

#: prednisone-equivalent mg per mg (SPEC section 2: prednisone 5 = prednisolone 5 =
#: methylprednisolone 4 = hydrocortisone 20 = cortisone 25 = dexamethasone 0.75 =
#: betamethasone 0.75 = triamcinolone 4 = deflazacort 6)
STEROIDS = {
    "prednisone": 1.0, "prednisolone": 1.0, "methylprednisolone": 5 / 4,
    "hydrocortisone": 5 / 20, "cortisone": 5 / 25, "dexamethasone": 5 / 0.75,
    "betamethasone": 5 / 0.75, "triamcinolone": 5 / 4, "deflazacort": 5 / 6,
}
#: immunosuppressive drugs (name as written, lower case -> the drug)
IMMUNOSUPPRESSANTS = {
    "mycophenolate mofetil": "mycophenolate", "mycophenolate": "mycophenolate",
    "mycophenolic acid": "mycophenolate", "tacrolimus": "tacrolimus",
    "voclosporin": "voclosporin", "azathioprine": "azathioprine",
    "cyclophosphamide": "cyclophosphamide", "belimumab": "belimumab",
    "methotrexate": "methotrexate", "ciclosporin": "ciclosporin",
}
RITUXIMAB = ("rituximab",)
SYSTEMIC_ROUTES = (None, "oral", "po", "iv", "intravenous", "im", "intramuscular", "sc",
                   "subcutaneous")

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
        "==": operator.eq}


# --------------------------------------------------------------------------------------
# Reading the tables
# --------------------------------------------------------------------------------------


def _missing(x) -> bool:
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _value(column, x):
    """A cell as a plain Python value: grade str, bool, float, or None."""
    if _missing(x):
        return None
    if column.startswith("bilag_") and column != "bilag_score":
        return str(x)
    if column in BOOLEAN:
        return bool(x)
    if isinstance(x, bool):
        return x
    try:
        return float(x)
    except (TypeError, ValueError):
        return x


def _points(visit, items):
    """A SLEDAI total of `items` at a visit; None where one is missing."""
    if any(visit.get(item) is None for item in items):
        return None
    return float(sum(weight for item, weight in items.items() if visit[item]))


def _subject_text(x) -> str:
    """The subject ID's text form (SPEC section 2: a whole float is written as an integer)."""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x).strip()


class Doses:
    """The medications table of one subject: steroid records (first day, last day or
    None, prednisone-equivalent mg/day), starts of new immunosuppressants and rituximab."""

    def __init__(self, records):
        self.steroids = []
        immuno = []
        self.rituximab = []
        for r in records:
            name = str(r["drug"]).strip().lower()
            route = None if _missing(r.get("route")) else str(r["route"]).strip().lower()
            start = int(r["start_day"])
            end = None if _missing(r.get("end_day")) else int(r["end_day"])
            if name in STEROIDS:
                if route in SYSTEMIC_ROUTES:
                    self.steroids.append((start, end, float(r["dose"]) * STEROIDS[name]))
            elif name in IMMUNOSUPPRESSANTS:
                protocol = not _missing(r.get("protocol")) and bool(r.get("protocol"))
                immuno.append((IMMUNOSUPPRESSANTS[name], start, end, protocol))
            elif name in RITUXIMAB:
                self.rituximab.append(start)
            else:
                raise ValueError(f"oracle: unknown drug {name!r}")
        # a new immunosuppressant: started after day 0, not taken on day 0 (that drug), not
        # protocol therapy (docs/input.md)
        taken_day0 = {drug for drug, start, end, _ in immuno
                      if start <= 0 and (end is None or end >= 0)}
        self.new_immunosuppressant = [start for drug, start, _end, protocol in immuno
                                      if start > 0 and not protocol
                                      and drug not in taken_day0]

    def dose(self, day):
        """Total prednisone-equivalent mg on `day` (0 without a record)."""
        return float(sum(dose for start, end, dose in self.steroids
                         if start <= day and (end is None or day <= end)))

    def starts(self, fact):
        return self.new_immunosuppressant if fact == "new_immunosuppressant" else self.rituximab


class Subject:
    """One subject's visits (dicts sorted by day, every column a key), baselines,
    reference values and, with a medications table, its dosing records."""

    def __init__(self, visits, columns, doses=None):
        self.visits = sorted(visits, key=lambda v: v["day"])
        self.doses = doses
        if doses is not None:  # the table is the source of these visit facts
            previous_day = None
            for v in self.visits:
                v["prednisone"] = doses.dose(v["day"])
                for fact in ("new_immunosuppressant", "rituximab"):
                    v[fact] = any((previous_day is None or s > previous_day) and s <= v["day"]
                                  for s in doses.starts(fact))
                previous_day = v["day"]
        self.columns = columns
        self.base = {c: None for c in columns}
        self.ref = {c: None for c in columns}
        for v in self.visits:
            for c in columns:
                if v[c] is None:
                    continue
                if v["day"] <= 0:
                    self.base[c] = v[c]
                if self.ref[c] is None:
                    self.ref[c] = v[c]

    def previous(self, visit, column):
        """The value at the most recent earlier visit where `column` is recorded (None
        for the missing visit of a subject without an assessment visit)."""
        return None if visit["day"] is None else previous_recorded(self.visits, visit, column)

    def next_visit_from(self, day):
        """The first visit on or after `day`."""
        return next((v for v in self.visits if v["day"] >= day), None)


def _subjects(visits: pd.DataFrame, medications):
    """``{subject text: Subject}`` over the subjects of both tables, and the columns the
    visit table provides (derived SLEDAI totals included)."""
    columns = [c for c in visits.columns if c not in ("subject_id", "day")]
    derived = []
    if "sledai" not in columns and all(c in columns for c in SLEDAI_ITEMS):
        derived.append(("sledai", SLEDAI_ITEMS))
    if "clinical_sledai" not in columns and all(c in columns for c in CLINICAL_ITEMS):
        derived.append(("clinical_sledai", CLINICAL_ITEMS))
    provided = set(columns) | {name for name, _ in derived}
    if medications is not None:
        provided |= set(MEDICATION_FACTS)
    all_columns = sorted(provided | set(MEDICATION_FACTS) | set(BILAG_COLUMNS)
                         | set(SLEDAI_ITEMS) | {"sledai", "clinical_sledai"})
    by_subject: dict[str, list] = {}
    for row in visits.to_dict("records"):
        visit = {c: None for c in all_columns}
        for c in columns:
            visit[c] = _value(c, row[c])
        for name, items in derived:
            visit[name] = _points(visit, items)
        if medications is not None:
            for fact in MEDICATION_FACTS:
                visit[fact] = None
        visit["day"] = int(row["day"])
        by_subject.setdefault(_subject_text(row["subject_id"]), []).append(visit)
    records: dict[str, list] = {}
    if medications is not None:
        for r in medications.to_dict("records"):
            records.setdefault(_subject_text(r["subject_id"]), []).append(r)
    subjects = {}
    for sid in sorted(set(by_subject) | set(records)):
        doses = Doses(records.get(sid, [])) if medications is not None else None
        subjects[sid] = Subject(by_subject.get(sid, []), all_columns, doses)
    return subjects, provided


# --------------------------------------------------------------------------------------
# The vocabulary, three-valued
# --------------------------------------------------------------------------------------


def cmp(lhs, op, rhs):
    """``lhs <op> rhs`` in decimal terms; None if either side is missing."""
    if lhs is None or rhs is None:
        return None
    return _OPS[op](round(float(lhs) - float(rhs), 9), 0)


def times(factor, x):
    return None if x is None else factor * float(x)


def minus(x, y):
    return None if x is None or y is None else float(x) - float(y)


def count_within(counts, op, n):
    """Compare a count known to lie in [known, known + possible] with n: decided only
    when every count in the range gives the same answer."""
    known, possible = counts
    answers = {_OPS[op](k, n) for k in range(known, known + possible + 1)}
    return answers.pop() if len(answers) == 1 else None


def new_bilag_count(visit, reference, grades):
    """(domains known new, domains possibly new) in any of `grades` ("A", "B") against
    the reference grades (SPEC section 3's bounds)."""
    known = possible = 0
    for column in BILAG_COLUMNS:
        tests = {"A": new_bilag_a, "B": new_bilag_b}
        new = or3(*[tests[g](visit[column], reference[column]) for g in grades])
        known += new is True
        possible += new is None
    return known, possible


def flare_count(subject, visit, grades):
    """(domains known new, possibly new) in any of `grades` against each domain's previous
    assessment. A domain ungraded at the visit is not assessed there (it neither flares
    nor leaves the flare unknown; its next grade is compared with the last recorded one:
    docs/interpretations.md, "Ungraded BILAG domain at a visit (flares)")."""
    graded = [c for c in BILAG_COLUMNS if visit[c] is not None]
    previous = {c: subject.previous(visit, c) for c in BILAG_COLUMNS}
    only = {c: (visit[c] if c in graded else "E") for c in BILAG_COLUMNS}  # E: never new
    return new_bilag_count(only, previous, grades)


def bilag_improved(visit, reference, active=("A", "B")):
    """Every domain graded one of `active` in the reference is graded better at the
    visit; Kleene AND over the domains (a missing reference grade matters only where the
    visit grade would fail under some active grade)."""
    order = "ABCDE"
    answers = []
    for column in BILAG_COLUMNS:
        grade, ref = visit[column], reference[column]
        if ref is not None:
            if ref not in active:
                answers.append(True)
            elif grade is None:
                answers.append(None)
            else:
                answers.append(order.index(grade) > order.index(ref))
        else:  # reference unknown: fine only if the visit grade beats every active grade
            if grade is not None and all(order.index(grade) > order.index(g) for g in active):
                answers.append(True)
            else:
                answers.append(None)
    return and3(*answers)


def new_items_count(subject, visit, items=tuple(SLEDAI_ITEMS)):
    """(items known new, items possibly new): present at the visit and absent at the
    previous assessment of that item."""
    known = possible = 0
    for item in items:
        new = and3(visit[item], not3(subject.previous(visit, item)))
        known += new is True
        possible += new is None
    return known, possible


def started(subject, fact, assessment, day):
    """A start of `fact` after day 0 and by the assessment visit (by `day` without one):
    True if seen; otherwise unknown without an assessment visit; otherwise False. From
    visit flags a visit without the flag is not an observation."""
    last = assessment["day"] if assessment is not None else day
    if subject.doses is not None:
        seen = any(0 < s <= last for s in subject.doses.starts(fact))
    else:
        seen = any(v[fact] is True for v in subject.visits if 0 < v["day"] <= last)
    if seen:
        return True
    return None if assessment is None else False


def no_rescue(subject, assessment, day):
    """'No rescue medication / treatment failure': no new immunosuppressive regimen and
    no rituximab started after day 0 (by the assessment visit)."""
    return not3(or3(started(subject, "new_immunosuppressant", assessment, day),
                    started(subject, "rituximab", assessment, day)))


def daily_dose_rule(subject, assessment, from_day, cap, consecutive_days, total_days):
    """The daily prednisone-equivalent dose <= cap on every day from `from_day` through
    the assessment visit, except on fewer than `consecutive_days` consecutive days and
    fewer than `total_days` days in all above the cap."""
    if assessment is None:
        return None
    above = []
    for d in range(from_day, assessment["day"] + 1):
        if subject.doses is not None:
            dose = subject.doses.dose(d)
        else:  # each recorded visit dose holds until the next recorded one
            dose = None
            for v in subject.visits:
                if v["day"] > d:
                    break
                if v["prednisone"] is not None:
                    dose = v["prednisone"]
        above.append(not3(cmp(dose, "<=", cap)))

    def broken(flags):
        run = longest = 0
        for flag in flags:
            run = run + 1 if flag else 0
            longest = max(longest, run)
        return longest >= consecutive_days or sum(flags) >= total_days

    if broken([a is True for a in above]):
        return False
    if not broken([a is not False for a in above]):
        return True
    return None


# --------------------------------------------------------------------------------------
# The entries, each from its quote and notes. ``at(s, v, ctx)`` -> True/False/None, where
# ``s`` is the Subject, ``v`` the visit read, ``ctx`` {"assessment", "day", parameters}.
# --------------------------------------------------------------------------------------


def kdigo_2021_cr(s, v, ctx):
    """UPCR < 0.5; eGFR >= 85% of baseline (egfr_fraction)."""
    return and3(cmp(v["upcr"], "<", 0.5),
                cmp(v["egfr"], ">=", times(ctx.get("egfr_fraction", 0.85), s.base["egfr"])))


def kdigo_2021_pr(s, v, ctx):
    """UPCR <= 50% of baseline and < 3.0; eGFR >= 85% of baseline."""
    return and3(cmp(v["upcr"], "<=", times(0.5, s.base["upcr"])),
                cmp(v["upcr"], "<", 3.0),
                cmp(v["egfr"], ">=", times(ctx.get("egfr_fraction", 0.85), s.base["egfr"])))


def eular_2012_cr(s, v, ctx):
    """UPCR < 0.5 (upcr_max); eGFR >= 90% of baseline."""
    return and3(cmp(v["upcr"], "<", ctx.get("upcr_max", 0.5)),
                cmp(v["egfr"], ">=", times(ctx.get("egfr_fraction", 0.9), s.base["egfr"])))


def eular_2012_pr(s, v, ctx):
    """UPCR <= 50% of baseline and < 3.0 (nephrotic_upcr); eGFR >= 90% of baseline."""
    return and3(cmp(v["upcr"], "<=", times(0.5, s.base["upcr"])),
                cmp(v["upcr"], "<", ctx.get("nephrotic_upcr", 3.0)),
                cmp(v["egfr"], ">=", times(ctx.get("egfr_fraction", 0.9), s.base["egfr"])))


def kdigo_2012_cr(s, v, ctx):
    """UPCR <= 0.5 (upcr_op); creatinine <= 1.0 x the pre-flare creatinine (the
    creatinine_preflare at the earliest visit recording it)."""
    return and3(cmp(v["upcr"], ctx.get("upcr_op", "<="), 0.5),
                cmp(v["creatinine"], "<=", times(ctx.get("creatinine_preflare_fraction", 1.0),
                                                 s.ref["creatinine_preflare"])))


def kdigo_2012_pr(s, v, ctx):
    """UPCR < 50% of baseline (upcr_decrease_op); if baseline UPCR >= 3.0 then UPCR <
    3.0; creatinine <= 125% of baseline."""
    return and3(cmp(v["upcr"], ctx.get("upcr_decrease_op", "<"), times(0.5, s.base["upcr"])),
                or3(cmp(s.base["upcr"], "<", 3.0), cmp(v["upcr"], "<", 3.0)),
                cmp(v["creatinine"], "<=",
                    times(ctx.get("creatinine_fraction", 1.25), s.base["creatinine"])))


def alms_response(s, v, ctx):
    """Nephrotic at baseline (UPCR >= 3): UPCR < 3; subnephrotic: UPCR <= 50% of
    baseline; and creatinine <= 125% of baseline."""
    neph = ctx.get("nephrotic_upcr", 3.0)
    return and3(
        or3(and3(cmp(s.base["upcr"], ">=", neph), cmp(v["upcr"], "<", neph)),
            and3(cmp(s.base["upcr"], "<", neph),
                 cmp(v["upcr"], "<=", times(0.5, s.base["upcr"])))),
        cmp(v["creatinine"], "<=", times(ctx.get("creatinine_fraction", 1.25),
                                         s.base["creatinine"])),
    )


def lunar_crr(s, v, ctx):
    """UPCR < 0.5; creatinine <= its ULN, or (baseline creatinine <= baseline ULN and
    creatinine < 115% of baseline)."""
    return and3(
        cmp(v["upcr"], "<", 0.5),
        or3(cmp(v["creatinine"], "<=", v["creatinine_uln"]),
            and3(cmp(s.base["creatinine"], "<=", s.base["creatinine_uln"]),
                 cmp(v["creatinine"], ctx.get("creatinine_increase_op", "<"),
                     times(1.15, s.base["creatinine"])))),
    )


def aurora_crr(s, v, ctx):
    """UPCR <= 0.5; eGFR >= 60 or no eGFR decrease > 20% (< 80% of baseline) confirmed at
    the first visit >= egfr_confirm_days later; no rescue; prednisone not above 10 mg on 3
    consecutive or 7 days from day 308 through the assessment visit."""
    after = int(ctx.get("egfr_confirm_days", 1))

    def decreased(w):
        return cmp(w["egfr"], "<", times(0.8, s.base["egfr"]))

    confirming = None if v["day"] is None else s.next_visit_from(v["day"] + after)
    confirmed = and3(decreased(v), None if confirming is None else decreased(confirming))
    return and3(
        cmp(v["upcr"], "<=", 0.5),
        or3(cmp(v["egfr"], ">=", 60), not3(confirmed)),
        no_rescue(s, ctx["assessment"], ctx["day"]),
        daily_dose_rule(s, ctx["assessment"], 308, ctx.get("prednisone_cap", 10), 3, 7),
    )


def bliss_ln_perr(s, v, ctx):
    """UPCR <= 0.7; eGFR >= 80% of the pre-flare eGFR or >= 60; no rescue."""
    return and3(cmp(v["upcr"], "<=", 0.7),
                or3(cmp(v["egfr"], ">=", times(0.8, s.ref["egfr_preflare"])),
                    cmp(v["egfr"], ">=", 60)),
                no_rescue(s, ctx["assessment"], ctx["day"]))


def bliss_ln_crr(s, v, ctx):
    """UPCR < 0.5; eGFR >= 90% of the pre-flare eGFR or >= 90; no rescue."""
    return and3(cmp(v["upcr"], "<", 0.5),
                or3(cmp(v["egfr"], ">=", times(0.9, s.ref["egfr_preflare"])),
                    cmp(v["egfr"], ">=", 90)),
                no_rescue(s, ctx["assessment"], ctx["day"]))


def sri(reduction):
    def entry(s, v, ctx):
        """SLEDAI change from baseline <= -N; no new BILAG A; at most one new BILAG B
        (against baseline); PGA increase from baseline < 0.3."""
        return and3(
            cmp(minus(v["sledai"], s.base["sledai"]), "<=",
                ctx.get("sledai_change_max", -reduction)),
            count_within(new_bilag_count(v, s.base, ("A",)), "<", 1),
            count_within(new_bilag_count(v, s.base, ("B",)), "<=", 1),
            cmp(minus(v["pga"], s.base["pga"]), "<", ctx.get("pga_increase_max", 0.3)),
        )
    entry.__name__ = f"sri{reduction}"
    return entry


def bicla(s, v, ctx):
    """(1) every baseline A/B domain improved; (2) no new A, at most one new B; (3)
    SLEDAI change from baseline <= 0; (4) PGA <= 110% of baseline (pga_op); (5) no new
    immunosuppressant or rituximab."""
    return and3(
        bilag_improved(v, s.base),
        count_within(new_bilag_count(v, s.base, ("A",)), "<", 1),
        count_within(new_bilag_count(v, s.base, ("B",)), "<=", 1),
        cmp(minus(v["sledai"], s.base["sledai"]), "<=", 0),
        cmp(v["pga"], ctx.get("pga_op", "<="), times(ctx.get("pga_fraction", 1.10),
                                                     s.base["pga"])),
        no_rescue(s, ctx["assessment"], ctx["day"]),
    )


def lldas(s, v, ctx):
    """SLEDAI-2K <= 4; no major-organ descriptor; no descriptor new since the previous
    assessment; PGA <= 1; prednisone <= 7.5."""
    return and3(
        cmp(v["sledai"], "<=", 4),
        and3(*[not3(v[item]) for item in LLDAS_MAJOR]),
        count_within(new_items_count(s, v), "<", 1),
        cmp(v["pga"], "<=", 1),
        cmp(v["prednisone"], "<=", 7.5),
    )


def doris_2021(s, v, ctx):
    """Clinical SLEDAI = 0; PGA < 0.5; prednisone <= 5 (prednisone_op)."""
    return and3(cmp(v["clinical_sledai"], "==", 0), cmp(v["pga"], "<", 0.5),
                cmp(v["prednisone"], ctx.get("prednisone_op", "<="), 5))


def sfi_severe(s, v, ctx):
    """Any of: SLEDAI > 12 and higher than at the previous assessment; prednisone higher
    than before and > 0.5 mg/kg of the visit's weight; a new immunosuppressant; PGA > 2.5
    and higher than before."""
    return or3(
        and3(cmp(v["sledai"], ">", 12),
             cmp(minus(v["sledai"], s.previous(v, "sledai")), ">", 0)),
        and3(cmp(minus(v["prednisone"], s.previous(v, "prednisone")), ">", 0),
             cmp(v["prednisone"], ">", times(0.5, v["weight"]))),
        cmp(None if v["new_immunosuppressant"] is None else float(v["new_immunosuppressant"]),
            "==", 1),
        and3(cmp(v["pga"], ">", 2.5), cmp(minus(v["pga"], s.previous(v, "pga")), ">", 0)),
    )


def sfi_mild_moderate(s, v, ctx):
    """Any of: SLEDAI up >= 3 from the previous assessment to <= 12; prednisone higher
    than before and <= 0.5 mg/kg; PGA up >= 1.0 to <= 2.5; and not a severe flare."""
    return and3(
        or3(
            and3(cmp(minus(v["sledai"], s.previous(v, "sledai")), ">=", 3),
                 cmp(v["sledai"], "<=", 12)),
            and3(cmp(minus(v["prednisone"], s.previous(v, "prednisone")), ">", 0),
                 cmp(v["prednisone"], "<=", times(0.5, v["weight"]))),
            and3(cmp(minus(v["pga"], s.previous(v, "pga")), ">=",
                     ctx.get("pga_increase_min", 1.0)),
                 cmp(v["pga"], "<=", 2.5)),
        ),
        not3(sfi_severe(s, v, ctx)),
    )


def bilag_severe(s, v, ctx):
    """At least one new BILAG A against the previous assessment of each domain."""
    return count_within(flare_count(s, v, ("A",)), ">=", 1)


def bilag_moderate(s, v, ctx):
    """At least new_b_min new BILAG B and no new A, against the previous assessment."""
    return and3(count_within(flare_count(s, v, ("B",)), ">=", int(ctx.get("new_b_min", 1))),
                count_within(flare_count(s, v, ("A",)), "<", 1))


MEDS = ("prednisone", "new_immunosuppressant", "rituximab")
RESCUE = ("new_immunosuppressant", "rituximab")
SFI_COLUMNS = ("sledai", "prednisone", "weight", "new_immunosuppressant", "pga")
SRI_COLUMNS = ("sledai", "pga", *BILAG_COLUMNS)

#: name -> (kind, function, the columns it reads)
ENTRIES = {
    "alms.response": ("response", alms_response, ("upcr", "creatinine")),
    "aurora.crr": ("response", aurora_crr, ("upcr", "egfr", *MEDS)),
    "bicla": ("response", bicla, (*SRI_COLUMNS, *RESCUE)),
    "bilag_2004.flare_moderate": ("event", bilag_moderate, BILAG_COLUMNS),
    "bilag_2004.flare_severe": ("event", bilag_severe, BILAG_COLUMNS),
    "bliss_ln.crr": ("response", bliss_ln_crr, ("upcr", "egfr", "egfr_preflare", *RESCUE)),
    "bliss_ln.perr": ("response", bliss_ln_perr, ("upcr", "egfr", "egfr_preflare", *RESCUE)),
    "doris_2021": ("response", doris_2021, ("clinical_sledai", "pga", "prednisone")),
    "eular_2012.cr": ("response", eular_2012_cr, ("upcr", "egfr")),
    "eular_2012.pr": ("response", eular_2012_pr, ("upcr", "egfr")),
    "kdigo_2012.cr": ("response", kdigo_2012_cr, ("upcr", "creatinine", "creatinine_preflare")),
    "kdigo_2012.pr": ("response", kdigo_2012_pr, ("upcr", "creatinine")),
    "kdigo_2021.cr": ("response", kdigo_2021_cr, ("upcr", "egfr")),
    "kdigo_2021.pr": ("response", kdigo_2021_pr, ("upcr", "egfr")),
    "lldas": ("response", lldas, ("sledai", *SLEDAI_ITEMS, "pga", "prednisone")),
    "lunar.crr": ("response", lunar_crr, ("upcr", "creatinine", "creatinine_uln")),
    "sfi.flare_mild_moderate": ("event", sfi_mild_moderate, SFI_COLUMNS),
    "sfi.flare_severe": ("event", sfi_severe, SFI_COLUMNS),
    **{f"sri{n}": ("response", sri(n), SRI_COLUMNS) for n in range(4, 9)},
}


def oracle_definitions(visits: pd.DataFrame, names, day: int, window: int = 28,
                       medications: pd.DataFrame | None = None,
                       parameters: dict | None = None) -> pd.DataFrame:
    """Score the catalogue entries `names` at target day `day` (window `window`) for
    every subject of `visits` (and of `medications`).

    `parameters` gives other values of the entries' parameters (as
    ``ep.get_definition(name, **parameters)``). Returns columns ``subject_id`` (str),
    ``endpoint`` and ``result`` (True / False / None), sorted by subject, then in the
    order of `names`.

    A response entry is read at the assessment visit; a subject without one has every
    visit value unknown, so only criteria over the period can decide (a rescue therapy
    started by the target day makes a non-responder: docs/interpretations.md, "Event-based
    criteria without an assessment visit"). An event entry is read at every visit of the
    period that records one of its variables.
    """
    subjects, provided = _subjects(visits, medications)
    rows = []
    for name in names:
        kind, function, reads = ENTRIES[name]  # KeyError for an unknown entry
        if "egfr" in reads and "egfr" not in provided:
            raise NotImplementedError("oracle: give egfr (CKD-EPI is not modelled)")
        absent = [c for c in reads if c not in provided]
        for sid, subject in subjects.items():
            assessment = assessment_visit(subject.visits, day, window)
            ctx = {**(parameters or {}), "assessment": assessment, "day": day}
            if absent or not subject.visits:
                result = None
            elif kind == "response":
                visit = assessment
                if visit is None:
                    visit = {**{c: None for c in subject.columns}, "day": None}
                result = function(subject, visit, ctx)
            else:
                # an assessment records one of the variables read, the facts a
                # medications table gives at every visit aside (unless nothing else is
                # read): a lab-only visit neither hides nor creates an event
                own = [c for c in reads if medications is None or c not in MEDICATION_FACTS]
                events = [function(subject, v, ctx)
                          for v in period(subject.visits, day, assessment)
                          if any(v[c] is not None for c in own or reads)]
                result, _count = event_by_timepoint(events, assessment)
            rows.append({"subject_id": sid, "endpoint": name, "result": result})
    rows.sort(key=lambda r: r["subject_id"])  # stable: names stay in order
    return pd.DataFrame({c: pd.Series([r[c] for r in rows], dtype=object)
                         for c in ("subject_id", "endpoint", "result")})


def oracle_definition(visits: pd.DataFrame, name: str, day: int, window: int = 28,
                      medications: pd.DataFrame | None = None,
                      parameters: dict | None = None) -> pd.DataFrame:
    """One entry: :func:`oracle_definitions` with ``[name]``."""
    return oracle_definitions(visits, [name], day, window, medications, parameters)
