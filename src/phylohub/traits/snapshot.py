"""Opening a snapshot for the traits stage: checks, settings and the compared pairs."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from phylohub.errors import PhylohubError
from phylohub.inference.switch import shadow_edges
from phylohub.snapshot.connect import connect_snapshot
from phylohub.traits import sql
from phylohub.vocabulary import EDGE_RELATIONS

#: Relations of the snapshot's edges, in the order the stage reports them.
RELATIONS = EDGE_RELATIONS
#: The typed relations, pooled into the row ``all`` of every table.
TYPED_RELATIONS = ("finetune", "adapter", "quantized", "merge")
#: Bounds of the parameter-count buckets (the ``parameters`` trait), and their labels:
#: a count below the first bound is ``<100M``, at or above the last ``>=100B``.
PARAMETER_BOUNDS = (100_000_000, 1_000_000_000, 3_000_000_000, 10_000_000_000,
                    30_000_000_000, 100_000_000_000)  # fmt: skip
PARAMETER_BUCKETS = ("<100M", "100M-1B", "1B-3B", "3B-10B", "10B-30B", "30B-100B", ">=100B")
#: Which parents a child is compared with (see :data:`phylohub.traits.sql.CREATE_COMPARED_EDGES`).
PARENT_CHOICES = ("first", "all")


def open_snapshot(
    db: Path,
    parents: str = "first",
    threads: int | None = None,
    memory_mb: int | None = None,
    exclude_flagged: bool = False,
    extra_edges: pl.DataFrame | None = None,
    traits: bool = True,
    pairs_only: bool = False,
) -> duckdb.DuckDBPyConnection:
    """A read-only connection to ``db`` holding the temporary tables ``compared_edges``
    and ``config_traits`` and the view ``trait_sets`` (see :func:`use_flags`). A snapshot
    built before the config tables existed reads as one whose models have no config.

    Parameters
    ----------
    db
        A snapshot's ``hub.duckdb``.
    parents
        ``first``: compare each child with its first declared parent only; ``all``: with
        every declared parent.
    threads
        DuckDB threads (default: DuckDB's choice).
    memory_mb
        DuckDB's memory limit in MB (default: DuckDB's choice).
    exclude_flagged
        Leave out the values the snapshot flags in ``data_quality``
        (``traits.exclude_flagged``).
    extra_edges
        Inferred edges to compare beside the declared ones (``genealogy.inferred:
        include:...``; :func:`phylohub.inference.switch.shadow_edges`), or None.
    traits
        Make ``config_traits`` and ``trait_sets``; False for a rule that reads no trait
        (documentation thinning) or only the parameter counts (:mod:`.sizes`): the config
        traits scan every listed model's config tables, seconds at the Hub's size.
    pairs_only
        Make ``config_traits`` for the models of the compared pairs only
        (:data:`sql.CREATE_PAIR_CONFIG_TRAITS`): for a rule that reads no other model's
        traits and adds no edges later (:func:`add_edges` would compare models without
        their config traits). Every trait of a compared pair is the same.

    Returns
    -------
    duckdb.DuckDBPyConnection
        The connection; close it when done.

    Raises
    ------
    PhylohubError
        When ``db`` is missing, is not a snapshot, or ``parents`` is not a choice.
    """
    if parents not in PARENT_CHOICES:
        raise PhylohubError(
            f"traits.parents must be one of {', '.join(PARENT_CHOICES)}, not {parents!r}"
        )
    con = connect_snapshot(db)
    present = {row[0] for row in con.execute(sql.SNAPSHOT_TABLES).fetchall()}
    missing = [t for t in sql.REQUIRED_TABLES if t not in present]
    if missing:
        con.close()
        raise PhylohubError(
            f"{db} is not a phylohub snapshot (no table {', '.join(missing)}): rebuild it"
        )
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_mb:
        con.execute(f"SET memory_limit = '{int(memory_mb)}MB'")
    add_edges(con, extra_edges, parents)
    for table in sql.CONFIG_TABLES:
        if table not in present:
            con.execute(sql.CREATE_EMPTY_CONFIG_TABLES[table])
    if not traits:
        return con
    con.execute(
        sql.CREATE_PAIR_CONFIG_TRAITS if pairs_only else sql.CREATE_CONFIG_TRAITS,
        {"bounds": list(PARAMETER_BOUNDS), "buckets": list(PARAMETER_BUCKETS)},
    )
    use_flags(con, exclude_flagged)
    return con


def add_edges(con: duckdb.DuckDBPyConnection, extra: pl.DataFrame | None, parents: str) -> None:
    """(Re)make ``compared_edges`` with the ``extra`` edges added to the declared ones
    (None: declared only). The config traits and flags do not read the edges, so one
    connection can measure the declared edges, then these added, without opening the
    snapshot again."""
    if extra is not None:
        shadow_edges(con, extra)
    con.execute(sql.CREATE_COMPARED_EDGES, {"parents": parents})


def use_flags(con: duckdb.DuckDBPyConnection, exclude: bool) -> None:
    """(Re)make the view ``trait_sets`` every count of the stage reads: the snapshot's
    ``traits`` less its flagged values (``data_quality``) when ``exclude``, else as they
    are. One connection can measure both ways, one after the other."""
    con.execute(sql.FLAGGED_VALUES, {"exclude": bool(exclude)})
    con.execute(sql.CREATE_TRAIT_SETS)


def frame(
    con: duckdb.DuckDBPyConnection, query: str, params: dict[str, object] | None = None
) -> pl.DataFrame:
    """The result of ``query`` as a polars frame (through arrow, no copy of strings)."""
    table = con.sql(query, params=params).to_arrow_table()
    result = pl.from_arrow(table)
    assert isinstance(result, pl.DataFrame)
    return result


def parent_codes(pairs: pl.DataFrame) -> pl.Series:
    """Each pair's parent as an integer, numbered in the parents' sorting order.

    The intervals group pairs by parent (the cluster) with :func:`numpy.unique`; on
    millions of Python strings that sort took most of a rule's time at the Hub's size. The codes
    sort as the strings do (polars compares UTF-8 bytes, Python code points: the same
    order), so any subset's clusters come out numbered, and summed, exactly as the
    strings' would: every figure stays the same to the last bit.
    """
    return pairs["parent"].rank("dense").cast(pl.Int64)
