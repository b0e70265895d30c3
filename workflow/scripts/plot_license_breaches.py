"""Draw the breach matrix (parent license x child license) and the breach rates by
relation. Reads: results/{snapshot}/licenses/. Writes: the two figures; see
phylohub.licenses.plots.
"""

from pathlib import Path

from phylohub.licenses.plots import plot_license_breaches
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
plot_license_breaches(
    Path(snakemake.input.pairs),
    Path(snakemake.input.rates),
    Path(snakemake.output.matrix),
    Path(snakemake.output.rates),
    top=snakemake.params.top,
)
