"""The genealogy of a crawled synthetic ecosystem recovers its planted families exactly.

The expectation is computed here from the planted truth alone (``truth_edges`` in the
order the generator declared the parents, ``truth_models``), with plain Python: which
edges the crawl can see (a private model is not listed: its children point outside the
snapshot), the families (union-find), their roots, the kept parent (the first declared),
generations and depths.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import polars as pl
import pytest

from phylohub.genealogy.graphs import RELATION_SETS
from phylohub.genealogy.tables import build_genealogy, paths_in
from tests.genealogy.genealogy_data import components


class Truth:
    """The planted genealogy, as the crawl can see it."""

    def __init__(self, eco: Path) -> None:
        store = sqlite3.connect(eco / "hub.sqlite")
        rows = store.execute("SELECT key, id, private, depth FROM truth_models").fetchall()
        self.id = {k: i for k, i, _, _ in rows}
        self.private = {k: bool(p) for k, _, p, _ in rows}
        self.depth = {k: d for k, _, _, d in rows}
        self.edges = store.execute(
            "SELECT child, parent, relation FROM truth_edges ORDER BY rowid"
        ).fetchall()
        self.listed = sorted(k for k, p in self.private.items() if not p)

    def families(self, relations: tuple[str, ...]) -> dict[str, object]:
        visible = [(c, p) for c, p, r in self.edges if not self.private[c] and r in relations]
        external = sorted({p for _, p in visible if self.private[p]})
        nodes = self.listed + external
        index = {k: i for i, k in enumerate(nodes)}
        first: dict[int, int] = {}
        for c, p in visible:  # in declaration order: the first one is kept
            first.setdefault(c, p)
        gen = {}
        for k in nodes:
            steps, x = 0, k
            while x in first:
                x, steps = first[x], steps + 1
            gen[self.id[k]] = steps
        comps = components(len(nodes), [(index[c], index[p]) for c, p in visible])
        fams = {}
        for comp in comps:
            members = frozenset(self.id[nodes[i]] for i in comp)
            roots = frozenset(self.id[nodes[i]] for i in comp if nodes[i] not in first)
            fams[members] = (roots, max(gen[m] for m in members))
        return {"generation": gen, "families": fams, "external": {self.id[k] for k in external}}


@pytest.fixture(scope="module")
def built(snapshot20k: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("genealogy20k")
    for name, rels in RELATION_SETS.items():
        build_genealogy(snapshot20k, rels, paths_in(out / name))
    return {name: out / name for name in RELATION_SETS}


@pytest.fixture(scope="module")
def truth(snapshot20k: Path) -> Truth:
    return Truth(snapshot20k.parent / "eco")


@pytest.mark.parametrize("name", list(RELATION_SETS))
def test_families_roots_depths_and_generations_equal_the_planted_ones(
    name: str, built: dict[str, Path], truth: Truth
) -> None:
    expected = truth.families(RELATION_SETS[name])
    nodes = pl.read_parquet(built[name] / "nodes.parquet")
    families = pl.read_parquet(built[name] / "families.parquet")
    # generation of every node, and which nodes are external ancestors
    assert dict(zip(nodes["id"], nodes["generation"], strict=True)) == expected["generation"]
    assert set(nodes.filter(pl.col("external"))["id"]) == expected["external"]
    # every family: its members, its roots, its depth
    roots = nodes.filter(pl.col("parents") == 0).group_by("family").agg(pl.col("id"))
    roots_of = {f: frozenset(ids) for f, ids in roots.iter_rows()}
    members = nodes.group_by("family").agg(pl.col("id"))
    depth_of = dict(zip(families["family"], families["depth"], strict=True))
    got = {frozenset(ids): (roots_of[f], depth_of[f]) for f, ids in members.iter_rows()}
    assert got == expected["families"]
    # sizes as the family table states them
    size_of = dict(zip(families["family"], families["size"], strict=True))
    assert sorted(size_of.values(), reverse=True) == sorted(
        (len(m) for m in expected["families"]), reverse=True
    )
    assert all(len(ids) == size_of[f] for f, ids in members.iter_rows())
    assert len(expected["families"]) < len(expected["generation"])  # families do form


def test_generations_equal_the_planted_depths_where_no_ancestor_is_private(
    built: dict[str, Path], truth: Truth
) -> None:
    nodes = pl.read_parquet(built["all"] / "nodes.parquet")
    gen = dict(zip(nodes["id"], nodes["generation"], strict=True))
    primary: dict[int, int] = {}
    for c, p, _ in truth.edges:
        primary.setdefault(c, p)
    checked = deep = 0
    for k in truth.listed:
        x, clean = k, True
        while x in primary:
            x = primary[x]
            clean = clean and not truth.private[x]
        if clean:
            assert gen[truth.id[k]] == truth.depth[k]
            checked += 1
            deep += truth.depth[k] >= 5
    assert checked > 0.9 * len(truth.listed) and deep > 50


def test_the_largest_family_is_the_largest_planted_component(
    built: dict[str, Path], truth: Truth
) -> None:
    for name, rels in RELATION_SETS.items():
        expected = max(len(m) for m in truth.families(rels)["families"])
        summary = json.loads((built[name] / "summary.json").read_text())
        assert summary["largest_family"]["size"] == expected
        largest = pl.read_csv(built[name] / "largest_families.tsv", separator="\t")
        assert largest["size"][0] == expected and largest["rank"][0] == 1
