"""Inbreeding per family and the most inbred merge lineages on a pedigree computed by
hand (the planted pedigrees: tests/merges/test_planted_pedigrees.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from phylohub.merges.inbreeding import by_family, inbred_lineages
from phylohub.merges.kinship import dag_generation
from phylohub.merges.pedigree import Dag, trace_pedigrees
from phylohub.merges.plots import family_spread, plot_inbreeding

# Family 0: root r, fine-tunes a1, a2 of r, a3 of a1. Family 1: root s, b1 of s.
# m1 = (a1, a2): half sibs through r, F = 1/8.  m2 = (a3, a1): child and parent, F = 1/4.
# m3 = (b1, a1): outcrossed, F = 0.  m4 = (m1, m2): F = f(m1, m2) = 15/64 (by hand:
# f(m1, a1) = (1/2 + 1/8) / 2 = 5/16, f(m1, a3) = f(m1, a1) / 2 = 5/32, their mean).
# Merges have no non-merge edge: each is a family of its own (2 to 5) there.
NODES = ["r", "a1", "a2", "a3", "s", "b1", "m1", "m2", "m3", "m4"]
EDGES = [("a1", "r", "finetune"), ("a2", "r", "finetune"), ("a3", "a1", "finetune"),
         ("b1", "s", "finetune"), ("m1", "a1", "merge"), ("m1", "a2", "merge"),
         ("m2", "a3", "merge"), ("m2", "a1", "merge"), ("m3", "b1", "merge"),
         ("m3", "a1", "merge"), ("m4", "m1", "merge"), ("m4", "m2", "merge")]  # fmt: skip
FAMILY = [0, 0, 0, 0, 1, 1, 2, 3, 4, 5]


def hand_dag() -> Dag:
    index = {n: i for i, n in enumerate(NODES)}
    child = np.array([index[c] for c, _, _ in EDGES], dtype=np.int64)
    parent = np.array([index[p] for _, p, _ in EDGES], dtype=np.int64)
    position = np.array([[c for c, _, _ in EDGES][:k].count(c) for k, (c, _, _) in
                         enumerate(EDGES)], dtype=np.int64)  # fmt: skip
    return Dag(
        ids=pl.Series("id", NODES), external=np.zeros(len(NODES), dtype=bool),
        component=np.zeros(len(NODES), dtype=np.int64),
        family=np.array(FAMILY, dtype=np.int64), child=child, parent=parent,
        relation=pl.Series("relation", [r for _, _, r in EDGES]), position=position,
        generation=dag_generation(len(NODES), child, parent),
    )  # fmt: skip


def test_inbreeding_per_family_matches_the_hand_values() -> None:
    merges = trace_pedigrees(hand_dag()).merges
    roots = pl.DataFrame({"family": [0, 1, 2], "root": ["r", "s", "m1"], "models": [4, 2, 1]})
    table = {r["family"]: r for r in by_family(merges, roots).iter_rows(named=True)}
    assert set(table) == {0, 1, 2}  # m1, m2 (first parents a1, a3), m3 (b1), m4 (m1)
    fam0, fam1, fam2 = table[0], table[1], table[2]
    assert (fam0["merges"], fam0["inbred"], fam0["inbred_share"]) == (2, 2, 1.0)
    assert fam0["mean_inbreeding"] == pytest.approx(3 / 16)
    assert fam0["median_inbreeding"] == pytest.approx(3 / 16)
    assert fam0["max_inbreeding"] == pytest.approx(1 / 4)
    assert (fam0["root"], fam0["family_models"]) == ("r", 4)
    assert (fam1["merges"], fam1["inbred"], fam1["max_inbreeding"]) == (1, 0, 0.0)
    assert fam1["related_share"] == 0.0
    assert (fam2["merges"], fam2["inbred"]) == (1, 0)  # m1 and m2 lie in two families
    assert fam2["max_inbreeding"] == pytest.approx(15 / 64)
    assert fam2["related_share"] == 1.0


def test_the_most_inbred_lineages_follow_the_most_inbred_parent_merge() -> None:
    lineages = inbred_lineages(trace_pedigrees(hand_dag()).merges)
    # m2 (1/4) starts alone; m4 (15/64) steps to m2 (F 1/4), not its first parent m1;
    # m1 (1/8) is on no listed lineage yet; m3 (F 0) starts none.
    assert lineages["id"].to_list() == ["m2", "m4", "m1"]
    assert lineages["path"].to_list() == ["m2", "m4 <- m2", "m1"]
    assert lineages["length"].to_list() == [1, 2, 1]
    assert lineages["mean_inbreeding"].to_list() == pytest.approx(
        [1 / 4, (15 / 64 + 1 / 4) / 2, 1 / 8]
    )
    assert lineages["parents"][1] == "m1, m2"
    assert inbred_lineages(trace_pedigrees(hand_dag()).merges, top=1).height == 1


def test_the_figure_spreads_each_familys_coefficients(tmp_path: Path) -> None:
    merges = trace_pedigrees(hand_dag()).merges
    table = by_family(merges, pl.DataFrame({"family": [0], "root": ["org/r"], "models": [4]}))
    spread = family_spread(merges, table, top=2)
    assert [label for label, _ in spread] == ["r (2)", "family 1 (1)"]
    assert sorted(spread[0][1].tolist()) == pytest.approx([1 / 8, 1 / 4])
    plot_inbreeding(merges, tmp_path / "f.png", table)
    plot_inbreeding(merges.head(0), tmp_path / "f0.png", by_family(merges.head(0)))
    assert (tmp_path / "f.png").stat().st_size > 0 and (tmp_path / "f0.png").is_file()
