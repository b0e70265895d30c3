"""The values of the card table's categorical columns (:mod:`phylohub.crawl.schema`).

Apart from the schemas so that a reader of them (the crawl's health summary) does not
import pyarrow at start (every rule is a process of its own; ``bench/startup.py``).
"""

from __future__ import annotations

#: Where a card row came from (``cards.source``).
CARD_SOURCES = ("fetched", "previous", "bootstrap")
CARD_STATUSES = ("ok", "no_readme", "gated", "not_found", "disabled", "error")
#: How the bytes of an ``ok`` card decode (``cards.encoding``).
CARD_ENCODINGS = ("utf-8", "bom", "invalid-utf-8")
