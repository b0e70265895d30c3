"""Draw the merges stage's figures: the deepest merge lineage's pedigree, inheritance
shares per trait, the license dominance matrix, the inbreeding coefficients (overall and
per family).
Reads: results/{snapshot}/merges/ and the genealogy's edges. Writes: four figures; see
phylohub.merges.plots.
"""

from pathlib import Path

from phylohub.merges.plots import plot_merges
from phylohub.workflow import configure_logging, named_paths

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
plot_merges(
    Path(snakemake.input.lineage),
    Path(snakemake.input.edges),
    Path(snakemake.input.shares),
    Path(snakemake.input.dominance),
    Path(snakemake.input.merges),
    {name: Path(path) for name, path in named_paths(snakemake.output.items()).items()},
    top=int(snakemake.params.top),
    families=Path(snakemake.input.families),
)
