"""Conformance of the replica hub: the real huggingface_hub client against it.

Every test drives the unmodified client (or a raw stdlib HTTP request, for faults the
client hides) against a replica on 127.0.0.1 serving small hand-made stores. A guard
refuses any connection that is not to the loopback interface.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import math
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["HF_HUB_DISABLE_IMPLICIT_TOKEN"] = "1"
os.environ.pop("HF_HUB_OFFLINE", None)
os.environ["NO_PROXY"] = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1"]))

from huggingface_hub import (
    HfApi,
    RepoCard,
    constants,
    get_hf_file_metadata,
    hf_hub_download,
    hf_hub_url,
)
from huggingface_hub.errors import (
    DisabledRepoError,
    EntryNotFoundError,
    GatedRepoError,
    LocalEntryNotFoundError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from phylohub.errors import PhylohubError
from phylohub.hub.cards import render_card
from phylohub.hub.replica import (
    Fault,
    Faults,
    RateLimits,
    RatePolicy,
    ReplicaConfig,
    RunningReplica,
    decode_cursor,
    encode_cursor,
    run_replica,
)
from phylohub.hub.replica.listing import Listing, listing_sql
from phylohub.hub.store import ModelRecord, Store, StoreWriter

N_REGULAR = 2500
GOOD_TOKEN = "hf_good"
UNICODE_TEXT = "---\nlicense: apache-2.0\nlanguage:\n- ja\n---\n# 日本語モデル ünïcödé 🤗\n"
HUGE_TEXT = "---\nlicense: mit\n---\n" + "".join(
    f"line {i} of a huge card\n" for i in range(150_000)
)
ODD_SIBLINGS = ["README.md", 'we"ird.txt', "back\\slash.bin", "ünï.json", "a,b.txt"]


# --------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to resolve or reach a host other than the loopback."""
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in (
            "127.0.0.1",
            "::1",
        ):
            raise AssertionError(f"test tried to reach {address!r}")
        real_connect(self, address)

    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "::1", "localhost", b"127.0.0.1"):
            raise AssertionError(f"test tried to resolve {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    # Configuration only: make sure the client sends no telemetry, whatever was imported first.
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)


def _card(text: str) -> dict[str, Any]:
    return {"kind": "literal", "text": text}


def _regular(i: int) -> ModelRecord:
    """Model i of the bulk: ties on every sort field, some keys without a value."""
    author = f"org{i % 13}"
    parent = f"org0/model-{i // 10:05d}"
    return ModelRecord(
        key=i,
        _id=f"{(i * 2654435761) % (1 << 96):024x}",
        id=f"{author}/model-{i:05d}",
        author=author,
        sha=f"{(i * 40503 + 7) % (1 << 160):040x}",
        created_at=(
            "2022-03-02T23:29:04.000Z" if i % 5 == 0 else f"2023-{1 + i % 12:02d}-01T00:00:00.000Z"
        ),
        last_modified=f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T00:00:00.000Z",
        downloads=(i * 7919) % 1000,
        downloads_all_time=i * 10,
        likes=i % 7,
        trending_score=(i * 31) % 11,
        pipeline_tag="text-generation" if i % 3 else None,
        library_name="transformers" if i % 2 else None,
        tags=["transformers", f"base_model:{parent}", f"base_model:finetune:{parent}", "en"]
        + (["license:mit"] if i % 4 == 0 else []),
        siblings=[".gitattributes", "README.md", "config.json"],
        card_data={"license": "mit", "base_model": parent} if i % 4 == 0 else None,
        base_models={"relation": "finetune", "models": [{"_id": "0" * 24, "id": parent}]},
        safetensors={"parameters": {"BF16": i}, "total": i} if i % 2 else None,
        config={"model_type": "llama"} if i % 2 else None,
        used_storage=i * 100,
        card=_card(f"---\nlicense: mit\n---\n# model {i}\n"),
    )


def _special(key: int, name: str, **kw: Any) -> ModelRecord:
    fields: dict[str, Any] = {
        "key": key,
        "_id": f"ffff{key:020x}",
        "id": f"acme/{name}",
        "author": "acme",
        "sha": f"{key:040x}",
        "created_at": "2024-06-01T00:00:00.000Z",
        "last_modified": "2024-06-02T00:00:00.000Z",
        "likes": 1000 + key,
        "siblings": [".gitattributes", "README.md"],
        "card": _card(f"---\nlicense: mit\n---\n# {name}\n"),
    }
    fields.update(kw)
    return ModelRecord(**fields)


SPECIALS = [
    _special(
        10_001,
        "gated-auto",
        gated="auto",
        card_data={"license": "llama3", "base_model": ["acme/private-parent", "org0/model-00000"]},
    ),
    _special(10_002, "gated-manual", gated="manual"),
    _special(10_003, "disabled", disabled=True),
    _special(10_004, "no-readme", siblings=[".gitattributes", "config.json"], card=None),
    _special(10_005, "private-parent", private=True),
    _special(
        10_006,
        "child-of-private",
        base_models={
            "relation": "adapter",
            "models": [{"_id": "f" * 24, "id": "acme/private-parent"}],
        },
        tags=["base_model:acme/private-parent", "base_model:adapter:acme/private-parent"],
    ),
    _special(10_007, "unicode-card", card=_card(UNICODE_TEXT)),
    _special(10_008, "huge-card", card=_card(HUGE_TEXT)),
    _special(10_009, "odd-siblings", siblings=ODD_SIBLINGS, tags=['we"ird', "ünï"]),
    _special(10_010, "empty-siblings", siblings=[], card=None),
    _special(10_011, "bad-recipe", card={"kind": "no-such-recipe"}),
]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("replica") / "hub.sqlite"
    with StoreWriter(path, meta={"seed": 0}) as writer:
        writer.add_rows(_regular(i).as_row() for i in range(N_REGULAR))
        writer.add_rows(r.as_row() for r in SPECIALS)
    return path


@pytest.fixture(scope="module")
def public_rows(store_path: Path) -> list[sqlite3.Row]:
    return list(Store(store_path).iter_rows("private = 0"))


@pytest.fixture(scope="module")
def hub(store_path: Path) -> Iterator[RunningReplica]:
    with run_replica(ReplicaConfig(store=store_path, tokens=frozenset({GOOD_TOKEN}))) as replica:
        yield replica


@pytest.fixture
def api(hub: RunningReplica) -> HfApi:
    return HfApi(endpoint=hub.endpoint, token=False)


def _get(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> Any:
    """A raw request with the standard library: (status, headers, body)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def _download(hub: RunningReplica, repo_id: str, tmp_path: Path, **kw: Any) -> bytes:
    path = hf_hub_download(
        repo_id,
        "README.md",
        endpoint=hub.endpoint,
        cache_dir=tmp_path / "cache",
        **{"token": False, **kw},
    )
    return Path(path).read_bytes()


# --------------------------------------------------------------------------------------
# The listing
# --------------------------------------------------------------------------------------


def test_full_listing_pages_through_every_public_model_exactly_once(
    hub: RunningReplica, api: HfApi, store_path: Path, public_rows: list[sqlite3.Row]
) -> None:
    hub.reset_stats()
    models = list(api.list_models(full=True))
    ids = [m.id for m in models]
    assert len(ids) == len(set(ids)) == Store(store_path).count_listed() == len(public_rows)
    assert set(ids) == {r["id"] for r in public_rows}
    assert "acme/private-parent" not in ids
    pages = math.ceil(len(public_rows) / 1000)
    assert hub.stats()["by_kind"]["listing"] == {"200": pages}

    by_id = {m.id: m for m in models}
    gated = by_id["acme/gated-manual"]
    assert gated.gated == "manual" and by_id["acme/gated-auto"].gated == "auto"
    plain = by_id["org1/model-00001"]
    assert plain.gated is False and plain.author == "org1" and plain.private is False
    assert [s.rfilename for s in plain.siblings or []] == [
        ".gitattributes",
        "README.md",
        "config.json",
    ]
    assert plain.sha == _regular(1).sha and plain.modelId == "org1/model-00001"
    assert [s.rfilename for s in by_id["acme/odd-siblings"].siblings or []] == ODD_SIBLINGS
    assert by_id["acme/empty-siblings"].siblings == []


def test_listing_entries_have_the_hub_shape_and_omit_missing_keys(hub: RunningReplica) -> None:
    status, headers, body = _get(f"{hub.endpoint}/api/models?limit=1000&full=true")
    assert status == 200 and headers["Content-Type"] == "application/json; charset=utf-8"
    entries = {e["id"]: e for e in json.loads(body)}
    assert len(entries) == 1000
    without = entries.get("org0/model-00000") or next(
        e for e in entries.values() if "pipeline_tag" not in e
    )
    default = {"_id", "id", "likes", "trendingScore", "private", "downloads", "tags", "createdAt"}
    full = {"modelId", "author", "gated", "lastModified", "sha", "siblings"}
    for entry in entries.values():
        assert default | full <= set(entry) <= default | full | {"pipeline_tag", "library_name"}
        assert entry["modelId"] == entry["id"] and entry["private"] is False
    assert "pipeline_tag" not in without and None not in without.values()


def test_card_data_listing_carries_the_front_matter_only_where_there_is_some(
    api: HfApi, public_rows: list[sqlite3.Row]
) -> None:
    got = {m.id: m.card_data for m in api.list_models(cardData=True)}
    for row in public_rows:
        expected = json.loads(row["card_data"]) if row["card_data"] else None
        card = got[row["id"]]
        assert (card.to_dict() if card is not None else None) == expected, row["id"]


def test_expand_returns_only_id_and_the_named_properties(
    hub: RunningReplica, api: HfApi, public_rows: list[sqlite3.Row]
) -> None:
    want = ["baseModels", "childrenModelCount", "safetensors", "downloadsAllTime", "usedStorage"]
    models = list(api.list_models(expand=[*want, "spaces", "inference"]))
    assert len(models) == len(public_rows)
    rows = {r["id"]: r for r in public_rows}
    for m in models:
        row = rows[m.id]
        assert m.base_models == (json.loads(row["base_models"]) if row["base_models"] else None)
        assert m.downloads_all_time == row["downloads_all_time"]
        assert m.used_storage == row["used_storage"] and m.spaces == []
        assert m.downloads is None and m.tags is None and m.inference is None
        assert (m.safetensors is None) == (row["safetensors"] is None)

    # Browsers spell it expand[]; the raw entry has exactly the asked keys.
    url = f"{hub.endpoint}/api/models?limit=50&expand%5B%5D=likes&expand%5B%5D=pipeline_tag"
    status, _, body = _get(url)
    assert status == 200
    for entry in json.loads(body):
        assert {"_id", "id", "likes"} <= set(entry) <= {"_id", "id", "likes", "pipeline_tag"}


SORTS = {
    "likes": "likes",
    "downloads": "downloads",
    "created_at": "created_at",
    "last_modified": "last_modified",
    "trending_score": "trending_score",
}


@pytest.mark.parametrize("sort", SORTS)
def test_listing_order_is_sort_field_descending_then_id_ascending(
    api: HfApi, public_rows: list[sqlite3.Row], sort: str
) -> None:
    col = SORTS[sort]
    desc = sorted(public_rows, key=lambda r: r["_id"])
    desc.sort(key=lambda r: r[col], reverse=True)  # stable: ties stay in _id order
    got = [m.id for m in api.list_models(sort=sort, expand=["likes"])]
    assert got == [r["id"] for r in desc]


def test_trending_score_is_the_default_order(
    hub: RunningReplica, api: HfApi, public_rows: list[sqlite3.Row]
) -> None:
    first = json.loads(_get(f"{hub.endpoint}/api/models?limit=5")[2])
    top = sorted(public_rows, key=lambda r: (-r["trending_score"], r["_id"]))[:5]
    assert [e["id"] for e in first] == [r["id"] for r in top]


def test_limit_is_capped_and_the_last_page_has_no_link(hub: RunningReplica) -> None:
    status, headers, body = _get(f"{hub.endpoint}/api/models?limit=5000&expand=likes")
    assert status == 200 and len(json.loads(body)) == 1000
    link = headers["Link"]
    assert link.startswith(f"<{hub.endpoint}/api/models?limit=5000&expand=likes&cursor=")
    assert link.endswith('>; rel="next"')
    pages = 1
    while "Link" in headers:
        url = headers["Link"][1:].split(">;", 1)[0]
        status, headers, body = _get(url)
        assert status == 200 and json.loads(body)
        pages += 1
    assert pages == 3


def test_cursor_is_base64_of_the_hub_keyset(hub: RunningReplica) -> None:
    cursor = encode_cursor("likes", 294, "621ffdc136468d709f17e5d6")
    assert decode_cursor(cursor, "likes") == (294, "621ffdc136468d709f17e5d6")
    _, headers, _ = _get(f"{hub.endpoint}/api/models?limit=2&sort=likes")
    raw = headers["Link"].split("cursor=", 1)[1].split(">", 1)[0]
    keyset = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    assert set(keyset) == {"$or"} and keyset["$or"][1]["likes"].keys() == {"$lt"}
    for bad in (
        "not-a-cursor",
        encode_cursor("likes", "x", "0"),
        encode_cursor("downloads", 1, "0"),
    ):
        status, _, body = _get(f"{hub.endpoint}/api/models?sort=likes&cursor={bad}")
        assert status == 400 and "cursor" in json.loads(body)["error"]


def test_filters_search_author_and_pipeline_tag(api: HfApi, public_rows: list[sqlite3.Row]) -> None:
    def expect(pred: Any) -> set[str]:
        return {r["id"] for r in public_rows if pred(r)}

    tag = "base_model:finetune:org0/model-00003"
    assert {m.id for m in api.list_models(filter=tag)} == expect(lambda r: tag in r["tags"])
    both = ["license:mit", "base_model:org0/model-00004"]
    assert {m.id for m in api.list_models(filter=both)} == expect(
        lambda r: all(t in json.loads(r["tags"]) for t in both)
    )
    assert {m.id for m in api.list_models(filter='we"ird')} == {"acme/odd-siblings"}
    assert {m.id for m in api.list_models(filter="ünï")} == {"acme/odd-siblings"}
    assert {m.id for m in api.list_models(author="org3")} == expect(lambda r: r["author"] == "org3")
    assert {m.id for m in api.list_models(search="MODEL-0001")} == expect(
        lambda r: "model-0001" in r["id"]
    )
    assert {m.id for m in api.list_models(pipeline_tag="text-generation", author="org5")} == expect(
        lambda r: r["pipeline_tag"] == "text-generation" and r["author"] == "org5"
    )
    assert list(api.list_models(filter="no-such-tag")) == []


def test_bad_listing_parameters_answer_400(hub: RunningReplica) -> None:
    for query in ("sort=id", "direction=1", "limit=many", "expand=nope", "expand=likes&full=true"):
        status, headers, body = _get(f"{hub.endpoint}/api/models?{query}")
        assert status == 400, query
        assert headers["Content-Type"] == "application/json; charset=utf-8"
        assert json.loads(body)["error"]


def test_page_queries_are_searches_of_the_sort_index(store_path: Path) -> None:
    conn = sqlite3.connect(store_path)
    for sort, col in [("likes", "likes"), ("createdAt", "created_at")]:
        q = Listing(sort, ("likes",), 1000, None, None, None, (), None)
        first, ties, below, _ = listing_sql(q)
        for sql, args in ((first, (1,)), (ties, (1, "a", 1)), (below, (1, 1))):
            plan = " ".join(str(r[-1]) for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", args))
            assert f"SEARCH models USING INDEX idx_{col}" in plan and "TEMP B-TREE" not in plan


# --------------------------------------------------------------------------------------
# Model info
# --------------------------------------------------------------------------------------


def test_model_info_is_the_full_entry(api: HfApi) -> None:
    info = api.model_info("acme/gated-auto")
    assert info.gated == "auto" and info.disabled is False and info.spaces == []
    assert info.card_data is not None and info.card_data["license"] == "llama3"
    assert [s.rfilename for s in info.siblings or []] == [".gitattributes", "README.md"]
    regular = api.model_info("org1/model-00001")
    assert regular.config == {"model_type": "llama"} and regular.used_storage == 100
    assert regular.safetensors is not None and regular.safetensors.total == 1
    assert regular.pipeline_tag == "text-generation" and regular.library_name == "transformers"
    assert api.model_info("org0/model-00000").pipeline_tag is None
    assert api.model_info("acme/disabled").disabled is True
    by_sha = api.model_info("acme/gated-auto", revision=f"{10_001:040x}")
    assert by_sha.id == "acme/gated-auto"
    expanded = api.model_info("acme/child-of-private", expand=["baseModels"])
    assert expanded.base_models == {
        "relation": "adapter",
        "models": [{"_id": "f" * 24, "id": "acme/private-parent"}],
    }
    assert expanded.sha is None


def test_model_info_of_missing_or_private_repos_is_repository_not_found(api: HfApi) -> None:
    for repo_id in ("acme/nope", "acme/private-parent", "single-segment"):
        with pytest.raises(RepositoryNotFoundError) as err:
            api.model_info(repo_id)
        assert not isinstance(err.value, GatedRepoError)
        assert err.value.response.status_code == 401
    with pytest.raises(RevisionNotFoundError):
        api.model_info("acme/gated-auto", revision="v9")


# --------------------------------------------------------------------------------------
# Cards
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("repo_id", "text"),
    [("acme/unicode-card", UNICODE_TEXT), ("acme/huge-card", HUGE_TEXT)],
)
def test_readme_download_returns_the_rendered_card_bytes(
    hub: RunningReplica, tmp_path: Path, repo_id: str, text: str
) -> None:
    hub.reset_stats()
    assert _download(hub, repo_id, tmp_path) == render_card(_card(text)).encode("utf-8")
    kinds = hub.stats()["by_kind"]
    assert kinds["resolve_head"] == {"307": 1}
    assert kinds["resolve_cache_head"] == {"200": 1} and kinds["resolve_cache_get"] == {"200": 1}


def test_readme_headers_carry_commit_etag_and_length(hub: RunningReplica) -> None:
    url = f"{hub.endpoint}/acme/unicode-card/resolve/main/README.md"
    status, headers, _ = _get(url, "HEAD")
    assert status == 307 and headers["Location"].startswith("/api/resolve-cache/models/acme/")
    body = UNICODE_TEXT.encode()
    status, headers, got = _get(hub.endpoint + headers["Location"])
    assert status == 200 and got == body
    blob = hashlib.sha1(b"blob %d\0" % len(body) + body).hexdigest()
    assert headers["ETag"] == f'"{blob}"' and headers["Content-Length"] == str(len(body))
    assert headers["X-Repo-Commit"] == f"{10_007:040x}"
    assert headers["Content-Type"].startswith("text/plain")
    meta = get_hf_file_metadata(hf_hub_url("acme/unicode-card", "README.md", endpoint=hub.endpoint))
    assert (meta.etag, meta.size, meta.commit_hash) == (blob, len(body), f"{10_007:040x}")


def test_readme_by_commit_sha_and_unknown_revision(hub: RunningReplica, tmp_path: Path) -> None:
    sha = f"{10_007:040x}"
    assert _download(hub, "acme/unicode-card", tmp_path, revision=sha) == UNICODE_TEXT.encode()
    with pytest.raises(RevisionNotFoundError):
        _download(hub, "acme/unicode-card", tmp_path, revision="v2")


#: README files that are not plain UTF-8, as literal recipes, and the bytes served for each.
BYTE_CARDS: dict[str, tuple[dict[str, Any], bytes]] = {
    "acme/bom-card": (
        {**_card("---\nlicense: mit\n---\n# BOM\n"), "encoding": "utf-8-sig"},
        b"\xef\xbb\xbf---\nlicense: mit\n---\n# BOM\n",
    ),
    "acme/cp1252-card": (
        {**_card("# Mod\u00e8le \u2014 caf\u00e9 \U0001f917\n"), "encoding": "cp1252"},
        b"# Mod\xe8le \x97 caf\xe9 ?\n",
    ),
    # raw bytes in a literal text, as surrogate escapes (Python's surrogateescape)
    "acme/raw-bytes-card": (
        _card(b"# \xff\xfe half \xe2\x82\n".decode("utf-8", "surrogateescape")),
        b"# \xff\xfe half \xe2\x82\n",
    ),
}


def test_cards_that_are_not_utf8_are_served_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "hub.sqlite"
    with StoreWriter(path, meta={"seed": 0}) as writer:
        writer.add_rows(
            _special(10_100 + k, repo_id.split("/")[1], card=recipe).as_row()
            for k, (repo_id, (recipe, _)) in enumerate(BYTE_CARDS.items())
        )
    with run_replica(ReplicaConfig(store=path)) as hub:
        for repo_id, (_, body) in BYTE_CARDS.items():
            assert _download(hub, repo_id, tmp_path) == body, repo_id
            meta = get_hf_file_metadata(hf_hub_url(repo_id, "README.md", endpoint=hub.endpoint))
            blob = hashlib.sha1(b"blob %d\0" % len(body) + body).hexdigest()
            assert (meta.etag, meta.size) == (blob, len(body))
        assert set(hub.stats()["by_kind"]["resolve_cache_get"]) == {"200"}
        # huggingface_hub reads a README with utf-8-sig: the BOM hides no front matter
        bom = _download(hub, "acme/bom-card", tmp_path)
    (tmp_path / "README.md").write_bytes(bom)
    card = RepoCard.load(tmp_path / "README.md")
    assert card.data.license == "mit" and card.text == "# BOM\n"


def test_modelcard_load_through_hf_endpoint(hub: RunningReplica, tmp_path: Path) -> None:
    """ModelCard.load has no endpoint argument: run it where HF_ENDPOINT names the replica."""
    code = (
        "from huggingface_hub import ModelCard\n"
        "card = ModelCard.load('acme/unicode-card')\n"
        "print(card.data.license, card.data.language)\n"
    )
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("HF_") and "PROXY" not in k.upper()
    }
    env.update(
        HF_ENDPOINT=hub.endpoint,
        HF_HOME=str(tmp_path / "hf"),
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_DISABLE_IMPLICIT_TOKEN="1",
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "apache-2.0 ['ja']"


def test_missing_and_private_repos_raise_repository_not_found(
    hub: RunningReplica, tmp_path: Path
) -> None:
    for repo_id in ("acme/nope", "acme/private-parent"):
        with pytest.raises(RepositoryNotFoundError) as err:
            _download(hub, repo_id, tmp_path)
        assert not isinstance(err.value, GatedRepoError)


def test_gated_repos_need_an_accepted_token(hub: RunningReplica, tmp_path: Path) -> None:
    with pytest.raises(GatedRepoError) as anonymous:
        _download(hub, "acme/gated-manual", tmp_path)
    assert anonymous.value.response.status_code == 401
    with pytest.raises(GatedRepoError) as wrong:
        _download(hub, "acme/gated-manual", tmp_path, token="hf_wrong")
    assert wrong.value.response.status_code == 403
    got = _download(hub, "acme/gated-manual", tmp_path, token=GOOD_TOKEN)
    assert got == b"---\nlicense: mit\n---\n# gated-manual\n"


def test_repos_without_readme_raise_entry_not_found(hub: RunningReplica, tmp_path: Path) -> None:
    for repo_id in ("acme/no-readme", "acme/empty-siblings"):
        with pytest.raises(RemoteEntryNotFoundError) as err:
            _download(hub, repo_id, tmp_path)
        assert isinstance(err.value, EntryNotFoundError)
        assert err.value.response.headers["X-Error-Code"] == "EntryNotFound"
    status, _, _ = _get(f"{hub.endpoint}/org1/model-00001/resolve/main/config.json", "HEAD")
    assert status == 404


def test_disabled_repos_raise_disabled_repo_error(hub: RunningReplica, tmp_path: Path) -> None:
    url = hf_hub_url("acme/disabled", "README.md", endpoint=hub.endpoint)
    with pytest.raises(DisabledRepoError):
        get_hf_file_metadata(url)
    # hf_hub_download turns a failed first HEAD into "not in the local cache", from the cause.
    with pytest.raises(LocalEntryNotFoundError) as err:
        _download(hub, "acme/disabled", tmp_path)
    assert isinstance(err.value.__cause__, DisabledRepoError)


def test_the_cdn_stand_in_serves_gated_cards_to_the_client_without_its_token(
    store_path: Path, tmp_path: Path
) -> None:
    """The Hub sends LFS files to a CDN host with a 302: huggingface_hub follows it without
    the token, and the signed URL is enough."""
    config = ReplicaConfig(store=store_path, tokens=frozenset({GOOD_TOKEN}), cdn_share=1.0)
    with run_replica(config) as cdn_hub:
        got = _download(cdn_hub, "acme/gated-manual", tmp_path, token=GOOD_TOKEN)
        stats = cdn_hub.stats()
        gated = f"{cdn_hub.endpoint}/acme/gated-manual/resolve/main/README.md"
        assert _get(gated)[0] == 401  # no token, no signed URL
        url = f"{cdn_hub.endpoint}/acme/unicode-card/resolve/main/README.md"
        status, headers, _ = _get(url, "HEAD")
        location = headers["Location"]
        assert status == 302 and headers["X-Linked-Size"] == str(len(UNICODE_TEXT.encode()))
        assert location.startswith(f"{cdn_hub.cdn_endpoint}/repos/acme%2Funicode-card/")
        assert _get(location)[2] == UNICODE_TEXT.encode()
        assert _get(location.replace("Signature=", "Signature=0"))[0] == 403
    assert got == b"---\nlicense: mit\n---\n# gated-manual\n"
    assert stats["by_kind"]["resolve_head"] == {"302": 1} and stats["by_kind"]["cdn_get"] == {
        "200": 1
    }
    assert stats["cdn_with_authorization"] == 0


def test_a_legacy_id_without_namespace_is_served_where_it_is_redirected(tmp_path: Path) -> None:
    store = tmp_path / "legacy.sqlite"
    legacy = _special(1, "x", id="legacy-model", author="legacy-model")
    with StoreWriter(store, meta={"seed": 0}) as writer:
        writer.add_rows([legacy.as_row()])
    with run_replica(ReplicaConfig(store=store)) as replica:
        assert _download(replica, "legacy-model", tmp_path) == b"---\nlicense: mit\n---\n# x\n"
        kinds = replica.stats()["by_kind"]
    assert kinds["resolve_head"] == {"307": 1} and kinds["resolve_cache_get"] == {"200": 1}


# --------------------------------------------------------------------------------------
# Headers, small endpoints, counters
# --------------------------------------------------------------------------------------


def test_every_answer_has_rate_limit_and_request_id_headers(hub: RunningReplica) -> None:
    paths = [
        ("/api/models?limit=1", 200, "api"),
        ("/api/models/acme/gated-auto", 200, "api"),
        ("/api/models/acme/nope", 401, "api"),
        ("/api/agent-harnesses", 200, "api"),
        ("/api/spaces", 404, "api"),
        ("/acme/unicode-card/resolve/main/README.md", 307, "resolvers"),
        ("/acme/no-readme/resolve/main/README.md", 404, "resolvers"),
    ]
    ids = set()
    for path, status, bucket in paths:
        got, headers, body = _get(hub.endpoint + path)
        assert got == status, path
        assert headers["RateLimit"].startswith(f'"{bucket}";r=')
        assert headers["RateLimit-Policy"].startswith(f'"fixed window";"{bucket}";q=')
        ids.add(headers["X-Request-Id"])
        if status != 307:
            assert headers["Content-Type"] == "application/json; charset=utf-8"
            assert isinstance(json.loads(body), list | dict)
    assert len(ids) == len(paths)
    _, headers, body = _get(hub.endpoint + "/api/models/acme/nope")
    assert headers["X-Error-Code"] == "RepoNotFound"
    assert json.loads(body) == {"error": "Repository Not Found"}


def test_a_failing_card_recipe_is_a_json_500_not_a_dead_connection(hub: RunningReplica) -> None:
    url = f"{hub.endpoint}/api/resolve-cache/models/acme/bad-recipe/{10_011:040x}/README.md"
    status, headers, body = _get(url)
    assert status == 500 and "ValueError" in json.loads(body)["error"]
    assert headers["Content-Type"] == "application/json; charset=utf-8"


def test_hostile_revision_text_cannot_break_the_headers(hub: RunningReplica) -> None:
    status, headers, _ = _get(f"{hub.endpoint}/api/models/acme/gated-auto/revision/%C3%BC%0D%0AX:1")
    assert status == 404 and headers["X-Error-Code"] == "RevisionNotFound"
    message = headers["X-Error-Message"]
    assert message.isascii() and "\n" not in message and headers.get("X") is None


def test_agent_harnesses_is_an_empty_registry(hub: RunningReplica) -> None:
    assert json.loads(_get(hub.endpoint + "/api/agent-harnesses")[2]) == {
        "standardEnvVars": [],
        "harnesses": {},
    }


def test_stats_endpoint_counts_and_resets(hub: RunningReplica) -> None:
    _get(hub.endpoint + "/_replica/reset-stats", "POST")
    _get(hub.endpoint + "/api/models?limit=1")
    _get(hub.endpoint + "/api/models/acme/nope")
    stats = json.loads(_get(hub.endpoint + "/_replica/stats")[2])
    assert stats["requests"] == 2
    assert stats["by_kind"] == {"listing": {"200": 1}, "info": {"401": 1}}
    assert _get(hub.endpoint + "/_replica/reset-stats", "POST")[0] == 200
    assert hub.stats()["requests"] == 0


def test_the_guard_refuses_the_real_hub() -> None:
    with pytest.raises(AssertionError, match=r"huggingface\.co"):
        HfApi(token=False).model_info("openai-community/gpt2")


def test_a_busy_port_is_a_one_line_error(hub: RunningReplica, store_path: Path) -> None:
    with (
        pytest.raises(PhylohubError, match="cannot listen"),
        run_replica(ReplicaConfig(store=store_path, port=hub.port)),
    ):
        pass


# --------------------------------------------------------------------------------------
# Rate limits and faults
# --------------------------------------------------------------------------------------


def test_client_waits_out_a_429_and_completes_the_listing(
    store_path: Path, public_rows: list[sqlite3.Row]
) -> None:
    limits = RateLimits(api=RatePolicy(quota=2, window_s=1.0))
    with run_replica(ReplicaConfig(store=store_path, rate_limits=limits)) as replica:
        started = time.monotonic()
        ids = [m.id for m in HfApi(endpoint=replica.endpoint, token=False).list_models()]
        assert time.monotonic() - started < 10
        assert sorted(ids) == sorted(r["id"] for r in public_rows)
        stats = replica.stats()
        assert stats["rate_limited"]["api"] >= 1
        assert stats["by_kind"]["listing"]["429"] >= 1 and stats["by_kind"]["listing"]["200"] == 3


def test_a_429_carries_r0_and_retry_after_and_buckets_are_separate(store_path: Path) -> None:
    limits = RateLimits(api=RatePolicy(1, 60.0), resolvers=RatePolicy(1, 60.0))
    with run_replica(ReplicaConfig(store=store_path, rate_limits=limits)) as replica:
        assert _get(replica.endpoint + "/api/models?limit=1")[0] == 200
        status, headers, body = _get(replica.endpoint + "/api/models?limit=1")
        assert status == 429 and json.loads(body)["error"]
        assert headers["RateLimit"] == '"api";r=0;t=60' and headers["Retry-After"] == "60"
        assert headers["RateLimit-Policy"] == '"fixed window";"api";q=1;w=60'
        # The resolvers bucket is untouched by API requests.
        url = replica.endpoint + "/acme/unicode-card/resolve/main/README.md"
        assert _get(url, "HEAD")[0] == 307
        assert _get(url, "HEAD")[0] == 429
        assert replica.stats()["rate_limited"] == {"api": 1, "resolvers": 1, "arxiv": 0}


def test_a_500_on_a_page_is_retried_by_the_client(
    store_path: Path, public_rows: list[sqlite3.Row]
) -> None:
    faults = Faults(
        error=Fault(1.0, frozenset({"listing"}), skip=1, max_count=1), error_statuses=(500,)
    )
    with run_replica(ReplicaConfig(store=store_path, faults=faults)) as replica:
        ids = [m.id for m in HfApi(endpoint=replica.endpoint, token=False).list_models()]
        assert sorted(ids) == sorted(r["id"] for r in public_rows)
        stats = replica.stats()
        assert stats["faults"]["error"] == 1
        assert stats["by_kind"]["listing"] == {"200": 3, "500": 1}


def test_a_dropped_connection_is_a_disconnect_without_answer(store_path: Path) -> None:
    faults = Faults(drop=Fault(1.0, frozenset({"info"}), max_count=1))
    with run_replica(ReplicaConfig(store=store_path, faults=faults)) as replica:
        with pytest.raises(http.client.RemoteDisconnected):
            _get(replica.endpoint + "/api/models/acme/gated-auto")
        assert _get(replica.endpoint + "/api/models/acme/gated-auto")[0] == 200
        assert _get(replica.endpoint + "/api/models?limit=1")[0] == 200
        stats = replica.stats()
        assert stats["faults"]["drop"] == 1 and stats["by_kind"]["info"]["dropped"] == 1


def test_a_truncated_body_is_an_incomplete_read(store_path: Path) -> None:
    faults = Faults(truncate=Fault(1.0, frozenset({"listing"}), max_count=1))
    with run_replica(ReplicaConfig(store=store_path, faults=faults)) as replica:
        with pytest.raises(http.client.IncompleteRead) as err:
            _get(replica.endpoint + "/api/models?limit=100")
        assert err.value.expected > 0 and len(err.value.partial) > 0
        assert replica.stats()["faults"]["truncate"] == 1


def test_client_retries_a_truncated_readme_download(store_path: Path, tmp_path: Path) -> None:
    faults = Faults(truncate=Fault(1.0, frozenset({"resolve"}), max_count=1))
    with run_replica(ReplicaConfig(store=store_path, faults=faults)) as replica:
        assert _download(replica, "acme/huge-card", tmp_path) == HUGE_TEXT.encode()
        stats = replica.stats()
        assert stats["faults"]["truncate"] == 1
        # The client resumes with a Range request when it kept part of the body (it reads
        # in 10 MB chunks, so for a card it usually starts over).
        assert sum(stats["by_kind"]["resolve_cache_get"].values()) == 2


def test_readme_answers_single_byte_ranges(hub: RunningReplica) -> None:
    _, headers, _ = _get(f"{hub.endpoint}/acme/unicode-card/resolve/main/README.md", "HEAD")
    url = hub.endpoint + headers["Location"]
    body = UNICODE_TEXT.encode()
    status, headers, got = _get(url, headers={"Range": "bytes=10-"})
    assert status == 206 and got == body[10:]
    assert headers["Content-Range"] == f"bytes 10-{len(body) - 1}/{len(body)}"
    assert _get(url, headers={"Range": "bytes=-4"})[2] == body[-4:]
    assert _get(url, headers={"Range": f"bytes={len(body)}-"})[0] == 416


def test_a_slow_answer_is_late_but_complete(store_path: Path) -> None:
    faults = Faults(slow=Fault(1.0, max_count=1), slow_s=0.3)
    with run_replica(ReplicaConfig(store=store_path, faults=faults)) as replica:
        started = time.monotonic()
        assert _get(replica.endpoint + "/api/models?limit=1")[0] == 200
        assert time.monotonic() - started >= 0.3
        assert replica.stats()["faults"]["slow"] == 1


def test_fault_draws_are_deterministic_for_a_seed(store_path: Path) -> None:
    def outcomes(seed: int) -> list[int]:
        faults = Faults(error=Fault(0.5), seed=seed)
        with run_replica(ReplicaConfig(store=store_path, faults=faults)) as replica:
            return [_get(replica.endpoint + "/api/models?limit=1")[0] for _ in range(30)]

    first = outcomes(3)
    assert first == outcomes(3) and {200} < set(first)
