"""The listing crawl: a killed job resumes and ends with the parts of an uninterrupted run."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from phylohub.crawl.listing import crawl_listing
from phylohub.errors import PhylohubError
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
    with (
        run_replica(ReplicaConfig(store=store, faults=always)) as hub,
        pytest.raises(PhylohubError, match="failed on page 2"),
    ):
        crawl_listing(hub.endpoint, tmp_path, page_size=100, pages_per_part=1, base_wait_s=0.01)
    # the two pages before the failure are kept as parts for the rerun
    assert len(list(tmp_path.glob("part-*.parquet"))) == 2


def free_endpoint() -> str:
    """``http://127.0.0.1:<port>`` where nothing listens: a port bound, read and let go."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_nothing_listening_at_the_endpoint_fails_at_once(tmp_path: Path) -> None:
    """A wrong hub.endpoint: the first page of a fresh listing cannot connect, and the
    listing says so without the client's retries (5 of them, ~23 s, by default)."""
    endpoint = free_endpoint()
    start = time.monotonic()
    with pytest.raises(PhylohubError, match=f"^nothing answers at {re.escape(endpoint)} ") as exc:
        crawl_listing(endpoint, tmp_path / "listing")
    assert time.monotonic() - start < 5  # no backoff waits: a behaviour check, not a timing
    assert "hub.endpoint" in str(exc.value) and "\n" not in str(exc.value)
    assert not (tmp_path / "listing" / "checkpoint.json").exists()
    assert not list((tmp_path / "listing").glob("part-*"))


def test_a_dropped_first_page_is_retried(store: Path, tmp_path: Path) -> None:
    """Only a connection that cannot be made fails at once: one closed without an answer
    is retried, on the first page too."""
    drop = Faults(drop=Fault(1.0, frozenset({"listing"}), max_count=1))
    with run_replica(ReplicaConfig(store=store, faults=drop)) as hub:
        result = crawl_listing(hub.endpoint, tmp_path, page_size=500, base_wait_s=0.01)
        assert hub.stats()["faults"]["drop"] == 1
    assert result.models == Store(store).count_listed()


def test_a_resumed_listing_still_retries_a_refused_connection(
    store: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Once the hub has answered (a checkpoint), a refused connection is transient: it
    gets the client's retries and then the usual error."""
    always = Faults(error=Fault(1.0, frozenset({"listing"}), skip=2), seed=2)
    with run_replica(ReplicaConfig(store=store, faults=always)) as hub:
        with pytest.raises(PhylohubError, match="failed on page 2"):
            crawl_listing(hub.endpoint, tmp_path, page_size=100, pages_per_part=1, max_retries=0)
        gone = hub.endpoint  # nothing listens there once the block ends
    with (
        caplog.at_level(logging.WARNING, logger="huggingface_hub"),
        pytest.raises(PhylohubError, match="failed on page 2"),
    ):
        crawl_listing(gone, tmp_path, page_size=100, pages_per_part=1, base_wait_s=0.01)
    assert sum("Retrying in" in r.getMessage() for r in caplog.records) == 5


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
