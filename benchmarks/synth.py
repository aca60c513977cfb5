"""Fast, vectorised synthetic visit tables for the benchmarks.

``visit_table(n_subjects)`` returns one row per subject per visit (13 scheduled visits,
about 3% of post-baseline visits dropped), rows shuffled, about 3% of every clinical
value missing, and every column a built-in trial reads (SPEC section 2): renal labs,
SLEDAI, PGA, the nine BILAG domains, prednisone, flags, biomarkers and patient-reported
outcomes. Values follow a plausible trajectory (a per-subject treatment effect decaying
proteinuria, SLEDAI, steroids...) with noise, so every endpoint sees responders,
non-responders, flares and failures. Deterministic for a given seed; no Python loop over
rows or subjects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: union of the built-in trials' schedules (month 12 as day 364 +- jitter)
SCHEDULE = np.array([-14, 0, 28, 56, 84, 112, 140, 168, 213, 252, 274, 335, 364])
BILAG_DOMAINS = ("constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal",
                 "cardiorespiratory", "gastrointestinal", "ophthalmic", "renal", "haematological")
MISSING = 0.03
DROPPED_VISITS = 0.03
#: columns never blanked (identifiers and per-subject demographics)
_KEEP = {"subject_id", "day", "arm", "age", "sex"}


def visit_table(n_subjects: int, seed: int = 0, missing: float = MISSING) -> pd.DataFrame:
    """A shuffled synthetic visit table with `n_subjects` subjects x ~13 visits."""
    rng = np.random.default_rng(seed)
    n, v = n_subjects, len(SCHEDULE)
    # -- visit grid: subject-major (n, v), jittered days, a few missed visits ---------------
    jitter = rng.integers(-3, 4, size=(n, v))
    jitter[:, :2] = 0
    jitter[:, 0] = -rng.integers(7, 22, size=n)  # screening day -7 .. -21 (before baseline)
    days = SCHEDULE[None, :] + jitter
    days[:, 0] = jitter[:, 0]
    kept = np.ones((n, v), dtype=bool)
    kept[:, 2:] = rng.random((n, v - 2)) >= DROPPED_VISITS
    subj = np.repeat(np.arange(n), v).reshape(n, v)[kept]
    day = days[kept].astype(np.int64)
    rows = len(day)
    t = np.maximum(day, 0) / 365.0  # years on study

    def per_subject(values: np.ndarray) -> np.ndarray:
        return values[subj]

    def noise(scale: float) -> np.ndarray:
        return rng.normal(0.0, scale, rows)

    msc = rng.random(n) < 0.5
    effect = per_subject(rng.uniform(0.2, 3.0, n) * np.where(msc, 1.3, 1.0))
    decay = np.exp(-effect * t)  # 1 at baseline, falls with time on study
    flare = rng.random(rows) < 0.02  # occasional disease flares
    out: dict[str, object] = {}
    ids = np.char.add("S", np.char.zfill(np.arange(n).astype(str), 7)).astype(object)
    out["subject_id"] = ids[subj]
    out["day"] = day
    out["arm"] = np.where(msc, "MSC", "Placebo").astype(object)[subj]
    out["age"] = per_subject(rng.integers(18, 70, n).astype(float))
    out["sex"] = np.where(rng.random(n) < 0.85, "F", "M").astype(object)[subj]
    upcr0 = per_subject(rng.lognormal(np.log(2.5), 0.5, n))
    upcr = upcr0 * decay * np.exp(noise(0.25)) * np.where(flare, 2.0, 1.0)
    out["upcr"] = np.round(upcr, 2)
    out["proteinuria_24h"] = np.round(upcr * rng.uniform(0.8, 1.25, rows), 2)
    creat = per_subject(rng.uniform(0.6, 1.8, n)) * np.exp(noise(0.08))
    out["creatinine"] = np.round(creat, 2)
    female = out["sex"] == "F"
    kappa, alpha = np.where(female, 0.7, 0.9), np.where(female, -0.241, -0.302)
    ratio = creat / kappa
    egfr = (142 * np.minimum(ratio, 1) ** alpha * np.maximum(ratio, 1) ** -1.2
            * 0.9938 ** out["age"] * np.where(female, 1.012, 1.0))
    out["egfr"] = np.round(egfr, 0)
    out["serum_albumin"] = np.round(np.clip(4.2 - 1.2 * decay + noise(0.2), 1.5, 5.2), 1)
    out["urine_rbc"] = np.round(np.clip(25 * decay + noise(4), 0, None), 0)
    out["urine_wbc"] = np.round(np.clip(15 * decay + noise(4), 0, None), 0)
    out["rbc_casts"] = rng.random(rows) < 0.25 * decay
    pred0 = per_subject(rng.choice([0.0, 10.0, 20.0, 30.0, 40.0, 60.0], n,
                                   p=[0.1, 0.15, 0.25, 0.2, 0.2, 0.1]))
    pred = np.round(pred0 * (0.15 + 0.85 * np.exp(-4 * t * per_subject(rng.uniform(0.5, 2, n))))
                    / 2.5) * 2.5
    out["prednisone"] = np.where(flare, pred + 20, pred)
    out["immunosuppressant_dose"] = per_subject(rng.choice([0.0, 1000.0, 2000.0], n)) * np.where(
        t > 0.3, rng.choice([0.5, 1.0], rows), 1.0)
    out["weight"] = np.round(per_subject(rng.uniform(45, 100, n)) + noise(1.0), 1)
    sledai = np.clip(np.round(per_subject(rng.uniform(6, 20, n)) * decay + noise(1.2)), 0, 105)
    out["sledai"] = np.where(flare, np.minimum(sledai + rng.integers(3, 12, rows), 105), sledai)
    out["pga"] = np.round(np.clip(2.2 * decay + noise(0.3) + 0.8 * flare, 0, 3), 1)
    activity = np.clip(decay + 0.8 * flare, 0, 1.5)
    for domain in BILAG_DOMAINS:  # grade A (1) .. E (5): active early, quiet later
        base = per_subject(rng.uniform(1.0, 5.0, n)) if domain != "renal" else 1.5
        grade = np.clip(np.round(5 - (5 - base) * activity + noise(0.6)), 1, 5).astype(np.int64)
        out[f"bilag_{domain}"] = np.array(list("ABCDE"), dtype=object)[grade - 1]
    post = day > 0
    out["new_immunosuppressant"] = post & (rng.random(rows) < 0.01)
    out["rituximab"] = post & (rng.random(rows) < 0.005)
    out["anti_dsdna"] = np.round(np.clip(per_subject(rng.uniform(50, 400, n)) * decay
                                         + noise(20), 0, None), 0)
    out["c3"] = np.round(np.clip(140 - 70 * decay + noise(8), 20, None), 0)
    out["c4"] = np.round(np.clip(30 - 18 * decay + noise(3), 2, None), 0)
    for name, start, gain in (("sf36", 40, 15), ("lupusqol", 55, 20), ("slicc_di", 1, -0.5),
                              ("promis_fatigue", 60, -10), ("promis_pain", 58, -8),
                              ("promis_depression", 55, -6), ("lupuspro", 50, 15)):
        level = per_subject(rng.normal(start, 5, n)) + gain * (1 - decay) + noise(3)
        out[name] = np.round(np.clip(level, 0, None), 0 if name == "slicc_di" else 1)
    # -- 3% missing values, then shuffle the rows -------------------------------------------
    order = rng.permutation(rows)
    frame = {}
    for name, values in out.items():
        values = np.asarray(values)[order]
        if name in _KEEP or missing <= 0:
            frame[name] = values
            continue
        gone = rng.random(rows) < missing
        if values.dtype == bool:
            frame[name] = pd.arrays.BooleanArray(values, gone)
        elif values.dtype == object:
            values = values.copy()
            values[gone] = None
            frame[name] = values
        else:
            frame[name] = np.where(gone, np.nan, values)
    return pd.DataFrame(frame)


def medications_table(visits: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    """Dosing records matching a visit table: oral prednisone per visit interval, a
    methylprednisolone pulse for a few subjects, mycophenolate from day 0, occasional new
    immunosuppressants and rituximab."""
    rng = np.random.default_rng(seed)
    v = visits[["subject_id", "day", "prednisone"]].sort_values(["subject_id", "day"])
    subject = v["subject_id"].to_numpy(dtype=object)
    day = v["day"].to_numpy()
    last = np.r_[subject[1:] != subject[:-1], True]
    end = np.where(last, np.nan, np.r_[day[1:], 0] - 1)
    oral = pd.DataFrame({"subject_id": subject, "drug": "prednisone",
                         "start_day": np.maximum(day, 0), "end_day": end,
                         "dose": v["prednisone"].fillna(0).to_numpy(), "route": "oral"})
    oral = oral[(oral["dose"] > 0) & (day >= 0)]
    ids = pd.unique(subject)
    pulse_ids = ids[rng.random(len(ids)) < 0.2]
    pulses = pd.DataFrame({"subject_id": pulse_ids, "drug": "methylprednisolone",
                           "start_day": 0, "end_day": 2, "dose": 500.0, "route": "iv"})
    mmf = pd.DataFrame({"subject_id": ids, "drug": "mycophenolate", "start_day": -30,
                        "end_day": np.nan, "dose": 2000.0, "route": "oral"})
    new_ids = ids[rng.random(len(ids)) < 0.05]
    new = pd.DataFrame({"subject_id": new_ids, "drug": "tacrolimus",
                        "start_day": rng.integers(20, 360, len(new_ids)), "end_day": np.nan,
                        "dose": 4.0, "route": "oral"})
    rtx_ids = ids[rng.random(len(ids)) < 0.03]
    rtx = pd.DataFrame({"subject_id": rtx_ids, "drug": "rituximab",
                        "start_day": rng.integers(20, 360, len(rtx_ids)), "end_day": None,
                        "dose": 1000.0, "route": "iv"})
    rtx["end_day"] = rtx["start_day"]
    meds = pd.concat([oral, pulses, mmf, new, rtx], ignore_index=True)
    return meds.sample(frac=1.0, random_state=seed).reset_index(drop=True)
