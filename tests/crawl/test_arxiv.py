"""The arXiv client against the replica's arXiv API: it recovers the planted categories.

A real snapshot (listing and cards crawled from the replica, ``hub.duckdb`` built) of an
ecosystem with synthetic papers; the client asks the same replica, over HTTP, and the
replica's counters say what it asked.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from phylohub.crawl.arxiv import ARXIV_SCHEMA, ArxivJob, fetch_arxiv, parse_feed
from phylohub.errors import PhylohubError
from phylohub.hub.replica import (
    Fault,
    Faults,
    RateLimits,
    RatePolicy,
    ReplicaConfig,
    run_replica,
)
from phylohub.hub.synth import SynthConfig
from phylohub.hub.vocab import TEMPLATE_ARXIV
from tests.pipeline import snapshot_of


@pytest.fixture(scope="module")
def snap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder with hub.duckdb and eco/ (hub.sqlite, truth.json): 3,000 models, 60 papers."""
    folder = tmp_path_factory.mktemp("arxiv-snap")
    snapshot_of(SynthConfig(n_models=3000, seed=3, arxiv_pool=60), folder)
    return folder


def planted(snap: Path) -> dict[str, dict[str, Any]]:
    truth = json.loads((snap / "eco" / "truth.json").read_text())["arxiv"]
    return {p["id"]: p for p in truth["papers"]}


def run(
    snap: Path, tmp: Path, endpoint: str, name: str = "a", **knobs: Any
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    job = ArxivJob(endpoint=endpoint, **{"delay_s": 0.0, "batch_size": 20, **knobs})
    out, stats = tmp / f"{name}.parquet", tmp / f"{name}.stats.json"
    fetch_arxiv(snap / "hub.duckdb", out, stats, tmp / "cache.sqlite", job)
    table = pq.read_table(out)
    assert table.schema.equals(ARXIV_SCHEMA)
    return table.to_pylist(), json.loads(stats.read_text())


def serve(snap: Path, **config: Any) -> Any:
    return run_replica(ReplicaConfig(store=snap / "eco" / "hub.sqlite", **config))


def test_every_cited_paper_gets_its_planted_categories(snap: Path, tmp_path: Path) -> None:
    truth = planted(snap)
    with serve(snap) as hub:
        rows, stats = run(snap, tmp_path, hub.endpoint)
    cited = {aid: p for aid, p in truth.items() if p["models"] > 0}
    assert [r["arxiv_id"] for r in rows] == sorted(cited)  # one row per cited id
    assert len(cited) > 30  # the real papers and many synthetic ones
    for r in rows:
        p = cited[r["arxiv_id"]]
        assert r["status"] == "ok", r
        assert r["primary_category"] == p["primary_category"]
        assert r["categories"] == p["categories"]
        assert (r["title"], r["published"], r["version"]) == (
            p["title"],
            p["published"],
            p["version"],
        )
        assert r["n_models"] == p["models"]
    assert stats["statuses"] == {"ok": len(cited), "not_found": 0, "malformed": 0, "error": 0}
    assert stats["ids"] == len(rows) and stats["cache_hits"] == 0


def test_n_models_counts_the_snapshots_models(snap: Path, tmp_path: Path) -> None:
    with serve(snap) as hub:
        rows, _ = run(snap, tmp_path, hub.endpoint)
    con = duckdb.connect(str(snap / "hub.duckdb"), read_only=True)
    counts = dict(
        con.sql(
            "SELECT t.value, count(DISTINCT t.id) FROM tags t WHERE t.prefix = 'arxiv' GROUP BY 1"
        ).fetchall()
    )
    assert {r["arxiv_id"]: r["n_models"] for r in rows} == counts


def test_batches_and_pacing_are_respected(snap: Path, tmp_path: Path) -> None:
    # the replica allows 3 queries a second; the client waits 0.4 s between two
    limits = RateLimits(arxiv=RatePolicy(quota=3, window_s=1.0))
    with serve(snap, rate_limits=limits) as hub:
        start = time.monotonic()
        rows, stats = run(snap, tmp_path, hub.endpoint, batch_size=15, delay_s=0.4)
        elapsed = time.monotonic() - start
        served = hub.stats()
    batches = math.ceil(len(rows) / 15)
    assert stats["requests"] == stats["batches"] == batches
    assert served["by_kind"]["arxiv_query"] == {"200": batches}
    assert served["rate_limited"]["arxiv"] == 0 and stats["throttled"] == 0
    assert elapsed >= 0.4 * (batches - 1)


def test_a_second_run_takes_everything_from_the_cache(snap: Path, tmp_path: Path) -> None:
    with serve(snap) as hub:
        first, _ = run(snap, tmp_path, hub.endpoint, name="first")
        hub.reset_stats()
        second, stats = run(snap, tmp_path, hub.endpoint, name="second")
        assert hub.stats()["requests"] == 0
    assert second == first
    assert stats["requests"] == 0 and stats["cache_hits"] == len(first)
    assert (tmp_path / "first.parquet").read_bytes() == (tmp_path / "second.parquet").read_bytes()


def test_the_cache_is_kept_apart_per_endpoint(snap: Path, tmp_path: Path) -> None:
    with serve(snap) as hub:
        run(snap, tmp_path, hub.endpoint, name="first")
    with serve(snap) as other:  # another port: another endpoint
        _, stats = run(snap, tmp_path, other.endpoint, name="second")
        assert other.stats()["requests"] == stats["requests"] > 0
    assert stats["cache_hits"] == 0


def snapshot_citing(folder: Path, ids: list[str]) -> Path:
    """A minimal hub.duckdb whose models cite ``ids`` (one model each)."""
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(folder / "hub.duckdb"))
    con.execute("CREATE TABLE traits (id VARCHAR, arxiv VARCHAR[])")
    con.execute("CREATE TABLE cards (id VARCHAR, auto_generated BOOLEAN)")
    for i, aid in enumerate(ids):
        con.execute("INSERT INTO traits VALUES (?, ?)", [f"org/m{i}", [aid]])
        con.execute("INSERT INTO cards VALUES (?, false)", [f"org/m{i}"])
    con.close()
    return folder


def test_unknown_and_malformed_ids_get_rows_of_their_own(snap: Path, tmp_path: Path) -> None:
    truth = planted(snap)
    latest = truth["2106.09685"]["version"]
    ids = {
        TEMPLATE_ARXIV: "ok",
        "2106.09685v1": "ok",
        f"2106.09685v{latest + 1}": "not_found",
        "2401.99999": "not_found",
        "hep-th/9901001": "not_found",
        "1234.1234": "malformed",  # month 34
        "cs.CL": "malformed",
        "2106.09685.": "malformed",
    }
    fake = snapshot_citing(tmp_path / "fake", list(ids))
    with serve(snap) as hub:
        rows, stats = run(fake, tmp_path, hub.endpoint, batch_size=3)
        served = hub.stats()
    assert {r["arxiv_id"]: r["status"] for r in rows} == ids
    ok = {r["arxiv_id"]: r for r in rows if r["status"] == "ok"}
    assert ok["2106.09685v1"]["version"] == 1
    assert ok["2106.09685v1"]["categories"] == truth["2106.09685"]["categories"]
    assert all(r["categories"] is None for r in rows if r["status"] != "ok")
    # malformed ids are never sent: 5 well-formed ids in batches of 3
    assert served["by_kind"]["arxiv_query"] == {"200": 2} and stats["requested"] == 5


def test_server_errors_and_cut_bodies_are_retried(snap: Path, tmp_path: Path) -> None:
    # requests 1-2 answer a 5xx, request 3 is cut in half, request 4 is dropped
    arxiv = frozenset({"arxiv"})
    faults = Faults(
        error=Fault(1.0, arxiv, max_count=2),
        truncate=Fault(1.0, arxiv, skip=2, max_count=1),
        drop=Fault(1.0, arxiv, skip=3, max_count=1),
    )
    with serve(snap, faults=faults) as hub:
        rows, stats = run(snap, tmp_path, hub.endpoint, backoff_s=0.01)
        served = hub.stats()
    assert served["faults"] == {"error": 2, "slow": 0, "drop": 1, "truncate": 1}
    assert stats["retries"] == 4 and stats["requests"] == stats["batches"] + 4
    assert {r["status"] for r in rows} == {"ok"}


def test_throttling_503s_are_waited_out(snap: Path, tmp_path: Path) -> None:
    limits = RateLimits(arxiv=RatePolicy(quota=2, window_s=1.0))
    with serve(snap, rate_limits=limits) as hub:
        rows, stats = run(
            snap, tmp_path, hub.endpoint, batch_size=10, max_attempts=10, backoff_s=0.05
        )
        served = hub.stats()
    assert served["rate_limited"]["arxiv"] == stats["throttled"] > 0
    assert {r["status"] for r in rows} == {"ok"}


def test_the_template_paper_is_cs_cy_and_carried_by_auto_generated_cards(
    snap: Path, tmp_path: Path
) -> None:
    with serve(snap) as hub:
        rows, _ = run(snap, tmp_path, hub.endpoint)
    by_id = {r["arxiv_id"]: r for r in rows}
    template = by_id[TEMPLATE_ARXIV]
    assert template["primary_category"] == "cs.CY" and template["template"]
    assert [r["arxiv_id"] for r in rows if r["template"]] == [TEMPLATE_ARXIV]
    assert template["n_models"] == max(r["n_models"] for r in rows)  # it inflates cs.CY
    # the planted truth: every listed model citing it has the Hub's default card
    store = sqlite3.connect(snap / "eco" / "hub.sqlite")
    kinds = store.execute(
        "SELECT t.card_kind, count(*) FROM models m JOIN truth_models t USING (key) "
        "WHERE m.private = 0 AND EXISTS (SELECT 1 FROM json_each(m.tags) WHERE value = ?) "
        "GROUP BY 1",
        [f"arxiv:{TEMPLATE_ARXIV}"],
    ).fetchall()
    assert dict(kinds) == {"hub_default": template["n_models"]}


def test_an_unreachable_endpoint_fails_at_once(snap: Path, tmp_path: Path) -> None:
    """A wrong arxiv.endpoint: the first request cannot connect, and the job says so
    without the retries (by default 5 attempts, 45 s of waits, for every batch)."""
    with serve(snap) as hub:
        gone = hub.endpoint  # nothing listens there once the block ends
    start = time.monotonic()
    with pytest.raises(PhylohubError, match=f"^nothing answers at {re.escape(gone)} ") as exc:
        run(snap, tmp_path, gone)  # arXiv's max_attempts and backoff_s
    assert time.monotonic() - start < 5  # no backoff waits: a behaviour check, not a timing
    assert "arxiv.endpoint" in str(exc.value) and "\n" not in str(exc.value)
    assert not (tmp_path / "a.parquet").exists()
    con = sqlite3.connect(tmp_path / "cache.sqlite")
    assert con.execute("SELECT count(*) FROM papers").fetchone() == (0,)


def test_an_endpoint_failing_every_query_is_one_clear_error(snap: Path, tmp_path: Path) -> None:
    failing = Faults(error=Fault(1.0, frozenset({"arxiv"})))
    with (
        serve(snap, faults=failing) as hub,
        pytest.raises(PhylohubError, match=r"arXiv ids failed at http://127\.0\.0\.1") as exc,
    ):
        run(snap, tmp_path, hub.endpoint, max_attempts=2, backoff_s=0.01)
    assert "\n" not in str(exc.value)
    # nothing failed was cached: the next run asks again
    con = sqlite3.connect(tmp_path / "cache.sqlite")
    assert con.execute("SELECT count(*) FROM papers").fetchone() == (0,)


def test_the_parser_reads_the_manuals_example_entry() -> None:
    """The Atom of the arXiv API User's Manual (section 4.1), namespaces on every element,
    and the empty entry older versions of the API gave an unknown id (no paper)."""
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1000</opensearch:totalResults>
  <entry xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
    <id xmlns="http://www.w3.org/2005/Atom">https://arxiv.org/abs/hep-ex/0307015v1</id>
    <published xmlns="http://www.w3.org/2005/Atom">2003-07-07T13:46:39-04:00</published>
    <title xmlns="http://www.w3.org/2005/Atom">Multi-Electron Production at High Transverse Momenta in ep Collisions at
  HERA</title>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="hep-ex" scheme="http://arxiv.org/schemas/atom"/>
    <category term="hep-ex" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
  <entry><id>http://arxiv.org/abs/1201.56789</id><title></title></entry>
</feed>"""  # noqa: E501
    total, papers = parse_feed(body)
    assert total == 1000
    (p,) = papers
    assert (p.arxiv_id, p.version, p.primary_category, p.categories) == (
        "hep-ex/0307015",
        1,
        "hep-ex",
        ("hep-ex",),
    )
    assert (
        p.title == "Multi-Electron Production at High Transverse Momenta in ep Collisions at HERA"
    )
