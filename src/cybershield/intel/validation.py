"""Validating STIX 2.1 objects with the verdicts of ``stix2-validator``, at feed speed.

Two paths give one verdict:

* The fast path (:func:`accepts`) runs the OASIS STIX 2.1 JSON schemas that stix2-validator ships,
  compiled once with ``jsonschema-rs`` (the validator's own schema patches and the observed-data
  edit, and the validator's own checkers for the ``email``, ``uri`` and ``idn-hostname`` formats),
  then the validator's own MUST checks (``stix2validator.v21.musts``), with three shortcuts that
  only accept what the check accepts: the ``timestamp`` check parses timestamps with dateutil;
  instead every string of the object in the validator's timestamp syntax must be a real instant
  (:func:`_timestamps_real`, a superset of the strings it parses). The ``patterns`` check parses an
  indicator's pattern twice with the ANTLR grammar (5 ms); a pattern of the shape feeds send,
  ``[type:property = 'literal' AND|OR ...]`` over STIX's own observable types and properties, is
  recognised by a regular expression instead (:func:`_simple_pattern_valid`, with the grammar's
  string literal and the hash checks of stix2-patterns), any other goes to the check; the
  ``timestamp_compare`` check reads timestamps with strptime, C's ``fromisoformat`` reads the same
  instants (:func:`_timestamp_order`; anything else goes to the check). The SHOULD
  checks are skipped: they only produce warnings, which never change a verdict.
* The full validator (:func:`validate`), which gives the reasons. The fast path only ever
  *accepts*: whatever it does not accept goes to the full validator, whose verdict and reasons
  stand. So the verdicts are stix2-validator's as long as the fast path accepts nothing the full
  validator rejects; ``tests/intel/test_validation.py`` checks that on the ATT&CK bundle, the
  OASIS examples, the MISP conversions and generated invalid objects.

stix2-validator reloads and re-crawls its JSON schemas for every object it checks (about 4 ms an
object). :func:`_install_schema_cache` gives it one pre-crawled schema registry per schema folder, so
each lookup is a dictionary hit; the checks and their messages are the validator's own, unchanged
(the test compares its results with the unpatched functions').
"""

from __future__ import annotations

import functools
import gc
import json
import logging
import operator
import pathlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain

import jsonschema_rs
import stix2validator.validator as _validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from stix2patterns.helpers import brackets_check
from stix2patterns.v21.object_validator import HASHES_REGEX
from stix2validator import ValidationOptions, validate_instance
from stix2validator.v21 import enums, musts

log = logging.getLogger(__name__)
OPTIONS = ValidationOptions(version="2.1")
SCHEMA_DIR = pathlib.Path(_validator.__file__).parent / "schemas-2.1" / "schemas"


@dataclass(frozen=True)
class Verdict:
    """Whether an object is valid STIX 2.1, with the validator's errors when it is not."""

    valid: bool
    errors: list[str] = field(default_factory=list)


def validate(obj: object) -> Verdict:
    """Validate one STIX 2.1 object (any dict) with the full stix2-validator; never raises."""
    if not isinstance(obj, dict):
        return Verdict(False, [f"not a JSON object but {type(obj).__name__}"])
    try:
        result = validate_instance(obj, OPTIONS)
    except Exception as exc:  # the validator raises on input it cannot even classify
        return Verdict(False, [f"{type(exc).__name__}: {exc}"[:1000]])
    return Verdict(bool(result.is_valid), [str(e)[:1000] for e in result.errors])


def check(obj: object) -> Verdict:
    """The verdict of :func:`validate`, taken on the fast path when the object is valid."""
    return Verdict(True) if accepts(obj) else validate(obj)


def validate_many(objects: Sequence[object]) -> list[Verdict]:
    """:func:`check` each object of a batch; each rejection is logged with the validator's first reasons."""
    verdicts = [check(obj) for obj in objects]
    for obj, verdict in zip(objects, verdicts, strict=True):
        if not verdict.valid:
            oid = obj.get("id") if isinstance(obj, dict) else None
            log.info("rejected STIX object %s: %s", oid or "without id", "; ".join(verdict.errors[:3]))
    return verdicts


def prepare() -> None:
    """Compile every schema now rather than on first use, then keep what is loaded so far (modules, schemas,
    validators: long-lived) out of the garbage collector's full collections with :func:`gc.freeze`. Servers
    and ``intel import`` call this at start-up: rescanning that heap every few batches took a quarter of the
    intake's CPU."""
    for name in _schemas():
        _fast_validator(name)
    gc.freeze()


# -- the fast path -------------------------------------------------------------------------------

def _patterns(instance: dict, options: ValidationOptions):
    """musts.patterns, except that a simple pattern of STIX observables is recognised without the parser."""
    return () if _simple_pattern_valid(instance) else musts.patterns(instance, options)


_COMPARE = {"ge": operator.ge, "gt": operator.gt}
_SHORT_FRACTION = re.compile(r"(?:\.[0-9]{1,6})?Z$")  # what strptime's %f reads: at most 6 digits


def _timestamp_order(instance: dict):
    """musts.timestamp_compare (``modified`` >= ``created``, ``valid_until`` > ``valid_from``, ...), except
    that timestamps C's fromisoformat reads as the check's strptime would are compared without it."""
    pairs = [("modified", "ge", "created"), *enums.TIMESTAMP_COMPARE.get(instance.get("type", ""), [])]
    for first, op, second in pairs:
        if first in instance and second in instance:
            try:
                a, b = instance[first], instance[second]
                if not (musts.TIMESTAMP_FORMAT_RE.match(a) and musts.TIMESTAMP_FORMAT_RE.match(b)
                        and _SHORT_FRACTION.search(a) and _SHORT_FRACTION.search(b)
                        and _COMPARE[op](datetime.fromisoformat(a), datetime.fromisoformat(b))):
                    return musts.timestamp_compare(instance)
            except (TypeError, ValueError):
                return musts.timestamp_compare(instance)
    return ()


_SHORTCUTS = {musts.timestamp: None, musts.patterns: _patterns, musts.timestamp_compare: _timestamp_order}
_MUSTS = [_SHORTCUTS.get(check, check) for check in musts.list_musts(OPTIONS)]
_MUSTS = [check for check in _MUSTS if check]


def accepts(obj: object) -> bool:
    """True when the object is certainly valid (then stix2-validator accepts it); False: ask :func:`validate`."""
    if not isinstance(obj, dict):
        return False
    kind, oid = obj.get("type"), obj.get("id")
    if not isinstance(kind, str) or not isinstance(oid, str) or kind == "bundle" or "extension-definition--" in kind:
        return False
    try:
        if not _fast_validator(_schema_name(obj)).is_valid(obj):
            return False
        if kind == "observed-data" and "objects" in obj and not _observables_valid(obj["objects"]):
            return False
        if not _timestamps_real(obj):
            return False
        return next(_validator._iter_errors_custom(obj, _MUSTS, OPTIONS), None) is None
    except Exception:  # e.g. a number too large for jsonschema-rs, a check that raises: the full validator says
        return False


def _schema_name(obj: dict) -> str:
    """The schema stix2-validator picks: the type's own, else the (cyber-observable) core schema."""
    if obj["type"] in _schemas():
        return obj["type"]
    observable = "created" not in obj and "modified" not in obj and obj["type"] != "marking-definition"
    return "cyber-observable-core" if observable else "core"


def _observables_valid(objects: object) -> bool:
    """observed-data ``objects``: each observable against its own schema, as the validator does."""
    if not isinstance(objects, dict):
        return False
    for observable in objects.values():
        if not isinstance(observable, dict) or not isinstance(observable.get("type"), str):
            return False
        name = observable["type"] if observable["type"] in _schemas() else "cyber-observable-core"
        if not _fast_validator(name).is_valid(observable):
            return False
    return True


#: Every property the validator's timestamp check reads (it fails on one that is not a string).
_TIMESTAMP_KEYS = frozenset(["created", "modified", *chain.from_iterable(enums.TIMESTAMP_PROPERTIES.values()),
                             *chain.from_iterable(enums.TIMESTAMP_OBSERVABLE_PROPERTIES.values()),
                             *chain.from_iterable(chain.from_iterable(embedded.values()) for embedded
                                                  in enums.TIMESTAMP_EMBEDDED_PROPERTIES.values())])


def _timestamps_real(value: object, key: str = "") -> bool:
    """Every string in the validator's timestamp syntax is a real instant (no 30 February, no second 60),
    every timestamp property is a string and every extension an object."""
    if isinstance(value, str):
        if musts.TIMESTAMP_FORMAT_RE.match(value):
            try:
                datetime.fromisoformat(value)
            except ValueError:
                return False
        return True
    if key in _TIMESTAMP_KEYS:
        return False
    if isinstance(value, dict):
        if key == "extensions" and not all(isinstance(ext, dict) for ext in value.values()):
            return False
        return all(_timestamps_real(item, name) for name, item in value.items())
    if isinstance(value, list):
        return all(_timestamps_real(item) for item in value)
    return True


_LITERAL = r"'(?:[^'\\]|\\['\\])*'|0|[1-9][0-9]{0,17}"  # the grammar's StringLiteral (only \' and \\ escape), an int
_COMPARISON = (r"([a-z0-9-]+):([a-z_][a-z0-9_]*)(?:\.('[A-Za-z0-9_-]+'|[A-Za-z_][A-Za-z0-9_]*))?[ \t]*(?:=|!=)[ \t]*("
               + _LITERAL + ")")
_SIMPLE_PATTERN = re.compile(r"\[[ \t]*" + _COMPARISON + r"(?:[ \t]+(?:AND|OR)[ \t]+" + _COMPARISON + r")*[ \t]*\]")
_ONE_COMPARISON = re.compile(_COMPARISON)
_KEYWORDS = frozenset({"AND", "OR", "NOT", "FOLLOWEDBY", "LIKE", "MATCHES", "ISSUPERSET", "ISSUBSET", "EXISTS",
                       "LAST", "IN", "START", "STOP", "SECONDS", "WITHIN", "REPEATS", "TIMES", "true", "false"})


def _simple_pattern_valid(instance: dict) -> bool:
    """A pattern of one observation, ``[type:property = 'literal' AND|OR ...]``, that stix2-patterns and the
    validator accept: STIX's own observable types and properties, hashes that match their algorithm."""
    pattern = instance.get("pattern")
    version = instance.get("pattern_version", instance.get("spec_version", "2.1"))
    if instance.get("pattern_type") != "stix" or not isinstance(pattern, str) or version != "2.1" \
            or not _SIMPLE_PATTERN.fullmatch(pattern) or not brackets_check(pattern):
        return False
    for kind, prop, selector, literal in _ONE_COMPARISON.findall(pattern):
        if kind not in enums.OBSERVABLE_TYPES or prop not in enums.OBSERVABLE_PROPERTIES.get(kind, ()) \
                or selector in _KEYWORDS:
            return False
        path = [prop, selector.strip("'")] if selector else [prop]
        if "hashes" in path:  # stix2-patterns' object validator: a known algorithm's value must match it
            if not literal.startswith("'") or "\\" in literal:
                return False
            algorithm = path[-1].upper().replace("-", "")
            if algorithm in HASHES_REGEX and not re.match(HASHES_REGEX[algorithm][0], literal.replace("'", "")):
                return False
    return True


@functools.cache
def _schemas() -> dict[str, tuple[str, dict]]:
    """Schema name -> (file URI, schema patched as the validator patches it), as its find_schema finds them."""
    found: dict[str, tuple[str, dict]] = {}
    for path in sorted(SCHEMA_DIR.rglob("*.json")):
        if "examples" not in path.parts:
            found.setdefault(path.stem, (path.as_uri(), _validator.patch_schema(json.loads(path.read_text()), str(path))))
    return found


def _format(name: str):
    checker = _validator.Draft202012Validator.FORMAT_CHECKER  # with stix2-validator's own e-mail check
    return lambda value: checker.conforms(value, name)


@functools.cache
def _fast_validator(name: str) -> jsonschema_rs.Validator:
    uri, schema = _schemas()[name]
    if name == "observed-data":  # the validator checks each observable on its own (see _observables_valid)
        schema = json.loads(json.dumps(schema))
        schema["allOf"][1]["properties"]["objects"] = {"objects": {"type": "object", "minProperties": 1}}
    registry = jsonschema_rs.Registry(list(_schemas().values()))
    return jsonschema_rs.validator_for(schema, registry=registry, base_uri=uri, validate_formats=True,
                                       formats={f: _format(f) for f in ("email", "uri", "idn-hostname")})


# -- the full validator's schema cache -----------------------------------------------------------

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


#: stix2-validator's own functions, before :func:`_install_schema_cache` replaces them (the test uses them).
UNPATCHED = {"load_schema": _validator.load_schema, "load_validator": _validator.load_validator}


def _install_schema_cache() -> None:
    _validator.load_schema = functools.cache(_validator.load_schema)
    _validator.load_validator = _load_validator


_install_schema_cache()

