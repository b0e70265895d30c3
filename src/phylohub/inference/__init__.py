"""The inference stage: undeclared parents inferred from what the crawl already holds
(names, card text, the listing's config and files), each with the signals that fired, a
confidence calibrated on a planted ecosystem, and whether a declared edge covers it.
See docs/inference.md."""

from typing import TYPE_CHECKING

import lazy_loader as lazy

if TYPE_CHECKING:
    from phylohub.inference.stage import TABLES, infer_edges, infer_kin, paths_in
    from phylohub.inference.switch import edges_for, min_confidence

# Names are imported on first use, not with the package: every later stage imports
# phylohub.inference.switch (genealogy.inferred), which needs none of the stage's own
# modules and their imports (bench/startup.py).
__getattr__, __dir__, _ = lazy.attach(
    __name__,
    submod_attrs={
        "stage": ["TABLES", "infer_edges", "infer_kin", "paths_in"],
        "switch": ["edges_for", "min_confidence"],
    },
)

__all__ = ["TABLES", "edges_for", "infer_edges", "infer_kin", "min_confidence", "paths_in"]
