"""Parameter counts by generation: do descendants stay the size of their root?

Each listed model's generation is its depth along first declared parents
(``compared_edges`` with ``parents = first``): a model without a listed first parent is
a root (generation 0), its children generation 1, and so on. Its parameter count is the
``parameters`` trait's (:data:`phylohub.traits.sql.CREATE_CONFIG_TRAITS`): the listing's
``safetensors.total`` where present, else the estimate 12·L·h² + V·h from its crawled
``config.json``. A descendant is *the size of its root* when both have a count and they
differ by less than :data:`SAME_SIZE_TOLERANCE` (a new head or a few added tokens change
a count by far less; a distillation or an upscaled merge by a factor).
"""

from __future__ import annotations

import logging
from pathlib import Path

import polars as pl

from phylohub.traits import sql
from phylohub.traits.snapshot import frame, open_snapshot

log = logging.getLogger(__name__)

#: Relative difference below which two parameter counts are one size.
SAME_SIZE_TOLERANCE = 0.1
#: Generations deeper than this are not followed (a chain of cycles ends here).
MAX_GENERATION = 200

#: The parameter counts alone (the config traits' four joins on every listed model are
#: not needed here): ``parameter_count`` and ``parameters_source`` as in ``config_traits``.
CREATE_MODEL_SIZES = f"""
CREATE OR REPLACE TEMP TABLE model_sizes AS
SELECT id, n AS parameter_count, source AS parameters_source FROM ({sql.PARAMETER_COUNTS})
"""


def _same_size(root: str) -> str:
    """``same_size`` of a model (``k``) and its root, whose count is the column ``root``:
    NULL without both counts, else whether they differ by less than ``$tolerance`` of the
    larger."""
    return f"""CASE WHEN k.parameter_count IS NULL OR {root} IS NULL THEN NULL
        ELSE abs(k.parameter_count - {root})
            < $tolerance * greatest(k.parameter_count, {root})
    END AS same_size"""


#: One row per listed model reached from a root along first parents: its root, its
#: generation and both parameter counts.
MODEL_GENERATIONS = f"""
WITH RECURSIVE gen(id, root, generation) AS (
    SELECT id, id, 0 FROM models WHERE id NOT IN (SELECT child FROM compared_edges)
    UNION ALL
    SELECT e.child, g.root, g.generation + 1
    FROM gen g JOIN compared_edges e ON e.parent = g.id
    WHERE g.generation < $max_generation
)
SELECT g.id, g.root, g.generation,
    k.parameter_count, k.parameters_source, r.parameter_count AS root_parameter_count,
    {_same_size("r.parameter_count")}
FROM gen g
JOIN model_sizes k ON k.id = g.id
JOIN model_sizes r ON r.id = g.root
ORDER BY g.generation, g.id
"""

#: :data:`MODEL_GENERATIONS` with only the columns :func:`by_generation` reads, unsorted:
#: its sums, counts and medians do not depend on the rows' order, and sorting every
#: listed model by generation and id, then sending the ids to Python, was a third of the
#: rule's time at the Hub's size. The walk carries the root's parameter count down the
#: generations in place of the root's id, so no join of every reached model to its root
#: follows it (at 1.86M models a sixth of the statement): ``model_sizes`` holds a row per
#: listed model, as ``models`` does, so the roots and their counts are those the join
#: gave (tests/traits/test_rule_fast_paths.py holds the table to the one made from
#: :data:`MODEL_GENERATIONS`).
GENERATION_SIZES = f"""
WITH RECURSIVE gen(id, generation, root_parameter_count) AS (
    SELECT id, 0, parameter_count FROM model_sizes
    WHERE id NOT IN (SELECT child FROM compared_edges)
    UNION ALL
    SELECT e.child, g.generation + 1, g.root_parameter_count
    FROM gen g JOIN compared_edges e ON e.parent = g.id
    WHERE g.generation < $max_generation
)
SELECT g.generation,
    k.parameter_count, k.parameters_source, g.root_parameter_count,
    {_same_size("g.root_parameter_count")}
FROM gen g
JOIN model_sizes k ON k.id = g.id
"""

#: The columns of ``parameters_by_generation.tsv``.
COLUMNS = ("generation", "models", "with_count", "from_safetensors", "from_estimate",
           "median_parameters", "compared", "same_size", "share_same_size",
           "verdict")  # fmt: skip


def _verdict(label: str, counted: int, compared: int, same: int) -> str:
    """What a row says in words: ``no data`` without parameter counts to compare."""
    if label == "0":
        return f"{counted:,} roots with a parameter count" if counted else "no data"
    if not compared:
        return "no data"
    return f"{same:,} of {compared:,} the size of their root"


def model_generations(con: object, query: str = MODEL_GENERATIONS) -> pl.DataFrame:
    """:data:`MODEL_GENERATIONS` (or ``query``, :data:`GENERATION_SIZES`) on a connection
    of :func:`open_snapshot` (first parents; the config traits are not read: it makes
    ``model_sizes``)."""
    con.execute(CREATE_MODEL_SIZES)  # type: ignore[attr-defined]
    return frame(
        con,  # type: ignore[arg-type]
        query,
        {"max_generation": MAX_GENERATION, "tolerance": SAME_SIZE_TOLERANCE},
    )


def by_generation(models: pl.DataFrame) -> pl.DataFrame:
    """Per generation, and pooled over every descendant (``descendants``): models,
    those with a parameter count and its source, the median count, the descendants
    compared with their root (both counted) and those the size of their root."""

    def summarise(df: pl.DataFrame, label: str) -> dict[str, object]:
        counted = df.filter(pl.col("parameter_count").is_not_null())
        compared = df.filter(pl.col("same_size").is_not_null())
        same = int(compared["same_size"].sum()) if compared.height else 0
        median = counted["parameter_count"].median() if counted.height else None
        return {
            "generation": label,
            "models": df.height,
            "with_count": counted.height,
            "from_safetensors": (counted["parameters_source"] == "safetensors").sum(),
            "from_estimate": (counted["parameters_source"] == "config estimate").sum(),
            "median_parameters": float(median) if median is not None else None,  # type: ignore[arg-type]
            "compared": compared.height if label != "0" else 0,
            "same_size": same if label != "0" else 0,
            "share_same_size": same / compared.height if compared.height and label != "0" else None,
            "verdict": _verdict(label, counted.height, compared.height, same),
        }

    rows = [
        summarise(models.filter(pl.col("generation") == g), str(g))
        for g in sorted(set(models["generation"].to_list()))
    ]
    rows.append(summarise(models.filter(pl.col("generation") > 0), "descendants"))
    schema = {
        "generation": pl.Utf8, "models": pl.Int64, "with_count": pl.Int64,
        "from_safetensors": pl.Int64, "from_estimate": pl.Int64,
        "median_parameters": pl.Float64, "compared": pl.Int64, "same_size": pl.Int64,
        "share_same_size": pl.Float64, "verdict": pl.Utf8,
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


def write_parameters_by_generation(
    db: Path, out: Path, threads: int | None = None, memory_mb: int | None = None
) -> pl.DataFrame:
    """Write ``parameters_by_generation.tsv`` for the snapshot ``db`` (an empty count
    everywhere when no model has a parameter count: the finding then reads no data)."""
    con = open_snapshot(db, "first", threads, memory_mb, traits=False)
    try:
        table = by_generation(model_generations(con, GENERATION_SIZES))
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    table.write_csv(out, separator="\t", null_value="")
    log.info("parameters by generation: %s", table.row(-1))
    return table
