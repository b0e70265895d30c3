"""The ``phylohub`` command line.

``phylohub replica generate``  write a synthetic ecosystem (store + planted truth)
``phylohub replica evolve``    the same ecosystem some days later (changes.json lists each change)
``phylohub replica serve``     serve a store as a Hub replica on 127.0.0.1, in the foreground
                               or for the duration of a command given after ``--``
``phylohub family MODEL_ID``   a model's ancestors, siblings, children and family
``phylohub crawl status``      where a snapshot's crawl stands (running, stopped or done)
``phylohub explore``           browse a snapshot in a local web app on 127.0.0.1

A mistake of the user's ends in one line, ``phylohub: error: ...``, and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from phylohub.arguments import non_negative, port_number, positive
from phylohub.errors import PhylohubError, described, unreadable


def cmd_generate(args: argparse.Namespace) -> int:
    from phylohub.hub.synth import SynthConfig, generate, is_current

    if args.config:
        from phylohub.config import read_section

        replica = read_section(args.config, "replica")
        if "synth" not in replica:
            raise PhylohubError(f"{args.config}: replica.synth is missing (generate needs it)")
        cfg = SynthConfig.from_mapping(replica["synth"])
        out = Path(replica["store_dir"])
    else:
        if args.models is None or args.out is None:
            raise PhylohubError("give --config FILE, or --models N and --out DIR")
        cfg = SynthConfig.from_mapping({"n_models": args.models, "seed": args.seed})
        out = args.out
    if out.exists() and not out.is_dir():
        raise PhylohubError(f"{out} is a file: give a folder for the ecosystem")
    if not args.force and is_current(cfg, out):
        print(f"phylohub: {out} already holds this ecosystem ({cfg.n_models} models)")
        return 0
    start = time.monotonic()
    truth = generate(cfg, out)
    print(
        f"phylohub: generated {truth['models']} models ({truth['listed']} listed) in "
        f"{time.monotonic() - start:.1f} s into {out}"
    )
    return 0


def cmd_evolve(args: argparse.Namespace) -> int:
    from phylohub.hub.evolve import EvolveConfig, evolve, is_current

    cfg = EvolveConfig(days=args.days, seed=args.seed)
    changes_file = args.out / "changes.json"
    if not args.force and is_current(args.source, args.out, cfg):
        print(f"phylohub: {args.out} already holds {args.source} evolved by {args.days} days")
        return 0
    start = time.monotonic()
    changes = evolve(args.source, args.out, cfg)
    print(
        f"phylohub: evolved {args.source} by {args.days} days in {time.monotonic() - start:.1f} s "
        f"into {args.out}: {len(changes['added'])} added, {len(changes['removed'])} removed, "
        f"{len(changes['edited'])} edited (list: {changes_file})"
    )
    return 0


def _replica_config(args: argparse.Namespace) -> Any:
    from phylohub.hub.replica import config_from_args

    options: dict[str, Any] = {}
    if args.config:
        from phylohub.config import read_section

        replica = read_section(args.config, "replica")
        store = Path(replica["store_dir"]) / "hub.sqlite"
        host, port = replica["host"], replica["port"]
        limits = replica["rate_limit"]
        options["window_s"] = float(limits["window_s"])
        options["api_quota"] = limits["api"] or None
        options["resolver_quota"] = limits["resolvers"] or None
        options["arxiv_quota"] = limits["arxiv"] or None
        tokens_env = replica["tokens_env"]
        if tokens_env and os.environ.get(tokens_env):
            options["tokens"] = os.environ[tokens_env].split(",")
    else:
        if args.store is None:
            raise PhylohubError("give --config FILE or --store FILE")
        store, host, port = args.store, "127.0.0.1", 0
    if args.port is not None:
        port = args.port
    names = ("plan", "api_quota", "resolver_quota", "arxiv_quota", "window_s")
    for name in (*names, "error_rate", "drop_rate"):
        value = getattr(args, name)
        if value is not None:
            options[name] = value
    return config_from_args(store, host, port, **options)


def cmd_serve(args: argparse.Namespace) -> int:
    from phylohub.hub.replica import run_replica, serve

    config = _replica_config(args)
    command = list(args.command)
    if command and command[0] == "--":  # argparse keeps it or not, by Python version
        command = command[1:]
    elif command and args.argv[len(args.argv) - len(command) - 1 :][:1] != ["--"]:
        raise PhylohubError(f"unexpected argument {command[0]!r}: a command to run goes after --")
    if not command:
        serve(config, on_ready=lambda url: print(f"phylohub: replica serving at {url}", flush=True))
        return 0
    with run_replica(config) as hub:
        print(f"phylohub: replica serving at {hub.endpoint} for: {' '.join(command)}", flush=True)
        env = {**os.environ, "HF_ENDPOINT": hub.endpoint, "PHYLOHUB_REPLICA": hub.endpoint}
        try:
            return subprocess.run(command, env=env, check=False).returncode
        except FileNotFoundError:
            raise PhylohubError(f"command not found: {command[0]}") from None
        except OSError as exc:
            raise PhylohubError(f"cannot run {command[0]}: {exc.strerror or exc}") from None


def cmd_crawl_status(args: argparse.Namespace) -> int:
    from phylohub.crawl.status import crawl_status, format_status

    shards, endpoint = args.shards, None
    if args.config:
        from phylohub.config import read_config, read_section
        from phylohub.layout import RESULTS

        data = read_config(args.config)
        snapshot = data.get("snapshot")
        if not snapshot:
            raise PhylohubError(f"{args.config} names no snapshot")
        folder = RESULTS / str(snapshot)
        if shards is None:
            shards = read_section(args.config, "crawl")["shards"]
        # which hub's last listing a running one expects to match (any, if none is named)
        hub = data.get("hub")
        endpoint = hub.get("endpoint") if isinstance(hub, dict) else None
    else:
        folder = args.snapshot
    print(format_status(crawl_status(folder, shards, endpoint=endpoint)), end="")
    return 0


class _Parser(argparse.ArgumentParser):
    """A usage mistake ends in one line too, pointing to ``--help``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"phylohub: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="phylohub", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="group", required=True)
    replica = sub.add_parser("replica", help="the replica hub and its synthetic ecosystem")
    rsub = replica.add_subparsers(dest="action", required=True)

    gen = rsub.add_parser("generate", help="write a synthetic ecosystem")
    gen.add_argument("--config", type=Path, help="a workflow config with a replica section")
    gen.add_argument("--models", type=positive, help="number of models (without --config)")
    gen.add_argument("--seed", type=non_negative, default=0)
    gen.add_argument("--out", type=Path, help="output folder (without --config)")
    gen.add_argument("--force", action="store_true", help="regenerate even if up to date")
    gen.set_defaults(func=cmd_generate)

    evo = rsub.add_parser("evolve", help="the ecosystem of a store some days later")
    evo.add_argument("--from", dest="source", type=Path, required=True, help="store folder")
    evo.add_argument("--out", type=Path, required=True, help="output folder")
    evo.add_argument("--days", type=non_negative, default=30)
    evo.add_argument("--seed", type=non_negative, default=0)
    evo.add_argument("--force", action="store_true", help="evolve again even if up to date")
    evo.set_defaults(func=cmd_evolve)

    srv = rsub.add_parser(
        "serve",
        help="serve a store on 127.0.0.1",
        description="Serve a store; with a command after --, serve while it runs "
        "(HF_ENDPOINT is set for it) and exit with its status.",
    )
    srv.add_argument("--config", type=Path, help="a workflow config with a replica section")
    srv.add_argument("--store", type=Path, help="a store file (without --config)")
    srv.add_argument("--port", type=port_number, help="port (0: any free one)")
    srv.add_argument("--plan", help="the Hub's rate limits of a plan: anonymous, free, pro, ...")
    srv.add_argument("--api-quota", type=int, help="requests per window for /api/")
    srv.add_argument("--resolver-quota", type=int, help="requests per window for /resolve/")
    srv.add_argument("--arxiv-quota", type=int, help="requests per window for the arXiv API")
    srv.add_argument("--window-s", type=float, help="rate-limit window, seconds")
    srv.add_argument("--error-rate", type=float, help="share of requests answered with a 5xx")
    srv.add_argument("--drop-rate", type=float, help="share of connections dropped")
    srv.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    srv.set_defaults(func=cmd_serve)

    crawl = sub.add_parser("crawl", help="the crawl of a snapshot")
    csub = crawl.add_subparsers(dest="action", required=True)
    status = csub.add_parser(
        "status",
        help="where a snapshot's crawl stands",
        description="Read what the crawl of a snapshot has on disk, running or not, and "
        "print one table: the listing and each card shard (finished, running, stopped or "
        "waiting), done of total, rates, 429s, errors and time left. Changes nothing.",
    )
    where = status.add_mutually_exclusive_group(required=True)
    where.add_argument("--snapshot", type=Path, help="the snapshot's folder: results/NAME")
    where.add_argument("--config", type=Path, help="a workflow config (its snapshot, shards)")
    status.add_argument("--shards", type=positive, help="crawl.shards (default: as on disk)")
    status.set_defaults(func=cmd_crawl_status)

    from phylohub.genealogy.query import add_family_parser

    add_family_parser(sub)  # phylohub family MODEL_ID
    from phylohub.explore.serve import add_explore_parser

    add_explore_parser(sub)  # phylohub explore --snapshot results/NAME
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    try:
        code: int = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
    except PhylohubError as exc:
        print(f"phylohub: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`phylohub family ... | head`): stop quietly, as a program
        # killed by SIGPIPE does, and keep Python from complaining when stdout is flushed.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13
    except Exception as exc:
        if not unreadable(exc):
            raise
        print(
            f"phylohub: error: cannot read the snapshot's files: {described(exc)}", file=sys.stderr
        )
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
