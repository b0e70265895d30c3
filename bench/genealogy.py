"""Benchmark: the whole genealogy stage at the Hub's size, and numpy against graph-tool.

    .venv/bin/python bench/genealogy.py [N_MODELS] [--compare-only]

(default 1,860,411 models, the paper's snapshot). Writes a snapshot with the tables the
stage reads (``models``, ``tags``, ``edges``) under ``results/bench-genealogy-N/`` from
the synthetic generator's genealogy (the same draw as ``phylohub replica generate``:
relation mix, heavy-tailed families, deep lineages, merges, parents missing from the
listing, untyped tags; plus 100 pairs of models naming each other, i.e. cycles, and
four other tags per model), skipping the crawl. Then:

1. runs the stage's rules with Snakemake on 2 cores (the three relation sets, the
   shape counts and the four figures) and prints each rule's seconds and peak memory
   (from its ``benchmark:`` file) and the wall-clock time of the whole stage;
2. times the steps that graph-tool or scipy could also do, on the ``all`` graph, in one
   process: weakly connected components and generations.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SETS = ("finetune", "no_merge", "all")
FIGURES = ("trees", "sizes", "depths", "virality")


def make_snapshot(n: int, db: Path, seed: int = 0) -> None:
    """A snapshot with ``models``, ``tags`` and ``edges`` of a synthetic genealogy."""
    import duckdb
    import pyarrow as pa

    from phylohub.hub.synth import RELATIONS, SynthConfig, _genealogy

    cfg = SynthConfig(n_models=n, seed=seed)
    rng = np.random.default_rng(seed)
    pop = _genealogy(cfg, rng)
    private = (pop.children > 0) & (rng.random(n) < cfg.missing_parent_share)
    names = np.array([f"a{a}/model-{i}" for i, a in enumerate(pop.author.tolist())], dtype=object)
    created = pop.created.astype("datetime64[ms]")
    tag_id, tag_pos, tag_text = [], [], []
    e_parent, e_child, e_rel = [], [], []
    for i, ps in enumerate(pop.parents):
        if private[i]:
            continue
        pos = 0
        for filler in ("transformers", "safetensors", "text-generation", "region:us"):
            tag_id.append(names[i])
            tag_pos.append(pos)
            tag_text.append(filler)
            pos += 1
        rel = "unknown" if pop.untyped[i] else RELATIONS[pop.relation[i]] if ps else ""
        for p in ps:
            tags = [f"base_model:{names[p]}"]
            if rel != "unknown":
                tags.append(f"base_model:{rel}:{names[p]}")
            for t in tags:
                tag_id.append(names[i])
                tag_pos.append(pos)
                tag_text.append(t)
                pos += 1
            e_parent.append(names[p])
            e_child.append(names[i])
            e_rel.append(rel)
    # cycles: 100 listed parents name one of their listed children as their own base
    key_of = {name: i for i, name in enumerate(names.tolist())}
    listed_edges = [k for k, p in enumerate(e_parent) if k % 97 == 0 and not private[key_of[p]]][
        :100
    ]
    for k in listed_edges:
        p, c = e_parent[k], e_child[k]
        tag_id.append(p)
        tag_pos.append(99)
        tag_text.append(f"base_model:finetune:{c}")
        e_parent.append(c)
        e_child.append(p)
        e_rel.append("finetune")
    listed = ~private
    listed_names = set(names[listed].tolist())
    models = pa.table({"id": names[listed].tolist(), "created_at": created[listed]})
    split = [t.split(":", 1) if t.startswith(("base_model:", "region:")) else [None, t]
             for t in tag_text]  # fmt: skip
    tags = pa.table(
        {
            "id": tag_id,
            "position": pa.array(tag_pos, pa.int32()),
            "tag": tag_text,
            "prefix": [s[0] for s in split],
            "value": [s[1] for s in split],
        }
    )
    edges = pa.table(
        {
            "parent": e_parent,
            "child": e_child,
            "relation": e_rel,
            "parent_in_snapshot": [p in listed_names for p in e_parent],
        }
    )
    db.parent.mkdir(parents=True, exist_ok=True)
    db.unlink(missing_ok=True)
    with duckdb.connect(str(db)) as con:
        con.register("m", models)
        con.register("t", tags)
        con.register("e", edges)
        con.execute("CREATE TABLE models AS SELECT * FROM m ORDER BY id")
        con.execute("CREATE TABLE tags AS SELECT * FROM t ORDER BY id, position")
        con.execute("CREATE TABLE edges AS SELECT * FROM e ORDER BY child, parent")


def run_stage(snapshot: str) -> float:
    """Run the genealogy rules of ``snapshot`` with Snakemake; the wall-clock seconds."""
    targets = [f"results/{snapshot}/genealogy/{s}/summary.json" for s in SETS]
    targets.append(f"results/{snapshot}/genealogy/shapes.tsv")
    targets += [f"results/{snapshot}/figures/family_{f}.png" for f in FIGURES]
    for old in (f"results/{snapshot}/genealogy", f"results/{snapshot}/figures",
                f"benchmarks/{snapshot}"):  # fmt: skip
        shutil.rmtree(ROOT / old, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "snakemake", "--configfile", "config/demo.yaml",
         "--cores", "2", *targets, "--quiet", "rules"],
        cwd=ROOT, check=True,
    )  # fmt: skip
    return time.perf_counter() - start


def print_rule_benchmarks(snapshot: str) -> None:
    rows = sorted((ROOT / "benchmarks" / snapshot).rglob("*.tsv"))
    print(f"{'rule':<34} {'seconds':>8} {'peak RSS MB':>12}")
    for path in rows:
        if "genealogy" not in str(path) and "family" not in path.name:
            continue
        head, values = path.read_text().splitlines()[:2]
        cols = dict(zip(head.split("\t"), values.split("\t"), strict=True))
        name = str(path.relative_to(ROOT / "benchmarks" / snapshot).with_suffix(""))
        print(f"{name:<34} {float(cols['s']):>8.2f} {float(cols['max_rss']):>12.0f}")


def compare(db: Path) -> None:
    """Components and generations of the ``all`` graph: numpy/scipy against graph-tool."""
    import graph_tool.all as gt
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from phylohub.genealogy.families import weak_components
    from phylohub.genealogy.graphs import RELATION_SETS, read_edges, relation_graph
    from phylohub.genealogy.trees import depths_and_roots, structural_virality, subtree_sizes

    t = time.perf_counter()
    edges = read_edges(db)
    print(f"read the snapshot's edges: {time.perf_counter() - t:.2f} s")
    g = relation_graph(edges, RELATION_SETS["all"])
    n = g.n_nodes
    print(f"'all' graph: {n:,} nodes, {g.child.size:,} edges")
    timings: dict[str, float] = {}

    def timed(name: str, fn):  # type: ignore[no-untyped-def]
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            out = fn()
            best = min(best, time.perf_counter() - t0)
        timings[name] = best
        return out

    depth, root = timed("generations: numpy pointer jumping", lambda: depths_and_roots(g.primary))
    comp = timed("components: kept tree + scipy on roots", lambda: weak_components(g, root))

    def scipy_components():  # type: ignore[no-untyped-def]
        m = coo_matrix((np.ones(g.child.size, np.int8), (g.child, g.parent)), shape=(n, n))
        return connected_components(m.tocsr(), directed=True, connection="weak")[1]

    lab = timed("components: scipy csgraph, whole graph", scipy_components)

    def gt_graph():  # type: ignore[no-untyped-def]
        h = gt.Graph(directed=True)
        h.add_vertex(n + 1)
        h.add_edge_list(np.column_stack([g.child, g.parent]))
        return h

    h = timed("graph-tool: build the graph", gt_graph)
    gt_lab = timed("components: graph-tool label_components",
                   lambda: gt.label_components(h, directed=False)[0].a.copy())  # fmt: skip

    def gt_generations():  # type: ignore[no-untyped-def]
        t = gt.Graph(directed=True)  # kept tree, parent -> child, plus a super-root
        t.add_vertex(n + 1)
        kept = g.primary >= 0
        src = np.where(kept, g.primary, n)
        t.add_edge_list(np.column_stack([src, np.arange(n)]))
        return gt.shortest_distance(t, source=t.vertex(n)).a[:n] - 1

    gt_depth = timed("generations: graph-tool BFS (+ its graph)", gt_generations)
    timed("subtree sizes: numpy level order", lambda: subtree_sizes(g.primary, depth))
    size = subtree_sizes(g.primary, depth)
    timed("virality: numpy, from subtree sizes", lambda: structural_virality(g.primary, root, size))
    same = len(set(zip(comp.tolist(), lab.tolist(), strict=True))) == len(set(lab.tolist()))
    same_gt = len(set(zip(comp.tolist(), gt_lab[:n].tolist(), strict=True))) == len(
        set(lab.tolist())
    )
    assert same and same_gt and (gt_depth == depth).all(), "the methods disagree"
    print(f"{'step (best of 3)':<44} {'seconds':>8}")
    for name, s in timings.items():
        print(f"{name:<44} {s:>8.3f}")
    print("all methods agree (same partition, same generations)")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 1_860_411
    snapshot = f"bench-genealogy-{n}"
    db = ROOT / "results" / snapshot / "hub.duckdb"
    if not db.is_file():
        t = time.perf_counter()
        make_snapshot(n, db)
        print(f"wrote {db} in {time.perf_counter() - t:.1f} s")
    if "--compare-only" not in sys.argv:
        seconds = run_stage(snapshot)
        print_rule_benchmarks(snapshot)
        print(f"whole genealogy stage (snakemake, 2 cores): {seconds:.1f} s wall-clock")
    compare(db)


if __name__ == "__main__":
    from benchlib import exit_on_help

    exit_on_help(__doc__)
    main()
