"""What both peers share: NCT03917797's endpoints, timepoints, labels (the texts of the
trial file, src/endpoints/trials/NCT03917797.toml, that reasons are made of) and the
conversion of the result from Arrow to the pandas dtypes of ``ep.score``.

Nothing here scores anything: each peer computes every endpoint in its own engine.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

TRIAL_ID = "NCT03917797"
WINDOW = 28
#: timepoint label -> (short name used in column names, target day)
TIMEPOINTS = {"week 24": ("w24", 168), "month 12": ("m12", 365)}
BOTH = ("week 24", "month 12")
BILAG = tuple(f"bilag_{d}" for d in (
    "constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal",
    "cardiorespiratory", "gastrointestinal", "ophthalmic", "renal", "haematological"))
GRADES = {"A": 1, "B": 2, "C": 3, "D": 4, "E": 5}
#: points of the BILAG numeric score by grade code (SPEC section 3)
POINTS = {1: 12.0, 2: 8.0, 3: 1.0, 4: 0.0, 5: 0.0}
PANEL = ("th1", "th17", "treg", "b_naive", "b_memory", "b_transitional", "tnf_alpha",
         "tgf_beta1", "il6", "il17a", "il10", "baff", "mcp1", "cxcl10", "ifn_gamma")

#: change endpoints: name -> (variable, timepoints)
CHANGES = {
    "anti_dsdna_change": ("anti_dsdna", BOTH),
    "bilag_change": ("bilag_score", ("month 12",)),
    "c3_change": ("c3", BOTH),
    "c4_change": ("c4", BOTH),
    "sledai_change": ("sledai", ("month 12",)),
    **{f"{name}_change": (name, BOTH) for name in PANEL},
}
RENAL = ("upcr", "egfr", "urine_rbc", "rbc_casts", "prednisone")
#: every endpoint: name -> (timepoints, visit columns it reads)
ENDPOINTS = {
    "renal_response": (("month 12",), RENAL),
    "complete_renal_response": (("month 12",), RENAL),
    "partial_renal_response": (("month 12",), RENAL),
    "treatment_failure": (BOTH, ("prednisone", "new_immunosuppressant", "rituximab")),
    "sri4": (("month 12",), ("sledai", *BILAG, "pga")),
    "flare_any": (("month 12",), ("sledai",)),
    "flare_mild_moderate": (("month 12",), ("sledai",)),
    "flare_severe": (("month 12",), ("sledai",)),
    **{name: (tps, (variable,)) for name, (variable, tps) in CHANGES.items()},
}
#: (endpoint, timepoint) in the order of the result rows of one subject
TASKS = sorted(((e, tp) for e, (tps, _) in ENDPOINTS.items() for tp in tps),
               key=lambda task: (task[0], TIMEPOINTS[task[1]][1]))
#: the numeric columns the peers read (missing ones are all null), and the flags
NUMERIC = ("upcr", "egfr", "urine_rbc", "prednisone", "sledai", "pga", "anti_dsdna", "c3",
           "c4")
FLAGS = ("rbc_casts", "new_immunosuppressant", "rituximab")


def read(present) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The numeric columns to read (the biomarker panel only where the table has it),
    those read at the assessment visits, and those at baseline."""
    numeric = (*NUMERIC, *(x for x in PANEL if x in present))
    at_visit = (*numeric, *FLAGS, *BILAG, "bilag_score")
    at_baseline = ("upcr", "egfr", "sledai", "pga", "anti_dsdna", "c3", "c4",
                   *(x for x in PANEL if x in present), *BILAG, "bilag_score")
    return numeric, at_visit, at_baseline

# -- labels of the trial file's criteria, as reasons quote them --------------------------
CR, PR = "complete renal response", "partial renal response"
UPCR_CR, UPCR_PR = "UPCR < 0.5", "UPCR <= 50% of baseline"
EGFR_120, EGFR_80 = "eGFR >= 120", "eGFR >= 80% of baseline"
EGFR = "eGFR >= 120 or >= 80% of baseline"
RBC, CASTS, PRED = "urine RBC < 10/hpf", "no RBC casts", "prednisone <= 10 mg/day"
SRI_SLEDAI = "SLEDAI reduction >= 4 from baseline"
SRI_A, SRI_B = "no new BILAG A domain", "at most one new BILAG B domain"
SRI_PGA = "PGA increase < 0.3 from baseline"
TF = "treatment failure criteria (a)-(d)"
TF_A = "(a) prednisone > 10 mg/day at the week-24 visit"
TF_B = "(b) prednisone > 10 mg/day after week 24"
TF_C = "(c) new immunosuppressive regimen"
TF_D = "(d) rituximab"
FLARES = {
    "flare_any": "flare (mild/moderate or severe)",
    "flare_mild_moderate": "mild/moderate flare (SLEDAI increase >= 3, not severe)",
    "flare_severe": "severe flare (SLEDAI > 12 and higher than the previous assessment)",
}
SEVERE_UNKNOWN = "SLEDAI higher than the previous assessment: previous sledai missing"
MILD_UNKNOWN = "SLEDAI increase >= 3: previous sledai missing"
NO_VISIT = "no visit in window"
CONTINUOUS = "continuous endpoint: see value"


def absent_reasons(columns) -> dict[str, str]:
    """Endpoint -> reason for the endpoints that read a column the table lacks
    ("column c3 not provided"); `bilag_score` is provided when any BILAG domain is."""
    present = set(columns) | ({"bilag_score"} if set(BILAG) & set(columns) else set())
    if "egfr" not in present and {"creatinine", "age", "sex"} <= present:
        raise NotImplementedError("the peers read eGFR; they do not compute it from creatinine")
    out = {}
    for name, (_, reads) in ENDPOINTS.items():
        lacking = sorted(set(reads) - present)
        if lacking:
            noun = "column" if len(lacking) == 1 else "columns"
            out[name] = f"{noun} {', '.join(lacking)} not provided"
    return out


COLUMNS = ("trial_id", "subject_id", "endpoint", "timepoint", "day", "result", "category",
           "value", "reason")
#: low-cardinality text columns: pandas categoricals, as in ``ep.score`` (SPEC section 10)
CATEGORICAL = ("trial_id", "endpoint", "timepoint", "category", "reason")
#: Arrow type -> the pandas dtype ``ep.score`` uses for it
PANDAS_TYPES = {pa.large_string(): pd.StringDtype("pyarrow"), pa.int64(): pd.Int64Dtype(),
                pa.bool_(): pd.BooleanDtype(), pa.float64(): pd.Float64Dtype()}


def to_pandas(table: pa.Table, text: str = "categorical") -> pd.DataFrame:
    """The result table in the pandas dtypes of ``ep.score``: ``subject_id`` as
    Arrow-backed ``string``, ``Int64``, ``boolean``, ``Float64``, and the low-cardinality
    text columns as categoricals (`text` "categorical", as SPEC section 10 allows; Arrow
    dictionary-encodes a column the engine gave as plain text) or as ``string`` (`text`
    "string"), whichever score returns (see :func:`text_of`)."""
    if text not in ("categorical", "string"):
        raise ValueError(f"text must be 'categorical' or 'string', not {text!r}")
    columns = {}
    for name in COLUMNS:
        column = table.column(name)
        if name in CATEGORICAL and text == "categorical":
            if not pa.types.is_dictionary(column.type):
                column = column.cast(pa.large_string()).dictionary_encode()
            if column.type.ordered:  # enums: compared and grouped like text, as in score
                column = column.cast(pa.dictionary(column.type.index_type,
                                                   column.type.value_type))
        elif pa.types.is_dictionary(column.type) or pa.types.is_string(column.type) or (
                pa.types.is_string_view(column.type)):
            column = column.cast(pa.large_string())
        elif pa.types.is_integer(column.type):
            column = column.cast(pa.int64())
        columns[name] = column
    del table
    return pa.table(columns).to_pandas(types_mapper=PANDAS_TYPES.get, self_destruct=True)


def text_of(result: pd.DataFrame) -> str:
    """How a result table of score holds its low-cardinality text: "categorical" or
    "string" (the `text` argument of the peers)."""
    return "categorical" if isinstance(result["reason"].dtype, pd.CategoricalDtype) else (
        "string")
