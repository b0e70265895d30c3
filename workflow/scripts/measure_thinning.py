"""Measure documentation thinning from parent to child, per relation (Figure 9).

Reads: results/{snapshot}/hub.duckdb. Writes: results/{snapshot}/traits/thinning.parquet
and results/{snapshot}/traits/card_availability.parquet; see phylohub.traits.thinning.
"""

from pathlib import Path

from phylohub.inference.switch import edges_for
from phylohub.traits.thinning import write_thinning
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
write_thinning(
    Path(snakemake.input.db),
    Path(snakemake.output.thinning),
    Path(snakemake.output.availability),
    parents=snakemake.params.parents,
    level=snakemake.params.level,
    replicates=snakemake.params.replicates,
    seed=snakemake.params.seed,
    threads=snakemake.threads,
    memory_mb=snakemake.resources.mem_mb,
    extra_edges=edges_for(snakemake.params.inferred, snakemake.input.get("inferred")),
)
