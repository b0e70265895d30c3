"""Families and their measures against brute force on random graphs with merges."""

from __future__ import annotations

import math

import numpy as np
import pytest

from phylohub.genealogy.families import analyse, family_table, node_table
from phylohub.genealogy.graphs import RELATIONS, SnapshotEdges, relation_graph
from tests.genealogy.genealogy_data import components, random_forest, tree_distances


def random_graph(rng: np.random.Generator, n: int, externals: int, merges: int):  # type: ignore[no-untyped-def]
    """A forest over listed models and external roots, plus merge edges (a DAG or not)."""
    total = n + externals
    parent = random_forest(rng, total, "mixed")
    parent[n:] = -1  # external parents have no known parent
    child = np.flatnonzero(parent >= 0)
    rels = [RELATIONS[i] for i in rng.integers(0, 5, child.size)]
    c, p = child.tolist(), parent[child].tolist()
    for _ in range(merges):
        a, b = int(rng.integers(0, n)), int(rng.integers(0, total))
        if a != b and (a, b) not in set(zip(c, p, strict=True)):
            c.append(a)
            p.append(b)
            rels.append("merge")
    ids = [f"m/{i:04d}" for i in range(n)] + [f"x/{i:04d}" for i in range(externals)]
    edges = SnapshotEdges.from_arrays(ids, c, p, rels, n_listed=n,
                                      position=rng.permutation(len(c)))  # fmt: skip
    return relation_graph(edges, RELATIONS)


@pytest.mark.parametrize("seed", range(8))
def test_families_and_their_measures_equal_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    g = random_graph(rng, int(rng.integers(1, 120)), int(rng.integers(0, 4)),
                     int(rng.integers(0, 12)))  # fmt: skip
    gen = analyse(g)
    n = g.n_nodes
    edges = list(zip(g.child.tolist(), g.parent.tolist(), strict=True))
    comps = components(n, edges)
    # the same partition into families
    assert sorted(sorted(f) for f in comps) == sorted(
        sorted(np.flatnonzero(gen.family == f).tolist()) for f in range(gen.n_families)
    )
    primary = g.primary.tolist()

    def walk(i: int) -> list[int]:
        chain = [i]
        while primary[chain[-1]] >= 0:
            chain.append(primary[chain[-1]])
        return chain

    chains = [walk(i) for i in range(n)]
    assert gen.generation.tolist() == [len(ch) - 1 for ch in chains]
    kids = [[c for c, p in edges if p == i] for i in range(n)]
    kept_tree = {r: [i for i in range(n) if chains[i][-1] == r] for r in range(n)}
    expected_order = []
    for fam in comps:
        roots = [i for i in fam if primary[i] < 0]
        main = min(roots, key=lambda r: (-len(kept_tree[r]), r))
        expected_order.append((-len(fam), main, fam, roots))
    expected_order.sort(key=lambda t: (t[0], t[1]))
    for f, (neg_size, main, fam, roots) in enumerate(expected_order):
        members = sorted(fam)
        assert np.flatnonzero(gen.family == f).tolist() == members
        assert gen.fam_size[f] == -neg_size
        assert gen.fam_root[f] == main
        assert gen.fam_roots[f] == len(roots)
        assert gen.fam_models[f] == sum(i < g.n_listed for i in fam)
        assert gen.fam_external[f] == sum(i >= g.n_listed for i in fam)
        assert gen.fam_edges[f] == sum(c in fam for c, _ in edges)
        assert gen.fam_depth[f] == max(len(chains[i]) - 1 for i in fam)
        assert gen.fam_leaves[f] == sum(not kids[i] for i in fam)
        assert gen.fam_parents[f] == sum(bool(kids[i]) for i in fam)
        assert gen.fam_max_children[f] == max(len(kids[i]) for i in fam)
        if len(roots) == 1 and len(fam) > 1:
            forest = np.array(primary)
            dist = tree_distances(forest)
            pairs = [(a, b) for a in members for b in members if a < b]
            brute = sum(dist[a][b] for a, b in pairs) / len(pairs)
            assert gen.fam_virality[f] == pytest.approx(brute)
        else:
            assert math.isnan(gen.fam_virality[f])
    for i in range(n):
        by_rel = [sum(1 for c, p, r in zip(g.child, g.parent, g.relation, strict=True)
                      if p == i and r == k) for k in range(5)]  # fmt: skip
        assert gen.children[i].tolist() == by_rel
        assert gen.n_parents[i] == sum(1 for c, _ in edges if c == i)
        assert gen.subtree[i] == sum(i in ch for ch in chains)


def test_families_match_graph_tool_components() -> None:
    import graph_tool as gt
    from graph_tool.topology import label_components

    rng = np.random.default_rng(42)
    g = random_graph(rng, 3000, 20, 300)
    gen = analyse(g)
    gtg = gt.Graph(directed=False)
    gtg.add_vertex(g.n_nodes)
    gtg.add_edge_list(np.column_stack([g.child, g.parent]))
    label, _ = label_components(gtg)
    lab = label.a
    # the two labelings are the same partition: a bijection between labels
    pairs = set(zip(lab.tolist(), gen.family.tolist(), strict=True))
    assert len(pairs) == len(set(lab.tolist())) == gen.n_families


def test_tables_have_one_row_per_node_and_per_family() -> None:
    rng = np.random.default_rng(9)
    g = random_graph(rng, 200, 3, 10)
    gen = analyse(g)
    nodes, families = node_table(gen), family_table(gen)
    assert nodes.height == g.n_nodes
    assert nodes["id"].to_list() == g.ids.to_pylist()
    assert families.height == gen.n_families
    assert families["size"].sum() == g.n_nodes
    assert families["size"].to_list() == sorted(families["size"].to_list(), reverse=True)
    # a root has no kept parent; everyone else names an id of the same family
    fam_of = dict(zip(nodes["id"], nodes["family"], strict=True))
    for row in nodes.iter_rows(named=True):
        if row["parents"] == 0:
            assert row["parent"] is None
        else:
            assert fam_of[row["parent"]] == row["family"]
    assert (
        families["tree"] == ((families["roots"] == 1) & (families["edges"] == families["size"] - 1))
    ).all()
    assert (
        families.filter(families["roots"] > 1)["virality"].null_count()
        == families.filter(families["roots"] > 1).height
    )
