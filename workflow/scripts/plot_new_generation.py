"""Traits of the models added since the previous snapshot against the rest.

Reads: results/{snapshot}/diff/traits.tsv.
Writes: results/{snapshot}/figures/diff_new_generation.png and .svg.
"""

from pathlib import Path

import polars as pl

from phylohub.diff.plots import plot_new_generation
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
plot_new_generation(
    pl.read_csv(snakemake.input.traits, separator="\t"),
    snakemake.params.previous,
    snakemake.wildcards.snapshot,
    Path(snakemake.output.png),
    Path(snakemake.output.svg),
)
