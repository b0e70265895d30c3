"""The DOI downloads ratio's interval resamples families."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from phylohub.summary.distributions import SummarySettings, doi_ratio


def groups(models: pl.DataFrame) -> pl.DataFrame:
    """The per-group means and medians ``doi_downloads.tsv`` holds."""
    return models.group_by("has_doi").agg(
        pl.len().alias("models"), pl.col("downloads").mean().alias("mean_downloads"),
        pl.col("downloads").median().alias("median_downloads"),
    )  # fmt: skip


def test_one_familys_downloads_widen_the_interval_and_it_holds_the_ratio() -> None:
    """40 models with a DOI, ten of them much downloaded: spread over ten families, or all
    ten in one family (their downloads one piece of luck). The ratio is the same; the
    interval resampling families is far wider when they share one."""
    rng = np.random.default_rng(4)
    downloads = np.r_[np.full(10, 5000.0), rng.poisson(50, 30), rng.poisson(50, 400)]
    has_doi = np.r_[np.ones(40, bool), np.zeros(400, bool)]
    spread = np.r_[np.arange(10), np.arange(10, 440)].astype(str)
    shared = np.r_[np.zeros(10, int), np.arange(10, 440)].astype(str)
    settings = SummarySettings(bootstrap=400, seed=1)
    rows = {}
    for name, cluster in (("spread", spread), ("shared", shared)):
        models = pl.DataFrame({"has_doi": has_doi, "downloads": downloads, "cluster": cluster})
        rows[name] = doi_ratio(groups(models), models, settings).row(0, named=True)
    for row in rows.values():
        assert row["ci_low"] < row["ratio"] < row["ci_high"]
    assert rows["spread"]["ratio"] == rows["shared"]["ratio"]
    width = {k: r["ci_high"] - r["ci_low"] for k, r in rows.items()}
    assert width["shared"] > 1.5 * width["spread"]
    # without the models (a table without the per-model rows) only the ratio is given
    bare = doi_ratio(groups(models)).row(0, named=True)
    assert bare["ratio"] == rows["shared"]["ratio"] and bare["ci_low"] is None


def test_the_normal_limit_of_many_families_gives_the_family_by_family_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Beyond EXACT_FAMILIES families without a DOI model their resampled sums come from
    their normal limit: on 30,000 such families (heavy-tailed downloads, families of 1 to
    6 models) the interval is that of drawing them family by family, to within a few
    percent (the resampling noise of 1,000 resamples)."""
    import phylohub.summary.distributions as dist

    rng = np.random.default_rng(6)
    sizes = rng.integers(1, 7, size=30_000)
    cluster = np.repeat(np.arange(sizes.size), sizes)
    downloads = np.floor(rng.pareto(1.5, size=cluster.size) * 20)
    doi_families = rng.choice(sizes.size, 60, replace=False)
    has_doi = np.isin(cluster, doi_families) & (rng.random(cluster.size) < 0.5)
    downloads[has_doi] *= 5
    models = pl.DataFrame({"has_doi": has_doi, "downloads": downloads, "cluster": cluster})
    settings = SummarySettings(bootstrap=1000, seed=2)
    limit = dist._ratio_interval(models, settings)
    monkeypatch.setattr(dist, "EXACT_FAMILIES", 10**9)
    exact = dist._ratio_interval(models, settings)
    assert limit == pytest.approx(exact, rel=0.08)
