"""The genealogy figures: which families are drawn, and every figure written."""

from __future__ import annotations

import html
import logging
from itertools import pairwise
from pathlib import Path

import polars as pl
import pytest

from phylohub.genealogy.graphs import RELATION_SETS
from phylohub.genealogy.plots import (
    pick_families,
    plot_family_depths,
    plot_family_sizes,
    plot_family_trees,
    plot_virality,
)
from phylohub.genealogy.tables import build_genealogy, paths_in
from tests.genealogy.genealogy_snapshots import tiny_snapshot

PNG = b"\x89PNG\r\n\x1a\n"


def families_frame(rows: list[tuple[int, int, int, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema=["family", "size", "depth", "max_children", "roots"], orient="row"
    )


def test_the_largest_deepest_and_broadest_fitting_families_are_picked() -> None:
    families = families_frame(
        [
            (0, 900, 3, 10, 1),  # too large
            (1, 300, 4, 40, 1),  # largest that fits
            (2, 200, 2, 190, 1),  # broadest (190 / 200)
            (3, 120, 25, 5, 1),  # deepest
            (4, 250, 30, 5, 2),  # deeper, but two roots: not drawn
            (5, 5, 4, 2, 1),  # too small
        ]
    )
    picks = pick_families(families, 20, 400)
    assert [(p.label, p.family) for p in picks] == [("largest", 1), ("deepest", 3), ("broadest", 2)]
    # each pick skips the families already chosen
    only_one = families_frame([(0, 30, 9, 29, 1)])
    assert [(p.label, p.family) for p in pick_families(only_one, 20, 400)] == [("largest", 0)]


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("figures")
    models: list[tuple[str, list[str]]] = [("o/root", []), ("o/deep0", [])]
    models += [(f"s/k{i:02d}", ["base_model:adapter:o/root"]) for i in range(25)]
    chain = ["o/deep0"] + [f"c/d{i:02d}" for i in range(22)]  # a 22-generation lineage
    models += [(c, [f"base_model:finetune:{p}"]) for p, c in pairwise(chain)]
    models += [("x/child", ["base_model:finetune:Gone/Base"])]
    db = tiny_snapshot(root, models)
    for name, rels in RELATION_SETS.items():
        build_genealogy(db, rels, paths_in(root / name))
    return root


def test_every_figure_is_written(tables: Path, tmp_path: Path) -> None:
    read = {name: pl.read_parquet(tables / name / "families.parquet") for name in RELATION_SETS}
    depths = {
        name: pl.read_csv(tables / name / "depths.tsv", separator="\t") for name in RELATION_SETS
    }
    picks = plot_family_trees(
        read["all"],
        pl.read_parquet(tables / "all" / "nodes.parquet"),
        pl.read_parquet(tables / "all" / "edges.parquet"),
        tmp_path / "trees.png",
        min_size=20,
        max_size=400,
        seed=1,
    )
    assert [p.label for p in picks] == ["largest", "deepest"]
    plot_family_sizes(read, tmp_path / "sizes.png")
    plot_family_depths(depths, tmp_path / "depths.png")
    plot_virality(read, tmp_path / "virality.png", ["finetune", "all"])
    for name in ("trees", "sizes", "depths", "virality"):
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == PNG


def test_the_drawing_is_the_same_on_every_run(tables: Path, tmp_path: Path) -> None:
    args = [pl.read_parquet(tables / "no_merge" / f"{t}.parquet")
            for t in ("families", "nodes", "edges")]  # fmt: skip
    for run in ("a", "b"):
        plot_family_trees(*args, tmp_path / f"{run}.png", seed=3)  # type: ignore[misc]
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


def test_no_family_to_draw_says_so_in_the_figure(
    tables: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A snapshot too small for the size range (a test crawl): the figure and a warning
    say so and name the settings, as the other figures with nothing to draw do; the run
    goes on."""
    args = [
        pl.read_parquet(tables / "all" / f"{t}.parquet") for t in ("families", "nodes", "edges")
    ]
    with caplog.at_level(logging.WARNING):
        picks = plot_family_trees(*args, tmp_path / "x.png", min_size=500, max_size=900)  # type: ignore[misc]
    assert picks == []
    words = svg_text(tmp_path / "x.png")
    assert "no family of 500 to 900 models" in words and "draw_min_size" in words
    assert (tmp_path / "x.png").is_file()
    assert any("no family of 500 to 900 models" in r.getMessage() for r in caplog.records)


def svg_text(png: Path) -> str:
    """The words of the SVG beside ``png`` (``save_figure`` keeps text as text)."""
    return html.unescape(png.with_suffix(".svg").read_text())


def test_the_title_names_the_largest_family_when_it_is_too_large_to_draw(
    tables: Path, tmp_path: Path
) -> None:
    families = pl.read_parquet(tables / "no_merge" / "families.parquet")
    largest = families.row(0, named=True)
    assert (largest["root"], largest["size"]) == ("o/root", 26)  # above draw_max_size below
    picks = plot_family_trees(
        families,
        pl.read_parquet(tables / "no_merge" / "nodes.parquet"),
        pl.read_parquet(tables / "no_merge" / "edges.parquet"),
        tmp_path / "trees.png",
        min_size=20,
        max_size=24,
        title="Families drawn",
        seed=1,
    )
    assert [p.family for p in picks] == [1]  # the 23-model lineage, the largest that fits
    text = svg_text(tmp_path / "trees.png")
    note = "The largest family, o/root (26 nodes), is not drawn: above the 20-24 nodes drawn"
    assert note in text
    assert "largest drawn: o/deep0" in text
    assert "largest: " not in text


def test_relation_sets_that_give_the_same_families_are_drawn_once(tmp_path: Path) -> None:
    # finetune edges only: finetune, no_merge and all are the same graph
    chain = ["o/base"] + [f"o/ft{i}" for i in range(4)]
    models: list[tuple[str, list[str]]] = [("o/base", [])]
    models += [(c, [f"base_model:finetune:{p}"]) for p, c in pairwise(chain)]
    models += [(f"s/k{i}", ["base_model:finetune:o/base"]) for i in range(3)] + [("x/alone", [])]
    db = tiny_snapshot(tmp_path / "snap", models)
    for name, rels in RELATION_SETS.items():
        build_genealogy(db, rels, paths_in(tmp_path / name))
    families = {n: pl.read_parquet(tmp_path / n / "families.parquet") for n in RELATION_SETS}
    depths = {n: pl.read_csv(tmp_path / n / "depths.tsv", separator="\t") for n in RELATION_SETS}
    plot_family_sizes(families, tmp_path / "sizes.png")
    assert "finetune, no_merge, all (identical): 2 families" in svg_text(tmp_path / "sizes.png")
    plot_family_depths(depths, tmp_path / "depths.png")
    assert svg_text(tmp_path / "depths.png").count("(identical)") == 1  # one legend entry
    plot_virality(families, tmp_path / "virality.png", ["finetune", "no_merge"])
    assert "no_merge (identical to finetune)" in svg_text(tmp_path / "virality.png")
