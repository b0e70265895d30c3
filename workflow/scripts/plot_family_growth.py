"""The fastest-growing families since the previous snapshot.

Reads: results/{snapshot}/diff/families.parquet.
Writes: results/{snapshot}/figures/diff_family_growth.png and .svg.
"""

from pathlib import Path

import polars as pl

from phylohub.diff.plots import plot_family_growth
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
plot_family_growth(
    pl.read_parquet(snakemake.input.families),
    snakemake.params.previous,
    snakemake.wildcards.snapshot,
    snakemake.params.top,
    Path(snakemake.output.png),
    Path(snakemake.output.svg),
)
