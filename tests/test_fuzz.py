"""Fuzz tests: malformed and realistic-but-messy inputs thrown at the public API.

Every example is a visit table (and often a medications table) built from clean,
plausible data with zero to a few *defects* mixed in: subject IDs written as int, float
(1.0 vs 1, 0.0 vs -0.0), bool, text, numpy scalars or NaN / lists; study days as ints,
floats, nullable ints, timedeltas, datetimes, text, huge or non-finite values; clinical
values as text, negatives, infinities, booleans, bad BILAG letters; duplicate or
non-string column labels, MultiIndex columns and indexes, ``day`` as an index level;
empty tables; ``units=`` / ``columns=`` that are wrong or clash; medications with drug
names as written in real data (brands, salts, route words, misspellings), odd routes,
bad days and doses, subjects only in the medications table.

The contract checked (SPEC sections 1-3) -- every property raises its own assertion
class, so a failure says which property broke and hypothesis reports each separately:

1. ``LeakedException``: a call returns or raises an ``ep.EndpointsError``, nothing else.
   ``BadWarning``: warnings other than ``ep.EndpointsWarning`` that signal a defect
   (see :func:`check_warnings`).
2. ``BadInputError``: an ``InputError`` has a non-empty message naming a column, and
   ``err.failures`` is a DataFrame (columns column, problem, subject_id, day, count;
   one row or more) listing every value problem injected (``IncompleteFailures``).
   ``MustFail``: input that the SPEC calls an error is not scored silently.
3. When ``score`` returns: ``InputMutated``, ``WrongColumns`` (names and dtypes),
   ``SubjectMissing``/``ExtraSubject``/``WrongRows`` (every subject of the visit and
   medications tables, by the SPEC's text form of an ID, exactly once per endpoint x
   timepoint), ``EmptyReason``, ``OrderDependent`` (reversed / shuffled rows give the
   same table, or the same error), ``IdFormDependent`` / ``DayFormDependent`` (IDs
   written as their text form, days as plain integers give the same table),
   ``UnknownDrugSilent`` and ``NoPlausibilityWarning``; ``WrongMedication`` for drug
   names as written (brands, salts, route words, routes that never count).
4. ``summarize`` / ``to_adam`` / ``flare_events`` on the same data return or raise
   ``EndpointsError``; the dask path agrees with pandas (``DaskMismatch``); the CLI
   exits 0 or 2 with one ``error: ...`` line (``CliBadExit``/``CliBadMessage``) and
   agrees with the API on the same CSV files (``CliMismatch``).

Profiles: the default runs each test for 40-150 examples, raises at the first violation
and shrinks it (for at most SHRINK_SECONDS), about a minute for the file.
``HYPOTHESIS_PROFILE=fuzz`` is the deep run: 600-2000 examples per test (2000 for the
``score`` tests), every example run to the end, and each test then fails once with the
list of every distinct violation, its count and its shortest example (see
:func:`surveyed`).
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import os
import pickle
import re
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, assume, given, note, settings
from hypothesis import strategies as st

import endpoints as ep

# --------------------------------------------------------------------------------------
# Profiles
# --------------------------------------------------------------------------------------

_SUPPRESS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
             HealthCheck.large_base_example, HealthCheck.function_scoped_fixture]
#: the default run: bounded time even while the library still fails (no "explain" phase,
#: shrinking capped by the fixture below); the deep run collects instead (`surveyed`)
settings.register_profile(
    "fuzz-default", deadline=None, suppress_health_check=_SUPPRESS, print_blob=True,
    phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink))
settings.register_profile("fuzz", deadline=None, suppress_health_check=_SUPPRESS,
                          print_blob=True)
DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
_PROFILE = settings.get_profile("fuzz" if DEEP else "fuzz-default")
#: seconds of shrinking per test in the default profile (hypothesis' own limit: 300)
SHRINK_SECONDS = 8


def examples(default: int, deep: int):
    """Settings of one test: `default` examples, or `deep` under HYPOTHESIS_PROFILE=fuzz."""
    return settings(_PROFILE, max_examples=deep if DEEP else default)


@pytest.fixture(autouse=True)
def _bounded_shrinking(monkeypatch):
    """Cap shrinking time in the default profile, so that the file runs in about a minute
    while the library still fails (an engine constant of hypothesis; only while the
    tests of this file run)."""
    from hypothesis.internal.conjecture import engine

    if not DEEP and hasattr(engine, "MAX_SHRINKING_SECONDS"):
        monkeypatch.setattr(engine, "MAX_SHRINKING_SECONDS", SHRINK_SECONDS)


TRIALS = ep.list_trials()
RESULT_COLUMNS = ["trial_id", "subject_id", "endpoint", "timepoint", "day", "result",
                  "category", "value", "reason"]
FAILURE_COLUMNS = {"column", "problem", "subject_id", "day", "count"}
FLARE_COLUMNS = ["subject_id", "day", "kind", "domain", "value", "previous"]

# --------------------------------------------------------------------------------------
# One assertion class per property (hypothesis tells failures apart by exception type)
# --------------------------------------------------------------------------------------


class ContractViolation(AssertionError):
    """Base of the property failures below."""


class LeakedException(ContractViolation):
    """Property 1: an exception that is not an ep.EndpointsError escaped."""


class BadWarning(ContractViolation):
    """Property 1: a warning that signals a defect (see check_warnings)."""


class BadInputError(ContractViolation):
    """Property 2: an InputError without a useful message or `failures` table."""


class IncompleteFailures(ContractViolation):
    """Property 2: `error.failures` does not list every value problem of the input."""


class MustFail(ContractViolation):
    """SPEC section 2 calls the input an error, but it was scored."""


class InputMutated(ContractViolation):
    """Property 3: an input table or mapping changed during the call."""


class WrongColumns(ContractViolation):
    """Property 3: result columns / dtypes are not those of SPEC section 1."""


class SubjectMissing(ContractViolation):
    """Property 3: a subject of the visit or medications table has no rows."""


class ExtraSubject(ContractViolation):
    """Property 3: a result subject is not the text form of any input subject."""


class WrongRows(ContractViolation):
    """Property 3: not exactly one row per subject x endpoint x timepoint."""


class EmptyReason(ContractViolation):
    """Property 3: result False / <NA> without a reason."""


class OrderDependent(ContractViolation):
    """Property 3: reversed or shuffled rows give another table or another error."""


class IdFormDependent(ContractViolation):
    """Property 3: writing every subject ID as its SPEC text form (1.0 -> "1") in the visit
    and medications tables changes the result (tables are matched on that form)."""


class DayFormDependent(ContractViolation):
    """Property 3 (SPEC 2 `day`): writing the study days as plain integers (a timedelta64
    of whole days, whole floats, nullable or text integers) changes the result."""


class UnknownDrugSilent(ContractViolation):
    """SPEC 2 (medications): an unclassifiable drug name is in no EndpointsWarning."""


class NoPlausibilityWarning(ContractViolation):
    """SPEC 2 (plausibility): values that look like another unit, no warning."""


class WrongMedication(ContractViolation):
    """SPEC 2 (medications): a record as written is classified or dosed wrongly."""


class DownstreamViolation(ContractViolation):
    """Property 4: summarize / to_adam / flare_events output inconsistent with input."""


class DaskMismatch(ContractViolation):
    """Property 4: the dask path disagrees with the pandas path."""


class CliBadExit(ContractViolation):
    """Property 4: the CLI exited with a code other than 0 and 2 (or a traceback)."""


class CliBadMessage(ContractViolation):
    """Property 4: exit 2 without exactly one 'error: ...' line."""


class CliMismatch(ContractViolation):
    """Property 4: the CLI and the API disagree on the same files."""


#: HYPOTHESIS_PROFILE=fuzz: violations of every example, by signature -> [count, message,
#: shortest example]; None (the default profile): a violation is raised at once
SURVEY: dict[tuple[str, str], list] | None = None
_EXAMPLE = [""]  # description of the example being run (for the survey report)


def show(text: str) -> None:
    """Describe the current example: in hypothesis' failure report and in the survey."""
    note(text)
    _EXAMPLE[0] = text


def _signature(message: str) -> str:
    """A violation message without its particular values, to tell defects apart."""
    if " raised " in message and " at " in message:  # exception type and origin
        return re.sub(r"raised ([\w.]+):.* at ", r"raised \1 at ", message)[:200]
    text = re.sub(r"\(warnings: .*", "", message)
    text = re.sub(r"\[[^\]]*\]|'[^']*'|\"[^\"]*\"|-?\d+(\.\d+)?(e[+-]?\d+)?", "_", text)
    return text[:90]


def expect(condition: bool, kind: type[ContractViolation], message: str) -> None:
    if condition:
        return
    if SURVEY is None:
        raise kind(message)
    entry = SURVEY.setdefault((kind.__name__, _signature(message)), [0, message, _EXAMPLE[0]])
    entry[0] += 1
    if len(_EXAMPLE[0]) < len(entry[2]):
        entry[1], entry[2] = message, _EXAMPLE[0]


def surveyed(test):
    """Under HYPOTHESIS_PROFILE=fuzz, run every example without stopping at the first
    violations (hypothesis stops generating soon after its first failures, so a deep run
    of a failing library would otherwise explore little), then fail once, listing every
    distinct violation with its count and its shortest example. The default profile
    raises at once, so that hypothesis shrinks each failure to a minimal example."""
    if not DEEP:
        return test

    @functools.wraps(test)
    def run(*args, **kwargs):
        global SURVEY
        SURVEY = {}
        try:
            test(*args, **kwargs)
            found = SURVEY
        finally:
            SURVEY = None
        if found:
            ranked = sorted(found.items(), key=lambda item: -item[1][0])
            lines = [f"{len(found)} distinct violations:"]
            for (kind, _), (count, message, example) in ranked[:60]:
                lines.append(f"\n[{count}x] {kind}: {message[:400]}\n  shortest example: "
                             f"{example[:2000]}")
            raise ContractViolation("\n".join(lines))
    return run


# --------------------------------------------------------------------------------------
# The SPEC's text form of a subject ID, and helpers
# --------------------------------------------------------------------------------------


def text_id(x: Any) -> str:
    """SPEC section 2: a float that is a whole number is written as an integer
    (1.0 -> "1", -0.0 -> "0"); everything else is ``str(x)``."""
    if isinstance(x, bool | np.bool_):
        return str(bool(x))
    if isinstance(x, float | np.floating) and math.isfinite(x) and float(x).is_integer():
        return str(int(x))
    return str(x)


def is_missing(x: Any) -> bool:
    try:
        return x is None or x is pd.NA or x is pd.NaT or (isinstance(x, float) and x != x)
    except (TypeError, ValueError):
        return False


def snapshot(obj: Any) -> Any:
    """A real deep copy (object cells included)."""
    return pickle.loads(pickle.dumps(obj))


def where_of(err: BaseException) -> tuple[str | None, str | None, str | None]:
    """(column, first subject, first day) named by an error message."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    column = re.search(r"column (.+?):", text)
    subject = re.search(r"subject (.+?)(?:, day|\))", text)
    day = re.search(r"day (-?\d+)\)", text)
    return tuple(m.group(1) if m else None for m in (column, subject, day))


def origin(exc: BaseException) -> str:
    """file:line of the deepest frame, and of the deepest frame in endpoints."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    ours = [f for f in frames if f"{os.sep}endpoints{os.sep}" in f.filename]
    last = frames[-1]
    text = f"{os.path.basename(last.filename)}:{last.lineno}"
    if ours and ours[-1] is not last:
        text += f" (from endpoints/{os.path.basename(ours[-1].filename)}:{ours[-1].lineno})"
    return text


@dataclass
class Outcome:
    value: Any
    error: BaseException | None
    warnings: list


def call(function, *args, **kwargs) -> Outcome:
    """Run `function`, recording every warning, returning its value or its exception."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value, error = function(*args, **kwargs), None
        except Exception as exc:  # classified by the properties
            value, error = None, exc
    return Outcome(value, error, list(caught))


def check_no_leak(outcome: Outcome, what: str) -> None:
    err = outcome.error
    if err is None:
        return
    expect(isinstance(err, ep.EndpointsError), LeakedException,
           f"{what} raised {type(err).__module__}.{type(err).__name__}: {err!s:.300} "
           f"at {origin(err)}")


def check_warnings(outcome: Outcome, what: str) -> None:
    """EndpointsWarning is allowed. Judged to signal a real defect, hence failures:

    - RuntimeWarning (numpy "overflow encountered", "invalid value encountered in cast"):
      values were silently wrapped or turned into garbage, which SPEC section 2 forbids
      ("never a silent wrap-around");
    - FutureWarning / DeprecationWarning raised from the library's own code (or from
      pandas/numpy on the library's behalf, attributed to an endpoints file): behaviour
      that changes under the library on the next pandas/numpy release (the project's
      pytest configuration already treats FutureWarning as an error).

    Not failures: pandas' PerformanceWarning and other third-party UserWarnings (no
    effect on results), and warnings from dask/distributed internals.
    """
    for w in outcome.warnings:
        category, filename = w.category, str(w.filename)
        if issubclass(category, ep.EndpointsWarning):
            continue
        third_party = any(f"{os.sep}{lib}{os.sep}" in filename
                          for lib in ("dask", "distributed", "tornado", "asyncio"))
        ours = f"{os.sep}endpoints{os.sep}" in filename
        if issubclass(category, RuntimeWarning) and not third_party:
            expect(False, BadWarning, f"{what}: RuntimeWarning {w.message} "
                                      f"({os.path.basename(filename)}:{w.lineno})")
        elif issubclass(category, FutureWarning | DeprecationWarning) and ours:
            expect(False, BadWarning, f"{what}: {category.__name__} {w.message} "
                                      f"({os.path.basename(filename)}:{w.lineno})")


def endpoints_warnings(outcome: Outcome) -> list[str]:
    return [str(w.message) for w in outcome.warnings
            if issubclass(w.category, ep.EndpointsWarning)]


# --------------------------------------------------------------------------------------
# Generated cases
# --------------------------------------------------------------------------------------


@dataclass
class MustFailEntry:
    columns: frozenset[str]  # any of these names may be reported
    why: str
    value_level: bool = True  # a value problem that error.failures must list
    table: str = "visits"  # or "medications"


@dataclass
class Case:
    trial: str
    visits: Any
    medications: Any = None
    columns: Any = None
    units: Any = None
    subject_column: Any = "subject_id"  # label of the visits' subject column (user name)
    meds_subject_column: Any = "subject_id"
    defects: list[str] = field(default_factory=list)
    must_fail: list[MustFailEntry] = field(default_factory=list)
    structural: bool = False  # a defect of the table's shape or of the arguments
    subjects_known: bool = True  # expected subjects can be read off the tables
    unknown_drugs: list[str] = field(default_factory=list)

    def kwargs(self) -> dict:
        out = {}
        if self.medications is not None:
            out["medications"] = self.medications
        if self.columns is not None:
            out["columns"] = self.columns
        if self.units is not None:
            out["units"] = self.units
        return out

    def expected_subjects(self) -> set[str] | None:
        if not self.subjects_known:
            return None
        found = set()
        for table, label in ((self.visits, self.subject_column),
                             (self.medications, self.meds_subject_column)):
            if not isinstance(table, pd.DataFrame) or table.columns.nlevels != 1:
                continue
            if label not in table.columns or table.columns.duplicated().any():
                continue
            found |= {text_id(x) for x in table[label] if not is_missing(x)}
        return found

    def names(self) -> set[str]:
        """Every name an error may use for a column (input labels, canonical names,
        mapping and unit keys, the medications table)."""
        out = set(CANONICAL) | {"subject_id", "day", "drug", "start_day", "end_day", "dose",
                                "route", "units", "columns", "medications"}
        for table in (self.visits, self.medications):
            if isinstance(table, pd.DataFrame):
                for label in table.columns:
                    out |= {str(part) for part in (label if isinstance(label, tuple)
                                                   else (label,))}
                    out.add(str(label))
                out |= {str(n) for n in table.index.names if n is not None}
        for mapping in (self.columns, self.units):
            if isinstance(mapping, dict):
                out |= {str(k) for k in mapping} | {str(v) for v in mapping.values()}
        return {n for n in out if n.strip()}

    def __repr__(self) -> str:
        def show(frame):
            if not isinstance(frame, pd.DataFrame):
                return repr(frame)
            with pd.option_context("display.max_columns", None, "display.width", 250,
                                   "display.max_colwidth", 40):
                dtypes = ", ".join(f"{c!r}: {t}" for c, t in frame.dtypes.items())
                return f"{frame!r}\n  dtypes {{{dtypes}}}\n  index {frame.index!r}"
        return (f"Case(trial={self.trial!r}, defects={self.defects}, columns={self.columns!r}, "
                f"units={self.units!r},\n visits=\n{show(self.visits)}\n medications=\n"
                f"{show(self.medications)})")


NON_NEGATIVE = ("upcr", "proteinuria_24h", "egfr", "creatinine", "age", "serum_albumin",
                "urine_rbc", "urine_wbc", "prednisone", "immunosuppressant_dose", "weight",
                "sledai", "pga")
GRIDS: dict[str, list[float]] = {
    "upcr": [0.1, 0.3, 0.45, 0.5, 1.2, 2.5, 4.0],
    "proteinuria_24h": [0.2, 0.5, 1.5, 3.5, 6.0],
    "egfr": [45.0, 60.0, 85.0, 100.0, 125.0],
    "creatinine": [0.6, 0.9, 1.3, 2.1],
    "age": [19.0, 34.0, 52.0],
    "serum_albumin": [2.4, 3.1, 3.9],
    "urine_rbc": [0.0, 4.0, 12.0],
    "urine_wbc": [0.0, 5.0, 9.0],
    "prednisone": [0.0, 5.0, 7.5, 10.0, 12.5, 30.0],
    "immunosuppressant_dose": [0.0, 1000.0, 2000.0],
    "weight": [52.0, 70.5],
    "sledai": [0.0, 2.0, 4.0, 8.0, 14.0],
    "pga": [0.0, 0.3, 1.0, 2.3, 3.0],
    "c3": [0.6, 0.9, 1.2],
    "c4": [0.08, 0.2],
    "anti_dsdna": [10.0, 150.0],
    "sf36": [40.0, 55.0],
    "lupusqol": [60.0, 70.0],
    "slicc_di": [0.0, 1.0],
    "promis_fatigue": [50.0, 60.0],
}
#: values in the unit users most often forget to declare (SPEC 2, plausibility)
SI_VALUES = {"upcr": [56.6, 113.1, 339.4, 452.5], "creatinine": [62.0, 88.4, 150.0],
             "serum_albumin": [24.0, 31.0, 39.0]}
PLAUSIBLE_MEDIAN = {"upcr": 20.0, "creatinine": 20.0, "serum_albumin": 10.0}
UNITS_VALID = {"upcr": ["mg/mmol", "mg/g", "g/g"], "creatinine": ["umol/L"],
               "serum_albumin": ["g/L"], "proteinuria_24h": ["mg/24h"]}
UNIT_DIVISOR = {"mg/mmol": 113.12, "mg/g": 1000.0, "g/g": 1.0, "umol/L": 88.42, "g/L": 10.0,
                "mg/24h": 1000.0}
BILAG_DOMAINS = ("constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal",
                 "cardiorespiratory", "gastrointestinal", "ophthalmic", "renal",
                 "haematological")
FLAGS = ("rbc_casts", "new_immunosuppressant", "rituximab")
CANONICAL = (*GRIDS, *FLAGS, *(f"bilag_{d}" for d in BILAG_DOMAINS), "sex", "arm")
DAY_POOL = [-28, -1, 0, 1, 28, 56, 84, 140, 168, 182, 196, 252, 336, 364, 365, 392]

# Medications as written in real data: (name, route, mg equal to 5 mg prednisone) ...
STEROIDS = [
    ("prednisone", "ORAL", 5.0), ("Prednisone tablet", None, 5.0),
    ("PREDNISOLONE", "ORAL", 5.0), ("prednisolone sodium phosphate", "ORAL", 5.0),
    ("Deltasone", "ORAL", 5.0), ("IV methylprednisolone", "IV", 4.0),
    ("methylprednisolone pulse", "IV", 4.0), ("Solu-Medrol", "IV", 4.0),
    ("Medrol", "ORAL", 4.0), ("Methylprednisolone sodium succinate", "IV", 4.0),
    ("hydrocortisone", "ORAL", 20.0), ("dexamethasone", "IM", 0.75),
    ("Decadron", "ORAL", 0.75), ("deflazacort", "ORAL", 6.0), ("cortisone", None, 25.0),
    ("triamcinolone", "IM", 4.0), ("betamethasone", "ORAL", 0.75),
    # truncations that fit one drug only are that drug (docs/interpretations.md)
    ("prednisolon", "ORAL", 5.0), ("methylprednisolon", "IV", 4.0), ("prednison", None, 5.0),
    ("methylpred", "IV", 4.0),
]
#: ... corticosteroids by routes that never count and are never an error
NOT_SYSTEMIC = [("hydrocortisone cream", "TOPICAL"), ("hydrocortisone", "TOPICAL"),
                ("budesonide", "RESPIRATORY (INHALATION)"), ("fluticasone", "NASAL"),
                ("triamcinolone", "INTRA-ARTICULAR"), ("dexamethasone eye drops", "OPHTHALMIC"),
                ("betamethasone valerate", "TOPICAL")]
#: immunosuppressants as written -> the drug (a regimen is new unless taken on day 0)
IMMUNOSUPPRESSANT_DRUG = {"CellCept": "mycophenolate", "mycophenolate mofetil": "mycophenolate",
                          "Prograf": "tacrolimus", "tacrolimus": "tacrolimus",
                          "azathioprine": "azathioprine", "IV cyclophosphamide": "cyclophosphamide"}
IMMUNOSUPPRESSANTS = list(IMMUNOSUPPRESSANT_DRUG)
RITUXIMAB = ["Rituxan", "MabThera", "rituximab-abbs", "RITUXIMAB", "rituximab"]
#: names that look like a corticosteroid but are not known: InputError when systemic
STEROID_TYPOS = ["prednisolonate", "fluprednisolone", "dexamethasonide"]
#: names that cannot be classified: listed in one EndpointsWarning (the dictionary knows
#: common concomitant drugs such as vitamin D and aspirin: those are "other", no warning)
UNKNOWN_DRUGS = ["Zyxolab", "XYZ-123", "study drug"]
SYSTEMIC_ROUTES = ["ORAL", "oral", "IV", "IM", "SC", None]
ROUTES = ["ORAL", "IV", "TOPICAL", "RESPIRATORY (INHALATION)", "INTRAVITREAL", "", None]


def _series(values: list, dtype: Any = None) -> pd.Series:
    """A column from Python values, in `dtype` when they fit it, else as pandas infers."""
    if dtype is not None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)  # a lossy cast: infer instead
                return pd.Series(values, dtype=dtype)
        except (TypeError, ValueError, OverflowError, RuntimeWarning):
            pass
    try:
        return pd.Series(values)
    except (TypeError, ValueError, OverflowError):
        return pd.Series(values, dtype=object)


def _id_renderer(kind: str, rep: str):
    """Function k -> the subject ID of subject k written in representation `rep`."""
    def render(base: Any) -> Any:
        if kind in ("str", "fractional", "bool") or not isinstance(base, int):
            return base
        return {"int": int, "float": float, "str": str, "np.int64": np.int64,
                "np.float64": np.float64, "negzero": lambda b: -0.0 if b == 0 else float(b),
                }[rep](base)
    return render


@st.composite
def subject_bases(draw, n: int) -> tuple[str, list]:
    kind = draw(st.sampled_from(["str", "int", "float", "mixed", "numpy", "fractional",
                                 "bool"]))
    if kind == "bool":
        return kind, [False, True][:min(n, 2)]
    if kind == "str":
        prefix = draw(st.sampled_from(["S", "pt-", "", "Ä", "S-0"]))
        return kind, [f"{prefix}{k + 1}" for k in range(n)]
    if kind == "fractional":
        return kind, [k + 0.5 for k in range(n)]
    offset = draw(st.sampled_from([0, 1, 7, 100, -3, 10**15]))
    return kind, [offset + k for k in range(n)]


def _rep_choices(kind: str) -> list[str]:
    return {"int": ["int"], "float": ["float", "negzero"], "mixed": ["int", "float", "str",
            "np.int64", "negzero"], "numpy": ["np.int64", "np.float64"]}.get(kind, ["int"])


@st.composite
def cases(draw, *, meds: bool | None = None, max_defects: int = 3,
          structural: bool = True, arm: bool | None = None) -> Case:
    """A visit table (and maybe medications) with 0..max_defects defects."""
    trial = draw(st.sampled_from(TRIALS))
    n = draw(st.integers(0, 5))
    kind, bases = draw(subject_bases(n))
    n = len(bases)
    visits_rep = draw(st.sampled_from(_rep_choices(kind)))
    per_row = kind in ("mixed", "numpy")
    # rows: (subject index, day), shuffled
    rows = []
    for k in range(n):
        days = draw(st.lists(st.sampled_from(DAY_POOL), min_size=1, max_size=5, unique=True))
        rows += [(k, d) for d in days]
    rows = draw(st.permutations(rows))
    size = len(rows)
    case = Case(trial=trial, visits=None)
    columns: dict[str, list] = {}
    dtypes: dict[str, Any] = {}

    def render_id(k: int, table_rep: str, row_level: bool) -> Any:
        rep = draw(st.sampled_from(_rep_choices(kind))) if row_level else table_rep
        return _id_renderer(kind, rep)(bases[k])

    columns["subject_id"] = [render_id(k, visits_rep, per_row) for k, _ in rows]
    day_kind = draw(st.sampled_from(["int", "int", "float", "Int64", "timedelta", "object",
                                     "numeric_str", "int32"]))
    day_values: list = [d for _, d in rows]
    if day_kind == "float":
        day_values = [float(d) for d in day_values]
    elif day_kind == "timedelta":
        day_values = [pd.Timedelta(days=d) for d in day_values]
        dtypes["day"] = "timedelta64[ns]"
    elif day_kind == "Int64":
        dtypes["day"] = "Int64"
    elif day_kind == "int32":
        dtypes["day"] = "int32"
    elif day_kind == "object":
        day_values = [draw(st.sampled_from([int, float, np.int64]))(d) for d in day_values]
        dtypes["day"] = object
    elif day_kind == "numeric_str":
        day_values = [str(d) for d in day_values]
        case.defects.append("day as numeric text")
    columns["day"] = day_values

    # clinical columns
    chosen = draw(st.sets(st.sampled_from(list(GRIDS)), max_size=8))
    if draw(st.booleans()):
        chosen |= {"upcr", "egfr", "sledai", "pga", "prednisone"}
    missing_rate = draw(st.sampled_from([0.0, 0.2]))
    for name in sorted(chosen):
        grid = GRIDS[name]
        rep = draw(st.sampled_from(["float", "float", "int", "text", "Float64", "blank"]))
        if name in SI_VALUES and draw(st.integers(0, 5)) == 0:
            grid, rep = SI_VALUES[name], "float"
            case.defects.append(f"{name} in SI units")
        values = []
        for _ in range(size):
            gone = missing_rate and draw(st.floats(0, 1)) < missing_rate
            v = draw(st.sampled_from(grid))
            if rep == "int":
                v = round(v)
            values.append(None if gone else v)
        if rep == "text":
            values = [None if v is None else str(v) for v in values]
        elif rep == "blank":
            values = ["" if v is None else v for v in values]
            dtypes[name] = object
        elif rep == "Float64":
            dtypes[name] = "Float64"
        elif rep == "int" and all(v is not None for v in values):
            dtypes[name] = "int64"
        columns[name] = values
    if draw(st.booleans()):
        lower = draw(st.booleans())
        for domain in draw(st.sets(st.sampled_from(BILAG_DOMAINS), max_size=4)):
            letters = draw(st.lists(st.sampled_from([*list("ABCDE"), None]), min_size=size,
                                    max_size=size))
            columns[f"bilag_{domain}"] = [x.lower() if (x and lower) else x for x in letters]
    for flag in draw(st.sets(st.sampled_from(FLAGS), max_size=2)):
        rep = draw(st.sampled_from(["bool", "boolean", "yesno", "int"]))
        values = draw(st.lists(st.booleans(), min_size=size, max_size=size))
        if rep == "yesno":
            values = ["yes" if v else "no" for v in values]
        elif rep == "int":
            values = [int(v) for v in values]
        elif rep == "boolean":
            dtypes[flag] = "boolean"
        columns[flag] = values
    if draw(st.booleans()):
        columns["sex"] = [draw(st.sampled_from(["F", "M", "female", "f"])) for _ in range(size)]
        columns.setdefault("age", [34.0] * size)
        columns.setdefault("creatinine", [0.9] * size)
    want_arm = draw(st.booleans()) if arm is None else arm
    if want_arm:
        arm_of = [draw(st.sampled_from(["MSC", "Placebo", "placebo", "MMF"])) for _ in range(n)]
        columns["arm"] = [arm_of[k] for k, _ in rows]

    # ---- cell-level defects -------------------------------------------------------
    bad_rows: set[int] = set()  # rows whose subject or day is unusable
    n_defects = draw(st.sampled_from([0, 0, 1, 1, 2, 3]).filter(lambda k: k <= max_defects))
    catalog = ["subject", "day", "value", "value", "duplicate", "bilag", "pga"]
    if structural:
        catalog += ["structure", "structure", "units", "mapping"]
    picked = [draw(st.sampled_from(catalog)) for _ in range(n_defects)]
    cell_fail: dict[tuple[str, int], MustFailEntry] = {}  # the last defect of a lab cell
    for defect in (d for d in picked if d not in ("duplicate", "structure", "units",
                                                   "mapping")):
        if size == 0:
            break
        i = draw(st.integers(0, size - 1))
        if defect == "subject":
            value = draw(st.sampled_from(["nan", "none", "list", "blank"]))
            if value == "list":
                columns["subject_id"][i] = [bases[rows[i][0]]] if n else ["x"]
                case.must_fail.append(MustFailEntry(frozenset({"subject_id"}),
                                                    "unhashable subject ID"))
            elif value == "blank":
                columns["subject_id"][i] = ""
                case.defects.append("blank subject ID")
                continue
            else:
                columns["subject_id"][i] = float("nan") if value == "nan" else None
                case.must_fail.append(MustFailEntry(frozenset({"subject_id"}),
                                                    "missing subject ID"))
            case.defects.append(f"subject ID {value}")
            bad_rows.add(i)
        elif defect == "day":
            what = draw(st.sampled_from(["fraction", "huge", "nonfinite", "text", "edge",
                                         "datetime", "date_text", "timedelta_fraction"]))
            if what == "edge":
                if i in bad_rows:  # keep the error an earlier defect put in this row
                    continue
                columns["day"][i] = draw(st.sampled_from([100_000, -100_000]))
                case.defects.append("day at the +-100000 edge")
                continue
            if what in ("fraction", "huge", "nonfinite", "text"):
                dtypes.pop("day", None)  # in a timedelta64 column 0.5 would be 0.5 ns
            if what == "datetime":
                columns["day"] = [pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(d))
                                  for _, d in rows]
                dtypes["day"] = "datetime64[ns]"
            elif what == "date_text":
                columns["day"] = [str((pd.Timestamp("2024-01-01")
                                       + pd.Timedelta(days=int(d))).date()) for _, d in rows]
                dtypes.pop("day", None)
            elif what == "timedelta_fraction":
                columns["day"][i] = pd.Timedelta(days=rows[i][1], hours=12)
            else:
                columns["day"][i] = draw(st.sampled_from({
                    "fraction": [0.5, 27.5, -0.25],
                    "huge": [2**63 - 1, -(2**63), 1e30, -1e30, 2**53 + 0.0, 200_000,
                             -100_001],
                    "nonfinite": [math.inf, -math.inf, math.nan, None],
                    "text": ["day 40", "", "  ", "Week 4"],
                }[what]))
            case.must_fail.append(MustFailEntry(frozenset({"day"}), f"day {what}"))
            case.defects.append(f"day {what}")
            bad_rows.update(range(size) if what in ("datetime", "date_text") else {i})
        elif defect == "value":
            name = draw(st.sampled_from(sorted(chosen) or ["upcr"]))
            if name not in columns:
                columns[name] = [draw(st.sampled_from(GRIDS[name])) for _ in range(size)]
                chosen.add(name)
            dtypes.pop(name, None)
            what = draw(st.sampled_from(["negative", "inf", "text", "bool", "huge",
                                         "numeric_text"]))
            columns[name][i] = {
                "negative": -draw(st.sampled_from([0.5, 1.0, 1e-9])),
                "inf": draw(st.sampled_from([math.inf, -math.inf])),
                "text": draw(st.sampled_from(["high", "positive", "<0.1", "1,5"])),
                "bool": True, "huge": 1e308, "numeric_text": "1.5",
            }[what]
            case.defects.append(f"{name} {what}")
            # "<0.1" (below a limit) and "1,5" (decimal comma) may have a documented rule
            ambiguous = what == "text" and columns[name][i] in ("<0.1", "1,5")
            cell_fail.pop((name, i), None)
            if name in NON_NEGATIVE and what in ("negative", "inf", "text") and not ambiguous:
                cell_fail[(name, i)] = MustFailEntry(frozenset({name}), f"{name} {what}")
        elif defect == "bilag":
            domain = draw(st.sampled_from(BILAG_DOMAINS))
            column = columns.setdefault(f"bilag_{domain}", ["C"] * size)
            bad = draw(st.sampled_from(["F", "AB", "1", "X", "b", " c "]))
            column[i] = bad
            case.defects.append(f"bilag_{domain} {bad!r}")
            cell_fail.pop((f"bilag_{domain}", i), None)
            if bad.strip().upper() not in "ABCDE" or len(bad.strip()) != 1:
                cell_fail[(f"bilag_{domain}", i)] = MustFailEntry(
                    frozenset({f"bilag_{domain}"}), "BILAG grade outside A-E")
        elif defect == "pga":
            column = columns.setdefault("pga", [1.0] * size)
            dtypes.pop("pga", None)
            column[i] = draw(st.sampled_from([3.5, 4, -0.5, 3.0000001]))
            case.defects.append(f"pga {column[i]}")
            cell_fail[("pga", i)] = MustFailEntry(frozenset({"pga"}), "PGA outside 0-3")
    case.must_fail += list(cell_fail.values())
    if "duplicate" in picked and size:
        i = draw(st.integers(0, size - 1))
        k = rows[i][0]
        rows.append(rows[i])
        for values in columns.values():
            values.append(values[i])
        if kind not in ("str", "fractional", "bool") and draw(st.booleans()):
            columns["subject_id"][-1] = _id_renderer(kind, draw(st.sampled_from(
                ["int", "float", "negzero", "np.int64"])))(bases[k])
        size += 1
        case.defects.append("two rows for one subject and day")
        if i not in bad_rows:
            case.must_fail.append(MustFailEntry(frozenset({"day", "subject_id"}),
                                                "two rows for the same subject and day"))
    frame = pd.DataFrame({name: _series(values, dtypes.get(name))
                          for name, values in columns.items()})
    if not size:  # pd.DataFrame of empty lists: every column object; keep real dtypes
        frame = frame.astype({"subject_id": object, "day": "int64"})

    # ---- structural defects ---------------------------------------------------------
    mapping: dict | None = None
    for defect in (d for d in picked if d in ("structure", "units", "mapping")):
        if defect == "units":
            what = draw(st.sampled_from(["valid", "unknown", "list", "none_value",
                                         "non_string_key", "absent_column"]))
            case.defects.append(f"units {what}")
            if what == "valid":
                name = draw(st.sampled_from(sorted(UNITS_VALID)))
                case.units = {name: draw(st.sampled_from(UNITS_VALID[name]))}
            elif what == "unknown":
                name = draw(st.sampled_from(["upcr", "creatinine", "sledai", "c3"]))
                case.units = {name: draw(st.sampled_from(["furlongs", "mmol/L", "", "mg/dl "]))}
                case.structural = True
                if case.units[name] == "furlongs":  # the others may be known, or "no unit"
                    case.must_fail.append(MustFailEntry(frozenset({name}), "unknown unit",
                                                        value_level=False))
            elif what == "list":
                case.units = ["upcr=mg/mmol"]
                case.structural = True
            elif what == "none_value":
                case.units = {"upcr": None}
                case.structural = True
            elif what == "non_string_key":
                case.units = {0: "mg/mmol"}
                case.structural = True
            else:
                case.units = {"serum_albumin": "g/L"}  # valid unit, absent column is fine
            continue
        if defect == "mapping":
            what = draw(st.sampled_from(["rename", "rename", "clash", "absent", "two_to_one",
                                         "non_string"]))
            case.defects.append(f"columns= {what}")
            if what == "rename":
                mapping = {"USUBJID": "subject_id", "ADY": "day"}
                if "upcr" in frame.columns and draw(st.booleans()):
                    mapping["UPCR"] = "upcr"
                frame = frame.rename(columns={v: k for k, v in mapping.items()})
                case.subject_column = "USUBJID"
                for entry in case.must_fail:
                    entry.columns |= {u for u, c in mapping.items() if c in entry.columns}
            elif what == "clash":
                frame = frame.copy()
                frame["USUBJID"] = "S1"
                mapping = {"USUBJID": "subject_id"}
                case.structural = True
            elif what == "absent":
                mapping = {"PATID": "subject_id"}
                case.structural = True
            elif what == "two_to_one":
                frame = frame.assign(UPCR_A=1.0, UPCR_B=2.0)
                mapping = {"UPCR_A": "upcr", "UPCR_B": "upcr"}
                case.structural = True
            else:
                mapping = {0: "day"}
                case.structural = True
            case.columns = mapping
            continue
        what = draw(st.sampled_from([
            "dup_column", "multiindex_columns", "non_string_labels", "index_strings",
            "index_duplicates", "index_multi", "index_datetime", "day_index_and_column",
            "day_only_in_index", "drop_required", "empty_frame", "zero_rows"]))
        case.defects.append(what)
        plain = frame.columns.nlevels == 1 and frame.columns.is_unique
        if what == "dup_column" and frame.shape[1]:
            label = draw(st.sampled_from(list(frame.columns)))
            frame = pd.concat([frame, frame.loc[:, [label]]], axis=1)
            case.structural = True
        elif what == "multiindex_columns":
            second = draw(st.sampled_from(["", "x"]))
            frame = frame.set_axis(pd.MultiIndex.from_arrays(
                [list(frame.columns), [second] * frame.shape[1]]), axis=1)
            case.structural = True
        elif what == "non_string_labels" and plain:
            extra = draw(st.sampled_from([0, 1.5, True, ("a", "b"), None]))
            frame = frame.copy()
            frame[extra] = 1.0
            case.structural = True
        elif what == "index_strings":
            frame.index = [f"r{j}" for j in range(len(frame))]
        elif what == "index_duplicates":
            frame.index = [7] * len(frame)
        elif what == "index_multi":
            frame.index = pd.MultiIndex.from_arrays([list(range(len(frame))),
                                                     ["a"] * len(frame)])
        elif what == "index_datetime":
            frame.index = pd.date_range("2024-01-01", periods=len(frame), freq="D")
        elif what == "day_index_and_column" and plain and "day" in frame.columns:
            frame = frame.set_index("day", drop=False)
        elif what == "day_only_in_index" and plain and "day" in frame.columns:
            frame = frame.set_index("day")
            case.structural = True
        elif what == "drop_required" and plain:
            label = draw(st.sampled_from(["subject_id", "day"]))
            if label in frame.columns:
                frame = frame.drop(columns=label)
                case.must_fail.append(MustFailEntry(frozenset({label}), "required column "
                                                    "missing", value_level=False))
                case.structural = True
        elif what == "empty_frame":
            frame = pd.DataFrame()
            case.must_fail = [MustFailEntry(frozenset({"subject_id", "day"}),
                                            "required columns missing", value_level=False)]
            case.structural = True
        elif what == "zero_rows":
            frame = frame.iloc[:0]
            case.must_fail = [e for e in case.must_fail if not e.value_level]
    if frame.columns.nlevels == 1 and isinstance(case.columns, dict):
        # a mapping may supply a required column that a later defect dropped (or whose
        # clash a later drop removed): then the table is valid, and its subjects are
        # those of the mapped column
        supplied = {t: u for u, t in case.columns.items() if u in frame.columns}
        case.must_fail = [e for e in case.must_fail if not (
            e.why == "required column missing" and e.columns <= set(supplied)
            and not e.columns & set(frame.columns))]
        if "subject_id" in supplied and "subject_id" not in frame.columns:
            case.subject_column = supplied["subject_id"]
    if frame.columns.nlevels > 1 or case.subject_column not in frame.columns:
        case.subjects_known = frame.columns.nlevels == 1
    case.visits = frame

    # ---- medications ----------------------------------------------------------------
    if meds is None:
        meds = draw(st.booleans())
    if meds:
        case.medications = draw(medication_tables(kind, bases, case, structural=structural))
    return case


@st.composite
def medication_tables(draw, kind: str, bases: list, case: Case, *, structural: bool = True):
    """Dosing records of the visit subjects (IDs maybe written differently) and of
    subjects only in this table; with drug names as written and 0..3 defects."""
    meds_rep = draw(st.sampled_from([*_rep_choices(kind), "float", "str"]))
    n_only = draw(st.integers(0, 2))
    only = ([f"MED-{j}" for j in range(n_only)] if kind in ("str", "bool", "fractional")
            else [90_000 + j for j in range(n_only)])
    pool = list(bases) + only
    n = draw(st.integers(0, 6)) if pool else 0
    records = []
    for _ in range(n):
        base = draw(st.sampled_from(pool))
        subject = _id_renderer(kind, meds_rep)(base) if isinstance(base, int) and \
            kind not in ("bool",) else base
        group = draw(st.sampled_from(["steroid", "steroid", "not_systemic", "immuno",
                                      "rituximab", "unknown"]))
        if group == "steroid":
            name, route, _ = draw(st.sampled_from(STEROIDS))
            route = draw(st.sampled_from([route, "ORAL", None]))
        elif group == "not_systemic":
            name, route = draw(st.sampled_from(NOT_SYSTEMIC))
        else:
            name = draw(st.sampled_from({"immuno": IMMUNOSUPPRESSANTS, "rituximab": RITUXIMAB,
                                         "unknown": UNKNOWN_DRUGS}[group]))
            route = draw(st.sampled_from(ROUTES))
            if group == "unknown":
                case.unknown_drugs.append(name)
        start = draw(st.sampled_from([-30, 0, 1, 10, 84, 150, 200, 300]))
        end = draw(st.sampled_from([None, 0, 2, 30, 100, 400]))
        dose = draw(st.sampled_from([1.0, 2.5, 5.0, 10.0, 20.0, 500.0, 1000.0]))
        records.append({"subject_id": subject, "drug": name, "route": route,
                        "start_day": start, "end_day": None if end is None else start + end,
                        "dose": dose})
    frame_cols = {c: [r[c] for r in records]
                  for c in ("subject_id", "drug", "route", "start_day", "end_day", "dose")}
    dtypes: dict[str, Any] = {}
    if draw(st.booleans()):
        dtypes["end_day"] = "Int64"
    n_defects = draw(st.integers(0, 3))
    catalog = ["subject", "start", "end", "dose", "drug"]
    if structural:
        catalog += ["structure"]
    structure = None
    end_before: set[int] = set()  # records given end_day = start_day - 5
    mf: list[MustFailEntry] = []  # problems of the table as a whole
    cell_fail: dict[tuple[str, int], MustFailEntry] = {}  # the last defect of each cell
    for defect in (draw(st.sampled_from(catalog)) for _ in range(n_defects)):
        if defect == "structure":
            structure = draw(st.sampled_from(["dup_column", "drop_column", "empty_frame",
                                              "not_a_frame", "no_route", "no_end"]))
            continue
        if not records:
            continue
        i = draw(st.integers(0, len(records) - 1))
        if defect == "subject":
            what = draw(st.sampled_from(["nan", "list"]))
            frame_cols["subject_id"][i] = math.nan if what == "nan" else ["S1"]
            cell_fail[("subject_id", i)] = MustFailEntry(frozenset({"subject_id"}),
                                                         f"medications subject {what}")
            case.defects.append(f"medications subject {what}")
        elif defect == "start":
            value = draw(st.sampled_from([math.inf, "day 3", math.nan, 1e30, 2**40, 0.5, ""]))
            frame_cols["start_day"][i] = value
            case.defects.append(f"medications start_day {value!r}")
            cell_fail.pop(("start_day", i), None)
            if value in ("day 3",) or (isinstance(value, float) and math.isinf(value)):
                cell_fail[("start_day", i)] = MustFailEntry(frozenset({"start_day"}),
                                                            "bad start_day")
        elif defect == "end":
            start = frame_cols["start_day"][i]
            value = draw(st.sampled_from(["before", "ongoing", math.inf, math.nan]))
            end_before.discard(i)
            if value == "before":
                if not isinstance(start, int):
                    continue
                value = start - 5
                end_before.add(i)  # an error if start_day is still a number after it
            frame_cols["end_day"][i] = value
            dtypes.pop("end_day", None)
            case.defects.append(f"medications end_day {value!r}")
            cell_fail.pop(("end_day", i), None)
            if isinstance(value, str) or (isinstance(value, float) and math.isinf(value)):
                cell_fail[("end_day", i)] = MustFailEntry(frozenset({"end_day"}), "bad end_day")
        elif defect == "dose":
            value = draw(st.sampled_from([-10.0, "500 mg", None]))
            frame_cols["dose"][i] = value
            case.defects.append(f"medications dose {value!r}")
            cell_fail.pop(("dose", i), None)
            if value is not None:
                cell_fail[("dose", i)] = MustFailEntry(frozenset({"dose"}), "bad dose")
        elif defect == "drug":
            value = draw(st.sampled_from([*STEROID_TYPOS, "", None, "  "]))
            frame_cols["drug"][i] = value
            case.defects.append(f"medications drug {value!r}")
            cell_fail.pop(("drug", i), None)
            if value in STEROID_TYPOS:
                frame_cols["route"][i] = draw(st.sampled_from(SYSTEMIC_ROUTES))
                cell_fail[("drug", i)] = MustFailEntry(frozenset({"drug"}),
                                                       "unknown corticosteroid")
    mf += list(cell_fail.values())
    for i in end_before:
        start = frame_cols["start_day"][i]
        if isinstance(start, int | float) and start == start and start > frame_cols["end_day"][i]:
            mf.append(MustFailEntry(frozenset({"end_day"}), "end_day before start_day"))
    frame = pd.DataFrame({c: _series(v, dtypes.get(c)) for c, v in frame_cols.items()})
    if not records:
        frame = frame.astype({"start_day": "int64", "dose": "float64"})
    if structure in ("drop_column", "no_end", "empty_frame"):  # the problems went with it
        label = {"no_end": "end_day", "empty_frame": None}.get(
            structure, draw(st.sampled_from(["subject_id", "drug", "start_day", "dose"])))
        mf = [e for e in mf if label is not None and label not in e.columns]
        if structure == "drop_column":
            structure = ("drop_column", label)
    for entry in mf:
        entry.table = "medications"
    case.must_fail += mf
    if structure is not None:
        case.defects.append(f"medications {structure}")
        if structure == "dup_column":
            label = draw(st.sampled_from(list(frame.columns)))
            frame = pd.concat([frame, frame[[label]]], axis=1)
            case.structural = True
        elif isinstance(structure, tuple):  # ("drop_column", label)
            label = structure[1]
            frame = frame.drop(columns=label)
            case.structural = True
            if label != "dose" and records:
                case.must_fail.append(MustFailEntry(frozenset({label}), "required "
                                                    "medications column", value_level=False,
                                                    table="medications"))
        elif structure == "empty_frame":  # no columns: an error, or no records (unclear)
            frame = pd.DataFrame()
            case.structural = True
        elif structure == "not_a_frame":
            case.structural = True
            return frame.to_dict("records")
        elif structure == "no_route":
            frame = frame.drop(columns="route")
        elif structure == "no_end":
            frame = frame.drop(columns="end_day")
    return frame


# --------------------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------------------


def _names_word(message: str, name: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", message) is not None


def check_input_error(err: BaseException, case: Case, what: str, *,
                      complete: bool = True, tables: tuple[str, ...] = ("visits", "medications")
                      ) -> None:
    """`complete`: every injected value problem must be listed (not on the dask path,
    where each partition is validated on its own and the first failing one is reported,
    as the distributed module documents)."""
    if not isinstance(err, ep.InputError):
        return
    message = str(err)
    expect(bool(message.strip()), BadInputError, f"{what}: InputError with an empty message")
    whole = err.column.startswith("(") or err.column.endswith("=")  # a table or an argument
    expect(whole or any(_names_word(message, n) for n in case.names()), BadInputError,
           f"{what}: InputError names no column: {message!r}")
    value_problems = [e for e in case.must_fail if e.value_level and e.table in tables]
    failures = getattr(err, "failures", None)  # new in the SPEC: every problem in one error
    expect(isinstance(failures, pd.DataFrame), BadInputError,
           f"{what}: InputError has no `failures` DataFrame ({message!r})")
    if not isinstance(failures, pd.DataFrame):
        return
    expect(FAILURE_COLUMNS <= set(map(str, failures.columns)), BadInputError,
           f"{what}: error.failures lacks {FAILURE_COLUMNS - set(failures.columns)}")
    expect(len(failures) >= 1, BadInputError, f"{what}: error.failures is empty")
    if "column" in failures.columns and not case.structural and value_problems and complete:
        listed = {str(c) for c in failures["column"]}
        for entry in value_problems:
            expect(bool(entry.columns & listed), IncompleteFailures,
                   f"{what}: error.failures does not list {entry.why} "
                   f"({sorted(entry.columns)}); it lists {sorted(listed)}")


def check_unchanged(case: Case, before: dict, what: str) -> None:
    for name, old in before.items():
        new = getattr(case, name)
        if isinstance(old, pd.DataFrame):
            try:
                pd.testing.assert_frame_equal(new, old, check_exact=True)
                ok = list(new.dtypes) == list(old.dtypes) and new.index.equals(old.index)
                message = "dtypes or index changed"
            except AssertionError as exc:
                ok, message = False, str(exc)[:300]
            expect(ok, InputMutated, f"{what} changed the {name} table: {message}")
        else:
            expect(repr(new) == repr(old), InputMutated, f"{what} changed {name}= "
                                                         f"{old!r} -> {new!r}")


def check_result(out: Any, case: Case, what: str = "score") -> None:
    expect(isinstance(out, pd.DataFrame), WrongColumns, f"{what} returned {type(out)}")
    if not isinstance(out, pd.DataFrame):
        return
    expect(list(out.columns) == RESULT_COLUMNS, WrongColumns,
           f"{what} columns {list(out.columns)}")
    if list(out.columns) != RESULT_COLUMNS:
        return
    dtypes = out.dtypes
    for column in ("trial_id", "subject_id", "endpoint", "timepoint", "category", "reason"):
        expect(isinstance(dtypes[column], pd.StringDtype | pd.CategoricalDtype), WrongColumns,
               f"{what}: {column} has dtype {dtypes[column]}")
    for column, dtype in (("day", "Int64"), ("result", "boolean"), ("value", "Float64")):
        expect(str(dtypes[column]) == dtype, WrongColumns,
               f"{what}: {column} has dtype {dtypes[column]}, not {dtype}")

    trial = ep.get_trial(case.trial)
    tasks = {(e.name, tp) for e in trial.endpoints for tp in e.timepoints}
    subjects = [str(s) for s in out["subject_id"].astype(object)]
    keys = list(zip(subjects, out["endpoint"].astype(str), out["timepoint"].astype(str),
                    strict=True))
    counts = pd.Series(keys, dtype=object).value_counts() if keys else pd.Series(dtype=int)
    expect(bool((counts == 1).all()), WrongRows,
           f"{what}: repeated subject x endpoint x timepoint rows: "
           f"{list(counts[counts > 1].index[:3])}")
    expected = case.expected_subjects()
    if expected is not None:
        got = set(subjects)
        expect(not (expected - got), SubjectMissing,
               f"{what}: subjects {sorted(expected - got)[:5]} (SPEC text form) are missing; "
               f"result has {sorted(got)[:8]}")
        expect(not (got - expected), ExtraSubject,
               f"{what}: result subjects {sorted(got - expected)[:5]} are not the SPEC text "
               f"form of any input ID (expected {sorted(expected)[:8]})")
        want = {(s, e, tp) for s in got for e, tp in tasks}
        expect(set(keys) == want, WrongRows,
               f"{what}: rows missing {sorted(want - set(keys))[:3]} / unexpected "
               f"{sorted(set(keys) - want)[:3]}")
    result = out["result"].astype("boolean")
    reason = out["reason"].astype("string")
    bad = (result.isna() | (result == False)).fillna(True).to_numpy(dtype=bool)  # noqa: E712
    empty = reason.isna() | (reason.str.strip() == "")
    empty = empty.fillna(True).to_numpy(dtype=bool)
    expect(not (bad & empty).any(), EmptyReason,
           f"{what}: result False/<NA> without a reason: "
           f"{out[bad & empty].head(3).to_dict('records')}")


def check_meds_warnings(outcome: Outcome, case: Case) -> None:
    if not case.unknown_drugs or not isinstance(case.medications, pd.DataFrame):
        return
    if "drug" not in case.medications.columns or case.structural:
        return
    text = " ".join(endpoints_warnings(outcome)).lower()
    present = {str(d) for d in case.medications["drug"].astype(object)}
    for name in set(case.unknown_drugs) & present:
        expect(name.lower() in text, UnknownDrugSilent,
               f"unclassified drug {name!r} is in no EndpointsWarning "
               f"(warnings: {endpoints_warnings(outcome)})")


def check_plausibility(outcome: Outcome, case: Case) -> None:
    frame = case.visits
    if case.structural or not isinstance(frame, pd.DataFrame) or frame.columns.nlevels > 1:
        return
    inverse = {v: k for k, v in (case.columns or {}).items()}
    text = " ".join(endpoints_warnings(outcome))
    for name, limit in PLAUSIBLE_MEDIAN.items():
        label = inverse.get(name, name)
        if label not in frame.columns:
            continue
        try:
            values = pd.to_numeric(frame[label].astype(object), errors="coerce")
            values = values[np.isfinite(values.astype(float))]
        except (TypeError, ValueError):
            continue
        if isinstance(case.units, dict) and case.units.get(name) in UNIT_DIVISOR:
            values = values / UNIT_DIVISOR[case.units[name]]
        if len(values) and float(values.median()) > 1.25 * limit:
            expect(_names_word(text, name) or _names_word(text, str(label)),
                   NoPlausibilityWarning,
                   f"median {name} {float(values.median()):g} is implausible in its declared "
                   f"unit, but no EndpointsWarning names it (warnings: "
                   f"{endpoints_warnings(outcome)})")


def permuted(case: Case, order: str, seed: int) -> Case:
    """The same case with the rows of both tables reversed or shuffled."""
    def reorder(frame):
        if not isinstance(frame, pd.DataFrame) or len(frame) < 2:
            return frame
        if order == "reversed":
            return frame.iloc[::-1]
        return frame.iloc[np.random.default_rng(seed).permutation(len(frame))]
    return Case(**{**case.__dict__, "visits": reorder(case.visits),
                   "medications": reorder(case.medications)})


def textual_ids(case: Case) -> Case | None:
    """The same case with every subject ID replaced by its text form (a str)."""
    tables = {}
    for name, label in (("visits", case.subject_column),
                        ("medications", case.meds_subject_column)):
        table = getattr(case, name)
        if table is None:
            continue
        if (not isinstance(table, pd.DataFrame) or table.columns.nlevels != 1
                or not table.columns.is_unique or label not in table.columns):
            return None
        ids = table[label].astype(object)
        if any(is_missing(x) or isinstance(x, list) for x in ids):
            return None
        tables[name] = table.assign(**{label: [text_id(x) for x in ids]})
    return Case(**{**case.__dict__, **tables})


def integer_days(case: Case) -> Case | None:
    """The same case with `day` as int64 study days, if it holds whole days written
    otherwise (timedelta64 of whole days, whole floats, Int64, int32, numeric text)."""
    frame = case.visits
    label = next((u for u, c in (case.columns or {}).items() if c == "day"), "day")
    if (not isinstance(frame, pd.DataFrame) or frame.columns.nlevels != 1
            or not frame.columns.is_unique or label not in frame.columns
            or frame[label].dtype == np.int64):
        return None
    days = []
    for x in frame[label].astype(object):
        if isinstance(x, pd.Timedelta) and not pd.isna(x):
            if x % pd.Timedelta(days=1) != pd.Timedelta(0):
                return None
            x = x.days
        elif isinstance(x, str):
            try:
                x = float(x)
            except ValueError:
                return None
        if isinstance(x, bool | np.bool_) or not isinstance(x, int | float | np.number):
            return None
        if not (math.isfinite(x) and float(x).is_integer() and abs(x) <= 100_000):
            return None
        days.append(int(x))
    return Case(**{**case.__dict__,
                   "visits": frame.assign(**{label: np.array(days, dtype=np.int64)})})


def _scores_alike(twin_case: Case, trial: str, expected: pd.DataFrame) -> tuple[bool, str]:
    """Does `twin_case` (the same data written another way) score to `expected`?"""
    twin = call(ep.score, twin_case.visits, trial, **twin_case.kwargs())
    try:
        assert twin.error is None, f"raised {type(twin.error).__name__}: {twin.error}"
        pd.testing.assert_frame_equal(twin.value, expected)
    except AssertionError as exc:
        return False, str(exc)[:400]
    return True, ""


def score_and_check(case: Case, seed: int = 0, *, orders: bool = True) -> Outcome:
    """Properties 1-3 of one call of ep.score (and its reversed / shuffled twins)."""
    show(repr(case))
    before = {"visits": snapshot(case.visits), "medications": snapshot(case.medications),
              "columns": snapshot(case.columns), "units": snapshot(case.units)}
    outcome = call(ep.score, case.visits, case.trial, **case.kwargs())
    check_unchanged(case, before, "score")
    check_no_leak(outcome, "score")
    check_warnings(outcome, "score")
    if outcome.error is None:
        expect(not case.must_fail, MustFail,
               f"score accepted input the SPEC calls an error: "
               f"{[e.why for e in case.must_fail]}")
        check_result(outcome.value, case)
        check_meds_warnings(outcome, case)
        check_plausibility(outcome, case)
    else:
        check_input_error(outcome.error, case, "score")
    if not orders:
        return outcome
    comparable = outcome.error is None and not case.structural
    twin_case = textual_ids(case) if comparable else None
    if twin_case is not None:
        same, detail = _scores_alike(twin_case, case.trial, outcome.value)
        expect(same, IdFormDependent,
               f"score differs when every subject ID is written as its text form: {detail}")
    day_case = integer_days(case) if comparable else None
    if day_case is not None:
        same, detail = _scores_alike(day_case, case.trial, outcome.value)
        expect(same, DayFormDependent, f"score with day {case.visits.dtypes.get('day')} "
                                       f"differs from score with int64 days: {detail}")
    for order in ("reversed", "shuffled"):
        twin = call(ep.score, permuted(case, order, seed).visits, case.trial,
                    **permuted(case, order, seed).kwargs())
        if outcome.error is None and twin.error is None:
            try:
                pd.testing.assert_frame_equal(twin.value, outcome.value)
                same, detail = True, ""
            except AssertionError as exc:
                same, detail = False, str(exc)[:400]
            expect(same, OrderDependent, f"score of the {order} rows differs: {detail}")
        elif (outcome.error is None) != (twin.error is None):
            failed = outcome.error or twin.error
            expect(False, OrderDependent,
                   f"score of the {'original' if outcome.error else order} rows raised "
                   f"{type(failed).__name__}: {failed!s:.200}; the other returned")
        elif isinstance(outcome.error, ep.InputError) and isinstance(twin.error, ep.InputError):
            expect(where_of(outcome.error) == where_of(twin.error), OrderDependent,
                   f"the {order} rows name another first problem: {outcome.error!s:.200} vs "
                   f"{twin.error!s:.200}")
    return outcome


# --------------------------------------------------------------------------------------
# Tests: score
# --------------------------------------------------------------------------------------


@surveyed
@examples(150, 2000)
@given(case=cases(meds=False), seed=st.integers(0, 2**32 - 1))
def test_score_messy_visits(case, seed):
    score_and_check(case, seed)


@surveyed
@examples(150, 2000)
@given(case=cases(meds=True), seed=st.integers(0, 2**32 - 1))
def test_score_messy_visits_and_medications(case, seed):
    score_and_check(case, seed)


@st.composite
def records_as_written(draw):
    """One subject with clean visits and 1-3 dosing records of one kind of drug name."""
    group = draw(st.sampled_from(["steroid", "steroid", "not_systemic", "immuno",
                                  "rituximab", "unknown", "typo"]))
    case_style = draw(st.sampled_from([str, str.upper, str.lower, str.title]))
    records = []
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.sampled_from([-10, 0, 5, 100, 200, 360]))
        length = draw(st.sampled_from([1, 3, 30, 500]))
        dose = draw(st.sampled_from([2.5, 5.0, 10.0, 500.0]))
        if group == "steroid":
            name, route, equivalent = draw(st.sampled_from(STEROIDS))
            route = draw(st.sampled_from([route, route and route.lower(), None]))
        elif group == "not_systemic":
            (name, route), equivalent = draw(st.sampled_from(NOT_SYSTEMIC)), None
            dose = draw(st.sampled_from([dose, None]))  # topical: often no dose; no error
        else:
            name = draw(st.sampled_from({"immuno": IMMUNOSUPPRESSANTS, "rituximab": RITUXIMAB,
                                         "unknown": UNKNOWN_DRUGS, "typo": STEROID_TYPOS}[group]))
            route, equivalent = draw(st.sampled_from(SYSTEMIC_ROUTES)), None
        records.append({"subject_id": "S1", "drug": case_style(name), "route": route,
                        "start_day": start, "end_day": start + length - 1, "dose": dose,
                        "_equivalent": equivalent, "_drug": IMMUNOSUPPRESSANT_DRUG.get(name)})
    return group, records


@surveyed
@examples(100, 1500)
@given(drawn=records_as_written())
def test_medication_records_as_written(drawn):
    """SPEC 2 "Medications: what a record is": names as written (brands, salts, route and
    formulation words, case), systemic routes only, typos of steroids are errors,
    unclassifiable names are warned about."""
    group, records = drawn
    meds = pd.DataFrame(records).drop(columns=["_equivalent", "_drug"])
    show(f"group={group}\n{meds!r}")
    visits = pd.DataFrame({"subject_id": ["S1"] * 4, "day": [0, 84, 168, 365]})
    steroid = call(ep.score, visits, "NCT02633163", medications=meds)
    failure = call(ep.score, visits, "NCT03917797", medications=meds)
    for outcome in (steroid, failure):
        check_no_leak(outcome, "score")
        check_warnings(outcome, "score")
    if group == "typo":
        for outcome in (steroid, failure):
            expect(isinstance(outcome.error, ep.InputError), MustFail,
                   f"misspelt corticosteroid {meds.drug.tolist()} was not an InputError")
            if outcome.error is not None:
                expect("drug" in str(outcome.error), BadInputError,
                       f"error does not name the drug column: {outcome.error}")
        return
    for outcome in (steroid, failure):
        expect(outcome.error is None, WrongMedication,
               f"clean records of {group} drugs {meds.drug.tolist()} were rejected: "
               f"{type(outcome.error).__name__}: {outcome.error!s:.200}")
    if steroid.error is not None or failure.error is not None:
        return
    dose_row = steroid.value[steroid.value.endpoint == "cumulative_steroid_dose"]
    total = 0.0
    for r in records:
        if r["_equivalent"] is not None:
            days = max(0, min(r["end_day"], 363) - max(r["start_day"], 0) + 1)
            total += r["dose"] * 5.0 / r["_equivalent"] * days
    expect(len(dose_row) == 1, WrongRows, f"{len(dose_row)} cumulative_steroid_dose rows")
    got = dose_row["value"].iloc[0] if len(dose_row) == 1 else None
    written = [(r["drug"], r["route"], r["dose"], r["start_day"], r["end_day"]) for r in records]
    expect(got is not None and not pd.isna(got)
           and abs(float(got) - total) < 1e-6 * max(1.0, total), WrongMedication,
           f"cumulative_steroid_dose of {written} (drug, route, dose, start, end) is {got}, "
           f"expected {total:g} (prednisone-equivalent mg over days 0-363)")
    if group in ("immuno", "rituximab", "unknown", "not_systemic"):
        if group == "immuno":  # started in the period, and that drug not taken on day 0
            on_day0 = {r["_drug"] for r in records if r["start_day"] <= 0 <= r["end_day"]}
            expected = any(0 < r["start_day"] <= 365 and r["_drug"] not in on_day0
                           for r in records)
        elif group == "rituximab":  # given in the period
            expected = any(0 < r["start_day"] <= 365 for r in records)
        else:
            expected = False
        row = failure.value[(failure.value.endpoint == "treatment_failure")
                            & (failure.value.timepoint == "month 12")]
        expect(len(row) == 1, WrongRows, f"{len(row)} treatment_failure month 12 rows")
        got = row["result"].iloc[0] if len(row) == 1 else None
        expect(got is not None and not pd.isna(got) and bool(got) == expected, WrongMedication,
               f"treatment_failure at month 12 with {group} records "
               f"{[(r['drug'], r['route'], r['start_day']) for r in records]} is {got}, "
               f"expected {expected}")
    if group == "unknown":
        text = " ".join(endpoints_warnings(steroid)).lower()
        for r in records:
            expect(str(r["drug"]).lower() in text, UnknownDrugSilent,
                   f"unclassified drug {r['drug']!r} is in no EndpointsWarning")


# --------------------------------------------------------------------------------------
# Tests: summarize, to_adam, flare_events
# --------------------------------------------------------------------------------------


@surveyed
@examples(80, 1200)
@given(case=cases(max_defects=1, arm=True), data=st.data())
def test_summaries_listings_and_adam(case, data):
    show(repr(case))
    # score's own contract is checked by the tests above; here it only supplies results
    scored = call(ep.score, case.visits, case.trial, **case.kwargs())
    check_no_leak(scored, "score")
    flares = call(ep.flare_events, case.visits, columns=case.columns, units=case.units)
    check_no_leak(flares, "flare_events")
    check_warnings(flares, "flare_events")
    if flares.error is None:
        table = flares.value
        expect(isinstance(table, pd.DataFrame) and list(table.columns) == FLARE_COLUMNS,
               DownstreamViolation, f"flare_events columns {getattr(table, 'columns', None)}")
        expected = case.expected_subjects()
        if expected is not None and isinstance(table, pd.DataFrame) and len(table):
            got = {str(s) for s in table["subject_id"].astype(object)}
            expect(got <= expected, DownstreamViolation,
                   f"flare_events subjects {sorted(got - expected)} are not the SPEC text "
                   f"form of any input ID ({sorted(expected)})")
    elif isinstance(flares.error, ep.InputError):
        check_input_error(flares.error, case, "flare_events", tables=("visits",))
    if scored.error is not None:
        return
    results = scored.value
    definition = ep.get_trial(case.trial)
    trial_arg = data.draw(st.sampled_from([None, definition, case.trial]), label="trial=")
    missing = data.draw(st.sampled_from(["non_responder", "observed"]), label="missing=")
    summary = call(ep.summarize, results, case.visits, by="arm", missing=missing,
                   trial=trial_arg)
    check_no_leak(summary, "summarize")
    check_warnings(summary, "summarize")
    visits = case.visits
    if (summary.error is None and case.subject_column == "subject_id"
            and "arm" in getattr(summary.value, "columns", ())
            and isinstance(visits, pd.DataFrame) and visits.columns.nlevels == 1
            and not visits.columns.duplicated().any() and "arm" in visits.columns
            and len(visits) and not case.structural
            and (case.expected_subjects() or set()) <= {  # no subject without visits
                text_id(x) for x in visits["subject_id"] if not is_missing(x)}):
        groups = set(summary.value["arm"].astype(str))
        expect("<NA>" not in groups, DownstreamViolation,
               f"summarize put subjects in the '<NA>' group although every visit row has an "
               f"arm (groups {sorted(groups)}; visit IDs "
               f"{visits['subject_id'].astype(object).unique().tolist()[:6]})")
    adam = call(ep.to_adam, results, trial=data.draw(st.sampled_from([None, definition]),
                                                      label="to_adam trial="))
    check_no_leak(adam, "to_adam")
    check_warnings(adam, "to_adam")
    if adam.error is None and "USUBJID" in getattr(adam.value, "columns", ()):
        expect(len(adam.value) == len(results), DownstreamViolation,
               f"to_adam: {len(adam.value)} records for {len(results)} results")
        expect(list(adam.value["USUBJID"].astype(object)) ==
               list(results["subject_id"].astype(object)), DownstreamViolation,
               "to_adam: USUBJID differs from the result's subject_id")


# --------------------------------------------------------------------------------------
# Tests: dask
# --------------------------------------------------------------------------------------


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in subject, endpoint, timepoint order; category and reason as text (a dask
    result lists their categories in partition order)."""
    frame = frame.astype({"category": "string", "reason": "string"})
    return frame.sort_values(["subject_id", "endpoint", "timepoint"]).reset_index(drop=True)


@surveyed
@examples(40, 600)
@given(case=cases(), npartitions=st.integers(1, 3), meds_as_dask=st.booleans())
def test_dask_path(case, npartitions, meds_as_dask):
    import dask
    import dask.dataframe as dd
    show(repr(case))
    # object columns stay object: dask's string conversion is not the library's doing
    with dask.config.set({"dataframe.convert-string": False, "scheduler": "sync"}):
        try:
            ddf = dd.from_pandas(case.visits, npartitions=npartitions, sort=False)
            meds = case.medications
            if meds_as_dask and isinstance(meds, pd.DataFrame):
                meds = dd.from_pandas(meds, npartitions=npartitions, sort=False)
        except Exception:  # dask cannot hold this frame: not our case
            assume(False)
        kwargs = {**case.kwargs(), "medications": meds} if meds is not None else case.kwargs()

        def run():
            return ep.score(ddf, case.trial, **kwargs).compute()

        lazy = call(run)
        check_no_leak(lazy, "dask score")
        check_warnings(lazy, "dask score")
        eager = call(ep.score, case.visits, case.trial, **case.kwargs())
    # agreement with pandas first, then the contract of the dask result itself
    if eager.error is None and lazy.error is None:
        try:
            pd.testing.assert_frame_equal(_sorted(lazy.value), _sorted(eager.value))
            same, detail = True, ""
        except (AssertionError, TypeError, ValueError, KeyError) as exc:
            same, detail = False, str(exc)[:400]
        expect(same, DaskMismatch, f"dask result differs from pandas: {detail}")
    elif (eager.error is None) != (lazy.error is None):
        failed = eager.error or lazy.error
        expect(False, DaskMismatch,
               f"{'pandas' if eager.error else 'dask'} raised {type(failed).__name__}: "
               f"{failed!s:.200}; the other returned")
    if lazy.error is None:
        expect(not case.must_fail, MustFail,
               f"dask score accepted input the SPEC calls an error: "
               f"{[e.why for e in case.must_fail]}")
        check_result(lazy.value, case, "dask score")
    else:
        check_input_error(lazy.error, case, "dask score", complete=False)


# --------------------------------------------------------------------------------------
# Tests: CLI
# --------------------------------------------------------------------------------------

_cli_counter = itertools.count()


def _cli_units(units: Any) -> list[str] | None:
    if isinstance(units, dict) and all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                       for k, v in units.items()):
        return [f"{k}={v}" for k, v in units.items()]
    return None


@surveyed
@examples(80, 1000)
@given(case=cases())
def test_cli_score(case, tmp_path):
    from typer.testing import CliRunner

    from endpoints.cli import app

    show(repr(case))
    folder = tmp_path / f"ex{next(_cli_counter)}"
    folder.mkdir()
    visits_path, out_path = folder / "visits.csv", folder / "out.csv"
    case.visits.to_csv(visits_path, index=False)
    args = ["score", str(visits_path), "--trial", case.trial, "-o", str(out_path)]
    meds_path = None
    if isinstance(case.medications, pd.DataFrame):
        meds_path = folder / "meds.csv"
        case.medications.to_csv(meds_path, index=False)
        args += ["--medications", str(meds_path)]
    mapping = None
    if isinstance(case.columns, dict) and all(isinstance(k, str) for k in case.columns):
        mapping = case.columns
        (folder / "columns.json").write_text(json.dumps(mapping))
        args += ["--columns", str(folder / "columns.json")]
    units = _cli_units(case.units)
    for pair in units or []:
        args += ["--units", pair]
    show(f"{case!r}\nendpoints {' '.join(args)}")

    saved = warnings.formatwarning  # the CLI installs its own one-line format
    try:
        result = call(CliRunner().invoke, app, args)
    finally:
        warnings.formatwarning = saved
    run = result.value
    expect(result.error is None, CliBadExit, f"CliRunner itself failed: {result.error!r}")
    if run is None:
        return
    stderr = run.stderr
    crash = run.exception if run.exit_code not in (0, 2) else None
    expect(run.exit_code in (0, 2) and "Traceback" not in stderr, CliBadExit,
           f"CLI exit code {run.exit_code}: {type(crash).__name__ if crash else ''} "
           f"{crash!s:.200} {origin(crash) if crash else ''} {stderr[-300:]}")
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    if run.exit_code == 2:
        expect(len(errors) == 1, CliBadMessage, f"exit 2 with stderr {stderr!r}")

    # the API on the same files, read as the CLI reads them
    try:
        api_visits = pd.read_csv(visits_path)
        api_meds = pd.read_csv(meds_path) if meds_path is not None else None
    except pd.errors.EmptyDataError:  # a table without columns: nothing to compare with
        expect(run.exit_code == 2, CliBadExit, "CLI accepted a file without columns")
        return
    api = call(ep.score, api_visits, case.trial, medications=api_meds, columns=mapping,
               units=dict(p.split("=", 1) for p in units) if units else None)
    if run.exit_code not in (0, 2):
        return
    if api.error is None and run.exit_code == 0:
        api_text = api.value.to_csv(index=False)
        cli_text = out_path.read_text()
        expect(api_text == cli_text, CliMismatch,
               f"CLI output differs from ep.score on the same files "
               f"({len(api.value)} API rows; CLI file {len(cli_text.splitlines()) - 1} rows)")
    elif api.error is None or run.exit_code == 0:
        failed = api.error if api.error is not None else (errors or ["?"])[0]
        expect(False, CliMismatch,
               f"{'API' if api.error is not None else 'CLI'} failed "
               f"({str(failed)[:200]}) but the other succeeded")
    elif isinstance(api.error, ep.InputError) and errors:
        cli_where = where_of(Exception(errors[0][len("error: "):]))
        expect(cli_where == where_of(api.error), CliMismatch,
               f"CLI and API name different problems: {errors[0]!r} vs {str(api.error)!r}")
