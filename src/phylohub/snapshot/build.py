"""Build ``hub.duckdb`` (and one parquet file per table) from the crawl's parquet files.

The work is DuckDB SQL over the parquet files (:mod:`phylohub.snapshot.sql`); Python only
checks the inputs, runs the statements in order and moves the finished files into place.
Steps:

1. Check that every input file exists and has the crawl's columns.
2. Reconcile (reading only ``id`` and ``status``): no duplicate or null ids on either side,
   every listed model has exactly one card row and every card row is a listed model,
   every status is known, and the listing holds the number of models its manifest says;
   then every entry is valid JSON (the one parse of the entries, which ``models`` and the
   config summary read). Any failure raises :class:`~phylohub.errors.PhylohubError`
   naming the counts and a few ids, before anything is built.
3. Build the tables into a database in a hidden work folder beside ``out_db``, export
   them to parquet there, then move both into place (``out_db`` is replaced by a rename),
   so a failed build leaves nothing behind.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from numpy.typing import NDArray

from phylohub.crawl.schema import CARD_ENCODINGS, CARD_SCHEMA, CARD_STATUSES, LISTING_SCHEMA
from phylohub.errors import PhylohubError
from phylohub.snapshot import quality, sql
from phylohub.snapshot.connect import CARDS_PARQUET, connect_snapshot
from phylohub.snapshot.languages import iso_639_table
from phylohub.snapshot.tables import (
    KNOWN_PREFIXES,
    MALFORMED_REASONS,
    RELATIONS,
    TABLE_BY_NAME,
    TABLES,
)
from phylohub.vocabulary import EDGE_RELATIONS

log = logging.getLogger(__name__)

#: Version of the snapshot's table layout (``summary.schema_version``). 4 added
#: ``model_type``, ``architectures`` and ``quantization``; 5 ``config_fields``; 6 moved
#: the card texts to ``cards.parquet`` alone (no ``text`` in the cards table).
SCHEMA_VERSION = 6
#: The Hub's back-filled ``createdAt`` (repositories created before dates were recorded).
BACKFILL = datetime(2022, 3, 2, 23, 29, 4)
#: Card bytes per batch of the cards' insert: about the most card text the build holds at
#: once (1.86M models have 4 GB of card text: 16 batches). The shards are read once
#: whatever the batches; a batch in Arrow (sorted, inserted, written to parquet) beside
#: DuckDB's buffers is most of the build's peak memory (500 MB batches: 3.4 GB at 1.86M).
CARD_BATCH_BYTES = 250_000_000
#: DuckDB's memory limit in the build, whatever the job may use: its buffers filled
#: whatever limit they were given (4-6 GB resident at 1.86M models under the 5.8 GB that
#: 3/4 of the rule's request allowed); the cards' sort is done in Arrow, batch by batch.
#: With a batch of cards in Arrow beside it, the build stays under 3 GB. Whether the
#: listing's steps (``models``, ``tags``) spill at this limit was not measured apart: they
#: took 1.4-2x longer in the one run with it, on a machine busier than the run before.
DUCKDB_MEMORY_MB = 1500
#: Rows per chunk streamed out of DuckDB by each reader of the card shards (about 200 MB
#: of card text at 1.86M models; one chunk per reader is in memory at a time).
ROUTE_CHUNK_ROWS = 100_000
#: Bytes of card text :func:`count_words` takes at a time: its buffers stay in the CPU's
#: cache (256 KB: 0.34 s of CPU on a 212 MB chunk of the 1.86M crawl's cards, 0.43 s at
#: 64 KB and at 1 MB, 1.24 s for the whole chunk at once).
WORD_BLOCK_BYTES = 1 << 18
#: Rows per row group of ``cards.parquet`` (DuckDB's own row group size).
ROW_GROUP_ROWS = 122_880
#: The cards' table: ``cards.parquet`` holds its columns, ``hub.duckdb`` all but the texts.
CARDS = TABLE_BY_NAME["cards"]
#: Columns of ``cards.parquet`` dictionary-encoded (few distinct values); the texts and
#: ids are not (dictionary encoding of unique values is tried and dropped, at a cost).
DICTIONARY_COLUMNS = ("status", "http_status", "message", "encoding", "source")
#: The cards step of the build (it runs batch by batch, see ``_insert_cards``).
CARDS_STEP = "cards"
#: How many offending ids an error message names.
EXAMPLES = 5


@dataclass(frozen=True)
class SnapshotSummary:
    """The counts of a snapshot (the ``summary`` table), for later stages and reports.

    Attributes
    ----------
    models, tags, edges, cards, malformed_tags
        Rows of those tables.
    edges_by_relation
        Edges per relation (finetune, adapter, quantized, merge, unknown; zeros included).
    edges_parent_missing
        Edges whose parent is not a listed model.
    cards_by_status
        Card rows per status (every status of the crawl, zeros included).
    cards_by_encoding
        Cards with text (status ok) per encoding (utf-8, bom, invalid-utf-8; zeros included).
    cards_auto_generated, cards_truncated
        Cards whose text is auto-generated / was cut at the crawl's cap.
    cards_sha_mismatch
        Card rows fetched at another sha than the listing's.
    malformed_by_reason
        Malformed tags per reason (zeros included).
    self_loops
        Models with a ``base_model`` tag naming themselves.
    listing_parts, card_shards
        Input files read.
    card_requests
        Requests the card crawl sent, by every run of it (a killed run's too):
        :func:`crawl_requests`. None: a database built before it was recorded.
    """

    models: int
    tags: int
    edges: int
    edges_by_relation: Mapping[str, int]
    edges_parent_missing: int
    cards: int
    cards_by_status: Mapping[str, int]
    cards_by_encoding: Mapping[str, int]
    cards_auto_generated: int
    cards_truncated: int
    cards_sha_mismatch: int
    malformed_tags: int
    malformed_by_reason: Mapping[str, int]
    self_loops: int
    listing_parts: int
    card_shards: int
    card_requests: int | None = None

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, int]]) -> SnapshotSummary:
        """Read the ``summary`` table's (name, value) rows.

        Parameters
        ----------
        rows
            Pairs as stored in ``summary``.

        Returns
        -------
        SnapshotSummary
            The counts.
        """
        values = {name: int(value) for name, value in rows}

        def group(prefix: str, keys: Iterable[str]) -> dict[str, int]:
            return {k: values[f"{prefix}.{k}"] for k in keys}

        return cls(
            models=values["models"],
            tags=values["tags"],
            edges=values["edges"],
            edges_by_relation=group("edges", EDGE_RELATIONS),
            edges_parent_missing=values["edges.parent_missing"],
            cards=values["cards"],
            cards_by_status=group("cards", CARD_STATUSES),
            cards_by_encoding=group("cards.encoding", CARD_ENCODINGS),
            cards_auto_generated=values["cards.auto_generated"],
            cards_truncated=values["cards.truncated"],
            cards_sha_mismatch=values["cards.sha_mismatch"],
            malformed_tags=values["malformed_tags"],
            malformed_by_reason=group("malformed_tags", MALFORMED_REASONS),
            self_loops=values["self_loops"],
            listing_parts=values["listing_parts"],
            card_shards=values["card_shards"],
            card_requests=values.get("card_requests"),
        )


def read_listing_manifest(manifest: Path) -> tuple[list[Path], int]:
    """The listing parts a manifest names (beside it) and the number of models it counts.

    Parameters
    ----------
    manifest
        ``results/{snapshot}/crawl/listing/manifest.json``, as the crawl writes it.

    Returns
    -------
    tuple[list[pathlib.Path], int]
        The part files, in the manifest's order, and its ``models`` count.

    Raises
    ------
    PhylohubError
        When the manifest cannot be read or lacks ``parts``/``models``.
    """
    try:
        data = json.loads(Path(manifest).read_text())
        parts = [Path(manifest).parent / str(p) for p in data["parts"]]
        return parts, int(data["models"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PhylohubError(f"cannot read listing manifest {manifest}: {exc!r}") from exc


def read_summary(db: Path) -> SnapshotSummary:
    """The :class:`SnapshotSummary` stored in a built ``hub.duckdb``.

    Parameters
    ----------
    db
        A snapshot database.

    Returns
    -------
    SnapshotSummary
        Its counts.
    """
    with connect_snapshot(db) as con:
        return SnapshotSummary.from_rows(con.execute(sql.SELECT_SUMMARY).fetchall())


def build_snapshot(
    listing_parts: Sequence[Path],
    card_shards: Sequence[Path],
    out_db: Path,
    parquet_dir: Path,
    *,
    expected_models: int | None = None,
    config_shards: Sequence[Path] = (),
    threads: int | None = None,
    memory_mb: int | None = None,
    card_batch_bytes: int = CARD_BATCH_BYTES,
) -> SnapshotSummary:
    """Merge the listing parts and card shards into ``out_db`` and ``parquet_dir``.

    Parameters
    ----------
    listing_parts
        Listing part files (:data:`~phylohub.crawl.schema.LISTING_SCHEMA`).
    card_shards
        Card shard files (:data:`~phylohub.crawl.schema.CARD_SCHEMA`).
    out_db
        The DuckDB file to write (replaced if it exists).
    parquet_dir
        The folder to write one ``<table>.parquet`` per table into (replaced if it exists).
    expected_models
        The number of models the listing's manifest counts, checked when given.
    config_shards
        ``config.json`` shard files (``crawl.configs``, the card schema), read into
        ``config_fields``; none leaves it empty.
    threads
        DuckDB threads (default: every core).
    memory_mb
        The memory budget of the job in MB. DuckDB's limit is set to 3/4 of it (the limit
        bounds its buffers, not every allocation), at most :data:`DUCKDB_MEMORY_MB`, and
        it spills to the work folder beyond it. Default: :data:`DUCKDB_MEMORY_MB`.
    card_batch_bytes
        The cards are inserted in batches of ids holding about this many card bytes
        each (:data:`CARD_BATCH_BYTES`), one batch's texts in memory at a time.

    Returns
    -------
    SnapshotSummary
        The counts of the snapshot.

    Raises
    ------
    PhylohubError
        When an input is missing or not a crawl file, when the counts do not reconcile,
        or when DuckDB runs out of memory; nothing is written then.
    """
    start = time.monotonic()
    listing_parts = [Path(p) for p in listing_parts]
    card_shards = [Path(p) for p in card_shards]
    out_db, parquet_dir = Path(out_db), Path(parquet_dir)
    _check_files(listing_parts, LISTING_SCHEMA, "listing part")
    _check_files(card_shards, CARD_SCHEMA, "card shard")
    config_shards = [Path(p) for p in config_shards]
    if config_shards:  # crawl.configs: none crawls none
        _check_files(config_shards, CARD_SCHEMA, "config shard")
    log.info(
        "reading %d listing part(s) and %d card shard(s)", len(listing_parts), len(card_shards)
    )

    out_db.parent.mkdir(parents=True, exist_ok=True)
    work = out_db.parent / f".{out_db.name}.build"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        tmp_db = work / out_db.name
        con = _connect(tmp_db, work / "spill", threads, memory_mb)
        try:
            # temporary views: they do not outlive the connection
            con.register("listing_raw", con.read_parquet([str(p) for p in listing_parts]))
            con.register("cards_raw", con.read_parquet([str(p) for p in card_shards]))
            con.register(
                "configs_raw",
                con.read_parquet([str(p) for p in config_shards])
                if config_shards
                else CARD_SCHEMA.empty_table(),
            )
            _reconcile(con, expected_models)
            (work / "parquet").mkdir()
            _build(con, len(listing_parts), card_shards, card_batch_bytes, work)
            summary = SnapshotSummary.from_rows(con.execute(sql.SELECT_SUMMARY).fetchall())
            _export(con, work / "parquet")
            con.execute(sql.CHECKPOINT)
        except duckdb.OutOfMemoryException as exc:
            raise PhylohubError(
                f"the snapshot build ran out of memory ({exc}); give it more (mem_mb)"
            ) from exc
        finally:
            con.close()
        if parquet_dir.exists():
            shutil.rmtree(parquet_dir)
        parquet_dir.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(work / "parquet", parquet_dir)
        tmp_db.replace(out_db)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info(
        "snapshot built in %.1f s: %d models, %d edges, %d malformed tags -> %s",
        time.monotonic() - start,
        summary.models,
        summary.edges,
        summary.malformed_tags,
        out_db,
    )
    return summary


# --------------------------------------------------------------------------- internals


def _check_files(paths: Sequence[Path], schema: pa.Schema, what: str) -> None:
    if not paths:
        raise PhylohubError(f"no {what}s given: the snapshot needs at least one")
    wanted = set(schema.names)
    for path in paths:
        if not path.is_file():
            raise PhylohubError(f"{what} {path} does not exist")
        try:
            names = set(pq.read_schema(path).names)
        except (OSError, pa.ArrowException) as exc:
            raise PhylohubError(f"{what} {path} is not a readable parquet file: {exc}") from exc
        missing = sorted(wanted - names)
        if missing:
            raise PhylohubError(f"{what} {path} lacks the column(s) {', '.join(missing)}")


def _connect(
    db: Path, spill: Path, threads: int | None, memory_mb: int | None
) -> duckdb.DuckDBPyConnection:
    config: dict[str, Any] = {"preserve_insertion_order": True, "temp_directory": str(spill)}
    if threads is not None:
        config["threads"] = max(1, int(threads))
    limit = (
        DUCKDB_MEMORY_MB if memory_mb is None else min(DUCKDB_MEMORY_MB, int(memory_mb) * 3 // 4)
    )
    config["memory_limit"] = f"{max(256, limit)}MB"
    con = duckdb.connect(str(db), config=config)
    con.execute(sql.SET_UTC)
    return con


def count_words(texts: pa.Array, block: int = WORD_BLOCK_BYTES) -> pa.Array:
    """Words of each text: runs of bytes other than ASCII whitespace (``bytes.split()``,
    Python's ``str.split()`` on ASCII text); NULL stays NULL.

    The build calls it on chunks of the card texts in Arrow. It works on the
    chunk's bytes with NumPy (a word starts at a byte that is not whitespace where the
    byte before is whitespace or the text begins), with no Python object per text or
    word: ``len(t.split())`` per text made every word a ``bytes`` object and took about
    35 s of CPU (with the GIL held) over the 4 GB of text of 1.86M models. The bytes are
    taken ``block`` at a time (:data:`WORD_BLOCK_BYTES`) into buffers reused from block
    to block: over a whole chunk at once every step made a temporary as large as the
    chunk's text (about 200 MB, page-faulted afresh each time) and ran from memory, at
    3.6x the CPU (6.2 s per GB of text against 1.7). Each block's word beginnings are
    summed between the texts' bounds that fall in it (``np.add.reduceat``), not listed
    one by one and searched: listing the positions (about one byte in six) took about
    two thirds of the 1.7-1.9 s per GB, which is now about 0.7.

    Examples
    --------
    >>> count_words(pa.array(["a  b\\tc\\n", "", None, "x\\u00a0y", " \\x0b\\x0c"])).to_pylist()
    [3, 0, None, 1, 0]
    >>> count_words(pa.array(["one two", " three", "four  "]), block=2).to_pylist()
    [2, 1, 1]
    """
    array = texts.cast(pa.large_binary())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    n = len(array)
    offsets = np.frombuffer(array.buffers()[1], np.int64, count=n + 1, offset=array.offset * 8)
    start, end = int(offsets[0]), int(offsets[-1])
    data = array.buffers()[2]
    raw = (
        np.frombuffer(data, np.uint8, count=end - start, offset=start)
        if end > start and data is not None
        else np.zeros(0, np.uint8)
    )
    bounds = offsets - start  # text i is raw[bounds[i]:bounds[i + 1]]
    firsts = bounds[:-1][bounds[:-1] < bounds[1:]]  # the first byte of each non-empty text
    # before[i]: word beginnings before bounds[i], filled block by block
    before = np.zeros(n + 1, np.int64)
    found = 0
    size = min(block, len(raw))
    shifted, word, begins = (
        np.empty(m, t) for m, t in ((size, np.uint8), (size + 1, bool), (size, bool))
    )
    for low in range(0, len(raw), block):
        high = min(low + block, len(raw))
        m = high - low
        _word_bytes(raw[low:high], shifted[:m], word[1 : m + 1], begins[:m])
        # the byte before the block (the first block has none: a text's first byte is
        # taken care of below whatever comes before it)
        word[0] = low > 0 and _is_word_byte(int(raw[low - 1]))
        np.greater(word[1 : m + 1], word[:m], out=begins[:m])  # a word byte after a space
        head = firsts[np.searchsorted(firsts, low) : np.searchsorted(firsts, high)] - low
        begins[head] = word[head + 1]  # a text's first byte begins a word if it is one
        # the bounds in (low, high]: the beginnings before them are those of the earlier
        # blocks and this block's before them, summed between the block's distinct bounds
        # (not the positions of every beginning listed and searched: about 3.5x the CPU)
        b0, b1 = np.searchsorted(bounds, [low, high], side="right")
        inner = bounds[b0:b1] - low  # in (0, m]
        cuts = np.unique(np.concatenate(([0], inner[inner < m])))
        # summed as uint32 (a block's beginnings are fewer than 2**32): half the CPU of int64
        between = np.add.reduceat(begins[:m].view(np.uint8), cuts, dtype=np.uint32)
        sums = np.cumsum(between, dtype=np.int64)
        # sums[j - 1]: the beginnings before cuts[j] (before m for j == len(cuts))
        before[b0:b1] = found + sums[np.searchsorted(cuts, inner) - 1]
        found += int(sums[-1])
    counts = np.diff(before)
    return pa.array(counts, type=pa.int64(), mask=array.is_null().to_numpy(zero_copy_only=False))


def _word_bytes(
    raw: NDArray[np.uint8],
    shifted: NDArray[np.uint8],
    out: NDArray[np.bool_],
    spare: NDArray[np.bool_],
) -> None:
    """``out[i]``: whether ``raw[i]`` is not ASCII whitespace (space and the bytes 9-13,
    tab to CR, as ``bytes.split()`` knows them), in the buffers given (no allocation)."""
    np.subtract(raw, np.uint8(9), out=shifted)  # wraps around below 9: only 9-13 land in 0-4
    np.greater(shifted, 4, out=out)
    np.not_equal(raw, 32, out=spare)
    out &= spare


def _is_word_byte(byte: int) -> bool:
    return byte != 32 and not 9 <= byte <= 13


#: The phrases that make a card ``auto_generated`` (the paper's test, in any case).
AUTO_GENERATED_PHRASES = ("automatically generated", "generated automatically")
#: The word both phrases hold: only texts that hold it are searched for the phrases.
AUTO_GENERATED_WORD = "automatically"
#: U+0130, the one code point beyond ASCII that DuckDB's ``lower`` turns into a letter of
#: :data:`AUTO_GENERATED_PHRASES` (``i``), which :func:`auto_generated` replaces first.
DOTTED_CAPITAL_I = "\u0130"


def auto_generated(texts: pa.Array) -> pa.Array:
    """Whether each text holds one of :data:`AUTO_GENERATED_PHRASES` in any case: what
    ``contains(lower(text), phrase)`` (``ILIKE``) answers in DuckDB; NULL stays NULL.

    Arrow's case-insensitive search (RE2, 0.34 s of CPU per GB of card text for a phrase)
    instead of DuckDB's ``lower`` and ``contains`` (2.7 s per GB: every text lower-cased
    into a copy); the phrases are looked for only in the texts that hold
    :data:`AUTO_GENERATED_WORD`, which every match holds (at 1.86M models one card in six
    does: 1.27 -> 0.88 s of CPU per GB of text). The two agree on every text: the phrases
    are ASCII letters without ``k`` or ``s``, which RE2 matches in either ASCII case and
    nothing else (no code point beyond ASCII case-folds to them), and the only code point
    beyond ASCII that DuckDB's ``lower`` turns into one of them is U+0130 (``İ`` ->
    ``i``), replaced by ``i`` first in the texts that hold it (a test checks every code
    point, and random texts).

    Examples
    --------
    >>> texts = ["GENERATED Automatically", "automat\u0130cally generated", "x", None]
    >>> auto_generated(pa.array(texts)).to_pylist()
    [True, True, False, None]
    """
    texts = texts.cast(pa.large_string())
    # found with RE2's search for the literal, not ``match_substring``: Arrow's plain
    # substring search took about 18 times the CPU (0.43 against 0.024 s on a 212 MB
    # chunk of card text), more than the two phrases' case-insensitive search together
    dotted = pc.match_substring_regex(texts, DOTTED_CAPITAL_I)
    if pc.any(dotted).as_py():
        texts = pc.if_else(dotted, pc.replace_substring(texts, DOTTED_CAPITAL_I, "i"), texts)
    # both phrases hold AUTO_GENERATED_WORD: one search for it, then the phrases only in
    # the texts that hold it (each search reads every byte of the texts it is given)
    maybe = pc.match_substring(texts, AUTO_GENERATED_WORD, ignore_case=True)
    held = maybe.fill_null(False)
    some = texts.filter(held)
    found = [pc.match_substring(some, p, ignore_case=True) for p in AUTO_GENERATED_PHRASES]
    return pc.replace_with_mask(maybe, held, pc.or_(*found))


def front_matter_chars(texts: pa.Array) -> pa.Array:
    """Characters of each text's YAML front matter, found exactly as huggingface_hub's
    ``RepoCard`` finds it, with its own pattern (``repocard.REGEX_YAML_BLOCK``, the Hub's):
    blank lines may come before the first ``---``, a block ends at the first line ``---``
    after it and takes the line break that follows; 0 without one; NULL stays NULL.

    In Arrow (RE2, :data:`FRONT_MATTER_RE2`: the Hub's pattern spelled for RE2), not per
    text in Python: each text made a Python string (about 200 MB of them per chunk of
    the build, allocated and page-faulted afresh chunk after chunk). RE2 takes the match
    the pattern's backtracking takes (leftmost, alternatives and the lazy body in the
    same order); only ``\\s`` and ``$`` read differently in RE2, and
    :data:`FRONT_MATTER_RE2` spells them out (a test holds the two equal on awkward and
    random cards and on every whitespace code point).

    Examples
    --------
    >>> front_matter_chars(
    ...     pa.array(["---\\na: 1\\n---\\nbody", "\\n---\\na: 1\\n---\\n", "---\\n---\\n", None])
    ... ).to_pylist()
    [13, 14, 0, None]
    """
    texts = texts.cast(pa.large_string())
    block = pc.struct_field(pc.extract_regex(texts, FRONT_MATTER_RE2), [0])
    chars = pc.coalesce(pc.utf8_length(block), pa.scalar(0, pa.int64()))
    return pc.if_else(texts.is_null(), pa.scalar(None, pa.int64()), chars)


#: The code points Python's ``re`` matches with ``\\s`` in a ``str`` pattern (those for
#: which ``str.isspace()`` holds), as an RE2 class body: RE2's own ``\\s`` is ASCII only
#: (and leaves out ``\\v``). A test checks it against ``re`` over all of Unicode.
PYTHON_WHITESPACE_RE2 = (
    r"\t-\r\x1c-\x20\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}"
    r"\x{205f}\x{3000}"
)
#: huggingface_hub's ``repocard.REGEX_YAML_BLOCK``,
#: ``^(\\s*---(?:\\r\\n|\\r|\\n))([\\S\\s]*?)((?:\\r\\n|\\r|\\n)---[ \\t]*(\\r\\n|\\n|$))``, as RE2
#: reads it the way Python does: ``\\s`` as :data:`PYTHON_WHITESPACE_RE2`, and ``$`` as
#: RE2's end of text (Python's ``$`` also matches before a final ``\\n``, but the
#: alternatives before it take that ``\\n`` first, so the match ends where it would),
#: the whole match one group (its length is the front matter's).
FRONT_MATTER_RE2 = (
    "^(?P<block>[" + PYTHON_WHITESPACE_RE2 + r"]*---(?:\r\n|\r|\n)[\s\S]*?"
    r"(?:\r\n|\r|\n)---[ \t]*(?:\r\n|\n|$))"
)


def _examples(ids: Iterable[Any]) -> str:
    return ", ".join(repr(i) for i in list(ids)[:EXAMPLES])


def _reconcile(con: duckdb.DuckDBPyConnection, expected_models: int | None) -> None:
    """Raise one PhylohubError listing every way the inputs fail to reconcile."""
    limit = {"limit": EXAMPLES}
    problems: list[str] = []
    n_listed, n_listed_ids, n_listed_null = _one(con, sql.LISTING_COUNTS)
    n_cards, n_card_ids, n_card_null = _one(con, sql.CARD_COUNTS)
    if expected_models is not None and expected_models != n_listed:
        problems.append(f"the manifest counts {expected_models} models, the parts {n_listed}")
    if n_listed_null:
        problems.append(f"{n_listed_null} listing row(s) without an id")
    if n_card_null:
        problems.append(f"{n_card_null} card row(s) without an id")
    dups = con.execute(sql.LISTING_DUPLICATES, limit).fetchall()
    if dups:
        problems.append(
            f"{n_listed - n_listed_null - n_listed_ids} duplicate listing row(s) "
            f"(e.g. {', '.join(f'{i!r} x{n}' for i, n in dups)})"
        )
    dups = con.execute(sql.CARD_DUPLICATES, limit).fetchall()
    if dups:
        problems.append(
            f"{n_cards - n_card_null - n_card_ids} duplicate card row(s) "
            f"(e.g. {', '.join(f'{i!r} x{n}' for i, n in dups)})"
        )
    count, ids = _one(con, sql.LISTED_WITHOUT_CARD, limit)
    if count:
        problems.append(f"{count} listed model(s) without a card row (e.g. {_examples(ids)})")
    count, ids = _one(con, sql.CARDS_UNLISTED, limit)
    if count:
        problems.append(f"{count} card row(s) for unlisted ids (e.g. {_examples(ids)})")
    count, statuses = _one(con, sql.CARD_BAD_STATUS, {"statuses": list(CARD_STATUSES)})
    if count:
        problems.append(f"{count} card row(s) with an unknown status ({_examples(statuses)})")
    if not problems:  # only worth parsing every entry when the ids agree
        bad_json = _parse_entries(con)
        if bad_json:
            problems.append(bad_json)
    if problems:
        raise PhylohubError(
            f"the snapshot does not reconcile ({n_listed} listing rows, {n_cards} card rows): "
            + "; ".join(problems)
        )
    log.info("reconciled: %d listed models, %d card rows", n_listed, n_cards)


def _parse_entries(con: duckdb.DuckDBPyConnection) -> str | None:
    """Parse every listing entry once into the temporary table ``entries``
    (``CREATE_ENTRIES``), which ``models`` and the config summary read; the problem to
    report when an entry is not valid JSON, else None.

    The parse is the JSON check: ``json_transform`` fails on any entry ``json_valid``
    rejects (a test holds the two alike on awkward entries), so the entries are parsed
    once where a ``json_valid`` pass over them all parsed each one more time. Only when
    the parse fails, or some entry is NULL (a NULL entry, or the valid ``null``), are
    the entries checked one by one (``LISTING_BAD_JSON``) to name the bad ones.
    """
    limit = {"limit": EXAMPLES}
    try:
        # in any order (``sql.UNORDERED``): ``models`` sorts it by id and the config
        # tables by id too, so no table depends on its order (a test holds them equal)
        con.execute(sql.UNORDERED)
        try:
            con.execute(sql.CREATE_ENTRIES, {"shape": sql.ENTRY_SHAPE})
        finally:
            con.execute(sql.ORDERED)
        failure: duckdb.Error | None = None
        suspect = _one(con, sql.ENTRIES_NULL)[0] > 0
    except duckdb.InvalidInputException as exc:
        failure, suspect = exc, True
    if not suspect:
        return None
    count, ids = _one(con, sql.LISTING_BAD_JSON, limit)
    if count:
        return f"{count} listing entries are not valid JSON (e.g. {_examples(ids)})"
    if failure is not None:  # not an invalid entry: the parse failed otherwise
        raise failure
    return None


def _one(
    con: duckdb.DuckDBPyConnection, query: str, params: Mapping[str, Any] | None = None
) -> tuple[Any, ...]:
    row = con.execute(query, dict(params) if params else None).fetchone()
    assert row is not None  # aggregates always answer one row
    return tuple(row)


def crawl_requests(card_shards: Sequence[Path]) -> int:
    """The requests the card crawl sent, by every run: per shard, ``requests`` of its
    ``.stats.json`` beside it (the crawl writes the two together; it counts a killed
    run's requests too), or, for a shard without one, the sum of its card rows'
    ``requests`` (the run that kept each card)."""
    total = 0
    for shard in card_shards:
        stats = Path(shard).with_suffix(".stats.json")
        if not stats.is_file():
            rows = pq.read_table(shard, columns=["requests"])["requests"]
            total += int(pc.sum(rows).as_py() or 0)
            continue
        try:
            total += int(json.loads(stats.read_text())["requests"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise PhylohubError(f"cannot read the crawl's stats {stats}: {exc!r}") from exc
    return total


def _build(
    con: duckdb.DuckDBPyConnection,
    n_parts: int,
    card_shards: Sequence[Path],
    card_batch_bytes: int,
    work: Path,
) -> None:
    con.execute(sql.CREATE_TABLES)
    con.execute(quality.CREATE_TABLE)
    con.register("iso_639_arrow", iso_639_table())
    con.execute(sql.CREATE_ISO_639)
    con.unregister("iso_639_arrow")
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("models", sql.INSERT_MODELS, {"backfill": BACKFILL}),
        ("configs", sql.CREATE_CONFIGS, {}),
        ("parsed entries dropped", sql.DROP_ENTRIES, {}),
        ("tags", sql.INSERT_TAGS, {"prefixes": list(KNOWN_PREFIXES)}),
        ("folded ids", sql.CREATE_FOLDED_IDS, {}),
        ("base_model tags", sql.CREATE_BASE_MODEL_TAGS, {"relations": list(RELATIONS)}),
        ("edges", sql.INSERT_EDGES, {}),
        ("malformed_tags", sql.INSERT_MALFORMED, {}),
        ("language tags", sql.CREATE_LANGUAGE_TAGS, {}),
        ("traits", sql.INSERT_TRAITS, {}),
        ("data_quality", quality.INSERT_FLAGS, quality.flag_params()),
        ("model_type", sql.INSERT_MODEL_TYPE, {}),
        ("architectures", sql.INSERT_ARCHITECTURES, {}),
        ("quantization", sql.INSERT_QUANTIZATION, {}),
        ("config_fields", sql.INSERT_CONFIG_FIELDS, {}),
        ("language_codes", sql.INSERT_LANGUAGE_CODES, {}),
        ("cards", CARDS_STEP, {}),
        (
            "summary",
            sql.INSERT_SUMMARY,
            {
                "edge_relations": list(EDGE_RELATIONS),
                "statuses": list(CARD_STATUSES),
                "encodings": list(CARD_ENCODINGS),
                "reasons": list(MALFORMED_REASONS),
                "rules": list(quality.RULES),
                "listing_parts": n_parts,
                "card_shards": len(card_shards),
                "card_requests": crawl_requests(card_shards),
                "schema_version": SCHEMA_VERSION,
            },
        ),
    ]
    # the cards are routed first (both cores), then cards.parquet is written from the
    # batches in a thread of its own (sorting and compressing in Arrow, on one core)
    # while DuckDB runs the listing's steps beside it; the table is filled at its step
    routed = _route_cards_to_batches(con, work, card_batch_bytes, card_shards)
    with ThreadPoolExecutor(1) as pool:
        written = pool.submit(_write_cards_parquet, routed, work / CARDS_PARQUET)
        for label, statement, params in steps:
            t0 = time.monotonic()
            if statement is CARDS_STEP:
                written.result()
                _insert_cards(con, work / CARDS_PARQUET, routed is not None)
            else:
                con.execute(statement, params or None)
            log.info("%s: %.1f s", label, time.monotonic() - t0)
    con.execute(sql.CREATE_VIEWS)
    comments: list[tuple[str, str | None, str]] = []
    for table in TABLES:
        comments.append((table.name, None, _plain(table.doc)))
        comments += [(table.name, c.name, _plain(c.doc)) for c in table.db_columns]
    con.execute(sql.comment_statements(comments))
    con.execute(sql.DROP_TEMP_TABLES)


def _insert_cards(con: duckdb.DuckDBPyConnection, path: Path, any_cards: bool) -> None:
    """Fill the cards table from ``cards.parquet`` (written by :func:`_write_cards_parquet`):
    every column but the texts, which stay in the file alone
    (:func:`~phylohub.snapshot.connect.attach_card_texts`).

    One statement over a parquet file (``INSERT_CARDS_FROM_PARQUET``), which DuckDB runs
    on every thread keeping the file's order. The table once held the texts too,
    zstd-compressed: at 1.86M models 17 s of the build's wall on both cores and about
    1 GB of ``hub.duckdb``, for a second copy of what ``cards.parquet`` holds.
    """
    if not any_cards:  # the table stays empty; its file was written with its columns
        return
    t0 = time.monotonic()
    con.execute(sql.INSERT_CARDS_FROM_PARQUET, {"path": str(path)})
    # the tables checkpointed before their export, as when the texts' insert did it: the
    # export of ``tags`` wrote other bytes (the same rows) from tables not checkpointed
    con.execute(sql.CHECKPOINT)
    log.info("cards inserted from cards.parquet: %.1f s", time.monotonic() - t0)


@dataclass(frozen=True)
class _Routed:
    """The card rows routed into batches of ids: ``files[w][k]`` holds reader ``w``'s
    rows of batch ``k`` (``batches``: its first id and card bytes), in ``schema``."""

    batches: list[tuple[str, int]]
    files: list[list[Path]]
    schema: pa.Schema


def _route_cards_to_batches(
    con: duckdb.DuckDBPyConnection, work: Path, batch_bytes: int, shards: Sequence[Path]
) -> _Routed | None:
    """Route the card rows into batches of ids in order (``CARD_BATCH_STARTS``), one Arrow
    file per reader and batch; None (and an empty ``cards.parquet``) without cards.

    Why batches: one ``INSERT ... ORDER BY id`` over every shard sorted every card's text
    at once (4 GB at 1.86M models, 4.7 GB resident). Why routed: the crawl hashes ids into
    shards, so a batch's rows lie in every row group of every shard, and a filtered scan
    per batch decoded all of the shards' text once per batch. The shards are read once
    instead (``ROUTED_CARDS``, with the derived columns, streamed out of DuckDB), each row
    appended to its batch's Arrow file in the work folder (:func:`_route_cards`); each
    batch is then read back (memory-mapped), sorted and appended to ``cards.parquet``
    (:func:`_write_cards_parquet`), and the table is filled from that file.
    """
    batches = con.execute(sql.CARD_BATCH_STARTS, {"batch_bytes": batch_bytes}).fetchall()
    if not batches:  # no cards: DuckDB writes the empty file with the file's columns
        columns = ", ".join(
            f"CAST(NULL AS {c.type}) AS {c.name}" if c.name in CARDS.parquet_only else c.name
            for c in CARDS.columns
        )
        con.sql(f"SELECT {columns} FROM cards").write_parquet(str(work / CARDS_PARQUET))
        return None
    routed = work / "cards-routed"
    routed.mkdir()
    t0 = time.monotonic()
    threads = int(con.execute(sql.CURRENT_THREADS).fetchall()[0][0])
    groups = [list(shards[w::threads]) for w in range(min(threads, len(shards)))]
    files = [[routed / f"{w}-{k}.arrow" for k in range(len(batches))] for w in range(len(groups))]
    starts = [low for low, _ in batches[1:]]
    with ThreadPoolExecutor(len(groups)) as pool:
        routes = list(
            pool.map(lambda w: _route_cards(con, groups[w], starts, files[w]), range(len(groups)))
        )
    schema = routes[0][0]
    nulls = {name: sum(n[name] for _, n in routes) for name in schema.names}
    schema = pa.schema([f.with_nullable(nulls[f.name] > 0) for f in schema])
    log.info(
        "cards routed into %d batch(es) by %d reader(s): %.1f s",
        len(batches),
        len(groups),
        time.monotonic() - t0,
    )
    return _Routed([(str(low), int(n)) for low, n in batches], files, schema)


def _write_cards_parquet(routed: _Routed | None, path: Path) -> None:
    """Write ``cards.parquet`` from the routed batches, one batch in memory at a time.

    Runs in a thread beside the listing's steps in DuckDB: sorting a batch and
    compressing it (Arrow, one core) once kept the second core idle.
    """
    if routed is None:
        return
    with _RowGroupWriter(path, routed.schema) as writer:
        for k, (low, card_bytes) in enumerate(routed.batches):
            t0 = time.monotonic()
            batch = _sorted_batch([f[k] for f in routed.files], routed.schema)
            writer.write(batch)
            log.info(
                "cards batch %d/%d from %r: %d rows, %d card bytes, %.1f s",
                k + 1,
                len(routed.batches),
                low,
                batch.num_rows,
                card_bytes,
                time.monotonic() - t0,
            )
            del batch
            pa.default_memory_pool().release_unused()


def _route_cards(
    con: duckdb.DuckDBPyConnection, shards: Sequence[Path], starts: list[str], files: list[Path]
) -> tuple[pa.Schema, dict[str, int]]:
    """Append every card row of ``shards``, with its derived columns, to the Arrow file of
    its batch (``files[k]``; ``starts``: the first id of every batch but the first), in one
    read of the shards streamed out of DuckDB a chunk at a time.

    Runs in a thread of its own beside the other groups of shards, on a cursor of its own
    (DuckDB lets go of the GIL while it reads; a single stream out of DuckDB kept the build
    on one core). Returns the rows' schema and the NULLs counted per column on the way:
    ``cards.parquet`` marks a column nullable only where it holds a NULL, as DuckDB's own
    export of the table does (``required`` when the table's statistics show no NULL).
    """
    with con.cursor() as cur:  # the connection's functions; its own settings and views
        cur.execute(sql.SET_UTC)
        cur.register("cards_raw", cur.read_parquet([str(p) for p in shards]))
        reader = cur.sql(sql.ROUTED_CARDS, params={"starts": starts}).to_arrow_reader(
            ROUTE_CHUNK_ROWS
        )
        schema = reader.schema.remove(reader.schema.get_field_index("batch"))
        nulls = dict.fromkeys(schema.names, 0)
        writers = [pa.ipc.new_file(str(f), schema) for f in files]
        try:
            for chunk in reader:
                which = chunk.column("batch").to_numpy(zero_copy_only=False)
                rows = _with_text_counts(pa.Table.from_batches([chunk]).drop_columns(["batch"]))
                for name in schema.names:
                    nulls[name] += rows.column(name).null_count
                order = np.argsort(which, kind="stable")
                rows = rows.take(order)
                bounds = np.searchsorted(which[order], np.arange(len(files) + 1))
                for k, writer in enumerate(writers):
                    if bounds[k + 1] > bounds[k]:
                        writer.write_table(rows.slice(bounds[k], bounds[k + 1] - bounds[k]))
        finally:
            for writer in writers:
                writer.close()
    return schema, nulls


def _with_text_counts(rows: pa.Table) -> pa.Table:
    """``rows`` with ``length_words``, ``body_chars`` and ``auto_generated`` (NULL out of
    ``ROUTED_CARDS``) filled from the chunk's texts: :func:`count_words`, ``length_chars``
    less :func:`front_matter_chars`, and :func:`auto_generated`. Done here on the chunk
    DuckDB has already handed over in Arrow; as functions DuckDB called, each copied
    every text into Arrow once more."""
    text, chars = (_one_chunk(rows.column(name)) for name in ("text", "length_chars"))
    words = count_words(text)
    body = pc.subtract(chars, front_matter_chars(text))
    auto = auto_generated(text)
    for name, values in (("length_words", words), ("body_chars", body), ("auto_generated", auto)):
        index = rows.schema.get_field_index(name)
        rows = rows.set_column(index, rows.schema.field(index), values)
    return rows


def _one_chunk(column: pa.ChunkedArray) -> pa.Array:
    """The column as one array: its only chunk as it is (``combine_chunks`` copies even
    one chunk, here every text)."""
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def _sorted_batch(paths: Sequence[Path], schema: pa.Schema) -> pa.Table:
    """One batch's routed rows (one file per reader) in id order, sorted in Arrow: the same
    order as DuckDB's ``ORDER BY id`` (strings compare byte by byte in both; ids are
    unique, so the readers' order does not matter). The files are memory-mapped and
    removed once read: the sorted copy is the batch's only copy in memory."""
    parts = []
    for path in paths:
        with pa.memory_map(str(path)) as source:
            parts.append(pa.ipc.open_file(source).read_all())
    table = pa.concat_tables(parts)
    batch = table.take(pc.sort_indices(table, [("id", "ascending")])).cast(schema)
    del table, parts
    for path in paths:
        path.unlink()
    return batch


class _RowGroupWriter:
    """``cards.parquet`` written batch by batch in row groups of :data:`ROW_GROUP_ROWS`
    rows: a batch's last rows wait for the next batch, so the file's bytes depend on the
    rows alone, not on where the batches were cut."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self.schema = schema
        self.writer: pq.ParquetWriter | None = None
        self.pending: pa.Table | None = None

    def __enter__(self) -> _RowGroupWriter:
        return self

    def write(self, table: pa.Table) -> None:
        """Append ``table``'s rows; whole row groups are written, the rest kept."""
        if self.pending is not None:
            table = pa.concat_tables([self.pending, table])
        full = table.num_rows - table.num_rows % ROW_GROUP_ROWS
        for start in range(0, full, ROW_GROUP_ROWS):
            self._write_group(table.slice(start, ROW_GROUP_ROWS))
        self.pending = table.slice(full)

    def _write_group(self, group: pa.Table) -> None:
        # one chunk per row group: the writer cuts pages where the input's chunks end too,
        # and the batches' ends must not show in the file
        self._writer().write_table(group.combine_chunks(), ROW_GROUP_ROWS)

    def _writer(self) -> pq.ParquetWriter:
        if self.writer is None:
            self.writer = pq.ParquetWriter(
                self.path,
                self.schema,
                compression="zstd",
                use_dictionary=list(DICTIONARY_COLUMNS),
            )
        return self.writer

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None and self.pending is not None and self.pending.num_rows:
            self._write_group(self.pending)  # the last rows (none: no empty row group)
        if self.writer is not None:
            self.writer.close()


def _plain(doc: str) -> str:
    return doc.replace("``", "`")


def _export(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    # a plain scan, no ORDER BY: each table was filled by one INSERT ... ORDER BY its
    # documented order and the connection keeps insertion order (preserve_insertion_order);
    # sorting again cost the export of cards (most of the bytes) two fifths more CPU
    for table in TABLES:
        if table.name == "cards":  # written batch by batch as they were inserted
            continue
        t0 = time.monotonic()
        path = folder / f"{table.name}.parquet"
        con.table(table.name).write_parquet(str(path), compression="zstd")
        log.info("exported %s.parquet: %.1f s", table.name, time.monotonic() - t0)
