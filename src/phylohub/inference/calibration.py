"""How sure an inferred edge is, and how good the inference is, measured on a planted truth.

Calibration: on an ecosystem whose hidden edges and decoys are known
(:mod:`phylohub.hub.plant_kin`), every selected edge a child without declared parents
gets is true or false; the precision of each *combination* (signals fired, ``ambiguous``,
``external``, config verdict) is that combination's confidence, smoothed by Laplace's
rule, ``(true + 1) / (edges + 2)``, so a rare combination stays near 1/2 rather than 0
or 1. The table ships as ``phylohub/data/kin_calibration.tsv`` (made by
``bench/inference.py --calibrate`` on the demo's knobs at seeds of its own,
:data:`CALIBRATION_SEEDS`, a combination's edges and true ones counted over all of them).
Each ecosystem is inferred twice, as the two kinds of snapshot the stage meets: with its
configs (a ``model_type`` table), whose combinations end in ``|agrees``, ``|disagrees``
or ``|missing`` (the verdict ``unknown``: one side of the pair has no ``model_type``,
:data:`phylohub.inference.infer.MISSING`), and without any, where every combination ends
in ``|unknown``. An edge of a snapshot with configs and no verdict is so calibrated on
the edges of that verdict among configs, not on a snapshot without configs, whose
edges are another population (held out, ``name_finetune`` stated 0.936 that way where
0.870 of its edges were true, ``ambiguous+name_finetune`` 0.885 where 0.795 were:
docs/inference.md). A combination with fewer than :data:`MIN_EDGES` edges there falls
back to the same signals ``|unknown``, then to 1/2, and is marked uncalibrated.

Evaluation: precision and recall per signal (the selected edges where it fired) and
combined (the edges at or above a minimum confidence) against the hidden edges, each
with Wilson's interval clustered by parent (the edges one parent's children give are not
independent: a trainer named in one template card is right or wrong for every child
that copies it); over several ecosystems pooled, by ecosystem and parent.

Held out: :func:`confidence_bands` compares, band by band of calibrated confidence, the
confidence an edge states with the precision measured on ecosystems drawn at other seeds
than the calibration's (``bench/inference.py --planted --held-out``), with the same
interval clustered by parent; a band on too few edges or parents gets no verdict.
"""

from __future__ import annotations

import json
import sqlite3
from importlib import resources
from pathlib import Path

import polars as pl

from phylohub.inference.signals import SIGNALS

#: The calibration table shipped with the package.
CALIBRATION = "kin_calibration.tsv"
#: Edges a combination needs on the planted ecosystems (pooled) to count as calibrated.
MIN_EDGES = 5
#: The ecosystems the shipped calibration was fitted on, pooled (``bench/inference.py
#: --planted --calibrate`` fits on these and no others): their seeds, each at
#: :data:`CALIBRATION_MODELS` models with the demo's kin knobs. A held-out check draws
#: other seeds.
CALIBRATION_SEEDS: tuple[int, ...] = (11, 12, 13, 14, 15)
CALIBRATION_MODELS = 20_000
#: Bands of calibrated confidence: deciles, left-closed, the last holding 1 (the bins of
#: the edges figure, :data:`phylohub.inference.plots.BINS`).
BANDS = 10
#: Below this many edges, or parents of them (the clusters of the interval), a band of
#: :func:`confidence_bands` gets no verdict.
MIN_BAND_EDGES = 10
MIN_BAND_PARENTS = 10


def load_calibration(path: Path | None = None) -> pl.DataFrame:
    """The calibration table (``combo``, ``edges``, ``true``, ``confidence``)."""
    if path is None:
        text = resources.files("phylohub.data").joinpath(CALIBRATION).read_text()
        return pl.read_csv(text.encode(), separator="\t")
    return pl.read_csv(path, separator="\t")


def calibrate(selected: pl.DataFrame) -> pl.DataFrame:
    """Per combination of the uncovered selected edges (with a boolean ``true``): edges,
    true ones and the Laplace-smoothed precision."""
    return (
        selected.filter(~pl.col("covered"))
        .group_by("combo")
        .agg(pl.len().alias("edges"), pl.col("true").sum().alias("true"))
        .with_columns(confidence=(pl.col("true") + 1) / (pl.col("edges") + 2))
        .sort("combo")
    )


def with_confidence(selected: pl.DataFrame, table: pl.DataFrame) -> pl.DataFrame:
    """``confidence`` and ``calibrated`` of each edge by its combination: its own row of
    ``table`` if it has :data:`MIN_EDGES` edges or more, else the same signals'
    ``|unknown`` row (for any verdict: ``|agrees``, ``|disagrees``, ``|missing``), else 1/2,
    ``calibrated`` only on its own row (module docs)."""
    known = table.filter(pl.col("edges") >= MIN_EDGES).select("combo", "confidence")
    fallback = known.rename({"combo": "fallback", "confidence": "fallback_confidence"})
    out = (
        selected.with_columns(
            fallback=pl.col("combo").str.replace(r"\|.*$", "|unknown"),
        )
        .join(known, on="combo", how="left")
        .join(fallback, on="fallback", how="left")
    )
    return out.with_columns(
        calibrated=pl.col("confidence").is_not_null(),
        confidence=pl.coalesce("confidence", "fallback_confidence", pl.lit(0.5)),
    ).drop("fallback", "fallback_confidence")


def truth_of(store: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every true edge of a planted store (``child``, ``parent`` ids, lower case) and the
    hidden ones among them."""
    con = sqlite3.connect(store)
    try:
        edges = con.execute(
            "SELECT lower(c.id), lower(p.id) FROM truth_edges e "
            "JOIN truth_models c ON c.key = e.child JOIN truth_models p ON p.key = e.parent"
        ).fetchall()
        hidden = con.execute(
            "SELECT lower(id), lower(other) FROM truth_kin WHERE kind = 'hidden'"
        ).fetchall()
    finally:
        con.close()
    schema = {"c": pl.String, "p": pl.String}
    return pl.DataFrame(edges, schema=schema, orient="row"), pl.DataFrame(
        hidden, schema=schema, orient="row"
    )


def store_model_types(store: Path) -> pl.DataFrame:
    """The listing's ``config.model_type`` of every model of a store (id, model_type)."""
    con = sqlite3.connect(store)
    try:
        rows = con.execute("SELECT id, config FROM models WHERE config IS NOT NULL").fetchall()
    finally:
        con.close()
    pairs = [(i, json.loads(c).get("model_type")) for i, c in rows]
    return pl.DataFrame(pairs, schema={"id": pl.String, "model_type": pl.String}, orient="row")


def mark_truth(selected: pl.DataFrame, edges: pl.DataFrame) -> pl.DataFrame:
    """``true``: the edge is one of the store's true edges."""
    keys = edges.with_columns(true=pl.lit(True))
    return (
        selected.with_columns(
            c=pl.col("child").str.to_lowercase(), p=pl.col("parent").str.to_lowercase()
        )
        .join(keys, on=["c", "p"], how="left")
        .with_columns(pl.col("true").fill_null(False))
        .drop("c", "p")
    )


def precision_recall(
    marked: pl.DataFrame, hidden: pl.DataFrame, min_confidence: float, level: float = 0.95
) -> pl.DataFrame:
    """Precision and recall against the hidden edges: per signal (the uncovered edges
    where it fired, any confidence) and ``combined`` (confidence >= ``min_confidence``).

    ``precision`` is the share of those edges that are true; ``recall`` the share of the
    hidden edges among them. Each has Wilson's interval at ``level`` with the standard
    error clustered by parent (:func:`phylohub.traits.stats.cluster_mean`): by the
    selected edge's parent for precision, the hidden edge's for recall; none (null) for a
    signal that selected no edge, whose ``edges`` 0 says so. With an ``ecosystem`` column
    in both ``marked`` and ``hidden`` (several ecosystems pooled, as
    :func:`confidence_bands`) an edge is matched within its ecosystem and the cluster is
    the ecosystem's parent.
    """
    from phylohub.traits.stats import cluster_mean

    new = marked.filter(~pl.col("covered"))
    pooled = "ecosystem" in new.columns
    if pooled != ("ecosystem" in hidden.columns):
        raise ValueError("marked and hidden edges must both name their ecosystem, or neither")
    on = ["ecosystem", "c", "p"] if pooled else ["c", "p"]
    keys = hidden.select(on)
    new = new.with_columns(cluster=_parent_cluster(pooled))
    hidden_clusters = (
        (keys["ecosystem"].cast(pl.String) + " " + keys["p"]) if pooled else keys["p"]
    ).to_numpy()
    rows = []
    groups = [(s, new.filter(pl.col("signals").list.contains(s))) for s in SIGNALS]
    groups.append(("combined", new.filter(pl.col("confidence") >= min_confidence)))
    for name, part in groups:
        tp = int(part["true"].sum()) if part.height else 0
        row: dict[str, object] = {"signal": name, "edges": part.height, "true": tp}
        if part.height:
            parents = part["cluster"].to_numpy()
            est = cluster_mean(part["true"].cast(pl.Float64).to_numpy(), parents, level, share=True)
            row.update(precision=est.mean, precision_low=est.low, precision_high=est.high)
        else:
            row.update(precision=None, precision_low=None, precision_high=None)
        found = keys.join(
            part.select(*on[:-2], c=pl.col("child").str.to_lowercase(),
                        p=pl.col("parent").str.to_lowercase())
            .unique().with_columns(found=pl.lit(True)),
            on=on, how="left",
        )["found"].fill_null(False)  # fmt: skip
        if keys.height:
            est = cluster_mean(found.cast(pl.Float64).to_numpy(), hidden_clusters, level,
                               share=True)  # fmt: skip
            row.update(recall=est.mean, recall_low=est.low, recall_high=est.high)
        else:
            row.update(recall=None, recall_low=None, recall_high=None)
        rows.append(row)
    schema = {"signal": pl.String, "edges": pl.Int64, "true": pl.Int64,
              **dict.fromkeys(("precision", "precision_low", "precision_high", "recall",
                               "recall_low", "recall_high"), pl.Float64)}  # fmt: skip
    return pl.DataFrame(rows, schema=schema).select(
        "signal", "edges", "true", "precision", "recall", "precision_low", "precision_high",
        "recall_low", "recall_high",
    )  # fmt: skip


def _parent_cluster(pooled: bool) -> pl.Expr:
    """An edge's cluster for the intervals: its parent (lower case), or with several
    ecosystems ``pooled`` (an ``ecosystem`` column) the ecosystem's parent."""
    parent = pl.col("parent").str.to_lowercase()
    return pl.col("ecosystem").cast(pl.String) + pl.lit(" ") + parent if pooled else parent


def band_status(mean_confidence: float, low: float, high: float) -> str:
    """Where a band's stated confidence lies against its measured precision's interval:
    ``within``, ``under-confident`` (below it: conservative) or ``over-confident`` (above
    it: the edges are worse than they say).

    >>> band_status(0.86, 0.93, 0.99), band_status(0.95, 0.93, 0.99)
    ('under-confident', 'within')
    >>> band_status(0.95, 0.6, 0.8)
    'over-confident'
    """
    if mean_confidence > high:
        return "over-confident"
    return "under-confident" if mean_confidence < low else "within"


def confidence_bands(
    marked: pl.DataFrame,
    level: float = 0.95,
    min_edges: int = MIN_BAND_EDGES,
    min_parents: int = MIN_BAND_PARENTS,
) -> pl.DataFrame:
    """The calibration checked band by band: the uncovered edges of ``marked`` (selected
    edges with their ``confidence`` and a boolean ``true``, :func:`mark_truth`) by decile
    of confidence (:data:`BANDS`), each band's edges, parents, true ones, mean confidence
    (what the edges state), precision (the share true) with Wilson's interval at
    ``level`` clustered by parent (as :func:`precision_recall`; by ecosystem and parent
    when ``marked`` has an ``ecosystem`` column, edges of several seeds pooled), and its
    ``status``: :func:`band_status`'s verdict, or ``too few edges`` (below ``min_edges``)
    or ``too few parents`` (below ``min_parents``) in its place. Every band is a row, an
    empty one with 0 edges and no numbers.
    """
    from phylohub.traits.stats import cluster_mean

    new = marked.filter(~pl.col("covered"))
    new = new.with_columns(
        band=(pl.col("confidence") * BANDS).round(9).floor().clip(0, BANDS - 1).cast(pl.Int64),
        cluster=_parent_cluster("ecosystem" in new.columns),
    )
    rows = []
    for band in range(BANDS):
        part = new.filter(pl.col("band") == band)
        edges, parents = part.height, part["cluster"].n_unique()
        stated = part["confidence"].cast(pl.Float64).to_numpy()  # what each edge says
        true = part["true"].cast(pl.Float64).to_numpy()
        row: dict[str, object] = {
            "band": f"{band / BANDS:.1f}-{(band + 1) / BANDS:.1f}", "edges": edges,
            "parents": parents, "true": int(true.sum()),
            "mean_confidence": float(stated.mean()) if edges else None,
            "precision": float(true.mean()) if edges else None,
        }  # fmt: skip
        if edges < min_edges:
            row["status"] = "too few edges"
        elif parents < max(2, min_parents):  # one cluster has no interval
            row["status"] = "too few parents"
        else:
            est = cluster_mean(true, part["cluster"].to_numpy(), level, share=True)
            row.update(precision_low=est.low, precision_high=est.high,
                       status=band_status(float(stated.mean()), est.low, est.high))  # fmt: skip
        rows.append(row)
    schema = {"band": pl.String, "edges": pl.Int64, "parents": pl.Int64, "true": pl.Int64,
              **dict.fromkeys(("mean_confidence", "precision", "precision_low",
                               "precision_high"), pl.Float64),
              "status": pl.String}  # fmt: skip
    return pl.DataFrame(rows, schema=schema)
