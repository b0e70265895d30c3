"""The faster summary gives what the slower one gave: its start-up leaves out what it
does not use, its widening factor is scipy.stats' to the bit, and the family bootstrap
(one matrix of family counts times per-family sums) is the mean over the drawn
families, each as often as drawn."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats as st

from phylohub.draws import count_draws
from phylohub.similarity.summary import (
    _interval_1d,
    _widening,
    bootstrap_cluster_means,
    resample_clusters,
)


def _loaded_after(statement: str, modules: tuple[str, ...]) -> list[str]:
    code = f"import sys\n{statement}\nprint(' '.join(m for m in {modules!r} if m in sys.modules))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return run.stdout.split()


def test_summarising_imports_no_plotting_measures_or_scipy_stats() -> None:
    heavy = ("matplotlib", "sklearn", "rapidfuzz", "scipy.stats")
    statement = "import phylohub.similarity.stage, phylohub.similarity.summary"
    assert _loaded_after(statement, heavy) == []


def test_summarising_imports_neither_the_snapshot_build_nor_the_hub_client() -> None:
    # the kinship package used to import its forest (and through it the inference stage,
    # the snapshot build and huggingface_hub: a second) for the shapes' names
    heavy = ("huggingface_hub", "phylohub.snapshot", "phylohub.inference")
    statement = "import phylohub.similarity.stage, phylohub.similarity.summary"
    assert _loaded_after(statement, heavy) == []


def test_one_quantile_call_gives_nanquantiles_interval_to_the_bit() -> None:
    rng = np.random.default_rng(8)
    for n in (1, 2, 7, 10_000):
        boot = rng.normal(size=n)
        boot[rng.random(n) < 0.1] = np.nan
        for confidence in (0.5, 0.95):
            a = (1 - confidence) / 2
            want = (np.nanquantile(boot, a), np.nanquantile(boot, 1 - a))
            got = _interval_1d(boot, confidence)
            assert np.array_equal(got, want, equal_nan=True)
    assert np.isnan(_interval_1d(np.full(5, np.nan), 0.95)).all()


def test_drawing_a_trait_figure_imports_no_solver_database_or_scipy_stats() -> None:
    heavy = ("pyscipopt", "duckdb", "scipy.stats", "huggingface_hub")
    assert _loaded_after("import phylohub.traits.plots", heavy) == []


@pytest.mark.parametrize("confidence", [0.5, 0.9, 0.95, 0.99])
def test_widening_factor_is_scipy_stats_t_over_normal_to_the_bit(confidence: float) -> None:
    q = 1 - (1 - confidence) / 2
    for g in [*range(2, 400), 1000, 12_345, 10**6]:
        factor = np.sqrt(g / (g - 1)) * st.t.ppf(q, g - 1) / st.norm.ppf(q)
        assert _widening(g, confidence) == float(factor)


def test_family_bootstrap_is_the_mean_over_the_drawn_families() -> None:
    rng = np.random.default_rng(4)
    families = rng.integers(0, 40, size=300)
    values = rng.random((300, 3))
    values[rng.random((300, 3)) < 0.2] = np.nan  # rows that lack a value
    other = rng.integers(10, 60, size=50)  # a second table sharing some families
    boots = bootstrap_cluster_means(
        [(values, families), (rng.random((50, 1)), other)], 120, np.random.default_rng(9), 50
    )
    labels = np.unique(np.concatenate([families, other]))
    counts = np.vstack(list(resample_clusters(labels.size, 120, np.random.default_rng(9), 50)))
    for r in range(120):
        drawn = np.repeat(labels, counts[r].astype(int))  # each family as often as drawn
        rows = np.concatenate([np.flatnonzero(families == f) for f in drawn])
        with np.errstate(invalid="ignore"), np.testing.suppress_warnings() as sup:
            sup.filter(RuntimeWarning)
            expected = np.nanmean(values[rows], axis=0) if rows.size else np.full(3, np.nan)
        np.testing.assert_allclose(boots[0][r], expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("n", [1, 3, 9_470, 300_000])
def test_counting_draws_gives_each_rows_counts(n: int) -> None:
    rng = np.random.default_rng(n)
    draws = rng.integers(0, n, size=(37, n))
    # counted another way: the draws sorted, and the run of each index measured
    expected = np.zeros((37, n))
    for r, row in enumerate(np.sort(draws, axis=1)):
        values, starts = np.unique(row, return_index=True)
        expected[r, values] = np.diff(np.append(starts, n))
    counts = count_draws(draws, n)
    assert counts.dtype == np.float64
    assert np.array_equal(counts, expected)
    at = rng.integers(0, n, size=2 * n)  # some indexes twice, in no order
    assert np.array_equal(count_draws(draws, n, at), expected[:, at])


@pytest.mark.parametrize("n_clusters", [3, 50, 20_000])
def test_family_bootstrap_is_the_same_whatever_the_block(n_clusters: int) -> None:
    # blocks are cut to the cache; the resamples must not depend on where they are cut
    rng = np.random.default_rng(n_clusters)
    families = rng.integers(0, n_clusters, size=3000)
    values = rng.random((3000, 4))
    values[rng.random((3000, 4)) < 0.3] = np.nan
    runs = [
        bootstrap_cluster_means([(values, families)], 300, np.random.default_rng(2), block)[0]
        for block in (1, 37, 300)
    ]
    for other in runs[1:]:
        np.testing.assert_allclose(other, runs[0], rtol=1e-13, atol=1e-15)
