"""The traits stage's fast paths give what the plain ones give, row for row, on a crawled
20,000-model ecosystem: the compared pairs ranked through the tags of multi-parent
children only, the mutation distances keyed by integers, the transitions and exposures
read from one materialised table, the kin headlines' second side reused when no
inferred edge is added, their declared side's rates read from the rates rule's table, and
the config traits of the compared pairs' models only."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from phylohub.errors import PhylohubError
from phylohub.genealogy.graphs import read_edges
from phylohub.genealogy.tables import build_genealogy, paths_in
from phylohub.traits import sql
from phylohub.traits.drift import count_transitions
from phylohub.traits.kin import genealogy_headlines, kin_headlines, mutation_headlines
from phylohub.traits.mutation import (
    coded_distances,
    distances_both_ways,
    mutation_distances,
    mutation_rates,
    write_mutation_rates,
)
from phylohub.traits.snapshot import add_edges, frame, open_snapshot, parent_codes, use_flags

ALL = ["finetune", "adapter", "quantized", "merge", "unknown"]

#: ``sql.CREATE_COMPARED_EDGES`` as it was first written, every edge ranked through the
#: ``base_model`` tags: the plain path. The fast one ranks only the children with several
#: edges (a child with one edge ranks it first whatever its tags say).
PLAIN_COMPARED_EDGES = """
CREATE OR REPLACE TEMP TABLE compared_edges AS
WITH base_tags AS (
    SELECT id AS child, position, lower(string_split(value, ':')[-1]) AS lparent
    FROM tags WHERE prefix = 'base_model'
), declared AS (
    SELECT e.child, e.parent, e.relation, e.parent_in_snapshot,
        min(b.position) AS first_position
    FROM edges e
    LEFT JOIN base_tags b ON b.child = e.child AND b.lparent = lower(e.parent)
    GROUP BY ALL
), ranked AS (
    SELECT *, row_number() OVER (
        PARTITION BY child ORDER BY first_position NULLS LAST, parent
    ) AS parent_rank
    FROM declared
)
SELECT child, parent, relation, parent_rank
FROM ranked
WHERE parent_in_snapshot AND ($parents = 'all' OR parent_rank = 1)
ORDER BY child, parent
"""


@pytest.mark.parametrize("parents", ["first", "all"])
def test_compared_edges_equal_the_plain_ranking(snapshot20k: Path, parents: str) -> None:
    con = open_snapshot(snapshot20k, parents)
    try:
        fast = frame(con, "SELECT * FROM compared_edges")
        several = frame(con, "SELECT child FROM edges GROUP BY child HAVING count(*) > 1")
        con.execute(PLAIN_COMPARED_EDGES, {"parents": parents})
        plain = frame(con, "SELECT * FROM compared_edges")
    finally:
        con.close()
    assert several.height > 50  # children the tags rank: the case the fast path singles out
    assert fast.height > 1000
    assert_frame_equal(fast, plain)


@pytest.mark.parametrize("exclude", [False, True])
def test_coded_distances_equal_the_named_ones(snapshot20k: Path, exclude: bool) -> None:
    con = open_snapshot(snapshot20k, "first")
    try:
        use_flags(con, exclude)
        named = mutation_distances(con)
        coded = coded_distances(con)
    finally:
        con.close()
    assert named.height > 1000
    assert_frame_equal(coded.select("trait", "relation", "distance"), named.drop("child", "parent"))
    # the codes number the parents in their sorting order: equal to the names' own ranks
    assert (coded["cluster"].rank("dense").cast(pl.Int64) == parent_codes(named)).all()
    assert_frame_equal(mutation_rates(coded), mutation_rates(named))


def test_transitions_from_the_materialised_values_equal_the_plain(snapshot20k: Path) -> None:
    con = open_snapshot(snapshot20k, "first")
    try:
        plain = {name: frame(con, getattr(sql, name)) for name in ("TRANSITIONS", "EXPOSURES")}
        tables = count_transitions(con)
    finally:
        con.close()
    assert tables.transitions.height > 10
    assert_frame_equal(tables.transitions, plain["TRANSITIONS"])
    assert_frame_equal(tables.exposures, plain["EXPOSURES"])


def test_kin_without_inferred_edges_measures_the_second_side(
    snapshot20k: Path, tmp_path: Path
) -> None:
    inferred = tmp_path / "inferred_edges.parquet"
    pl.DataFrame(
        {"child": ["x/c"], "parent": ["x/p"], "relation": ["finetune"], "confidence": [0.1],
         "covered": [False], "parent_in_snapshot": [True]}
    ).write_parquet(inferred)  # fmt: skip
    table = kin_headlines(snapshot20k, inferred, ALL, 0.8, 0.95, tmp_path / "kin.tsv")
    # the second side measured the plain way: the (empty) edges added, then measured again
    edges = read_edges(snapshot20k)
    con = open_snapshot(snapshot20k, "first")
    try:
        add_edges(
            con,
            pl.DataFrame(schema=dict.fromkeys(("child", "parent", "relation"), pl.String)),
            "first",
        )
        plain = {
            **genealogy_headlines(
                edges, ALL, pl.DataFrame({"child": [], "parent": [], "relation": []})
            ),
            **mutation_headlines(con, 0.95),
        }
    finally:
        con.close()
    got = dict(zip(table["measure"], table["with_inferred"], strict=True))
    assert got["edges"] > 1000
    want = {m: float(plain[m] or 0) for m in got}
    assert_frame_equal(pl.DataFrame([got]), pl.DataFrame([want]))  # NaN equals NaN here


def _one_inferred_edge(db: Path, folder: Path, confident: bool) -> Path:
    """An inferred-edges file of one edge between the snapshot's first two models, above
    the confidence threshold (0.8) or below it."""
    inferred = folder / "inferred_edges.parquet"
    con = open_snapshot(db, "first", traits=False)
    try:
        (child,), (parent,) = con.execute("SELECT id FROM models ORDER BY id LIMIT 2").fetchall()
    finally:
        con.close()
    pl.DataFrame(
        {"child": [child], "parent": [parent], "relation": ["finetune"],
         "confidence": [0.9 if confident else 0.1], "covered": [False],
         "parent_in_snapshot": [True]}
    ).write_parquet(inferred)  # fmt: skip
    return inferred


@pytest.mark.parametrize("confident", [False, True])
def test_kin_declared_side_from_the_genealogy_summary_equals_measuring_it(
    snapshot20k: Path, tmp_path: Path, confident: bool
) -> None:
    # the genealogy stage's summary of the same set (declared edges only) stands in for
    # reading and analysing the edges; with a confident inferred edge the second side is
    # still measured, from edges read here
    inferred = _one_inferred_edge(snapshot20k, tmp_path, confident)
    build_genealogy(snapshot20k, ALL, paths_in(tmp_path / "all"))
    args = (snapshot20k, inferred, ALL, 0.8, 0.95)
    plain = kin_headlines(*args, tmp_path / "plain.tsv")
    fast = kin_headlines(*args, tmp_path / "fast.tsv", declared=tmp_path / "all/summary.json")
    assert plain["declared"][0] > 1000
    assert (plain["change"][0] == 1) == confident  # the edge added, or not
    assert_frame_equal(fast, plain)
    assert (tmp_path / "fast.tsv").read_bytes() == (tmp_path / "plain.tsv").read_bytes()
    with pytest.raises(PhylohubError, match="not of finetune"):
        kin_headlines(*args[:2], ["finetune"], *args[3:], tmp_path / "x.tsv",
                      declared=tmp_path / "all/summary.json")  # fmt: skip


@pytest.mark.parametrize("confident", [False, True])
def test_kin_declared_rates_from_the_rates_table_equal_measuring_them(
    flagged: Path, tmp_path: Path, confident: bool
) -> None:
    # measure_mutation_rates' table of both ways (flagged values kept: the kin table's
    # way; first parents, declared edges) stands in for measuring the declared side's
    # rates; with a confident inferred edge the second side is still measured, here
    inferred = _one_inferred_edge(flagged, tmp_path, confident)
    build_genealogy(flagged, ALL, paths_in(tmp_path / "all"))
    rates = {}
    for parents in ("first", "all"):
        rates[parents] = tmp_path / f"rates_{parents}_both.parquet"
        write_mutation_rates(flagged, tmp_path / f"rates_{parents}.parquet", parents,
                             exclude_flagged=True, both_out=rates[parents])  # fmt: skip
    both = pl.read_parquet(rates["first"])
    # the snapshot's flags change the rates (so reading the wrong way's rows shows), and
    # its merges make every parent's rates differ from the first parent's
    kept, excluded = (both.filter(flagged=f).drop("flagged") for f in ("kept", "excluded"))
    assert not kept.equals(excluded)
    assert not both.equals(pl.read_parquet(rates["all"]))
    args = (flagged, inferred, ALL, 0.8, 0.95)
    summary = tmp_path / "all/summary.json"
    plain = kin_headlines(*args, tmp_path / "plain.tsv", declared=summary)
    fast = kin_headlines(*args, tmp_path / "fast.tsv", declared=summary,
                         declared_rates=rates["first"])  # fmt: skip
    assert plain.filter(measure="mutation_pairs_license")["declared"][0] > 100
    assert (plain["change"][0] == 1) == confident  # the edge added, or not
    assert_frame_equal(fast, plain)
    assert (tmp_path / "fast.tsv").read_bytes() == (tmp_path / "plain.tsv").read_bytes()
    wrong = kin_headlines(*args, tmp_path / "wrong.tsv", declared=summary,
                          declared_rates=rates["all"])  # fmt: skip
    assert not wrong.equals(plain)
    pl.read_parquet(rates["first"]).filter(flagged="excluded").write_parquet(tmp_path / "x.parquet")
    with pytest.raises(PhylohubError, match="no pooled rate"):
        kin_headlines(*args, tmp_path / "x.tsv", declared=summary,
                      declared_rates=tmp_path / "x.parquet")  # fmt: skip


def test_config_traits_of_the_compared_pairs_only_give_the_same_distances(flagged: Path) -> None:
    # the rates rule makes the config traits of the compared pairs' models only; every
    # distance both ways (flags kept and left out) is that of every model's config traits
    distances, models = {}, {}
    for pairs_only in (False, True):
        con = open_snapshot(flagged, "all", pairs_only=pairs_only)
        try:
            models[pairs_only] = con.execute("SELECT count(*) FROM config_traits").fetchall()
            distances[pairs_only] = distances_both_ways(con)
        finally:
            con.close()
    assert models[True] < models[False]  # fewer models made, the same distances
    for way in ("kept", "excluded"):
        plain, fast = distances[False][way], distances[True][way]
        # each config trait of both sides is measured (parents' too), changed or not
        for trait in ("model_type", "architecture", "quantization", "parameters"):
            of = plain.filter(trait=trait)
            assert of.height > 100 and (of["distance"] > 0).any()
        assert_frame_equal(fast, plain)
