"""Planted merge pedigrees: which families a merge's parents come from.

With ``merge_plant`` on (off by default: every ecosystem stays as it was, byte for byte),
from a stream of its own (``seed`` and :data:`MERGE_STREAM`), every merge keeps its first
parent as the urn drew it and draws its other parents again:

* with probability ``merge_inbred_share``, among the earlier models of its first parent's
  family (*inbred*; as many as that family holds, so a family of one model gives a merge
  of fewer parents or, where it has no other member, an outcrossed one);
* otherwise among the earlier models of other families, uniformly (*outcrossed*).

A family here is the genealogy's ``no_merge`` family: models joined by every relation but
``merge``. The truth recounts each merge as the snapshot sees it (parents joined only by
the edges of listed children; a merge tagged with the plain ``base_model:`` tag is no
merge there) in the ``truth_merges`` table (``child``, ``child_id``, ``planted``:
``inbred`` or ``outcrossed``, ``parents``, ``realised_inbred``: every parent in one family
of the snapshot; ``listed``: the merge is listed and typed) and
``truth.json["merges"]`` (the knobs and the counts).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]

MERGE_STREAM = 0x6D657267  # "merg": the planted merge pedigrees' own stream
#: The knobs of this plant, left out of the config's digest while ``merge_plant`` is off.
KNOBS = ("merge_plant", "merge_inbred_share")
_MERGE = 3  # index of "merge" in the generator's relations


def config_dict(cfg: Any) -> dict[str, Any]:
    """The config as a dict, without this plant's knobs while it is off (so that the
    digest and ``truth.json`` of every ecosystem without it stay as they were)."""
    out = {f.name: getattr(cfg, f.name) for f in fields(cfg)}
    if not cfg.merge_plant:
        for key in KNOBS:
            out.pop(key)
    return out


def _family_roots(parents: list[tuple[int, ...]], relation: Array) -> Array:
    """The generator's no_merge family of each model: its first ancestor that is a root or
    a merge (models other than merges have one parent)."""
    root = np.arange(len(parents), dtype=np.int64)
    for i, ps in enumerate(parents):
        if ps and relation[i] != _MERGE:
            root[i] = root[ps[0]]
    return root


def plant_parents(cfg: Any, pop: Any) -> None:
    """Draw the planted parents of every merge again (module docs); in place on ``pop``
    (parents and children; a merge's first parent, hence its depth, is kept)."""
    if not cfg.merge_plant:
        return
    rng = np.random.default_rng([cfg.seed, MERGE_STREAM])
    u = rng.random((pop.n, 2))
    root = _family_roots(pop.parents, pop.relation)
    members: dict[int, list[int]] = {}
    pop.planted_inbred = np.zeros(pop.n, dtype=bool)
    for i, ps in enumerate(pop.parents):
        if pop.relation[i] == _MERGE and ps:
            first = ps[0]
            inbred = bool(u[i, 0] < cfg.merge_inbred_share)
            pop.planted_inbred[i] = inbred
            fam = members.get(int(root[first]), [])
            pool = [j for j in fam if j != first] if inbred else []
            if pool:
                k = min(len(ps) - 1, len(pool))
                others = [pool[int(j)] for j in rng.choice(len(pool), size=k, replace=False)]
            else:
                others = _outside(rng, i, first, root, len(ps) - 1)
            if not others:  # nowhere to draw from: the urn's parents stay
                members.setdefault(int(root[i]), []).append(i)
                continue
            for p in ps:
                pop.children[p] -= 1
            pop.parents[i] = (first, *others)
            for p in pop.parents[i]:
                pop.children[p] += 1
        members.setdefault(int(root[i]), []).append(i)


def _outside(rng: np.random.Generator, i: int, first: int, root: Array, k: int) -> list[int]:
    """``k`` distinct earlier models outside ``first``'s family (fewer if none is left)."""
    chosen: list[int] = []
    families = {int(root[first])}
    for _ in range(50 * k):
        if len(chosen) == k:
            break
        j = int(rng.integers(0, i))
        if int(root[j]) not in families:
            chosen.append(j)
            families.add(int(root[j]))
    return chosen


def merge_truth(
    cfg: Any, pop: Any, private: Array, names: list[str]
) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
    """The ``truth_merges`` rows and ``truth.json["merges"]``: each merge as planted and as
    the snapshot sees it (families joined by the non-merge edges of listed children)."""
    if not cfg.merge_plant:
        return [], {}
    parent = np.arange(pop.n, dtype=np.int64)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = int(parent[x])
        return x

    typed_merge = (pop.relation == _MERGE) & ~pop.untyped
    for i, ps in enumerate(pop.parents):
        if ps and not private[i] and not typed_merge[i]:
            for p in ps:
                a, b = find(i), find(p)
                if a != b:
                    parent[a] = b
    rows: list[tuple[Any, ...]] = []
    for i in np.flatnonzero(pop.relation == _MERGE).tolist():
        ps = pop.parents[i]
        realised = len(ps) >= 2 and len({find(p) for p in ps}) == 1
        listed = bool(typed_merge[i] and not private[i])
        planted = "inbred" if pop.planted_inbred[i] else "outcrossed"
        rows.append((i, names[i], planted, len(ps), int(realised), int(listed)))
    seen = [r for r in rows if r[5] and r[3] >= 2]
    inbred = sum(r[4] for r in seen)
    summary = {
        "merge_inbred_share": cfg.merge_inbred_share,
        "listed_merges": sum(r[5] for r in rows),
        "multi_parent": len(seen),
        "realised_inbred": inbred,
        "realised_inbred_share": inbred / len(seen) if seen else None,
        "planted_inbred": sum(1 for r in rows if r[2] == "inbred"),
    }
    return rows, summary


def write_truth(con: Any, rows: list[tuple[Any, ...]]) -> None:
    """The ``truth_merges`` table (only when the plant is on)."""
    if not rows:
        return
    con.execute(
        "CREATE TABLE truth_merges (child INTEGER, child_id TEXT, planted TEXT, "
        "parents INTEGER, realised_inbred INTEGER, listed INTEGER)"
    )
    con.executemany("INSERT INTO truth_merges VALUES (?,?,?,?,?,?)", rows)
