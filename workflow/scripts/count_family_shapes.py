"""Exact counts of the kin shapes (pairs, siblings, ..., cousins) of each relation set.

Reads: results/{snapshot}/genealogy/{relations}/nodes.parquet of every relation set.
Writes: results/{snapshot}/genealogy/shapes.tsv (one row per shape, one column per set).
"""

from pathlib import Path

from phylohub.genealogy.tables import write_shape_table
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
names = snakemake.params.names
nodes = {name: Path(path) for name, path in zip(names, snakemake.input.nodes, strict=True)}
write_shape_table(nodes, Path(snakemake.output.shapes))
