"""The diff of a snapshot against an earlier one (phylohub.diff.compare).

Reads: hub.duckdb, the listing manifest and genealogy/{diff.relations}/nodes and families
of this snapshot (inputs) and of the earlier one (params.previous, read as it is).
Writes: results/{snapshot}/diff/ (summary.json and its tables).
"""

import json
import logging
from pathlib import Path

from phylohub.diff.compare import SnapshotFiles, compare_snapshots, write_diff
from phylohub.workflow import configure_logging, named_paths

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
i, p = snakemake.input, snakemake.params.previous
old = SnapshotFiles(
    p["name"], Path(p["db"]), Path(p["nodes"]), Path(p["families"]), Path(p["manifest"])
)
new = SnapshotFiles(
    snakemake.wildcards.snapshot, Path(i.db), Path(i.nodes), Path(i.families), Path(i.manifest)
)
diff = compare_snapshots(old, new, top=snakemake.params.top)
write_diff(diff, named_paths(snakemake.output.items()))
summary = {k: v for k, v in diff.summary.items() if k != "families"}
logging.getLogger("phylohub").info("diff %s", json.dumps(summary))
