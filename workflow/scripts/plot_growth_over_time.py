"""Models, edges by relation and families of every snapshot against its date.

Reads: results/{snapshot}/timeseries/series.tsv.
Writes: results/{snapshot}/figures/time_growth.png and .svg.
"""

from pathlib import Path

from phylohub.diff.plots import plot_growth
from phylohub.diff.series import read_series
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
plot_growth(
    read_series(snakemake.input.series), Path(snakemake.output.png), Path(snakemake.output.svg)
)
