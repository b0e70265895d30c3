"""Shared fixtures: small synthetic ecosystems, generated once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from phylohub.hub.synth import SynthConfig, generate

# No test may reach the real Hub: the client is pointed at 127.0.0.1 explicitly.
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")


@pytest.fixture(scope="session")
def eco20k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 20,000-model ecosystem with the default knobs (seed 7)."""
    out = tmp_path_factory.mktemp("eco20k")
    generate(SynthConfig(n_models=20_000, seed=7), out)
    return out


@pytest.fixture(scope="session")
def snapshot20k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """hub.duckdb of a crawled 20,000-model ecosystem (default knobs, seed 7).

    Its planted truth: ``<folder>/eco/truth.json`` and ``<folder>/eco/hub.sqlite``.
    """
    from tests.pipeline import snapshot_of

    return snapshot_of(SynthConfig(n_models=20_000, seed=7), tmp_path_factory.mktemp("snap20k"))
