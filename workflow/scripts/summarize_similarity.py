"""Mean similarity by relation and inside shapes with bootstrap CIs; the paper's claims.

Reads: similarity/kin_pairs.parquet, kin_shapes.tsv, pair_similarity.parquet. Writes:
similarity/similarity_means.tsv, similarity_shape_means.tsv, similarity_tests.tsv.
"""

from pathlib import Path

from phylohub.similarity.stage import run_summarize_similarity
from phylohub.workflow import configure_logging, named_paths

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
p = snakemake.params
run_summarize_similarity(
    Path(snakemake.input.pairs),
    Path(snakemake.input.shapes),
    Path(snakemake.input.similarity),
    p.measures,
    resamples=p.bootstrap,
    confidence=p.confidence,
    seed=p.seed,
    min_families=p.min_families,
    out=named_paths(snakemake.output.items()),
)
