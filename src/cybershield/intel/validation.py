"""Validating STIX 2.1 objects with ``stix2-validator``, one object at a time, with the validator's reasons.

stix2-validator reloads and re-crawls its JSON schemas for every object it checks (about 4 ms an
object). :func:`_install_schema_cache` gives it one pre-crawled schema registry per schema folder, so
each lookup is a dictionary hit; the checks and their messages are the validator's own, unchanged.
"""

from __future__ import annotations

import atexit
import functools
import json
import multiprocessing
import os
import pathlib
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

import stix2validator.validator as _validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from stix2validator import ValidationOptions, validate_instance

from .tlp import marking_definition

OPTIONS = ValidationOptions(version="2.1")


@dataclass(frozen=True)
class Verdict:
    """Whether an object is valid STIX 2.1, with the validator's errors and warnings."""

    valid: bool
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def validate(obj: object) -> Verdict:
    """Validate one STIX 2.1 object (any dict); never raises."""
    if not isinstance(obj, dict):
        return Verdict(False, [f"not a JSON object but {type(obj).__name__}"])
    try:
        result = validate_instance(obj, OPTIONS)
    except Exception as exc:  # the validator raises on input it cannot even classify
        return Verdict(False, [f"{type(exc).__name__}: {exc}"[:1000]])
    return Verdict(bool(result.is_valid), [str(e)[:1000] for e in result.errors],
                   [str(w)[:1000] for w in result.warnings])


#: Batches at least this large are validated in parallel worker processes.
PARALLEL_FROM = 256
_pool: ProcessPoolExecutor | None | bool = None


def workers() -> int:
    """Validation processes: ``CYBERSHIELD_VALIDATION_WORKERS``, else the CPUs (at most 8); 1 = in this process."""
    configured = os.environ.get("CYBERSHIELD_VALIDATION_WORKERS")
    return max(1, int(configured)) if configured else min(8, os.cpu_count() or 1)


def _die_with_parent(parent: int) -> None:
    """In a worker: exit when the process that started it is gone (killed servers leave no orphans)."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()


def start_workers() -> None:
    """Start the validation processes now rather than on the first large batch (servers call this)."""
    global _pool
    if _pool is None and workers() > 1:
        try:
            _pool = ProcessPoolExecutor(workers(), mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_die_with_parent, initargs=(os.getpid(),))
            atexit.register(_pool.shutdown, cancel_futures=True)
            # builds each worker's schema registry (a TLP marking definition is a small valid object)
            list(_pool.map(validate, [marking_definition("CLEAR")] * 4 * workers()))
        except (BrokenProcessPool, AssertionError, OSError):
            _pool = False


def validate_many(objects: Sequence[object]) -> list[Verdict]:
    """Validate a batch, in worker processes when it is large and more than one CPU is available."""
    global _pool
    count = workers()
    if count == 1 or len(objects) < PARALLEL_FROM or _pool is False:
        return [validate(obj) for obj in objects]
    start_workers()
    if not _pool:
        return [validate(obj) for obj in objects]
    try:
        return list(_pool.map(validate, objects, chunksize=max(16, len(objects) // (4 * count))))
    except BrokenProcessPool:  # e.g. a program read from stdin cannot spawn workers: validate in-process
        _pool = False
        return [validate(obj) for obj in objects]


@functools.cache
def _registry(schema_dir: str) -> Registry:
    resources = []
    for path in pathlib.Path(schema_dir).rglob("*.json"):
        if "examples" not in path.parts:
            schema = _validator.patch_schema(json.loads(path.read_text()), str(path))
            resources.append((path.as_uri(), DRAFT202012.create_resource(schema)))
    retrieve = functools.partial(_validator.retrieve_from_filesystem, schema_dir=schema_dir)
    return Registry(retrieve=retrieve).with_resources(resources).crawl()


_VALIDATORS: dict[tuple[str, str], object] = {}


def _load_validator(schema_path: str, schema: dict, schema_dir: str):
    # The schema for a path is always the same: the validator's per-type edits to it are idempotent.
    key = (schema_path, schema_dir)
    if key not in _VALIDATORS:
        schema = _validator.patch_schema(schema, schema_path)
        registry = _registry(schema_dir).with_resource(schema_path, DRAFT202012.create_resource(schema)).crawl()
        _VALIDATORS[key] = _validator.STIXValidator(schema, registry=registry,
                                                    format_checker=_validator.Draft202012Validator.FORMAT_CHECKER)
    return _VALIDATORS[key]


def _install_schema_cache() -> None:
    _validator.load_schema = functools.cache(_validator.load_schema)
    _validator.load_validator = _load_validator


_install_schema_cache()
