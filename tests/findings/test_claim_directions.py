"""Every claim states its direction, and its verdict follows it: the thinning claim is
tested on ecosystems whose children's cards are planted shorter, as long as or longer
than their parents' (``SynthConfig.child_card_length``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phylohub.findings.build import Tables, verdict
from phylohub.findings.spec import CLAIMS, Claim
from phylohub.hub.synth import SynthConfig
from phylohub.traits.snapshot import open_snapshot
from phylohub.traits.thinning import documentation, thinning
from tests.pipeline import snapshot_of

THIN_CLAIMS = [c for c in CLAIMS if c.id.startswith("claim_cards_thin")]

#: The planted direction of card length and the verdict "children's cards are shorter"
#: must get on it.
PLANTED = {
    "shorter": "holds",
    "equal": "not shown",
    "longer": "does not hold (the opposite holds)",
}


@pytest.fixture(scope="module", params=sorted(PLANTED))
def planted(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """The thinning table of a 3,000-model ecosystem with a planted direction, written
    where findings read it (``<root>/traits/thinning.parquet``)."""
    mode = str(request.param)
    folder = tmp_path_factory.mktemp(f"cards_{mode}")
    db = snapshot_of(SynthConfig(n_models=3000, seed=4, child_card_length=mode), folder)
    truth = json.loads((folder / "eco" / "truth.json").read_text())
    assert truth["card_thinning"]["child_card_length"] == mode
    con = open_snapshot(db, "first")
    table = thinning(documentation(con), replicates=400, seed=1)
    con.close()
    (folder / "results" / "traits").mkdir(parents=True)
    table.write_parquet(folder / "results" / "traits" / "thinning.parquet")
    return mode, folder / "results"


@pytest.mark.parametrize("claim", THIN_CLAIMS, ids=[c.id for c in THIN_CLAIMS])
def test_the_thinning_verdict_follows_the_planted_direction(
    planted: tuple[str, Path], claim: Claim
) -> None:
    mode, root = planted
    row = Tables(root).row(claim.file, claim.row)
    assert row["pairs"] > 300  # enough pairs for the planted effect to show
    shown = verdict(row, claim.direction, claim.columns)
    assert shown.split(":")[0] == PLANTED[mode], shown


def test_every_claim_states_a_direction_that_matches_its_comparison() -> None:
    for claim in CLAIMS:
        assert claim.direction in ("greater", "less")
        comparison = claim.row.get("comparison")
        if comparison is not None:  # similarity tests: difference = A - B for "A > B"
            assert " > " in comparison and claim.direction == "greater", claim.id
    directions = {c.id: c.direction for c in CLAIMS}
    # change_mean is child - parent: shorter cards are below 0, more templates above
    assert directions["claim_cards_thin"] == directions["claim_cards_thin_by_parent"] == "less"
    assert directions["claim_finetune_cards_auto"] == "greater"


def test_a_claim_without_a_direction_is_refused() -> None:
    with pytest.raises(TypeError):
        Claim("x", "s", "label", "t.tsv", {})  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="direction"):
        Claim("x", "s", "label", "t.tsv", {}, direction="up")


COLUMNS = ("difference", "ci_low", "ci_high", None)


@pytest.mark.parametrize(
    ("direction", "low", "high", "expected"),
    [
        ("less", -18931.0, -9529.0, "holds"),
        ("greater", -18931.0, -9529.0, "does not hold (the opposite holds)"),
        ("less", 9529.0, 18931.0, "does not hold (the opposite holds)"),
        ("greater", 9529.0, 18931.0, "holds"),
        ("less", -50.0, 80.0, "not shown"),
        ("greater", -50.0, 80.0, "not shown"),
    ],
)
def test_verdict_reads_the_claimed_side(
    direction: str, low: float, high: float, expected: str
) -> None:
    row = {"difference": (low + high) / 2, "ci_low": low, "ci_high": high}
    assert verdict(row, direction, COLUMNS).split(":")[0] == expected
