"""The data behind ``phylohub explore``: search, a model's page and its family, read-only.

:class:`Explorer` opens a snapshot's ``hub.duckdb`` read-only (attached to an in-memory
DuckDB as ``hub``) and the genealogy stage's tables of one relation set
(``results/{snapshot}/genealogy/{relations}/``; computed in memory when the stage has
not run). At start it copies what a page needs into in-memory tables sorted by the
column each page looks them up by (ids, edges by child and by parent, family members by
family), so that every lookup reads one or two row groups of a sorted column (DuckDB's
zone maps) rather than the snapshot; the work of a request does not grow with the
snapshot. Searches are bounded (``LIMIT``); every value from a user is bound as a query
parameter, never pasted into SQL.

Lineages are read from the snapshot's ``edges`` (every relation: a merge shows all its
parents); families, generations and structural virality from the relation set's tables
(default ``no_merge``, the paper's families, as ``phylohub family``). On each lineage edge
:meth:`Explorer.mutations` lists what changed from parent to child (license, task,
languages, library, model type, architecture) where both state the trait (a trait on one
side only is listed apart: as in the traits stage, it says nothing about mutation) and,
when the license stage has run (``licenses/edges.parquet``), the audit's verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from phylohub.errors import PhylohubError
from phylohub.explore.ngrams import SEP, TrigramIndex
from phylohub.genealogy.query import resolve_snapshot

#: Traits compared on each edge, in the order a page shows them.
TRAITS: tuple[str, ...] = (
    "license",
    "task",
    "languages",
    "library",
    "model_type",
    "architecture",
)
#: What a page shows of a model: its traits, then its card and popularity.
TRAIT_KEYS: tuple[str, ...] = (*TRAITS, "card_chars", "auto_generated", "downloads", "likes")
#: Traits a family view can colour nodes by.
COLOUR_TRAITS: tuple[str, ...] = ("license", "task", "language", "library")
#: Search answers at most this many ids.
SEARCH_LIMIT = 20
#: Ancestors followed at most (merges can double them each generation).
MAX_ANCESTORS = 200
#: Siblings listed at most (their count is exact).
MAX_SIBLINGS = 50
#: Children per page.
CHILDREN_PAGE = 50
#: Families drawn node by node up to this size; beyond it a summary.
MAX_DRAWN = 3000


class NotFoundError(PhylohubError):
    """An id the snapshot does not hold; ``suggestions`` are ids that come close."""

    def __init__(self, model_id: str, suggestions: Sequence[str]) -> None:
        self.model_id = model_id
        self.suggestions = list(suggestions)
        super().__init__(f"no model {model_id!r} in this snapshot")


@dataclass(frozen=True)
class Edge:
    """One parent-child edge with what mutated across it: (trait, parent's value, child's
    value) where both state the trait, and apart, ``unstated``, the traits only one of them
    states (``-`` for the other), which are no mutation."""

    child: str
    parent: str
    relation: str
    parent_listed: bool
    mutations: list[tuple[str, str, str]] = field(default_factory=list)
    verdict: str | None = None
    why: str | None = None
    unstated: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ModelPage:
    """Everything a model's page shows."""

    id: str
    listed: bool
    traits: dict[str, Any]
    parents: list[Edge]
    ancestors: list[Edge]
    ancestors_cut: bool
    siblings: list[str]
    n_siblings: int
    children: list[tuple[str, str]]
    n_children: int
    children_offset: int
    family: dict[str, Any] | None
    generation: int | None


@dataclass(frozen=True)
class FamilyView:
    """A family's nodes and edges to draw, or only its summary when it is too large."""

    family: dict[str, Any]
    nodes: list[dict[str, Any]]
    edges: list[tuple[str, str, str]]
    drawn: bool
    #: The model the view was opened from, and its ancestors (labelled in the drawing).
    model: str = ""
    lineage: frozenset[str] = frozenset()


def _sql_string(text: str) -> str:
    """A SQL string literal (ATTACH takes no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def _upper_bound(prefix: str) -> str:
    """The smallest string above every string that starts with ``prefix``."""
    return prefix + "\U0010ffff"


class Explorer:
    """Read-only queries over one snapshot (see the module's docstring).

    Parameters
    ----------
    snapshot
        A snapshot folder (``results/NAME``) or its ``hub.duckdb``.
    genealogy
        The folder of one relation set's genealogy tables; default
        ``SNAPSHOT/genealogy/{relations}``, computed in memory when it is missing.
    relations
        The relation set's name (for the default folder and the in-memory fallback).
    """

    def __init__(
        self, snapshot: Path, genealogy: Path | None = None, relations: str = "no_merge"
    ) -> None:
        self.folder, self.db = resolve_snapshot(Path(snapshot))
        self.relations = relations
        self.con = duckdb.connect(":memory:")
        self.con.execute(f"ATTACH {_sql_string(str(self.db))} AS hub (READ_ONLY)")
        self.genealogy_source = self._load_genealogy(genealogy)
        self.has_config = self._has_table("model_type") and self._has_table("architectures")
        self._build_tables()
        self.parents_of = self._parents_by_child()
        self.grams = TrigramIndex(
            [str(r[0]) for r in self.con.execute("SELECT lid FROM names ORDER BY rowid").fetchall()]
        )
        self.audit_source = self._load_audit()

    # ------------------------------------------------------------------ set-up

    def _has_table(self, name: str) -> bool:
        row = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'hub' AND table_name = ?",
            [name],
        ).fetchone()
        return bool(row and row[0])

    def _load_genealogy(self, genealogy: Path | None) -> str:
        from phylohub.genealogy.query import DEFAULT_SETS, _tables_in_memory

        folder = genealogy or self.folder / "genealogy" / self.relations
        files = [folder / f"{name}.parquet" for name in ("nodes", "edges", "families")]
        if all(f.is_file() for f in files):
            nodes, families = pl.read_parquet(files[0]), pl.read_parquet(files[2])
            source = str(folder)
        else:
            rels = DEFAULT_SETS.get(self.relations, tuple(self.relations.split(",")))
            lazy = _tables_in_memory(self.db, rels)
            nodes, families = lazy[0].collect(), lazy[2].collect()
            source = f"computed from {self.db.name} (relations {', '.join(rels)})"
        self.con.register(
            "g_nodes", nodes.select("id", "external", "family", "generation", "parent").to_arrow()
        )
        self.con.register("g_families", families.to_arrow())
        return source

    def _build_tables(self) -> None:
        config = (
            """LEFT JOIN (SELECT id, any_value(model_type) AS model_type FROM hub.model_type
                          GROUP BY id) mt USING (id)
               LEFT JOIN (SELECT id, list_sort(list(DISTINCT architecture)) AS architecture
                          FROM hub.architectures GROUP BY id) ar USING (id)"""
            if self.has_config
            else ""
        )
        config_cols = (
            "mt.model_type, ar.architecture"
            if self.has_config
            else "NULL::VARCHAR AS model_type, NULL::VARCHAR[] AS architecture"
        )
        self.con.execute(
            f"""
            CREATE TABLE info AS
            SELECT n.id, lower(n.id) AS lid, NOT n.external AS listed, n.family, n.generation,
                list_sort(list_distinct(t.licenses)) AS license, t.task,
                list_sort(list_distinct(t.languages)) AS languages, t.library,
                {config_cols}, c.length_chars AS card_chars, c.auto_generated,
                m.downloads, m.likes
            FROM g_nodes n
            LEFT JOIN hub.traits t USING (id)
            LEFT JOIN hub.cards c USING (id)
            LEFT JOIN (SELECT id, downloads, likes FROM hub.models) m USING (id)
            {config}
            ORDER BY n.id;
            CREATE TABLE names AS SELECT lid, id FROM info ORDER BY lid;
            CREATE TABLE up AS
                SELECT child, parent, relation, parent_in_snapshot AS parent_listed
                FROM hub.edges ORDER BY child, parent;
            CREATE TABLE down AS
                SELECT parent, child, relation FROM hub.edges ORDER BY parent, child;
            CREATE TABLE members AS
                SELECT family, id, generation, parent, NOT external AS listed
                FROM g_nodes ORDER BY family, id;
            CREATE TABLE families AS SELECT * FROM g_families ORDER BY family;
            """
        )
        self.con.unregister("g_nodes")
        self.con.unregister("g_families")

    def _parents_by_child(self) -> dict[str, list[tuple[str, str, str, bool]]]:
        """Every edge (child, parent, relation, parent listed), grouped by child: the
        lineage walk's index (see :meth:`lineage`)."""
        out: dict[str, list[tuple[str, str, str, bool]]] = {}
        for c, p, r, listed in self.con.execute(
            "SELECT * FROM up ORDER BY child, parent"
        ).fetchall():
            out.setdefault(c, []).append((c, p, r, bool(listed)))
        return out

    def _load_audit(self) -> str | None:
        path = self.folder / "licenses" / "edges.parquet"
        if not path.is_file():
            self.con.execute(
                "CREATE TABLE audit (child VARCHAR, parent VARCHAR, verdict VARCHAR, "
                "rule VARCHAR, clause VARCHAR, reason VARCHAR)"
            )
            return None
        frame = pl.read_parquet(path, columns=["child", "parent", "verdict", "rule", "clause",
                                               "reason"])  # fmt: skip
        self.con.register("a_edges", frame.to_arrow())
        self.con.execute("CREATE TABLE audit AS SELECT * FROM a_edges ORDER BY child, parent")
        self.con.unregister("a_edges")
        return str(path)

    def close(self) -> None:
        """Let go of the snapshot."""
        self.con.close()

    # ------------------------------------------------------------------ search

    def search(self, text: str, limit: int = SEARCH_LIMIT) -> list[str]:
        """Ids that start with ``text``, then ids that contain it (case-insensitive), at
        most ``limit``, each part in id order.

        The prefix part reads a range of the sorted lower-case ids; the rest comes from
        the trigram index (:mod:`.ngrams`), so no keystroke scans every id. A text of one
        or two characters has no trigram: it scans, but stops at ``limit`` matches, which
        so short a text nearly always reaches at once."""
        q = text.strip().lower()
        if not q:
            return []
        limit = max(1, min(int(limit), 100))
        prefix = [
            r[0]
            for r in self.con.execute(
                "SELECT id FROM names WHERE lid >= ? AND lid < ? ORDER BY lid LIMIT ?",
                [q, _upper_bound(q), limit],
            ).fetchall()
        ]
        if len(prefix) >= limit or SEP in q:
            return prefix
        if len(q) < 3:
            inner = self.con.execute(
                "SELECT id FROM names WHERE contains(lid, ?) AND NOT starts_with(lid, ?) LIMIT ?",
                [q, q, limit - len(prefix)],
            ).fetchall()
            return prefix + sorted((r[0] for r in inner), key=str.lower)
        rows = self.grams.search(q, limit - len(prefix), skip_prefix=True)
        inner = self.con.execute(
            "SELECT id FROM names WHERE rowid IN (SELECT unnest(?)) ORDER BY rowid", [rows]
        ).fetchall()
        return prefix + [r[0] for r in inner]

    def resolve(self, model_id: str) -> str:
        """The id as the snapshot spells it: exact, else the one id equal ignoring case.

        Raises
        ------
        NotFoundError
            With up to ten suggestions from :meth:`search`.
        """
        row = self.con.execute("SELECT id FROM info WHERE id = ?", [model_id]).fetchone()
        if row:
            return str(row[0])
        rows = self.con.execute(
            "SELECT id FROM names WHERE lid = ? LIMIT 2", [model_id.lower()]
        ).fetchall()
        if len(rows) == 1:
            return str(rows[0][0])
        suggestions = self.search(model_id, 10)
        if not suggestions:  # the name part alone, for ids whose author is mistyped
            suggestions = self.search(model_id.rsplit("/", 1)[-1], 10)
        raise NotFoundError(model_id, suggestions)

    # ------------------------------------------------------------------ one model

    def traits(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Each id's row of ``info`` (traits, card, family, generation)."""
        if not ids:
            return {}
        cur = self.con.execute(
            "SELECT * EXCLUDE (lid) FROM info WHERE id IN (SELECT unnest(?))", [list(ids)]
        )
        cols = [d[0] for d in cur.description]
        return {r[0]: dict(zip(cols, r, strict=True)) for r in cur.fetchall()}

    def parents(self, ids: Sequence[str]) -> list[tuple[str, str, str, bool]]:
        """The edges (child, parent, relation, parent listed) of every id's parents."""
        if not ids:
            return []
        rows = self.con.execute(
            "SELECT child, parent, relation, parent_listed FROM up "
            "WHERE child IN (SELECT unnest(?)) ORDER BY child, parent",
            [list(ids)],
        ).fetchall()
        return [(str(c), str(p), str(r), bool(listed)) for c, p, r, listed in rows]

    def lineage(self, model_id: str) -> tuple[list[tuple[str, str, str, bool]], bool]:
        """Every edge from ``model_id`` up to its roots over every relation, nearest first;
        whether it was cut at :data:`MAX_ANCESTORS` ancestors (after the generation that
        passes it).

        The walk reads :attr:`parents_of`, the edges grouped by child in memory, not
        DuckDB: a recursive query (``WITH RECURSIVE`` over the edges sorted by child) was
        measured first, and DuckDB plans each of its steps as a hash join that hashes
        every edge again (120-200 ms for a lineage of 53 generations at 1.86M models),
        as slow as one query per generation; a lookup in memory is microseconds."""
        out: list[tuple[str, str, str, bool]] = []
        seen = {model_id}
        todo = [model_id]
        while todo:
            step = sorted(e for child in todo for e in self.parents_of.get(child, ()))
            out += step
            todo = []
            for _, p, _, _ in step:
                if p not in seen:
                    seen.add(p)
                    todo.append(p)
            if len(seen) > MAX_ANCESTORS:
                return out, True
        return out, False

    def mutations(self, edges: Sequence[tuple[str, str, str, bool]]) -> list[Edge]:
        """Each edge with what mutated (trait, parent value, child value), the traits one
        side only states, and its verdict."""
        ids = sorted({x for c, p, _, _ in edges for x in (c, p)})
        info = self.traits(ids)
        verdicts = self._verdicts(edges)
        out = []
        for child, parent, relation, listed in edges:
            changed: list[tuple[str, str, str]] = []
            unstated: list[tuple[str, str, str]] = []
            if listed and parent in info and child in info:
                for trait in TRAITS:
                    a, b = (_text(info[x][trait]) for x in (parent, child))
                    if a != b:
                        (unstated if NONE in (a, b) else changed).append((trait, a, b))
            verdict, why = verdicts.get((child, parent), (None, None))
            out.append(Edge(child, parent, relation, listed, changed, verdict, why, unstated))
        return out

    def _verdicts(
        self, edges: Sequence[tuple[str, str, str, bool]]
    ) -> dict[tuple[str, str], tuple[str, str]]:
        if self.audit_source is None or not edges:
            return {}
        children = sorted({c for c, _, _, _ in edges})
        rows = self.con.execute(
            "SELECT child, parent, verdict, coalesce(nullif(rule || ': ' || clause, ': '), "
            "reason, '') FROM audit WHERE child IN (SELECT unnest(?))",
            [children],
        ).fetchall()
        return {(str(c), str(p)): (str(v), str(w or "")) for c, p, v, w in rows}

    def children(
        self, model_id: str, offset: int = 0, limit: int = CHILDREN_PAGE
    ) -> list[tuple[str, str]]:
        """One page of a model's children (every relation): (child, relation), by id."""
        rows = self.con.execute(
            "SELECT child, relation FROM down WHERE parent = ? ORDER BY child LIMIT ? OFFSET ?",
            [model_id, max(1, min(int(limit), 500)), max(0, int(offset))],
        ).fetchall()
        return [(str(c), str(r)) for c, r in rows]

    def count_children(self, ids: Sequence[str]) -> int:
        """Distinct children of the ids (every relation)."""
        if not ids:
            return 0
        row = self.con.execute(
            "SELECT count(DISTINCT child) FROM down WHERE parent IN (SELECT unnest(?))",
            [list(ids)],
        ).fetchone()
        return int(row[0]) if row else 0

    def siblings(self, model_id: str, parents: Sequence[str]) -> tuple[list[str], int]:
        """Other children of the model's parents: the first :data:`MAX_SIBLINGS` by id and
        how many in all."""
        if not parents:
            return [], 0
        q = "FROM down WHERE parent IN (SELECT unnest($p)) AND child <> $me"
        n = self.con.execute(
            f"SELECT count(DISTINCT child) {q}", {"p": list(parents), "me": model_id}
        ).fetchone()
        rows = self.con.execute(
            f"SELECT DISTINCT child {q} ORDER BY child LIMIT {MAX_SIBLINGS}",
            {"p": list(parents), "me": model_id},
        ).fetchall()
        return [str(r[0]) for r in rows], int(n[0]) if n else 0

    def family(self, family: int | None) -> dict[str, Any] | None:
        """A family's summary row (root, size, depth, virality, ...)."""
        if family is None:
            return None
        cur = self.con.execute("SELECT * FROM families WHERE family = ?", [int(family)])
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cur.description], row, strict=True))

    def page(self, model_id: str, offset: int = 0) -> ModelPage:
        """A model's page: traits, lineage with mutations, siblings, children, family.

        Raises
        ------
        NotFoundError
            For an id the snapshot does not hold.
        """
        model_id = self.resolve(model_id)
        me = self.traits([model_id])[model_id]
        edges, cut = self.lineage(model_id)
        judged = self.mutations(edges)
        parents = [e for e in judged if e.child == model_id]
        sibs, n_sibs = self.siblings(model_id, [e.parent for e in parents])
        n_children = self.count_children([model_id])
        offset = min(max(0, int(offset)), n_children)  # a URL's offset may be anything
        return ModelPage(
            id=model_id,
            listed=bool(me["listed"]),
            traits={k: me[k] for k in TRAIT_KEYS},
            parents=parents,
            ancestors=judged,
            ancestors_cut=cut,
            siblings=sibs,
            n_siblings=n_sibs,
            children=self.children(model_id, offset),
            n_children=n_children,
            children_offset=offset,
            family=self.family(me["family"]),
            generation=me["generation"],
        )

    # ------------------------------------------------------------------ families

    def family_view(self, model_id: str, max_drawn: int = MAX_DRAWN) -> FamilyView:
        """The family of ``model_id``: every node (with its colouring traits) and kept edge
        when it has at most ``max_drawn`` nodes; otherwise its summary and the model's
        own lineage, parents and first children only.

        Raises
        ------
        NotFoundError
            For an id the snapshot does not hold.
        """
        model_id = self.resolve(model_id)
        fam_id = self.traits([model_id])[model_id]["family"]
        fam = self.family(fam_id) or {"family": fam_id, "size": 1}
        lineage, _ = self.lineage(model_id)
        ancestors = frozenset(p for _, p, _, _ in lineage)
        if int(fam["size"]) <= max_drawn:
            rows = self.con.execute(
                "SELECT id FROM members WHERE family = ?", [int(fam_id)]
            ).fetchall()
            ids = [str(r[0]) for r in rows]
            drawn = True
        else:
            ids = sorted({model_id} | {x for c, p, _, _ in lineage for x in (c, p)}
                         | {c for c, _ in self.children(model_id, 0, 100)})  # fmt: skip
            drawn = False
        info = self.traits(ids)
        tree = dict(
            self.con.execute(
                "SELECT id, parent FROM members WHERE family = ? AND id IN (SELECT unnest(?))",
                [int(fam_id), ids],
            ).fetchall()
        )
        keep = set(ids)
        edges = [(c, p, r) for c, p, r, _ in self.parents(ids) if p in keep]
        nodes = [
            {
                "id": i,
                "listed": bool(info[i]["listed"]) if i in info else False,
                "generation": info.get(i, {}).get("generation"),
                "tree_parent": tree.get(i) if tree.get(i) in keep else None,
                "license": _first(info.get(i, {}).get("license")),
                "task": info.get(i, {}).get("task"),
                "language": _first(info.get(i, {}).get("languages")),
                "library": info.get(i, {}).get("library"),
            }
            for i in ids
        ]
        return FamilyView(fam, nodes, edges, drawn, model_id, ancestors)


#: How a page writes a trait a model does not state.
NONE = "-"


def _text(value: Any) -> str:
    """A trait's value as one string (lists joined; :data:`NONE` for none)."""
    if value is None:
        return NONE
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value) or NONE
    return str(value)


def _first(value: Any) -> str | None:
    if isinstance(value, list | tuple):
        return str(value[0]) if value else None
    return None if value is None else str(value)
