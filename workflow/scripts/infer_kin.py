"""Infer undeclared parents from names, cards and configs, with a calibrated confidence.

Reads: results/{snapshot}/hub.duckdb. Writes: results/{snapshot}/inference/; see
phylohub.inference.stage.
"""

from pathlib import Path

from phylohub.inference.stage import duckdb_memory_mb, infer_kin
from phylohub.workflow import configure_logging, named_paths

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
infer_kin(
    Path(snakemake.input.db),
    named_paths(snakemake.output.items()),
    min_confidence=snakemake.params.min_confidence,
    threads=snakemake.threads,
    memory_mb=duckdb_memory_mb(snakemake.resources.mem_mb),
)
