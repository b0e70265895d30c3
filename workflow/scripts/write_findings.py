"""findings.json, findings.md and findings.html: every headline number, beside the paper's.

Reads: the tables named in phylohub.findings.spec under results/{snapshot}/.
Writes: results/{snapshot}/findings.json, findings.md and findings.html.
"""

from pathlib import Path

from phylohub.findings import write_findings
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
write_findings(
    Path(snakemake.output.json).parent,
    snakemake.wildcards.snapshot,
    Path(snakemake.output.json),
    Path(snakemake.output.md),
    Path(snakemake.output.html),
)
