"""The merges stage's figures: the pedigree puts parents above their children and keeps
the nearest ancestors; every figure is drawn from the stage's tables, empty ones too."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from phylohub.merges.plots import _levels, ancestry, plot_dominance, plot_pedigree, plot_shares

EDGES = pl.DataFrame(
    [("m", "a", "merge"), ("m", "b", "merge"), ("a", "r", "finetune"), ("b", "r", "adapter"),
     ("r", "x", "finetune"), ("z", "m", "quantized")],
    schema=["child", "parent", "relation"], orient="row",
)  # fmt: skip


def test_parents_sit_above_their_children() -> None:
    sub = ancestry(EDGES, "m", limit=10)
    level = _levels(sub, "m")
    for child, parent in sub.select("child", "parent").iter_rows():
        assert level[parent] < level[child]
    assert level == {"x": 0, "r": 1, "a": 2, "b": 2, "m": 3}


def test_the_ancestry_keeps_the_nearest_within_the_limit() -> None:
    sub = ancestry(EDGES, "m", limit=3)
    drawn = {*sub["child"].to_list(), *sub["parent"].to_list()}
    assert drawn == {"m", "a", "b"}


def test_figures_are_drawn_even_from_empty_tables(tmp_path: Path) -> None:
    lineage = pl.DataFrame({"step": [1, 2], "id": ["m", "a"]})
    plot_pedigree(lineage, EDGES, tmp_path / "p.png")
    plot_pedigree(lineage.head(0), EDGES, tmp_path / "p0.png")
    shares = pl.DataFrame(
        {"trait": ["license"], "outcome": ["first"], "merges": [3], "share": [1.0]}
    )
    plot_shares(shares, tmp_path / "s.png")
    empty = pl.DataFrame(schema={"winner": pl.String, "loser": pl.String, "merges": pl.String})
    plot_dominance(empty, tmp_path / "d.png", top=5)
    assert all((tmp_path / f).is_file() for f in ("p.png", "p0.png", "s.png", "d.png"))
