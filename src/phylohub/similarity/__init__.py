"""Similarity: how alike sampled kin pairs are, by six measures (the paper's section 3).

- :mod:`phylohub.similarity.texts`: the metadata string (the paper's ``str(entry)``,
  rebuilt from the snapshot, and variants without ids, parents, dates) and the card.
- :mod:`phylohub.similarity.vectorize`: exact top-k uni/bigram vocabularies, term counts
  and TF-IDF over a whole snapshot (equal to scikit-learn's, much faster).
- :mod:`phylohub.similarity.measures`: TF-IDF, bag-of-words and Levenshtein similarity of
  every sampled pair; their names in :mod:`phylohub.similarity.names`.
- :mod:`phylohub.similarity.summary`: means with bootstrap intervals and the paper's claims.
- :mod:`phylohub.similarity.plots`: Figure 7 and the every-measure overview.
- :mod:`phylohub.similarity.stage`: what the rules run. Reference: ``docs/similarity.md``.
"""

from typing import TYPE_CHECKING

import lazy_loader as lazy

if TYPE_CHECKING:
    from phylohub.similarity.measures import SimilarityOptions, pair_similarity
    from phylohub.similarity.names import DEFAULT_VARIANTS, METRICS, measure_names
    from phylohub.similarity.summary import Summary, summarize
    from phylohub.similarity.texts import PAPER_FIELDS, CardOptions, metadata_string

#: Where each name of the package lives, imported on first use: each rule script needs
#: one module, and summarising or plotting has no use for the measures' imports (nor
#: the measures for matplotlib); their start-up cost more than some rules' work.
_WHERE = {
    "measures": ("SimilarityOptions", "pair_similarity"),
    "names": ("DEFAULT_VARIANTS", "METRICS", "measure_names"),
    "summary": ("Summary", "summarize"),
    "texts": ("PAPER_FIELDS", "CardOptions", "metadata_string"),
}  # fmt: skip
# lazy_loader (scientific-python's) gives the package a PEP 562 __getattr__ that imports
# a name's module on first use.
__getattr__, __dir__, _ = lazy.attach(
    __name__, submod_attrs={module: list(names) for module, names in _WHERE.items()}
)


__all__ = [
    "DEFAULT_VARIANTS",
    "METRICS",
    "PAPER_FIELDS",
    "CardOptions",
    "SimilarityOptions",
    "Summary",
    "measure_names",
    "metadata_string",
    "pair_similarity",
    "summarize",
]
