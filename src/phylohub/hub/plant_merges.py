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

Inheritance of traits (``merge_license_dominant_share`` q and ``merge_language_union_share``
u, both 0 by default, which leaves every ecosystem as it was), from a stream of its own
(``seed`` and :data:`TRAIT_STREAM`), after the traits are inherited along the first parent
and the downloads drawn: a merge of two or more parents takes, with probability q, the
license of its most-downloaded parent (on ties, the one with the greatest
uniform draw of its own, so that the rule does not favour the first-listed), else keeps the one it
inherited from its first parent; with probability u its languages are the union of its
parents'. The new value passes on to every descendant that had inherited the old one
unchanged (a mutated descendant keeps its mutation). ``truth_merge_traits`` records,
per merge of two or more parents and trait, ``rule`` (1: the rule fired), ``source``
(license: the position of the parent it took, -1 otherwise) and ``outcome``, the latent
class the merges stage measures (``first``, ``other``, ``shared``, ``union``,
``mutation``; see :func:`outcome`); ``truth.json["merges"]["traits"]`` the knobs and the
counts of each outcome.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]

MERGE_STREAM = 0x6D657267  # "merg": the planted merge pedigrees' own stream
TRAIT_STREAM = 0x696E6865  # "inhe": the planted inheritance of traits' own stream
#: The knobs of the inheritance plant (``synth.LATE_PLANTS`` leaves each out of the
#: digest while it is 0).
TRAIT_KNOBS = ("merge_license_dominant_share", "merge_language_union_share")
#: The traits whose inheritance the truth records, in the generator's names.
TRAITS = ("license", "language", "task", "library")
#: The classes of a merge's value against its parents' (the merges stage's, too).
OUTCOMES = ("shared", "first", "other", "union", "mutation")
_MERGE = 3  # index of "merge" in the generator's relations


def _traits_on(cfg: Any) -> bool:
    return bool(cfg.merge_license_dominant_share or cfg.merge_language_union_share)


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
) -> tuple[dict[str, list[tuple[Any, ...]]], dict[str, Any]]:
    """The truth tables (``truth_merges``, ``truth_merge_traits``: rows by table) and
    ``truth.json["merges"]``: the pedigree plant's (when on) and the inheritance plant's
    (under ``traits``, when on)."""
    rows, summary = _pedigree_truth(cfg, pop, private, names)
    tables = {"truth_merges": rows} if rows else {}
    trait_rows = getattr(pop, "merge_trait_rows", [])
    if trait_rows:
        tables["truth_merge_traits"] = [
            (i, names[i], trait, rule, src, out) for i, trait, rule, src, out in trait_rows
        ]
        summary["traits"] = {
            **{key: getattr(cfg, key) for key in TRAIT_KNOBS},
            "merges": len({r[0] for r in trait_rows}),
            "outcomes": {
                trait: {
                    o: sum(1 for r in trait_rows if r[1] == trait and r[4] == o) for o in OUTCOMES
                }
                for trait in TRAITS
            },
        }
    return tables, summary


def _pedigree_truth(
    cfg: Any, pop: Any, private: Array, names: list[str]
) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
    """The ``truth_merges`` rows and their counts: each merge as planted and as the
    snapshot sees it (families joined by the non-merge edges of listed children)."""
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


def write_truth(con: Any, tables: dict[str, list[tuple[Any, ...]]]) -> None:
    """The truth tables of the plants that are on."""
    if tables.get("truth_merges"):
        con.execute(
            "CREATE TABLE truth_merges (child INTEGER, child_id TEXT, planted TEXT, "
            "parents INTEGER, realised_inbred INTEGER, listed INTEGER)"
        )
        con.executemany("INSERT INTO truth_merges VALUES (?,?,?,?,?,?)", tables["truth_merges"])
    if tables.get("truth_merge_traits"):
        con.execute(
            "CREATE TABLE truth_merge_traits (child INTEGER, child_id TEXT, trait TEXT, "
            "rule INTEGER, source INTEGER, outcome TEXT)"
        )
        con.executemany(
            "INSERT INTO truth_merge_traits VALUES (?,?,?,?,?,?)", tables["truth_merge_traits"]
        )


# --------------------------------------------------------------------------- inheritance


def outcome(child: frozenset[Any], parents: list[frozenset[Any]]) -> str:
    """The class of a merge's value against its parents' values (first-listed first):
    ``shared`` (every parent has it), ``first``, ``other`` (another parent's, not the
    first's), ``union`` (the union of the parents', none of which it equals), else
    ``mutation``. The merges stage classifies what the snapshot shows the same way."""
    if all(p == child for p in parents):
        return "shared"
    if parents[0] == child:
        return "first"
    if any(p == child for p in parents[1:]):
        return "other"
    if child == frozenset().union(*parents):
        return "union"
    return "mutation"


def plant_traits(cfg: Any, pop: Any, tr: Any, downloads: Array) -> None:
    """Plant the inheritance rule of the module docs on ``tr`` (in place), then record the
    truth on ``pop`` (``merge_trait_rows``)."""
    pop.merge_trait_rows = []
    if not _traits_on(cfg):
        return
    rng = np.random.default_rng([cfg.seed, TRAIT_STREAM])
    u = rng.random((pop.n, 2))
    tie = rng.random(pop.n)  # ties of downloads (many have none) go to a random parent
    merges = [i for i, ps in enumerate(pop.parents) if pop.relation[i] == _MERGE and len(ps) >= 2]
    lic_fire = {i: bool(u[i, 0] < cfg.merge_license_dominant_share) for i in merges}
    union_fire = {i: bool(u[i, 1] < cfg.merge_language_union_share) for i in merges}
    source = dict.fromkeys(merges, -1)

    def take_license(i: int, vals: Array) -> int:
        ps = pop.parents[i]
        best = max(range(len(ps)), key=lambda k: (int(downloads[ps[k]]), tie[ps[k]]))
        source[i] = best
        return int(vals[ps[best]])

    def take_union(i: int, vals: Array) -> int:
        members = sorted(set().union(*(tr.lang_sets[int(vals[p])] for p in pop.parents[i])))
        tr.lang_sets.append(tuple(members))
        return len(tr.lang_sets) - 1

    tr.single["license"] = _reinherit(
        pop, tr.single["license"], {i: take_license for i in merges if lic_fire[i]}
    )
    tr.lang = _reinherit(pop, tr.lang, {i: take_union for i in merges if union_fire[i]})
    pop.merge_trait_rows = _trait_rows(pop, tr, merges, lic_fire, union_fire, source)


def _reinherit(pop: Any, old: Array, rules: dict[int, Any]) -> Array:
    """The values after the merges in ``rules`` take theirs by their rule, in time order
    (parents come first): a model that had inherited its first parent's old value
    unchanged inherits the new one."""
    vals = old.copy()
    for i, ps in enumerate(pop.parents):
        if i in rules:
            vals[i] = rules[i](i, vals)
        elif ps and old[i] == old[ps[0]]:
            vals[i] = vals[ps[0]]
    return vals


def _trait_rows(
    pop: Any,
    tr: Any,
    merges: list[int],
    lic_fire: dict[int, bool],
    union_fire: dict[int, bool],
    source: dict[int, int],
) -> list[tuple[Any, ...]]:
    """``(child, trait, rule, source, outcome)`` per merge and trait (latent values)."""

    def value(trait: str, j: int) -> frozenset[Any]:
        if trait == "language":
            return frozenset(tr.lang_sets[int(tr.lang[j])])
        return frozenset([int(tr.single[trait][j])])

    rows: list[tuple[Any, ...]] = []
    for i in merges:
        for trait in TRAITS:
            parents = [value(trait, p) for p in pop.parents[i]]
            rule = (
                lic_fire[i]
                if trait == "license"
                else union_fire[i]
                if trait == "language"
                else False
            )
            src = source[i] if trait == "license" else -1
            rows.append((i, trait, int(rule), src, outcome(value(trait, i), parents)))
    return rows
