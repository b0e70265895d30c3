"""``sample_kin_pairs``'s fast paths against their plain forms: the forest read with the
ids numbered once (the plain form numbers the models inside the edges' query), and every
shape's total and anchors from one pass (the plain form: :func:`shape_totals` and
:func:`anchor_weights` per shape), and the anchors drawn from the checked forest's own
degrees (the plain form: :func:`anchor_weights` of its parent array, checked again)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest

from phylohub.kinship.forest import break_cycles, families, load_forest
from phylohub.kinship.sampling import Forest, _draw_anchors
from phylohub.kinship.shapes import (
    SHAPES,
    anchor_weights,
    checked_anchor_weights,
    shape_counts,
    shape_totals,
)
from phylohub.vocabulary import EDGE_RELATIONS

PLAIN_EDGES_SQL = """
WITH m AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM models)
SELECT c.i AS child, p.i AS parent
FROM edges e
JOIN m c ON c.id = e.child
JOIN m p ON p.id = e.parent
WHERE e.parent_in_snapshot AND list_contains($relations, e.relation)
ORDER BY e.child, e.parent
"""


@pytest.mark.parametrize("relations", [["finetune"], list(EDGE_RELATIONS)])
def test_the_forest_is_the_one_numbered_in_the_query(
    snapshot20k: Path, relations: list[str]
) -> None:
    with duckdb.connect(str(snapshot20k), read_only=True) as con:
        ids = [r[0] for r in con.execute("SELECT id FROM models ORDER BY id").fetchall()]
        edges = con.execute(PLAIN_EDGES_SQL, {"relations": relations}).fetchnumpy()
    child = np.asarray(edges["child"], dtype=np.int64)
    par_of = np.asarray(edges["parent"], dtype=np.int64)
    parent = np.full(len(ids), -1, dtype=np.int64)
    first = np.ones(child.size, dtype=bool)
    first[1:] = child[1:] != child[:-1]
    parent[child[first]] = par_of[first]
    parent, cycles = break_cycles(parent)

    kin = load_forest(snapshot20k, relations)
    assert kin.ids.to_pylist() == ids
    assert np.array_equal(kin.parent, parent)
    assert np.array_equal(kin.family, families(parent, child, par_of))
    assert kin.stats["edges"] == child.size
    assert kin.stats["extra_parents"] == int((~first).sum())
    assert kin.stats["cycle_edges"] == cycles
    assert child.size > 1000  # the snapshot has a forest worth comparing
    if len(relations) > 1:  # several parents: the first by id must win, as in the query
        assert kin.stats["extra_parents"] > 0


def shuffled_forest(seed: int) -> np.ndarray:
    """A random forest of 1-400 nodes with a few hubs, its nodes in random order."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    parent = np.full(n, -1, dtype=np.int64)
    for v in range(1, n):
        if rng.random() < 0.85:
            hub = rng.random() >= 0.6  # a few hubs, so that stars and cousins occur
            parent[v] = int(rng.integers(0, min(v, 3) if hub else v))
    perm = rng.permutation(n)
    shuffled = np.full(n, -1, dtype=np.int64)
    shuffled[perm[parent >= 0]] = perm[parent[parent >= 0]]
    return shuffled


@pytest.mark.parametrize("seed", range(12))
def test_shape_counts_are_the_totals_and_anchors_of_each_shape(seed: int) -> None:
    shuffled = shuffled_forest(seed)
    totals, anchors = shape_counts(shuffled)
    assert totals == shape_totals(shuffled)
    assert anchors == {s: int(anchor_weights(shuffled, s)[0].size) for s in SHAPES}


@pytest.mark.parametrize("seed", range(12))
def test_anchors_of_the_checked_forest_are_those_of_its_parent_array(seed: int) -> None:
    parent = shuffled_forest(seed)
    forest = Forest.from_parents(parent)
    for shape in SHAPES:
        fast = checked_anchor_weights(forest.parent, forest.degree, shape)
        plain = anchor_weights(parent, shape)
        for a, b in zip(fast, plain, strict=True):
            assert a.dtype == b.dtype == np.int64 and np.array_equal(a, b), shape
        drawn, total = _draw_anchors(forest, shape, 50, np.random.default_rng(seed))
        anchors, weights = plain
        if anchors.size:
            cum = np.cumsum(weights)
            r = np.random.default_rng(seed).integers(0, int(weights.sum()), 50, dtype=np.int64)
            assert np.array_equal(drawn, anchors[np.searchsorted(cum, r, side="right")]), shape
            assert total == int(weights.sum())
