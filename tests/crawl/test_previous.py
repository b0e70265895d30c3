"""Which earlier snapshot's cards a crawl reuses."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from phylohub.crawl.previous import expected_models, find_previous_cards, shard_previous
from phylohub.errors import PhylohubError


def snapshot(results: Path, name: str, listed_at: float) -> None:
    listing = results / name / "crawl" / "listing"
    listing.mkdir(parents=True)
    (listing / "manifest.json").write_text("{}")
    os.utime(listing / "manifest.json", (listed_at, listed_at))
    (results / name / "crawl" / "cards").mkdir()
    (results / name / "crawl" / "cards" / "0.parquet").write_text("")


def test_auto_takes_the_newest_earlier_snapshot_and_never_a_later_one(tmp_path: Path) -> None:
    snapshot(tmp_path, "jan", 1_000)
    snapshot(tmp_path, "feb", 2_000)
    snapshot(tmp_path, "mar", 3_000)
    assert find_previous_cards(tmp_path, "new") == [str(tmp_path / "mar/crawl/cards/0.parquet")]
    # feb was listed before mar existed: mar must not change what feb reuses
    assert find_previous_cards(tmp_path, "feb") == [str(tmp_path / "jan/crawl/cards/0.parquet")]
    assert find_previous_cards(tmp_path, "jan") == []
    assert find_previous_cards(tmp_path, "new", "none") == []
    assert find_previous_cards(tmp_path, "new", "jan") == [
        str(tmp_path / "jan/crawl/cards/0.parquet")
    ]
    with pytest.raises(PhylohubError, match="holds no crawled cards"):
        find_previous_cards(tmp_path, "new", "dec")


def listed_from(results: Path, name: str, listed_at: float, endpoint: str | None) -> None:
    """A snapshot with cards whose manifest records ``endpoint`` (None: no record, as
    manifests written before they recorded it)."""
    snapshot(results, name, listed_at)
    manifest = results / name / "crawl" / "listing" / "manifest.json"
    manifest.write_text(json.dumps({"models": 10} | ({"endpoint": endpoint} if endpoint else {})))
    os.utime(manifest, (listed_at, listed_at))


def test_auto_never_pairs_a_snapshot_of_the_hub_with_the_demos_replica(tmp_path: Path) -> None:
    """`make demo` leaves results/demo (the replica on 127.0.0.1) beside the real Hub's
    snapshots: a real crawl must not reuse its cards or expect its count, nor the demo's
    next snapshot the Hub's; a manifest without a record matches either."""
    hub, replica = "https://huggingface.co", "http://127.0.0.1:18089"
    listed_from(tmp_path, "2026-11-01", 1_000, hub)
    listed_from(tmp_path, "demo", 2_000, replica)
    cards = str(tmp_path / "2026-11-01/crawl/cards/0.parquet")
    assert find_previous_cards(tmp_path, "2026-12-01", endpoint=hub + "/") == [cards]
    assert expected_models(tmp_path, "2026-12-01", hub) == ("2026-11-01", 10)
    # the replica answers on another port each time it starts: still the same hub
    demo = str(tmp_path / "demo/crawl/cards/0.parquet")
    assert find_previous_cards(tmp_path, "demo-day30", endpoint="http://127.0.0.1:5") == [demo]
    # once listed, a snapshot's own record decides, not the config's endpoint
    listed_from(tmp_path, "2026-12-01", 3_000, hub)
    assert find_previous_cards(tmp_path, "2026-12-01", endpoint=replica) == [cards]
    # a manifest with no record (written before manifests kept it) matches any hub
    listed_from(tmp_path, "old", 2_500, None)
    old = str(tmp_path / "old/crawl/cards/0.parquet")
    assert find_previous_cards(tmp_path, "2026-12-01", endpoint=hub) == [old]
    # and with no endpoint given, every hub's snapshot is a candidate, as before
    assert find_previous_cards(tmp_path, "next") == [
        str(tmp_path / "2026-12-01/crawl/cards/0.parquet")
    ]


def test_the_recorded_listing_time_orders_snapshots_whatever_their_files_mtimes(
    tmp_path: Path,
) -> None:
    """A copy or a restore of ``results/`` (cp without -p, an unpacked archive) gives the
    manifests new mtimes, in any order: the time each manifest records decides which
    snapshot is earlier; one written before manifests recorded it is ordered by its mtime."""
    from phylohub.crawl.listing import ListingResult, write_manifest
    from phylohub.layout import Snapshot, earlier_listed, listing_time

    for name, listed, copied in [("jan", 1_000, 3_000), ("feb", 2_000, 2_000),
                                 ("mar", 3_000, 1_000)]:  # fmt: skip
        snapshot(tmp_path, name, copied)
        manifest = tmp_path / name / "crawl" / "listing" / "manifest.json"
        at = listing_time(datetime.fromtimestamp(listed, UTC))
        manifest.write_text(json.dumps({"models": 10, "listed_at": at}))
        os.utime(manifest, (copied, copied))
    assert [s.name for s in earlier_listed(tmp_path, "new", None)] == ["jan", "feb", "mar"]
    assert find_previous_cards(tmp_path, "new") == [str(tmp_path / "mar/crawl/cards/0.parquet")]
    assert find_previous_cards(tmp_path, "feb") == [str(tmp_path / "jan/crawl/cards/0.parquet")]
    assert find_previous_cards(tmp_path, "jan") == []
    assert expected_models(tmp_path, "new") == ("mar", 10)
    # a manifest without the record (or one that cannot be read): its mtime, as before
    listed_from(tmp_path, "old", 1_500, None)
    snapshot(tmp_path, "damaged", 2_500)
    (tmp_path / "damaged" / "crawl" / "listing" / "manifest.json").write_text("{")
    os.utime(tmp_path / "damaged" / "crawl" / "listing" / "manifest.json", (2_500, 2_500))
    assert [s.name for s in earlier_listed(tmp_path, "new", None)] == [
        "jan", "old", "feb", "damaged", "mar"
    ]  # fmt: skip
    # the crawl's own manifest records the time it was written, to the millisecond
    listing = tmp_path / "crawled" / "crawl" / "listing"
    listing.mkdir(parents=True)
    before = datetime.now(UTC).timestamp()
    write_manifest(listing / "manifest.json", ListingResult(0, 0, 0, 0.0), "http://127.0.0.1:1")
    os.utime(listing / "manifest.json", (500, 500))  # copied: an mtime before them all
    listed = Snapshot.named(tmp_path, "crawled").listed_at()
    assert before - 0.001 <= listed <= datetime.now(UTC).timestamp()
    assert [s.name for s in earlier_listed(tmp_path, "crawled", None)][-1] == "mar"


def test_a_finished_shard_keeps_the_choice_it_was_crawled_with(tmp_path: Path) -> None:
    """Deleting the earlier snapshot, or listing a later one, leaves a finished shard's
    choice as it was (the workflow's params then do not change, so it is not crawled
    again); an unfinished shard, or one whose stats predate the record, chooses now."""
    snapshot(tmp_path, "jan", 1_000)
    snapshot(tmp_path, "feb", 2_000)
    jan = str(tmp_path / "jan/crawl/cards/0.parquet")
    assert shard_previous(tmp_path, "feb", 0) == [jan]  # not finished: chosen now
    cards = tmp_path / "feb" / "crawl" / "cards"
    (cards / "0.stats.json").write_text(json.dumps({"models": 1, "previous": [jan]}))
    shutil.rmtree(tmp_path / "jan")
    assert find_previous_cards(tmp_path, "feb") == []  # the choice made now differs
    assert shard_previous(tmp_path, "feb", 0) == [jan]
    assert shard_previous(tmp_path, "feb", "0", "none") == [jan]
    # a shard crawled before the stats recorded the choice: chosen now, as before
    (cards / "0.stats.json").write_text(json.dumps({"models": 1}))
    assert shard_previous(tmp_path, "feb", 0) == []
    # the stats alone (the shard's cards not written) do not make a shard finished
    (cards / "0.stats.json").write_text(json.dumps({"models": 1, "previous": [jan]}))
    (cards / "0.parquet").unlink()
    assert shard_previous(tmp_path, "feb", 0) == []


def test_a_recorded_earlier_shard_that_is_gone_is_fetched_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A finished shard keeps the earlier shards it recorded; if it runs again after they
    were moved away, their cards are not there to reuse: it warns and fetches them."""
    from phylohub.crawl.cards import previous_cards

    gone = tmp_path / "jan" / "crawl" / "cards" / "0.parquet"
    with caplog.at_level("WARNING"):
        assert previous_cards([gone], {"a/b"}) == {}
    assert f"previous snapshot's {gone} is gone" in caplog.text
