"""Every variant's metadata strings joined from each field's reprs (written once per
model, a lineage filter writing again only the values it changes) are the strings of
:func:`phylohub.similarity.texts._planned_string`, built one dict per model and variant."""

from __future__ import annotations

import random
from typing import Any

import pytest

from phylohub.similarity import texts
from phylohub.similarity.texts import METADATA_FIELDS, METADATA_VARIANTS

_TAGS = [
    "en",
    "base_model:org/p",
    "base_model:finetune:org/p",
    "not_base_model:x",
    "x base_model:y",
    "it's",
    'say "hi"',
    "back\\slash",
    "tab\tnew\nline",
    "ünïcode",
    "\x00nul",
    "base_model:o'p",
    'base_model:o"p',
    "",
]
_CARDS: list[Any] = [
    None,
    {},
    {"license": "mit"},
    {"base_model": "o/p"},
    {"base_model_relation": "merge", "tags": ["base_model:q"]},
    {"a": {"base_model": "nested"}, "base_model": ["o/p", "o/q"]},
    "not a dict",
]


def _value(field: str, rng: random.Random) -> Any:
    if field == "tags":
        return rng.sample(_TAGS, rng.randint(0, 5))
    if field == "cardData":
        return rng.choice(_CARDS)
    if field == "siblings":
        return rng.choice([[], [{"rfilename": "a'b.gguf"}]])
    return rng.choice([None, 0, 3, 2.5, float("nan"), True, False, "o/m", "it's", 'q"', "é"])


@pytest.mark.parametrize("fields", [texts.PAPER_FIELDS, tuple(METADATA_FIELDS), ("_id", "id")])
def test_joined_strings_are_the_planned_strings(fields: tuple[str, ...]) -> None:
    rng = random.Random(5)
    rows = [{f: _value(f, rng) for f in fields} for _ in range(400)]
    values = {f: [r[f] for r in rows] for f in fields}
    plans = {v: texts._variant_plan(fields, v) for v in METADATA_VARIANTS}
    joined = texts._joined_strings(values, plans)
    for v in METADATA_VARIANTS:
        assert joined[v] == [texts._planned_string(r, plans[v]) for r in rows], v
    # The rows hold what tells a wrong fast path apart: lineage tags and keys to drop,
    # look-alikes to keep, nulls left out, quotes and escapes.
    if "tags" in fields:
        assert any("'x base_model:y'" in s for s in joined["traits"])
        assert not any("'base_model:org/p'" in s for s in joined["traits"])
        assert any("'base_model:org/p'" in s for s in joined["paper"])
    if "cardData" in fields:
        assert any("'nested'" in s for s in joined["no_lineage"])


def test_joined_strings_of_no_rows_and_no_fields() -> None:
    plans = {v: texts._variant_plan(texts.PAPER_FIELDS, v) for v in METADATA_VARIANTS}
    assert texts._joined_strings({f: [] for f in texts.PAPER_FIELDS}, plans) == {
        v: [] for v in METADATA_VARIANTS
    }
    empty = {"traits": texts._variant_plan(("_id",), "traits")}
    assert texts._joined_strings({"_id": ["a", "b"]}, empty) == {"traits": ["{}", "{}"]}
