"""The ecosystem's distributions (the paper's Figure 2) and documentation availability (9.2).

``write_summary`` reads a snapshot's ``hub.duckdb`` and the arXiv categories fetched for
it, and writes three tables under ``results/{snapshot}/summary/``:

- ``distributions.tsv``: one row per (panel, value) of the top ``top`` values of each
  panel: licenses, tasks, languages, libraries, children (models with the most listed
  children), datasets, arxiv (subject categories), downloads (most downloaded models);
  ``count`` in the panel's ``unit`` and ``share`` of the panel's ``denominator``.
- ``arxiv_ids.tsv``: every cited arXiv id with its models, how many of those carry an
  auto-generated card, and whether it is a *template artefact* (flagged by the
  fetch_arxiv rule: an id that auto-generated cards carry in bulk; the Hub's default card
  cites arXiv:1910.09700, which inflates cs.CY in the paper's Figure 2).
- ``availability.tsv``: card, safetensors, endpoint and autotrain tags, DOIs and each
  trait (count, share, denominator); ``doi_downloads.tsv``: the downloads of models with
  and without a DOI, and ``doi_ratio.tsv`` their ratio (mean and median).
- ``overview.tsv``: headline counts (models, edges to a listed parent by relation, card
  lengths, distinct trait values), one ``metric`` and ``value`` a row.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt
import polars as pl

from phylohub.draws import count_draws, draw_indexes
from phylohub.errors import PhylohubError
from phylohub.io import check_outputs, write_tsv
from phylohub.snapshot.connect import connect_snapshot
from phylohub.summary import sql

log = logging.getLogger(__name__)

#: The panels of Figure 2, in the paper's reading order.
PANELS = (
    "licenses",
    "tasks",
    "languages",
    "libraries",
    "children",
    "datasets",
    "arxiv",
    "downloads",
)
#: The columns of ``distributions.tsv``.
DISTRIBUTION_COLUMNS = (
    "panel",
    "rank",
    "value",
    "label",
    "count",
    "unit",
    "share",
    "denominator",
    "denominator_label",
)


@dataclass(frozen=True)
class SummarySettings:
    """What the stage keeps: ``top`` rows a panel; the DOI downloads ratio's interval:
    ``bootstrap`` resamples of the families of ``families`` (a genealogy ``nodes.parquet``;
    None: each model its own), at ``level``, seeded by ``seed``."""

    top: int = 15
    families: Path | None = None
    bootstrap: int = 1000
    level: float = 0.95
    seed: int = 0


@cache
def arxiv_category_names() -> dict[str, str]:
    """arXiv subject codes -> names (``cs.LG`` -> ``Machine Learning``).

    >>> arxiv_category_names()["cs.CY"]
    'Computers and Society'
    """
    text = files("phylohub.data").joinpath("arxiv_categories.tsv").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    return {row[0]: row[1] for row in rows[1:]}


def arxiv_label(code: str) -> str:
    """A category's label for a figure: ``Machine Learning (cs.LG)``; an unknown code as is.

    >>> arxiv_label("cs.LG"), arxiv_label("xx.YY")
    ('Machine Learning (cs.LG)', 'xx.YY')
    """
    name = arxiv_category_names().get(code)
    return f"{name} ({code})" if name else code


def _connect(db: Path, arxiv: Path | None, threads: int | None) -> duckdb.DuckDBPyConnection:
    con = connect_snapshot(db)
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if arxiv is not None:
        if not Path(arxiv).is_file():
            raise PhylohubError(f"no arXiv table at {arxiv}: run the fetch_arxiv rule first")
        con.execute(f"CREATE TEMP VIEW arxiv AS SELECT * FROM read_parquet('{Path(arxiv)}')")
    else:
        con.execute(
            "CREATE TEMP TABLE arxiv (arxiv_id VARCHAR, status VARCHAR,"
            " primary_category VARCHAR, categories VARCHAR[], n_models BIGINT,"
            " n_auto_generated BIGINT, template BOOLEAN)"
        )
    return con


def _frame(con: duckdb.DuckDBPyConnection, query: str) -> pl.DataFrame:
    return pl.from_arrow(con.sql(query).to_arrow_table())  # type: ignore[return-value]


def _scalar(con: duckdb.DuckDBPyConnection, query: str) -> int:
    rows = con.execute(query).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


#: The columns of a panel, typed even when it is empty: an empty first panel (a
#: snapshot where no model has a license) must still concatenate with the others.
_PANEL_TYPES = {"panel": pl.String, "rank": pl.Int64, "value": pl.String, "label": pl.String,
                "unit": pl.String, "share": pl.Float64, "denominator": pl.Int64,
                "denominator_label": pl.String}  # fmt: skip


def _top(
    panel: str, counts: pl.DataFrame, denominator: int, unit: str, what: str, top: int
) -> pl.DataFrame:
    """The ``top`` rows of one panel, most first, ties by value: deterministic."""
    # lazily: polars sorts for the first rows only (a sort of every model's downloads took
    # 0.6 s at 1.86M models); the values are distinct, so these are the same rows
    ranked = counts.lazy().sort(["count", "value"], descending=[True, False]).head(top).collect()
    labels = [arxiv_label(v) for v in ranked["value"]] if panel == "arxiv" else ranked["value"]
    return pl.DataFrame(
        {
            "panel": [panel] * ranked.height,
            "rank": list(range(1, ranked.height + 1)),
            "value": ranked["value"],
            "label": labels,
            "count": ranked["count"].cast(pl.Int64),
            "unit": [unit] * ranked.height,
            "share": (ranked["count"] / denominator if denominator else ranked["count"] * 0.0),
            "denominator": [denominator] * ranked.height,
            "denominator_label": [what] * ranked.height,
        },
        schema_overrides=_PANEL_TYPES,
    )


def distributions(
    con: duckdb.DuckDBPyConnection, settings: SummarySettings
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``distributions.tsv`` and ``arxiv_ids.tsv`` from an open snapshot connection."""
    panels = []
    for panel in PANELS:
        if panel == "arxiv":
            counts = _frame(
                con,
                "SELECT category AS value, count(DISTINCT id) AS count"
                f" FROM ({sql.ARXIV_MODEL_CATEGORIES}) GROUP BY category",
            )
            denominator = _scalar(con, sql.ARXIV_DENOMINATOR)
            unit, what = "models", "models citing a paper of known category"
        else:
            values, denom_q, unit, what = sql.PANELS[panel]
            counts = _frame(con, values)
            denominator = _scalar(con, denom_q)
        panels.append(_top(panel, counts, denominator, unit, what, settings.top))
    ids = (
        _frame(con, sql.ARXIV_IDS)
        .with_columns(auto_share=pl.col("auto_generated_models") / pl.col("models"))
        .select(
            "arxiv_id",
            "status",
            "primary_category",
            "models",
            "auto_generated_models",
            "auto_share",
            "template",
        )
        .sort(["models", "arxiv_id"], descending=[True, False])
    )
    return pl.concat(panels), ids


def read_distributions(path: Path) -> pl.DataFrame:
    """distributions.tsv with its values kept as text (``1910.09700`` is no number)."""
    return pl.read_csv(
        path, separator="\t", schema_overrides={"value": pl.String, "label": pl.String}
    )


def arxiv_summary(ids: pl.DataFrame) -> pl.DataFrame:
    """The arXiv ids in a few lines (metric, value as text): how many are cited, found,
    not found, and which are template artefacts (``none`` when none is)."""
    statuses = ("ok", "not_found", "malformed", "error")
    by_status = {s: int((ids["status"] == s).sum()) for s in statuses}
    templates = ids.filter(pl.col("template"))["arxiv_id"].to_list()
    rows = [
        ("cited_ids", str(ids.height)),
        *((f"ids_{k}", str(v)) for k, v in by_status.items()),
        ("template_ids", ", ".join(templates) or "none"),
    ]
    return pl.DataFrame(rows, schema={"metric": pl.String, "value": pl.String}, orient="row")


def arxiv_template_effect(con: duckdb.DuckDBPyConnection, template_ids: list[str]) -> pl.DataFrame:
    """Per category: models counted, and those counted only through template ids."""
    listed = ", ".join("'" + i.replace("'", "''") + "'" for i in template_ids) or "NULL"
    return _frame(
        con,
        f"""
        SELECT category, count(DISTINCT id) AS models,
               count(DISTINCT id) - count(DISTINCT id) FILTER (WHERE arxiv_id NOT IN ({listed}))
                   AS template_only_models
        FROM ({sql.ARXIV_MODEL_CATEGORIES}) GROUP BY category
        ORDER BY models DESC, category
        """,
    )


def availability(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``availability.tsv`` (metric, count, denominator, share) and the DOI downloads.

    Where the snapshot's models, traits and cards hold the same ids row for row
    (:data:`~phylohub.summary.sql.MISALIGNED_ROWS`), the models are read beside their
    traits and cards by position, else joined on ``id``: the same tables."""
    if _scalar(con, sql.MISALIGNED_ROWS) == 0:
        con.execute(sql.ALIGNED_MODEL_DOCS)
        carded = "SELECT * FROM model_docs"
    else:
        con.execute(sql.MODEL_DOCS)
        carded = sql.CARDED_DOCS
    avail = (
        _frame(con, sql.availability_query(carded))
        .sort("metric")
        .with_columns(
            share=pl.when(pl.col("denominator") > 0)
            .then(pl.col("count") / pl.col("denominator"))
            .otherwise(None)
        )
    )
    doi = _frame(con, sql.DOI_DOWNLOADS)
    return avail, doi


def doi_ratio(
    doi: pl.DataFrame, models: pl.DataFrame | None = None, settings: SummarySettings | None = None
) -> pl.DataFrame:
    """Mean and median downloads of models with a DOI over those without (null when a
    group is empty or its statistic is 0: the median model without a DOI is often never
    downloaded), and for the mean its percentile interval (``ci_low``, ``ci_high``) from
    ``models`` (``has_doi``, ``downloads``, ``cluster``: :func:`doi_models`) resampled by
    family: a few much-downloaded models carry a mean of a few dozen, and the models of
    a family share their downloads' fortune.
    """
    groups = {bool(r["has_doi"]): r for r in doi.iter_rows(named=True)}
    rows = []
    for stat in ("mean", "median"):
        with_doi = groups[True][f"{stat}_downloads"] if True in groups else None
        without = groups[False][f"{stat}_downloads"] if False in groups else None
        ratio = with_doi / without if with_doi is not None and without else None
        rows.append({"statistic": stat, "with_doi": with_doi, "without_doi": without,
                     "ratio": ratio, "ci_low": None, "ci_high": None})  # fmt: skip
    if models is not None and settings is not None and rows[0]["ratio"] is not None:
        rows[0]["ci_low"], rows[0]["ci_high"] = _ratio_interval(models, settings)
    schema = {"statistic": pl.String, "with_doi": pl.Float64, "without_doi": pl.Float64,
              "ratio": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64}  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


#: Families with no DOI model beyond which their resampled sums are drawn from their
#: normal limit rather than family by family (:func:`_ratio_interval`).
EXACT_FAMILIES = 20_000


def _ratio_interval(models: pl.DataFrame, settings: SummarySettings) -> tuple[float, float]:
    """The percentile interval of mean(downloads | DOI) / mean(downloads | no DOI) over
    resamples of the families (a drawn family brings all its models, of both groups).

    Stratified: the families holding a DOI model (few) and the others are resampled
    each to its own number, so every resample holds as many DOI families as the
    snapshot. The few are drawn family by family. The others' resampled sums (downloads
    and models without a DOI) are drawn family by family up to :data:`EXACT_FAMILIES`
    of them, and beyond from their normal limit (the mean and covariance of n families'
    sums, by the central limit theorem over n > 20,000): drawing 1.3 million families
    a thousand times took 26 s at 1.86M models, the limit a millisecond, and the two
    give the same interval to within the resampling noise (tests/summary).
    """
    doi = models["has_doi"].to_numpy()
    downloads = models["downloads"].cast(pl.Float64).to_numpy()
    labels = models["cluster"]
    if not labels.dtype.is_integer():  # codes by polars' hash (np.unique sorts: seconds)
        labels = labels.rank("dense").cast(pl.Int64) - 1
    cluster = labels.to_numpy()
    g = int(cluster.max()) + 1 if cluster.size else 0
    sums = np.column_stack([
        np.bincount(cluster, weights=np.where(doi, downloads, 0.0), minlength=g),
        np.bincount(cluster, weights=doi.astype(np.float64), minlength=g),
        np.bincount(cluster, weights=np.where(doi, 0.0, downloads), minlength=g),
        np.bincount(cluster, weights=(~doi).astype(np.float64), minlength=g),
    ]).astype(np.float64)  # fmt: skip
    few, rest = sums[sums[:, 1] > 0], sums[sums[:, 1] == 0][:, 2:]
    rng = np.random.default_rng([settings.seed, 0x646F69])
    r = settings.bootstrap
    totals = _resampled_sums(few, r, rng)
    if rest.shape[0] <= EXACT_FAMILIES:
        other = _resampled_sums(rest, r, rng)
    else:
        n = rest.shape[0]
        other = rng.multivariate_normal(n * rest.mean(axis=0), n * np.cov(rest.T), size=r)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = (totals[:, 0] / totals[:, 1]) / (
            (totals[:, 2] + other[:, 0]) / (totals[:, 3] + other[:, 1])
        )
    ratios = ratios[np.isfinite(ratios)]
    tail = (1 - settings.level) / 2
    low, high = np.quantile(ratios, [tail, 1 - tail]) if ratios.size else (np.nan, np.nan)
    return float(low), float(high)


def _resampled_sums(
    rows: npt.NDArray[np.float64], replicates: int, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    """Column sums of ``rows`` (families) drawn with replacement, ``replicates`` times."""
    n = rows.shape[0]
    if n == 0:
        return np.zeros((replicates, rows.shape[1]))
    out: npt.NDArray[np.float64] = count_draws(draw_indexes(rng, n, (replicates, n)), n) @ rows
    return out


def doi_models(con: duckdb.DuckDBPyConnection, families: Path | None) -> pl.DataFrame:
    """Every model's ``has_doi``, ``downloads`` and ``cluster`` (an integer): its family
    in the genealogy ``families`` nodes, else a code of its own above every family's.
    After :data:`~phylohub.summary.sql.MODEL_DOCS` (the availability's temporary table)."""
    models = _frame(con, "SELECT id, has_doi, coalesce(downloads, 0) AS downloads FROM model_docs")
    if families is None:
        return models.select("has_doi", "downloads", cluster=pl.int_range(pl.len(), dtype=pl.Int64))
    nodes = pl.read_parquet(families, columns=["id", "family"])
    top = int(nodes["family"].max() or 0) + 1  # type: ignore[arg-type]
    return models.join(nodes, on="id", how="left", maintain_order="left").select(
        "has_doi", "downloads",
        cluster=pl.coalesce(pl.col("family").cast(pl.Int64), top + pl.int_range(pl.len())),
    )  # fmt: skip


#: The tables of the summary stage, by the name of the ``summarize_ecosystem`` rule's output.
TABLES: tuple[str, ...] = (
    "distributions",
    "arxiv_ids",
    "arxiv_template_effect",
    "arxiv_summary",
    "availability",
    "doi_downloads",
    "doi_ratio",
    "overview",
)


def write_summary(
    db: Path,
    arxiv: Path | None,
    out: Mapping[str, Path],
    settings: SummarySettings,
    threads: int | None = None,
) -> None:
    """Write each table of :data:`TABLES` to its path in ``out`` (the rule's outputs)."""
    check_outputs(out, TABLES, "summary")
    con = _connect(db, arxiv, threads)
    try:
        dist, ids = distributions(con, settings)
        templates = ids.filter(pl.col("template"))["arxiv_id"].to_list()
        effect = arxiv_template_effect(con, templates)
        avail, doi = availability(con)
        models = doi_models(con, settings.families)
        overview = _frame(con, sql.OVERVIEW).sort("metric")
    finally:
        con.close()
    for name, table in (
        ("distributions", dist),
        ("arxiv_ids", ids),
        ("arxiv_template_effect", effect),
        ("arxiv_summary", arxiv_summary(ids)),
        ("availability", avail),
        ("doi_downloads", doi),
        ("doi_ratio", doi_ratio(doi, models, settings)),
        ("overview", overview),
    ):
        write_tsv(table, out[name])
    log.info(
        "summary: %d panels, %d arXiv ids (%d template artefacts: %s)",
        dist["panel"].n_unique(),
        ids.height,
        len(templates),
        ", ".join(templates) or "none",
    )
