"""Draw every figure of the ecology stage in one process: births per month by relation,
the succession shares, the half-lives, and births against deaths and newly gated models
by month of birth (one job: a process per figure cost more start-up than drawing).
Reads: results/{snapshot}/ecology/. Writes: the four figures; see phylohub.ecology.plots.
"""

import json
from pathlib import Path

from phylohub.ecology.plots import plot_deaths, plot_ecology
from phylohub.io import read_tsv
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
i, o = snakemake.input, snakemake.output
plot_ecology(
    Path(i.monthly), Path(i.shares), Path(i.handovers), Path(i.life),
    Path(o.births), Path(o.succession), Path(o.half_lives),
)  # fmt: skip
plot_deaths(
    read_tsv(Path(i.deaths_monthly)),
    json.loads(Path(i.deaths_summary).read_text()),
    Path(o.deaths),
)
