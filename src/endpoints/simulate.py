"""Synthetic visit tables for the registered trials: :func:`simulate`.

The generator draws a realistic canonical visit table (SPEC section 2) for a trial's
arms and planned visit schedule, vectorised over subjects with numpy (the only loops
run over visits or BILAG domains, never over subjects). It is meant for demos,
documentation, tests and power simulations; it is not a model of any trial's result.

The model, in short: every subject has a latent response depth (its arm shifts the
depth: experimental arms improve more than the control arm) and a response time
constant; renal, extra-renal, serological and patient-reported activity fall along
``1 - depth * (1 - exp(-day / tau))``. On top of that come occasional flares (renal or
in one extra-renal BILAG domain, decaying over the following visits, sometimes with a
steroid rescue), steroid tapers (a few subjects fail to taper), mycophenolate dose
changes, rare new immunosuppressants and rituximab, visit-to-visit noise, dropout and
missing lab values. SLEDAI is the sum of the SELENA-SLEDAI items implied by the
simulated labs and BILAG grades, and PGA follows SLEDAI, so the instruments agree.

The columns added later (ANA titre, blood counts, haemoglobin, HAQ-DI, LIT, SF-36
component summaries, the NCT03917797 biomarker panel and the laboratory reference
limits) follow the same latent course but are drawn from a second random stream,
spawned from each block's generator after every draw of the columns above: adding them
left the values of the earlier columns unchanged for every seed. Blood counts follow the
haematological BILAG grade (cytopenias where it is active) and the prednisone dose.

:func:`simulate_adverse_events` draws the adverse events (SPEC section 6) of a simulated
visit table.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import ClassVar

import numpy as np
import pandas as pd

from . import registry
from .definitions import BILAG_DOMAINS, TrialDefinition
from .errors import InputError

#: A post-baseline visit happens at most this many days from its planned day (less
#: when visits are closer together or a timepoint's window is narrower).
MAX_JITTER = 5

#: Latent response shift (logit scale) of the control and of the experimental arms.
CONTROL_EFFECT = 0.0
EXPERIMENTAL_EFFECT = 0.9

#: Subjects are simulated in blocks of this many (each with its own random stream
#: spawned from the seed), which keeps the temporary arrays small and cache-friendly.
CHUNK = 50_000
#: Blocks are simulated in this many threads (numpy releases the GIL); the table does
#: not depend on it.
THREADS = min(8, os.cpu_count() or 1)

#: Lab and questionnaire columns that go missing at random (``missing`` fraction).
MISSABLE = (
    "upcr", "proteinuria_24h", "creatinine", "serum_albumin", "urine_rbc", "urine_wbc",
    "rbc_casts", "c3", "c4", "anti_dsdna", "sf36", "lupusqol", "lupuspro",
    "promis_fatigue", "promis_pain", "promis_depression",
    "ana", "platelets", "wbc", "neutrophils", "lymphocytes", "hemoglobin",
    "th1", "th17", "treg", "b_naive", "b_memory", "b_transitional", "tnf_alpha",
    "tgf_beta1", "il6", "il17a", "il10", "baff", "mcp1", "cxcl10", "ifn_gamma",
    "haq", "lit", "sf36_pcs", "sf36_mcs",
)

#: Reference limits of the (simulated) central laboratory, ``column: (lower, upper)``
#: in the column's canonical unit: a number, a ``(female, male)`` pair, or None where
#: the lab reports no such limit. They are typical adult ranges, for illustration only
#: (real trials take them from their lab, CDISC ``LBSTNRLO`` / ``LBSTNRHI``); they become
#: the columns ``<column>_lln`` and ``<column>_uln``. The C4 limit is the threshold the
#: simulated SLEDAI already uses for low complement, so the two agree.
REFERENCE_LIMITS: dict[str, tuple[object, object]] = {
    "creatinine": (None, (1.04, 1.35)),  # mg/dL
    "c3": (90.0, 180.0),  # mg/dL
    "c4": (16.0, 47.0),  # mg/dL
    "platelets": (150.0, 400.0),  # x10^9/L
    "wbc": (4.0, 10.0),  # x10^9/L
    "neutrophils": (1.8, None),  # x10^9/L
    "lymphocytes": (1.0, None),  # x10^9/L
    "hemoglobin": ((12.0, 13.5), (15.5, 17.5)),  # g/dL
}

#: The NCT03917797 biomarker panel, ``column: (baseline median, log-scale SD between
#: subjects, visit-to-visit log SD, activity slope, experimental-arm effect, decimals)``.
#: T-cell subsets are % of CD4+ T cells, B-cell subsets % of B cells (drawn apart, see
#: :func:`_panel`), cytokines pg/mL (serum). A value is ``median * exp(subject + visit
#: noise + slope * (activity - 1) + effect * f)``, where activity is the serological
#: activity (1 at baseline, falling with response) and ``f`` the fraction of the response
#: reached: experimental arms lower Th17, IFN-gamma, CXCL10 and BAFF and raise Treg,
#: IL-10 and TGF-beta1 beyond what their better response does.
PANEL = {
    "th1": (18.0, 0.30, 0.12, 0.20, -0.05, 1),
    "th17": (2.2, 0.40, 0.15, 0.45, -0.25, 2),
    "treg": (4.5, 0.30, 0.12, -0.30, 0.25, 2),
    "tnf_alpha": (12.0, 0.55, 0.20, 0.40, -0.10, 1),
    "tgf_beta1": (18000.0, 0.45, 0.20, -0.30, 0.15, 0),
    "il6": (6.0, 0.75, 0.25, 0.60, -0.10, 1),
    "il17a": (14.0, 0.65, 0.25, 0.50, -0.20, 1),
    "il10": (8.0, 0.65, 0.25, 0.40, 0.15, 1),
    "baff": (1500.0, 0.40, 0.15, 0.45, -0.20, 0),
    "mcp1": (420.0, 0.40, 0.15, 0.35, -0.10, 0),
    "cxcl10": (450.0, 0.65, 0.20, 0.70, -0.20, 0),
    "ifn_gamma": (9.0, 0.75, 0.25, 0.60, -0.20, 1),
}

_GRADES = np.array(["A", "B", "C", "D", "E"])
# Baseline BILAG grade probabilities (A, B, C, D, E) of the extra-renal domains, in a
# lupus nephritis population and in a general (extra-renal) SLE population.
_BASELINE_GRADES = {
    "constitutional": ((0.02, 0.10, 0.15, 0.25, 0.48), (0.03, 0.15, 0.17, 0.25, 0.40)),
    "mucocutaneous": ((0.04, 0.22, 0.20, 0.26, 0.28), (0.12, 0.40, 0.18, 0.20, 0.10)),
    "neuropsychiatric": ((0.01, 0.02, 0.04, 0.08, 0.85), (0.01, 0.03, 0.05, 0.08, 0.83)),
    "musculoskeletal": ((0.03, 0.20, 0.20, 0.27, 0.30), (0.10, 0.42, 0.18, 0.20, 0.10)),
    "cardiorespiratory": ((0.01, 0.05, 0.05, 0.14, 0.75), (0.02, 0.07, 0.06, 0.15, 0.70)),
    "gastrointestinal": ((0.005, 0.015, 0.02, 0.04, 0.92), (0.005, 0.015, 0.02, 0.04, 0.92)),
    "ophthalmic": ((0.005, 0.01, 0.02, 0.03, 0.935), (0.005, 0.01, 0.02, 0.03, 0.935)),
    "haematological": ((0.02, 0.12, 0.20, 0.25, 0.41), (0.03, 0.17, 0.20, 0.25, 0.35)),
}
# Latent domain activity of a baseline grade: A ~ 4, B ~ 3, C ~ 2, D ~ 1, E = 0.
_GRADE_ACTIVITY = np.array([3.9, 3.0, 2.0, 0.8, 0.0])
# SELENA-SLEDAI points of an active (A, B) extra-renal domain: the usual items
# (fever 1; rash/alopecia/ulcers 2-4; seizure, psychosis... 8; arthritis 4;
# pleurisy/pericarditis 2; vasculitis 8; visual disturbance 8; cytopenia 1).
_SLEDAI_POINTS = {
    "constitutional": (1, 1),
    "mucocutaneous": (4, 2),
    "neuropsychiatric": (8, 8),
    "musculoskeletal": (4, 4),
    "cardiorespiratory": (2, 2),
    "gastrointestinal": (8, 0),
    "ophthalmic": (8, 0),
    "haematological": (1, 1),
}
# Which extra-renal domain a non-renal flare hits.
_FLARE_DOMAINS = {
    "constitutional": 0.12, "mucocutaneous": 0.30, "neuropsychiatric": 0.03,
    "musculoskeletal": 0.30, "cardiorespiratory": 0.08, "gastrointestinal": 0.02,
    "ophthalmic": 0.01, "haematological": 0.14,
}


def simulate(
    trial: str | TrialDefinition,
    n_per_arm: int = 50,
    seed: int = 0,
    *,
    dropout: float = 0.1,
    missing: float = 0.03,
) -> pd.DataFrame:
    """Simulate a realistic canonical visit table for a trial.

    Each of the trial's arms (``trial.arms``; one ``"Treatment"`` arm if it has none)
    gets `n_per_arm` subjects with IDs ``"<ARM PREFIX>-0001"``, ... (e.g. ``MSC-0001``,
    ``PLA-0001``), seen at the trial's planned visits (``trial.schedule``: a screening
    visit at a negative day, day 0, and post-baseline visits jittered by up to
    :data:`MAX_JITTER` days, never outside a timepoint's window). Experimental arms
    improve more than the control arm. Every column an endpoint of the built-in trials
    reads is present (eGFR comes from ``creatinine``, ``age`` and ``sex``), so the
    table scores without an :class:`~endpoints.EndpointsWarning`.

    Parameters
    ----------
    trial : str or TrialDefinition
        A registered trial ID or a definition object. Without a ``schedule``, visits
        are planned at day -14, day 0, every 28 days and at each timepoint's day.
    n_per_arm : int, default 50
        Subjects per arm.
    seed : int, default 0
        Seed of the random generator: the same seed gives an identical frame.
    dropout : float, default 0.1
        Fraction of subjects who stop early (after day 0, before the last planned visit;
        subjects who respond poorly drop out more often).
    missing : float, default 0.03
        Probability that a lab or questionnaire value of a visit is missing.

    Returns
    -------
    DataFrame
        One row per subject per attended visit, sorted by subject and day, with
        ``subject_id``, ``arm``, ``day``, ``age``, ``sex``, ``weight``, the labs
        (``upcr``, ``proteinuria_24h``, ``creatinine``, ``serum_albumin``,
        ``urine_rbc``, ``urine_wbc``, ``rbc_casts``, ``c3``, ``c4``, ``anti_dsdna``),
        ``sledai``, ``pga``, the nine ``bilag_<domain>`` grades, treatments
        (``prednisone``, ``immunosuppressant_dose``, ``new_immunosuppressant``,
        ``rituximab``) and outcome scores (``sf36``, ``lupusqol``, ``lupuspro``,
        ``promis_fatigue``, ``promis_pain``, ``promis_depression``, ``slicc_di``),
        then the columns added later:

        - ``ana``: ANA reciprocal titre on the dilution ladder 40, 80, ..., 2560
          (median 320 at baseline, lower with serological response);
        - blood counts in x10^9/L, ``platelets`` (median ~230), ``wbc`` (~5.5),
          ``neutrophils``, ``lymphocytes`` (~1.0 at baseline: lymphopenia in about
          half the subjects, less with response; neutrophils + lymphocytes < wbc), and
          ``hemoglobin`` in g/dL (~12; anaemia common): cytopenias (platelets < 100,
          white cells < 3) go with haematological BILAG activity (A/B grades), in about
          15% of the subjects at baseline and rarely in responders at the end;
        - ``haq`` (HAQ disability index 0-3, steps of 0.125; ~0.8 at baseline),
          ``lit`` (Lupus Impact Tracker 0-100, steps of 2.5, higher is worse; ~45),
          ``sf36_pcs`` / ``sf36_mcs`` (SF-36 component summaries, norm-based:
          ~38 / ~41 at baseline); all improve with response;
        - the NCT03917797 biomarker panel (:data:`PANEL`), simulated for every trial:
          ``th1``, ``th17``, ``treg`` (% of CD4+ T cells), ``b_naive``, ``b_memory``,
          ``b_transitional`` (% of B cells), ``tnf_alpha``, ``tgf_beta1``, ``il6``,
          ``il17a``, ``il10``, ``baff``, ``mcp1``, ``cxcl10``, ``ifn_gamma`` (pg/mL,
          serum; log-normal);
        - reference limits (:data:`REFERENCE_LIMITS`, illustrative, the same at every
          visit and never missing): ``creatinine_uln`` (by sex), ``c3_lln``, ``c3_uln``,
          ``c4_lln``, ``c4_uln``, ``platelets_lln``, ``platelets_uln``, ``wbc_lln``,
          ``wbc_uln``, ``neutrophils_lln``, ``lymphocytes_lln``, ``hemoglobin_lln`` and
          ``hemoglobin_uln`` (by sex). Low complement (C3 or C4 below its LLN) is the
          rule at baseline and normalises with response.

        ``subject_id``, ``arm``, ``sex`` and the BILAG grades are categorical (cheap
        for millions of rows); labs, questionnaires and limits are float64 with NaN
        where missing; ``rbc_casts`` is a nullable boolean.

    Raises
    ------
    InputError
        If `n_per_arm` is not a positive integer, `dropout` / `missing` is not a
        fraction in [0, 1], or `seed` is not a non-negative integer.
    UnknownTrialError
        If `trial` is an unknown ID.

    Notes
    -----
    Subjects are drawn in blocks of :data:`CHUNK`, each with its own random stream
    spawned from `seed` (:class:`numpy.random.SeedSequence`) and simulated in parallel
    threads: the table depends only on the arguments. A million subjects with 12
    visits take about 15-25 s and 10 GB of memory (the 76 columns). The columns added
    later come from a second stream spawned from each block's generator after all the
    draws of the earlier columns, whose values therefore did not change.

    Examples
    --------
    >>> import endpoints as ep
    >>> visits = ep.simulate("NCT03917797", n_per_arm=5, seed=1)
    >>> visits.groupby("arm", sort=False).subject_id.nunique().to_dict()
    {'MSC': 5, 'Placebo': 5}
    >>> visits.loc[:3, ["subject_id", "arm", "day", "upcr", "sledai", "bilag_renal",
    ...                 "prednisone"]]
      subject_id  arm  day  upcr  sledai bilag_renal  prednisone
    0   MSC-0001  MSC  -14  3.59      21           A        30.0
    1   MSC-0001  MSC    0  3.63      21           A        30.0
    2   MSC-0001  MSC   30  2.45      20           A        25.0
    3   MSC-0001  MSC   57  2.71      16           A        20.0
    >>> results = ep.score(visits, "NCT03917797")  # no EndpointsWarning
    >>> results.query("endpoint == 'renal_response'").category.value_counts().to_dict()
    {'NR': 6, 'PR': 2}
    """
    definition = trial if isinstance(trial, TrialDefinition) else registry.get_trial(trial)
    n_per_arm = _check_count(n_per_arm)
    dropout = _check_fraction(dropout, "dropout")
    missing = _check_fraction(missing, "missing")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError("seed=", f"must be a non-negative integer, got {seed!r}")
    return _Plan(definition, n_per_arm).frame(seed, dropout, missing)


def _check_count(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise InputError("n_per_arm=", f"must be a positive integer, got {n!r}")
    return int(n)


def _check_fraction(x: object, name: str) -> float:
    try:
        value = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"{name}=", f"must be a fraction in [0, 1], got {x!r}") from None
    if not 0.0 <= value <= 1.0:
        raise InputError(f"{name}=", f"must be a fraction in [0, 1], got {x!r}")
    return value


def arm_prefixes(labels: list[str]) -> list[str]:
    """Subject-ID prefixes of arm labels: a one-word label's first three letters
    (``"Placebo"`` -> ``"PLA"``), else the first word's and the other words' initials
    (``"MSC low dose"`` -> ``"MSCLD"``); a number is appended to keep them unique.

    Examples
    --------
    >>> arm_prefixes(["MSC low dose", "MSC high dose", "Placebo"])
    ['MSCLD', 'MSCHD', 'PLA']
    """
    prefixes: list[str] = []
    for i, label in enumerate(labels):
        words = re.findall(r"[A-Za-z0-9]+", label)
        if not words:
            prefix = f"ARM{i + 1}"
        else:
            prefix = (words[0][:3] + "".join(w[0] for w in words[1:])).upper()
        candidate, k = prefix, 2
        while candidate in prefixes:
            candidate, k = f"{prefix}{k}", k + 1
        prefixes.append(candidate)
    return prefixes


def planned_schedule(trial: TrialDefinition) -> np.ndarray:
    """Planned visit days of a trial: its ``schedule`` (with day 0 added if absent), or
    day -14, day 0, every 28 days and each timepoint's day.

    Examples
    --------
    >>> import endpoints as ep
    >>> planned_schedule(ep.get_trial("NCT03580291")).tolist()
    [-14, 0, 28, 56, 84, 112, 140, 168]
    """
    if trial.schedule:
        days = {*trial.schedule, 0}
    else:
        last = max(t.day for t in trial.timepoints)
        days = {-14, 0, *range(28, last + 1, 28), *(t.day for t in trial.timepoints if t.day > 0)}
    return np.array(sorted(days), dtype=np.int64)


def jitter_limits(trial: TrialDefinition, schedule: np.ndarray) -> np.ndarray:
    """Largest jitter (days either side) of each planned visit: 0 for day 0; at most
    :data:`MAX_JITTER`, less than half the gap to the neighbouring visits, within the
    window of a timepoint planned on that day, and a screening visit stays negative."""
    gaps = np.diff(schedule)
    before = np.r_[np.iinfo(np.int64).max, gaps]
    after = np.r_[gaps, np.iinfo(np.int64).max]
    limit = np.minimum(MAX_JITTER, (np.minimum(before, after) - 1) // 2)
    for tp in trial.timepoints:
        limit = np.where(schedule == tp.day, np.minimum(limit, tp.window), limit)
    limit = np.where(schedule < 0, np.minimum(limit, -schedule - 1), limit)
    limit = np.where(schedule > 0, np.minimum(limit, schedule - 1), limit)
    return np.where(schedule == 0, 0, np.maximum(limit, 0))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _col(values: np.ndarray) -> np.ndarray:
    """A per-subject vector as a float32 column, to broadcast over visits."""
    return values.astype(np.float32)[:, None]


def _decay(events: np.ndarray, rate: float = 0.45) -> np.ndarray:
    """Carry each visit's event intensity forward, multiplied by `rate` per visit."""
    out = np.array(events.T, dtype=np.float32, order="C")  # visits x subjects
    for k in range(1, out.shape[0]):
        out[k] += np.float32(rate) * out[k - 1]
    return np.ascontiguousarray(out.T)


class _Plan:
    """What the whole table shares: arms, subject IDs, schedule and visit windows."""

    ORDER = (
        "subject_id", "arm", "day", "age", "sex", "weight",
        "upcr", "proteinuria_24h", "creatinine", "serum_albumin", "urine_rbc", "urine_wbc",
        "rbc_casts", "c3", "c4", "anti_dsdna", "sledai", "pga",
        *(f"bilag_{d}" for d in BILAG_DOMAINS),
        "prednisone", "immunosuppressant_dose", "new_immunosuppressant", "rituximab",
        "sf36", "lupusqol", "lupuspro", "promis_fatigue", "promis_pain", "promis_depression",
        "slicc_di",
        # the columns added later (drawn from a second stream: see _simulate_block)
        "ana", "platelets", "wbc", "neutrophils", "lymphocytes", "hemoglobin",
        "haq", "lit", "sf36_pcs", "sf36_mcs",
        "th1", "th17", "treg", "b_naive", "b_memory", "b_transitional",
        *(name for name in PANEL if name not in ("th1", "th17", "treg")),
        *(f"{column}{suffix}" for column, limits in REFERENCE_LIMITS.items()
          for suffix, limit in zip(("_lln", "_uln"), limits, strict=True) if limit is not None),
    )
    CATEGORIES: ClassVar[dict[str, list[str] | None]] = {
        "subject_id": None, "arm": None, "sex": ["F", "M"],
        **{f"bilag_{d}": list(_GRADES) for d in BILAG_DOMAINS},
    }

    def __init__(self, trial: TrialDefinition, n_per_arm: int) -> None:
        self.trial = trial
        self.labels = [a.label for a in trial.arms] or ["Treatment"]
        control = np.array([a.control for a in trial.arms] or [False])
        prefixes = arm_prefixes(self.labels)
        order = sorted(range(len(self.labels)), key=lambda i: prefixes[i] + "-")  # ID order
        self.arm_codes = np.repeat(np.array(order, dtype=np.int64), n_per_arm)
        self.experimental = ~control[self.arm_codes]
        width = max(4, len(str(n_per_arm)))
        numbers = np.char.zfill(np.arange(1, n_per_arm + 1).astype(str), width)
        self.names = np.concatenate([np.char.add(prefixes[i] + "-", numbers) for i in order])
        self.schedule = planned_schedule(trial)
        self.limits = jitter_limits(trial, self.schedule)
        self.renal_population = any(
            "renal" in e.name and e.kind in ("response", "categorical") for e in trial.endpoints
        )

    def frame(self, seed: int, dropout: float, missing: float) -> pd.DataFrame:
        n = len(self.arm_codes)
        bounds = [*range(0, n, CHUNK), n]
        streams = np.random.SeedSequence(seed).spawn(len(bounds) - 1)

        def block(lo: int, hi: int, stream: np.random.SeedSequence) -> dict[str, object]:
            rng = np.random.default_rng(stream)
            return _simulate_block(self, slice(lo, hi), rng, dropout, missing)

        tasks = bounds[:-1], bounds[1:], streams
        if len(streams) == 1 or THREADS < 2:
            parts = list(map(block, *tasks))
        else:  # numpy releases the GIL: blocks run in parallel, results are the same
            with ThreadPoolExecutor(min(THREADS, len(streams))) as pool:
                parts = list(pool.map(block, *tasks))
        columns = {}
        for name in self.ORDER:
            pieces = [part.pop(name) for part in parts]  # freed column by column
            if len(pieces) == 1:
                values = pieces[0]
            elif isinstance(pieces[0], tuple):  # nullable boolean: (values, mask)
                values = tuple(np.concatenate([p[i] for p in pieces]) for i in (0, 1))
            else:
                values = np.concatenate(pieces)
            del pieces
            if isinstance(values, tuple):
                values = pd.arrays.BooleanArray(*values)
            elif name in self.CATEGORIES:
                categories = {"subject_id": self.names, "arm": self.labels}.get(
                    name, self.CATEGORIES[name])
                values = pd.Categorical.from_codes(values, categories=categories)
            columns[name] = values
        return pd.DataFrame(columns, copy=False)  # one block per column: no copying


@dataclass
class _Block:
    """The draw of one block of subjects: its random stream, its grid of (subjects x
    planned visits), the visits attended once dropout is drawn, and the columns kept.

    Per-visit quantities are float32 matrices of shape (subjects, planned visits); a
    column keeps the attended visits, converted to float64 and rounded to the precision
    a lab would report.
    """

    rng: np.random.Generator
    n: int
    k: int
    missing: float
    attended: np.ndarray | None = None
    columns: dict[str, object] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.n, self.k)

    def normal(self, scale: float = 1.0) -> np.ndarray:
        """Independent N(0, scale^2) noise per subject and visit."""
        out = self.rng.standard_normal(self.shape, dtype=np.float32)
        out *= np.float32(scale)
        return out

    def uniform(self) -> np.ndarray:
        """Independent U(0, 1) draws per subject and visit."""
        return self.rng.random(self.shape, dtype=np.float32)

    def wobble(self, scale: float, rho: float = 0.6) -> np.ndarray:
        """Noise with standard deviation `scale` and correlation `rho` between the visits
        of a subject (a subject-level plus a visit-level part)."""
        out = self.normal(scale * np.sqrt(1.0 - rho))
        out += _col(self.rng.standard_normal(self.n) * scale * np.sqrt(rho))
        return out

    def keep(self, name: str, matrix: np.ndarray, decimals: int | None = None, *,
             missable: bool = False) -> None:
        """Store a column: the attended visits of a matrix, rounded to `decimals`, with
        a `missing` fraction of values set missing if `missable`. A boolean column
        that may be missing is stored as (values, mask)."""
        values = matrix[self.attended]
        if values.dtype.kind == "f":
            values = values.astype(np.float64)
            if decimals is not None:
                np.round(values, decimals, out=values)
        gone = np.zeros(len(values), dtype=bool)
        if missable and self.missing > 0:
            gone = self.rng.random(len(values), dtype=np.float32) < self.missing
            if values.dtype.kind == "f":
                values[gone] = np.nan
        self.columns[name] = (values, gone) if name in MISSABLE and values.dtype == bool \
            else values


@dataclass(frozen=True)
class _Design:
    """Arms and visit days of a block (output of :func:`_design`)."""

    arm_codes: np.ndarray
    experimental: np.ndarray
    post: np.ndarray  # post-baseline planned visits
    first_post: int
    day: np.ndarray  # (subjects, visits) study days
    t: np.ndarray  # days since day 0, float32


@dataclass(frozen=True)
class _Course:
    """Each subject's course (output of :func:`_course`): response depths and timing,
    dropout, demographics and flares."""

    renal_population: bool
    depth_renal: np.ndarray
    depth_extrarenal: np.ndarray
    depth_serology: np.ndarray
    depth_qol: np.ndarray
    f: np.ndarray  # fraction of the response reached at each visit
    counts: np.ndarray  # visits attended
    sex_f: np.ndarray
    age: np.ndarray
    renal_involved: np.ndarray
    flare_prone: np.ndarray
    flare_start: np.ndarray
    flare_renal: np.ndarray
    flare_extrarenal: np.ndarray
    flare_any: np.ndarray


def _simulate_block(plan: _Plan, subjects: slice, rng: np.random.Generator, dropout: float,
                    missing: float) -> dict[str, object]:
    """The columns of one block of subjects: the stages in their order, each with its
    inputs and outputs explicit (the order fixes the random stream)."""
    block = _Block(rng, n=len(plan.arm_codes[subjects]), k=len(plan.schedule),
                   missing=missing)
    design = _design(plan, subjects, block)
    course = _course(plan, design, block, dropout)
    renal_grade, sledai = _renal(design, course, block)
    sledai = _serology(course, sledai, block)
    _domains(course, renal_grade, sledai, block)
    prednisone = _treatments(design, course, block)
    _outcomes(design, course, prednisone, block)
    _identifiers(subjects, design, course, block)
    # the later columns: a stream of their own, spawned after every draw above, so that
    # adding them did not change the columns above
    later = replace(block, rng=block.rng.spawn(1)[0])  # shares attended and columns
    _blood(course, prednisone, later)
    _panel(design, course, later)
    _function(course, later)
    _limits(course, later)
    return block.columns


def _design(plan: _Plan, subjects: slice, block: _Block) -> _Design:
    """Arms and visit days."""
    post = plan.schedule > 0
    limits = plan.limits
    jitter = np.clip(np.rint(block.normal(0.5) * limits), -limits, limits).astype(np.int64)
    day = plan.schedule + jitter
    return _Design(arm_codes=plan.arm_codes[subjects],
                   experimental=plan.experimental[subjects], post=post,
                   first_post=int(np.argmax(post)) if post.any() else block.k, day=day,
                   t=np.maximum(day, 0).astype(np.float32))


def _course(plan: _Plan, design: _Design, block: _Block, dropout: float) -> _Course:
    """Response depths, demographics, dropout (sets the block's attended visits) and
    flares."""
    n, k, rng = block.n, block.k, block.rng
    shift = np.where(design.experimental, EXPERIMENTAL_EFFECT, CONTROL_EFFECT)
    z = rng.normal(size=n)

    def depth(spread: float) -> np.ndarray:
        # fraction of the activity that goes away (negative: worsening)
        return 1.15 * _expit(shift + 1.3 * z + rng.normal(0.0, spread, n)) - 0.15

    depth_renal, depth_extrarenal = depth(0.6), depth(0.6)
    depth_serology, depth_qol = depth(0.8), depth(1.0)
    tau = rng.uniform(40.0, 120.0, n)
    f = 1.0 - np.exp(-design.t / _col(tau))
    # informative dropout: poor responders stop more often
    weight = 1.5 - np.clip(depth_renal, 0.0, 1.0)
    p = np.clip(dropout * weight / weight.mean(), 0.0, 1.0)
    # systematic sampling: each subject drops out with probability p, and the number
    # of dropouts is the expected number (rounded), in every arm
    steps = np.floor(np.cumsum(np.r_[rng.random(), p]))
    drops = (np.diff(steps) > 0) & (design.first_post < k)
    low, high = design.first_post - 1, k - 2  # day 0 .. the second-last visit
    last = np.where(drops, rng.integers(low, max(high, low) + 1, n), k - 1)
    block.attended = np.arange(k)[None, :] <= last[:, None]
    # demographics
    sex_f = rng.random(n) < 0.88
    age = np.clip(np.rint(rng.normal(35.0, 11.0, n)), 18, 75).astype(np.int64)
    weight0 = np.where(sex_f, rng.normal(64.0, 12.0, n), rng.normal(77.0, 13.0, n))
    block.keep("weight", _col(np.clip(weight0, 38.0, 150.0)) * np.exp(block.normal(0.015)), 1)
    renal_involved = rng.random(n) < (1.0 if plan.renal_population else 0.3)
    # flares: a post-baseline visit may start one, renal or extra-renal; an extra-renal
    # flare hits the subject's flare-prone domain
    p_flare = np.where(design.experimental, 0.022, 0.032) * (
        1.6 - np.clip(depth_extrarenal, 0.0, 1.0))
    starts = (block.uniform() < _col(p_flare)) & design.post
    intensity = rng.uniform(0.6, 1.5, block.shape).astype(np.float32) * starts
    renal_flare = renal_involved[:, None] & (block.uniform() < 0.5)
    flare_prone = rng.choice(len(_FLARE_DOMAINS), size=n, p=list(_FLARE_DOMAINS.values()))
    flare_renal = _decay(np.where(renal_flare, intensity, 0.0))
    flare_extrarenal = _decay(np.where(renal_flare, 0.0, intensity))
    return _Course(
        renal_population=plan.renal_population, depth_renal=depth_renal,
        depth_extrarenal=depth_extrarenal, depth_serology=depth_serology,
        depth_qol=depth_qol, f=f, counts=block.attended.sum(axis=1), sex_f=sex_f, age=age,
        renal_involved=renal_involved, flare_prone=flare_prone, flare_start=intensity,
        flare_renal=flare_renal, flare_extrarenal=flare_extrarenal,
        flare_any=flare_renal + flare_extrarenal)


def _renal(design: _Design, course: _Course, block: _Block) -> tuple[np.ndarray, np.ndarray]:
    """Proteinuria, urine sediment, creatinine, albumin; the renal BILAG grade codes and
    the renal SLEDAI points."""
    rng, n = block.rng, block.n
    renal = course.renal_involved
    upcr0 = np.where(renal, np.clip(np.exp(rng.normal(np.log(2.4), 0.55, n)), 0.6, 8.0),
                     np.clip(np.exp(rng.normal(np.log(0.15), 0.5, n)), 0.04, 0.45))
    multiplier = np.maximum(0.03, 1.0 - _col(course.depth_renal) * course.f)
    multiplier *= 1.0 + 1.8 * course.flare_renal
    upcr = 0.06 + _col(upcr0 - 0.06) * multiplier * np.exp(block.wobble(0.2, 0.5))
    block.keep("upcr", upcr, 2, missable=True)
    excretion = np.where(course.sex_f, 1.0, 1.35)  # g creatinine per day
    block.keep("proteinuria_24h", upcr * _col(excretion) * np.exp(block.normal(0.15)), 2,
               missable=True)
    rbc0 = np.where(renal, np.exp(rng.normal(np.log(10.0), 0.8, n)),
                    np.exp(rng.normal(np.log(1.5), 0.7, n)))
    wbc0 = np.where(renal, np.exp(rng.normal(np.log(4.0), 0.8, n)),
                    np.exp(rng.normal(np.log(2.0), 0.7, n)))
    sediment = multiplier ** 1.2
    rbc = np.rint(_col(rbc0) * sediment * np.exp(block.wobble(0.2, 0.8)))
    wbc = np.rint(_col(wbc0) * sediment * np.exp(block.wobble(0.2, 0.8)))
    block.keep("urine_rbc", rbc, missable=True)
    block.keep("urine_wbc", wbc, missable=True)
    # RBC casts come with heavy (expected, not measured) activity, and persist
    expected = 1.0 + 0.9 * np.log2((0.06 + _col(upcr0 - 0.06) * multiplier) / 0.35)
    p_casts = np.clip(0.25 * (expected - 2.2), 0.0, 0.6)
    casts = (0.9 * _col(rng.random(n)) + 0.1 * block.uniform()) < p_casts
    block.keep("rbc_casts", casts, missable=True)
    # creatinine: stable or improving in responders, creeping up in poor ones
    creat0 = np.exp(rng.normal(np.log(np.where(course.sex_f, 0.78, 0.98)), 0.22, n))
    creat0 = np.clip(creat0 * np.where(renal, np.exp(rng.normal(0.15, 0.2, n)), 1.0),
                     0.4, 3.0)
    progression = np.where(course.depth_renal < 0.2, rng.uniform(0.0, 0.45, n), 0.0)
    creat = _col(creat0) * (1.0 + _col(progression) * design.t / 365.0)
    creat *= 1.0 - _col(0.08 * np.clip(course.depth_renal, 0.0, 1.0)) * course.f
    creat *= (1.0 + 0.15 * course.flare_renal) * np.exp(block.normal(0.06))
    block.keep("creatinine", creat, 2, missable=True)
    alb0 = np.clip(rng.normal(4.1, 0.3, n) - 0.3 * np.minimum(upcr0, 6.0), 1.5, 4.8)
    albumin = 4.2 - _col(4.2 - alb0) * np.minimum(multiplier, 1.5) + block.normal(0.15)
    block.keep("serum_albumin", np.clip(albumin, 1.0, 5.5), 1, missable=True)
    activity = 1.0 + 0.9 * np.log2(upcr / 0.35) + 0.5 * (rbc > 5)
    renal_grade = _grades(activity, renal | (rng.random(n) < 0.1))
    sledai = (4 * ((upcr > 0.5).view(np.int8) + (rbc > 5).view(np.int8)
                   + (wbc > 5).view(np.int8) + casts.view(np.int8))).astype(np.int16)
    return renal_grade, sledai


def _serology(course: _Course, sledai: np.ndarray, block: _Block) -> np.ndarray:
    """Complement C3 / C4 (mg/dL) and anti-dsDNA (IU/mL); SLEDAI with their points."""
    rng, n = block.rng, block.n
    multiplier = _serological_activity(course)
    c3_0 = np.clip(rng.normal(np.where(course.renal_involved, 66.0, 78.0), 18.0, n), 20.0,
                   150.0)
    c3 = np.maximum(105.0 - _col(105.0 - c3_0) * multiplier + block.normal(6.0), 5.0)
    c4_0 = np.clip(rng.normal(10.0, 4.0, n), 1.5, 40.0)
    c4 = np.maximum(22.0 - _col(22.0 - c4_0) * multiplier + block.normal(1.5), 1.0)
    dsdna0 = np.clip(np.exp(rng.normal(np.log(120.0), 0.9, n)), 5.0, 2000.0)
    dsdna = _col(dsdna0) * (0.15 + 0.85 * multiplier) * np.exp(block.wobble(0.15, 0.7))
    block.keep("c3", c3, 0, missable=True)
    block.keep("c4", c4, 1, missable=True)
    block.keep("anti_dsdna", dsdna, 0, missable=True)
    return sledai + (2 * (((c3 < 90.0) | (c4 < 16.0)).view(np.int8)
                          + (dsdna > 30.0).view(np.int8))).astype(np.int16)


def _serological_activity(course: _Course) -> np.ndarray:
    """Serological activity at each visit: 1 at baseline, falling with the serological
    response (at least 0.05), raised by flares."""
    multiplier = np.maximum(0.05, 1.0 - _col(course.depth_serology) * course.f)
    multiplier *= 1.0 + 0.5 * course.flare_any
    return multiplier


def _grades(activity: np.ndarray, history: np.ndarray) -> np.ndarray:
    """BILAG grade codes (0 = A .. 4 = E) of latent activity: A >= 3.5, B >= 2.5,
    C >= 1.5, else D once the domain was ever involved, E if never."""
    involved = np.logical_or.accumulate(activity >= 1.5, axis=1) | history[:, None]
    code = np.full(activity.shape, 3, dtype=np.int8)
    for threshold in (1.5, 2.5, 3.5):
        code -= activity >= threshold
    code[(code == 3) & ~involved] = 4
    return code


def _domains(course: _Course, renal_grade: np.ndarray, sledai: np.ndarray,
             block: _Block) -> None:
    """BILAG grades of the nine domains; SLEDAI (renal + serology + extra-renal items)
    and the PGA, which follows SLEDAI."""
    rng, n = block.rng, block.n
    population = 0 if course.renal_population else 1
    multiplier = np.maximum(0.1, 1.0 - _col(course.depth_extrarenal) * course.f)
    sledai = sledai.copy()
    for domain in BILAG_DOMAINS:
        if domain == "renal":
            code = renal_grade
        else:
            p = np.array(_BASELINE_GRADES[domain][population])
            grade0 = rng.choice(5, size=n, p=p / p.sum())
            a0 = _GRADE_ACTIVITY[grade0] + np.where(grade0 < 3, rng.normal(0.0, 0.2, n), 0.0)
            activity = _col(a0) * multiplier + block.wobble(0.15, 0.7) * (grade0 < 4)[:, None]
            prone = course.flare_prone == list(_FLARE_DOMAINS).index(domain)
            activity[prone] += 2.6 * course.flare_extrarenal[prone]
            code = _grades(activity, grade0 < 4)
            points = np.array([*_SLEDAI_POINTS[domain], 0, 0, 0], dtype=np.int16)
            sledai += points[code]
        block.columns[f"bilag_{domain}"] = code[block.attended]
    sledai = np.minimum(sledai, 105)
    block.keep("sledai", sledai.astype(np.int64))
    severity = np.exp(rng.normal(0.0, 0.2, n))
    pga = 0.25 + 0.11 * sledai * _col(severity) + block.normal(0.15)
    block.keep("pga", np.clip(pga, 0.0, 3.0), 1)


def _treatments(design: _Design, course: _Course, block: _Block) -> np.ndarray:
    """Prednisone taper, mycophenolate, new immunosuppressants and rituximab; returns
    the prednisone doses."""
    rng, n = block.rng, block.n
    response = np.clip(np.where(course.renal_involved, course.depth_renal,
                                course.depth_extrarenal), 0.0, 1.0)
    start = rng.choice(np.array([10.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0]), size=n,
                       p=[0.04, 0.08, 0.20, 0.14, 0.24, 0.18, 0.07, 0.05])
    start = np.where(rng.random(n) < 0.04, 0.0, start)
    target = rng.choice(np.array([0.0, 2.5, 5.0, 7.5, 10.0]), size=n,
                        p=[0.15, 0.07, 0.43, 0.20, 0.15])
    fails = rng.random(n) < 0.04 + 0.16 * (1.0 - response)  # cannot taper to <= 10
    target = np.where(fails, rng.choice(np.array([12.5, 15.0, 20.0]), size=n), target)
    target = np.minimum(target, start)
    reach = rng.uniform(70.0, 180.0, n)  # day the taper reaches its target
    remaining = np.clip(1.0 - design.t / _col(reach), 0.0, 1.0) ** 1.3
    dose = _col(target) + _col(start - target) * remaining
    # a flare may need a rescue dose of 20-30 mg/day, halved at each following visit
    rescue = (block.uniform() < 0.6) & (course.flare_start > 0)
    level = _decay(np.where(rescue, 20.0 * np.maximum(course.flare_start, 1.0), 0.0), 0.5)
    dose = np.maximum(dose, np.where(level >= 2.5, level, 0.0))
    dose = np.round(dose / 2.5) * 2.5 * _col(start > 0)
    block.keep("prednisone", dose)
    mmf0 = rng.choice(np.array([1000.0, 1500.0, 2000.0, 2500.0, 3000.0]), size=n,
                      p=[0.05, 0.15, 0.55, 0.05, 0.20])
    down = (block.uniform() < 0.02 + _col(0.04 * response)) & design.post
    up = (block.uniform() < 0.3) & (course.flare_start > 0)
    steps = np.cumsum(up, axis=1, dtype=np.int8) - np.cumsum(down, axis=1, dtype=np.int8)
    block.keep("immunosuppressant_dose", np.clip(_col(mmf0) + 500.0 * steps, 500.0, 3000.0))
    flare = course.flare_start > 0
    worse = (course.depth_renal < 0.1)[:, None] & (design.t > 84)
    new = (block.uniform() < 0.003 + 0.08 * flare + 0.02 * worse) & design.post
    rituximab = (block.uniform() < 0.002 + 0.05 * flare + 0.01 * worse) & design.post
    block.keep("new_immunosuppressant", new)
    block.keep("rituximab", rituximab)
    return dose


def _outcomes(design: _Design, course: _Course, prednisone: np.ndarray,
              block: _Block) -> None:
    """Patient-reported outcomes and the SLICC damage index."""
    rng, n = block.rng, block.n
    gain = _qol_gain(course)

    def score(mean: float, sd: float, change: float, low: float, high: float,
              noise: float) -> np.ndarray:
        base = _col(np.clip(rng.normal(mean, sd, n), low, high))
        return np.clip(base + change * gain + block.normal(noise), low, high)

    block.keep("sf36", score(48.0, 14.0, 15.0, 0.0, 100.0, 4.0), 1, missable=True)
    block.keep("lupusqol", score(58.0, 16.0, 12.0, 0.0, 100.0, 4.0), 1, missable=True)
    block.keep("lupuspro", score(60.0, 14.0, 10.0, 0.0, 100.0, 4.0), 1, missable=True)
    block.keep("promis_fatigue", score(58.0, 8.0, -6.0, 29.0, 84.0, 3.0), 1, missable=True)
    block.keep("promis_pain", score(57.0, 8.0, -5.0, 38.0, 78.0, 3.0), 1, missable=True)
    block.keep("promis_depression", score(54.0, 8.0, -4.0, 37.0, 82.0, 3.0), 1,
               missable=True)
    p_damage = 0.008 + 0.0006 * prednisone + 0.02 * (course.flare_start > 0)
    damage = (block.uniform() < p_damage) & design.post
    slicc = rng.poisson(0.7, n)[:, None] + np.cumsum(damage, axis=1, dtype=np.int16)
    block.keep("slicc_di", slicc.astype(np.int64))


def _qol_gain(course: _Course) -> np.ndarray:
    """Improvement of patient-reported outcomes at each visit: 0 at baseline, up to 1
    with a full response, lowered by flares."""
    return _col(np.maximum(0.0, course.depth_qol)) * course.f - 0.3 * course.flare_any


def _identifiers(subjects: slice, design: _Design, course: _Course, block: _Block) -> None:
    """Subject, arm, day and demographics of each attended visit (category codes)."""
    counts = course.counts
    first = subjects.start
    block.columns["subject_id"] = np.repeat(np.arange(first, first + block.n), counts)
    block.columns["arm"] = np.repeat(design.arm_codes, counts)
    block.keep("day", design.day)
    block.columns["age"] = np.repeat(course.age, counts)
    block.columns["sex"] = np.repeat((~course.sex_f).view(np.int8), counts)


# --- the later columns (second random stream) -------------------------------------------

# Haematological activity of a BILAG grade (A .. E) for the blood counts.
_HAEM_ACTIVITY = np.array([1.0, 0.7, 0.35, 0.05, 0.0], dtype=np.float32)


def _blood(course: _Course, prednisone: np.ndarray, block: _Block) -> None:
    """ANA titre, blood counts (x10^9/L) and haemoglobin (g/dL).

    Each subject has one kind of SLE cytopenia (thrombocytopenia 50%, leukopenia 40%,
    haemolytic anaemia 10%) that shows when the haematological BILAG domain is active
    (grade A: platelets ~22, white cells ~2, or haemoglobin ~8; B: ~45, ~2.6, ~9; C:
    mild), so the SLEDAI's cytopenia point mostly has a count below 100 or 3 behind it.
    Lymphopenia follows serological activity; prednisone raises the white cells
    (neutrophils) and lowers the lymphocyte fraction. Neutrophils + lymphocytes stay
    below the white cells (monocytes, eosinophils and basophils make 5-15%).
    """
    rng, n = block.rng, block.n
    grade = np.full(block.shape, 4, dtype=np.int8)
    grade[block.attended] = block.columns["bilag_haematological"]
    haem = _HAEM_ACTIVITY[grade]
    activity = _serological_activity(course)
    steroid = np.minimum(prednisone, 60.0).astype(np.float32)
    # ANA: a reciprocal titre on the dilution ladder 1:40 .. 1:2560
    ana0 = rng.normal(3.4, 1.1, n)  # ladder step: 0 = 1:40, 3 = 1:320, 6 = 1:2560
    step = _col(ana0) - 1.6 * (1.0 - activity) + block.wobble(0.45, 0.6)
    block.keep("ana", 40.0 * np.exp2(np.clip(np.rint(step), 0.0, 6.0)), missable=True)
    kind = rng.choice(3, size=n, p=[0.5, 0.4, 0.1])
    platelets0 = np.exp(rng.normal(np.log(245.0), 0.22, n))
    drop = _col(np.where(kind == 0, 2.4, 0.3)) * haem
    platelets = _col(platelets0) * np.exp(block.wobble(0.12, 0.4) - drop)
    block.keep("platelets", np.clip(platelets, 3.0, 900.0), 0, missable=True)
    wbc0 = np.exp(rng.normal(np.log(5.4), 0.25, n))
    drop = _col(np.where(kind == 1, 1.3, 0.25)) * haem
    wbc = _col(wbc0) * np.exp(block.wobble(0.12, 0.4) - drop) * (1.0 + 0.006 * steroid)
    wbc = np.clip(wbc, 0.8, 30.0)
    lymph0 = np.clip(rng.normal(0.20, 0.06, n), 0.05, 0.45)  # fraction of the white cells
    lymph = _col(lymph0) * np.exp(0.35 * (1.0 - activity) - 0.006 * steroid
                                  + block.normal(0.08))
    lymph = np.minimum(lymph, 0.6)
    other = _col(np.clip(rng.normal(0.09, 0.02, n), 0.05, 0.15))
    block.keep("wbc", wbc, 2, missable=True)
    block.keep("neutrophils", wbc * (1.0 - other - lymph), 2, missable=True)
    block.keep("lymphocytes", wbc * lymph, 2, missable=True)
    hb0 = np.where(course.sex_f, rng.normal(12.3, 1.1, n), rng.normal(13.9, 1.2, n))
    hb0 -= 0.5 * course.renal_involved
    hb = (_col(hb0) + 0.6 * (1.0 - np.minimum(activity, 1.5)) + block.wobble(0.35, 0.5)
          - _col(np.where(kind == 2, 4.5, 0.8)) * haem)
    block.keep("hemoglobin", np.clip(hb, 4.5, 19.0), 1, missable=True)


def _panel(design: _Design, course: _Course, block: _Block) -> None:
    """The NCT03917797 biomarker panel (:data:`PANEL`), log-normal, and the B-cell
    subsets: memory (~25%), transitional (~6%, raised in SLE) and the others
    (plasmablasts, double-negative; ~9%) fall with activity, naive B cells are the rest."""
    rng, n = block.rng, block.n
    activity = _serological_activity(course) - 1.0
    treated = _col(design.experimental) * course.f
    for name, (median, between, within, slope, effect, decimals) in PANEL.items():
        log = _col(np.log(median) + rng.normal(0.0, between, n)) + block.normal(within)
        log += slope * activity + effect * treated
        block.keep(name, np.exp(log), decimals, missable=True)

    def subset(median: float, between: float, slope: float, effect: float) -> np.ndarray:
        log = _col(np.log(median) + rng.normal(0.0, between, n)) + block.normal(0.1)
        return np.exp(log + slope * activity + effect * treated)

    memory, transitional = subset(25.0, 0.35, 0.25, -0.1), subset(6.0, 0.5, 0.3, 0.0)
    others = subset(9.0, 0.4, 0.5, -0.1)
    total = memory + transitional + others
    scale = np.minimum(1.0, 90.0 / total)  # naive B cells are at least 10%
    block.keep("b_memory", memory * scale, 1, missable=True)
    block.keep("b_transitional", transitional * scale, 1, missable=True)
    block.keep("b_naive", 100.0 - total * scale, 1, missable=True)


def _function(course: _Course, block: _Block) -> None:
    """HAQ disability index (0-3 in steps of 1/8), Lupus Impact Tracker (0-100 in steps
    of 2.5, higher is worse) and the SF-36 physical and mental component summaries
    (norm-based: general population 50 +- 10); all improve with response."""
    rng, n = block.rng, block.n
    gain = _qol_gain(course)

    def score(mean: float, sd: float, change: float, low: float, high: float,
              noise: float, step: float) -> np.ndarray:
        base = _col(np.clip(rng.normal(mean, sd, n), low, high))
        value = np.clip(base + change * gain + block.normal(noise), low, high)
        return np.rint(value / step) * step

    block.keep("haq", score(0.8, 0.6, -0.45, 0.0, 3.0, 0.12, 0.125), 3, missable=True)
    block.keep("lit", score(45.0, 18.0, -15.0, 0.0, 100.0, 5.0, 2.5), 1, missable=True)
    block.keep("sf36_pcs", score(38.0, 8.5, 6.0, 10.0, 70.0, 2.5, 0.1), 1, missable=True)
    block.keep("sf36_mcs", score(41.0, 10.0, 5.0, 5.0, 75.0, 3.0, 0.1), 1, missable=True)


def _limits(course: _Course, block: _Block) -> None:
    """The reference-limit columns (:data:`REFERENCE_LIMITS`): the same at every visit,
    never missing; sex-specific where the limit is a (female, male) pair."""
    for column, limits in REFERENCE_LIMITS.items():
        for suffix, limit in zip(("_lln", "_uln"), limits, strict=True):
            if limit is None:
                continue
            female, male = limit if isinstance(limit, tuple) else (limit, limit)
            value = np.where(course.sex_f, float(female), float(male))
            block.columns[f"{column}{suffix}"] = np.repeat(value, course.counts)


# --- adverse events ------------------------------------------------------------------

_INFECTIONS = "Infections and infestations"
_GENERAL = "General disorders and administration site conditions"
_GASTRO = "Gastrointestinal disorders"
_NERVOUS = "Nervous system disorders"
_SKIN = "Skin and subcutaneous tissue disorders"
_BLOOD = "Blood and lymphatic system disorders"
_PROCEDURAL = "Injury, poisoning and procedural complications"

#: Background adverse events: MedDRA preferred term, its primary system organ class,
#: rate per subject-year, probability that the investigator judges an event related to
#: the study treatment (in an experimental arm; 60% of it in a control arm), CTCAE grade
#: probabilities (grades 1 .. 5) and median duration in days. Rates and grades are of the
#: order seen in lupus nephritis and MSC trials on standard of care; illustrative only.
AE_TERMS: tuple[tuple[str, str, float, float, tuple[float, ...], float], ...] = (
    ("Upper respiratory tract infection", _INFECTIONS, 0.40, 0.10,
     (0.62, 0.33, 0.05, 0.0, 0.0), 7.0),
    ("Nasopharyngitis", _INFECTIONS, 0.25, 0.05, (0.80, 0.19, 0.01, 0.0, 0.0), 6.0),
    ("Urinary tract infection", _INFECTIONS, 0.20, 0.10, (0.45, 0.47, 0.08, 0.0, 0.0), 7.0),
    ("Herpes zoster", _INFECTIONS, 0.05, 0.25, (0.20, 0.68, 0.12, 0.0, 0.0), 18.0),
    ("Pneumonia", _INFECTIONS, 0.03, 0.15, (0.0, 0.35, 0.55, 0.095, 0.005), 14.0),
    ("Pyrexia", _GENERAL, 0.08, 0.10, (0.75, 0.23, 0.02, 0.0, 0.0), 2.0),
    ("Fatigue", _GENERAL, 0.10, 0.10, (0.70, 0.28, 0.02, 0.0, 0.0), 21.0),
    ("Oedema peripheral", _GENERAL, 0.05, 0.05, (0.70, 0.28, 0.02, 0.0, 0.0), 30.0),
    ("Nausea", _GASTRO, 0.14, 0.30, (0.75, 0.23, 0.02, 0.0, 0.0), 4.0),
    ("Diarrhoea", _GASTRO, 0.14, 0.30, (0.72, 0.25, 0.03, 0.0, 0.0), 4.0),
    ("Vomiting", _GASTRO, 0.05, 0.25, (0.75, 0.23, 0.02, 0.0, 0.0), 2.0),
    ("Headache", _NERVOUS, 0.20, 0.15, (0.75, 0.23, 0.02, 0.0, 0.0), 2.0),
    ("Dizziness", _NERVOUS, 0.06, 0.10, (0.80, 0.19, 0.01, 0.0, 0.0), 3.0),
    ("Rash", _SKIN, 0.10, 0.15, (0.70, 0.27, 0.03, 0.0, 0.0), 10.0),
    ("Alopecia", _SKIN, 0.04, 0.10, (0.80, 0.20, 0.0, 0.0, 0.0), 60.0),
    ("Leukopenia", _BLOOD, 0.06, 0.40, (0.35, 0.50, 0.14, 0.01, 0.0), 21.0),
    ("Anaemia", _BLOOD, 0.06, 0.10, (0.40, 0.45, 0.14, 0.01, 0.0), 30.0),
    ("Alanine aminotransferase increased", "Investigations", 0.05, 0.40,
     (0.75, 0.20, 0.05, 0.0, 0.0), 21.0),
    ("Hypertension", "Vascular disorders", 0.06, 0.05, (0.30, 0.55, 0.15, 0.0, 0.0), 60.0),
    ("Arthralgia", "Musculoskeletal and connective tissue disorders", 0.10, 0.05,
     (0.70, 0.28, 0.02, 0.0, 0.0), 14.0),
    ("Insomnia", "Psychiatric disorders", 0.04, 0.10, (0.80, 0.20, 0.0, 0.0, 0.0), 14.0),
    ("Cough", "Respiratory, thoracic and mediastinal disorders", 0.08, 0.05,
     (0.80, 0.20, 0.0, 0.0, 0.0), 10.0),
)

#: Events in the days after an infusion: term, system organ class, probability per
#: infusion in an experimental arm and in a control arm, latest start (days after the
#: infusion), CTCAE grade probabilities. They are related to the infusion in the
#: experimental arms, in half the cases in the control arms (placebo or vehicle infusion).
INFUSION_TERMS: tuple[tuple[str, str, float, float, int, tuple[float, ...]], ...] = (
    ("Infusion related reaction", _PROCEDURAL, 0.12, 0.03, 1, (0.70, 0.27, 0.03, 0.0, 0.0)),
    ("Pyrexia", _GENERAL, 0.08, 0.02, 2, (0.75, 0.23, 0.02, 0.0, 0.0)),
    ("Headache", _NERVOUS, 0.04, 0.02, 1, (0.80, 0.19, 0.01, 0.0, 0.0)),
)

# Probability that an event of a grade (1 .. 5) is serious.
_SERIOUS = np.array([0.003, 0.02, 0.45, 0.9, 1.0])


def simulate_adverse_events(visits: pd.DataFrame, trial: str | TrialDefinition,
                            seed: int = 0) -> pd.DataFrame:
    """Simulate the adverse events of the subjects of a visit table (SPEC section 6).

    Background events (:data:`AE_TERMS`: common infections, gastrointestinal,
    nervous-system, skin, blood and laboratory events, ...) happen at a rate per year of
    follow-up that varies between subjects (gamma frailty: some subjects have none, a few
    many), starting uniformly between day 0 and the subject's last visit. Infusions
    (day 0, and the days named as "month N" / "week N" in an arm's description, e.g. the
    month-6 infusion of NCT03917797) bring infusion-related reactions, pyrexia and headache
    in the next days (:data:`INFUSION_TERMS`): often and always related in the
    experimental arms, seldom and half of them related in the control arms, whose
    background events are also less often judged related. Grades are mostly 1-2, few 3,
    rarely 4 (5 practically never); grade 3 and higher events are often serious. An
    event still going on at the subject's last visit has no ``end_day``.

    Parameters
    ----------
    visits : DataFrame
        A visit table with ``subject_id``, ``day`` and (optionally) ``arm``, e.g. from
        :func:`simulate`. A subject's arm is experimental unless it matches (ignoring
        case) an arm the trial marks ``control``; without an ``arm`` column every subject
        is.
    trial : str or TrialDefinition
        The trial (its arms and their descriptions).
    seed : int, default 0
        Seed of the random generator: the same visits and seed give an identical table.

    Returns
    -------
    DataFrame
        One row per event, sorted by subject (in the order of `visits`), start day and
        term: ``subject_id`` (the dtype of the visits' column; a categorical keeps all
        its categories), ``term`` and ``body_system`` (MedDRA preferred term and system
        organ class, string), ``start_day`` and ``end_day`` (Int64, ``end_day`` missing
        while ongoing), ``grade`` (CTCAE, Int64), ``related`` and ``serious``
        (boolean).

    Raises
    ------
    InputError
        If `visits` lacks ``subject_id`` or ``day``, or `seed` is not a non-negative
        integer.
    UnknownTrialError
        If `trial` is an unknown ID.

    Examples
    --------
    >>> import endpoints as ep
    >>> from endpoints.simulate import simulate_adverse_events
    >>> visits = ep.simulate("NCT03917797", n_per_arm=20, seed=1)
    >>> events = simulate_adverse_events(visits, "NCT03917797", seed=1)
    >>> events.loc[:3, ["subject_id", "term", "start_day", "grade", "related"]]
      subject_id                               term  start_day  grade  related
    0   MSC-0001                           Headache         10      2    False
    1   MSC-0001  Upper respiratory tract infection        310      1     True
    2   MSC-0003                            Pyrexia          0      1     True
    3   MSC-0003  Upper respiratory tract infection        104      1    False
    >>> arm = events["subject_id"].str[:3]
    >>> events.groupby(arm).size().to_dict(), events.groupby(arm).related.sum().to_dict()
    ({'MSC': 48, 'PLA': 53}, {'MSC': 18, 'PLA': 1})
    """
    definition = trial if isinstance(trial, TrialDefinition) else registry.get_trial(trial)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError("seed=", f"must be a non-negative integer, got {seed!r}")
    for column in ("subject_id", "day"):
        if column not in visits:
            raise InputError(column, "required column missing from the visit table")
    rng = np.random.default_rng([int(seed), 0xAE])  # not the stream of simulate(seed)
    codes, subjects = pd.factorize(visits["subject_id"], use_na_sentinel=True)
    if (codes < 0).any():
        raise InputError("subject_id", "missing subject IDs")
    n = len(subjects)
    day = pd.to_numeric(visits["day"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    last = pd.Series(day).groupby(codes).max().reindex(range(n)).to_numpy()
    follow = np.maximum(np.nan_to_num(last, nan=-1.0), -1.0).astype(np.int64)  # -1: none
    first_row = np.unique(codes, return_index=True)[1]
    experimental, infusions = _arms(definition, visits, first_row)

    # background events: Poisson counts per subject and term
    years = np.maximum(follow + 1, 0) / 365.25
    frailty = rng.gamma(2.0, 0.5, n)
    rates = np.array([t[2] for t in AE_TERMS])
    counts = rng.poisson(np.outer(years * frailty, rates))
    who = np.repeat(np.repeat(np.arange(n), len(AE_TERMS)), counts.ravel())
    term = np.repeat(np.tile(np.arange(len(AE_TERMS)), n), counts.ravel())
    start = np.floor(rng.random(len(who)) * (follow[who] + 1)).astype(np.int64)
    p_related = np.array([t[3] for t in AE_TERMS])[term] * np.where(experimental[who], 1.0,
                                                                     0.6)
    related = rng.random(len(who)) < p_related
    grade = _draw_grades(rng, np.array([t[4] for t in AE_TERMS]), term)
    duration = np.array([t[5] for t in AE_TERMS])[term] * np.exp(rng.normal(0.0, 0.6,
                                                                            len(who)))
    names = [t[0] for t in AE_TERMS]
    systems = [t[1] for t in AE_TERMS]
    parts = [(who, term, start, grade, related, duration)]

    # events after infusions
    for name, system, p_exp, p_control, latest, grades in INFUSION_TERMS:
        for infusion_day, given in infusions.items():
            at = given & (follow >= infusion_day)
            p = np.where(experimental, p_exp, p_control) * at
            hit = np.flatnonzero(rng.random(n) < p)
            begin = infusion_day + rng.integers(0, latest + 1, len(hit))
            begin = np.minimum(begin, follow[hit])
            rel = experimental[hit] | (rng.random(len(hit)) < 0.5)
            g = _draw_grades(rng, np.array([grades]), np.zeros(len(hit), dtype=np.int64))
            code = np.full(len(hit), len(names), dtype=np.int64)
            parts.append((hit, code, begin, g, rel, rng.uniform(0.0, 1.5, len(hit))))
        names.append(name)
        systems.append(system)

    who, term, start, grade, related, duration = (np.concatenate(x) for x in zip(*parts,
                                                                                 strict=True))
    serious = rng.random(len(who)) < _SERIOUS[grade - 1]
    end = start + np.rint(duration).astype(np.int64)
    ongoing = end > follow[who]
    order = np.lexsort((term, start, who))
    names_arr, systems_arr = np.array(names, dtype=object), np.array(systems, dtype=object)
    return pd.DataFrame({
        "subject_id": subjects.take(who[order]),
        "term": pd.array(names_arr[term[order]], dtype="string"),
        "start_day": pd.array(start[order], dtype="Int64"),
        "end_day": pd.arrays.IntegerArray(end[order], ongoing[order]),
        "grade": pd.array(grade[order], dtype="Int64"),
        "related": pd.array(related[order], dtype="boolean"),
        "serious": pd.array(serious[order], dtype="boolean"),
        "body_system": pd.array(systems_arr[term[order]], dtype="string"),
    })


def _arms(trial: TrialDefinition, visits: pd.DataFrame,
          first_row: np.ndarray) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Whether each subject is in an experimental arm, and which subjects have an
    infusion on each infusion day (day 0, plus the "month N" / "week N" of an arm's
    description)."""
    n = len(first_row)
    arms = {a.label.strip().casefold(): a for a in trial.arms}
    if "arm" not in visits or not arms:
        return np.ones(n, dtype=bool), {0: np.ones(n, dtype=bool)}
    # per distinct label, not per subject
    codes, labels = pd.factorize(visits["arm"].to_numpy(dtype=object)[first_row],
                                 use_na_sentinel=False)
    keys = [str(label).strip().casefold() for label in labels]
    control = np.array([k in arms and arms[k].control for k in keys], dtype=bool)
    infusions: dict[int, np.ndarray] = {0: np.ones(n, dtype=bool)}
    for key, arm in arms.items():
        for unit, number in re.findall(r"\b(month|week)\s+(\d+)", arm.description, re.I):
            day = round(30.4375 * int(number)) if unit.lower() == "month" else 7 * int(number)
            if day > 0:
                given = np.array([k == key for k in keys], dtype=bool)
                infusions[day] = infusions.get(day, np.zeros(n, dtype=bool)) | given[codes]
    return ~control[codes], infusions


def _draw_grades(rng: np.random.Generator, probabilities: np.ndarray,
                 rows: np.ndarray) -> np.ndarray:
    """CTCAE grades (1 .. 5) of events, each from its row of grade probabilities."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative /= cumulative[:, -1:]
    u = rng.random(len(rows))
    return 1 + (u[:, None] > cumulative[rows]).sum(axis=1)
