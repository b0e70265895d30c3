"""The signals of undeclared kin, read from a snapshot in one pass of DuckDB string ops.

Each signal proposes (child, parent) pairs with the relation it implies and its evidence
(the matched suffix or text):

``name_quantized``, ``name_adapter``, ``name_finetune``, ``name_merge``
                   the child's name is a listed model's name plus a known suffix
                   (``-GGUF``, ``-Q4_K_M-GGUF``, ``-4bit``, ``-AWQ``, ``-lora-...``,
                   ``-sft``, a merge method, ...), the relation the suffix's;
``name_variant``   ... plus ``-Instruct``, ``-chat``, ``-it``, ``-base``, ``-v2``: a
                   fine-tune's suffix, and a lab's naming of its own sibling releases;
``name_prefix``    ... plus a suffix that names no relation (``-v2``, ``-mine``);
``name_reupload``  the very same name under another namespace;
``card_trainer``   Trainer's "fine-tuned version of [X](https://huggingface.co/X)";
``card_quantizer`` a quantizer's "Quantized/GGUF/AWQ/GPTQ version(s) of [X](...)" or
                   GGUF-my-repo's "converted to GGUF format from [X](...)";
``card_mergekit``  mergekit's YAML (``- model: X`` and ``base_model: X`` lines);
``card_peft``      PEFT's "Finetuned from model" / "Base model" lines;
``card_link``      any ``huggingface.co/ORG/NAME`` link in the card's first lines;
``card_text``      a pair a name signal proposed whose cards share a paragraph (of at
                   least :data:`PARAGRAPH_CHARS` characters, in at most
                   :data:`PARAGRAPH_CARDS` cards: a copied card, not a template);
``files_adapter``, ``files_gguf``
                   the child's files (the listing's ``siblings``) hold
                   ``adapter_config.json`` / a ``.gguf`` file and the pair's relation is
                   adapter / quantized: evidence for a pair another signal proposed.

The name signals match the longest proper ``-``-prefix of the name (case-insensitive)
that is another listed model's name, so ``X-sft-GGUF`` proposes ``X-sft`` before ``X``
(a re-upload, the whole name, is looked up beside it). A name ending in ``-<number>``
whose author also has the name without it (``a/X-sft-2`` beside ``a/X-sft``) is a second
upload: it is read as that name. When several models share the parent's name
(*namesakes*), the pair keeps the number of those whose ``model_type`` does not
disagree with the child's, and only the first :data:`NAMESAKES_KEPT` of each name and
``model_type`` (most declared children, then the oldest) are proposed by the name alone:
a popular name is carried by hundreds of models at the Hub's size. A parent that a card
names gets the name signal too when the child's name starts with its name. Card signals
read the first :data:`CARD_CHARS` characters of the body (front matter removed); a
template may name a model outside the snapshot (``external``), a bare link may not.
"""

from __future__ import annotations

import duckdb
import polars as pl

from phylohub.snapshot.connect import CARDS_WITH_TEXT

#: Characters of a card body read (after the front matter): templates put the parent first.
CARD_CHARS = 4000
#: Characters of the body where a bare link counts (``card_link``).
LINK_CHARS = 1500
#: Paragraphs shorter than this are headings and template lines, not text worth sharing.
PARAGRAPH_CHARS = 80
#: A paragraph in more cards than this is a template's, not a family's.
PARAGRAPH_CARDS = 50

#: Every signal, in the order the output lists them.
SIGNALS: tuple[str, ...] = (
    "name_quantized",
    "name_adapter",
    "name_finetune",
    "name_merge",
    "name_variant",
    "name_prefix",
    "name_reupload",
    "card_trainer",
    "card_quantizer",
    "card_mergekit",
    "card_peft",
    "card_link",
    "card_text",
    "files_adapter",
    "files_gguf",
)
#: Card signals that are a tool's template (they may name an external parent).
TEMPLATES: tuple[str, ...] = ("card_trainer", "card_quantizer", "card_mergekit", "card_peft")


def signal_code(signal: str) -> str:
    """A SQL expression giving the small integer code of the signal named by ``signal`` (a
    SQL expression): its place in :data:`SIGNALS`, from 0. The proposed rows carry this
    code, not the name: the ranking reads only which signals fired.

    >>> signal_code("s").endswith("'files_gguf'], s) - 1 AS UTINYINT)")
    True
    """
    names = ", ".join(f"'{s}'" for s in SIGNALS)
    return f"CAST(list_position([{names}], {signal}) - 1 AS UTINYINT)"


def codes(signals: tuple[str, ...]) -> str:
    """The codes of ``signals`` (:func:`signal_code`) as a SQL list for ``IN``.

    >>> codes(("name_prefix", "card_text"))
    '(5, 12)'
    """
    return "(" + ", ".join(str(SIGNALS.index(s)) for s in signals) + ")"


_ID = r"([A-Za-z0-9][\w.\-]*/[\w.\-]*[\w])"
#: The card templates: signal, relation, RE2 pattern whose last group is the parent id.
CARD_PATTERNS: tuple[tuple[str, str, str], ...] = (
    (
        "card_trainer",
        "finetune",
        r"fine-tuned version of \[[^\]]*\]\(https?://huggingface\.co/" + _ID,
    ),
    (
        "card_quantizer",
        "quantized",
        r"(?i)(?:quantized versions?|quantizations?|(?:gguf|awq|gptq|exl2|mlx|bnb|4-bit|8-bit)"
        r" (?:versions?|quants?|model)|converted to gguf format from)"
        r" of \[?`?[^\]\n]*\]?`?\(?https?://huggingface\.co/" + _ID,
    ),
    ("card_mergekit", "merge", r"(?m)^\s*(?:-\s*)?(?:model|base_model):\s*" + _ID + r"\s*$"),
    (
        "card_peft",
        "adapter",
        r"(?:Finetuned from model(?: \[optional\])?:\*\*|Base [Mm]odel:\*?\*?)\s*\[?" + _ID,
    ),
)
#: A bare link; first path segments that are not a namespace are dropped later.
LINK_PATTERN = r"huggingface\.co/" + _ID
_NOT_NAMESPACES = ("datasets", "spaces", "docs", "blog", "papers", "models", "settings", "join")

#: Suffix words, the name signal they fire and the relation they imply, tried in this
#: order on the tokens of the rest of the name (after the parent's name), split at ``-``,
#: ``_`` and ``.``. ``name_variant`` words (``-Instruct``, ``-chat``, ``-it``, ``-base``)
#: also name a lab's own sibling releases, so they are a signal of their own.
SUFFIX_SIGNALS: tuple[tuple[str, str, str], ...] = (
    ("name_finetune", "finetune", r"lora[-_.]merged|merged[-_.]lora"),
    (
        "name_quantized",
        "quantized",
        r"gguf|ggml|awq|gptq|exl2|mlx|bnb|int4|int8|fp8|nf4|onnx|\d+bits?|\d+(?:\.\d+)?bpw"
        r"|i?q\d(?:_k)?(?:_[msl0-9])*|f16|bf16",
    ),
    ("name_adapter", "adapter", r"q?lora|adapters?|peft"),
    ("name_merge", "merge", r"slerp|ties|dare|dare_ties|della|linear|passthrough|merged?|moe"),
    ("name_finetune", "finetune", r"sft|dpo|orpo|kto|rlhf|ft|finetuned?|fine|tuned|distilled"),
    ("name_variant", "finetune", r"instruct|chat|it|base|v\d+(?:\.\d+)?"),
)


def _suffix_sql(rest: str, column: int) -> str:
    """A SQL CASE giving the signal (``column`` 0) or relation (1) of the name's rest
    (``NULL``: no known word)."""
    arms = " ".join(
        f"WHEN regexp_matches({rest}, '(^|[-_.])({row[2]})($|[-_.])') THEN '{row[column]}'"
        for row in SUFFIX_SIGNALS
    )
    return f"CASE {arms} ELSE NULL END"


#: The model types (lower case), one per model: the config signal's input.
TYPES = """
CREATE TEMP TABLE kin_types AS
SELECT lower(id) AS lid, min(lower(model_type)) AS mtype FROM kin_types_given
WHERE model_type IS NOT NULL GROUP BY lower(id)
"""

#: The listed models, each with an integer ``key`` (in ``id`` order, so that ordering by
#: keys orders by ids: the ranking's last tie-break) and the key of its lower-case id
#: (``lkey``: ids that differ in case only share it): the pairs are found, joined, ranked
#: and grouped on these rather than on id strings, which are joined on at the very end.
#: ``lkey`` is only ever compared for (in)equality, so it is the least ``key`` of its
#: lower-case id (a window partitioned by it, hashed) rather than a ``dense_rank`` that
#: sorts every id a second time; the files' flags are read from ``siblings`` before the
#: window, so the lists are not carried through its sort (at 1.86M models 4.5 -> 3.3 CPU s).
MODELS = """
CREATE TEMP TABLE kin_models AS
WITH listed AS (
    SELECT id, lower(id) AS lid, author, created_at,
        coalesce(list_contains(siblings, 'adapter_config.json'), FALSE) AS has_adapter,
        coalesce(len(list_filter(siblings, lambda f: f ILIKE '%.gguf')) > 0, FALSE) AS has_gguf
    FROM models WHERE id LIKE '%/%'
), keyed AS (
    SELECT *, row_number() OVER (ORDER BY id) AS key FROM listed
)
SELECT m.id, m.lid, lower(m.author) AS author, lower(split_part(m.id, '/', 2)) AS name,
    m.created_at, coalesce(k.kids, 0) AS kids, t.mtype, m.has_adapter, m.has_gguf, m.key,
    min(m.key) OVER (PARTITION BY m.lid) AS lkey
FROM keyed m LEFT JOIN kin_types t ON t.lid = m.lid
LEFT JOIN (SELECT lower(parent) AS lid, count(DISTINCT child) AS kids FROM edges GROUP BY ALL) k
    ON k.lid = m.lid
"""

#: Namesakes of one name and one ``model_type`` proposed as a parent by its name alone
#: (the ranking's first ones: most declared children, then the oldest); a card may name
#: any other.
NAMESAKES_KEPT = 6


def name_signal(rest: str) -> str:
    return f"""CASE WHEN {rest} = '' THEN 'name_reupload'
         ELSE coalesce({_suffix_sql(rest, 0)}, 'name_prefix') END AS signal,
    coalesce({_suffix_sql(rest, 1)}, 'unknown') AS relation,
    CASE WHEN {rest} = '' THEN '(same name)' ELSE '-' || {rest} END AS evidence"""


#: The namesakes of a name that the config does not rule out for a child of type
#: ``mtype`` (columns of ``names`` n and ``typed`` t): all of them when the child's type is
#: unknown, else those of its type and those without one.
_COMPATIBLE = "CASE WHEN {c}.mtype IS NULL THEN n.namesakes ELSE n.untyped + coalesce(t.n, 0) END"

#: The name pairs; the suffix words' regular expressions run once per distinct rest of a
#: name (a few thousand), not once per pair (millions at the Hub's size). The pairs are
#: found and kept on the models' integer keys (``ckey``, ``pkey``): their ids are joined on
#: only for the pairs the ranking keeps (``phylohub.inference.infer.PAIRS``). ``stems``
#: holds each (author, name) once, so every model has one row of tokens and ``by_name`` no
#: duplicate; ``by_card`` has none either (distinct pairs, unique ids), so the union is
#: ``by_name`` plus the rows of ``by_card`` that it lacks (an anti-join), not a ``UNION``
#: over millions of rows. Each pair carries the rest of the child's name and the code of its
#: signal (:func:`signal_code`), not the signal, relation and evidence as strings: those are
#: read from the rest for the pairs the ranking keeps (``phylohub.inference.infer.PAIRS``).
#: What keeps it cheap (same rows; at 1.86M models 17 -> 12 CPU s, then 14.3 -> 11.5 CPU s
#: on one thread): the longest matching prefix is found once per distinct name (its
#: ``base``: the name, or a second upload's stem), not once per model, since whether a
#: prefix is a listed name depends on the name alone: the prefixes of 0.96M names, not of
#: 1.86M models, are cut and looked up, and an ``arg_max`` of the stem and of the rest
#: per name (no window, none of the model's columns carried through the aggregate) is
#: joined back to the models, whose namesakes of their type are counted then (the rest,
#: the tokens after the stem joined by ``-``, is the base past the stem and its ``-``:
#: ``substr``, not a second join of tokens); only the (name, type) groups with more
#: than :data:`NAMESAKES_KEPT` models are ranked (every model of a smaller one is kept);
#: the second uploads look up only the names ending in a number; each prefix's signal code
#: is joined on before the pairs multiply; and the card pairs' anti-join builds on the
#: name pairs of those card pairs, not on all of them. Only pairs whose parent is older
#: than the child are made (``created_at``, the constraint that
#: ``phylohub.inference.infer.PROPOSED`` puts on every pair): the others never reach the
#: ranking, and about four in ten name pairs were carried through the shared text and
#: the proposed rows' joins only to be dropped there.
NAME_PAIRS = f"""
CREATE TEMP TABLE name_pairs AS
WITH numbered AS (
    SELECT key, author, regexp_replace(name, '-\\d+$', '') AS stem FROM kin_models
    WHERE regexp_matches(name, '-\\d+$')
), seconds AS (
    SELECT key, stem FROM numbered n
    SEMI JOIN kin_models m ON m.author = n.author AND m.name = n.stem
), based AS (
    SELECT m.key, m.lkey, m.author, m.mtype, m.created_at, coalesce(o.stem, m.name) AS base
    FROM kin_models m LEFT JOIN seconds o ON o.key = m.key
), prefixes AS (
    SELECT base, k, array_to_string(t[1:k], '-') AS stem
    FROM (SELECT base, t, unnest(range(1, len(t) + 1)) AS k
        FROM (SELECT base, string_split(base, '-') AS t FROM (SELECT DISTINCT base FROM based)))
), names AS (
    SELECT name, count(*) AS namesakes, count(*) FILTER (WHERE mtype IS NULL) AS untyped
    FROM kin_models GROUP BY name
), typed AS (
    SELECT name, mtype, count(*) AS n FROM kin_models WHERE mtype IS NOT NULL GROUP BY ALL
), found AS (
    SELECT p.base, p.k, p.stem, substr(p.base, length(p.stem) + 2) AS rest
    FROM prefixes p JOIN names n ON n.name = p.stem
    WHERE rest <> '' OR n.namesakes > 1
), longest AS (
    SELECT base, arg_max(stem, k) AS stem, arg_max(rest, k) AS rest
    FROM found GROUP BY base, rest = ''
), best AS (
    SELECT b.key, b.lkey, b.author, b.mtype, b.created_at, l.stem, l.rest,
        {_COMPATIBLE.format(c="b")} AS namesakes
    FROM based b JOIN longest l ON l.base = b.base JOIN names n ON n.name = l.stem
    LEFT JOIN typed t ON t.name = l.stem AND t.mtype = b.mtype
), crowded AS (
    SELECT name, mtype FROM kin_models GROUP BY ALL HAVING count(*) > {NAMESAKES_KEPT}
), kept AS (
    SELECT key, lkey, author, name, created_at FROM kin_models m
    ANTI JOIN crowded c ON c.name = m.name AND c.mtype IS NOT DISTINCT FROM m.mtype
    UNION ALL
    SELECT key, lkey, author, name, created_at FROM (SELECT *, row_number() OVER (
        PARTITION BY name, mtype ORDER BY kids DESC, created_at, id) AS r
        FROM kin_models m SEMI JOIN crowded c
        ON c.name = m.name AND c.mtype IS NOT DISTINCT FROM m.mtype)
    WHERE r <= {NAMESAKES_KEPT}
), by_card AS (
    SELECT c.key AS ckey, m.key AS pkey, substr(c.name, length(m.name) + 2) AS rest,
        greatest({_COMPATIBLE.format(c="c")}, 1) AS namesakes
    FROM (SELECT DISTINCT ckey, pkey FROM card_pairs WHERE listed AND ckey IS NOT NULL) cp
    JOIN kin_models c ON c.key = cp.ckey
    JOIN kin_models m ON m.key = cp.pkey
    JOIN names n ON n.name = m.name
    LEFT JOIN typed t ON t.name = m.name AND t.mtype = c.mtype
    WHERE starts_with(c.name, m.name || '-') AND m.created_at < c.created_at
), rests AS (
    SELECT rest, {signal_code("signal")} AS sig
    FROM (SELECT rest, {name_signal("rest")}
        FROM (SELECT rest FROM best UNION SELECT rest FROM by_card))
), hits AS MATERIALIZED (
    SELECT b.*, r.sig FROM best b JOIN rests r ON r.rest = b.rest
), by_name AS (
    SELECT h.key AS ckey, m.key AS pkey, h.rest, h.sig,
        greatest(h.namesakes - CAST(h.rest = '' AS BIGINT), 1) AS namesakes
    FROM hits h JOIN kept m ON m.name = h.stem AND m.lkey <> h.lkey
    WHERE (h.rest <> '' OR m.author <> h.author) AND m.created_at < h.created_at
)
SELECT ckey, pkey, rest, sig, namesakes FROM by_name
UNION ALL
SELECT c.ckey, c.pkey, c.rest, r.sig, c.namesakes
FROM (SELECT * FROM by_card ANTI JOIN (SELECT * FROM by_name SEMI JOIN by_card
    USING (ckey, pkey, rest, namesakes)) USING (ckey, pkey, rest, namesakes)) c
JOIN rests r ON r.rest = c.rest
"""


def _q(text: str) -> str:
    return text.replace("'", "''")


#: Characters of a card's text in which its front matter is looked for.
FRONT_CHARS = 20000

#: Per card pattern (and ``card_link``), strings one of which every match contains: the
#: pattern runs only on the bodies that hold one (``contains`` is a byte search, the
#: patterns a regular expression each over 4,000 characters of every card). The
#: quantizer's pattern ignores case, so its guard is its ``.co/`` in every case. A guard
#: costs a pass over every body per string, the pattern a pass over the bodies it passes:
#: the PEFT guard names its labels whole (``odel:`` let through every card with a
#: ``model:`` line), measured 0.9 CPU s less of the scan's ~20 s at 1.86M models.
GUARDS: dict[str, tuple[str, ...]] = {
    "card_trainer": ("fine-tuned version of [",),
    "card_quantizer": (".co/", ".Co/", ".cO/", ".CO/"),
    "card_mergekit": ("model:",),
    "card_peft": ("Finetuned from model", "Base Model:", "Base model:"),
    "card_link": ("huggingface.co/",),
}
#: Per pattern, a string every match also contains, looked for before its :data:`GUARDS`:
#: the quantizer's link has ``://`` in any case, one pass that spares its four.
REQUIRED: dict[str, str] = {"card_quantizer": "://"}


def _guarded(signal: str, text: str, pattern: str, guard: bool) -> str:
    """``regexp_extract_all`` of ``pattern`` in ``text`` (the body or its start), run only
    where the body holds the signal's :data:`REQUIRED` string and one of its :data:`GUARDS`
    (else no match: the same list, far fewer regular expressions), or everywhere when
    not ``guard``."""
    extract = f"regexp_extract_all({text}, '{_q(pattern)}', 1)"
    if not guard:
        return f"{extract} AS {signal}"
    return f"CASE WHEN {held(signal)} THEN {extract} ELSE []::VARCHAR[] END AS {signal}"


def held(signal: str) -> str:
    """A SQL condition on ``body``: whether it holds the :data:`REQUIRED` string and one
    of the :data:`GUARDS` of ``signal`` (its pattern can match only then)."""
    cond = " OR ".join(f"contains(body, '{_q(g)}')" for g in GUARDS[signal])
    if signal in REQUIRED:
        cond = f"contains(body, '{_q(REQUIRED[signal])}') AND ({cond})"
    return cond


def _scan_columns(guard: bool = True) -> str:
    """The card scan's columns; ``guard=False`` runs every pattern on every card (the
    plain reference the tests hold the guarded scan to)."""
    cols = [_guarded(signal, "body", pattern, guard) for signal, _, pattern in CARD_PATTERNS]
    cols.append(_guarded("card_link", f"left(body, {LINK_CHARS})", LINK_PATTERN, guard))
    cols.append(
        "list_distinct(list_transform(list_filter(string_split(body, chr(10) || chr(10)),"
        f" lambda p: length(p) >= {PARAGRAPH_CHARS}), lambda p: hash(p))) AS paras"
    )
    return ",\n    ".join(cols)


#: The card's text after leading blanks (a BOM too), in its first :data:`FRONT_CHARS`
#: characters: a text of at most that many bytes is taken whole (``strlen`` counts bytes,
#: so it has no more characters), which spares cutting (counting characters) nearly all.
_HEAD = (
    f"ltrim(CASE WHEN strlen(text) <= {FRONT_CHARS} THEN text ELSE left(text, {FRONT_CHARS}) END,"
    " ' ' || chr(9) || chr(10) || chr(13) || chr(65279))"
)
#: Where the front matter's closing ``\n---`` starts (0: none). A head starting with
#: ``---`` has no newline in its first three characters, so the first ``\n---`` of the
#: whole head is the first after the opening one.
_CLOSE = "instr(s, chr(10) || '---')"


#: The cards' bodies (``id``, ``body``: the first :data:`CARD_CHARS` characters after the
#: front matter, when it closes within the head), as common table expressions: cut with
#: string functions, not a regular expression, since this is the scan's hot loop. The
#: texts are read from the view :data:`~phylohub.snapshot.CARDS_WITH_TEXT` of
#: ``cards.parquet`` (:func:`~phylohub.snapshot.attach_card_texts`).
BODIES = f"""heads AS (
    SELECT id, {_HEAD} AS s FROM {CARDS_WITH_TEXT} WHERE text IS NOT NULL
), bodies AS (
    SELECT id, CASE WHEN starts_with(s, '---') AND {_CLOSE} > 0
        THEN substr(s, {_CLOSE} + 4, {CARD_CHARS}) ELSE left(s, {CARD_CHARS}) END AS body
    FROM heads
)"""


def card_scan(guard: bool = True) -> str:
    """One pass over the cards' :data:`BODIES`: each template's matches, the links and
    the hashes of the paragraphs. No body is kept."""
    return f"""
CREATE TEMP TABLE card_scan AS
WITH {BODIES}
SELECT id,
    {_scan_columns(guard)}
FROM bodies
"""


CARD_SCAN = card_scan()


def _card_union() -> str:
    parts = [
        f"SELECT id AS child, unnest({signal}) AS parent, '{signal}' AS signal,"
        f" '{relation}' AS relation FROM card_scan"
        for signal, relation, _ in CARD_PATTERNS
    ]
    parts.append(
        "SELECT id AS child, unnest(card_link) AS parent, 'card_link' AS signal,"
        " 'unknown' AS relation FROM card_scan"
    )
    return "\nUNION ALL\n".join(parts)


#: The pairs the cards name: the child's key (``NULL`` when it is not listed) and the
#: parent's (for a parent outside the snapshot, filled in by :data:`EXTERNAL`).
CARD_PAIRS = f"""
CREATE TEMP TABLE card_pairs AS
WITH found AS (
{_card_union()}
)
SELECT DISTINCT f.child, coalesce(m.id, f.parent) AS parent, f.signal, f.relation,
    f.parent AS evidence, m.id IS NOT NULL AS listed, c.key AS ckey, m.key AS pkey,
    {signal_code("f.signal")} AS sig
FROM found f LEFT JOIN kin_models m ON m.lid = lower(f.parent)
LEFT JOIN kin_models c ON c.id = f.child
WHERE lower(f.parent) <> lower(f.child)
    AND lower(split_part(f.parent, '/', 1)) NOT IN {_NOT_NAMESPACES}
    AND (m.id IS NOT NULL OR f.signal <> 'card_link')
"""

#: The parents a template names outside the snapshot, keyed after every listed model in
#: ``id`` order (no external id is a listed one: those are listed), so that ordering the
#: keys of one child's parents orders their ids, listed and external alike; their keys are
#: written into ``card_pairs``, so every card pair has a ``pkey``.
EXTERNAL = """
CREATE TEMP TABLE kin_external AS
SELECT (SELECT coalesce(max(key), 0) FROM kin_models) + row_number() OVER (ORDER BY parent) AS key,
    parent AS id
FROM (SELECT DISTINCT parent FROM card_pairs WHERE NOT listed);
UPDATE card_pairs SET pkey = e.key FROM kin_external e
WHERE NOT card_pairs.listed AND e.id = card_pairs.parent
"""

#: The name pairs whose cards share a paragraph (``ckey``, ``pkey``, ``shared``), found on
#: the models' integer keys. The paragraphs are paired first (two cards holding one
#: paragraph of at most :data:`PARAGRAPH_CARDS` cards: 9.4M pairs at 1.86M models, 4.3M of
#: them a card with itself) and those pairs kept that are name pairs (a semi-join, which
#: counts no name pair twice), rather than the millions of name pairs made distinct and
#: joined to each side's paragraphs: the same counts (each a pair's paragraphs held by both
#: cards), at 1.86M models 5.0 -> 3.5 CPU s. Only pairs of an older parent (``pkey``) and a
#: younger child are paired (every name pair is such a pair,
#: :data:`NAME_PAIRS`): 2.5M of those 9.4M, counted per pair (1.2M pairs); the name pairs
#: among them are found by probing the 13M name pairs against these (``named``, a hash
#: table of 1.2M pairs rather than one of the 13M name pairs), and the counted pairs kept
#: that are such a name pair (a semi-join: no pair twice), at 1.86M models about 5.1 -> 3.9
#: CPU s of the statement.
TEXT_PAIRS = f"""
CREATE TEMP TABLE text_pairs AS
WITH paras AS (
    SELECT m.key, m.created_at, unnest(s.paras) AS h
    FROM card_scan s JOIN kin_models m ON m.id = s.id
), counts AS (
    SELECT h, count(*) AS cards FROM (SELECT unnest(paras) AS h FROM card_scan) GROUP BY h
), common AS (
    SELECT p.key, p.created_at, p.h FROM paras p JOIN counts c ON c.h = p.h
    WHERE c.cards <= {PARAGRAPH_CARDS}
), shared AS (
    SELECT a.key AS ckey, b.key AS pkey, count(*) AS shared
    FROM common a JOIN common b ON b.h = a.h AND b.created_at < a.created_at
    GROUP BY a.key, b.key
), named AS (
    SELECT ckey, pkey FROM name_pairs SEMI JOIN shared USING (ckey, pkey)
)
SELECT * FROM shared SEMI JOIN named USING (ckey, pkey)
"""


def read_signals(con: duckdb.DuckDBPyConnection, types: pl.DataFrame | None) -> None:
    """Fill the temporary tables ``kin_types`` (from ``types``: ``id``, ``model_type``;
    empty when None), ``kin_models``, ``card_pairs``, ``kin_external``, ``name_pairs`` and
    ``text_pairs`` (the last two keyed by ``kin_models.key`` only)."""
    if types is None:
        types = pl.DataFrame(schema={"id": pl.String, "model_type": pl.String})
    con.register("kin_types_given", types.to_arrow())
    con.execute(TYPES)
    con.unregister("kin_types_given")
    con.execute(MODELS)
    con.execute(CARD_SCAN)
    con.execute(CARD_PAIRS)
    con.execute(EXTERNAL)
    con.execute(NAME_PAIRS)
    con.execute(TEXT_PAIRS)
