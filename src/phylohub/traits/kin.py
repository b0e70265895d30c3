"""The headline numbers with declared edges only beside those with inferred kin added.

The inference stage (:mod:`phylohub.inference`) proposes undeclared parents; this table
says what they would change: the genealogy's families, largest family, deepest
generation and children with children (relation set ``inference.relations``), and the
mutation rate of every trait over the typed relations pooled (Definition 7.1, each child
against its first parent), each measured twice on the same snapshot: with the declared
edges, and with the inferred edges at or above ``inference.min_confidence`` added
(:func:`phylohub.inference.switch.included_edges`; the traits read them through
:func:`phylohub.traits.snapshot.open_snapshot`'s ``extra_edges``). An inferred edge
gets the relation its signals imply; one the signals give no relation (``unknown``)
joins the untyped edges, which the pooled mutation rate leaves out, as it does the
declared ones.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from phylohub.errors import PhylohubError
from phylohub.genealogy.families import analyse, family_table
from phylohub.genealogy.graphs import (
    SnapshotEdges,
    read_edges,
    relation_codes,
    relation_graph,
    with_edges,
)
from phylohub.genealogy.tables import summarise
from phylohub.inference.switch import included_edges
from phylohub.io import write_tsv
from phylohub.traits.mutation import coded_distances, mutation_rates
from phylohub.traits.snapshot import add_edges, open_snapshot
from phylohub.vocabulary import TRAITS

log = logging.getLogger(__name__)

#: The two columns of the table.
SIDES = ("declared", "with_inferred")


def genealogy_headlines(
    edges: SnapshotEdges, relations: Sequence[str], extra: pl.DataFrame | None
) -> dict[str, Any]:
    """Edges, families of two or more, largest family, deepest generation and children
    with children of one relation set of the snapshot's ``edges`` (:func:`read_edges`,
    read once for both sides), with ``extra`` edges added (None: declared only)."""
    relation_codes(relations)
    gen = analyse(relation_graph(edges if extra is None else with_edges(edges, extra), relations))
    return summary_headlines(summarise(gen, family_table(gen)))


def summary_headlines(s: dict[str, Any]) -> dict[str, Any]:
    """The genealogy headlines of a set's summary (:func:`summarise`, as the genealogy
    stage writes it to ``summary.json``)."""
    return {
        "edges": s["edges"],
        "families_2plus": s["families_2plus"],
        "largest_family": s["largest_family"]["size"],
        "deepest_generation": s["max_depth"],
        "children_with_children": s["children_with_children"]["count"],
        "children_with_children_share": s["children_with_children"]["share"],
    }


def declared_headlines(summary: Path, relations: Sequence[str]) -> dict[str, Any]:
    """:func:`genealogy_headlines` of the declared edges, read from the genealogy stage's
    ``summary.json`` of the same relation set built without inferred edges
    (``genealogy.inferred: exclude``): the same graph, analysed by the same functions,
    and its share written as JSON (exact), so the numbers are the same without reading
    and analysing the edges again (about a third of the rule's time at the Hub's size).

    Raises
    ------
    PhylohubError
        When the summary is of another relation set.
    """
    s = json.loads(Path(summary).read_text(encoding="utf-8"))
    if list(s["relations"]) != list(relations):
        raise PhylohubError(
            f"{summary} is the genealogy of {'+'.join(s['relations'])},"
            f" not of {'+'.join(relations)}"
        )
    return summary_headlines(s)


def mutation_headlines(con: duckdb.DuckDBPyConnection, level: float) -> dict[str, Any]:
    """The pooled mutation rate (typed relations) of every trait, and its pairs, on a
    connection from :func:`phylohub.traits.snapshot.open_snapshot`."""
    return rate_headlines(mutation_rates(coded_distances(con), level))


def rate_headlines(rates: pl.DataFrame) -> dict[str, Any]:
    """The pooled rate and pairs of every trait of a table of
    :func:`phylohub.traits.mutation.mutation_rates` (its rows of relation ``all``)."""
    out: dict[str, Any] = {}
    for row in rates.filter(pl.col("relation") == "all").iter_rows(named=True):
        out[f"mutation_rate_{row['trait']}"] = row["rate"]
        out[f"mutation_pairs_{row['trait']}"] = row["pairs"]
    return out


def declared_rate_headlines(rates: Path) -> dict[str, Any]:
    """:func:`mutation_headlines` of the declared edges, read from the table of rates
    that rule ``measure_mutation_rates`` writes both ways
    (``mutation_rates_flagged.parquet``, its rows with the flagged values kept), when
    those are measured on each child's first parent over the declared edges only
    (``traits.parents: first``, ``genealogy.inferred: exclude``): the same distances
    through the same :func:`~phylohub.traits.mutation.mutation_rates`, so the same
    numbers, without joining every compared pair to its traits again (most of the
    rule's time at the Hub's size).

    Raises
    ------
    PhylohubError
        When the table lacks the rows of a trait with its flagged values kept.
    """
    table = pl.read_parquet(rates).filter(pl.col("flagged") == "kept").drop("flagged")
    out = rate_headlines(table)
    missing = [t for t in TRAITS if f"mutation_rate_{t}" not in out]
    if missing:
        raise PhylohubError(
            f"{rates} holds no pooled rate of {', '.join(missing)} with flagged values kept"
        )
    return out


def kin_headlines(
    db: Path,
    inferred: Path,
    relations: Sequence[str],
    min_confidence: float,
    level: float,
    out: Path,
    declared: Path | None = None,
    declared_rates: Path | None = None,
) -> pl.DataFrame:
    """Rule ``compare_inferred_kin``: the headline numbers both ways (module docs),
    written to ``out`` (``measure``, ``declared``, ``with_inferred``, ``change``).
    ``declared``: the genealogy stage's ``summary.json`` of ``relations`` built from the
    declared edges only (:func:`declared_headlines`), or None to measure that side here;
    ``declared_rates``: the rates rule's ``mutation_rates_flagged.parquet`` measured on
    the declared edges and first parents (:func:`declared_rate_headlines`), or None to
    measure that side's rates here. With both given and no inferred edge to add, the
    snapshot is not read at all.
    """
    extra = included_edges(inferred, min_confidence)
    log.info("%d inferred edges at confidence >= %s", extra.height, min_confidence)
    # one read of the edges and one connection serve both sides: the inferred edges are
    # added to the connection after the declared side is measured; the edges are not
    # read at all when the declared side's summary is given and no edge is added, the
    # snapshot not opened when its rates are given too
    edges = read_edges(db) if declared is None or extra.height > 0 else None
    con: duckdb.DuckDBPyConnection | None = None
    try:
        sides: dict[str, dict[str, Any]] = {}
        for side, added in zip(SIDES, (None, extra), strict=True):
            if added is not None and added.height == 0:
                # nothing to add: the second side is the first (measuring it again
                # doubled the rule's time on a snapshot without confident kin)
                sides[side] = sides["declared"]
                continue
            if added is None and declared is not None:
                genealogy = declared_headlines(declared, relations)
            else:
                assert edges is not None
                genealogy = genealogy_headlines(edges, relations, added)
            if added is None and declared_rates is not None:
                mutation = declared_rate_headlines(declared_rates)
            else:
                if con is None:
                    # opened with this side's edges (the inferred ones added, or none)
                    con = open_snapshot(db, "first", extra_edges=added)
                elif added is not None:
                    add_edges(con, added, "first")
                mutation = mutation_headlines(con, level)
            sides[side] = {**genealogy, **mutation}
    finally:
        if con is not None:
            con.close()
    order = [*sides["declared"]]
    order = [m for m in order if not m.startswith("mutation")] + [
        f"mutation_{k}_{t}" for t in TRAITS for k in ("rate", "pairs")
    ]
    table = pl.DataFrame(
        {
            "measure": order,
            "declared": [float(sides["declared"][m] or 0) for m in order],
            "with_inferred": [float(sides["with_inferred"][m] or 0) for m in order],
        }
    ).with_columns(change=pl.col("with_inferred") - pl.col("declared"))
    write_tsv(table, out)
    return table
