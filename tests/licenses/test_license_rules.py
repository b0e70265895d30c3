"""Every rule on hand-made pairs, with the clause it cites; the data file's sources."""

from __future__ import annotations

import polars as pl
import pytest

from phylohub.licenses.audit import audit_edges, breach_rates
from phylohub.licenses.rules import KINDS, load_rules

RULES = load_rules()


@pytest.mark.parametrize(
    ("parent", "child", "verdict", "rule", "clause"),
    [
        ("cc-by-nc-4.0", "apache-2.0", "breach", "non_commercial", "CC BY-NC 4.0, Section 2(a)(1)"),
        ("cc-by-nc-sa-4.0", "mit", "breach", "non_commercial", "CC BY-NC-SA 4.0, Section 2(a)(1)"),
        ("cc-by-nc-sa-4.0", "cc-by-nc-4.0", "breach", "share_alike", "Section 3(b)(1)"),
        ("cc-by-nc-4.0", "cc-by-nc-sa-4.0", "compatible", "", ""),
        (
            "openrail",
            "mit",
            "breach",
            "use_restrictions",
            "Open RAIL-M, Section III, paragraph 4(a)",
        ),
        ("creativeml-openrail-m", "apache-2.0", "breach", "use_restrictions", "paragraph 4(a)"),
        ("bigscience-bloom-rail-1.0", "cc-by-nc-4.0", "breach", "use_restrictions", "4(a)"),
        ("openrail", "creativeml-openrail-m", "compatible", "", ""),
        (
            "llama3",
            "apache-2.0",
            "breach",
            "keep_license",
            "Llama 3 Community License, Section 1.b.i",
        ),
        ("gemma", "mit", "breach", "use_restrictions", "Gemma Terms of Use, Section 3.1(a)"),
        ("cc-by-sa-4.0", "mit", "breach", "share_alike", "CC BY-SA 4.0, Section 3(b)(1)"),
        ("cc-by-sa-4.0", "gpl-3.0", "compatible", "", ""),
        ("gpl-3.0", "mit", "breach", "osadl", "OSADL matrix"),
        ("gpl-3.0", "openrail", "breach", "copyleft", "GNU GPL 3.0, Section 5(c)"),
        ("mit", "gpl-3.0", "compatible", "", ""),
        ("apache-2.0", "mit", "compatible", "", ""),
        ("mit", "llama3", "compatible", "", ""),
        ("cc-by-4.0", "cc-by-nc-4.0", "compatible", "", ""),
    ],
)
def test_pair(parent: str, child: str, verdict: str, rule: str, clause: str) -> None:
    v = RULES.pair(parent, child)
    assert (v.verdict, v.rule) == (verdict, rule)
    assert clause in v.clause


@pytest.mark.parametrize(
    ("parent", "child"),
    [("other", "mit"), ("mit", "other"), ("unknown", "apache-2.0"), ("cc", "mit"),
     ("llama3", "llama3.1"), ("openrail", "llama2"), ("artistic-2.0", "openrail")],
)  # fmt: skip
def test_unknown_is_never_guessed(parent: str, child: str) -> None:
    v = RULES.pair(parent, child)
    assert v.verdict == "unknown" and v.reason and not v.rule


def test_naming_rules_read_the_id_not_the_child_license() -> None:
    clause3 = 'Meta Llama 3 Community License, Section 1.b.i: include "Llama 3"'
    assert clause3 in RULES.edge(["llama3"], ["llama3"], "bob/my-model").clause
    assert RULES.edge(["llama3"], [], "bob/my-model").rule == "naming"  # no child license
    assert RULES.edge(["llama3"], ["llama3"], "bob/Llama-3-my-model").verdict == "compatible"
    assert RULES.edge(["llama3"], ["llama3"], "bob/Llama-my-model").rule == "naming"
    assert RULES.edge(["llama3.1"], ["llama3.1"], "bob/Llama-my-model").verdict == "compatible"
    assert "Llama 3.1" in RULES.edge(["llama3.1"], ["llama3.1"], "bob/x").clause
    assert RULES.edge(["llama3.1"], ["llama3.1"], "meta-llama/x").verdict == "compatible"
    both = RULES.edge(["llama3"], ["mit"], "bob/x")
    assert both.rule == "keep_license" and "naming" in both.rules
    assert RULES.edge(["llama2"], ["llama2"], "bob/x").verdict == "compatible"  # no naming rule


def test_every_obligation_has_a_clause_and_a_source() -> None:
    for terms in RULES.licenses.values():
        for ob in terms.obligations:
            assert ob.kind in KINDS and len(ob.clause) > 20
    for lic in ("llama2", "llama3", "llama3.1", "llama3.2", "llama3.3", "gemma", "openrail",
                "openrail++", "creativeml-openrail-m", "bigscience-bloom-rail-1.0",
                "bigscience-openrail-m", "cc-by-nc-4.0", "cc-by-nc-sa-4.0"):  # fmt: skip
        assert RULES.terms(lic) is not None and RULES.terms(lic).obligations, lic  # type: ignore[union-attr]
    assert RULES.terms("other") is None and RULES.terms("unknown") is None
    assert RULES.osadl_version.startswith("20")


def _edges(rows: list[tuple[str, str, str, list[str], list[str]]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(c, p, r, True, pl_, cl) for c, p, r, pl_, cl in rows],
        schema=[
            "child",
            "parent",
            "relation",
            "parent_listed",
            "parent_licenses",
            "child_licenses",
        ],
        orient="row",
    )


def test_a_merge_is_judged_against_every_parent() -> None:
    edges = _edges([
        ("a/m", "p/nc", "merge", ["cc-by-nc-4.0"], ["apache-2.0"]),
        ("a/m", "p/ok", "merge", ["mit"], ["apache-2.0"]),
    ])  # fmt: skip
    out = audit_edges(edges).sort("parent")
    assert out["verdict"].to_list() == ["breach", "compatible"]


def test_unlisted_parents_and_missing_licenses_are_unknown() -> None:
    edges = _edges([("a/x", "p/1", "finetune", ["mit"], ["apache-2.0"])]).with_columns(
        parent_listed=pl.lit(False)
    )
    assert audit_edges(edges)["reason"][0] == "the parent is not in the snapshot"
    out = audit_edges(_edges([("a/x", "p/1", "finetune", [], ["mit"])]))
    assert out["verdict"][0] == "unknown"


def _families(children: dict[str, int]) -> pl.DataFrame:
    """Genealogy nodes giving each child its family."""
    return pl.DataFrame(
        {"id": list(children), "family": list(children.values())},
        schema={"id": pl.String, "family": pl.Int64},
    )


def test_breach_rates_cluster_by_family() -> None:
    """Ten children of ten NC parents, all of one family, breach together: one cluster,
    so the interval is as wide as one family gives, not as ten parents (the edges of a
    family share the root's relabelled license); ten other changes, each in a family of
    its own, are compatible."""
    from phylohub.licenses.audit import with_clusters

    rows = [(f"a/c{k}", f"p/nc{k}", "finetune", ["cc-by-nc-4.0"], ["mit"]) for k in range(10)]
    rows += [(f"a/d{k}", f"p/{k}", "finetune", ["mit"], ["apache-2.0"]) for k in range(10)]
    audited = audit_edges(_edges(rows)).with_columns(child_permissive=pl.lit(True))
    families = _families({**{f"a/c{k}": 0 for k in range(10)},
                          **{f"a/d{k}": k + 1 for k in range(10)}})  # fmt: skip

    def changes(table: pl.DataFrame) -> dict[str, object]:
        rates = breach_rates(table, 0.95)
        return rates.filter(scope="changes", relation="finetune").row(0, named=True)

    row = changes(with_clusters(audited, families))
    assert (row["breaches"], row["judged"], row["parents"], row["families"]) == (10, 20, 20, 11)
    assert row["rate"] == 0.5 and row["status"] == "tested"
    assert row["low"] < 0.25 and row["high"] > 0.75
    # each child its own family (as clustering by parent saw them): far narrower
    alone = changes(with_clusters(audited, _families({r[0]: k for k, r in enumerate(rows)})))
    assert alone["families"] == 20 and alone["high"] - alone["low"] < row["high"] - row["low"]
    # children that are no node of the genealogy are clustered by their parent
    assert changes(with_clusters(audited, _families({})))["families"] == 20


def test_a_rate_over_too_few_families_has_no_interval() -> None:
    from phylohub.licenses.audit import MIN_FAMILIES, with_clusters

    rows = [(f"a/c{k}", f"p/{k}", "finetune", ["cc-by-nc-4.0"], ["mit"]) for k in range(30)]
    audited = audit_edges(_edges(rows)).with_columns(child_permissive=pl.lit(True))
    few = _families({r[0]: k % (MIN_FAMILIES - 1) for k, r in enumerate(rows)})
    row = (
        breach_rates(with_clusters(audited, few), 0.95)
        .filter(scope="changes", relation="finetune")
        .row(0, named=True)
    )
    assert (row["families"], row["status"], row["low"], row["high"]) == (
        MIN_FAMILIES - 1,
        "too few families",
        None,
        None,
    )


def test_breaches_are_counted_along_each_lineage() -> None:
    """root -> a -> b -> c and root -> d (family 0), r2 -> e (family 1); the edges into a
    and c breach, the merge's second parent (x -> c, not the kept edge) breaches too but
    is not on c's lineage."""
    from phylohub.licenses.audit import family_table, lineage_breaches

    nodes = pl.DataFrame(
        {
            "id": ["root", "a", "b", "c", "d", "x", "r2", "e"],
            "parent": [None, "root", "a", "b", "root", None, None, "r2"],
            "generation": [0, 1, 2, 3, 1, 0, 0, 1],
            "family": [0, 0, 0, 0, 0, 0, 1, 1],
        }
    )
    audited = pl.DataFrame(
        {
            "child": ["a", "b", "c", "c", "d", "e"],
            "parent": ["root", "a", "b", "x", "root", "r2"],
            "verdict": ["breach", "compatible", "breach", "breach", "compatible", "unknown"],
            "rule": ["non_commercial", "", "use_restrictions", "naming", "", ""],
        }
    )
    lineage = dict(lineage_breaches(audited, nodes).iter_rows())
    assert lineage == {"root": 0, "x": 0, "r2": 0, "a": 1, "d": 0, "e": 0, "b": 1, "c": 2}
    families = {r["family"]: r for r in family_table(audited, nodes).iter_rows(named=True)}
    assert families[0]["lineages"] == 3  # c, d and x (a root with no kept child)
    assert families[0]["lineages_with_breach"] == 1
    assert families[0]["most_breaches_on_a_lineage"] == 2
    assert families[0]["breaches"] == 3 and families[0]["breaching_models"] == 2
    assert families[1]["lineages_with_breach"] == 0


def test_family_intervals_cover_a_planted_share_and_parent_intervals_do_not() -> None:
    """Ecosystems of 30 families of 10 parents of 3 children, where a family's license is
    relabelled at its root or not by a fair coin (every edge of the family breaches, or
    none): intervals clustered by family cover the planted share 1/2 about as often as
    they claim, intervals clustered by parent far less often."""
    import numpy as np

    from phylohub.licenses.audit import with_clusters

    hits = {"family": 0, "parent": 0}
    trials = 60
    for trial in range(trials):
        rng = np.random.default_rng([11, trial])
        rows, families = [], {}
        for f in range(30):
            breach = bool(rng.random() < 0.5)
            for p in range(10):
                for c in range(3):
                    child = f"a/f{f}p{p}c{c}"
                    parent_lic = ["cc-by-nc-4.0"] if breach else ["mit"]
                    rows.append((child, f"p/f{f}p{p}", "finetune", parent_lic, ["apache-2.0"]))
                    families[child] = f
        audited = audit_edges(_edges(rows)).with_columns(child_permissive=pl.lit(True))
        by_family = with_clusters(audited, _families(families))
        by_parent = by_family.with_columns(cluster=pl.col("parent"))
        for name, table in (("family", by_family), ("parent", by_parent)):
            row = (
                breach_rates(table, 0.95)
                .filter(scope="changes", relation="finetune")
                .row(0, named=True)
            )
            hits[name] += row["low"] <= 0.5 <= row["high"]
    coverage = {k: v / trials for k, v in hits.items()}
    assert coverage["family"] >= 0.88, coverage
    assert coverage["parent"] < 0.65, coverage
