"""The workflow end to end on a tiny replica: crawl and snapshot equal the planted truth."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import yaml

from phylohub.crawl.schema import served_bytes
from phylohub.hub.cards import card_bytes
from phylohub.hub.store import Store
from phylohub.snapshot import connect_snapshot

ROOT = Path(__file__).resolve().parents[1]


def test_snapshot_equals_the_planted_ecosystem(tiny_workflow: Path) -> None:
    tmp_path = tiny_workflow
    store_dir = tmp_path / "store"
    cap = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())["crawl"]["max_card_bytes"]
    store = Store(store_dir / "hub.sqlite")
    listed = {r["id"]: r for r in store.iter_rows("private = 0")}
    db = connect_snapshot(tmp_path / "results" / "tiny" / "hub.duckdb", card_texts=True)
    # every listed model, once
    models = dict(db.sql("SELECT id, sha FROM models").fetchall())
    assert models == {i: r["sha"] for i, r in listed.items()}
    # every edge with its relation (parents outside the listing kept and flagged)
    key_to_id = {r["key"]: r["id"] for r in store.iter_rows()}
    truth = {
        (key_to_id[p], key_to_id[c], rel, bool(p_listed))
        for c, p, rel, p_listed in sqlite3.connect(store_dir / "hub.sqlite").execute(
            "SELECT e.child, e.parent, e.relation, e.parent_listed FROM truth_edges e "
            "JOIN models m ON m.key = e.child WHERE m.private = 0"
        )
    }
    edges = set(db.sql("SELECT parent, child, relation, parent_in_snapshot FROM edges").fetchall())
    assert edges == truth
    # every card byte-identical, every model with exactly one card row
    cards = {
        i: (s, served_bytes(t, raw), cut, size)
        for i, s, t, raw, cut, size in db.sql(
            "SELECT id, status, text, raw, truncated, bytes FROM cards_with_text"
        ).fetchall()
    }
    assert set(cards) == set(listed)
    for model_id, row in listed.items():
        status, kept, truncated, size = cards[model_id]
        if row["card"] is None:  # README.md listed without a file behind it: not found
            listed_readme = "README.md" in json.loads(row["siblings"])
            assert status == ("not_found" if listed_readme else "no_readme")
        elif row["gated"] or row["disabled"]:
            assert status in ("gated", "disabled")
        else:
            card_data = json.loads(row["card_data"]) if row["card_data"] else None
            expected = card_bytes(json.loads(row["card"]), card_data)
            assert status == "ok" and size == len(expected)
            if truncated:  # a huge card, cut at crawl.max_card_bytes
                assert len(expected) > cap and expected.startswith(kept)
            else:
                assert kept == expected
    benchmarks = tmp_path / "benchmarks" / "tiny"
    assert (benchmarks / "list_models.tsv").is_file()
    assert (benchmarks / "build_snapshot.tsv").is_file()


def test_crawl_starts_from_the_card_dump(tiny_workflow: Path) -> None:
    """crawl.bootstrap (the demo's setting) reaches the card jobs: every card whose dump
    row is exact is taken from it without a request, but for those only a fetch can
    tell (a restricted model, bytes that are not UTF-8, a card over the cap); no stale or
    deleted row is; the crawl health counts the dump's download. The card equality above
    covers the texts taken."""
    results = tiny_workflow / "results" / "tiny"
    with sqlite3.connect(tiny_workflow / "store" / "hub.sqlite") as conn:
        kinds = dict(conn.execute("SELECT id, kind FROM truth_dump").fetchall())
    db = connect_snapshot(results / "hub.duckdb")
    rows = db.sql("SELECT id, source, requests, status, encoding, truncated FROM cards")
    taken, fetched = set(), set()
    for model_id, source, requests, status, encoding, truncated in rows.fetchall():
        if source == "bootstrap":
            assert requests == 0 and kinds[model_id] == "exact"
            taken.add(model_id)
        elif kinds.get(model_id) == "exact":
            fetched.add((status, encoding if status == "ok" else None, truncated))
    assert len(taken) > 500
    # the exact rows fetched all the same: restricted, not UTF-8 or cut at the cap
    assert fetched and all(
        status in ("gated", "disabled") or encoding == "invalid-utf-8" or truncated
        for status, encoding, truncated in fetched
    )
    stats = [json.loads(p.read_text()) for p in sorted(results.glob("crawl/cards/*.stats.json"))]
    assert sum(s["bootstrap"] for s in stats) == len(taken)
    health = (results / "summary" / "crawl_health.tsv").read_text().splitlines()
    assert any(line.startswith("bootstrap\t") for line in health)


def test_the_listing_records_the_hub_it_was_listed_from(tiny_workflow: Path) -> None:
    """The manifest names the endpoint, which keeps the snapshots of different hubs apart
    (phylohub.layout.earlier_listed)."""
    config = yaml.safe_load((tiny_workflow / "tiny.yaml").read_text())
    manifest = tiny_workflow / "results" / "tiny" / "crawl" / "listing" / "manifest.json"
    assert json.loads(manifest.read_text())["endpoint"] == config["hub"]["endpoint"]
