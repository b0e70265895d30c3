"""The findings call an ordering "the paper's" only for the traits the paper ordered
(licenses, languages, tasks, libraries); the config traits' orderings are ours."""

from __future__ import annotations

import pytest

from phylohub.findings.spec import FINDINGS
from phylohub.vocabulary import CONFIG_TRAITS, TAG_TRAITS


def _ordering_findings(trait: str) -> list[str]:
    prefixes = (f"drifts_{trait}", f"mutations_{trait}")
    return [
        f.label
        for f in FINDINGS
        if f.section == "Traits"
        and f.id.startswith(prefixes)
        and "ordering" in f.label
        and not f.id.endswith("_null")  # the coin-flip means name their kind of ordering
    ]


@pytest.mark.parametrize("trait", CONFIG_TRAITS)
def test_config_trait_orderings_are_not_called_the_papers(trait: str) -> None:
    labels = _ordering_findings(trait)
    assert len(labels) == 4  # drifts and mutations, weighted and normalised
    assert not [label for label in labels if "paper" in label]
    assert sum("the weighted ordering" in label for label in labels) == 2


@pytest.mark.parametrize("trait", TAG_TRAITS)
def test_tag_trait_weighted_orderings_are_the_papers(trait: str) -> None:
    labels = _ordering_findings(trait)
    assert sum("the paper's weighted ordering" in label for label in labels) == 2
