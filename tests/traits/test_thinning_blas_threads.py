"""The thinning bootstrap's products run on one BLAS thread (so its CPU is not doubled by
a spinning second thread, and its last bits do not follow the machine's core count), and
the means it takes that way are the plain ones: each resample's parents summed in Python."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import polars as pl
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

thin = importlib.import_module("phylohub.traits.thinning")  # the module, not its function


def _doc(n_parents: int = 60) -> pl.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for g in range(n_parents):
        p_chars = int(rng.integers(1000, 5000))
        for j in range(int(rng.integers(1, 5))):
            rows.append(
                ("finetune", f"o{g}/c{j}", f"o{g}/p", p_chars, int(rng.integers(500, 6000)))
            )
    return pl.DataFrame(
        rows, schema=["relation", "child", "parent", "p_chars", "c_chars"], orient="row"
    ).with_columns(
        p_card=pl.lit(True), c_card=pl.lit(True), p_auto=pl.lit(False), c_auto=pl.lit(False),
        p_languages=pl.lit(1), c_languages=pl.lit(2),
    )  # fmt: skip


def test_bootstrap_products_use_one_blas_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    means = thin._Clusters.means

    def spy(self: Any, weights: Any) -> Any:
        seen.extend(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
        return means(self, weights)

    monkeypatch.setattr(thin._Clusters, "means", spy)
    with threadpool_limits(limits=2, user_api="blas"):  # as on a machine of 2 cores or more
        thin.thinning(_doc(), replicates=20, seed=1)
        outside = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    assert seen and set(seen) == {1}
    assert outside == [2] * len(outside)  # the limit is lifted afterwards


def test_bootstrap_means_are_the_plain_means() -> None:
    """Each resample's edge-weighted and per-parent means, from the same draws, summed
    parent by parent in Python."""
    doc = _doc()
    p, c = doc["p_chars"].cast(pl.Float64).to_numpy(), doc["c_chars"].cast(pl.Float64).to_numpy()
    parent = doc["parent"].to_numpy()
    clusters = thin._clusters(p, c, parent)
    with thin.one_blas_thread():
        boot = thin._resample(clusters, 30, np.random.default_rng(9))
    draws = np.random.default_rng(9).integers(0, clusters.g, size=(30, clusters.g))
    for b, row in enumerate(draws):
        size = sum(clusters.size[k] for k in row)
        edges = (sum(clusters.parent_sum[k] for k in row) / size,
                 sum(clusters.child_sum[k] for k in row) / size)  # fmt: skip
        per_parent = (
            sum(clusters.parent_sum[k] / clusters.size[k] for k in row) / len(row),
            sum(clusters.child_sum[k] / clusters.size[k] for k in row) / len(row),
        )
        assert boot["edges"][b] == pytest.approx(edges, rel=1e-12)
        assert boot["parents"][b] == pytest.approx(per_parent, rel=1e-12)
