"""Documentation thinning: the planted card kinds, and a brute-force recount."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from statistics import mean, median

import polars as pl
import pytest

from phylohub.traits.snapshot import TYPED_RELATIONS, open_snapshot
from phylohub.traits.thinning import card_availability, documentation, thinning

AUTO_KINDS = {"trainer", "hub_default"}  # the Trainer's and the Hub's templates


@pytest.fixture(scope="module")
def measured(snapshot20k: Path) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    con = open_snapshot(snapshot20k, "first")
    doc = documentation(con)
    availability = card_availability(con)
    con.close()
    return doc, thinning(doc), availability


def _row(
    table: pl.DataFrame, measure: str, relation: str, estimate: str = "edges"
) -> dict[str, object]:
    return table.filter(measure=measure, relation=relation, estimate=estimate).row(0, named=True)


def test_card_availability_and_auto_generation_are_the_planted_card_kinds(
    snapshot20k: Path, measured: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]
) -> None:
    """A card is fetched when the generator gave the model one and the repository is
    neither gated nor disabled; it is auto-generated when its kind is a template."""
    _, table, _ = measured
    db = sqlite3.connect(snapshot20k.parent / "eco" / "hub.sqlite")
    kind = dict(db.execute("SELECT key, card_kind FROM truth_models"))
    private = dict(db.execute("SELECT key, private FROM truth_models"))
    open_repo = {
        k: g is None and not d for k, g, d in db.execute("SELECT key, gated, disabled FROM models")
    }
    pairs: dict[str, list[tuple[bool, bool, bool, bool]]] = {}
    seen: set[int] = set()
    for child, parent, relation in db.execute(
        "SELECT child, parent, relation FROM truth_edges ORDER BY rowid"
    ):
        if child in seen:
            continue
        seen.add(child)
        if private[child] or private[parent]:
            continue
        sides = [
            (kind[m] != "none" and open_repo[m], kind[m] in AUTO_KINDS) for m in (parent, child)
        ]
        row = (sides[0][0], sides[1][0], sides[0][1], sides[1][1])
        pairs.setdefault(relation, []).append(row)
        if relation in TYPED_RELATIONS:
            pairs.setdefault("all", []).append(row)
    for relation, rows in pairs.items():
        got = _row(table, "card_available", relation)
        assert got["pairs"] == len(rows)
        assert got["parent_mean"] == pytest.approx(mean(r[0] for r in rows), abs=1e-12)
        assert got["child_mean"] == pytest.approx(mean(r[1] for r in rows), abs=1e-12)
        both = [r for r in rows if r[0] and r[1]]
        got = _row(table, "auto_generated", relation)
        assert got["pairs"] == len(both)
        if both:
            assert got["parent_mean"] == pytest.approx(mean(r[2] for r in both), abs=1e-12)
            assert got["child_mean"] == pytest.approx(mean(r[3] for r in both), abs=1e-12)


def test_finetunes_thin_towards_templates_and_quantized_cards_never_are(
    measured: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
) -> None:
    """The planted mixes: half of finetune cards are templates, no quantizer card is."""
    _, table, _ = measured
    finetune = _row(table, "auto_generated", "finetune")
    assert finetune["child_low"] <= 0.51 <= finetune["child_high"]
    assert finetune["change_low"] > 0  # children more often auto-generated than parents
    quantized = _row(table, "auto_generated", "quantized")
    assert quantized["child_mean"] == 0.0
    assert quantized["child_high"] > 0  # an honest upper bound, not a point
    length = _row(table, "card_chars", "all")
    assert length["change_mean"] < 0  # children's cards are shorter


def test_every_mean_and_median_equals_a_brute_force_recount(
    measured: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
) -> None:
    doc, table, _ = measured
    rows = doc.to_dicts()
    subsets = {
        "card_available": ("p_card", "c_card", lambda r: True),
        "card_chars": ("p_chars", "c_chars", lambda r: r["p_card"] and r["c_card"]),
        "auto_generated": ("p_auto", "c_auto", lambda r: r["p_card"] and r["c_card"]),
        "languages": (
            "p_languages",
            "c_languages",
            lambda r: r["p_languages"] > 0 < r["c_languages"],
        ),
    }
    for measure, (p, c, keep) in subsets.items():
        for relation in ("finetune", "adapter", "quantized", "merge", "all"):
            wanted = TYPED_RELATIONS if relation == "all" else (relation,)
            kept = [r for r in rows if r["relation"] in wanted and keep(r)]
            got = _row(table, measure, relation)
            assert got["pairs"] == len(kept), (measure, relation)
            assert got["parents"] == len({r["parent"] for r in kept})
            if not kept:
                continue
            ps = [float(r[p]) for r in kept]
            cs = [float(r[c]) for r in kept]
            assert got["parent_mean"] == pytest.approx(mean(ps), rel=1e-12)
            assert got["child_mean"] == pytest.approx(mean(cs), rel=1e-12)
            assert got["change_mean"] == pytest.approx(mean(cs) - mean(ps), rel=1e-9, abs=1e-12)
            assert got["parent_median"] == median(ps)
            assert got["child_median"] == median(cs)


def test_models_with_family_ties_have_cards_far_more_often(
    snapshot20k: Path, measured: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]
) -> None:
    _, _, availability = measured
    listed = json.loads((snapshot20k.parent / "eco" / "truth.json").read_text())["listed"]
    tied = availability.filter(pl.col("family_ties")).row(0, named=True)
    alone = availability.filter(~pl.col("family_ties")).row(0, named=True)
    assert tied["models"] + alone["models"] == listed
    assert tied["low"] > alone["high"]
