"""Which earlier snapshot's cards a crawl reuses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from phylohub.crawl.previous import find_previous_cards
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
