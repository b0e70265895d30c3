"""Precision and recall of the inferred kin carry intervals clustered by parent."""

from __future__ import annotations

import polars as pl
import pytest

from phylohub.inference.calibration import precision_recall


def marked(rows: list[tuple[str, str, bool]]) -> pl.DataFrame:
    """Selected, uncovered edges (child, parent, true) where card_trainer fired."""
    return pl.DataFrame(
        {
            "child": [c for c, _, _ in rows], "parent": [p for _, p, _ in rows],
            "true": [t for _, _, t in rows], "covered": [False] * len(rows),
            "signals": [["card_trainer"]] * len(rows), "confidence": [0.9] * len(rows),
        }
    )  # fmt: skip


def test_one_parents_wrong_children_are_one_cluster() -> None:
    """Twenty edges, half false: the ten false ones all under one parent (a template card
    naming the wrong trainer) make one cluster, and the interval is far wider than when
    each false edge has a parent of its own; a signal that selected nothing has none."""
    true = [(f"m/t{k}", f"p/t{k}", True) for k in range(10)]
    one = marked(true + [(f"m/f{k}", "p/template", False) for k in range(10)])
    many = marked(true + [(f"m/f{k}", f"p/f{k}", False) for k in range(10)])
    hidden = pl.DataFrame({"c": [f"m/t{k}" for k in range(10)] + ["m/x"],
                           "p": [f"p/t{k}" for k in range(10)] + ["p/x"]})  # fmt: skip

    def row(table: pl.DataFrame, signal: str = "card_trainer") -> dict[str, object]:
        return precision_recall(table, hidden, 0.8).filter(signal=signal).row(0, named=True)

    clustered, alone = row(one), row(many)
    assert clustered["precision"] == alone["precision"] == 0.5
    width = clustered["precision_high"] - clustered["precision_low"]
    assert width > 1.5 * (alone["precision_high"] - alone["precision_low"])
    assert clustered["recall"] == 10 / 11 and clustered["recall_low"] < 10 / 11
    assert clustered["recall_high"] <= 1
    nothing = row(one, "card_peft")
    assert nothing["edges"] == 0 and nothing["precision"] is None
    assert nothing["precision_low"] is None and nothing["recall"] == 0.0


def test_ecosystems_pooled_match_and_cluster_within_their_own() -> None:
    """Two ecosystems pooled (an ``ecosystem`` column, as the calibration's seeds): an
    edge is true only against its own ecosystem's hidden edges, one parent name in both
    is two clusters, and a pooled table must name the ecosystem on both sides."""
    rows = [(f"m/c{k}", "p/shared", k % 2 == 0) for k in range(8)]
    pooled = pl.concat(
        [marked(rows).with_columns(ecosystem=pl.lit(seed)) for seed in (1, 2)]
    )  # the same ids in both ecosystems
    # hidden: the even children under p/shared in ecosystem 1 only, and one in 2
    hidden = pl.DataFrame({
        "ecosystem": [1, 1, 1, 1, 2], "c": ["m/c0", "m/c2", "m/c4", "m/c6", "m/c0"],
        "p": ["p/shared"] * 5,
    }).with_columns(pl.col("ecosystem").cast(pl.Int32))  # fmt: skip
    row = precision_recall(pooled, hidden, 0.8).filter(signal="card_trainer").row(0, named=True)
    assert row["edges"] == 16 and row["precision"] == 0.5  # ``true`` is the marked one's
    assert row["recall"] == 1.0  # each hidden edge found in its own ecosystem
    # one parent per ecosystem: two clusters, not one (which would have no interval)
    assert row["precision_low"] < 0.5 < row["precision_high"]
    # the same pair hidden in a third ecosystem, where nothing was selected: not found
    elsewhere = hidden.with_columns(ecosystem=pl.when(pl.col("ecosystem") == 2).then(3)
                                    .otherwise(pl.col("ecosystem")).cast(pl.Int32))  # fmt: skip
    recall = precision_recall(pooled, elsewhere, 0.8).filter(signal="card_trainer")["recall"]
    assert recall[0] == 4 / 5
    with pytest.raises(ValueError, match="ecosystem"):
        precision_recall(pooled, hidden.drop("ecosystem"), 0.8)
