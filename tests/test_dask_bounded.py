"""A Parquet dataset scored through dask in bounded partitions: ``ep.score`` on
``dd.read_parquet`` and the CLI's ``--engine dask`` give the pandas scorer one partition
of whole subjects at a time, never the whole table, keep the number of partitions, and
give the pandas result (SPEC section 10: larger than memory, with bounded memory)."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import endpoints as ep
from endpoints import distributed, engine
from endpoints.results import TEXT  # the result's text columns, categoricals or not

dd = pytest.importorskip("dask.dataframe")
dask = pytest.importorskip("dask")
Callback = pytest.importorskip("dask.callbacks").Callback

TRIAL = "NCT03917797"
FILES = 4


@pytest.fixture(scope="module")
def visits() -> pd.DataFrame:
    """A simulated visit table, rows shuffled so that every file holds most subjects;
    large enough that most partitions give over 127 distinct reasons (as categoricals,
    partitions with more and fewer would need int16 and int8 codes in one Parquet
    schema: the dask path gives them as text)."""
    table = ep.simulate(TRIAL, n_per_arm=150, seed=3)
    return table.sample(frac=1.0, random_state=3).reset_index(drop=True)


@pytest.fixture(scope="module")
def expected(visits) -> pd.DataFrame:
    return canonical(ep.score(visits, TRIAL))


@pytest.fixture
def dataset(tmp_path, visits):
    """`visits` as a Parquet dataset of FILES files of consecutive rows."""
    folder = tmp_path / "visits"
    folder.mkdir()
    bounds = np.linspace(0, len(visits), FILES + 1).astype(int)
    for i in range(FILES):
        visits.iloc[bounds[i]:bounds[i + 1]].to_parquet(folder / f"part.{i}.parquet",
                                                        index=False)
    return folder


@pytest.fixture
def record(monkeypatch):
    """Run under dask's synchronous scheduler, recording the visits of every call of the
    pandas scorer and the rows of the largest visit and result frame any task returns."""
    seen = SimpleNamespace(calls=[], largest={"visits": 0, "results": 0})
    score = engine.score

    def recording(visits, *args, **kwargs):
        if len(visits):  # not the call on the empty table that gives the result's meta
            seen.calls.append(visits)
        return score(visits, *args, **kwargs)

    def posttask(key, result, dsk, state, worker_id):
        if isinstance(result, pd.DataFrame):
            kind = "results" if "endpoint" in result.columns else "visits"
            seen.largest[kind] = max(seen.largest[kind], len(result))

    monkeypatch.setattr(engine, "score", recording)
    with dask.config.set(scheduler="sync"), Callback(posttask=posttask):
        yield seen


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in subject, endpoint, timepoint order; text columns as strings, whether they
    are categoricals or not."""
    frame = frame.astype({column: "string" for column in TEXT})
    return frame.sort_values(["subject_id", "endpoint", "timepoint"]).reset_index(drop=True)


def check_bounded(seen, visits: pd.DataFrame, results: int, npartitions: int) -> None:
    """Each scorer call gets about 1/npartitions of the visit rows, and no task returns
    more than twice that share of the visits or the results; one call per partition, with
    the whole visits of its own subjects."""
    sizes = [len(call) for call in seen.calls]
    bound = 2 / npartitions  # of the whole table: here half of it
    assert max(sizes) <= bound * len(visits), f"a partition of {max(sizes)} visit rows"
    assert max(sizes) <= seen.largest["visits"] <= bound * len(visits)  # tasks were seen
    assert seen.largest["results"] <= bound * results
    assert len(sizes) == npartitions
    assert sum(sizes) == len(visits)  # every visit row scored once
    subjects = [set(call["subject_id"].astype(str)) for call in seen.calls]
    assert set().union(*subjects) == set(visits["subject_id"])
    assert sum(map(len, subjects)) == visits["subject_id"].nunique()  # each in one call


def test_api_scores_bounded_partitions(expected, visits, dataset, record):
    ddf = dd.read_parquet(dataset)
    assert ddf.npartitions == FILES
    lazy = ep.score(ddf, TRIAL)
    assert lazy.npartitions == FILES
    parts = dask.compute(*lazy.to_delayed())  # not concatenated in a task
    assert len(parts) == FILES and all(len(part) for part in parts)
    check_bounded(record, visits, len(expected), FILES)
    pd.testing.assert_frame_equal(canonical(pd.concat(parts)), expected)


def test_cli_dask_engine_scores_bounded_partitions(expected, visits, dataset, record, tmp_path,
                                                    monkeypatch):
    from typer.testing import CliRunner

    from endpoints.cli import app

    monkeypatch.setattr(warnings, "formatwarning", warnings.formatwarning)  # the CLI sets it
    output = tmp_path / "scores.parquet"
    done = CliRunner().invoke(app, ["score", str(dataset), "--trial", TRIAL, "--engine", "dask",
                                    "--output", str(output)])
    assert done.exit_code == 0, done.output
    check_bounded(record, visits, len(expected), FILES)
    files = sorted(output.glob("*.parquet"))
    assert len(files) == FILES
    got = pd.concat([pd.read_parquet(f) for f in files])
    pd.testing.assert_frame_equal(canonical(got), expected, check_categorical=False)


def test_the_bound_catches_one_partition_holding_every_subject(expected, visits, dataset, record,
                                                               monkeypatch):
    monkeypatch.setattr(distributed, "partition_of",
                        lambda subject, n: np.zeros(len(subject), dtype=np.int64))
    dask.compute(*ep.score(dd.read_parquet(dataset), TRIAL).to_delayed())
    with pytest.raises(AssertionError, match="a partition of"):
        check_bounded(record, visits, len(expected), FILES)
