r"""The linear ordering problem, solved exactly with SCIP, and what an ordering explains.

Given weights :math:`w_{ij} \ge 0` (transitions from trait *i* to trait *j*), find the
ordering of the traits that maximises the weight of the pairs it puts forward,
:math:`\sum_{i \prec j} w_{ij}`. The paper solves it for the oriented drift graph
(*unweighted*: :math:`w_{ij} = 1` when *i* mutates to *j* more often than back) and for
the traffic (*weighted*: :math:`w_{ij}` = the transitions).

The integer programme has one binary :math:`y_{ij}` per pair :math:`i < j` (1: *i*
before *j*) and, for every triple :math:`i < j < l`, the two 3-cycle (triangle)
inequalities :math:`0 \le y_{ij} + y_{jl} - y_{il} \le 1`; an assignment that meets them
all is a total order. There are :math:`2\binom{k}{3}` of them (68,440 at k = 60), so
they are not written up front: a SCIP constraint handler adds a triangle only when a
solution (integral or an LP point) violates it. Orderings with a natural direction need
few of them, and k = 40 solves in seconds. SCIP's proof of optimality is the closed gap
between the best ordering found and the dual bound; :class:`Ordering` reports both.

Dual reductions are switched off (the handler holds no variable locks), as SCIP asks of
handlers that add constraints lazily. The search starts from a heuristic ordering (net
outflow, improved by moving single traits), which SCIP must then beat or prove optimal;
SCIP's own primal heuristics are off (they rarely beat it and cost time).

Optima tie often (integer counts), and which tied order a solver returns is its own
choice; :func:`tie_broken_weights` makes the drift orderings' optimum lexicographic, so
that what the order explains does not depend on the solver. That lets
:class:`RelaxationSolver` stand in for SCIP on the null baseline, where only the shares
are kept: the LP relaxation alone, with the triangles added the same way, proves most of
those graphs' optima from its duals, in about a sixth of SCIP's time; for weights
without a tie rule it shows instead that every near-optimal order puts the pairs that
move a share the same way round.
"""

from __future__ import annotations

import functools
import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from pyscipopt import LP, Conshdlr, Model, quicksum
from pyscipopt.scip import PY_SCIP_PARAMSETTING as SCIP_PARAMSETTING
from pyscipopt.scip import PY_SCIP_RESULT as SCIP_RESULT

from phylohub.errors import PhylohubError

Array = npt.NDArray[Any]

#: A triangle counts as violated beyond this (LP values are floats).
_EPS = 1e-6
#: At most this many triangles are added per separation round (the most violated first).
_MAX_CUTS = 2000
#: SCIP settings that only drop bookkeeping: statistics clocks, the primal-dual integral,
#: display lines nobody sees, and a time-limit check on every call (checked every few
#: calls instead, so a time limit may be passed by a few milliseconds). None of them
#: steers the search, so every solve returns the same order, bound and node count as
#: without them (checked solve by solve on the null baselines of the 100k and 1.86M
#: benchmark snapshots, and by tests/traits/test_ordering_settings.py); together they
#: save 5-10% of the CPU of the many small null solves, most of it clock reads.
_BOOKKEEPING: dict[str, bool | int] = {
    "timing/statistictiming": False,
    "misc/calcintegral": False,
    "display/verblevel": 0,
    "timing/rareclockcheck": True,
}


@dataclass(frozen=True)
class Ordering:
    """An ordering of ``k`` traits and SCIP's account of it.

    Attributes
    ----------
    order
        Trait indexes, most upstream first.
    objective
        Weight of the pairs the order puts forward.
    bound
        SCIP's dual bound: no ordering is worth more.
    gap
        ``(bound - objective) / objective`` as SCIP reports it; 0 proves optimality.
    status
        SCIP's status (``optimal``, ``timelimit``, ...).
    seconds
        Wall-clock seconds of the solve.
    nodes
        Branch-and-bound nodes.
    triangles
        Triangle constraints the handler added.
    """

    order: tuple[int, ...]
    objective: float
    bound: float
    gap: float
    status: str
    seconds: float
    nodes: int
    triangles: int

    @property
    def optimal(self) -> bool:
        """True when SCIP proved the order optimal (status optimal, gap 0)."""
        return self.status == "optimal" and self.gap <= 1e-9


def order_value(weights: Array, order: Sequence[int]) -> float:
    """The weight an ordering puts forward: the sum of ``weights[i, j]`` for i before j.

    Examples
    --------
    >>> w = np.array([[0, 3, 1], [1, 0, 2], [0, 0, 0]])
    >>> order_value(w, [0, 1, 2]), order_value(w, [2, 1, 0])
    (6.0, 1.0)
    """
    idx = np.asarray(order, dtype=np.int64)
    m = np.asarray(weights, dtype=float).take(idx, 0).take(idx, 1)
    # np.triu(m, 1) cell for cell, so the same sum to the bit, without making its mask
    return float(np.where(_above_diagonal(idx.size), m, 0.0).sum())


@functools.cache
def _above_diagonal(k: int) -> npt.NDArray[np.bool_]:
    """The cells above the diagonal of a k x k matrix (read-only: it is shared)."""
    mask = np.triu(np.ones((k, k), dtype=bool), 1)
    mask.flags.writeable = False
    return mask


def brute_force_ordering(weights: Array) -> tuple[tuple[int, ...], float]:
    """The best ordering by trying every permutation (for checking; k ≤ 9).

    Returns
    -------
    tuple[tuple[int, ...], float]
        The first best permutation in lexicographic order, and its value.

    Examples
    --------
    >>> brute_force_ordering(np.array([[0, 1, 0], [5, 0, 0], [2, 2, 0]]))
    ((2, 1, 0), 9.0)
    """
    w = np.asarray(weights, dtype=float)
    k = w.shape[0]
    if k > 9:
        raise PhylohubError(f"brute force over {k}! orderings is too slow (k <= 9)")
    if k == 0:
        return (), 0.0
    perms = np.array(list(itertools.permutations(range(k))), dtype=np.int64).reshape(-1, k)
    values = np.zeros(len(perms))
    for a, b in itertools.combinations(range(k), 2):
        values += w[perms[:, a], perms[:, b]]
    best = int(np.argmax(values))
    return tuple(int(x) for x in perms[best]), float(values[best])


def heuristic_order(weights: Array) -> list[int]:
    """A good ordering, fast: by net outflow, then single moves while any improves.

    The order SCIP starts from, so it must not change: every gain is the same sum, in
    the same order, as :func:`_heuristic_order_numpy` (the plain numpy form, kept for
    the tests) computes; on Python floats, which for the k <= 60 of the stage is several
    times faster than numpy's calls on rows of 20.

    Examples
    --------
    >>> heuristic_order(np.array([[0, 0, 0], [4, 0, 0], [3, 5, 0]]))
    [2, 1, 0]
    """
    w = np.asarray(weights, dtype=float)
    k = w.shape[0]
    net = w.sum(axis=1) - w.sum(axis=0)
    order = sorted(range(k), key=lambda i: (-net[i], i))
    if k < 2:
        return order
    d = (w - w.T).tolist()  # gain of putting i before j rather than after
    improved = True
    while improved:
        improved = False
        for item in list(order):
            p_now = order.index(item)
            rest = order[:p_now] + order[p_now + 1 :]
            # value of inserting `item` at each position p: the sum over rest[:p] of
            # d[x][item] plus the sum over rest[p:] of d[item][x], by running sums
            into = list(itertools.accumulate(d[x][item] for x in rest))
            row = d[item]
            out = list(itertools.accumulate(row[x] for x in reversed(rest)))
            out.reverse()
            gains = [out[0], *(into[p - 1] + out[p] for p in range(1, k - 1)), into[-1]]
            p_best = max(range(k), key=gains.__getitem__)  # the first best, as argmax
            if gains[p_best] > gains[p_now] + 1e-12:
                rest.insert(p_best, item)
                order = rest
                improved = True
    return order


def _heuristic_order_numpy(weights: Array) -> list[int]:
    """:func:`heuristic_order` in numpy (the form it had first; tests compare the two)."""
    w = np.asarray(weights, dtype=float)
    k = w.shape[0]
    net = w.sum(axis=1) - w.sum(axis=0)
    order = np.array(sorted(range(k), key=lambda i: (-net[i], i)), dtype=np.int64)
    d = w - w.T
    improved = True
    while improved:
        improved = False
        for item in order.tolist():
            p_now = int(np.flatnonzero(order == item)[0])
            rest = np.delete(order, p_now)
            gains = np.zeros(k)
            np.cumsum(d[rest, item], out=gains[1:])
            gains[:-1] += np.cumsum(d[item, rest[::-1]])[::-1]
            p_best = int(np.argmax(gains))
            if gains[p_best] > gains[p_now] + 1e-12:
                order = np.insert(rest, p_best, item)
                improved = True
    return [int(x) for x in order]


def _triples(k: int) -> Array:
    """Every triple a < b < c of ``k`` traits, in lexicographic order (rows of 3)."""
    a, b, c = np.meshgrid(np.arange(k), np.arange(k), np.arange(k), indexing="ij")
    keep = (a < b) & (b < c)
    out: Array = np.stack([a[keep], b[keep], c[keep]], axis=1)
    return out


class _Triangles(Conshdlr):
    """Adds the 3-cycle inequalities a solution violates, as SCIP asks for them."""

    def __init__(self, y: dict[tuple[int, int], Any], k: int) -> None:
        self.y = y
        self.k = k
        self.vars = list(y.values())
        # where each pair's value lands in the flattened k x k matrix of values
        self.flat = np.array([i * k + j for i, j in y], dtype=np.int64)
        self.added: set[tuple[int, int, int, int]] = set()
        # Each triangle's constraint, made once and added again by later solves of an
        # OrderingSolver (the variables stay); the same expression, name and flags.
        self.made: dict[tuple[int, int, int, int], tuple[Any, str]] = {}
        self.triples = _triples(k)
        self.ab = self.triples[:, 0] * k + self.triples[:, 1]
        self.bc = self.triples[:, 1] * k + self.triples[:, 2]
        self.ac = self.triples[:, 0] * k + self.triples[:, 2]

    def _values(self, solution: Any = None) -> Array:
        """The pairs' values in a flattened k x k matrix (0 elsewhere)."""
        u = np.zeros(self.k * self.k)
        get = self.model.getSolVal
        u[self.flat] = [get(solution, var) for var in self.vars]
        return u

    def _violated(self, solution: Any = None) -> list[tuple[int, int, int, int]]:
        """Violated triangles (a, b, c, side), most violated first; side 1: sum > 1."""
        u = self._values(solution)
        s = u[self.ab] + u[self.bc] - u[self.ac]
        over = np.flatnonzero(s > 1 + _EPS)
        under = np.flatnonzero(s < -_EPS)
        if not over.size and not under.size:
            return []
        x = np.concatenate([over, under])
        side = np.concatenate([np.ones(over.size, np.int64), np.zeros(under.size, np.int64)])
        by = np.concatenate([s[over] - 1, -s[under]])
        # most violated first, ties by triple and side
        first = np.lexsort((side, x, -by))[:_MAX_CUTS]
        abc = self.triples[x[first]].tolist()
        return [(a, b, c, int(sd)) for (a, b, c), sd in zip(abc, side[first], strict=True)]

    def _add(self, violated: list[tuple[int, int, int, int]]) -> bool:
        added = False
        for key in violated:
            if key in self.added:
                continue
            self.added.add(key)
            if key not in self.made:
                a, b, c, side = key
                expr = self.y[a, b] + self.y[b, c] - self.y[a, c]
                self.made[key] = (expr <= 1 if side else expr >= 0, f"tri_{a}_{b}_{c}_{side}")
            cons, name = self.made[key]
            self.model.addCons(cons, name=name, removable=True)
            added = True
        return added

    def _enforce(self, solution: Any = None) -> dict[str, Any]:
        violated = self._violated(solution)
        if not violated:
            return {"result": SCIP_RESULT.FEASIBLE}
        if self._add(violated):
            return {"result": SCIP_RESULT.CONSADDED}
        return {"result": SCIP_RESULT.INFEASIBLE}

    def conscheck(
        self,
        constraints: Any,
        solution: Any,
        checkintegrality: Any,
        checklprows: Any,
        printreason: Any,
        completely: Any,
    ) -> dict[str, Any]:
        ok = not self._violated(solution)
        return {"result": SCIP_RESULT.FEASIBLE if ok else SCIP_RESULT.INFEASIBLE}

    def consenfolp(self, constraints: Any, nusefulconss: Any, solinfeasible: Any) -> dict[str, Any]:
        return self._enforce()

    def consenfops(
        self, constraints: Any, nusefulconss: Any, solinfeasible: Any, objinfeasible: Any
    ) -> dict[str, Any]:
        return self._enforce()

    def conssepalp(self, constraints: Any, nusefulconss: Any) -> dict[str, Any]:
        if self._add(self._violated()):
            return {"result": SCIP_RESULT.CONSADDED}
        return {"result": SCIP_RESULT.DIDNOTFIND}

    def conslock(self, constraint: Any, locktype: Any, nlockspos: Any, nlocksneg: Any) -> None:
        pass


@dataclass
class _Problem:
    model: Model
    y: dict[tuple[int, int], Any]
    handler: _Triangles
    constant: float
    extra: list[Any] = field(default_factory=list)


def _build(weights: Array, time_limit: float, seed: int) -> _Problem:
    w = np.asarray(weights, dtype=float)
    k = w.shape[0]
    model = Model("linear_ordering")
    model.hideOutput()
    model.setParam("limits/time", float(time_limit))
    model.setParam("randomization/randomseedshift", int(seed) % 2**31)
    model.setParam("misc/allowstrongdualreds", False)
    model.setParam("misc/allowweakdualreds", False)
    model.setParam("parallel/maxnthreads", 1)
    # The search starts from a strong heuristic ordering; SCIP's own primal heuristics
    # rarely beat it and double the time on noisy graphs (measured on k = 20).
    model.setHeuristics(SCIP_PARAMSETTING.OFF)
    for name, value in _BOOKKEEPING.items():
        model.setParam(name, value)
    y = {
        (i, j): model.addVar(vtype="B", name=f"y_{i}_{j}")
        for i in range(k)
        for j in range(i + 1, k)
    }
    constant = _set_objective(model, y, w)
    handler = _Triangles(y, k)
    model.includeConshdlr(
        handler,
        "triangles",
        "3-cycle inequalities of the linear ordering problem, added lazily",
        sepapriority=1,
        enfopriority=-1,
        chckpriority=-1,
        sepafreq=1,
        needscons=False,
    )
    return _Problem(model, y, handler, constant)


def _set_objective(model: Model, y: dict[tuple[int, int], Any], w: Array) -> float:
    """Make ``model`` maximise the weight put forward by ``w``; returns the constant the
    objective leaves out (every pair's backward weight, gained back by putting it first)."""
    pairs = np.array(list(y), dtype=np.int64).reshape(-1, 2)
    forward, backward = w[pairs[:, 0], pairs[:, 1]], w[pairs[:, 1], pairs[:, 0]]
    # the same sums and differences, in the same order, as pair by pair
    constant = float(sum(backward.tolist()))
    gains = (forward - backward).tolist()
    objective = quicksum(g * var for g, var in zip(gains, y.values(), strict=True))
    model.setObjective(objective, "maximize")
    return constant


def _order_of(values: dict[tuple[int, int], float], k: int) -> list[int]:
    """The order of a feasible assignment: a trait's rank is how many precede it."""
    ahead = np.zeros(k, dtype=np.int64)
    for (i, j), v in values.items():
        if v > 0.5:
            ahead[j] += 1
        else:
            ahead[i] += 1
    return [int(x) for x in np.argsort(ahead, kind="stable")]


def _start(problem: _Problem, order: Sequence[int]) -> None:
    pos = {item: p for p, item in enumerate(order)}
    sol = problem.model.createSol()
    for (i, j), var in problem.y.items():
        problem.model.setSolVal(sol, var, 1.0 if pos[i] < pos[j] else 0.0)
    problem.model.addSol(sol, free=True)


def _solve(problem: _Problem, k: int) -> Ordering | None:
    model = problem.model
    start = time.perf_counter()
    model.optimize()
    seconds = time.perf_counter() - start
    if model.getNSols() == 0:
        return None
    best = model.getBestSol()
    values = {key: model.getSolVal(best, var) for key, var in problem.y.items()}
    order = _order_of(values, k)
    objective = model.getObjVal() + problem.constant
    bound = model.getDualbound() + problem.constant
    return Ordering(
        order=tuple(order),
        objective=float(round(objective, 9)),
        bound=float(round(bound, 9)),
        gap=float(model.getGap()),
        status=str(model.getStatus()),
        seconds=seconds,
        nodes=int(model.getNNodes()),
        triangles=len(problem.handler.added),
    )


def solve_ordering(weights: Array, time_limit: float = 60.0, seed: int = 0) -> Ordering:
    """The ordering that maximises the weight put forward, with SCIP's proof.

    Parameters
    ----------
    weights
        A square matrix: ``weights[i, j]`` is gained when trait i comes before trait j.
        The diagonal is ignored.
    time_limit
        Seconds SCIP may spend; past it the best ordering found is returned, with its gap.
    seed
        SCIP's random seed shift (the same seed gives the same answer).

    Returns
    -------
    Ordering
        The order and SCIP's status, bound and gap.

    Examples
    --------
    >>> w = np.array([[0, 4, 1], [1, 0, 2], [5, 1, 0]])
    >>> r = solve_ordering(w)
    >>> r.order, r.objective, r.optimal, r.gap
    ((2, 0, 1), 10.0, True, 0.0)
    """
    w = _checked(weights)
    k = w.shape[0]
    if k < 2:
        return Ordering(tuple(range(k)), 0.0, 0.0, 0.0, "optimal", 0.0, 0, 0)
    problem = _build(w, time_limit, seed)
    _start(problem, heuristic_order(w))
    result = _solve(problem, k)
    if result is None:  # the start is always feasible, so SCIP keeps at least it
        raise PhylohubError("SCIP found no ordering (this is a bug)")
    return result


class OrderingSolver:
    """Solves many orderings of ``k`` traits, one after another, with one SCIP model.

    The null replicates solve hundreds of graphs of one size, and building a SCIP model
    (its plugins, the variables, the triangle handler) costs about as much as solving a
    small one; only the objective differs between them. Before each solve after the
    first, the transformed problem is freed (with the triangles the last solve added, its
    LP and search state), the handler's record of triangles is cleared, and SCIP is told
    not to keep the last solve's solutions as starts for the next
    (``misc/transsolsorig``), so every solve starts from the state a fresh model starts
    from and returns what :func:`solve_ordering` returns, to the bit
    (tests/traits/test_ordering.py). Graphs whose weights equal an earlier one's (the
    coin-flip graphs of a few values repeat) are not solved again.

    With ``cuts=False`` SCIP's own cutting planes are left out (every separator plugin:
    Gomory, zero-half, MIR, ...; the triangles are still separated, by their handler).
    The optimum's value is the same, proven the same way, but the search differs, so
    where several orders tie SCIP may return another of them: for tie-broken weights
    (:func:`tie_broken_weights`) every optimum explains the same shares, which is all
    the null baseline keeps. On the graphs the LP relaxation leaves to SCIP in the
    1.86M benchmark's baseline those cuts cost more than they save: the 82 ``task``
    graphs (19 values) took 5.2 s without them against 22.1 s with, the 75 others 1.0 s
    against 1.8 s (docs/traits.md, "SCIP without its own cuts").

    Examples
    --------
    >>> solver = OrderingSolver(3)
    >>> w = np.array([[0, 4, 1], [1, 0, 2], [5, 1, 0]])
    >>> a, b = solver.solve(w), solve_ordering(w)
    >>> (a.order, a.objective, a.bound, a.nodes) == (b.order, b.objective, b.bound, b.nodes)
    True
    """

    def __init__(
        self, k: int, time_limit: float = 60.0, seed: int = 0, *, cuts: bool = True
    ) -> None:
        self.k = k
        self.problem = _build(np.zeros((k, k)), time_limit, seed) if k >= 2 else None
        if self.problem is not None:
            model = self.problem.model
            model.setParam("misc/transsolsorig", False)
            if not cuts:
                for name in model.getParams():  # each separator plugin's separating/<name>/freq
                    part = name.split("/")
                    if len(part) == 3 and part[0] == "separating" and part[2] == "freq":
                        model.setParam(name, -1)
        self.solved = False
        self.seen: dict[bytes, Ordering] = {}

    def solve(self, weights: Array) -> Ordering:
        """The optimal ordering of ``weights`` (k x k), as :func:`solve_ordering` gives it."""
        w = _checked(weights)
        if w.shape[0] != self.k:
            raise PhylohubError(f"this solver orders {self.k} traits, not {w.shape[0]}")
        key = w.tobytes()
        if key in self.seen:
            return self.seen[key]
        if self.problem is None:
            return solve_ordering(w)
        problem = self.problem
        if self.solved:
            problem.model.freeTransform()
        self.solved = True
        problem.handler.added.clear()
        problem.constant = _set_objective(problem.model, problem.y, w)
        _start(problem, heuristic_order(w))
        result = _solve(problem, self.k)
        if result is None:  # the start is always feasible, so SCIP keeps at least it
            raise PhylohubError("SCIP found no ordering (this is a bug)")
        self.seen[key] = result
        return result


class RelaxationSolver:
    """Orders that the LP relaxation alone proves, for many graphs of ``k`` traits; None
    where it proves none (SCIP then has to branch or cut).

    The relaxation is the integer programme without integrality: the pair variables in
    [0, 1] and the triangle inequalities added round by round where the LP's point
    violates them, in one LP (SoPlex, through pyscipopt's ``LP``) that keeps its columns
    from graph to graph. The order is read from the LP's last point (a trait's rank is how
    many pairs put it behind). Its proofs rest on the bound that the LP's duals give,
    ``constant + sum(max(0, reduced cost)) + sum(max(0, dual))`` (weak duality, valid for
    any duals, so it does not rest on the LP solver's tolerances), with a pair's term
    ``reduced cost * value`` where the pair is fixed to a value.

    - :meth:`solve` (integer weights): the order is optimal when that bound is less than
      its value + 1/2; no order is worth more. The drift orderings' weights are
      tie-broken (:func:`tie_broken_weights`): every optimum puts the same transitions
      and arcs forward, so what such an order explains is what SCIP's explains.
    - :meth:`forced` (any weights, ``normalised``'s rates): the order is returned when,
      for each of the given pairs, every order that puts the pair the other way round is
      worth less than the order's value less ``margin * max(1, |value|)``: by the bound
      with the pair fixed, from the same duals; where those leave two or more pairs
      open, by one LP that turns round as many of them as a point worth at least that
      floor can, its duals bounding the count below 1 (an order turns a pair round
      whole); and where that fails, or one pair is open, by the LP solved again with
      each pair fixed. Every order within that
      margin of the optimum, an order SCIP proves optimal included (it stops within
      10^-9), then puts those pairs as this one does.

    Either way the order can stand in for SCIP's where only what it explains is kept (the
    null baseline). The order itself may be another of the tied optima, and may depend on
    the graphs solved before (the LP starts from its last basis).

    On the coin-flip graphs of the benchmark snapshots (20 values) :meth:`solve` proves
    94-100% of the tie-broken ``weighted`` and 53-100% of the ``unweighted`` ones, in
    about a sixth of SCIP's time, and :meth:`forced` 96-100% of the ``normalised`` ones
    (docs/traits.md, "Scale").

    Examples
    --------
    >>> solver = RelaxationSolver(3)
    >>> w = np.array([[0, 4, 1], [1, 0, 2], [5, 1, 0]])
    >>> solver.solve(w), solve_ordering(w).order
    ((2, 0, 1), (2, 0, 1))
    >>> cycle = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]])  # every order puts 2 forward
    >>> order_value(cycle, solver.solve(cycle))
    2.0
    >>> solver.forced(w / 3, w != w.T)
    (2, 0, 1)
    >>> solver.forced(cycle, cycle != cycle.T) is None  # three orders tie, each its own way
    True
    """

    #: Pairs :meth:`forced` may solve the LP again for, per graph, before it leaves the
    #: graph to SCIP (each re-solve costs about a twentieth of a SCIP solve at 20 values).
    MAX_RESOLVES = 32

    def __init__(self, k: int) -> None:
        self.k = k
        self.first, self.second = np.triu_indices(k, 1)
        pairs = len(self.first)
        index = np.zeros((k, k), dtype=np.int64)
        index[self.first, self.second] = np.arange(pairs)
        i, j, m = _triples(k).T
        # triangle t: 0 <= y[ij[t]] + y[jm[t]] - y[im[t]] <= 1
        self.ij, self.jm, self.im = index[i, j], index[j, m], index[i, m]
        self.lp = LP("ordering_relaxation", sense="maximize")
        self.lp.addCols([[] for _ in range(pairs)], [0.0] * pairs, [0.0] * pairs, [1.0] * pairs)
        self.rows = np.zeros(0, dtype=np.int64)  # the triangle of each LP row

    def solve(self, weights: Array) -> tuple[int, ...] | None:
        """An optimal order of ``weights`` (k x k, integers), or None when unproven."""
        w = self._weights(weights)
        if not np.array_equal(w, np.round(w)):
            raise PhylohubError("the LP relaxation proves optima of integer weights only")
        if self.k < 2:
            return tuple(range(self.k))
        gains, constant = self._objective(w)
        if not self._separate():
            return None
        bound, _reduced = self._bound(gains, constant)
        order = self._order()
        return order if bound < order_value(w, order) + 0.5 else None

    def forced(self, weights: Array, pairs: Array, margin: float = 1e-6) -> tuple[int, ...] | None:
        """An order of ``weights`` (k x k) that puts each pair ``(i, j)`` where ``pairs[i,
        j]`` is true as every order worth within ``margin * max(1, |value|)`` of the
        optimum does, or None when unproven."""
        w = self._weights(weights)
        if self.k < 2:
            return tuple(range(self.k))
        gains, constant = self._objective(w)
        if not self._separate():
            return None
        bound, reduced = self._bound(gains, constant)
        order = self._order()
        value = order_value(w, order)
        floor = value - margin * max(1.0, abs(value))
        pos = np.empty(self.k, dtype=np.int64)
        pos[list(order)] = np.arange(self.k)
        ahead = pos[self.first] < pos[self.second]  # the order's y
        flipped = np.where(ahead, 0.0, 1.0)
        # the bound with one pair fixed the other way round, from these duals
        bounds = bound - np.maximum(reduced, 0) + reduced * flipped
        chosen = np.asarray(pairs, dtype=bool)
        matter = chosen[self.first, self.second] | chosen[self.second, self.first]
        unproven = np.flatnonzero(matter & (bounds >= floor))
        if unproven.size > 1 and self._none_turned(gains, constant, floor, unproven, flipped):
            return order
        if unproven.size > self.MAX_RESOLVES:
            return None
        for col in unproven.tolist():
            fixed = float(flipped[col])
            self.lp.chgBound(col, fixed, fixed)
            proven = self._separate() and self._bound(gains, constant, (col, fixed))[0] < floor
            self.lp.chgBound(col, 0.0, 1.0)
            if not proven:
                return None
        return order

    def _none_turned(
        self, gains: Array, constant: float, floor: float, cols: Array, flipped: Array
    ) -> bool:
        """Whether no order worth at least ``floor`` turns round any of the pairs
        ``cols`` (``flipped``: each pair's value turned round), by one LP: the
        relaxation with the objective as a row (``gains . y >= floor - constant``) and,
        as the objective, how many of those pairs a point turns round. An order that
        turns one round counts at least 1, so a bound below 1 from the duals (weak
        duality, as :meth:`_bound`; the row's dual taken at most 0, the sign its one
        side allows) shows that none does. At 100,000 models it shows it on 698 of the
        706 ``normalised`` coin-flip graphs that needed more than the first duals, in
        place of a re-solve per pair (7 on average). The LP is left as it was, the
        objective row taken out and the triangles it added kept (valid for any
        objective: the re-solves of this graph start from them)."""
        lp = self.lp
        nonzero = np.flatnonzero(gains)
        if nonzero.size == 0:
            return False  # every order is worth the same: any pair may turn
        special = lp.nrows()
        assert special == self.rows.size  # each LP row's triangle, which the bound reads
        coefs = [(int(c), float(g)) for c, g in zip(nonzero, gains[nonzero], strict=True)]
        lp.addRow(coefs, floor - constant, lp.infinity())
        self.rows = np.append(self.rows, -1)  # not a triangle
        # turned round: 1 - y where the order puts the pair forward (y = 1), y where not
        turned = np.zeros(len(gains))
        turned[cols] = np.where(flipped[cols] == 1.0, 1.0, -1.0)
        ahead = float(np.count_nonzero(flipped[cols] == 0.0))
        for col, coef in enumerate(turned.tolist()):
            lp.chgObj(col, coef)
        proven = False
        if self._separate():
            duals = np.asarray(lp.getDual())
            triangle = self.rows >= 0
            rows, tri = self.rows[triangle], duals[triangle]
            row = min(float(duals[special]), 0.0)
            reduced = self._reduced(turned - row * gains, rows, tri)
            bound = (
                ahead
                + np.maximum(reduced, 0).sum()
                + np.maximum(tri, 0).sum()
                + row * (floor - constant)
            )
            proven = bool(bound < 1 - 1e-6)
        lp.delRows(special, special)
        self.rows = np.delete(self.rows, special)
        for col, gain in enumerate(gains.tolist()):
            lp.chgObj(col, gain)
        return proven

    def _weights(self, weights: Array) -> Array:
        w = _checked(weights)
        if w.shape[0] != self.k:
            raise PhylohubError(f"this solver orders {self.k} traits, not {w.shape[0]}")
        return w

    def _objective(self, w: Array) -> tuple[Array, float]:
        """Make the LP maximise the weight ``w`` puts forward, its triangles dropped; the
        pairs' gains and the constant the objective leaves out."""
        lp = self.lp
        if lp.nrows():
            lp.delRows(0, lp.nrows() - 1)
        self.rows = np.zeros(0, dtype=np.int64)
        gains = w[self.first, self.second] - w[self.second, self.first]
        for col, gain in enumerate(gains.tolist()):
            lp.chgObj(col, gain)
        return gains, float(w[self.second, self.first].sum())

    def _separate(self) -> bool:
        """Solve the LP, adding the triangles its point violates until it violates none;
        False when the LP has no optimum."""
        lp = self.lp
        while True:
            lp.solve()
            if not lp.isOptimal():
                return False
            y = np.asarray(lp.getPrimal())
            sums = y[self.ij] + y[self.jm] - y[self.im]
            violated = np.flatnonzero((sums > 1 + _EPS) | (sums < -_EPS))
            if violated.size == 0:
                return True
            self.rows = np.concatenate([self.rows, violated])
            lp.addRows(
                [
                    [(a, 1.0), (b, 1.0), (c, -1.0)]
                    for a, b, c in zip(
                        self.ij[violated].tolist(),
                        self.jm[violated].tolist(),
                        self.im[violated].tolist(),
                        strict=True,
                    )
                ],
                [0.0] * violated.size,
                [1.0] * violated.size,
            )

    def _bound(
        self, gains: Array, constant: float, fixed: tuple[int, float] | None = None
    ) -> tuple[float, Array]:
        """The duals' bound on every order's value (with pair ``fixed[0]`` fixed to
        ``fixed[1]``: on the orders that put it so), and the reduced costs."""
        rows = self.rows
        duals = np.asarray(self.lp.getDual()) if rows.size else np.zeros(0)
        reduced = self._reduced(gains, rows, duals)
        terms = np.maximum(reduced, 0)
        if fixed is not None:
            terms[fixed[0]] = reduced[fixed[0]] * fixed[1]
        return constant + terms.sum() + np.maximum(duals, 0).sum(), reduced

    def _reduced(self, objective: Array, rows: Array, duals: Array) -> Array:
        """Each pair's reduced cost: its ``objective`` coefficient less what the
        triangles ``rows`` (each ``y[ij] + y[jm] - y[im]``) take of it at their ``duals``."""
        pairs = len(objective)
        reduced: Array = (
            objective
            - np.bincount(self.ij[rows], duals, pairs)
            - np.bincount(self.jm[rows], duals, pairs)
            + np.bincount(self.im[rows], duals, pairs)
        )
        return reduced

    def _order(self) -> tuple[int, ...]:
        """:func:`_order_of` the LP's point."""
        ahead = np.asarray(self.lp.getPrimal()) > 0.5  # first before second
        behind = np.bincount(self.second[ahead], minlength=self.k)
        behind += np.bincount(self.first[~ahead], minlength=self.k)
        return tuple(int(x) for x in np.argsort(behind, kind="stable"))


def second_best(
    weights: Array, order: Sequence[int], time_limit: float = 60.0, seed: int = 0
) -> Ordering | None:
    """The best ordering other than ``order`` (None when there is no other).

    Its objective equals the optimum exactly when the optimal ordering is not unique.
    """
    w = _checked(weights)
    k = w.shape[0]
    if k < 2:
        return None
    problem = _build(w, time_limit, seed)
    pos = {item: p for p, item in enumerate(order)}
    agree = quicksum(var if pos[i] < pos[j] else 1 - var for (i, j), var in problem.y.items())
    problem.model.addCons(agree <= len(problem.y) - 1, name="not_the_given_order")
    alt = list(order)
    alt[0], alt[1] = alt[1], alt[0]
    _start(problem, alt)
    return _solve(problem, k)


def _checked(weights: Array) -> Array:
    w = np.asarray(weights, dtype=float)
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise PhylohubError(f"ordering weights must be a square matrix, not shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise PhylohubError("ordering weights must be finite numbers")
    w = w.copy()
    np.fill_diagonal(w, 0.0)
    return w


@dataclass(frozen=True)
class Explained:
    """What an ordering explains of a drift graph.

    Attributes
    ----------
    forward_arcs, arcs
        Arcs of the oriented graph (pairs that mutate more often one way than the
        other) that point forward in the order, and all of them.
    forward_transitions, transitions
        Transitions (between traits of the graph) that go forward, and all of them.
    """

    forward_arcs: int
    arcs: int
    forward_transitions: int
    transitions: int

    @property
    def drifts(self) -> float:
        """Share of drifts (oriented arcs) explained, NaN without arcs."""
        return self.forward_arcs / self.arcs if self.arcs else math.nan

    @property
    def mutations(self) -> float:
        """Share of mutations (transitions) explained, NaN without transitions."""
        return self.forward_transitions / self.transitions if self.transitions else math.nan


def oriented(counts: Array) -> Array:
    """The oriented drift graph: 1 where i mutates to j strictly more often than back.

    Examples
    --------
    >>> oriented(np.array([[0, 3, 1], [1, 0, 2], [1, 2, 0]])).tolist()
    [[0, 1, 0], [0, 0, 0], [0, 0, 0]]
    """
    c = np.asarray(counts)
    arcs: Array = (c > c.T).astype(np.int64)
    return arcs


def explained(counts: Array, order: Sequence[int]) -> Explained:
    """Drifts and mutations an ordering explains (the paper's two shares).

    Parameters
    ----------
    counts
        ``counts[i, j]``: transitions from trait i to trait j.
    order
        An ordering of all the traits.

    Examples
    --------
    >>> e = explained(np.array([[0, 3, 1], [1, 0, 2], [1, 2, 0]]), [0, 1, 2])
    >>> (e.forward_arcs, e.arcs, e.forward_transitions, e.transitions)
    (1, 1, 6, 10)
    """
    c = np.asarray(counts, dtype=np.int64).copy()
    np.fill_diagonal(c, 0)
    idx = np.asarray(order, dtype=np.int64)
    ranked = c.take(idx, 0).take(idx, 1)  # rows and columns in the order
    arcs = oriented(ranked)
    forward = _above_diagonal(idx.size)
    return Explained(
        forward_arcs=int(np.count_nonzero(arcs & forward)),
        arcs=int(np.count_nonzero(arcs)),
        forward_transitions=int(ranked[forward].sum()),
        transitions=int(c.sum()),
    )


#: Largest value a tie-broken ordering may reach (:func:`tie_broken_weights`). SCIP stops
#: at a relative gap of 1e-9, so one unit of the tie rule must stay well above 1e-9 of the
#: whole: on 8-value graphs every lexicographic optimum was found up to 1e10; near 1e11
#: two of 40 were missed, and reported optimal (docs/traits.md, "Ties").
MAX_TIE_BROKEN_VALUE = 10**9


def tie_broken_weights(
    counts: Array, kind: str, limit: int = MAX_TIE_BROKEN_VALUE
) -> tuple[Array, int] | None:
    """The weights of the ``weighted`` or ``unweighted`` ordering with their ties broken
    by the other share, and their scale ``m``; None when their values could pass ``limit``.

    ``weighted`` maximises the transitions put forward and, among the orders that do,
    the arcs of the oriented graph; ``unweighted`` the reverse. Each order's value is
    ``m`` times its primary plus its secondary, with ``m`` above any secondary an order
    can reach: ``m`` = pairs with traffic + 1 (arcs) or transitions + 1 (a pair puts at
    most its larger direction forward). Both are non-negative integers, so the optimum
    is lexicographic, exactly, and any exact solver returns an order with the same two
    shares, whichever of the tied optima it finds. ``m`` and the bound checked against
    ``limit`` depend only on each pair's total traffic, which the coin-flip graphs keep:
    a graph and its baseline are tie-broken alike.

    Examples
    --------
    A 3-cycle: every order puts two of its three arcs forward, but not as many transitions.

    >>> c = np.array([[0, 1, 0], [0, 0, 2], [2, 0, 0]])
    >>> plain = explained(c, brute_force_ordering(oriented(c))[0])
    >>> w, m = tie_broken_weights(c, "unweighted")
    >>> broken = explained(c, brute_force_ordering(w)[0])
    >>> [(e.forward_arcs, e.forward_transitions) for e in (plain, broken)]
    [(2, 3), (2, 4)]
    >>> m  # one more arc forward outweighs every transition
    6
    >>> tie_broken_weights(c * 10**9, "unweighted") is None
    True
    """
    if kind not in ("weighted", "unweighted"):
        raise PhylohubError(f"no tie rule for the {kind!r} ordering: weighted or unweighted")
    c = np.asarray(counts, dtype=np.int64).copy()
    np.fill_diagonal(c, 0)
    if c.min(initial=0) < 0:
        raise PhylohubError("transition counts must be non-negative")
    per_pair = np.triu(c + c.T, 1)
    pairs, transitions = int(np.count_nonzero(per_pair)), int(per_pair.sum())
    if pairs * transitions + pairs + transitions > limit:  # m * primary + secondary, at most
        return None
    arcs = oriented(c)
    if kind == "weighted":
        m, w = pairs + 1, c * (pairs + 1) + arcs
    else:
        m, w = transitions + 1, arcs * (transitions + 1) + c
    out: Array = w.astype(float)
    return out, m
