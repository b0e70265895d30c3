"""How every stage writes its tables: tab-separated text, parquet and JSON, one format each.

A table a person reads (``.tsv``) writes floats with :data:`FLOAT_DECIMALS` decimals and a
column named ``p_value`` (or ending in ``_p``) with three significant digits, since
p-values go down to 1e-300 and six decimals would print them as 0. A table between rules
is parquet (zstd). A JSON file is indented one space, UTF-8, and strict: NaN and
infinities become ``null`` (JSON has no word for them). Each writer makes the file's
folder first, so a stage is handed the paths its rule declares and writes exactly those
(the crawl, which writes through temporary files to survive kills, and the snapshot,
which DuckDB writes, keep their own writers).
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from phylohub.errors import PhylohubError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "FLOAT_DECIMALS",
    "check_outputs",
    "paths_in",
    "read_tsv",
    "write_json",
    "write_parquet",
    "write_tsv",
]

#: Decimals of a float in a ``.tsv`` table.
FLOAT_DECIMALS = 6


def check_outputs(out: Mapping[str, Path], names: Collection[str], stage: str) -> None:
    """Refuse a set of output paths that is not exactly ``names`` (the rule's outputs
    and the tables the stage writes must name the same files).

    >>> check_outputs({"a": Path("x")}, ["a", "b"], "demo")
    Traceback (most recent call last):
    ...
    phylohub.errors.PhylohubError: demo: outputs missing ['b'], unknown []
    """
    if set(out) != set(names):
        missing, unknown = sorted(set(names) - set(out)), sorted(set(out) - set(names))
        raise PhylohubError(f"{stage}: outputs missing {missing}, unknown {unknown}")


def paths_in(folder: Path, files: Mapping[str, str]) -> dict[str, Path]:
    """The path of each table of a stage in ``folder``, by name (``files``: name -> file
    name, as the rule names them), for a caller outside the workflow: a query, a test.

    >>> paths_in(Path("out"), {"summary": "summary.json"})
    {'summary': PosixPath('out/summary.json')}
    """
    return {name: Path(folder) / file for name, file in files.items()}


def _is_p_value(column: str) -> bool:
    return column == "p_value" or column.endswith("_p")


def _frame(table: pl.DataFrame | pa.Table) -> pl.DataFrame:
    if isinstance(table, pl.DataFrame):
        return table
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def write_tsv(table: pl.DataFrame | pa.Table, path: Path) -> None:
    """``table`` as tab-separated text with a header, floats in the one format.

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "t.tsv"
    >>> write_tsv(pl.DataFrame({"x": [1 / 3], "p_value": [2.5e-300]}), out)
    >>> out.read_text()
    'x\\tp_value\\n0.333333\\t2.5e-300\\n'
    """
    frame = _frame(table)
    p_columns = [c for c, dtype in frame.schema.items() if _is_p_value(c) and dtype.is_float()]
    if p_columns:
        frame = frame.with_columns(
            pl.col(c).map_elements(lambda p: f"{p:.3g}", return_dtype=pl.String) for c in p_columns
        )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path, separator="\t", float_precision=FLOAT_DECIMALS)


def read_tsv(path: Path) -> pl.DataFrame:
    """A table written by :func:`write_tsv` (every row read to find the column types)."""
    return pl.read_csv(path, separator="\t", infer_schema_length=None)


#: zstd level of every parquet table :func:`write_parquet` writes: Arrow's default, where
#: polars' is 3. At level 1 the genealogy's tables took ~0.3 s less CPU per relation set
#: at 1.86M models (of ~1.6 s of writes) for files ~5% larger; the rows read back the
#: same (docs/genealogy.md, Scale).
PARQUET_ZSTD_LEVEL = 1


def write_parquet(table: pl.DataFrame | pa.Table, path: Path) -> None:
    """``table`` as a parquet file, zstd-compressed at :data:`PARQUET_ZSTD_LEVEL`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(table, pl.DataFrame):
        table.write_parquet(path, compression="zstd", compression_level=PARQUET_ZSTD_LEVEL)
    else:
        # imported here: a rule that writes only polars frames never loads pyarrow
        import pyarrow.parquet as pq

        pq.write_table(table, path, compression="zstd", compression_level=PARQUET_ZSTD_LEVEL)


def _strict(value: Any) -> Any:
    """``value`` with every NaN or infinity (at any depth) replaced by None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strict(v) for v in value]
    return value


def write_json(value: Any, path: Path) -> None:
    """``value`` as strict JSON, indented one space, keys in the order given.

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "s.json"
    >>> write_json({"rho": float("nan"), "n": [1, 2]}, out)
    >>> out.read_text()
    '{\\n "rho": null,\\n "n": [\\n  1,\\n  2\\n ]\\n}\\n'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(_strict(value), indent=1, ensure_ascii=False, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
