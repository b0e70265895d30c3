"""The replica's arXiv API: papers planted by the generator, served as export.arxiv.org does.

Every request goes over HTTP to a replica on 127.0.0.1; answers are read with the
standard library's XML parser, namespaces and all, as any Atom client would.
"""

from __future__ import annotations

import json
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from phylohub.crawl.arxiv_ids import well_formed
from phylohub.hub.replica import RateLimits, RatePolicy, ReplicaConfig, run_replica
from phylohub.hub.store import ModelRecord, StoreWriter
from phylohub.hub.synth import SynthConfig, generate
from phylohub.hub.vocab import ARXIV_PAPERS, TEMPLATE_ARXIV

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
    "arxiv": "http://arxiv.org/schemas/atom",
}


@pytest.fixture(scope="module")
def eco(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("arxiv-eco")
    generate(SynthConfig(n_models=2000, seed=11, arxiv_pool=40), out)
    return out


@pytest.fixture(scope="module")
def papers(eco: Path) -> dict[str, dict[str, Any]]:
    conn = sqlite3.connect(eco / "hub.sqlite")
    conn.row_factory = sqlite3.Row
    return {r["id"]: dict(r) for r in conn.execute("SELECT * FROM arxiv_papers")}


@pytest.fixture(scope="module")
def endpoint(eco: Path) -> Iterator[str]:
    with run_replica(ReplicaConfig(store=eco / "hub.sqlite")) as hub:
        yield hub.endpoint


def query(endpoint: str, **params: str) -> tuple[int, ET.Element]:
    r = httpx2.get(endpoint + "/api/query", params=params)
    assert r.headers["content-type"].startswith("application/atom+xml")
    return r.status_code, ET.fromstring(r.content)


def entries(feed: ET.Element) -> list[dict[str, Any]]:
    out = []
    for e in feed.findall("atom:entry", NS):
        primary = e.find("arxiv:primary_category", NS)
        out.append(
            {
                "id": e.findtext("atom:id", namespaces=NS),
                "title": e.findtext("atom:title", namespaces=NS),
                "published": e.findtext("atom:published", namespaces=NS),
                "primary": primary.get("term") if primary is not None else None,
                "categories": [c.get("term") for c in e.findall("atom:category", NS)],
            }
        )
    return out


def total(feed: ET.Element) -> int:
    return int(feed.findtext("opensearch:totalResults", namespaces=NS) or -1)


def test_generator_plants_real_and_drawn_papers(eco: Path, papers: dict) -> None:
    truth = json.loads((eco / "truth.json").read_text())["arxiv"]
    assert [p["id"] for p in truth["papers"]] == list(papers)
    assert len(papers) == len(ARXIV_PAPERS) + 40
    for aid, (title, day, primary, cats) in ARXIV_PAPERS.items():
        row = papers[aid]
        assert (row["title"], row["primary_category"]) == (title, primary)
        assert json.loads(row["categories"]) == list(cats) and row["published"].startswith(day)
    assert papers[TEMPLATE_ARXIV]["primary_category"] == "cs.CY"
    for row in papers.values():
        cats = json.loads(row["categories"])
        assert well_formed(row["id"]) and cats[0] == row["primary_category"]
        assert len(set(cats)) == len(cats) and row["version"] >= 1
    drawn = {p["primary_category"] for p in truth["papers"][len(ARXIV_PAPERS) :]}
    assert len(drawn) >= 3  # primaries are drawn from a mix, not one category
    assert truth["cited_unknown"] == []


def test_papers_leave_every_other_draw_as_it_was(tmp_path: Path) -> None:
    """A pool of papers changes only the tags of the models citing them."""
    generate(SynthConfig(n_models=1500, seed=4), tmp_path / "none")
    truth = generate(SynthConfig(n_models=1500, seed=4, arxiv_pool=25), tmp_path / "pool")
    pool = {p["id"] for p in truth["arxiv"]["papers"][len(ARXIV_PAPERS) :]}
    a = sqlite3.connect(tmp_path / "none" / "hub.sqlite").execute("SELECT * FROM models")
    b = sqlite3.connect(tmp_path / "pool" / "hub.sqlite").execute("SELECT * FROM models")
    names = [d[0] for d in a.description]
    tags_at = names.index("tags")
    changed = 0
    for row_a, row_b in zip(a.fetchall(), b.fetchall(), strict=True):
        assert row_a[:tags_at] + row_a[tags_at + 1 :] == row_b[:tags_at] + row_b[tags_at + 1 :]
        ta, tb = json.loads(row_a[tags_at]), json.loads(row_b[tags_at])
        if ta != tb:
            changed += 1
            extra = [t for t in tb if t not in ta]
            assert len(extra) == 1 and extra[0].removeprefix("arxiv:") in pool
            assert [t for t in tb if t in ta] == ta
    assert changed > 0


def test_entries_carry_the_planted_metadata_in_id_list_order(endpoint: str, papers: dict) -> None:
    ids = list(papers)[::-1][:25]
    status, feed = query(endpoint, id_list=",".join(ids), max_results="25")
    assert status == 200 and total(feed) == 25
    got = entries(feed)
    assert [e["id"] for e in got] == [
        f"http://arxiv.org/abs/{i}v{papers[i]['version']}" for i in ids
    ]
    for e, aid in zip(got, ids, strict=True):
        row = papers[aid]
        assert e["primary"] == row["primary_category"]
        assert e["categories"] == json.loads(row["categories"])
        assert (e["title"], e["published"]) == (row["title"], row["published"])


def test_max_results_defaults_to_ten_and_start_pages(endpoint: str, papers: dict) -> None:
    ids = ",".join(list(papers)[:14])
    _, first = query(endpoint, id_list=ids)
    _, rest = query(endpoint, id_list=ids, start="10")
    assert total(first) == total(rest) == 14
    assert len(entries(first)) == 10 and len(entries(rest)) == 4
    assert [e["id"] for e in entries(first) + entries(rest)] == [
        f"http://arxiv.org/abs/{i}v{papers[i]['version']}" for i in list(papers)[:14]
    ]


def test_unknown_ids_are_left_out_and_versions_are_honoured(endpoint: str, papers: dict) -> None:
    latest = papers["2106.09685"]["version"]
    ids = ["2401.99999", "2106.09685v1", f"2106.09685v{latest + 1}", "hep-th/9901001"]
    status, feed = query(endpoint, id_list=",".join(ids), max_results="10")
    assert status == 200 and total(feed) == 1
    assert [e["id"] for e in entries(feed)] == ["http://arxiv.org/abs/2106.09685v1"]


@pytest.mark.parametrize(
    ("params", "anchor", "summary"),
    [
        (
            {"id_list": "1910.09700,1234.1234"},
            "incorrect_id_format_for_1234.1234",
            "incorrect id format for 1234.1234",
        ),
        (
            {"id_list": "cond\u2014mat/0709123"},
            "incorrect_id_format_for_cond\u2014mat/0709123",
            "incorrect id format for cond\u2014mat/0709123",
        ),
        (
            {"id_list": "1910.09700", "max_results": "x"},
            "max_results_must_be_an_integer",
            "max_results must be an integer",
        ),
        (
            {"id_list": "1910.09700", "start": "-1"},
            "start_must_be_non-negative",
            "start must be >= 0",
        ),
    ],
)
def test_bad_queries_answer_the_manuals_error_feed(
    endpoint: str, params: dict[str, str], anchor: str, summary: str
) -> None:
    status, feed = query(endpoint, **params)
    assert status == 200 and total(feed) == 1
    (entry,) = feed.findall("atom:entry", NS)
    assert entry.findtext("atom:title", namespaces=NS) == "Error"
    assert entry.findtext("atom:author/atom:name", namespaces=NS) == "arXiv api core"
    assert entry.findtext("atom:id", namespaces=NS) == f"http://arxiv.org/api/errors#{anchor}"
    assert entry.findtext("atom:summary", namespaces=NS) == summary


def test_the_arxiv_bucket_throttles_like_arxiv(eco: Path) -> None:
    limits = RateLimits(arxiv=RatePolicy(quota=2, window_s=30))
    with run_replica(ReplicaConfig(store=eco / "hub.sqlite", rate_limits=limits)) as hub:
        answers = [httpx2.get(hub.endpoint + "/api/query", params={"id_list": TEMPLATE_ARXIV})]
        answers += [httpx2.get(hub.endpoint + "/api/query", params={"id_list": TEMPLATE_ARXIV})]
        answers += [httpx2.get(hub.endpoint + "/api/query", params={"id_list": TEMPLATE_ARXIV})]
        hub_api = httpx2.get(hub.endpoint + "/api/models", params={"limit": "1"})
        stats = hub.stats()
    assert [r.status_code for r in answers] == [200, 200, 503]
    limited = answers[2]
    assert (
        limited.text.strip() == "Rate exceeded." and 0 < int(limited.headers["Retry-After"]) <= 30
    )
    assert all("ratelimit" not in r.headers for r in answers)  # none of the Hub's headers
    assert hub_api.status_code == 200  # the Hub's own bucket is untouched
    assert stats["rate_limited"]["arxiv"] == 1
    assert stats["by_kind"]["arxiv_query"] == {"200": 2, "503": 1}


def test_a_store_without_papers_finds_nothing(tmp_path: Path) -> None:
    t = "2024-01-01T00:00:00.000Z"
    with StoreWriter(tmp_path / "hub.sqlite") as w:
        w.add_rows([ModelRecord(0, "0" * 24, "org/m", "org", "a" * 40, t, t).as_row()])
    with run_replica(ReplicaConfig(store=tmp_path / "hub.sqlite")) as hub:
        status, feed = query(hub.endpoint, id_list=TEMPLATE_ARXIV)
    assert status == 200 and total(feed) == 0 and entries(feed) == []
