"""Figures of the kinship similarity (the paper's Figure 7 and its six-measure appendix).

Both read only the summary tables (:mod:`phylohub.similarity.summary`); every number drawn
or printed on them comes from those tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import polars as pl
import pyarrow as pa
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from phylohub.figures import KIN_COLOURS, pyplot, save_figure
from phylohub.kinship.sampling import RELATIONS, shape_pairs
from phylohub.kinship.shapes import SHAPE_NODES
from phylohub.similarity.names import METRICS, text_name

__all__ = ["plot_similarity_by_relation", "plot_similarity_measures"]

#: How relations are named on the figures.
RELATION_LABELS: Final[dict[str, str]] = {
    "parent_child": "parent / child",
    "siblings": "siblings",
    "grandparent": "grandparent /\ngrandchild",
    "uncle_nephew": "uncle / nephew",
    "great_grandparent": "great-grandparent /\ngreat-grandchild",
    "cousins": "first cousins",
    "random": "random pair",
}
_COLORS: Final[dict[str, str]] = KIN_COLOURS
_METRIC_LABELS: Final[dict[str, str]] = {
    "tfidf": "TF-IDF cosine",
    "bow": "bag-of-words cosine",
    "levenshtein": "normalised Levenshtein",
}
_TEXT_LABELS: Final[dict[str, str]] = {
    "metadata": "metadata (the paper's string)",
    "metadata_no_ids": "metadata without ids",
    "metadata_no_lineage": "metadata without ids, base models",
    "metadata_traits": "metadata: traits only",
    "card": "model card",
}
# The within-shape panels: shape, title (with the shape drawn in words).
_SHAPE_PANELS: Final[tuple[tuple[str, str], ...]] = (
    ("cherry", "parent p with children a, b"),
    ("uncle", "g -> {p, u}, p -> c (u: uncle of c)"),
    ("chain3", "chain G -> g -> p -> c"),
    ("cousins", "g -> {a, b}, a -> x, b -> y (x, y cousins)"),
)


def _frame(table: pa.Table) -> pl.DataFrame:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def _relation_bars(ax: Axes, means: pl.DataFrame, measure: str, title: str) -> None:
    rows = {r["relation"]: r for r in means.filter(pl.col("measure") == measure).to_dicts()}
    rels = [r for r in RELATIONS if r in rows]
    ys = [rows[r]["mean"] for r in rels]
    err = [
        [rows[r]["mean"] - rows[r]["ci_low"] for r in rels],
        [rows[r]["ci_high"] - rows[r]["mean"] for r in rels],
    ]
    x = range(len(rels))
    ax.bar(x, ys, color=[_COLORS[r] for r in rels], edgecolor="black", linewidth=0.5)
    ax.errorbar(x, ys, yerr=err, fmt="none", ecolor="black", capsize=3, linewidth=1)
    _support_labels(ax, [rows[r] for r in rels])
    ax.set_xticks(list(x), [RELATION_LABELS[r] for r in rels], rotation=45, ha="right", fontsize=8)
    ax.set_ylim(0, 1.12)
    ax.set_title(f"{title}\n{_pairs_text([rows[r] for r in rels])}", fontsize=9)
    ax.grid(axis="y", alpha=0.3)


def _support_labels(ax: Axes, rows: Sequence[dict[str, Any]]) -> None:
    """Above each bar: the distinct pairs and families behind it ("pairs / families")."""
    for i, r in enumerate(rows):
        top = r["ci_high"] if r["ci_high"] == r["ci_high"] else r["mean"]  # NaN: no interval
        ax.text(
            i, min(top, 1.0) + 0.015, f"{r['n_pairs']:,}/{r['n_families']:,}",
            ha="center", va="bottom", fontsize=6, rotation=90,
        )  # fmt: skip


def _pairs_text(rows: Sequence[dict[str, Any]]) -> str:
    """The title's count: draws, and how to read the labels over the bars."""
    if not rows:
        return "no pairs"
    ns = [r["n"] for r in rows]
    lo, hi = min(ns), max(ns)
    draws = f"{lo:,} draws each" if lo == hi else f"{lo:,} to {hi:,} draws"
    return f"{draws}; over bars: distinct pairs / families"


def _difference_note(tests: pl.DataFrame, measure: str, design: str) -> str:
    row = tests.filter(
        (pl.col("comparison") == "siblings > parent_child")
        & (pl.col("measure") == measure)
        & (pl.col("design") == design)
    ).to_dicts()
    if not row:
        return ""
    r = row[0]
    note = (
        f"siblings - parent/child: {r['difference']:+.3f}\n"
        f"95% CI [{r['ci_low']:+.3f}, {r['ci_high']:+.3f}], d = {r['effect_size']:.2f}\n"
        f"{r['n_pairs']:,} pairs, {r['n_families']:,} families"
        f" ({r['effective_families']:.1f} effective)"
    )
    if r["status"] != "tested":
        note += f" ({r['status']})"
    return note


def _shape_panel(ax: Axes, shape_means: pl.DataFrame, shape: str, measure: str, title: str) -> None:
    sub = shape_means.filter((pl.col("shape") == shape) & (pl.col("measure") == measure))
    rows = {(r["role_a"], r["role_b"]): r for r in sub.to_dicts()}
    pairs = [(a, b, rel) for a, b, rel, _, _ in shape_pairs(shape) if (a, b) in rows]
    # Order by kinship, then as the roles come in the shape.
    roles = {r: i for i, r in enumerate(SHAPE_NODES[shape])}
    pairs.sort(key=lambda p: (RELATIONS.index(p[2]), roles[p[0]], roles[p[1]]))
    ys = [rows[(a, b)]["mean"] for a, b, _ in pairs]
    err = [
        [rows[(a, b)]["mean"] - rows[(a, b)]["ci_low"] for a, b, _ in pairs],
        [rows[(a, b)]["ci_high"] - rows[(a, b)]["mean"] for a, b, _ in pairs],
    ]
    x = range(len(pairs))
    ax.bar(x, ys, color=[_COLORS[rel] for _, _, rel in pairs], edgecolor="black", linewidth=0.5)
    ax.errorbar(x, ys, yerr=err, fmt="none", ecolor="black", capsize=3, linewidth=1)
    _support_labels(ax, [rows[(a, b)] for a, b, _ in pairs])
    ax.set_xticks(list(x), [f"{a}-{b}" for a, b, _ in pairs], fontsize=8)
    ax.set_ylim(0, 1.12)
    ax.set_title(f"{title}\n{_pairs_text([rows[(a, b)] for a, b, _ in pairs])}", fontsize=9)
    ax.grid(axis="y", alpha=0.3)


def _legend(fig: Any, relations: Sequence[str]) -> None:
    handles = [Patch(facecolor=_COLORS[r], edgecolor="black", linewidth=0.5) for r in relations]
    labels = [RELATION_LABELS[r].replace("\n", " ") for r in relations]
    fig.legend(handles, labels, loc="lower center", ncol=len(relations), fontsize=8, frameon=False)


def plot_similarity_by_relation(
    means: pa.Table,
    shape_means: pa.Table,
    tests: pa.Table,
    out: Path,
    variants: Sequence[str],
    metric: str = "tfidf",
) -> None:
    """The paper's Figure 7: similarity by relation, and inside kin shapes.

    Panel A: the paper's metadata string, mean similarity of each relation with its
    bootstrap interval, relations ordered by kinship; the sibling-over-parent difference
    is printed. Panel B: the same for the traits-only metadata string (the last variant
    given) when computed. Panels C-F: the pairs inside four shapes (the paper's C and D
    panels), each bar a pair of roles, coloured by its relation.
    """
    m = _frame(means)
    s = _frame(shape_means)
    t = _frame(tests)
    measure = f"metadata_{metric}"
    fig, axes = pyplot().subplots(2, 3, figsize=(15, 9.5))
    a_ax, b_ax = axes[0][0], axes[0][1]
    _relation_bars(a_ax, m, measure, f"A. {_METRIC_LABELS[metric]}, the paper's metadata string")
    note = _difference_note(t, measure, "independent")
    a_ax.text(0.98, 0.97, note, transform=a_ax.transAxes, ha="right", va="top", fontsize=8)
    a_ax.set_ylabel("mean similarity (95% family-bootstrap CI)")
    other = [v for v in variants if v != "paper"]
    if other:
        name = text_name(other[-1])
        _relation_bars(
            b_ax, m, f"{name}_{metric}", f"B. {_METRIC_LABELS[metric]}, {_TEXT_LABELS[name]}"
        )
        note = _difference_note(t, f"{name}_{metric}", "independent")
        b_ax.text(0.98, 0.97, note, transform=b_ax.transAxes, ha="right", va="top", fontsize=8)
    else:
        b_ax.axis("off")
    panels = [axes[0][2], axes[1][0], axes[1][1], axes[1][2]]
    for letter, ax, (shape, title) in zip("CDEF", panels, _SHAPE_PANELS, strict=True):
        _shape_panel(ax, s, shape, measure, f"{letter}. inside '{shape}': {title}")
    c_note = _difference_note(t, measure, "paired in cherry")
    panels[0].text(0.02, 0.97, c_note, transform=panels[0].transAxes, va="top", fontsize=8)
    _legend(fig, RELATIONS)
    fig.suptitle("Kinship similarity of models (metadata, " + _METRIC_LABELS[metric] + ")")
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    out.parent.mkdir(parents=True, exist_ok=True)
    save_figure(fig, out)


def plot_similarity_measures(means: pa.Table, out: Path, texts: Sequence[str]) -> None:
    """Mean similarity by relation for every text and metric (one row of panels per text)."""
    m = _frame(means)
    fig, axes = pyplot().subplots(
        len(texts), len(METRICS), figsize=(4.6 * len(METRICS), 3.6 * len(texts)), squeeze=False
    )
    for i, text in enumerate(texts):
        for j, metric in enumerate(METRICS):
            ax = axes[i][j]
            _relation_bars(
                ax, m, f"{text}_{metric}", f"{_TEXT_LABELS[text]}: {_METRIC_LABELS[metric]}"
            )
            if i < len(texts) - 1:
                ax.set_xticklabels([])
            if j == 0:
                ax.set_ylabel("mean similarity")
    _legend(fig, RELATIONS)
    fig.suptitle(
        "Similarity by relation, every measure (95% CIs resampling families; "
        "over bars: distinct pairs / families)"
    )
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    out.parent.mkdir(parents=True, exist_ok=True)
    save_figure(fig, out)
