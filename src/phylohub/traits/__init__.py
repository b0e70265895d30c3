"""Trait evolution: how licenses, languages, tasks and libraries change from parent to
child, in which direction they drift, and how documentation thins (the paper's section
4 and appendix 7). The rules are in ``workflow/rules/traits.smk``; the full reference,
with the files the stage writes, is ``docs/traits.md``.

Modules
=======
:mod:`~phylohub.traits.snapshot`
    opens a snapshot read-only and makes the compared (parent, child) pairs;
:mod:`~phylohub.traits.mutation`
    Definition 7.1 per trait and relation, with cluster-robust intervals;
:mod:`~phylohub.traits.drift`
    the transitions the paper logs, drift graphs, their three orderings and baselines;
:mod:`~phylohub.traits.ordering`
    the linear ordering problem, solved exactly with SCIP (lazy 3-cycle constraints);
:mod:`~phylohub.traits.thinning`
    documentation from parent to child (card availability, length, templates,
    languages);
:mod:`~phylohub.traits.stats`
    means with intervals clustered by parent;
:mod:`~phylohub.traits.plots`
    the drift diagrams and the thinning panels;
:mod:`~phylohub.traits.sql`
    every SQL statement of the stage.

Examples
--------
>>> from phylohub.traits import solve_ordering
>>> import numpy as np
>>> solve_ordering(np.array([[0, 1], [7, 0]])).order
(1, 0)
"""

from typing import TYPE_CHECKING

import lazy_loader as lazy

if TYPE_CHECKING:
    from phylohub.traits.drift import (
        DriftGraph,
        DriftSettings,
        count_transitions,
        drift_graph,
        order_graph,
        write_orderings,
        write_transitions,
    )
    from phylohub.traits.mutation import mutation_distances, mutation_rates, write_mutation_rates
    from phylohub.traits.ordering import Explained, Ordering, explained, solve_ordering
    from phylohub.traits.snapshot import open_snapshot
    from phylohub.traits.stats import Estimate, cluster_mean
    from phylohub.traits.thinning import (
        card_availability,
        documentation,
        thinning,
        write_thinning,
    )

#: Where each name of the package lives. They are imported when first used, not with
#: the package: every rule script of the stage imports one module of it, and a drift
#: figure has no use for SCIP, scipy.stats or DuckDB (whose imports took longer than
#: drawing it; bench/startup.py).
_WHERE = {
    "drift": (
        "DriftGraph", "DriftSettings", "count_transitions", "drift_graph", "order_graph",
        "write_orderings", "write_transitions",
    ),
    "mutation": ("mutation_distances", "mutation_rates", "write_mutation_rates"),
    "ordering": ("Explained", "Ordering", "explained", "solve_ordering"),
    "snapshot": ("open_snapshot",),
    "stats": ("Estimate", "cluster_mean"),
    "thinning": ("card_availability", "documentation", "thinning", "write_thinning"),
}  # fmt: skip
# lazy_loader (scientific-python's) gives the package a PEP 562 __getattr__ that imports
# a name's module on first use.
__getattr__, __dir__, _ = lazy.attach(
    __name__, submod_attrs={module: list(names) for module, names in _WHERE.items()}
)


__all__ = [
    "DriftGraph",
    "DriftSettings",
    "Estimate",
    "Explained",
    "Ordering",
    "card_availability",
    "cluster_mean",
    "count_transitions",
    "documentation",
    "drift_graph",
    "explained",
    "mutation_distances",
    "mutation_rates",
    "open_snapshot",
    "order_graph",
    "solve_ordering",
    "thinning",
    "write_mutation_rates",
    "write_orderings",
    "write_thinning",
    "write_transitions",
]
