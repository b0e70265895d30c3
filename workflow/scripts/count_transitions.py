"""Count the trait transitions the paper logs on every compared parent-child pair.

Reads: results/{snapshot}/hub.duckdb. Writes, under results/{snapshot}/traits/:
transitions.parquet (trait, relation, source, target, transitions), exposures.parquet
(compared pairs whose parent carries each value), trait_values.parquet (listed models
carrying each value) and transition_blocks.parquet (the transitions per parent, the
clusters of the drift baseline); see phylohub.traits.drift. With traits.exclude_flagged
the values the snapshot flags (data_quality) are left out.
"""

from pathlib import Path

from phylohub.inference.switch import edges_for
from phylohub.traits.drift import write_transitions
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
out = snakemake.output
write_transitions(
    Path(snakemake.input.db),
    Path(out.transitions),
    Path(out.exposures),
    Path(out.values),
    parents=snakemake.params.parents,
    threads=snakemake.threads,
    memory_mb=snakemake.resources.mem_mb,
    exclude_flagged=snakemake.params.exclude_flagged,
    extra_edges=edges_for(snakemake.params.inferred, snakemake.input.get("inferred")),
    blocks=Path(out.blocks),
)
