"""``ep.score`` on dask DataFrames, run on a local distributed cluster with worker
processes: lazy, same columns and dtypes as the pandas result, and identical results
(after sorting) even when a subject's visits are split across partitions."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

import endpoints as ep
from endpoints.distributed import TEXTS_USED

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

BILAG_DOMAINS = ("constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal",
                 "cardiorespiratory", "gastrointestinal", "ophthalmic", "renal", "haematological")
#: days on and around the built-in timepoints and window edges, plus screening visits
DAY_POOL = np.array(sorted(
    {-28, -14, -7, 0, 7, 14, 28}
    | {t + d for t in (84, 140, 168, 183, 364, 365) for d in (-29, -28, -7, -1, 0, 1, 7, 28, 29)}
))
GRIDS = {
    "upcr": np.round(np.arange(0, 6.05, 0.25), 2),
    "proteinuria_24h": np.round(np.arange(0, 8.01, 0.25), 2),
    "egfr": np.arange(30.0, 151.0, 5.0),
    "urine_rbc": np.arange(0.0, 21.0),
    "urine_wbc": np.arange(0.0, 21.0),
    "serum_albumin": np.round(np.arange(2.0, 4.6, 0.1), 1),
    "prednisone": np.array([0.0, 2.5, 5.0, 7.5, 10.0, 10.5, 12.5, 15.0, 20.0, 40.0]),
    "immunosuppressant_dose": np.array([0.0, 500.0, 1000.0, 2000.0]),
    "sledai": np.arange(0.0, 31.0),
    "pga": np.round(np.arange(0, 3.01, 0.1), 1),
    "creatinine": np.round(np.arange(0.4, 4.0, 0.1), 1),
    **{name: np.arange(0.0, 200.0, 7.0) for name in (
        "c3", "c4", "anti_dsdna", "sf36", "lupusqol", "slicc_di", "promis_fatigue",
        "promis_pain", "promis_depression", "lupuspro")},
}


def visit_table(n_subjects: int = 80, seed: int = 7, missing: float = 0.1) -> pd.DataFrame:
    """Irregular visits (1-10 per subject, around every window edge), values on grids that
    hit the thresholds, missing values, shuffled rows."""
    rng = np.random.default_rng(seed)
    subject, day = [], []
    for i in range(n_subjects):
        days = rng.choice(DAY_POOL, size=rng.integers(1, 11), replace=False)
        subject += [f"S{i:03d}"] * len(days)
        day += sorted(days.tolist())
    n = len(day)
    frame = pd.DataFrame({"subject_id": subject, "day": day})
    frame["arm"] = np.where(frame["subject_id"].str[-1].isin(list("02468")), "MSC", "Placebo")
    frame["age"] = 40.0
    frame["sex"] = np.where(rng.random(n) < 0.8, "F", "M")
    for name, grid in GRIDS.items():
        values = rng.choice(grid, size=n)
        frame[name] = np.where(rng.random(n) < missing, np.nan, values)
    for name, p in (("rbc_casts", 0.2), ("new_immunosuppressant", 0.05), ("rituximab", 0.03)):
        frame[name] = pd.arrays.BooleanArray(rng.random(n) < p, rng.random(n) < missing)
    grades = np.array(list("ABCDE"), dtype=object)
    for domain in BILAG_DOMAINS:
        column = grades[rng.choice(5, size=n, p=[0.1, 0.15, 0.15, 0.3, 0.3])]
        column[rng.random(n) < missing] = None
        frame[f"bilag_{domain}"] = column
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def medications_table(visits: pd.DataFrame, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = visits["subject_id"].unique()
    ids = ids[rng.random(len(ids)) < 0.8]  # some subjects without records
    k = len(ids)
    start = rng.integers(-30, 200, k)
    frames = [
        pd.DataFrame({"subject_id": ids, "drug": "prednisone", "start_day": start,
                      "end_day": start + rng.integers(0, 250, k),
                      "dose": rng.choice([5.0, 7.5, 10.0, 12.5, 20.0], k)}),
        pd.DataFrame({"subject_id": ids, "drug": "Methylprednisolone", "start_day": 0,
                      "end_day": 2, "dose": 500.0}),
        pd.DataFrame({"subject_id": ids, "drug": rng.choice(
            ["mycophenolate", "tacrolimus", "rituximab", "hydroxychloroquine"], k),
            "start_day": rng.integers(-10, 380, k), "end_day": np.nan, "dose": 1.0}),
    ]
    meds = pd.concat(frames, ignore_index=True)
    return meds.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def visits() -> pd.DataFrame:
    return visit_table()


def split(frame: pd.DataFrame, npartitions: int):
    """A dask frame whose partitions are row chunks of the (shuffled) table, so that
    subjects are split across partitions; asserts that they are."""
    ddf = dd.from_pandas(frame, npartitions=npartitions, sort=False)
    seen: dict[str, set[int]] = {}
    for i in range(ddf.npartitions):
        for s in ddf.partitions[i]["subject_id"].compute(scheduler="sync").astype(str):
            seen.setdefault(s, set()).add(i)
    assert sum(len(p) > 1 for p in seen.values()) > len(seen) // 2
    return ddf


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in subject, endpoint, timepoint order; `category` and `reason` as text (as
    the dask path gives them)."""
    frame = frame.astype({column: "string" for column in TEXTS_USED})
    return frame.sort_values(["subject_id", "endpoint", "timepoint"]).reset_index(drop=True)


def check_same(client, lazy, expected: pd.DataFrame) -> None:
    assert isinstance(lazy, dd.DataFrame)
    assert list(lazy.columns) == list(expected.columns)
    # the pandas dtypes, category and reason as text
    pd.testing.assert_series_equal(lazy.dtypes, canonical(expected).dtypes)
    got = client.compute(lazy).result()
    pd.testing.assert_frame_equal(canonical(got), canonical(expected))


@pytest.mark.parametrize("trial", ep.list_trials())
def test_matches_pandas_for_every_builtin_trial(client, visits, trial):
    check_same(client, ep.score(split(visits, 5), trial), ep.score(visits, trial))


@pytest.mark.parametrize("kind", ["pandas", "dask"])
@pytest.mark.parametrize("trial", ["NCT02633163", "NCT03917797"])
def test_medications_pandas_or_dask(client, visits, trial, kind):
    meds = medications_table(visits)
    given = meds if kind == "pandas" else dd.from_pandas(meds, npartitions=3, sort=False)
    lazy = ep.score(split(visits, 4), trial, medications=given)
    check_same(client, lazy, ep.score(visits, trial, medications=meds))


@pytest.mark.parametrize("kind", ["pandas", "dask"])
def test_adverse_events_pandas_or_dask(client, visits, kind):
    """Events are split by the partitions of their subjects; a subject with events only
    (no visits) is scored in its partition too."""
    subjects = [*visits["subject_id"].unique()[:30].tolist(), "ONLY-EVENTS"]
    events = pd.DataFrame({"subject_id": subjects, "term": "Pyrexia",
                           "start_day": np.arange(len(subjects)) * 5 % 170,
                           "grade": 1 + np.arange(len(subjects)) % 3,
                           "related": np.arange(len(subjects)) % 2 == 0})
    given = events if kind == "pandas" else dd.from_pandas(events, npartitions=2, sort=False)
    lazy = ep.score(split(visits, 4), "NCT03580291", adverse_events=given)
    expected = ep.score(visits, "NCT03580291", adverse_events=events)
    assert (expected.subject_id == "ONLY-EVENTS").any()
    check_same(client, lazy, expected)


def test_columns_units_and_integer_subject_ids(client, visits):
    frame = visits.assign(subject_id=visits["subject_id"].str[1:].astype(int),
                          upcr=visits["upcr"] * 113.12)
    frame = frame.rename(columns={"subject_id": "USUBJID", "day": "ADY"})
    options = {"columns": {"USUBJID": "subject_id", "ADY": "day"}, "units": {"upcr": "mg/mmol"}}
    ddf = dd.from_pandas(frame, npartitions=4, sort=False)
    check_same(client, ep.score(ddf, "NCT03580291", **options),
               ep.score(frame, "NCT03580291", **options))


def test_lazy_until_computed(visits):
    def refuse(*args, **kwargs):
        raise AssertionError("ep.score computed something eagerly")

    ddf = split(visits, 3)
    meds = medications_table(visits)
    with dask.config.set(scheduler=refuse):
        ep.score(ddf, "NCT03917797")
        ep.score(ddf, "NCT03917797", medications=meds)
        ep.score(ddf, "NCT03917797", medications=dd.from_pandas(meds, npartitions=2))


def test_absent_columns_warn_once_on_the_client(client, visits):
    frame = visits.drop(columns=["c3", "c4"])
    with pytest.warns(ep.EndpointsWarning, match="c3, c4") as caught:
        lazy = ep.score(split(frame, 3), "NCT03917797")
    assert len([w for w in caught if issubclass(w.category, ep.EndpointsWarning)]) == 1
    with pytest.warns(ep.EndpointsWarning):
        expected = ep.score(frame, "NCT03917797")
    check_same(client, lazy, expected)


def test_errors(client, visits):
    with pytest.raises(ep.UnknownTrialError):
        ep.score(split(visits, 2), "NCT00000000")
    with pytest.raises(ep.InputError, match="subject_id"):  # column problems: at once
        ep.score(dd.from_pandas(visits.drop(columns="subject_id"), npartitions=2), "NCT03917797")
    bad = visits.copy()
    bad.loc[bad.index[5], "upcr"] = -1.0
    lazy = ep.score(split(bad, 3), "NCT03917797")
    with pytest.raises(ep.InputError, match="upcr: negative value"):  # value problems: on compute
        client.compute(lazy).result()


def test_custom_trial_definition_reaches_the_workers(client, visits):
    definition = ep.get_trial("NCT03580291").model_copy(update={"id": "CUSTOM-1"})
    lazy = ep.score(split(visits, 3), definition)
    check_same(client, lazy, ep.score(visits, definition))
