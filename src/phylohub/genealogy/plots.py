"""The genealogy figures: family drawings, family-size CCDF, depths, virality against size.

Each function reads the stage's tables (polars frames, see :mod:`.tables`) and writes one
PNG. The drawings take their node positions from graph-tool's force-directed layout
(``sfdp_layout``, seeded; hubs spread their children around them and lineages stay
lines, as in the paper's Figure 1) and are drawn with matplotlib, so that titles,
legend and colours are under our control.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

from phylohub.figures import RELATION_COLOURS, SET_COLOURS, pyplot, save_figure
from phylohub.vocabulary import EDGE_RELATIONS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pick:
    """A family chosen for drawing and why."""

    family: int
    label: str


def pick_families(families: pl.DataFrame, min_size: int, max_size: int) -> list[Pick]:
    """Three families of different shape, among those of ``min_size`` to ``max_size`` nodes.

    In order: the *largest* family that fits (a sprawling tree, as in Figure 1), the
    *deepest* (most generations; ties: the larger), and the *broadest* (most children of
    one node for its size: a broadcast star). Each pick skips the families already
    chosen; only families with one root are drawn.

    Parameters
    ----------
    families
        A ``families.parquet`` table.
    min_size, max_size
        The size range to choose in.

    Returns
    -------
    list of Pick
        Up to three picks (fewer when fewer families fit).
    """
    cand = families.filter(
        pl.col("size").is_between(min_size, max_size) & (pl.col("roots") == 1)
    ).with_columns((pl.col("max_children") / pl.col("size")).alias("fan"))
    picks: list[Pick] = []
    rules = (
        ("largest", ["size", "family"], [True, False]),
        ("deepest", ["depth", "size", "family"], [True, True, False]),
        ("broadest", ["fan", "size", "family"], [True, True, False]),
    )
    for label, keys, desc in rules:
        rest = cand.filter(~pl.col("family").is_in([p.family for p in picks]))
        if rest.height:
            picks.append(Pick(int(rest.sort(keys, descending=desc)["family"][0]), label))
    return picks


def largest_not_drawn(
    families: pl.DataFrame, picks: Sequence[Pick], min_size: int, max_size: int
) -> str:
    """A line naming the largest family when the drawings leave it out ("" otherwise).

    The largest family of a snapshot is often far above the size range that can be
    drawn (or has several roots); the figure must not call its largest *drawn* family
    the largest.

    >>> fam = pl.DataFrame({"family": [0, 1], "root": ["a/big", "b/small"],
    ...                     "size": [5000, 40], "roots": [1, 1]})
    >>> largest_not_drawn(fam, [Pick(1, "largest")], 20, 400)
    'The largest family, a/big (5,000 nodes), is not drawn: above the 20-400 nodes drawn'
    """
    largest = families.sort(["size", "family"], descending=[True, False]).row(0, named=True)
    if largest["family"] in {p.family for p in picks}:
        return ""
    if largest["size"] > max_size:
        why = f"above the {min_size}-{max_size} nodes drawn"
    else:
        why = f"it has {largest['roots']} roots (only families with one root are drawn)"
    return f"The largest family, {largest['root']} ({largest['size']:,} nodes), is not drawn: {why}"


def _layout(
    n: int, src: npt.NDArray[np.int64], dst: npt.NDArray[np.int64], seed: int
) -> npt.NDArray[np.float64]:
    """Force-directed layout (graph-tool's sfdp) of a tree on ``n`` nodes, (n, 2) array.

    Hubs spread their children around them, chains stay lines; seeded, so the same
    family is drawn the same way every time.
    """
    import warnings

    import graph_tool as gt

    with warnings.catch_warnings():  # graph-tool's drawing warns that GTK is missing
        warnings.simplefilter("ignore", RuntimeWarning)
        from graph_tool.draw import sfdp_layout

    g = gt.Graph(directed=False)
    g.add_vertex(n)
    g.add_edge_list(np.column_stack([src, dst]))
    gt.seed_rng(seed % (2**31 - 1) + 1)  # graph-tool reads 0 as "seed from entropy"
    gt.openmp_set_num_threads(1)  # one thread: the same layout on every run
    start = g.new_vertex_property("vector<double>")
    start.set_2d_array(np.random.default_rng(seed).random((2, n)))
    pos = sfdp_layout(g, pos=start)
    xy: npt.NDArray[np.float64] = pos.get_2d_array([0, 1]).T.astype(np.float64)
    return xy


def plot_family_trees(
    families: pl.DataFrame,
    nodes: pl.DataFrame,
    edges: pl.DataFrame,
    out: Path,
    min_size: int = 20,
    max_size: int = 400,
    title: str = "",
    seed: int = 0,
) -> list[Pick]:
    """Draw three families of different shape side by side (:func:`pick_families`).

    Parameters
    ----------
    families, nodes, edges
        The tables of one relation set.
    out
        The PNG to write.
    min_size, max_size
        The size range to choose in.
    title
        A line above the panels (e.g. the relation set).
    seed
        Seed of the layout.

    Returns
    -------
    list of Pick
        The families drawn; none when no family has ``min_size`` to ``max_size`` nodes
        (a small snapshot): the figure then says so, as the other figures with nothing
        to draw do, and a warning names the settings to change.
    """
    picks = pick_families(families, min_size, max_size)
    if not picks:
        text = (
            f"no family of {min_size} to {max_size} models with one root to draw; "
            "change genealogy.figures.draw_min_size/draw_max_size"
        )
        log.warning("family trees: %s", text)
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(8.4, 2.0))
        ax.axis("off")
        ax.text(0.5, 0.5, f"{title}\n{text}" if title else text, ha="center", va="center",
                fontsize=9.5, wrap=True)  # fmt: skip
        save_figure(fig, out)
        return []
    note = largest_not_drawn(families, picks, min_size, max_size)
    if note:
        title = f"{title}\n{note}" if title else note
    plt = pyplot()
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    fig, axes = plt.subplots(1, len(picks), figsize=(4.2 * len(picks), 4.9), squeeze=False)
    used: set[str] = set()
    for ax, pick in zip(axes[0], picks, strict=True):
        fam = families.filter(pl.col("family") == pick.family).row(0, named=True)
        members = nodes.filter(pl.col("family") == pick.family).select("id", "external")
        local = {m: i for i, m in enumerate(members["id"].to_list())}
        fam_edges = edges.filter(pl.col("child").is_in(members["id"].implode()))
        src = np.array([local[p] for p in fam_edges["parent"].to_list()], dtype=np.int64)
        dst = np.array([local[c] for c in fam_edges["child"].to_list()], dtype=np.int64)
        kept = fam_edges["kept"].to_numpy()
        root = local[fam["root"]]
        xy = _layout(len(local), src[kept], dst[kept], seed)
        rel = fam_edges["relation"].to_list()
        colours = [RELATION_COLOURS[r] for r in rel]
        used.update(rel)
        segs = np.stack([xy[src], xy[dst]], axis=1)
        ax.add_collection(LineCollection(segs, colors=colours, linewidths=0.7, alpha=0.85))
        node_colour = np.full(len(local), "#333333", dtype=object)
        node_colour[dst] = colours
        external = members["external"].to_numpy()
        inner = np.ones(len(local), dtype=bool)
        inner[root] = False
        ax.scatter(*xy[inner & ~external].T, s=7, c=list(node_colour[inner & ~external]), lw=0)
        if (external & inner).any():
            ax.scatter(*xy[external & inner].T, s=14, facecolors="none", edgecolors="k", lw=0.6)
        if external[root]:  # a root missing from the snapshot: a hollow star
            ax.scatter(*xy[root], s=160, marker="*", facecolors="white", edgecolors="k",
                       lw=0.9, zorder=3)  # fmt: skip
        else:
            ax.scatter(*xy[root], s=140, marker="*", c="k", zorder=3)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.autoscale_view()
        vir = fam["virality"]
        stats = f"{fam['size']} nodes, {fam['generations']} generations"
        if vir is not None:
            stats += f", virality {vir:.2f}"
        missing = " (not in the snapshot)" if fam["root_external"] else ""
        label = "largest drawn" if pick.label == "largest" and note else pick.label
        ax.set_title(f"{label}: {fam['root']}{missing}\n{stats}", fontsize=8.5)
    drawn = [r for r in EDGE_RELATIONS if r in used]
    handles = [Line2D([], [], color=RELATION_COLOURS[r], lw=2, label=r) for r in drawn]
    handles.append(Line2D([], [], marker="*", color="k", ls="", ms=10, label="root"))
    if bool(nodes.filter(pl.col("family").is_in([p.family for p in picks]))["external"].any()):
        handles.append(
            Line2D(
                [], [], marker="o", mfc="none", mec="k", ls="", label="hollow: not in the snapshot"
            )
        )
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)
    if title:
        fig.suptitle(title, fontsize=10, y=0.99)
    top = 1 - 0.05 * (title.count("\n") + 1) if title else 1
    fig.tight_layout(rect=(0, 0.06, 1, top))
    save_figure(fig, out)
    return picks


def identical_sets(frames: Mapping[str, pl.DataFrame]) -> list[list[str]]:
    """Relation sets grouped by equal frames, in the order of their first member.

    Sets that give the same families (a snapshot with finetune edges only gives the
    same ``finetune``, ``no_merge`` and ``all``) would draw lines exactly on top of
    each other: the figures draw such a group once and name all its sets.

    >>> a, b = pl.DataFrame({"size": [1, 2]}), pl.DataFrame({"size": [1, 3]})
    >>> identical_sets({"finetune": a, "no_merge": b, "all": a})
    [['finetune', 'all'], ['no_merge']]
    """
    groups: list[list[str]] = []
    for name, frame in frames.items():
        for group in groups:
            if frames[group[0]].equals(frame):
                group.append(name)
                break
        else:
            groups.append([name])
    return groups


def _group_label(group: Sequence[str]) -> str:
    return group[0] if len(group) == 1 else ", ".join(group) + " (identical)"


def plot_family_sizes(families: Mapping[str, pl.DataFrame], out: Path) -> None:
    """Family-size CCDF, P(size >= s), on log axes; one line per relation set (sets
    with the same sizes share one line, :func:`identical_sets`).

    Parameters
    ----------
    families
        ``families.parquet`` of each relation set, by set name.
    out
        The PNG to write.
    """
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    sorted_sizes = {name: fam.select(pl.col("size").sort()) for name, fam in families.items()}
    for group, colour in zip(identical_sets(sorted_sizes), SET_COLOURS, strict=False):
        sizes = sorted_sizes[group[0]]["size"].to_numpy()
        values, first = np.unique(sizes, return_index=True)
        ccdf = 1.0 - first / sizes.size
        ax.step(values, ccdf, where="post", color=colour,
                label=f"{_group_label(group)}: {sizes.size:,} families")  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("family size s (models, external ancestors included)")
    ax.set_ylabel("share of families with size ≥ s")
    ax.grid(True, which="major", lw=0.3, alpha=0.5)
    ax.legend(frameon=False, title="relation set", fontsize=8)
    fig.tight_layout()
    save_figure(fig, out)


def plot_family_depths(depths: Mapping[str, pl.DataFrame], out: Path) -> None:
    """Families by depth (left) and models by generation (right), log counts, per set
    (sets with the same table share one line, :func:`identical_sets`).

    Parameters
    ----------
    depths
        ``depths.tsv`` of each relation set, by set name.
    out
        The PNG to write.
    """
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharex=True)
    for group, colour in zip(identical_sets(depths), SET_COLOURS, strict=False):
        d, name = depths[group[0]], _group_label(group)
        g = d["generation"].to_numpy()
        fam, nod = d["families"].to_numpy(), d["nodes"].to_numpy()
        m = (g >= 1) & (fam > 0)
        axes[0].plot(g[m], fam[m], "o-", ms=2.5, lw=1, color=colour, label=name)
        m = nod > 0
        axes[1].plot(g[m], nod[m], "o-", ms=2.5, lw=1, color=colour, label=name)
    axes[0].set_title("families by depth (deepest generation)", fontsize=9)
    axes[0].set_xlabel("depth (generations below the root)")
    axes[0].set_ylabel("families")
    axes[1].set_title("nodes by generation", fontsize=9)
    axes[1].set_xlabel("generation (0 = root)")
    axes[1].set_ylabel("nodes")
    from matplotlib.ticker import MaxNLocator

    for ax in axes:
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, lw=0.3, alpha=0.5)
    axes[1].legend(frameon=False, title="relation set", fontsize=8)
    fig.tight_layout()
    save_figure(fig, out)


def plot_virality(families: Mapping[str, pl.DataFrame], out: Path, names: Sequence[str]) -> None:
    """Structural virality against family size, one panel per relation set in ``names``.

    Each family with a virality is a dot; the line is the median per size class (powers
    of two); the dashed curves are the two extremes for a tree of ``n`` nodes, the star
    ``2 (n - 1) / n`` and the path ``(n + 1) / 3``.

    Parameters
    ----------
    families
        ``families.parquet`` of each relation set, by set name.
    out
        The PNG to write.
    names
        The sets to plot, in order.
    """
    plt = pyplot()
    from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

    fig, axes = plt.subplots(
        1, len(names), figsize=(4.2 * len(names), 3.8), squeeze=False, sharey=True
    )
    top = 2.5
    groups = identical_sets({n: families[n].select("size", "virality") for n in names})
    same_as = {name: group[0] for group in groups for name in group[1:]}
    for ax, name in zip(axes[0], names, strict=True):
        fam = families[name].filter(pl.col("virality").is_not_null())
        size = fam["size"].to_numpy().astype(float)
        vir = fam["virality"].to_numpy()
        rng = np.random.default_rng(0)  # jitter only, to separate equal sizes
        ax.scatter(size * np.exp(rng.uniform(-0.08, 0.08, size.size)), vir, s=4, alpha=0.35,
                   lw=0, color="#0072B2", label=f"{size.size:,} families")  # fmt: skip
        if size.size:
            k = np.floor(np.log2(size)).astype(int)
            ks = np.unique(k)
            mid = [np.exp(np.log(size[k == j]).mean()) for j in ks]
            med = [np.median(vir[k == j]) for j in ks]
            ax.plot(mid, med, "-", color="k", lw=1.2, label="median per size class")
            n = np.geomspace(2, size.max() * 1.2, 100)
            ax.plot(n, 2 * (n - 1) / n, "--", color="#999999", lw=0.8, label="star (lowest)")
            ax.plot(n, (n + 1) / 3, ":", color="#999999", lw=0.9, label="path (highest)")
            top = max(top, float(vir.max()) * 1.08)
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10))
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
        same = f" (identical to {same_as[name]})" if name in same_as else ""
        ax.set_title(name + same, fontsize=9)
        ax.set_xlabel("family size (nodes)")
        ax.grid(True, lw=0.3, alpha=0.5)
        ax.legend(frameon=False, fontsize=7, loc="upper left")
    axes[0][0].set_ylim(0.9, top)
    axes[0][0].set_ylabel("structural virality (mean distance)")
    fig.tight_layout()
    save_figure(fig, out)
