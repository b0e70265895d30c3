"""Births, reproductive life and succession of the genealogy's families.

Reads: results/{snapshot}/hub.duckdb and genealogy/{set}/nodes.parquet and
families.parquet of each set of ecology.relation_sets. Writes: results/{snapshot}/ecology/;
see phylohub.ecology.tables.
"""

from pathlib import Path

from phylohub.ecology.tables import Settings, build_ecology
from phylohub.workflow import configure_logging, named_paths

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
sets = {
    name: {"nodes": Path(n), "families": Path(f)}
    for name, n, f in zip(
        snakemake.params.sets, snakemake.input.nodes, snakemake.input.families, strict=True
    )
}
build_ecology(
    Path(snakemake.input.db),
    sets,
    snakemake.params.succession,
    named_paths(snakemake.output.items()),
    Settings(**snakemake.params.settings),
)
