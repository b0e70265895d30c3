"""Family-size CCDF on log axes, one line per relation set.

Reads: results/{snapshot}/genealogy/{relations}/families.parquet of every set.
Writes: results/{snapshot}/figures/family_sizes.png.
"""

from pathlib import Path

import polars as pl

from phylohub.genealogy.plots import plot_family_sizes
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
names = snakemake.params.names
families = {
    name: pl.read_parquet(path, columns=["size"])
    for name, path in zip(names, snakemake.input.families, strict=True)
}
plot_family_sizes(families, Path(snakemake.output.png))
