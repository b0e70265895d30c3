"""Draw the documentation-thinning panels, parent to child per relation (Figure 9).

Reads: results/{snapshot}/traits/thinning.parquet. Writes:
results/{snapshot}/figures/traits_documentation_thinning.png.
"""

from pathlib import Path

import polars as pl

from phylohub.traits.plots import plot_thinning
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
plot_thinning(
    pl.read_parquet(snakemake.input.thinning),
    Path(snakemake.output.figure),
    level=snakemake.params.level,
)
