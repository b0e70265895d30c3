"""The license audit's figures: the breach matrix and the breach rates by relation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from phylohub.figures import RELATION_COLOURS, pyplot, save_figure
from phylohub.io import read_tsv
from phylohub.vocabulary import EDGE_RELATIONS

#: Cell colours of the matrix by the verdict of the pair of licenses.
VERDICT_COLOURS = {"compatible": "#DCEFD9", "breach": "#F4B6A6", "unknown": "#EEEEEE"}
#: Scopes of breach_rates.tsv drawn, with their labels.
SCOPES = {"changes": "license changed", "to_permissive": "changed to a permissive license"}


def plot_breach_matrix(pairs: pl.DataFrame, png: Path, top: int) -> None:
    """Parent license (rows) x child license (columns) of the ``top`` most frequent of
    each: the cell's colour is the verdict of the pair, its number the edges, and a
    diagonal stroke marks pairs with a breach (naming breaches included)."""
    plt = pyplot()
    parents = _top(pairs, "parent_license", top)
    children = _top(pairs, "child_license", top)
    cells = pairs.filter(
        pl.col("parent_license").is_in(parents) & pl.col("child_license").is_in(children)
    )
    fig, ax = plt.subplots(figsize=(1.6 + 0.45 * len(children), 1.2 + 0.4 * len(parents)))
    for row in cells.iter_rows(named=True):
        x, y = children.index(row["child_license"]), parents.index(row["parent_license"])
        colour = VERDICT_COLOURS[row["pair_verdict"]]
        ax.add_patch(plt.Rectangle((x - 0.5, y - 0.5), 1, 1, color=colour, lw=0))
        ax.text(x, y, f"{row['edges']}", ha="center", va="center", fontsize=6)
        if row["breaches"] > 0:
            ax.plot([x - 0.45, x + 0.45], [y - 0.45, y + 0.45], color="#D55E00", lw=0.6)
    ax.set_xlim(-0.5, len(children) - 0.5)
    ax.set_ylim(len(parents) - 0.5, -0.5)
    ax.set_xticks(range(len(children)), children, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(len(parents)), parents, fontsize=7)
    ax.set_xlabel("child's license")
    ax.set_ylabel("parent's license")
    ax.set_title("Declared licenses, parent to child (numbers: edges; stroke: breaches)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in VERDICT_COLOURS.values()]
    ax.legend(handles, list(VERDICT_COLOURS), loc="upper left", bbox_to_anchor=(1.0, 1.0),
              fontsize=7, frameon=False)  # fmt: skip
    fig.tight_layout()
    save_figure(fig, png)


def _top(pairs: pl.DataFrame, column: str, top: int) -> list[str]:
    counts = (
        pairs.group_by(column)
        .agg(pl.col("edges").sum())
        .sort(["edges", column], descending=[True, False])
    )
    return counts[column].head(top).to_list()


def plot_breach_rates(rates: pl.DataFrame, png: Path) -> None:
    """Breach rate among judged license changes per relation, with intervals clustered
    by family (none below 10 families); one bar per scope of :data:`SCOPES`."""
    plt = pyplot()
    rels = [*EDGE_RELATIONS, "all"]
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    width = 0.8 / len(SCOPES)
    for k, (scope, label) in enumerate(SCOPES.items()):
        part = rates.filter(pl.col("scope") == scope)
        by_rel = {r["relation"]: r for r in part.iter_rows(named=True)}
        x = np.arange(len(rels)) + (k - (len(SCOPES) - 1) / 2) * width
        y = np.array([_num(by_rel.get(r, {}).get("rate")) for r in rels])
        low = np.array([_num(by_rel.get(r, {}).get("low")) for r in rels])
        high = np.array([_num(by_rel.get(r, {}).get("high")) for r in rels])
        colours = [RELATION_COLOURS[r] for r in rels]
        ax.bar(x, np.nan_to_num(y), width, color=colours, alpha=1.0 if k == 0 else 0.5,
               label=label, edgecolor="black", linewidth=0.3)  # fmt: skip
        ok = ~np.isnan(low) & ~np.isnan(high)
        ax.errorbar(x[ok], y[ok], yerr=[y[ok] - low[ok], high[ok] - y[ok]], fmt="none",
                    ecolor="black", capsize=2, lw=0.8)  # fmt: skip
    ax.set_xticks(range(len(rels)), rels)
    ax.set_ylabel("share of judged edges that breach")
    ax.set_ylim(0, 1)
    ax.set_title("License breaches by relation (intervals clustered by family)")
    ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    save_figure(fig, png)


def _num(value: object) -> float:
    return float(value) if isinstance(value, int | float) else float("nan")


def plot_license_breaches(
    pairs: Path, rates: Path, matrix_png: Path, rates_png: Path, top: int = 15
) -> None:
    """Both figures from the stage's tables."""
    plot_breach_matrix(read_tsv(pairs), matrix_png, top)
    plot_breach_rates(read_tsv(rates), rates_png)
