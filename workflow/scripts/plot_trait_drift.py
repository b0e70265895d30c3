"""Draw one trait's drift diagram in its optimal order (Figures 8, 10, 11; libraries).

Reads: results/{snapshot}/traits/orderings.json and drift_pairs.parquet. Writes:
results/{snapshot}/figures/traits_drift_{trait}.png.
"""

import json
from pathlib import Path

import polars as pl

from phylohub.traits.plots import plot_drift
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
plot_drift(
    json.loads(Path(snakemake.input.orderings).read_text()),
    pl.read_parquet(snakemake.input.pairs),
    snakemake.wildcards.trait,
    Path(snakemake.output.figure),
    ordering=snakemake.params.ordering,
)
