"""Crawl health: what the crawl of one snapshot cost and how it went, one row per job.

Read from the files the crawl rules write: the listing's ``manifest.json`` (models and
pages: one request a page, before the client's own retries), each card shard's
``{shard}.stats.json`` (requests, retries, 429s, reused cards, statuses, encodings of the
ok cards, seconds), each ``config.json`` shard's (``crawl.configs``; the same fields,
``no_readme`` counting models whose ``siblings`` lack ``config.json``) and, when given,
the card dump's ``bootstrap.stats.json`` (its download's requests) and the arXiv
fetch's stats JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from phylohub.crawl.values import CARD_ENCODINGS
from phylohub.errors import PhylohubError

#: Card statuses, in the order of the tables and figures.
STATUSES = ("ok", "no_readme", "gated", "not_found", "disabled", "error")
#: Encodings of the ok cards (``utf-8``, ``bom``, ``invalid-utf-8``), in that order.
ENCODINGS = CARD_ENCODINGS
#: Columns of ``crawl_health.tsv``.
HEALTH_COLUMNS = (
    "job",
    "models",
    "requests",
    "retries",
    "throttled",
    "reused",
    "seconds",
    *STATUSES,
    *ENCODINGS,
)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise PhylohubError(f"cannot read crawl statistics {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise PhylohubError(f"crawl statistics {path} are not a JSON object")
    return data


def _shard_rows(kind: str, shard_stats: list[Path]) -> list[dict[str, Any]]:
    """The rows ``{kind}/{shard}`` of the shards' stats files, in shard order."""
    rows = []
    for path in sorted(shard_stats, key=lambda p: int(Path(p).name.split(".")[0])):
        s = _read_json(path)
        statuses = s.get("statuses", {})
        unknown = set(statuses) - set(STATUSES)
        if unknown:
            raise PhylohubError(f"{path}: unknown card status(es) {', '.join(sorted(unknown))}")
        encodings = s.get("encodings", {})
        unknown = set(encodings) - set(ENCODINGS)
        if unknown:
            raise PhylohubError(f"{path}: unknown card encoding(s) {', '.join(sorted(unknown))}")
        rows.append(
            {
                "job": f"{kind}/{Path(path).name.split('.')[0]}",
                "models": int(s["models"]),
                "requests": int(s["requests"]),
                "retries": int(s["retries"]),
                "throttled": int(s["throttled"]),
                "reused": int(s["reused"]),
                "seconds": float(s["seconds"]),
                **{k: int(statuses.get(k, 0)) for k in STATUSES},
                **{k: int(encodings.get(k, 0)) for k in ENCODINGS},
            }
        )
    return rows


def crawl_health(
    manifest: Path,
    shard_stats: list[Path],
    arxiv_stats: Path | None = None,
    config_stats: list[Path] | None = None,
    bootstrap_stats: Path | None = None,
) -> pl.DataFrame:
    """One row per crawl job: ``listing``, ``bootstrap`` (the card dump's download, when
    given: ``models`` holds its rows), ``cards/{shard}`` in shard order,
    ``configs/{shard}`` (``crawl.configs``) in shard order, ``arxiv``.

    Statuses are card statuses and encodings those of the ok cards (zero for the listing
    and arXiv rows); ``throttled``
    counts the 429 answers a job waited out; ``seconds`` is the job's own wall time
    (the listing's is not recorded: null).
    """
    listing = _read_json(manifest)
    rows: list[dict[str, Any]] = [
        {"job": "listing", "models": int(listing["models"]), "requests": int(listing["pages"])}
    ]
    if bootstrap_stats is not None:
        b = _read_json(bootstrap_stats)
        rows.append(
            {
                "job": "bootstrap",
                "models": int(b.get("rows", 0)),
                "requests": int(b.get("requests", 0)),
                "seconds": float(b["seconds"]) if "seconds" in b else None,
            }
        )
    rows += _shard_rows("cards", shard_stats)
    rows += _shard_rows("configs", config_stats or [])
    if arxiv_stats is not None:
        a = _read_json(arxiv_stats)
        rows.append(
            {
                "job": "arxiv",
                "models": int(a.get("ids", 0)),
                "requests": int(a.get("requests", 0)),
                "retries": int(a.get("retries", 0)),
                "throttled": int(a.get("throttled", 0)),
                "reused": int(a.get("cache_hits", 0)),
                "seconds": float(a["seconds"]) if "seconds" in a else None,
            }
        )
    ints = [c for c in HEALTH_COLUMNS if c not in ("job", "seconds")]
    return pl.DataFrame(
        [{c: row.get(c) for c in HEALTH_COLUMNS} for row in rows],
        schema={
            c: pl.String if c == "job" else pl.Float64 if c == "seconds" else pl.Int64
            for c in HEALTH_COLUMNS
        },
    ).with_columns([pl.col(c).fill_null(0) for c in ints])
