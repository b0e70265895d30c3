"""License and task shares of every snapshot.

Reads: results/{snapshot}/timeseries/series.tsv, licenses.tsv, tasks.tsv.
Writes: results/{snapshot}/figures/time_shares.png and .svg.
"""

from pathlib import Path

import polars as pl

from phylohub.diff.plots import plot_shares
from phylohub.diff.series import read_series
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
plot_shares(
    pl.read_csv(snakemake.input.licenses, separator="\t"),
    pl.read_csv(snakemake.input.tasks, separator="\t"),
    read_series(snakemake.input.series),
    Path(snakemake.output.png),
    Path(snakemake.output.svg),
)
