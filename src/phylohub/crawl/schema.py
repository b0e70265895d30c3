"""The crawl's on-disk tables (parquet), shared by the crawler and the snapshot builder.

``results/{snapshot}/crawl/listing/part-NNNNN.parquet`` (:data:`LISTING_SCHEMA`): one row
per listed model, in listing order (``page``, ``position``), with the raw JSON entry as the
API returned it (``full=true&cardData=true``).

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
text           the card (UTF-8), cut at the size cap; null unless ok
bytes          size of the whole README in bytes as served (Content-Length), null unless ok
truncated      true when ``text`` was cut at the cap
etag           the README's ETag (git blob sha1), null unless ok
fetched_at     UTC time of the answer (or of the reuse decision)
reused         true when copied from a previous snapshot (same repository sha)
requests       HTTP requests spent on this card (0 for reused and no_readme)
=============  =========================================================================
"""

from __future__ import annotations

import pyarrow as pa

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

CARD_STATUSES = ("ok", "no_readme", "gated", "not_found", "disabled", "error")

CARD_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("sha", pa.string()),
        ("status", pa.string()),
        ("http_status", pa.int32()),
        ("message", pa.string()),
        ("text", pa.large_string()),
        ("bytes", pa.int64()),
        ("truncated", pa.bool_()),
        ("etag", pa.string()),
        ("fetched_at", pa.timestamp("ms", tz="UTC")),
        ("reused", pa.bool_()),
        ("requests", pa.int32()),
    ]
)
