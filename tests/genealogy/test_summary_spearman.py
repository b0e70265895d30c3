"""The genealogy summary's Spearman correlation without scipy.stats: the same float as
scipy's, and a genealogy job that never imports scipy.stats (1.5 s of imports a job)."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest
from scipy.stats import rankdata, spearmanr  # type: ignore[import-untyped, unused-ignore]

from phylohub.genealogy.graphs import RELATION_SETS
from phylohub.genealogy.tables import average_ranks, build_genealogy, paths_in, spearman


def _scipy(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(spearmanr(a, b).statistic)


def test_spearman_is_scipys_float_with_ties_constants_and_nans() -> None:
    rng = np.random.default_rng(2)
    cases = [(np.array([1.0]), np.array([2.0])), (np.ones(5), np.arange(5.0))]
    cases.append((np.arange(6.0), np.array([1.0, np.nan, 2, 3, 4, 5])))
    for _ in range(300):
        n = int(rng.integers(2, 2000))
        sizes = rng.integers(1, int(rng.integers(2, 100)), n)  # many ties
        cases.append((sizes, sizes * 0.01 + rng.random(n).round(int(rng.integers(0, 3)))))
    for a, b in cases:
        want, got = _scipy(a, b), spearman(a, b)
        assert got == want or (np.isnan(got) and np.isnan(want)), (a, b)
        if a.size > 1 and not np.isnan(a).any():
            assert np.array_equal(average_ranks(a.astype(float)), rankdata(a))


@pytest.fixture(scope="module")
def snapshot(snapshot3k: Path) -> Path:
    """A crawled 3,000-model ecosystem (shared with the other genealogy tests)."""
    return snapshot3k


def test_summary_rho_is_scipys_on_the_families(snapshot: Path, tmp_path: Path) -> None:
    out = paths_in(tmp_path / "all")
    build_genealogy(snapshot, RELATION_SETS["all"], out, top=5)
    fam = pl.read_parquet(out["families"]).filter(pl.col("virality").is_not_null())
    assert fam.height > 2
    rho = json.loads(out["summary"].read_text())["virality"]["spearman_with_size"]
    assert rho == _scipy(fam["size"].to_numpy(), fam["virality"].to_numpy())


def test_a_genealogy_job_imports_no_scipy_stats(snapshot: Path, tmp_path: Path) -> None:
    code = (
        "import sys\nfrom pathlib import Path\n"
        "from phylohub.genealogy.graphs import RELATION_SETS\n"
        "from phylohub.genealogy.tables import build_genealogy, paths_in\n"
        f"build_genealogy(Path({str(snapshot)!r}), RELATION_SETS['all'],"
        f" paths_in(Path({str(tmp_path)!r})), top=5)\n"
        "print(sorted(m for m in sys.modules if m.startswith('scipy.stats')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
