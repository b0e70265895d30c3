"""Which earlier snapshot a diff compares with, and which a time series includes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from phylohub.diff.snapshots import earlier_snapshots, previous_snapshot
from phylohub.errors import PhylohubError


def make_snapshot(results: Path, name: str, listed_at: float, db: bool = True) -> None:
    listing = results / name / "crawl" / "listing"
    listing.mkdir(parents=True)
    (listing / "manifest.json").write_text("{}")
    os.utime(listing / "manifest.json", (listed_at, listed_at))
    if db:
        (results / name / "hub.duckdb").write_bytes(b"")


def test_earlier_snapshots_are_those_listed_before_with_a_database(tmp_path: Path) -> None:
    make_snapshot(tmp_path, "b-first", 1000)
    make_snapshot(tmp_path, "a-second", 2000)
    make_snapshot(tmp_path, "unbuilt", 2500, db=False)
    make_snapshot(tmp_path, "now", 3000)
    make_snapshot(tmp_path, "later", 4000)
    assert earlier_snapshots(tmp_path, "now") == ["b-first", "a-second"]
    assert previous_snapshot(tmp_path, "now") == "a-second"
    assert previous_snapshot(tmp_path, "b-first") is None
    # a snapshot not listed yet comes after every existing one
    assert earlier_snapshots(tmp_path, "next") == ["b-first", "a-second", "now", "later"]
    assert previous_snapshot(tmp_path, "now", "none") is None
    assert previous_snapshot(tmp_path, "now", "b-first") == "b-first"


def test_a_named_previous_snapshot_must_exist(tmp_path: Path) -> None:
    make_snapshot(tmp_path, "now", 3000)
    with pytest.raises(PhylohubError, match=r"holds no hub\.duckdb"):
        previous_snapshot(tmp_path, "now", "2026-01-01")
    with pytest.raises(PhylohubError, match="the snapshot itself"):
        previous_snapshot(tmp_path, "now", "now")


def test_a_diff_and_a_time_series_keep_to_the_snapshots_of_one_hub(tmp_path: Path) -> None:
    """The demo's snapshots (the replica on 127.0.0.1) beside the real Hub's: neither is
    compared with, nor put in a time series with, the other."""
    hub, replica = "https://huggingface.co", "http://127.0.0.1:18089"
    for name, at, endpoint in [("2026-11-01", 1000, hub), ("demo", 2000, replica),
                               ("demo-day30", 3000, replica)]:  # fmt: skip
        make_snapshot(tmp_path, name, at)
        manifest = tmp_path / name / "crawl" / "listing" / "manifest.json"
        manifest.write_text(json.dumps({"endpoint": endpoint}))
        os.utime(manifest, (at, at))
    assert previous_snapshot(tmp_path, "2026-12-01", "auto", hub) == "2026-11-01"
    assert earlier_snapshots(tmp_path, "2026-12-01", hub) == ["2026-11-01"]
    assert previous_snapshot(tmp_path, "demo-day30", "auto", "http://127.0.0.1:1") == "demo"
    assert earlier_snapshots(tmp_path, "demo-day30", hub) == ["demo"]  # its record decides
    assert previous_snapshot(tmp_path, "demo", "auto", replica) is None


def test_the_diff_pairs_snapshots_by_their_recorded_listing_times(tmp_path: Path) -> None:
    """After a copy that gave the older snapshot the newer mtime, the diff still compares
    the newer with the older, never the other way round; a manifest written before
    manifests recorded the time is ordered by its mtime."""
    for name, listed, copied in [("nov", "2026-11-01T08:00:00.000Z", 2000),
                                 ("dec", "2026-12-01T08:00:00.000Z", 1000)]:  # fmt: skip
        make_snapshot(tmp_path, name, copied)
        manifest = tmp_path / name / "crawl" / "listing" / "manifest.json"
        manifest.write_text(json.dumps({"listed_at": listed}))
        os.utime(manifest, (copied, copied))
    assert previous_snapshot(tmp_path, "dec") == "nov"
    assert previous_snapshot(tmp_path, "nov") is None
    assert earlier_snapshots(tmp_path, "jan") == ["nov", "dec"]
    # 2026-11-15, unrecorded: between the two by its mtime
    make_snapshot(tmp_path, "old", 1_794_700_800)
    assert earlier_snapshots(tmp_path, "dec") == ["nov", "old"]
    assert previous_snapshot(tmp_path, "jan", "auto") == "dec"
