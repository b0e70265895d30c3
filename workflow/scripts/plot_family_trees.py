"""Drawings of three families of different shape (largest, deepest, broadest).

Reads: results/{snapshot}/genealogy/{relations}/{families,nodes,edges}.parquet of the
set named by genealogy.figures.draw_relations. Writes: results/{snapshot}/figures/family_trees.png.
"""

import logging
from pathlib import Path

import polars as pl

from phylohub.genealogy.plots import plot_family_trees
from phylohub.workflow import configure_logging

configure_logging(snakemake.log[0], snakemake.config["logging"]["level"])
p = snakemake.params
picks = plot_family_trees(
    pl.read_parquet(snakemake.input.families),
    pl.read_parquet(snakemake.input.nodes),
    pl.read_parquet(snakemake.input.edges),
    Path(snakemake.output.png),
    min_size=p.min_size,
    max_size=p.max_size,
    title=f"The largest, deepest and broadest family drawn (relation set {p.relations})",
    seed=p.seed,
)
logging.getLogger("phylohub").info("drew families %s", picks)
