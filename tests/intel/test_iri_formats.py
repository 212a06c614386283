"""The RFC 3987 parsers that jsonschema imports are built on their first use, with the same verdicts."""

import json
import subprocess
import sys

from cybershield.intel.validation import SCHEMA_DIR


def _run(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    return json.loads(done.stdout)


def test_validating_stix_does_not_build_the_iri_parsers_and_iri_checks_still_judge():
    seen = _run("""
import json, sys
from cybershield.intel.validation import validate
from jsonschema import Draft202012Validator
verdict = validate({"type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                    "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
                    "pattern": "[ipv4-addr:value = '198.51.100.1']", "pattern_type": "stix",
                    "valid_from": "2024-01-01T00:00:00Z"})
before = "rfc3987_syntax.syntax_helpers" in sys.modules
check = Draft202012Validator.FORMAT_CHECKER
iri = [check.conforms(v, "iri") for v in ("https://b\\u00fccher.example/\\u00e4", "no scheme here", "http://[::1")]
ref = [check.conforms(v, "iri-reference") for v in ("../a/b?c#d", "a b")]
print(json.dumps({"valid": verdict.valid, "before": before, "iri": iri, "ref": ref,
                  "after": "rfc3987_syntax.syntax_helpers" in sys.modules}))
""")
    assert seen["valid"] is True
    assert seen["before"] is False  # validating STIX left the parsers unbuilt
    assert seen["iri"] == [True, False, False] and seen["ref"] == [True, False]
    assert seen["after"] is True  # the first iri check built them


def test_no_stix_schema_asks_for_an_iri_format():
    """Why deferring changes no STIX verdict: the schemas never use the formats the parsers check."""
    formats = set()
    for path in SCHEMA_DIR.rglob("*.json"):
        text = path.read_text(encoding="utf-8")
        formats |= {f for f in ("iri", "iri-reference") if f'"format": "{f}"' in text.replace('":"', '": "')}
    assert any(SCHEMA_DIR.rglob("*.json")) and formats == set()


def test_a_module_already_imported_is_left_alone():
    seen = _run("""
import json, sys
import rfc3987_syntax
real = sys.modules["rfc3987_syntax"]
import cybershield.intel
print(json.dumps({"same": sys.modules["rfc3987_syntax"] is real}))
""")
    assert seen["same"] is True
