"""The genealogy's family figures in one process: the family-size CCDF and families by
depth (one line per relation set), and structural virality against family size (one
panel per set of genealogy.figures.virality_relations). One job, because each figure
alone took less time to draw than a process takes to start and import matplotlib.

Reads: results/{snapshot}/genealogy/{relations}/families.parquet and depths.tsv.
Writes: results/{snapshot}/figures/family_sizes, family_depths and family_virality,
each .png and .svg.
"""

from pathlib import Path

import polars as pl

from phylohub.genealogy.plots import plot_family_depths, plot_family_sizes, plot_virality
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
names = snakemake.params.names
families = {
    name: pl.read_parquet(path, columns=["size"])
    for name, path in zip(names, snakemake.input.families, strict=True)
}
plot_family_sizes(families, Path(snakemake.output.sizes))
depths = {
    name: pl.read_csv(path, separator="\t")
    for name, path in zip(names, snakemake.input.depths, strict=True)
}
plot_family_depths(depths, Path(snakemake.output.depths))
viral_names = snakemake.params.viral_names
viral = {
    name: pl.read_parquet(path, columns=["size", "virality"])
    for name, path in zip(viral_names, snakemake.input.viral, strict=True)
}
plot_virality(viral, Path(snakemake.output.virality), viral_names)
