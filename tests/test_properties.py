"""Contract properties over every built-in trial, on hypothesis-generated visit tables:
the vectorised library agrees with the plain-Python oracle, never mutates its input,
keeps every subject, and does not depend on row order, on which other subjects are
scored or on how many subjects are scored at a time."""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import endpoints as ep
from endpoints import engine

from oracle import oracle_score
from strategies import visit_tables

TRIALS = ep.list_trials()
PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
pytestmark = pytest.mark.filterwarnings("ignore::endpoints.EndpointsWarning")


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable columns as plain Python objects (None for missing), for comparison."""
    out = frame.astype(object)
    return out.where(frame.notna(), None)


def rows_of(results: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    """The rows of a result table where `mask` holds, as the table scored for them alone
    has them: ``category`` and ``reason`` list the texts used, the trial's columns keep
    every category."""
    part = results[mask].reset_index(drop=True)
    return part.assign(**{c: part[c].cat.remove_unused_categories()
                          for c in ("category", "reason")})


@pytest.mark.parametrize("trial_id", TRIALS)
@PROPERTY
@given(visits=visit_tables())
def test_vectorised_equals_oracle(trial_id, visits):
    expected = _plain(oracle_score(visits, trial_id))
    got = ep.score(visits, trial_id)
    got = _plain(got[got.endpoint.isin(set(expected.endpoint))][list(expected.columns)])
    keys = ["subject_id", "endpoint", "timepoint"]
    merged = expected.merge(got, on=keys, how="outer", suffixes=("_oracle", "_lib"),
                            indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    for column in ["day", "result", "category", "value"]:
        a, b = merged[f"{column}_oracle"], merged[f"{column}_lib"]
        same = [x is y if None in (x, y) else x == y for x, y in zip(a, b, strict=True)]
        assert all(same), merged.loc[[not s for s in same], [*keys, f"{column}_oracle",
                                                           f"{column}_lib"]].to_string()


@pytest.mark.parametrize("trial_id", TRIALS)
@PROPERTY
@given(visits=visit_tables(), seed=st.integers(0, 2**32 - 1))
def test_contract(trial_id, visits, seed):
    before = visits.copy(deep=True)
    out = ep.score(visits, trial_id)
    pd.testing.assert_frame_equal(visits, before)  # input unchanged

    trial = ep.get_trial(trial_id)
    tasks = {(e.name, tp) for e in trial.endpoints for tp in e.timepoints}
    subjects = set(visits.subject_id.astype(str))
    assert len(out) == len(subjects) * len(tasks)
    assert set(zip(out.subject_id, out.endpoint, out.timepoint, strict=True)) == {
        (s, e, tp) for s in subjects for e, tp in tasks}
    assert out.reason[out.result.isna() | (out.result == False)].notna().all()  # noqa: E712
    assert (out.reason.dropna().str.len() > 0).all()

    shuffled = visits.sample(frac=1, random_state=np.random.RandomState(seed % 2**32))
    pd.testing.assert_frame_equal(ep.score(shuffled, trial_id), out)

    keep = sorted(subjects)[: max(1, len(subjects) // 2)]
    part = ep.score(visits[visits.subject_id.isin(keep)], trial_id)
    pd.testing.assert_frame_equal(part, rows_of(out, out.subject_id.isin(keep)))

    with patch.object(engine, "BLOCK_ROWS", 1 + seed % 7):  # scored a few subjects at a time
        pd.testing.assert_frame_equal(ep.score(visits, trial_id), out)


def test_blocks_are_scored_in_order_and_a_bounded_number_at_a_time():
    """``engine.ahead`` (blocks of subjects scored on threads) gives the results in the
    order of the blocks whichever thread finishes first, holds at most `workers` + 1
    blocks at once, and raises the first block's error."""
    import threading
    import time

    lock, running, most = threading.Lock(), [0], [0]
    made: list[int] = []

    def blocks(n):
        for i in range(n):
            made.append(i)
            yield i

    def work(i):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.002 * (5 - i % 5))  # later blocks finish first
        with lock:
            running[0] -= 1
        if i in (6, 8):
            raise ValueError(f"block {i}")
        return i * i

    out = []
    for result in engine.ahead(work, blocks(6), workers=2):
        out.append(result)
        assert len(made) - len(out) <= 2
    assert out == [i * i for i in range(6)] and most[0] <= 2
    with pytest.raises(ValueError, match="block 6"):
        list(engine.ahead(work, blocks(10), workers=2))
    assert list(engine.ahead(work, blocks(3), workers=1)) == [0, 1, 4]


@pytest.mark.parametrize("trial_id", TRIALS)
def test_rows_sorted(trial_id):
    visits = pd.DataFrame({"subject_id": [10, 2, 2], "day": [0, 0, 84]})
    out = ep.score(visits, trial_id)
    day_of = {tp.label: tp.day for tp in ep.get_trial(trial_id).timepoints}
    key = list(zip(out.subject_id, out.endpoint, out.timepoint.map(day_of), strict=True))
    assert key == sorted(key)
    assert out.index.equals(pd.RangeIndex(len(out)))
