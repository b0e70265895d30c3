"""The figures of the diff and the time series; each is written as PNG and SVG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from phylohub.errors import PhylohubError
from phylohub.figures import RELATION_COLOURS as SHARED_RELATION_COLOURS
from phylohub.figures import SET_COLOURS, pyplot, save_figure

#: The edge relations, in the colours every figure uses.
RELATION_COLOURS = {r: c for r, c in SHARED_RELATION_COLOURS.items() if r != "all"}

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000", "#999999")  # fmt: skip


def _save(fig: Any, png: Path, svg: Path) -> None:
    if Path(svg) != Path(png).with_suffix(".svg"):
        raise PhylohubError(f"the SVG of {png} must lie beside it, not at {svg}")
    save_figure(fig, png)


def _labels(series: pl.DataFrame) -> list[str]:
    return [f"{s}\n{t:%Y-%m-%d}" for s, t in zip(series["snapshot"], series["as_of"], strict=True)]


def _date_axis(ax: Any, dates: list[Any]) -> None:
    """Date ticks for ``dates``: automatic over a span, one tick when they are one date.

    Snapshots that share their date (the same newest ``lastModified``) would give the
    automatic locator an empty span: Matplotlib then widens the axis by years and warns.
    """
    import datetime as dt

    import matplotlib.dates as mdates
    from matplotlib.ticker import FixedLocator

    if min(dates) == max(dates):
        day = dt.timedelta(days=1)
        ax.set_xlim(min(dates) - day, max(dates) + day)
        ax.xaxis.set_major_locator(FixedLocator([mdates.date2num(min(dates))]))  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))  # type: ignore[no-untyped-call]
    else:
        locator = mdates.AutoDateLocator(maxticks=5)  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
        formatter = mdates.ConciseDateFormatter(locator)  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(formatter)
    ax.tick_params(axis="x", labelsize=7)


def growth_figure(series: pl.DataFrame) -> Any:
    """The figure of :func:`plot_growth`, not yet written (a matplotlib Figure).

    Snapshots that share a date are one point on the time axis, labelled with all their
    names, and the title says which share one.
    """
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), constrained_layout=True)
    x = series["as_of"].to_list()
    panels: list[tuple[Any, str, list[tuple[str, str, str]]]] = [
        (axes[0], "models", [("models", "listed models", SET_COLOURS[0]),
                             ("cards", "with a card", SET_COLOURS[1])]),
        (axes[1], "edges by relation",
         [(f"edges_{r}", r, c) for r, c in RELATION_COLOURS.items()]),
        (axes[2], "families",
         [("families_2plus", "families of 2+ (an external parent counts)", SET_COLOURS[2])]),
    ]  # fmt: skip
    for ax, title, lines in panels:
        top, absent = 0.0, []
        for column, label, colour in lines:
            values = series[column].to_list()
            if all(v is None for v in values):
                continue
            if ax is axes[1] and not any(values):  # a relation no snapshot has
                absent.append(label)
                continue
            ax.plot(x, values, marker="o", color=colour, label=label)
            top = max([top, *(float(v) for v in values if v is not None)])
        if absent:
            title += "\n(none in any snapshot: " + ", ".join(absent) + ")"
        ax.set_title(title, fontsize=9)
        # headroom above the highest point for the snapshot names
        ax.set_ylim(0, max(top, 1.0) * 1.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, frameon=False)
        else:
            ax.text(0.5, 0.5, "no genealogy summary in these snapshots", ha="center",
                    va="center", transform=ax.transAxes, fontsize=7, color="#666666")  # fmt: skip
        _date_axis(ax, x)
    axes[0].set_ylabel("count")
    names_at: dict[Any, list[str]] = {}
    models_at: dict[Any, int] = {}
    for t, name, models in zip(x, series["snapshot"], series["models"], strict=True):
        names_at.setdefault(t, []).append(name)
        models_at[t] = max(models_at.get(t, 0), models)
    for t, names in names_at.items():
        axes[0].annotate(", ".join(names), (t, models_at[t]), textcoords="offset points",
                         xytext=(0, 6), ha="center", fontsize=7)  # fmt: skip
    shared = [names for names in names_at.values() if len(names) > 1]
    note = ""
    if shared:
        note = "; " + "; ".join(" and ".join(names) for names in shared) + " share one date"
    fig.suptitle(
        f"Growth over {series.height} snapshot(s), dated by their newest lastModified{note}",
        fontsize=10,
    )
    return fig


def plot_growth(series: pl.DataFrame, png: Path, svg: Path) -> None:
    """Models, edges by relation and families of every snapshot, against its date."""
    _save(growth_figure(series), png, svg)


def plot_shares(licenses: pl.DataFrame, tasks: pl.DataFrame, series: pl.DataFrame,
                png: Path, svg: Path) -> None:  # fmt: skip
    """License and task shares of every snapshot as stacked bars, one bar per snapshot."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), constrained_layout=True)
    names = series["snapshot"].to_list()
    for ax, frame, title in ((axes[0], licenses, "licenses"), (axes[1], tasks, "tasks")):
        values = list(dict.fromkeys(frame["value"].to_list()))
        bottom = [0.0] * len(names)
        for i, value in enumerate(values):
            sub = dict(
                frame.filter(pl.col("value") == value).select("snapshot", "share").iter_rows()
            )
            heights = [float(sub.get(n, 0.0)) for n in names]
            ax.bar(range(len(names)), heights, bottom=bottom, label=value, width=0.6,
                   color=PALETTE[i % len(PALETTE)])  # fmt: skip
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        ax.set_xticks(range(len(names)), _labels(series), fontsize=7)
        ax.set_title(
            f"{title}: share of models"
            + (" (two licenses count twice)" if title == "licenses" else ""),
            fontsize=9,
        )
        ax.set_ylim(0, max(1.0, *bottom))
        ax.legend(fontsize=7, frameon=False, bbox_to_anchor=(1.0, 1.0), loc="upper left")
    axes[0].set_ylabel("share of models")
    _save(fig, png, svg)


def _short(root: str, limit: int = 44) -> str:
    return root if len(root) <= limit else root[: limit - 2] + ".."


def plot_family_growth(families: pl.DataFrame, previous: str, snapshot: str, top: int,
                       png: Path, svg: Path, min_before: int = 10) -> None:  # fmt: skip
    """The families that gained most models, and those that grew fastest for their size.

    Left: the ``top`` families by models gained (a new family: red). Right: the ``top``
    families of at least ``min_before`` models before, by growth relative to that size.
    """
    plt = pyplot()
    height = 0.3 * max(5, top) + 1.4
    fig, axes = plt.subplots(1, 2, figsize=(13, height), constrained_layout=True)
    gained = families.filter(pl.col("growth") > 0).head(top).reverse()
    relative = (
        families.filter((pl.col("models_before") >= min_before) & (pl.col("growth") > 0))
        .sort(["relative", "growth", "root"], descending=[True, True, False])
        .head(top)
        .reverse()
    )
    ax = axes[0]
    y = list(range(gained.height))
    colours = ["#D55E00" if new else "#0072B2" for new in gained["new_family"]]
    ax.barh(y, gained["growth"], color=colours)
    ax.set_yticks(y, [_short(r) for r in gained["root"]], fontsize=7)
    for yi, growth, before in zip(y, gained["growth"], gained["models_before"], strict=True):
        text = (
            f"+{growth} (new)" if before == 0 else f"+{growth}: {before:,} -> {before + growth:,}"
        )
        ax.annotate(text, (growth, yi), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=7)  # fmt: skip
    ax.set_xlabel("models gained (net of deletions)")
    if gained.height == 0:
        ax.text(0.5, 0.5, "no family gained models", ha="center", transform=ax.transAxes)
        ax.set_xticks([])
    red = f" (red: new since {previous})" if any(gained["new_family"]) else ""
    ax.set_title(f"most models gained{red}", fontsize=9)
    ax.margins(x=0.25)
    ax = axes[1]
    y = list(range(relative.height))
    ax.barh(y, relative["relative"] * 100, color="#009E73")
    ax.set_yticks(y, [_short(r) for r in relative["root"]], fontsize=7)
    for yi, rel, growth, before in zip(
        y, relative["relative"], relative["growth"], relative["models_before"], strict=True
    ):
        ax.annotate(f"{before:,} -> {before + growth:,}", (rel * 100, yi), xytext=(3, 0),
                    textcoords="offset points", va="center", fontsize=7)  # fmt: skip
    ax.set_xlabel("growth, % of the family's models before")
    ax.set_title(f"fastest growth for their size (families of {min_before}+ models)", fontsize=9)
    ax.margins(x=0.2)
    if relative.height == 0:
        ax.text(0.5, 0.5, f"no family of {min_before}+ models grew", ha="center",
                transform=ax.transAxes)  # fmt: skip
        ax.set_xticks([])
    grew = families.filter((pl.col("growth") > 0) & ~pl.col("new_family")).height
    born = families.filter(pl.col("new_family") & (pl.col("models_after") >= 2)).height
    fig.suptitle(
        f"Family growth, {previous} -> {snapshot} (families by main root): {grew} families "
        f"grew, {born} new families with children",
        fontsize=10,
    )
    _save(fig, png, svg)


TRAIT_PANELS = ("task", "license", "library", "relation")


def plot_new_generation(traits: pl.DataFrame, previous: str, snapshot: str,
                        png: Path, svg: Path, top: int = 8) -> None:  # fmt: skip
    """Trait shares of the models added since ``previous`` against those already there."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(TRAIT_PANELS), figsize=(14, 4.2), constrained_layout=True)
    for ax, trait in zip(axes, TRAIT_PANELS, strict=True):
        rows = (
            traits.filter(pl.col("trait") == trait)
            .sort(pl.col("added") + pl.col("existing"), "value", descending=[True, False])
            .head(top)
            .reverse()
        )
        y = list(range(rows.height))
        ax.barh([v + 0.2 for v in y], rows["existing_share"], height=0.4, color="#999999",
                label=f"in {previous} too")  # fmt: skip
        ax.barh([v - 0.2 for v in y], rows["added_share"], height=0.4, color="#0072B2",
                label=f"added by {snapshot}")  # fmt: skip
        ax.set_yticks(y, [v if len(v) <= 22 else v[:20] + ".." for v in rows["value"]],
                      fontsize=7)  # fmt: skip
        ax.set_title(trait, fontsize=9)
        ax.set_xlabel("share of the generation's models", fontsize=8)
    axes[0].legend(fontsize=7, frameon=False, loc="lower right")
    # every model has one relation to its first parent (or is a root)
    added = int(traits.filter(pl.col("trait") == "relation")["added"].sum())
    existing = int(traits.filter(pl.col("trait") == "relation")["existing"].sum())
    fig.suptitle(f"The new generation's traits: models added since {previous} ({added:,}) "
                 f"vs those listed in both ({existing:,})"
                 + ("; no model was added" if added == 0 else ""),
                 fontsize=10)  # fmt: skip
    _save(fig, png, svg)
