"""A panel's top rows come from a lazy sort that polars stops after the first rows: the
same rows, in the same order, as sorting every row and keeping the first ones."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from phylohub.summary.distributions import _top


@pytest.mark.parametrize("top", [1, 15, 500])
def test_top_rows_are_those_of_the_whole_sort(top: int) -> None:
    rng = np.random.default_rng(3)
    n = 20_000
    counts = pl.DataFrame(
        {
            # many ties in count, broken by value; the values distinct, as in every panel
            "value": [f"org{i % 97}/model-{i}" for i in rng.permutation(n)],
            "count": rng.zipf(1.6, n).clip(max=10_000),
        }
    )
    ranked = _top("downloads", counts, int(counts["count"].sum()), "downloads", "all", top)
    whole = counts.sort(["count", "value"], descending=[True, False]).head(top)
    assert ranked["value"].to_list() == whole["value"].to_list()
    assert ranked["count"].to_list() == whole["count"].to_list()
    assert ranked["rank"].to_list() == list(range(1, min(top, n) + 1))
