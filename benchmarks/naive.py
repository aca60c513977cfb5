"""The baseline the benchmark compares against: NCT03917797 scored the way an analyst
would write it without the library, one subject at a time with
``groupby("subject_id").apply``.

A plausible reimplementation (baseline, assessment visit, CR/PR, treatment failure,
SELENA flares, SRI-4, changes from baseline, in plain pandas), not a validated one: it
does not implement three-valued logic or every reason string, and is used for timing
only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WEEK24, MONTH12, WINDOW = 168, 365, 28
BILAG = ["bilag_constitutional", "bilag_mucocutaneous", "bilag_neuropsychiatric",
         "bilag_musculoskeletal", "bilag_cardiorespiratory", "bilag_gastrointestinal",
         "bilag_ophthalmic", "bilag_renal", "bilag_haematological"]
POINTS = {"A": 12, "B": 8, "C": 1, "D": 0, "E": 0}


def baselines(g: pd.DataFrame) -> pd.Series:
    """Per column: the last non-missing value on or before day 0 (g sorted by day)."""
    pre = g[g["day"] <= 0]
    return pre.ffill().iloc[-1] if len(pre) else pd.Series(np.nan, index=g.columns)


def assessment_visit(g: pd.DataFrame, target: int):
    """Visit with day > 0 nearest to target within the window; ties go to the later one."""
    dist = (g["day"] - target).abs()
    cand = dist[(g["day"] > 0) & (dist <= WINDOW)]
    if cand.empty:
        return None
    best = cand[cand == cand.min()].index[-1]  # g is sorted by day: the later visit
    return g.loc[best]


def bilag_score(g: pd.DataFrame) -> pd.Series:
    """A=12, B=8, C=1, D=E=0 summed over the recorded domains, per visit."""
    return g[BILAG].apply(lambda grades: grades.map(POINTS)).sum(axis=1, min_count=1)


def score_subject(g: pd.DataFrame) -> pd.DataFrame:
    sid = g.name  # the group key (groupby.apply excludes the grouping column)
    g = g.sort_values("day").reset_index(drop=True)
    rows = []

    def add(endpoint, timepoint, visit, result=None, category=None, value=None, reason=None):
        rows.append({"endpoint": endpoint, "timepoint": timepoint,
                     "day": None if visit is None else int(visit["day"]), "result": result,
                     "category": category, "value": value, "reason": reason})

    w24, m12 = assessment_visit(g, WEEK24), assessment_visit(g, MONTH12)
    base = baselines(g)
    # renal response at month 12
    if m12 is None:
        for name in ["renal_response", "complete_renal_response", "partial_renal_response"]:
            add(name, "month 12", None, reason="no visit in window")
    else:
        egfr_ok = m12["egfr"] >= 120 or m12["egfr"] >= 0.8 * base["egfr"]
        steroid_ok = m12["prednisone"] <= 10
        cr = (m12["upcr"] < 0.5 and egfr_ok and m12["urine_rbc"] < 10
              and not bool(m12["rbc_casts"] is True) and steroid_ok)
        pr = m12["upcr"] <= 0.5 * base["upcr"] and egfr_ok and steroid_ok
        category = "CR" if cr else "PR" if pr else "NR"
        add("renal_response", "month 12", m12, result=bool(cr or pr), category=category)
        add("complete_renal_response", "month 12", m12, result=bool(cr))
        add("partial_renal_response", "month 12", m12, result=bool(pr and not cr))
    # treatment failure at week 24 and month 12
    for label, visit, target in [("week 24", w24, WEEK24), ("month 12", m12, MONTH12)]:
        last = visit["day"] if visit is not None else target
        period = g[(g["day"] > 0) & (g["day"] <= last)]
        failed = (
            (w24 is not None and w24["prednisone"] > 10)
            or bool((period.loc[period["day"] > WEEK24, "prednisone"] > 10).any())
            or bool(period["new_immunosuppressant"].fillna(False).astype(bool).any())
            or bool(period["rituximab"].fillna(False).astype(bool).any())
        )
        add("treatment_failure", label, visit,
            result=True if failed else (False if visit is not None else None))
    # SELENA flares by month 12: each post-baseline visit against the previous one
    last = m12["day"] if m12 is not None else MONTH12
    sledai = g[["day", "sledai"]].dropna()
    prev = sledai["sledai"].shift()
    post = (sledai["day"] > 0) & (sledai["day"] <= last)
    severe = post & (sledai["sledai"] > 12) & (sledai["sledai"] > prev)
    mild = post & (sledai["sledai"] - prev >= 3) & ~severe
    for name, hits in [("flare_any", severe | mild), ("flare_mild_moderate", mild),
                       ("flare_severe", severe)]:
        n = int(hits.sum())
        add(name, "month 12", m12, result=n > 0 if (n or m12 is not None) else None,
            value=float(n))
    # SRI-4 at month 12
    if m12 is None:
        add("sri4", "month 12", None, reason="no visit in window")
    else:
        new_a = sum(m12[c] == "A" and base[c] in ("B", "C", "D", "E") for c in BILAG)
        new_b = sum(m12[c] == "B" and base[c] in ("C", "D", "E") for c in BILAG)
        sri = (round(m12["sledai"] - base["sledai"], 9) <= -4 and new_a == 0 and new_b <= 1
               and round(m12["pga"] - base["pga"], 9) < 0.3)
        add("sri4", "month 12", m12, result=bool(sri))
    # changes from baseline
    for name, col, points in [("sledai_change", "sledai", [("month 12", m12)]),
                              ("bilag_change", "bilag_score", [("month 12", m12)]),
                              ("anti_dsdna_change", "anti_dsdna", [("week 24", w24),
                                                                   ("month 12", m12)]),
                              ("c3_change", "c3", [("week 24", w24), ("month 12", m12)]),
                              ("c4_change", "c4", [("week 24", w24), ("month 12", m12)])]:
        for label, visit in points:
            value = np.nan if visit is None else visit[col] - base[col]
            add(name, label, visit, value=value)
    out = pd.DataFrame(rows)
    out.insert(0, "subject_id", str(sid))
    return out


def score_naive(visits: pd.DataFrame) -> pd.DataFrame:
    """Per-subject NCT03917797 scoring with ``groupby("subject_id").apply``."""
    needed = ["subject_id", "day", "upcr", "egfr", "urine_rbc", "rbc_casts", "prednisone",
              "new_immunosuppressant", "rituximab", "sledai", "pga", "anti_dsdna", "c3", "c4",
              *BILAG]
    visits = visits[needed].assign(bilag_score=bilag_score(visits))
    out = visits.groupby("subject_id", group_keys=False).apply(score_subject)
    out.insert(0, "trial_id", "NCT03917797")
    return out.sort_values(["subject_id", "endpoint", "timepoint"]).reset_index(drop=True)
