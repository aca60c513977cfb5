"""CDISC datasets in (SPEC section 5): hand-made ADaM and SDTM records at the edge of
every rule, and the round trip simulate -> ADaM / SDTM -> read -> score."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pyreadstat
import pytest

import endpoints as ep
from endpoints.cdisc.events import frequencies
from endpoints.cdisc.writers import as_adam, as_sdtm, sponsor_params

pytestmark = pytest.mark.filterwarnings("ignore::endpoints.EndpointsWarning")


def adsl(*subjects, **extra):
    subjects = subjects or ("S1",)
    frame = pd.DataFrame({"USUBJID": list(subjects), "TRT01P": "MSC", "AGE": 40.0,
                          "SEX": "F", "TRTSDT": "2024-03-01"})
    return frame.assign(**extra)


def adlb(rows):
    """ADLB records from (subject, PARAMCD, AVAL, AVALU, ADY) tuples."""
    return pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "AVAL", "AVALU", "ADY"])


def dm(**extra):
    return pd.DataFrame({"USUBJID": ["S1"], "RFXSTDTC": ["2024-03-01"], "ARM": ["MSC"],
                         "AGE": [40], "SEX": ["F"]}).assign(**extra)


def lb(**columns):
    n = max(len(v) for v in columns.values() if isinstance(v, list))
    base = {"USUBJID": ["S1"] * n, "LBTESTCD": ["ALB"] * n, "LBSTRESU": ["g/dL"] * n}
    return pd.DataFrame({**base, **columns})


def problems(err: ep.InputError) -> list[str]:
    return err.failures["problem"].tolist()


# --- study days --------------------------------------------------------------------


@pytest.mark.parametrize(("dy", "day"), [(1, 0), (2, 1), (-1, -1), (-14, -14), (85, 84)])
def test_cdisc_study_day_has_no_day_zero(dy, day):
    data = ep.read_adam(adsl(), adlb([("S1", "CREAT", 1.0, "mg/dL", dy)]))
    assert data.visits["day"].tolist() == [day]


def test_study_day_zero_is_an_error_naming_the_record():
    with pytest.raises(ep.InputError) as info:
        ep.read_adam(adsl(), adlb([("S1", "CREAT", 1.0, "mg/dL", 0),
                                   ("S1", "CREAT", 1.0, "mg/dL", 1)]))
    failure = info.value.failures.iloc[0]
    assert failure["column"] == "ADY" and "day 0 does not exist" in failure["problem"]
    assert failure["subject_id"] == "S1"


@pytest.mark.parametrize(("date", "day"), [("2024-02-29", -1), ("2024-03-01", 0),
                                           ("2024-03-02T23:59", 1), ("2025-03-01", 365)])
def test_dates_across_the_reference_date(date, day):
    data = ep.read_sdtm(dm=dm(), lb=lb(LBSTRESN=[4.0], LBDTC=[date]))
    assert data.visits["day"].tolist() == [day]


def test_study_day_is_preferred_to_the_date_and_the_date_fills_in():
    frame = lb(LBSTRESN=[4.0, 3.9], LBDTC=["2024-03-05", "2024-03-08"], LBDY=[1, None])
    assert ep.read_sdtm(dm=dm(), lb=frame).visits["day"].tolist() == [0, 7]


def test_reference_date_falls_back_to_rfstdtc_then_first_exposure():
    plain = dm().drop(columns="RFXSTDTC").assign(RFSTDTC="2024-02-01")
    data = ep.read_sdtm(dm=plain, lb=lb(LBSTRESN=[4.0], LBDTC=["2024-03-01"]))
    assert data.visits["day"].tolist() == [29]
    ex = pd.DataFrame({"USUBJID": ["S1", "S1"], "EXSTDTC": ["2024-03-10", "2024-03-03"]})
    data = ep.read_sdtm(dm=dm(RFXSTDTC=None), lb=lb(LBSTRESN=[4.0], LBDTC=["2024-03-04"]),
                        ex=ex)
    assert data.visits["day"].tolist() == [1]
    assert "first EXSTDTC used as RFXSTDTC" in " ".join(data.report["detail"])


def test_sas_date_numbers_in_adam():
    reference = (np.datetime64("2024-03-01") - np.datetime64("1960-01-01")).astype(int)
    frame = pd.DataFrame({"USUBJID": ["S1"], "PARAMCD": ["CREAT"], "AVAL": [1.0],
                          "AVALU": ["mg/dL"], "ADT": [float(reference + 28)]})
    data = ep.read_adam(adsl(TRTSDT=float(reference)), frame)
    assert data.visits["day"].tolist() == [28]


def test_partial_dates_and_missing_references_are_errors_listed_together():
    frame = lb(USUBJID=["S1", "S1", "S2"], LBSTRESN=[4.0, 4.1, 4.2],
               LBDTC=["2024-03", "2024-03-05", "2024-03-06"], LBTESTCD=["ALB"] * 3,
               LBSTRESU=["g/dL"] * 3)
    with pytest.raises(ep.InputError) as info:
        ep.read_sdtm(dm=dm(), lb=frame)  # S2 has no DM record, so no reference date
    text = " | ".join(problems(info.value))
    assert "partial date where the day is needed" in text
    assert "without a reference date" in text
    assert set(info.value.failures["column"]) == {"LBDTC"}


# --- values and units ------------------------------------------------------------------


def test_units_are_converted_per_record_and_unit_in_param_is_read():
    frame = pd.DataFrame({"USUBJID": ["S1"] * 3, "PARAMCD": ["CREAT", "ALB", "PROTCRT"],
                          "PARAM": ["Creatinine (umol/L)", "Albumin (g/L)", "UPCR"],
                          "AVAL": [88.42, 35.0, 56.56], "AVALU": [None, None, "mg/mmol"],
                          "ADY": [1, 1, 1]})
    row = ep.read_adam(adsl(), frame).visits.iloc[0]
    assert (row["creatinine"], row["serum_albumin"], row["upcr"]) == (1.0, 3.5, 0.5)


def test_unknown_unit_is_an_error_naming_parameter_and_unit():
    with pytest.raises(ep.InputError) as info:
        ep.read_adam(adsl(), adlb([("S1", "CREAT", 1.0, "furlongs", 1),
                                   ("S1", "ALB", 1.0, "stone", 1)]))
    text = " | ".join(problems(info.value))
    assert "unknown unit 'furlongs' of CREAT (creatinine" in text
    assert "unknown unit 'stone' of ALB (serum_albumin" in text


def test_missing_unit_is_read_as_canonical_reported_and_warned():
    with pytest.warns(ep.EndpointsWarning, match=r"without a unit .* CREAT \(creatinine, 1 "):
        data = ep.read_adam(adsl(), adlb([("S1", "CREAT", 1.2, None, 1)]))
    assert data.visits["creatinine"].tolist() == [1.2]
    line = data.report[data.report["action"] == "converted"].iloc[0]
    assert line["detail"] == "no unit given: read as mg/dL" and line["records"] == 1


@pytest.mark.parametrize(("text", "value", "rule"), [
    ("<0.1", 0.05, "half the limit"), ("< 0.1", 0.05, "half the limit"),
    ("<=0.2", 0.1, "half the limit"), (">300", 300.0, "read as the limit"),
    ("0-2", 2.0, "upper end"), ("1:160", 160.0, "reciprocal titre"), ("1.5", 1.5, None)])
def test_character_results(text, value, rule):
    frame = lb(LBTESTCD=["PROTCRT"], LBSTRESN=[None], LBSTRESC=[text], LBSTRESU=["mg/mg"],
               LBDY=[1])
    data = ep.read_sdtm(dm=dm(), lb=frame)
    assert data.visits["upcr"].tolist() == [value]
    details = " ".join(data.report["detail"])
    assert (rule in details) if rule else "converted" not in set(data.report["action"])


def test_text_that_is_not_a_result_is_left_out_and_reported():
    frame = lb(LBTESTCD=["PROTCRT", "PROTCRT"], LBSTRESN=[None, 0.3],
               LBSTRESC=["see comment", "0.3"], LBSTRESU=["mg/mg"] * 2, LBDY=[1, 29])
    data = ep.read_sdtm(dm=dm(), lb=frame)
    assert data.visits["day"].tolist() == [28]
    line = data.report[data.report["detail"] == "text result that is not a number"]
    assert line["records"].tolist() == [1]


def test_flags_grades_and_reference_ranges():
    frame = pd.DataFrame({
        "USUBJID": ["S1"] * 4, "LBTESTCD": ["CSRBC", "CSRBC", "C3", "C3"],
        "LBSPEC": ["URINE", "URINE", "SERUM", "SERUM"],
        "LBSTRESC": ["POSITIVE", "NEGATIVE", "70", "95"], "LBSTRESN": [None, None, 70, 95],
        "LBSTRESU": [None, None, "mg/dL", "mg/dL"], "LBSTNRLO": [None, None, 90, 90],
        "LBSTNRHI": [None, None, 180, 180], "LBDY": [1, 29, 1, 29]})
    qs = pd.DataFrame({"USUBJID": ["S1", "S1"], "QSTESTCD": ["BLGRENAL"] * 2,
                       "QSSTRESC": ["a", "C"], "QSDY": [1, 29]})
    data = ep.read_sdtm(dm=dm(), lb=frame, qs=qs, params={"BLGRENAL": "bilag_renal"})
    v = data.visits
    assert v["rbc_casts"].tolist() == [True, False] and v["rbc_casts"].dtype == "boolean"
    assert v["bilag_renal"].tolist() == ["A", "C"]
    assert v["c3"].tolist() == [70.0, 95.0] and v["c3_lln"].tolist() == [90.0, 90.0]
    assert v["c3_uln"].tolist() == [180.0, 180.0]


def test_specimen_decides_urine_or_blood_cells():
    frame = pd.DataFrame({"USUBJID": ["S1"] * 3, "LBTESTCD": ["WBC", "WBC", "RBC"],
                          "LBSPEC": ["URINE", "BLOOD", "URINE"], "LBSTRESN": [3.0, 6.5, 12.0],
                          "LBSTRESU": ["/HPF", "10^9/L", "/HPF"], "LBDY": [1, 1, 1]})
    row = ep.read_sdtm(dm=dm(), lb=frame).visits.iloc[0]
    assert (row["urine_wbc"], row["wbc"], row["urine_rbc"]) == (3.0, 6.5, 12.0)


def test_casts_counted_per_field_and_spot_urine_protein():
    frame = pd.DataFrame({
        "USUBJID": ["S1"] * 5, "LBTESTCD": ["CSRBC", "CSRBC", "PROT", "PROT", "WBC"],
        "LBSPEC": ["URINE", "URINE", "URINE", "URINE", "URINE"],
        "LBSTRESN": [3.0, 0.0, 1200.0, 15.0, 2.0],
        "LBSTRESU": ["/LPF", "/LPF", "mg/day", "mg/dL", "/HPF"], "LBDY": [1, 29, 1, 29, 29]})
    data = ep.read_sdtm(dm=dm(), lb=frame)
    v = data.visits
    assert v["rbc_casts"].tolist() == [True, False]  # a count above 0 is present
    assert v["proteinuria_24h"].tolist()[0] == 1.2 and pd.isna(v["proteinuria_24h"][1])
    spot = data.report[data.report["detail"].str.contains("spot urine")]
    assert spot["records"].tolist() == [1]
    counts = frame.assign(LBSTRESU=frame["LBSTRESU"].where(frame["LBTESTCD"] != "WBC", "/uL"))
    with pytest.raises(ep.InputError, match="unknown unit '/uL' of WBC"):
        ep.read_sdtm(dm=dm(), lb=counts)  # cells per uL cannot become cells per field


def test_unmapped_codes_are_reported_never_an_error():
    frame = adlb([("S1", "CREAT", 1.0, "mg/dL", 1), ("S1", "XYZ", 5.0, "U", 1),
                  ("S1", "XYZ", 6.0, "U", 29)])
    data = ep.read_adam(adsl(), frame)
    line = data.report[data.report["parameter"] == "XYZ"].iloc[0]
    assert (line["action"], line["records"]) == ("left out", 2)
    assert "params=" in line["detail"] and "xyz" not in data.visits.columns


def test_params_name_sponsor_codes_and_can_leave_codes_out():
    frame = adlb([("S1", "SLEDAI", 6.0, None, 1), ("S1", "CREAT", 1.0, "mg/dL", 1)])
    data = ep.read_adam(adsl(), frame, params={"SLEDAI": "sledai", "CREAT": None})
    assert "creatinine" not in data.visits.columns and data.visits["sledai"].tolist() == [6.0]
    table = pd.DataFrame({"code": ["SLEDAI"], "column": ["sledai"]})
    assert ep.read_adam(adsl(), frame, params=table).visits["sledai"].tolist() == [6.0]
    with pytest.raises(ep.InputError, match="params="):
        ep.read_adam(adsl(), frame, params=["SLEDAI"])


# --- several records for one subject, parameter and day ----------------------------------


def test_retests_that_agree_collapse_and_are_reported():
    frame = adlb([("S1", "CREAT", 88.42, "umol/L", 29), ("S1", "CREAT", 1.0, "mg/dL", 29)])
    data = ep.read_adam(adsl(), frame)
    assert data.visits["creatinine"].tolist() == [1.0]
    assert data.report.set_index("action").loc["collapsed", "records"] == 1


def test_retests_that_disagree_are_an_error_unless_the_last_is_asked_for():
    frame = adlb([("S1", "CREAT", 1.4, "mg/dL", 29), ("S1", "CREAT", 1.1, "mg/dL", 29)])
    frame["ASEQ"] = [2, 1]
    with pytest.raises(ep.InputError) as info:
        ep.read_adam(adsl(), frame)
    failure = info.value.failures.iloc[0]
    assert (failure["column"], failure["subject_id"], failure["day"]) == ("CREAT", "S1", 28)
    assert "duplicates='last'" in failure["problem"]
    data = ep.read_adam(adsl(), frame, duplicates="last")
    assert data.visits["creatinine"].tolist() == [1.4]  # ASEQ 2 is the last
    assert (data.report["action"] == "left out").any()
    with pytest.raises(ep.InputError, match="duplicates="):
        ep.read_adam(adsl(), frame, duplicates="first")


def test_the_analysis_flag_chooses_the_record():
    frame = adlb([("S1", "CREAT", 1.4, "mg/dL", 29), ("S1", "CREAT", 1.1, "mg/dL", 29),
                  ("S1", "ALB", 3.0, "g/dL", 29)])
    frame["ANL01FL"] = ["", "Y", None]  # ALB has no flagged record: all of it is used
    data = ep.read_adam(adsl(), frame)
    assert data.visits[["creatinine", "serum_albumin"]].iloc[0].tolist() == [1.1, 3.0]
    assert "ANL01FL" in " ".join(data.report["detail"])


def test_imputed_and_not_done_records_are_left_out():
    frame = adlb([("S1", "CREAT", 1.4, "mg/dL", 29), ("S1", "CREAT", 1.1, "mg/dL", 57)])
    frame["DTYPE"] = [None, "LOCF"]
    assert ep.read_adam(adsl(), frame).visits["day"].tolist() == [28]
    frame = lb(LBSTRESN=[4.0, None], LBSTAT=[None, "NOT DONE"], LBDY=[1, 29])
    data = ep.read_sdtm(dm=dm(), lb=frame)
    assert data.visits["day"].tolist() == [0]
    assert "NOT DONE" in " ".join(data.report["detail"])


def test_reading_does_not_depend_on_row_order_and_does_not_mutate():
    visits = ep.simulate("NCT03917797", n_per_arm=3, seed=5)
    datasets = as_sdtm(visits)
    copies = {k: v.copy() for k, v in datasets.items()}
    shuffled = {k: v.sample(frac=1, random_state=1) for k, v in datasets.items()}
    params = sponsor_params(visits)
    one = ep.read_sdtm(**{k.lower(): v for k, v in datasets.items()}, params=params)
    two = ep.read_sdtm(**{k.lower(): v for k, v in shuffled.items()}, params=params)
    pd.testing.assert_frame_equal(one.visits, two.visits)
    for name, frame in datasets.items():
        pd.testing.assert_frame_equal(frame, copies[name])


# --- subjects and arms ---------------------------------------------------------------


def test_every_subject_of_adsl_is_scored_and_arms_ages_sexes_are_carried():
    frame = adlb([("S1", "CREAT", 1.0, "mg/dL", 1)])
    data = ep.read_adam(adsl("S1", "S2", SEX=["F", "U"], TRT01P=["MSC", "Placebo"]), frame)
    assert data.subjects == ("S1", "S2")
    assert data.visits[["arm", "age", "sex"]].iloc[0].tolist() == ["MSC", 40.0, "F"]
    results = ep.score(data, "NCT03917797")
    s2 = results[results.subject_id == "S2"]
    assert len(s2) and s2["result"].isna().all() and (s2["reason"] == "no visits").all()


def test_score_refuses_mappings_with_trial_data():
    data = ep.read_adam(adsl(), adlb([("S1", "CREAT", 1.0, "mg/dL", 1)]))
    with pytest.raises(ep.InputError, match="columns="):
        ep.score(data, "NCT03917797", columns={"a": "b"})


# --- medications and adverse events ----------------------------------------------------


def cm(**columns):
    base = {"USUBJID": ["S1"], "CMTRT": ["PREDNISONE"], "CMDOSE": [10.0], "CMDOSU": ["mg"],
            "CMDOSFRQ": ["QD"], "CMROUTE": ["ORAL"], "CMSTDY": [1], "CMENDY": [28]}
    return pd.DataFrame({**base, **columns})


def meds_of(frame):
    return ep.read_sdtm(dm=dm(), cm=frame).medications


RATED = sorted((term, rate) for term, rate in frequencies().items()
               if not isinstance(rate, str | None))


@pytest.mark.parametrize(("term", "rate"), RATED, ids=[t for t, _ in RATED])
def test_every_cdisc_frequency_with_a_rate_gives_a_daily_dose(term, rate):
    assert meds_of(cm(CMDOSFRQ=[term]))["dose"].tolist() == [10.0 * rate.numerator
                                                              / rate.denominator]


def test_the_common_frequencies_exactly():
    expected = {"QD": 10.0, "BID": 20.0, "TID": 30.0, "QID": 40.0, "QOD": 5.0,
                "EVERY WEEK": 10.0 / 7}
    for term, dose in expected.items():
        assert meds_of(cm(CMDOSFRQ=[term]))["dose"].tolist() == [dose], term


@pytest.mark.parametrize("term", sorted(t for t, r in frequencies().items() if r is None))
def test_frequencies_without_a_rate_leave_the_dose_missing(term):
    data = ep.read_sdtm(dm=dm(), cm=cm(CMDOSFRQ=[term]))
    assert data.medications["dose"].isna().all()
    assert "no daily rate" in " ".join(data.report["detail"])
    with pytest.raises(ep.InputError, match="missing corticosteroid dose"):
        ep.score(data, "NCT03917797")  # never a silent zero dose


def test_once_is_a_one_day_record_and_other_dose_rules():
    once = meds_of(cm(CMDOSFRQ=["ONCE"], CMDOSE=[500.0], CMTRT=["METHYLPREDNISOLONE"],
                      CMROUTE=["INTRAVENOUS"], CMENDY=[None]))
    assert once[["start_day", "end_day", "dose"]].iloc[0].tolist() == [0, 0, 500.0]
    assert meds_of(cm(CMDOSE=[0.01], CMDOSU=["g"]))["dose"].tolist() == [10.0]
    assert meds_of(cm(CMDOSTOT=[25.0]))["dose"].tolist() == [25.0]  # total daily dose
    assert meds_of(cm(CMDOSFRQ=[None]))["dose"].tolist() == [10.0]
    assert meds_of(cm(CMOCCUR=["N"])).empty
    ongoing = meds_of(cm(CMENDY=[None], CMENRTPT=["ONGOING"]))
    assert ongoing["end_day"].isna().all()
    with pytest.raises(ep.InputError, match="unknown dose frequency 'SOMETIMES'"):
        meds_of(cm(CMDOSFRQ=["SOMETIMES"]))
    with pytest.raises(ep.InputError, match="not a mass"):
        meds_of(cm(CMDOSU=["mg/kg"]))


def test_medications_are_scored_with_their_dates_and_atc_codes():
    frame = cm(CMSTDY=[None], CMENDY=[None], CMSTDTC=["2024-03-01"],
               CMENDTC=["2024-03-28"], CMCLASCD=["H02AB07"])
    meds = meds_of(frame)
    assert meds[["start_day", "end_day", "atc"]].iloc[0].tolist() == [0, 27, "H02AB07"]
    with pytest.raises(ep.InputError, match="partial date"):
        meds_of(cm(CMSTDY=[None], CMSTDTC=["2024-03"]))


@pytest.mark.parametrize(("rel", "related"), [
    ("NOT RELATED", False), ("N", False), ("RELATED", True), ("POSSIBLY RELATED", True),
    ("UNLIKELY RELATED", True), ("Y", True), (None, None)])
def test_adverse_event_relatedness(rel, related):
    ae = pd.DataFrame({"USUBJID": ["S1"], "AEDECOD": ["Nausea"], "AEBODSYS": ["GI"],
                       "AESTDY": [3], "AETOXGR": ["2"], "AEREL": [rel], "AESER": ["N"]})
    table = ep.read_sdtm(dm=dm(), ae=ae).adverse_events
    row = table.iloc[0]
    assert (row["term"], row["start_day"], row["grade"], row["serious"]) == ("Nausea", 2, 2,
                                                                            False)
    assert (row["related"] is pd.NA) if related is None else (row["related"] == related)


def test_adverse_event_grade_outside_ctcae_is_an_error():
    ae = pd.DataFrame({"USUBJID": ["S1"], "AETERM": ["x"], "AESTDY": [3], "AETOXGR": ["7"]})
    with pytest.raises(ep.InputError, match="CTCAE grade outside 1-5"):
        ep.read_sdtm(dm=dm(), ae=ae)


# --- round trips -----------------------------------------------------------------------


@pytest.mark.parametrize("trial", ep.list_trials())
@pytest.mark.parametrize("standard", ["adam", "sdtm"])
def test_round_trip_equals_scoring_the_visits(trial, standard):
    visits = ep.simulate(trial, n_per_arm=8, seed=11)
    # a reference range travels on its lab's record: where the lab is missing, so is it
    limits = {c: c[: -len("_lln")] for c in visits if c.endswith(("_lln", "_uln"))}
    want = ep.score(visits.assign(**{c: visits[c].where(visits[lab].notna())
                                     for c, lab in limits.items()}), trial)
    params = sponsor_params(visits)
    if standard == "adam":
        d = as_adam(visits)
        data = ep.read_adam(d.pop("ADSL"), d, params=params)
    else:
        data = ep.read_sdtm(**{k.lower(): v for k, v in as_sdtm(visits).items()},
                            params=params)
    pd.testing.assert_frame_equal(ep.score(data, trial), want, check_exact=True)


@pytest.mark.parametrize("standard", ["adam", "sdtm"])
def test_round_trip_through_sas_transport_files_in_si_units(tmp_path, standard):
    trial = "NCT03580291"
    visits = ep.simulate(trial, n_per_arm=6, seed=4)
    write = as_adam if standard == "adam" else as_sdtm
    si = {"creatinine": "umol/L", "serum_albumin": "g/L", "upcr": "mg/mmol"}
    for name, frame in write(visits, units=si).items():
        ep.write_xpt(frame, tmp_path / f"{name.lower()}.xpt", name=name)
    data = ep.cdisc.read_folder(tmp_path, params=sponsor_params(visits))
    pd.testing.assert_frame_equal(ep.score(data, trial), ep.score(visits, trial),
                                  check_exact=False, rtol=1e-12)


def test_bundled_examples_score_like_the_csv():
    from pathlib import Path

    csv = Path(__file__).resolve().parents[1] / "examples" / "nct03917797_visits.csv"
    want = ep.score(pd.read_csv(csv), "NCT03917797")
    params = ep.cdisc.example_folder() / "params.csv"
    for standard in ("adam", "sdtm"):
        data = ep.cdisc.read_folder(ep.cdisc.example_folder(standard), params=params)
        assert not (data.report["action"] == "left out").any()
        converted = data.report[data.report["action"] == "converted"]
        assert set(converted["column"]) == {"creatinine", "serum_albumin", "upcr"}  # SI units
        pd.testing.assert_frame_equal(ep.score(data, "NCT03917797"), want, check_exact=False,
                                      rtol=1e-12)


# --- a long table where a wide one belongs, and the command line ------------------------


def test_a_long_table_given_to_score_names_paramcd_and_the_reader():
    frame = adlb([("S1", "CREAT", 1.0, "mg/dL", 1), ("S1", "ALB", 4.0, "g/dL", 1)])
    with pytest.raises(ep.InputError) as info:
        ep.score(frame, "NCT03917797", columns={"USUBJID": "subject_id", "ADY": "day"})
    assert info.value.column == "PARAMCD" and "ep.read_adam" in str(info.value)


def test_mapping_a_cdisc_study_day_to_day_warns():
    frame = pd.DataFrame({"USUBJID": ["S1", "S1"], "ADY": [1, 85], "upcr": [3.0, 0.4]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ep.score(frame, "NCT03580291", columns={"USUBJID": "subject_id", "ADY": "day"})
    assert any("has no day 0" in str(w.message) for w in caught)


def run(*args):
    return subprocess.run([sys.executable, "-m", "endpoints.cli", *args], capture_output=True,
                          text=True)


def test_cli_scores_a_folder_and_writes_the_submission_datasets(tmp_path):
    visits = ep.simulate("NCT03580291", n_per_arm=4, seed=2)
    folder = tmp_path / "sdtm"
    folder.mkdir()
    for name, frame in as_sdtm(visits).items():
        ep.write_xpt(frame, folder / f"{name.lower()}.xpt", name=name)
    params = tmp_path / "params.csv"
    pd.DataFrame(sponsor_params(visits).items(), columns=["code", "column"]).to_csv(
        params, index=False)
    out = tmp_path / "out"
    done = run("score", str(folder), "--trial", "NCT03580291", "--params", str(params),
               "--xpt", "-o", str(out), "--report", str(tmp_path / "report.csv"))
    assert done.returncode == 0, done.stderr
    adrs = pyreadstat.read_xport(str(out / "adrs.xpt"))[0]
    adtte = pyreadstat.read_xport(str(out / "adtte.xpt"))[0]
    want = ep.score(visits, "NCT03580291")
    assert len(adrs) == len(want)
    assert len(adtte) == (want.endpoint.isin(
        [e.name for e in ep.get_trial("NCT03580291").endpoints
         if e.kind == "time_to_event"])).sum()
    assert set(adtte["CNSR"].dropna()) <= {0.0, 1.0}
    assert (tmp_path / "report.csv").exists()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_cli_reads_a_folder_in_any_format(tmp_path, suffix):
    visits = ep.simulate("NCT03917797", n_per_arm=2, seed=3)
    folder = tmp_path / "adam"
    folder.mkdir()
    for name, frame in as_adam(visits).items():
        path = folder / f"{name.lower()}{suffix}"
        frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
    params = tmp_path / "params.json"
    params.write_text(json.dumps(sponsor_params(visits)))
    out = tmp_path / "results.csv"
    done = run("score", str(folder), "--trial", "NCT03917797", "--params", str(params),
               "-o", str(out))
    assert done.returncode == 0, done.stderr
    got = ep.results.check_results(pd.read_csv(out))
    expected = ep.results.check_results(ep.score(visits, "NCT03917797"))
    pd.testing.assert_frame_equal(got, expected, check_exact=False)


def test_cli_names_the_long_table_problem(tmp_path):
    path = tmp_path / "adlb.csv"
    adlb([("S1", "CREAT", 1.0, "mg/dL", 1)]).rename(
        columns={"USUBJID": "subject_id", "ADY": "day"}).to_csv(path, index=False)
    done = run("score", str(path), "--trial", "NCT03917797", "-o", str(tmp_path / "r.csv"))
    assert done.returncode == 2 and "PARAMCD" in done.stderr and "read_adam" in done.stderr
    done = run("score", str(tmp_path), "--trial", "NCT03917797", "-o", str(tmp_path / "r.csv"))
    assert done.returncode == 2 and "no ADSL or DM dataset" in done.stderr


# --- arms in summaries ---------------------------------------------------------------


def test_summaries_match_cdisc_arms_and_keep_subjects_without_visits():
    visits = ep.simulate("NCT03917797", n_per_arm=6, seed=8)
    visits["arm"] = visits["arm"].astype(str).str.upper()  # "MSC", "PLACEBO"
    d = as_adam(visits)
    extra = d["ADSL"].iloc[[0]].assign(USUBJID="PLA-9999", TRT01P="PLACEBO")
    data = ep.read_adam(pd.concat([d.pop("ADSL"), extra]), d, params=sponsor_params(visits))
    results = ep.score(data, "NCT03917797")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ep.EndpointsWarning)  # the control arm is found
        summary = ep.summarize(results, data, missing="non_responder")
    sri = summary[(summary.endpoint == "sri4") & (summary.timepoint == "month 12")]
    assert sri["arm"].tolist() == ["MSC", "PLACEBO"]
    assert sri["n"].tolist() == [6, 7]  # the subject without visits counts in its arm
    assert pd.isna(sri["difference"].iloc[1])  # PLACEBO is the reference
    with pytest.warns(ep.EndpointsWarning, match="pass reference="):
        ep.summarize(results, data.visits.assign(arm=data.visits["arm"].map(
            {"MSC": "B", "PLACEBO": "A"})))
    lower = ep.summarize(results, data, reference="placebo")
    pd.testing.assert_frame_equal(lower, summary)


@pytest.mark.parametrize(("change", "column", "problem"), [
    ({"AVAL": ["x", 1.0]}, "AVAL in BDS dataset 1", "non-numeric value"),
    ({"AVAL": [True, False]}, "AVAL in BDS dataset 1", "expected numbers, got booleans"),
    ({"AVAL": [np.inf, 1.0]}, "AVAL in BDS dataset 1", "infinite value"),
    ({"ADY": ["abc", 3]}, "ADY", "not a number"),
    ({"ADY": [1.5, 3]}, "ADY", "not a whole number of days"),
    ({"ADY": [10**7, 3]}, "ADY", "study day outside"),
])
def test_bad_values_are_input_errors(change, column, problem):
    frame = adlb([("S1", "CREAT", 1.0, "mg/dL", 1), ("S2", "CREAT", 1.0, "mg/dL", 29)])
    with pytest.raises(ep.InputError) as info:
        ep.read_adam(adsl("S1", "S2"), frame.assign(**change))
    assert info.value.column == column and problem in info.value.problem
    assert info.value.subject == "S1"


def test_bad_tables_and_arguments_are_input_errors_listed_together():
    frame = adlb([("S1", "CREAT", 1.0, "mg/dL", 1)])
    with pytest.raises(ep.InputError) as info:
        ep.read_adam(adsl(AGE="old"), [pd.concat([frame, frame[["AVAL"]]], axis=1), 42],
                     duplicates="maybe")
    assert [c for c in info.value.failures["column"]] == ["duplicates=", "AVAL",
                                                          "(BDS dataset 2)"]
    with pytest.raises(ep.InputError, match="AGE in ADSL: non-numeric"):
        ep.read_adam(adsl(AGE="old"), frame)
    with pytest.raises(ep.InputError, match="CMDOSE in CM: non-numeric"):
        meds_of(cm(CMDOSE=["ten"]))
