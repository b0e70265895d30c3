"""Redirects in the card crawl: the token stays on the Hub's origin, targets are followed
as written, and a legacy id without namespace gets its card."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from aiohttp import web

from phylohub.crawl.cards import CardFetcher, CardJob, fetch_shard
from phylohub.crawl.listing import crawl_listing
from phylohub.crawl.ratelimit import RateBudget
from phylohub.crawl.schema import served_bytes
from phylohub.hub.cards import card_bytes
from phylohub.hub.replica import ReplicaConfig, run_replica
from phylohub.hub.store import ModelRecord, Store, StoreWriter
from phylohub.hub.synth import SynthConfig, generate

TOKEN = "hf_secret_cdn_test_token"


@pytest.fixture(scope="module")
def eco(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("eco")
    generate(SynthConfig(n_models=1500, seed=21), out)
    return out / "hub.sqlite"


def crawl_one_shard(endpoint: str, folder: Path, **job: object) -> list[dict]:
    crawl_listing(endpoint, folder / "listing", page_size=500)
    parts = sorted((folder / "listing").glob("part-*.parquet"))
    spec = CardJob(endpoint=endpoint, shard=0, n_shards=1, concurrency=4, **job)  # type: ignore[arg-type]
    fetch_shard(spec, parts, folder / "0.parquet", RateBudget(None))
    return pq.read_table(folder / "0.parquet").to_pylist()


def test_the_token_never_reaches_the_cdn_and_the_cards_behind_it_arrive(
    eco: Path, tmp_path: Path
) -> None:
    config = ReplicaConfig(store=eco, tokens=frozenset({TOKEN}), cdn_share=0.5)
    with run_replica(config) as hub:
        rows = crawl_one_shard(hub.endpoint, tmp_path, token=TOKEN)
        stats = hub.stats()
    kinds = stats["by_kind"]
    assert sum(kinds["cdn_get"].values()) == kinds["resolve_get"]["302"] > 0  # a CDN share
    assert kinds["resolve_get"]["307"] > 0  # and the rest through the Hub's resolve-cache
    assert stats["cdn_with_authorization"] == 0
    listed = {r["id"]: r for r in Store(eco).iter_rows("private = 0")}
    assert sorted(r["id"] for r in rows) == sorted(listed)
    with_card = [r for r in rows if listed[r["id"]]["card"] is not None]
    gated = [r for r in with_card if listed[r["id"]]["gated"] and not listed[r["id"]]["disabled"]]
    assert gated and all(r["status"] == "ok" for r in gated)  # the token did reach the Hub
    for row in with_card:
        if row["status"] == "ok":
            model = listed[row["id"]]
            front = json.loads(model["card_data"]) if model["card_data"] else None
            assert served_bytes(row["text"], row["raw"]) == card_bytes(
                json.loads(model["card"]), front
            )


def test_a_redirect_target_is_followed_as_written(tmp_path: Path) -> None:
    """A server that takes paths as opaque keys (as an object store or a signed CDN URL
    does) redirects to a path with ``..``: the crawler asks for exactly that path."""
    target = "/api/resolve-cache/models/acme/m/" + "a" * 40 + "/x/../README.md?etag=1"
    seen: list[str] = []

    async def handle(request: web.BaseRequest) -> web.Response:
        seen.append(request.raw_path)
        if request.raw_path == "/acme/m/resolve/" + "a" * 40 + "/README.md":
            return web.Response(status=307, headers={"Location": target})
        if request.raw_path == target:
            return web.Response(body=b"# the card\n")
        return web.Response(status=404, headers={"X-Error-Code": "EntryNotFound"})

    async def main() -> dict[str, object]:
        runner = web.ServerRunner(web.Server(handle))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        job = CardJob(endpoint=f"http://127.0.0.1:{port}", shard=0, n_shards=1, max_attempts=1)
        try:
            async with CardFetcher.open_session(job) as session:
                return await CardFetcher(job, RateBudget(None), session).fetch("acme/m", "a" * 40)
        finally:
            await runner.cleanup()

    row = asyncio.run(main())
    assert seen[-1] == target
    assert row["status"] == "ok" and row["text"] == "# the card\n" and row["requests"] == 2


def _legacy_store(path: Path) -> Path:
    """One model with a legacy id without namespace, as ``gpt2`` was on the Hub."""
    record = ModelRecord(
        key=1,
        _id="a" * 24,
        id="legacy-model",
        author="legacy-model",
        sha="b" * 40,
        created_at="2020-01-01T00:00:00.000Z",
        last_modified="2020-01-02T00:00:00.000Z",
        siblings=[".gitattributes", "README.md"],
        card={"kind": "literal", "text": "---\nlicense: mit\n---\n# a legacy model\n"},
    )
    with StoreWriter(path, meta={"seed": 0}) as writer:
        writer.add_rows([record.as_row()])
    return path


def test_a_legacy_id_without_namespace_gets_its_card(tmp_path: Path) -> None:
    store = _legacy_store(tmp_path / "hub.sqlite")
    with run_replica(ReplicaConfig(store=store)) as hub:
        rows = crawl_one_shard(hub.endpoint, tmp_path)
        kinds = hub.stats()["by_kind"]
    assert [(r["id"], r["status"]) for r in rows] == [("legacy-model", "ok")]
    assert rows[0]["text"] == "---\nlicense: mit\n---\n# a legacy model\n"
    assert kinds["resolve_get"] == {"307": 1} and kinds["resolve_cache_get"] == {"200": 1}
