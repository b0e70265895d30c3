"""``phylohub family MODEL_ID``: one model's place in its family tree.

Prints the model's kept lineage up to its root (ancestors), its parents, the number of
its siblings, its children by relation, and its family's summary (root, size, depth,
leaves, branching, structural virality). The family is that of one relation set
(``--relations``, default ``no_merge``: every relation but merge, the paper's families).

It reads the genealogy stage's tables of the snapshot
(``results/{snapshot}/genealogy/{relations}/``) when they exist, and otherwise builds
the set's genealogy from ``hub.duckdb`` in memory (a few seconds at the Hub's size).
Children by relation always come from the snapshot's ``edges`` table, every relation
counted.

Wiring (in :func:`phylohub.cli.build_parser`)::

    from phylohub.genealogy.query import add_family_parser
    add_family_parser(sub)
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phylohub.errors import PhylohubError
from phylohub.vocabulary import EDGE_RELATIONS

if TYPE_CHECKING:  # the command line imports this module: numpy and polars load on use
    import polars as pl

#: The relation sets the query knows without a config (those of the default config).
DEFAULT_SETS: dict[str, tuple[str, ...]] = {
    "finetune": ("finetune",),
    "no_merge": ("finetune", "adapter", "quantized", "unknown"),
    "all": ("finetune", "adapter", "quantized", "merge", "unknown"),
}
#: Relations of the snapshot's edges.
RELATIONS: tuple[str, ...] = EDGE_RELATIONS

#: Ancestors printed at most before the lineage is cut (the root is always printed).
MAX_LINEAGE = 12


@dataclass(frozen=True)
class FamilyTables:
    """The rows of one family: its nodes, edges and summary row."""

    nodes: pl.DataFrame
    edges: pl.DataFrame
    family: dict[str, Any]
    source: str


def resolve_snapshot(path: Path) -> tuple[Path, Path]:
    """The snapshot folder and its ``hub.duckdb``, from either of them.

    Raises
    ------
    PhylohubError
        When there is no ``hub.duckdb`` there.
    """
    path = Path(path)
    db = path if path.suffix == ".duckdb" else path / "hub.duckdb"
    if not db.is_file():
        raise PhylohubError(
            f"no snapshot at {path} (give --snapshot results/NAME, a folder with hub.duckdb)"
        )
    return db.parent, db


def relation_set(name: str, sets: dict[str, Sequence[str]] | None = None) -> tuple[str, ...]:
    """The relations of a named set, or of a comma-separated list of relations."""
    known = dict(DEFAULT_SETS) if sets is None else {k: tuple(v) for k, v in sets.items()}
    if name in known:
        return tuple(known[name])
    rels = tuple(r.strip() for r in name.split(",") if r.strip())
    bad = [r for r in rels if r not in RELATIONS]
    if bad or not rels:
        raise PhylohubError(
            f"unknown relation set {name!r}: give one of {', '.join(known)} "
            f"or relations from {', '.join(RELATIONS)} separated by commas"
        )
    return rels


def _tables_in_memory(db: Path, relations: Sequence[str]) -> tuple[pl.LazyFrame, ...]:
    from phylohub.genealogy.families import analyse, family_table, node_table
    from phylohub.genealogy.graphs import load_graph
    from phylohub.genealogy.tables import edge_table

    gen = analyse(load_graph(db, relations))
    return (node_table(gen).lazy(), edge_table(gen).lazy(), family_table(gen).lazy())


def family_tables(
    folder: Path, db: Path, model_id: str, set_name: str, relations: Sequence[str]
) -> FamilyTables:
    """The tables of the family of ``model_id`` in one relation set.

    Reads ``folder/genealogy/{set_name}/`` when its tables exist, else computes them.

    Raises
    ------
    PhylohubError
        For an id that is neither a listed model nor a parent named by one.
    """
    import polars as pl

    from phylohub.genealogy.tables import paths_in
    from phylohub.layout import Snapshot

    stage = Snapshot(folder).genealogy(set_name)
    written = paths_in(stage)
    files = [written[name] for name in ("nodes", "edges", "families")]
    if all(f.is_file() for f in files):
        nodes, edges, families = (pl.scan_parquet(f) for f in files)
        source = str(stage)
    else:
        nodes, edges, families = _tables_in_memory(db, relations)
        source = f"{db} (computed; the genealogy rules write {stage})"
    row = nodes.filter(pl.col("id") == model_id).select("family").collect()
    if row.height == 0:
        raise PhylohubError(_unknown(nodes, model_id, db))
    fam = int(row["family"][0])
    members = nodes.filter(pl.col("family") == fam).collect()
    fam_edges = edges.filter(pl.col("child").is_in(members["id"].implode())).collect()
    family = families.filter(pl.col("family") == fam).collect().row(0, named=True)
    return FamilyTables(members, fam_edges, family, source)


def _unknown(nodes: pl.LazyFrame, model_id: str, db: Path) -> str:
    import polars as pl

    near = (
        nodes.filter(pl.col("id").str.to_lowercase() == model_id.lower())
        .select("id")
        .collect()["id"]
        .to_list()
    )
    if near:
        return f"no model {model_id!r} in {db}; ids are matched exactly: did you mean {near[0]!r}?"
    return (
        f"no model {model_id!r} in {db}: it is not listed, and no listed model names it "
        "as a base model"
    )


def children_by_relation(db: Path, model_id: str, external: bool) -> dict[str, int]:
    """Children of a node by relation, from the snapshot's ``edges`` (every relation)."""
    import duckdb

    where = "lower(parent) = lower(?) AND NOT parent_in_snapshot" if external else "parent = ?"
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            f"SELECT relation, count(DISTINCT child) FROM edges WHERE {where} GROUP BY relation",
            [model_id],
        ).fetchall()
    counts = dict.fromkeys(RELATIONS, 0)
    counts.update({str(r): int(c) for r, c in rows})
    return counts


def describe(
    model_id: str, tables: FamilyTables, children: dict[str, int], set_name: str
) -> list[str]:
    """The lines ``phylohub family`` prints."""
    nodes, edges, fam = tables.nodes, tables.edges, tables.family
    by_id = {r["id"]: r for r in nodes.iter_rows(named=True)}
    me = by_id[model_id]
    rel_of = {(c, p): r for c, p, r in edges.select("child", "parent", "relation").iter_rows()}
    parents_of: dict[str, list[str]] = {}
    kids_of: dict[str, list[str]] = {}
    for c, p in edges.select("child", "parent").iter_rows():
        parents_of.setdefault(c, []).append(p)
        kids_of.setdefault(p, []).append(c)

    note = "  (not in the snapshot: named as a base model)" if me["external"] else ""
    out = [f"{model_id}{note}"]
    out.append(f"  relation set   {set_name}")
    out.append(f"  generation     {me['generation']} (the family is {fam['depth']} deep)")
    parents = parents_of.get(model_id, [])
    if parents:
        listed = ", ".join(f"{p} ({rel_of[(model_id, p)]})" for p in parents)
        out.append(f"  parents        {listed}")
    else:
        out.append("  parents        none: a root")

    lineage = []
    node = me
    while node["parent"] is not None:
        lineage.append((node["parent"], rel_of[(node["id"], node["parent"])]))
        node = by_id[node["parent"]]
    if lineage:
        out.append("  ancestors      up the first-declared parents to the root (step, relation):")
        shown = lineage if len(lineage) <= MAX_LINEAGE else lineage[: MAX_LINEAGE - 1]
        for k, (anc, rel) in enumerate(shown, start=1):
            out.append(f"    {k:>4}  {rel:<9}  {anc}")
        if len(shown) < len(lineage):
            out.append(f"     ...  {len(lineage) - len(shown) - 1} more")
            anc, rel = lineage[-1]
            out.append(f"    {len(lineage):>4}  {rel:<9}  {anc}")
        everyone = _ancestors(model_id, parents_of)
        if len(everyone) > len(lineage):
            out.append(f"    {len(everyone)} ancestors in all, counting every parent of a merge")

    sibs = {c for p in parents for c in kids_of.get(p, [])} - {model_id}
    note = " (other children of its parents)" if sibs else ""
    out.append(f"  siblings       {len(sibs)}{note}")
    total = sum(children.values())
    parts = ", ".join(f"{r} {children[r]}" for r in RELATIONS)
    out.append(f"  children       {total} (every relation): {parts}")
    out.append(f"  descendants    {me['subtree'] - 1} (in the kept tree)")

    ext = f" + {fam['external']} not in the snapshot" if fam["external"] else ""
    shape = "a tree" if fam["tree"] else f"{fam['roots']} roots, joined by merges"
    out.append(f"family {fam['family']} (0 = the largest) of {fam['root']}")
    models = f"{fam['models']} model" + ("s" if fam["models"] != 1 else "")
    out.append(f"  size           {fam['size']} nodes: {models}{ext}; {shape}")
    out.append(
        f"  depth          {fam['depth']} ({fam['generations']} generations); "
        f"leaves {100 * fam['leaf_share']:.1f}%"
    )
    if fam["branching"] is not None:
        out.append(
            f"  branching      {fam['branching']:.2f} children per parent; "
            f"most children {fam['max_children']}"
        )
    vir = fam["virality"]
    vir_text = f"{vir:.3f}" if vir is not None else "- (one node, or several roots)"
    out.append(f"  virality       {vir_text}")
    out.append(f"  source         {tables.source}")
    return out


def _ancestors(model_id: str, parents_of: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(parents_of.get(model_id, []))
    while todo:
        p = todo.pop()
        if p not in seen:
            seen.add(p)
            todo.extend(parents_of.get(p, []))
    return seen


def family_report(
    snapshot: Path,
    model_id: str,
    relations: str = "no_merge",
    sets: dict[str, Sequence[str]] | None = None,
    licenses: bool = False,
) -> str:
    """The text ``phylohub family MODEL_ID`` prints.

    Parameters
    ----------
    snapshot
        A snapshot folder (``results/NAME``) or its ``hub.duckdb``.
    model_id
        The model (or a parent named by models, missing from the snapshot).
    relations
        A relation set's name (``finetune``, ``no_merge``, ``all``, or one of ``sets``)
        or relations separated by commas.
    sets
        The relation sets by name (a config's ``genealogy.relation_sets``); default
        :data:`DEFAULT_SETS`.
    licenses
        Add each lineage edge's license verdict and clause (``--licenses``).

    Returns
    -------
    str
        The report.

    Raises
    ------
    PhylohubError
        For a missing snapshot, an unknown relation set or an unknown id.
    """
    import polars as pl

    folder, db = resolve_snapshot(snapshot)
    known: dict[str, Sequence[str]] = dict(DEFAULT_SETS) if sets is None else dict(sets)
    rels = relation_set(relations, known)
    name = relations if relations in known else "+".join(rels)
    tables = family_tables(folder, db, model_id, name, rels)
    me = tables.nodes.filter(pl.col("id") == model_id).row(0, named=True)
    children = children_by_relation(db, model_id, bool(me["external"]))
    lines = describe(model_id, tables, children, f"{name} ({', '.join(rels)})")
    if licenses:
        lines += lineage_licenses(db, model_id, tables)
    from phylohub.merges.query import merge_lines

    lines += merge_lines(folder, db, model_id)
    return "\n".join(lines)


def lineage_licenses(db: Path, model_id: str, tables: FamilyTables) -> list[str]:
    """The lines ``--licenses`` adds: each edge up the kept lineage (and every parent of
    the model itself) with the license audit's verdict and clause
    (:mod:`phylohub.licenses`)."""
    from phylohub.licenses.rules import load_rules
    from phylohub.snapshot.connect import connect_snapshot

    by_id = {r["id"]: r for r in tables.nodes.iter_rows(named=True)}
    rel_of = {
        (c, p): r for c, p, r in tables.edges.select("child", "parent", "relation").iter_rows()
    }
    steps = [(model_id, p) for (c, p) in rel_of if c == model_id]
    node = by_id[model_id]
    while node["parent"] is not None:
        if node["id"] != model_id:
            steps.append((node["id"], node["parent"]))
        node = by_id[node["parent"]]
    ids = sorted({x for step in steps for x in step})
    con = connect_snapshot(db)
    try:
        rows = con.execute(
            "SELECT id, list_sort(list_distinct(licenses)) FROM traits "
            "WHERE list_contains($ids, id)",
            {"ids": ids},
        ).fetchall()
    finally:
        con.close()
    licenses = {i: list(lics or []) for i, lics in rows}
    rules = load_rules()
    out = ["  licenses       each edge up the lineage: child <- parent, verdict (rule: clause)"]
    for child, parent in steps:
        if by_id.get(parent, {}).get("external", True):
            verdict, why = "unknown", "the parent is not in the snapshot"
        else:
            v = rules.edge(licenses.get(parent, []), licenses.get(child, []), child)
            verdict, why = v.verdict, (f"{v.rule}: {v.clause}" if v.rule else v.reason)
        c_lic, p_lic = (",".join(licenses.get(x, [])) or "-" for x in (child, parent))
        sides = f"{c_lic} <- {p_lic}"
        out.append(f"    {child} <- {parent} ({rel_of[(child, parent)]})")
        out.append(f"      {sides}: {verdict}" + (f" ({why})" if why else ""))
    return out


def main_family(args: argparse.Namespace) -> int:
    """Entry of ``phylohub family``: print the report, return the exit status."""
    from phylohub.config import read_config, read_section

    # With --snapshot given, the config only names relation sets: a missing file is fine.
    config = read_config(args.config, missing_ok=args.snapshot is not None)
    snapshot = args.snapshot
    if snapshot is None:
        if "snapshot" not in config:
            raise PhylohubError(f"give --snapshot (no snapshot name in {args.config})")
        snapshot = Path("results") / str(config["snapshot"])
    sets = None
    if "genealogy" in config:
        sets = read_section(args.config, "genealogy")["relation_sets"] or None
    print(family_report(snapshot, args.model_id, args.relations, sets, args.licenses))
    return 0


def add_family_parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``family`` to the command line's subcommands (``sub`` of ``add_subparsers``)."""
    fam: argparse.ArgumentParser = sub.add_parser(
        "family",
        help="a model's ancestors, siblings, children and family",
        description="Print a model's ancestors, siblings count, children by relation "
        "and its family's summary, from a snapshot.",
    )
    fam.add_argument("model_id", help="model id, e.g. meta-llama/Llama-3.1-8B")
    fam.add_argument(
        "--snapshot",
        type=Path,
        help="snapshot folder (results/NAME) or its hub.duckdb "
        "(default: results/<snapshot of --config>)",
    )
    fam.add_argument(
        "--config", type=Path, default=Path("config/config.yaml"), help="workflow config"
    )
    fam.add_argument(
        "--relations",
        default="no_merge",
        help="relation set: finetune, no_merge (default), all, or relations joined by commas",
    )
    fam.add_argument(
        "--licenses",
        action="store_true",
        help="print each lineage edge's license verdict and clause (docs/licenses.md)",
    )
    fam.set_defaults(func=main_family)
    return fam
