"""Counts in words, as titles and findings print them."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and its noun, plural unless one (``plural``, else the noun with -s, or -ies
    for one in -y).

    >>> counted(1, "merge"), counted(2_500, "family"), counted(0, "dump row", "dump rows")
    ('1 merge', '2,500 families', '0 dump rows')
    """
    if plural is None:
        plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{n:,} {noun if n == 1 else plural}"
