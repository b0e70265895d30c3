"""The workflow config: its schema, its defaults, and one line for what is wrong in it.

``workflow/schemas/config.schema.yaml`` is the one home of every key: its type, its
description and its default. Snakemake's ``validate(config, schema)``
(``workflow/rules/common.smk``) fills the defaults, nested ones too (every section has
``default: {}``), so the rules read ``config[...]`` directly. What decides where
requests go and with which token (``hub.endpoint``, ``hub.token_env``,
``arxiv.endpoint``) has no default: a config that leaves it out fails.

A config given with ``snakemake --configfile`` stands on its own (the Snakefile reads
``config/config.yaml`` only when none is given); files given together are merged, the
later over the earlier (``--configfile config/demo.yaml config/demo-day30.yaml``).

A config that breaks the schema ends in one line naming the key
(:func:`describe_error`), whether Snakemake or ``phylohub replica`` reads it.
"""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import jsonschema
import yaml

from phylohub.errors import PhylohubError

#: The schema of the workflow config (the package is installed from its checkout).
SCHEMA_FILE = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"

#: Hosts of the real Hugging Face Hub.
REAL_HUB_HOSTS = frozenset({"huggingface.co", "www.huggingface.co", "hf.co"})

#: Longest message printed for one error (a huge value is cut).
MAX_MESSAGE = 300


def load_schema(path: Path = SCHEMA_FILE) -> dict[str, Any]:
    """The config schema (a fresh copy: validation fills defaults from it)."""
    try:
        schema: dict[str, Any] = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise PhylohubError(f"cannot read the config schema {path}: {exc}") from exc
    return schema


def _key(path: list[Any]) -> str:
    return ".".join(str(part) for part in path)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def describe_error(error: jsonschema.ValidationError, where: str = "config") -> str:
    """One line for a schema violation: the key, what is wrong, what the key is for.

    Examples
    --------
    >>> schema = {"type": "object", "required": ["hub"], "properties": {
    ...     "hub": {"type": "object", "description": "where requests go"},
    ...     "port": {"type": "integer"}}}
    >>> describe_error(next(jsonschema.Draft202012Validator(schema).iter_errors({})))
    'config: hub is missing (where requests go)'
    >>> bad = {"hub": {}, "port": "abc"}
    >>> describe_error(next(jsonschema.Draft202012Validator(schema).iter_errors(bad)))
    "config: port: 'abc' is not of type 'integer'"
    """
    path = list(error.absolute_path)
    if error.validator == "required":
        present = error.instance if isinstance(error.instance, Mapping) else {}
        missing = [name for name in error.validator_value if name not in present]
        name = missing[0] if missing else ""
        about = error.schema.get("properties", {}).get(name, {}).get("description")
        text = f"{_key([*path, name])} is missing" + (f" ({about})" if about else "")
    else:
        about = error.schema.get("description")
        if error.validator == "type" and error.instance is None and path:
            detail = "empty" + (f" ({about})" if about else "")
        elif error.validator == "pattern" and about:
            detail = f"{error.instance!r} is not allowed: {about}"
        else:
            detail = error.message
        text = f"{_key(path)}: {detail}" if path else detail
    return _short(f"{where}: {text}")


def validation_error(error: BaseException) -> jsonschema.ValidationError | None:
    """The schema violation behind Snakemake's ``WorkflowError`` (or ``error`` itself).

    Snakemake's ``validate`` raises its ``WorkflowError`` while handling jsonschema's
    ``ValidationError``, which stays the error's context.
    """
    exc: BaseException | None = error
    while exc is not None:
        if isinstance(exc, jsonschema.ValidationError):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def exit_on_invalid(error: BaseException) -> NoReturn:
    """Print the one line of a config that breaks the schema and exit with status 2.

    For the Snakefile: ``except WorkflowError as error: exit_on_invalid(error)``. Any
    other error is raised again as it is.
    """
    violation = validation_error(error)
    if violation is None:
        raise error
    print(f"phylohub: error: {describe_error(violation)}", file=sys.stderr)
    raise SystemExit(2)


#: The config keys that name a genealogy relation set (genealogy.relation_sets).
SET_KEYS: tuple[str, ...] = (
    "genealogy.figures.draw_relations",
    "genealogy.figures.virality_relations",
    "inference.relations",
    "licenses.relations",
    "ecology.relation_sets",
    "ecology.succession_relations",
    "merges.relations",
    "merges.families",
    "diff.relations",
    "summary.families",
)


def set_name_error(config: Mapping[str, Any]) -> str | None:
    """What is wrong with the relation sets a validated config names (None: nothing): a
    key of :data:`SET_KEYS` naming a set that genealogy.relation_sets does not define,
    ecology.succession_relations outside ecology.relation_sets, or merges.relations a
    set without the merge relation. The schema cannot say it (it holds no names).

    >>> sets = {"genealogy": {"relation_sets": {"a": ["merge"], "ft": ["finetune"]}}}
    >>> set_name_error({**sets, "diff": {"relations": "fine"}}).split(", which ")
    ["diff.relations names relation set 'fine'", 'genealogy.relation_sets does not define (a, ft)']
    >>> set_name_error({**sets, "merges": {"relations": "ft"}})
    "merges.relations names relation set 'ft', which has no merge relation"
    """
    sets = config["genealogy"]["relation_sets"]
    for key in SET_KEYS:
        node: Any = config
        for part in key.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        names = [node] if isinstance(node, str) else list(node or [])
        for name in names:
            if name not in sets:
                return (
                    f"{key} names relation set {name!r}, which genealogy.relation_sets does "
                    f"not define ({', '.join(sets)})"
                )
    ecology = config.get("ecology", {})
    if ecology.get("succession_relations") not in (None, *ecology.get("relation_sets", [])):
        return (
            f"ecology.succession_relations is {ecology['succession_relations']!r}, not one "
            f"of ecology.relation_sets ({', '.join(ecology['relation_sets'])})"
        )
    pedigrees = config.get("merges", {}).get("relations")
    if pedigrees is not None and "merge" not in sets[pedigrees]:
        return f"merges.relations names relation set {pedigrees!r}, which has no merge relation"
    return None


def previous_error(config: Mapping[str, Any], results: Path) -> str | None:
    """What is wrong with the earlier snapshots a validated config names (None:
    nothing): crawl.previous or diff.previous naming a snapshot under ``results`` that
    does not hold what it must (its cards; its ``hub.duckdb``), or the snapshot
    diff.previous names lacking a file the diff reads (``auto`` passes over such a one:
    :func:`phylohub.diff.snapshots.skipped_previous` says so)."""
    from phylohub.crawl.previous import find_previous_cards
    from phylohub.diff.snapshots import incomplete_previous, previous_snapshot

    snapshot, endpoint = config["snapshot"], config["hub"]["endpoint"]
    named, relations = config["diff"]["previous"], config["diff"]["relations"]
    try:
        if config["crawl"]["previous"] not in ("auto", "none"):
            find_previous_cards(results, snapshot, config["crawl"]["previous"], endpoint=endpoint)
        previous = previous_snapshot(results, snapshot, named, endpoint, relations)
    except PhylohubError as exc:
        return str(exc)
    if previous is None or named == "auto":  # auto passes over incomplete ones (a notice)
        return None
    return incomplete_previous(results, previous, relations)


def exit_on_bad_names(config: Mapping[str, Any], results: Path) -> None:
    """For the Snakefile, after the schema: print the line of :func:`set_name_error` or
    :func:`previous_error` and exit with status 2 (before the DAG: an input function
    would raise it with a traceback)."""
    error = set_name_error(config) or previous_error(config, results)
    if error is not None:
        print(f"phylohub: error: config: {error}", file=sys.stderr)
        raise SystemExit(2)


def _with_defaults() -> type[jsonschema.protocols.Validator]:
    """Draft 2020-12, filling each missing property's default (as Snakemake's validate)."""
    base = jsonschema.Draft202012Validator
    check_properties = base.VALIDATORS["properties"]

    def properties(
        validator: Any, props: Mapping[str, Any], instance: Any, schema: Mapping[str, Any]
    ) -> Iterator[jsonschema.ValidationError]:
        if isinstance(instance, dict):
            for name, sub in props.items():
                if "default" in sub:
                    instance.setdefault(name, copy.deepcopy(sub["default"]))
        yield from check_properties(validator, props, instance, schema)

    extended: type[jsonschema.protocols.Validator] = jsonschema.validators.extend(
        base, {"properties": properties}
    )
    return extended


def read_config(path: Path, *, missing_ok: bool = False) -> dict[str, Any]:
    """The config file ``path`` as a mapping, unchecked (:func:`read_section` checks a
    section); ``{}`` for a file that does not exist when ``missing_ok``.

    Raises
    ------
    PhylohubError
        When the file cannot be read or is not a YAML mapping (one line).
    """
    if missing_ok and not Path(path).exists():
        return {}
    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise PhylohubError(f"cannot read config {path}: {_short(str(exc))}") from exc
    if not isinstance(data, dict):
        raise PhylohubError(f"config {path} is not a mapping of sections")
    return data


def read_section(path: Path, section: str, schema_file: Path = SCHEMA_FILE) -> dict[str, Any]:
    """The ``section`` of the config file ``path``, checked, with its defaults filled.

    Raises
    ------
    PhylohubError
        When the file cannot be read, lacks the section, or breaks the schema (one line
        naming the key).
    """
    data = read_config(path)
    if section not in data:
        raise PhylohubError(f"{path} has no {section!r} section (config/demo.yaml has one)")
    schema = load_schema(schema_file)
    sub = {
        "type": "object",
        "required": [section],
        "properties": {section: schema["properties"][section]},
    }
    values = {section: data[section]}
    error = jsonschema.exceptions.best_match(_with_defaults()(sub).iter_errors(values))
    if error is not None:
        raise PhylohubError(describe_error(error, where=str(path)))
    result: dict[str, Any] = values[section]
    return result


def is_real_hub(endpoint: str) -> bool:
    """True when ``endpoint`` is the real Hugging Face Hub.

    >>> is_real_hub("https://huggingface.co"), is_real_hub("http://127.0.0.1:18089")
    (True, False)
    """
    return (urlsplit(endpoint).hostname or "").lower() in REAL_HUB_HOSTS


def real_hub_notice(endpoint: str, token_env: str) -> str | None:
    """The line a run on the real Hub logs before its first request (None elsewhere).

    >>> real_hub_notice("http://127.0.0.1:18089", "") is None
    True
    >>> real_hub_notice("https://huggingface.co", "")
    'hub.endpoint is the real Hugging Face Hub (https://huggingface.co), asked without a token'
    """
    if not is_real_hub(endpoint):
        return None
    if not token_env:
        token = "without a token"
    else:
        state = "set" if os.environ.get(token_env) else "unset: no token"
        token = f"with the token of ${token_env} ({state})"
    return f"hub.endpoint is the real Hugging Face Hub ({endpoint}), asked {token}"
