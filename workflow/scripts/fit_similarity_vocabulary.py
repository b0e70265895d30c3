"""Fit the similarity measures' vocabularies (and document frequencies) once per snapshot.

Reads: results/{snapshot}/hub.duckdb. Writes: similarity/vocabulary.parquet,
vocabulary_fit.json and card_texts.parquet (every model's prepared card), read by
compute_similarity and measure_merge_resemblance.
"""

from pathlib import Path

from phylohub.similarity.stage import run_fit_similarity_vocabulary
from phylohub.workflow import configure_logging, named_paths

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
run_fit_similarity_vocabulary(
    Path(snakemake.input.db),
    dict(snakemake.params.options),
    named_paths(snakemake.output.items()),
    seed=snakemake.params.seed,
)
