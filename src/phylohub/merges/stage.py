"""The merges stage's tables: what rule ``trace_merges`` writes into ``merges/``.

``merges.parquet``
    one row per merge: ``id``, ``parents`` (how many), ``parent_ids`` (tag order),
    ``parent_families``, ``parent_generations``, ``parent_is_merge``, ``families`` (distinct
    among the parents), ``inbred``, ``generation`` (DAG), ``merge_depth``, ``inbreeding``
    (the merge's inbreeding coefficient), ``family`` (its own), ``component`` (its family
    in the DAG's relation set);
``parent_pairs.parquet``
    one row per pair of a merge's parents: ``merge``, ``parent_a``, ``parent_b``,
    ``same_family``, ``kinship``;
``by_parents.tsv``
    merges by number of parents: ``merges``, ``inbred``, ``outcrossed``,
    ``mean_inbreeding``;
``components.tsv``
    the graph of families joined by merges, its components of two or more families, the
    largest first: ``rank``, ``families``, ``models``, ``merges``;
``lineage.tsv``
    the merges of the deepest merge lineage, newest first;
``claims.tsv``
    the claim "merges are mostly inbred": the inbred share less 1/2 with its interval;
``inbreeding_families.tsv``
    inbreeding per family (the first-listed parent's): merges, inbred share, mean, median
    and greatest F (:func:`phylohub.merges.inbreeding.by_family`);
``inbred_lineages.tsv``
    the most inbred merge lineages with their pedigree paths
    (:func:`phylohub.merges.inbreeding.inbred_lineages`);
``summary.json``
    the counts of :func:`phylohub.merges.pedigree.trace_pedigrees`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from phylohub.io import check_outputs, write_json, write_parquet, write_tsv
from phylohub.io import paths_in as io_paths_in
from phylohub.merges import inbreeding as inb
from phylohub.merges import inheritance as inh
from phylohub.merges.pedigree import Pedigrees, read_dag, trace_pedigrees

log = logging.getLogger(__name__)

#: The outputs of rule ``trace_merges``, by name.
TABLES: dict[str, str] = {
    "merges": "merges.parquet",
    "pairs": "parent_pairs.parquet",
    "by_parents": "by_parents.tsv",
    "components": "components.tsv",
    "lineage": "lineage.tsv",
    "claims": "claims.tsv",
    "families": "inbreeding_families.tsv",
    "inbred_lineages": "inbred_lineages.tsv",
    "summary": "summary.json",
}


def paths_in(folder: Path) -> dict[str, Path]:
    """The stage's outputs in ``folder`` by name (for callers outside the workflow)."""
    return io_paths_in(folder, TABLES)


def pedigrees(nodes: Path, edges: Path, family_nodes: Path, level: float = 0.95) -> Pedigrees:
    """The pedigrees of every merge from the genealogy's tables (see the module docs of
    :mod:`phylohub.merges.pedigree`); the claim's interval at ``level``."""
    start = time.perf_counter()
    dag = read_dag(nodes, edges, family_nodes)
    out = trace_pedigrees(dag, level)
    log.info(
        "%d merges, %d pairs of parents (%d kinship pairs visited) in %.1f s",
        out.merges.height,
        out.pairs.height,
        out.summary["kinship_pairs_visited"],
        time.perf_counter() - start,
    )
    return out


def trace_merges(
    nodes: Path,
    edges: Path,
    family_nodes: Path,
    outputs: Mapping[str, Path],
    families: Path | None = None,
    level: float = 0.95,
) -> dict[str, object]:
    """Write every table of :data:`TABLES` to ``outputs`` (the rule's, by name);
    ``families``: the genealogy's ``families.parquet`` of ``merges.families`` (roots and
    sizes in the per-family table); ``level``: of the inbreeding claim's interval."""
    check_outputs(outputs, TABLES, "trace_merges")
    paths = {name: Path(path) for name, path in outputs.items()}
    out = pedigrees(nodes, edges, family_nodes, level)
    roots = pl.read_parquet(families, columns=["family", "root", "models"]) if families else None
    per_family = inb.by_family(out.merges, roots)
    lineages = inb.inbred_lineages(out.merges)
    out.summary.update(inb.family_summary(per_family, lineages))
    write_parquet(out.merges, paths["merges"])
    write_parquet(out.pairs, paths["pairs"])
    write_tsv(out.by_parents, paths["by_parents"])
    write_tsv(out.components, paths["components"])
    write_tsv(out.lineage, paths["lineage"])
    write_tsv(out.claims, paths["claims"])
    write_tsv(per_family, paths["families"])
    write_tsv(lineages, paths["inbred_lineages"])
    write_json(out.summary, paths["summary"])
    return out.summary


#: The outputs of rule ``measure_merge_inheritance``, by name (docs/merges.md).
INHERITANCE_TABLES: dict[str, str] = {
    "classes": "inheritance.parquet",
    "shares": "inheritance_shares.tsv",
    "dominance": "license_dominance.tsv",
    "mutation": "mutation_rates.tsv",
    "claims": "inheritance_claims.tsv",
    "summary": "inheritance.json",
}


def measure_inheritance(
    db: Path,
    merges: Path,
    orderings: Path,
    first_parent_rates: Path,
    outputs: Mapping[str, Path],
    seed: int,
    replicates: int,
    level: float = 0.95,
) -> dict[str, object]:
    """Write every table of :data:`INHERITANCE_TABLES` (see
    :mod:`phylohub.merges.inheritance`) to ``outputs`` (the rule's, by name); intervals
    at ``level``."""
    check_outputs(outputs, INHERITANCE_TABLES, "measure_merge_inheritance")
    paths = {name: Path(path) for name, path in outputs.items()}
    start = time.perf_counter()
    table = pl.read_parquet(merges, columns=["id", "parents", "parent_ids", "cluster"])
    ids = [*table["id"].to_list(), *(p for ps in table["parent_ids"].to_list() for p in ps)]
    cls = inh.classify(table, inh.read_values(db, ids))
    share_table = inh.shares(cls, seed, replicates, level)
    long = inh.dominance(cls)
    order = json.loads(Path(orderings).read_text())["traits"]["license"]["orderings"]
    summary: dict[str, object] = {
        "merges_compared": cls["id"].n_unique(),
        "ordering": inh.ORDERING,
        "dominance_order": inh.dominance_order(
            long, order[inh.ORDERING]["order"], seed, replicates, level
        ),
        "replicates": replicates,
        "level": level,
    }
    write_parquet(cls, paths["classes"])
    write_tsv(share_table, paths["shares"])
    write_tsv(inh.dominance_matrix(long), paths["dominance"])
    write_tsv(
        inh.mutation_rates(share_table, pl.read_parquet(first_parent_rates)), paths["mutation"]
    )
    write_tsv(inh.first_parent_claim(cls, seed, replicates, level), paths["claims"])
    write_json(summary, paths["summary"])
    log.info(
        "inheritance of %d merges in %.1f s",
        summary["merges_compared"],
        time.perf_counter() - start,
    )
    return summary


#: The outputs of rule ``measure_merge_resemblance``, by name (docs/merges.md).
RESEMBLANCE_TABLES: dict[str, str] = {
    "pairs": "resemblance.parquet",
    "summary": "resemblance.tsv",
    "claims": "resemblance_claims.tsv",
}


def measure_resemblance(
    db: Path,
    merges: Path,
    nodes: Path,
    edges: Path,
    options: Mapping[str, object],
    outputs: Mapping[str, Path],
    control: int,
    seed: int,
    replicates: int,
    threads: int = 1,
    vocabulary: Path | None = None,
    fit: Path | None = None,
    card_texts: Path | None = None,
    level: float = 0.95,
) -> None:
    """Write :data:`RESEMBLANCE_TABLES` (see :mod:`phylohub.merges.resemblance`: the pairs,
    their summary and the first-parent claim) with the similarity stage's options
    (``options``: the config's ``similarity`` section; ``seed`` also draws its vocabulary
    sample, as it does the similarity stage's). ``vocabulary`` and ``fit``: the files of
    rule ``fit_similarity_vocabulary`` (both, or neither: then fitted here);
    ``card_texts``: the prepared cards it wrote (None: read from the snapshot);
    ``level``: of the intervals."""
    from phylohub.merges.resemblance import first_parent_claim, resemblance
    from phylohub.similarity.measures import FittedVocabularies, SimilarityOptions, measure_names

    check_outputs(outputs, RESEMBLANCE_TABLES, "measure_merge_resemblance")
    start = time.perf_counter()
    opts = SimilarityOptions.from_config(dict(options), threads=threads, seed=seed)
    fitted = None
    if vocabulary is not None and fit is not None:
        fitted = FittedVocabularies.read(vocabulary, fit)
    pairs, summary = resemblance(
        db,
        pl.read_parquet(merges, columns=["id", "parents", "parent_ids", "cluster"]),
        pl.read_parquet(nodes, columns=["id", "external"]),
        pl.read_parquet(edges, columns=["child", "parent", "relation"]),
        opts,
        control,
        seed,
        replicates,
        fitted,
        card_texts,
        level,
    )
    claims = first_parent_claim(pairs, measure_names(opts.variants), seed, replicates, level)
    write_parquet(pairs, Path(outputs["pairs"]))
    write_tsv(summary, Path(outputs["summary"]))
    write_tsv(claims, Path(outputs["claims"]))
    log.info("resemblance of %d pairs in %.1f s", pairs.height, time.perf_counter() - start)
