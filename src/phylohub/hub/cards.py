"""Model cards rendered from recipes (see :mod:`phylohub.hub.store`).

A synthetic card is a small JSON recipe: a template kind plus the ids of the text
paragraphs it carries. Paragraph text is a pure function of its id (a splitmix64 hash
picks the words), so a card is byte-identical on every render, on every machine, with no
random-number-generator state involved. Relatives share paragraph ids: that is how the
generator plants inherited, sibling-shared and thinned documentation.

Recipe kinds:

``literal``      ``{"text": ...}``, the card verbatim (hand-made test stores).
``human``        a written card: title and paragraphs under headings.
``trainer``      the transformers Trainer's auto-generated card ("generated automatically").
``hub_default``  the Hub's default template ("automatically generated"), citing arXiv:1910.09700.
``quantized``    a quantizer's card, optionally followed by the original card's paragraphs.
``mergekit``     a mergekit merge card listing the merged models.

Every kind but ``literal`` starts with the YAML front matter rendered from ``card_data``
(the listing's ``cardData``), so the two always agree.

A few optional keys of any recipe reproduce how real README files are written, not what
they say (``lead`` and ``note`` are text, for every kind but ``literal``;
:func:`card_bytes` applies ``encoding``):

``lead``      text before everything else, e.g. ``"\\n"``: the empty first line that the
              cards written by diffusers' DreamBooth scripts have before their front
              matter (their template string starts with a line break).
``note``      a line appended to the card (a credit line with accented letters, say).
``mention``   (``human`` only) a line after the title that links another model
              without deriving from it (a decoy of :mod:`phylohub.hub.plant_kin`).
``encoding``  the codec the file was saved with: ``utf-8`` (the default), ``utf-8-sig``
              (a byte order mark first) or a legacy one such as ``cp1252``, which makes
              any non-ASCII letter a byte that is not UTF-8.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from phylohub.hub.vocab import TEMPLATE_ARXIV, WORDS

Array = npt.NDArray[Any]

_WORDS = np.array(WORDS)
_HEADINGS = (
    "Model description",
    "Intended uses & limitations",
    "Training data",
    "Training procedure",
    "Evaluation",
    "Usage",
    "Bias, risks and limitations",
    "Citation",
    "Results",
    "How to get started",
)
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _splitmix64(x: Array) -> Array:
    """The splitmix64 finaliser, vectorised; a stable hash of 64-bit integers."""
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return (z ^ (z >> np.uint64(31))) & _MASK64


def paragraph_words(pid: int) -> int:
    """Number of words of paragraph ``pid`` (20 to 119)."""
    return 20 + int(_splitmix64(np.array([pid * 7919 + 1], dtype=np.uint64))[0] % np.uint64(100))


def paragraph(pid: int) -> str:
    """The text of paragraph ``pid``: a heading and pseudo-prose, deterministic.

    >>> paragraph(12345) == paragraph(12345)
    True
    >>> paragraph(1) != paragraph(2)
    True
    """
    n = paragraph_words(pid)
    idx = _splitmix64(np.arange(n, dtype=np.uint64) + np.uint64(pid) * np.uint64(1 << 20))
    words = _WORDS[(idx % np.uint64(len(_WORDS))).astype(np.int64)]
    heading = _HEADINGS[int(idx[0] >> np.uint64(40)) % len(_HEADINGS)]
    text = " ".join(words.tolist())
    return f"## {heading}\n\n{text[0].upper()}{text[1:]}.\n"


def front_matter(card_data: dict[str, Any] | None) -> str:
    if not card_data:
        return ""
    body = yaml.dump(card_data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{body}---\n\n"


_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _link(model_id: str) -> str:
    return f"[{model_id}](https://huggingface.co/{model_id})"


def _trainer(r: dict[str, Any]) -> str:
    h = r["hp"]
    return (
        "<!-- This model card has been generated automatically according to the information "
        "the Trainer had access to. You should\nprobably proofread and complete it, then "
        "remove this comment. -->\n\n"
        f"# {r['name']}\n\n"
        f"This model is a fine-tuned version of {_link(r['parent'])} on the "
        f"{r.get('dataset') or 'None'} dataset.\n"
        "It achieves the following results on the evaluation set:\n"
        f"- Loss: {h['loss']:.4f}\n\n"
        "## Model description\n\nMore information needed\n\n"
        "## Intended uses & limitations\n\nMore information needed\n\n"
        "## Training and evaluation data\n\nMore information needed\n\n"
        "## Training procedure\n\n### Training hyperparameters\n\n"
        "The following hyperparameters were used during training:\n"
        f"- learning_rate: {h['lr']}\n- train_batch_size: {h['bs']}\n"
        f"- eval_batch_size: {h['bs']}\n- seed: {h['seed']}\n"
        "- optimizer: Use adamw_torch with betas=(0.9,0.999) and epsilon=1e-08\n"
        f"- lr_scheduler_type: linear\n- num_epochs: {h['epochs']}\n\n"
        "### Framework versions\n\n"
        f"- Transformers 4.{h['tf']}.0\n- Pytorch 2.{h['pt']}.0\n"
        f"- Datasets 3.{h['ds']}.0\n- Tokenizers 0.{h['tok']}.1\n"
    )


def _hub_default(r: dict[str, Any]) -> str:
    lib = "🤗 transformers model" if not r.get("peft") else "PEFT adapter"
    text = (
        "# Model Card for Model ID\n\n"
        "<!-- Provide a quick summary of what the model is/does. -->\n\n"
        "## Model Details\n\n### Model Description\n\n"
        "<!-- Provide a longer summary of what this model is. -->\n\n"
        f"This is the model card of a {lib} that has been pushed on the Hub. "
        "This model card has been automatically generated.\n\n"
        "- **Developed by:** [More Information Needed]\n"
        "- **Funded by [optional]:** [More Information Needed]\n"
        "- **Model type:** [More Information Needed]\n"
        "- **Language(s) (NLP):** [More Information Needed]\n"
        "- **License:** [More Information Needed]\n"
        "- **Finetuned from model [optional]:** [More Information Needed]\n\n"
        "## Uses\n\n### Direct Use\n\n[More Information Needed]\n\n"
        "## Bias, Risks, and Limitations\n\n[More Information Needed]\n\n"
        "## Environmental Impact\n\n"
        "Carbon emissions can be estimated using the [Machine Learning Impact calculator]"
        "(https://mlco2.github.io/impact#compute) presented in "
        f"[Lacoste et al. (2019)](https://arxiv.org/abs/{TEMPLATE_ARXIV}).\n\n"
        "- **Hardware Type:** [More Information Needed]\n"
        "- **Hours used:** [More Information Needed]\n\n"
        "## Model Card Contact\n\n[More Information Needed]\n"
    )
    if r.get("peft"):
        text += f"### Framework versions\n\n- PEFT 0.{r['peft']}.0\n"
    return text


def _quantized(r: dict[str, Any]) -> str:
    rows = "".join(
        f"| {r['name'].split('/')[-1]}.{q}.gguf | {q} | {b} | {s:.2f} GB |\n"
        for q, b, s in zip(
            ("Q2_K", "Q4_K_M", "Q5_K_M", "Q8_0"), (2, 4, 5, 8), r["sizes"], strict=True
        )
    )
    text = (
        f"# {r['name']}\n\nQuantized versions of {_link(r['parent'])}.\n\n"
        "| Name | Quant method | Bits | Size |\n|---|---|---|---|\n" + rows
    )
    if r["paras"]:
        text += "\n# Original model card\n\n" + "\n".join(paragraph(p) for p in r["paras"])
    return text


def _mergekit(r: dict[str, Any]) -> str:
    merged = "".join(f"* {_link(p)}\n" for p in r["parents"])
    cfg = "".join(f"  - model: {p}\n" for p in r["parents"])
    return (
        f"# {r['name']}\n\n"
        "This is a merge of pre-trained language models created using "
        "[mergekit](https://github.com/cg123/mergekit).\n\n"
        "## Merge Details\n### Merge Method\n\n"
        f"This model was merged using the {r['method'].upper()} merge method.\n\n"
        f"### Models Merged\n\nThe following models were included in the merge:\n{merged}\n"
        f"### Configuration\n\n```yaml\nmerge_method: {r['method']}\nmodels:\n{cfg}"
        "dtype: bfloat16\n```\n"
    )


def _human(r: dict[str, Any]) -> str:
    body = "\n".join(paragraph(p) for p in r["paras"])
    if r.get("mention"):  # a line linking a model the card does not derive from
        body = f"{r['mention']}\n\n{body}"
    text = f"# {r['name']}\n\n{body}"
    pad = r.get("pad", 0)
    if pad:  # a huge card: a results table pasted into the card, as some cards do
        row = "| " + " | ".join(f"{w} {i % 97}" for i, w in enumerate(WORDS[:12])) + " |\n"
        text += "\n## Full results\n\n" + row * (pad // len(row) + 1)
    return text


_RENDER = {
    "human": _human,
    "trainer": _trainer,
    "hub_default": _hub_default,
    "quantized": _quantized,
    "mergekit": _mergekit,
}


def render_card(recipe: dict[str, Any], card_data: dict[str, Any] | None = None) -> str:
    """The card text for a recipe and the model's ``cardData``; deterministic.

    >>> render_card({"kind": "literal", "text": "---\\nlicense: mit\\n---\\nHello"})
    '---\\nlicense: mit\\n---\\nHello'
    >>> render_card({"kind": "human", "name": "org/m", "paras": [7]}, {"license": "mit"})[:27]
    '---\\nlicense: mit\\n---\\n\\n# org'
    """
    kind = recipe["kind"]
    if kind == "literal":
        return str(recipe["text"])
    try:
        render = _RENDER[kind]
    except KeyError:
        raise ValueError(f"unknown card recipe kind {kind!r}") from None
    text = str(recipe.get("lead", "")) + front_matter(card_data) + render(recipe)
    if "edit" in recipe:  # a later commit of the card (see phylohub.hub.evolve)
        text += "\n## Changelog\n\n" + paragraph(1_000_003 * (recipe["edit"] + 1)).split("\n\n")[1]
    if "note" in recipe:
        text += f"\n{recipe['note']}\n"
    return text


def card_bytes(recipe: dict[str, Any], card_data: dict[str, Any] | None = None) -> bytes:
    """The README file of a recipe, as the Hub serves it: :func:`render_card` saved with
    the recipe's ``encoding`` (UTF-8 unless it says otherwise).

    UTF-8 keeps lone surrogates U+DC80..U+DCFF as the bytes 0x80..0xFF they stand for
    (Python's ``surrogateescape``), so a ``literal`` text can hold any bytes; a legacy
    codec writes ``?`` for a letter it lacks, as an editor saving in it would.

    >>> card_bytes({"kind": "literal", "text": "---\\n", "encoding": "utf-8-sig"})
    b'\\xef\\xbb\\xbf---\\n'
    >>> card_bytes({"kind": "literal", "text": "caf\\u00e9 \\udce9", "encoding": "cp1252"})
    b'caf\\xe9 ?'
    >>> card_bytes({"kind": "literal", "text": "caf\\udce9"})
    b'caf\\xe9'
    """
    text = render_card(recipe, card_data)
    codec = recipe.get("encoding", "utf-8")
    utf8 = codec.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")
    return text.encode(codec, "surrogateescape" if utf8 else "replace")
