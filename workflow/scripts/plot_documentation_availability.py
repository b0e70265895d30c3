"""Documentation availability (the paper's 9.2) and the downloads of models with a DOI.

Reads: results/{snapshot}/summary/availability.tsv and doi_downloads.tsv.
Writes: results/{snapshot}/figures/documentation_availability.png and .svg.
"""

from pathlib import Path

import polars as pl

from phylohub.summary.plots import plot_availability
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
plot_availability(
    pl.read_csv(snakemake.input.availability, separator="\t"),
    pl.read_csv(snakemake.input.doi_downloads, separator="\t"),
    Path(snakemake.output.png),
)
