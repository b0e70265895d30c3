"""The summary's per-family sums, draws and distinct counts take shortcuts that must give
what the plain computations give, to the bit: 32-bit draws are the 64-bit draws of the
same stream, ``np.bincount`` sums are the sparse membership product's, the columns'
missing-row patterns come in ``np.unique``'s order, and counting by marks is counting
distinct values."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy.sparse import coo_array

from phylohub.draws import count_draws
from phylohub.similarity.summary import (
    _cluster_sums,
    _codes,
    _column_patterns,
    _distinct,
    resample_clusters,
)


@pytest.mark.parametrize("n", [1, 7, 9_470, 70_001])
def test_resamples_count_the_draws_of_the_64_bit_stream(n: int) -> None:
    # the plain path: int64 draws, block after block, from the same generator
    seed, resamples, block = 11, 23, 5
    fast = np.random.default_rng(seed)
    got = np.vstack(list(resample_clusters(n, resamples, fast, block)))
    rng = np.random.default_rng(seed)
    want = []
    for start in range(0, resamples, block):
        b = min(block, resamples - start)
        want.append(count_draws(rng.integers(0, n, size=(b, n), dtype=np.int64), n))
    assert np.array_equal(got, np.vstack(want))
    # and the generator is left where the 64-bit draws leave it
    assert fast.bit_generator.state == rng.bit_generator.state


def _plain_sums(values: np.ndarray, cluster: np.ndarray) -> tuple[np.ndarray, ...]:
    """The sums, counts and rows through a sparse membership matrix, and the patterns
    through ``np.unique(axis=1)``: what the summary computed before."""
    index, inv = np.unique(cluster, return_inverse=True)
    valid = ~np.isnan(values)
    gaps = np.flatnonzero(~valid.all(axis=0))
    patterns, pattern = np.unique(valid[:, gaps], axis=1, return_inverse=True)
    member = coo_array(
        (np.ones(inv.size), (inv, np.arange(inv.size))), shape=(index.size, inv.size)
    ).tocsr()
    sums = np.asarray(member @ np.where(valid, values, 0.0))
    counts = np.asarray(member @ patterns.astype(np.float64))
    rows = np.asarray(member @ np.ones(inv.size)).reshape(-1, 1)
    return index, sums, counts, rows, gaps, pattern.reshape(-1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_family_sums_are_the_membership_products_to_the_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 3_000
    # values of every magnitude, so any other order of addition rounds differently
    values = rng.random((n, 7)) * 10.0 ** rng.integers(-8, 8, size=(n, 7))
    values[rng.random(n) < 0.3, 4:7] = np.nan  # three measures share their gaps
    values[rng.random(n) < 0.1, 1] = np.nan
    values[:, 2] = -values[:, 2]
    cluster = rng.integers(0, 40, size=n) * 3 + 5
    got = _cluster_sums(values, cluster)
    want = _plain_sums(values, cluster)
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape
        assert np.array_equal(g, w)


@pytest.mark.parametrize("seed", range(4))
def test_missing_row_patterns_come_in_uniques_order(seed: int) -> None:
    rng = np.random.default_rng(seed)
    base = rng.random((50, 4)) < 0.5
    mask = base[:, rng.integers(0, 4, size=9)]  # repeated columns, in shuffled order
    mask[:, 0] = True
    mask[:, 1] = False
    patterns, pattern = _column_patterns(mask)
    want, inverse = np.unique(mask, axis=1, return_inverse=True)
    assert np.array_equal(patterns, want)
    assert pattern.tolist() == inverse.reshape(-1).tolist()


def test_no_missing_rows_no_patterns() -> None:
    patterns, pattern = _column_patterns(np.ones((5, 0), dtype=bool))
    assert patterns.shape == (5, 0) and pattern.size == 0


def test_marks_count_the_distinct_values() -> None:
    rng = np.random.default_rng(8)
    for codes in (
        rng.integers(0, 50, size=300),
        rng.integers(0, 5_000, size=300),
        rng.integers(-3, 3, size=40),  # a negative code: the sort
        np.zeros(0, dtype=np.int64),
        np.array([7]),
    ):
        assert _distinct(codes) == np.unique(codes).size


def test_dense_pair_codes_keep_which_rows_are_the_same_pair() -> None:
    rng = np.random.default_rng(2)
    raw = rng.integers(0, 10**12, size=40)[rng.integers(0, 40, size=500)]
    df = pl.DataFrame({"family_a": rng.integers(0, 9, size=500), "_pair": raw})
    dense = _codes(df)["_pair"].to_numpy()
    assert dense.min() == 0 and dense.max() == np.unique(raw).size - 1
    same = raw[:, None] == raw[None, :]
    assert np.array_equal(same, dense[:, None] == dense[None, :])
