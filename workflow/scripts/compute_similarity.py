"""Compute the similarity measures of every distinct kin pair.

Reads: results/{snapshot}/hub.duckdb, similarity/kin_pairs.parquet and the vocabularies
(similarity/vocabulary.parquet, vocabulary_fit.json) with the prepared cards
(similarity/card_texts.parquet). Writes:
similarity/pair_similarity.parquet, similarity_stats.json.
"""

from pathlib import Path

from phylohub.similarity.stage import run_compute_similarity
from phylohub.workflow import configure_logging, named_paths

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
run_compute_similarity(
    Path(snakemake.input.db),
    Path(snakemake.input.pairs),
    Path(snakemake.input.vocabulary),
    Path(snakemake.input.fit),
    dict(snakemake.params.options),
    snakemake.threads,
    named_paths(snakemake.output.items()),
    seed=snakemake.params.seed,
    card_texts=Path(snakemake.input.card_texts),
)
