"""Figures of the traits stage: drift diagrams (the paper's Figures 8, 10, 11 and the
libraries) and documentation thinning (Figure 9).

A drift diagram lists a trait's values top to bottom in an optimal order (most upstream
first), each with the number of listed models carrying it. Every drift (a pair of values
that mutate more often one way than the other) is an arc whose width grows with its net
traffic: arcs that agree with the order (downwards) are drawn on the right in blue,
arcs against it on the left in red, dashed. A good ordering leaves the left side almost
empty.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from matplotlib.patches import FancyArrowPatch

from phylohub.errors import PhylohubError
from phylohub.figures import RELATION_COLOURS as SHARED_RELATION_COLOURS
from phylohub.figures import pyplot, save_figure

TITLES = {
    "license": "Licenses",
    "language": "Languages",
    "task": "Tasks",
    "library": "Libraries",
    "model_type": "Model types (config)",
    "architecture": "Architecture heads (config)",
    "quantization": "Quantization methods (config)",
    "parameters": "Parameter-count buckets",
}
ORDER_NAMES = {
    "weighted": "the order with the most transitions downwards (the paper's)",
    "unweighted": "the order with the most drifts downwards (the paper's)",
    "normalised": "the order that puts the most per-parent mutation rate downwards",
}
FORWARD = "#0072B2"
BACKWARD = "#D55E00"
#: Relations drawn in the thinning figure, in the shared colours.
RELATION_COLOURS = {
    r: SHARED_RELATION_COLOURS[r] for r in ("finetune", "adapter", "quantized", "merge", "all")
}


def _pct(x: float | None) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f}%"


def plot_drift(
    orderings: dict[str, Any],
    pairs: pl.DataFrame,
    trait: str,
    out: Path,
    ordering: str = "normalised",
) -> None:
    """Draw the drift diagram of one trait.

    Parameters
    ----------
    orderings
        The content of ``orderings.json`` (:func:`phylohub.traits.drift.write_orderings`).
    pairs
        ``drift_pairs.parquet``.
    trait
        The trait to draw.
    out
        The PNG to write.
    ordering
        Which ordering lays the values out (``weighted``, ``unweighted``, ``normalised``).
    """
    try:
        info = orderings["traits"][trait]
        report = info["orderings"][ordering]
    except KeyError as exc:
        raise PhylohubError(f"orderings.json has no {trait} ordering {ordering!r}") from exc
    order: list[str] = report["order"]
    k = len(order)
    if not report["transitions"]:
        _plot_no_drift(trait, k, int(info.get("transitions_all") or 0), out)
        return
    models = dict(zip(info["values"], info["models"], strict=True))
    pos = {v: i for i, v in enumerate(order)}
    height = max(4.0, 0.42 * k + 2.2)
    labels = {v: f"{v}  ({models.get(v, 0):,})" for v in order}
    # arcs leave from just outside the widest label (about 0.075 x-units per character)
    anchor = 0.2 + 0.038 * max((len(t) for t in labels.values()), default=10)
    fig, ax = pyplot().subplots(figsize=(9.0, height))
    ax.set_xlim(-anchor - 3.4, anchor + 3.4)
    ax.set_ylim(k - 0.4, -1.3)
    ax.axis("off")

    arcs = []
    sub = pairs.filter((pl.col("trait") == trait) & (pl.col("transitions") > pl.col("reverse")))
    for source, target, fwd, rev in sub.select(
        "source", "target", "transitions", "reverse"
    ).iter_rows():
        if source in pos and target in pos:
            arcs.append((pos[source], pos[target], int(fwd) - int(rev)))
    top = max((net for _, _, net in arcs), default=1)
    for v, i in pos.items():
        ax.text(
            0,
            i,
            labels[v],
            ha="center",
            va="center",
            fontsize=8.5,
            bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "#a0aec0", "lw": 0.6},
            zorder=5,
        )
    ax.text(anchor + 1.6, -0.95, "drifts with the order", color=FORWARD, ha="center", fontsize=9)
    ax.text(
        -anchor - 1.6, -0.95, "drifts against the order", color=BACKWARD, ha="center", fontsize=9
    )
    null = report.get("null") or {}
    null_d = (null.get("drifts_explained") or {}).get("mean")
    null_m = (null.get("mutations_explained") or {}).get("mean")
    title = (
        f"{TITLES.get(trait, trait)}: top {k} values in {ORDER_NAMES[ordering]}\n"
        f"drifts explained {report['forward_arcs']}/{report['arcs']} "
        f"= {_pct(report['drifts_explained'])}, mutations explained "
        f"{report['forward_transitions']:,}/{report['transitions']:,} "
        f"= {_pct(report['mutations_explained'])}\n"
        f"baselines: a random order explains 50% of each; the optimal order of the same "
        f"traffic with coin-flip directions {_pct(null_d)} and {_pct(null_m)}"
    )
    ax.set_title(title, fontsize=9.5)
    status = "proven optimal" if report["optimal"] else f"gap {report['gap']:.2g}, not proven"
    if report.get("unique") is False:
        status += "; another order scores the same"
    ax.text(
        0,
        k - 0.35,
        f"SCIP: {status}. (n): listed models with the value. "
        f"Arc width grows with net transitions (widest: {top:,}).",
        ha="center",
        va="top",
        fontsize=7.5,
        color="#4a5568",
    )
    fig.tight_layout()  # save_figure drops the spent layout engine (one draw per file)
    _draw_arcs(ax, arcs, anchor, top, room=3.0)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    save_figure(fig, out)


def _plot_no_drift(trait: str, k: int, transitions_all: int, out: Path) -> None:
    """A notice in place of the diagram of a trait whose kept values never mutate into
    one another: with no transitions every order is optimal and explains 0/0, so an
    order drawn there would look like a finding and be none."""
    fig, ax = pyplot().subplots(figsize=(9.0, 1.6))
    ax.axis("off")
    among = f"its top {k} values" if k else "any value"
    text = (
        f"{TITLES.get(trait, trait)}: no transitions between {among} among compared "
        f"relatives in this snapshot\n({transitions_all:,} transitions of the trait in all), "
        "so there is no drift to order and no diagram."
    )
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=9.5, wrap=True)
    fig.tight_layout()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    save_figure(fig, out)


def plot_drifts(
    orderings: dict[str, Any],
    pairs: pl.DataFrame,
    figures: Mapping[str, Path],
    ordering: str = "normalised",
) -> None:
    """Draw the drift diagram of every trait in ``figures`` (trait -> PNG), in one process.

    The eight diagrams read the same two files and are always redrawn together, so one
    job draws them all: a job of its own per trait paid for an interpreter and for
    importing matplotlib and polars eight times, several times the drawing
    (bench/startup.py). Each figure is made, saved and closed before the next, so every
    file is the one :func:`plot_drift` writes alone, byte for byte
    (tests/traits/test_drift_figures.py).
    """
    for trait, out in figures.items():
        plot_drift(orderings, pairs, trait, Path(out), ordering=ordering)


def _draw_arcs(
    ax: Any, arcs: list[tuple[int, int, int]], anchor: float, top: int, room: float
) -> None:
    """Arcs between rows i and j at x = ±anchor, bulging outwards by at most ``room``
    x-units (forward arcs to the right, backward ones to the left); widest on top."""
    box = ax.get_window_extent()
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    px_x = box.width / abs(x1 - x0)  # pixels per x-unit and per row
    px_y = box.height / abs(y1 - y0)
    for i, j, net in sorted(arcs, key=lambda a: a[2]):
        forward = i < j
        span = abs(i - j)
        bulge = min(room, 0.35 + 0.16 * span)  # x-units at the arc's middle
        # arc3's control point sits rad x (chord length) off the chord, in pixels, and
        # the curve's middle reaches half of that. With the y axis inverted, a negative
        # rad bulges right going down (forward) and left going up (backward): outwards.
        rad = -2 * bulge * px_x / (span * px_y)
        width = 0.4 + 4.0 * math.sqrt(net / top)
        x = anchor if forward else -anchor
        arrow = FancyArrowPatch(
            (x, i),
            (x, j),
            connectionstyle=f"arc3,rad={rad:.4f}",
            arrowstyle="-|>",
            mutation_scale=6 + 3 * width,
            linewidth=width,
            color=FORWARD if forward else BACKWARD,
            linestyle="-" if forward else (0, (3, 2)),
            alpha=0.55 if forward else 0.8,
            shrinkA=2,
            shrinkB=2,
        )
        ax.add_patch(arrow)


_PANELS = (
    ("card_available", "Models with a card", "share of models", True),
    ("card_chars", "Card length (both sides with a card)", "characters (mean)", False),
    ("auto_generated", '"automatically generated" cards', "share of cards", True),
    ("languages", "Languages listed (both sides list one or more)", "languages (mean)", False),
)


def plot_thinning(thinning: pl.DataFrame, out: Path, level: float = 0.95) -> None:
    """Draw the documentation-thinning panels (the paper's Figure 9), one line per relation,
    with the paper's estimate (every edge once; ``estimate`` ``edges``).

    Parameters
    ----------
    thinning
        ``thinning.parquet`` (:func:`phylohub.traits.thinning.thinning`).
    out
        The PNG to write.
    level
        The confidence level of the intervals (for the title).
    """
    fig, axes = pyplot().subplots(2, 2, figsize=(10, 8))
    for ax, (measure, title, ylabel, share) in zip(axes.flat, _PANELS, strict=True):
        rows = thinning.filter((pl.col("measure") == measure) & (pl.col("estimate") == "edges"))
        for relation, colour in RELATION_COLOURS.items():
            sel = rows.filter(pl.col("relation") == relation)
            if sel.height == 0 or sel["pairs"][0] == 0:
                continue
            r = sel.row(0, named=True)
            means = np.array([r["parent_mean"], r["child_mean"]])
            lows = np.array([r["parent_low"], r["child_low"]])
            highs = np.array([r["parent_high"], r["child_high"]])
            err = np.vstack([means - lows, highs - means])
            err = np.clip(np.where(np.isfinite(err), err, 0.0), 0.0, None)
            offset = (list(RELATION_COLOURS).index(relation) - 2) * 0.035
            ax.errorbar(
                np.array([0.0, 1.0]) + offset,
                means,
                yerr=err,
                color=colour,
                marker="o",
                linewidth=2.6 if relation == "all" else 1.8,
                linestyle="--" if relation == "all" else "-",
                capsize=3,
                label=f"{relation} (n={r['pairs']:,})",
            )
        ax.set_xticks([0, 1], ["parent", "child"])
        ax.set_xlim(-0.3, 1.3)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylabel)
        if share:
            ax.set_ylim(-0.02, 1.02)
        else:
            ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7.5, loc="best")
    fig.suptitle(
        "Documentation from parent to child, per relation "
        f"(means over parent-child pairs, {100 * level:.0f}% intervals)",
        fontsize=11,
    )
    fig.tight_layout()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    save_figure(fig, out)
