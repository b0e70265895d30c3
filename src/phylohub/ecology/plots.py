"""The ecology stage's figures: births per month by relation, the stacked succession
shares of the top root families (hand-overs marked), and the half-life distribution."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from phylohub.figures import RELATION_COLOURS, pyplot, save_figure
from phylohub.io import read_tsv


def _yearly_dates(ax: Any) -> None:
    """A tick each January labelled by its year, minor ticks each quarter: month labels
    (``2022-05``) every four months overlap at the figures' width."""
    import matplotlib.dates as mdates

    ax.xaxis.set_major_locator(mdates.YearLocator())  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))  # type: ignore[no-untyped-call]
    quarters = mdates.MonthLocator(bymonth=(1, 4, 7, 10))  # type: ignore[no-untyped-call]
    ax.xaxis.set_minor_locator(quarters)


def plot_births(monthly: pl.DataFrame, png: Path) -> None:
    """Models born per month, one line per relation (``root``: no declared parent)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    for (rel,), part in monthly.sort("month").group_by("relation", maintain_order=True):
        colour = RELATION_COLOURS.get(str(rel), "#555555")
        ax.plot(part["month"].to_list(), part["births"].to_list(), label=str(rel), color=colour,
                lw=1)  # fmt: skip
    ax.set_yscale("log")
    _yearly_dates(ax)
    ax.set_ylabel("models born per month")
    ax.set_title("Births per month by relation (back-filled dates left out)")
    ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    save_figure(fig, png)


def plot_succession(shares: pl.DataFrame, handovers: pl.DataFrame, png: Path) -> None:
    """Stacked monthly shares of niche ``all``'s new fine-tunes and adapters by top root
    family (the rest grey); a dashed line at each hand-over between families."""
    plt = pyplot()
    part = shares.filter(pl.col("niche") == "all")
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    if part.height:
        wide = part.pivot(on="family", index="month", values="share").sort("month").fill_null(0)
        months = wide["month"].to_list()
        names = [c for c in wide.columns if c not in ("month", "other")]
        names += ["other"] if "other" in wide.columns else []
        values = np.vstack([wide[c].to_numpy() for c in names])
        colours = [plt.cm.tab10(k % 10) for k in range(len(names) - 1)] + ["#CCCCCC"]
        ax.stackplot(months, values, labels=names, colors=colours[: len(names)])
        for m in handovers.filter(pl.col("niche") == "all")["month"].unique().to_list():
            ax.axvline(m, color="black", lw=0.5, ls="--")
        ax.legend(fontsize=6, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        _yearly_dates(ax)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of new fine-tunes and adapters")
    ax.set_title("Succession of root families (dashed: hand-overs)")
    fig.tight_layout()
    save_figure(fig, png)


def plot_half_lives(life: pl.DataFrame, png: Path) -> None:
    """Histogram of the reproductive half-lives (months, log bins), one per set."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    hl = life.filter(pl.col("half_life_months").is_not_null())
    if hl.height:
        lo, hi = hl["half_life_months"].min(), hl["half_life_months"].max()
        bins = np.geomspace(max(float(lo), 0.05), max(float(hi), 0.1) * 1.01, 25)  # type: ignore[arg-type]
        for (rel,), part in hl.group_by("relations", maintain_order=True):
            ax.hist(part["half_life_months"].to_numpy(), bins=bins, histtype="step",
                    label=f"{rel} ({part.height} families)")  # fmt: skip
        ax.set_xscale("log")
        # Plain numbers (1, 2, 5, 10, ... months), not 2 x 10^0, and whole families.
        from matplotlib.ticker import FixedLocator, MaxNLocator, NullFormatter, ScalarFormatter

        ticks = [t for t in (0.5, 1, 2, 5, 10, 20, 50, 100, 200) if bins[0] <= t <= bins[-1]]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=7, frameon=False)
    ax.set_xlabel("reproductive half-life (months)")
    ax.set_ylabel("families")
    ax.set_title("How fast families stop reproducing after their peak")
    fig.tight_layout()
    save_figure(fig, png)


def plot_ecology(
    monthly: Path, shares: Path, handovers: Path, life: Path, births_png: Path,
    succession_png: Path, half_lives_png: Path,
) -> None:  # fmt: skip
    """The three figures from the stage's tables."""
    plot_births(read_tsv(monthly).with_columns(pl.col("month").str.to_date()), births_png)
    hand = read_tsv(handovers)
    if hand.height:
        hand = hand.with_columns(pl.col("month").cast(pl.String).str.to_date())
    plot_succession(pl.read_parquet(shares), hand, succession_png)
    plot_half_lives(pl.read_parquet(life), half_lives_png)


def plot_deaths(monthly: pl.DataFrame, summary: dict[str, Any], png: Path) -> None:
    """Per month of birth: the models the earlier snapshot listed, those removed since
    (deaths) and those newly gated; without an earlier snapshot, a figure that says so."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    if summary.get("previous") is None or monthly.height == 0:
        ax.text(0.5, 0.5, f"Deaths and gating {summary.get('status', 'needs two snapshots')}",
                ha="center", va="center", transform=ax.transAxes)  # fmt: skip
        ax.set_axis_off()
    else:
        m = monthly.with_columns(pl.col("month").cast(pl.String).str.to_date()).sort("month")
        months = m["month"].to_list()
        ax.plot(months, m["models_before"].to_list(), color="#555555", lw=1,
                label=f"born, listed in {summary['previous']}")  # fmt: skip
        for column, colour, label in (("deaths", "#C44E52", "removed since (deaths)"),
                                      ("newly_gated", "#4C72B0", "newly gated")):  # fmt: skip
            keep = m.filter(pl.col(column) > 0)
            ax.scatter(keep["month"].to_list(), keep[column].to_list(), s=8, color=colour,
                       label=label, zorder=3)  # fmt: skip
        ax.set_yscale("log")
        _yearly_dates(ax)
        ax.set_ylabel("models per month of birth")
        ax.legend(fontsize=7, frameon=False)
        d = summary["deaths"]
        ax.set_title(f"Births and deaths by month of birth: {d['models']:,} removed since "
                     f"{summary['previous']}")  # fmt: skip
    fig.tight_layout()
    save_figure(fig, png)
