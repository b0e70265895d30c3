"""Structural virality against family size, one panel per relation set.

Reads: results/{snapshot}/genealogy/{relations}/families.parquet of the sets named by
genealogy.figures.virality_relations. Writes: results/{snapshot}/figures/family_virality.png.
"""

from pathlib import Path

import polars as pl

from phylohub.genealogy.plots import plot_virality
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
names = snakemake.params.names
families = {
    name: pl.read_parquet(path, columns=["size", "virality"])
    for name, path in zip(names, snakemake.input.families, strict=True)
}
plot_virality(families, Path(snakemake.output.png), names)
