"""Put tables of bench/pipeline.py side by side, as Markdown.

    .venv/bin/python bench/compare.py results/bench/pipeline-100000-c2-http.tsv \\
        results/bench/pipeline-1860000-c2-render.tsv

One row per rule, stage and total of the first table (and any the others add); for each
table its wall seconds, CPU seconds and peak RSS (MB). The crawl's own tables
(``pipeline-*.crawl.tsv``, which a glob such as ``pipeline-*-c2-*.tsv`` also matches) are
left out with a note: their columns are the crawl's rates, not the rules'.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path


def read(path: Path) -> tuple[str, dict[tuple[str, str], dict[str, str]]]:
    with path.open() as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    head = f"{int(rows[0]['models']):,} ({rows[0]['crawl']})"
    return head, {(r["stage"], r["rule"]): r for r in rows}


def cell(row: dict[str, str] | None) -> str:
    if row is None:
        return ""
    wall, cpu, rss = float(row["wall_s"]), float(row["cpu_s"]), float(row["max_rss_mb"])
    if not (wall or cpu or rss):
        return ""
    return " / ".join([f"{wall:.0f}" if wall else "-", f"{cpu:.0f}" if cpu else "-", f"{rss:,.0f}"])


def main(paths: list[Path]) -> None:
    if any(a in ("-h", "--help") for a in map(str, paths)):
        print(__doc__)
        return
    crawl = [p for p in paths if p.name.endswith(".crawl.tsv")]
    for p in crawl:
        print(f"left out (a crawl table, not a rules table): {p}", file=sys.stderr)
    paths = [p for p in paths if p not in crawl]
    if not paths:
        sys.exit("bench/compare.py: no bench/pipeline.py rules table given (see --help)")
    tables = [read(p) for p in paths]
    keys: list[tuple[str, str]] = []
    for _, rows in tables:
        keys += [k for k in rows if k not in keys]
    print(
        "| stage | rule | " + " | ".join(f"{h}: wall s / CPU s / peak MB" for h, _ in tables) + " |"
    )
    print("|---|---|" + "---|" * len(tables))
    for stage, rule in keys:
        cells = [cell(rows.get((stage, rule))) for _, rows in tables]
        if not any(cells):
            continue
        name = f"**{rule}**" if stage == "total" or rule == "(stage)" else rule
        print(f"| {stage} | {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]])
