"""Hypothesis strategies for visit tables: irregular days, screening visits, missing
values, and values on grids that hit the clinical thresholds exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import strategies as st

GRIDS = {
    "upcr": [round(0.05 * i, 2) for i in range(0, 121)],
    "proteinuria_24h": [round(0.25 * i, 2) for i in range(0, 33)],
    "egfr": [float(x) for x in range(30, 151, 5)],
    "urine_rbc": [float(x) for x in range(0, 21)],
    "urine_wbc": [float(x) for x in range(0, 21)],
    "serum_albumin": [round(0.1 * i, 1) for i in range(20, 46)],
    "prednisone": [0.0, 2.5, 5.0, 7.5, 10.0, 10.5, 12.5, 15.0, 20.0, 40.0],
    "sledai": [float(x) for x in range(0, 31)],
    "pga": [round(0.1 * i, 1) for i in range(0, 31)],
    "c3": [float(x) for x in range(40, 180, 10)],
    "c4": [float(x) for x in range(5, 45, 5)],
    "anti_dsdna": [float(x) for x in range(0, 400, 25)],
    "creatinine": [round(0.1 * i, 1) for i in range(4, 40)],
    "immunosuppressant_dose": [0.0, 500.0, 1000.0, 1500.0, 2000.0],
    **{name: [float(x) for x in range(0, 100, 7)] for name in (
        "sf36", "lupusqol", "slicc_di", "promis_fatigue", "promis_pain", "promis_depression",
        "lupuspro", "lit", "sf36_pcs", "sf36_mcs")},
    # SPEC section 4's new columns: counts around the cytopenia thresholds, limits
    "platelets": [float(x) for x in range(40, 260, 20)] + [99.0, 100.0, 101.0],
    "wbc": [round(0.5 * i, 1) for i in range(2, 17)] + [2.9, 3.0, 3.1],
    "c3_lln": [60.0, 90.0, 120.0],
    "c4_lln": [10.0, 16.0, 20.0],
    "ana": [40.0, 80.0, 160.0, 320.0, 640.0, 1280.0],
    "haq": [round(0.25 * i, 2) for i in range(0, 13)],
}
BILAG_DOMAINS = ("constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal",
                 "cardiorespiratory", "gastrointestinal", "ophthalmic", "renal", "haematological")
#: values that meet the response criteria, drawn half of the time so responders occur
FOCUS = {
    "upcr": [0.0, 0.1, 0.25, 0.45, 0.5],
    "proteinuria_24h": [0.0, 0.25, 0.5],
    "urine_rbc": [0.0, 2.0, 5.0],
    "urine_wbc": [0.0, 3.0, 5.0],
    "serum_albumin": [3.5, 4.0],
    "prednisone": [0.0, 5.0, 7.5, 10.0],
    "egfr": [90.0, 100.0, 120.0],
    "sledai": [0.0, 2.0, 4.0],
    "pga": [0.0, 0.2, 0.3],
}
#: days that sit on and around every built-in timepoint and window edge
DAY_POOL = sorted(
    {-28, -14, -7, 0, 7, 14, 28}
    | {t + d for t in (84, 140, 168, 183, 364, 365) for d in (-29, -28, -7, -1, 0, 1, 7, 28, 29)}
    | {t + d for t in (28, 56, 112, 252, 336, 420, 504, 546) for d in (-14, 0, 1, 14)}
)


@st.composite
def visit_tables(draw, max_subjects: int = 6) -> pd.DataFrame:
    """A canonical visit table with 1..max_subjects subjects in shuffled row order."""
    n = draw(st.integers(1, max_subjects))
    missing = draw(st.sampled_from([0.0, 0.05, 0.3]))
    days_by_subject = [
        sorted(draw(st.sets(st.sampled_from(DAY_POOL) | st.integers(-40, 560),
                            min_size=1, max_size=9)))
        for _ in range(n)
    ]
    rows = [(f"S{i:02d}", d) for i, days in enumerate(days_by_subject) for d in days]
    frame = pd.DataFrame(rows, columns=["subject_id", "day"])
    size = len(frame)
    for column, grid in GRIDS.items():
        values = st.sampled_from(grid)
        if column in FOCUS:
            values = values | st.sampled_from(FOCUS[column])
        values = draw(st.lists(values, min_size=size, max_size=size))
        gone = draw(st.lists(st.floats(0, 1), min_size=size, max_size=size))
        frame[column] = [np.nan if g < missing else v for v, g in zip(values, gone, strict=True)]
    for column in ("rbc_casts", "new_immunosuppressant", "rituximab"):
        flags = draw(st.lists(st.sampled_from([True, False, False, False, False, None]),
                              min_size=size, max_size=size))
        frame[column] = pd.array(flags, dtype="boolean")
    for domain in BILAG_DOMAINS:
        grades = st.sampled_from(["A", "B", "C", "D", "E", None] if missing else list("ABCDE"))
        if domain != "renal":  # mostly quiet, so that "at most one new B" is often decided
            grades = grades | st.sampled_from(["D", "E"])
        frame[f"bilag_{domain}"] = draw(st.lists(grades, min_size=size, max_size=size))
    seed = draw(st.integers(0, 2**32 - 1))
    order = np.random.default_rng(seed).permutation(size)
    return frame.iloc[order].reset_index(drop=True)


#: (drug, route, doses) of dosing records as a trial's medications table holds them
MEDICATIONS = [
    ("prednisone", "oral", [2.5, 5.0, 7.5, 10.0, 12.5, 20.0]),
    ("methylprednisolone", "IV", [250.0, 500.0]),  # one-day pulses
    ("mycophenolate mofetil", "oral", [1000.0, 2000.0]),
    ("tacrolimus", "oral", [4.0]),
    ("rituximab", "IV", [1000.0]),
]


@st.composite
def medication_tables(draw, subjects: list[str]) -> pd.DataFrame:
    """Dosing records for some of `subjects`: steroid tapers and pulses, background and
    new immunosuppressants, rituximab, on days around the built-in timepoints."""
    rows = []
    for subject in subjects:
        for _ in range(draw(st.integers(0, 4))):
            drug, route, doses = draw(st.sampled_from(MEDICATIONS))
            start = draw(st.sampled_from(DAY_POOL) | st.integers(-30, 400))
            pulse = drug in ("methylprednisolone", "rituximab")
            length = 1 if pulse else draw(st.sampled_from([1, 14, 60, 200, None]))
            end = None if length is None else start + length - 1
            rows.append({"subject_id": subject, "drug": drug, "route": route,
                         "start_day": start, "end_day": end,
                         "dose": draw(st.sampled_from(doses))})
    frame = pd.DataFrame(rows, columns=["subject_id", "drug", "route", "start_day", "end_day",
                                        "dose"])
    return frame.astype({"start_day": "int64", "end_day": "float64", "dose": "float64"})
