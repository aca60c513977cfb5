"""``ep.simulate``: synthetic canonical visit tables for the registered trials.

The generator must follow the trial's registry record (arms, planned schedule with a
screening visit), be deterministic for a seed, vectorised (fast for many subjects) and
realistic enough that scoring gives a mix of outcomes with an arm effect.
"""

from __future__ import annotations

import sys
import time
import warnings
from functools import cache

import numpy as np
import pandas as pd
import pytest

import endpoints as ep
from endpoints.definitions import BILAG_DOMAINS

sim = sys.modules["endpoints.simulate"]  # the module (ep.simulate is the function)

TRIALS = ["NCT02633163", "NCT03580291", "NCT03673748", "NCT03917797"]
SEED = 11
LABS = ["upcr", "proteinuria_24h", "creatinine", "serum_albumin", "urine_rbc", "urine_wbc",
        "c3", "c4", "anti_dsdna"]
COUNTS = ["platelets", "wbc", "neutrophils", "lymphocytes"]
PANEL = ["th1", "th17", "treg", "b_naive", "b_memory", "b_transitional", "tnf_alpha",
         "tgf_beta1", "il6", "il17a", "il10", "baff", "mcp1", "cxcl10", "ifn_gamma"]
LATER = ["ana", *COUNTS, "hemoglobin", "haq", "lit", "sf36_pcs", "sf36_mcs", *PANEL]
LIMITS = ["creatinine_uln", "c3_lln", "c3_uln", "c4_lln", "c4_uln", "platelets_lln",
          "platelets_uln", "wbc_lln", "wbc_uln", "neutrophils_lln", "lymphocytes_lln",
          "hemoglobin_lln", "hemoglobin_uln"]
SOCS = {"Infections and infestations", "Gastrointestinal disorders",
        "General disorders and administration site conditions",
        "Blood and lymphatic system disorders", "Skin and subcutaneous tissue disorders",
        "Nervous system disorders", "Investigations", "Vascular disorders",
        "Injury, poisoning and procedural complications", "Psychiatric disorders",
        "Musculoskeletal and connective tissue disorders",
        "Respiratory, thoracic and mediastinal disorders"}


@cache
def visits(trial: str, n_per_arm: int = 40, seed: int = SEED) -> pd.DataFrame:
    return ep.simulate(trial, n_per_arm=n_per_arm, seed=seed)


@cache
def scored(trial: str, n_per_arm: int = 40) -> pd.DataFrame:
    frame = visits(trial, n_per_arm)
    events = sim.simulate_adverse_events(frame, trial, seed=SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ep.EndpointsWarning)
        results = ep.score(frame, trial, adverse_events=events)
    arms = frame.drop_duplicates("subject_id").set_index("subject_id")["arm"].astype(str)
    return results.assign(arm=results["subject_id"].map(arms))


def visit_index(frame: pd.DataFrame) -> np.ndarray:
    """Position of each row among its subject's visits (rows are sorted)."""
    return frame.groupby("subject_id", observed=True).cumcount().to_numpy()


# --- determinism ----------------------------------------------------------------------

def test_same_seed_gives_an_identical_frame():
    pd.testing.assert_frame_equal(ep.simulate("NCT03917797", 15, seed=3),
                                  ep.simulate("NCT03917797", 15, seed=3))


def test_different_seeds_give_different_frames():
    a, b = ep.simulate("NCT03917797", 15, seed=3), ep.simulate("NCT03917797", 15, seed=4)
    assert not a.equals(b)
    assert not np.array_equal(a["upcr"].to_numpy()[:20], b["upcr"].to_numpy()[:20],
                              equal_nan=True)


def test_bundled_example_visits_are_still_drawn():
    """examples/nct03917797_visits.csv is ep.simulate("NCT03917797", 20, seed=2019): the
    columns it has keep their values (columns added later come from another stream)."""
    from pathlib import Path

    bundled = pd.read_csv(Path(__file__).resolve().parents[1] / "examples"
                          / "nct03917797_visits.csv")
    drawn = ep.simulate("NCT03917797", n_per_arm=20, seed=2019)
    drawn = pd.read_csv(pd.io.common.StringIO(drawn.to_csv(index=False)))
    pd.testing.assert_frame_equal(drawn[bundled.columns], bundled)


def test_accepts_a_definition_object():
    trial = ep.get_trial("NCT03673748")
    pd.testing.assert_frame_equal(ep.simulate(trial, 10, seed=1),
                                  ep.simulate("NCT03673748", 10, seed=1))


# --- design: arms, subjects, schedule -------------------------------------------------

@pytest.mark.parametrize("trial", TRIALS)
def test_every_arm_has_n_per_arm_subjects_with_unique_string_ids(trial):
    frame, definition = visits(trial), ep.get_trial(trial)
    per_arm = frame.groupby("arm", observed=True)["subject_id"].nunique()
    assert per_arm.to_dict() == {arm.label: 40 for arm in definition.arms}
    subjects = frame.drop_duplicates("subject_id")
    ids = subjects["subject_id"].astype(str)
    assert ids.is_unique and len(ids) == 40 * len(definition.arms)
    assert ids.str.fullmatch(r"[A-Z0-9]+-\d{4}").all()
    prefixes = ids.str.split("-").str[0]
    assert (prefixes.groupby(subjects["arm"].astype(str)).nunique() == 1).all()
    assert prefixes.nunique() == len(definition.arms)  # an arm's prefix is its own


@pytest.mark.parametrize("trial", TRIALS)
def test_rows_sorted_by_subject_then_day_without_duplicates(trial):
    frame = visits(trial)
    key = frame[["subject_id", "day"]].astype({"subject_id": str})
    assert key.equals(key.sort_values(["subject_id", "day"], ignore_index=True))
    assert not key.duplicated().any()


@pytest.mark.parametrize("trial", TRIALS)
def test_schedule_is_respected(trial):
    frame, definition = visits(trial), ep.get_trial(trial)
    schedule = np.array(definition.schedule)
    planned = schedule[visit_index(frame)]
    day = frame["day"].to_numpy()
    first = frame.groupby("subject_id", observed=True)["day"].first()
    assert (first < 0).all()  # everyone has a screening visit at a negative day
    assert (day[planned == 0] == 0).all()  # baseline exactly on day 0
    assert (frame.groupby("subject_id", observed=True)["day"].apply(lambda d: (d == 0).any())).all()
    assert (np.abs(day - planned) <= sim.MAX_JITTER).all()
    assert (np.sign(day) == np.sign(planned)).all()
    assert (day != planned).mean() > 0.5  # visit days are irregular
    for tp in definition.timepoints:  # the planned visit of a timepoint stays in its window
        at = planned == tp.day
        assert at.any() and (np.abs(day[at] - tp.day) <= tp.window).all()


def test_trial_without_arms_or_schedule():
    trial = ep.TrialDefinition(
        id="SIM-DEMO", title="demo", timepoints=[{"label": "week 10", "day": 70, "window": 2}],
        endpoints=[{"kind": "change", "name": "upcr_change", "variable": "upcr",
                    "timepoints": ["week 10"]}])
    frame = ep.simulate(trial, n_per_arm=5, seed=0, dropout=0)
    assert frame["arm"].astype(str).unique().tolist() == ["Treatment"]
    assert sorted(set(visit_index(frame))) == list(range(5))  # -14, 0, 28, 56, 70
    week10 = frame["day"].to_numpy()[visit_index(frame) == 4]
    assert (np.abs(week10 - 70) <= 2).all()
    assert ep.score(frame, trial)["value"].notna().any()


def test_arm_prefixes():
    assert sim.arm_prefixes(["MSC", "MMF"]) == ["MSC", "MMF"]
    assert sim.arm_prefixes(["Drug", "Drug", "++"]) == ["DRU", "DRU2", "ARM3"]


# --- values ---------------------------------------------------------------------------

@pytest.mark.parametrize("trial", TRIALS)
def test_scores_without_warnings(trial):
    results = scored(trial)  # EndpointsWarning is an error there
    assert results["subject_id"].nunique() == visits(trial)["subject_id"].nunique()


def test_columns_and_values_are_valid():
    frame = visits("NCT03917797")
    assert "egfr" not in frame  # computed by the library from creatinine, age and sex
    assert {"age", "sex", "creatinine"} <= set(frame.columns)
    numeric = frame.select_dtypes("number").drop(columns="day")
    assert (numeric.fillna(0) >= 0).all().all()
    assert frame["pga"].between(0, 3).all()
    assert frame["sledai"].between(0, 105).all()
    for domain in BILAG_DOMAINS:
        assert set(frame[f"bilag_{domain}"].astype(str)) <= set("ABCDE")
    many = visits("NCT03917797", 200)
    for flag in ["new_immunosuppressant", "rituximab"]:  # occasional events
        per_subject = many.groupby("subject_id", observed=True)[flag].any()
        assert many[flag].dtype == bool and 0 < per_subject.mean() < 0.15
    assert frame["sex"].astype(str).isin(["F", "M"]).all()
    # validation round trip: the library accepts the frame and its CSV form
    ep.score(frame, "NCT03917797")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ep.EndpointsWarning)
        ep.score(pd.read_csv(pd.io.common.StringIO(frame.to_csv(index=False))), "NCT03917797")


def test_plausible_trajectories():
    frame = visits("NCT03917797", 200)
    baseline = frame[frame["day"] == 0]
    end = frame[frame["day"] > 300]
    assert baseline["prednisone"].median() >= 20
    assert 5 <= end["prednisone"].median() <= 10
    assert (end["prednisone"] == 0).any() and (end["prednisone"] > 10).any()
    assert baseline["immunosuppressant_dose"].median() == 2000
    assert (end["immunosuppressant_dose"] < 2000).any()
    assert end["upcr"].median() < baseline["upcr"].median()
    assert end["serum_albumin"].median() > baseline["serum_albumin"].median()
    assert end["c3"].median() > baseline["c3"].median()
    assert end["anti_dsdna"].median() < baseline["anti_dsdna"].median()
    assert end["sledai"].mean() < baseline["sledai"].mean()
    assert baseline["bilag_renal"].astype(str).isin(["A", "B"]).mean() > 0.8
    assert baseline["bilag_ophthalmic"].astype(str).isin(["D", "E"]).mean() > 0.8


def test_missing_and_dropout_fractions():
    complete = ep.simulate("NCT03917797", 100, seed=5, dropout=0, missing=0)
    assert complete[LABS + LATER + LIMITS].notna().all().all()
    assert complete.groupby("subject_id", observed=True).size().eq(12).all()
    frame = ep.simulate("NCT03917797", 300, seed=5, dropout=0.2, missing=0.1)
    assert 0.08 < frame[LABS].isna().to_numpy().mean() < 0.12
    assert 0.08 < frame[LATER].isna().to_numpy().mean() < 0.12
    assert frame[LIMITS].notna().all().all()  # reference limits are never missing
    sizes = frame.groupby("subject_id", observed=True).size()
    assert 0.12 < (sizes < 12).mean() < 0.28  # some subjects stop early...
    assert sizes.min() >= 2  # ...but after screening and baseline


@pytest.mark.parametrize("bad", [{"n_per_arm": 0}, {"n_per_arm": 2.5}, {"dropout": 1.5},
                                 {"missing": -0.1}, {"missing": "x"}, {"seed": "abc"},
                                 {"seed": -1}, {"n_per_arm": "x"}])
def test_bad_arguments(bad):
    with pytest.raises(ep.InputError):
        ep.simulate("NCT03917797", **{"n_per_arm": 5, **bad})


def test_unknown_trial():
    with pytest.raises(ep.UnknownTrialError):
        ep.simulate("NCT00000000")


# --- the later columns: ANA, blood counts, function, biomarker panel, limits ------------

@pytest.mark.parametrize("trial", TRIALS)
def test_later_columns_are_present_with_plausible_values(trial):
    frame = visits(trial)
    assert list(frame.columns[-len(LATER) - len(LIMITS):]) == LATER + LIMITS
    assert (frame[LATER + LIMITS].dtypes == "float64").all()
    ana = frame["ana"].dropna()
    assert ana.isin([40, 80, 160, 320, 640, 1280, 2560]).all() and ana.nunique() >= 5
    haq, lit = frame["haq"].dropna(), frame["lit"].dropna()
    assert haq.between(0, 3).all() and (haq * 8 == np.round(haq * 8)).all()
    assert lit.between(0, 100).all() and (lit / 2.5 == np.round(lit / 2.5)).all()
    for column in ["sf36_pcs", "sf36_mcs"]:
        assert frame[column].dropna().between(0, 100).all()
        assert 30 < frame.loc[frame["day"] == 0, column].median() < 47  # lupus: 35-45
    assert (frame[[*COUNTS, "hemoglobin", *PANEL]].fillna(1) > 0).all().all()
    assert 150 < frame["platelets"].median() < 320 and 3.5 < frame["wbc"].median() < 8
    assert 9.5 < frame["hemoglobin"].median() < 14.5 and frame["hemoglobin"].max() < 20
    whole = frame[["wbc", "neutrophils", "lymphocytes"]].dropna()
    assert (whole["neutrophils"] + whole["lymphocytes"] < whole["wbc"]).all()
    b = frame[["b_naive", "b_memory", "b_transitional"]].dropna()
    assert (b.sum(axis=1) <= 100.3).all() and (b["b_naive"] >= 9.9).all()
    assert 0.3 < frame["treg"].median() < 15 and 300 < frame["baff"].median() < 4000
    # limits: one lab, constant (sex-specific for haemoglobin and creatinine)
    female = frame["sex"].astype(str).eq("F")
    assert frame.loc[female, "hemoglobin_lln"].eq(12.0).all()
    assert frame.loc[~female, "hemoglobin_lln"].eq(13.5).all()
    assert frame.loc[female, "creatinine_uln"].lt(frame.loc[~female, "creatinine_uln"].min()).all()
    for column in ["c3", "c4", "platelets", "wbc", "hemoglobin"]:
        assert (frame[f"{column}_lln"] < frame[f"{column}_uln"]).all()
    assert frame[[c for c in LIMITS if c not in ("hemoglobin_lln", "hemoglobin_uln",
                                                "creatinine_uln")]].nunique().eq(1).all()


def test_later_columns_follow_the_course_and_the_arm():
    frame = visits("NCT03917797", 200)
    baseline, end = frame[frame["day"] == 0], frame[frame["day"] > 300]
    for column in ["haq", "lit", "th17", "baff", "ifn_gamma", "cxcl10"]:
        assert end[column].median() < baseline[column].median(), column
    assert np.log2(end["ana"]).mean() < np.log2(baseline["ana"]).mean() - 0.5  # dilutions
    for column in ["lymphocytes", "sf36_pcs", "sf36_mcs", "treg", "hemoglobin"]:
        assert end[column].median() > baseline[column].median(), column
    by_arm = end.groupby("arm", observed=True)
    assert by_arm["treg"].median()["MSC"] > by_arm["treg"].median()["Placebo"]
    for column in ["th17", "baff", "ifn_gamma", "haq"]:
        assert by_arm[column].mean()["MSC"] < by_arm[column].mean()["Placebo"], column
    assert by_arm["sf36_pcs"].mean()["MSC"] > by_arm["sf36_pcs"].mean()["Placebo"]


def test_cytopenia_and_low_complement_are_common_when_active_rarer_in_responders():
    frame = visits("NCT03917797", 200)
    cytopenia = (frame["platelets"] < 100) | (frame["wbc"] < 3)
    low_complement = (frame["c3"] < frame["c3_lln"]) | (frame["c4"] < frame["c4_lln"])
    baseline = frame["day"].eq(0)
    assert 0.05 < cytopenia[baseline].mean() < 0.3
    assert low_complement[baseline].mean() > 0.7
    assert (frame.loc[baseline, "lymphocytes"] < 1).mean() > 0.3  # lymphopenia is common
    haem = frame["bilag_haematological"].astype(str)
    assert cytopenia[haem.isin(["A", "B"])].mean() > 0.6 > 0.05 > cytopenia[haem == "E"].mean()
    # at the month-12 visit, by renal response
    results = scored("NCT03917797", 200)
    rr = results.query("endpoint == 'renal_response' and timepoint == 'month 12'")
    responder = rr.dropna(subset=["result"]).set_index("subject_id")["result"].astype(bool)
    last = frame.assign(cytopenia=cytopenia, low_complement=low_complement)
    last = last[last["day"] > 330].drop_duplicates("subject_id", keep="last")
    last = last.assign(subject_id=last["subject_id"].astype(str)).join(
        responder.rename("responder"), on="subject_id", how="inner")
    rates = last.groupby("responder")[["cytopenia", "low_complement"]].mean()
    assert rates.loc[True, "cytopenia"] < rates.loc[False, "cytopenia"]
    assert rates.loc[True, "low_complement"] < rates.loc[False, "low_complement"] - 0.2
    assert rates.loc[True, "low_complement"] < low_complement[baseline].mean() - 0.3


# --- adverse events --------------------------------------------------------------------

@cache
def adverse_events(trial: str, n_per_arm: int = 40, seed: int = 0) -> pd.DataFrame:
    return sim.simulate_adverse_events(visits(trial, n_per_arm), trial, seed=seed)


@pytest.mark.parametrize("trial", TRIALS)
def test_adverse_events_are_a_valid_table(trial):
    frame, events = visits(trial), adverse_events(trial)
    assert list(events.columns) == ["subject_id", "term", "start_day", "end_day", "grade",
                                    "related", "serious", "body_system"]
    assert events["subject_id"].dtype == frame["subject_id"].dtype  # same categories
    assert events.dtypes.drop("subject_id").astype(str).tolist() == [
        "string", "Int64", "Int64", "Int64", "boolean", "boolean", "string"]
    assert events[["subject_id", "term", "start_day", "grade", "related", "serious",
                   "body_system"]].notna().all().all()
    last = frame.groupby("subject_id", observed=True)["day"].max()
    end_of_follow_up = events["subject_id"].map(last).astype("Int64")
    assert (events["start_day"] >= 0).all() and (events["start_day"] <= end_of_follow_up).all()
    ended = events["end_day"].notna()
    assert (events.loc[ended, "end_day"] >= events.loc[ended, "start_day"]).all()
    assert (events.loc[ended, "end_day"] <= end_of_follow_up[ended]).all()  # else ongoing
    assert 0 < (~ended).mean() < 0.3
    assert events["grade"].between(1, 5).all()
    assert set(events["body_system"]) <= SOCS and events["term"].nunique() > 10
    assert not (events["term"] == "Infusion related reaction").any() or (
        events.loc[events["term"] == "Infusion related reaction", "body_system"]
        == "Injury, poisoning and procedural complications").all()
    key = pd.DataFrame({"s": events["subject_id"].astype(str), "d": events["start_day"]})
    assert key.equals(key.sort_values(["s", "d"], ignore_index=True))
    with_events = events["subject_id"].nunique()
    assert 0.3 * len(last) < with_events < len(last)  # some subjects have none


def test_adverse_events_grades_seriousness_and_arm_effect():
    events = adverse_events("NCT02633163", 200)
    grades = events["grade"].value_counts(normalize=True)
    assert grades[[1, 2]].sum() > 0.85 and 0.01 < grades[3] < 0.1
    assert grades.get(4, 0) < 0.01 and grades.get(5, 0) < 0.002
    assert events.loc[events["grade"] >= 4, "serious"].all() or (events["grade"] < 4).all()
    assert events["serious"].mean() < 0.1
    frame = visits("NCT02633163", 200)
    arm = frame.drop_duplicates("subject_id").set_index("subject_id")["arm"].astype(str)
    group = events["subject_id"].map(arm).astype(str)
    experimental = group.str.startswith("MSC")
    related = events["related"].astype(bool)
    share = events[related].drop_duplicates("subject_id")["subject_id"].map(arm).astype(
        str).value_counts() / 200
    assert share["MSC low dose"] > 1.5 * share["Placebo"] < share["MSC high dose"]
    reactions = events["term"].isin(["Infusion related reaction", "Pyrexia"]) & (
        events["start_day"] <= 2)
    assert (reactions & experimental).sum() > 2 * (reactions & ~experimental).sum()
    assert related[reactions & experimental].all()


def test_adverse_events_follow_the_infusion_days_of_the_arms():
    events = adverse_events("NCT03917797", 200)  # MSC-ROLE: infusions on day 0 and month 6
    reaction = events[events["term"] == "Infusion related reaction"]
    assert set(reaction["start_day"]) <= {0, 1, 183, 184}
    assert (reaction["start_day"] >= 183).any()


def test_adverse_events_are_deterministic_per_seed():
    frame = visits("NCT03917797")
    one = sim.simulate_adverse_events(frame, "NCT03917797", seed=4)
    pd.testing.assert_frame_equal(one, sim.simulate_adverse_events(frame, "NCT03917797", 4))
    other = sim.simulate_adverse_events(frame, "NCT03917797", seed=5)
    assert not one.equals(other)
    definition = ep.get_trial("NCT03917797")
    pd.testing.assert_frame_equal(one, sim.simulate_adverse_events(frame, definition, 4))


def test_adverse_events_of_other_visit_tables():
    frame = visits("NCT03917797").drop(columns="arm")  # everyone experimental
    frame = frame.assign(subject_id=frame["subject_id"].astype(str))
    events = sim.simulate_adverse_events(frame, "NCT03917797", seed=1)
    assert set(events["subject_id"]) <= set(frame["subject_id"])
    assert events["subject_id"].dtype == frame["subject_id"].dtype
    empty = sim.simulate_adverse_events(frame.iloc[:0], "NCT03917797")
    assert empty.empty and list(empty.columns) == list(events.columns)
    with pytest.raises(ep.InputError):
        sim.simulate_adverse_events(frame.drop(columns="day"), "NCT03917797")
    with pytest.raises(ep.InputError):
        sim.simulate_adverse_events(frame, "NCT03917797", seed=-1)


# --- realism of the scored results ----------------------------------------------------

@pytest.mark.parametrize(("trial", "timepoint", "experimental", "control"), [
    ("NCT03580291", "week 24", "MSC", "MMF"),
    ("NCT03917797", "month 12", "MSC", "Placebo"),
])
def test_experimental_arm_responds_more(trial, timepoint, experimental, control):
    results = scored(trial, 200)
    rr = results[(results["endpoint"] == "renal_response") & (results["timepoint"] == timepoint)]
    rate = rr.dropna(subset=["result"]).groupby("arm")["result"].mean()
    assert rate[experimental] > rate[control]
    assert rate.between(0.05, 0.95, inclusive="neither").all()


@pytest.mark.parametrize(("trial", "endpoint"), [
    ("NCT03917797", "flare_any"), ("NCT03917797", "flare_severe"),
    ("NCT03917797", "treatment_failure"), ("NCT03673748", "steroid_reduction"),
    ("NCT02633163", "steroid_discontinuation"), ("NCT02633163", "bilag_flare_nonrenal"),
    ("NCT02633163", "sri4"),
])
def test_binary_endpoints_have_a_mix_of_outcomes(trial, endpoint):
    result = scored(trial, 200).query("endpoint == @endpoint")["result"]
    assert (result == True).any() and (result == False).any()  # noqa: E712


@pytest.mark.parametrize("trial", TRIALS)
def test_not_evaluable_results_exist_but_are_a_minority(trial):
    results = scored(trial, 200)
    binary = results[results["endpoint"].isin(
        results.loc[results["result"].notna(), "endpoint"].unique())]
    missing = binary["result"].isna().mean()
    assert 0 < missing < 0.3


# --- speed ----------------------------------------------------------------------------

def test_many_subjects_quickly():
    start = time.perf_counter()
    frame = ep.simulate("NCT03917797", n_per_arm=100_000, seed=0)
    elapsed = time.perf_counter() - start
    assert frame["subject_id"].nunique() == 200_000
    assert 0.95 * 200_000 * 12 < len(frame) < 200_000 * 12
    assert elapsed < 30  # about 2-4 s on a laptop; 1,000,000 subjects take ~15-25 s


def test_blocks_and_threads_do_not_change_the_table(monkeypatch):
    monkeypatch.setattr(sim, "THREADS", 1)
    single = ep.simulate("NCT02633163", 10, seed=2)
    monkeypatch.setattr(sim, "CHUNK", 7)  # 30 subjects in 5 blocks
    one_thread = ep.simulate("NCT02633163", 10, seed=2)
    monkeypatch.setattr(sim, "THREADS", 3)
    pd.testing.assert_frame_equal(ep.simulate("NCT02633163", 10, seed=2), one_thread)
    assert len(one_thread.columns) == len(single.columns)
    ids = one_thread["subject_id"].astype(str)
    assert ids.is_monotonic_increasing and ids.nunique() == 30
    assert one_thread["rbc_casts"].dtype == "boolean" and one_thread["rbc_casts"].isna().any()
