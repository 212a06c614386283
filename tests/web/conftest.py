"""Hubs under uvicorn on 127.0.0.1 for the dashboard: ``de-hub`` in a small network (``fr-hub`` running beside
it, ``nl-hub`` and the cross-border hub ``eu-xb`` down), and the sample telemetry that fires our Sigma rules."""

from __future__ import annotations

import socket
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml

from cybershield.exchange import HubIdentity, HubRole, KeyStore, background_server
from cybershield.exercise import write_sample_telemetry
from cybershield.hub import HubContext, HubService, parse_hub_config
from cybershield.web import create_app

from ..hub.conftest import RunningHub, hub_document, hub_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def sysmon_body(tmp_path_factory) -> bytes:
    """Generated Sysmon JSON that fires our sample Sigma rules (Office spawning an encoded PowerShell …)."""
    folder = tmp_path_factory.mktemp("telemetry")
    write_sample_telemetry(folder)
    return next((folder / "windows").iterdir()).read_bytes()


def dashboard_hub(**extra) -> dict:
    """The hub configuration of the tests, keeping the archive long enough for the sample telemetry's fixed dates."""
    return hub_document(archive={"retention_days": 3650}, **extra)


def start_hub(stack: ExitStack, tmp_path, db_url: str, document: dict) -> RunningHub:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "hub.yaml"
    path.write_text(yaml.safe_dump(document))
    context = HubContext.open(hub_settings(tmp_path, db_url), parse_hub_config(document, path))
    service = HubService(context)
    stack.callback(service.close)
    return RunningHub(stack.enter_context(background_server(create_app(service))), service)


@pytest.fixture
def network(tmp_path, monkeypatch):
    """``(de, fr)``: de-hub joined to a network file naming itself, fr-hub (running, on its own), nl-hub and
    the cross-border hub eu-xb (both down)."""
    monkeypatch.setenv("CYBERSHIELD_KEY_PASSPHRASE", "dashboard-tests")
    with ExitStack() as stack:
        fr = start_hub(stack, tmp_path / "fr", "sqlite:///" + str(tmp_path / "fr.db"),
                       dashboard_hub(hub={"name": "fr-hub", "country": "FR", "role": "national"}))
        de_port, nl_port, xb_port = free_port(), free_port(), free_port()
        (tmp_path / "de").mkdir()
        KeyStore(tmp_path / "de" / "keys").init(HubIdentity.new("de-hub", "DE", HubRole.NATIONAL))
        (tmp_path / "de" / "network.yaml").write_text(yaml.safe_dump({"hubs": {
            "de-hub": {"country": "DE", "role": "national", "url": f"http://127.0.0.1:{de_port}"},
            "fr-hub": {"country": "FR", "role": "national", "url": fr.url},
            "nl-hub": {"country": "NL", "role": "national", "url": f"http://127.0.0.1:{nl_port}"},
            "eu-xb": {"country": "EU", "role": "cross-border", "url": f"http://127.0.0.1:{xb_port}",
                      "agreement": {"members": ["de-hub", "fr-hub", "nl-hub"]}}}}))
        de = start_hub(stack, tmp_path / "de", "sqlite:///" + str(tmp_path / "de.db"),
                       dashboard_hub(network={"file": "network.yaml", "keys": "keys"}))
        yield de, fr


#: Debian's Chromium (``apt-get install chromium``); Playwright's own browser downloads are never used.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's Chromium; the browser tests skip where it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: the browser tests need Debian's chromium (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "headless": True, "args": CHROMIUM_ARGS}
