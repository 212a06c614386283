"""STIX objects to compare validators on: ATT&CK, the OASIS examples, MISP conversions and generated invalid objects."""

from __future__ import annotations

import copy
import gzip
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from cybershield.intel import misp_to_stix

ATTACK = "attack/enterprise-attack-18.1.stix21.json.gz"


def attack_objects(shared_data: Path) -> list[dict]:
    return json.loads(gzip.decompress((shared_data / ATTACK).read_bytes()))["objects"]


def _objects_in(path: Path) -> list:
    data = json.loads(path.read_text())
    if isinstance(data, dict) and isinstance(data.get("objects"), list):
        return data["objects"]
    return data if isinstance(data, list) else [data]


def oasis_objects(shared_data: Path) -> list:
    """Every object of the OASIS schema examples and of python-stix2's test data store."""
    root = shared_data / "intel/stix2.1"
    files = sorted((root / "oasis-cti-stix2-json-schemas/examples").rglob("*.json"))
    files += sorted((root / "oasis-cti-python-stix2").rglob("*.json"))
    return [obj for path in files for obj in _objects_in(path)]


def misp_objects(shared_data: Path) -> list[dict]:
    """The STIX objects our MISP conversion makes of PyMISP's sample events."""
    files = sorted((shared_data / "intel/misp/pymisp/tests/reportlab_testfiles").glob("*.json"))
    return [obj for path in files for obj in misp_to_stix(path.read_bytes()).objects]


# -- generated invalid (and borderline valid) objects --------------------------------------------------------

BAD_TIMES = ["2020-02-30T00:00:00Z", "2020-13-01T00:00:00Z", "2020-01-01 00:00:00", "2020-01-01T00:00:00Z\n",
             "\uff12\uff10\uff12\uff10-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "2016-12-31T23:59:60Z",
             "2020-01-01T00:00:00.1234567890Z", "2020-01-01T00:00:00+01:00", "", 20200101, None]
BAD_IDS = ["not-an-id", "indicator--not-a-uuid", "indicator--6B616FC1-1505-48E3-8B2C-0D19337BFF38",
           "indicator--6b616fc1-1505-48e3-8b2c-0d19337bff38\n", "malware--" + str(uuid.UUID(int=7)), 17]
BAD_VALUES: dict[str, list] = {
    "spec_version": ["2.0", "2.2", 2.1, ""],
    "confidence": [101, -1, "50", 50.5, True, 2**70],
    "lang": ["xx-invalid!!", 5],
    "labels": ["notalist", [], [1]],
    "object_marking_refs": [["marking-definition--bad"], "marking-definition--" + str(uuid.UUID(int=1)), [None]],
    "external_references": [[{}], [{"source_name": "x", "url": "http://exa mple.com"}], [{"url": "http://e.org"}],
                            [{"source_name": "cve"}], [{"source_name": "capec", "external_id": "CAPEC"}]],
    "granular_markings": [[{"selectors": ["nothere"], "marking_ref": "marking-definition--"
                            "613f2e26-407d-48c7-9eca-b8e91df99dc9"}], [{"selectors": []}]],
    "created_by_ref": ["identity--xyz", "indicator--" + str(uuid.UUID(int=3)), ""],
    "revoked": ["yes", 1],
    "kill_chain_phases": [[{"kill_chain_name": "Bad Name", "phase_name": "x"}], [{}], "phase"],
    "extensions": [{"bad": {}}, {"extension-definition--" + str(uuid.UUID(int=5, version=4)): {"extension_type": "bogus"}},
                   []],
    "type": ["Indicator", "x", "in_dicator", "", "bundle", "extension-definition--1"],
    "x": [1],
    "BadName!": [1],
    "x_custom_property": [{"nested": [1, 2, "2020-02-30T00:00:00Z"]}],
    "pattern": ["[ipv4-addr:value = ]", "garbage", "[file:hashes.'SHA-256' = 'ab']", 5,
                "[ipv4-addr:value = '10.0.0.1']", "[ipv4-addr:value = '10.0.0.1' OR domain-name:value = 'a.b']",
                "[ipv4-addr:value = '10.0.0.1'] AND [domain-name:value = 'a.b']", "[ipv4-addr:valu = '1']",
                "[ipv4-adr:value = '1']", "[x-thing:value = '1']", "[ipv4-addr:x_custom = '1']",
                "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']", "[file:hashes.MD5 = 'zz']",
                "[file:hashes.'SHA-256' = '" + "a" * 64 + "']", "[file:hashes.SHA256 = '" + "a" * 63 + "']",
                "[file:hashes.AND = 'x']", "[file:hashes.'x-custom' = 'x']", "[file:name.x = 'a']",
                "[url:value = 'http://e.org/[a']", "[url:value = 'http://e.org/]']", "[url:value = 'a\\'b']",
                "[url:value = 'a\\nb']", "[url:value = 'a\\\\']", "[url:value = 'a\nb']", "[url:value = '']",
                "[url:value = 'caf\u00e9 \u2028']", "[ url:value='x' ]", "[url:value = 'x'", "url:value = 'x'",
                "[url:value = 'x']]", "[[url:value = 'x']", "[url:value = 'x' OR]", "[url:value = 'x' or url:value = 'y']",
                "[url:value = 'x'] WITHIN 5 SECONDS", "[url:value != 'x']", "[url:value LIKE 'x%']",
                "[network-traffic:dst_port = 443]", "[url:value = t'2020-01-01T00:00:00Z']", "[URL:value = 'x']",
                "[url:value\t=\t'x']", "[url:value = 'x']\n", " [url:value = 'x']", "[email-addr:value = 'a@b.c']",
                "[windows-registry-key:key = 'HKLM\\\\Software']", "[file:name = 'a' OR file:hashes.MD5 = 'x']", "[file:name = 'a' AND file:hashes.'SHA-1' = 'x']",
                "[network-traffic:dst_ref.value = '10.0.0.1' AND network-traffic:dst_port = 0443]",
                "[network-traffic:dst_ref.value = '10.0.0.1' AND network-traffic:dst_port = 443]",
                "[network-traffic:dst_ref.true = 'x']", "[network-traffic:dst_ref.hashes = 'x']",
                "[file:hashes.MD5 = 5]", "[file:hashes.'md5' = 'd41d8cd98f00b204e9800998ecf8427e']",
                "[network-traffic:dst_port = 99999999999999999999]", "[file:name = 'a' ANDfile:name = 'b']"],
    "pattern_version": ["2.0", "2.1", "2.2", 2.1],
    "pattern_type": ["yara", "STIX", ""],
    "valid_until": ["2000-01-01T00:00:00Z"],
    "source_ref": ["nothing", "indicator--1"],
    "relationship_type": ["Uses", "uses it", ""],
    "value": ["not-an-email", "not a url", "", "10.0.0.1/33", 7],
    "hashes": [{"MD5": "zz"}, {"SHA-256": "ab"}, {}, {"x": "y"}],
    "objects": [{"0": "file"}, {"0": {"name": "a"}}, {}, ["x"], {"0": {"type": "file", "name": 3}}],
    "first_observed": ["2030-01-01T00:00:00Z"],
    "number_observed": [0, 1_000_000_001, "1"],
    "name": ["", 5, None],
    "is_family": ["true"],
}


def _mutations() -> Iterator[tuple[str, Callable[[dict], None]]]:
    for key in ("id", "type", "spec_version", "created", "modified", "name", "pattern", "source_ref", "value"):
        yield f"drop {key}", lambda o, k=key: o.pop(k, None)
    for key in ("created", "modified", "valid_from", "first_seen", "first_observed", "published"):
        for value in BAD_TIMES:
            yield f"{key}={value!r}", lambda o, k=key, v=value: o.__setitem__(k, v)
    for value in BAD_IDS:
        yield f"id={value!r}", lambda o, v=value: o.__setitem__("id", v)
    for key, values in BAD_VALUES.items():
        for value in values:
            yield f"{key}={value!r}", lambda o, k=key, v=value: o.__setitem__(k, copy.deepcopy(v))
    for first, second in (("2024-01-02T00:00:00Z", "2024-01-01T00:00:00Z"), ("2024-01-01T00:00:00Z",) * 2,
                          ("2024-01-01T00:00:00.5Z", "2024-01-01T00:00:00.499999Z"),
                          ("2024-01-01T00:00:00.1234567Z", "2024-01-01T00:00:00.1234568Z"),
                          ("2024-01-01T00:00:00Z", "2024-01-01T00:00:00.000Z"), ("2024-02-30T00:00:00Z",) * 2):
        for later, earlier in (("modified", "created"), ("valid_until", "valid_from"), ("last_seen", "first_seen"),
                               ("stop_time", "start_time"), ("last_observed", "first_observed")):
            yield f"{earlier}={first!r} {later}={second!r}", lambda o, pair=(earlier, first, later, second): o.update(
                {pair[0]: pair[1], pair[2]: pair[3]})
    yield "marks itself", lambda o: o.__setitem__("object_marking_refs", [o.get("id")])
    yield "not a dict", lambda o: o.clear()


def invalid_objects(seeds: list[dict]) -> list[tuple[str, object]]:
    """(what was done, object): each mutation applied to a valid object of each type in ``seeds``."""
    first_of_type: dict[str, dict] = {}
    for obj in seeds:
        if isinstance(obj, dict) and isinstance(obj.get("type"), str):
            first_of_type.setdefault(obj["type"], obj)
    out: list[tuple[str, object]] = [("a list", []), ("a string", "indicator"), ("a number", 5), ("no id", {"type": "x"})]
    for kind, seed in sorted(first_of_type.items()):
        for what, mutate in _mutations():
            obj = copy.deepcopy(seed)
            mutate(obj)
            out.append((f"{kind}: {what}", obj))
    return out
