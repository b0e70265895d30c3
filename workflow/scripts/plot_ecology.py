"""Draw births per month by relation, the succession shares and the half-lives.
Reads: results/{snapshot}/ecology/. Writes: the three figures; see phylohub.ecology.plots.
"""

from pathlib import Path

from phylohub.ecology.plots import plot_ecology
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
i, o = snakemake.input, snakemake.output
plot_ecology(
    Path(i.monthly), Path(i.shares), Path(i.handovers), Path(i.life),
    Path(o.births), Path(o.succession), Path(o.half_lives),
)  # fmt: skip
