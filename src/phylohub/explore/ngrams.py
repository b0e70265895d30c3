"""A trigram index over every id of a snapshot, for the explorer's substring search.

Why: a search for a part of an id (``"ert-ba"``) cannot use the ids' sort order, and a
scan of 1.86M ids takes 30-100 ms on two busy cores, every keystroke. The index lists,
for each trigram of the lower-cased ids, where it occurs; a search reads the positions of
the query's rarest trigram, keeps those where the query's other trigrams sit at the right
offsets, and checks the survivors against the text, stopping as soon as it has enough.

How, cheaply: the ids are joined into one string (``\\x00`` between them, in the order
given, so answers come out in that order). Each position's trigram is hashed to 16 bits
(NumPy sorts 16-bit keys with a radix sort: a few seconds for 60M positions, not a
minute as an SQL table of trigrams would take) and the positions are sorted by that
hash. A collision of two trigrams only adds candidates that the final check throws out,
so the answers are exact. The index holds 4 bytes per character of the ids (about 240 MB
at 1.86M ids). Queries shorter than three characters have no trigram: the caller scans.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

#: Between two ids in the joined text; a query holding it matches nothing.
SEP = "\x00"
#: Candidates checked per step, so that a common query stops early.
CHUNK = 4096


def _hashes(codes: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The 16-bit hash of the trigram starting at each position of ``codes``."""
    a, b, c = (codes[i : len(codes) - 2 + i].astype(np.uint32) for i in range(3))
    return ((a * 1031 + b * 37 + c) & 0xFFFF).astype(np.uint16)


def _codes(text: str) -> np.ndarray[Any, Any]:
    """The text's characters as integers (bytes when ASCII: a quarter of the memory)."""
    if text.isascii():
        return np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


class TrigramIndex:
    """Substring search over ``texts`` (already lower-cased) in their given order."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.joined = SEP.join(texts)
        lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
        #: Where each text starts in ``joined``.
        self.starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        hashes = _hashes(_codes(self.joined)) if len(self.joined) >= 3 else np.zeros(0, np.uint16)
        order = np.argsort(hashes, kind="stable")  # radix sort; positions stay ascending
        #: Positions sorted by their trigram's hash; ``bounds[h]:bounds[h+1]`` are hash h's.
        self.positions = order.astype(np.uint32 if len(self.joined) < 2**32 else np.int64)
        self.bounds = np.concatenate([[0], np.cumsum(np.bincount(hashes, minlength=1 << 16))])
        del order, hashes

    def _bucket(self, gram: str) -> np.ndarray[Any, Any]:
        h = int(_hashes(_codes(gram))[0])
        return self.positions[self.bounds[h] : self.bounds[h + 1]]

    def candidates(self, query: str) -> Iterator[np.ndarray[Any, Any]]:
        """Start positions in ``joined`` where every trigram of ``query`` (3 characters at
        least) sits at its offset, ascending, a chunk at a time; a superset of the matches
        (hash collisions), checked by :meth:`search`."""
        grams = sorted(
            ((self._bucket(query[k : k + 3]), k) for k in range(len(query) - 2)),
            key=lambda bk: len(bk[0]),
        )
        rarest, k0 = grams[0]
        for lo in range(0, len(rarest), CHUNK):
            start = rarest[lo : lo + CHUNK].astype(np.int64) - k0
            start = start[start >= 0]
            for bucket, k in grams[1:]:
                if not len(start):
                    break
                want = start + k
                at = np.searchsorted(bucket, want)
                start = start[
                    (at < len(bucket)) & (bucket[np.minimum(at, len(bucket) - 1)] == want)
                ]
            if len(start):
                yield start

    def search(self, query: str, limit: int, skip_prefix: bool = False) -> list[int]:
        """Indices of the texts that contain ``query`` (3 characters at least), in the
        texts' order, at most ``limit``; with ``skip_prefix`` not those that start with it
        (a prefix search has listed them)."""
        if len(query) < 3 or SEP in query:
            raise ValueError("a trigram search needs 3 characters at least, without NUL")
        found: list[int] = []
        last = -1
        for chunk in self.candidates(query):
            texts = np.searchsorted(self.starts, chunk, side="right") - 1
            for pos, i in zip(chunk.tolist(), texts.tolist(), strict=True):
                if i == last or not self.joined.startswith(query, pos):
                    continue
                last = i
                if skip_prefix and self.joined.startswith(query, int(self.starts[i])):
                    continue
                found.append(i)
                if len(found) >= limit:
                    return found
        return found
