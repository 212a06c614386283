"""A hub service under uvicorn on 127.0.0.1 (a real socket, a free port), with accounts of each kind."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
import pytest

from cybershield.config import Settings
from cybershield.exchange import background_server, hash_secret
from cybershield.exercise import SAMPLE_RULES
from cybershield.hub import HubContext, HubService, parse_hub_config
from cybershield.web import create_app

PASSWORD = "pw"
ACCOUNTS = {"feeder": ["ingest"], "analyst": ["alerts", "warnings"], "ops": ["admin"], "nobody": []}


def hub_document(**extra) -> dict:
    secret = hash_secret(PASSWORD, iterations=1000)
    return {"hub": {"name": "de-hub", "country": "DE", "role": "national"},
            "accounts": {name: {"secret": secret, "rights": rights} for name, rights in ACCOUNTS.items()},
            "sigma": {"rules": [str(SAMPLE_RULES)]},
            "ingest": {"max_body_bytes": 2_000_000},
            "detect": {"indicator_reload_seconds": 0.1},
            **extra}


def hub_settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "no-shared-data", var_dir=tmp_path / "var", db_url=db_url,
                    hub_config_path=tmp_path / "hub.yaml")


@dataclass
class RunningHub:
    url: str
    service: HubService

    def client(self, account: str | None = "ops") -> httpx.Client:
        return httpx.Client(base_url=self.url, auth=(account, PASSWORD) if account else None, timeout=30)

    def poll_alerts(self, account: str = "ops", want=lambda alerts: bool(alerts), **params) -> list[dict]:
        """The alerts once ``want`` holds for them (detection runs behind the ingest answer); fails after 30 s."""
        deadline = time.monotonic() + 30
        with self.client(account) as client:
            while True:
                alerts = client.get("/api/v1/alerts", params=params).raise_for_status().json()
                if want(alerts) or time.monotonic() > deadline:
                    return alerts
                time.sleep(0.05)


@pytest.fixture
def hub(tmp_path, db_url):
    context = HubContext.open(hub_settings(tmp_path, db_url), parse_hub_config(hub_document()))
    service = HubService(context)
    try:
        with background_server(create_app(service)) as url:
            yield RunningHub(url, service)
    finally:
        service.close()


def zeek_conn(rows: list[tuple[datetime, str]]) -> bytes:
    """Zeek conn log lines (JSON) from (time, responder address) pairs."""
    return b"".join(orjson.dumps({"ts": when.timestamp(), "uid": f"C{i:015d}", "id.orig_h": "10.1.2.3",
                                  "id.orig_p": 50000 + i, "id.resp_h": address, "id.resp_p": 443, "proto": "tcp"})
                    + b"\n" for i, (when, address) in enumerate(rows))


def warning_bundle(address: str, report_id: str = "report--6b8e7c1e-1d52-4b0a-9a44-3f7a1c0e5b21") -> dict:
    indicator_id = "indicator--0c4e2a7b-3b7e-4f5d-8a11-6f9d2c4b8e10"
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {"type": "bundle", "id": "bundle--1b8e7c1e-1d52-4b0a-9a44-3f7a1c0e5b21", "objects": [
        {"type": "indicator", "spec_version": "2.1", "id": indicator_id, "created": stamp, "modified": stamp,
         "name": "C2 seen in two countries", "pattern": f"[ipv4-addr:value = '{address}']", "pattern_type": "stix",
         "valid_from": "2020-01-01T00:00:00Z", "indicator_types": ["malicious-activity"]},
        {"type": "report", "spec_version": "2.1", "id": report_id, "created": stamp, "modified": stamp,
         "name": "Early warning: C2 in DE and FR", "published": stamp, "report_types": ["threat-report"],
         "object_refs": [indicator_id]},
    ]}
