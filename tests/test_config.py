"""The workflow config: a config file stands on its own, the schema holds every default,
and a bad config ends in one line naming its key (through the real ``snakemake``)."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from snakemake.utils import validate

from phylohub.config import real_hub_notice

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
DEMO = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())


def dry_run(workdir: Path, *configs: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    """``snakemake -n`` of the project's Snakefile in ``workdir`` with these config files."""
    files = []
    for i, config in enumerate(configs):
        files.append(workdir / f"config{i}.yaml")
        files[-1].write_text(yaml.safe_dump(config))
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--snakefile", str(ROOT / "Snakefile"),
         "--directory", str(workdir), "--configfile", *map(str, files)],
        capture_output=True, text=True, check=False, timeout=120,
        env={name: value for name, value in os.environ.items() if name != "HF_TOKEN"},
    )  # fmt: skip


DROP = object()


def demo_with(change: dict[str, Any]) -> dict[str, Any]:
    """config/demo.yaml with ``change`` applied: {"a.b": value} sets, {"a.b": DROP} drops."""
    config = copy.deepcopy(DEMO)
    for key, value in change.items():
        *parents, last = key.split(".")
        node = config
        for part in parents:
            node = node[part]
        if value is DROP:
            del node[last]
        else:
            node[last] = value
    return config


def without(key: str) -> dict[str, Any]:
    return demo_with({key: DROP})


BAD_CONFIGS = {
    "no_hub": (without("hub"), "config: hub is missing"),
    "no_hub_endpoint": (demo_with({"hub": {"token_env": "T"}}), "config: hub.endpoint is missing"),
    "no_arxiv_endpoint": (demo_with({"arxiv": {"delay_s": 1}}), "config: arxiv.endpoint is"),
    "replica_port": (demo_with({"replica.port": "abc"}), "config: replica.port: 'abc' is not"),
    "crawl_window": (
        demo_with({"crawl.rate_limit.window_s": "x"}),
        "config: crawl.rate_limit.window_s: 'x' is not",
    ),
    "replica_store_dir": (without("replica.store_dir"), "config: replica.store_dir is missing"),
    "replica_empty": (demo_with({"replica": {}}), "config: replica.store_dir is missing"),
    "replica_none": (demo_with({"replica": None}), "config: replica: empty"),
    "previous_escapes": (
        demo_with({"crawl.previous": "../../../etc"}),
        "config: crawl.previous: '../../../etc' is not allowed",
    ),
    "previous_dots": (demo_with({"diff.previous": ".."}), "config: diff.previous: '..' is not"),
    "snapshot_dots": (demo_with({"snapshot": ".."}), "config: snapshot: '..' is not allowed"),
    "negative_seed": (demo_with({"seed": -1}), "config: seed: -1 is less than the minimum of 0"),
    "unknown_key": (demo_with({"crawl.shard": 3}), "config: crawl: Additional properties"),
    "diff_set": (
        demo_with({"diff": {"relations": "nosuchset"}}),
        "config: diff.relations names relation set 'nosuchset', which genealogy.relation_sets",
    ),
    "figure_set": (
        demo_with({"genealogy": {"figures": {"virality_relations": ["finetune", "fine"]}}}),
        "config: genealogy.figures.virality_relations names relation set 'fine'",
    ),
    "succession_set": (
        demo_with({"ecology": {"relation_sets": ["finetune"], "succession_relations": "all"}}),
        "config: ecology.succession_relations is 'all', not one of ecology.relation_sets",
    ),
    "crawl_previous": (
        demo_with({"crawl.previous": "nosuch"}),
        "config: crawl.previous names snapshot 'nosuch', but results/nosuch holds no",
    ),
    "diff_previous": (
        demo_with({"diff": {"previous": "nosuch"}}),
        "config: diff.previous names snapshot 'nosuch', but results/nosuch holds no hub.duckdb",
    ),
    "merges_set": (
        demo_with({"merges": {"relations": "no_merge"}}),
        "config: merges.relations names relation set 'no_merge', which has no merge relation",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
def test_a_bad_config_fails_with_one_line_naming_the_key(name: str, tmp_path: Path) -> None:
    config, line = BAD_CONFIGS[name]
    result = dry_run(tmp_path, config)
    assert result.returncode != 0
    assert result.stderr.startswith(f"phylohub: error: {line}"), result.stderr[-2000:]
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "results").exists()


def test_a_config_without_hub_does_not_inherit_the_real_hub(tmp_path: Path) -> None:
    # Run where config/config.yaml (the real Hub) exists: a --configfile stands on its own.
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text((ROOT / "config" / "config.yaml").read_text())
    result = dry_run(tmp_path, without("hub"))
    assert result.returncode != 0
    assert result.stderr.startswith("phylohub: error: config: hub is missing")
    assert "huggingface.co" not in result.stdout


def test_stacked_config_files_merge_the_later_over_the_earlier(tmp_path: Path) -> None:
    day30 = yaml.safe_load((ROOT / "config" / "demo-day30.yaml").read_text())
    result = dry_run(tmp_path, DEMO, day30)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "results/demo-day30/hub.duckdb" in result.stdout
    # demo-day30.yaml alone names no hub: it only works stacked on demo.yaml
    alone = dry_run(tmp_path, day30)
    assert alone.stderr.startswith("phylohub: error: config: hub is missing")


def test_the_schema_defaults_are_config_yaml_but_for_where_requests_go() -> None:
    # The defaults fill everything config/config.yaml sets, except what has no default.
    shipped = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    minimal = {key: shipped[key] for key in ("snapshot", "hub")}
    minimal["arxiv"] = {"endpoint": shipped["arxiv"]["endpoint"]}
    validate(minimal, str(SCHEMA), set_default=True)
    assert minimal == shipped


def test_a_run_on_the_real_hub_says_so_in_one_line(tmp_path: Path) -> None:
    real = demo_with({"hub.endpoint": "https://huggingface.co", "hub.token_env": "HF_TOKEN"})
    result = dry_run(tmp_path, real)  # a dry run: no request is made
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    output = (result.stdout + result.stderr).splitlines()
    notices = [line for line in output if "is the real Hugging Face Hub" in line]
    assert notices == [
        "hub.endpoint is the real Hugging Face Hub (https://huggingface.co), asked with the "
        "token of $HF_TOKEN (unset: no token)"
    ]
    # it comes before the plan of the first job (list_models, the first request)
    assert output.index(notices[0]) < output.index("rule list_models:")
    replica = dry_run(tmp_path, DEMO)
    assert replica.returncode == 0
    assert "real Hugging Face Hub" not in replica.stdout + replica.stderr


def test_the_notice_names_the_token_it_sends(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHYLOHUB_TEST_TOKEN", "secret")
    notice = real_hub_notice("https://hf.co/", "PHYLOHUB_TEST_TOKEN")
    assert notice is not None and "$PHYLOHUB_TEST_TOKEN (set)" in notice
    assert "secret" not in notice
    assert real_hub_notice("http://127.0.0.1:8080", "PHYLOHUB_TEST_TOKEN") is None


def test_an_incomplete_earlier_snapshot_stops_the_run_in_one_line(tmp_path: Path) -> None:
    """The diff reads the earlier snapshot as it is: a named one missing a file is one
    line and exit status 2 before any job (not a traceback from an input function), with
    a way out that does not crawl today's hub into that snapshot; under auto it is passed
    over in one line and the rest of the workflow runs; complete, the plan compares."""
    early = tmp_path / "results" / "early"
    (early / "crawl" / "listing").mkdir(parents=True)
    (early / "crawl" / "listing" / "manifest.json").write_text("{}")
    (early / "hub.duckdb").write_bytes(b"")
    config = demo_with({"diff": {"previous": "early", "relations": "no_merge"}})
    result = dry_run(tmp_path, config)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "phylohub: error: config: the earlier snapshot 'early' lacks "
        "genealogy/no_merge/nodes.parquet, genealogy/no_merge/families.parquet (under "
        f"{Path('results') / 'early'}): make it with that snapshot's own config files "
        "(snakemake --configfile ...), or set diff.previous to none"
    ]
    # under auto the incomplete snapshot is passed over, in one line, and the rest runs
    auto = dry_run(tmp_path, demo_with({"diff": {"previous": "auto", "relations": "no_merge"}}))
    assert auto.returncode == 0, auto.stderr[-2000:]
    notices = [line for line in (auto.stdout + auto.stderr).splitlines() if "passes over" in line]
    assert notices == [
        "diff.previous auto passes over the earlier snapshot 'early', which lacks "
        "genealogy/no_merge/nodes.parquet, genealogy/no_merge/families.parquet: no diff is made"
    ]
    assert "rule list_models:" in auto.stdout and "rule compare_snapshots:" not in auto.stdout
    (early / "genealogy" / "no_merge").mkdir(parents=True)
    for name in ("nodes", "families"):
        (early / "genealogy" / "no_merge" / f"{name}.parquet").write_bytes(b"")
    complete = dry_run(tmp_path, config)
    assert complete.returncode == 0, complete.stderr[-2000:]
    assert "rule compare_snapshots:" in complete.stdout
