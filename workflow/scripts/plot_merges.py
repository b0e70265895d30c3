"""Draw every figure of the merges stage in one process: the deepest merge lineage's
pedigree, inheritance shares per trait, the license dominance matrix, the inbreeding
coefficients (overall and per family), and how much a merge resembles its parents beside
finetune child-parent pairs (one job: a process per figure cost more start-up than
drawing the resemblance figure).
Reads: results/{snapshot}/merges/ and the genealogy's edges. Writes: five figures; see
phylohub.merges.plots.
"""

from pathlib import Path

from phylohub.io import read_tsv
from phylohub.merges.plots import plot_merges, plot_resemblance
from phylohub.workflow import configure_logging, named_paths

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
outputs = named_paths(snakemake.output.items())
resemblance = outputs.pop("resemblance")
plot_merges(
    Path(snakemake.input.lineage),
    Path(snakemake.input.edges),
    Path(snakemake.input.shares),
    Path(snakemake.input.dominance),
    Path(snakemake.input.merges),
    outputs,
    top=int(snakemake.params.top),
    families=Path(snakemake.input.families),
)
plot_resemblance(
    read_tsv(Path(snakemake.input.resemblance)),
    read_tsv(Path(snakemake.input.resemblance_claims)),
    resemblance,
)
