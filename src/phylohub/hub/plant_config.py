"""The config summary the listing serves with ``config=true``: architecture as a trait.

With ``config_plant`` on (off by default: every model keeps the one-key summary it had,
byte for byte), a model whose latent library is ``transformers`` or ``peft`` gets a
config summary as the Hub lists it: ``architectures`` (one class, family prefix and
head, e.g. ``LlamaForCausalLM``), ``model_type`` and, for quantized models,
``quantization_config``. Every draw comes from a stream of its own (``seed`` and
:data:`CONFIG_STREAM`), so the rest of the ecosystem keeps its values.

How the summary evolves
=======================
* **Family** (model type and class prefix): a root draws one from :data:`FAMILIES`; a
  child inherits its first parent's. Adapters thus carry their base's type.
* **Head**: a root has its family's pre-training head; on each first-parent edge the
  head mutates with probability ``head_mutation[relation]``, forward along
  :data:`HEADS` (the planted drift order, pre-training heads before task heads) with
  probability ``head_drift_forward`` and backward otherwise, to a head of the family in
  that direction drawn uniformly; with none there it does not mutate
  (``LlamaForCausalLM`` -> ``LlamaForSequenceClassification`` is the common move).
* **Quantization**: a quantized child gets a ``quantization_config`` with probability
  ``quantization_share`` (method and bits drawn from :data:`QUANT_METHODS`), else none;
  other children inherit their first parent's.
* **Model type errors**: a share ``model_type_error_share`` of the quantized children
  with a config lists another family's ``model_type`` (architectures unchanged): the
  error signal the findings count. Their children list their family's true type.

The truth
=========
``truth_config`` (``key``, ``id``, ``family``, ``model_type`` as listed, ``head``,
``quantization``, ``bits``, ``type_error``) holds every model with a summary;
``truth.json["architecture"]`` the knobs, the drift order of heads, the families, the count
of type errors and, per trait (``model_type``, ``architecture``, ``quantization``) and
relation, the expected and realised Definition 7.1 rate over the first-parent edges
whose two sides are listed and have a summary (as ``mutation_rates`` for the tag
traits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from phylohub.vocabulary import EDGE_RELATIONS

Array = npt.NDArray[Any]

#: The config plant's own stream, beside the seed ("conf").
CONFIG_STREAM = 0x636F6E66
#: The planted drift order of heads: pre-training heads, then task heads.
HEADS = (
    "ForMaskedLM",
    "ForCausalLM",
    "ForConditionalGeneration",
    "ForSequenceClassification",
    "ForTokenClassification",
    "ForQuestionAnswering",
)
_DECODER = ("ForCausalLM", "ForSequenceClassification", "ForTokenClassification",
            "ForQuestionAnswering")  # fmt: skip
_ENCODER = ("ForMaskedLM", "ForSequenceClassification", "ForTokenClassification",
            "ForQuestionAnswering")  # fmt: skip
_SEQ2SEQ = ("ForConditionalGeneration", "ForSequenceClassification", "ForQuestionAnswering")
#: Families: model type, class prefix, heads (the first is the root's), weight.
FAMILIES: tuple[tuple[str, str, tuple[str, ...], float], ...] = (
    ("llama", "Llama", _DECODER, 30.0),
    ("qwen2", "Qwen2", _DECODER, 18.0),
    ("mistral", "Mistral", _DECODER, 12.0),
    ("gemma2", "Gemma2", _DECODER, 6.0),
    ("phi3", "Phi3", _DECODER, 4.0),
    ("bert", "Bert", _ENCODER, 12.0),
    ("roberta", "Roberta", _ENCODER, 6.0),
    ("xlm-roberta", "XLMRoberta", _ENCODER, 4.0),
    ("t5", "T5", _SEQ2SEQ, 5.0),
    ("whisper", "Whisper", ("ForConditionalGeneration",), 3.0),
)
#: Quantization methods of a quantized child's ``quantization_config``: method, bits,
#: weight.
QUANT_METHODS: tuple[tuple[str, int, float], ...] = (
    ("gptq", 4, 0.4),
    ("awq", 4, 0.25),
    ("bitsandbytes", 4, 0.2),
    ("fp8", 8, 0.1),
    ("bitsandbytes", 8, 0.05),
)
#: Libraries whose models carry a config summary.
CONFIG_LIBRARIES = ("transformers", "peft")
#: The config traits the plant recovers (the parameter count is not planted).
PLANTED_TRAITS = ("model_type", "architecture", "quantization")


@dataclass(frozen=True)
class ConfigKnobs:
    """The plant's knobs, as ``SynthConfig`` holds them."""

    on: bool
    head_mutation: dict[str, float]
    head_drift_forward: float
    quantization_share: float
    model_type_error_share: float


@dataclass
class ConfigPlan:
    """Per model: whether it has a summary, its family, head, quantization, listed type."""

    has: Array  # bool
    family: Array  # index into FAMILIES
    head: Array  # index into HEADS
    quant: Array  # index into QUANT_METHODS, -1: none
    shown_type: Array  # index into FAMILIES of the listed model_type
    expected: dict[str, Array]  # expected distance on the first-parent edge, per trait
    knobs: ConfigKnobs

    def summary(self, i: int) -> dict[str, Any] | None:
        """Model ``i``'s config summary as the listing serves it (None: without)."""
        if not self.has[i]:
            return None
        _, prefix, _, _ = FAMILIES[int(self.family[i])]
        out: dict[str, Any] = {
            "architectures": [prefix + HEADS[int(self.head[i])]],
            "model_type": FAMILIES[int(self.shown_type[i])][0],
        }
        if self.quant[i] >= 0:
            method, bits, _ = QUANT_METHODS[int(self.quant[i])]
            if method == "bitsandbytes":
                out["quantization_config"] = {
                    "quant_method": method,
                    f"load_in_{bits}bit": True,
                }
            else:
                out["quantization_config"] = {"quant_method": method, "bits": bits}
        return out

    def truth_rows(self, names: list[str]) -> list[tuple[Any, ...]]:
        """``truth_config`` rows: every model with a summary."""
        rows = []
        for i in np.flatnonzero(self.has).tolist():
            q = int(self.quant[i])
            rows.append(
                (
                    i,
                    names[i],
                    FAMILIES[int(self.family[i])][0],
                    FAMILIES[int(self.shown_type[i])][0],
                    HEADS[int(self.head[i])],
                    QUANT_METHODS[q][0] if q >= 0 else "none",
                    QUANT_METHODS[q][1] if q >= 0 else None,
                    int(self.shown_type[i] != self.family[i]),
                )
            )
        return rows

    def truth(
        self, parents: list[tuple[int, ...]], relation: Array, untyped: Array, private: Array
    ) -> dict[str, Any]:
        """``truth.json["architecture"]``: knobs, orders, expected rates by trait, relation."""
        primary = np.array([ps[0] if ps else -1 for ps in parents], dtype=np.int64)
        kids = np.flatnonzero(primary >= 0)
        par = primary[kids]
        both = self.has[kids] & self.has[par] & ~private[kids] & ~private[par]
        realised = {
            "model_type": self.shown_type[kids] != self.shown_type[par],
            "architecture": self.head[kids] != self.head[par],
            "quantization": self.quant[kids] != self.quant[par],
        }
        rel = np.where(untyped[kids], len(EDGE_RELATIONS) - 1, relation[kids])
        rates: dict[str, dict[str, Any]] = {}
        for trait in PLANTED_TRAITS:
            rates[trait] = {}
            for r_i, r in enumerate((*EDGE_RELATIONS, "all")):
                m = both & (rel == r_i) if r != "all" else both & ~untyped[kids]
                rates[trait][r] = {
                    "expected": float(self.expected[trait][kids[m]].mean()) if m.any() else None,
                    "realised": float(realised[trait][m].mean()) if m.any() else None,
                    "edges": int(m.sum()),
                }
        k = self.knobs
        return {
            "on": k.on,
            "head_mutation": k.head_mutation,
            "head_drift_forward": k.head_drift_forward,
            "quantization_share": k.quantization_share,
            "model_type_error_share": k.model_type_error_share,
            "drift_order": {"architecture": list(HEADS)},
            "families": [f[0] for f in FAMILIES],
            "models": int((self.has & ~private).sum()),
            "type_errors": int((self.has & ~private & (self.shown_type != self.family)).sum()),
            "mutation_rates": rates,
        }


def plan_configs(
    knobs: ConfigKnobs,
    seed: int,
    parents: list[tuple[int, ...]],
    relation: Array,
    untyped: Array,
    library: list[str],
) -> ConfigPlan | None:
    """The planted config of every model (None with the plant off). Models are in time
    order, so a first parent comes before its children."""
    if not knobs.on:
        return None
    n = len(parents)
    rng = np.random.default_rng([seed, CONFIG_STREAM])
    u = rng.random((n, 7))  # family/error, mutate, direction, target, method, share, shift
    fam_w = np.array([f[3] for f in FAMILIES])
    fam_cdf = np.cumsum(fam_w / fam_w.sum())
    q_w = np.array([q[2] for q in QUANT_METHODS])
    q_cdf = np.cumsum(q_w / q_w.sum())
    has = np.array([lib in CONFIG_LIBRARIES for lib in library], dtype=bool)
    family = np.zeros(n, dtype=np.int64)
    head = np.zeros(n, dtype=np.int64)
    quant = np.full(n, -1, dtype=np.int64)
    shown = np.zeros(n, dtype=np.int64)
    expected = {t: np.zeros(n) for t in PLANTED_TRAITS}
    names = (*EDGE_RELATIONS,)
    f_fwd = knobs.head_drift_forward
    for i in range(n):
        if not parents[i]:
            family[i] = min(int(np.searchsorted(fam_cdf, u[i, 0], side="right")), len(FAMILIES) - 1)
            head[i] = HEADS.index(FAMILIES[int(family[i])][2][0])
            shown[i] = family[i]
            continue
        p = parents[i][0]
        rel = names[-1] if untyped[i] else names[int(relation[i])]
        family[i], head[i], quant[i] = family[p], head[p], quant[p]
        allowed = [HEADS.index(h) for h in FAMILIES[int(family[i])][2]]
        fwd = [h for h in allowed if h > head[p]]
        bwd = [h for h in allowed if h < head[p]]
        rate = knobs.head_mutation.get(rel, 0.0)
        expected["architecture"][i] = rate * (f_fwd * bool(fwd) + (1 - f_fwd) * bool(bwd))
        if u[i, 1] < rate:
            targets = fwd if u[i, 2] < f_fwd else bwd
            if targets:
                head[i] = targets[min(int(u[i, 3] * len(targets)), len(targets) - 1)]
        quantized = rel == "quantized"
        if quantized:
            share = knobs.quantization_share
            q_parent = int(quant[p])
            w_same = float(q_w[q_parent] / q_w.sum()) if q_parent >= 0 else 0.0
            expected["quantization"][i] = share * (1 - w_same) + (1 - share) * (q_parent >= 0)
            quant[i] = (
                min(int(np.searchsorted(q_cdf, u[i, 4], side="right")), len(QUANT_METHODS) - 1)
                if u[i, 5] < share
                else -1
            )
        shown[i] = family[i]
        err = knobs.model_type_error_share if quantized and has[i] else 0.0
        if u[i, 0] < err:
            shift = 1 + min(int(u[i, 6] * (len(FAMILIES) - 1)), len(FAMILIES) - 2)
            shown[i] = (family[i] + shift) % len(FAMILIES)
        # the listed type differs from the parent's: an error here, or the parent's
        expected["model_type"][i] = err + (1 - err) * float(shown[p] != family[i])
    return ConfigPlan(has, family, head, quant, shown, expected, knobs)
