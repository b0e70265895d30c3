"""Measure the mutation rate of every trait per relation (the paper's Definition 7.1).

Reads: results/{snapshot}/hub.duckdb. Writes:
results/{snapshot}/traits/mutation_rates.parquet (one row per trait and relation, with
cluster-robust intervals; see phylohub.traits.mutation), with the snapshot's flagged values
left out if traits.exclude_flagged, and mutation_rates_flagged.parquet (the same, both
ways: column flagged, kept or excluded).
"""

from pathlib import Path

from phylohub.inference.switch import edges_for
from phylohub.traits.mutation import write_mutation_rates
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
write_mutation_rates(
    Path(snakemake.input.db),
    Path(snakemake.output.rates),
    parents=snakemake.params.parents,
    level=snakemake.params.level,
    threads=snakemake.threads,
    memory_mb=snakemake.resources.mem_mb,
    exclude_flagged=snakemake.params.exclude_flagged,
    both_out=Path(snakemake.output.both),
    extra_edges=edges_for(snakemake.params.inferred, snakemake.input.get("inferred")),
)
