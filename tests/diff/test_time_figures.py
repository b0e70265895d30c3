"""The time-series and diff figures on snapshots that share their date or did not change."""

from __future__ import annotations

import datetime as dt
import html
import warnings
from pathlib import Path

import matplotlib.dates as mdates
import polars as pl
import pytest

from phylohub.diff.compare import SnapshotFiles, compare_snapshots
from phylohub.diff.plots import growth_figure, plot_family_growth, plot_growth, plot_new_generation
from phylohub.diff.series import Point, collect_series, snapshot_point
from phylohub.figures import pyplot
from phylohub.genealogy.graphs import RELATION_SETS
from phylohub.genealogy.tables import build_genealogy, paths_in
from phylohub.snapshot import build_snapshot
from tests.figures.geometry import draw, extent, overlap, texts
from tests.snapshot.crawlfiles import card, entry, write_cards, write_listing


def snapshot(folder: Path, newest: str, n: int = 4) -> Point:
    """A crawled snapshot of ``n`` models (a parent and its children), the newest
    ``lastModified`` being ``newest``, with its genealogy, as a point of the series."""
    entries = [entry("o/base", [], lastModified="2024-01-01T00:00:00.000Z")]
    entries += [entry(f"o/child{i}", ["base_model:finetune:o/base"], lastModified=newest)
                for i in range(n - 1)]  # fmt: skip
    parts = write_listing(folder / "listing", [entries])
    shards = write_cards(folder / "cards", [[card(e["id"], text="a card") for e in entries]])
    build_snapshot(parts, shards, folder / "hub.duckdb", folder / "parquet")
    build_genealogy(
        folder / "hub.duckdb", RELATION_SETS["no_merge"], paths_in(folder / "genealogy")
    )
    return snapshot_point(folder.name, folder / "hub.duckdb", folder / "genealogy" / "summary.json")


@pytest.fixture(scope="module")
def same_hub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two snapshots of the same Hub (``day0``, ``day0-again``): they share their newest
    lastModified and nothing changed between them."""
    root = tmp_path_factory.mktemp("same_hub")
    for name in ("day0", "day0-again"):
        snapshot(root / name, "2025-07-12T08:00:00.000Z")
    return root


@pytest.fixture(scope="module")
def same_date(same_hub: Path) -> pl.DataFrame:
    """The series of the two snapshots of :func:`same_hub`."""
    points = [
        snapshot_point(name, same_hub / name / "hub.duckdb",
                       same_hub / name / "genealogy" / "summary.json")
        for name in ("day0", "day0-again")
    ]  # fmt: skip
    return collect_series(points)["series"]


def test_snapshots_sharing_their_date_give_no_matplotlib_warning(
    same_date: pl.DataFrame, tmp_path: Path
) -> None:
    assert same_date["as_of"].n_unique() == 1  # the shape of the bug
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # AutoDateLocator warned on an empty date span
        plot_growth(same_date, tmp_path / "growth.png", tmp_path / "growth.svg")
    assert (tmp_path / "growth.png").stat().st_size > 0


def test_snapshots_sharing_their_date_are_one_labelled_point_on_a_short_axis(
    same_date: pl.DataFrame,
) -> None:
    fig = growth_figure(same_date)
    renderer = draw(fig)
    for ax in fig.axes:
        low, high = ax.get_xlim()
        assert high - low <= 3  # days, not the years Matplotlib widened an empty span to
        ticks = [mdates.num2date(t).date() for t in ax.get_xticks() if low <= t <= high]
        assert ticks == [dt.date(2025, 7, 12)]
    names = [t for t in fig.axes[0].texts if "day0" in t.get_text()]
    assert [t.get_text() for t in names] == ["day0, day0-again"]  # one label, not two on top
    assert "day0 and day0-again share one date" in fig.get_suptitle()
    # no text lies on another: names, panel titles, the title, tick labels, legends
    shown = texts(fig)
    boxes = [extent(t, renderer) for t in shown]
    clashes = [
        (a.get_text(), b.get_text())
        for i, a in enumerate(shown)
        for j, b in enumerate(shown[i + 1 :], i + 1)
        if overlap(boxes[i], boxes[j])
    ]
    assert clashes == []
    pyplot().close(fig)


def test_a_series_over_months_keeps_its_date_axis_and_names_clear_of_the_titles(
    tmp_path: Path,
) -> None:
    dates = ["2025-01-10T00:00:00.000Z", "2025-03-02T00:00:00.000Z", "2025-06-20T00:00:00.000Z"]
    points = [snapshot(tmp_path / f"s{i}", d, n=4 + 3 * i) for i, d in enumerate(dates)]
    series = collect_series(points)["series"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = growth_figure(series)
        renderer = draw(fig)
    low, high = fig.axes[0].get_xlim()
    assert 160 <= high - low <= 200  # the 161 days between the first and last, and margins
    names = [t for t in fig.axes[0].texts if t.get_text() in {"s0", "s1", "s2"}]
    assert len(names) == 3
    titles = [fig._suptitle, *(ax.title for ax in fig.axes)]  # type: ignore[attr-defined]
    for name in names:
        box = extent(name, renderer)
        assert fig.axes[0].bbox.contains(box.x0, box.y1)  # inside the panel, under its title
        assert not any(overlap(box, extent(t, renderer)) for t in titles)
    # relations that no snapshot has are named in the title, not drawn as lines on 0
    assert "none in any snapshot: adapter, quantized, merge, unknown" in fig.axes[1].get_title()
    assert [line.get_label() for line in fig.axes[1].lines] == ["finetune"]
    pyplot().close(fig)


def svg_text(svg: Path) -> str:
    """The words of an SVG written by ``save_figure`` (its text stays text)."""
    return html.unescape(svg.read_text())


def test_a_diff_where_nothing_changed_says_so(same_hub: Path, tmp_path: Path) -> None:
    def files(name: str) -> SnapshotFiles:
        folder, genealogy = same_hub / name, same_hub / name / "genealogy"
        return SnapshotFiles(name, folder / "hub.duckdb", genealogy / "nodes.parquet",
                             genealogy / "families.parquet", folder / "manifest.json")  # fmt: skip

    diff = compare_snapshots(files("day0"), files("day0-again"))
    assert diff.models.height == 0  # the shape: the same Hub twice
    plot_family_growth(diff.families, "day0", "day0-again", 15, tmp_path / "growth.png",
                       tmp_path / "growth.svg")  # fmt: skip
    assert "no family gained models" in svg_text(tmp_path / "growth.svg")
    plot_new_generation(diff.traits, "day0", "day0-again", tmp_path / "new.png",
                        tmp_path / "new.svg")  # fmt: skip
    text = svg_text(tmp_path / "new.svg")
    assert "models added since day0 (0) vs those listed in both (4); no model was added" in text
