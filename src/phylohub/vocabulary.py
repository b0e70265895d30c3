"""The words every stage shares: the relations of a family tree and the traits.

One place, so that a stage, a test and a figure cannot disagree on which relations or
traits exist or in which order they are reported. Importing this module is cheap (no
third-party imports): the command line and the Snakefile read it too.
"""

from __future__ import annotations

from typing import Final

#: Relations of a typed ``base_model:REL:ORG/NAME`` tag, in the order stages report them.
TAG_RELATIONS: Final[tuple[str, ...]] = ("finetune", "adapter", "quantized", "merge")
#: Relations of the snapshot's ``edges``: the typed ones, and ``unknown`` for a plain
#: ``base_model:ORG/NAME`` tag.
EDGE_RELATIONS: Final[tuple[str, ...]] = (*TAG_RELATIONS, "unknown")
#: Traits read from a model's tags and card (the generator's latent traits).
TAG_TRAITS: Final[tuple[str, ...]] = ("license", "language", "task", "library")
#: Traits read from the listing's config summary and safetensors count: the model type,
#: the head of its architectures (``ForCausalLM``, ``ForSequenceClassification``, ...),
#: its quantization method (``none`` for a model with a config and no quantization) and
#: its parameter-count bucket.
CONFIG_TRAITS: Final[tuple[str, ...]] = ("model_type", "architecture", "quantization", "parameters")
#: The traits whose mutation, drift and ordering the traits stage measures.
TRAITS: Final[tuple[str, ...]] = (*TAG_TRAITS, *CONFIG_TRAITS)
