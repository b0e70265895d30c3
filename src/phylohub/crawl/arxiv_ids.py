"""arXiv identifiers: which strings the arXiv API accepts as ids, and their versions.

The crawler needs this to keep malformed ids out of a query (arXiv fails a whole query
over one of them) and to match an entry to the id asked; the replica's arXiv API applies
the same rules to answer like export.arxiv.org. It lives on the crawl side so that the
production crawler depends on nothing of the replica, its test double.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["split_version", "well_formed"]

# New-style ids (0704.0001 on: YYMM.NNNN to 2014, YYMM.NNNNN since 2015) and old-style
# ones (archive[.SUBJ]/YYMMNNN), each with an optional version.
_NEW_ID: Final = re.compile(r"^(\d{2})(0[1-9]|1[0-2])\.(\d{4,5})(v[1-9]\d*)?$")
_OLD_ID: Final = re.compile(r"^[a-z]+(-[a-z]+)*(\.[A-Z]{2})?/\d{7}(v[1-9]\d*)?$")


def split_version(arxiv_id: str) -> tuple[str, int | None]:
    """An id without its version, and the version (None when it has none).

    >>> split_version("2106.09685v2"), split_version("hep-th/9901001")
    (('2106.09685', 2), ('hep-th/9901001', None))
    """
    m = re.match(r"^(.*?)v([1-9]\d*)$", arxiv_id)
    if m and well_formed(arxiv_id):
        return m.group(1), int(m.group(2))
    return arxiv_id, None


def well_formed(arxiv_id: str) -> bool:
    """True for an arXiv identifier the API accepts (not whether the paper exists).

    >>> [well_formed(x) for x in ("1910.09700", "1234.1234", "cs/0112017v1", "x")]
    [True, False, True, False]
    """
    m = _NEW_ID.match(arxiv_id)
    if m:  # from 0704 on; four-digit numbers until 1412, five since 1501
        year, month, number = m.group(1), m.group(2), m.group(3)
        return f"{year}{month}" >= "0704" and (len(number) == 5) == (int(year) >= 15)
    return bool(_OLD_ID.match(arxiv_id))
