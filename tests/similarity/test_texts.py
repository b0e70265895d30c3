"""The metadata string is str() of the listing entry, rebuilt from the snapshot's columns."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from phylohub.errors import PhylohubError
from phylohub.similarity.texts import (
    METADATA_FIELDS,
    PAPER_FIELDS,
    CardOptions,
    iter_card_texts,
    iter_metadata_strings,
)
from phylohub.snapshot import connect_snapshot

# The crawl's listing (full=true&config=true&cardData=true) has these fields, in this order,
# and ``config``: the snapshot keeps the config summary as tables (model_type,
# architectures, quantization), not as a metadata field, so it is left out here.
FULL_FIELDS = (
    *PAPER_FIELDS,
    "author",
    "gated",
    "lastModified",
    "sha",
    "siblings",
    "cardData",
)


def listing_entries(snapshot: Path) -> dict[str, dict[str, object]]:
    """The raw JSON entries the crawl wrote, parsed, by model id."""
    out = {}
    for part in sorted((snapshot.parent / "listing").glob("part-*.parquet")):
        t = pq.read_table(part, columns=["id", "entry"])
        for model_id, entry in zip(t["id"].to_pylist(), t["entry"].to_pylist(), strict=True):
            fields = json.loads(entry)
            fields.pop("config", None)
            out[model_id] = fields
    return out


def model_ids(db: Path) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT id FROM models ORDER BY id").fetchall()]


@pytest.fixture(scope="module")
def entries(snapshot20k: Path) -> dict[str, dict[str, object]]:
    return listing_entries(snapshot20k)


def test_the_paper_string_is_str_of_the_default_listing_entry(
    snapshot20k: Path, entries: dict[str, dict[str, object]]
) -> None:
    """The paper's entry is the listing without parameters: a prefix of the crawl's."""
    ids = model_ids(snapshot20k)
    strings = [s for chunk in iter_metadata_strings(snapshot20k, PAPER_FIELDS, ["paper"], 7000)
               for s in chunk["paper"]]  # fmt: skip
    assert len(strings) == len(ids) == len(entries)
    for model_id, got in zip(ids, strings, strict=True):
        entry = entries[model_id]
        assert got == str({k: entry[k] for k in PAPER_FIELDS if k in entry}), model_id


def test_every_listing_field_is_rebuilt_exactly(
    snapshot20k: Path, entries: dict[str, dict[str, object]]
) -> None:
    ids = model_ids(snapshot20k)
    chunks = iter_metadata_strings(snapshot20k, FULL_FIELDS, ["paper"], 50_000)
    strings = [s for chunk in chunks for s in chunk["paper"]]
    assert set(FULL_FIELDS) <= set(METADATA_FIELDS)
    mismatches = [i for i, s in zip(ids, strings, strict=True) if s != str(entries[i])]
    assert mismatches == []


def test_variants_drop_ids_then_lineage_then_dates_and_counts(
    snapshot20k: Path, entries: dict[str, dict[str, object]]
) -> None:
    ids = model_ids(snapshot20k)
    variants = ["no_ids", "no_lineage", "traits"]
    chunk = next(iter_metadata_strings(snapshot20k, FULL_FIELDS, variants, 3000))
    for j, model_id in enumerate(ids[:3000]):
        entry = entries[model_id]
        no_ids = {k: v for k, v in entry.items() if k not in ("_id", "id", "modelId", "author")}
        assert chunk["no_ids"][j] == str(no_ids)
        lineage = dict(no_ids)
        lineage["tags"] = [t for t in entry["tags"] if not t.startswith("base_model:")]  # type: ignore[attr-defined]
        if isinstance(entry.get("cardData"), dict):
            lineage["cardData"] = {
                k: v
                for k, v in entry["cardData"].items()  # type: ignore[attr-defined]
                if k not in ("base_model", "base_model_relation")
            }
        assert chunk["no_lineage"][j] == str(lineage)
        dated = ("createdAt", "lastModified", "downloads", "likes", "trendingScore", "sha")
        dated += ("siblings",)
        traits = {k: v for k, v in lineage.items() if k not in dated}
        assert chunk["traits"][j] == str(traits)
        assert model_id.split("/")[1].lower() not in chunk["traits"][j].lower()


def test_cards_are_filtered_and_cut_as_the_paper_did(snapshot20k: Path) -> None:
    with connect_snapshot(snapshot20k, card_texts=True) as con:
        rows = con.execute(
            "SELECT id, status, text, length_chars, auto_generated FROM cards_with_text ORDER BY id"
        ).fetchall()
    expected = {
        i: text[:512]
        for i, (_, status, text, length, auto) in enumerate(rows)
        if status == "ok" and length >= 512 and not auto
    }
    got = {}
    for docs, texts in iter_card_texts(snapshot20k, CardOptions(), chunk=4000):
        got.update(zip(docs, texts, strict=True))
    assert got == expected
    assert 0 < len(got) < len(rows)


def test_cards_without_front_matter_and_without_cut(snapshot20k: Path) -> None:
    opts = CardOptions(
        min_chars=100, cut_chars=None, drop_auto_generated=False, front_matter="strip"
    )
    docs, texts = next(iter_card_texts(snapshot20k, opts, chunk=500))
    with connect_snapshot(snapshot20k, card_texts=True) as con:
        full = dict(
            con.execute("SELECT id, text FROM cards_with_text WHERE text IS NOT NULL").fetchall()
        )
    ids = model_ids(snapshot20k)
    for doc, text in zip(docs, texts, strict=True):
        original = full[ids[doc]]
        assert original.endswith(text) and len(text) >= 100
        if original.startswith("---\n"):
            assert not text.startswith("---\n") and len(text) < len(original)


@pytest.mark.parametrize(
    ("fields", "variants", "message"),
    [
        (["id", "nope"], ["paper"], "unknown: nope"),
        (["id", "id"], ["paper"], "distinct"),
        (["id"], ["ids_only"], "variants"),
    ],
)
def test_bad_metadata_options_are_refused(
    snapshot20k: Path, fields: list[str], variants: list[str], message: str
) -> None:
    with pytest.raises(PhylohubError, match=message):
        next(iter_metadata_strings(snapshot20k, fields, variants))


def test_bad_card_options_are_refused() -> None:
    with pytest.raises(PhylohubError, match="front_matter"):
        CardOptions(front_matter="drop")
    with pytest.raises(PhylohubError, match="cut_chars"):
        CardOptions(cut_chars=0)
