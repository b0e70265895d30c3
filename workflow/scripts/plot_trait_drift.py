"""Draw every trait's drift diagram in its optimal order (Figures 8, 10, 11; libraries;
the config traits), in one process.

Reads: results/{snapshot}/traits/orderings.json and drift_pairs.parquet. Writes:
results/{snapshot}/figures/traits_drift_{trait}.png (and .svg) for every trait.
"""

import json
from pathlib import Path

import polars as pl

from phylohub.traits.plots import plot_drifts
from phylohub.vocabulary import TRAITS
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
plot_drifts(
    json.loads(Path(snakemake.input.orderings).read_text()),
    pl.read_parquet(snakemake.input.pairs),
    {trait: Path(snakemake.output[trait]) for trait in TRAITS},
    ordering=snakemake.params.ordering,
)
