"""Ecology: the Hub's families as populations, born, reproducing and succeeding in time.

A single snapshot holds a history: every model's ``createdAt`` is its birth and every
edge a reproduction at the child's birth. From ``hub.duckdb`` and the genealogy stage's
families (by root, in the relation sets ``ecology.relation_sets``):

- :mod:`.births` reads the births (back-filled dates counted apart) and lays them out
  per month, relation and family;
- :mod:`.life` measures each family's reproductive life: first child, peak month,
  reproductive half-life (a fitted exponential decay with a bootstrap interval), still
  reproducing;
- :mod:`.succession` follows the share of new fine-tunes and adapters each top root
  family bears, per task niche, and the hand-overs; and whether families spread into
  new tasks as they age;
- :mod:`.deaths` reads the diff against an earlier snapshot (when there is one): models
  removed and newly gated by family and month of birth, families that died;
- :mod:`.tables` writes the stage's tables, :mod:`.plots` its figures.
"""
