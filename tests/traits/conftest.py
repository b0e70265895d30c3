"""Snapshots the traits tests share (each built once per run, when a test asks for it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from phylohub.hub.synth import SynthConfig
from tests.pipeline import snapshot_of


@pytest.fixture(scope="session")
def flagged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A crawled 4,000-model ecosystem with many planted defaults (the flagged values) and
    every config.json crawled (the config traits and parameter counts; sizes that
    change, and merges: children with several parents)."""
    cfg = SynthConfig(
        n_models=4000,
        seed=12,
        placeholder_language_share=0.1,
        foreign_library_share=0.08,
        empty_task_share=0.06,
        config_plant=True,
        config_files_plant=True,
        size_change={"finetune": 0.2, "merge": 0.3},
    )
    return snapshot_of(cfg, tmp_path_factory.mktemp("onepass"), configs="all")
