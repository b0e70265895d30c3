"""The findings page: every headline number the pipeline computed, beside the paper's.
See docs/findings.md."""

from phylohub.findings.build import collect, write_findings

__all__ = ["collect", "write_findings"]
