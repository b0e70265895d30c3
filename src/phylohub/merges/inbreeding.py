"""Inbreeding per family and the most inbred merge lineages, from ``merges.parquet``.

A merge's *family* here is the family (in ``merges.families``, the genealogy's) of its
first-listed parent: every merge counts once, and for an inbred merge it is the one
family all its parents share. Only merges of two or more parents have a coefficient F
(the kinship of their parents); a merge of one declared parent is left out.

A *merge lineage* is a chain of merges, each a parent of the one before: from a merge,
step to its parent merge of greatest F (ties: the greatest merge depth, then the
first-listed), until a merge with no merge among its parents. The most inbred lineages
start at the merges of greatest F (ties: the longer lineage, then the id); a merge
already on a listed lineage starts no other, so that the table lists distinct chains,
not the same chain cut at each step.
"""

from __future__ import annotations

import polars as pl

#: Rows of inbred_lineages.tsv.
TOP_LINEAGES = 20

#: The columns of inbreeding_families.tsv.
FAMILY_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "family": pl.Int64,
    "root": pl.String,
    "family_models": pl.Int64,
    "merges": pl.Int64,
    "inbred": pl.Int64,
    "inbred_share": pl.Float64,
    "mean_inbreeding": pl.Float64,
    "median_inbreeding": pl.Float64,
    "max_inbreeding": pl.Float64,
    "related_share": pl.Float64,
}

#: The columns of inbred_lineages.tsv.
LINEAGE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "rank": pl.Int64,
    "id": pl.String,
    "inbreeding": pl.Float64,
    "family": pl.Int64,
    "parents": pl.String,
    "length": pl.Int64,
    "mean_inbreeding": pl.Float64,
    "path": pl.String,
    "path_inbreeding": pl.String,
}


def with_family(merges: pl.DataFrame) -> pl.DataFrame:
    """The merges of two or more parents with ``fam``, their first-listed parent's family."""
    return merges.filter(pl.col("parents") >= 2).with_columns(
        pl.col("parent_families").list.first().alias("fam")
    )


def by_family(merges: pl.DataFrame, families: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per family (module docs): its ``merges`` of two or more parents, how many are
    ``inbred`` and their share, the mean, median and greatest F, and ``related_share``
    (F > 0: the parents share an ancestor, inbred or not); the family's ``root`` and
    ``family_models`` from the genealogy's ``families.parquet`` when given. Most merges
    first (ties: the family number)."""
    table = (
        with_family(merges)
        .group_by("fam")
        .agg(
            pl.len().alias("merges"),
            pl.col("inbred").sum().cast(pl.Int64).alias("inbred"),
            pl.col("inbred").mean().alias("inbred_share"),
            pl.col("inbreeding").mean().alias("mean_inbreeding"),
            pl.col("inbreeding").median().alias("median_inbreeding"),
            pl.col("inbreeding").max().alias("max_inbreeding"),
            (pl.col("inbreeding") > 0).mean().alias("related_share"),
        )
        .rename({"fam": "family"})
    )
    if families is not None:
        roots = families.select("family", "root", pl.col("models").alias("family_models"))
        table = table.join(roots, on="family", how="left")
    else:
        table = table.with_columns(
            pl.lit(None, pl.String).alias("root"), pl.lit(None, pl.Int64).alias("family_models")
        )
    return (
        table.select(list(FAMILY_SCHEMA))
        .cast(FAMILY_SCHEMA)  # type: ignore[arg-type]
        .sort(["merges", "family"], descending=[True, False])
    )


def _chain(head: str, info: dict[str, tuple[float, int, list[str]]]) -> list[str]:
    """The lineage from ``head``: each step the parent merge of greatest F (module docs)."""
    path = [head]
    node = head
    while True:
        merge_parents = [p for p in info[node][2] if p in info and p not in path]
        if not merge_parents:
            return path
        order = {p: k for k, p in enumerate(merge_parents)}
        node = max(merge_parents, key=lambda p: (info[p][0], info[p][1], -order[p]))
        path.append(node)


def inbred_lineages(merges: pl.DataFrame, top: int = TOP_LINEAGES) -> pl.DataFrame:
    """The ``top`` most inbred merge lineages (module docs), newest merge first: ``id``
    (where it starts), its ``inbreeding`` and ``family``, its ``parents``, the merges on
    it (``length``) with their ``mean_inbreeding``, and the ``path`` of ids and their F
    (``path_inbreeding``), joined by " <- " (child <- parent). Only merges of F > 0
    start one."""
    multi = with_family(merges)
    info = {
        mid: (float(f), int(d), list(ps))
        for mid, f, d, ps in multi.select(
            "id", "inbreeding", "merge_depth", "parent_ids"
        ).iter_rows()
    }
    fam = dict(zip(multi["id"].to_list(), multi["fam"].to_list(), strict=True))
    heads = multi.filter(pl.col("inbreeding") > 0).sort(
        ["inbreeding", "merge_depth", "id"], descending=[True, True, False]
    )
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    for head in heads["id"].to_list():
        if len(rows) >= top:
            break
        if head in seen:
            continue
        path = _chain(head, info)
        seen.update(path)
        values = [info[m][0] for m in path]
        rows.append(
            {
                "rank": len(rows) + 1,
                "id": head,
                "inbreeding": values[0],
                "family": fam[head],
                "parents": ", ".join(info[head][2]),
                "length": len(path),
                "mean_inbreeding": sum(values) / len(values),
                "path": " <- ".join(path),
                "path_inbreeding": " <- ".join(f"{v:.6g}" for v in values),
            }
        )
    return pl.DataFrame(rows, schema=LINEAGE_SCHEMA)


def family_summary(table: pl.DataFrame, lineages: pl.DataFrame) -> dict[str, object]:
    """The headline numbers of the two tables, for ``summary.json``."""
    return {
        "families_with_merges": table.height,
        "families_mostly_inbred": int((table["inbred_share"] > 0.5).sum()),
        "max_inbreeding": float(table["max_inbreeding"].max()) if table.height else None,  # type: ignore[arg-type]
        "most_inbred_merge": lineages["id"][0] if lineages.height else None,
        "longest_inbred_lineage": int(lineages["length"].max()) if lineages.height else 0,  # type: ignore[arg-type]
    }
