"""The findings page: every headline number the pipeline computed, beside the paper's.
See docs/findings.md."""

from typing import TYPE_CHECKING

import lazy_loader as lazy

if TYPE_CHECKING:
    from phylohub.findings.build import collect, write_findings

# imported on first use: the Snakefile reads :mod:`.spec` (the files each finding
# comes from) while it builds the DAG, and has no use for the page's own imports
__getattr__, __dir__, _ = lazy.attach(
    __name__, submod_attrs={"build": ["collect", "write_findings"]}
)

__all__ = ["collect", "write_findings"]
