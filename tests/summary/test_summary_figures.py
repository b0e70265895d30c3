"""The summary figures on a snapshot of awkward shape: its models cite arXiv ids that
arXiv does not know, and most models, with a DOI or without, are never downloaded (both
medians 0)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from matplotlib.colors import same_color

from phylohub.crawl.arxiv import ArxivJob, fetch_arxiv
from phylohub.figures import pyplot
from phylohub.hub.replica import ReplicaConfig, run_replica
from phylohub.hub.synth import SynthConfig, generate
from phylohub.snapshot import build_snapshot
from phylohub.summary.distributions import (
    TABLES,
    SummarySettings,
    read_distributions,
    write_summary,
)
from phylohub.summary.plots import (
    availability_figure,
    crawl_health_title,
    plot_availability,
    plot_distributions,
)
from tests.figures.geometry import bars, draw, extent, overlap
from tests.snapshot.crawlfiles import card, entry, write_cards, write_listing

UNKNOWN_PAPERS = ("2501.99991", "2501.99992", "2501.99993")  # no paper of the replica


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``summary/`` of a six-model snapshot: three models with a DOI, three without, four
    never downloaded; five cite papers arXiv does not find (the replica's arXiv API
    answers for a small generated store, which holds none of them)."""
    root = tmp_path_factory.mktemp("awkward_summary")
    rows = [  # id, downloads, DOI, papers cited
        ("a/doi-0", 0, True, UNKNOWN_PAPERS[:1]),
        ("a/doi-1", 0, True, UNKNOWN_PAPERS[:2]),
        ("a/doi-2", 30, True, UNKNOWN_PAPERS),
        ("b/plain-0", 0, False, UNKNOWN_PAPERS[1:]),
        ("b/plain-1", 0, False, UNKNOWN_PAPERS[2:]),
        ("b/plain-2", 300, False, ()),
    ]
    entries = []
    for i, downloads, doi, papers in rows:
        tags = [*(["doi:10.5281/zenodo.1"] if doi else []), *(f"arxiv:{p}" for p in papers)]
        entries.append(entry(i, tags, downloads=downloads))
    parts = write_listing(root / "listing", [entries])
    shards = write_cards(root / "cards", [[card(e["id"], text="a card") for e in entries]])
    build_snapshot(parts, shards, root / "hub.duckdb", root / "parquet")
    generate(SynthConfig(n_models=200, seed=1), root / "eco")
    with run_replica(ReplicaConfig(store=root / "eco" / "hub.sqlite")) as hub:
        job = ArxivJob(endpoint=hub.endpoint, delay_s=0.0)
        fetch_arxiv(root / "hub.duckdb", root / "arxiv.parquet", root / "arxiv.stats.json",
                    root / "cache.sqlite", job)  # fmt: skip
    out = {name: root / "summary" / f"{name}.tsv" for name in TABLES}
    write_summary(root / "hub.duckdb", root / "arxiv.parquet", out, SummarySettings())
    return root / "summary"


def tsv(summary: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(summary / name, separator="\t", schema_overrides={"value": pl.String})


def test_the_arxiv_panel_says_how_many_ids_were_cited_and_resolved(
    summary: Path, tmp_path: Path
) -> None:
    counts = dict(tsv(summary, "arxiv_summary.tsv").iter_rows())
    assert (counts["cited_ids"], counts["ids_ok"], counts["ids_not_found"]) == ("3", "0", "3")
    dist = read_distributions(summary / "distributions.tsv")
    assert dist.filter(pl.col("panel") == "arxiv").height == 0  # an empty panel: the shape
    plot_distributions(
        dist,
        pl.read_csv(summary / "arxiv_template_effect.tsv", separator="\t"),
        tmp_path / "ecosystem.png",
        arxiv_summary=tsv(summary, "arxiv_summary.tsv"),
    )
    text = html.unescape((tmp_path / "ecosystem.svg").read_text())
    assert "3 cited ids, 0 resolved" in text
    assert "none in this snapshot" not in text.split("arXiv subject categories")[1]


@pytest.fixture(scope="module")
def downloads(summary: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    avail = pl.read_csv(summary / "availability.tsv", separator="\t")
    doi = pl.read_csv(summary / "doi_downloads.tsv", separator="\t")
    assert doi.sort("has_doi")["median_downloads"].to_list() == [0.0, 0.0]  # the shape
    return avail, doi


def test_the_download_legend_covers_no_bar(downloads: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    fig = availability_figure(*downloads)
    renderer = draw(fig)
    right = fig.axes[1]
    legend = extent(right.get_legend(), renderer)
    drawn = bars(right)
    assert len(drawn) == 4  # mean and median, with and without a DOI
    assert not any(overlap(legend, extent(bar, renderer)) for bar in drawn)
    pyplot().close(fig)


def test_a_median_of_zero_is_shown_not_left_out(
    downloads: tuple[pl.DataFrame, pl.DataFrame], tmp_path: Path
) -> None:
    fig = availability_figure(*downloads)
    renderer = draw(fig)
    right = fig.axes[1]
    medians = right.containers[1]

    def middle(text: Any) -> float:
        box = extent(text, renderer)
        return float(box.x0 + box.x1) / 2

    assert medians.get_label() == "median"
    for bar in medians:
        assert bar.get_height() == 0
        box = extent(bar, renderer)
        # a label reading 0 stands on the bar, and a marker in the bar's colour marks it
        centre = (box.x0 + box.x1) / 2
        labels = [t for t in right.texts if t.get_text() == "0" and abs(middle(t) - centre) < 1]
        assert len(labels) == 1
        markers = [line for line in right.lines
                   if line.get_xdata()[0] == pytest.approx(bar.get_center()[0])]  # fmt: skip
        assert len(markers) == 1
        assert same_color(markers[0].get_markerfacecolor(), bar.get_facecolor())
    pyplot().close(fig)
    plot_availability(*downloads, tmp_path / "availability.png")
    text = html.unescape((tmp_path / "availability.svg").read_text())
    assert "300" in text and "30" in text  # the means, as labels


def test_the_crawl_health_title_counts_one_as_one() -> None:
    health = pl.DataFrame(
        {
            "job": ["listing", "bootstrap", "arxiv", "cards/0", "configs/0"],
            "models": [1, 2_500, 1, 1, 1],
            "requests": [1, 3, 1, 1_200, 1],
            "reused": [0, 0, 0, 0, 0],
        }
    )
    assert crawl_health_title(health) == (
        "Crawl health: 1,206 requests in all; listing: 1 request for 1 model; "
        "bootstrap: 3 requests for 2,500 dump rows; arxiv: 1 request for 1 id; "
        "config.json: 1 request for 1 model"
    )
