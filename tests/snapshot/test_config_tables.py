"""The listing's config summary becomes the snapshot's model_type, architectures and
quantization tables; entries without one (or with odd values) add no rows."""

from __future__ import annotations

import re
from collections.abc import Callable

import duckdb

from phylohub.snapshot import build_snapshot, sql
from tests.snapshot.crawlfiles import Inputs, card, entry


def test_config_summary_is_read_into_its_tables(make_inputs: Callable[..., Inputs]) -> None:
    entries = [
        entry(
            "org/base",
            config={"architectures": ["LlamaForCausalLM"], "model_type": "llama"},
            safetensors={"parameters": {"BF16": 8_030_261_248}, "total": 8_030_261_248},
        ),
        entry(
            "org/gptq",
            config={
                "architectures": ["LlamaForCausalLM", "LlamaForCausalLM"],
                "model_type": "llama",
                "quantization_config": {"quant_method": "GPTQ", "bits": 4},
            },
        ),
        entry(
            "org/bnb",
            config={"model_type": "mistral", "quantization_config": {"load_in_8bit": True}},
        ),
        entry("org/two", config={"architectures": ["BertModel", "BertForMaskedLM"]}),
        entry("org/odd", config={"model_type": 3, "architectures": "BertModel"}),
        entry("org/none"),
    ]
    ids = [e["id"] for e in entries]
    inputs = make_inputs([entries], [[card(i, text="hi") for i in ids]])
    build_snapshot(inputs.listing, inputs.cards, inputs.db, inputs.parquet)
    with duckdb.connect(str(inputs.db), read_only=True) as con:
        assert con.execute("SELECT * FROM model_type").fetchall() == [
            ("org/base", "llama"),
            ("org/bnb", "mistral"),
            ("org/gptq", "llama"),
        ]
        assert con.execute("SELECT * FROM architectures").fetchall() == [
            ("org/base", "LlamaForCausalLM"),
            ("org/gptq", "LlamaForCausalLM"),
            ("org/two", "BertForMaskedLM"),
            ("org/two", "BertModel"),
        ]
        assert con.execute("SELECT * FROM quantization").fetchall() == [
            ("org/bnb", "bitsandbytes", 8),
            ("org/gptq", "gptq", 4),
        ]
        params = con.execute("SELECT id, safetensors_params FROM models WHERE id = 'org/base'")
        assert params.fetchall() == [("org/base", 8_030_261_248)]
    assert (inputs.parquet / "architectures.parquet").is_file()


def test_each_listing_entry_is_parsed_once_for_its_config(
    make_inputs: Callable[..., Inputs],
) -> None:
    """The config summary is read with one parse of each entry (the listing is most of
    the build's JSON); a config that is not an object (a string, a list, null) still
    gives no rows."""
    assert not re.findall(r"\bentry\b", sql.CREATE_CONFIGS)  # the parsed entries
    entries = [
        entry("org/obj", config={"model_type": "llama"}),
        entry("org/str", config="llama"),
        entry("org/list", config=[{"model_type": "llama"}]),
        entry("org/null", config=None),
    ]
    inputs = make_inputs([entries], [[card(e["id"], text="hi") for e in entries]])
    build_snapshot(inputs.listing, inputs.cards, inputs.db, inputs.parquet)
    with duckdb.connect(str(inputs.db), read_only=True) as con:
        assert con.execute("SELECT * FROM model_type").fetchall() == [("org/obj", "llama")]
