"""The license audit stage: per edge, per family and ecosystem-wide, does a child's
declared license (and name) respect its parent's license? See docs/licenses.md."""

from typing import TYPE_CHECKING

import lazy_loader as lazy

if TYPE_CHECKING:
    from phylohub.licenses.audit import TABLES, audit_edges, audit_licenses, paths_in
    from phylohub.licenses.rules import Rules, Verdict, load_rules

# Names are imported on first use, not with the package: rule plot_license_breaches
# imports phylohub.licenses.plots, which needs neither the audit nor its imports (the
# snapshot build, scipy.special; bench/startup.py).
__getattr__, __dir__, _ = lazy.attach(
    __name__,
    submod_attrs={
        "audit": ["TABLES", "audit_edges", "audit_licenses", "paths_in"],
        "rules": ["Rules", "Verdict", "load_rules"],
    },
)

__all__ = ["TABLES", "Rules", "Verdict", "audit_edges", "audit_licenses", "load_rules", "paths_in"]
