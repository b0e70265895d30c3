"""Measure how much a merge resembles each of its parents (the similarity measures).

Reads: hub.duckdb, merges/merges.parquet, the genealogy's nodes and edges of
merges.relations, the similarity stage's vocabularies (similarity/vocabulary.parquet,
vocabulary_fit.json) and its prepared cards (similarity/card_texts.parquet). Writes:
merges/resemblance.parquet and resemblance.tsv; see phylohub.merges.resemblance.
"""

from pathlib import Path

from phylohub.merges.stage import measure_resemblance
from phylohub.workflow import configure_logging, named_paths

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
measure_resemblance(
    Path(snakemake.input.db),
    Path(snakemake.input.merges),
    Path(snakemake.input.nodes),
    Path(snakemake.input.edges),
    dict(snakemake.params.options),
    named_paths(snakemake.output.items()),
    control=int(snakemake.params.control),
    seed=int(snakemake.params.seed),
    replicates=int(snakemake.params.replicates),
    threads=snakemake.threads,
    vocabulary=Path(snakemake.input.vocabulary),
    fit=Path(snakemake.input.fit),
    card_texts=Path(snakemake.input.card_texts),
    level=float(snakemake.params.level),
)
