"""Graphs of relation sets: external ancestors, the kept parent, cycles broken by the rule."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import numpy as np
import pytest

from phylohub.errors import PhylohubError
from phylohub.genealogy.graphs import (
    RELATION_SETS,
    RELATIONS,
    SnapshotEdges,
    load_graph,
    parent_array,
    read_edges,
    relation_codes,
    relation_graph,
)
from tests.genealogy.genealogy_snapshots import BACKFILL, tiny_snapshot


def edges_by_id(g) -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    ids = g.ids.to_pylist()
    return {
        (ids[p], ids[c], RELATIONS[r])
        for c, p, r in zip(g.child.tolist(), g.parent.tolist(), g.relation.tolist(), strict=True)
    }


def kept_parent(g, model: str) -> str | None:  # type: ignore[no-untyped-def]
    ids = g.ids.to_pylist()
    p = int(g.primary[ids.index(model)])
    return None if p < 0 else ids[p]


def is_acyclic(n: int, child: np.ndarray, parent: np.ndarray) -> bool:
    indeg = np.bincount(child, minlength=n)
    out: list[list[int]] = [[] for _ in range(n)]
    for c, p in zip(child.tolist(), parent.tolist(), strict=True):
        out[p].append(c)
    queue = deque(np.flatnonzero(indeg == 0).tolist())
    seen = 0
    while queue:
        u = queue.popleft()
        seen += 1
        for v in out[u]:
            indeg[v] -= 1
            if indeg[v] == 0:
                queue.append(v)
    return seen == n


def reach(n: int, child: np.ndarray, parent: np.ndarray) -> list[set[int]]:
    """Nodes reachable from each node along parent -> child edges (brute force)."""
    out: list[list[int]] = [[] for _ in range(n)]
    for c, p in zip(child.tolist(), parent.tolist(), strict=True):
        out[p].append(c)
    result = []
    for s in range(n):
        seen, stack = {s}, [s]
        while stack:
            for v in out[stack.pop()]:
                if v not in seen:
                    seen.add(v)
                    stack.append(v)
        result.append(seen)
    return result


@pytest.fixture(scope="module")
def family_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny snapshot with every case the graphs must handle."""
    return tiny_snapshot(
        tmp_path_factory.mktemp("graphs"),
        [
            ("a/base", []),
            ("z/other", []),
            # finetune of a listed base, then a quantization of that finetune
            ("b/ft", ["base_model:a/base", "base_model:finetune:a/base"]),
            ("b/ft-gguf", ["base_model:quantized:b/ft"]),
            # the same missing parent in two cases, and a third child of it by adapter
            ("c/one", ["base_model:finetune:Gone/Base"]),
            ("c/two", ["base_model:finetune:gone/base"]),
            ("c/lora", ["base_model:adapter:GONE/BASE"]),
            # a merge whose first-declared parent sorts last
            ("m/merge", ["base_model:merge:z/other", "base_model:merge:a/base"]),
            # a model with a plain tag first, then an adapter parent, then the typed twin
            (
                "m/mixed",
                ["base_model:b/ft", "base_model:adapter:z/other", "base_model:finetune:b/ft"],
            ),
            # the id case of a listed parent differs from its tag
            ("m/case", ["base_model:finetune:A/BASE"]),
        ],
    )


def test_parents_missing_from_the_snapshot_are_one_external_node_whatever_the_case(
    family_db: Path,
) -> None:
    ft = load_graph(family_db, ["finetune"])
    ids = ft.ids.to_pylist()
    assert ft.n_listed == 10
    assert ids[ft.n_listed :] == ["GONE/BASE"]  # the smallest spelling names it
    assert ft.external.tolist() == [False] * 10 + [True]
    assert {c for p, c, _ in edges_by_id(ft) if p == "GONE/BASE"} == {"c/one", "c/two"}
    every = load_graph(family_db, RELATIONS)
    assert every.ids.to_pylist()[every.n_listed :] == ["GONE/BASE"]
    assert {c for p, c, _ in edges_by_id(every) if p == "GONE/BASE"} == {"c/one", "c/two", "c/lora"}
    # a set whose edges name no missing parent has no external node
    quantized = load_graph(family_db, ["quantized"])
    assert quantized.n_nodes == quantized.n_listed == 10


def test_edges_of_a_relation_set_are_exactly_those_of_its_relations(family_db: Path) -> None:
    every = edges_by_id(load_graph(family_db, RELATIONS))
    assert len(every) == 10
    for name, rels in RELATION_SETS.items():
        got = edges_by_id(load_graph(family_db, rels))
        assert got == {e for e in every if e[2] in rels}, name
    assert ("a/base", "m/case", "finetune") in every  # resolved case-insensitively


def test_the_tree_keeps_the_first_declared_parent(family_db: Path) -> None:
    every = load_graph(family_db, RELATIONS)
    assert kept_parent(every, "m/merge") == "z/other"  # declared first, sorts last
    assert kept_parent(every, "m/mixed") == "b/ft"  # the plain tag at position 0
    assert kept_parent(every, "c/lora") == "GONE/BASE"
    assert kept_parent(every, "a/base") is None
    adapters = load_graph(family_db, ["adapter"])
    assert kept_parent(adapters, "m/mixed") == "z/other"  # its only adapter parent
    finetunes = load_graph(family_db, ["finetune"])
    assert kept_parent(finetunes, "m/merge") is None


def test_parent_array_is_the_kept_forest_with_its_ids(family_db: Path) -> None:
    ids, parent = parent_array(family_db, ["finetune", "adapter", "quantized", "merge"])
    assert len(ids) == parent.size == 11
    named = {ids[i]: (ids[p] if p >= 0 else None) for i, p in enumerate(parent.tolist())}
    assert named["b/ft-gguf"] == "b/ft"
    assert named["m/merge"] == "z/other"
    # the plain tag at position 0 names b/ft, whose typed twin later makes it a finetune
    assert named["m/mixed"] == "b/ft"
    assert named["GONE/BASE"] is None


def test_cycles_of_declared_tags_are_broken_by_creation_date_then_id(tmp_path: Path) -> None:
    db = tiny_snapshot(
        tmp_path,
        [
            # a 2-cycle: old/a is older, so only old/a -> new/b (a parent of b) stays
            ("new/b", ["base_model:finetune:old/a"], "2024-02-01T00:00:00.000Z"),
            ("old/a", ["base_model:finetune:new/b"], "2024-01-01T00:00:00.000Z"),
            # a 3-cycle of back-filled dates: ids decide (p/1 < p/2 < p/3)
            ("p/1", ["base_model:finetune:p/3"], BACKFILL),
            ("p/2", ["base_model:finetune:p/1"], BACKFILL),
            ("p/3", ["base_model:finetune:p/2"], BACKFILL),
            # a child hanging off the cycle keeps its edge
            ("p/4", ["base_model:finetune:p/2"], "2020-01-01T00:00:00.000Z"),
        ],
    )
    g = load_graph(db, ["finetune"])
    ids = g.ids.to_pylist()
    dropped = {
        (ids[p], ids[c], int(s))
        for c, p, s in zip(
            g.dropped.child.tolist(), g.dropped.parent.tolist(), g.dropped.component_size.tolist(),
            strict=True,
        )
    }  # fmt: skip
    assert dropped == {("new/b", "old/a", 2), ("p/3", "p/1", 3)}
    assert edges_by_id(g) == {
        ("old/a", "new/b", "finetune"),
        ("p/1", "p/2", "finetune"),
        ("p/2", "p/3", "finetune"),
        ("p/2", "p/4", "finetune"),
    }
    assert is_acyclic(g.n_nodes, g.child, g.parent)
    assert kept_parent(g, "old/a") is None and kept_parent(g, "p/1") is None


def test_random_graphs_lose_only_backward_edges_inside_strongly_connected_sets() -> None:
    rng = np.random.default_rng(3)
    for _ in range(40):
        n = int(rng.integers(2, 30))
        m = int(rng.integers(1, 3 * n))
        child = rng.integers(0, n, m)
        parent = rng.integers(0, n, m)
        ok = child != parent
        pairs = sorted(set(zip(child[ok].tolist(), parent[ok].tolist(), strict=True)))
        if not pairs:
            continue
        c = np.array([a for a, _ in pairs])
        p = np.array([b for _, b in pairs])
        created = rng.integers(0, 5, n)  # many ties: ids break them
        rels = [RELATIONS[i] for i in rng.integers(0, 5, c.size)]
        edges = SnapshotEdges.from_arrays([f"o/{i:03d}" for i in range(n)], c, p, rels,
                                          created_ms=created)  # fmt: skip
        g = relation_graph(edges, RELATIONS)
        assert is_acyclic(n, g.child, g.parent)
        r = reach(n, c, p)
        same_scc = [(pp in r[cc]) for cc, pp in zip(c.tolist(), p.tolist(), strict=True)]
        key = [(int(created[i]), i) for i in range(n)]
        backward = {
            (cc, pp)
            for cc, pp, s in zip(c.tolist(), p.tolist(), same_scc, strict=True)
            if s and key[pp] > key[cc]
        }
        assert (
            set(zip(g.dropped.child.tolist(), g.dropped.parent.tolist(), strict=True)) == backward
        )
        kept = set(zip(g.child.tolist(), g.parent.tolist(), strict=True))
        assert kept == set(pairs) - backward


def test_bad_relation_sets_and_missing_snapshots_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(PhylohubError, match="unknown relation"):
        relation_codes(["finetune", "distill"])
    with pytest.raises(PhylohubError, match="at least one"):
        relation_codes([])
    with pytest.raises(PhylohubError, match="no snapshot at"):
        read_edges(tmp_path / "hub.duckdb")
    import duckdb

    duckdb.connect(str(tmp_path / "other.duckdb")).execute("CREATE TABLE models (id VARCHAR)")
    with pytest.raises(PhylohubError, match="not a snapshot: no table edges, tags"):
        read_edges(tmp_path / "other.duckdb")
