"""Precision and recall of the inferred kin carry intervals clustered by parent."""

from __future__ import annotations

import polars as pl

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
