"""Families by depth and nodes by generation, one line per relation set.

Reads: results/{snapshot}/genealogy/{relations}/depths.tsv of every set.
Writes: results/{snapshot}/figures/family_depths.png.
"""

from pathlib import Path

import polars as pl

from phylohub.genealogy.plots import plot_family_depths
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
names = snakemake.params.names
depths = {
    name: pl.read_csv(path, separator="\t")
    for name, path in zip(names, snakemake.input.depths, strict=True)
}
plot_family_depths(depths, Path(snakemake.output.png))
