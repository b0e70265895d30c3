"""A snapshot whose inputs do not reconcile fails with one clear line and writes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from phylohub.errors import PhylohubError
from phylohub.snapshot import build_snapshot, read_listing_manifest
from tests.snapshot.crawlfiles import Inputs, card, entry

ENTRIES = [entry(f"org/m{i}", ["license:mit", "en"]) for i in range(6)]
CARDS = [card(e["id"], text=f"card {i}") for i, e in enumerate(ENTRIES)]


def assert_fails(inputs: Inputs, *fragments: str, expected_models: int | None = None) -> None:
    with pytest.raises(PhylohubError) as info:
        build_snapshot(
            inputs.listing, inputs.cards, inputs.db, inputs.parquet, expected_models=expected_models
        )
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    # nothing written, nothing left over
    assert not inputs.db.exists()
    assert not inputs.parquet.exists()
    assert sorted(p.name for p in inputs.db.parent.iterdir()) == ["crawl"]


def test_a_listed_model_without_a_card_row_fails(make_inputs: Callable[..., Inputs]) -> None:
    inputs = make_inputs([ENTRIES[:3], ENTRIES[3:]], [CARDS[:2], CARDS[3:]])
    assert_fails(
        inputs,
        "does not reconcile (6 listing rows, 5 card rows)",
        "1 listed model(s) without a card row (e.g. 'org/m2')",
    )


def test_a_card_row_for_an_unlisted_id_fails(make_inputs: Callable[..., Inputs]) -> None:
    stray = [card("org/ghost", text="x"), card("org/zz", "no_readme")]
    inputs = make_inputs([ENTRIES], [CARDS, stray])
    assert_fails(
        inputs,
        "(6 listing rows, 8 card rows)",
        "2 card row(s) for unlisted ids (e.g. 'org/ghost', 'org/zz')",
    )


def test_duplicate_listing_ids_fail(make_inputs: Callable[..., Inputs]) -> None:
    inputs = make_inputs([ENTRIES, ENTRIES[1:2]], [CARDS])
    assert_fails(
        inputs, "(7 listing rows, 6 card rows)", "1 duplicate listing row(s) (e.g. 'org/m1' x2)"
    )


def test_duplicate_card_rows_fail(make_inputs: Callable[..., Inputs]) -> None:
    inputs = make_inputs([ENTRIES], [CARDS, CARDS[4:5]])
    assert_fails(inputs, "1 duplicate card row(s) (e.g. 'org/m4' x2)")


def test_every_problem_is_named_at_once(make_inputs: Callable[..., Inputs]) -> None:
    inputs = make_inputs([ENTRIES, ENTRIES[:1]], [CARDS[1:], [card("org/ghost", text="x")]])
    assert_fails(
        inputs,
        "duplicate listing row(s) (e.g. 'org/m0' x2)",
        "without a card row (e.g. 'org/m0')",
        "for unlisted ids (e.g. 'org/ghost')",
    )


def test_an_unknown_card_status_fails(make_inputs: Callable[..., Inputs]) -> None:
    inputs = make_inputs([ENTRIES], [[*CARDS[:5], card("org/m5", "lost")]])
    assert_fails(inputs, "1 card row(s) with an unknown status ('lost')")


def test_an_entry_that_is_not_json_fails(make_inputs: Callable[..., Inputs]) -> None:
    inputs = make_inputs([ENTRIES], [CARDS])
    table = pq.read_table(inputs.listing[0]).to_pylist()
    table[3]["entry"] = '{"id": "org/m3", '
    pq.write_table(
        pa.Table.from_pylist(table, schema=pq.read_schema(inputs.listing[0])), inputs.listing[0]
    )
    assert_fails(inputs, "1 listing entries are not valid JSON (e.g. 'org/m3')")


def test_a_listing_short_of_its_manifest_fails(make_inputs: Callable[..., Inputs]) -> None:
    inputs = make_inputs([ENTRIES], [CARDS])
    assert_fails(inputs, "the manifest counts 7 models, the parts 6", expected_models=7)


def test_a_missing_or_foreign_file_fails(make_inputs: Callable[..., Inputs]) -> None:
    inputs = make_inputs([ENTRIES], [CARDS])
    missing = inputs.listing[0].with_name("part-00009.parquet")
    gone = Inputs([missing], inputs.cards, inputs.db, inputs.parquet)
    assert_fails(gone, "listing part", "part-00009.parquet does not exist")
    swapped = Inputs(inputs.cards, inputs.listing, inputs.db, inputs.parquet)
    assert_fails(swapped, "lacks the column(s) _id, entry, page, position")
    assert_fails(Inputs(inputs.listing, [], inputs.db, inputs.parquet), "no card shards given")


def test_a_failed_build_keeps_an_earlier_snapshot(make_inputs: Callable[..., Inputs]) -> None:
    good = make_inputs([ENTRIES], [CARDS])
    build_snapshot(good.listing, good.cards, good.db, good.parquet)
    before = good.db.read_bytes()
    with pytest.raises(PhylohubError, match="without a card row"):
        build_snapshot(good.listing, [_shard(good, CARDS[1:])], good.db, good.parquet)
    assert good.db.read_bytes() == before
    assert sorted(p.name for p in good.db.parent.iterdir()) == [
        "crawl",
        "hub.duckdb",
        "other.parquet",
        "parquet",
    ]


def _shard(inputs: Inputs, rows: list[dict[str, object]]) -> Path:
    path = inputs.db.parent / "other.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=pq.read_schema(inputs.cards[0])), path)
    return path


def test_the_manifest_names_parts_beside_it(tmp_path: Path) -> None:
    manifest = tmp_path / "listing" / "manifest.json"
    manifest.parent.mkdir()
    manifest.write_text(json.dumps({"models": 3, "pages": 1, "parts": ["part-00000.parquet"]}))
    assert read_listing_manifest(manifest) == ([manifest.parent / "part-00000.parquet"], 3)
    manifest.write_text("{}")
    with pytest.raises(PhylohubError, match="cannot read listing manifest"):
        read_listing_manifest(manifest)
