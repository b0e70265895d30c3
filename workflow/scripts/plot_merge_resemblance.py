"""Draw how much a merge resembles its parents beside finetune child-parent pairs.

Reads: results/{snapshot}/merges/resemblance.tsv and resemblance_claims.tsv. Writes:
figures/merges_resemblance.png; see phylohub.merges.plots.plot_resemblance.
"""

from pathlib import Path

from phylohub.io import read_tsv
from phylohub.merges.plots import plot_resemblance
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
plot_resemblance(
    read_tsv(Path(snakemake.input.summary)),
    read_tsv(Path(snakemake.input.claims)),
    Path(snakemake.output.figure),
)
