"""Genealogy: the Hub's family trees, measured exactly and in near-linear time.

One relation set at a time (finetune only = the paper's trees; all but merge; all):

- :mod:`.graphs` reads a snapshot's edges as node indices, keeps parents missing from the
  snapshot as *external* ancestors, breaks cycles of declared tags by a stated rule and
  keeps one parent per model (its first-declared) to make a forest;
  :func:`~.graphs.parent_array` gives that forest as a parent array;
- :mod:`.trees` measures forests with numpy: generations by pointer jumping, subtree
  sizes level by level, structural virality from subtree sizes;
- :mod:`.families` finds the families (weakly connected components) and measures each
  (roots, size, depth, leaf share, branching, virality) and each model (family,
  generation, children by relation);
- :mod:`.tables` writes the stage's tables (``results/{snapshot}/genealogy/{set}/``) and
  the kin-shape counts (via :func:`phylohub.kinship.shapes.shape_totals`);
- :mod:`.plots` draws the figures; :mod:`.query` is ``phylohub family MODEL_ID``.

Examples
--------
>>> from phylohub.genealogy.tables import build_genealogy, paths_in  # doctest: +SKIP
>>> db = Path("results/S/hub.duckdb")  # doctest: +SKIP
>>> out = paths_in(Path("results/S/genealogy/finetune"))  # doctest: +SKIP
>>> build_genealogy(db, ["finetune"], out)  # doctest: +SKIP
>>> from phylohub.genealogy.graphs import parent_array  # doctest: +SKIP
>>> ids, parent = parent_array(db, ["finetune"])  # doctest: +SKIP

The package imports nothing heavy by itself (the command line loads it); import the
modules.
"""
