"""Indicators from files: STIX 2.1 bundles, MISP event JSON and indicator CSV.

Every file becomes STIX 2.1 indicator dicts (what the intel store hands the detector too). A file
that cannot be read at all (too big, not JSON, unknown layout) gives one rejection naming the file;
a bad CSV row gives one rejection naming its line; the other files and rows still load.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import orjson

from ...errors import CybershieldError
from ...intel import IndicatorCsvError, MispFormatError, misp_to_stix, read_indicator_csv
from .compiled import Rejection

#: Files larger than this are refused unless the caller raises the limit.
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
class IndicatorFileError(CybershieldError, ValueError):
    """A whole file could not be read as indicators."""


def _read(path: Path, max_bytes: int) -> bytes:
    size = path.stat().st_size
    if size > max_bytes:
        raise IndicatorFileError(f"{path}: {size} bytes, over the limit of {max_bytes}")
    return path.read_bytes()


def read_json(data: bytes, source: str) -> list[dict]:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise IndicatorFileError(f"{source}: not JSON: {exc}") from None
    if isinstance(doc, list) and all(isinstance(o, dict) and "type" in o for o in doc):
        return doc
    if isinstance(doc, dict) and doc.get("type") == "bundle":
        objects = doc.get("objects") or []
        if not isinstance(objects, list):
            raise IndicatorFileError(f"{source}: bundle objects is not a list")
        return objects
    if isinstance(doc, dict) and doc.get("type") == "indicator":
        return [doc]
    if isinstance(doc, dict | list):
        try:
            return misp_to_stix(doc).objects
        except MispFormatError as exc:
            raise IndicatorFileError(f"{source}: neither a STIX bundle nor MISP event JSON ({exc})") from None
    raise IndicatorFileError(f"{source}: neither a STIX bundle nor MISP event JSON")


def load_indicator_files(paths: Iterable[str | Path], *, max_bytes: int = DEFAULT_MAX_BYTES
                         ) -> tuple[list[dict], list[Rejection]]:
    """STIX objects and the rejections of all the files (a file's suffix .csv means CSV, else JSON)."""
    objects: list[dict] = []
    rejections: list[Rejection] = []
    for path in map(Path, paths):
        try:
            data = _read(path, max_bytes)
            if path.suffix.lower() == ".csv":
                found, problems = read_indicator_csv(data.decode("utf-8-sig", errors="replace"), str(path))
                objects += found
                rejections += [Rejection(None, problem) for problem in problems]
            else:
                objects += read_json(data, str(path))
        except (IndicatorFileError, IndicatorCsvError, OSError) as exc:
            rejections.append(Rejection(None, str(exc)))
    return objects, rejections
