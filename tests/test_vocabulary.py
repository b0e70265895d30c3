"""The shared vocabulary is the one every other list of relations and traits follows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from phylohub.config import load_schema
from phylohub.findings import spec
from phylohub.genealogy import graphs, query
from phylohub.hub import synth
from phylohub.kinship import forest
from phylohub.traits import mutation
from phylohub.vocabulary import CONFIG_TRAITS, EDGE_RELATIONS, TAG_RELATIONS, TAG_TRAITS, TRAITS


def _enums(node: Any, path: str = "") -> Iterator[tuple[str, list[Any]]]:
    if isinstance(node, dict):
        if "enum" in node:
            yield path, node["enum"]
        for key, value in node.items():
            yield from _enums(value, f"{path}.{key}")
    elif isinstance(node, list):
        for item in node:
            yield from _enums(item, path)


def test_the_schema_names_the_edge_relations_of_the_vocabulary() -> None:
    relation_enums = {
        path: values for path, values in _enums(load_schema()) if "finetune" in values
    }
    assert len(relation_enums) >= 3  # relation sets, kinship and traits relations
    for path, values in relation_enums.items():
        assert tuple(values) == EDGE_RELATIONS, path


def test_the_stages_use_the_vocabulary() -> None:
    assert (*TAG_RELATIONS, "unknown") == EDGE_RELATIONS
    assert graphs.RELATIONS == query.RELATIONS == forest.EDGE_RELATIONS == EDGE_RELATIONS
    assert synth.RELATIONS == TAG_RELATIONS
    assert mutation.TRAITS == spec.TRAITS == TRAITS == (*TAG_TRAITS, *CONFIG_TRAITS)
    assert synth.TRAITS == TAG_TRAITS  # the generator's latent traits
