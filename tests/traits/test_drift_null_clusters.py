"""The drift baseline flips a parent's transitions together (siblings mutate together):
on traffic whose directions are set per parent, not per transition, the coin-flip
baseline per transition finds drift that is not there, and the baseline per parent does
not; the claim is checked both ways (fewer explained than coin flips too)."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import numpy as np
import polars as pl

from phylohub.traits.drift import (
    DriftSettings,
    TransitionTables,
    _baseline,
    _null_shares,
    _nulls,
    drift_graph,
    order_graph,
)

VALUES = ("a", "b", "c", "d", "e")


def tables(blocks: list[tuple[str, str, str, int]]) -> TransitionTables:
    """Tables of one trait (license, finetune edges) from (parent, source, target,
    transitions) rows; every value carried by a distinct number of models."""
    b = pl.DataFrame(
        [("license", "finetune", *row) for row in blocks],
        schema=["trait", "relation", "parent", "source", "target", "transitions"],
        orient="row",
    )
    transitions = b.group_by("trait", "relation", "source", "target").agg(
        pl.col("transitions").sum()
    )
    exposures = pl.DataFrame(
        {"trait": "license", "relation": "finetune", "value": list(VALUES), "pairs": 100}
    )
    values = pl.DataFrame(
        {"trait": "license", "value": list(VALUES), "models": [50 - i for i in range(len(VALUES))]}
    )
    return TransitionTables(transitions, exposures, values, b)


SETTINGS = DriftSettings(relations=("finetune",), top_k=10, drop=(), null_replicates=99, seed=3)


def test_the_blocks_sum_to_the_counts_and_a_flip_turns_a_whole_block() -> None:
    g = drift_graph(tables([("p1", "a", "b", 7), ("p1", "b", "a", 2), ("p2", "a", "b", 1)]),
                    "license", ("finetune",), 10, ())  # fmt: skip
    assert g.parents == 2 and g.blocks is not None
    assert g.counts[0, 1] == 8 and g.counts[1, 0] == 2
    seen = set()
    for null in _nulls(g, replace(SETTINGS, null_replicates=40)):
        assert null.counts[0, 1] + null.counts[1, 0] == 10  # the pair's traffic kept
        seen.add((int(null.counts[0, 1]), int(null.counts[1, 0])))
    # p1's 7 and 2 move together, p2's 1 on its own: four outcomes, no others
    assert seen == {(8, 2), (3, 7), (7, 3), (2, 8)}


def test_one_large_cohort_is_one_piece_of_evidence() -> None:
    # p0's 40 children all mutate a -> b; ten other parents one transition each, both ways
    rows = [("p0", "a", "b", 40)]
    rows += [(f"q{i}", *(("c", "d") if i % 2 else ("d", "c")), 1) for i in range(10)]
    g = drift_graph(tables(rows), "license", ("finetune",), 10, ())
    per_transition = order_graph(replace(g, blocks=None), SETTINGS)["orderings"]["weighted"]
    per_parent = order_graph(g, SETTINGS)["orderings"]["weighted"]
    assert per_transition["null"]["mutations_explained"]["p"] <= 0.01  # "drift", falsely
    assert per_parent["null"]["mutations_explained"]["p"] > 0.3  # a coin for p0 decides
    assert per_parent["mutations_explained"] == per_transition["mutations_explained"]


def test_directions_set_per_parent_by_coins_are_not_called_drift() -> None:
    """No drift, cohorts of 8 whose direction is a coin per parent: the baseline per parent
    rejects no more often than its level allows (0 of 30 graphs here, where 5% is 1.5),
    the baseline per transition nearly always (29 of 30)."""
    rng = np.random.default_rng(11)
    rejected = {"per parent": 0, "per transition": 0}
    for _ in range(30):
        rows = []
        for p in range(12):
            s, t = rng.choice(len(VALUES), 2, replace=False)
            if rng.random() < 0.5:
                s, t = t, s
            rows.append((f"p{p}", VALUES[s], VALUES[t], 8))
        g = drift_graph(tables(rows), "license", ("finetune",), 10, ())
        for name, graph in (("per parent", g), ("per transition", replace(g, blocks=None))):
            shares, _ = _null_shares(_nulls(graph, SETTINGS), "weighted", SETTINGS)
            report = order_graph(graph, replace(SETTINGS, null_replicates=0))
            observed = report["orderings"]["weighted"]["mutations_explained"]
            p = _null_p(shares, observed)
            rejected[name] += p < 0.05
    assert rejected["per parent"] <= 4, rejected
    assert rejected["per transition"] >= 15, rejected


def _null_p(shares: list[tuple[float, float]], observed: float) -> float:
    null = np.array([m for _d, m in shares])
    return float((1 + np.sum(null >= observed - 1e-12)) / (1 + null.size))


def test_the_baseline_gives_both_directions_p() -> None:
    observed: Any = SimpleNamespace(drifts_explained=0.5, mutations_explained=0.5)
    beaten = _baseline([(0.9, 0.9)] * 10, observed)[
        "mutations_explained"
    ]  # coin flips explain more
    beating = _baseline([(0.1, 0.1)] * 10, observed)["mutations_explained"]
    assert (beaten["p"], beaten["p_less"]) == (1.0, 1 / 11)
    assert (beating["p"], beating["p_less"]) == (1 / 11, 1.0)
