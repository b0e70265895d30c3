"""Data quality: trait values that are what a form or a training script filled in, not a
choice of the model's author.

Real listings carry values nobody chose: the first entries of the Hub's language list
(``aa``, ``ab``, ``ae``: Afar, Abkhazian, Avestan) left selected in the metadata form,
``dataset:generator`` written by TRL's trainers for an in-memory dataset, a library such
as asteroid, fastai or allennlp on a transformers fine-tune, a ``pipeline_tag`` left
empty. Counted as traits they inflate mutation rates and put Afar among the top
languages. The snapshot keeps them (it records what the Hub says) and names them, one
row per model, trait, value and rule, in the table ``data_quality``; the traits stage can
leave them out (``traits.exclude_flagged``).

Every rule reads only what the Hub gives: the listing entry's tags, ``library_name``,
``pipeline_tag`` and file list (``siblings``). None uses the synthetic generator's truth,
which the tests compare the flags with.

Rules (:data:`RULES`)
=====================
``placeholder_language_run`` (language)
    The model's ISO 639-1 language tags include the first ``k >= MIN_LANGUAGE_RUN``
    codes of the ISO 639-1 list in code order (``aa``, ``ab``, ``ae``, ``af``, ``ak``,
    ...), the order of the Hub's language picker. Every language of that run is flagged
    (by its name, as ``traits.languages`` holds it); languages after a gap are not.
``template_dataset`` (dataset)
    A ``dataset:`` value that is the name of a builder of the ``datasets`` library
    (:data:`TEMPLATE_DATASETS`: ``generator``, ``imagefolder``, ``json``, ...): what
    ``load_dataset("json", ...)`` or ``Dataset.from_generator`` leaves in an
    auto-generated card in place of a dataset's name.
``library_inconsistent`` (library)
    ``library_name`` is one of :data:`FOREIGN_LIBRARIES`, libraries whose repositories
    hold files of their own, while the files are another library's (a transformers
    checkpoint: ``config.json`` and ``model*.safetensors``/``pytorch_model*.bin``/...;
    a peft adapter: ``adapter_config.json``; a ``.gguf`` file) and none of the named
    library's own files is there.
``empty_task`` (task)
    ``pipeline_tag`` is present but empty (or only whitespace).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from phylohub.io import write_tsv
from phylohub.snapshot.connect import connect_snapshot

#: Each rule, the trait it flags and what it means (docs/snapshot.md renders these).
RULES: dict[str, tuple[str, str]] = {
    "placeholder_language_run": (
        "language",
        "the model's ISO 639-1 tags include the first 3 or more codes of the ISO 639-1 "
        "list in code order (``aa``, ``ab``, ``ae``, ...), the Hub's language picker's "
        "first entries; each language of the run is flagged",
    ),
    "template_dataset": (
        "dataset",
        "a ``dataset:`` value that is the name of a ``datasets`` builder (``generator``, "
        "``imagefolder``, ``json``, ...), not of a dataset",
    ),
    "library_inconsistent": (
        "library",
        "``library_name`` is a library with files of its own (asteroid, fastai, "
        "allennlp, ...) while the files are another library's (a transformers "
        "checkpoint, a peft adapter, a .gguf file) and none of its own is there",
    ),
    "empty_task": ("task", "``pipeline_tag`` is present but empty"),
}

#: Shortest run of the ISO 639-1 list's first codes that is read as the form's default.
MIN_LANGUAGE_RUN = 3

#: Builders of the ``datasets`` library (packaged modules and ``from_generator``): their
#: names stand in an auto-generated card where a local or in-memory dataset was used.
TEMPLATE_DATASETS: tuple[str, ...] = (
    "arrow",
    "audiofolder",
    "cache",
    "csv",
    "generator",
    "imagefolder",
    "json",
    "pandas",
    "parquet",
    "spark",
    "sql",
    "text",
    "videofolder",
    "webdataset",
    "xml",
)

#: Libraries whose repositories hold files of their own, with a pattern (a regular
#: expression searched in each file path) of those files; ``None``: none that another
#: library lacks (asteroid saves a ``pytorch_model.bin`` without ``config.json``).
FOREIGN_LIBRARIES: dict[str, str | None] = {
    "allennlp": r"(^|/)(weights\.th|model\.tar\.gz|vocabulary/)",
    "asteroid": None,
    "espnet": r"(^|/)exp/",
    "fastai": r"\.pkl$",
    "fasttext": r"(^|/)model\.bin$",
    "flair": r"\.pt$",
    "nemo": r"\.nemo$",
    "paddlenlp": r"\.pdparams$",
    "pyannote-audio": r"(^|/)config\.yaml$",
    "spacy": r"(\.whl$|(^|/)meta\.json$)",
    "speechbrain": r"(^|/)hyperparams\.yaml$",
}

#: Weight files of a transformers checkpoint (beside its ``config.json``), sharded or not.
TRANSFORMERS_WEIGHTS = (
    r"(pytorch_model|model|tf_model|flax_model)(-[0-9]+-of-[0-9]+)?"
    r"\.(safetensors|bin|h5|msgpack)"
)

CREATE_TABLE = """
CREATE TABLE data_quality (
    id VARCHAR NOT NULL,
    trait VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    rule VARCHAR NOT NULL
);
"""

#: Every flag; reads ``models``, ``tags`` and the build's temporary ``language_tags`` and
#: ``iso_639`` tables, so it runs after ``traits`` and before they are dropped.
INSERT_FLAGS = """
INSERT INTO data_quality
WITH iso1 AS (
    SELECT code, row_number() OVER (ORDER BY code) AS idx FROM iso_639 WHERE scheme = '639-1'
), lang AS (
    SELECT l.id, l.name, i.idx
    FROM language_tags l JOIN iso1 i ON i.code = lower(l.code)
), runs AS (
    -- sorted distinct positions: those equal to their rank are the run from the first code
    SELECT id, len([x FOR x, i IN list_sort(list_distinct(list(idx))) IF x = i]) AS k
    FROM lang GROUP BY id
), foreign_libs AS (
    SELECT unnest($foreign) AS library, unnest($own_files) AS own
), flags AS (
    SELECT l.id, 'language' AS trait, l.name AS value, 'placeholder_language_run' AS rule
    FROM lang l JOIN runs r ON r.id = l.id
    WHERE r.k >= $min_run AND l.idx <= r.k
    UNION
    SELECT id, 'dataset', value, 'template_dataset' FROM tags
    WHERE prefix = 'dataset' AND list_contains($template_datasets, lower(trim(value)))
    UNION
    SELECT m.id, 'library', m.library_name, 'library_inconsistent'
    FROM models m JOIN foreign_libs f ON f.library = lower(trim(m.library_name))
    WHERE (
        list_contains(m.siblings, 'adapter_config.json')
        OR len([s FOR s IN m.siblings IF ends_with(lower(s), '.gguf')]) > 0
        OR (list_contains(m.siblings, 'config.json')
            AND len([s FOR s IN m.siblings IF regexp_full_match(s, $weights)]) > 0)
    ) AND (f.own IS NULL OR len([s FOR s IN m.siblings IF regexp_matches(s, f.own)]) = 0)
    UNION
    SELECT id, 'task', pipeline_tag, 'empty_task' FROM models
    WHERE pipeline_tag IS NOT NULL AND trim(pipeline_tag) = ''
)
SELECT id, trait, value, rule FROM flags ORDER BY id, trait, value, rule
"""


def flag_params() -> dict[str, object]:
    """The parameters of :data:`INSERT_FLAGS` (the rules' constants)."""
    return {
        "min_run": MIN_LANGUAGE_RUN,
        "template_datasets": list(TEMPLATE_DATASETS),
        "foreign": list(FOREIGN_LIBRARIES),
        "own_files": list(FOREIGN_LIBRARIES.values()),
        "weights": TRANSFORMERS_WEIGHTS,
    }


#: Flags and flagged models per rule (every rule, zeros included), then all rules.
COUNTS = """
WITH rules AS (SELECT unnest($rules) AS rule, unnest($traits) AS trait, unnest($order) AS o)
SELECT * FROM (
    SELECT r.rule, r.trait, count(q.id) AS flags, count(DISTINCT q.id) AS models, r.o
    FROM rules r LEFT JOIN data_quality q ON q.rule = r.rule GROUP BY ALL
    UNION ALL
    SELECT 'all', 'all', count(*), count(DISTINCT id), 1000 FROM data_quality
) ORDER BY o
"""

COUNTS_SCHEMA = {"rule": pl.String, "trait": pl.String, "flags": pl.Int64, "models": pl.Int64}


def quality_counts(db: Path) -> pl.DataFrame:
    """Flags and flagged models per rule of a snapshot, and over all rules (``all``).

    Parameters
    ----------
    db
        A snapshot's ``hub.duckdb``.

    Returns
    -------
    polars.DataFrame
        ``rule``, ``trait``, ``flags`` (rows of ``data_quality``), ``models`` (distinct
        models): one row per rule of :data:`RULES` in that order, then ``all``.
    """
    params = {
        "rules": list(RULES),
        "traits": [trait for trait, _ in RULES.values()],
        "order": list(range(len(RULES))),
    }
    with connect_snapshot(db) as con:
        rows = con.execute(COUNTS, params).fetchall()
    return pl.DataFrame([r[:4] for r in rows], schema=COUNTS_SCHEMA, orient="row")


def write_quality_counts(db: Path, out: Path) -> pl.DataFrame:
    """Write :func:`quality_counts` as a TSV (``results/{snapshot}/data_quality.tsv``)."""
    table = quality_counts(db)
    write_tsv(table, out)
    return table
