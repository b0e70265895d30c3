"""Build each trait's drift graph and solve its optimal orderings exactly (SCIP).

Reads: the tables of count_transitions (the coin flips turn each parent's transitions
round together: transition_blocks.parquet). Writes: results/{snapshot}/traits/orderings.json
(orders, SCIP's proof, drifts and mutations explained, the coin-flip baseline) and
results/{snapshot}/traits/drift_pairs.parquet; see phylohub.traits.drift.
"""

from pathlib import Path

from phylohub.traits.drift import DriftSettings, write_orderings
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
i, o = snakemake.input, snakemake.output
write_orderings(
    Path(i.transitions),
    Path(i.exposures),
    Path(i.values),
    Path(o.orderings),
    Path(o.pairs),
    DriftSettings.from_config(snakemake.params.drift, snakemake.params.seed),
    workers=snakemake.threads,
    blocks=Path(i.blocks),
)
