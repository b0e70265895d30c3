"""The replica hub: an HTTP server that answers like the Hugging Face Hub, from a store.

The real ``huggingface_hub`` client, pointed at the replica (``HfApi(endpoint=...)``,
``hf_hub_download(endpoint=...)`` or ``HF_ENDPOINT``), cannot tell it from the Hub for the
requests a crawl makes: the model listing (``GET /api/models``, keyset-paginated with
``Link`` headers), model info (``GET /api/models/{id}[/revision/{rev}]``) and model cards
(``HEAD``/``GET /{id}/resolve/{rev}/README.md``, redirected to ``/api/resolve-cache/...``).
It also reproduces what makes a crawl hard: fixed-window rate limits answered with real
429s and ``RateLimit`` headers, and injectable faults (5xx answers, slow answers, dropped
connections, truncated bodies).

One module per concern
----------------------
* :mod:`~phylohub.hub.replica.config`: :class:`ReplicaConfig` and
  :func:`config_from_args` (flat command-line values);
* :mod:`~phylohub.hub.replica.routing`: what a request asks for, from its method and raw
  path (one handler, no router);
* :mod:`~phylohub.hub.replica.listing`: ``GET /api/models``, keyset pages as index walks
  and the Hub's cursors;
* :mod:`~phylohub.hub.replica.entries`: a model's JSON assembled by SQLite (no
  ``json.loads``/``json.dumps`` per model), ``expand``, and model info;
* :mod:`~phylohub.hub.replica.files`: README cards, ``siblings``, ``/resolve/``,
  ``/api/resolve-cache/``, ``Range``, gated access and the CDN stand-in;
* :mod:`~phylohub.hub.replica.limits`: rate limits and injected faults;
* :mod:`~phylohub.hub.replica.stats`: the counters (``GET /_replica/stats``);
* :mod:`~phylohub.hub.replica.reader`: where store queries run (loop thread or a pool,
  memory-mapped read-only connections);
* :mod:`~phylohub.hub.replica.answers`: content types and the Hub's error answers;
* :mod:`~phylohub.hub.replica.server`: :class:`ReplicaServer`, the per-request pipeline,
  and :func:`run_replica` (background thread) / :func:`serve` (foreground).

With ``ReplicaConfig.cdn_share`` it stands in for the Hub's CDN too: that share of the
``/resolve/`` requests for a README (chosen by model id) is answered with a 302 to a
signed URL on a second origin it serves (another port), ``/repos/{id}/{commit}/{file}``
with a ``Signature``, as the Hub sends LFS files to its CDN host. The CDN answers
without a token (the signature grants access), is not rate limited, and counts the
requests that arrive with an ``Authorization`` header (``cdn_with_authorization``).

It also serves the arXiv API (``GET /api/query?id_list=...``, Atom feeds built by
:mod:`phylohub.hub.arxiv_api` from the store's papers) so that the arXiv client can be
pointed at it: its own ``arxiv`` rate-limit bucket and fault kind; over its quota it
answers as arXiv does, 503 ``Rate exceeded.`` with ``Retry-After``, and its answers carry
none of the Hub's ``RateLimit`` headers.

What the replica leaves out: every file other than ``README.md`` answers 404
``EntryNotFound`` (the store holds no other file contents); ``inference``, ``widgetData``,
``transformersInfo``, ``model-index``, ``gguf`` and the other properties the store has no
value for are accepted in ``expand`` and left out of the answers, as the Hub leaves out a
key without a value; ``spaces`` is always ``[]``; ``blobs=true`` (file sizes) is ignored;
``GET /api/agent-harnesses`` answers the empty registry ``{"standardEnvVars": [],
"harnesses": {}}`` (an empty list would break huggingface_hub 2.4.0's agent detection,
which calls ``.get`` on the answer). Tokens only matter for gated repositories.

The names below are the public ones; ``from phylohub.hub.replica import X`` is the way
to reach them.
"""

from __future__ import annotations

from phylohub.hub.replica.config import ReplicaConfig, config_from_args
from phylohub.hub.replica.limits import (
    FAULT_KINDS,
    HUB_RATE_LIMITS,
    Fault,
    Faults,
    RateLimits,
    RatePolicy,
)
from phylohub.hub.replica.listing import decode_cursor, encode_cursor
from phylohub.hub.replica.server import (
    ReplicaServer,
    RunningReplica,
    run_replica,
    serve,
    serve_from_args,
)

__all__ = [
    "FAULT_KINDS",
    "HUB_RATE_LIMITS",
    "Fault",
    "Faults",
    "RateLimits",
    "RatePolicy",
    "ReplicaConfig",
    "ReplicaServer",
    "RunningReplica",
    "config_from_args",
    "decode_cursor",
    "encode_cursor",
    "run_replica",
    "serve",
    "serve_from_args",
]
