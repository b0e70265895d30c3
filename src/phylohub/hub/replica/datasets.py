"""Dataset repositories: ``/api/datasets/{id}[/tree/{rev}[/{path}]]`` and
``/datasets/{id}/resolve/{rev}/{path}``, served from files on disk.

A dataset repository is a folder ``{datasets_dir}/{ns}/{name}/`` (the card dump of
:mod:`phylohub.hub.plant_dump` is one). What ``HfApi.list_repo_tree`` /
``list_repo_files(repo_type="dataset")`` and ``hf_hub_download(repo_type="dataset")`` need:

* the tree lists each file with its git blob id (``oid``), ``size`` and, for a parquet
  file (stored in LFS on the Hub), ``lfs: {oid: <sha256>, size, pointerSize}``; folders as
  ``directory`` entries; ``recursive=true`` lists the whole tree;
* ``resolve`` answers 200 at once (no redirect) with ``X-Repo-Commit``, ``ETag`` (the
  sha256 of an LFS file, the git blob id of any other, as the Hub's ``X-Linked-Etag``),
  ``Content-Length`` and ``Range`` honoured, so the client's cache, resume and sha checks
  work;
* the commit is a sha1 over the files' paths and blob ids: it changes when a file does.

A file's digests are kept while its size and mtime stay the same.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from phylohub.hub.replica.answers import JSON, error, repo_not_found, revision_not_found
from phylohub.hub.replica.files import _UNSATISFIABLE, git_blob_sha1, parse_range
from phylohub.hub.replica.routing import Route

__all__ = ["Datasets"]

_LFS_SUFFIXES = (".parquet", ".arrow", ".bin")


@dataclass(frozen=True)
class _File:
    path: str
    size: int
    blob: str  # git blob sha1 (of the LFS pointer for an LFS file)
    sha256: str | None  # LFS files only


class Datasets:
    """The dataset repositories under ``root`` (None: there are none)."""

    def __init__(self, root: Path | None) -> None:
        self._root = root
        self._digests: dict[tuple[str, int, int], _File] = {}
        self._lock = threading.Lock()

    def _repo_dir(self, repo_id: str) -> Path | None:
        if self._root is None or repo_id.count("/") != 1 or ".." in repo_id.split("/"):
            return None
        folder = self._root / repo_id
        return folder if folder.is_dir() else None

    def _file(self, path: Path, rel: str) -> _File:
        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime_ns)
        with self._lock:
            found = self._digests.get(key)
        if found is not None:
            return found
        data = path.read_bytes()
        if rel.endswith(_LFS_SUFFIXES):
            sha256 = hashlib.sha256(data).hexdigest()
            pointer = (
                f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\n"
                f"size {len(data)}\n"
            ).encode()
            file = _File(rel, len(data), git_blob_sha1(pointer), sha256)
        else:
            file = _File(rel, len(data), git_blob_sha1(data), None)
        with self._lock:
            self._digests[key] = file
        return file

    def _files(self, folder: Path) -> list[_File]:
        paths = sorted(p for p in folder.rglob("*") if p.is_file())
        return [self._file(p, p.relative_to(folder).as_posix()) for p in paths]

    @staticmethod
    def _commit(files: list[_File]) -> str:
        text = "".join(f"{f.path}\0{f.blob}\n" for f in files)
        return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()

    async def answer(self, request: web.BaseRequest, route: Route) -> web.Response:
        """Answer a dataset route (``dataset_info``, ``dataset_tree``, ``dataset_resolve_*``)."""
        folder = self._repo_dir(route.model_id)
        if folder is None:
            return repo_not_found()
        files = self._files(folder)
        commit = self._commit(files)
        if route.revision not in (None, "main", commit):
            return revision_not_found(route.revision or "", commit)
        if route.kind == "dataset_info":
            body = {"_id": commit[:24], "id": route.model_id, "sha": commit, "private": False,
                    "gated": False, "disabled": False,
                    "siblings": [{"rfilename": f.path} for f in files]}  # fmt: skip
            return _json(body, commit)
        if route.kind == "dataset_tree":
            recursive = request.query.get("recursive", "false").lower() == "true"
            return _json(_tree(files, route.filename, recursive), commit)
        return self._resolve(request, route, files, commit)

    def _resolve(
        self, request: web.BaseRequest, route: Route, files: list[_File], commit: str
    ) -> web.Response:
        head = {"X-Repo-Commit": commit}
        file = next((f for f in files if f.path == route.filename), None)
        folder = self._repo_dir(route.model_id)
        if file is None or folder is None:
            return error(404, "Entry not found", "EntryNotFound", head)
        etag = f'"{file.sha256 or file.blob}"'
        headers = {**head, "ETag": etag, "Accept-Ranges": "bytes",
                   "Content-Type": "application/octet-stream"}  # fmt: skip
        if file.sha256:
            headers["X-Linked-Etag"] = etag
            headers["X-Linked-Size"] = str(file.size)
        body = (folder / file.path).read_bytes()
        ranged = parse_range(request.headers.get("Range"), len(body))
        if ranged == _UNSATISFIABLE:
            headers["Content-Range"] = f"bytes */{len(body)}"
            return error(416, "Requested range not satisfiable", extra=headers)
        status = 200
        if ranged is not None:
            start, end = ranged
            headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
            body, status = body[start : end + 1], 206
        return web.Response(status=status, body=body, headers=headers)


def _tree(files: list[_File], under: str, recursive: bool) -> list[dict[str, Any]]:
    """The tree entries under ``under`` ('' = the root), folders first, as the Hub lists."""
    prefix = f"{under.strip('/')}/" if under.strip("/") else ""
    folders: dict[str, None] = {}
    entries: list[dict[str, Any]] = []
    for f in files:
        if not f.path.startswith(prefix):
            continue
        rest = f.path[len(prefix) :].split("/")
        for depth in range(1, len(rest) if recursive else min(2, len(rest))):
            folders.setdefault(prefix + "/".join(rest[:depth]))
        if len(rest) > 1 and not recursive:
            continue
        entry: dict[str, Any] = {"type": "file", "oid": f.blob, "size": f.size, "path": f.path}
        if f.sha256:
            entry["lfs"] = {"oid": f.sha256, "size": f.size, "pointerSize": 134}
        entries.append(entry)
    dirs = [{"type": "directory", "oid": hashlib.sha1(d.encode(), usedforsecurity=False)
             .hexdigest(), "size": 0, "path": d} for d in folders]  # fmt: skip
    return dirs + entries


def _json(body: Any, commit: str) -> web.Response:
    return web.Response(
        body=json.dumps(body).encode(), headers={"Content-Type": JSON, "X-Repo-Commit": commit}
    )
