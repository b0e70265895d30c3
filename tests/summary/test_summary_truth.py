"""The summary stage on a crawled ecosystem recovers what the generator planted: every
panel's counts, the availability tags, DOIs and their downloads, edges by relation."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from phylohub.hub.store import Store
from phylohub.summary.distributions import read_distributions


@pytest.fixture(scope="module")
def listed(tiny_workflow: Path) -> list[dict[str, Any]]:
    """The served models (private ones are not listed), tags parsed."""
    store = Store(tiny_workflow / "store" / "hub.sqlite")
    rows = []
    for r in store.iter_rows("private = 0"):
        row = dict(r)
        row["tags"] = json.loads(row["tags"])
        rows.append(row)
    return rows


def _summary(tiny_workflow: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(tiny_workflow / "results" / "tiny" / "summary" / name, separator="\t")


def _panel(tiny_workflow: Path, panel: str) -> dict[str, int]:
    dist = read_distributions(tiny_workflow / "results" / "tiny" / "summary" / "distributions.tsv")
    rows = dist.filter(pl.col("panel") == panel)
    return dict(zip(rows["value"], rows["count"], strict=True))


def _top(counts: Counter[str], n: int) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n])


def test_panels_count_the_planted_traits(tiny_workflow: Path, listed: list[dict[str, Any]]):
    licenses: Counter[str] = Counter()
    datasets: Counter[str] = Counter()
    for row in listed:
        tags = row["tags"]
        licenses.update({t.split(":", 1)[1] for t in tags if t.startswith("license:")} - {""})
        datasets.update({t.split(":", 1)[1] for t in tags if t.startswith("dataset:")} - {""})
    tasks = Counter(str(r["pipeline_tag"]) for r in listed if r["pipeline_tag"])
    libraries = Counter(str(r["library_name"]) for r in listed if r["library_name"])
    downloads = Counter({str(r["id"]): int(r["downloads"]) for r in listed if r["downloads"]})
    top = 15  # summary.top of the demo configuration
    assert _panel(tiny_workflow, "licenses") == _top(licenses, top)
    assert _panel(tiny_workflow, "datasets") == _top(datasets, top)
    assert _panel(tiny_workflow, "tasks") == _top(tasks, top)
    assert _panel(tiny_workflow, "libraries") == _top(libraries, top)
    assert _panel(tiny_workflow, "downloads") == _top(downloads, top)
    shares = read_distributions(
        tiny_workflow / "results" / "tiny" / "summary" / "distributions.tsv"
    ).filter(pl.col("panel") == "licenses")
    licensed = sum(1 for r in listed if any(str(t).startswith("license:") for t in r["tags"]))
    assert shares["denominator"].to_list() == [licensed] * shares.height
    expected = [c / licensed for c in shares["count"]]
    assert shares["share"].to_list() == pytest.approx(expected, abs=5e-7)  # 6 decimals


def test_most_children_are_the_planted_edges(tiny_workflow: Path) -> None:
    db = sqlite3.connect(tiny_workflow / "store" / "hub.sqlite")
    children = Counter(
        parent
        for (parent,) in db.execute(
            "SELECT p.id FROM truth_edges e JOIN models c ON c.key = e.child"
            " JOIN models p ON p.key = e.parent WHERE c.private = 0 AND p.private = 0"
        )
    )
    assert _panel(tiny_workflow, "children") == _top(children, 15)
    overview = dict(_summary(tiny_workflow, "overview.tsv").iter_rows())
    by_relation = Counter(
        rel
        for (rel,) in db.execute(
            "SELECT e.relation FROM truth_edges e JOIN models c ON c.key = e.child"
            " JOIN models p ON p.key = e.parent WHERE c.private = 0 AND p.private = 0"
        )
    )
    for rel in ("finetune", "adapter", "quantized", "merge", "unknown"):
        assert overview[f"edges.{rel}"] == by_relation[rel]
    assert overview["edges.all"] == sum(by_relation.values())


def test_availability_counts_the_planted_tags(
    tiny_workflow: Path, listed: list[dict[str, Any]]
) -> None:
    avail = {
        r["metric"]: r for r in _summary(tiny_workflow, "availability.tsv").iter_rows(named=True)
    }

    def count(pred: Callable[[dict[str, Any]], bool]) -> int:
        return sum(1 for r in listed if pred(r))

    n = len(listed)
    expected = {
        "endpoints_compatible": count(lambda r: "endpoints_compatible" in r["tags"]),
        "autotrain_compatible": count(lambda r: "autotrain_compatible" in r["tags"]),
        "doi": count(lambda r: any(t.startswith("doi:") for t in r["tags"])),
        "card": count(lambda r: r["card"] is not None and not r["gated"] and not r["disabled"]),
    }
    for metric, value in expected.items():
        assert (avail[metric]["count"], avail[metric]["denominator"]) == (value, n), metric
    # the generator plants every kind: the measures are not trivially 0 or all
    assert all(0 < v < n for v in expected.values()), expected


def test_doi_models_are_downloaded_more_as_planted(
    tiny_workflow: Path, listed: list[dict[str, Any]]
) -> None:
    # the generator draws DOI models in proportion to sqrt(downloads)
    with_doi = [int(r["downloads"]) for r in listed if any(t.startswith("doi:") for t in r["tags"])]
    without = [
        int(r["downloads"]) for r in listed if not any(t.startswith("doi:") for t in r["tags"])
    ]
    ratio = {
        r["statistic"]: r for r in _summary(tiny_workflow, "doi_ratio.tsv").iter_rows(named=True)
    }
    # the table's 6 decimals
    assert ratio["mean"]["with_doi"] == pytest.approx(sum(with_doi) / len(with_doi), abs=5e-7)
    assert ratio["mean"]["without_doi"] == pytest.approx(sum(without) / len(without), abs=5e-7)
    assert ratio["mean"]["ratio"] > 1


def test_the_hub_template_paper_is_flagged(tiny_workflow: Path) -> None:
    ids = pl.read_csv(
        tiny_workflow / "results" / "tiny" / "summary" / "arxiv_ids.tsv",
        separator="\t",
        schema_overrides={"arxiv_id": pl.String},
    )
    flagged = ids.filter(pl.col("template"))["arxiv_id"].to_list()
    assert flagged == ["1910.09700"]
    # no other paper is carried mostly by auto-generated cards
    others = ids.filter(pl.col("arxiv_id") != "1910.09700")
    assert (others["auto_share"] < 0.5).all()


def test_crawl_health_counts_the_planted_card_encodings(tiny_workflow: Path) -> None:
    store = sqlite3.connect(tiny_workflow / "store" / "hub.sqlite")
    planted = Counter(shape for (shape,) in store.execute("SELECT shape FROM truth_card_shapes"))
    health = _summary(tiny_workflow, "crawl_health.tsv")
    shards = health.filter(pl.col("job").str.starts_with("cards/"))
    assert shards["bom"].sum() == planted["bom"] > 0
    assert shards["invalid-utf-8"].sum() == planted["invalid_utf8"] > 0
    ok = shards["ok"].sum()
    assert shards["utf-8"].sum() == ok - planted["bom"] - planted["invalid_utf8"]
    assert shards["not_found"].sum() == planted["readme_404"]  # README.md listed, 404


def test_crawl_health_counts_the_config_json_requests_of_the_families(
    tiny_workflow: Path,
) -> None:
    """The demo crawls config.json of the models in families: one row per config shard
    in crawl_health.tsv, its requests those the shards counted, its models the family
    models. This ecosystem has no config.json contents (no config plant): every file
    listed answers 404, config_fields stays empty and the size finding reads no data."""
    results = tiny_workflow / "results" / "tiny"
    health = _summary(tiny_workflow, "crawl_health.tsv")
    configs = health.filter(pl.col("job").str.starts_with("configs/"))
    stats = [
        json.loads(p.read_text())
        for p in sorted((results / "crawl" / "configs").glob("*.stats.json"))
    ]
    assert configs.height == len(stats) > 0
    assert configs["requests"].sum() == sum(s["requests"] for s in stats) > 0
    con = duckdb.connect(str(results / "hub.duckdb"), read_only=True)
    family = con.execute(
        "SELECT count(*) FROM (SELECT child AS id FROM edges WHERE parent_in_snapshot AND "
        "child <> parent UNION SELECT parent FROM edges WHERE parent_in_snapshot AND "
        "child <> parent)"
    ).fetchone()
    fields = con.execute("SELECT count(*) FROM config_fields").fetchone()
    con.close()
    assert family is not None and fields is not None
    assert configs["models"].sum() == family[0]
    assert configs["ok"].sum() == fields[0] == 0
    assert configs["not_found"].sum() > 0  # listed in siblings, no contents served
    by_generation = results / "traits" / "parameters_by_generation.tsv"
    row = pl.read_csv(by_generation, separator="\t").filter(pl.col("generation") == "descendants")
    assert row["compared"][0] == 0 and row["verdict"][0] == "no data"
