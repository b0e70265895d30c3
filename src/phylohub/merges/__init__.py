"""The merges stage: merges read as sexual reproduction with two or more parents.

- :mod:`.kinship`: the coefficient of coancestry over a pedigree of any number of parents
  (memoised, only the pairs merges lead to);
- :mod:`.pedigree`: the DAG of every relation from the genealogy's tables, each merge's
  parents with their families and generations, inbreeding and outcrossing, the families
  joined by merges, merge lineages;
- :mod:`.stage`: the tables rule ``trace_merges`` writes. See docs/merges.md.
"""
