"""Deaths (models removed) and gating since the earlier snapshot, by family and month.

Reads: this snapshot's diff (diff/models.parquet, diff/changed.parquet) and the earlier
snapshot's hub.duckdb and genealogy/{diff.relations}/ tables (params, read as they are);
without an earlier snapshot nothing. Writes: results/{snapshot}/ecology/ deaths tables;
see phylohub.ecology.deaths.
"""

from pathlib import Path

from phylohub.ecology.deaths import Previous, build_deaths
from phylohub.workflow import configure_logging, named_paths

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
p, s = snakemake.params.previous, snakemake.params.settings
previous = None
if p:
    previous = Previous(
        p["name"], Path(p["db"]), Path(p["nodes"]), Path(p["families"]),
        Path(snakemake.input.diff_models), Path(snakemake.input.diff_changed),
    )  # fmt: skip
build_deaths(
    previous, snakemake.params.relations, named_paths(snakemake.output.items()),
    s["bootstrap"], s["level"], s["seed"], s["min_families"],
)  # fmt: skip
