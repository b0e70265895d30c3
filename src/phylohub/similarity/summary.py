"""Mean similarity by relation and inside shapes, with bootstrap intervals, and the claims.

Inputs: the kin pairs (:mod:`phylohub.kinship.pairs`) and the similarity of each distinct
pair (:func:`phylohub.similarity.measures.pair_similarity`).

Bootstrap. The unit of resampling is the *family* (:mod:`phylohub.kinship.forest`): pairs
of one family share ancestors, names, tags and dates, so they are not independent, and a
bootstrap of pairs (or of draws) makes intervals as thin as the number of draws, however
few families they come from. Each resample draws the families with replacement and
brings every pair of a drawn family along, in every shape at once (one resampling shared
by all shapes, so a difference of two relations keeps the correlation their common
families give it). A random pair straddles two families and goes with its first model's.
Every statistic (each pair of roles, each measure, each difference) is computed on the
same resamples; a resample's mean over a measure that some pairs lack (card measures of
models without a card) is the mean over the pairs that have it. Intervals are percentile
intervals, and p-values come from the same resamples (:func:`bootstrap_p`), never from
pairs taken as independent. Beside every figure: ``n_pairs`` (distinct pairs of models
with a value) and ``n_families`` (distinct families they come from).

Tables
======
``means`` (relation, measure)
    The mean over the pairs that define the relation (a uniform sample of all its pairs
    in the forest): ``relation``, ``measure``, ``n`` (draws with a value), ``n_pairs``,
    ``n_families``, ``mean``, ``std``, ``ci_low``, ``ci_high``, ``occurrences`` (pairs
    of that relation in the forest; for ``random`` all pairs of models).
``shape_means`` (shape, pair of roles, measure)
    The paper's D panels: ``shape``, ``role_a``, ``role_b``, ``relation``, ``distance``,
    ``divide``, ``measure``, ``n``, ``n_pairs``, ``n_families``, ``mean``, ``std``,
    ``ci_low``, ``ci_high``.
``tests`` (claim, comparison, measure)
    ``claim`` (``family_resemblance``, ``siblings_over_parent``, ``generational_divide``,
    ``network_distance``), ``comparison`` (``A > B``), ``design`` (``independent``: two
    relation samples; ``paired in <shape>``: two pairs of the same draws; ``paired in
    <shape>, each family once``: the same, each family's mean of the draws, the families
    weighed alike, :class:`_FamilyMeans`), ``measure``,
    ``n_a``, ``n_b`` (draws with a value), ``n_pairs`` (distinct pairs of models of
    both sides), ``n_families`` (distinct families of the side with fewer; for paired
    designs, of the draws), ``mean_a``, ``mean_b``, ``difference`` (A - B), ``ci_low``,
    ``ci_high`` (family-bootstrap interval of the difference), ``effect_size`` (Cohen's
    d with the pooled standard deviation; for paired designs d_z, the mean difference
    over the standard deviation of the differences; a description of the pairs, not a
    test), ``p_value`` (two-sided, from the family resamples of the difference:
    :func:`bootstrap_p`), ``resamples`` (the resamples behind it: p is never below
    2 / (resamples + 1)), ``effective_families`` (Kish's effective number of families,
    (sum of draws per family)^2 / sum of their squares, of the side with fewer: 10
    families of which one holds most draws count as few), ``largest_family_share`` (the
    share of its side's draws that the largest family holds, on the side where it holds
    most; in rows with each family once, 1 / families, what each weighs there),
    ``difference_without_largest`` (A - B with that family's draws left out of
    both sides: a description, no test; the family resamples leave that family out about
    a third of the time, and when the difference without it has the other sign about
    half of those fall on that side, so a 95% interval then covers 0), ``status``
    (``tested``, or ``too few families`` when ``effective_families`` is under
    ``min_families``: no verdict is drawn from such a row).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
from scipy import special

from phylohub.draws import cluster_sums, count_draws, draw_indexes
from phylohub.errors import PhylohubError
from phylohub.kinship.sampling import RELATIONS, shape_pairs
from phylohub.kinship.shapes import RELATION_SHAPE, SHAPES

__all__ = [
    "CLAIMS",
    "PAIR_COLUMNS",
    "Summary",
    "bootstrap_cluster_means",
    "bootstrap_means",
    "bootstrap_p",
    "join_pairs",
    "resample_clusters",
    "summarize",
    "widen",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Independent comparisons of relations: (claim, relation A, relation B); A > B expected.
_INDEPENDENT: Final[tuple[tuple[str, str, str], ...]] = (
    *(("family_resemblance", r, "random") for r in RELATIONS if r != "random"),
    ("siblings_over_parent", "siblings", "parent_child"),
    ("generational_divide", "parent_child", "grandparent"),
    ("generational_divide", "grandparent", "great_grandparent"),
    ("generational_divide", "siblings", "grandparent"),
    ("generational_divide", "uncle_nephew", "grandparent"),
    ("generational_divide", "cousins", "uncle_nephew"),
    ("network_distance", "parent_child", "uncle_nephew"),
)

#: Paired comparisons inside one shape: (claim, shape, pairs of A, pairs of B, A, B).
#: A side with two role pairs is their mean in each draw.
_PAIRED: Final[tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], str, str], ...]] = (
    ("siblings_over_parent", "cherry", ("a-b",), ("p-a", "p-b"), "siblings", "parent_child"),
    ("network_distance", "uncle", ("p-c",), ("u-c",), "parent_child", "uncle_nephew"),
    ("generational_divide", "uncle", ("p-u",), ("p-c",), "siblings", "parent_child"),
    ("generational_divide", "chain3", ("g-c",), ("G-c",), "grandparent", "great_grandparent"),
)

#: The columns of the kin pairs the summary reads.
PAIR_COLUMNS: Final[tuple[str, ...]] = ("shape", "draw", "role_a", "role_b", "a", "b", "family_a")

#: Every claim tested, in order.
CLAIMS: Final[tuple[str, ...]] = (
    "family_resemblance",
    "siblings_over_parent",
    "generational_divide",
    "network_distance",
)


@dataclass(frozen=True)
class Summary:
    """The three tables of the module docstring."""

    means: pa.Table
    shape_means: pa.Table
    tests: pa.Table


def join_pairs(pairs: pa.Table, similarity: pa.Table) -> pl.DataFrame:
    """The kin pairs with the measures of their (unordered) pair of models."""
    return _join_coded(pairs, similarity).drop("_pair")


def _join_coded(pairs: pa.Table, similarity: pa.Table) -> pl.DataFrame:
    """:func:`join_pairs` with ``_pair``, a one-to-one integer code of each row's
    unordered pair of models (only ever counted: distinct pairs).

    Why not a join on the two id strings: hashing 1.3 million ids twice (the join, then
    a code of the pairs) was a second of the summary at 1.86M models. Ids are encoded
    once here, through the files' own dictionaries where they come as such
    (:func:`_model_codes`), and the similarity row of each pair is found by a binary
    search of integer keys; the rows and values are the same as the join's
    (tests/similarity/test_summary_join.py).
    """
    codes = _model_codes([pairs["a"], pairs["b"], similarity["a"], similarity["b"]])
    pa_, pb, sa, sb = codes
    width = int(max((c.max() for c in codes if c.size), default=0)) + 1
    pair = np.minimum(pa_, pb) * width + np.maximum(pa_, pb)
    skey = np.minimum(sa, sb) * width + np.maximum(sa, sb)
    order = np.argsort(skey, kind="stable")
    found = np.zeros(pair.size, dtype=bool)
    row = np.zeros(pair.size, dtype=np.int64)
    if skey.size:
        # (searching the sorted keys themselves: half the time of ``sorter=order``)
        pos = np.minimum(np.searchsorted(skey[order], pair), skey.size - 1)
        row = order[pos]
        found = skey[row] == pair
    if not found.all():
        raise PhylohubError(
            f"{int((~found).sum())} kin pairs have no similarity row; compute the similarity again"
        )
    p = pl.from_arrow(_plain(pairs))
    values = pl.from_arrow(similarity.drop_columns(["a", "b"]).take(pa.array(row)))
    assert isinstance(p, pl.DataFrame) and isinstance(values, pl.DataFrame)
    return p.hstack(values).with_columns(_pair=pl.Series(pair, dtype=pl.Int64))


def _plain(table: pa.Table) -> pa.Table:
    """``table`` with any dictionary-encoded column decoded (the tables the rule reads
    keep the ids' dictionaries: :func:`_model_codes` uses them)."""
    for i, f in enumerate(table.schema):
        if pa.types.is_dictionary(f.type):
            table = table.set_column(i, f.name, table.column(i).cast(f.type.value_type))
    return table


def _model_codes(columns: Sequence[pa.ChunkedArray]) -> list[IntArray]:
    """One integer code per distinct string over all ``columns``, for every value.

    A dictionary-encoded chunk (as ``pyarrow.parquet.read_table(read_dictionary=...)``
    gives) is coded by encoding only its dictionary (tens of thousands of ids, not a
    value per row), and a dictionary that several chunks share (a column's row groups
    read from one file share its dictionary) only once; other chunks are encoded whole.
    Codes are one-to-one, in no meaningful order.
    """
    dicts: list[pa.Array] = []
    seen: dict[tuple[int, ...], int] = {}
    chunk_parts: list[list[tuple[int, npt.NDArray[np.int64]]]] = []
    for column in columns:
        parts = []
        for chunk in column.chunks:
            if not pa.types.is_dictionary(chunk.type):
                chunk = chunk.dictionary_encode()
            d = chunk.dictionary
            key = (len(d), d.offset, *(b.address if b is not None else 0 for b in d.buffers()))
            if key not in seen:
                seen[key] = len(dicts)
                dicts.append(d.cast(pa.string()))
            parts.append((seen[key], np.asarray(chunk.indices, dtype=np.int64)))
        chunk_parts.append(parts)
    if not dicts:
        return [np.zeros(0, dtype=np.int64) for _ in columns]
    sizes = np.array([len(d) for d in dicts], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    glob = np.asarray(
        pa.chunked_array(dicts, pa.string()).combine_chunks().dictionary_encode().indices,
        dtype=np.int64,
    )
    out = []
    for parts in chunk_parts:
        pieces = [glob[offsets[k] : offsets[k + 1]][idx] for k, idx in parts]
        out.append(np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64))
    return out


def resample_clusters(
    n_clusters: int,
    resamples: int,
    rng: np.random.Generator,
    block: int = 500,
    at: IntArray | None = None,
) -> Iterator[FloatArray]:
    """Blocks of cluster multiplicities, ``resamples`` rows in all.

    Each row is one resample: ``n_clusters`` clusters drawn with replacement, as the
    count of each (``block`` x ``n_clusters``, the last block shorter; counted by
    :func:`phylohub.draws.count_draws`). With ``at``, the counts of the clusters ``at``
    only, in that order (``block`` x ``at.size``); the draws are the same.
    """
    done = 0
    while done < resamples:
        b = min(block, resamples - done)
        yield count_draws(draw_indexes(rng, n_clusters, (b, n_clusters)), n_clusters, at)
        done += b


def bootstrap_cluster_means(
    tables: Sequence[tuple[FloatArray, IntArray]],
    resamples: int,
    rng: np.random.Generator,
    block: int = 500,
) -> list[FloatArray]:
    """Cluster-bootstrap means of every column of several tables that share clusters.

    Each table is ``(values, clusters)``: rows x columns, NaN where a row lacks a value,
    and the cluster label of each row (labels are shared across tables). One resample
    draws as many clusters as there are distinct labels in all the tables, with
    replacement, and every table's resampled mean of a column is the mean of its values
    in the drawn clusters, a cluster drawn twice counting twice (NaN when none has a
    value). Rows of one cluster are never separated, so a table whose rows come in
    correlated clusters gets intervals as wide as its clusters warrant, and two tables
    resampled together keep the correlation their shared clusters give them. Returns
    one ``resamples`` x columns array per table.

    With every row its own cluster this is the ordinary bootstrap of rows
    (:func:`bootstrap_means` without ``clusters``).
    """
    outs = [np.full((resamples, v.shape[1]), np.nan) for v, _ in tables]
    if not tables:
        return outs
    labels = np.unique(np.concatenate([np.asarray(c, dtype=np.int64) for _, c in tables]))
    if labels.size == 0:
        return outs
    parts = [_cluster_sums(v, np.searchsorted(labels, c)) for v, c in tables]
    # One product per table and block: [sums | rows | counts of the gap columns], so the
    # block of counts is read once; and blocks small enough to stay in the processor's
    # cache (the draws are the same whatever the block: one stream, row after row).
    stacked = [np.column_stack([sums, rows, counts]) for _, sums, counts, rows, _, _ in parts]
    block = max(8, min(block, _CACHE_CELLS // max(labels.size, 1)))
    # Each block holds the counts of every table's clusters, one table after another
    # (a cluster of several tables counted once per table), so a table's counts are a
    # slice of the block, multiplied where they lie: each resample's counts are taken at
    # those clusters as they are counted, while they are in the cache, rather than copied
    # out of the whole block per table afterwards. One table of every cluster takes the
    # counts as they come. The products are the same to the bit (the same numbers in
    # the same order).
    whole = len(parts) == 1 and parts[0][0].size == labels.size
    at = None if whole else np.concatenate([index for index, *_ in parts])
    bounds = np.cumsum([0, *(index.size for index, *_ in parts)])
    done = 0
    for w in resample_clusters(labels.size, resamples, rng, block, at):
        b = w.shape[0]
        for t, (out, (_, sums, _, _, gaps, pattern), m) in enumerate(
            zip(outs, parts, stacked, strict=True)
        ):
            prod = w[:, bounds[t] : bounds[t + 1]] @ m
            k = sums.shape[1]
            total = prod[:, :k]
            with np.errstate(invalid="ignore", divide="ignore"):
                means = total / prod[:, k : k + 1]
                if gaps.size:
                    ns = prod[:, k + 1 :][:, pattern]
                    means[:, gaps] = np.where(ns > 0, total[:, gaps] / ns, np.nan)
            out[done : done + b] = means
        done += b
    return outs


#: Cells (resamples x clusters, float64) of a block of counts: 8 MB, about the cache
#: (smaller blocks leave two BLAS threads idle; larger ones miss the cache).
_CACHE_CELLS: Final[int] = 2**20


def _cluster_sums(
    values: FloatArray, cluster: IntArray
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray, IntArray, IntArray]:
    """Per cluster present: its label, sums of the non-NaN values, their counts (only
    of the columns some rows lack), its number of rows, those columns, and which
    column of counts is each's.

    Columns with the same rows missing (the three card metrics of a pair of roles)
    share one column of counts: an eighth of the products fewer at 1.86M, and the same
    figures, for counts are whole numbers, exact in any order of summation.
    """
    index, inv = np.unique(cluster, return_inverse=True)
    inv = inv.reshape(-1)
    valid = ~np.isnan(values)
    gaps = np.flatnonzero(~valid.all(axis=0))
    patterns, pattern = _column_patterns(valid[:, gaps])
    sums = cluster_sums(np.where(valid, values, 0.0), inv, index.size)
    counts = cluster_sums(patterns.astype(np.float64), inv, index.size)
    rows = np.bincount(inv, minlength=index.size).astype(np.float64).reshape(-1, 1)
    return index.astype(np.int64), sums, counts, rows, gaps, pattern


def _column_patterns(mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.bool_], IntArray]:
    """The distinct columns of ``mask`` (rows x distinct) and which is each column's:
    ``np.unique(mask, axis=1, return_inverse=True)``, in its order (lexicographic, False
    first), from the columns' bytes; numpy's version builds a record type with a field
    per row (a fifth of a second at 1.86M)."""
    keys = [mask[:, j].tobytes() for j in range(mask.shape[1])]
    distinct = sorted(set(keys))
    where = {k: i for i, k in enumerate(distinct)}
    pattern = np.array([where[k] for k in keys], dtype=np.int64)
    patterns = np.zeros((mask.shape[0], len(distinct)), dtype=bool)
    for i, k in enumerate(distinct):
        patterns[:, i] = np.frombuffer(k, dtype=np.uint8).astype(bool)
    return patterns, pattern


def bootstrap_means(
    values: FloatArray,
    resamples: int,
    rng: np.random.Generator,
    block: int = 500,
    clusters: IntArray | None = None,
) -> FloatArray:
    """Bootstrap means of every column of ``values`` (draws x columns), NaN-aware.

    Without ``clusters`` rows are resampled with replacement, each on its own (right
    only when rows are independent); with ``clusters`` (a label per row) whole clusters
    are (:func:`bootstrap_cluster_means`). A resample's mean of a column is over its
    rows that are not NaN (NaN when none is). Returns ``resamples`` x columns.
    """
    n = values.shape[0]
    if n == 0:
        return np.full((resamples, values.shape[1]), np.nan)
    labels = np.arange(n, dtype=np.int64) if clusters is None else np.asarray(clusters)
    if labels.shape != (n,):
        raise PhylohubError("bootstrap_means: one cluster label per row is needed")
    return bootstrap_cluster_means([(values, labels)], resamples, rng, block)[0]


def _interval_1d(boot: FloatArray, confidence: float) -> tuple[float, float]:
    """:func:`_interval` of one column: both quantiles of its non-NaN resamples in one
    ``np.quantile`` call (what ``nanquantile`` computes for each, without its per-column
    machinery: 1,600 calls of it were a second of the summary)."""
    alpha = (1 - confidence) / 2
    ok = boot[~np.isnan(boot)]
    if ok.size == 0:
        return float("nan"), float("nan")
    lo, hi = np.quantile(ok, [alpha, 1 - alpha])
    return float(lo), float(hi)


def _pair_key(ra: str, rb: str) -> str:
    return f"{ra}-{rb}"


def _nanmean(v: FloatArray) -> float:
    ok = v[~np.isnan(v)]
    return float(ok.mean()) if ok.size else float("nan")


def widen(boot: FloatArray, estimate: float, n_families: int, confidence: float) -> FloatArray:
    """Resamples spread around the estimate by the small-sample factor of ``n_families``.

    A bootstrap of G clusters is too narrow for small G: its variance is (G - 1) / G of
    the unbiased one, and its tails are normal where a mean of G clusters has Student's
    t tails with G - 1 degrees of freedom. Each deviation from the estimate is scaled by
    ``sqrt(G / (G - 1)) * t(G - 1) / z`` at the quantile of ``confidence`` (the factor
    that turns a normal-theory interval into Student's t interval; 1.22 for G = 10, 1.06
    for 30, 1.00 in the limit). Simulated ecosystems of 10 to 60 families with unequal
    sizes then cover the planted mean 92-94% of the time at 95%, against 88-93% without
    it (tests/similarity/test_family_bootstrap.py). NaN for fewer than two families:
    one family gives no interval.

    >>> widen(np.array([1.0, 3.0]), 2.0, 10, 0.95).round(3)
    array([0.783, 3.217])
    """
    if n_families < 2 or np.isnan(estimate):
        return np.full_like(boot, np.nan)
    return estimate + _widening(n_families, confidence) * (boot - estimate)


@functools.lru_cache(maxsize=4096)
def _widening(n_families: int, confidence: float) -> float:
    """The factor of :func:`widen` (remembered: hundreds of rows share a few family counts).

    The quantiles come from ``scipy.special`` (``stdtrit``, ``ndtri``), the functions
    ``scipy.stats.t.ppf`` and ``norm.ppf`` call, without importing ``scipy.stats``
    (half a second of every run); equal to the bit (tests/similarity/test_summary_speed.py).
    """
    q = 1 - (1 - confidence) / 2
    t = special.stdtrit(n_families - 1, q)
    factor = np.sqrt(n_families / (n_families - 1)) * t / special.ndtri(q)
    return float(factor)


def bootstrap_p(boot: FloatArray) -> float:
    """Two-sided p-value of "the difference is 0" from bootstrap resamples of it.

    Twice the share of resamples at or beyond 0 on the far side from the bulk, counting
    the estimate itself once (so it is never 0), at most 1: about the smallest
    1 - confidence at which the percentile interval leaves 0 out. It comes from the same
    resamples as the interval (family resamples, widened by :func:`widen`, in
    :func:`summarize`), so it is no smaller than ``2 / (resamples + 1)``.

    >>> bootstrap_p(np.array([0.1, 0.2, -0.1, 0.3]))
    0.8
    """
    ok = boot[~np.isnan(boot)]
    if ok.size == 0:
        return float("nan")
    far = min(int((ok <= 0).sum()), int((ok >= 0).sum()))
    return min(1.0, 2 * (1 + far) / (ok.size + 1))


@dataclass
class _Shape:
    """One shape's draws: per-draw values of every column (``cols``, each a column of
    ``table``), the family (cluster) of each draw and, per pair of roles, a code of the
    unordered pair of models it compared."""

    table: FloatArray
    cols: dict[str, FloatArray]
    family: IntArray
    pair_code: dict[str, IntArray]
    boot: dict[str, FloatArray]
    counted: dict[tuple[tuple[str, ...], bytes], tuple[int, int]] = field(default_factory=dict)

    def support(self, valid: npt.NDArray[np.bool_], keys: Sequence[str]) -> tuple[int, int]:
        """Distinct pairs (of the role pairs ``keys``) and families among ``valid`` draws
        (remembered: the measures of one pair of roles mostly share their valid draws)."""
        key = (tuple(keys), np.packbits(valid).tobytes() + valid.size.to_bytes(8, "little"))
        if key not in self.counted:
            codes = np.concatenate([self.pair_code[k][valid] for k in keys])
            self.counted[key] = (_distinct(codes), _distinct(self.family[valid]))
        return self.counted[key]


def _distinct(codes: IntArray) -> int:
    """How many distinct values ``codes`` holds: ``np.unique(codes).size``.

    Family and pair codes are dense ranks (:func:`_codes`), so a mark per value counts
    them without the sort of ``np.unique`` (over a thousand counts in a summary).
    """
    if codes.size == 0:
        return 0
    if int(codes.min()) < 0:
        return int(np.unique(codes).size)
    seen = np.zeros(int(codes.max()) + 1, dtype=bool)
    seen[codes] = True
    return int(np.count_nonzero(seen))


def _codes(df: pl.DataFrame) -> pl.DataFrame:
    """Integer codes of each row's family (``_family``), beside the pair codes of
    :func:`_join_coded` (``_pair``).

    A pair belongs to the family of its first model (``family_a``): every pair inside a
    kin shape lies in one family; a random pair straddles two, and goes with its first
    model's (the model drawn first, uniformly), so random pairs that touch the same big
    family are resampled together on that side. Family codes are ranks (the bootstrap's
    clusters are in that order, so the resamples depend on it); the pair codes become
    dense ranks too (they are only counted, and ranks count by marks: :func:`_distinct`).
    """
    if "family_a" not in df.columns:
        raise PhylohubError("kin pairs carry no family column; sample the kin pairs again")
    _, pair = np.unique(df["_pair"].to_numpy(), return_inverse=True)
    return df.with_columns(
        _family=pl.col("family_a").rank("dense").cast(pl.Int64),
        _pair=pl.Series(pair.reshape(-1), dtype=pl.Int64),
    )


def _shape_draws(sub: pl.DataFrame, shape: str, measures: Sequence[str]) -> _Shape:
    """Per-draw columns of a shape: each pair of roles x measure, and paired differences.

    The columns are those of one array, column after column, which the bootstrap takes
    as it is (an array per column, then stacked for it: 0.15-0.2 s of the summary's
    2.5 s at 1.86M).
    """
    n_draws = int(sub["draw"].to_numpy().max()) + 1
    keys = [_pair_key(ra, rb) for ra, rb, _, _, _ in shape_pairs(shape)]
    paired = [(claim, a, b) for claim, cshape, a, b, _, _ in _PAIRED if cshape == shape]
    names = [f"{k}|{m}" for k in keys for m in measures]
    names += [_diff_key(claim, a, b, m) for claim, a, b in paired for m in measures]
    table = np.full((n_draws, len(names)), np.nan, order="F")
    cols = {name: table[:, j] for j, name in enumerate(names)}
    codes: dict[str, IntArray] = {}
    family = np.full(n_draws, -1, dtype=np.int64)
    parts = sub.partition_by("role_a", "role_b", as_dict=True)
    for ra, rb, _, _, _ in shape_pairs(shape):
        rows = parts.get((ra, rb), sub.clear())  # every value is put at its draw
        draw = rows["draw"].to_numpy()
        code = np.full(n_draws, -1, dtype=np.int64)
        code[draw] = rows["_pair"].to_numpy()
        codes[_pair_key(ra, rb)] = code
        family[draw] = rows["_family"].to_numpy()
        for m in measures:
            cols[f"{_pair_key(ra, rb)}|{m}"][draw] = rows[m].to_numpy()
    for claim, side_a, side_b in paired:
        for m in measures:
            a = np.mean([cols[f"{k}|{m}"] for k in side_a], axis=0)
            b = np.mean([cols[f"{k}|{m}"] for k in side_b], axis=0)
            cols[_diff_key(claim, side_a, side_b, m)][:] = a - b
    return _Shape(table, cols, family, codes, {})


def _diff_key(claim: str, side_a: Sequence[str], side_b: Sequence[str], measure: str) -> str:
    return f"diff:{claim}:{'+'.join(side_a)}:{'+'.join(side_b)}|{measure}"


def _bootstrap(
    draws: dict[str, _Shape],
    once: Sequence[_FamilyMeans],
    resamples: int,
    seed: int,
    block: int = 500,
) -> None:
    """Fill every shape's ``boot`` and every family-means table's: one family resampling
    shared by all (the family-means tables' rows are families already counted among the
    shapes', so they add no draw: the shapes' resamples are the same with them)."""
    tables = [(d.table, d.family) for d in draws.values()]
    tables += [(fm.diff, fm.labels) for fm in once]
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1000]))
    boots = bootstrap_cluster_means(tables, resamples, rng, block)
    for d, boot in zip(draws.values(), boots[: len(draws)], strict=True):
        d.boot.update({k: boot[:, j] for j, k in enumerate(d.cols)})
    for fm, boot in zip(once, boots[len(draws) :], strict=True):
        fm.boot = boot


def summarize(
    pairs: pa.Table,
    similarity: pa.Table,
    measures: Sequence[str],
    occurrences: dict[str, int],
    resamples: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
    min_families: int = 10,
) -> Summary:
    """Means with family-bootstrap intervals, per relation and inside shapes, and the claims.

    Parameters
    ----------
    pairs : pyarrow.Table
        Kin pairs (``kin_pairs``), with the family of each model.
    similarity : pyarrow.Table
        Pair similarities (one column per measure).
    measures : sequence of str
        Measures to summarise (columns of ``similarity``).
    occurrences : dict of str to int
        Exact occurrences of each shape (``kin_shapes``), reported beside the means.
    resamples : int
        Bootstrap resamples of the families (the paper: 10,000, of pairs).
    confidence : float
        Level of the intervals.
    seed : int
        Seed of the resamples.
    min_families : int
        A claim resting on fewer effective families (Kish's, on its thinner side) is not
        judged: its ``status`` is ``too few families``.
    """
    if resamples < 1 or not 0 < confidence < 1:
        raise PhylohubError("similarity: bootstrap must be >= 1 and confidence in (0, 1)")
    if min_families < 1:
        raise PhylohubError(f"similarity.min_families must be >= 1, not {min_families}")
    df = _codes(_join_coded(pairs, similarity))
    # one pass over the rows for all shapes (a filter per shape read them all each time)
    by_shape = df.partition_by("shape", as_dict=True, maintain_order=True)
    draws = {
        shape: _shape_draws(by_shape[(shape,)], shape, measures)
        for shape in SHAPES
        if (shape,) in by_shape
    }
    del df, by_shape  # the draws hold what the rest needs: free the rows for the bootstrap
    once = {
        (claim, shape): _FamilyMeans(draws[shape], claim, side_a, side_b, measures)
        for claim, shape, side_a, side_b, _, _ in _PAIRED
        if shape in draws
    }
    _bootstrap(draws, list(once.values()), resamples, seed)
    shape_rows: list[dict[str, object]] = []
    # each relation's means are those of a pair of roles in its shape: computed once
    mean_rows: dict[tuple[str, str, str], dict[str, object]] = {}
    for shape, d in draws.items():
        for ra, rb, relation, distance, divide in shape_pairs(shape):
            for m in measures:
                row = mean_rows[shape, _pair_key(ra, rb), m] = _mean_row(
                    d, _pair_key(ra, rb), m, confidence
                )
                shape_rows.append(
                    {"shape": shape, "role_a": ra, "role_b": rb, "relation": relation,
                     "distance": distance, "divide": divide, "measure": m, **row}
                )  # fmt: skip
    means_rows: list[dict[str, object]] = []
    relation_values: dict[str, tuple[str, str]] = {}
    for relation in RELATIONS:
        shape, ra, rb = RELATION_SHAPE[relation]
        if shape not in draws:
            continue
        relation_values[relation] = (shape, _pair_key(ra, rb))
        for m in measures:
            row = mean_rows[shape, _pair_key(ra, rb), m]
            means_rows.append(
                {"relation": relation, "measure": m, **row,
                 "occurrences": int(occurrences.get(shape, 0))}
            )  # fmt: skip
    tests = _tests(measures, draws, once, relation_values, confidence, min_families)
    return Summary(
        pa.Table.from_pylist(means_rows, schema=_MEANS_SCHEMA),
        pa.Table.from_pylist(shape_rows, schema=_SHAPE_SCHEMA),
        pa.Table.from_pylist(tests, schema=_TESTS_SCHEMA),
    )


def _mean_row(d: _Shape, key: str, measure: str, confidence: float) -> dict[str, object]:
    """n, n_pairs, n_families, mean, std and interval of one pair of roles and measure."""
    v = d.cols[f"{key}|{measure}"]
    valid = ~np.isnan(v)
    ok = v[valid]
    n_pairs, n_families = d.support(valid, [key])
    mean = _nanmean(v)
    boot = widen(d.boot[f"{key}|{measure}"], mean, n_families, confidence)
    lo, hi = _interval_1d(boot, confidence)
    return {
        "n": int(ok.size),
        "n_pairs": n_pairs,
        "n_families": n_families,
        "mean": mean,
        "std": float(ok.std(ddof=1)) if ok.size > 1 else float("nan"),
        "ci_low": lo,
        "ci_high": hi,
    }


def _tests(
    measures: Sequence[str],
    draws: dict[str, _Shape],
    once: dict[tuple[str, str], _FamilyMeans],
    relation_values: dict[str, tuple[str, str]],
    confidence: float,
    min_families: int,
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for claim in CLAIMS:
        for c, ra, rb in _INDEPENDENT:
            if c != claim or ra not in relation_values or rb not in relation_values:
                continue
            sa, ka = relation_values[ra]
            sb, kb = relation_values[rb]
            da, db = draws[sa], draws[sb]
            for m in measures:
                xa, xb = da.cols[f"{ka}|{m}"], db.cols[f"{kb}|{m}"]
                va, vb = ~np.isnan(xa), ~np.isnan(xb)
                _, fa = da.support(va, [ka])
                _, fb = db.support(vb, [kb])
                # Distinct pairs of both sides (codes are global), families of the thinner.
                codes = np.concatenate([da.pair_code[ka][va], db.pair_code[kb][vb]])
                support = (_distinct(codes), min(fa, fb))
                diff_boot = da.boot[f"{ka}|{m}"] - db.boot[f"{kb}|{m}"]
                weight = _Weight.of([(xa[va], da.family[va]), (xb[vb], db.family[vb])])
                rows.append(
                    _test_row(claim, ra, rb, "independent", m, xa[va], xb[vb], None,
                              diff_boot, support, weight, confidence, min_families)
                )  # fmt: skip
        for c, shape, side_a, side_b, ra, rb in _PAIRED:
            if c != claim or shape not in draws:
                continue
            d = draws[shape]
            for j, m in enumerate(measures):
                key = _diff_key(claim, side_a, side_b, m)
                diff = d.cols[key]
                ok = ~np.isnan(diff)
                a, b = _side_mean(d, side_a, m)[ok], _side_mean(d, side_b, m)[ok]
                support = d.support(ok, [*side_a, *side_b])
                weight = _Weight.of([(diff[ok], d.family[ok])])
                rows.append(
                    _test_row(claim, ra, rb, f"paired in {shape}", m, a, b, diff[ok],
                              d.boot[key], support, weight, confidence, min_families)
                )  # fmt: skip
                rows.append(once[claim, shape].row(j, claim, ra, rb, shape, m, support[0],
                                                   confidence, min_families))  # fmt: skip
    return rows


def _side_mean(d: _Shape, side: Sequence[str], measure: str) -> FloatArray:
    """Per draw, the mean of a paired comparison's side (one pair of roles, or the mean of
    two: the parent's two children in a cherry)."""
    if len(side) == 1:
        return d.cols[f"{side[0]}|{measure}"]
    out: FloatArray = np.mean([d.cols[f"{k}|{measure}"] for k in side], axis=0)
    return out


#: The design of a paired comparison whose families weigh alike (:class:`_FamilyMeans`).
EACH_FAMILY_ONCE: Final[str] = "paired in {shape}, each family once"


class _FamilyMeans:
    """A paired comparison with every family once, for every measure: each family's mean
    of the draws' differences (and of A and B), averaged over the families alike, with a
    bootstrap of those family means (widened for their number, as every interval here).

    Draws sample pairs uniformly, and a family of n models holds about n^2 sibling pairs,
    so the draws' mean is mostly the few largest families' (on the 1.86M-model benchmark
    snapshot the cherry draws' 162 families are 4.2 effective families). With every family
    once, the question is whether siblings are the more alike in a typical family, and
    the families count as they are: ``effective_families`` is their number. The family
    means (``diff``: families x measures) are resampled with everything else
    (:func:`_bootstrap` fills ``boot``); a family without a value of a measure (cards
    missing) is left out of that measure's means.
    """

    def __init__(
        self,
        d: _Shape,
        claim: str,
        side_a: Sequence[str],
        side_b: Sequence[str],
        measures: Sequence[str],
    ) -> None:
        labels, inv = np.unique(d.family, return_inverse=True)
        self.labels: IntArray = labels.astype(np.int64)
        self.inv = inv.reshape(-1)
        g = labels.size
        cols: dict[str, list[FloatArray]] = {"a": [], "b": [], "diff": [], "n": []}
        for m in measures:
            diff = d.cols[_diff_key(claim, side_a, side_b, m)]
            ok = ~np.isnan(diff)
            n = np.bincount(self.inv[ok], minlength=g).astype(np.float64)
            for name, side in (("a", side_a), ("b", side_b)):
                v = _side_mean(d, side, m)
                cols[name].append(self._mean(v, ok, n))
            cols["diff"].append(self._mean(diff, ok, n))
            cols["n"].append(n)
        stacked = {k: np.column_stack(v) if v else np.zeros((g, 0)) for k, v in cols.items()}
        self.a, self.b, self.diff, self.n = (stacked[k] for k in ("a", "b", "diff", "n"))
        self.boot: FloatArray = np.full((1, len(measures)), np.nan)

    def _mean(self, values: FloatArray, ok: npt.NDArray[np.bool_], n: FloatArray) -> FloatArray:
        g = n.size
        sums = np.bincount(self.inv[ok], weights=values[ok], minlength=g)
        with np.errstate(invalid="ignore", divide="ignore"):
            out: FloatArray = sums / np.where(n > 0, n, np.nan)
        return out

    def row(
        self,
        j: int,
        claim: str,
        ra: str,
        rb: str,
        shape: str,
        measure: str,
        n_pairs: int,
        confidence: float,
        min_families: int,
    ) -> dict[str, object]:
        """The row of measure ``j`` (``n_pairs``: the draws' distinct pairs)."""
        nan = float("nan")
        has = self.n[:, j] > 0
        per_diff = self.diff[has, j]
        g = int(has.sum())
        counts = self.n[has, j]
        largest = int(np.argmax(counts)) if g else 0
        others = np.delete(per_diff, largest) if g else per_diff
        # every family weighs 1/g here; left out, as elsewhere: the one with most draws
        weight = _Weight(float(g), 1 / g if g else nan,
                         float(others.mean()) if others.size else nan)  # fmt: skip
        row = _test_row(claim, ra, rb, EACH_FAMILY_ONCE.format(shape=shape), measure,
                        self.a[has, j], self.b[has, j], per_diff, self.boot[:, j],
                        (n_pairs, g), weight, confidence, min_families)  # fmt: skip
        row["n_a"] = row["n_b"] = int(counts.sum())  # the draws behind the family means
        return row


def _test_row(
    claim: str,
    ra: str,
    rb: str,
    design: str,
    measure: str,
    xa: FloatArray,
    xb: FloatArray,
    diffs: FloatArray | None,
    diff_boot: FloatArray,
    support: tuple[int, int],
    weight: _Weight,
    confidence: float,
    min_families: int,
) -> dict[str, object]:
    """One row of ``tests``: interval and p-value from the family resamples of the
    difference; the effect size describes the pairs (it is no test); the status from
    the effective families."""
    nan = float("nan")
    mean_a = float(xa.mean()) if xa.size else nan
    mean_b = float(xb.mean()) if xb.size else nan
    effect = nan
    if diffs is None:
        if xa.size > 1 and xb.size > 1:
            pooled = np.sqrt(
                ((xa.size - 1) * xa.var(ddof=1) + (xb.size - 1) * xb.var(ddof=1))
                / (xa.size + xb.size - 2)
            )
            effect = (mean_a - mean_b) / pooled if pooled > 0 else nan
    elif diffs.size > 1:
        sd = diffs.std(ddof=1)
        effect = float(diffs.mean() / sd) if sd > 0 else nan
    n_pairs, n_families = support
    boot = widen(diff_boot, mean_a - mean_b, n_families, confidence)
    lo, hi = _interval_1d(boot, confidence)
    return {
        "claim": claim,
        "comparison": f"{ra} > {rb}",
        "design": design,
        "measure": measure,
        "n_a": int(xa.size),
        "n_b": int(xb.size),
        "n_pairs": n_pairs,
        "n_families": n_families,
        "mean_a": mean_a,
        "mean_b": mean_b,
        "difference": mean_a - mean_b,
        "ci_low": lo,
        "ci_high": hi,
        "effect_size": float(effect),
        "p_value": bootstrap_p(boot),
        "resamples": int(np.count_nonzero(~np.isnan(boot))),
        "effective_families": weight.effective,
        "largest_family_share": weight.largest_share,
        "difference_without_largest": weight.without_largest,
        "status": "too few families" if weight.effective < min_families else "tested",
    }


@dataclass(frozen=True)
class _Weight:
    """How a test's draws spread over families: Kish's effective number of families of
    the thinner side, the largest family's share of its side's draws (on the side where
    it holds most) and the estimate without that family (A - B; a paired design's one
    side is the differences, B nothing).

    A family bootstrap's interval is as wide as its families warrant when they weigh
    alike; when one family holds most of the draws, the interval and the estimate rest
    on it, whatever the count of families (10 families, one with 91% of the draws, are
    1.2 effective families). Leaving that family out shows what the other families say.

    >>> w = _Weight.of([(np.array([1.0, 1.0, 1.0, 0.0]), np.array([0, 0, 0, 1]))])
    >>> round(w.effective, 2), w.largest_share, w.without_largest
    (1.6, 0.75, 0.0)
    """

    effective: float
    largest_share: float
    without_largest: float

    @classmethod
    def of(cls, sides: Sequence[tuple[FloatArray, IntArray]]) -> _Weight:
        nan = float("nan")
        if any(v.size == 0 for v, _ in sides):
            return cls(0.0, nan, nan)
        size = int(max(int(f.max()) for _, f in sides)) + 1
        counts = [np.bincount(f, minlength=size).astype(np.float64) for _, f in sides]
        effective = min(float(c.sum() ** 2 / (c**2).sum()) for c in counts)
        shares = np.max([c / c.sum() for c in counts], axis=0)
        largest = int(np.argmax(shares))  # the lowest code among equal shares
        means = [v[f != largest].mean() if (f != largest).any() else nan for v, f in sides]
        without = float(means[0] - means[1]) if len(means) == 2 else float(means[0])
        return cls(effective, float(shares[largest]), without)


_MEANS_SCHEMA = pa.schema(
    [
        ("relation", pa.string()),
        ("measure", pa.string()),
        ("n", pa.int64()),
        ("n_pairs", pa.int64()),
        ("n_families", pa.int64()),
        ("mean", pa.float64()),
        ("std", pa.float64()),
        ("ci_low", pa.float64()),
        ("ci_high", pa.float64()),
        ("occurrences", pa.int64()),
    ]
)
_SHAPE_SCHEMA = pa.schema(
    [
        ("shape", pa.string()),
        ("role_a", pa.string()),
        ("role_b", pa.string()),
        ("relation", pa.string()),
        ("distance", pa.int64()),
        ("divide", pa.int64()),
        ("measure", pa.string()),
        ("n", pa.int64()),
        ("n_pairs", pa.int64()),
        ("n_families", pa.int64()),
        ("mean", pa.float64()),
        ("std", pa.float64()),
        ("ci_low", pa.float64()),
        ("ci_high", pa.float64()),
    ]
)
_TESTS_SCHEMA = pa.schema(
    [
        ("claim", pa.string()),
        ("comparison", pa.string()),
        ("design", pa.string()),
        ("measure", pa.string()),
        ("n_a", pa.int64()),
        ("n_b", pa.int64()),
        ("n_pairs", pa.int64()),
        ("n_families", pa.int64()),
        ("mean_a", pa.float64()),
        ("mean_b", pa.float64()),
        ("difference", pa.float64()),
        ("ci_low", pa.float64()),
        ("ci_high", pa.float64()),
        ("effect_size", pa.float64()),
        ("p_value", pa.float64()),
        ("resamples", pa.int64()),
        ("effective_families", pa.float64()),
        ("largest_family_share", pa.float64()),
        ("difference_without_largest", pa.float64()),
        ("status", pa.string()),
    ]
)
