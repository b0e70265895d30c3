"""The names of the similarity stage's texts and measures, apart from the measures
themselves: the Snakefile (which reads them while it builds the DAG) and the figures
need the names, not the measures' imports (DuckDB, pyarrow, scipy.sparse, rapidfuzz:
about a third of a second of every ``snakemake`` start-up)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

__all__ = ["DEFAULT_VARIANTS", "METRICS", "measure_names", "text_name", "text_names"]

#: Metadata variants computed unless told otherwise: the paper's string, the same without
#: ids, and the traits alone (see :mod:`phylohub.similarity.texts`).
DEFAULT_VARIANTS: Final[tuple[str, ...]] = ("paper", "no_ids", "traits")

#: The three metrics, in the paper's order of preference.
METRICS: Final[tuple[str, ...]] = ("tfidf", "bow", "levenshtein")


def text_name(variant: str) -> str:
    """Name of a metadata variant's text in measure names (``paper`` -> ``metadata``)."""
    return "metadata" if variant == "paper" else f"metadata_{variant}"


def text_names(variants: Iterable[str]) -> list[str]:
    """Every text measured for these metadata variants, the card last."""
    return [text_name(v) for v in variants] + ["card"]


def measure_names(variants: Iterable[str]) -> list[str]:
    """Every measure computed for these metadata variants, cards last.

    Examples
    --------
    >>> measure_names(["paper", "no_ids"])[::3]
    ['metadata_tfidf', 'metadata_no_ids_tfidf', 'card_tfidf']
    """
    return [f"{t}_{m}" for t in text_names(variants) for m in METRICS]
