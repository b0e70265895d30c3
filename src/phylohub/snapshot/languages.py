"""ISO 639 language codes and their English names, for the ``traits`` table.

The Hub tags a model's languages with bare codes: mostly ISO 639-1 (``en``), often ISO
639-3 (``fra``, ``yue``, and the hundreds of codes of massively multilingual models), now
and then an ISO 639-2/B code (``fre``, ``ger``). All of them map to one English name, so
``en`` and ``eng`` are both English and a model tagged with both has one language.

The table comes from ``pycountry`` (the ISO 639-3 registry as packaged by Debian's
iso-codes, ~7,900 languages): a hand-written table would cover the common codes but not
the long tail that multilingual models carry, and the registry changes. Names are
pycountry's, with two clean-ups so that the names read as the paper's do: the suffix
`` (macrolanguage)`` is dropped (``sw`` is "Swahili", not "Swahili (macrolanguage)"; no
two names collide after dropping it), and :data:`NAME_OVERRIDES` renames the two ISO
names that carry dates (``el`` is "Greek", not "Modern Greek (1453-)").
"""

from __future__ import annotations

import pyarrow as pa
import pycountry

#: ISO names replaced by their everyday English name (keyed by ISO 639-3 code).
NAME_OVERRIDES: dict[str, str] = {
    "ell": "Greek",  # ISO: "Modern Greek (1453-)"
    "oci": "Occitan",  # ISO: "Occitan (post 1500)"
}

_MACRO = " (macrolanguage)"


def language_name(alpha_3: str, iso_name: str) -> str:
    """The English name used for a language.

    Parameters
    ----------
    alpha_3
        The language's ISO 639-3 code.
    iso_name
        Its ISO 639-3 reference name.

    Returns
    -------
    str
        ``iso_name`` without `` (macrolanguage)``, or the override for ``alpha_3``.

    Examples
    --------
    >>> language_name("swa", "Swahili (macrolanguage)")
    'Swahili'
    >>> language_name("ell", "Modern Greek (1453-)")
    'Greek'
    """
    if alpha_3 in NAME_OVERRIDES:
        return NAME_OVERRIDES[alpha_3]
    return iso_name.removesuffix(_MACRO)


def iso_639_codes() -> dict[str, tuple[str, str]]:
    """Every ISO 639 code, lower case, mapped to (English name, scheme).

    Schemes are ``639-1`` (two letters), ``639-3`` (three letters) and ``639-2/B`` (the
    bibliographic three-letter codes such as ``fre``). Where a code belongs to two
    schemes the first in that order wins.

    Returns
    -------
    dict[str, tuple[str, str]]
        code -> (name, scheme).

    Examples
    --------
    >>> table = iso_639_codes()
    >>> table["en"], table["eng"], table["fre"]
    (('English', '639-1'), ('English', '639-3'), ('French', '639-2/B'))
    """
    out: dict[str, tuple[str, str]] = {}
    languages = list(pycountry.languages)
    for attr, scheme in (("alpha_2", "639-1"), ("alpha_3", "639-3"), ("bibliographic", "639-2/B")):
        for lang in languages:
            code = getattr(lang, attr, None)
            if code:
                name = language_name(lang.alpha_3, lang.name)
                out.setdefault(str(code).lower(), (name, scheme))
    return out


def iso_639_table() -> pa.Table:
    """:func:`iso_639_codes` as an arrow table (``code``, ``name``, ``scheme``), sorted.

    Returns
    -------
    pyarrow.Table
        One row per code.
    """
    codes = iso_639_codes()
    keys = sorted(codes)
    return pa.table(
        {
            "code": pa.array(keys, pa.string()),
            "name": pa.array([codes[k][0] for k in keys], pa.string()),
            "scheme": pa.array([codes[k][1] for k in keys], pa.string()),
        }
    )
