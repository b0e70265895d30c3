"""Fixtures of the snapshot tests: crawl files written under a test's tmp_path."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.snapshot.crawlfiles import Inputs, write_cards, write_listing


@pytest.fixture
def make_inputs(tmp_path: Path) -> Callable[..., Inputs]:
    """Write listing parts and card shards under ``tmp_path``; returns their paths."""

    def make(
        parts: Sequence[Sequence[dict[str, Any]]],
        shards: Sequence[Sequence[dict[str, Any]]],
        name: str = "snap",
    ) -> Inputs:
        root = tmp_path / name
        return Inputs(
            write_listing(root / "crawl" / "listing", parts),
            write_cards(root / "crawl" / "cards", shards),
            root / "hub.duckdb",
            root / "parquet",
        )

    return make
