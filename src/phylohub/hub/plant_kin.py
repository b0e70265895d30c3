"""Undeclared kin: declared relations hidden, and decoys that look like kin but are not.

On the real Hub many models derive from another without a ``base_model`` tag: the
uploader left the front matter out, yet the model's name still carries its parent's name
with a suffix (``-GGUF``, ``-lora-...``), the card is still the tool's template ("This
model is a fine-tuned version of [X](https://huggingface.co/X)", a quantizer's
"Quantized versions of [X]", mergekit's YAML) and the config still names the parent's
architecture. The inference stage (:mod:`phylohub.inference`) guesses these edges back;
this plant gives it a truth to be measured against.

With ``kin_hidden_share`` > 0 (0 by default: every ecosystem stays as it was), from a
stream of its own, a share of the *eligible* declared children (typed, listed, every
parent listed, no planted license case or malformed tag) loses every ``base_model`` tag,
its front matter's ``base_model`` and the listing's ``baseModels``; its name, card and
config stay, and its parents' ``childrenCount`` no longer count it.

With ``kin_decoy_share`` > 0, a share of the listed leaf roots (no children, not at the
Hub's id limits) becomes a decoy of an older listed model (the *target*, of another
author), the three kinds in turn:

* ``decoy_name``: the root is renamed to the target's name under its own namespace
  (the same base name under an unrelated author);
* ``decoy_suffix``: renamed to the target's name plus a quantization or fine-tune suffix
  (a suffix on a root); its config keeps the architecture of its own name;
* ``decoy_link``: a written card (kind ``human``) gets a line in its first paragraph
  that links the target without deriving from it ("Compared against [X](...)").

``truth_kin`` (``key``, ``id``, ``kind``: ``hidden`` or a decoy kind, ``other``: the
hidden parent's or the target's id, ``relation``: the hidden edge's relation or '')
names every hidden edge (one row per parent) and every decoy; ``truth.json["kin"]``
counts them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]

_KIN_STREAM = 0x6B696E73  # "kins": this plant's own stream, beside the seed
#: The decoy kinds, drawn in turn.
DECOY_KINDS = ("decoy_name", "decoy_suffix", "decoy_link")
#: Suffixes a ``decoy_suffix`` root carries after its target's name.
DECOY_SUFFIXES = ("GGUF", "AWQ", "GPTQ", "4bit", "exl2", "mlx", "bnb-4bit", "sft", "instruct")
#: Sentences of a ``decoy_link`` card: a link to a model the card does not derive from.
DECOY_LINES = (
    "Compared against {link} on the same benchmarks.",
    "See also {link}, which inspired the evaluation setup.",
    "We report results next to {link} for reference.",
)


@dataclass(frozen=True)
class KinPlan:
    """The planted hidden children and decoys (module docs)."""

    hidden: frozenset[int] = frozenset()
    decoys: dict[int, tuple[str, int, int]] = field(default_factory=dict)  # kind, target, u

    def name(self, i: int, name: str, names: Sequence[str]) -> str:
        """Model ``i``'s name: a decoy's borrowed name, else ``name`` as drawn."""
        if i not in self.decoys:
            return name
        kind, target, u = self.decoys[i]
        borrowed = names[target].split("/")[-1]
        if kind == "decoy_name":
            return borrowed
        if kind == "decoy_suffix":
            return f"{borrowed[:80]}-{DECOY_SUFFIXES[u % len(DECOY_SUFFIXES)]}"
        return name

    def mention(self, i: int, names: Sequence[str]) -> str | None:
        """The linking line of a ``decoy_link`` card, else None."""
        if self.decoys.get(i, ("",))[0] != "decoy_link":
            return None
        _, target, u = self.decoys[i]
        link = f"[{names[target]}](https://huggingface.co/{names[target]})"
        return DECOY_LINES[u % len(DECOY_LINES)].format(link=link)


def kin_plan(
    hidden_share: float,
    decoy_share: float,
    seed: int,
    *,
    parents: Sequence[tuple[int, ...]],
    relation: Array,
    untyped: Array,
    children: Array,
    private: Array,
    author: Array,
    human_card: Array,
    excluded: set[int],
) -> KinPlan:
    """Draw the hidden children and the decoys (nothing when both shares are 0).

    ``excluded`` are models another plant already changed (license cases, malformed
    tags, ids at the Hub's limits): they keep their tags and names, so the plants never
    meet. A decoy's target is drawn among the listed models created before it (models
    are in time order), of another author."""
    if hidden_share <= 0 and decoy_share <= 0:
        return KinPlan()
    n = len(parents)
    rng = np.random.default_rng([seed, _KIN_STREAM])
    u = rng.random((n, 3))
    hidden: set[int] = set()
    decoys: dict[int, tuple[str, int, int]] = {}
    n_decoys = 0
    for i, ps in enumerate(parents):
        if i in excluded or private[i]:
            continue
        if ps:
            typed = relation[i] >= 0 and not untyped[i]
            if typed and not any(private[p] for p in ps) and u[i, 0] < hidden_share:
                hidden.add(i)
            continue
        if children[i] > 0 or i < 20 or u[i, 0] >= decoy_share:
            continue
        kind = DECOY_KINDS[n_decoys % len(DECOY_KINDS)]
        if kind == "decoy_link" and not human_card[i]:
            continue
        target = int(u[i, 1] * i)
        for _ in range(8):  # another author's listed model
            if not private[target] and author[target] != author[i]:
                break
            target = (target * 7 + 3) % i
        else:
            continue
        decoys[i] = (kind, target, int(u[i, 2] * 1_000_003))
        n_decoys += 1
    return KinPlan(frozenset(hidden), decoys)


def kin_truth(
    plan: KinPlan,
    names: Sequence[str],
    parents: Sequence[tuple[int, ...]],
    relations: Sequence[str],
) -> list[tuple[int, str, str, str, str]]:
    """The ``truth_kin`` rows: one per hidden edge, one per decoy, by key."""
    rows: list[tuple[int, str, str, str, str]] = []
    for i in sorted(plan.hidden | set(plan.decoys)):
        if i in plan.hidden:
            rows += [(i, names[i], "hidden", names[p], relations[i]) for p in parents[i]]
        else:
            kind, target, _ = plan.decoys[i]
            rows.append((i, names[i], kind, names[target], ""))
    return rows


def kin_summary(
    hidden_share: float, decoy_share: float, rows: Sequence[tuple[int, str, str, str, str]]
) -> dict[str, Any]:
    """``truth.json["kin"]``: the shares and the counts planted."""
    kinds = ("hidden", *DECOY_KINDS)
    return {
        "hidden_share": hidden_share,
        "decoy_share": decoy_share,
        "hidden_children": len({r[0] for r in rows if r[2] == "hidden"}),
        "planted": {k: sum(1 for r in rows if r[2] == k) for k in kinds},
    }
