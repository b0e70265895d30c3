"""The inference stage: undeclared parents inferred from what the crawl already holds
(names, card text, the listing's config and files), each with the signals that fired, a
confidence calibrated on a planted ecosystem, and whether a declared edge covers it.
See docs/inference.md."""

from phylohub.inference.stage import TABLES, infer_edges, infer_kin, paths_in
from phylohub.inference.switch import edges_for, min_confidence

__all__ = ["TABLES", "edges_for", "infer_edges", "infer_kin", "min_confidence", "paths_in"]
