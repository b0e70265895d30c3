"""The merges stage's figures: the deepest merge lineage as a pedigree, inheritance shares
per trait, the license dominance matrix and the inbreeding coefficients."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

from phylohub.figures import RELATION_COLOURS, pyplot, save_figure
from phylohub.hub.plant_merges import OUTCOMES
from phylohub.io import read_tsv
from phylohub.merges.inbreeding import with_family
from phylohub.merges.inheritance import TRAITS

#: One colour per inheritance class (Okabe and Ito).
OUTCOME_COLOURS = {
    "shared": "#999999",
    "first": "#0072B2",
    "other": "#E69F00",
    "union": "#009E73",
    "mutation": "#D55E00",
}
#: Most ancestors drawn in the pedigree (the nearest first).
PEDIGREE_NODES = 60


def ancestry(edges: pl.DataFrame, head: str, limit: int) -> pl.DataFrame:
    """The edges among ``head`` and its nearest ``limit`` ancestors (breadth first)."""
    by_child: dict[str, list[tuple[str, str]]] = {}
    for child, parent, relation in edges.select("child", "parent", "relation").iter_rows():
        by_child.setdefault(child, []).append((parent, relation))
    seen, queue, rows = {head}, deque([head]), []
    while queue:
        node = queue.popleft()
        for parent, relation in by_child.get(node, []):
            if parent not in seen and len(seen) >= limit:
                continue
            rows.append((node, parent, relation))
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return pl.DataFrame(rows, schema=["child", "parent", "relation"], orient="row")


def _levels(sub: pl.DataFrame, head: str) -> dict[str, int]:
    """Distance below the top of the drawing: a child sits one level below its lowest
    parent (the longest path from a drawn founder)."""
    parents: dict[str, list[str]] = {}
    for child, parent in sub.select("child", "parent").iter_rows():
        parents.setdefault(child, []).append(parent)
    level: dict[str, int] = {}

    def depth(node: str) -> int:
        stack = [node]
        while stack:
            n = stack[-1]
            todo = [p for p in parents.get(n, []) if p not in level]
            if todo:
                stack.extend(todo)
                continue
            stack.pop()
            level[n] = 1 + max((level[p] for p in parents.get(n, [])), default=-1)
        return level[node]

    depth(head)
    for node in {*sub["child"].to_list(), *sub["parent"].to_list()}:
        depth(node)
    return level


def plot_pedigree(lineage: pl.DataFrame, edges: pl.DataFrame, png: Path) -> None:
    """The pedigree of the newest merge of the deepest merge lineage: parents above
    children, edges coloured by relation."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 5.5))
    if lineage.height == 0:
        ax.text(0.5, 0.5, "no merge lineage", ha="center", va="center")
        ax.set_axis_off()
        save_figure(fig, png)
        return
    head = str(lineage.sort("step")["id"][0])
    sub = ancestry(edges, head, PEDIGREE_NODES)
    level = _levels(sub, head)
    rows: dict[int, list[str]] = {}
    for node in sorted(level, key=lambda n: (level[n], n)):
        rows.setdefault(level[node], []).append(node)
    xy = {n: (k - (len(ns) - 1) / 2, -lv) for lv, ns in rows.items() for k, n in enumerate(ns)}
    for child, parent, relation in sub.iter_rows():
        (x0, y0), (x1, y1) = xy[parent], xy[child]
        ax.plot([x0, x1], [y0, y1], color=RELATION_COLOURS.get(relation, "#999999"), lw=1.0)
    lineage_ids = set(lineage["id"].to_list())
    for node, (x, y) in xy.items():
        on = node in lineage_ids
        ax.scatter([x], [y], s=30 if on else 12, color="black" if on else "white",
                   edgecolor="black", zorder=3, linewidth=0.6)  # fmt: skip
    ax.annotate(head.split("/")[-1][:40], xy[head], xytext=(0, -12), textcoords="offset points",
                ha="center", fontsize=7)  # fmt: skip
    for relation in sorted(set(sub["relation"].to_list())):
        ax.plot([], [], color=RELATION_COLOURS.get(relation, "#999999"), label=relation)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_axis_off()
    ax.set_title(
        f"Pedigree of the deepest merge lineage ({lineage.height} merges; black: its merges;"
        f" {len(xy)} models drawn)"
    )
    fig.tight_layout()
    save_figure(fig, png)


def plot_shares(shares: pl.DataFrame, png: Path) -> None:
    """Stacked shares of each class per trait, the merges compared under each bar."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    bottom = np.zeros(len(TRAITS))
    for name in OUTCOMES:
        part = {
            r["trait"]: r for r in shares.filter(pl.col("outcome") == name).iter_rows(named=True)
        }
        y = np.array([float(part.get(t, {}).get("share") or 0.0) for t in TRAITS])
        ax.bar(range(len(TRAITS)), y, bottom=bottom, color=OUTCOME_COLOURS[name], label=name,
               edgecolor="black", linewidth=0.3)  # fmt: skip
        bottom += y
    n = {r["trait"]: r["merges"] for r in shares.iter_rows(named=True)}
    ax.set_xticks(range(len(TRAITS)), [f"{t}\n(n={n.get(t, 0)})" for t in TRAITS])
    ax.set_ylabel("share of merges")
    ax.set_ylim(0, 1)
    ax.set_title("Whose value a merge shows (merges of 2+ parents, every side showing it)")
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    save_figure(fig, png)


def plot_dominance(dominance: pl.DataFrame, png: Path, top: int) -> None:
    """Merges whose license (row) won over a parent's other license (column), for the
    ``top`` most frequent licenses."""
    plt = pyplot()
    dominance = dominance.cast({"merges": pl.Int64, "winner": pl.String, "loser": pl.String})
    sides = [dominance.select(pl.col(c).alias("license"), "merges") for c in ("winner", "loser")]
    totals = (
        pl.concat(sides)
        .group_by("license")
        .agg(pl.col("merges").sum())
        .sort(["merges", "license"], descending=[True, False])
    )
    names = totals["license"].head(top).to_list()
    k = max(len(names), 1)
    grid = np.zeros((k, k))
    for w, lo, m in dominance.select("winner", "loser", "merges").iter_rows():
        if w in names and lo in names:
            grid[names.index(w), names.index(lo)] = m
    # at least as large as the title and the axis labels need, whatever the licenses
    fig, ax = plt.subplots(figsize=(max(4.2, 1.8 + 0.45 * k), max(3.4, 1.4 + 0.4 * k)))
    ax.imshow(grid, cmap="Blues", vmin=0)
    for (i, j), m in np.ndenumerate(grid):
        if m:
            ax.text(j, i, f"{int(m)}", ha="center", va="center", fontsize=6)
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.set_xlabel("a parent's license the merge did not take")
    ax.set_ylabel("the merge's license")
    ax.set_title("License dominance in merges (numbers: merges)")
    fig.tight_layout()
    save_figure(fig, png)


#: Families drawn in the per-family panel of the inbreeding figure (most merges first).
FAMILY_PANEL = 12


def family_spread(
    merges: pl.DataFrame, families: pl.DataFrame, top: int = FAMILY_PANEL
) -> list[tuple[str, npt.NDArray[np.float64]]]:
    """The F of each merge of two or more parents in the ``top`` families of
    ``inbreeding_families.tsv`` (its order: most merges first), labelled by root."""
    multi = with_family(merges)
    out = []
    for row in families.head(top).iter_rows(named=True):
        values = multi.filter(pl.col("fam") == row["family"])["inbreeding"].to_numpy()
        root = str(row.get("root") or f"family {row['family']}").split("/")[-1][:28]
        out.append((f"{root} ({values.size})", values))
    return out


def plot_inbreeding(merges: pl.DataFrame, png: Path, families: pl.DataFrame | None = None) -> None:
    """Inbreeding coefficients of merges of two or more parents, inbred and outcrossed
    stacked; with ``families`` (``inbreeding_families.tsv``) a second panel spreads F per
    family (the first-listed parent's) for the families with the most merges."""
    plt = pyplot()
    multi = merges.filter(pl.col("parents") >= 2)
    bins = np.linspace(0, 0.5, 26)
    spread = family_spread(merges, families) if families is not None else []
    if spread:
        fig, (ax, side) = plt.subplots(
            1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [1.1, 1]}
        )
    else:
        fig, ax = plt.subplots(figsize=(6, 3.2))
    parts = [multi.filter(pl.col("inbred") == v)["inbreeding"].to_numpy() for v in (True, False)]
    ax.hist([np.clip(p, 0, 0.5) for p in parts], bins=bins, stacked=True,
            color=[RELATION_COLOURS["merge"], RELATION_COLOURS["finetune"]],
            label=["inbred (one family)", "outcrossed"])  # fmt: skip
    ax.set_xlabel(
        "inbreeding coefficient F (kinship of the parents; 0.5 and above in the last bin)"
    )
    ax.set_ylabel("merges")
    ax.set_title(f"Inbreeding of {multi.height} merges of two or more parents")
    ax.legend(fontsize=7, frameon=False)
    if spread:
        labels = [label for label, _ in spread][::-1]
        values = [v for _, v in spread][::-1]
        side.boxplot(values, orientation="horizontal", widths=0.6, showmeans=True,
                     meanprops={"marker": "D", "markersize": 3})  # fmt: skip
        side.set_yticks(range(1, len(labels) + 1), labels, fontsize=7)
        side.set_xlabel("F of its merges (diamond: mean)")
        side.set_title("Per family (first-listed parent's; merges)", fontsize=9)
    fig.tight_layout()
    save_figure(fig, png)


#: The resemblance figure's markers: (column of resemblance.tsv, label, colour, marker).
RESEMBLANCE_MARKERS = (
    ("farthest", "farthest parent", "#D55E00", "v"),
    ("others", "other parents (mean)", "#E69F00", "s"),
    ("first", "first-listed parent", "#0072B2", "o"),
    ("closest", "closest parent", "#009E73", "^"),
    ("finetune", "finetune child-parent", "#000000", "x"),
)


def plot_resemblance(summary: pl.DataFrame, claims: pl.DataFrame, png: Path) -> None:
    """Per similarity measure, a merge's mean similarity to its farthest, other,
    first-listed and closest parent beside a finetune's to its parent; each row's label
    carries the first-parent claim (first - others with its interval, or too little
    data)."""
    plt = pyplot()
    rows = summary.to_dicts()
    claim = {r["measure"]: r for r in claims.to_dicts()}
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.45 * max(len(rows), 1)))
    labels = []
    for y, row in enumerate(rows):
        for column, label, colour, marker in RESEMBLANCE_MARKERS:
            value = row.get(column)
            if value is not None and np.isfinite(value):
                ax.scatter([value], [y], color=colour, marker=marker, s=28, zorder=3,
                           label=label if y == 0 else None)  # fmt: skip
        c = claim.get(row["measure"], {})
        if c.get("ci_low") is not None:
            note = f"{c['difference']:+.3f} [{c['ci_low']:+.3f}, {c['ci_high']:+.3f}]"
        else:
            note = c.get("status") or "too few merges"
        families = c.get("families") or 0
        labels.append(f"{row['measure']}\n{row.get('merges') or 0} merges from {families}"
                      f" families; first - others {note}")  # fmt: skip
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("mean similarity (merge to parent; finetune child to parent)")
    ax.set_title("Whom a merge resembles: its parents beside finetune child-parent pairs")
    if ax.get_legend_handles_labels()[1]:
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="x", lw=0.3, alpha=0.5)
    fig.tight_layout()
    save_figure(fig, png)


def plot_merges(
    lineage: Path,
    edges: Path,
    shares: Path,
    dominance: Path,
    merges: Path,
    outputs: dict[str, Path],
    top: int = 12,
    families: Path | None = None,
) -> None:
    """Every figure of the stage from its tables (``outputs``: pedigree, shares,
    dominance, inbreeding)."""
    plot_pedigree(
        read_tsv(lineage), pl.read_parquet(edges, columns=["child", "parent", "relation"]),
        outputs["pedigree"],
    )  # fmt: skip
    plot_shares(read_tsv(shares), outputs["shares"])
    plot_dominance(read_tsv(dominance), outputs["dominance"], top)
    plot_inbreeding(
        pl.read_parquet(merges, columns=["parents", "parent_families", "inbred", "inbreeding"]),
        outputs["inbreeding"],
        read_tsv(families) if families is not None else None,
    )
