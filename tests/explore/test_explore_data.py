"""The explorer's data layer on a hand-built snapshot whose lineages, traits and hostile
ids are known: search, a model's page (lineage over every relation, mutations on each
edge, siblings, paged children, family), the family view, and unknown ids."""

from __future__ import annotations

import socket

import pytest

from phylohub.errors import PhylohubError
from phylohub.explore.app import _mutated
from phylohub.explore.data import Explorer, NotFoundError
from phylohub.explore.serve import make_server
from tests.genealogy.genealogy_snapshots import tiny_snapshot

HOSTILE = ["x/50%off", "x/a#b?c=1", "x/модель-ünï", "x/<script>alert(1)</script>"]


@pytest.fixture(scope="module")
def explorer(tmp_path_factory: pytest.TempPathFactory) -> Explorer:
    folder = tmp_path_factory.mktemp("explore") / "results" / "tiny"
    tiny_snapshot(
        folder,
        [
            ("org/Base", ["license:apache-2.0", "en"]),
            ("org/other", ["license:mit"]),
            ("a/ft1", ["base_model:finetune:org/Base", "license:apache-2.0", "en"]),
            ("a/ft2", ["base_model:finetune:a/ft1", "license:mit", "en", "fr"]),
            ("a/ft2-gguf", ["base_model:quantized:a/ft2", "license:mit"]),
            ("b/sib1", ["base_model:finetune:a/ft1"]),
            ("b/sib2", ["base_model:adapter:a/ft1"]),
            ("c/merge", ["base_model:merge:a/ft2", "base_model:merge:org/other"]),
            ("d/orphan", ["base_model:finetune:Private/Base"]),
            *[(f"k/kid-{i:03d}", ["base_model:finetune:org/other"]) for i in range(120)],
            *[(h, ["base_model:finetune:org/Base"]) for h in HOSTILE],
        ],
    )
    ex = Explorer(folder)
    yield ex
    ex.close()


def test_search_finds_prefix_then_substring_ignoring_case(explorer: Explorer) -> None:
    assert explorer.search("A/FT")[:3] == ["a/ft1", "a/ft2", "a/ft2-gguf"]
    found = explorer.search("base")
    assert set(found) == {"org/Base", "Private/Base"}
    assert len(explorer.search("kid", limit=7)) == 7
    assert explorer.search("k/kid-0", limit=3) == ["k/kid-000", "k/kid-001", "k/kid-002"]
    assert explorer.search("   ") == []


@pytest.mark.parametrize("hostile", ["' OR 1=1 --", "%", "_", "a'; DROP TABLE info; --", "\\"])
def test_hostile_search_text_is_a_value_not_sql(explorer: Explorer, hostile: str) -> None:
    found = explorer.search(hostile)
    assert all(hostile.strip().lower() in f.lower() for f in found)
    assert explorer.search("a/ft1")[0] == "a/ft1"  # the tables are still there


@pytest.mark.parametrize("model_id", HOSTILE)
def test_ids_with_percent_hash_query_and_unicode_open(explorer: Explorer, model_id: str) -> None:
    page = explorer.page(model_id)
    assert page.id == model_id
    assert [(e.parent, e.relation) for e in page.parents] == [("org/Base", "finetune")]
    assert explorer.search(model_id[2:6])[0] == model_id


def test_page_walks_every_parent_of_a_merge_to_the_roots(explorer: Explorer) -> None:
    page = explorer.page("c/merge")
    assert sorted((e.parent, e.relation) for e in page.parents) == [
        ("a/ft2", "merge"),
        ("org/other", "merge"),
    ]
    ancestors = {e.parent for e in page.ancestors}
    assert ancestors == {"a/ft2", "org/other", "a/ft1", "org/Base"}
    assert not page.ancestors_cut


def test_each_lineage_edge_says_what_mutated(explorer: Explorer) -> None:
    page = explorer.page("a/ft2")
    by_edge = {(e.child, e.parent): e for e in page.ancestors}
    up = by_edge[("a/ft2", "a/ft1")]
    changed = {t: (a, b) for t, a, b in up.mutations}
    assert changed["license"] == ("apache-2.0", "mit")
    assert changed["languages"] == ("English", "English,French")
    assert "task" not in changed
    assert not by_edge[("a/ft1", "org/Base")].mutations  # nothing changed there
    assert page.traits["license"] == ["mit"]


def test_a_trait_stated_on_one_side_only_is_no_mutation(explorer: Explorer) -> None:
    # a/ft2 states English and French, its quantization no language: as in the traits
    # stage (Definition 7.1), that pair says nothing about the languages' mutation
    (edge,) = explorer.page("a/ft2-gguf").parents
    assert [t for t, _, _ in edge.mutations] == []
    assert ("languages", "English,French", "-") in edge.unstated
    assert all(t != "license" for t, _, _ in edge.unstated)  # mit on both sides
    assert _mutated(edge).startswith("nothing (stated on one side only, no mutation: ")


def test_siblings_children_and_family(explorer: Explorer) -> None:
    page = explorer.page("a/ft2")
    assert page.siblings == ["b/sib1", "b/sib2"]
    assert page.n_siblings == 2
    assert page.n_children == 2  # the quantization and the merge
    assert sorted(page.children) == [("a/ft2-gguf", "quantized"), ("c/merge", "merge")]
    assert page.generation == 2
    assert page.family is not None and page.family["root"] == "org/Base"
    other = explorer.page("org/other")
    assert other.n_children == 121
    assert len(other.children) == 50
    second = explorer.page("org/other", offset=50)
    assert second.children[0][0] == "k/kid-049"  # after c/merge and 49 kids
    assert not {c for c, _ in other.children} & {c for c, _ in second.children}
    # an offset from a URL past the end (or past DuckDB's integers) is the end
    for beyond in (121, 500, 10**20):
        end = explorer.page("org/other", offset=beyond)
        assert (end.children, end.children_offset, end.n_children) == ([], 121, 121)
    assert explorer.page("org/other", offset=-3).children == other.children


def test_an_external_parent_has_a_page(explorer: Explorer) -> None:
    page = explorer.page("Private/Base")
    assert not page.listed
    assert page.children == [("d/orphan", "finetune")]
    assert explorer.resolve("private/base") == "Private/Base"  # ids differ in case only


def test_unknown_ids_are_not_found_with_suggestions(explorer: Explorer) -> None:
    with pytest.raises(NotFoundError) as err:
        explorer.page("a/ft")
    assert err.value.suggestions[:2] == ["a/ft1", "a/ft2"]
    with pytest.raises(NotFoundError) as err:
        explorer.page("nobody/sib2")
    assert "b/sib2" in err.value.suggestions
    with pytest.raises(NotFoundError):
        explorer.page("' OR 1=1 --")


def test_family_view_draws_small_families_and_summarises_large_ones(explorer: Explorer) -> None:
    view = explorer.family_view("a/ft2")
    ids = {n["id"] for n in view.nodes}
    assert view.drawn
    assert {"org/Base", "a/ft1", "a/ft2", "a/ft2-gguf", "b/sib1", *HOSTILE} <= ids
    assert ("a/ft2", "a/ft1", "finetune") in view.edges
    assert {n["license"] for n in view.nodes if n["id"] == "a/ft2"} == {"mit"}
    small = explorer.family_view("org/other", max_drawn=10)
    assert not small.drawn
    assert small.family["size"] > 10
    assert len(small.nodes) <= 102


class _Counting:
    """A DuckDB connection that counts the statements it runs."""

    def __init__(self, con: object) -> None:
        self.con, self.calls = con, 0

    def execute(self, *args: object, **kwargs: object) -> object:
        self.calls += 1
        return self.con.execute(*args, **kwargs)  # type: ignore[attr-defined]


def test_a_deep_lineage_is_walked_without_a_query_per_generation(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    folder = tmp_path_factory.mktemp("deep") / "results" / "deep"
    chain = [("c/g00", ["license:mit"])]
    chain += [(f"c/g{i:02d}", [f"base_model:finetune:c/g{i - 1:02d}"]) for i in range(1, 40)]
    tiny_snapshot(folder, chain)
    ex = Explorer(folder)
    try:
        counting = _Counting(ex.con)
        ex.con = counting  # type: ignore[assignment]
        edges, cut = ex.lineage("c/g39")
        assert [(c, p) for c, p, _, _ in edges][:2] == [("c/g39", "c/g38"), ("c/g38", "c/g37")]
        assert len(edges) == 39 and not cut
        assert counting.calls <= 1  # one query per generation was 40
    finally:
        counting.con.close()  # type: ignore[attr-defined]


def test_a_taken_port_is_one_clear_error(explorer: Explorer) -> None:
    """werkzeug would print its own lines and exit; the explorer says it in one."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PhylohubError, match=f"cannot serve on 127.0.0.1:{port}: "):
            make_server(explorer.folder, port)
