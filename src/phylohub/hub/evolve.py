"""Evolving a synthetic ecosystem by some days: the Hub a month later.

``evolve(src_dir, out_dir, EvolveConfig(days=30, seed=1))`` copies the store in
``src_dir`` and changes it the way the Hub changes: new models (new roots, like existing
roots in task, library and license; new children of existing models, drawn in
proportion to their children plus ``childless_weight``, so popular families grow
fastest; and new families: children of the new roots), edited cards (a new commit: new
sha, new ``lastModified``, a card with one more paragraph), license and task changes
(each a commit), deletions (of models no listed model names as its base, so no family
is cut in two), models becoming gated or ungated (no commit). In a store with config
files a new model holds its parent's ``config.json`` (a new root: the one of the root it
is made like), and lists none where that has none. Every change is listed
exactly in ``out_dir/changes.json``, so a diff of two snapshots can be checked against
it (``docs/diff.md``). Rates are per 30 days and scale with ``days``. Deterministic for
a seed. An evolved store can be evolved again: the store's age since it was generated
(``meta.evolved_days``, summed) names the new models and seeds the draws.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from phylohub.errors import PhylohubError
from phylohub.hub import vocab
from phylohub.hub.store import COLUMNS, ModelRecord, Store, record_from_row
from phylohub.hub.synth import RELATIONS, _hex

#: Bumped whenever evolve() changes what it writes (an evolved store of another version
#: is made again).
VERSION = 4


@dataclass(frozen=True)
class EvolveConfig:
    """How much changes per 30 days (shares of the listed models)."""

    days: int = 30
    seed: int = 0
    new_models: float = 0.08  # the Hub grows by about this much a month
    new_child_share: float = 0.45  # of new models, those declaring an existing parent
    card_edits: float = 0.03
    license_changes: float = 0.005
    task_changes: float = 0.003
    deletions: float = 0.01
    gate_changes: float = 0.002
    # of new children, those whose parent is one of this period's new roots (new families)
    new_family_child_share: float = 0.15
    # an existing parent is drawn with weight (its children + this): popular models get
    # most new children; a model without children gets some (it becomes a parent)
    childless_weight: float = 0.1
    # whole families deleted (a root and every model below it, 2 to 20 listed models, no
    # merge among them and none named from outside), drawn from a stream of their own:
    # the planted family deaths of docs/ecology.md. 0 (the default) leaves every evolved
    # store and changes.json as they were.
    family_deaths: int = 0


#: Knobs left out of ``changes.json``'s config while at their default (0), so stores
#: evolved before they existed stay current and byte-identical.
LATE_KNOBS = ("family_deaths",)
_DEATH_STREAM = 0x64656164  # "dead": the planted family deaths' own stream


def config_of(cfg: EvolveConfig) -> dict[str, Any]:
    """``changes.json``'s ``config``: every knob, less the late ones left at 0."""
    out = asdict(cfg)
    for knob in LATE_KNOBS:
        if not out[knob]:
            del out[knob]
    return out


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def is_current(src_dir: Path, out_dir: Path, cfg: EvolveConfig) -> bool:
    """True when ``out_dir`` holds ``src_dir`` evolved by this version with ``cfg``."""
    changes, source = Path(out_dir) / "changes.json", Path(src_dir) / "hub.sqlite"
    if not changes.is_file() or not (Path(out_dir) / "hub.sqlite").is_file():
        return False
    if not source.is_file() or source.stat().st_mtime > changes.stat().st_mtime:
        return False
    try:
        old = json.loads(changes.read_text())
    except json.JSONDecodeError:
        return False
    same = (old.get("config"), old.get("from"), old.get("version"))
    return bool(same == (config_of(cfg), str(src_dir), VERSION))


def evolve(src_dir: Path, out_dir: Path, cfg: EvolveConfig) -> dict[str, Any]:
    """Write the evolved store to ``out_dir/hub.sqlite`` and its ``changes.json``.

    The store is written to ``out_dir/hub.tmp`` first, which a failure removes.
    """
    src = Path(src_dir) / "hub.sqlite"
    if not src.is_file():
        raise PhylohubError(
            f"no store to evolve at {src} (make one first: make demo, or phylohub replica generate)"
        )
    if cfg.days < 0 or cfg.seed < 0:
        raise PhylohubError(f"evolve: days and seed must be 0 or more, not {cfg.days}, {cfg.seed}")
    if Path(out_dir).resolve() == Path(src_dir).resolve():
        raise PhylohubError(
            f"evolve: {out_dir} is the store evolved; name another folder for the evolved one"
        )
    if not Store(src).count_listed():  # a StoreError when src is no store
        raise PhylohubError(f"{src} lists no models: nothing to evolve")
    out_dir = Path(out_dir)
    tmp = out_dir / "hub.tmp"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return _evolve(src_dir, out_dir, tmp, cfg)
    except OSError as exc:
        raise PhylohubError(f"evolve: cannot write {out_dir}: {exc}") from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def _evolve(src_dir: Path, out_dir: Path, tmp: Path, cfg: EvolveConfig) -> dict[str, Any]:
    """:func:`evolve` after its checks: the store evolved in ``tmp``, then moved in place."""
    src = Path(src_dir) / "hub.sqlite"
    dst = out_dir / "hub.sqlite"
    shutil.copyfile(src, tmp)
    store = Store(tmp)
    # The store's age in days since it was generated names the new models and seeds the
    # draws, so a store evolved again (day 30 to day 60 by another 30 days) makes new ids
    # and commits, not those of its own evolution; a first evolution's age is its days.
    day = int(store.meta.get("evolved_days", 0)) + cfg.days
    rng = np.random.default_rng([cfg.seed, day])
    scale = cfg.days / 30
    rows = [record_from_row(r) for r in store.iter_rows("private = 0")]
    task_names = [v for v, _ in vocab.TASKS]
    n = len(rows)
    last_key = int(store.conn.execute("SELECT max(key) FROM models").fetchone()[0])
    snapshot_end = max(datetime.fromisoformat(r.last_modified[:-1]) for r in rows)
    start = snapshot_end + timedelta(seconds=1)

    def when() -> str:
        return _iso(start + timedelta(seconds=float(rng.uniform(0, cfg.days * 86400))))

    def count(share: float) -> int:
        return round(share * scale * n)

    order = [int(i) for i in rng.permutation(n)]
    used: set[int] = set()

    def pick(k: int, keep: Any = None) -> list[ModelRecord]:
        """The next ``k`` models in the random order (that ``keep`` accepts), each once."""
        chosen: list[ModelRecord] = []
        for i in order:
            if len(chosen) == k:
                break
            if i not in used and (keep is None or keep(rows[i])):
                used.add(i)
                chosen.append(rows[i])
        return chosen

    # ids named by a base_model tag of a listed model (case-insensitive, as the Hub's ids)
    named = {
        t.rsplit(":", 1)[-1].lower()
        for r in rows
        for t in r.tags
        if isinstance(t, str) and t.startswith("base_model:")
    }
    changes: dict[str, Any] = {"config": config_of(cfg), "from": str(src_dir), "version": VERSION}
    deleted = pick(count(cfg.deletions), lambda r: r.id.lower() not in named)
    edited = pick(count(cfg.card_edits))
    relicensed = pick(count(cfg.license_changes), lambda r: r.card_data is not None)
    retasked = pick(count(cfg.task_changes), lambda r: r.pipeline_tag in task_names)
    regated = pick(count(cfg.gate_changes))
    dead_families = _dead_families(rows, used, cfg, day)
    deleted += [rows[i] for ids in dead_families.values() for i in ids]
    updates: list[ModelRecord] = []

    for r in deleted:
        r.private = True
        updates.append(r)
    for i, r in enumerate(edited):
        r.sha = _hex(cfg.seed, r.key, day, 1)
        r.last_modified = when()
        if r.card is not None:
            r.card = {**r.card, "edit": i}
        updates.append(r)
    license_changes = {}
    names = [v for v, _ in vocab.LICENSES]
    for r in relicensed:
        assert r.card_data is not None
        # the licenses the snapshot reads: the license: tags (sorted, distinct)
        values = sorted({t[8:] for t in r.tags if t.startswith("license:") and t[8:]})
        old = ",".join(values) or None
        new = str(rng.choice([v for v in names if v != old]))
        r.card_data = {**r.card_data, "license": new}
        r.tags = [t for t in r.tags if not t.startswith("license:")]
        r.tags.insert(max(0, len(r.tags) - 2), f"license:{new}")
        r.sha = _hex(cfg.seed, r.key, day, 2)
        r.last_modified = when()
        license_changes[r.id] = [old, new]
        updates.append(r)
    task_changes = {}
    for r in retasked:
        old_task = r.pipeline_tag
        new_task = str(rng.choice([v for v in task_names if v != old_task]))
        r.tags = [new_task if t == old_task else t for t in r.tags]
        r.pipeline_tag = new_task
        if r.card_data is not None and "pipeline_tag" in r.card_data:
            r.card_data = {**r.card_data, "pipeline_tag": new_task}
        r.sha = _hex(cfg.seed, r.key, day, 5)
        r.last_modified = when()
        task_changes[r.id] = [old_task, new_task]
        updates.append(r)
    gate_changes = {}
    for r in regated:
        before = r.gated
        r.gated = None if r.gated else ("manual" if rng.random() < 0.5 else "auto")
        gate_changes[r.id] = [before, r.gated]
        updates.append(r)

    # New models: roots, and children of existing models (preferential attachment).
    n_new = count(cfg.new_models)
    alive = [r for r in rows if not r.private]
    roots = [r for r in alive if not any(str(t).startswith("base_model:") for t in r.tags)]
    weights = np.array([cfg.childless_weight + r.children_count for r in alive])
    weights /= weights.sum()
    added: list[ModelRecord] = []
    configs: dict[str, str] = {}  # a new model's config.json: its template's (by id)
    stored = _config_ids(tmp)  # None: a store without config files
    new_roots: list[ModelRecord] = []
    new_edges: list[list[str]] = []
    new_families: dict[str, int] = {}
    for j in range(n_new):
        key = last_key + 1 + j
        created = when()
        author = f"{vocab.SYLLABLES[j % len(vocab.SYLLABLES)]}{day}lab{j % 97}"
        if rng.random() < cfg.new_child_share:
            if new_roots and rng.random() < cfg.new_family_child_share:
                # a child of a root made this period: a new family (created after its root)
                parent = new_roots[int(rng.integers(len(new_roots)))]
                created = max(created, parent.created_at)
                new_families[parent.id] = new_families.get(parent.id, 0) + 1
            else:
                parent = alive[int(rng.choice(len(alive), p=weights))]
            relation = RELATIONS[int(rng.choice(4, p=[0.36, 0.43, 0.19, 0.02]))]
            name = f"{parent.id.split('/')[-1][:60]}-{relation}-d{day}-{j}"
            model_id = f"{author}/{name}"
            base = [t for t in parent.tags if not t.startswith("base_model:")]
            tags = [*base[:-2], f"base_model:{parent.id}", f"base_model:{relation}:{parent.id}"]
            tags += base[-2:]
            card_data: dict[str, Any] | None = {
                **(parent.card_data or {}),
                "base_model": parent.id,
                "base_model_relation": relation,
            }
            base_models = {
                "relation": relation,
                "models": [{"_id": parent._id, "id": parent.id}],
            }
            new_edges.append([parent.id, model_id, relation])
            pipeline, library = parent.pipeline_tag, parent.library_name
            template = parent.id
        else:
            # a new base model: task, library and licenses as those of a random existing
            # root, so new roots follow the ecosystem's own mix (missing values included)
            model_id = f"{author}/new-base-d{day}-{j}"
            like = roots[int(rng.integers(len(roots)))]
            pipeline, library = like.pipeline_tag, like.library_name
            licenses = [t for t in like.tags if t.startswith("license:")]
            tags = [v for v in (library, pipeline) if v] + licenses + ["region:us"]
            front: dict[str, Any] = {"license": licenses[0][8:]} if licenses else {}
            if pipeline:
                front["pipeline_tag"] = pipeline
            card_data = front or None
            base_models = None
            template = like.id
        # as the Hub: a repository lists config.json only where it holds one (in a store
        # with config files, the template's: the parent's or the like root's)
        files = [".gitattributes", "README.md"]
        if stored is None or template in stored:
            files.append("config.json")
            if stored is not None:
                configs[model_id] = template
                stored.add(model_id)  # its children, new families' models, copy it in turn
        added.append(
            record := ModelRecord(
                key=key,
                _id=f"{int(datetime.fromisoformat(created[:-1]).timestamp()):08x}"
                + _hex(cfg.seed, key, day, 3, length=16),
                id=model_id,
                author=author,
                sha=_hex(cfg.seed, key, day, 4),
                created_at=created,
                last_modified=created,
                pipeline_tag=pipeline,
                library_name=library,
                tags=tags,
                siblings=files,
                card_data=card_data,
                base_models=base_models,
                card={"kind": "human", "name": model_id, "paras": [(key << 6) + 1, key << 6]},
            )
        )
        if base_models is None:
            new_roots.append(record)

    conn = sqlite3.connect(tmp)
    marks = ", ".join(f"{c} = ?" for c in COLUMNS[1:])
    conn.executemany(
        f"UPDATE models SET {marks} WHERE key = ?",
        [(*r.as_row()[1:], r.key) for r in updates],
    )
    conn.executemany(
        f"INSERT INTO models VALUES ({','.join('?' * len(COLUMNS))})", [r.as_row() for r in added]
    )
    if configs:
        conn.executemany(
            "INSERT INTO config_files (key, id, body) "
            "SELECT ?, ?, body FROM config_files WHERE id = ?",
            [(r.key, r.id, configs[r.id]) for r in added if r.id in configs],
        )
    counts: dict[str, int] = {}
    for parent_id, _, _ in new_edges:
        counts[parent_id] = counts.get(parent_id, 0) + 1
    for r in deleted:  # a deleted child no longer counts for its listed parents
        for parent in (r.base_models or {}).get("models", []):
            counts[parent["id"]] = counts.get(parent["id"], 0) - 1
    conn.executemany(
        "UPDATE models SET children_count = children_count + ? WHERE id = ?",
        [(c, p) for p, c in counts.items()],
    )
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('evolved_days', ?)", (json.dumps(day),))
    conn.commit()
    conn.close()
    tmp.replace(dst)
    # The Hub's card dump is still there a month later, as it was (a first crawl of the
    # evolved hub starts from it; a crawl reusing the earlier snapshot's cards asks it
    # only about the rest)
    dump = Path(src_dir) / "datasets"
    if dump.is_dir():
        shutil.rmtree(out_dir / "datasets", ignore_errors=True)
        shutil.copytree(dump, out_dir / "datasets")

    changes.update(
        added=sorted(r.id for r in added),
        removed=sorted(r.id for r in deleted),
        edited_cards=sorted(r.id for r in edited if r.card is not None),
        edited=sorted({r.id for r in edited} | set(license_changes) | set(task_changes)),
        license_changes=dict(sorted(license_changes.items())),
        task_changes=dict(sorted(task_changes.items())),
        gate_changes=dict(sorted(gate_changes.items())),
        new_edges=sorted(new_edges),
        new_families=dict(sorted(new_families.items())),
    )
    if cfg.family_deaths:
        changes["dead_families"] = {
            rows[ids[0]].id: sorted(rows[i].id for i in ids)
            for ids in sorted(dead_families.values(), key=lambda ids: rows[ids[0]].id)
        }
    (out_dir / "changes.json").write_text(json.dumps(changes, indent=1) + "\n")
    return changes


def _config_ids(store: Path) -> set[str] | None:
    """The ids with a stored ``config.json`` (None: a store without config files)."""
    with contextlib.closing(sqlite3.connect(store)) as conn:
        try:
            return {str(i) for (i,) in conn.execute("SELECT id FROM config_files")}
        except sqlite3.OperationalError:
            return None


def _dead_families(
    rows: list[ModelRecord], used: set[int], cfg: EvolveConfig, day: int
) -> dict[int, list[int]]:
    """The families :attr:`EvolveConfig.family_deaths` deletes whole: root index -> the
    indices of the root and every listed model below it (root first).

    Eligible: a root (no ``base_model`` tag) whose descendants, through every listed
    model's ``base_model`` tags, number 1 to 19, none a merge, none with a parent outside
    the family, none touched by another change (``used``); so the family the genealogy
    rebuilds from the earlier snapshot is exactly these models, in any relation set that
    holds its edges. Drawn from a stream of its own (the other changes stay as they are).
    """
    if not cfg.family_deaths:
        return {}
    index = {r.id.lower(): i for i, r in enumerate(rows)}
    parents: list[set[int]] = [set() for _ in rows]
    merge = [False] * len(rows)
    children: list[list[int]] = [[] for _ in rows]
    for i, r in enumerate(rows):
        for t in r.tags:
            if isinstance(t, str) and t.startswith("base_model:"):
                merge[i] |= t.startswith("base_model:merge:")
                p = index.get(t.rsplit(":", 1)[-1].lower(), -1)
                parents[i].add(p)
                if p >= 0 and i not in children[p]:
                    children[p].append(i)
    eligible: dict[int, list[int]] = {}
    for i in range(len(rows)):
        if parents[i] or not children[i]:
            continue
        family, stack = [i], list(children[i])
        while stack and len(family) <= 20:
            j = stack.pop()
            if j not in family:
                family.append(j)
                stack.extend(children[j])
        members = set(family)
        if (
            2 <= len(family) <= 20
            and not stack
            and not members & used
            and not any(merge[j] or not parents[j] <= members for j in family[1:])
        ):
            eligible[i] = family
    rng = np.random.default_rng([cfg.seed, day, _DEATH_STREAM])
    roots = sorted(eligible)
    chosen = rng.permutation(len(roots))[: cfg.family_deaths]
    return {roots[k]: eligible[roots[k]] for k in sorted(int(c) for c in chosen)}
