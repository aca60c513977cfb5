"""The reason arrays of :mod:`endpoints.reasons`: codes into a few texts, joined and
coalesced without looping over subjects."""

from __future__ import annotations

import numpy as np
import pandas as pd

from endpoints import reasons


def test_coalesce_and_join_with_more_texts_than_a_small_code_holds():
    """Parts whose codes are int8 and whose texts together pass 127 (found at 100,000
    subjects: an overflow of the int8 codes)."""
    n = 300
    first = reasons.Reason(np.where(np.arange(n) % 2 == 0, np.arange(n) % 100, -1).astype(
        np.int8), np.array([f"a{i}" for i in range(100)], dtype=object))
    second = reasons.Reason((np.arange(n) % 100).astype(np.int8),
                            np.array([f"b{i}" for i in range(100)], dtype=object))
    out = reasons.coalesce(first, second)
    expected = [f"a{i % 100}" if i % 2 == 0 else f"b{i % 100}" for i in range(n)]
    assert list(out) == expected
    joined = reasons.join([first, second], sep="+")
    assert list(joined)[:2] == ["a0+b0", "b1"]


def test_reasons_accept_pandas_categoricals_and_keep_missing():
    def texts(reason):
        return [None if pd.isna(t) else t for t in reason]

    cat = pd.Categorical(["x", None, "y"])
    assert texts(reasons.where(np.array([True, True, False]), cat)) == ["x", None, None]
    assert texts(reasons.prefix(cat, "not met: ")) == ["not met: x", None, "not met: y"]
