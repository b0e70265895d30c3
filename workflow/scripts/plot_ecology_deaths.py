"""Draw births against deaths and newly gated models by month of birth.
Reads: results/{snapshot}/ecology/deaths_monthly.tsv and deaths_summary.json.
Writes: figures/ecology_deaths.png; see phylohub.ecology.plots.
"""

import json
from pathlib import Path

from phylohub.ecology.plots import plot_deaths
from phylohub.io import read_tsv
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
i = snakemake.input
plot_deaths(
    read_tsv(Path(i.monthly)), json.loads(Path(i.summary).read_text()), Path(snakemake.output.png)
)
