"""Makes ``docs/dashboard.png``: six hubs on 127.0.0.1 (five national, one cross-border), the generated campaign
telemetry ingested country after country, an early warning applied to de-hub (indicators into detection and a
retro-hunt), then de-hub's dashboard photographed in Debian's headless Chromium.

    .venv/bin/python docs/dashboard_screenshot.py [OUT.png]
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import yaml
from playwright.sync_api import sync_playwright

from cybershield.config import Settings
from cybershield.exchange import HubIdentity, HubRole, KeyStore, background_server, hash_secret
from cybershield.exercise import SAMPLE_RULES, sample_indicators, write_sample_telemetry
from cybershield.hub import HubContext, HubService, parse_hub_config
from cybershield.web import create_app

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
HUBS = [("fr-hub", "FR", 0), ("de-hub", "DE", 40), ("it-hub", "IT", 75), ("nl-hub", "NL", 110), ("pl-hub", "PL", None)]
SAMPLE_START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
_ISO = re.compile(rb'"(2026-11-02T[0-9:.]+Z?)"')


def shifted(body: bytes, delta: timedelta) -> bytes:
    """The sample telemetry moved by ``delta`` (Zeek ``ts`` seconds and ISO times)."""
    out = []
    for line in body.splitlines():
        line = _ISO.sub(lambda m: b'"' + (datetime.fromisoformat(m.group(1).decode().replace("Z", "+00:00")) + delta)
                        .strftime("%Y-%m-%dT%H:%M:%S.%fZ").encode() + b'"', line)
        if b'"ts":' in line:
            record = orjson.loads(line)
            record["ts"] += delta.total_seconds()
            line = orjson.dumps(record)
        out.append(line)
    return b"\n".join(out) + b"\n"


def main(out: Path) -> None:
    secret = hash_secret("pw", iterations=1000)
    accounts = {"feeder": {"secret": secret, "rights": ["ingest"]}, "ops": {"secret": secret, "rights": ["admin"]}}
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        root = Path(tmp)
        telemetry = root / "telemetry"
        write_sample_telemetry(telemetry)
        sysmon = next((telemetry / "windows").iterdir()).read_bytes()
        dns = (telemetry / "zeek" / "dns.log").read_bytes()
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        begin = now - timedelta(hours=2, minutes=30)
        services, urls = {}, {}

        def start(name: str, country: str, role: str, network: bool = False) -> None:
            folder = root / name
            folder.mkdir()
            document = {"hub": {"name": name, "country": country, "role": role}, "accounts": accounts,
                        "sigma": {"rules": [str(SAMPLE_RULES)]}}
            if network:
                KeyStore(folder / "keys").init(HubIdentity.new(name, country, HubRole(role)))
                document["network"] = {"file": "network.yaml", "keys": "keys"}
                (folder / "network.yaml").write_text(yaml.safe_dump({"hubs": {
                    **{n: {"country": c, "role": "national", "url": urls.get(n, "http://127.0.0.1:9")} for n, c, _ in HUBS},
                    "eu-xb": {"country": "EU", "role": "cross-border", "url": urls["eu-xb"],
                              "agreement": {"members": [n for n, _, _ in HUBS]}}}}))
            (folder / "hub.yaml").write_text(yaml.safe_dump(document))
            settings = Settings(data_dir=root / "no-data", var_dir=folder / "var", db_url=f"sqlite:///{folder}/hub.db",
                                hub_config_path=folder / "hub.yaml")
            service = HubService(HubContext.open(settings, parse_hub_config(document, folder / "hub.yaml")))
            stack.callback(service.close)
            services[name] = service
            urls[name] = stack.enter_context(background_server(create_app(service)))

        import os
        os.environ.setdefault("CYBERSHIELD_KEY_PASSPHRASE", "screenshot")
        start("eu-xb", "EU", "cross-border")
        for name, country, _ in HUBS:
            if name not in ("de-hub", "pl-hub"):
                start(name, country, "national")
        start("de-hub", "DE", "national", network=True)  # pl-hub stays down: the map shows a hub that is out

        for name, _, minutes in HUBS:
            if minutes is None:
                continue
            delta = begin + timedelta(minutes=minutes) - SAMPLE_START
            with httpx.Client(base_url=urls[name], auth=("feeder", "pw"), timeout=60) as client:
                client.post("/api/v1/ingest", content=shifted(sysmon, delta)).raise_for_status()
        bundle = sample_indicators()
        indicators = [o["id"] for o in bundle["objects"] if o["type"] == "indicator"]
        stamp = (now - timedelta(minutes=50)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        seen = {c: {"count": n, "first_seen": (begin + timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "last_seen": (begin + timedelta(minutes=m + 12)).strftime("%Y-%m-%dT%H:%M:%S.000Z")}
                for c, n, m in (("FR", 4, 2), ("IT", 2, 77))}
        bundle["objects"].append({
            "type": "report", "spec_version": "2.1", "id": "report--8d5b1f0e-2c7a-4c1e-9f3b-6a2d0e4c7b19",
            "created": stamp, "modified": stamp, "published": stamp, "report_types": ["indicator", "threat-report"],
            "name": "Early warning: Cobalt Strike C2 sighted in 2 countries", "object_refs": indicators,
            "object_marking_refs": ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"],
            "description": "The C2 address and domain of the hospital ransomware wave were sighted in FR and IT "
                           "within 24 h. Block them and hunt for them.",
            "x_cybershield_warning": {"observable": "ipv4-addr:C2", "sightings": seen, "techniques": ["T1071.001"]}})
        with httpx.Client(base_url=urls["de-hub"], auth=("ops", "pw"), timeout=60) as client:
            client.post("/api/v1/warnings", content=orjson.dumps(bundle)).raise_for_status()
        with httpx.Client(base_url=urls["de-hub"], auth=("feeder", "pw"), timeout=60) as client:
            client.post("/api/v1/ingest", content=shifted(dns, now - timedelta(minutes=20) - SAMPLE_START)).raise_for_status()
        with httpx.Client(base_url=urls["de-hub"], auth=("ops", "pw"), timeout=60) as client:
            for title, hours, entity, sector, severity in (
                    ("Ransomware on hospital workstations (invoice.docm stager)", 2, "essential", "health", "high"),
                    ("C2 beaconing from a water utility's SCADA jump host", 30, "essential", "drinking-water", "medium")):
                client.post("/api/v1/incidents", json={
                    "title": title, "aware_at": (now - timedelta(hours=hours)).isoformat(), "entity_type": entity,
                    "sector": sector, "severity": severity}).raise_for_status()
        for service in services.values():
            service.bus.drain(60)

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1000}, device_scale_factor=1)
            page.goto(urls["de-hub"] + "/")
            page.wait_for_selector("body[data-loaded]")
            page.wait_for_selector("#alert-rows tr[data-alert]")
            time.sleep(1)
            page.screenshot(path=str(out), full_page=True)
            if len(sys.argv) > 2:  # a second picture: one alert opened
                page.locator("#alert-rows button").first.click()
                page.wait_for_selector(".event table")
                page.screenshot(path=sys.argv[2])
            browser.close()
    print(out)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("dashboard.png"))
