"""SAS transport version 5 (SPEC section 5): every limit checked before a byte is
written, and files that read back identically with pandas and pyreadstat."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyreadstat
import pytest

import endpoints as ep


@pytest.fixture(scope="module")
def adrs() -> pd.DataFrame:
    visits = ep.simulate("NCT03917797", n_per_arm=6, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ep.EndpointsWarning)
        adam = ep.to_adam(ep.score(visits, "NCT03917797"))
    # reasons of a submission dataset are kept within the 200-byte limit
    return adam.assign(REASON=adam.REASON.str.slice(0, 200)).reset_index(drop=True)


def read_both(path):
    by_pandas = pd.read_sas(path, format="xport", encoding="ascii")
    by_pyreadstat, meta = pyreadstat.read_xport(str(path))
    return by_pandas, by_pyreadstat, meta


def expected(frame: pd.DataFrame) -> pd.DataFrame:
    """What SAS stores: numbers as float64 (NaN where missing), text blank where missing."""
    out = {}
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(
                series.dtype):
            out[column] = series.to_numpy(dtype="float64", na_value=np.nan)
        else:
            out[column] = series.astype(object).where(series.notna(), "").to_numpy(dtype=object)
    return pd.DataFrame(out)


def test_an_adam_dataset_reads_back_identically(adrs, tmp_path):
    path = tmp_path / "adrs.xpt"
    labels = {"USUBJID": "Unique Subject Identifier", "PARAMCD": "Parameter Code",
              "AVAL": "Analysis Value", "AVALC": "Analysis Value (C)"}
    ep.write_xpt(adrs, path, name="ADRS", labels=labels)
    assert path.read_bytes().startswith(b"HEADER RECORD*******LIBRARY HEADER RECORD")  # v5
    by_pandas, by_pyreadstat, meta = read_both(path)
    want = expected(adrs)
    for got in (by_pandas, by_pyreadstat):
        got = got.astype({c: object for c in got.columns if got[c].dtype != np.float64})
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_dtype=False)
    assert meta.table_name == "ADRS"
    assert {c: meta.column_names_to_labels[c] for c in labels} == labels


def test_the_limits_themselves_are_allowed(tmp_path):
    frame = pd.DataFrame({"ABCDEFGH": ["x" * 200, None], "N_2": pd.array([1, None],
                                                                       dtype="Int64"),
                          "FLAG": pd.array([True, None], dtype="boolean")})
    path = tmp_path / "limits.xpt"
    ep.write_xpt(frame, path, name="ABCDEFGH", labels={"ABCDEFGH": "L" * 40})
    by_pandas, by_pyreadstat, meta = read_both(path)
    assert by_pyreadstat["ABCDEFGH"].tolist() == ["x" * 200, ""]
    assert by_pandas["N_2"].tolist()[0] == 1.0 and np.isnan(by_pandas["N_2"].tolist()[1])
    assert meta.column_names_to_labels["ABCDEFGH"] == "L" * 40


GOOD = pd.DataFrame({"A": [1.0], "B": ["x"]})


@pytest.mark.parametrize(("frame", "options", "column"), [
    pytest.param(GOOD, {"name": "ABCDEFGHI"}, "name=", id="dataset-name-9"),
    pytest.param(GOOD, {"name": "1ADRS"}, "name=", id="dataset-name-digit"),
    pytest.param(GOOD, {"name": ""}, "name=", id="dataset-name-empty"),
    pytest.param(GOOD.rename(columns={"A": "ABCDEFGHI"}), {}, "ABCDEFGHI", id="var-name-9"),
    pytest.param(GOOD.rename(columns={"A": "A-B"}), {}, "A-B", id="var-name-dash"),
    pytest.param(GOOD.rename(columns={"A": 1}), {}, "1", id="var-name-number"),
    pytest.param(GOOD.assign(a=[2.0]), {}, "a", id="var-names-same-for-sas"),
    pytest.param(GOOD, {"labels": {"A": "L" * 41}}, "A", id="label-41"),
    pytest.param(GOOD, {"labels": {"A": "Größe"}}, "A", id="label-not-ascii"),
    pytest.param(GOOD, {"labels": {"Z": "zed"}}, "labels=", id="label-of-no-column"),
    pytest.param(GOOD, {"labels": ["A"]}, "labels=", id="labels-not-a-mapping"),
    pytest.param(GOOD.assign(B=["x" * 201]), {}, "B", id="text-201-bytes"),
    pytest.param(GOOD.assign(B=["é" * 101]), {}, "B", id="text-202-bytes-utf8"),
    pytest.param(GOOD.assign(B=["Größe"]), {}, "B", id="text-not-ascii"),
    pytest.param(GOOD.assign(B=[pd.Timestamp("2024-01-01")]), {}, "B", id="dates"),
    pytest.param(GOOD.assign(B=pd.Series([1], dtype=object)), {}, "B", id="mixed-object"),
    pytest.param(GOOD.assign(A=[np.inf]), {}, "A", id="infinite"),
])
def test_every_limit_violated_once_is_an_error_before_writing(frame, options, column,
                                                              tmp_path):
    path = tmp_path / "bad.xpt"
    with pytest.raises(ep.InputError) as info:
        ep.write_xpt(frame, path, **{"name": "ADRS", **options})
    assert info.value.column == column, str(info.value)
    assert not path.exists()


def test_every_violation_is_listed_at_once(tmp_path):
    frame = pd.DataFrame({"TOOLONGNAME": [1.0], "B": ["x" * 300]})
    with pytest.raises(ep.InputError) as info:
        ep.write_xpt(frame, tmp_path / "bad.xpt", name="9BAD", labels={"B": "L" * 50})
    assert set(info.value.failures.column) == {"name=", "TOOLONGNAME", "B"}
    assert len(info.value.failures) == 4


def test_not_a_table_is_an_error(tmp_path):
    with pytest.raises(ep.InputError, match="DataFrame"):
        ep.write_xpt([1, 2], tmp_path / "x.xpt", name="X")
