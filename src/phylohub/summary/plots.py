"""Figures of the summary stage: the ecosystem at a glance (the paper's Figure 2),
documentation availability (its 9.2) and crawl health."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import polars as pl

from phylohub.figures import PANEL_COLOURS, pyplot, save_figure
from phylohub.summary.distributions import PANELS
from phylohub.summary.health import STATUSES
from phylohub.text import counted

#: Panel titles.
PANEL_TITLES = {
    "licenses": "Licenses",
    "tasks": "Tasks",
    "languages": "Languages",
    "libraries": "Libraries",
    "children": "Models with the most children",
    "datasets": "Datasets",
    "arxiv": "arXiv subject categories",
    "downloads": "Most downloaded models",
}


def _short(label: str, width: int = 38) -> str:
    return textwrap.shorten(label, width=width, placeholder="…")


def _count(value: int) -> str:
    return f"{value / 1e6:.1f}M" if value >= 10_000_000 else f"{value:,}"


def arxiv_resolved(arxiv_summary: pl.DataFrame) -> str:
    """How many arXiv ids the models cite and how many arXiv resolved, from
    ``arxiv_summary.tsv``.

    >>> rows = [("cited_ids", "3"), ("ids_ok", "1"), ("ids_not_found", "2")]
    >>> arxiv_resolved(pl.DataFrame(rows, schema=["metric", "value"], orient="row"))
    '3 cited ids, 1 resolved'
    """
    values = dict(zip(arxiv_summary["metric"], arxiv_summary["value"], strict=True))
    cited, resolved = int(values.get("cited_ids", 0)), int(values.get("ids_ok", 0))
    return f"{cited:,} cited id{'s' * (cited != 1)}, {resolved:,} resolved"


def plot_distributions(
    dist: pl.DataFrame,
    template_effect: pl.DataFrame,
    out: Path,
    top: int = 10,
    arxiv_summary: pl.DataFrame | None = None,
) -> None:
    """Eight bar panels, one per trait: the share of the panel's denominator each of
    its ``top`` values holds, with the count at the bar's end. In the arXiv panel the
    hatched part of a bar counts models that cite the category only through a template
    artefact (an id carried by auto-generated cards); with ``arxiv_summary``
    (``arxiv_summary.tsv``) the panel says how many ids were cited and resolved."""
    save_figure(distributions_figure(dist, template_effect, top, arxiv_summary), out)


def distributions_figure(
    dist: pl.DataFrame,
    template_effect: pl.DataFrame,
    top: int = 10,
    arxiv_summary: pl.DataFrame | None = None,
) -> Any:
    """The figure of :func:`plot_distributions`, not yet written (a matplotlib Figure)."""
    plt = pyplot()
    fig, axes = plt.subplots(4, 2, figsize=(11, 14), layout="constrained")
    template_only = dict(
        zip(template_effect["category"], template_effect["template_only_models"], strict=True)
    )
    for ax, panel in zip(axes.flat, PANELS, strict=True):
        rows = dist.filter(pl.col("panel") == panel).sort("rank").head(top)
        ax.set_title(PANEL_TITLES[panel], loc="left", fontweight="bold")
        resolved = arxiv_resolved(arxiv_summary) if arxiv_summary is not None else None
        if rows.height == 0:
            empty = "none in this snapshot"
            if panel == "arxiv" and resolved is not None:
                empty = f"no category to count:\n{resolved}"
            ax.text(0.5, 0.5, empty, ha="center", va="center",
                    transform=ax.transAxes, color="#666666")  # fmt: skip
            ax.set_axis_off()
            continue
        y = list(range(rows.height))[::-1]
        shares = rows["share"].to_list()
        colour = PANEL_COLOURS[panel]
        ax.barh(y, shares, color=colour, edgecolor="black", linewidth=0.4)
        if panel == "arxiv":
            hatched = [
                template_only.get(v, 0) / d if d else 0.0
                for v, d in zip(rows["value"], rows["denominator"], strict=True)
            ]
            ax.barh(y, hatched, color="white", edgecolor="black", linewidth=0.4, hatch="///",
                    label="only via a template artefact")  # fmt: skip
            if any(hatched):
                ax.legend(loc="lower right", frameon=False, fontsize=8)
        ax.set_yticks(y, [_short(v) for v in rows["label"]], fontsize=8)
        top_share = max(shares)
        ax.set_xlim(0, top_share * 1.3)
        for yi, share, count in zip(y, shares, rows["count"], strict=True):
            ax.text(share + top_share * 0.01, yi, _count(int(count)), va="center", fontsize=7)
        n, what = int(rows["denominator"][0]), rows["denominator_label"][0]
        label = f"share of the {n:,} {what}"
        if len(label) > 48:  # two balanced lines, so that no label leaves the figure
            label = textwrap.fill(label, len(label) // 2 + 6)
        label += f"\n(count of {rows['unit'][0]} at each bar)"
        if panel == "arxiv" and resolved is not None:
            label += f"\n{resolved} by arXiv"
        ax.set_xlabel(label)
        ax.set_xticks([t for t in ax.get_xticks() if 0 <= t <= 1.0001])
        ax.xaxis.set_major_formatter(lambda x, _pos: f"{x:.0%}")
    fig.suptitle(
        "The ecosystem at a glance: the most common values of each trait",
        fontsize=12,
        fontweight="bold",
    )
    return fig


#: Labels of the availability measures, in the figure's order.
AVAILABILITY_LABELS = {
    "card": "has a model card",
    "card_auto_generated": "card is auto-generated (of carded)",
    "safetensors": "has safetensors weights",
    "safetensors_of_weights": "safetensors (of models with weights)",
    "endpoints_compatible": "tagged endpoints_compatible",
    "autotrain_compatible": "tagged autotrain_compatible",
    "doi": "has a DOI",
}


def _downloads(value: float) -> str:
    """A download count for a bar label: whole numbers plain, others to one decimal."""
    return f"{value:,.0f}" if value == int(value) or value >= 100 else f"{value:,.1f}"


def plot_availability(avail: pl.DataFrame, doi: pl.DataFrame, out: Path) -> None:
    """Left: the share of models with each kind of documentation or tooling. Right:
    mean and median 30-day downloads of models with and without a DOI."""
    save_figure(availability_figure(avail, doi), out)


def availability_figure(avail: pl.DataFrame, doi: pl.DataFrame) -> Any:
    """The figure of :func:`plot_availability`, not yet written (a matplotlib Figure).

    Every download bar carries its value, so a median of 0 (most models are never
    downloaded) reads as 0 rather than as a missing bar; the legend lies below the axes,
    clear of the bars.
    """
    plt = pyplot()
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(11, 4.2), layout="constrained", width_ratios=[2, 1]
    )
    rows = {r["metric"]: r for r in avail.iter_rows(named=True)}
    metrics = [m for m in AVAILABILITY_LABELS if m in rows]
    y = list(range(len(metrics)))[::-1]
    shares = [rows[m]["share"] or 0.0 for m in metrics]
    left.barh(y, shares, color="#0072B2", edgecolor="black", linewidth=0.4)
    left.set_yticks(y, [AVAILABILITY_LABELS[m] for m in metrics])
    left.set_xlim(0, 1.18)
    for yi, m, share in zip(y, metrics, shares, strict=True):
        r = rows[m]
        left.text(share + 0.01, yi, f"{share:.1%} ({r['count']:,} of {r['denominator']:,})",
                  va="center", fontsize=7)  # fmt: skip
    left.set_xlabel("share of models")
    left.xaxis.set_major_formatter(lambda x, _pos: f"{x:.0%}")
    left.set_title("Documentation and tooling", loc="left", fontweight="bold")

    groups = {bool(r["has_doi"]): r for r in doi.iter_rows(named=True)}
    labels, means, medians, ns = [], [], [], []
    for flag, label in ((False, "without DOI"), (True, "with DOI")):
        if flag in groups:
            labels.append(label)
            means.append(groups[flag]["mean_downloads"] or 0.0)
            medians.append(groups[flag]["median_downloads"] or 0.0)
            ns.append(groups[flag]["models"])
    x = range(len(labels))
    for offset, values, colour, name in ((-0.2, means, "#E69F00", "mean"),
                                         (0.2, medians, "#56B4E9", "median")):  # fmt: skip
        at = [i + offset for i in x]
        right.bar(at, values, width=0.4, color=colour, edgecolor="black", linewidth=0.4,
                  label=name)  # fmt: skip
        for xi, value in zip(at, values, strict=True):
            if value == 0:  # no bar to see: a flat marker in its colour on the axis
                right.plot([xi], [0], marker="s", ms=5, mfc=colour, mec="black", mew=0.4,
                           ls="", clip_on=False, zorder=3)  # fmt: skip
            right.annotate(_downloads(value), (xi, value), xytext=(0, 4 if value == 0 else 2),
                           textcoords="offset points", ha="center", va="bottom",
                           fontsize=7)  # fmt: skip
    right.set_xticks(list(x), [f"{lab}\n(n = {n:,})" for lab, n in zip(labels, ns, strict=True)])
    right.set_ylabel("downloads in 30 days")
    if any(v > 0 for v in means + medians):
        right.set_yscale("symlog", linthresh=1)
    right.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2)
    if len(labels) < 2:
        note = "every model has a DOI" if True in groups else "no model has a DOI"
        right.text(0.5, 0.5, note, ha="center", va="center", transform=right.transAxes,
                   color="#666666")  # fmt: skip
    right.set_ylim(0, max([1.0, *means, *medians]) * 4)
    if len(means) == 2 and means[0] > 0:
        right.text(0.5, 0.97, f"mean with a DOI = {means[1] / means[0]:.1f}× without",
                   ha="center", va="top", transform=right.transAxes, fontsize=8)  # fmt: skip
    right.set_title("Downloads and DOIs", loc="left", fontweight="bold")
    return fig


#: Colours of the card statuses.
STATUS_COLOURS = {
    "ok": "#009E73",
    "no_readme": "#BBBBBB",
    "gated": "#E69F00",
    "not_found": "#CC79A7",
    "disabled": "#56B4E9",
    "error": "#D55E00",
}


def plot_crawl_health(health: pl.DataFrame, out: Path) -> None:
    """Per card shard: models by card status (stacked; above, the ok cards with a byte
    order mark or bytes that are not UTF-8), requests, retries and 429s waited out, and
    seconds; the listing, ``config.json`` (``crawl.configs``) and arXiv jobs in the title
    line."""
    plt = pyplot()
    shards = health.filter(pl.col("job").str.starts_with("cards/"))
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    x = list(range(shards.height))
    names = [j.split("/")[1] for j in shards["job"]]
    bottom = [0] * shards.height
    for status in STATUSES:
        values = shards[status].to_list()
        if any(values):
            left.bar(x, values, bottom=bottom, color=STATUS_COLOURS[status], label=status,
                     edgecolor="black", linewidth=0.3)  # fmt: skip
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    for xi, top, bom, bad in zip(x, bottom, shards["bom"], shards["invalid-utf-8"], strict=True):
        if bom or bad:  # ok cards that are not plain UTF-8
            left.text(xi, top, f"{bom:,} BOM\n{bad:,} not UTF-8", ha="center", va="bottom",
                      fontsize=6)  # fmt: skip
            left.set_ylim(top=max(bottom) * 1.1)  # room for the labels
    left.set_xticks(x, names)
    left.set_xlabel("card shard")
    left.set_ylabel("models")
    left.set_title("Card status per shard", loc="left", fontweight="bold")
    left.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))

    width = 0.27
    right.bar([i - width for i in x], shards["requests"], width, label="requests", color="#0072B2")
    right.bar(x, shards["retries"], width, label="retries", color="#E69F00")
    right.bar([i + width for i in x], shards["throttled"], width, label="429s waited out",
              color="#D55E00")  # fmt: skip
    right.set_xticks(x, names)
    right.set_xlabel("card shard")
    right.set_ylabel("HTTP requests")
    secs = right.twinx()
    secs.plot(x, shards["seconds"], "ko-", ms=4, lw=1, label="seconds")
    secs.set_ylabel("job wall time (s)")
    secs.set_ylim(0, max([1.0, *shards["seconds"].fill_null(0).to_list()]) * 1.15)
    secs.spines["right"].set_visible(True)
    handles = right.get_legend_handles_labels()[0] + secs.get_legend_handles_labels()[0]
    right.legend(handles=handles, frameon=False, fontsize=8, ncols=4, loc="upper center",
                 bbox_to_anchor=(0.5, -0.16))  # fmt: skip
    right.set_title("Requests and time per shard", loc="left", fontweight="bold")
    title = crawl_health_title(health)
    fig.suptitle(textwrap.fill(title, 120), fontsize=10)  # the figure is 11 inches wide
    save_figure(fig, out)


def crawl_health_title(health: pl.DataFrame) -> str:
    """The crawl-health figure's title: the requests in all, and those of the listing, the
    dump bootstrap, the arXiv lookups and the config.json fetches with what they got."""
    others = []
    for job in ("listing", "bootstrap", "arxiv"):
        row = health.filter(pl.col("job") == job)
        if row.height:
            r = row.row(0, named=True)
            what = {"listing": ("model", "models"), "bootstrap": ("dump row", "dump rows")}
            text = f"{job}: {counted(r['requests'], 'request')} for " + counted(
                r["models"], *what.get(job, ("id", "ids"))
            )
            if job == "arxiv" and r["reused"]:
                text += f" ({r['reused']:,} from the cache)"
            others.append(text)
    configs = health.filter(pl.col("job").str.starts_with("configs/"))
    if configs.height:  # crawl.configs: one more request a model, in the same budget
        others.append(f"config.json: {counted(int(configs['requests'].sum()), 'request')} "
                      f"for {counted(int(configs['models'].sum()), 'model')}")  # fmt: skip
    total = counted(int(health["requests"].sum()), "request")
    return f"Crawl health: {total} in all; " + "; ".join(others)
