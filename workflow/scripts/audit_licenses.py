"""Audit every edge's license change against the parent's terms.

Reads: results/{snapshot}/hub.duckdb, the genealogy's nodes.parquet (families) and
traits/drift_pairs.parquet. Writes: results/{snapshot}/licenses/; see
phylohub.licenses.audit.
"""

from pathlib import Path

from phylohub.licenses.audit import audit_licenses
from phylohub.workflow import configure_logging, named_paths

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
audit_licenses(
    Path(snakemake.input.db),
    Path(snakemake.input.nodes),
    Path(snakemake.input.drift_pairs),
    named_paths(snakemake.output.items()),
    level=snakemake.params.level,
)
