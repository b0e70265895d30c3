"""The traits stage's one-pass fast paths give what the plain ones give, row for row: the
mutation distances divided without building each pair's union, and measured both ways of
handling flagged values with one join of the pairs to their traits (only the pairs with a
flagged value measured again), the config traits without the self-join of the models for
their parameter counts, and the parameters by generation read from the parameter counts
alone."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from phylohub.traits import sql
from phylohub.traits.mutation import (
    FLAGGED,
    coded_distances,
    distances_both_ways,
    mutation_distances,
    mutation_rates,
    write_mutation_rates,
)
from phylohub.traits.sizes import MAX_GENERATION, SAME_SIZE_TOLERANCE, model_generations
from phylohub.traits.snapshot import (
    PARAMETER_BOUNDS,
    PARAMETER_BUCKETS,
    frame,
    open_snapshot,
    use_flags,
)

#: ``sql.CREATE_CONFIG_TRAITS`` as it was before, the parameter counts joined back to the
#: models by id: the plain path.
PLAIN_CONFIG_TRAITS = r"""
CREATE OR REPLACE TEMP TABLE config_traits AS
WITH heads AS (
    SELECT id, list_sort(list_distinct(list(CASE
        WHEN regexp_matches(architecture, 'For[A-Z][A-Za-z0-9]*$')
            THEN regexp_extract(architecture, '(For[A-Z][A-Za-z0-9]*)$', 1)
        WHEN regexp_matches(architecture, '(LMHeadModel|Model)$')
            THEN regexp_extract(architecture, '(LMHeadModel|Model)$', 1)
        ELSE architecture END))) AS heads
    FROM architectures GROUP BY id
), configured AS (
    SELECT id FROM model_type UNION SELECT id FROM architectures
    UNION SELECT id FROM quantization
)
SELECT m.id, t.model_type, coalesce(h.heads, []) AS heads,
    CASE WHEN q.method IS NOT NULL THEN q.method
        WHEN c.id IS NOT NULL THEN 'none' END AS quantization,
    CASE WHEN p.n IS NULL THEN NULL
        ELSE $buckets[1 + len([b FOR b IN $bounds IF p.n >= b])]
    END AS parameters,
    p.n AS parameter_count, p.source AS parameters_source
FROM models m
LEFT JOIN (
    SELECT m.id,
        CASE WHEN m.safetensors_params > 0 THEN m.safetensors_params
            WHEN f.estimated_parameters > 0 THEN f.estimated_parameters END AS n,
        CASE WHEN m.safetensors_params > 0 THEN 'safetensors'
            WHEN f.estimated_parameters > 0 THEN 'config estimate' END AS source
    FROM models m LEFT JOIN config_fields f ON f.id = m.id
) p ON p.id = m.id
LEFT JOIN model_type t ON t.id = m.id
LEFT JOIN heads h ON h.id = m.id
LEFT JOIN quantization q ON q.id = m.id
LEFT JOIN configured c ON c.id = m.id
"""

#: ``sizes.MODEL_GENERATIONS`` as it was, on the whole ``config_traits``: the plain path.
PLAIN_MODEL_GENERATIONS = """
WITH RECURSIVE gen(id, root, generation) AS (
    SELECT id, id, 0 FROM models WHERE id NOT IN (SELECT child FROM compared_edges)
    UNION ALL
    SELECT e.child, g.root, g.generation + 1
    FROM gen g JOIN compared_edges e ON e.parent = g.id
    WHERE g.generation < $max_generation
)
SELECT g.id, g.root, g.generation,
    k.parameter_count, k.parameters_source, r.parameter_count AS root_parameter_count,
    CASE WHEN k.parameter_count IS NULL OR r.parameter_count IS NULL THEN NULL
        ELSE abs(k.parameter_count - r.parameter_count)
            < $tolerance * greatest(k.parameter_count, r.parameter_count)
    END AS same_size
FROM gen g
JOIN config_traits k ON k.id = g.id
JOIN config_traits r ON r.id = g.root
ORDER BY g.generation, g.id
"""


def plain_both_ways(con: object) -> dict[str, object]:
    """Each way measured in full: the flags set, then every pair joined to its traits."""
    out = {}
    for way in FLAGGED:
        use_flags(con, way == "excluded")  # type: ignore[arg-type]
        out[way] = coded_distances(con)
    return out


@pytest.mark.parametrize("parents", ["first", "all"])
def test_distances_both_ways_equal_each_way_measured_in_full(flagged: Path, parents: str) -> None:
    con = open_snapshot(flagged, parents)
    try:
        fast = distances_both_ways(con)
        touched = frame(con, "SELECT pair FROM flagged_pairs").height
        plain = plain_both_ways(con)
    finally:
        con.close()
    # the case the fast path singles out: pairs measured again, and rows that change
    assert 0 < touched < fast["kept"].height
    assert not plain["kept"].equals(plain["excluded"])  # type: ignore[attr-defined]
    for way in FLAGGED:
        assert_frame_equal(fast[way], plain[way])  # type: ignore[arg-type]


def test_coded_distances_divide_as_the_union_built(flagged: Path) -> None:
    """The coded distances count the union as |P| + |C| - |P ∩ C|; the named ones build it
    (``list_distinct(list_concat(p, c))``): the same figures, partial overlaps included."""
    con = open_snapshot(flagged, "first")
    try:
        named = mutation_distances(con)
        coded = coded_distances(con)
    finally:
        con.close()
    partial = named.filter((pl.col("distance") > 0) & (pl.col("distance") < 1))
    assert partial.height >= 10 and partial["distance"].n_unique() > 2
    assert_frame_equal(coded.select("trait", "relation", "distance"), named.drop("child", "parent"))


def test_distances_without_flags_reuse_the_first_way(snapshot20k: Path) -> None:
    """Flagging nothing (the flags of ``data_quality`` taken away on this connection), the
    second way is the first, as measuring it in full gives."""
    con = open_snapshot(snapshot20k, "first")
    try:
        con.execute("CREATE TEMP TABLE data_quality AS SELECT * FROM main.data_quality LIMIT 0")
        fast = distances_both_ways(con)
        assert frame(con, "SELECT pair FROM flagged_pairs").height == 0
        plain = plain_both_ways(con)
    finally:
        con.close()
    assert fast["kept"].height > 1000
    for way in FLAGGED:
        assert_frame_equal(fast[way], plain[way])  # type: ignore[arg-type]


def test_config_traits_and_generations_equal_the_plain_statements(flagged: Path) -> None:
    con = open_snapshot(flagged, "first")
    try:
        fast = frame(con, "SELECT * FROM config_traits ORDER BY id")
        generations = model_generations(con)
        params = {"bounds": list(PARAMETER_BOUNDS), "buckets": list(PARAMETER_BUCKETS)}
        con.execute(PLAIN_CONFIG_TRAITS, params)
        plain = frame(con, "SELECT * FROM config_traits ORDER BY id")
        plain_generations = frame(
            con,
            PLAIN_MODEL_GENERATIONS,
            {"max_generation": MAX_GENERATION, "tolerance": SAME_SIZE_TOLERANCE},
        )
    finally:
        con.close()
    assert sql.CREATE_CONFIG_TRAITS != PLAIN_CONFIG_TRAITS
    # every kind of value is there to compare: counts from both sources, config traits
    assert plain["parameter_count"].drop_nulls().len() > 1000
    assert plain["model_type"].drop_nulls().len() > 1000
    assert "config estimate" in set(plain["parameters_source"].drop_nulls())
    assert_frame_equal(fast, plain)
    assert generations["same_size"].drop_nulls().len() > 100
    assert_frame_equal(generations, plain_generations)


def test_rates_both_ways_each_measured_from_its_distances(flagged: Path, tmp_path: Path) -> None:
    """``mutation_rates_flagged`` measures a way's rates again only when its distances
    differ (with no flagged pair the two ways are one frame): here they differ, and each
    way's rows are the rates of its own distances."""
    rates = write_mutation_rates(flagged, tmp_path / "rates.parquet", exclude_flagged=True,
                                 both_out=tmp_path / "both.parquet")  # fmt: skip
    both = pl.read_parquet(tmp_path / "both.parquet")
    con = open_snapshot(flagged, "first")
    try:
        plain = plain_both_ways(con)
    finally:
        con.close()
    for way in FLAGGED:
        want = mutation_rates(plain[way])  # type: ignore[arg-type]
        assert_frame_equal(both.filter(flagged=way).drop("flagged"), want)
    assert_frame_equal(rates, both.filter(flagged="excluded").drop("flagged"))
    assert not both.filter(flagged="kept").drop("flagged").equals(rates)
