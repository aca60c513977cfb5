"""ADaM export of the result table: ADRS (every result) and ADTTE (time to event)."""

import numpy as np
import pandas as pd
import pyreadstat
import pytest

import endpoints as ep
from endpoints.adam import ADAM_COLUMNS, ADRS_COLUMNS, ADTTE_COLUMNS, LABELS, paramcd
from endpoints.io import write_table

pytestmark = pytest.mark.filterwarnings("ignore::endpoints.EndpointsWarning")

VISITS = pd.DataFrame({
    "subject_id": ["S1", "S1", "S2", "S2"],
    "day": [0, 84, 0, 84],
    "upcr": [3.0, 0.4, 2.0, 1.9],
    "egfr": [90.0, 80.0, 70.0, 70.0],
})

# S1 reaches CR at day 56 (so also PR or better), S2 is censored at day 84, S3 has no
# post-baseline visit (not evaluable)
TTE_VISITS = pd.DataFrame({
    "subject_id": ["S1", "S1", "S1", "S2", "S2", "S3"],
    "day": [0, 56, 84, 0, 84, 0],
    "upcr": [3.0, 0.4, 0.3, 2.0, 1.9, 2.5],
    "egfr": [90.0, 85.0, 80.0, 70.0, 70.0, 60.0],
})

IG_LABELS = {  # ADaMIG BDS / ADTTE labels, as in pharmaverseadam's datasets
    "STUDYID": "Study Identifier", "USUBJID": "Unique Subject Identifier",
    "PARAMCD": "Parameter Code", "PARAM": "Parameter", "PARCAT1": "Parameter Category 1",
    "AVISIT": "Analysis Visit", "AVISITN": "Analysis Visit (N)",
    "ADY": "Analysis Relative Day", "AVALC": "Analysis Value (C)", "AVAL": "Analysis Value",
    "CRIT1": "Analysis Criterion 1", "CRIT1FL": "Criterion 1 Evaluation Result Flag",
    "DTYPE": "Derivation Type", "CNSR": "Censor",
    "EVNTDESC": "Event or Censoring Description", "CNSDTDSC": "Censor Date Description",
}


def hand_made(trial_id, rows):
    """A result table written by hand: rows of (subject, endpoint, timepoint, day,
    result, category, value, reason)."""
    columns = ["subject_id", "endpoint", "timepoint", "day", "result", "category", "value",
               "reason"]
    table = pd.DataFrame(rows, columns=columns).astype(object)
    table.insert(0, "trial_id", trial_id)
    return table


def record(adam, subject, code, visit):
    hit = adam[(adam.USUBJID == subject) & (adam.PARAMCD == code) & (adam.AVISIT == visit)]
    assert len(hit) == 1
    return hit.iloc[0]


def reasons_joined(adam):
    parts = [c for c in adam.columns if c.startswith("REASON")]
    return adam[parts].apply(lambda r: " ".join(p for p in r if isinstance(p, str)), axis=1)


@pytest.mark.parametrize("trial_id", ep.list_trials())
def test_parameter_codes_are_short_and_unique(trial_id):
    names = [e.name for e in ep.get_trial(trial_id).endpoints]
    codes = paramcd(names)
    assert len(set(codes.values())) == len(names)
    assert all(len(c) <= 8 and c == c.upper() for c in codes.values())


# ------------------------------------------------------------------------------- ADRS


def test_binary_categorical_and_continuous_records():
    results = ep.score(VISITS, "NCT03580291")
    adam = ep.to_adam(results)
    assert ADAM_COLUMNS == ADRS_COLUMNS
    extra = list(adam.columns)[len(ADRS_COLUMNS):]  # the parts of long reasons
    assert list(adam.columns)[:len(ADRS_COLUMNS)] == ADRS_COLUMNS
    assert extra == [f"REASON{k}" for k in range(1, len(extra) + 1)]
    assert all(adam[c].str.len().max() <= 200 for c in ["REASON", *extra])
    reason = results.reason.astype("string").fillna("")
    assert (reasons_joined(adam) == reason).all()  # nothing lost
    assert len(adam) == len(results)  # time-to-event endpoints included
    assert adam.index.equals(results.index)
    assert "DTYPE" not in adam.columns  # nothing is imputed

    cr = record(adam, "S1", "CRR", "Week 12")
    assert (cr.AVALC, cr.AVAL, cr.AVISITN, cr.PARCAT1) == ("Y", 1.0, 84, "response")
    assert cr.ADY == 85  # CDISC relative day of the day-84 visit (day 0 is day 1)
    assert (cr.CRIT1, cr.CRIT1FL) == ("Complete renal response", "Y")
    no = record(adam, "S2", "CRR", "Week 12")
    assert (no.AVALC, no.AVAL, no.CRIT1FL) == ("N", 0.0, "N")
    assert "UPCR < 0.5" in no.REASON
    category = record(adam, "S2", "RR", "Week 12")  # the category and its rank, one-to-one
    assert (category.AVALC, category.AVAL, category.PARCAT1) == ("NR", 3.0, "categorical")
    assert (category.CRIT1, category.CRIT1FL) == ("CR or PR", "N")
    change = record(adam, "S1", "UPCRCHG", "Week 12")
    assert pd.isna(change.AVALC) and change.AVAL == pytest.approx(-2.6)
    assert pd.isna(change.CRIT1) and pd.isna(change.CRIT1FL)
    missing = record(adam, "S1", "CRR", "Week 24")
    assert pd.isna(missing.AVALC) and pd.isna(missing.AVAL) and pd.isna(missing.ADY)
    assert missing.CRIT1 == "Complete renal response" and pd.isna(missing.CRIT1FL)
    assert missing.REASON == "no visit in window"


def test_time_to_event_records_stay_in_adrs_with_the_days_and_a_flag():
    results = ep.score(TTE_VISITS, "NCT03580291")
    adam = ep.to_adam(results)
    event = record(adam, "S1", "TTCR", "Week 24")
    assert (event.PARCAT1, event.AVAL, event.CRIT1FL) == ("time_to_event", 56.0, "Y")
    assert pd.isna(event.AVALC)
    assert event.CRIT1 == "Complete renal response by the analysis visit"
    censored = record(adam, "S2", "TTCR", "Week 24")
    assert (censored.AVAL, censored.CRIT1FL) == (84.0, "N")
    unknown = record(adam, "S3", "TTCR", "Week 24")
    assert pd.isna(unknown.AVAL) and pd.isna(unknown.CRIT1FL)


def test_study_days_become_cdisc_relative_days():
    trial = ep.TrialDefinition(
        id="DAYS-1", title="Days", timepoints=[{"label": "baseline", "day": 0},
                                               {"label": "week 4", "day": 28}],
        endpoints=[{"kind": "change", "name": "upcr_change", "variable": "upcr",
                    "timepoints": ["baseline", "week 4"]}])
    results = hand_made("DAYS-1", [
        ("S1", "upcr_change", "baseline", -3, None, None, 0.0, "continuous endpoint: see value"),
        ("S2", "upcr_change", "baseline", 0, None, None, 0.0, "continuous endpoint: see value"),
        ("S1", "upcr_change", "week 4", 28, None, None, -1.5, "continuous endpoint: see value"),
        ("S2", "upcr_change", "week 4", None, None, None, None, "no visit in window"),
    ])
    adam = ep.to_adam(results, trial=trial)
    assert adam.ADY.tolist() == [-3, 1, 29, pd.NA]  # no day 0: day 1 is the day of dosing
    assert adam.AVISITN.tolist() == [0, 0, 28, 28]  # target days, as the trial defines them
    assert adam.AVISIT.tolist() == ["Baseline", "Baseline", "Week 4", "Week 4"]


def test_event_counts_and_categories_without_a_binary_result():
    flares = hand_made("NCT03917797", [
        ("S1", "flare_any", "month 12", 360, True, None, 2.0, None),
        ("S2", "flare_any", "month 12", 365, False, None, 0.0, "no flare in the period"),
        ("S3", "flare_any", "month 12", None, None, None, None, "no visit in window"),
    ])
    adam = ep.to_adam(flares)
    assert adam.AVAL.tolist() == [2.0, 0.0, pd.NA]  # the number of flares
    assert adam.AVALC.isna().all()  # Y/N would not map one-to-one onto the counts
    assert adam.CRIT1FL.tolist() == ["Y", "N", pd.NA]
    assert (adam.CRIT1 == "Flare (mild/moderate or severe) by the analysis visit").all()

    reduction = hand_made("NCT03673748", [
        ("S1", "steroid_reduction_category", "week 24", 168, None, ">50%", None, None),
        ("S2", "steroid_reduction_category", "week 24", 168, None, "25-50%", None, None),
        ("S3", "steroid_reduction_category", "week 24", 168, None, "<25%", None, None),
        ("S4", "steroid_reduction_category", "week 24", None, None, None, None, "no visit"),
    ])
    adam = ep.to_adam(reduction)
    assert adam.AVALC.tolist() == [">50%", "25-50%", "<25%", pd.NA]
    assert adam.AVAL.tolist() == [1.0, 2.0, 3.0, pd.NA]  # the definition's order
    assert adam.CRIT1.isna().all() and adam.CRIT1FL.isna().all()  # no binary result


def test_renal_response_with_cr_unknown_and_pr_met():
    results = hand_made("NCT03580291", [
        ("S1", "renal_response", "week 12", 84, True, None, None, "CR unknown: egfr missing"),
    ])
    rr = ep.to_adam(results).iloc[0]
    assert pd.isna(rr.AVALC) and pd.isna(rr.AVAL)  # no category, no rank
    assert rr.CRIT1FL == "Y"  # but a responder (CR or PR)


@pytest.mark.parametrize("trial_id", ep.list_trials())
def test_avalc_and_aval_map_one_to_one_and_crit1_is_constant(trial_id):
    results = ep.score(ep.simulate(trial_id, n_per_arm=5, seed=4), trial_id)
    adam = ep.to_adam(results)
    both = adam.dropna(subset=["AVALC", "AVAL"])
    for _, parameter in both.groupby("PARAMCD"):
        assert parameter.groupby("AVALC").AVAL.nunique().max() == 1
        assert parameter.groupby("AVAL").AVALC.nunique().max() == 1
    for code, parameter in adam.groupby("PARAMCD"):
        binary = ep.get_trial(trial_id).endpoint(
            {v: k for k, v in paramcd([e.name for e in ep.get_trial(trial_id).endpoints])
             .items()}[code]).result_type == "binary"
        assert parameter.CRIT1.nunique(dropna=False) == 1
        assert parameter.CRIT1.notna().all() == binary
        assert set(parameter.CRIT1FL.dropna()) <= ({"Y", "N"} if binary else set())
        assert (parameter.CRIT1.str.len().fillna(0) <= 200).all()


# ------------------------------------------------------------------------------ ADTTE


def test_adtte_events_censoring_and_not_evaluable():
    results = ep.score(TTE_VISITS, "NCT03580291")
    adtte = ep.to_adam(results, dataset="adtte")
    assert list(adtte.columns) == ADTTE_COLUMNS
    tte = results[results.endpoint.isin(["time_to_complete_response",
                                         "time_to_partial_response"])]
    assert adtte.index.equals(tte.index)  # one record per time-to-event result, none lost
    assert set(adtte.PARAMCD) == {"TTCR", "TTPR"}
    assert adtte.AVAL.tolist() == tte.value.tolist()  # days, as the result's value
    assert adtte.CNSR.tolist() == [0, 0, 1, 1, pd.NA, pd.NA]
    assert (reasons_joined(adtte) == tte.reason.astype("string").fillna("")).all()

    event = record(adtte, "S1", "TTCR", "Week 24")
    assert (event.AVAL, event.ADY, event.CNSR) == (56.0, 57, 0)
    assert event.EVNTDESC == "Complete renal response" and pd.isna(event.CNSDTDSC)
    censored = record(adtte, "S2", "TTCR", "Week 24")
    assert (censored.AVAL, censored.ADY, censored.CNSR) == (84.0, 85, 1)
    assert censored.EVNTDESC == "Censored: complete renal response not met by week 24"
    assert censored.CNSDTDSC == "Last visit by week 24 with complete renal response known"
    unknown = record(adtte, "S3", "TTCR", "Week 24")  # kept, with its reason
    assert pd.isna(unknown.AVAL) and pd.isna(unknown.CNSR) and pd.isna(unknown.ADY)
    assert pd.isna(unknown.EVNTDESC) and pd.isna(unknown.CNSDTDSC)
    assert unknown.REASON == "no post-baseline visit in the period"

    adrs = ep.to_adam(results)  # the same parameters as in ADRS
    same = adrs.loc[adtte.index]
    pd.testing.assert_series_equal(same.PARAMCD, adtte.PARAMCD)
    pd.testing.assert_series_equal(same.PARAM, adtte.PARAM)
    pd.testing.assert_series_equal(same.AVAL, adtte.AVAL)
    assert (same.CRIT1FL.map({"Y": 0, "N": 1}).astype("Int64")).equals(adtte.CNSR)


def test_adtte_from_a_hand_made_table():
    results = hand_made("NCT02633163", [
        ("S1", "steroid_discontinuation", "week 52", 140, True, None, 140.0, None),
        ("S2", "steroid_discontinuation", "week 52", 362, False, None, 362.0,
         "censored: prednisone discontinued not met by day 362"),
        ("S3", "steroid_discontinuation", "week 52", None, None, None, None,
         "not on steroids at baseline"),
        ("S1", "sledai_change", "week 52", 362, None, None, -4.0, None),
    ])
    adtte = ep.to_adam(results, dataset="adtte")
    assert adtte.index.tolist() == [0, 1, 2]  # only the time-to-event rows
    assert adtte.PARAMCD.tolist() == ["SD"] * 3
    assert adtte.AVAL.tolist() == [140.0, 362.0, pd.NA]
    assert adtte.CNSR.tolist() == [0, 1, pd.NA]
    assert adtte.EVNTDESC.tolist() == [
        "Prednisone discontinued", "Censored: prednisone discontinued not met by week 52",
        pd.NA]
    assert adtte.REASON.tolist()[2] == "not on steroids at baseline"


@pytest.mark.parametrize("trial_id", ["NCT03580291", "NCT02633163"])
def test_adtte_holds_only_time_to_event_endpoints(trial_id):
    results = ep.score(ep.simulate(trial_id, n_per_arm=5, seed=1), trial_id)
    adtte = ep.to_adam(results, dataset="adtte")
    kinds = {e.name: e.kind for e in ep.get_trial(trial_id).endpoints}
    expected = results[results.endpoint.map(kinds) == "time_to_event"]
    assert len(expected) and adtte.index.equals(expected.index)
    assert (adtte.USUBJID == expected.subject_id).all()
    assert adtte.CNSR.isin([0, 1]).sum() == expected.result.notna().sum()
    assert ((adtte.CNSR == 0) == expected.result).fillna(True).all()
    assert adtte.AVAL.isna().equals(expected.value.isna())


def test_adtte_of_a_trial_without_time_to_event_endpoints_is_empty():
    results = ep.score(ep.simulate("NCT03917797", n_per_arm=3, seed=1), "NCT03917797")
    adtte = ep.to_adam(results, dataset="adtte")
    assert adtte.empty and list(adtte.columns) == ADTTE_COLUMNS
    assert adtte.attrs["labels"] == {c: LABELS[c] for c in ADTTE_COLUMNS}


# ------------------------------------------------------------------- both datasets


@pytest.mark.parametrize("dataset", ["ADRS", "adsl", "", None, 1, ["adrs"]])
def test_an_unknown_dataset_is_an_input_error(dataset):
    with pytest.raises(ep.InputError, match="dataset") as info:
        ep.to_adam(ep.score(VISITS, "NCT03580291"), dataset=dataset)
    assert info.value.column == "dataset="


def test_labels_follow_the_adam_ig_and_fit_a_transport_file():
    assert all(label.isascii() and 0 < len(label) <= 40 for label in LABELS.values())
    assert all(len(name) <= 8 for name in LABELS)
    assert {k: LABELS[k] for k in IG_LABELS} == IG_LABELS
    results = ep.score(VISITS, "NCT03580291")
    for dataset in ("adrs", "adtte"):
        adam = ep.to_adam(results, dataset=dataset)
        assert adam.attrs["labels"] == {c: LABELS[c] for c in adam.columns}


@pytest.mark.parametrize("trial_id", ["NCT03580291", "NCT02633163"])
@pytest.mark.parametrize("dataset", ["adrs", "adtte"])
def test_transport_file_round_trip(trial_id, dataset, tmp_path):
    results = ep.score(ep.simulate(trial_id, n_per_arm=5, seed=7), trial_id)
    adam = ep.to_adam(results, dataset=dataset)
    path = tmp_path / f"{dataset}.xpt"
    ep.write_xpt(adam, path, name=dataset.upper(),
                 labels={c: LABELS[c] for c in adam.columns})
    want = pd.DataFrame({
        c: (adam[c].to_numpy(dtype="float64", na_value=np.nan)
            if pd.api.types.is_numeric_dtype(adam[c].dtype)
            else adam[c].astype(object).where(adam[c].notna(), "").to_numpy(dtype=object))
        for c in adam.columns})
    by_pandas = pd.read_sas(path, format="xport", encoding="ascii")
    by_pyreadstat, meta = pyreadstat.read_xport(str(path))
    for got in (by_pandas, by_pyreadstat):
        got = got.astype({c: object for c in got.columns if got[c].dtype != np.float64})
        pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert meta.table_name == dataset.upper()
    assert meta.column_names_to_labels == {c: LABELS[c] for c in adam.columns}


def test_write_table_labels_an_adam_transport_file(tmp_path):
    """The CLI's `--adam -o adrs.xpt` writes through write_table: the labels travel."""
    adam = ep.to_adam(ep.score(VISITS, "NCT03580291"))
    write_table(adam, tmp_path / "adrs.xpt")
    _, meta = pyreadstat.read_xport(str(tmp_path / "adrs.xpt"), metadataonly=True)
    assert meta.column_names_to_labels == adam.attrs["labels"]
    write_table(adam[["USUBJID", "AVAL"]], tmp_path / "part.xpt")  # a subset of columns
    _, meta = pyreadstat.read_xport(str(tmp_path / "part.xpt"), metadataonly=True)
    assert meta.column_names_to_labels == {"USUBJID": LABELS["USUBJID"],
                                           "AVAL": LABELS["AVAL"]}


@pytest.mark.parametrize("dataset", ["adrs", "adtte"])
def test_unregistered_trial_is_given_explicitly(dataset):
    results = ep.score(TTE_VISITS, "NCT03580291")
    trial = ep.get_trial("NCT03580291").model_copy(update={"id": "CUSTOM-2"})
    custom = results.assign(trial_id=pd.array(["CUSTOM-2"] * len(results), dtype="string"))
    with pytest.raises(ep.UnknownTrialError):
        ep.to_adam(custom, dataset=dataset)
    adam = ep.to_adam(custom, trial=trial, dataset=dataset)
    expected = ep.to_adam(results, dataset=dataset)
    expected = expected.assign(STUDYID=pd.array(["CUSTOM-2"] * len(expected), dtype="string"))
    pd.testing.assert_frame_equal(adam, expected)


@pytest.mark.parametrize("dataset", ["adrs", "adtte"])
def test_not_a_result_table(dataset):
    with pytest.raises(ep.InputError, match="result"):
        ep.to_adam(pd.DataFrame({"subject_id": ["S1"]}), dataset=dataset)
