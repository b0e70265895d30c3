"""Build a real snapshot of a synthetic ecosystem for the analysis tests, and run the
whole workflow on one.

``snapshot_of(SynthConfig(...), folder)`` generates the ecosystem, serves it with the
replica, crawls the listing and every card with the real client, and builds
``folder/hub.duckdb`` exactly as the workflow does. The planted truth is in
``folder/eco/truth.json`` and the ``truth_*`` tables of ``folder/eco/hub.sqlite``.

``run_workflow(workdir, endpoint)`` runs ``snakemake`` on the demo configuration pointed
at a replica, with snapshot ``tiny``: results land in ``workdir/results/tiny``.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from phylohub.crawl.cards import CardJob, fetch_shard
from phylohub.crawl.listing import crawl_listing
from phylohub.crawl.ratelimit import RateBudget
from phylohub.hub.synth import SynthConfig, generate
from phylohub.snapshot import build_snapshot


def snapshot_of(cfg: SynthConfig, folder: Path, shards: int = 2, configs: str = "none") -> Path:
    """The path of ``hub.duckdb`` built from a fresh ecosystem of ``cfg`` (with the
    ``config.json`` of ``configs``: none, families or all, as ``crawl.configs``)."""
    generate(cfg, folder / "eco")
    return snapshot_of_store(folder / "eco" / "hub.sqlite", folder, shards, configs)


def snapshot_of_store(store: Path, folder: Path, shards: int = 2, configs: str = "none") -> Path:
    """``folder/hub.duckdb`` built from the store ``store`` (an evolved one, say) served by
    the replica and crawled as :func:`snapshot_of` does."""
    with replica_process(store) as endpoint:
        crawl_listing(endpoint, folder / "listing")
        parts = sorted((folder / "listing").glob("part-*.parquet"))
        (folder / "cards").mkdir(exist_ok=True)
        files = []
        for shard in range(shards):
            job = CardJob(endpoint=endpoint, shard=shard, n_shards=shards, concurrency=4)
            files.append(folder / "cards" / f"{shard}.parquet")
            fetch_shard(job, parts, files[-1], RateBudget(None))
        config_files = []
        if configs != "none":
            (folder / "configs").mkdir(exist_ok=True)
            for shard in range(shards):
                job = CardJob(endpoint=endpoint, shard=shard, n_shards=shards,
                              concurrency=4, filename="config.json", select=configs)  # fmt: skip
                config_files.append(folder / "configs" / f"{shard}.parquet")
                fetch_shard(job, parts, config_files[-1], RateBudget(None))
    build_snapshot(
        parts, files, folder / "hub.duckdb", folder / "parquet", config_shards=config_files
    )
    return folder / "hub.duckdb"


@contextlib.contextmanager
def replica_process(store: Path) -> Iterator[str]:
    """The endpoint of ``phylohub replica serve --store store`` (a free port, no limits:
    what ``run_replica(ReplicaConfig(store=store))`` serves), for a ``with`` block.

    ``run_replica`` serves from a thread of the test's process: its server and the
    crawl's client then share one interpreter lock and one core. In a process of its own
    the server takes the second core: a crawl of every card took about 40% less wall time.
    """
    command = [sys.executable, "-m", "phylohub.cli", "replica", "serve", "--store", str(store)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "phylohub: replica serving at http://..."
        assert "serving at http" in line, f"the replica did not start ({proc.wait()})"
        yield line.rsplit(" ", 1)[-1].strip()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


ROOT = Path(__file__).resolve().parents[1]


def workflow_config(workdir: Path, endpoint: str, **overrides: Any) -> Path:
    """A config for snapshot ``tiny`` on ``endpoint`` (demo settings, small pages)."""
    cfg = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())
    cfg["snapshot"] = "tiny"
    cfg["hub"].update(endpoint=endpoint, page_size=400, pages_per_part=2)
    cfg["crawl"].update(shards=3, parallel_shards=2)
    cfg["arxiv"].update(endpoint=endpoint)  # the replica serves the arXiv API too
    # 39 coin-flip graphs, not the demo's 199: p's floor 1/40 still decides at 0.05, and
    # solve_orderings takes a fifth of the time in every test that runs the workflow.
    cfg["traits"]["drift"]["null_replicates"] = 39
    cfg.update(overrides)
    path = workdir / "tiny.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def demo_kin_knobs() -> dict[str, Any]:
    """The kin knobs of ``config/demo.yaml``'s synthetic Hub and its config plant: what
    the shipped kin calibration was fitted with (``bench/inference.py``)."""
    synth = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())["replica"]["synth"]
    return {k: v for k, v in synth.items() if k.startswith("kin_") or k == "config_plant"}


def run_workflow(
    workdir: Path, endpoint: str, *args: str, timeout: int = 900
) -> subprocess.CompletedProcess[str]:
    """``snakemake`` on snapshot ``tiny`` in ``workdir`` (extra ``args`` appended)."""
    config = workflow_config(workdir, endpoint)
    return snakemake(workdir, config, "--cores", "2", "--resources", "hub_requests=2", *args,
                     timeout=timeout)  # fmt: skip


def snakemake(
    workdir: Path, config: Path, *args: str, timeout: int = 900
) -> subprocess.CompletedProcess[str]:
    """The project's Snakefile run in ``workdir`` with ``config``."""
    return subprocess.run(
        [
            sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
            "--directory", str(workdir), "--configfile", str(config), *args,
        ],
        capture_output=True, text=True, check=False, timeout=timeout,
    )  # fmt: skip
