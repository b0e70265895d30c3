"""The headline numbers (families, largest family, deepest generation, children with
children, mutation rates) with declared edges only and with the inferred edges added.

Reads: results/{snapshot}/hub.duckdb, inference/inferred_edges.parquet and, with
genealogy.inferred: exclude, genealogy/{inference.relations}/summary.json (the declared
side's genealogy numbers) and, with traits.parents: first too,
traits/mutation_rates_flagged.parquet (the declared side's mutation rates). Writes:
results/{snapshot}/traits/kin_headlines.tsv; see phylohub.traits.kin.
"""

from pathlib import Path

from phylohub.traits.kin import kin_headlines
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
kin_headlines(
    Path(snakemake.input.db),
    Path(snakemake.input.inferred),
    snakemake.params.relations,
    snakemake.params.min_confidence,
    snakemake.params.level,
    Path(snakemake.output.table),
    declared=Path(d) if (d := snakemake.input.get("declared")) else None,
    declared_rates=Path(r) if (r := snakemake.input.get("declared_rates")) else None,
)
