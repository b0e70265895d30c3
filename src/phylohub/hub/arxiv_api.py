"""The replica's arXiv API: ``GET /api/query?id_list=...`` answered as export.arxiv.org does.

The arXiv API (arXiv API User's Manual, sections 3 and 5) answers every query with an
Atom 1.0 feed: feed metadata, the OpenSearch elements ``totalResults``, ``startIndex`` and
``itemsPerPage``, and one ``<entry>`` per paper with its ``<id>``
(``http://arxiv.org/abs/{id}v{version}``), ``<published>`` (first version),
``<updated>``, ``<title>``, ``<summary>``, ``<author>``, ``<link>``s,
``<arxiv:primary_category term=...>`` and one ``<category term=...>`` per category. This
module builds those feeds from the store's ``arxiv_papers`` table, with the API's
behaviour where a client can trip over it:

* ``max_results`` defaults to 10: a batch of 50 ids without ``max_results=50`` gets 10
  entries (the rest are on later pages, ``start``);
* a well-formed id that names no paper is left out of the feed (``totalResults`` counts
  only the papers found), which is what the API answers today for such an id;
* one malformed id (``1234.1234``, ``cond—mat/0709123``) fails the whole query: HTTP 200
  with a feed of one entry titled ``Error`` whose id is
  ``http://arxiv.org/api/errors#incorrect_id_format_for_{id}`` (the manual's example);
  so do a ``start`` or ``max_results`` that is not an integer or is negative;
* ``id_list`` ids may carry a version (``2106.09685v1``): the entry is that version's, and
  a version above the latest is not found;
* entries come in ``id_list`` order, duplicates once.

``search_query`` is not served: a query with one answers an error feed saying so. Which
ids are well formed is :mod:`phylohub.crawl.arxiv_ids`, shared with the crawler.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final
from urllib.parse import urlencode
from xml.sax.saxutils import escape, quoteattr

from phylohub.crawl.arxiv_ids import split_version, well_formed
from phylohub.hub.store import Store

__all__ = ["ATOM_CONTENT_TYPE", "MAX_RESULTS", "Feed", "answer_query"]

ATOM_CONTENT_TYPE: Final = "application/atom+xml; charset=utf-8"
MAX_RESULTS: Final = 2000  # the API's largest slice per call
_DEFAULT_MAX_RESULTS: Final = 10


@dataclass(frozen=True)
class Feed:
    """An answer: HTTP status and the Atom document."""

    status: int
    body: bytes


def answer_query(store: Store, query: Mapping[str, str], now: datetime | None = None) -> Feed:
    """The API's answer to one ``/api/query`` request (``query``: its parameters)."""
    now = now or datetime.now(UTC)
    id_text = query.get("id_list", "")
    search = query.get("search_query", "")
    start_text = query.get("start", "0")
    max_text = query.get("max_results", str(_DEFAULT_MAX_RESULTS))
    echo = {"search_query": search, "id_list": id_text}
    for name, text in (("start", start_text), ("max_results", max_text)):
        if not re.fullmatch(r"-?\d+", text.strip()):
            return _error_feed(
                echo, f"{name}_must_be_an_integer", f"{name} must be an integer", now
            )
        if int(text) < 0:
            return _error_feed(echo, f"{name}_must_be_non-negative", f"{name} must be >= 0", now)
    start, max_results = int(start_text), min(int(max_text), MAX_RESULTS)
    echo.update(start=str(start), max_results=str(max_results))
    if search.strip():
        return _error_feed(
            echo, "search_query_not_served", "search_query is not served by the replica", now
        )
    ids = list(dict.fromkeys(x.strip() for x in id_text.split(",") if x.strip()))
    for arxiv_id in ids:
        if not well_formed(arxiv_id):
            return _error_feed(
                echo,
                f"incorrect_id_format_for_{arxiv_id}",
                f"incorrect id format for {arxiv_id}",
                now,
            )
    bare = [split_version(x) for x in ids]
    rows = store.arxiv_papers([b for b, _ in bare])
    found = []
    for (base, version), asked in zip(bare, ids, strict=True):
        row = rows.get(base)
        if row is not None and (version is None or version <= row["version"]):
            found.append((asked if version is not None else f"{base}v{row['version']}", row))
    page = found[start : start + max_results]
    entries = "".join(
        _entry(versioned, row, versioned != f"{row['id']}v{row['version']}")
        for versioned, row in page
    )
    return Feed(200, _feed(echo, len(found), start, len(page), entries, now))


def _feed_head(echo: Mapping[str, str], now: datetime) -> str:
    query = urlencode(echo)
    title = "&".join(f"{k}={v}" for k, v in echo.items())
    digest = hashlib.sha1(query.encode(), usedforsecurity=False).hexdigest()[:27]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
        f"  <id>https://arxiv.org/api/{digest}</id>\n"
        f"  <title>arXiv Query: {escape(title)}</title>\n"
        f"  <updated>{now.strftime('%Y-%m-%dT%H:%M:%SZ')}</updated>\n"
        f"  <link href={quoteattr('https://arxiv.org/api/query?' + query)} "
        'type="application/atom+xml"/>\n'
    )


def _feed(
    echo: Mapping[str, str], total: int, start: int, per_page: int, entries: str, now: datetime
) -> bytes:
    return (
        _feed_head(echo, now)
        + f"  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>\n"
        + f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        + f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
        + entries
        + "</feed>\n"
    ).encode()


def _entry(versioned: str, row: sqlite3.Row, old_version: bool) -> str:
    cats = json.loads(str(row["categories"]))
    primary = str(row["primary_category"])
    # an older version keeps its first date; its last update is unknown here
    updated = row["published"] if old_version else row["updated"]
    abs_url = f"http://arxiv.org/abs/{versioned}"
    lines = [
        "  <entry>",
        f"    <id>{escape(abs_url)}</id>",
        f"    <updated>{updated}</updated>",
        f"    <published>{row['published']}</published>",
        f"    <title>{escape(str(row['title']))}</title>",
        f"    <summary>{escape(str(row['title']))}. A paper of the synthetic ecosystem.</summary>",
        "    <author>\n      <name>phylohub replica</name>\n    </author>",
        f'    <link href={quoteattr(abs_url)} rel="alternate" type="text/html"/>',
        f'    <link title="pdf" href={quoteattr(abs_url.replace("/abs/", "/pdf/"))} '
        'rel="related" type="application/pdf"/>',
        f"    <arxiv:primary_category term={quoteattr(primary)} "
        'scheme="http://arxiv.org/schemas/atom"/>',
        *(
            f'    <category term={quoteattr(c)} scheme="http://arxiv.org/schemas/atom"/>'
            for c in cats
        ),
        "  </entry>\n",
    ]
    return "\n".join(lines)


def _error_feed(echo: Mapping[str, str], anchor: str, message: str, now: datetime) -> Feed:
    url = f"http://arxiv.org/api/errors#{anchor}"
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    entry = (
        "  <entry>\n"
        f"    <id>{escape(url)}</id>\n"
        "    <title>Error</title>\n"
        f"    <summary>{escape(message)}</summary>\n"
        f"    <updated>{stamp}</updated>\n"
        f'    <link href={quoteattr(url)} rel="alternate" type="text/html"/>\n'
        "    <author>\n      <name>arXiv api core</name>\n    </author>\n"
        "  </entry>\n"
    )
    return Feed(200, _feed(echo, 1, 0, 1, entry, now))
