"""The snapshot of a synthetic ecosystem, listed through the replica, recovers its truth."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from phylohub.crawl.listing import crawl_listing
from phylohub.hub.replica import ReplicaConfig, run_replica
from phylohub.hub.synth import SynthConfig, generate
from phylohub.snapshot import build_snapshot
from tests.snapshot.crawlfiles import card, write_cards

#: What each kind of planted malformed tag must be recorded as.
REASON_OF_KIND = {
    "empty": "empty_value",
    "no_name": "missing_parent_id",
    "bad_relation": "unknown_relation",
    "self_loop": "self_loop",
    "extra_path": "bad_parent_id",
    "license_empty": "empty_value",
}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, object]]:
    """A 2,000-model ecosystem (more malformed tags than the default), listed and built."""
    root = tmp_path_factory.mktemp("synthetic")
    truth = generate(SynthConfig(n_models=2000, seed=3, malformed_share=0.02), root / "eco")
    with run_replica(ReplicaConfig(store=root / "eco" / "hub.sqlite")) as hub:
        crawl_listing(hub.endpoint, root / "listing", page_size=500, pages_per_part=2)
    parts = sorted((root / "listing").glob("part-*.parquet"))
    rows = []
    for part in parts:
        table = pq.read_table(part, columns=["id", "entry"]).to_pydict()
        for model_id, raw in zip(table["id"], table["entry"], strict=True):
            files = {s["rfilename"] for s in json.loads(raw)["siblings"]}
            ok = "README.md" in files
            rows.append(
                card(model_id, text="placeholder card") if ok else card(model_id, "no_readme")
            )
    shards = write_cards(root / "cards", [rows[0::3], rows[1::3], rows[2::3]])
    build_snapshot(parts, shards, root / "hub.duckdb", root / "parquet")
    return root, root / "hub.duckdb", truth


def test_edges_equal_the_planted_edges_of_listed_children(
    synthetic: tuple[Path, Path, dict[str, object]],
) -> None:
    root, db, _ = synthetic
    store = sqlite3.connect(root / "eco" / "hub.sqlite")
    ids = dict(store.execute("SELECT key, id FROM models"))
    private = dict(store.execute("SELECT key, private FROM models"))
    expected = sorted(
        (ids[parent], ids[child], relation, bool(listed))
        for child, parent, relation, listed in store.execute("SELECT * FROM truth_edges")
        if not private[child]
    )
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute(
            "SELECT parent, child, relation, parent_in_snapshot FROM edges ORDER BY ALL"
        ).fetchall()
    assert len(expected) > 500
    assert {r for _, _, r, _ in expected} >= {"finetune", "adapter", "quantized", "merge"}
    assert any(not listed for *_, listed in expected)
    assert got == expected


def test_every_planted_malformed_tag_is_recorded(
    synthetic: tuple[Path, Path, dict[str, object]],
) -> None:
    root, db, truth = synthetic
    store = sqlite3.connect(root / "eco" / "hub.sqlite")
    listed = {i for (i,) in store.execute("SELECT id FROM models WHERE private = 0")}
    planted = truth["malformed_tags"]
    assert isinstance(planted, list)
    expected = sorted(
        (m["id"], m["tag"], REASON_OF_KIND[m["kind"]]) for m in planted if m["id"] in listed
    )
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute("SELECT id, tag, reason FROM malformed_tags ORDER BY ALL").fetchall()
    assert len({kind for _, _, kind in expected}) >= 4
    assert got == expected


def test_traits_equal_the_shown_latent_traits(
    synthetic: tuple[Path, Path, dict[str, object]],
) -> None:
    root, db, _ = synthetic
    store = sqlite3.connect(root / "eco" / "hub.sqlite")
    truth = {
        model_id: (
            [lic] if shown_lic else [],
            sorted(set(langs.split(","))) if shown_lang else [],
            task if shown_task else None,
            lib if shown_lib else None,
        )
        for model_id, lic, langs, task, lib, shown_lic, shown_lang, shown_task, shown_lib in (
            store.execute(
                "SELECT id, license, languages, task, library, shown_license, "
                "shown_language, shown_task, shown_library FROM truth_models WHERE private = 0"
            )
        )
    }
    with duckdb.connect(str(db), read_only=True) as con:
        got = {
            model_id: (licenses, codes, task, library)
            for model_id, licenses, codes, task, library in con.execute(
                "SELECT id, licenses, language_codes, task, library FROM traits"
            ).fetchall()
        }
        unknown = con.execute(
            "SELECT code FROM language_codes WHERE NOT known ORDER BY code"
        ).fetchall()
    assert got == truth
    assert unknown in ([], [("multilingual",)])
