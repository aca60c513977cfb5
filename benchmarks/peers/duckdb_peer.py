"""NCT03917797 scored in DuckDB SQL: the peer of ``ep.score`` in the benchmark.

One SQL query over the canonical visit table (SPEC section 2) gives the long result
table of ``ep.score`` (SPEC section 1), reasons included, written as an analyst fluent
in SQL would: common table expressions, window functions, filtered aggregates, joins,
no loop over subjects or visits. The query text is assembled in Python only where it
repeats (one column per variable or BILAG domain, one result row per endpoint x
timepoint), as a dbt macro would.

- **assessment visit** (``w24``, ``m12``): visits with day > 0 and |day - T| <= 28,
  ``QUALIFY row_number() OVER (PARTITION BY subject ORDER BY |day - T|, day DESC) = 1``:
  the nearest visit, a tie going to the later one;
- **baseline**: ``arg_max(x, day) FILTER (WHERE x IS NOT NULL)`` over the visits on or
  before day 0, per variable;
- **previous assessment** (flares): ``lag(sledai) OVER (PARTITION BY subject ORDER BY
  day)`` over the visits that record SLEDAI (screening included);
- **periods**: the assessment days joined back onto the visits after day 0; flares and
  treatment failure (b)-(d) are ``count`` / ``min(day)`` aggregates ``FILTER``-ed to the
  period;
- **Kleene logic** is SQL's three-valued AND / OR / NOT;
- **decimal thresholds**: ``round_even(lhs - rhs, 9)`` compared with 0 (numpy's rounding,
  as the library does);
- **new BILAG A / B** against baseline with missing grades: per domain "known new" and
  "possibly new" indicators summed over the nine domains; a count comparison is known
  only when the known and the known + possible counts agree;
- **reasons**: the texts of ``ep.score``, built with ``CASE`` and ``concat_ws`` (which
  skips NULL parts) from the criteria's labels.

The wide per-subject table is turned into the long result by ``UNNEST`` of one struct
per endpoint x timepoint, ordered by the subject's number (``row_number() OVER (ORDER
BY subject_id)``) and the task's. Low-cardinality text is ``ENUM``.

The input is the canonical table as validated by the library (text subject IDs, integer
study days, BILAG grades "A".."E", boolean flags, canonical units); the peer neither
validates input nor converts units, and reads ``egfr`` rather than computing it.
Columns the table lacks make their endpoints not evaluable, as in ``score``.
"""

from __future__ import annotations

import time

from . import common as c


def q(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def r9(expr: str) -> str:
    return f"round_even({expr}, 9)"


def false(expr: str) -> str:
    return f"coalesce(NOT ({expr}), false)"


def true(expr: str) -> str:
    return f"coalesce({expr}, false)"


def when(condition: str, value: str) -> str:
    return f"CASE WHEN {condition} THEN {value} END"


def join(parts: list[str], sep: str = ", ") -> str:
    return f"concat_ws({q(sep)}, {', '.join(parts)})"


def at_day(label: str, day: str) -> str:
    return f"{q(label + ' (day ')} || CAST({day} AS VARCHAR) || ')'"


def missing(label: str, inputs: list[tuple[str, str]]) -> str:
    """``"<label>: a and b missing"`` naming the NULL inputs."""
    names = join([when(f"{x} IS NULL", q(name)) for name, x in inputs], sep=" and ")
    return f"{q(label + ': ')} || {names} || ' missing'"


# --------------------------------------------------------------------------------------
# stage 1: canonical visits, baselines, assessment visits, events of the periods
# --------------------------------------------------------------------------------------
def visits_sql(present: set[str]) -> str:
    def numeric(name: str) -> str:
        if name not in present:
            return f"CAST(NULL AS DOUBLE) AS {name}"
        return f"CASE WHEN isnan({name}::DOUBLE) THEN NULL ELSE {name}::DOUBLE END AS {name}"

    def flag(name: str) -> str:
        return f"{name}::BOOLEAN AS {name}" if name in present else (
            f"CAST(NULL AS BOOLEAN) AS {name}")

    def grade(name: str) -> str:
        if name not in present:
            return f"CAST(NULL AS TINYINT) AS {name}"
        cases = " ".join(f"WHEN {q(g)} THEN {code}" for g, code in c.GRADES.items())
        return f"CAST(CASE {name} {cases} END AS TINYINT) AS {name}"

    points = " + ".join(
        f"coalesce(CASE {b} " + " ".join(f"WHEN {code} THEN {p}" for code, p in c.POINTS.items())
        + " END, 0)" for b in c.BILAG)
    recorded = " OR ".join(f"{b} IS NOT NULL" for b in c.BILAG)
    columns = ",\n    ".join([numeric(x) for x in c.read(present)[0]]
                             + [flag(x) for x in c.FLAGS]
                             + [grade(x) for x in c.BILAG])
    return f"""
canonical AS (
  SELECT CAST(subject_id AS VARCHAR) AS subject_id, CAST(day AS BIGINT) AS day,
    {columns}
  FROM visits
),
v AS (
  SELECT *, CASE WHEN {recorded} THEN CAST({points} AS DOUBLE) END AS bilag_score
  FROM canonical
),
sledai AS (  -- SLEDAI assessments, each with the previous one (screening included)
  SELECT subject_id, day, sledai,
    lag(sledai) OVER (PARTITION BY subject_id ORDER BY day) AS prev_sledai
  FROM v WHERE sledai IS NOT NULL
),
subjects AS (SELECT DISTINCT subject_id FROM v),
baseline AS (
  SELECT subject_id,
    {", ".join(f"arg_max({x}, day) FILTER (WHERE {x} IS NOT NULL) AS b_{x}"
               for x in c.read(present)[2])}
  FROM v WHERE day <= 0 GROUP BY subject_id
),"""


def assessment_sql(label: str, present: set[str]) -> str:
    short, target = c.TIMEPOINTS[label]
    columns = ", ".join(f"{x} AS {short}_{x}" for x in ("day", *c.read(present)[1]))
    return f"""
{short} AS (
  SELECT subject_id, {columns}
  FROM v
  WHERE day > 0 AND abs(day - {target}) <= {c.WINDOW}
  QUALIFY row_number() OVER (PARTITION BY subject_id
                             ORDER BY abs(day - {target}), day DESC) = 1
),"""


def events_sql() -> str:
    high = f"{r9('sledai - 12.0')} > 0"
    severe = f"({high}) AND ({r9('sledai - prev_sledai')} > 0)"
    mild = f"({r9('sledai - prev_sledai - 3.0')} >= 0) AND ({r9('sledai - 12.0')} <= 0)"
    flares = []
    for name in ("any", "mild", "severe"):
        flares += [
            f"count(*) FILTER (WHERE {true('f_' + name)}) AS n_{name}",
            f"min(day) FILTER (WHERE {true('f_' + name)}) AS first_{name}",
            f"min(day) FILTER (WHERE f_{name} IS NULL) AS unknown_{name}",
        ]
    failures = []
    for short in ("w24", "m12"):
        failures += [
            f"min(day) FILTER (WHERE day <= end_{short} AND day > 168 AND "
            f"{r9('prednisone - 10.0')} > 0) AS b_day_{short}",
            f"min(day) FILTER (WHERE day <= end_{short} AND {true('new_immunosuppressant')}) "
            f"AS c_day_{short}",
            f"min(day) FILTER (WHERE day <= end_{short} AND {true('rituximab')}) "
            f"AS d_day_{short}",
        ]
    sep = ",\n    "
    return f"""
ends AS (
  SELECT subject_id, coalesce(w24_day, 168) AS end_w24, coalesce(m12_day, 365) AS end_m12
  FROM subjects LEFT JOIN w24 USING (subject_id) LEFT JOIN m12 USING (subject_id)
),
flare_visits AS (  -- the SLEDAI assessments of the month-12 period
  SELECT subject_id, day,
    ({severe}) AS f_severe,
    ({mild}) AS f_mild,
    ({severe}) OR ({mild}) AS f_any
  FROM sledai JOIN ends USING (subject_id)
  WHERE day > 0 AND day <= end_m12
),
flares AS (
  SELECT subject_id,
    {sep.join(flares)}
  FROM flare_visits GROUP BY subject_id
),
failures AS (  -- treatment failure (b)-(d) in the periods of week 24 and month 12
  SELECT subject_id,
    {sep.join(failures)}
  FROM v JOIN ends USING (subject_id)
  WHERE day > 0
  GROUP BY subject_id
),
wide AS (
  SELECT * FROM subjects
  LEFT JOIN baseline USING (subject_id)
  LEFT JOIN w24 USING (subject_id)
  LEFT JOIN m12 USING (subject_id)
  LEFT JOIN flares USING (subject_id)
  LEFT JOIN failures USING (subject_id)
),"""


# --------------------------------------------------------------------------------------
# stage 2: criteria per subject
# --------------------------------------------------------------------------------------
#: leaf criteria of CR / PR: name -> (label, SQL of the three-valued value, inputs)
LEAVES = {
    "upcr_cr": (c.UPCR_CR, f"{r9('m12_upcr - 0.5')} < 0", [("upcr", "m12_upcr")]),
    "egfr_120": (c.EGFR_120, f"{r9('m12_egfr - 120.0')} >= 0", [("egfr", "m12_egfr")]),
    "egfr_80": (c.EGFR_80, f"{r9('m12_egfr - 0.8 * b_egfr')} >= 0",
                [("egfr", "m12_egfr"), ("baseline egfr", "b_egfr")]),
    "rbc": (c.RBC, f"{r9('m12_urine_rbc - 10.0')} < 0", [("urine_rbc", "m12_urine_rbc")]),
    "casts": (c.CASTS, "NOT m12_rbc_casts", [("rbc_casts", "m12_rbc_casts")]),
    "pred": (c.PRED, f"{r9('m12_prednisone - 10.0')} <= 0", [("prednisone", "m12_prednisone")]),
    "upcr_pr": (c.UPCR_PR, f"{r9('m12_upcr - 0.5 * b_upcr')} <= 0",
                [("upcr", "m12_upcr"), ("baseline upcr", "b_upcr")]),
    "sri_sledai": (c.SRI_SLEDAI, f"{r9('m12_sledai - b_sledai - -4.0')} <= 0",
                   [("sledai", "m12_sledai"), ("baseline sledai", "b_sledai")]),
    "sri_pga": (c.SRI_PGA, f"{r9('m12_pga - b_pga - 0.3')} < 0",
                [("pga", "m12_pga"), ("baseline pga", "b_pga")]),
}


def criteria_sql() -> str:
    counts = []
    for letter, code in (("A", 1), ("B", 2)):
        new = [f"(coalesce(m12_{b} = {code}, false) AND coalesce(b_{b} > {code}, false))"
               for b in c.BILAG]
        maybe = [f"((coalesce(m12_{b} = {code}, false) OR m12_{b} IS NULL) AND "
                 f"(coalesce(b_{b} > {code}, false) OR b_{b} IS NULL) AND NOT {n})"
                 for b, n in zip(c.BILAG, new, strict=True)]
        counts.append(" + ".join(f"{x}::INTEGER" for x in new) + f" AS known_{letter}")
        counts.append(" + ".join(f"{x}::INTEGER" for x in maybe) + f" AS possible_{letter}")
    leaves = ",\n    ".join(f"({sql}) AS {name}" for name, (_, sql, _) in LEAVES.items())
    return f"""
counted AS (
  SELECT *,
    {leaves},
    {(","+chr(10)+"    ").join(counts)}
  FROM wide
),
criteria AS (
  SELECT *,
    egfr_120 OR egfr_80 AS egfr_ok,
    CASE WHEN (known_A < 1) = (known_A + possible_A < 1) THEN known_A < 1 END AS sri_a,
    CASE WHEN (known_B <= 1) = (known_B + possible_B <= 1) THEN known_B <= 1 END AS sri_b
  FROM counted
),
decided AS (
  SELECT *,
    upcr_cr AND egfr_ok AND rbc AND casts AND pred AS cr,
    upcr_pr AND egfr_ok AND pred AS pr,
    sri_sledai AND sri_a AND sri_b AND sri_pga AS sri4
  FROM criteria
),"""


def failed(name: str) -> str:
    return when(false(name), q(LEAVES[name][0]))


def unsure(name: str, also: str = "true") -> str:
    label, _, inputs = LEAVES[name]
    return when(f"{name} IS NULL AND {also}", missing(label, inputs))


# --------------------------------------------------------------------------------------
# stage 3: one struct per endpoint x timepoint
# --------------------------------------------------------------------------------------
def enum(values) -> str:
    """An ENUM type: low-cardinality text stored as one byte per row."""
    return f"ENUM({', '.join(q(v) for v in values)})"


TRIAL, CATEGORY = enum([c.TRIAL_ID]), enum(["CR", "PR", "NR"])
ENDPOINT, TIMEPOINT = enum(sorted(c.ENDPOINTS)), enum(c.TIMEPOINTS)


def row(k: int, endpoint: str, label: str, *, day="NULL", result="NULL", category="NULL",
        value="NULL", reason="NULL") -> str:
    return (f"{{'k': {k}, 'endpoint': {q(endpoint)}::{ENDPOINT}, "
            f"'timepoint': {q(label)}::{TIMEPOINT}, "
            f"'day': CAST({day} AS BIGINT), 'result': CAST({result} AS BOOLEAN), "
            f"'category': CAST({category} AS {CATEGORY}), 'value': CAST({value} AS DOUBLE), "
            f"'reason': CAST({reason} AS VARCHAR)}}")


CR_FAILED = join([failed("upcr_cr"), when(false("egfr_ok"), q(c.EGFR)), failed("rbc"),
                  failed("casts"), failed("pred")])
CR_UNKNOWN = join([unsure("upcr_cr"), unsure("egfr_120", "egfr_ok IS NULL"),
                   unsure("egfr_80", "egfr_ok IS NULL"), unsure("rbc"), unsure("casts"),
                   unsure("pred")])
PR_FAILED = join([failed("upcr_pr"), when(false("egfr_ok"), q(c.EGFR)), failed("pred")])
PR_UNKNOWN = join([unsure("upcr_pr"), unsure("egfr_120", "egfr_ok IS NULL"),
                   unsure("egfr_80", "egfr_ok IS NULL"), unsure("pred")])


def renal(k: int, endpoint: str) -> str:
    if endpoint == "complete_renal_response":
        reason = f"""CASE WHEN m12_day IS NULL THEN {q(c.NO_VISIT)}
          WHEN {false('cr')} THEN 'not met: ' || {CR_FAILED}
          WHEN cr IS NULL THEN 'not evaluable: ' || {CR_UNKNOWN} END"""
        return row(k, endpoint, "month 12", day="m12_day", result="cr", reason=reason)
    if endpoint == "partial_renal_response":
        reason = f"""CASE WHEN m12_day IS NULL THEN {q(c.NO_VISIT)}
          WHEN {false('pr')} THEN 'not met: ' || {PR_FAILED}
          WHEN {true('pr')} AND {true('cr')} THEN {q(c.CR + ' met instead')}
          WHEN cr IS NULL THEN {q(c.CR + ': ')} || {CR_UNKNOWN}
          WHEN pr IS NULL THEN 'not evaluable: ' || {PR_UNKNOWN} END"""
        return row(k, endpoint, "month 12", day="m12_day", result="pr AND NOT cr",
                   reason=reason)
    category = f"""CASE WHEN {true('cr')} THEN 'CR'
          WHEN {false('cr')} AND {true('pr')} THEN 'PR'
          WHEN {false('cr')} AND {false('pr')} THEN 'NR' END"""
    parts = join([
        when(false("cr"), f"{q(c.CR + ' not met: ')} || {CR_FAILED}"),
        when("cr IS NULL", f"{q(c.CR + ' not evaluable: ')} || {CR_UNKNOWN}"),
        when(f"{false('cr')} AND {false('pr')}", f"{q(c.PR + ' not met: ')} || {PR_FAILED}"),
        when(f"{false('cr')} AND pr IS NULL",
             f"{q(c.PR + ' not evaluable: ')} || {PR_UNKNOWN}"),
    ], sep="; ")
    reason = f"CASE WHEN m12_day IS NULL THEN {q(c.NO_VISIT)} ELSE nullif({parts}, '') END"
    return row(k, endpoint, "month 12", day="m12_day", result="cr OR pr", category=category,
               reason=reason)


def sri4(k: int) -> str:
    failed_parts = join([failed("sri_sledai"), when(false("sri_a"), q(c.SRI_A)),
                         when(false("sri_b"), q(c.SRI_B)), failed("sri_pga")])
    unknown_parts = join([unsure("sri_sledai"),
                          when("sri_a IS NULL", q(f"{c.SRI_A}: BILAG grades missing")),
                          when("sri_b IS NULL", q(f"{c.SRI_B}: BILAG grades missing")),
                          unsure("sri_pga")])
    reason = f"""CASE WHEN m12_day IS NULL THEN {q(c.NO_VISIT)}
          WHEN {false('sri4')} THEN 'not met: ' || {failed_parts}
          WHEN sri4 IS NULL THEN 'not evaluable: ' || {unknown_parts} END"""
    return row(k, "sri4", "month 12", day="m12_day", result="sri4", reason=reason)


def treatment_failure(k: int, label: str) -> str:
    short = c.TIMEPOINTS[label][0]
    a = f"({r9('w24_prednisone - 10.0')} > 0)"

    def seen(x: str) -> str:
        return (f"CASE WHEN {x}_day_{short} IS NOT NULL THEN true "
                f"WHEN {short}_day IS NULL THEN NULL ELSE false END")

    failed_ = f"({a} OR {seen('b')} OR {seen('c')} OR {seen('d')})"
    reason = f"""CASE WHEN {true(a)} THEN {at_day(c.TF_A, 'w24_day')}
          WHEN b_day_{short} IS NOT NULL THEN {at_day(c.TF_B, f'b_day_{short}')}
          WHEN c_day_{short} IS NOT NULL THEN {at_day(c.TF_C, f'c_day_{short}')}
          WHEN d_day_{short} IS NOT NULL THEN {at_day(c.TF_D, f'd_day_{short}')}
          WHEN {short}_day IS NULL THEN {q(c.NO_VISIT)}
          WHEN {false(failed_)} THEN {q('not met: ' + c.TF)}
          WHEN w24_day IS NULL THEN {q(f'not evaluable: {c.TF_A}: no week 24 visit')}
          ELSE 'not evaluable: week 24 visit: prednisone > 10: prednisone missing' END"""
    return row(k, "treatment_failure", label, day=f"{short}_day", result=failed_,
               reason=reason)


def flare(k: int, endpoint: str) -> str:
    name = {"flare_any": "any", "flare_mild_moderate": "mild", "flare_severe": "severe"}[
        endpoint]
    label = c.FLARES[endpoint]
    count = f"coalesce(n_{name}, 0)"
    if name == "any":  # at a visit without a previous SLEDAI: the severe or the mild one
        why = (f"CASE WHEN unknown_severe = unknown_any THEN {q(c.SEVERE_UNKNOWN)} "
               f"ELSE {q(c.MILD_UNKNOWN)} END")
    else:
        why = q(c.SEVERE_UNKNOWN if name == "severe" else c.MILD_UNKNOWN)
    result = (f"CASE WHEN {count} > 0 THEN true WHEN m12_day IS NULL OR unknown_{name} "
              "IS NOT NULL THEN NULL ELSE false END")
    reason = f"""CASE WHEN {count} > 0 THEN {at_day(label, f'first_{name}')}
          WHEN m12_day IS NULL THEN {q(c.NO_VISIT)}
          WHEN unknown_{name} IS NOT NULL THEN {q(label + ': unknown at day ')}
            || CAST(unknown_{name} AS VARCHAR) || ': ' || {why}
          ELSE {q(f'no {label} in the period')} END"""
    value = f"CASE WHEN ({result}) IS NOT NULL THEN {count} END"
    return row(k, endpoint, "month 12", day="m12_day", result=result, value=value,
               reason=reason)


def change(k: int, endpoint: str, label: str) -> str:
    short = c.TIMEPOINTS[label][0]
    x = c.CHANGES[endpoint][0]
    reason = f"""CASE WHEN {short}_day IS NULL THEN {q(c.NO_VISIT)}
          WHEN b_{x} IS NULL THEN {q(f'baseline {x} missing')}
          WHEN {short}_{x} IS NULL THEN {q(f'{x} missing at the assessment visit')}
          ELSE {q(c.CONTINUOUS)} END"""
    return row(k, endpoint, label, day=f"{short}_day", value=r9(f"{short}_{x} - b_{x}"),
               reason=reason)


def task(k: int, endpoint: str, label: str, absent: dict[str, str]) -> str:
    if endpoint in absent:
        return row(k, endpoint, label, reason=q(absent[endpoint]))
    if endpoint in c.CHANGES:
        return change(k, endpoint, label)
    if endpoint in ("renal_response", "complete_renal_response", "partial_renal_response"):
        return renal(k, endpoint)
    if endpoint == "sri4":
        return sri4(k)
    if endpoint == "treatment_failure":
        return treatment_failure(k, label)
    return flare(k, endpoint)


def query(columns) -> str:
    """The whole query over a table or view named ``visits`` with these columns."""
    present = set(columns)
    absent = c.absent_reasons(present)
    rows = ",\n    ".join(task(k, e, tp, absent) for k, (e, tp) in enumerate(c.TASKS))
    return (
        "WITH" + visits_sql(present) + assessment_sql("week 24", present)
        + assessment_sql("month 12", present)
        + events_sql() + criteria_sql() + f"""
long AS (
  SELECT subject_id, row_number() OVER (ORDER BY subject_id) AS position, unnest([
    {rows}
  ], recursive := true)
  FROM decided
)
SELECT {q(c.TRIAL_ID)}::{TRIAL} AS trial_id, subject_id, endpoint, timepoint, day, result, category,
  value, reason
FROM long
ORDER BY position, k
""")


def score(visits, *, timings: dict | None = None, text: str = "categorical"):
    """The result table of ``ep.score(visits, "NCT03917797")`` as pandas, computed by
    DuckDB from `visits`, a DuckDB relation (e.g. ``con.table("visits")`` or
    ``con.read_parquet(path)``); low-cardinality text as categoricals or strings (`text`,
    see :func:`common.to_pandas`). `timings`, when given, receives the seconds of the
    query (to an Arrow table) and of the conversion to pandas."""
    start = time.perf_counter()
    table = visits.query("visits", query(visits.columns)).to_arrow_table()
    middle = time.perf_counter()
    frame = c.to_pandas(table, text)
    if timings is not None:
        timings.update(query=middle - start, to_pandas=time.perf_counter() - middle)
    return frame
