"""Families, generations and structural virality of one relation set of a snapshot.

Reads: results/{snapshot}/hub.duckdb (models, edges, tags), and with
genealogy.inferred: include:<min confidence> the inferred edges
(results/{snapshot}/inference/inferred_edges.parquet). Writes the tables of
results/{snapshot}/genealogy/{relations}/ (see phylohub.genealogy.tables).
"""

from pathlib import Path

from phylohub.genealogy.tables import build_genealogy
from phylohub.inference.switch import edges_for
from phylohub.workflow import configure_logging, named_paths

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
build_genealogy(
    Path(snakemake.input.db),
    snakemake.params.relations,
    named_paths(snakemake.output.items()),
    top=snakemake.params.top,
    extra=edges_for(snakemake.params.inferred, snakemake.input.get("inferred")),
)
