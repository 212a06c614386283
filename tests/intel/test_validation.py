"""The fast validation path gives stix2-validator's verdicts: the same accept/reject on real and generated
objects, the validator's own reasons on every rejection, and every valid real object takes the fast path."""

from __future__ import annotations

from collections import defaultdict

import pytest
import stix2validator.validator as stix2_validator

from cybershield.intel import validation
from cybershield.intel.validation import Verdict, accepts, check, validate

from . import factory
from .stix_corpus import attack_objects, invalid_objects, misp_objects, oasis_objects

FACTORY_SEEDS = [factory.indicator(1), factory.malware(2), factory.relationship(3, factory.sid("indicator", 1),
                                                                                   factory.sid("malware", 2)),
                 factory.sighting(4, factory.sid("indicator", 1)),
                 {"type": "ipv4-addr", "spec_version": "2.1", "id": factory.sid("ipv4-addr", 5), "value": "10.0.0.1"},
                 {"type": "file", "spec_version": "2.1", "id": factory.sid("file", 6), "name": "a.exe",
                  "hashes": {"MD5": "d41d8cd98f00b204e9800998ecf8427e"}},
                 {"type": "observed-data", "spec_version": "2.1", "id": factory.sid("observed-data", 7),
                  "created": factory.T0, "modified": factory.T0, "first_observed": factory.T0,
                  "last_observed": factory.T0, "number_observed": 1,
                  "object_refs": [factory.sid("ipv4-addr", 5)]}]


def attack_sample(objects: list[dict], per_type: int = 100) -> list[dict]:
    """At most about ``per_type`` objects of each type, evenly spread over the bundle.

    The full validator takes about 2 ms an object, so all 24,771 would take a minute or more of CI:
    the sample keeps every rare type whole and thins the common ones (20,048 relationships share one
    schema and one set of checks). ``bench/intel_validation.py`` compares every object of the bundle."""
    by_type: dict[str, list[dict]] = defaultdict(list)
    for obj in objects:
        by_type[obj["type"]].append(obj)
    return [obj for group in by_type.values() for obj in group[::max(1, len(group) // per_type)]]


def assert_same_verdicts(objects: list) -> tuple[int, int]:
    """The fast path accepts only what stix2-validator accepts (so check() gives validate()'s verdict and
    reasons, see test_check_is_the_fast_path_or_the_validator); returns (valid, of those on the fast path)."""
    valid = fast = 0
    for obj in objects:
        full, quick = validate(obj), accepts(obj)
        assert full.valid or not quick, (obj, full.errors)
        assert full.valid or full.errors
        valid += full.valid
        fast += quick
    return valid, fast


def test_check_is_the_fast_path_or_the_validator():
    for _, obj in invalid_objects(FACTORY_SEEDS)[::25]:
        assert check(obj) == (Verdict(True) if accepts(obj) else validate(obj))


def test_generated_invalid_objects_get_the_validators_verdicts_and_reasons():
    cases = invalid_objects(FACTORY_SEEDS)
    valid, _ = assert_same_verdicts([obj for _, obj in cases])
    assert len(cases) - valid > 400 and valid  # many mutations break the object, some do not


def test_factory_objects_take_the_fast_path():
    assert all(accepts(obj) for obj in FACTORY_SEEDS)
    assert [check(obj) for obj in FACTORY_SEEDS] == [Verdict(True)] * len(FACTORY_SEEDS)


@pytest.mark.shared
def test_attack_oasis_and_misp_objects_get_the_validators_verdicts(shared_data):
    attack, oasis, misp = attack_sample(attack_objects(shared_data)), oasis_objects(shared_data), misp_objects(shared_data)
    for objects in (attack, oasis, misp):
        valid, fast = assert_same_verdicts(objects)
        assert valid and fast == valid  # every valid real object is accepted without the full validator


@pytest.mark.shared
def test_invalid_objects_made_from_real_ones_get_the_validators_verdicts(shared_data):
    seeds = oasis_objects(shared_data) + misp_objects(shared_data) + attack_objects(shared_data)[::500]
    cases = invalid_objects(seeds)
    assert_same_verdicts([obj for _, obj in cases[::3]])  # a third of the CI time; each change still meets a third of the types


def test_the_schema_cache_gives_the_unpatched_validators_results(monkeypatch):
    """The two replaced stix2-validator functions (load_schema, load_validator): same errors without them."""
    objects = FACTORY_SEEDS + [obj for _, obj in invalid_objects(FACTORY_SEEDS[:3])[::7]]
    patched = [validate(obj) for obj in objects]
    for name, original in validation.UNPATCHED.items():
        monkeypatch.setattr(stix2_validator, name, original)
    assert [validate(obj) for obj in objects] == patched
    assert any(not verdict.valid for verdict in patched) and any(verdict.valid for verdict in patched)
