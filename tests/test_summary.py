"""Tests of ``ep.summarize``: hand-computed intervals, imputation, counts, layout.

Result frames are written by hand (a few subjects per arm with chosen results), so each
expected number can be worked out on paper. Wilson and Newcombe bounds are checked
against a tiny transcription of the textbook formulas and against literals.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import endpoints as ep

MSC_ROLE = "NCT03917797"  # arms MSC, Placebo (control)
VALLADOLID = "NCT03673748"  # steroid_reduction_category: >50%, 25-50%, otherwise <25%
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
    assert pd.isna(r.responders) and np.isnan(r.proportion) and np.isnan(r.difference)
    r = row(s, "Placebo")
    assert (r.n, r["mean"], r.sd) == (2, 1.0, pytest.approx(math.sqrt(8)))


def test_categorical_counts_include_empty_categories():
    cats = [">50%", ">50%", "<25%", pd.NA]
    results, visits = make({"MSC": cats, "Placebo": ["25-50%", "<25%", "<25%"]},
                           trial=VALLADOLID, endpoint="steroid_reduction_category",
                           column="category")
    s = ep.summarize(results, visits)
    assert (s["kind"] == "categorical").all()
    msc = s[s["arm"] == "MSC"]
    # definition order: the categories, then the `otherwise` category
    assert msc["category"].tolist() == [">50%", "25-50%", "<25%"]
    assert msc["count"].tolist() == [2, 0, 1]
    assert msc["n"].tolist() == [3, 3, 3]
    assert msc["not_evaluable"].tolist() == [1, 1, 1]
    assert msc["proportion"].tolist() == pytest.approx([2 / 3, 0.0, 1 / 3])
    placebo = s[s["arm"] == "Placebo"]
    assert placebo["count"].tolist() == [0, 1, 2]
    assert placebo["n"].tolist() == [3, 3, 3]


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
