"""A running hub keeps its post-quantum inventory: handshakes posted to its ingest endpoint end up as weekly
snapshots (what `pqc trend` reads), without anyone running `pqc inventory`."""

from __future__ import annotations

import orjson

from cybershield.config import Settings
from cybershield.hub import HubContext, HubService, parse_hub_config
from cybershield.pqc import read_trend


def _ssl(i: int, curve: str, version: str = "TLSv13") -> bytes:
    return orjson.dumps({"_path": "ssl", "ts": 1_764_662_400 + i, "uid": f"C{i:017d}", "id.orig_h": f"10.1.0.{i % 200 + 2}",
                         "id.orig_p": 50000 + i, "id.resp_h": "10.9.0.5", "id.resp_p": 443, "version": version,
                         "cipher": "TLS_AES_128_GCM_SHA256", "curve": curve, "server_name": "portal.example.eu",
                         "established": True})


def test_handshakes_ingested_by_a_hub_become_weekly_snapshots(tmp_path):
    settings = Settings(tmp_path / "data", tmp_path / "var", f"sqlite:///{tmp_path / 'hub.db'}", tmp_path / "hub.yaml")
    context = HubContext.open(settings, parse_hub_config({"hub": {"name": "de-hub", "country": "DE"}}))
    service = HubService(context)
    try:
        body = tmp_path / "ssl.log"
        body.write_bytes(b"\n".join([_ssl(i, "x25519") for i in range(30)] + [_ssl(100 + i, "X25519MLKEM768")
                                                                            for i in range(10)]) + b"\n")
        summary = service.ingest_file(body, "zeek-json")
        assert summary["parsed"] == 40
    finally:
        service.close()  # the recorder stores what it gathered at the latest on close
    trend = read_trend(context.sessions)
    assert trend, "no weekly snapshot was recorded"
    assert service.pqc.recorded > 0
    (week,) = trend
    # one server, 30 classical and 10 hybrid handshakes: the endpoint counts at its weakest, every connection counts
    assert week["week"] == "2025-12-01" and week["connections_total"] == 40
    assert week["endpoints"]["quantum-vulnerable"] == 1 and week["endpoints_total"] == 1


def test_a_hub_counts_endpoints_by_the_sector_of_its_constituents(tmp_path):
    """The constituents' address ranges in the hub configuration assign endpoints, so the weekly figures
    (and the readiness summary shared up) carry sectors instead of only ``unassigned``."""
    settings = Settings(tmp_path / "data", tmp_path / "var", f"sqlite:///{tmp_path / 'hub.db'}", tmp_path / "hub.yaml")
    config = parse_hub_config({"hub": {"name": "de-hub", "country": "DE"},
                               "constituents": {"charite": {"sector": "health", "networks": ["10.9.0.0/16"]},
                                                "stadtwerke": {"sector": "energy", "networks": ["192.0.2.0/24"]}}})
    assert config.constituents["charite"].networks == ("10.9.0.0/16",)
    context = HubContext.open(settings, config)
    service = HubService(context)
    try:
        body = tmp_path / "ssl.log"
        body.write_bytes(b"\n".join(_ssl(i, "x25519") for i in range(5)) + b"\n")
        assert service.ingest_file(body, "zeek-json")["parsed"] == 5
    finally:
        service.close()
    (week,) = read_trend(context.sessions, sector="health")
    assert week["endpoints"]["quantum-vulnerable"] == 1 and week["endpoints_total"] == 1
    assert read_trend(context.sessions, sector="energy") == []
