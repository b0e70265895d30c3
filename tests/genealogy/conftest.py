"""The crawled snapshot the genealogy tests share (built once per run, when a test asks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from phylohub.hub.synth import SynthConfig
from tests.pipeline import snapshot_of


@pytest.fixture(scope="session")
def snapshot3k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """hub.duckdb of a crawled 3,000-model ecosystem (default knobs, seed 4). Tests only
    read it: the stage's tables are written to folders of their own."""
    return snapshot_of(SynthConfig(n_models=3000, seed=4), tmp_path_factory.mktemp("snap3k"))
