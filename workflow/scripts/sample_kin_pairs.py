"""Sample kin shapes of the family forest and list the pairs of models inside them.

Reads: results/{snapshot}/hub.duckdb. Writes: results/{snapshot}/similarity/kin_pairs.parquet,
kin_shapes.tsv (exact occurrences of every shape) and kin_forest.json.
"""

from pathlib import Path

from phylohub.inference.switch import edges_for
from phylohub.kinship.pairs import write_kin_pairs
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
p = snakemake.params
write_kin_pairs(
    Path(snakemake.input.db),
    Path(snakemake.output.pairs),
    Path(snakemake.output.shapes),
    Path(snakemake.output.forest),
    relations=p.relations,
    draws=p.draws,
    seed=p.seed,
    extra_edges=edges_for(snakemake.params.inferred, snakemake.input.get("inferred")),
)
