"""The crawl's on-disk tables (parquet), shared by the crawler and the snapshot builder.

``results/{snapshot}/crawl/listing/part-NNNNN.parquet`` (:data:`LISTING_SCHEMA`): one row
per listed model, in listing order (``page``, ``position``), with the raw JSON entry as the
API returned it (``full=true&config=true&cardData=true``).

``results/{snapshot}/crawl/cards/{shard}.parquet`` (:data:`CARD_SCHEMA`): exactly one row
per listed model of the shard:

=============  =========================================================================
id             model id
sha            the repository sha the listing gave (the card was fetched at it)
status         ``ok``, ``no_readme`` (siblings lack README.md: no request made),
               ``gated`` (401/403 GatedRepo), ``not_found`` (404/401 RepoNotFound, or
               EntryNotFound although listed), ``disabled``, ``error`` (anything else
               after retries; ``message`` says what)
http_status    last HTTP status, null when no request was made
message        error message (never contains a token), null when ok
text           the card as huggingface_hub's ``RepoCard.load`` reads it (UTF-8, a leading
               byte order mark dropped), cut at the size cap (at the last whole
               character); bytes that are not UTF-8 read as U+FFFD; null unless ok
encoding       ``utf-8``, ``bom`` (UTF-8 after a byte order mark) or ``invalid-utf-8``
               (bytes that are not UTF-8: ``text`` holds U+FFFD in their place); null
               unless ok
raw            the card's bytes exactly as served (cut at the cap) when they are not
               ``text`` encoded as UTF-8 (encoding ``bom`` or ``invalid-utf-8``), else
               null: the bytes served (up to the cap; for a UTF-8 card cut inside a
               character, up to that character) are ``raw`` if set, else ``text.encode()``
bytes          size of the whole README in bytes as served (Content-Length), null unless ok
truncated      true when ``text`` was cut at the cap
etag           the README's ETag (git blob sha1), null unless ok
fetched_at     UTC time of the answer (or of the reuse decision)
reused         true when copied from a previous snapshot (same repository sha)
requests       HTTP requests spent on this card (0 for reused, bootstrap and no_readme)
source         where the row came from: ``fetched`` (asked of the Hub; ``no_readme`` rows
               too, decided from the listing), ``previous`` (a previous snapshot's row,
               same sha) or ``bootstrap`` (the public card dump, same ``lastModified``)
=============  =========================================================================
"""

from __future__ import annotations

import pyarrow as pa

from phylohub.crawl.values import CARD_ENCODINGS, CARD_SOURCES, CARD_STATUSES

__all__ = [
    "CARD_ENCODINGS",
    "CARD_SCHEMA",
    "CARD_SOURCES",
    "CARD_STATUSES",
    "LISTING_SCHEMA",
    "served_bytes",
]

LISTING_SCHEMA = pa.schema(
    [
        ("page", pa.int64()),
        ("position", pa.int64()),
        ("id", pa.string()),
        ("_id", pa.string()),
        ("sha", pa.string()),
        ("entry", pa.string()),
    ]
)

CARD_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("sha", pa.string()),
        ("status", pa.string()),
        ("http_status", pa.int32()),
        ("message", pa.string()),
        ("text", pa.large_string()),
        ("encoding", pa.string()),
        ("raw", pa.large_binary()),
        ("bytes", pa.int64()),
        ("truncated", pa.bool_()),
        ("etag", pa.string()),
        ("fetched_at", pa.timestamp("ms", tz="UTC")),
        ("reused", pa.bool_()),
        ("requests", pa.int32()),
        ("source", pa.string()),
    ]
)


def served_bytes(text: str | None, raw: bytes | None) -> bytes | None:
    r"""The bytes of a card row as served (cut at the cap): ``raw`` when set, else ``text``
    encoded as UTF-8; None without text.

    >>> served_bytes("caf\u00e9", None), served_bytes("caf\ufffd", b"caf\xe9")
    (b'caf\xc3\xa9', b'caf\xe9')
    """
    if raw is not None:
        return bytes(raw)
    return None if text is None else text.encode("utf-8")
