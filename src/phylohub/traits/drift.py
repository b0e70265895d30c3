"""Drift graphs: which trait values mutate into which, and the orderings that explain it.

Transitions
===========
On every compared pair whose trait changed, the paper logs a transition from every
dropped value (in the parent's set, not the child's) to every value of the child, and
from every value of the parent to every added value (in the child's set, not the
parent's); each ordered pair once per edge. A single-valued trait that changes logs one
transition, parent value to child value. :func:`count_transitions` counts them per trait,
relation and ordered pair, in SQL.

The drift graph of a trait
==========================
:func:`drift_graph` pools the relations asked for and keeps the ``top_k`` values carried
by the most listed models, after dropping placeholders (``other``, ``unknown``). Between
two values the *oriented graph* has one arc, in the direction of the larger count (a
*drift*; equal counts give none).

Orderings
=========
Three orderings are solved exactly (:mod:`phylohub.traits.ordering`), each with SCIP's
proof:

``weighted``
    the paper's: most transitions forward.
``unweighted``
    the paper's: most drifts (oriented arcs) forward.
``normalised``
    ours: most *rate* forward, where the rate from *i* to *j* is the transitions from
    *i* to *j* divided by the compared pairs whose parent carries *i* (its exposure).
    Raw counts confound direction with abundance: a value carried by 100 times more
    parents sends 100 times more mutations both ways, so a rare value drifting into a
    common one at a high rate still shows as a net flow *out of* the common one. On the
    synthetic ecosystem the weighted ordering can miss the planted order for that
    reason, and still explains ~70% of mutations when no drift is planted at all; the
    normalised ordering recovers the planted order and falls to about half without it
    (tests/traits/test_drift_recovery.py; measurements in docs/traits.md).

For each ordering the stage reports the paper's two shares
(:class:`~phylohub.traits.ordering.Explained`): *drifts explained* (arcs of the oriented
graph pointing forward / all arcs) and *mutations explained* (transitions between the
graph's values going forward / all of them). The order solved for one share can tie
with other orders on it and not on the other share; ``weighted`` and ``unweighted`` break
such ties by the other share (the optimum that also puts most of it forward:
:func:`~phylohub.traits.ordering.tie_broken_weights`), so both shares are the same
whichever exact solver, or version of it, finds the order. A random ordering explains
half of either in expectation. As an honest baseline for an *optimal* ordering, which
over-fits noise, the stage also solves ``null_replicates`` graphs whose every pair keeps
its total traffic but turns its direction round by coin flips (no direction), and
reports the null mean, spread and the share of replicates that explain at least as much
as the data (a p-value), and at most as much (the other direction's). The coins flip a
parent's transitions between two values together (:meth:`DriftGraph.shuffled`): siblings
mutate together, so one parent with many children that all mutate one way is one piece
of evidence, not as many as its children.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from phylohub.errors import PhylohubError
from phylohub.io import write_json, write_parquet
from phylohub.traits import sql
from phylohub.traits.ordering import (
    Ordering,
    OrderingSolver,
    RelaxationSolver,
    explained,
    order_value,
    oriented,
    second_best,
    solve_ordering,
    tie_broken_weights,
)
from phylohub.traits.snapshot import RELATIONS, TYPED_RELATIONS, frame, open_snapshot
from phylohub.vocabulary import TRAITS

log = logging.getLogger(__name__)

Array = npt.NDArray[Any]

#: The orderings solved for every trait.
ORDERINGS = ("weighted", "unweighted", "normalised")


@dataclass(frozen=True)
class DriftSettings:
    """How the drift graphs are built and ordered (the ``traits.drift`` config).

    Attributes
    ----------
    relations
        Relations whose transitions are pooled.
    top_k
        Values kept per trait (the most carried by listed models).
    drop
        Values never kept (placeholders).
    time_limit_s
        Seconds SCIP may spend on one ordering.
    null_replicates
        Direction-shuffled graphs solved for the baseline (0: none). The p-value's floor
        is 1 / (1 + null_replicates): 199 lets it reach 0.005 (docs/traits.md, measured).
    check_unique
        Also solve for the second-best ordering, to report whether the optimum is unique.
    seed
        Seed of the shuffles and of SCIP.
    """

    relations: tuple[str, ...] = TYPED_RELATIONS
    top_k: int = 20
    drop: tuple[str, ...] = ("other", "unknown")
    time_limit_s: float = 60.0
    null_replicates: int = 199
    check_unique: bool = True
    seed: int = 0

    def __post_init__(self) -> None:
        bad = [r for r in self.relations if r not in RELATIONS]
        if bad or not self.relations:
            raise PhylohubError(
                f"traits.drift.relations must be a non-empty list of {', '.join(RELATIONS)}"
                f" (got {list(self.relations)})"
            )
        if self.top_k < 2:
            raise PhylohubError(f"traits.drift.top_k must be at least 2, not {self.top_k}")
        if self.time_limit_s <= 0 or self.null_replicates < 0:
            raise PhylohubError("traits.drift: time_limit_s must be > 0, null_replicates >= 0")

    @classmethod
    def from_config(cls, config: Mapping[str, Any], seed: int) -> DriftSettings:
        """Settings from the ``traits.drift`` mapping of the workflow config."""
        known = {f for f in cls.__dataclass_fields__ if f != "seed"}
        unknown = sorted(set(config) - known)
        if unknown:
            raise PhylohubError(f"unknown traits.drift setting(s): {', '.join(unknown)}")
        values: dict[str, Any] = dict(config)
        for key in ("relations", "drop"):
            if key in values:
                values[key] = tuple(values[key])
        return cls(**values, seed=int(seed))


# --------------------------------------------------------------------------- counting


@dataclass(frozen=True)
class TransitionTables:
    """What :func:`count_transitions` reads from a snapshot.

    Attributes
    ----------
    transitions
        ``trait``, ``relation``, ``source``, ``target``, ``transitions``.
    exposures
        ``trait``, ``relation``, ``value``, ``pairs``: compared pairs (both sides with the
        trait) whose parent carries the value.
    values
        ``trait``, ``value``, ``models``: listed models carrying the value.
    blocks
        ``trait``, ``relation``, ``parent``, ``source``, ``target``, ``transitions``: the
        transitions per parent, the clusters of the coin-flip baseline
        (:meth:`DriftGraph.shuffled`); None where not read (each transition its own
        cluster then).
    """

    transitions: pl.DataFrame
    exposures: pl.DataFrame
    values: pl.DataFrame
    blocks: pl.DataFrame | None = None


def count_transitions(con: Any) -> TransitionTables:
    """Transitions, exposures and value counts of a snapshot.

    Parameters
    ----------
    con
        A connection from :func:`phylohub.traits.snapshot.open_snapshot`.
    """
    con.execute(sql.CREATE_COMPARED_VALUES)  # the pairs' traits, joined once for both
    con.execute(sql.CREATE_TRANSITION_BLOCKS)  # per parent; the transitions are their sums
    return TransitionTables(
        transitions=frame(con, sql.TRANSITIONS_FROM_BLOCKS),
        exposures=frame(con, sql.COMPARED_EXPOSURES),
        values=frame(con, sql.TRAIT_COUNTS),
        blocks=frame(con, sql.TRANSITION_BLOCKS),
    )


def write_transitions(
    db: Path,
    transitions: Path,
    exposures: Path,
    values: Path,
    parents: str = "first",
    threads: int | None = None,
    memory_mb: int | None = None,
    exclude_flagged: bool = False,
    extra_edges: pl.DataFrame | None = None,
    blocks: Path | None = None,
) -> TransitionTables:
    """Count a snapshot's transitions and write the tables as parquet (``blocks``, the
    transitions per parent, where a path is given); with ``exclude_flagged`` the
    snapshot's flagged values (``data_quality``) are no traits; ``extra_edges`` are
    inferred edges compared beside the declared ones."""
    con = open_snapshot(db, parents, threads, memory_mb, exclude_flagged, extra_edges)
    try:
        tables = count_transitions(con)
    finally:
        con.close()
    for path, table in (
        (transitions, tables.transitions),
        (exposures, tables.exposures),
        (values, tables.values),
        (blocks, tables.blocks),
    ):
        if path is not None and table is not None:
            write_parquet(table, Path(path))
    log.info(
        "%d transitions over %d ordered pairs",
        int(tables.transitions["transitions"].sum() or 0),
        tables.transitions.height,
    )
    return tables


# --------------------------------------------------------------------------- graphs


@dataclass(frozen=True)
class DriftGraph:
    """The drift graph of one trait: its top values and the transitions between them.

    Attributes
    ----------
    trait
        ``license``, ``language``, ``task`` or ``library``.
    values
        The kept values, most carried first (ties by name).
    models
        Listed models carrying each value.
    exposure
        Compared pairs (pooled relations) whose parent carries each value.
    counts
        ``counts[i, j]``: transitions from ``values[i]`` to ``values[j]``.
    transitions
        All transitions of the trait in the pooled relations, kept values or not.
    blocks
        The traffic of ``counts`` by parent: a row ``(i, j, forward, backward)`` per parent
        and pair ``i < j`` of values with traffic, ``forward`` its children's transitions
        from ``values[i]`` to ``values[j]``, ``backward`` the other way; None: each
        transition is a block of its own.
    parents
        Parents whose children log the transitions of ``counts`` (0 where ``blocks`` is
        None).
    """

    trait: str
    values: tuple[str, ...]
    models: tuple[int, ...]
    exposure: Array
    counts: Array
    transitions: int
    blocks: Array | None = None
    parents: int = 0

    @property
    def k(self) -> int:
        """Number of values."""
        return len(self.values)

    def rates(self) -> Array:
        """``counts[i, j] / exposure[i]`` (0 where a value has no exposure)."""
        expo = np.asarray(self.exposure, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(expo[:, None] > 0, self.counts / expo[:, None], 0.0)
        out: Array = r
        return out

    def weights(self, kind: str) -> Array:
        """The weights of an ordering kind (:data:`ORDERINGS`)."""
        if kind == "weighted":
            w: Array = self.counts.astype(float)
        elif kind == "unweighted":
            w = oriented(self.counts).astype(float)
        elif kind == "normalised":
            w = self.rates()
        else:
            raise PhylohubError(f"unknown ordering {kind!r}: one of {', '.join(ORDERINGS)}")
        return w

    def solve_weights(self, kind: str) -> tuple[Array, int | None]:
        """What SCIP maximises for an ordering kind, and the scale ``m`` of the kind's own
        weights in it (None: the kind's own weights, no tie rule). ``weighted`` and
        ``unweighted`` break their ties by the other share
        (:func:`~phylohub.traits.ordering.tie_broken_weights`) unless the values could grow
        too large for SCIP's tolerance; ``normalised``'s rates are not integers and have no
        exact tie rule."""
        if kind in ("weighted", "unweighted"):
            broken = tie_broken_weights(self.counts, kind)
            if broken is not None:
                return broken
        return self.weights(kind), None

    def shuffled(self, rng: np.random.Generator) -> DriftGraph:
        """The same graph with the direction of every block of traffic flipped by a coin
        (the no-drift baseline): a parent's transitions between two values turned round
        together or not at all, as siblings mutate together (with ``blocks`` None, each
        transition by its own coin). Totals per pair and exposures are kept."""
        if self.blocks is not None:
            i, j, fwd, bwd = self.blocks.T
            flip = rng.random(i.size) < 0.5
            flipped = np.column_stack([i, j, np.where(flip, bwd, fwd), np.where(flip, fwd, bwd)])
            return replace(self, counts=_block_counts(flipped, self.k), blocks=flipped)
        c = np.asarray(self.counts, dtype=np.int64)
        upper = np.triu(c, 1) + np.triu(c.T, 1)  # total traffic per pair i < j
        forward = rng.binomial(upper, 0.5)
        return replace(self, counts=forward + (upper - forward).T)


def drift_graph(
    tables: TransitionTables,
    trait: str,
    relations: Sequence[str] = TYPED_RELATIONS,
    top_k: int = 20,
    drop: Sequence[str] = ("other", "unknown"),
) -> DriftGraph:
    """The drift graph of ``trait``: its ``top_k`` values and their transitions.

    Parameters
    ----------
    tables
        The transition tables of the snapshot.
    trait
        One of :data:`phylohub.traits.mutation.TRAITS`.
    relations
        Relations whose transitions are pooled.
    top_k
        Values kept: the most carried by listed models, ties by name.
    drop
        Values left out before choosing (placeholders such as ``other``).

    Returns
    -------
    DriftGraph
        The graph (fewer than ``top_k`` values when the trait has fewer).
    """
    counts_of = tables.values.filter(
        (pl.col("trait") == trait) & ~pl.col("value").is_in(list(drop))
    ).sort(["models", "value"], descending=[True, False])
    kept = counts_of.head(top_k)
    values = tuple(kept["value"].to_list())
    index = {v: i for i, v in enumerate(values)}
    k = len(values)
    rel = list(relations)
    moves = tables.transitions.filter((pl.col("trait") == trait) & pl.col("relation").is_in(rel))
    counts = np.zeros((k, k), dtype=np.int64)
    inside = moves.filter(pl.col("source").is_in(values) & pl.col("target").is_in(values))
    for source, target, n in inside.select("source", "target", "transitions").iter_rows():
        counts[index[source], index[target]] += int(n)
    expo = tables.exposures.filter(
        (pl.col("trait") == trait) & pl.col("relation").is_in(rel) & pl.col("value").is_in(values)
    )
    exposure = np.zeros(k, dtype=np.int64)
    for value, n in expo.select("value", "pairs").iter_rows():
        exposure[index[value]] += int(n)
    blocks, parents = None, 0
    if tables.blocks is not None:
        blocks, parents = _blocks(tables.blocks, trait, rel, index)
        if not np.array_equal(_block_counts(blocks, k), counts):
            raise PhylohubError(f"the {trait} transitions per parent do not sum to its counts")
    return DriftGraph(
        trait=trait,
        values=values,
        models=tuple(int(m) for m in kept["models"].to_list()),
        exposure=exposure,
        counts=counts,
        transitions=int(moves["transitions"].sum() or 0),
        blocks=blocks,
        parents=parents,
    )


def _blocks(
    table: pl.DataFrame, trait: str, relations: Sequence[str], index: Mapping[str, int]
) -> tuple[Array, int]:
    """:attr:`DriftGraph.blocks` of a trait from the transitions per parent (the pooled
    relations and kept values only), sorted; and how many parents they hold."""
    values = list(index)
    codes = pl.DataFrame(
        {"value": values, "code": list(index.values())},
        schema={"value": pl.String, "code": pl.Int64},
    )
    rows = (
        table.filter(
            (pl.col("trait") == trait)
            & pl.col("relation").is_in(list(relations))
            & pl.col("source").is_in(values)
            & pl.col("target").is_in(values)
        )
        .join(codes.rename({"value": "source", "code": "a"}), on="source")
        .join(codes.rename({"value": "target", "code": "b"}), on="target")
        .with_columns(i=pl.min_horizontal("a", "b"), j=pl.max_horizontal("a", "b"))
        .group_by("parent", "i", "j")
        .agg(
            forward=pl.col("transitions").filter(pl.col("a") < pl.col("b")).sum(),
            backward=pl.col("transitions").filter(pl.col("a") > pl.col("b")).sum(),
        )
        .sort("parent", "i", "j")
    )
    array = rows.select("i", "j", "forward", "backward").to_numpy().astype(np.int64)
    return array.reshape(-1, 4), int(rows["parent"].n_unique())


def _block_counts(blocks: Array, k: int) -> Array:
    """The counts matrix the blocks sum to."""
    i, j, fwd, bwd = blocks.T
    total = np.bincount(i * k + j, fwd, k * k) + np.bincount(j * k + i, bwd, k * k)
    out: Array = total.astype(np.int64).reshape(k, k)
    return out


# --------------------------------------------------------------------------- orderings


@dataclass
class OrderingReport:
    """One ordering of one trait, as the stage reports it (JSON-ready).

    Solve times are logged, not stored, so that the same transitions give the same
    file; ``nodes`` and ``triangles`` show the work SCIP did.
    """

    order: list[str]
    objective: float
    bound: float
    gap: float
    status: str
    optimal: bool
    nodes: int
    triangles: int
    unique: bool | None
    ties_broken: bool
    drifts_explained: float
    forward_arcs: int
    arcs: int
    mutations_explained: float
    forward_transitions: int
    transitions: int
    null: dict[str, dict[str, float]] = field(default_factory=dict)


def _report(
    graph: DriftGraph, kind: str, result: Ordering, scale: int | None, unique: bool | None
) -> OrderingReport:
    """The report of ``result``, solved on :meth:`DriftGraph.solve_weights` of ``kind``
    (``scale``: theirs): the objective and bound in the kind's own weights, SCIP's status
    and gap of the problem it solved."""
    e = explained(graph.counts, result.order)
    objective = result.objective
    bound = result.bound
    if scale is not None:  # m x primary + secondary, the secondary below m
        objective = order_value(graph.weights(kind), result.order)
        bound = max(objective, float(np.floor(result.bound / scale + 1e-9)))
    return OrderingReport(
        order=[graph.values[i] for i in result.order],
        objective=objective,
        bound=bound,
        gap=result.gap,
        status=result.status,
        optimal=result.optimal,
        nodes=result.nodes,
        triangles=result.triangles,
        unique=unique,
        ties_broken=scale is not None,
        drifts_explained=e.drifts,
        forward_arcs=e.forward_arcs,
        arcs=e.arcs,
        mutations_explained=e.mutations,
        forward_transitions=e.forward_transitions,
        transitions=e.transitions,
    )


def _is_unique(graph: DriftGraph, kind: str, best: Ordering, s: DriftSettings) -> bool | None:
    """Whether no other order scores as much in ``kind``'s own weights (its tie rule
    aside): the best order other than ``best`` solved (None: not proven either way)."""
    if graph.k < 2:
        return True
    weights = graph.weights(kind)
    other = second_best(weights, best.order, s.time_limit_s, s.seed)
    if other is None:
        return True
    if not (best.optimal and other.optimal):
        return None  # not proven either way within the time limit
    value = order_value(weights, best.order)
    return bool(other.objective < value - 1e-9 * max(1.0, abs(value)))


def _null_shares(
    nulls: Sequence[DriftGraph], kind: str, settings: DriftSettings
) -> tuple[list[tuple[float, float]], int]:
    """Both shares (drifts, mutations) of the optimal orders of coin-flip graphs, for
    the ordering ``kind``, the same in whichever process, after whatever other slice;
    and how many of the graphs the LP relaxation ordered (for the log).

    The shares are what SCIP's order explains, but SCIP solves only the graphs the LP
    relaxation cannot answer for (:class:`~phylohub.traits.ordering.RelaxationSolver`,
    a fraction of SCIP's time). With tie-broken weights (``weighted``, ``unweighted``)
    every optimum has the same two shares, so an order the relaxation proves optimal
    stands in for SCIP's. Without a tie rule (``normalised``; the others where their
    values are too large for it) the relaxation must show that every order within
    10^-6 * max(1, value) of the optimum puts each pair with unequal traffic the same way
    round: the shares depend on those pairs alone, and an order SCIP proves optimal is
    one of them. One SCIP model
    serves every graph and returns what a fresh one would
    (:class:`~phylohub.traits.ordering.OrderingSolver`); for tie-broken weights it
    leaves out SCIP's own cuts (faster on these graphs, and another of the tied optima
    explains the same shares)."""
    if not nulls:
        return [], 0
    shares = []
    k = nulls[0].k
    relaxation = RelaxationSolver(k)
    solver: OrderingSolver | None = None
    proven = 0
    for g in nulls:
        weights, scale = g.solve_weights(kind)
        if scale is not None:
            order = relaxation.solve(weights)
        else:
            order = relaxation.forced(weights, g.counts != g.counts.T)
        if order is None:
            solver = solver or OrderingSolver(
                k, settings.time_limit_s, settings.seed, cuts=scale is None
            )
            order = solver.solve(weights).order
        else:
            proven += 1
        e = explained(g.counts, order)
        shares.append((e.drifts, e.mutations))
    return shares, proven


def _nulls(graph: DriftGraph, settings: DriftSettings) -> list[DriftGraph]:
    """The graph's ``null_replicates`` coin-flip graphs, from a stream of its own."""
    rng = np.random.default_rng([settings.seed, TRAITS.index(graph.trait)])
    return [graph.shuffled(rng) for _ in range(settings.null_replicates)]


def _baseline(
    shares: Sequence[tuple[float, float]], report: OrderingReport
) -> dict[str, dict[str, float]]:
    """Summary of the coin-flip graphs' shares (:func:`_null_shares`): mean, sd, ``p``,
    ``p_less`` and ``replicates``. ``p`` is the Monte Carlo p-value (1 + replicates
    explaining at least as much as ``report``) / (1 + replicates): never 0, and never
    below its floor 1 / (1 + replicates), which findings print as a bound; ``p_less`` the
    other direction's (replicates explaining at most as much): the traffic more even
    between directions than coin flips leave it."""
    table = np.array(shares, dtype=float).reshape(-1, 2)
    observed = (report.drifts_explained, report.mutations_explained)
    out = {}
    for col, name in enumerate(("drifts_explained", "mutations_explained")):
        x = table[:, col]
        x = x[np.isfinite(x)]
        out[name] = {
            "mean": float(x.mean()) if x.size else float("nan"),
            "sd": float(x.std(ddof=1)) if x.size > 1 else float("nan"),
            "p": float((1 + np.sum(x >= observed[col] - 1e-12)) / (1 + x.size))
            if np.isfinite(observed[col])
            else float("nan"),
            "p_less": float((1 + np.sum(x <= observed[col] + 1e-12)) / (1 + x.size))
            if np.isfinite(observed[col])
            else float("nan"),
            "replicates": int(x.size),
        }
    return out


def _solve_kind(
    graph: DriftGraph, kind: str, settings: DriftSettings
) -> tuple[OrderingReport, float]:
    """The optimal ordering of one kind, its uniqueness and its report (no baseline yet);
    with SCIP's seconds, for the log."""
    weights, scale = graph.solve_weights(kind)
    best = solve_ordering(weights, settings.time_limit_s, settings.seed)
    unique = _is_unique(graph, kind, best, settings) if settings.check_unique else None
    return _report(graph, kind, best, scale, unique), best.seconds


#: Coin-flip graphs per unit of work: small enough that two or more processes share the
#: null baseline of a few large graphs evenly, large enough that a SCIP model serves many.
_CHUNK = 50


@dataclass(frozen=True)
class _Unit:
    """One piece of a graph's work: an ordering (``stop`` = -1) or a slice of its null
    baseline (coin-flip graphs ``start`` to ``stop``) for one ordering kind."""

    graph: int
    kind: str
    start: int = 0
    stop: int = -1


def _run(unit: _Unit, graph: DriftGraph, nulls: Sequence[DriftGraph], s: DriftSettings) -> Any:
    """A unit's result: (report, seconds) of an ordering, or a slice's
    :func:`_null_shares`."""
    if unit.stop < 0:
        return _solve_kind(graph, unit.kind, s)
    return _null_shares(nulls, unit.kind, s)


def _units(graphs: Sequence[DriftGraph], settings: DriftSettings) -> list[_Unit]:
    """Every graph's orderings and null slices, the largest graphs first."""
    units = []
    for n in sorted(range(len(graphs)), key=lambda i: (-graphs[i].k, i)):
        for kind in ORDERINGS:
            units.append(_Unit(n, kind))
            for start in range(0, settings.null_replicates, _CHUNK):
                stop = min(start + _CHUNK, settings.null_replicates)
                units.append(_Unit(n, kind, start, stop))
    return units


def _assemble(
    graph: DriftGraph, settings: DriftSettings, done: Mapping[_Unit, Any], n: int
) -> dict[str, Any]:
    """:func:`order_graph`'s report of graph ``n`` from its finished units."""
    out: dict[str, Any] = {
        "values": list(graph.values),
        "models": list(graph.models),
        "exposure": [int(x) for x in graph.exposure],
        "transitions_kept": int(graph.counts.sum()),
        "transitions_all": graph.transitions,
        "parents": graph.parents,
        "arcs": int(oriented(graph.counts).sum()),
        "tied_pairs": int(np.triu((graph.counts == graph.counts.T) & (graph.counts > 0), 1).sum()),
        "orderings": {},
    }
    for kind in ORDERINGS:
        report, seconds = done[_Unit(n, kind)]
        slices = [
            part
            for unit, part in done.items()
            if unit.graph == n and unit.kind == kind and unit.stop >= 0
        ]
        shares = [share for part, _proven in slices for share in part]
        if shares:
            report.null = _baseline(shares, report)
        log.info(
            "%s %s: drifts %d/%d, mutations %d/%d, %s in %.2f s%s; %d coin-flip graphs, "
            "%d of them ordered by the LP relaxation, the others by SCIP",
            graph.trait, kind, report.forward_arcs, report.arcs, report.forward_transitions,
            report.transitions, report.status, seconds,
            "" if report.unique is None else (", unique" if report.unique else ", not unique"),
            len(shares), sum(proven for _part, proven in slices),
        )  # fmt: skip
        out["orderings"][kind] = asdict(report)
    return out


def order_graph(graph: DriftGraph, settings: DriftSettings) -> dict[str, Any]:
    """Solve the three orderings of a drift graph, with the direction-shuffled baseline.

    Returns
    -------
    dict
        JSON-ready: the graph's values and counts, and per ordering an
        :class:`OrderingReport` (as a dict) whose ``null`` holds, per share, the mean,
        standard deviation and p-value over the shuffled replicates.
    """
    return _order_graphs([graph], settings, 1)[0]


def drift_pairs(graph: DriftGraph) -> pl.DataFrame:
    """The graph's transitions as rows: every ordered pair with traffic either way."""
    rows = []
    rates = graph.rates()
    for i in range(graph.k):
        for j in range(graph.k):
            if i != j and (graph.counts[i, j] or graph.counts[j, i]):
                rows.append(
                    {
                        "trait": graph.trait,
                        "source": graph.values[i],
                        "target": graph.values[j],
                        "transitions": int(graph.counts[i, j]),
                        "reverse": int(graph.counts[j, i]),
                        "rate": float(rates[i, j]),
                    }
                )
    schema = {
        "trait": pl.String,
        "source": pl.String,
        "target": pl.String,
        "transitions": pl.Int64,
        "reverse": pl.Int64,
        "rate": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)


def write_orderings(
    transitions: Path,
    exposures: Path,
    values: Path,
    out_json: Path,
    out_pairs: Path,
    settings: DriftSettings,
    workers: int = 1,
    blocks: Path | None = None,
) -> dict[str, Any]:
    """Build every trait's drift graph, solve its orderings, and write the results.

    Parameters
    ----------
    transitions, exposures, values
        The parquet tables of :func:`write_transitions`.
    out_json
        ``results/{snapshot}/traits/orderings.json``: settings and, per trait,
        :func:`order_graph`'s report.
    out_pairs
        ``results/{snapshot}/traits/drift_pairs.parquet``: the graphs' transitions.
    settings
        The drift settings.
    workers
        Processes that order the traits' graphs side by side. Every graph's shuffles
        draw from a stream of its own and every solve is deterministic, so the file is
        the same for any number of workers (tests/traits/test_drift_recovery.py).
    blocks
        The transitions per parent (:func:`write_transitions`): the coin-flip baseline
        turns a parent's traffic round as one; None: each transition by itself.
    """
    tables = TransitionTables(
        pl.read_parquet(transitions),
        pl.read_parquet(exposures),
        pl.read_parquet(values),
        pl.read_parquet(blocks) if blocks is not None else None,
    )
    graphs = [
        drift_graph(tables, trait, settings.relations, settings.top_k, settings.drop)
        for trait in TRAITS
    ]
    result: dict[str, Any] = {
        "settings": asdict(settings),
        "traits": dict(zip(TRAITS, _order_graphs(graphs, settings, workers), strict=True)),
    }
    write_json(result, Path(out_json))
    write_parquet(pl.concat([drift_pairs(g) for g in graphs]), Path(out_pairs))
    return result


def _order_graphs(
    graphs: Sequence[DriftGraph], settings: DriftSettings, workers: int
) -> list[dict[str, Any]]:
    """:func:`order_graph` of every graph. The work is cut into units (each ordering, and
    its null baseline in slices of :data:`_CHUNK` coin-flip graphs) that ``workers``
    processes share when more than one (forked: the children use numpy and SCIP only),
    so a stage with a few large graphs keeps every process busy; each unit's result
    depends on nothing but the unit, so the file is the same for any number of workers."""
    units = _units(graphs, settings)
    nulls = [_nulls(g, settings) for g in graphs]  # drawn once, here, from each stream

    def args(u: _Unit) -> tuple[_Unit, DriftGraph, list[DriftGraph], DriftSettings]:
        return u, graphs[u.graph], nulls[u.graph][u.start : max(u.stop, u.start)], settings

    if workers <= 1 or len(units) < 2:
        done = {unit: _run(*args(unit)) for unit in units}
    else:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(min(workers, len(units)), mp_context=context) as pool:
            futures = {unit: pool.submit(_run, *args(unit)) for unit in units}
            done = {unit: future.result() for unit, future in futures.items()}
    return [_assemble(g, settings, done, n) for n, g in enumerate(graphs)]
