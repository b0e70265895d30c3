"""The summary's fast paths give what the plain ones give: ids coded through the
files' dictionaries and a binary search find the same similarity rows as a join on the
id strings; measures with the same rows missing share one column of counts and still
get the mean over the drawn families; each table's counts, taken at its families as they
are counted, give the products of counts copied out of the whole block to the bit; the
kin shapes' names load no forest."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from phylohub.errors import PhylohubError
from phylohub.similarity.summary import (
    _cluster_sums,
    _join_coded,
    bootstrap_cluster_means,
    join_pairs,
    resample_clusters,
)


def _ids(rng: np.random.Generator, n: int, pool: int) -> list[str]:
    return [f"org{k % 7}/model-{k}" for k in rng.integers(0, pool, size=n)]


def _tables() -> tuple[pa.Table, pa.Table]:
    """Kin pairs (ids in either order, pairs repeated) and one similarity row per pair,
    in another order than the pairs'."""
    rng = np.random.default_rng(3)
    a, b = _ids(rng, 400, 60), _ids(rng, 400, 60)
    keep = [i for i in range(400) if a[i] != b[i]]
    a, b = [a[i] for i in keep], [b[i] for i in keep]
    distinct = sorted({(min(x, y), max(x, y)) for x, y in zip(a, b, strict=True)})
    rng.shuffle(distinct)
    n = len(a)
    pairs = pa.table({"shape": ["edge"] * n, "draw": np.arange(n), "a": a, "b": b,
                      "family_a": rng.integers(0, 9, size=n)})  # fmt: skip
    sim = pa.table({"a": [p[0] for p in distinct], "b": [p[1] for p in distinct],
                    "m1": rng.random(len(distinct)), "m2": rng.random(len(distinct))})  # fmt: skip
    m2 = [None if i % 5 == 0 else v for i, v in enumerate(sim["m2"].to_pylist())]
    sim = sim.set_column(3, "m2", pa.array(m2, pa.float64()))  # a measure with gaps
    return pairs, sim


def _string_join(pairs: pa.Table, sim: pa.Table) -> pl.DataFrame:
    """The plain path: a left join on the (smaller, larger) id strings, in the pairs' order."""
    p = pl.from_arrow(pairs).with_columns(
        _lo=pl.min_horizontal("a", "b"), _hi=pl.max_horizontal("a", "b")
    )
    s = pl.from_arrow(sim).rename({"a": "_lo", "b": "_hi"})
    return p.join(s, on=["_lo", "_hi"], how="left", maintain_order="left").drop("_lo", "_hi")


def _dictionary(table: pa.Table, pieces: int) -> pa.Table:
    """``a`` and ``b`` dictionary-encoded, in ``pieces`` chunks with their own dictionaries
    (as parquet row groups come back)."""
    out = table
    for name in ("a", "b"):
        col = table[name].combine_chunks()
        cuts = np.linspace(0, len(col), pieces + 1).astype(int)
        chunks = [col[s:e].dictionary_encode() for s, e in itertools.pairwise(cuts)]
        out = out.set_column(out.schema.get_field_index(name), name, pa.chunked_array(chunks))
    return out


@pytest.mark.parametrize("pieces", [0, 1, 3])
def test_coded_join_finds_the_rows_of_the_string_join(pieces: int) -> None:
    pairs, sim = _tables()
    expected = _string_join(pairs, sim)
    p, s = (pairs, sim) if pieces == 0 else (_dictionary(pairs, pieces), _dictionary(sim, 2))
    got = _join_coded(p, s)
    assert got.drop("_pair").equals(expected)
    assert join_pairs(p, s).equals(expected)
    # one code per unordered pair of ids, and different pairs get different codes
    keys = [tuple(sorted(x)) for x in zip(expected["a"], expected["b"], strict=True)]
    by_key = dict(zip(keys, got["_pair"].to_list(), strict=True))
    assert len(set(by_key.values())) == len(by_key)
    assert [by_key[k] for k in keys] == got["_pair"].to_list()


def test_a_pair_without_a_similarity_row_is_an_error() -> None:
    pairs, sim = _tables()
    with pytest.raises(PhylohubError, match="1 kin pairs have no similarity row"):
        _join_coded(pairs, sim.slice(1))


def test_measures_missing_the_same_rows_share_one_column_of_counts() -> None:
    rng = np.random.default_rng(5)
    values = rng.random((200, 6))
    card = rng.random(200) < 0.3  # rows without a card: three card measures lack them
    values[card, 3:6] = np.nan
    values[rng.random(200) < 0.2, 1] = np.nan  # one measure with its own gaps
    _, _, counts, _, gaps, pattern = _cluster_sums(values, rng.integers(0, 20, size=200))
    assert gaps.tolist() == [1, 3, 4, 5]
    assert counts.shape[1] == 2
    assert pattern[1] == pattern[2] == pattern[3] != pattern[0]


def test_shared_counts_and_a_subset_of_families_give_the_mean_over_drawn_families() -> None:
    # the plain loop: each resample, the rows of the drawn families, each family as often
    # as drawn; every table (the second holds a subset of the families: its counts are
    # taken out of the block)
    rng = np.random.default_rng(4)
    families = rng.integers(0, 40, size=300)
    values = rng.random((300, 5))
    values[rng.random(300) < 0.25, 2:5] = np.nan  # one pattern shared by three columns
    values[rng.random(300) < 0.2, 1] = np.nan
    other_f = rng.integers(10, 25, size=80)
    other = rng.random((80, 4))
    other[rng.random(80) < 0.4, 1:4] = np.nan
    tables = [(values, families), (other, other_f)]
    boots = bootstrap_cluster_means(tables, 150, np.random.default_rng(9), 40)
    labels = np.unique(np.concatenate([families, other_f]))
    counts = np.vstack(list(resample_clusters(labels.size, 150, np.random.default_rng(9), 40)))
    for boot, (v, fam) in zip(boots, tables, strict=True):
        for r in range(150):
            drawn = np.repeat(labels, counts[r].astype(int))
            rows = np.concatenate([np.flatnonzero(fam == f) for f in drawn])
            with np.errstate(invalid="ignore"), np.testing.suppress_warnings() as sup:
                sup.filter(RuntimeWarning)
                want = np.nanmean(v[rows], axis=0) if rows.size else np.full(v.shape[1], np.nan)
            np.testing.assert_allclose(boot[r], want, rtol=1e-12, atol=1e-15)


def test_counts_taken_per_table_give_the_products_of_copied_counts_to_the_bit() -> None:
    # the plain path: the whole block of counts, each table's families copied out of it
    # (contiguous), times its per-family sums; tables large enough that the products
    # add their terms in several blocks
    rng = np.random.default_rng(12)
    fam = [rng.integers(0, 5_000, size=20_000), rng.integers(2_000, 3_500, size=6_000)]
    fam.append(rng.integers(0, 5_000, size=300))  # few families, spread over all
    tables = [(rng.normal(size=(f.size, k)), f) for f, k in zip(fam, (3, 7, 12), strict=True)]
    boots = bootstrap_cluster_means(tables, 200, np.random.default_rng(3), 64)
    labels = np.unique(np.concatenate(fam))
    parts = [_cluster_sums(v, np.searchsorted(labels, f)) for v, f in tables]
    blocks = list(resample_clusters(labels.size, 200, np.random.default_rng(3), 64))
    for boot, (index, sums, _, rows, _, _) in zip(boots, parts, strict=True):
        m = np.column_stack([sums, rows])
        prods = [np.ascontiguousarray(np.take(w, index, axis=1)) @ m for w in blocks]
        want = np.vstack([p[:, :-1] / p[:, -1:] for p in prods])
        assert np.array_equal(boot, want)


def test_the_summary_loads_no_forest_or_graph_library() -> None:
    # the kin shapes' relations came with the forest module (duckdb, scipy's graphs)
    code = (
        "import sys, phylohub.similarity.stage, phylohub.similarity.summary\n"
        "print(' '.join(m for m in ('phylohub.kinship.forest', 'scipy.sparse.csgraph', "
        "'duckdb') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == []
