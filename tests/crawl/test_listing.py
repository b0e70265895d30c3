"""The listing crawl: a killed job resumes and ends with the parts of an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from phylohub.crawl.listing import crawl_listing
from phylohub.hub.replica import Fault, Faults, ReplicaConfig, run_replica
from phylohub.hub.store import Store
from phylohub.hub.synth import SynthConfig, generate

CRAWL = """
import sys
from pathlib import Path
from phylohub.crawl.listing import crawl_listing
crawl_listing(sys.argv[1], Path(sys.argv[2]), page_size=100, pages_per_part=2)
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("eco")
    generate(SynthConfig(n_models=1500, seed=4), out)
    return out / "hub.sqlite"


def parts_content(folder: Path) -> list[list[dict]]:
    return [pq.read_table(p).to_pylist() for p in sorted(folder.glob("part-*.parquet"))]


def test_sigkilled_listing_resumes_to_the_same_parts(store: Path, tmp_path: Path) -> None:
    slow = Faults(slow=Fault(1.0, frozenset({"listing"})), slow_s=0.15)
    with run_replica(ReplicaConfig(store=store, faults=slow)) as hub:
        killed = tmp_path / "killed"
        proc = subprocess.Popen([sys.executable, "-c", CRAWL, hub.endpoint, str(killed)])
        checkpoint = killed / "checkpoint.json"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if checkpoint.is_file() and json.loads(checkpoint.read_text())["parts"] >= 2:
                break
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        state = json.loads(checkpoint.read_text())
        assert not state["done"] and state["parts"] >= 2  # it really died mid-chain
        result = crawl_listing(hub.endpoint, killed, page_size=100, pages_per_part=2)
        clean = tmp_path / "clean"
        crawl_listing(hub.endpoint, clean, page_size=100, pages_per_part=2)
    assert parts_content(killed) == parts_content(clean)
    ids = [row["id"] for part in parts_content(killed) for row in part]
    assert len(ids) == len(set(ids)) == result.models == Store(store).count_listed()


def test_a_listing_page_failing_after_retries_is_one_clear_error(
    store: Path, tmp_path: Path
) -> None:
    always = Faults(error=Fault(1.0, frozenset({"listing"}), skip=2), seed=2)
    with run_replica(ReplicaConfig(store=store, faults=always)) as hub:
        from phylohub.errors import PhylohubError

        with pytest.raises(PhylohubError, match="failed on page 2"):
            crawl_listing(hub.endpoint, tmp_path, page_size=100, pages_per_part=1, base_wait_s=0.01)
    # the two pages before the failure are kept as parts for the rerun
    assert len(list(tmp_path.glob("part-*.parquet"))) == 2


def test_listing_asks_for_the_config_summary_as_the_client_does(
    store: Path, tmp_path: Path
) -> None:
    """The crawl sends huggingface_hub's list_models(full, cardData, fetch_config) query,
    so every entry with a config in the store carries it as listed."""
    with run_replica(ReplicaConfig(store=store)) as hub:
        crawl_listing(hub.endpoint, tmp_path / "listing", page_size=500, pages_per_part=2)
    entries = [json.loads(r["entry"]) for part in parts_content(tmp_path / "listing") for r in part]
    stored = {
        row["id"]: json.loads(row["config"])
        for row in Store(store).iter_rows()
        if row["config"] is not None and not row["private"]
    }
    assert stored and {e["id"]: e["config"] for e in entries if "config" in e} == stored
