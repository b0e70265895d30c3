"""The ``config.json`` files the replica serves: sizes that lineages inherit.

With ``config_files_plant`` on (off by default, and only with ``config_plant`` on: every
store and truth stays byte for byte as it was), each model with a config summary gets a
``config.json`` as ``transformers`` writes it: its summary's ``architectures``,
``model_type`` and ``quantization_config``, plus the size of a real checkpoint of its
family (``hidden_size``, ``num_hidden_layers``, ``num_attention_heads``,
``intermediate_size``, ``vocab_size``, ``max_position_embeddings``) and a
``torch_dtype``. The files live in the store's table ``config_files`` (``key``, ``id``,
``body``); the replica serves a body where the model's ``siblings`` list ``config.json``.
Every draw comes from a stream of its own (``seed``, :data:`CONFIG_FILES_STREAM`).

How sizes evolve
================
* A root draws one of its family's sizes (:data:`SIZES`) uniformly.
* A child inherits its first parent's size, except that on a first-parent edge of a
  relation in ``size_change`` it changes, with that probability, to another size of
  its family drawn uniformly (a distillation, a pruning, an upscaled merge).
* A quantized child with a ``quantization_config`` lists ``torch_dtype`` float16; other
  children inherit their first parent's dtype.

The truth
=========
``truth_config_files`` (``key``, ``id``, ``size`` as a size's name, ``hidden_size``,
``num_hidden_layers``, ``vocab_size``, ``generation``, ``root_size``, ``changed``: the
size differs from its first parent's) holds every model with a summary;
``truth.json["config_files"]`` the knobs and, per generation (first-parent depth), the
models whose size is still their root's, counted over listed models.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from phylohub.hub.plant_config import FAMILIES, Array, ConfigPlan

#: The config files' own stream, beside the seed ("cjsn").
CONFIG_FILES_STREAM = 0x636A736E
#: Sizes of each family (model type -> (name, hidden, layers, heads, intermediate,
#: vocabulary, positions, dtype)), after real checkpoints of the family.
SIZES: dict[str, tuple[tuple[str, int, int, int, int, int, int, str], ...]] = {
    "llama": (("1B", 2048, 16, 32, 8192, 128256, 131072, "bfloat16"),
              ("8B", 4096, 32, 32, 14336, 128256, 131072, "bfloat16"),
              ("70B", 8192, 80, 64, 28672, 128256, 131072, "bfloat16")),
    "qwen2": (("0.5B", 896, 24, 14, 4864, 151936, 32768, "bfloat16"),
              ("7B", 3584, 28, 28, 18944, 152064, 32768, "bfloat16"),
              ("72B", 8192, 80, 64, 29568, 152064, 32768, "bfloat16")),
    "mistral": (("7B", 4096, 32, 32, 14336, 32768, 32768, "bfloat16"),
                ("12B", 5120, 40, 32, 14336, 131072, 131072, "bfloat16")),
    "gemma2": (("2B", 2304, 26, 8, 9216, 256000, 8192, "float32"),
               ("9B", 3584, 42, 16, 14336, 256000, 8192, "float32")),
    "phi3": (("mini", 3072, 32, 32, 8192, 32064, 4096, "bfloat16"),
             ("medium", 5120, 40, 40, 17920, 32064, 4096, "bfloat16")),
    "bert": (("base", 768, 12, 12, 3072, 30522, 512, "float32"),
             ("large", 1024, 24, 16, 4096, 30522, 512, "float32")),
    "roberta": (("base", 768, 12, 12, 3072, 50265, 514, "float32"),
                ("large", 1024, 24, 16, 4096, 50265, 514, "float32")),
    "xlm-roberta": (("base", 768, 12, 12, 3072, 250002, 514, "float32"),
                    ("large", 1024, 24, 16, 4096, 250002, 514, "float32")),
    "t5": (("small", 512, 6, 8, 2048, 32128, 512, "float32"),
           ("base", 768, 12, 12, 3072, 32128, 512, "float32")),
    "whisper": (("small", 768, 12, 12, 3072, 51865, 448, "float32"),
                ("medium", 1024, 24, 16, 4096, 51865, 448, "float32")),
}  # fmt: skip


@dataclass
class ConfigFilesPlan:
    """Per model: its size (index into its family's :data:`SIZES`), dtype, generation."""

    size: Array
    float16: Array  # bool: dtype float16 (quantized)
    generation: Array
    root: Array  # index of the first-parent root
    changed: Array  # bool: size differs from the first parent's
    configs: ConfigPlan
    size_change: dict[str, float]

    def _size(self, i: int) -> tuple[str, int, int, int, int, int, int, str]:
        return SIZES[FAMILIES[int(self.configs.family[i])][0]][int(self.size[i])]

    def body(self, i: int) -> str:
        """Model ``i``'s ``config.json``: without a config summary (another library's
        checkpoint), only its dtype."""
        summary = self.configs.summary(i)
        if summary is None:
            return json.dumps({"torch_dtype": "float32"}, indent=2) + "\n"
        _, hidden, layers, heads, inter, vocab, positions, dtype = self._size(i)
        config = {
            "architectures": summary["architectures"],
            "model_type": summary["model_type"],
            "hidden_size": hidden,
            "num_hidden_layers": layers,
            "num_attention_heads": heads,
            "intermediate_size": inter,
            "vocab_size": vocab,
            "max_position_embeddings": positions,
            "torch_dtype": "float16" if self.float16[i] else dtype,
            "transformers_version": "4.44.2",
        }
        if "quantization_config" in summary:
            config["quantization_config"] = summary["quantization_config"]
        return json.dumps(config, indent=2) + "\n"

    def rows(self, names: list[str]) -> list[tuple[int, str, str]]:
        """The store's ``config_files`` rows: every model (the replica serves a body only
        where the ``siblings`` list ``config.json``)."""
        return [(i, names[i], self.body(i)) for i in range(len(names))]

    def truth_rows(self, names: list[str]) -> list[tuple[Any, ...]]:
        """``truth_config_files`` rows: every model with a summary."""
        rows = []
        for i in np.flatnonzero(self.configs.has).tolist():
            name, hidden, layers, _, _, vocab, _, _ = self._size(i)
            r = int(self.root[i])
            rows.append((i, names[i], name, hidden, layers, vocab, int(self.generation[i]),
                         self._size(r)[0], int(self.changed[i])))  # fmt: skip
        return rows

    def truth(self, private: Array) -> dict[str, Any]:
        """``truth.json["config_files"]``: knobs and, per generation, listed models with a
        file and those of their root's size."""
        listed = self.configs.has & ~private
        same = self.size == self.size[self.root]
        by_gen = {}
        for g in sorted(set(self.generation[listed].tolist())):
            m = listed & (self.generation == g)
            by_gen[str(g)] = {"models": int(m.sum()), "root_size": int((m & same).sum())}
        return {
            "size_change": self.size_change,
            "changed": int((listed & self.changed).sum()),
            "by_generation": by_gen,
        }


def plan_config_files(
    on: bool,
    size_change: dict[str, float],
    seed: int,
    configs: ConfigPlan | None,
    parents: list[tuple[int, ...]],
    relation: Array,
    untyped: Array,
) -> ConfigFilesPlan | None:
    """Every model's size (None unless both this plant and the config plant are on).
    Models are in time order, so a first parent comes before its children."""
    if not on or configs is None:
        return None
    from phylohub.vocabulary import EDGE_RELATIONS

    n = len(parents)
    rng = np.random.default_rng([seed, CONFIG_FILES_STREAM])
    u = rng.random((n, 3))  # root size, change, new size
    size = np.zeros(n, dtype=np.int64)
    float16 = np.zeros(n, dtype=bool)
    generation = np.zeros(n, dtype=np.int64)
    root = np.arange(n, dtype=np.int64)
    changed = np.zeros(n, dtype=bool)
    for i in range(n):
        k = len(SIZES[FAMILIES[int(configs.family[i])][0]])
        if not parents[i]:
            size[i] = min(int(u[i, 0] * k), k - 1)
            continue
        p = parents[i][0]
        rel = EDGE_RELATIONS[-1] if untyped[i] else EDGE_RELATIONS[int(relation[i])]
        size[i], float16[i] = size[p], float16[p]
        generation[i], root[i] = generation[p] + 1, root[p]
        if rel == "quantized":
            float16[i] = bool(configs.quant[i] >= 0)
        if k > 1 and u[i, 1] < size_change.get(rel, 0.0):
            others = [s for s in range(k) if s != size[p]]
            size[i] = others[min(int(u[i, 2] * len(others)), len(others) - 1)]
            changed[i] = True
    return ConfigFilesPlan(size, float16, generation, root, changed, configs, dict(size_change))


def write_config_files(con: Any, plan: ConfigFilesPlan, names: list[str]) -> None:
    """The store's ``config_files`` (what the replica serves) and ``truth_config_files``."""
    con.execute("CREATE TABLE config_files (key INTEGER PRIMARY KEY, id TEXT UNIQUE, body TEXT)")
    con.executemany("INSERT INTO config_files VALUES (?,?,?)", plan.rows(names))
    con.execute(
        "CREATE TABLE truth_config_files (key INTEGER PRIMARY KEY, id TEXT, size TEXT, "
        "hidden_size INTEGER, num_hidden_layers INTEGER, vocab_size INTEGER, "
        "generation INTEGER, root_size TEXT, changed INTEGER)"
    )
    con.executemany(
        "INSERT INTO truth_config_files VALUES (?,?,?,?,?,?,?,?,?)", plan.truth_rows(names)
    )
