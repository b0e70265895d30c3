"""The traits rules' unsorted, id-free reads give the tables the plain ones give: the
thinning table from the coded documentation (parents numbered in SQL, no ids, no sort),
the parameters by generation from the generations without ids or sort, and the value
counts without joining the traits to the config traits."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from phylohub.traits import sql
from phylohub.traits.drift import count_transitions
from phylohub.traits.sizes import (
    GENERATION_SIZES,
    MODEL_GENERATIONS,
    by_generation,
    model_generations,
)
from phylohub.traits.snapshot import frame, open_snapshot, use_flags
from phylohub.traits.thinning import coded_documentation, documentation, thinning


@pytest.mark.parametrize("parents", ["first", "all"])
def test_thinning_from_coded_documentation_equals_the_named_one(
    flagged: Path, parents: str
) -> None:
    con = open_snapshot(flagged, parents, traits=False)
    try:
        named = documentation(con)
        coded = coded_documentation(con)
    finally:
        con.close()
    assert sql.CODED_DOCUMENTATION != sql.DOCUMENTATION
    assert "cluster" in coded.columns and "parent" not in coded.columns
    assert coded.height == named.height > 1000
    # parents with several children, and of several relations, to number and resample
    assert named["parent"].n_unique() < named.height / 2
    plain = thinning(named, replicates=200, seed=3)
    fast = thinning(coded, replicates=200, seed=3)
    assert plain.filter(pl.col("parents") >= 2).height > 10
    assert_frame_equal(fast, plain)
    # the rows' order does not matter: reversed, the same table to the last bit
    assert_frame_equal(thinning(coded.reverse(), replicates=200, seed=3), plain)


#: :data:`sql.CODED_DOCUMENTATION` as it was before each model's card and languages were
#: joined once: :data:`sql.DOCUMENTATION`, which joins ``cards`` and ``traits`` once per
#: side of every pair, numbered by parent and unsorted (the plain form).
PLAIN_CODED_DOCUMENTATION = sql.DOCUMENTATION.replace(
    "SELECT e.relation, e.child, e.parent,",
    "SELECT e.relation, dense_rank() OVER (ORDER BY e.parent) AS cluster,",
).replace("ORDER BY e.relation, e.child, e.parent\n", "")
assert (
    "cluster" in PLAIN_CODED_DOCUMENTATION
    and "ORDER BY e.relation" not in PLAIN_CODED_DOCUMENTATION
)


def _same_rows(con: duckdb.DuckDBPyConnection, parents: str) -> pl.DataFrame:
    """The fast and the plain coded documentation of ``con``, held equal row for row
    (both unsorted: compared sorted); the plain rows."""
    plain = frame(con, PLAIN_CODED_DOCUMENTATION)
    fast = frame(con, sql.CODED_DOCUMENTATION)
    columns = list(plain.columns)
    assert fast.columns == columns and fast.schema == plain.schema, parents
    assert_frame_equal(fast.sort(columns, nulls_last=True), plain.sort(columns, nulls_last=True))
    return plain


@pytest.mark.parametrize("parents", ["first", "all"])
def test_coded_documentation_joins_each_model_once_with_the_same_rows(
    flagged: Path, parents: str
) -> None:
    con = open_snapshot(flagged, parents, traits=False)
    try:
        plain = _same_rows(con, parents)
        assert plain.height > 1000 and plain["p_card"].n_unique() == 2
        assert plain["p_chars"].null_count() > 0 and plain["c_languages"].max() > 0  # type: ignore[operator]
        # models without a card row or a traits row (their pairs are left out), and
        # models with two card rows (their pairs count twice): temporary tables of the
        # same names hide the snapshot's own
        con.execute(
            "CREATE TEMP TABLE cards AS SELECT * FROM main.cards WHERE hash(id) % 7 <> 0 "
            "UNION ALL SELECT * FROM main.cards WHERE hash(id) % 11 = 0"
        )
        con.execute("CREATE TEMP TABLE traits AS SELECT * FROM main.traits WHERE hash(id) % 5 <> 0")
        thinner = _same_rows(con, parents)
        assert 0 < thinner.height < plain.height
    finally:
        con.close()


#: ``compared_values`` as it was made before the pairs were keyed by their row and each
#: end's traits joined once: both sides of every pair joined to the view ``trait_sets``
#: (every listed model's traits joined to its config traits, once per side), keyed by the
#: two ids; and the transitions on it, numbering the pairs by ``row_number`` (the plain
#: forms).
PLAIN_CREATE_COMPARED_VALUES = f"""
CREATE OR REPLACE TEMP TABLE compared_values AS
SELECT * FROM ({sql.TRAIT_VALUES}) WHERE len(p) > 0 AND len(c) > 0
"""
PLAIN_COMPARED_TRANSITIONS = sql.TRANSITIONS.replace(
    f"WITH v AS ({sql.TRAIT_VALUES})", "WITH v AS (SELECT * FROM compared_values)"
)
#: The same per parent, the parent carried by name through every step (no join back to
#: ``compared_edges`` by row number, as the fast form has).
PLAIN_BLOCKS = (
    PLAIN_COMPARED_TRANSITIONS.replace("AS pair, trait,", "AS pair, parent, trait,")
    .replace("SELECT pair, trait, relation,", "SELECT pair, parent, trait, relation,")
    .replace("SELECT trait, relation, source,", "SELECT trait, relation, parent, source,")
    .replace("ORDER BY trait, relation, source", "ORDER BY trait, relation, parent, source")
)
assert PLAIN_BLOCKS.count("parent, trait") == 3


@pytest.mark.parametrize("parents", ["first", "all"])
def test_compared_values_keyed_by_pair_give_the_plain_transitions(
    flagged: Path, parents: str
) -> None:
    assert "row_number" in PLAIN_COMPARED_TRANSITIONS
    con = open_snapshot(flagged, parents)
    try:
        for exclude in (False, True):
            use_flags(con, exclude)
            con.execute(PLAIN_CREATE_COMPARED_VALUES)
            plain_values = con.execute(
                "SELECT trait, count(*) FROM compared_values GROUP BY ALL"
            ).fetchall()
            transitions = frame(con, PLAIN_COMPARED_TRANSITIONS)
            blocks = frame(con, PLAIN_BLOCKS)
            exposures = frame(con, sql.COMPARED_EXPOSURES)
            fast = count_transitions(con)
            fast_values = con.execute(
                "SELECT trait, count(*) FROM compared_values GROUP BY ALL"
            ).fetchall()
            assert "child" not in frame(con, "SELECT * FROM compared_values LIMIT 1").columns
            assert sorted(fast_values) == sorted(plain_values)
            # every trait compared, config traits included, and a pair with several
            # transitions of one trait (the pairs kept apart by their key)
            assert {t for t, _ in plain_values} >= {"license", "language", "model_type"}
            assert transitions.height > 50 and transitions["transitions"].sum() > 500
            assert_frame_equal(fast.transitions, transitions)  # the blocks' sums
            assert_frame_equal(fast.exposures, exposures)
            # the blocks: each pair's transitions under its own parent, several parents
            assert fast.blocks is not None and fast.blocks["parent"].n_unique() > 10
            assert_frame_equal(fast.blocks, blocks)
    finally:
        con.close()


def test_generation_sizes_give_the_table_of_every_model_sorted(flagged: Path) -> None:
    con = open_snapshot(flagged, "first", traits=False)
    try:
        plain = model_generations(con, MODEL_GENERATIONS)
        fast = model_generations(con, GENERATION_SIZES)
    finally:
        con.close()
    assert "id" not in fast.columns and "ORDER BY" not in GENERATION_SIZES
    assert plain["generation"].max() >= 2  # type: ignore[operator]
    assert plain["same_size"].drop_nulls().len() > 100
    assert (~plain["same_size"].drop_nulls()).any()  # sizes that change, and that stay
    columns = list(fast.columns)
    assert_frame_equal(
        fast.sort(columns, nulls_last=True),
        plain.select(columns).sort(columns, nulls_last=True),
    )
    assert_frame_equal(by_generation(fast), by_generation(plain))


#: The value counts as they were made before :data:`sql.TRAIT_COUNTS` counted the traits
#: and the config traits apart: every value of ``trait_sets`` (the join of both), once.
PLAIN_TRAIT_COUNTS = """
WITH s AS MATERIALIZED (SELECT * FROM trait_sets),
v AS (
    SELECT 'license' AS trait, value FROM s, unnest(s.licenses) AS u(value)
    UNION ALL SELECT 'language', value FROM s, unnest(s.languages) AS u(value)
    UNION ALL SELECT 'task', task FROM s WHERE task IS NOT NULL
    UNION ALL SELECT 'library', library FROM s WHERE library IS NOT NULL
    UNION ALL SELECT 'model_type', model_type FROM s WHERE model_type IS NOT NULL
    UNION ALL SELECT 'architecture', value FROM s, unnest(s.heads) AS u(value)
    UNION ALL SELECT 'quantization', quantization FROM s WHERE quantization IS NOT NULL
    UNION ALL SELECT 'parameters', parameters FROM s WHERE parameters IS NOT NULL
)
SELECT trait, value, count(*) AS models FROM v GROUP BY ALL ORDER BY trait, value
"""


@pytest.mark.parametrize("exclude_flagged", [False, True])
def test_trait_counts_apart_equal_the_counts_of_the_joined_traits(
    flagged: Path, exclude_flagged: bool
) -> None:
    con = open_snapshot(flagged, "first", exclude_flagged=exclude_flagged)
    try:
        plain = frame(con, PLAIN_TRAIT_COUNTS)
        fast = frame(con, sql.TRAIT_COUNTS)
    finally:
        con.close()
    assert "trait_sets" not in sql.TRAIT_COUNTS
    # every trait counted, config traits included (the fixture flags values to leave out)
    assert set(plain["trait"]) >= {"license", "language", "task", "library", "model_type",
                                   "architecture", "quantization", "parameters"}  # fmt: skip
    assert_frame_equal(fast, plain)
