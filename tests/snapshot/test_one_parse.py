"""Each listing entry is parsed once (the temporary ``entries`` table): the models and the
config summary it gives equal what the plain statements give, which parsed the entry
per use (``json_valid``, then ``json_transform`` for ``models``, then ``json_extract``
for the config), on awkward listings; and the parse rejects exactly what ``json_valid``
rejects, so the JSON check is unchanged."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from phylohub.crawl.schema import LISTING_SCHEMA
from phylohub.errors import PhylohubError
from phylohub.snapshot import build_snapshot, sql
from phylohub.snapshot.build import BACKFILL
from tests.snapshot.crawlfiles import Inputs, card, entry

#: The shape the plain ``models`` statement parsed with: no ``config`` key.
PLAIN_SHAPE = json.loads(sql.ENTRY_SHAPE)
del PLAIN_SHAPE["config"]
#: The plain ``models`` statement: each entry parsed where it is read.
PLAIN_MODELS = sql.INSERT_MODELS.replace(
    "FROM entries",
    "FROM (SELECT page, position, id, _id, sha, json_transform(entry, $shape) AS e "
    "FROM listing_raw)",
)
#: The plain config summary: the config extracted from the entry text.
PLAIN_CONFIGS = """
CREATE TEMP TABLE configs AS
SELECT id, config FROM (SELECT id, json_extract(entry, '$.config') AS config FROM listing_raw)
WHERE json_type(config) = 'OBJECT'
"""
CONFIG_TABLES = ("model_type", "architectures", "quantization")


def raw(model_id: str, text: str) -> dict[str, str]:
    """A listing entry given as its JSON text (duplicate keys, non-objects)."""
    return {"id": model_id, "entry": text}


def typical(model_id: str, **fields: object) -> dict[str, str]:
    fields.setdefault("tags", ["license:mit", "en"])
    return raw(model_id, json.dumps(entry(model_id, **fields)))


#: Missing fields, fields of other types, duplicate keys, non-object entries and configs.
AWKWARD = [
    typical("org/plain", config={"model_type": "llama", "architectures": ["LlamaForCausalLM"]}),
    typical("org/gptq", config={"quantization_config": {"quant_method": "GPTQ", "bits": 4}}),
    typical("org/bnb", config={"quantization_config": {"load_in_8bit": True}}),
    typical("org/cfg-str", config="llama"),
    typical("org/cfg-list", config=[{"model_type": "llama"}]),
    typical("org/cfg-null", config=None),
    typical("org/cfg-num-type", config={"model_type": 7, "architectures": "X"}),
    typical("org/wrong-types", likes="many", tags="license:mit", siblings={"a": 1}),
    typical("org/gated", gated="auto", cardData={"language": ["en", "fr"]}, private=None),
    typical("org/safetensors", safetensors={"total": 123}, usedStorage=10**15),
    raw("org/bare", "{}"),
    raw("org/nothing-but-id", '{"id": "org/nothing-but-id"}'),
    raw("org/array", "[1, 2, 3]"),
    raw("org/number", "3"),
    raw("org/string", '"org/string"'),
    raw("org/json-null", "null"),
    raw(
        "org/dup-keys",
        '{"tags": ["a", "b"], "tags": ["c"], "likes": 1, "likes": 2,'
        ' "config": {"model_type": "bert"}, "config": {"model_type": "gpt2"}}',
    ),
    raw("org/dup-config-types", '{"config": 3, "config": {"model_type": "t5"}}'),
    raw("org/null-tags", '{"tags": ["x", null, "base_model:org/plain"], "siblings": [{}]}'),
    raw("org/unicode", '{"author": "\\u00e9t\\u00e9", "tags": ["\\u00fc:1"], "config": {}}'),
    raw("org/trailing-comma", '{"likes": 5, "tags": ["a",],}'),
    raw("org/big-numbers", '{"likes": 1e999, "downloads": 18446744073709551616}'),
]

#: Strings json_valid rejects (and ones it takes): the parse must fail on exactly those.
JSON_TEXTS = [
    "",
    " ",
    "{",
    '{"a": 1',
    '{"a": 1}x',
    '{"a": 1} {"b": 2}',
    "{'a': 1}",
    '{"a" 1}',
    '{"a": 01}',
    '{"a": "\t"}',
    '"\\ud800"',
    "/*c*/{}",
    "tru",
    '{"a": 1,}',
    "[1, 2,]",
    "NaN",
    '{"a": Infinity}',
    '{"a": 1}\n',
    "null",
    "[]",
    '{"tags": ["x",]}',
]


def write(inputs: Inputs, rows: list[dict[str, str]]) -> None:
    """Replace the (single) listing part with ``rows``' ids and entry texts."""
    table = [
        {"page": 0, "position": i, "id": r["id"], "_id": None, "sha": None, "entry": r["entry"]}
        for i, r in enumerate(rows)
    ]
    pq.write_table(pa.Table.from_pylist(table, schema=LISTING_SCHEMA), inputs.listing[0])


def built(make_inputs: Callable[..., Inputs], rows: list[dict[str, str | None]]) -> Inputs:
    ids = [str(r["id"]) for r in rows]
    inputs = make_inputs([[entry(i) for i in ids]], [[card(i, text="hi") for i in ids]])
    write(inputs, rows)  # type: ignore[arg-type]
    return inputs


def plain_tables(listing: Path) -> dict[str, list[tuple[object, ...]]]:
    """``models`` and the config tables as the plain statements build them."""
    with duckdb.connect() as con:
        con.execute(sql.SET_UTC)
        con.register("listing_raw", con.read_parquet(str(listing)))
        con.execute(sql.CREATE_TABLES)
        con.execute(PLAIN_MODELS, {"shape": json.dumps(PLAIN_SHAPE), "backfill": BACKFILL})
        con.execute(PLAIN_CONFIGS)
        for statement in (sql.INSERT_MODEL_TYPE, sql.INSERT_ARCHITECTURES):
            con.execute(statement)
        con.execute(sql.INSERT_QUANTIZATION)
        return {t: con.table(t).fetchall() for t in ("models", *CONFIG_TABLES)}


def test_the_plain_statements_are_the_old_ones() -> None:
    assert PLAIN_MODELS != sql.INSERT_MODELS
    assert "json_transform(entry" in PLAIN_MODELS


def test_one_parse_equals_the_plain_statements_on_awkward_entries(
    make_inputs: Callable[..., Inputs],
) -> None:
    inputs = built(make_inputs, AWKWARD)  # type: ignore[arg-type]
    build_snapshot(inputs.listing, inputs.cards, inputs.db, inputs.parquet)
    want = plain_tables(inputs.listing[0])
    with duckdb.connect(str(inputs.db), read_only=True) as con:
        got = {t: con.table(t).fetchall() for t in want}
    assert len(got["models"]) == len(AWKWARD)
    for table in want:
        assert got[table] == want[table], table
    # the awkward configs reached the tables (the comparison is not of empty tables)
    assert ("org/dup-keys", "bert") in got["model_type"]
    assert ("org/gptq", "gptq", 4) in got["quantization"]
    assert ("org/plain", "LlamaForCausalLM") in got["architectures"]


@pytest.mark.parametrize("text", JSON_TEXTS)
def test_the_parse_fails_exactly_where_json_valid_does(text: str) -> None:
    with duckdb.connect() as con:
        valid = con.execute("SELECT json_valid($t)", {"t": text}).fetchone()
        try:
            con.execute("SELECT json_transform($t, $s)", {"t": text, "s": sql.ENTRY_SHAPE})
            parsed = True
        except duckdb.InvalidInputException:
            parsed = False
    assert valid is not None
    assert parsed == valid[0]


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ({"org/b": "{'a': 1}"}, ["org/b"]),
        ({"org/b": '{"a": 1} x', "org/d": "tru"}, ["org/b", "org/d"]),
        ({"org/b": None}, ["org/b"]),  # a NULL entry: parses to NULL without failing
        ({"org/b": None, "org/d": "{"}, ["org/b", "org/d"]),
    ],
)
def test_entries_that_are_not_json_are_named(
    make_inputs: Callable[..., Inputs], bad: dict[str, str | None], named: list[str]
) -> None:
    rows = [{"id": i, "entry": bad.get(i, "{}")} for i in ("org/a", "org/b", "org/c", "org/d")]
    inputs = built(make_inputs, rows)
    with pytest.raises(PhylohubError) as info:
        build_snapshot(inputs.listing, inputs.cards, inputs.db, inputs.parquet)
    examples = ", ".join(repr(i) for i in named)
    assert f"{len(named)} listing entries are not valid JSON (e.g. {examples})" in str(info.value)
    assert not inputs.db.exists()


def test_a_json_null_entry_is_valid(make_inputs: Callable[..., Inputs]) -> None:
    """``null`` parses to NULL like a NULL entry, but is valid JSON: it builds."""
    inputs = built(make_inputs, [{"id": "org/a", "entry": "null"}, {"id": "org/b", "entry": "{}"}])
    summary = build_snapshot(inputs.listing, inputs.cards, inputs.db, inputs.parquet)
    assert summary.models == 2
