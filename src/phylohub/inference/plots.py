"""The inference's figures: precision and recall per signal, and the inferred edges by
relation and confidence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from phylohub.figures import RELATION_COLOURS, pyplot, save_figure
from phylohub.io import read_tsv
from phylohub.vocabulary import EDGE_RELATIONS

#: Confidence bins of the edges figure (left-closed; the last one holds 1).
BINS = np.linspace(0.0, 1.0, 11)


def plot_precision_recall(measured: pl.DataFrame, png: Path) -> None:
    """Precision (dark) and recall (light) of each signal and of the combined inference,
    with their intervals (Wilson's, clustered by parent), one panel per config state
    measured (known, unknown); a signal that selected no edge says so."""
    plt = pyplot()
    states = measured["config"].unique(maintain_order=True).to_list()
    fig, axes = plt.subplots(1, len(states), figsize=(4.2 * len(states), 3.6), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, state in zip(axes, states, strict=True):
        part = measured.filter(pl.col("config") == state)
        y = np.arange(part.height)
        for shift, name, colour in ((-0.2, "precision", "#0072B2"), (0.2, "recall", "#9ECAE1")):
            value = part[name].fill_null(0).to_numpy()
            if f"{name}_low" in part.columns:
                low = part[f"{name}_low"].fill_null(0).to_numpy()
                high = part[f"{name}_high"].fill_null(0).to_numpy()
                err = [np.maximum(value - low, 0), np.maximum(high - value, 0)]
            else:  # a table measured before the intervals
                err = None
            ax.barh(y + shift, value, 0.4, xerr=err, color=colour, label=name,
                    error_kw={"lw": 0.6, "capsize": 1.5})  # fmt: skip
        for k, edges in enumerate(part["edges"].to_list()):
            if edges == 0:
                ax.text(0.02, k, "no edges", va="center", fontsize=6, color="#555555")
        ax.set_yticks(y, part["signal"].to_list(), fontsize=7)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.axvline(0.95, color="#999999", lw=0.5, ls=":")
        ax.axvline(0.8, color="#999999", lw=0.5, ls="--")
        ax.set_title(f"config {state.removeprefix('config ')}", fontsize=9)
        ax.set_xlabel("share")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="upper right", fontsize=7, frameon=False)
    fig.suptitle(
        "Inferred kin against the planted truth of the calibration ecosystems "
        "(in-sample), per signal; intervals clustered by parent",
        fontsize=9,
    )
    fig.tight_layout()
    save_figure(fig, png)


def plot_inferred_edges(edges: pl.DataFrame, png: Path, min_confidence: float) -> None:
    """New inferred edges (no declared edge covers them) by confidence, stacked by
    relation; a line marks the include threshold."""
    plt = pyplot()
    new = edges.filter(~pl.col("covered"))
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    bottom = np.zeros(len(BINS) - 1)
    for relation in EDGE_RELATIONS:
        conf = new.filter(pl.col("relation") == relation)["confidence"].to_numpy()
        counts, _ = np.histogram(conf, BINS)
        ax.bar(BINS[:-1], counts, width=0.1, align="edge", bottom=bottom,
               color=RELATION_COLOURS.get(relation, "#999999"), label=relation)  # fmt: skip
        bottom += counts
    ax.axvline(min_confidence, color="#333333", lw=0.8, ls="--")
    ax.set_xlabel("calibrated confidence")
    ax.set_ylabel("inferred edges")
    ax.set_title(f"Undeclared parents inferred ({new.height} edges)")
    ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    save_figure(fig, png)


def plot_inference(
    edges: Path, measured: Path, edges_png: Path, pr_png: Path, min_confidence: float
) -> None:
    """Rule ``plot_inference``: both figures."""
    plot_inferred_edges(pl.read_parquet(edges), edges_png, min_confidence)
    plot_precision_recall(read_tsv(measured), pr_png)
