"""The listing's times (``createdAt``, ``lastModified``) in the metadata string are
written as ``strftime`` writes them, whichever way :func:`_iso` takes."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from phylohub.similarity.texts import _iso, _iso_plain


def test_times_are_written_as_strftime_writes_them() -> None:
    rng = random.Random(7)
    start = datetime(1, 1, 1)
    times = [
        start
        + timedelta(seconds=rng.randrange(0, 3_155_000_000 * 20), microseconds=rng.randrange(10**6))
        for _ in range(3000)
    ]
    times += [
        datetime(2024, 1, 2),
        datetime(2024, 1, 2, 3, 4, 5, 999),
        datetime(999, 12, 31, 23, 59, 59),
    ]
    times += [t.replace(tzinfo=timezone(timedelta(hours=2))) for t in times[:50]]
    assert any(t.year < 1000 for t in times) and any(t.microsecond == 0 for t in times)
    for t in times:
        assert (
            _iso(t)
            == _iso_plain(t)
            == t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
        )
    assert _iso(None) is None
    assert _iso(datetime(2024, 9, 23, 10, 1, 2, 345678)) == "2024-09-23T10:01:02.345Z"
