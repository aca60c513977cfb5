"""Messy CDISC records drawn by hypothesis: only the library's errors escape, every
subject of ADSL is scored, inputs are not changed, and the records' order does not
matter (SPEC section 5; the properties of tests/test_fuzz.py for the readers)."""

from __future__ import annotations

import os
import warnings

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import endpoints as ep

DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
FUZZ = settings(max_examples=1000 if DEEP else 60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SUBJECTS = ["S1", "S2", "S3", 4.0, " S5 "]
#: codes the default map knows, one it does not, and sponsor codes named by PARAMS
CODES = ["CREAT", "ALB", "PROTCRT", "WBC", "RBC", "C3", "CSRBC", "XYZ", "SLEDAI", "BLGRENAL"]
PARAMS = {"SLEDAI": "sledai", "BLGRENAL": "bilag_renal"}
UNITS = ["mg/dL", "umol/L", "g/L", "mg/mmol", "/HPF", "10^9/L", None, "", "furlongs"]
TEXTS = ["<0.1", ">300", "0-2", "POSITIVE", "NEGATIVE", "A", "c", "see comment", "1.5", None]

records = st.lists(st.tuples(
    st.sampled_from(SUBJECTS), st.sampled_from(CODES),
    st.one_of(st.none(), st.floats(-1, 500, allow_nan=False), st.just("x")),
    st.sampled_from(TEXTS), st.sampled_from(UNITS),
    st.one_of(st.none(), st.integers(-30, 400), st.just(0), st.just("abc")),
    st.sampled_from(["URINE", "BLOOD", "SERUM", None]),
    st.sampled_from(["Y", "", None]), st.integers(1, 5)), max_size=25)


def adsl() -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": ["S1", "S2", "S3", "4", "S5", "S6"], "TRT01P": "MSC",
                         "AGE": 40.0, "SEX": "F", "TRTSDT": "2024-03-01"})


def adlb(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "AVAL", "AVALC", "AVALU", "ADY",
                                       "LBSPEC", "ANL01FL", "ASEQ"])


def read(subjects, frame, duplicates):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ep.EndpointsWarning)
        return ep.read_adam(subjects, frame, params=PARAMS, duplicates=duplicates)


@FUZZ
@given(rows=records, duplicates=st.sampled_from(["error", "last"]), seed=st.integers(0, 9))
def test_messy_adam_records(rows, duplicates, seed):
    subjects, frame = adsl(), adlb(rows)
    before = (subjects.copy(deep=True), frame.copy(deep=True))
    try:
        data = read(subjects, frame, duplicates)
    except ep.InputError as error:
        assert len(error.failures) >= 1
        data = None
    pd.testing.assert_frame_equal(subjects, before[0])
    pd.testing.assert_frame_equal(frame, before[1])
    shuffled = frame.sample(frac=1, random_state=seed)
    try:
        again = read(subjects, shuffled, duplicates)
    except ep.InputError:
        assert data is None  # the same records fail whatever their order
        return
    assert data is not None
    pd.testing.assert_frame_equal(again.visits, data.visits)
    assert set(data.subjects) >= set(subjects["USUBJID"])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ep.EndpointsWarning)
            results = ep.score(data, "NCT03580291")
    except ep.InputError:
        return  # e.g. a negative creatinine or a BILAG grade outside A-E
    assert set(results["subject_id"]) == set(data.subjects)
    counts = results.groupby("subject_id").size()
    assert counts.nunique() == 1  # every subject has every endpoint x timepoint


@pytest.mark.parametrize("standard", ["adam", "sdtm"])
def test_readers_never_mutate_the_bundled_examples(standard):
    folder = ep.cdisc.example_folder(standard)
    frames = {p.stem: pd.read_sas(p, format="xport", encoding="ascii")
              for p in folder.glob("*.xpt")}
    copies = {k: v.copy(deep=True) for k, v in frames.items()}
    params = ep.cdisc.example_folder() / "params.csv"
    if standard == "adam":
        ep.read_adam(frames["adsl"], [v for k, v in frames.items() if k != "adsl"],
                     params=params)
    else:
        ep.read_sdtm(**frames, params=params)
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(frame, copies[name])


DATES = ["2024-03-01", "2024-02-29", "2024-03-15T10:30", "2024-03", "2024", "not a date",
         "2024-02-30", None]
FREQUENCIES = ["QD", "BID", "QOD", "EVERY WEEK", "ONCE", "PRN", "SOMETIMES", None]
DRUGS = ["PREDNISONE", "Solu-Medrol", "MYCOPHENOLATE MOFETIL", "RITUXIMAB", "PARACETAMOL",
         "predisone", None]

sdtm_records = st.lists(st.tuples(
    st.sampled_from(SUBJECTS), st.sampled_from(CODES[:7]),
    st.one_of(st.none(), st.floats(0, 500, allow_nan=False)), st.sampled_from(TEXTS),
    st.sampled_from(UNITS[:5]), st.sampled_from(DATES),
    st.one_of(st.none(), st.integers(-30, 400))), max_size=15)
cm_records = st.lists(st.tuples(
    st.sampled_from(SUBJECTS), st.sampled_from(DRUGS),
    st.one_of(st.none(), st.floats(0, 1000, allow_nan=False)),
    st.sampled_from(["mg", "g", "mg/kg", None]), st.sampled_from(FREQUENCIES),
    st.sampled_from(["ORAL", "INTRAVENOUS", "TOPICAL", None]), st.sampled_from(DATES),
    st.sampled_from(DATES), st.sampled_from(["N", "Y", None])), max_size=8)


@FUZZ
@given(lb=sdtm_records, cm=cm_records, seed=st.integers(0, 9))
def test_messy_sdtm_records_with_dates_and_medications(lb, cm, seed):
    dm = pd.DataFrame({"USUBJID": ["S1", "S2", "S3", "4", "S5"], "ARM": "MSC",
                       "RFXSTDTC": ["2024-03-01", None, "2024-03-02", "2024-03-01", ""],
                       "RFSTDTC": "2024-02-28", "AGE": 40, "SEX": "F"})
    lb = pd.DataFrame(lb, columns=["USUBJID", "LBTESTCD", "LBSTRESN", "LBSTRESC", "LBSTRESU",
                                   "LBDTC", "LBDY"])
    cm = pd.DataFrame(cm, columns=["USUBJID", "CMTRT", "CMDOSE", "CMDOSU", "CMDOSFRQ",
                                   "CMROUTE", "CMSTDTC", "CMENDTC", "CMOCCUR"])
    before = [t.copy(deep=True) for t in (dm, lb, cm)]
    outcomes = []
    for order in (None, seed):
        tables = [t if order is None else t.sample(frac=1, random_state=order)
                  for t in (dm, lb, cm)]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ep.EndpointsWarning)
                data = ep.read_sdtm(dm=tables[0], lb=tables[1], cm=tables[2])
                results = ep.score(data, "NCT02633163")
        except ep.InputError as error:
            outcomes.append(("error", sorted(error.failures["problem"])))
            continue
        assert set(results["subject_id"]) == set(data.subjects) >= {"S1", "S2", "S3", "4"}
        outcomes.append(("ok", results.sort_values(["subject_id", "endpoint", "timepoint"])
                         .reset_index(drop=True)))
    for table, copy in zip((dm, lb, cm), before, strict=True):
        pd.testing.assert_frame_equal(table, copy)
    (kind_a, a), (kind_b, b) = outcomes
    assert kind_a == kind_b
    if kind_a == "ok":
        pd.testing.assert_frame_equal(a, b)
    else:
        assert a == b
