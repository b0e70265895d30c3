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
def snapshot20k(eco20k: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """hub.duckdb of a crawled 20,000-model ecosystem (default knobs, seed 7).

    Its planted truth: ``<folder>/eco/truth.json`` and ``<folder>/eco/hub.sqlite``.
    The ecosystem is :func:`eco20k`'s (the same knobs and seed generate the same one:
    tests/hub/test_synth.py holds that), linked as ``<folder>/eco`` rather than generated
    again; the replica opens its store read-only and no test writes into it.
    """
    from tests.pipeline import snapshot_of_store

    folder = tmp_path_factory.mktemp("snap20k")
    (folder / "eco").symlink_to(eco20k, target_is_directory=True)
    return snapshot_of_store(folder / "eco" / "hub.sqlite", folder)


@pytest.fixture(scope="session")
def snapshot3k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """hub.duckdb of a crawled 3,000-model ecosystem (default knobs, seed 4), which the
    genealogy tests share. Tests only read it: their tables go to folders of their own."""
    from tests.pipeline import snapshot_of

    return snapshot_of(SynthConfig(n_models=3000, seed=4), tmp_path_factory.mktemp("snap3k"))


@pytest.fixture(scope="session")
def tiny_workflow(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole workflow run once on a crawled 2,500-model ecosystem (seed 2), and its
    HTML report. Results: ``<folder>/results/tiny``; the served store and its truth:
    ``<folder>/store``; the report: ``<folder>/results/tiny/report.html``."""
    from phylohub.hub.replica import ReplicaConfig, run_replica
    from tests.pipeline import run_workflow, snakemake

    folder = tmp_path_factory.mktemp("tiny_workflow")
    # a card dump of 30 days before, half of it, as the demo's (config/demo.yaml): the
    # workflow's crawl starts from it (crawl.bootstrap, the demo's setting)
    generate(SynthConfig(n_models=2500, seed=2, dump_days=30, dump_coverage=0.5), folder / "store")
    with run_replica(ReplicaConfig(store=folder / "store" / "hub.sqlite")) as hub:
        result = run_workflow(folder, hub.endpoint)
        assert result.returncode == 0, result.stderr[-3000:]
    report = folder / "results" / "tiny" / "report.html"
    result = snakemake(folder, folder / "tiny.yaml", "--report", str(report))
    assert result.returncode == 0, result.stderr[-3000:]
    return folder
