"""Parameter counts by generation: do descendants stay the size of their root?

Reads: results/{snapshot}/hub.duckdb. Writes:
results/{snapshot}/traits/parameters_by_generation.tsv; see phylohub.traits.sizes.
"""

from pathlib import Path

from phylohub.traits.sizes import write_parameters_by_generation
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
write_parameters_by_generation(
    Path(snakemake.input.db),
    Path(snakemake.output.table),
    threads=snakemake.threads,
    memory_mb=snakemake.resources.mem_mb,
)
