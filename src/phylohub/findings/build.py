"""findings.json and findings.md: every headline number, read from the tables the
pipeline wrote, beside the paper's figure (labelled as the paper's), with a verdict on
each claim of the paper the pipeline tests.

>>> format_value(0.4123, "share"), format_value(1860411.0, "int"), format_value(28.96, "ratio")
('41.2%', '1,860,411', '29.0×')
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from functools import cache
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from phylohub.errors import PhylohubError
from phylohub.findings.spec import (
    CLAIMS,
    DEFAULT_CHOICES,
    DIRECTIONS,
    NULL_CLAIMS,
    Choices,
    Claim,
    Finding,
    NullClaim,
    Source,
    findings,
)
from phylohub.io import write_json
from phylohub.text import counted


@cache
def paper_numbers() -> dict[str, Any]:
    """The paper's figures (``phylohub/data/paper_numbers.yaml``): source and numbers."""
    text = files("phylohub.data").joinpath("paper_numbers.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


class Tables:
    """The tables of one snapshot, each read once.

    ``where`` is either the rule's inputs, the path of each table by its name in the
    spec (``summary/overview.tsv``), or a snapshot's folder the names are relative to.
    """

    def __init__(self, where: Mapping[str, Path] | Path) -> None:
        self.paths = None if isinstance(where, Path) else dict(where)
        self.root = where if isinstance(where, Path) else None
        self._cache: dict[str, Any] = {}

    def path(self, file: str) -> Path:
        """Where the table the spec calls ``file`` is."""
        if self.paths is None:
            assert self.root is not None
            return self.root / file
        if file not in self.paths:
            raise PhylohubError(f"findings: {file} is not among the rule's inputs")
        return Path(self.paths[file])

    def load(self, file: str, text: bool = False) -> Any:
        """A TSV or parquet file as a polars frame, a JSON file as its object; with
        ``text``, a TSV's cells as written (``1910.09700`` stays a string)."""
        if text and file.endswith(".tsv"):
            key = file + "#text"
            if key not in self._cache:
                self.load(file)  # the existence check and its one error line
                self._cache[key] = pl.read_csv(self.path(file), separator="\t", infer_schema=False)
            return self._cache[key]
        if file not in self._cache:
            path = self.path(file)
            if not path.is_file():
                raise PhylohubError(f"findings: no table {path}: run the stage that writes it")
            if file.endswith(".json"):
                self._cache[file] = json.loads(path.read_text())
            elif file.endswith(".parquet"):
                self._cache[file] = pl.read_parquet(path)
            else:
                self._cache[file] = pl.read_csv(path, separator="\t", infer_schema_length=None)
        return self._cache[file]

    def _match(self, file: str, where: dict[str, Any], text: bool) -> pl.DataFrame:
        frame: pl.DataFrame = self.load(file, text)
        for col, value in where.items():
            if col not in frame.columns:
                raise PhylohubError(f"findings: {file} has no column {col!r}")
            frame = frame.filter(pl.col(col).cast(pl.String) == str(value))
        return frame

    def row(self, file: str, where: dict[str, Any], text: bool = False) -> dict[str, Any]:
        """The one row of ``file`` whose columns equal ``where``."""
        frame = self._match(file, where, text)
        if frame.height != 1:
            raise PhylohubError(f"findings: {file} has {frame.height} rows where {where}, not 1")
        return frame.row(0, named=True)

    def value(self, source: Source, text: bool = False) -> Any:
        """The cell ``source`` names, or None where the table holds no value there (an
        empty panel, a relation without edges)."""
        if source.key:
            node = self.load(source.file)
            for k in source.key:
                if not isinstance(node, dict) or k not in node:
                    if source.optional:
                        return None  # e.g. a status a file written before it lacks
                    raise PhylohubError(f"findings: {source.file} has no key {list(source.key)}")
                node = node[k]
            return node
        if source.optional and self._match(source.file, source.row, text).height == 0:
            return None  # e.g. a panel with fewer values than the rank asked
        return self.row(source.file, source.row, text)[str(source.column)]


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, str | bool):
        return None
    out = float(value)
    return None if math.isnan(out) else out


def format_value(value: Any, kind: str) -> str:
    """How findings.md prints a value of a kind (int, float, share, ratio, chars, text)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "text":
        return str(value)
    x = float(value)
    if kind == "int":
        return f"{round(x):,}"
    if kind == "share":
        return f"{x:.1%}"
    if kind == "ratio":
        return f"{x:.1f}×"
    if kind == "chars":
        return f"{x:,.1f}"
    return f"{x:.3f}"


def format_p(p: float) -> str:
    """A p-value as the verdicts print it.

    >>> format_p(0.0), format_p(3.2e-4), format_p(0.2)
    ('p < 1e-6', 'p = 0.00032', 'p = 0.2')
    """
    if p < 1e-6:
        return "p < 1e-6"
    return f"p = {p:.2g}"


def format_boot_p(p: float, resamples: Any = None) -> str:
    """A two-sided bootstrap p-value (:func:`phylohub.similarity.summary.bootstrap_p`), as a
    bound where it sits at its floor 2 / (resamples + 1): there it says only that no
    resample crossed 0 (tables without ``resamples`` print it as it is).

    >>> format_boot_p(0.0002, 10_000), format_boot_p(0.0004, 10_000), format_boot_p(0.0002)
    ('p <= 0.0002 (the floor with 10,000 resamples)', 'p = 0.0004', 'p = 0.0002')
    >>> format_boot_p(0.002, 1_000)  # 2 / 1,001 = 0.001998 as the table keeps it
    'p <= 0.002 (the floor with 1,000 resamples)'
    """
    n = _number(resamples)
    # the tables keep 3 significant digits (up to 0.5% off); the next p above the floor,
    # 4 / (resamples + 1), is twice it
    if n is not None and n > 0 and p < 1.5 * 2 / (n + 1):
        return f"p <= {2 / (n + 1):.2g} (the floor with {int(n):,} resamples)"
    return format_p(p)


def _signed(x: float, scale: float | None = None) -> str:
    """A signed difference: three decimals, or whole numbers when ``scale`` (by default
    ``x`` itself; the largest of an estimate and its interval, so all three read alike)
    is 100 or more.

    >>> _signed(0.07683), _signed(-1352.9), _signed(3.551, scale=1424)
    ('+0.077', '-1,353', '+4')
    """
    big = abs(x if scale is None else scale) >= 100
    return f"{x:+,.0f}" if big else f"{x:+.3f}"


def verdict(
    row: dict[str, Any],
    direction: str,
    columns: tuple[str, str, str, str | None] = ("difference", "ci_low", "ci_high", "p_value"),
    too_few: str = "too few pairs",
) -> str:
    """``holds`` when the interval of the difference lies wholly on the side the claim
    states (``direction``: ``greater`` or ``less`` than 0), ``does not hold (the
    opposite holds)`` when wholly on the other side, ``not shown`` when it covers 0;
    with the difference, its interval and p-value (when the table has one); ``not
    tested: {too_few}`` when the row has no interval.

    The direction is the claim's, never the sign of the table's difference: "children's
    cards are shorter" reads child - parent and holds when that is *below* 0.

    >>> row = {"d": -14230.0, "lo": -18931.0, "hi": -9529.0}
    >>> verdict(row, "less", ("d", "lo", "hi", None))
    'holds: -14,230 [-18,931, -9,529]'
    >>> verdict(row, "greater", ("d", "lo", "hi", None)).split(":")[0]
    'does not hold (the opposite holds)'
    """
    if direction not in DIRECTIONS:
        raise PhylohubError(f"findings: a claim's direction is greater or less, not {direction!r}")
    diff, low, high = (_number(row[c]) for c in columns[:3])
    if diff is None or low is None or high is None:
        return f"not tested: {too_few}"
    scale = max(abs(diff), abs(low), abs(high))
    text = f"{_signed(diff, scale)} [{_signed(low, scale)}, {_signed(high, scale)}]"
    if columns[3] is not None:
        text += f", {format_boot_p(float(row[columns[3]]), row.get('resamples'))}"
    above, below = low > 0, high < 0
    claimed, opposite = (above, below) if direction == "greater" else (below, above)
    if claimed:
        return f"holds: {text}"
    if opposite:
        return f"does not hold (the opposite holds): {text}"
    return f"not shown: {text}"


def _paper(key: str | None) -> dict[str, Any] | None:
    if key is None:
        return None
    numbers = paper_numbers()["numbers"]
    if key not in numbers:
        raise PhylohubError(f"findings: no paper figure {key!r} in paper_numbers.yaml")
    entry: dict[str, Any] = numbers[key]
    return {"id": key, "value": entry.get("value"), "shown": entry["shown"],
            "source": entry["source"]}  # fmt: skip


def p_floor(replicates: int) -> float:
    """The smallest Monte Carlo p-value ``replicates`` null draws can give, 1 / (R + 1).

    >>> round(p_floor(50), 4), p_floor(999)
    (0.0196, 0.001)
    """
    return 1.0 / (replicates + 1)


def format_null_p(p: float, replicates: int) -> str:
    """A Monte Carlo p-value, as a bound where it sits at its floor: with R replicates it
    cannot go below 1 / (R + 1), so a p there says only that no replicate did as well.

    >>> format_null_p(1 / 51, 50), format_null_p(0.3, 50)
    ('p <= 0.0196 (the floor with 50 replicates)', 'p = 0.3')
    """
    floor = p_floor(replicates)
    if p <= floor * (1 + 1e-9):
        return f"p <= {floor:.3g} (the floor with {replicates} replicates)"
    return format_p(p)


def null_verdict(
    observed: float,
    null_mean: float,
    p: float,
    replicates: int,
    alpha: float = 0.05,
    p_less: float | None = None,
) -> str:
    """``holds`` when the observed share beats the null at level ``alpha``; ``does not hold
    (the opposite holds)`` when the null beats it (``p_less``, the other direction's p:
    the traffic more even between directions than coin flips leave it); ``too few
    replicates`` when the floor of p, 1 / (replicates + 1), is not below ``alpha`` (then
    no data could pass, and ``not shown`` would read as evidence against the claim).

    >>> null_verdict(0.9, 0.65, 1 / 200, 199)
    'holds: 90.0% vs 65.0% with coin-flip directions, p <= 0.005 (the floor with 199 replicates)'
    >>> null_verdict(0.44, 0.61, 1.0, 199, p_less=1 / 200).split(", p")[0]
    'does not hold (the opposite holds): 44.0% vs 61.0% with coin-flip directions'
    >>> null_verdict(0.9, 0.65, 1 / 11, 10).split(":")[0]
    'too few replicates'
    """
    text = f"{observed:.1%} vs {null_mean:.1%} with coin-flip directions"
    if p_floor(replicates) >= alpha:
        return f"too few replicates: {text}, {format_null_p(p, replicates)}"
    if p < alpha:
        return f"holds: {text}, {format_null_p(p, replicates)}"
    if p_less is not None and p_less < alpha:
        return f"does not hold (the opposite holds): {text}, {format_null_p(p_less, replicates)}"
    return f"not shown: {text}, {format_null_p(p, replicates)}"


def _status(tables: Tables, f: Finding, choices: Choices) -> str | None:
    """A finding's status (None: it has none): its cell, or for a file written before
    the cell, from the families the number rests on and ``choices.min_families``."""
    if f.status is None:
        return None
    status = tables.value(f.status, text=True)
    if status is None and f.families is not None:
        families = _number(tables.value(f.families))
        few = families is not None and families < choices.min_families
        status = "too few families" if few else "measured"
    return None if status is None else str(status)


def with_status(shown: str, status: str | None) -> str:
    """A number as findings show it, after its status where that is not ``measured``
    (None: no status recorded).

    >>> with_status("4.004", "too few families"), with_status("4.004", "measured")
    ('too few families: 4.004', '4.004')
    >>> with_status("n/a", "too few families")
    'too few families'
    """
    if status is None or status == "measured":
        return shown
    return status if shown == "n/a" else f"{status}: {shown}"


def with_families(row: dict[str, Any], shown: str) -> str:
    """A verdict with the families its test rests on, counted and weighted (Kish's
    effective number, ``effective_families``), or ``too few families`` in its place where
    the test row says so (similarity_tests.tsv's ``status``: effective families under
    ``similarity.min_families``); rows without ``n_families`` are returned as they are.

    >>> row = {"n_families": 38, "effective_families": 30.24, "status": "tested"}
    >>> with_families(row, "holds: +0.1 [+0.05, +0.2]")
    'holds: +0.1 [+0.05, +0.2], 38 families (30.2 effective)'
    >>> row = {"n_families": 12, "effective_families": 1.23, "status": "too few families"}
    >>> with_families(row, "holds: +0.1 [0, 1]")
    'too few families: +0.1 [0, 1], 12 families (1.2 effective)'
    >>> with_families({"n_families": 40, "effective_families": 40.0, "status": "tested"}, "holds")
    'holds, 40 families'
    >>> with_families({"n_families": 0, "status": "too few families"}, "not tested: too few pairs")
    'too few families: 0 families'
    """
    if "n_families" not in row:
        return shown
    families = counted(int(row["n_families"]), "family")
    effective = _number(row.get("effective_families"))
    # (every family once: as many effective families as families, said once)
    if (
        effective is not None
        and int(row["n_families"]) > 0
        and f"{effective:.1f}" != (f"{float(row['n_families']):.1f}")
    ):
        families += f" ({effective:.1f} effective)"
    if row.get("status") == "too few families":
        if shown.startswith("not tested"):  # no interval either: the families say why
            return f"too few families: {families}"
        shown = "too few families: " + shown.split(": ", 1)[-1]
    return f"{shown}, {families}"


def with_parents(row: dict[str, Any], shown: str, min_parents: int) -> str:
    """A verdict with the pairs and parents a parent-resampled interval rests on (the
    thinning table's ``pairs`` and ``parents``), or ``too few parents`` in its place below
    ``min_parents``; rows without them (or with ``n_families``) are returned as they are.

    >>> with_parents({"pairs": 80, "parents": 30}, "holds: -9 [-12, -6]", 10)
    'holds: -9 [-12, -6], 80 pairs from 30 parents'
    >>> with_parents({"pairs": 10, "parents": 2}, "holds: -920 [-1,020, -820]", 10)
    'too few parents: -920 [-1,020, -820], 10 pairs from 2 parents'
    """
    if "n_families" in row or "parents" not in row or "pairs" not in row:
        return shown
    pairs, parents = (int(_number(row[c]) or 0) for c in ("pairs", "parents"))
    counts = f"{counted(pairs, 'pair')} from {counted(parents, 'parent')}"
    if parents < min_parents:
        return f"too few parents: {shown.split(': ', 1)[-1]}, {counts}"
    return f"{shown}, {counts}"


def with_merges(row: dict[str, Any], shown: str) -> str:
    """A merges claim's verdict with the merges it rests on and their families (the row's
    ``merges`` and ``families``, the clusters its interval resamples); where the row's
    ``status`` says why it has no interval, that in place of the verdict.

    >>> with_merges({"merges": 87, "families": 30}, "holds: +0.1 [+0.05, +0.2]")
    'holds: +0.1 [+0.05, +0.2], 87 merges from 30 families'
    >>> with_merges({"merges": 87, "families": 3, "status": "too few families"},
    ...             "not tested: too few merges")
    'not tested: too few families, 87 merges from 3 families'
    >>> with_merges({"merges": 1}, "not tested: too few merges")
    'not tested: too few merges, 1 merge'
    """
    n = _number(row.get("merges"))
    if n is None:
        return shown
    counts = counted(int(n), "merge")
    families = _number(row.get("families"))
    if families is not None:
        counts += f" from {counted(int(families), 'family')}"
    status = row.get("status")
    if isinstance(status, str) and status != "tested" and shown.startswith("not tested"):
        shown = f"not tested: {status}"
    return f"{shown}, {counts}"


def _claim(tables: Tables, claim: Claim, choices: Choices = DEFAULT_CHOICES) -> dict[str, Any]:
    if (why := choices.missing(claim.needs)) is not None:
        value, shown = None, f"not measured: {why}"
    else:
        row = tables.row(claim.file, claim.row)
        value = _number(row[claim.columns[0]])
        shown = with_families(row, verdict(row, claim.direction, claim.columns, claim.too_few))
        shown = with_merges(row, with_parents(row, shown, choices.min_parents))
    return {
        "id": claim.id,
        "section": claim.section,
        "label": claim.label,
        "value": value,
        "shown": shown,
        "verdict": shown.split(":")[0],
        "source": {"file": claim.file, "row": dict(claim.row), "column": claim.columns[0]},
        "paper": _paper(claim.paper),
    }


def _null_claim(tables: Tables, claim: NullClaim) -> dict[str, Any]:
    node = tables.value(Source(claim.file, key=claim.key))
    observed, null = node[claim.measure], node.get("null", {}).get(claim.measure)
    if _number(observed) is None:  # 0 / 0: no transition between the kept values
        shown = "not tested: no transitions between the values kept"
    elif not null or _number(null.get("p")) is None:
        shown = "not tested: no null replicates (traits.drift.null_replicates: 0)"
    else:
        # tables written before the count was stored: every replicate of the settings
        replicates = null.get("replicates", tables.load(claim.file)["settings"]["null_replicates"])
        shown = null_verdict(
            float(observed), float(null["mean"]), float(null["p"]), int(replicates), claim.alpha,
            _number(null.get("p_less")),
        ) + _null_counts(tables, claim, node)  # fmt: skip
    return {
        "id": claim.id,
        "section": claim.section,
        "label": claim.label,
        "value": _number(observed),
        "shown": shown,
        "verdict": shown.split(":")[0],
        "source": {"file": claim.file, "key": [*claim.key, claim.measure]},
        "paper": _paper(claim.paper),
    }


def _null_counts(tables: Tables, claim: NullClaim, node: Mapping[str, Any]) -> str:
    """What a drift claim rests on: its transitions and the parents whose children log
    them (the coin flips' clusters); nothing where the table predates the count."""
    graph = tables.value(Source(claim.file, key=claim.key[:2]))
    transitions, parents = node.get("transitions"), graph.get("parents")
    if not isinstance(transitions, int) or not isinstance(parents, int) or not parents:
        return ""
    return f", {counted(transitions, 'transition')} from {counted(parents, 'parent')}"


def collect(
    where: Mapping[str, Path] | Path, snapshot: str, choices: Choices = DEFAULT_CHOICES
) -> dict[str, Any]:
    """findings.json's content for a snapshot's tables (see :class:`Tables`), made under
    the config's ``choices`` (a finding they leave out is ``not measured``, and why)."""
    tables = Tables(where)
    out: list[dict[str, Any]] = []
    for f in findings(choices):
        if (why := choices.missing(f.needs)) is not None:
            value, shown = None, f"not measured: {why}"
        else:
            value = tables.value(f.source, text=f.kind == "text")
            if f.kind != "text":
                value = _number(value)
            shown = with_status(format_value(value, f.kind), _status(tables, f, choices))
            if f.counts is not None and value is not None:
                count, whole = (_number(tables.value(c)) for c in f.counts)
                if count is not None and whole is not None:
                    shown += f" ({round(count):,} of {round(whole):,})"
        out.append(
            {
                "id": f.id,
                "section": f.section,
                "label": f.label,
                "value": value,
                "shown": shown,
                "source": f.source.as_dict(),
                "paper": _paper(f.paper),
                **({"status_source": f.status.as_dict()} if f.status is not None else {}),
                **(
                    {"counts_source": [c.as_dict() for c in f.counts]}
                    if f.counts is not None
                    else {}
                ),
            }
        )
    out += [_claim(tables, c, choices) for c in CLAIMS]
    out += [_null_claim(tables, c) for c in NULL_CLAIMS]
    # one table per section: a stage's claims join its numbers, the paper's claims stay
    # together, in the order the sections first appear
    first: dict[str, int] = {}
    for row in out:
        first.setdefault(row["section"], len(first))
    out.sort(key=lambda row: first[row["section"]])
    return {"snapshot": snapshot, "paper": paper_numbers()["source"].strip(), "findings": out}


def render_markdown(findings: dict[str, Any]) -> str:
    """findings.md: one table per section, the paper's figures in their own column."""
    lines = [
        f"# Findings: snapshot `{findings['snapshot']}`",
        "",
        "Every number below was computed by the pipeline and is read from the table named",
        "in its row (under `results/<snapshot>/`; findings.json has the exact cell). The",
        "column *paper* gives the paper's own figure, for comparison only:",
        f"{findings['paper']}.",
        "",
    ]
    section = None
    for f in findings["findings"]:
        if f["section"] != section:
            section = f["section"]
            lines += ["", f"## {section}", "",
                      "| finding | phylohub | paper | paper's source | read from |",
                      "|---|---|---|---|---|"]  # fmt: skip
        paper = f["paper"] or {"shown": "", "source": ""}
        lines.append(
            f"| {f['label']} | {_cell(f['shown'])} | {_cell(paper['shown'])} | "
            f"{_cell(paper['source'])} | `{f['source']['file']}` |"
        )
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_html(findings: dict[str, Any]) -> str:
    """findings.html, the same tables as findings.md for the HTML report."""
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Findings: {escape(findings['snapshot'])}</title><style>",
        "body{font-family:sans-serif;font-size:14px;margin:1em}"
        "table{border-collapse:collapse;margin-bottom:1.5em}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
        "th{background:#f0f0f0}td.n{text-align:right}.src{color:#666;font-size:12px}",
        "</style></head><body>",
        f"<h1>Findings: snapshot <code>{escape(findings['snapshot'])}</code></h1>",
        "<p>Every number was computed by the pipeline and read from the table named in its "
        "row. The column <em>paper</em> gives the paper's own figure, for comparison only: "
        f"{escape(findings['paper'])}.</p>",
    ]
    section = None
    for f in findings["findings"]:
        if f["section"] != section:
            if section is not None:
                parts.append("</table>")
            section = f["section"]
            parts.append(
                f"<h2>{escape(section)}</h2><table><tr><th>finding</th><th>phylohub</th>"
                "<th>paper</th><th>paper's source</th><th>read from</th></tr>"
            )
        paper = f["paper"] or {"shown": "", "source": ""}
        parts.append(
            f"<tr><td>{escape(f['label'])}</td><td class='n'>{escape(f['shown'])}</td>"
            f"<td class='n'>{escape(paper['shown'])}</td>"
            f"<td class='src'>{escape(paper['source'])}</td>"
            f"<td class='src'><code>{escape(f['source']['file'])}</code></td></tr>"
        )
    parts.append("</table></body></html>")
    return "\n".join(parts) + "\n"


def write_findings(
    where: Mapping[str, Path] | Path,
    snapshot: str,
    json_out: Path,
    md_out: Path,
    html_out: Path,
    choices: Choices = DEFAULT_CHOICES,
) -> dict[str, Any]:
    """Write findings.json, findings.md and findings.html from a snapshot's tables (the
    rule's inputs by their spec names, or a folder: see :class:`Tables`), made under the
    config's ``choices``."""
    findings = collect(where, snapshot, choices)
    write_json(findings, json_out)
    md_out.write_text(render_markdown(findings))
    html_out.write_text(render_html(findings))
    return findings
