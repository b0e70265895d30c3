"""Draw the traits stage's figures in one process: every trait's drift diagram in its
optimal order (Figures 8, 10, 11; libraries; the config traits) and the
documentation-thinning panels, parent to child per relation (Figure 9).

Reads: results/{snapshot}/traits/orderings.json, drift_pairs.parquet and
thinning.parquet. Writes: results/{snapshot}/figures/traits_drift_{trait}.png for every
trait and traits_documentation_thinning.png (each with its .svg).
"""

import json
from pathlib import Path

import polars as pl

from phylohub.traits.plots import plot_drifts, plot_thinning
from phylohub.vocabulary import TRAITS
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
plot_drifts(
    json.loads(Path(snakemake.input.orderings).read_text()),
    pl.read_parquet(snakemake.input.pairs),
    {trait: Path(snakemake.output[trait]) for trait in TRAITS},
    ordering=snakemake.params.ordering,
)
plot_thinning(
    pl.read_parquet(snakemake.input.thinning),
    Path(snakemake.output.thinning),
    level=snakemake.params.level,
)
