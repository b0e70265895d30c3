"""Measure how merges inherit their parents' traits: classes, shares, license dominance.

Reads: the snapshot's hub.duckdb, merges/merges.parquet, the traits stage's
orderings.json and mutation_rates.parquet. Writes: results/{snapshot}/merges/ (the
inheritance tables); see phylohub.merges.stage and phylohub.merges.inheritance.
"""

from pathlib import Path

from phylohub.merges.stage import measure_inheritance
from phylohub.workflow import configure_logging, named_paths

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
measure_inheritance(
    Path(snakemake.input.db),
    Path(snakemake.input.merges),
    Path(snakemake.input.orderings),
    Path(snakemake.input.rates),
    named_paths(snakemake.output.items()),
    seed=int(snakemake.params.seed),
    replicates=int(snakemake.params.replicates),
    level=float(snakemake.params.level),
)
