"""Row numbers of ids in a genealogy table, for the stages that read its tables by id.

The genealogy's tables name nodes by id (a string); the readers work on row indices. A
left join of every key against an index of every node hashes all 1.86M ids of the
Hub's size, most of which no key names (a kept-tree parent column names about one node
in six). :func:`row_index` first keeps the nodes that some key names (one cheap
membership probe), then joins against those alone: the same rows, a third of the time.
Keys that stand in their own id's row (two relation sets' node tables list the listed
models first, in the same order) need no join at all.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl


def row_index_plain(ids: pl.Series, keys: pl.Series) -> npt.NDArray[np.int64]:
    """The reference form of :func:`row_index`: a left join against every id."""
    index = pl.DataFrame({"key": ids, "row": pl.int_range(len(ids), eager=True)})
    joined = keys.alias("key").to_frame().join(index, on="key", how="left", maintain_order="left")
    out: npt.NDArray[np.int64] = joined["row"].fill_null(-1).to_numpy().astype(np.int64)
    return out


def row_index(ids: pl.Series, keys: pl.Series) -> npt.NDArray[np.int64]:
    """Row of each key in ``ids`` (unique), ``-1`` for a null key or one not there.

    Two shortcuts, each giving the plain join's (:func:`row_index_plain`) rows row for
    row. A key equal to the id in its own row is that row (ids are unique): two sets'
    node tables list the same models first, in the same order. The other keys are
    joined against the ids that some of them name (one membership probe first): a row
    of the full index whose id no key names can never match.
    """
    m = min(len(ids), len(keys))
    same = np.zeros(len(keys), dtype=bool)
    if m:
        same[:m] = (keys.head(m) == ids.head(m)).fill_null(False).to_numpy()
    out = np.arange(len(keys), dtype=np.int64)
    rest = np.flatnonzero(~same)
    if rest.size:
        others = keys if rest.size == len(keys) else keys.gather(rest)
        named = ids.is_in(others.drop_nulls().unique().implode())
        rows = pl.Series("row", np.flatnonzero(named.to_numpy()), pl.Int64)
        index = pl.DataFrame({"key": ids.filter(named), "row": rows})
        joined = (
            others.alias("key").to_frame().join(index, on="key", how="left", maintain_order="left")
        )
        out[rest] = joined["row"].fill_null(-1).to_numpy()
    return out
