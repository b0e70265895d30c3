"""Trace every merge's pedigree: parents, families, generations, kinship.

Reads: the genealogy's nodes and edges of merges.relations and the nodes of
merges.families (and its families.parquet). Writes: results/{snapshot}/merges/; see
phylohub.merges.stage.
"""

from pathlib import Path

from phylohub.merges.stage import trace_merges
from phylohub.workflow import configure_logging, named_paths

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
trace_merges(
    Path(snakemake.input.nodes),
    Path(snakemake.input.edges),
    Path(snakemake.input.family_nodes),
    named_paths(snakemake.output.items()),
    families=Path(snakemake.input.families),
    level=float(snakemake.params.level),
)
