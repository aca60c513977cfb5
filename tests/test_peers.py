"""The benchmark's peers of ``ep.score`` (benchmarks/peers: NCT03917797 in polars and in
DuckDB SQL) give the same result table as ``score``, row for row: every column,
reasons included, values within 1e-12.

The tables are the benchmark's synthetic ones (benchmarks/synth.py: missing values,
missed visits, visit days off schedule), some with many more missing values, and dense
tables whose values and days sit on the thresholds and window edges (ties between two
visits, day 196 / 197 for week 24, UPCR exactly 50% of baseline, PGA 2.0 -> 2.3, ...),
some without columns the trial reads. Each goes through Parquet, as in the benchmark.

Skipped unless polars and duckdb are installed (the `bench` extra).
"""

from __future__ import annotations

import importlib
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import endpoints as ep

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))
synth = importlib.import_module("synth")
common = importlib.import_module("peers.common")
polars_peer = importlib.import_module("peers.polars_peer")
duckdb_peer = importlib.import_module("peers.duckdb_peer")

TRIAL = "NCT03917797"
KEY = ["subject_id", "endpoint", "timepoint"]


def dense_table(n_subjects: int, seed: int) -> pd.DataFrame:
    """Visits on the days where the rules change (window edges, ties around the target
    days, screening and day 0), values on the thresholds, a quarter of them missing."""
    rng = np.random.default_rng(seed)
    pool = np.array([-30, -14, -7, 0, 1, 28, 139, 140, 141, 160, 167, 168, 169, 176, 196,
                     197, 213, 300, 336, 337, 338, 364, 365, 366, 392, 393, 394, 400])
    counts = rng.integers(0, 9, n_subjects)
    subject, day = [], []
    for i, k in enumerate(counts):
        subject += [f"P{i:05d}"] * int(k)
        day += list(rng.choice(pool, size=k, replace=False))
    rows = len(day)

    def pick(values, missing=0.25):
        out = np.array(values, dtype=object)[rng.integers(0, len(values), rows)]
        out[rng.random(rows) < missing] = None
        return out

    def numbers(values, missing=0.25):
        return pd.array(pick(values, missing), dtype="Float64").to_numpy(
            dtype=float, na_value=np.nan)

    frame = pd.DataFrame({"subject_id": subject, "day": np.array(day, dtype=np.int64)})
    frame["upcr"] = numbers([0.15, 0.3, 0.49, 0.5, 0.51, 1.0, 2.0])
    frame["egfr"] = numbers([60, 79.99, 80, 96, 100, 119.9, 120, 150])
    frame["urine_rbc"] = numbers([0, 9, 9.9999999999, 10, 25])
    frame["rbc_casts"] = pd.array(pick([True, False]), dtype="boolean")
    frame["prednisone"] = numbers([0, 5, 10, 10.0000000001, 10.5, 20])
    frame["sledai"] = numbers([0, 2, 4, 8, 10, 12, 13, 15, 20], 0.3)
    frame["pga"] = numbers([0, 1.7, 2.0, 2.3, 2.29, 3.0])
    for column in common.BILAG:
        frame[column] = pd.array(pick(list("ABCDE"), 0.3), dtype="str")
    frame["new_immunosuppressant"] = pd.array(pick([True, False, False, False]), dtype="boolean")
    frame["rituximab"] = pd.array(pick([True, False, False, False, False]), dtype="boolean")
    for column in ("anti_dsdna", "c3", "c4", "il6"):
        frame[column] = numbers([0, 0.1, 0.2, 0.3, 1.5, 100.25])
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


TABLES = {
    "synth-200": lambda: synth.visit_table(200, seed=1),
    "synth-2000": lambda: synth.visit_table(2000, seed=2),
    "synth-2000-missing-30%": lambda: synth.visit_table(2000, seed=3, missing=0.3),
    "dense-1500": lambda: dense_table(1500, seed=4),
    "dense-1500-other-seed": lambda: dense_table(1500, seed=5),
    "dense-without-c4-urine-rbc-renal-grade": lambda: dense_table(400, seed=6).drop(
        columns=["c4", "urine_rbc", "bilag_renal"]),
    "dense-without-bilag-rituximab": lambda: dense_table(400, seed=7).drop(
        columns=[*common.BILAG, "rituximab"]),
}


@pytest.fixture(scope="module", params=sorted(TABLES))
def case(request, tmp_path_factory):
    """(path of the Parquet file, score's result read from it)."""
    path = tmp_path_factory.mktemp("peers") / f"{request.param}.parquet"
    TABLES[request.param]().to_parquet(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ep.EndpointsWarning)
        expected = ep.score(pd.read_parquet(path), TRIAL)
    return path, expected


def run_polars(path: Path, text: str) -> pd.DataFrame:
    return polars_peer.score(pl.read_parquet(path), text=text)


def run_duckdb(path: Path, text: str) -> pd.DataFrame:
    con = duckdb.connect()
    try:
        return duckdb_peer.score(con.read_parquet(str(path)), text=text)
    finally:
        con.close()


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns as text: score and the peers may encode the low-cardinality
    text columns as categoricals (SPEC section 10), with categories in any order."""
    return frame.astype({c: "string" for c in frame.columns
                         if isinstance(frame[c].dtype, pd.CategoricalDtype)})


def assert_same_table(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected)
    assert got.dtypes.map(type).to_dict() == expected.dtypes.map(type).to_dict()
    got, expected = as_text(got), as_text(expected)
    assert got.dtypes.to_dict() == expected.dtypes.to_dict()
    # the same order as score (subject, endpoint, timepoint day) ...
    pd.testing.assert_frame_equal(got[KEY], expected[KEY], check_exact=True)
    # ... and, sorted, the same rows: every column but `value` exactly, `value` to 1e-12
    got = got.sort_values(KEY, ignore_index=True)
    expected = expected.sort_values(KEY, ignore_index=True)
    exact = [c for c in expected.columns if c != "value"]
    pd.testing.assert_frame_equal(got[exact], expected[exact], check_exact=True)
    pd.testing.assert_series_equal(got["value"], expected["value"], check_exact=False,
                                   rtol=0, atol=1e-12)


@pytest.mark.parametrize("run", [run_polars, run_duckdb], ids=["polars", "duckdb"])
def test_peer_equals_score(case, run):
    path, expected = case
    assert_same_table(run(path, common.text_of(expected)), expected)


@pytest.mark.parametrize("text", ["categorical", "string"])
def test_text_representations(text):
    """Either representation of the low-cardinality text holds the same values."""
    table = synth.visit_table(50, seed=8)
    frame = polars_peer.score(pl.from_pandas(table), text=text)
    assert isinstance(frame["reason"].dtype, pd.CategoricalDtype) == (text == "categorical")
    assert str(frame["subject_id"].dtype) == "string"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ep.EndpointsWarning)
        expected = ep.score(table, TRIAL)
    pd.testing.assert_frame_equal(as_text(frame), as_text(expected), check_exact=False,
                                  rtol=0, atol=1e-12)


def test_cases_reach_the_rules():
    """The dense tables reach every outcome of the trickiest rules (not just the
    common ones), so equality above is not vacuous."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ep.EndpointsWarning)
        result = ep.score(dense_table(1500, seed=4), TRIAL)
    reasons = result["reason"].dropna().astype(str)
    for text in ["complete renal response met instead", "no visit in window",
                 "egfr and baseline egfr missing", "no new BILAG A domain: BILAG grades missing",
                 "at most one new BILAG B domain: BILAG grades missing",
                 "unknown at day", "previous sledai missing", "(a) prednisone > 10",
                 "(b) prednisone > 10", "(c) new immunosuppressive regimen", "(d) rituximab",
                 "no week 24 visit", "week 24 visit: prednisone > 10: prednisone missing",
                 "partial renal response not evaluable", "baseline upcr missing"]:
        assert reasons.str.contains(text, regex=False).any(), text
    renal = result[result["endpoint"] == "renal_response"]
    assert set(renal["category"].dropna()) == {"CR", "PR", "NR"}
    assert (renal["result"].eq(True) & renal["category"].isna()).any()  # CR unknown, PR met
