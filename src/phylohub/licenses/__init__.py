"""The license audit stage: per edge, per family and ecosystem-wide, does a child's
declared license (and name) respect its parent's license? See docs/licenses.md."""

from phylohub.licenses.audit import TABLES, audit_edges, audit_licenses, paths_in
from phylohub.licenses.rules import Rules, Verdict, load_rules

__all__ = ["TABLES", "Rules", "Verdict", "audit_edges", "audit_licenses", "load_rules", "paths_in"]
