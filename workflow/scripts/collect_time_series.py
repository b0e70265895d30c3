"""One row per snapshot (every snapshot listed up to this one), ordered by date.

Reads: results/{name}/hub.duckdb and genealogy/{diff.relations}/summary.json of each
(this snapshot's as inputs, the earlier ones' from params.earlier, read as they are).
Writes: results/{snapshot}/timeseries/series.tsv, licenses.tsv, tasks.tsv.
"""

from pathlib import Path

from phylohub.diff.series import collect_series, snapshot_point, write_series
from phylohub.workflow import configure_logging, named_paths

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
snapshots = [*snakemake.params.earlier]
snapshots.append([snakemake.wildcards.snapshot, snakemake.input.db, snakemake.input.genealogy])
points = [snapshot_point(name, Path(db), Path(summary)) for name, db, summary in snapshots]
tables = collect_series(points, top=snakemake.params.top)
write_series(tables, named_paths(snakemake.output.items()))
