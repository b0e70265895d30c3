"""findings.json, findings.md and findings.html: every headline number, beside the paper's.

Reads: the tables named in phylohub.findings.spec (the rule's inputs, by those names).
Writes: results/{snapshot}/findings.json, findings.md and findings.html.
"""

from pathlib import Path

from phylohub.findings import write_findings
from phylohub.findings.spec import Choices, source_files
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
choices = Choices.of(snakemake.config)
tables = {file: Path(snakemake.input[name]) for name, file in source_files(choices).items()}
write_findings(
    tables,
    snakemake.wildcards.snapshot,
    Path(snakemake.output.json),
    Path(snakemake.output.md),
    Path(snakemake.output.html),
    choices,
)
