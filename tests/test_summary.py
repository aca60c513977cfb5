"""Tests of ``ep.summarize``: hand-computed intervals, tests, imputation, counts, layout.

Result frames are written by hand (a few subjects per arm with chosen results), so each
expected number can be worked out on paper. Wilson and Newcombe bounds are checked
against a tiny transcription of the textbook formulas and against literals; Fisher's
test against exact hypergeometric sums (fractions), Cochran-Mantel-Haenszel against its
formula, Welch against scipy and statsmodels, Kaplan-Meier against a hand product-limit
estimate with Greenwood's variance and scipy's ``ecdf``, and the log-rank test against a
hand computation, scipy's ``logrank`` and R's published ``aml`` output.
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

import endpoints as ep

MSC_ROLE = "NCT03917797"  # arms MSC, Placebo (control)
VALLADOLID = "NCT03673748"  # steroid_reduction_category: >50%, 25-50%, otherwise <25%
NANJING = "NCT03580291"  # arms MSC, MMF (control); time_to_complete_response at week 24
MISLE = "NCT02633163"  # arms MSC low dose, MSC high dose, Placebo (control)
NEW_COLUMNS = ["events", "median_low", "median_high", "p_value", "test"]
Z = 1.959963984540054  # 97.5th percentile of the standard normal


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson score interval: (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)."""
    p = k / n
    centre = p + Z**2 / (2 * n)
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return (centre - half) / (1 + Z**2 / n), (centre + half) / (1 + Z**2 / n)


def newcombe(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float]:
    """Newcombe's hybrid score interval (method 10) for p1 - p2."""
    p1, p2 = k1 / n1, k2 / n2
    (l1, u1), (l2, u2) = wilson(k1, n1), wilson(k2, n2)
    d = p1 - p2
    return d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt(
        (u1 - p1) ** 2 + (p2 - l2) ** 2
    )


def make(arms: dict[str, list], *, endpoint: str = "treatment_failure",
         timepoint: str = "week 24", trial: str = MSC_ROLE, column: str = "result"):
    """A results frame and its visit table: arm -> list of results (or values/categories).

    Subject IDs are integers in the visits and strings in the results, as ep.score makes
    them."""
    ids, arm_of, cells = [], [], []
    for arm, values in arms.items():
        for value in values:
            ids.append(len(ids) + 1)
            arm_of.append(arm)
            cells.append(value)
    n = len(ids)
    results = pd.DataFrame({
        "trial_id": pd.array([trial] * n, dtype="string"),
        "subject_id": pd.array([str(i) for i in ids], dtype="string"),
        "endpoint": pd.array([endpoint] * n, dtype="string"),
        "timepoint": pd.array([timepoint] * n, dtype="string"),
        "day": pd.array([168] * n, dtype="Int64"),
        "result": pd.array([pd.NA] * n, dtype="boolean"),
        "category": pd.array([pd.NA] * n, dtype="string"),
        "value": pd.array([pd.NA] * n, dtype="Float64"),
        "reason": pd.array(["x"] * n, dtype="string"),
    })
    results[column] = pd.array(cells, dtype=results[column].dtype)
    visits = pd.DataFrame({"subject_id": ids, "day": 0, "arm": arm_of})
    return results, visits


def row(summary: pd.DataFrame, arm: str, **where) -> pd.Series:
    sel = summary[summary["arm"] == arm]
    for column, value in where.items():
        sel = sel[sel[column] == value]
    assert len(sel) == 1, sel
    return sel.iloc[0]


# --------------------------------------------------------------------------------------
# Binary endpoints: Wilson intervals, Newcombe differences, imputation
# --------------------------------------------------------------------------------------


def test_wilson_helper_matches_literals():
    assert wilson(7, 20) == pytest.approx((0.1812, 0.5671), abs=5e-5)
    assert wilson(3, 10) == pytest.approx((0.1078, 0.6032), abs=5e-5)


def test_wilson_interval_7_of_20_and_0_of_10():
    results, visits = make({"MSC": [True] * 7 + [False] * 13, "Placebo": [False] * 10})
    s = ep.summarize(results, visits)
    msc, placebo = row(s, "MSC"), row(s, "Placebo")
    assert (msc.n, msc.responders, msc.proportion) == (20, 7, 0.35)
    assert (msc.ci_low, msc.ci_high) == pytest.approx(wilson(7, 20), abs=1e-12)
    assert (msc.ci_low, msc.ci_high) == pytest.approx((0.1812, 0.5671), abs=5e-5)
    assert (placebo.n, placebo.responders, placebo.proportion) == (10, 0, 0.0)
    assert (placebo.ci_low, placebo.ci_high) == pytest.approx((0.0, 0.2775), abs=5e-5)
    assert (placebo.ci_low, placebo.ci_high) == pytest.approx(wilson(0, 10), abs=1e-12)
    assert msc.kind == "binary" and msc.not_evaluable == 0


def test_newcombe_difference_against_the_control_arm():
    results, visits = make({"MSC": [True] * 7 + [False] * 13,
                            "Placebo": [True] * 3 + [False] * 7})
    s = ep.summarize(results, visits)  # default reference: the control arm, Placebo
    msc, placebo = row(s, "MSC"), row(s, "Placebo")
    assert msc.difference == pytest.approx(0.35 - 0.3)
    assert (msc.diff_low, msc.diff_high) == pytest.approx(newcombe(7, 20, 3, 10), abs=1e-12)
    assert (msc.diff_low, msc.diff_high) == pytest.approx((-0.2970, 0.3400), abs=5e-5)
    assert np.isnan([placebo.difference, placebo.diff_low, placebo.diff_high]).all()


def test_explicit_reference_flips_the_difference():
    results, visits = make({"MSC": [True] * 7 + [False] * 13,
                            "Placebo": [True] * 3 + [False] * 7})
    s = ep.summarize(results, visits, reference="MSC")
    placebo, msc = row(s, "Placebo"), row(s, "MSC")
    assert placebo.difference == pytest.approx(-0.05)
    assert (placebo.diff_low, placebo.diff_high) == pytest.approx(newcombe(3, 10, 7, 20))
    assert np.isnan(msc.difference) and np.isnan(msc.diff_low)


def test_non_responder_imputation_versus_observed():
    values = [True] * 4 + [False] * 3 + [pd.NA] * 3
    results, visits = make({"MSC": values, "Placebo": [True, False, pd.NA, pd.NA]},
                           endpoint="complete_renal_response", timepoint="month 12")
    nri = ep.summarize(results, visits)
    obs = ep.summarize(results, visits, missing="observed")
    msc = row(nri, "MSC")
    assert (msc.n, msc.responders, msc.not_evaluable) == (10, 4, 3)
    assert msc.proportion == 0.4
    assert (msc.ci_low, msc.ci_high) == pytest.approx(wilson(4, 10))
    msc = row(obs, "MSC")
    assert (msc.n, msc.responders, msc.not_evaluable) == (7, 4, 3)
    assert msc.proportion == pytest.approx(4 / 7)
    assert (msc.ci_low, msc.ci_high) == pytest.approx(wilson(4, 7))
    assert (msc.diff_low, msc.diff_high) == pytest.approx(newcombe(4, 7, 1, 2))
    placebo = row(obs, "Placebo")
    assert (placebo.n, placebo.responders, placebo.not_evaluable) == (2, 1, 2)


def test_group_with_no_evaluable_subject_has_no_interval():
    results, visits = make({"MSC": [pd.NA, pd.NA], "Placebo": [True, False]})
    msc = row(ep.summarize(results, visits, missing="observed"), "MSC")
    assert msc.n == 0 and msc.not_evaluable == 2
    assert np.isnan([msc.proportion, msc.ci_low, msc.ci_high, msc.difference]).all()


def test_binary_categorical_endpoint_is_summarised_as_binary():
    results, visits = make({"MSC": ["CR", "PR", "NR", pd.NA], "Placebo": ["NR", "NR"]},
                           endpoint="renal_response", timepoint="month 12",
                           column="category")
    results["result"] = pd.array([True, True, False, pd.NA, False, False], dtype="boolean")
    s = ep.summarize(results, visits)
    msc = row(s, "MSC")
    assert (msc.kind, msc.n, msc.responders, msc.not_evaluable) == ("binary", 4, 2, 1)
    assert pd.isna(msc.category)


# --------------------------------------------------------------------------------------
# Continuous and categorical endpoints
# --------------------------------------------------------------------------------------


def test_continuous_statistics_match_numpy():
    msc = [-6.0, -2.5, 0.0, 1.0, 4.0, pd.NA]
    placebo = [-1.0, 3.0]
    results, visits = make({"MSC": msc, "Placebo": placebo}, endpoint="sledai_change",
                           timepoint="month 12", column="value")
    s = ep.summarize(results, visits, missing="non_responder")  # no imputation of values
    r = row(s, "MSC")
    x = np.array(msc[:-1], dtype=float)
    assert r.kind == "continuous"
    assert (r.n, r.not_evaluable) == (5, 1)
    assert r["mean"] == pytest.approx(np.mean(x))
    assert r.sd == pytest.approx(np.std(x, ddof=1))
    assert r["median"] == pytest.approx(np.median(x))
    assert (r.q1, r.q3) == pytest.approx(tuple(np.percentile(x, [25, 75])))
    assert pd.isna(r.responders) and np.isnan(r.proportion)
    assert r.difference == pytest.approx(np.mean(x) - 1.0)  # Welch: see the tests below
    r = row(s, "Placebo")
    assert (r.n, r["mean"], r.sd) == (2, 1.0, pytest.approx(math.sqrt(8)))
    assert np.isnan(r.difference) and pd.isna(r.test)  # the reference


def test_categorical_counts_include_empty_categories():
    cats = [">50%", ">50%", "<25%", pd.NA]
    results, visits = make({"MSC": cats, "Placebo": ["25-50%", "<25%", "<25%"]},
                           trial=VALLADOLID, endpoint="steroid_reduction_category",
                           column="category")
    s = ep.summarize(results, visits)
    assert (s["kind"] == "categorical").all()
    msc = s[s["arm"] == "MSC"]
    # definition order: the categories, then the `otherwise` category, then the missing
    assert msc["category"].tolist() == [">50%", "25-50%", "<25%", "<missing>"]
    assert msc["count"].tolist() == [2, 0, 1, 1]
    assert msc["n"].tolist() == [4, 4, 4, 4]  # every subject of the arm
    assert msc["not_evaluable"].tolist() == [1, 1, 1, 1]
    assert msc["proportion"].tolist() == pytest.approx([0.5, 0.0, 0.25, 0.25])
    placebo = s[s["arm"] == "Placebo"]
    assert placebo["count"].tolist() == [0, 1, 2, 0]  # the missing row even when empty
    assert placebo["n"].tolist() == [3, 3, 3, 3]


# --------------------------------------------------------------------------------------
# Layout: groups, every endpoint x timepoint x arm, ordering, errors
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scored():
    visits = pd.DataFrame({
        "subject_id": [1, 1, 1, 2, 2, 2, 3, 3],
        "day": [0, 168, 365, 0, 170, 360, 0, 168],
        "arm": ["MSC", "MSC", "MSC", "Placebo", "Placebo", "Placebo", "MSC", "MSC"],
        "upcr": [3.0, 1.0, 0.3, 2.0, 1.9, 1.5, 4.0, 2.0],
        "egfr": [90.0, 92.0, 95.0, 70.0, 66.0, 60.0, 80.0, 81.0],
        "prednisone": [40.0, 10.0, 5.0, 40.0, 15.0, 10.0, 30.0, 7.5],
        "sledai": [12, 6, 4, 10, 12, 14, 8, 6],
        "c3": [60.0, 80.0, 90.0, 70.0, 72.0, 75.0, 55.0, 58.0],
    })
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ep.EndpointsWarning)
        results = ep.score(visits, MSC_ROLE)
    return visits, results


def test_every_endpoint_timepoint_and_arm_is_present(scored):
    visits, results = scored
    s = ep.summarize(results, visits)
    trial = ep.get_trial(MSC_ROLE)
    expected = {(e.name, t, arm) for e in trial.endpoints for t in e.timepoints
                for arm in ("MSC", "Placebo")}
    assert set(zip(s.endpoint, s.timepoint, s.arm, strict=True)) == expected
    assert len(s) == len(expected)  # no categorical endpoint (renal_response is binary)
    assert s.arm.isin(["MSC", "Placebo"]).all()
    kinds = {e.name: e.kind for e in trial.endpoints}
    assert {name: kinds[name] for name in s.loc[s.kind == "continuous", "endpoint"]} == {
        name: "change" for name in s.loc[s.kind == "continuous", "endpoint"]}
    tf = s[s.endpoint == "treatment_failure"]
    assert tf.timepoint.tolist() == ["week 24", "week 24", "month 12", "month 12"]
    assert tf.day.tolist() == [168, 168, 365, 365]
    assert row(s, "MSC", endpoint="treatment_failure", timepoint="week 24").n == 2


def test_reference_rows_have_nan_differences(scored):
    visits, results = scored
    s = ep.summarize(results, visits)
    binary = s[s.kind == "binary"]
    ref = binary[binary.arm == "Placebo"]
    assert ref[["difference", "diff_low", "diff_high"]].isna().all().all()
    other = binary[(binary.arm == "MSC") & binary.proportion.notna()]
    assert other["difference"].notna().all()
    assert np.allclose(other["difference"].to_numpy(),
                       other["proportion"].to_numpy() - ref["proportion"].to_numpy())


def test_inputs_are_not_mutated(scored):
    visits, results = scored
    before_v, before_r = visits.copy(), results.copy()
    ep.summarize(results, visits, missing="observed")
    pd.testing.assert_frame_equal(visits, before_v)
    pd.testing.assert_frame_equal(results, before_r)


def test_group_is_first_non_missing_value_and_unknown_subjects_are_na():
    results, _ = make({"x": [True, False, True]})
    visits = pd.DataFrame({"subject_id": [1, 1, 2, 2], "day": [28, 0, 0, 28],
                           "site": [None, "B", None, "A"]})
    # subject 1: earliest non-missing site is B (day 0); subject 2: A; subject 3: absent
    with pytest.warns(ep.EndpointsWarning, match="no group of 'site' matches the trial's "
                      "control arm"):  # sites are not arms: the reference is a guess
        s = ep.summarize(results, visits, by="site")
    assert s["site"].tolist() == ["A", "B", "<NA>"]
    assert s["responders"].tolist() == [0, 1, 1]
    # no control arm among sites: the reference is the first site in sorted order, A;
    # the subjects without a site are not compared
    assert np.isnan(s["difference"].iloc[0]) and s["difference"].iloc[1] == 1.0
    assert np.isnan(s["difference"].iloc[2])


def test_unregistered_trial_is_given_explicitly(scored):
    visits, results = scored
    trial = ep.get_trial(MSC_ROLE).model_copy(update={"id": "CUSTOM-1"})
    custom = results.assign(trial_id=pd.array(["CUSTOM-1"] * len(results), dtype="string"))
    with pytest.raises(ep.UnknownTrialError):
        ep.summarize(custom, visits)
    s = ep.summarize(custom, visits, trial=trial)
    expected = ep.summarize(results, visits).assign(
        trial_id=pd.array(["CUSTOM-1"] * len(s), dtype="string"))
    pd.testing.assert_frame_equal(s, expected)


def test_errors():
    results, visits = make({"MSC": [True], "Placebo": [False]})
    with pytest.raises(ep.InputError, match="site"):
        ep.summarize(results, visits, by="site")
    with pytest.raises(ep.InputError, match=r"non_responder.*observed"):
        ep.summarize(results, visits, missing="worst_case")
    with pytest.raises(ep.InputError, match="reference= 'Nope'"):
        ep.summarize(results, visits, reference="Nope")
    with pytest.raises(ep.InputError, match="result"):
        ep.summarize(results.drop(columns="result"), visits)


def test_empty_results_give_an_empty_summary_with_the_columns():
    results, visits = make({"MSC": [True]})
    s = ep.summarize(results.iloc[0:0], visits)
    assert s.empty
    assert {"trial_id", "endpoint", "timepoint", "arm", "kind", "n", "proportion",
            "ci_low", "difference", "mean", "category", "count"} <= set(s.columns)


def test_non_responder_imputation_counts_missing_failures_as_failures():
    """A missing treatment_failure result is imputed as a failure, a missing response
    as a non-response."""
    visits = pd.DataFrame({"subject_id": ["A", "A", "B", "B", "C"], "day": [0, 168, 0, 168, 0],
                           "prednisone": [20.0, 5.0, 20.0, 15.0, 20.0],
                           "new_immunosuppressant": False, "rituximab": False,
                           "arm": ["MSC", "MSC", "MSC", "MSC", "MSC"]})
    with pytest.warns(ep.EndpointsWarning):
        results = ep.score(visits, "NCT03917797")
    summary = ep.summarize(results, visits)
    tf = summary[(summary.endpoint == "treatment_failure") & (summary.timepoint == "week 24")]
    # A: no failure; B: failure (a); C: no week-24 visit -> missing -> imputed failure
    assert (tf.n.iloc[0], tf.responders.iloc[0], tf.not_evaluable.iloc[0]) == (3, 2, 1)
    observed = ep.summarize(results, visits, missing="observed")
    tf = observed[(observed.endpoint == "treatment_failure") & (observed.timepoint == "week 24")]
    assert (tf.n.iloc[0], tf.responders.iloc[0]) == (2, 1)


# --------------------------------------------------------------------------------------
# Hand computations: Fisher, Cochran-Mantel-Haenszel, Kaplan-Meier, log-rank
# --------------------------------------------------------------------------------------


def chi2_1df_sf(x: float) -> float:
    """P(chi-square with 1 df > x) = P(|N(0,1)| > sqrt(x))."""
    return math.erfc(math.sqrt(x / 2))


def fisher(a: int, b: int, c: int, d: int) -> float:
    """Two-sided Fisher exact p of [[a, b], [c, d]]: the exact sum of the hypergeometric
    probabilities (same margins) of tables no more likely than the observed one."""
    row, col, n = a + b, a + c, a + b + c + d

    def prob(x: int) -> Fraction:
        return Fraction(math.comb(col, x) * math.comb(n - col, row - x), math.comb(n, row))

    observed = prob(a)
    return float(sum(prob(x) for x in range(max(0, row - (n - col)), min(row, col) + 1)
                     if prob(x) <= observed))


def cmh(tables: list[tuple[int, int, int, int]]) -> float:
    """Mantel-Haenszel chi-square p-value (no continuity correction) over 2x2 tables
    (a, b, c, d) = (group responders, non-responders, reference responders, non-)."""
    num = var = 0.0
    for a, b, c, d in tables:
        n = a + b + c + d
        num += a - (a + b) * (a + c) / n
        var += (a + b) * (c + d) * (a + c) * (b + d) / (n**2 * (n - 1))
    return chi2_1df_sf(num**2 / var)


def kaplan_meier(times, events) -> list[tuple[float, float, float]]:
    """(event time, S, Greenwood variance of S) at each distinct event time, by hand."""
    out, s, greenwood = [], 1.0, 0.0
    pairs = sorted(zip(times, events, strict=True))
    for t in sorted({t for t, e in pairs if e}):
        at_risk = sum(1 for u, _ in pairs if u >= t)
        died = sum(1 for u, e in pairs if u == t and e)
        s *= 1 - died / at_risk
        greenwood += died / (at_risk * (at_risk - died)) if at_risk > died else math.inf
        out.append((t, s, s * s * greenwood))
    return out


def logrank_terms(group, reference) -> tuple[float, float]:
    """(O - E, V) of the first group's events in the two-sample log-rank test; each
    argument a list of (time, event)."""
    both = [(t, e, 1) for t, e in group] + [(t, e, 0) for t, e in reference]
    o_minus_e = v = 0.0
    for t in sorted({t for t, e, _ in both if e}):
        n = sum(1 for u, _, _ in both if u >= t)
        n1 = sum(1 for u, _, g in both if u >= t and g)
        d = sum(1 for u, e, _ in both if u == t and e)
        d1 = sum(1 for u, e, g in both if u == t and e and g)
        o_minus_e += d1 - d * n1 / n
        v += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1) if n > 1 else 0.0
    return o_minus_e, v


def loglog(s: float, se: float) -> tuple[float, float]:
    """95% log-log interval of a survival probability (Kalbfleisch-Prentice form)."""
    theta, spread = math.log(-math.log(s)), Z * se / (s * abs(math.log(s)))
    return math.exp(-math.exp(theta + spread)), math.exp(-math.exp(theta - spread))


def median_interval(times, events) -> tuple[float, float]:
    """95% Brookmeyer-Crowley interval of the median with the log-log transform, by hand:
    the event times t where |log(-log S(t)) - log(log 2)| <= z se(t) / (S(t) |log S(t)|),
    from the first such time to the event time after the last one (NaN: not reached)."""
    km = [(t, s, v) for t, s, v in kaplan_meier(times, events) if 0 < s < 1]
    inside = [i for i, (_, s, v) in enumerate(km)
              if abs(math.log(-math.log(s)) - math.log(math.log(2)))
              <= Z * math.sqrt(v) / (s * abs(math.log(s)))]
    if not inside:
        return math.nan, math.nan
    all_times = [t for t, _, _ in kaplan_meier(times, events)]
    after = all_times.index(km[inside[-1]][0]) + 1
    return km[inside[0]][0], all_times[after] if after < len(all_times) else math.nan


def make_times(arms: dict[str, list[tuple[float, bool | None]]], *,
               endpoint: str = "time_to_complete_response", timepoint: str = "week 24",
               trial: str = NANJING):
    """A time-to-event result frame: arm -> (day, event) pairs (event None: not
    evaluable, day then missing)."""
    results, visits = make({arm: [e for _, e in pairs] for arm, pairs in arms.items()},
                           endpoint=endpoint, timepoint=timepoint, trial=trial)
    days = [d if e is not None else None for pairs in arms.values() for d, e in pairs]
    results["value"] = pd.array(days, dtype="Float64")
    return results, visits


def test_fisher_hand_helper_matches_literals():
    assert fisher(3, 1, 1, 3) == pytest.approx(34 / 70)  # the tea-tasting table
    assert fisher(5, 5, 0, 10) == pytest.approx(2 * 252 / 15504)


def test_fisher_p_value_of_each_group_against_the_reference():
    results, visits = make({"MSC": [True] * 7 + [False] * 13,
                            "Placebo": [True] * 3 + [False] * 7})
    s = ep.summarize(results, visits)
    msc, placebo = row(s, "MSC"), row(s, "Placebo")
    assert msc.test == "fisher"
    assert msc.p_value == pytest.approx(fisher(7, 13, 3, 7), rel=1e-12)
    assert msc.p_value == pytest.approx(1.0)  # 7/20 vs 3/10: nothing to see
    assert np.isnan(placebo.p_value) and pd.isna(placebo.test)
    results, visits = make({"MSC": [True] * 3 + [False], "Placebo": [True] + [False] * 3})
    assert row(ep.summarize(results, visits), "MSC").p_value == pytest.approx(34 / 70)


def test_fisher_is_defined_when_the_reference_has_no_responder():
    results, visits = make({"MSC": [True] * 5 + [False] * 5, "Placebo": [False] * 10},
                           endpoint="sri4", timepoint="month 12")
    msc = row(ep.summarize(results, visits), "MSC")
    assert msc.p_value == pytest.approx(fisher(5, 5, 0, 10), rel=1e-12)
    assert msc.p_value == pytest.approx(0.0325, abs=5e-5)
    # no responder anywhere: the table has a zero margin, p = 1
    results, visits = make({"MSC": [False] * 4, "Placebo": [False] * 3},
                           endpoint="sri4", timepoint="month 12")
    msc = row(ep.summarize(results, visits), "MSC")
    assert (msc.p_value, msc.test) == (1.0, "fisher")


def test_fisher_table_follows_the_missing_data_mode():
    values = [True] * 4 + [False] * 3 + [pd.NA] * 3
    results, visits = make({"MSC": values, "Placebo": [True, False, pd.NA, pd.NA]},
                           endpoint="complete_renal_response", timepoint="month 12")
    nri = row(ep.summarize(results, visits), "MSC")
    assert nri.p_value == pytest.approx(fisher(4, 6, 1, 3))  # missing = non-responders
    obs = row(ep.summarize(results, visits, missing="observed"), "MSC")
    assert obs.p_value == pytest.approx(fisher(4, 3, 1, 1))


def not_applicable(results: pd.DataFrame, subjects: list[str], reason: str) -> pd.DataFrame:
    """`results` with the subjects' rows made not applicable (result <NA>, the reason)."""
    out = results.copy()
    hit = out["subject_id"].isin(subjects)
    out.loc[hit, "result"] = pd.NA
    out.loc[hit, "category"] = pd.NA
    out.loc[hit, "reason"] = reason
    return out


@pytest.mark.parametrize("missing", ["non_responder", "observed"])
def test_not_applicable_subjects_are_outside_the_tables(missing):
    # steroid_reduction applies to subjects on steroids only: subjects 4 (MSC) and 9
    # (Placebo) are not; subject 5 (MSC) is not evaluable
    results, visits = make({"MSC": [True, True, False, True, pd.NA],
                            "Placebo": [False, False, True, False, False]},
                           trial=VALLADOLID, endpoint="steroid_reduction")
    results = not_applicable(results, ["4", "9"], "not on steroids")
    s = ep.summarize(results, visits, missing=missing)
    msc = row(s, "MSC")
    assert (msc.not_applicable, msc.not_evaluable) == (1, 1)
    assert (msc.n, msc.responders) == ((4, 2) if missing == "non_responder" else (3, 2))
    placebo = row(s, "Placebo")
    assert (placebo.n, placebo.responders, placebo.not_applicable) == (4, 1, 1)
    a, n = msc.responders, msc.n
    assert msc.p_value == pytest.approx(fisher(a, n - a, 1, 3), rel=1e-12)
    strata = visits.assign(site="A")
    assert row(ep.summarize(results, strata, missing=missing, strata="site"),
               "MSC").p_value == pytest.approx(cmh([(a, n - a, 1, 3)]))


def test_cmh_test_over_two_strata_by_hand():
    # MSC: site A 4/5, site B 2/6; Placebo: site A 1/4, site B 1/5
    results, visits = make({"MSC": [True] * 4 + [False] + [True] * 2 + [False] * 4,
                            "Placebo": [True] + [False] * 3 + [True] + [False] * 4},
                           endpoint="sri4", timepoint="month 12")
    visits["site"] = ["A"] * 5 + ["B"] * 6 + ["A"] * 4 + ["B"] * 5
    s = ep.summarize(results, visits, strata="site")
    msc = row(s, "MSC")
    assert msc.test == "cmh"
    assert msc.p_value == pytest.approx(cmh([(4, 1, 1, 3), (2, 4, 1, 4)]), rel=1e-10)
    # not Fisher's p of the pooled table
    assert msc.p_value != pytest.approx(fisher(6, 5, 2, 7))
    # differences and intervals are not stratified
    plain = row(ep.summarize(results, visits), "MSC")
    assert (msc.proportion, msc.difference, msc.diff_low) == (
        plain.proportion, plain.difference, plain.diff_low)
    assert np.isnan(row(s, "Placebo").p_value)


def test_cmh_with_one_stratum_is_the_n_minus_1_chi_square():
    from scipy.stats import chi2, chi2_contingency

    results, visits = make({"MSC": [True] * 7 + [False] * 13,
                            "Placebo": [True] * 3 + [False] * 7})
    msc = row(ep.summarize(results, visits.assign(site="only"), strata="site"), "MSC")
    pearson = chi2_contingency([[7, 13], [3, 7]], correction=False).statistic
    assert msc.p_value == pytest.approx(chi2.sf(pearson * 29 / 30, 1), rel=1e-10)
    assert msc.p_value == pytest.approx(cmh([(7, 13, 3, 7)]), rel=1e-10)


def test_cmh_ignores_strata_without_both_groups_and_subjects_without_a_stratum():
    # stratum C holds MSC subjects only (no information); subject 7 (MSC) has no site:
    # its stratum is "<NA>", alone with one Placebo subject
    results, visits = make({"MSC": [True, True, False, True, True, False, True],
                            "Placebo": [False, True, False, False, False]},
                           endpoint="sri4", timepoint="month 12")
    visits["site"] = ["A", "A", "B", "C", "C", "C", None, "A", "A", "B", "B", None]
    msc = row(ep.summarize(results, visits, strata="site"), "MSC")
    # A: MSC 2/2, Placebo 1/2; B: MSC 0/1, Placebo 0/2; <NA>: MSC 1/1, Placebo 0/1
    assert msc.p_value == pytest.approx(cmh([(2, 0, 1, 1), (0, 1, 0, 2), (1, 0, 0, 1)]))
    # nothing to compare in any stratum: no information, p = 1
    results, visits = make({"MSC": [False] * 3, "Placebo": [False] * 2},
                           endpoint="sri4", timepoint="month 12")
    msc = row(ep.summarize(results, visits.assign(site="A"), strata="site"), "MSC")
    assert (msc.p_value, msc.test) == (1.0, "cmh")


def test_strata_errors():
    results, visits = make({"MSC": [True], "Placebo": [False]})
    with pytest.raises(ep.InputError, match="region"):
        ep.summarize(results, visits, strata="region")
    with pytest.raises(ep.InputError, match="strata="):
        ep.summarize(results, visits, strata="arm")
    with pytest.raises(ep.InputError, match="strata="):
        ep.summarize(results, visits, strata=["site"])


# --------------------------------------------------------------------------------------
# Time to event: Kaplan-Meier and log-rank
# --------------------------------------------------------------------------------------


def test_kaplan_meier_hand_helper():
    # events at 10, 20, 40; censored at 30 and 50
    km = kaplan_meier([10, 20, 30, 40, 50], [1, 1, 0, 1, 0])
    assert [(t, s) for t, s, _ in km] == [(10, 0.8), (20, pytest.approx(0.6)),
                                          (40, pytest.approx(0.3))]
    # Greenwood: S(40)^2 (1/(5*4) + 1/(4*3) + 1/(2*1))
    assert km[-1][2] == pytest.approx(0.09 * (1 / 20 + 1 / 12 + 1 / 2))


def test_kaplan_meier_median_proportion_and_intervals_by_hand():
    msc = [(10, True), (20, True), (30, False), (40, True), (50, False)]
    mmf = [(15, True), (60, False), (70, False), (90, True), (100, False)]
    results, visits = make_times({"MSC": msc, "MMF": mmf})
    s = ep.summarize(results, visits)
    r = row(s, "MSC")
    assert (r.kind, r.day, r.n, r.events, r.not_evaluable) == ("time_to_event", 168, 5, 3, 0)
    assert r["median"] == 40  # S: 0.8, 0.6, 0.3: first below 0.5 at day 40
    # proportion with the event by day 168 = 1 - S(40) = 0.7; log-log interval of S
    _, surv, var = kaplan_meier(*zip(*msc, strict=True))[-1]
    assert r.proportion == pytest.approx(1 - surv) == pytest.approx(0.7)
    s_low, s_high = loglog(surv, math.sqrt(var))
    assert (r.ci_low, r.ci_high) == pytest.approx((1 - s_high, 1 - s_low), rel=1e-10)
    # the median's interval: every event time (10, 20, 40) is inside the log-log test's
    # acceptance region and 40 is the last one: no upper limit
    assert median_interval(*zip(*msc, strict=True)) == (10, pytest.approx(math.nan,
                                                                          nan_ok=True))
    assert r.median_low == 10 and np.isnan(r.median_high)
    # and the log-rank test against MMF (the control arm), by hand
    o_e, v = logrank_terms(msc, mmf)
    assert (r.test, r.p_value) == ("logrank", pytest.approx(chi2_1df_sf(o_e**2 / v)))
    ref = row(s, "MMF")
    assert np.isnan(ref.p_value) and pd.isna(ref.test)
    assert np.isnan(r.difference) and pd.isna(r.responders)


def test_kaplan_meier_against_scipy_and_rs_aml_example():
    """R's survival::aml: survdiff gives chi-square 3.4 on 1 df, p = 0.0653; survfit's
    medians are 31 (maintained) and 23 (non-maintained)."""
    from scipy import stats

    maintained = [(9, 1), (13, 1), (13, 0), (18, 1), (23, 1), (28, 0), (31, 1), (34, 1),
                  (45, 0), (48, 1), (161, 0)]
    nonmaintained = [(5, 1), (5, 1), (8, 1), (8, 1), (12, 1), (16, 0), (23, 1), (27, 1),
                     (30, 1), (33, 1), (43, 1), (45, 1)]
    results, visits = make_times({"MSC": [(t, bool(e)) for t, e in maintained],
                                  "MMF": [(t, bool(e)) for t, e in nonmaintained]})
    s = ep.summarize(results, visits)
    msc, mmf = row(s, "MSC"), row(s, "MMF")
    assert (msc["median"], mmf["median"]) == (31, 23)
    assert (msc.events, mmf.events) == (7, 11)
    assert msc.p_value == pytest.approx(0.0653, abs=5e-5)

    def censored(pairs):
        t = np.array([p[0] for p in pairs], dtype=float)
        e = np.array([p[1] for p in pairs], dtype=bool)
        return stats.CensoredData(uncensored=t[e], right=t[~e])

    assert msc.p_value == pytest.approx(
        stats.logrank(censored(maintained), censored(nonmaintained)).pvalue, rel=1e-9)
    o_e, v = logrank_terms(maintained, nonmaintained)
    assert msc.p_value == pytest.approx(chi2_1df_sf(o_e**2 / v), rel=1e-9)
    fit = stats.ecdf(censored(maintained)).sf
    interval = fit.confidence_interval(method="log-log")
    assert msc.proportion == pytest.approx(1 - fit.evaluate(168))
    assert (msc.ci_low, msc.ci_high) == pytest.approx(
        (1 - interval.high.evaluate(168), 1 - interval.low.evaluate(168)), rel=1e-9)
    # every non-maintained subject has the event by day 45: S = 0, no interval
    assert mmf.proportion == 1.0 and np.isnan(mmf.ci_low) and np.isnan(mmf.ci_high)
    for r, pairs in ((msc, maintained), (mmf, nonmaintained)):
        low, high = median_interval(*zip(*pairs, strict=True))
        assert (r.median_low, r.median_high) == pytest.approx((low, high), nan_ok=True)
    assert (mmf.median_low, mmf.median_high) == (5, 33)
    assert msc.median_low == 13 and np.isnan(msc.median_high)  # upper: not reached


def test_median_where_the_curve_is_exactly_one_half():
    # S = 0.75, 0.5, 0.25, 0: flat at 0.5 from day 20 to day 30 -> median 25 (SAS, R)
    results, visits = make_times({"MSC": [(10, True), (20, True), (30, True), (40, True)],
                                  "MMF": [(5, True), (50, False)]})
    assert row(ep.summarize(results, visits), "MSC")["median"] == 25
    # S = 3/4 * 2/3 = 0.5 (0.5000000000000001 in statsmodels' floats) after a censoring,
    # then a censoring and an event at day 50: flat at 0.5 from day 30 to 50 -> 40
    results, visits = make_times({"MSC": [(10, False), (20, True), (30, True), (40, False),
                                          (50, True)], "MMF": [(5, True)]})
    assert kaplan_meier([10, 20, 30, 40, 50], [0, 1, 1, 0, 1])[1][1] == pytest.approx(0.5)
    assert row(ep.summarize(results, visits), "MSC")["median"] == 40


def test_group_without_events_has_no_median_and_no_interval():
    results, visits = make_times({"MSC": [(30, False), (60, False), (168, False)],
                                  "MMF": [(20, True), (40, True), (100, False)]})
    s = ep.summarize(results, visits)
    msc = row(s, "MSC")
    assert (msc.n, msc.events, msc.proportion) == (3, 0, 0.0)
    # not reached: the curve never falls to 0.5; S = 1 has no variance estimate
    assert np.isnan([msc["median"], msc.median_low, msc.median_high, msc.ci_low,
                     msc.ci_high]).all()
    o_e, v = logrank_terms([(30, 0), (60, 0), (168, 0)], [(20, 1), (40, 1), (100, 0)])
    assert msc.p_value == pytest.approx(chi2_1df_sf(o_e**2 / v))
    # no event in either group: no information, p = 1
    results, visits = make_times({"MSC": [(30, False)], "MMF": [(20, False), (60, False)]})
    msc = row(ep.summarize(results, visits), "MSC")
    assert (msc.p_value, msc.test) == (1.0, "logrank")


def test_single_subject_and_all_events():
    results, visits = make_times({"MSC": [(30, True)],
                                  "MMF": [(10, True), (20, True), (40, True)]})
    s = ep.summarize(results, visits)
    msc, mmf = row(s, "MSC"), row(s, "MMF")
    assert (msc.n, msc.events, msc["median"], msc.proportion) == (1, 1, 30, 1.0)
    assert np.isnan(msc.ci_low)  # S = 0: no interval
    assert (mmf.events, mmf["median"], mmf.proportion) == (3, 20, 1.0)
    o_e, v = logrank_terms([(30, 1)], [(10, 1), (20, 1), (40, 1)])
    assert msc.p_value == pytest.approx(chi2_1df_sf(o_e**2 / v))


def test_not_evaluable_and_not_applicable_times_are_left_out():
    results, visits = make_times({"MSC": [(10, True), (50, False), (0, None)],
                                  "MMF": [(20, True), (0, None), (0, None)]})
    s = ep.summarize(results, visits, missing="non_responder")  # never imputed
    assert (row(s, "MSC").n, row(s, "MSC").not_evaluable) == (2, 1)
    assert (row(s, "MMF").n, row(s, "MMF").not_evaluable) == (1, 2)
    # MiSLE's steroid discontinuation applies to subjects on steroids at baseline
    results, visits = make_times({"Placebo": [(30, True), (100, False), (0, None)],
                                  "MSC high dose": [(60, True), (200, True), (0, None)]},
                                 trial=MISLE, endpoint="steroid_discontinuation",
                                 timepoint="week 52")
    results = not_applicable(results, ["3"], "not on steroids at baseline")
    s = ep.summarize(results, visits)
    placebo, high = row(s, "Placebo"), row(s, "MSC high dose")
    assert (placebo.n, placebo.not_applicable, placebo.not_evaluable) == (2, 1, 0)
    assert (high.n, high.not_applicable, high.not_evaluable) == (2, 0, 1)
    assert placebo.day == 364 and high.proportion == 1.0
    o_e, v = logrank_terms([(60, 1), (200, 1)], [(30, 1), (100, 0)])
    assert high.p_value == pytest.approx(chi2_1df_sf(o_e**2 / v))


def test_stratified_logrank_sums_the_strata():
    msc = [(10, True), (30, True), (50, False), (70, True), (20, False), (90, True)]
    mmf = [(15, True), (25, True), (60, False), (40, True), (80, True), (100, False)]
    results, visits = make_times({"MSC": msc, "MMF": mmf})
    visits["site"] = ["A", "A", "A", "B", "B", "B"] * 2
    s = ep.summarize(results, visits, strata="site")
    terms = [logrank_terms(msc[:3], mmf[:3]), logrank_terms(msc[3:], mmf[3:])]
    o_e, v = sum(t[0] for t in terms), sum(t[1] for t in terms)
    assert row(s, "MSC").p_value == pytest.approx(chi2_1df_sf(o_e**2 / v), rel=1e-10)
    assert row(s, "MSC").test == "logrank"
    one = ep.summarize(results, visits.assign(site="A"), strata="site")
    o_e, v = logrank_terms(msc, mmf)
    assert row(one, "MSC").p_value == pytest.approx(chi2_1df_sf(o_e**2 / v), rel=1e-10)


def test_three_arms_each_compared_with_placebo():
    results, visits = make_times({
        "MSC low dose": [(50, True), (100, True), (300, False)],
        "MSC high dose": [(40, True), (80, True), (120, True)],
        "Placebo": [(200, True), (364, False), (364, False)],
    }, trial=MISLE, endpoint="steroid_discontinuation", timepoint="week 52")
    s = ep.summarize(results, visits)
    assert s["arm"].tolist() == ["MSC high dose", "MSC low dose", "Placebo"]
    for arm, pairs in (("MSC low dose", [(50, 1), (100, 1), (300, 0)]),
                       ("MSC high dose", [(40, 1), (80, 1), (120, 1)])):
        o_e, v = logrank_terms(pairs, [(200, 1), (364, 0), (364, 0)])
        assert row(s, arm).p_value == pytest.approx(chi2_1df_sf(o_e**2 / v))


# --------------------------------------------------------------------------------------
# Continuous: Welch differences; categorical: Wilson intervals, the missing row
# --------------------------------------------------------------------------------------


def test_welch_difference_interval_and_p_against_scipy_and_statsmodels():
    from scipy import stats
    from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

    msc, placebo = [-6.0, -2.5, 0.0, 1.0, 4.0, -7.5], [-1.0, 3.0, 2.5, 0.5]
    results, visits = make({"MSC": [*msc, pd.NA], "Placebo": placebo},
                           endpoint="sledai_change", timepoint="month 12", column="value")
    r = row(ep.summarize(results, visits), "MSC")
    welch = stats.ttest_ind(msc, placebo, equal_var=False)
    assert r.test == "welch"
    assert r.difference == pytest.approx(np.mean(msc) - np.mean(placebo))
    assert r.p_value == pytest.approx(welch.pvalue, rel=1e-10)
    interval = welch.confidence_interval(0.95)
    assert (r.diff_low, r.diff_high) == pytest.approx((interval.low, interval.high), rel=1e-10)
    compare = CompareMeans(DescrStatsW(np.array(msc)), DescrStatsW(np.array(placebo)))
    assert (r.diff_low, r.diff_high) == pytest.approx(
        compare.tconfint_diff(usevar="unequal"), rel=1e-10)
    assert r.p_value == pytest.approx(compare.ttest_ind(usevar="unequal")[1], rel=1e-10)


def test_welch_needs_two_values_and_some_variance():
    results, visits = make({"MSC": [4.0], "Placebo": [1.0, 3.0]},
                           endpoint="sledai_change", timepoint="month 12", column="value")
    r = row(ep.summarize(results, visits), "MSC")
    assert r.difference == 2.0  # a mean each: the difference exists ...
    assert np.isnan([r.diff_low, r.diff_high, r.p_value]).all() and pd.isna(r.test)
    results, visits = make({"MSC": [2.0, 2.0], "Placebo": [1.0, 1.0, 1.0]},
                           endpoint="sledai_change", timepoint="month 12", column="value")
    r = row(ep.summarize(results, visits), "MSC")
    assert r.difference == 1.0  # ... but no interval or test without variance
    assert np.isnan([r.diff_low, r.p_value]).all() and pd.isna(r.test)
    results, visits = make({"MSC": [pd.NA, pd.NA], "Placebo": [1.0, 3.0]},
                           endpoint="sledai_change", timepoint="month 12", column="value")
    r = row(ep.summarize(results, visits), "MSC")
    assert r.n == 0 and np.isnan([r.difference, r.p_value]).all()


def test_categorical_wilson_intervals_and_the_missing_row():
    cats = [">50%", ">50%", "<25%", pd.NA, "25-50%", pd.NA, ">50%"]
    results, visits = make({"MSC": cats, "Placebo": ["<25%", "<25%", "25-50%"]},
                           trial=VALLADOLID, endpoint="steroid_reduction_category",
                           column="category")
    results = not_applicable(results, ["7", "10"], "not on steroids")  # a >50%, a 25-50%
    for missing in ("non_responder", "observed"):  # never imputed
        s = ep.summarize(results, visits, missing=missing)
        msc = s[s.arm == "MSC"]
        assert msc["count"].tolist() == [2, 1, 1, 2]
        assert set(msc.n) == {6} and set(msc.not_applicable) == {1}
        assert set(msc.not_evaluable) == {2}
        assert msc["proportion"].sum() == pytest.approx(1.0)
        for _, r in msc.iterrows():
            assert (r.ci_low, r.ci_high) == pytest.approx(wilson(r["count"], 6), abs=1e-12)
        placebo = s[s.arm == "Placebo"]
        assert placebo["count"].tolist() == [0, 0, 2, 0]
        assert set(placebo.n) == {2} and placebo["proportion"].sum() == pytest.approx(1.0)
        assert placebo["ci_high"].iloc[0] == pytest.approx(wilson(0, 2)[1])
        assert s["p_value"].isna().all() and s["test"].isna().all()


# --------------------------------------------------------------------------------------
# Columns, row order, inputs
# --------------------------------------------------------------------------------------


def test_new_columns_are_appended_and_typed(scored):
    visits, results = scored
    s = ep.summarize(results, visits)
    assert list(s.columns)[-5:] == NEW_COLUMNS
    assert str(s["events"].dtype) == "Int64" and str(s["test"].dtype) == "string"
    assert all(s[c].dtype == "float64" for c in ("median_low", "median_high", "p_value"))
    assert list(ep.summarize(results.iloc[0:0], visits).columns) == list(s.columns)


@pytest.fixture(scope="module")
def simulated():
    visits = ep.simulate(NANJING, n_per_arm=12, seed=3)
    subjects = visits["subject_id"].drop_duplicates()
    site = dict(zip(subjects, np.resize(["north", "south", "east"], len(subjects)),
                    strict=True))
    visits["site"] = visits["subject_id"].map(site)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ep.EndpointsWarning)
        results = ep.score(visits, NANJING)
    return visits, results


def test_every_kind_is_summarised_with_its_tests(simulated):
    visits, results = simulated
    s = ep.summarize(results, visits, strata="site")
    kinds = dict(zip(s.endpoint, s.kind, strict=False))
    assert kinds["time_to_complete_response"] == "time_to_event"
    assert kinds["renal_response"] == "binary" and kinds["upcr_change"] == "continuous"
    compared = s[s.arm == "MSC"]
    expected = {"binary": "cmh", "time_to_event": "logrank", "continuous": "welch"}
    for kind, test in expected.items():
        rows = compared[(compared.kind == kind) & compared.p_value.notna()]
        assert len(rows) and (rows.test == test).all(), kind
        assert ((rows.p_value >= 0) & (rows.p_value <= 1)).all()
    assert s.loc[s.arm == "MMF", "test"].isna().all()
    assert ((s.test.notna()) == (s.p_value.notna())).all()


def test_results_do_not_depend_on_row_order(simulated):
    visits, results = simulated
    expected = ep.summarize(results, visits, strata="site")
    shuffled_results = results.sample(frac=1.0, random_state=7)
    shuffled_visits = visits.sample(frac=1.0, random_state=11)
    got = ep.summarize(shuffled_results, shuffled_visits, strata="site")
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12, atol=1e-12)


def test_inputs_are_not_mutated_with_strata(simulated):
    visits, results = simulated
    before_v, before_r = visits.copy(), results.copy()
    ep.summarize(results, visits, strata="site", missing="observed")
    pd.testing.assert_frame_equal(visits, before_v)
    pd.testing.assert_frame_equal(results, before_r)


@pytest.mark.parametrize("case", [
    lambda: make_times({"MSC": [(30, False)], "MMF": [(20, False)]}),
    lambda: make_times({"MSC": [(30, True)], "MMF": [(20, True), (40, True)]}),
    lambda: make_times({"MSC": [(0, None)], "MMF": [(20, True)]}),
    lambda: make({"MSC": [pd.NA], "Placebo": [False, False]}),
    lambda: make({"MSC": [True, True], "Placebo": [True]}),
    lambda: make({"MSC": [4.0], "Placebo": [pd.NA]}, endpoint="sledai_change",
                 timepoint="month 12", column="value"),
    lambda: make({"MSC": [2.0, 2.0], "Placebo": [2.0, 2.0]}, endpoint="sledai_change",
                 timepoint="month 12", column="value"),
    lambda: make({"MSC": [pd.NA]}, trial=VALLADOLID, endpoint="steroid_reduction_category",
                 column="category"),
])
def test_boundary_cases_raise_no_numeric_warning(case):
    results, visits = case()
    visits = visits.assign(site="A")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for missing in ("non_responder", "observed"):
            ep.summarize(results, visits, missing=missing)
            ep.summarize(results, visits, missing=missing, strata="site")
