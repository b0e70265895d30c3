"""The replica serving a synthetic ecosystem: what the client downloads is the planted card."""

from __future__ import annotations

import json
from pathlib import Path

from huggingface_hub import HfApi, hf_hub_download

from phylohub.hub.cards import card_bytes
from phylohub.hub.replica import ReplicaConfig, run_replica
from phylohub.hub.store import Store


def test_downloaded_cards_are_byte_identical_to_the_planted_ones(
    eco20k: Path, tmp_path: Path
) -> None:
    store = Store(eco20k / "hub.sqlite")
    rows = list(
        store.iter_rows("private = 0 AND gated IS NULL AND disabled = 0 AND card IS NOT NULL")
    )
    by_kind: dict[str, list] = {}
    for row in rows:
        by_kind.setdefault(json.loads(row["card"])["kind"], []).append(row)
    sample = [r for kind_rows in by_kind.values() for r in kind_rows[:5]]
    assert len(by_kind) >= 5
    with run_replica(ReplicaConfig(store=eco20k / "hub.sqlite")) as hub:
        api = HfApi(endpoint=hub.endpoint, token=False)
        for row in sample:
            path = hf_hub_download(
                row["id"], "README.md", endpoint=hub.endpoint, token=False, cache_dir=tmp_path
            )
            card_data = json.loads(row["card_data"]) if row["card_data"] else None
            expected = card_bytes(json.loads(row["card"]), card_data)
            assert Path(path).read_bytes() == expected, row["id"]
            info = api.model_info(row["id"])
            assert info.sha == row["sha"]
