"""config_fields: the fields of fetched config.json files and the parameter estimate
12·L·h² + V·h, on configs of known models."""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa

from phylohub.snapshot import sql

# (id, config.json, expected estimate): GPT-2 (its own names: 124M listed), BERT-base
# (110M), Llama-3-8B (8.0B listed: grouped-query attention and a wider MLP), T5-small
# (d_model, num_layers), a nested text_config, a config without sizes.
KNOWN = [
    ("gpt2", {"n_embd": 768, "n_layer": 12, "n_head": 12, "vocab_size": 50257},
     12 * 12 * 768**2 + 50257 * 768),
    ("bert", {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
              "vocab_size": 30522, "torch_dtype": "float32"}, 12 * 12 * 768**2 + 30522 * 768),
    ("llama", {"hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32,
               "vocab_size": 128256, "torch_dtype": "bfloat16"},
     12 * 32 * 4096**2 + 128256 * 4096),
    ("t5", {"d_model": 512, "num_layers": 6, "num_heads": 8, "vocab_size": 32128},
     12 * 6 * 512**2 + 32128 * 512),
    ("llava", {"text_config": {"hidden_size": 4096, "num_hidden_layers": 32,
                               "vocab_size": 32064}}, 12 * 32 * 4096**2 + 32064 * 4096),
    ("unet", {"_class_name": "UNet2DConditionModel", "torch_dtype": 7}, None),
]  # fmt: skip


def test_estimates_of_known_configs() -> None:
    con = duckdb.connect()
    con.execute(sql.CREATE_TABLES)
    ids = [k[0] for k in KNOWN] + ["broken", "gated"]
    con.register("ids", pa.table({"id": ids}))
    con.execute("INSERT INTO models (id) SELECT id FROM ids")
    texts = [json.dumps(k[1]) for k in KNOWN] + ["{not json", None]
    statuses = ["ok"] * (len(KNOWN) + 1) + ["gated"]
    con.register("configs_raw", pa.table({"id": ids, "status": statuses, "text": texts}))
    con.execute(sql.INSERT_CONFIG_FIELDS)
    got = {r[0]: r[1:] for r in con.execute(
        "SELECT id, estimated_parameters, torch_dtype, num_attention_heads FROM config_fields"
    ).fetchall()}  # fmt: skip
    assert set(got) == {k[0] for k in KNOWN}  # no row for a broken or unfetched file
    for model_id, _, expected in KNOWN:
        assert got[model_id][0] == expected, model_id
    assert got["gpt2"][0] == 123_532_032  # GPT-2's 124M, less its position embeddings
    assert got["bert"][1] == "float32" and got["unet"][1] is None
    assert got["t5"][2] == 8 and got["gpt2"][2] == 12
