"""Thinning's two estimates: the paper's (every edge once) and every parent once, with
intervals from a cluster bootstrap over parents. Planted on a hand-made documentation
frame where one popular root with a huge card has hundreds of children."""

from __future__ import annotations

from statistics import mean

import numpy as np
import polars as pl
import pytest

from phylohub.traits.thinning import thinning

POPULAR = 430  # children of the popular root
HUGE = 22_000  # characters of its card


def _frame(unclustered: bool = False) -> pl.DataFrame:
    """One root with a huge card and POPULAR children with ordinary cards, and 300
    parents of 1-3 children each whose children's cards are *longer* than theirs.

    With ``unclustered`` every pair gets a parent label of its own (as if edges were
    independent draws), the values unchanged."""
    rng = np.random.default_rng(5)
    rows = []
    for j in range(POPULAR):
        rows.append(("finetune", f"pop/c{j}", "pop/root", HUGE, int(rng.integers(1500, 2500))))
    for g in range(300):
        p_chars = int(rng.integers(2000, 4000))
        for j in range(int(rng.integers(1, 4))):
            rows.append(("adapter", f"o{g}/c{j}", f"o{g}/p", p_chars, p_chars + 600))
    frame = pl.DataFrame(
        rows, schema=["relation", "child", "parent", "p_chars", "c_chars"], orient="row"
    )
    if unclustered:
        frame = frame.with_columns(parent=pl.col("child"))
    return frame.with_columns(
        p_card=pl.lit(True), c_card=pl.lit(True), p_auto=pl.lit(False), c_auto=pl.lit(False),
        p_languages=pl.lit(0), c_languages=pl.lit(0),
    )  # fmt: skip


def _row(table: pl.DataFrame, estimate: str) -> dict[str, float]:
    out: dict[str, float] = table.filter(
        measure="card_chars", relation="all", estimate=estimate
    ).row(0, named=True)
    return out


@pytest.fixture(scope="module")
def table() -> pl.DataFrame:
    return thinning(_frame(), replicates=500, seed=2)


def test_both_estimates_are_the_planted_means(table: pl.DataFrame) -> None:
    doc = _frame().to_dicts()
    edges = _row(table, "edges")
    assert edges["parent_mean"] == pytest.approx(mean(r["p_chars"] for r in doc))
    assert edges["child_mean"] == pytest.approx(mean(r["c_chars"] for r in doc))
    per_parent: dict[str, list[dict[str, int]]] = {}
    for r in doc:
        per_parent.setdefault(r["parent"], []).append(r)
    parents = _row(table, "parents")
    assert parents["parents"] == len(per_parent) == 301
    assert parents["pairs"] == edges["pairs"] == len(doc)
    assert parents["parent_mean"] == pytest.approx(
        mean(rs[0]["p_chars"] for rs in per_parent.values())
    )
    assert parents["child_mean"] == pytest.approx(
        mean(mean(r["c_chars"] for r in rs) for rs in per_parent.values())
    )


def test_one_popular_root_drives_the_edges_estimate_but_not_the_parents_one(
    table: pl.DataFrame,
) -> None:
    edges, parents = _row(table, "edges"), _row(table, "parents")
    # counted once per child, the huge card makes children look far shorter, and the
    # interval (resampling parents) spans resamples with and without the root ...
    assert edges["change_mean"] < -5_000 and edges["change_low"] < -5_000
    # ... while a typical parent's children are longer, as planted (+600 but the root)
    assert parents["change_low"] > 0
    assert parents["change_mean"] == pytest.approx(
        (300 * 600 + (mean(r["c_chars"] for r in _frame().to_dicts()[:POPULAR]) - HUGE)) / 301
    )


def test_the_clustered_interval_is_wider_than_an_unclustered_one(table: pl.DataFrame) -> None:
    naive = _row(thinning(_frame(unclustered=True), replicates=500, seed=2), "edges")
    edges = _row(table, "edges")
    assert naive["change_mean"] == pytest.approx(edges["change_mean"])
    width = edges["change_high"] - edges["change_low"]
    naive_width = naive["change_high"] - naive["change_low"]
    assert width > 3 * naive_width  # 430 children of one card are one draw, not 430
    assert edges["parent_high"] - edges["parent_low"] > 3 * (
        naive["parent_high"] - naive["parent_low"]
    )


def test_the_bootstrap_is_seeded() -> None:
    a = thinning(_frame(), replicates=200, seed=9)
    assert a.equals(thinning(_frame(), replicates=200, seed=9))
    b = thinning(_frame(), replicates=200, seed=10)
    assert _row(a, "edges")["change_low"] != _row(b, "edges")["change_low"]
    assert _row(a, "edges")["change_mean"] == _row(b, "edges")["change_mean"]


def test_no_replicates_gives_the_means_without_intervals() -> None:
    row = _row(thinning(_frame(), replicates=0), "parents")
    assert np.isfinite(row["change_mean"]) and np.isnan(row["change_low"])
