"""The compared pairs, Definition 7.1 and the logged transitions, on a hand-made snapshot."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from phylohub.errors import PhylohubError
from phylohub.snapshot import build_snapshot
from phylohub.traits import sql
from phylohub.traits.drift import count_transitions, drift_graph
from phylohub.traits.mutation import mutation_distances
from phylohub.traits.snapshot import frame, open_snapshot
from tests.snapshot.crawlfiles import card, entry, write_cards, write_listing


def _model(model_id: str, tags: list[str], languages: list[str] | None = None) -> dict:
    card_data = {"language": languages} if languages else {}
    return entry(model_id, [*tags, *(languages or [])], cardData=card_data)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Parents and children whose pairs, distances and transitions are worked by hand.

    - ``org/multi`` (English, French, German) -> ``org/child`` (German, Spanish), finetune:
      the paper's example, distance 1 - 1/4.
    - merge ``org/merge`` declares ``org/zeta`` first and ``org/alpha`` second.
    - ``org/orphan`` declares a private parent first, then ``org/alpha``.
    - ``org/lic`` (mit) -> ``org/lic-child`` (apache-2.0), adapter; ``org/lic-child`` has
      no task, its parent does (no task pair).
    """
    models = [
        _model("org/multi", ["license:mit", "text-generation"], ["en", "fr", "de"]),
        _model(
            "org/child",
            ["base_model:org/multi", "base_model:finetune:org/multi", "license:mit"],
            ["de", "es"],
        ),
        _model("org/zeta", ["license:gemma"]),
        _model("org/alpha", ["license:mit"]),
        _model(
            "org/merge",
            [
                "base_model:org/zeta",
                "base_model:merge:org/zeta",
                "base_model:org/alpha",
                "base_model:merge:org/alpha",
                "license:apache-2.0",
            ],
        ),
        _model("org/orphan", ["base_model:finetune:gone/private", "base_model:finetune:org/alpha"]),
        _model("org/lic", ["license:mit", "fill-mask"]),
        _model("org/lic-child", ["base_model:adapter:org/lic", "license:apache-2.0"]),
    ]
    root = tmp_path_factory.mktemp("tiny")
    parts = write_listing(root / "listing", [models])
    shards = write_cards(root / "cards", [[card(m["id"], text="# card") for m in models]])
    build_snapshot(parts, shards, root / "hub.duckdb", root / "parquet")
    return root / "hub.duckdb"


def test_first_parent_is_the_first_declared_not_the_first_by_name(tiny: Path) -> None:
    con = open_snapshot(tiny, "first")
    pairs = frame(con, "SELECT child, parent, relation FROM compared_edges ORDER BY child")
    con.close()
    rows = {c: (p, r) for c, p, r in pairs.iter_rows()}
    assert rows["org/merge"] == ("org/zeta", "merge")
    # the orphan's first parent is missing from the listing: it is not replaced
    assert "org/orphan" not in rows
    assert rows["org/child"] == ("org/multi", "finetune")
    con = open_snapshot(tiny, "all")
    every = frame(con, "SELECT child, parent FROM compared_edges ORDER BY child, parent")
    con.close()
    assert ("org/merge", "org/alpha") in every.rows()
    assert ("org/orphan", "org/alpha") in every.rows()


def test_distance_is_definition_7_1_where_both_sides_have_the_trait(tiny: Path) -> None:
    con = open_snapshot(tiny)
    d = mutation_distances(con)
    con.close()
    got = {(t, c): x for t, _, c, _, x in d.iter_rows()}
    assert got[("language", "org/child")] == pytest.approx(1 - 1 / 4)
    assert got[("license", "org/child")] == 0.0
    assert got[("license", "org/merge")] == 1.0  # gemma -> apache-2.0 (first parent)
    assert got[("license", "org/lic-child")] == 1.0
    assert ("task", "org/lic-child") not in got  # the child shows no task
    assert ("task", "org/child") not in got


def test_transitions_are_the_papers_dropped_to_child_and_parent_to_added(tiny: Path) -> None:
    con = open_snapshot(tiny)
    tables = count_transitions(con)
    con.close()
    lang = tables.transitions.filter(pl.col("trait") == "language")
    got = {(s, t): n for s, t, n in lang.select("source", "target", "transitions").iter_rows()}
    # dropped {English, French} -> child {German, Spanish}; parent {English, French,
    # German} -> added {Spanish}; each ordered pair once
    assert got == {
        ("English", "German"): 1,
        ("English", "Spanish"): 1,
        ("French", "German"): 1,
        ("French", "Spanish"): 1,
        ("German", "Spanish"): 1,
    }
    lic = tables.transitions.filter(pl.col("trait") == "license")
    assert sorted(lic.select("relation", "source", "target", "transitions").rows()) == [
        ("adapter", "mit", "apache-2.0", 1),
        ("merge", "gemma", "apache-2.0", 1),
    ]
    expo = tables.exposures.filter(pl.col("trait") == "language")
    assert sorted(expo.select("value", "pairs").rows()) == [
        ("English", 1),
        ("French", 1),
        ("German", 1),
    ]


def test_drift_graph_pools_relations_and_keeps_the_most_carried_values(tiny: Path) -> None:
    con = open_snapshot(tiny)
    tables = count_transitions(con)
    con.close()
    g = drift_graph(tables, "license", relations=["adapter", "merge"], top_k=2, drop=["gemma"])
    assert g.values == ("mit", "apache-2.0")  # 4 and 2 listed models; gemma dropped
    assert g.counts.tolist() == [[0, 1], [0, 0]]
    assert g.exposure.tolist() == [1, 0]
    assert g.transitions == 2  # the gemma transition counts in the total
    only_merge = drift_graph(tables, "license", relations=["merge"], top_k=3, drop=[])
    assert only_merge.counts.sum() == 1


def test_a_missing_or_foreign_database_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(PhylohubError, match="no snapshot database"):
        open_snapshot(tmp_path / "nope.duckdb")
    import duckdb

    duckdb.connect(str(tmp_path / "other.duckdb")).close()
    with pytest.raises(PhylohubError, match="not a phylohub snapshot"):
        open_snapshot(tmp_path / "other.duckdb")
    with pytest.raises(PhylohubError, match="parents"):
        open_snapshot(tmp_path / "other.duckdb", parents="some")


def test_every_statement_runs_on_the_tiny_snapshot(tiny: Path) -> None:
    con = open_snapshot(tiny)
    for statement in (sql.DOCUMENTATION, sql.CARD_AVAILABILITY, sql.TRAIT_COUNTS):
        assert frame(con, statement).height > 0
    con.close()
