"""One object of every STIX 2.1 SDO, SRO and SCO type (and a custom one) is validated, stored and read back."""

from __future__ import annotations

import uuid

from cybershield.intel import IntelStore

T = "2024-01-01T00:00:00.000Z"


def sdo(kind: str, **props) -> dict:
    return {"type": kind, "spec_version": "2.1", "id": f"{kind}--{uuid.uuid4()}", "created": T, "modified": T, **props}


def sco(kind: str, **props) -> dict:
    return {"type": kind, "spec_version": "2.1", "id": f"{kind}--{uuid.uuid4()}", **props}


def every_type() -> list[dict]:
    ind = sdo("indicator", pattern="[domain-name:value = 'evil.example']", pattern_type="stix", valid_from=T)
    mal = sdo("malware", name="x", is_family=False)
    ip = sco("ipv4-addr", value="198.51.100.7")
    mail = sco("email-addr", value="a@example.org")
    file = sco("file", name="a.exe", hashes={"SHA-256": "a" * 64})
    return [
        ind, mal, ip, mail, file,
        sdo("attack-pattern", name="phishing"), sdo("campaign", name="c"), sdo("course-of-action", name="block"),
        sdo("grouping", context="suspicious-activity", object_refs=[ind["id"]]), sdo("identity", name="CERT"),
        sdo("incident", name="breach"), sdo("infrastructure", name="c2"), sdo("intrusion-set", name="apt"),
        sdo("location", country="DE"), sdo("malware-analysis", product="sandbox", result="malicious", sample_ref=file["id"]),
        sdo("note", content="seen twice", object_refs=[ind["id"]]),
        sdo("observed-data", first_observed=T, last_observed=T, number_observed=1, object_refs=[ip["id"]]),
        sdo("opinion", opinion="agree", object_refs=[ind["id"]]),
        sdo("report", name="r", published=T, object_refs=[ind["id"]]), sdo("threat-actor", name="ta"),
        sdo("tool", name="psexec"), sdo("vulnerability", name="CVE-2024-0001"),
        sdo("relationship", relationship_type="indicates", source_ref=ind["id"], target_ref=mal["id"]),
        sdo("sighting", sighting_of_ref=ind["id"], count=3),
        {"type": "marking-definition", "spec_version": "2.1", "id": f"marking-definition--{uuid.uuid4()}",
         "created": T, "definition_type": "statement", "definition": {"statement": "Copyright CERT"}},
        sco("artifact", mime_type="text/plain", payload_bin="aGVsbG8="), sco("autonomous-system", number=64500),
        sco("directory", path="C:\\Windows"), sco("domain-name", value="evil.example"),
        sco("email-message", is_multipart=False, from_ref=mail["id"], subject="invoice"),
        sco("ipv6-addr", value="2001:db8::1"), sco("mac-addr", value="00:00:5e:00:53:af"),
        sco("mutex", name="Global\\x"), sco("network-traffic", protocols=["tcp"], dst_ref=ip["id"], dst_port=443),
        sco("process", pid=4, command_line="cmd.exe /c whoami"), sco("software", name="Word", vendor="Microsoft"),
        sco("url", value="http://evil.example/a"), sco("user-account", user_id="1001", account_login="bob"),
        sco("windows-registry-key", key="HKEY_LOCAL_MACHINE\\Software\\x"),
        sco("x509-certificate", serial_number="01", issuer="CN=x"),
        sdo("x-acme-campaign-note", name="custom object", x_acme_rating=4),
    ]


def test_every_stix_type_is_stored_with_its_custom_properties(db_url):
    store = IntelStore.open(db_url)
    objects = every_type()
    result = store.add(objects)
    assert result.rejected == [], [(s.id, s.reasons) for s in result.rejected]
    assert [store.get(o["id"]) for o in objects] == objects
    assert len({o["type"] for o in objects}) == 41
