"""The compiled-rule cache: one entry per rule file, on disk, read back as data.

An entry holds what compiling one rule file gave (its rules' boolean trees over the file's own
leaves, dispatch keys, metadata, and its failures), as JSON. Its name is a SHA-256 over the
file's content and the *fingerprint* of everything else compilation depends on: the engine's
compile format, the pySigma and pipeline package versions, the processing pipelines (their
items), the event model's field mapping and the placeholder values. A changed file gets a new
key and is compiled alone; a removed file's entry is simply not asked for; a new engine, pipeline
or mapping misses every entry. Nothing is unpickled: an entry is JSON whose SHA-256 is checked
before use (a damaged entry is recompiled and rewritten, and logged).

Layout: ``<var>/cache/sigma/<key[:2]>/<key>.json``, first line the payload's SHA-256, then the
payload. Clearing: ``cybershield detect --no-cache`` ignores it, ``cybershield cache clear`` (or
deleting the folder) empties it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import orjson

from .pipeline import EVENT_DATA, SYSTEM_FIELDS, variant_pipelines

log = logging.getLogger(__name__)

#: Bump when the entry layout changes: every entry then misses.
ENGINE_VERSION = "sigma-compile/1"
_PACKAGES = ("pySigma", "pysigma-pipeline-sysmon", "pysigma-pipeline-windows", "cybershield")
#: The engine's own compiling code: an edit to any of them is a new engine version.
_ENGINE_SOURCES = ("compile.py", "collection.py", "pipeline.py", "loader.py")


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "-"


def fingerprint(placeholders: dict[str, list[str]] | None) -> str:
    """What compilation depends on besides the rule file, as one digest."""
    # the pipelines by their items (what each item does is fixed by the package versions)
    pipelines = {name: [(item.identifier, type(item.transformation).__name__) for item in pipeline.items]
                 for name, pipeline in variant_pipelines(placeholders).items()}
    here = Path(__file__).parent
    engine = hashlib.sha256(b"".join((here / name).read_bytes() for name in _ENGINE_SOURCES)).hexdigest()
    parts = {"engine": [ENGINE_VERSION, engine], "packages": {p: _version(p) for p in _PACKAGES}, "pipelines": pipelines,
             "mapping": [SYSTEM_FIELDS, EVENT_DATA], "placeholders": placeholders or {}}
    return hashlib.sha256(orjson.dumps(parts, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()


class RuleCache:
    """Compiled rule files under ``folder``, keyed by content and ``fingerprint``."""

    def __init__(self, folder: Path, placeholders: dict[str, list[str]] | None = None):
        self.folder = folder
        self._salt = fingerprint(placeholders).encode()
        self.hits = 0
        self.misses = 0

    def key(self, content: bytes) -> str:
        return hashlib.sha256(self._salt + b"\x00" + content).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def read(self, key: str) -> dict | None:
        """The entry, or None when there is none or it is damaged (then it is logged)."""
        path = self._path(key)
        try:
            raw = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        digest, _, payload = raw.partition(b"\n")
        try:
            if hashlib.sha256(payload).hexdigest().encode() != digest:
                raise ValueError("checksum mismatch")
            entry = orjson.loads(payload)
            if not isinstance(entry, dict):
                raise ValueError("not an object")
        except (ValueError, orjson.JSONDecodeError) as exc:
            log.warning("sigma rule cache entry %s is damaged (%s): compiling the rule file again", path, exc)
            self.misses += 1
            return None
        self.hits += 1
        return entry

    def write(self, key: str, entry: dict) -> None:
        """Store an entry atomically (a reader never sees half of one); a failure to write is logged, not raised."""
        path = self._path(key)
        payload = orjson.dumps(entry)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("sigma rule cache: cannot write %s: %s", path, exc)


def clear(folder: Path) -> int:
    """Delete every entry under ``folder``; returns how many there were."""
    if not folder.is_dir():
        return 0
    count = sum(1 for _ in folder.rglob("*.json"))
    shutil.rmtree(folder)
    return count
