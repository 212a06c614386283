"""Indicators from files: STIX 2.1 bundles, MISP event JSON and indicator CSV (gzip too), read by the
intel package's one reader of intelligence files (``cybershield.intel.read_intel_file``).

Every file becomes STIX 2.1 dicts (what the intel store hands the detector too). A file that cannot be
read at all (too big, not JSON, unknown layout) gives one rejection naming the file; a bad CSV row gives
one rejection naming the file and line; the other files and rows still load.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ...intel import MAX_FILE_BYTES, IntelFileError, read_intel_file
from .compiled import Rejection

#: Files larger than this are refused unless the caller raises the limit.
DEFAULT_MAX_BYTES = MAX_FILE_BYTES


def load_indicator_files(paths: Iterable[str | Path], *, max_bytes: int = DEFAULT_MAX_BYTES
                         ) -> tuple[list[dict], list[Rejection]]:
    """STIX objects and the rejections of all the files."""
    objects: list[dict] = []
    rejections: list[Rejection] = []
    for path in map(Path, paths):
        try:
            found = read_intel_file(path, max_bytes=max_bytes)
        except IntelFileError as exc:
            rejections.append(Rejection(None, exc.message))
            continue
        objects += found.objects
        if found.kind == "indicator-csv":  # a bad row; MISP's attributes with no STIX form are not indicators
            rejections += [Rejection(None, problem) for problem in found.problems]
    return objects, rejections
