"""The card crawl against the replica: complete, exact, paced, fault-tolerant, resumable."""

from __future__ import annotations

import codecs
import json
import sqlite3
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from phylohub.crawl.cards import (
    CardJob,
    decode_card,
    fetch_shard,
    previous_cards,
    shard_models,
    shard_of,
)
from phylohub.crawl.listing import crawl_listing
from phylohub.crawl.ratelimit import RateBudget
from phylohub.crawl.schema import CARD_SCHEMA, served_bytes
from phylohub.errors import PhylohubError
from phylohub.hub.cards import card_bytes
from phylohub.hub.replica import (
    Fault,
    Faults,
    RateLimits,
    RatePolicy,
    ReplicaConfig,
    run_replica,
)
from phylohub.hub.store import Store
from phylohub.hub.synth import SynthConfig, generate

SHARDS = 3


@pytest.fixture(scope="module")
def eco(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("eco")
    generate(SynthConfig(n_models=1500, seed=21), out)
    return out / "hub.sqlite"


def listing(store: Path, out: Path) -> list[Path]:
    with run_replica(ReplicaConfig(store=store)) as hub:
        crawl_listing(hub.endpoint, out, page_size=500)
    return sorted(out.glob("part-*.parquet"))


def crawl(
    endpoint: str, parts: list[Path], out: Path, budget: RateBudget | None = None, **job: object
) -> list[dict]:
    rows = []
    for shard in range(SHARDS):
        job = {"concurrency": 4, "backoff_s": 0.05, **job}
        spec = CardJob(endpoint=endpoint, shard=shard, n_shards=SHARDS, **job)  # type: ignore[arg-type]
        fetch_shard(spec, parts, out / f"{shard}.parquet", budget or RateBudget(None))
        rows += pq.read_table(out / f"{shard}.parquet").to_pylist()
    return rows


def expected_cards(store: Path) -> dict[str, bytes]:
    """The README file of every listed model with a card, as the replica serves it."""
    return {
        r["id"]: card_bytes(
            json.loads(r["card"]), json.loads(r["card_data"]) if r["card_data"] else None
        )
        for r in Store(store).iter_rows("private = 0 AND card IS NOT NULL")
    }


def planted_shapes(store: Path) -> dict[str, str]:
    """Model id -> the card shape the generator planted (``truth_card_shapes``)."""
    return dict(sqlite3.connect(store).execute("SELECT id, shape FROM truth_card_shapes"))


def test_every_listed_model_gets_one_row_and_cards_are_byte_identical(
    eco: Path, tmp_path: Path
) -> None:
    parts = listing(eco, tmp_path / "listing")
    with run_replica(ReplicaConfig(store=eco)) as hub:
        rows = crawl(hub.endpoint, parts, tmp_path / "cards")
        stats = hub.stats()
    store = Store(eco)
    listed = {r["id"]: r for r in store.iter_rows("private = 0")}
    assert sorted(r["id"] for r in rows) == sorted(listed)  # each exactly once
    truth = expected_cards(eco)
    shapes = planted_shapes(eco)
    encoding_of_shape = {"bom": "bom", "invalid_utf8": "invalid-utf-8"}
    by_status: dict[str, int] = {}
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + 1
        model = listed[row["id"]]
        assert shard_of(row["id"], SHARDS) in range(SHARDS)
        # a refusal keeps what the Hub said, never the request id or the URL (the endpoint):
        # both differ from crawl to crawl
        if shapes.get(row["id"]) == "readme_404":  # README.md listed, but no file behind it
            assert row["status"] == "not_found" and row["http_status"] == 404
            assert row["message"] == "Entry not found"
        elif model["card"] is None:
            assert row["status"] == "no_readme" and row["requests"] == 0
        elif model["disabled"]:
            assert row["status"] == "disabled"
            assert row["message"] == "Access to this resource is disabled."
        elif model["gated"]:
            assert row["status"] == "gated" and row["http_status"] == 401
            assert row["message"].startswith(f"Access to model {row['id']} is restricted. ")
            assert "\n" not in row["message"]
        else:
            assert row["status"] == "ok"
            assert served_bytes(row["text"], row["raw"]) == truth[row["id"]]
            assert row["bytes"] == len(truth[row["id"]]) and not row["truncated"]
            assert row["encoding"] == encoding_of_shape.get(shapes.get(row["id"], ""), "utf-8")
            assert (row["raw"] is None) == (row["encoding"] == "utf-8")
            assert row["text"] == truth[row["id"]].decode("utf-8-sig", errors="replace")
    assert by_status["ok"] > 0 and by_status["gated"] > 0 and by_status["no_readme"] > 0
    assert by_status["not_found"] == sum(s == "readme_404" for s in shapes.values()) > 0
    # crawl health counts the encodings of the ok cards, as planted
    encodings: dict[str, int] = {}
    for shard in range(SHARDS):
        health = json.loads((tmp_path / "cards" / f"{shard}.stats.json").read_text())
        for name, count in health["encodings"].items():
            encodings[name] = encodings.get(name, 0) + count
    planted = list(shapes.values())
    assert encodings == {
        "utf-8": by_status["ok"] - planted.count("bom") - planted.count("invalid_utf8"),
        "bom": planted.count("bom"),
        "invalid-utf-8": planted.count("invalid_utf8"),
    }
    assert encodings["bom"] > 0 and encodings["invalid-utf-8"] > 0
    # no request at all for a model whose siblings lack README.md
    fetched = sum(1 for r in rows if r["status"] != "no_readme")
    gets = sum(stats["by_kind"].get("resolve_get", {}).values())
    assert gets == fetched


def test_gated_cards_come_with_a_token_and_the_token_is_never_written(
    eco: Path, tmp_path: Path
) -> None:
    parts = listing(eco, tmp_path / "listing")
    token = "hf_secret_demo_token_123"
    with run_replica(ReplicaConfig(store=eco, tokens=frozenset({token}))) as hub:
        good = crawl(hub.endpoint, parts, tmp_path / "good", token=token)
        bad = crawl(hub.endpoint, parts, tmp_path / "bad", token="hf_expired")
    gated = {r["id"] for r in Store(eco).iter_rows("private = 0 AND gated IS NOT NULL")}
    good_status = {r["id"]: r["status"] for r in good if r["id"] in gated}
    bad_rows = [r for r in bad if r["id"] in gated and r["status"] != "no_readme"]
    assert set(good_status.values()) <= {"ok", "no_readme", "disabled"}
    assert bad_rows and all(r["status"] == "gated" and r["http_status"] == 403 for r in bad_rows)
    assert all(r["message"].endswith("you are not in the authorized list.") for r in bad_rows)
    for path in (tmp_path / "good").iterdir():
        assert token.encode() not in path.read_bytes()


def test_faults_lose_nothing_and_duplicate_nothing(eco: Path, tmp_path: Path) -> None:
    parts = listing(eco, tmp_path / "listing")
    resolve = frozenset({"resolve"})
    faults = Faults(
        error=Fault(0.08, resolve),
        drop=Fault(0.05, resolve),
        truncate=Fault(0.05, resolve),
        seed=3,
    )
    with run_replica(ReplicaConfig(store=eco, faults=faults)) as hub:
        rows = crawl(hub.endpoint, parts, tmp_path / "cards", max_attempts=8)
        injected = hub.stats()["faults"]
    assert injected["error"] > 0 and injected["drop"] > 0 and injected["truncate"] > 0
    truth = expected_cards(eco)
    ok = [r for r in rows if r["status"] == "ok"]
    assert len(rows) == len({r["id"] for r in rows}) == Store(eco).count_listed()
    assert not [r for r in rows if r["status"] == "error"]
    assert all(served_bytes(r["text"], r["raw"]) == truth[r["id"]] for r in ok)


def test_paced_crawl_stays_within_the_servers_window(eco: Path, tmp_path: Path) -> None:
    """A budget matching the server's quota sees no 429; an unpaced crawl is throttled."""
    parts = listing(eco, tmp_path / "listing")
    limits = RateLimits(resolvers=RatePolicy(quota=500, window_s=1.0))
    with run_replica(ReplicaConfig(store=eco, rate_limits=limits)) as hub:
        crawl(hub.endpoint, parts, tmp_path / "paced", budget=RateBudget(500, 1.0))
        paced = hub.stats()["rate_limited"]
        hub.reset_stats()
        rows = crawl(hub.endpoint, parts, tmp_path / "storm", max_attempts=20)
        storm = hub.stats()["rate_limited"]
    assert sum(paced.values()) == 0
    assert sum(storm.values()) > 0  # the 429 storm happened, and was waited out:
    assert not [r for r in rows if r["status"] == "error"]


def _stopped_shard(eco: Path, parts: list[Path], out: Path) -> CardJob:
    """Crawl shard 0 of 1 into ``out`` against a server that fails every README request
    after the first 300: the job fails, its cards kept in ``0.partial``; its settings."""
    out.parent.mkdir()
    job = CardJob(endpoint="", shard=0, n_shards=1, concurrency=2, max_attempts=1, backoff_s=0.05)
    dying = Faults(error=Fault(1.0, frozenset({"resolve"}), skip=300), seed=1)
    with (
        run_replica(ReplicaConfig(store=eco, faults=dying)) as hub,
        pytest.raises(PhylohubError, match="failed after retries"),
    ):
        fetch_shard(
            CardJob(**{**job.__dict__, "endpoint": hub.endpoint}), parts, out, RateBudget(None)
        )
    return job


def test_failed_shard_keeps_its_cards_and_the_rerun_fetches_only_the_rest(
    eco: Path, tmp_path: Path
) -> None:
    parts = listing(eco, tmp_path / "listing")
    out = tmp_path / "cards" / "0.parquet"
    job = _stopped_shard(eco, parts, out)
    assert not out.exists() and out.with_name("0.partial").is_dir()
    with run_replica(ReplicaConfig(store=eco)) as hub:
        fetch_shard(
            CardJob(**{**job.__dict__, "endpoint": hub.endpoint}), parts, out, RateBudget(None)
        )
        second = hub.stats()
    rows = pq.read_table(out).to_pylist()
    assert len(rows) == len({r["id"] for r in rows}) == Store(eco).count_listed()
    needing = sum(1 for r in rows if r["status"] != "no_readme")
    gets = sum(second["by_kind"].get("resolve_get", {}).values())
    assert 0 < gets < needing  # only the cards the first attempt did not get
    assert not out.with_name("0.partial").exists()


def test_a_stopped_shard_resumes_after_crawl_shards_changed(eco: Path, tmp_path: Path) -> None:
    """A shard stopped under ``crawl.shards: 1`` and rerun as shard 0 of 2 (the README
    tells a cluster user to raise it): the earlier run's cards of this shard's models are
    kept, the others are ignored, and the shard holds its own models alone."""
    parts = listing(eco, tmp_path / "listing")
    out = tmp_path / "cards" / "0.parquet"
    job = _stopped_shard(eco, parts, out)
    batches = sorted(out.with_name("0.partial").glob("batch-*.parquet"))
    earlier = {i for b in batches for i in pq.read_table(b, columns=["id"])["id"].to_pylist()}
    half = CardJob(**{**job.__dict__, "n_shards": 2})
    mine = set(shard_models(parts, 0, 2)["id"].to_pylist())
    assert earlier - mine and earlier & mine  # the earlier run fetched some of each
    with run_replica(ReplicaConfig(store=eco)) as hub:
        stats = fetch_shard(
            CardJob(**{**half.__dict__, "endpoint": hub.endpoint}), parts, out, RateBudget(None)
        )
    rows = pq.read_table(out).to_pylist()
    assert [r["id"] for r in rows] == shard_models(parts, 0, 2)["id"].to_pylist()
    assert stats.models == len(mine) == sum(stats.statuses.values())
    assert not [r for r in rows if r["status"] == "error"]


def test_cards_over_the_cap_are_cut_and_their_full_size_recorded(eco: Path, tmp_path: Path) -> None:
    parts = listing(eco, tmp_path / "listing")
    cap = 3000
    with run_replica(ReplicaConfig(store=eco)) as hub:
        rows = crawl(hub.endpoint, parts, tmp_path / "cards", max_bytes=cap)
    truth = expected_cards(eco)
    ok = [r for r in rows if r["status"] == "ok"]
    cut = [r for r in ok if r["truncated"]]
    assert cut and len(cut) < len(ok)
    for row in ok:
        card = truth[row["id"]]
        assert row["bytes"] == len(card)
        assert row["truncated"] == (len(card) > cap)
        kept = served_bytes(row["text"], row["raw"])
        assert kept is not None and card.startswith(kept)
        assert len(kept) == len(card) if not row["truncated"] else cap - 3 <= len(kept) <= cap


@pytest.mark.parametrize(
    ("data", "truncated", "text", "encoding"),
    [
        ("Modèle 🤗\n".encode(), False, "Modèle 🤗\n", "utf-8"),
        (codecs.BOM_UTF8 + b"---\nlicense: mit\n---\n", False, "---\nlicense: mit\n---\n", "bom"),
        (b"Mod\xe8le \x97 caf\xe9\n", False, "Mod\ufffdle \ufffd caf\ufffd\n", "invalid-utf-8"),
        (codecs.BOM_UTF8 + b"caf\xe9", False, "caf\ufffd", "invalid-utf-8"),
        (b"ok \xf0\x9f\xa4", False, "ok \ufffd", "invalid-utf-8"),  # a whole file ends short
        (b"ok \xf0\x9f\xa4", True, "ok ", "utf-8"),  # the cap fell inside the emoji
        (b"\xff ok \xf0\x9f", True, "\ufffd ok \ufffd", "invalid-utf-8"),
    ],
)
def test_card_bytes_are_kept_and_their_encoding_named(
    data: bytes, truncated: bool, text: str, encoding: str
) -> None:
    row = decode_card(data, truncated)
    assert (row["text"], row["encoding"]) == (text, encoding)
    kept = served_bytes(row["text"], row["raw"])
    # nothing is lost: the bytes served, up to the last whole character of a cut card
    assert kept == (data if encoding != "utf-8" or not truncated else data[: len(text.encode())])
    assert (row["raw"] is None) == (encoding == "utf-8")


def test_cards_crawled_before_bytes_were_kept_are_fetched_again(tmp_path: Path) -> None:
    """A previous shard without ``encoding`` cannot say what its texts were: no reuse."""
    row = {**decode_card(codecs.BOM_UTF8 + b"---\n"), "id": "org/m", "sha": "a" * 40}
    row["status"] = "ok"
    current = tmp_path / "new.parquet"
    pq.write_table(pa.Table.from_pylist([row], schema=CARD_SCHEMA), current)
    old = tmp_path / "old.parquet"
    pq.write_table(pq.read_table(current).drop_columns(["encoding", "raw"]), old)
    assert previous_cards([current], {"org/m"})["org/m"]["encoding"] == "bom"
    assert previous_cards([old], {"org/m"}) == {}
