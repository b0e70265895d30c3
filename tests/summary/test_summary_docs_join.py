"""The availability measures and the DOI downloads share one join of the models and
their traits (a temporary table): the same tables as the statements that joined them
each on their own, on a snapshot where some models lack a card row or a traits row."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from phylohub.hub.synth import SynthConfig
from phylohub.summary.distributions import _connect, availability
from tests.pipeline import snapshot_of

_WEIGHTS = r"'\.(safetensors|bin|pt|pth|ckpt|gguf|h5|msgpack|onnx|pkl|keras)$'"

#: The statements as they were, each joining the tables itself.
PLAIN_AVAILABILITY = f"""
WITH m AS (
    SELECT m.id, m.downloads, m.has_safetensors, c.status = 'ok' AS has_card,
           coalesce(c.auto_generated, false) AS auto_generated,
           list_contains(m.tags, 'endpoints_compatible') AS endpoints,
           list_contains(m.tags, 'autotrain_compatible') AS autotrain,
           len(t.dois) > 0 AS has_doi,
           len(list_filter(m.siblings, lambda f: regexp_matches(lower(f), {_WEIGHTS}))) > 0
               AS has_weights
    FROM models m JOIN cards c USING (id) JOIN traits t USING (id)
)
SELECT 'card' AS metric, count(*) FILTER (WHERE has_card) AS count, count(*) AS denominator
FROM m
UNION ALL SELECT 'card_auto_generated', count(*) FILTER (WHERE auto_generated),
    count(*) FILTER (WHERE has_card) FROM m
UNION ALL SELECT 'weights', count(*) FILTER (WHERE has_weights), count(*) FROM m
UNION ALL SELECT 'safetensors', count(*) FILTER (WHERE has_safetensors), count(*) FROM m
UNION ALL SELECT 'safetensors_of_weights', count(*) FILTER (WHERE has_safetensors AND has_weights),
    count(*) FILTER (WHERE has_weights) FROM m
UNION ALL SELECT 'endpoints_compatible', count(*) FILTER (WHERE endpoints), count(*) FROM m
UNION ALL SELECT 'autotrain_compatible', count(*) FILTER (WHERE autotrain), count(*) FROM m
UNION ALL SELECT 'doi', count(*) FILTER (WHERE has_doi), count(*) FROM m
UNION ALL SELECT 'license', count(*) FILTER (WHERE len(t.licenses) > 0), count(*) FROM traits t
UNION ALL SELECT 'language', count(*) FILTER (WHERE len(t.languages) > 0), count(*) FROM traits t
UNION ALL SELECT 'task', count(*) FILTER (WHERE t.task IS NOT NULL), count(*) FROM traits t
UNION ALL SELECT 'library', count(*) FILTER (WHERE t.library IS NOT NULL), count(*) FROM traits t
UNION ALL SELECT 'dataset', count(*) FILTER (WHERE len(t.datasets) > 0), count(*) FROM traits t
UNION ALL SELECT 'arxiv', count(*) FILTER (WHERE len(t.arxiv) > 0), count(*) FROM traits t
UNION ALL SELECT 'downloaded', count(*) FILTER (WHERE downloads > 0), count(*) FROM m
"""
PLAIN_DOI_DOWNLOADS = """
SELECT len(t.dois) > 0 AS has_doi, count(*) AS models,
       avg(m.downloads) AS mean_downloads, median(m.downloads) AS median_downloads,
       count(*) FILTER (WHERE m.downloads > 0) AS downloaded_models
FROM models m JOIN traits t USING (id)
GROUP BY ALL
ORDER BY has_doi
"""


@pytest.fixture(scope="module")
def gappy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A crawled snapshot with the card rows of some models (the DOI ones among them)
    and the traits rows of others removed, so every join counts."""
    folder = tmp_path_factory.mktemp("docs_join")
    db = folder / "gappy.duckdb"
    shutil.copy(snapshot_of(SynthConfig(n_models=800, seed=6), folder / "snap"), db)
    con = duckdb.connect(str(db))
    try:
        con.execute(
            "DELETE FROM cards WHERE id IN (SELECT id FROM traits WHERE len(dois) > 0)"
            " OR id IN (SELECT id FROM models ORDER BY id LIMIT 40)"
        )
        con.execute(
            "DELETE FROM traits WHERE id IN (SELECT id FROM models ORDER BY id DESC LIMIT 30)"
        )
    finally:
        con.close()
    return db


def _plain(con: duckdb.DuckDBPyConnection, query: str) -> pl.DataFrame:
    out = pl.from_arrow(con.sql(query).to_arrow_table())
    assert isinstance(out, pl.DataFrame)
    return out


def test_availability_and_doi_equal_the_statements_joining_on_their_own(gappy: Path) -> None:
    con = _connect(gappy, None, None)
    try:
        avail, doi = availability(con)
        plain_doi = _plain(con, PLAIN_DOI_DOWNLOADS)
        plain_avail = _plain(con, PLAIN_AVAILABILITY).sort("metric")
        models = con.sql("SELECT count(*) FROM models").fetchall()[0][0]
    finally:
        con.close()
    assert avail.drop("share").equals(plain_avail)
    assert doi.equals(plain_doi)
    rows = dict(zip(avail["metric"], avail["denominator"], strict=True))
    # The removed rows count: the card measures see models with both rows, the DOI
    # downloads those with traits, and at least one model carries a DOI.
    assert rows["card"] <= models - 70 and int(doi["models"].sum()) == models - 30
    counts = dict(zip(avail["metric"], avail["count"], strict=True))
    assert doi.filter(pl.col("has_doi"))["models"].item() > 0 == counts["doi"]
