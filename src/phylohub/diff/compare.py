"""The diff of two snapshots: what was added, removed and changed, and who grew.

``compare_snapshots(old, new)`` reads two snapshots (their ``hub.duckdb``, the genealogy
tables of one relation set, the listing manifests) and returns the tables of
``docs/diff.md``; ``write_diff`` writes them under ``results/{snapshot}/diff/``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from phylohub.diff import sql
from phylohub.errors import PhylohubError
from phylohub.io import check_outputs, write_json, write_parquet, write_tsv

FIELDS = ("license", "task", "library", "gated")


@dataclass(frozen=True)
class SnapshotFiles:
    """What the diff reads of one snapshot."""

    name: str
    db: Path
    nodes: Path  # genealogy/{relations}/nodes.parquet
    families: Path  # genealogy/{relations}/families.parquet
    manifest: Path  # crawl/listing/manifest.json


@dataclass(frozen=True)
class Diff:
    """The tables of a diff (see ``docs/diff.md``) and its summary."""

    models: pl.DataFrame  # id, change
    edges: pl.DataFrame  # parent, child, relation, change
    edge_counts: pl.DataFrame  # relation, added, removed
    changed: pl.DataFrame  # id, field, from, to
    field_changes: pl.DataFrame  # field, from, to, models
    families: pl.DataFrame  # family growth, fastest first
    traits: pl.DataFrame  # trait, value, added, existing, added_share, existing_share
    requests: pl.DataFrame  # one row per snapshot: the crawl's requests
    summary: dict[str, Any]


def _frame(con: duckdb.DuckDBPyConnection, query: str) -> pl.DataFrame:
    frame = pl.from_arrow(con.sql(query).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


def _connect(old: SnapshotFiles, new: SnapshotFiles) -> duckdb.DuckDBPyConnection:
    for files in (old, new):
        if not files.db.is_file():
            raise PhylohubError(f"snapshot {files.name!r} has no {files.db}")
    con = duckdb.connect()
    con.execute(f"ATTACH '{old.db}' AS old (READ_ONLY)")
    con.execute(f"ATTACH '{new.db}' AS new (READ_ONLY)")
    return con


def family_growth(
    old_nodes: pl.DataFrame,
    old_families: pl.DataFrame,
    new_nodes: pl.DataFrame,
    new_families: pl.DataFrame,
) -> pl.DataFrame:
    """Families of the new snapshot with the old families they grew from.

    Each old family with a model still listed maps to the new family holding most of its
    surviving models (ties: the smaller family number); a new family's ``models_before``
    sums the listed models of the old families mapped to it (0: a new family), ``joined``
    counts them. ``growth`` = models_after - models_before; ``relative`` = growth /
    models_before (null for a new family). Sorted by growth, then relative growth, then
    root. Sizes count listed models (not external ancestors).
    """
    listed_old = old_nodes.filter(~pl.col("external")).select("id", old=pl.col("family"))
    listed_new = new_nodes.filter(~pl.col("external")).select("id", new=pl.col("family"))
    shared = listed_old.join(listed_new, on="id")
    mapping = (
        shared.group_by("old", "new")
        .len()
        .sort(["old", "len", "new"], descending=[False, True, False])
        .unique("old", keep="first", maintain_order=True)
        .select("old", "new")
    )
    before = (
        mapping.join(
            old_families.select(old=pl.col("family"), old_root="root", old_models="models"),
            on="old",
        )
        .sort(["new", "old_models", "old"], descending=[False, True, False])
        .group_by("new", maintain_order=True)
        .agg(
            pl.col("old_models").sum().alias("models_before"),
            pl.col("old_root").first().alias("root_before"),
            pl.len().alias("joined"),
        )
    )
    out = (
        new_families.select(new=pl.col("family"), root="root", models_after="models")
        .join(before, on="new", how="left")
        .with_columns(
            pl.col("models_before").fill_null(0).cast(pl.Int64),
            pl.col("joined").fill_null(0).cast(pl.Int64),
            pl.col("models_after").cast(pl.Int64),
        )
        .with_columns(
            (pl.col("models_after") - pl.col("models_before")).alias("growth"),
            (pl.col("models_before") == 0).alias("new_family"),
        )
        .with_columns(
            pl.when(pl.col("models_before") > 0)
            .then(pl.col("growth") / pl.col("models_before"))
            .otherwise(None)
            .alias("relative"),
        )
        .rename({"new": "family"})
        .select(
            "family",
            "root",
            "root_before",
            "models_before",
            "models_after",
            "growth",
            "relative",
            "new_family",
            "joined",
        )
        .sort(["growth", "relative", "root"], descending=[True, True, False], nulls_last=True)
    )
    return out


def _requests(
    con: duckdb.DuckDBPyConnection, old: SnapshotFiles, new: SnapshotFiles
) -> pl.DataFrame:
    rows = []
    for alias, files in (("old", old), ("new", new)):
        crawl = con.execute(sql.CRAWL.format(s=alias)).fetchone()
        assert crawl is not None
        models, card_requests, requested, reused, ok = crawl
        manifest = json.loads(files.manifest.read_text()) if files.manifest.is_file() else {}
        pages = manifest.get("pages")
        rows.append(
            {
                "snapshot": files.name,
                "models": models,
                "listing_requests": pages,
                "card_requests": card_requests,
                "cards_requested": requested,
                "cards_reused": reused,
                "cards_ok": ok,
                "requests": None if pages is None else pages + card_requests,
            }
        )
    return pl.DataFrame(rows, schema_overrides={"listing_requests": pl.Int64, "requests": pl.Int64})


def compare_snapshots(old: SnapshotFiles, new: SnapshotFiles, top: int = 15) -> Diff:
    """The diff of ``new`` against ``old``."""
    con = _connect(old, new)
    models = _frame(con, sql.MODELS)
    edges = _frame(con, sql.EDGES)
    changed = _frame(con, sql.FIELD_CHANGES)
    traits = _frame(con, sql.TRAITS)
    generations = con.execute(sql.GENERATIONS).fetchone()
    saved_row = con.execute(sql.SAVED).fetchone()
    assert generations is not None and saved_row is not None
    n_added, n_existing = generations
    requests = _requests(con, old, new)
    con.close()

    relations = sorted(set(edges["relation"].to_list()))

    def n_edges(relation: str, change: str) -> int:
        return edges.filter((pl.col("relation") == relation) & (pl.col("change") == change)).height

    edge_counts = pl.DataFrame(
        {
            "relation": relations,
            "added": [n_edges(r, "added") for r in relations],
            "removed": [n_edges(r, "removed") for r in relations],
        },
        schema={"relation": pl.String, "added": pl.Int64, "removed": pl.Int64},
    )
    field_changes = (
        changed.filter(pl.col("field") != "sha")
        .group_by("field", "from", "to")
        .agg(pl.len().cast(pl.Int64).alias("models"))
        .sort(["field", "models", "from", "to"], descending=[False, True, False, False])
    )
    traits = traits.with_columns(
        (pl.col("added") / max(1, n_added)).alias("added_share"),
        (pl.col("existing") / max(1, n_existing)).alias("existing_share"),
    )
    families = family_growth(
        pl.read_parquet(old.nodes, columns=["id", "external", "family"]),
        pl.read_parquet(old.families, columns=["family", "root", "models"]),
        pl.read_parquet(new.nodes, columns=["id", "external", "family"]),
        pl.read_parquet(new.families, columns=["family", "root", "models"]),
    )
    grown = families.filter(~pl.col("new_family"))
    new_fams = families.filter(pl.col("new_family") & (pl.col("models_after") >= 2))
    new_alone = families.filter(pl.col("new_family") & (pl.col("models_after") == 1))
    fastest = grown.head(top).select("root", "models_before", "models_after", "growth", "relative")
    counts = {f: changed.filter(pl.col("field") == f).height for f in ("sha", *FIELDS)}
    req = requests.to_dicts()
    summary: dict[str, Any] = {
        "previous": old.name,
        "snapshot": new.name,
        "models": {"before": n_existing + models.filter(pl.col("change") == "removed").height,
                   "after": n_added + n_existing},
        "added": n_added,
        "removed": models.filter(pl.col("change") == "removed").height,
        "edges_added": dict(zip(edge_counts["relation"], edge_counts["added"], strict=True)),
        "edges_removed": dict(zip(edge_counts["relation"], edge_counts["removed"], strict=True)),
        "changed": {
            "sha": counts["sha"],
            **{f"{f}": counts[f] for f in FIELDS},
        },
        "families": {
            "grown": grown.filter(pl.col("growth") > 0).height,
            "shrunk": grown.filter(pl.col("growth") < 0).height,
            "new_with_children": new_fams.height,
            "new_singletons": new_alone.height,
            "joined": families.filter(pl.col("joined") > 1).height,
            "fastest": fastest.to_dicts(),
        },
        "requests": {
            "before": req[0]["requests"],
            "after": req[1]["requests"],
            "card_requests_before": req[0]["card_requests"],
            "card_requests_after": req[1]["card_requests"],
            "cards_reused": req[1]["cards_reused"],
            "saved_card_requests": int(saved_row[0]),
        },
    }  # fmt: skip
    return Diff(
        models, edges, edge_counts, changed, field_changes, families, traits, requests, summary
    )


#: The tables of a diff, by the name of the ``compare_snapshots`` rule's output.
TABLES: tuple[str, ...] = (
    "summary",
    "models",
    "edges",
    "changed",
    "families",
    "edge_counts",
    "field_changes",
    "traits",
    "requests",
)


def write_diff(diff: Diff, out: Mapping[str, Path]) -> None:
    """Write every table of ``diff`` to its path in ``out`` (the rule's outputs): parquet
    for rows, TSV for counts, JSON for the summary."""
    check_outputs(out, TABLES, "diff")
    for name in ("models", "edges", "changed", "families"):
        write_parquet(getattr(diff, name), out[name])
    for name in ("edge_counts", "field_changes", "traits", "requests"):
        write_tsv(getattr(diff, name), out[name])
    write_json(diff.summary, out["summary"])
