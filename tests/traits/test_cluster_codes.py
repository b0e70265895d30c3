"""The parents' integer codes (the fast path of the cluster intervals) give the same
figures as the parents' names: mutation rates and thinning rows, to the last bit."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from phylohub.traits.mutation import mutation_rates
from phylohub.traits.snapshot import TYPED_RELATIONS, parent_codes
from phylohub.traits.stats import cluster_mean
from phylohub.traits.thinning import MEASURES, ROWS, _row, one_blas_thread, thinning
from phylohub.vocabulary import TRAITS

# names whose byte order and case differ from naive guesses: upper before lower,
# accents and CJK after ASCII, a prefix before its extensions
NAMES = ["Zeta/m", "alpha/m", "alpha/m-2", "alpha/m2", "b/ü", "b/u", "é/x", "日本/x", "_/a", "A/a"]


@pytest.fixture(scope="module")
def pairs() -> pl.DataFrame:
    rng = np.random.default_rng(7)
    n = 4000
    stems, ends = rng.integers(0, len(NAMES), n), rng.integers(0, 40, n)
    parents = [f"{NAMES[i]}{j}" for i, j in zip(stems, ends, strict=True)]
    relations = ["finetune", "adapter", "quantized", "merge", "unknown"]
    return pl.DataFrame(
        {
            "trait": rng.choice(list(TRAITS), n).tolist(),
            "relation": rng.choice(relations, n).tolist(),
            "child": [f"c/{i}" for i in range(n)],
            "parent": parents,
            "distance": rng.choice([0.0, 1.0, 0.5, 1 / 3], n, p=[0.6, 0.2, 0.1, 0.1]),
        }
    )


def test_codes_sort_as_the_names(pairs: pl.DataFrame) -> None:
    names = pairs["parent"].to_numpy()
    codes = parent_codes(pairs).to_numpy()
    assert np.array_equal(
        np.unique(names, return_inverse=True)[1], np.unique(codes, return_inverse=True)[1]
    )


def test_mutation_rates_equal_the_named_clusters(pairs: pl.DataFrame) -> None:
    table = mutation_rates(pairs)
    for row in table.iter_rows(named=True):
        wanted = TYPED_RELATIONS if row["relation"] == "all" else (row["relation"],)
        sub = pairs.filter(pl.col("trait") == row["trait"], pl.col("relation").is_in(wanted))
        est = cluster_mean(sub["distance"].to_numpy(), sub["parent"].to_numpy(), share=True)
        assert (row["pairs"], row["parents"]) == (est.n, est.clusters)
        for key, value in (("rate", est.mean), ("se", est.se), ("ci_low", est.low)):
            assert row[key] == value or (np.isnan(row[key]) and np.isnan(value)), key


def test_thinning_rows_equal_the_named_clusters(pairs: pl.DataFrame) -> None:
    rng = np.random.default_rng(3)
    n = pairs.height
    doc = pairs.select("relation", "child", "parent").with_columns(
        p_card=pl.Series(rng.random(n) < 0.7), c_card=pl.Series(rng.random(n) < 0.5),
        p_chars=pl.Series(rng.integers(0, 9000, n)), c_chars=pl.Series(rng.integers(0, 9000, n)),
        p_auto=pl.Series(rng.random(n) < 0.2), c_auto=pl.Series(rng.random(n) < 0.3),
        p_languages=pl.Series(rng.integers(0, 4, n)), c_languages=pl.Series(rng.integers(0, 4, n)),
    )  # fmt: skip
    table = thinning(doc, replicates=50, seed=5)
    measure, (p_col, c_col, _, share) = "card_chars", MEASURES["card_chars"]
    kept = doc.filter(pl.col("p_card") & pl.col("c_card"))
    r = ROWS.index("all")
    sub = kept.filter(pl.col("relation").is_in(TYPED_RELATIONS))
    with one_blas_thread():  # as thinning() runs it: BLAS's threads move the last bits
        named = _row(
            measure, "all",
            sub[p_col].cast(pl.Float64).to_numpy(), sub[c_col].cast(pl.Float64).to_numpy(),
            sub["parent"].to_numpy(), share, 0.95, 50,
            np.random.default_rng([5, list(MEASURES).index(measure), r]),
        )  # fmt: skip
    got = table.filter(measure=measure, relation="all").to_dicts()
    assert got == named
