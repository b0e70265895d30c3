"""Planted population dynamics: reproduction curves and a succession in a task niche.

With ``ecology_plant`` on (off by default), from a stream of its own, the generator
*re-dates* the families of three of the first 20 roots (the largest families, and never
private): the root and every model below it in the kept (first-parent) tree. No model,
edge, trait or card is added or removed; only ``createdAt`` moves, so every other truth
holds as it was, and with the knob off nothing is touched.

Each planted family gets a monthly reproduction curve on the calendar grid, counted in
months ``k = 0, 1, ...`` from the root's month (the root is born on its first day):

* a linear rise over ``rise`` months, weight ``(k + 1) / (rise + 1)`` for ``k < rise``;
* the peak at ``k = rise`` and an exponential decay after it, weight
  ``2 ** (-(k - rise) / half_life)``: births per month halve every ``half_life`` months.

The descendants' months are drawn from these weights (multinomial, up to the last full
month before the snapshot date), their times uniformly inside the month; the sorted
times go to the descendants in index order. Index order is a topological order (a
parent's index is smaller than its child's), so every child stays younger than its
parent; a last pass moves any model (a merge with a parent in a planted family) to just
after its latest parent where it would be older.

The three families (roles): ``first`` and ``second`` share the latent task of their
roots (the *niche*); ``second``'s root is born in the hand-over month, 12 months after
``first``'s peak (``first`` then breeds at 1/64 of its peak), and ``second`` peaks in its
first month, so ``first``'s share of the niche's new children falls below ``second``'s
in exactly that month. ``third`` is a curve of its own. The ``truth_ecology`` table and
``truth.json["ecology"]`` hold each family's root, niche, months and half-life.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]

_ECOLOGY_STREAM = 0x65636F6C  # "ecol": the planted dynamics' own stream
_BACKFILL = np.datetime64("2022-03-02T23:29:04", "ms")

#: Each planted family: role, months of rise, half-life in months, and its root's month
#: counted back from the snapshot's month (``second``'s follows ``first``'s peak).
CURVES: tuple[tuple[str, int, float, int | None], ...] = (
    ("first", 3, 2.0, 34),
    ("second", 0, 6.0, None),
    ("third", 2, 4.0, 28),
)
#: Months from ``first``'s peak to the hand-over (``second``'s root month).
HANDOVER_AFTER_PEAK = 12


class _Population(Protocol):
    n: int
    created: Array
    parents: list[tuple[int, ...]]
    relation: Array


@dataclass(frozen=True)
class PlantedFamily:
    """One re-dated family: its root (index), role, niche (latent task of the root),
    rise and half-life (months), the root's month, peak month, descendants re-dated and
    the hand-over month (``second`` only)."""

    root: int
    role: str
    niche: str
    rise: int
    half_life: float
    root_month: str
    peak_month: str
    descendants: int
    handover_month: str | None


def _month(m: np.datetime64, k: int) -> np.datetime64:
    out: np.datetime64 = m.astype("datetime64[M]") + np.timedelta64(k, "M")
    return out


def _tree_roots(pop: _Population) -> Array:
    """The root of each model's kept (first-parent) tree; parents come first in index
    order, so one pass suffices."""
    root = np.arange(pop.n)
    for i, ps in enumerate(pop.parents):
        if ps:
            root[i] = root[ps[0]]
    return root


def _choose(pop: _Population, tasks: Array, tree_root: Array) -> list[tuple[int, str]]:
    """The roots of ``first`` and ``second`` (among the first 20 roots, the two that
    share a task whose smaller family is the largest; ``second`` the larger) and
    ``third`` (the largest other)."""
    first20 = [i for i in range(min(20, pop.n)) if not pop.parents[i]]
    size = np.bincount(tree_root, minlength=pop.n)
    ranked = sorted(first20, key=lambda i: (-size[i], i))
    pairs = [(b, a) for k, a in enumerate(ranked) for b in ranked[k + 1 :] if tasks[a] == tasks[b]]
    if not pairs:
        raise ValueError("ecology plant: no two of the first 20 roots share a task")
    # the pair whose smaller family is the largest (ties: the earlier in rank)
    first, second = max(pairs, key=lambda p: (size[p[0]], -ranked.index(p[0])))
    third = next(i for i in ranked if i not in (first, second))
    return [(first, "first"), (second, "second"), (third, "third")]


def _weights(rise: int, half_life: float, months: int) -> Array:
    k = np.arange(months, dtype=float)
    w: Array = np.where(k < rise, (k + 1) / (rise + 1), 2.0 ** (-(k - rise) / half_life))
    return w


def _redate(
    created: Array, members: Array, root_month: np.datetime64, end: np.datetime64, w: Array,
    rng: np.random.Generator,
) -> None:  # fmt: skip
    """Draw the descendants' times from the monthly weights ``w`` and hand them out in
    index order (``members[0]`` is the root)."""
    starts = _month(root_month, 0) + np.arange(w.size + 1).astype("timedelta64[M]")
    starts_ms = starts.astype("datetime64[ms]").astype(np.int64)
    created[members[0]] = np.datetime64(int(starts_ms[0]), "ms") + np.timedelta64(1, "h")
    kids = members[1:]
    month = rng.choice(w.size, size=kids.size, p=w / w.sum())
    span = starts_ms[month + 1] - starts_ms[month]
    lo = np.where(month == 0, starts_ms[0] + 3_600_001, starts_ms[month])
    t = lo + (rng.random(kids.size) * (starts_ms[month] + span - lo)).astype(np.int64)
    t = np.minimum(np.sort(t), end.astype(np.int64))
    created[kids] = t.astype("datetime64[ms]")


def _clamp(pop: _Population) -> None:
    """Move any model older than one of its parents to just after its latest parent."""
    one = np.timedelta64(1, "ms")
    for i, ps in enumerate(pop.parents):
        if ps:
            latest = max(pop.created[p] for p in ps)
            if pop.created[i] <= latest:
                pop.created[i] = latest + one


def plant(
    enabled: bool, seed: int, end: str, pop: _Population, tasks: Array, task_names: list[str]
) -> list[PlantedFamily] | None:
    """Re-date the planted families in ``pop.created`` (in place); None when off.

    ``tasks`` is the latent task code of every model (names: ``task_names``); ``end``
    the snapshot date.
    """
    if not enabled:
        return None
    rng = np.random.default_rng([seed, _ECOLOGY_STREAM])
    tree_root = _tree_roots(pop)
    end_ms = np.datetime64(end, "ms")
    last_full = _month(end_ms, -1)
    planted: list[PlantedFamily] = []
    peak_first: np.datetime64 | None = None
    for (root, role), (_, rise, half_life, back) in zip(
        _choose(pop, tasks, tree_root), CURVES, strict=True
    ):
        if back is None:
            assert peak_first is not None
            root_month = _month(peak_first, HANDOVER_AFTER_PEAK)
        else:
            root_month = _month(end_ms, -back)
        if root_month.astype("datetime64[ms]") <= _BACKFILL:
            raise ValueError("ecology plant: the snapshot date is too early for the curves")
        months = int((last_full - root_month).astype(int)) + 1
        members = np.flatnonzero(tree_root == root)
        _redate(pop.created, members, root_month, end_ms, _weights(rise, half_life, months), rng)
        peak = _month(root_month, rise)
        if role == "first":
            peak_first = peak
        planted.append(
            PlantedFamily(
                root=int(root), role=role, niche=task_names[int(tasks[root])], rise=rise,
                half_life=half_life,
                root_month=str(root_month), peak_month=str(peak),
                descendants=int(members.size - 1),
                handover_month=str(root_month) if role == "second" else None,
            )
        )  # fmt: skip
    _clamp(pop)
    return planted


def write_truth(
    conn: sqlite3.Connection, planted: list[PlantedFamily] | None, names: list[str]
) -> dict[str, Any] | None:
    """The ``truth_ecology`` table (one row per planted family) and the truth.json entry;
    nothing when the plant is off."""
    if planted is None:
        return None
    conn.execute(
        "CREATE TABLE truth_ecology (root INTEGER PRIMARY KEY, root_id TEXT, role TEXT, "
        "niche TEXT, rise_months INTEGER, half_life_months REAL, root_month TEXT, "
        "peak_month TEXT, descendants INTEGER, handover_month TEXT)"
    )
    rows = [
        (f.root, names[f.root], f.role, f.niche, f.rise, f.half_life, f.root_month,
         f.peak_month, f.descendants, f.handover_month)
        for f in planted
    ]  # fmt: skip
    conn.executemany("INSERT INTO truth_ecology VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
    families = [
        dict(zip(("root", "root_id", "role", "niche", "rise_months", "half_life_months",
                  "root_month", "peak_month", "descendants", "handover_month"), r, strict=True))
        for r in rows
    ]  # fmt: skip
    return {
        "families": families,
        "handover": {
            "niche": planted[0].niche,
            "from": names[planted[0].root],
            "to": names[planted[1].root],
            "month": planted[1].handover_month,
        },
    }


# --------------------------------------------------------------------------- niche spread

_NICHE_STREAM = 0x6E696368  # "nich": the planted niche entry's own stream
#: The planted family's root month, counted back from the snapshot's month, and the
#: family's age in months when its descendants enter the new niche.
NICHE_ROOT_BACK = 30
NICHE_ENTRY_AGE = 14
#: Births of the new niche's task placed in the entry month (some may lack a tag).
NICHE_ENTRY_BIRTHS = 5


@dataclass(frozen=True)
class PlantedNiche:
    """The family that spreads into a new task niche: its root (index), the root's task,
    the niche it enters, the root's month, the entry month, and how many descendants
    carry the niche's task."""

    root: int
    root_task: str
    niche: str
    root_month: str
    entry_month: str
    entering: int


def _niche_family(
    pop: _Population, tasks: Array, tree_root: Array, taken: set[int]
) -> tuple[int, int]:
    """The root (the largest family of the first 20 roots not in ``taken``) and the task
    (not the root's) most of its descendants carry, ties the smaller code."""
    size = np.bincount(tree_root, minlength=pop.n)
    first20 = [i for i in range(min(20, pop.n)) if not pop.parents[i] and i not in taken]
    for root in sorted(first20, key=lambda i: (-size[i], i)):
        kids = np.flatnonzero(tree_root == root)[1:]
        other = tasks[kids][tasks[kids] != tasks[root]]
        if other.size >= NICHE_ENTRY_BIRTHS:
            counts = np.bincount(other)
            return root, int(np.argmax(counts))
    raise ValueError("niche plant: no family of the first 20 roots has descendants in another task")


def plant_niche(
    enabled: bool, seed: int, end: str, pop: _Population, tasks: Array, task_names: list[str],
    taken: set[int],
) -> PlantedNiche | None:  # fmt: skip
    """Re-date one family (in ``pop.created``, in place) so that its descendants enter a
    new task niche at a known month; None when off.

    The family (:func:`_niche_family`) is re-dated in the kept (first-parent) tree: its
    *late* members (those carrying the niche's task, and every model below one) are born
    from the entry month ``NICHE_ENTRY_AGE`` months after the root's month on, the first
    of them (in index order, until ``NICHE_ENTRY_BIRTHS`` carry the task) inside the
    entry month; every other member is born before it. The sorted times go out in index
    order (a topological order), so children stay younger than their parents; no birth
    of the family carries the niche's task before the entry month. ``taken``: roots
    another plant re-dated.
    """
    if not enabled:
        return None
    rng = np.random.default_rng([seed, _NICHE_STREAM])
    tree_root = _tree_roots(pop)
    root, niche = _niche_family(pop, tasks, tree_root, taken)
    members = np.flatnonzero(tree_root == root)
    late = np.zeros(pop.n, dtype=bool)
    for i in members[1:]:
        late[i] = tasks[i] == niche or late[pop.parents[i][0]]
    end_ms = np.datetime64(end, "ms")
    root_month = _month(end_ms, -NICHE_ROOT_BACK)
    entry = _month(root_month, NICHE_ENTRY_AGE)
    if root_month.astype("datetime64[ms]") <= _BACKFILL:
        raise ValueError("niche plant: the snapshot date is too early")
    ms = [_month(m, k).astype("datetime64[ms]").astype(np.int64) for m, k in
          ((root_month, 0), (entry, 0), (entry, 1))]  # fmt: skip
    r0, e0, e1 = (int(x) for x in ms)
    pop.created[root] = np.datetime64(r0 + 3_600_000, "ms")
    early = members[1:][~late[members[1:]]]
    t = np.sort(rng.integers(r0 + 3_600_001, e0, size=early.size))
    pop.created[early] = t.astype("datetime64[ms]")
    after = members[late[members]]
    carrying = np.cumsum(tasks[after] == niche)
    n_first = int(np.searchsorted(carrying, NICHE_ENTRY_BIRTHS) + 1)
    n_first = min(n_first, after.size)
    first = np.sort(rng.integers(e0, e1, size=n_first))
    rest = np.sort(rng.integers(e1, int(end_ms.astype(np.int64)) + 1, size=after.size - n_first))
    pop.created[after] = np.concatenate([first, rest]).astype("datetime64[ms]")
    _clamp(pop)
    return PlantedNiche(
        root=int(root), root_task=task_names[int(tasks[root])], niche=task_names[niche],
        root_month=str(root_month), entry_month=str(entry),
        entering=int((tasks[after] == niche).sum()),
    )  # fmt: skip


def niche_truth(planted: PlantedNiche | None, names: list[str]) -> dict[str, Any] | None:
    """``truth.json["niche"]``: the family's root id, its task, the niche it enters and
    the entry month; None when the plant is off."""
    if planted is None:
        return None
    return {
        "root": planted.root, "root_id": names[planted.root], "root_task": planted.root_task,
        "niche": planted.niche, "root_month": planted.root_month,
        "entry_month": planted.entry_month, "entering": planted.entering,
    }  # fmt: skip
