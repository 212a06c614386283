"""Generated telemetry, so that a hub runs on a machine without the shared data sets.

A small, seeded day in the life of an essential entity: Zeek conn and dns logs (JSON and TSV),
Suricata EVE alerts and flows, and Sysmon events as evtx_dump JSON, with one attack woven in
(a phishing download, encoded PowerShell, beaconing to a command-and-control host), and the
STIX 2.1 indicators a partner hub shared about that campaign.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import stix2

C2_HOST = "update-check.example-cdn.net"
PAYLOAD_SHA256 = "9f914d42706fe215501044acd85a32d58aaef1419d404fddfa5d3b48f66ccd9f"
C2_IP = "203.0.113.66"
VICTIM = "10.20.0.15"


def _clients(rng: random.Random, n: int) -> list[str]:
    return [f"10.20.{rng.randint(0, 3)}.{rng.randint(2, 250)}" for _ in range(n)]


def _zeek_conn(rng: random.Random, start: datetime, count: int) -> list[dict]:
    clients = _clients(rng, 30)
    rows = []
    for i in range(count):
        ts = start + timedelta(seconds=i * 7 + rng.random())
        beacon = i % 40 == 0
        rows.append({
            "ts": ts.timestamp(), "uid": f"C{rng.getrandbits(60):015x}",
            "id.orig_h": VICTIM if beacon else rng.choice(clients), "id.orig_p": rng.randint(49152, 65535),
            "id.resp_h": C2_IP if beacon else f"198.51.100.{rng.randint(1, 254)}",
            "id.resp_p": 443 if beacon else rng.choice([53, 80, 443, 443, 443, 22]),
            "proto": "tcp", "service": "ssl", "duration": round(rng.expovariate(2), 6),
            "orig_bytes": rng.randint(40, 4000), "resp_bytes": rng.randint(40, 90000),
            "conn_state": "SF", "orig_pkts": rng.randint(1, 40), "resp_pkts": rng.randint(1, 80),
        })
    return rows


def _zeek_dns(rng: random.Random, start: datetime, count: int) -> list[dict]:
    names = ["www.europa.eu", "login.microsoftonline.com", "updates.example.org", "cdn.example.net", C2_HOST]
    return [{
        "ts": (start + timedelta(seconds=i * 11)).timestamp(), "uid": f"D{rng.getrandbits(60):015x}",
        "id.orig_h": VICTIM if i % 25 == 0 else f"10.20.1.{rng.randint(2, 250)}", "id.orig_p": rng.randint(49152, 65535),
        "id.resp_h": "10.20.0.2", "id.resp_p": 53, "proto": "udp",
        "query": C2_HOST if i % 25 == 0 else rng.choice(names[:-1]), "qtype_name": "A", "rcode_name": "NOERROR",
    } for i in range(count)]


def _zeek_tsv(rows: list[dict], path_name: str) -> str:
    fields = list(rows[0])
    lines = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
             f"#path\t{path_name}", "#fields\t" + "\t".join(fields)]
    lines += ["\t".join("-" if r.get(f) is None else str(r[f]) for f in fields) for r in rows]
    return "\n".join(lines) + "\n"


def _suricata(rng: random.Random, start: datetime, count: int) -> list[dict]:
    events = []
    for i in range(count):
        ts = (start + timedelta(seconds=i * 13)).isoformat()
        if i % 20 == 0:
            events.append({"timestamp": ts, "event_type": "alert", "src_ip": VICTIM, "src_port": 50000 + i,
                           "dest_ip": C2_IP, "dest_port": 443, "proto": "TCP",
                           "alert": {"action": "allowed", "gid": 1, "signature_id": 2_030_000 + i % 3,
                                     "signature": "ET MALWARE Possible Cobalt Strike beacon", "category":
                                     "A Network Trojan was detected", "severity": 1}})
        else:
            events.append({"timestamp": ts, "event_type": "flow", "src_ip": f"10.20.2.{rng.randint(2, 250)}",
                           "src_port": rng.randint(49152, 65535), "dest_ip": f"198.51.100.{rng.randint(1, 254)}",
                           "dest_port": 443, "proto": "TCP", "app_proto": "tls",
                           "flow": {"pkts_toserver": rng.randint(1, 50), "pkts_toclient": rng.randint(1, 90),
                                    "bytes_toserver": rng.randint(60, 9000), "bytes_toclient": rng.randint(60, 90000)}})
    return events


def sysmon_event(record_id: int, event_id: int, at: datetime, data: dict,
                 computer: str = "ws-015.hospital.example") -> dict:
    """One Sysmon event in evtx_dump's JSON shape."""
    return {"Event": {"System": {
        "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}}, "EventID": event_id,
        "TimeCreated": {"#attributes": {"SystemTime": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}},
        "EventRecordID": record_id, "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": computer},
        "EventData": data}}


def _sysmon(start: datetime) -> list[dict]:
    def event(record_id: int, event_id: int, minute: int, data: dict) -> dict:
        return sysmon_event(record_id, event_id, start + timedelta(minutes=minute), data)

    encoded = "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA"
    return [
        event(1001, 1, 0, {"Image": "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
                           "CommandLine": "WINWORD.EXE /n invoice.docm", "ParentImage": "C:\\Windows\\explorer.exe",
                           "User": "HOSPITAL\\nurse7", "ProcessId": 4120}),
        event(1002, 1, 1, {"Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                           "CommandLine": f"powershell.exe -nop -w hidden -enc {encoded}",
                           "ParentImage": "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
                           "User": "HOSPITAL\\nurse7", "ProcessId": 5188,
                           "Hashes": f"SHA256={PAYLOAD_SHA256.upper()}"}),
        event(1003, 3, 2, {"Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                           "DestinationIp": C2_IP, "DestinationPort": 443, "DestinationHostname": C2_HOST,
                           "SourceIp": VICTIM, "SourcePort": 51234, "User": "HOSPITAL\\nurse7"}),
        event(1004, 22, 2, {"Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                            "QueryName": C2_HOST, "QueryResults": C2_IP}),
        event(1005, 11, 3, {"Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                            "TargetFilename": "C:\\Users\\nurse7\\AppData\\Roaming\\svchost.exe"}),
    ]


def sample_indicators() -> dict:
    """The partner hub's STIX 2.1 bundle about the campaign: C2 address and domain, payload hash (TLP:GREEN)."""
    author = stix2.Identity(id="identity--5b1e3f0a-8c4d-4e9a-9b7e-2f6c1d0a4e11", name="CSIRT partner hub",
                            identity_class="organization", created="2026-01-01T00:00:00Z",
                            modified="2026-01-01T00:00:00Z")
    shared = "2026-10-01T00:00:00Z"  # fixed ids and times: running again finds the store unchanged
    common = {"created_by_ref": author.id, "object_marking_refs": [stix2.TLP_GREEN.id], "valid_from": shared,
              "created": shared, "modified": shared, "indicator_types": ["malicious-activity"], "pattern_type": "stix"}
    indicators = [("Cobalt Strike C2 server", f"[ipv4-addr:value = '{C2_IP}']"),
                  ("Cobalt Strike C2 domain", f"[domain-name:value = '{C2_HOST}']"),
                  ("Stager dropped by invoice.docm", f"[file:hashes.'SHA-256' = '{PAYLOAD_SHA256}']")]
    return orjson.loads(stix2.Bundle(author, stix2.TLP_GREEN, *[
        stix2.Indicator(id=f"indicator--{uuid.uuid5(uuid.NAMESPACE_URL, pattern)}", name=name, pattern=pattern, **common)
        for name, pattern in indicators], id="bundle--0f6c3a52-5d0e-4b8e-9a31-7c2d4e5f6a70").serialize())


def write_sample_telemetry(directory: Path, seed: int = 7) -> list[Path]:
    """Write the generated day of telemetry into ``directory``; returns the files written."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    directory.mkdir(parents=True, exist_ok=True)
    conn = _zeek_conn(rng, start, 4000)
    files = {
        "zeek/conn.log": b"".join(orjson.dumps(r) + b"\n" for r in conn),
        "zeek-tsv/conn.log": _zeek_tsv(conn[:1000], "conn").encode(),
        "zeek/dns.log": b"".join(orjson.dumps(r) + b"\n" for r in _zeek_dns(rng, start, 2000)),
        "suricata/eve.json": b"".join(orjson.dumps(e) + b"\n" for e in _suricata(rng, start, 3000)),
        "windows/sysmon.json": b"".join(orjson.dumps(e) + b"\n" for e in _sysmon(start)),
    }
    written = []
    for name, content in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    return written
