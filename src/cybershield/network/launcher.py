"""A network on one machine: national and cross-border hubs on 127.0.0.1, each its own process with its own
SQLite database, keys and port, wired together by one network file.

``start_network`` writes, under the folder: ``network.yaml`` (hubs, URLs, public keys, agreements), and per
hub ``<name>/hub.yaml``, ``<name>/keys/`` and ``<name>/var/`` (its state) and ``<name>/hub.log``; it starts
``cybershield hub serve`` for each and returns once every hub answers ``/api/v1/health``, having written
``network.json``: ``{"hubs": [{"name", "country", "role", "url", "pid", "username", "password"}]}`` (the last two
an operator account with every right on that hub). Each pair of a cross-border hub and a member has its
own exchange logins, one each way. ``sharing=False`` starts the same hubs outside any network (the control
of an exercise).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import yaml

from ..exchange import HubIdentity, KeyStore, hash_secret

#: National hubs get these countries in this order (``--hubs N``).
COUNTRIES = ("DE", "FR", "NL", "BE", "AT", "IT", "ES", "PL", "PT", "SE", "FI", "DK", "IE", "CZ", "LT", "LV", "EE")
OPERATOR = "operator"
_FAST_HASH = 10_000  # PBKDF2 iterations for the generated logins of a local network (start-up of many hubs)


class NetworkStartError(RuntimeError):
    """A hub did not come up; the message names it and the end of its log."""


@dataclass(frozen=True)
class Plan:
    """Which hubs to start: national (name -> country) and cross-border (name -> member names)."""

    national: dict[str, str]
    cross_border: dict[str, tuple[str, ...]]

    @classmethod
    def of_size(cls, hubs: int, cross_border: int) -> Plan:
        """``hubs`` national hubs and ``cross_border`` cross-border hubs, members dealt out in turn (>= 3 each)."""
        if hubs < 1 or cross_border < 0 or hubs > len(COUNTRIES):
            raise ValueError(f"between 1 and {len(COUNTRIES)} national hubs, and no negative number of cross-border hubs")
        if cross_border and hubs < 3 * cross_border:
            raise ValueError(f"{cross_border} cross-border hubs need at least {3 * cross_border} national hubs (3 each)")
        national = {f"{c.lower()}-hub": c for c in COUNTRIES[:hubs]}
        names = list(national)
        groups = {f"xb-{i + 1}": tuple(names[i::cross_border]) for i in range(cross_border)}
        return cls(national, groups)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _secret() -> str:
    return secrets.token_urlsafe(18)


def write_network(directory: Path, plan: Plan, sharing: bool = True, rules: list[Path] | None = None,
                  agreement: dict | None = None, ports: dict[str, int] | None = None,
                  shared: dict[str, Path] | None = None) -> list[dict]:
    """Write the network file, keys and configurations; returns the hubs (name, country, role, url, login).

    ``ports`` fixes some hubs' ports (others get free ones); ``shared`` names folders of every hub's state that
    are one folder for the whole network (``{"models": ..., "cache": ...}``: one model registry, one compiled
    rule cache), linked into each hub's ``var``."""
    directory.mkdir(parents=True, exist_ok=True)
    hubs = [{"name": n, "country": c, "role": "national"} for n, c in plan.national.items()]
    hubs += [{"name": n, "country": "EU", "role": "cross-border"} for n in plan.cross_border]
    for hub in hubs:
        hub["port"] = (ports or {}).get(hub["name"]) or _free_port()
        hub["url"] = f"http://127.0.0.1:{hub['port']}"
        hub["username"], hub["password"] = OPERATOR, _secret()
        home = directory / hub["name"]
        store = KeyStore(home / "keys")
        if not store.exists():  # a local network keeps each hub's generated passphrase beside its keys (0600)
            quiet = logging.getLogger("cybershield.exchange.keys")
            level, quiet.level = quiet.level, logging.ERROR
            try:
                store.init(HubIdentity.new(hub["name"], hub["country"], hub["role"]))
            finally:
                quiet.setLevel(level)
    peers: dict[str, dict] = {h["name"]: {} for h in hubs}
    for xb, members in plan.cross_border.items():
        for member in members:
            up, down = _secret(), _secret()  # member's login at the cross-border hub, and the reverse
            peers[xb][member] = {"secret": hash_secret(up, _FAST_HASH), "rights": ["exchange"],
                                 "username": xb, "password": down}
            peers[member][xb] = {"secret": hash_secret(down, _FAST_HASH), "rights": ["exchange"],
                                 "username": member, "password": up}
    network = {"hubs": {h["name"]: {"country": h["country"], "role": h["role"], "url": h["url"],
                                    "keys": f"{h['name']}/keys/public.json"} for h in hubs}}
    for xb, members in plan.cross_border.items():
        network["hubs"][xb]["agreement"] = {"members": list(members), **(agreement or {})}
    (directory / "network.yaml").write_text(yaml.safe_dump(network, sort_keys=False))
    for hub in hubs:
        config = {
            "hub": {"name": hub["name"], "country": hub["country"], "role": hub["role"]},
            "service": {"host": "127.0.0.1", "port": hub["port"]},
            "accounts": {hub["username"]: {"secret": hash_secret(hub["password"], _FAST_HASH), "rights": ["admin"],
                                           "read": ["hub"], "write": ["hub"]}},
        }
        if sharing:
            config["peers"] = peers[hub["name"]]
            config["network"] = {"file": "../network.yaml", "keys": "keys"}
        if rules:
            config["sigma"] = {"rules": [str(Path(r).resolve()) for r in rules]}
        for name, folder in (shared or {}).items():
            folder.mkdir(parents=True, exist_ok=True)
            link = directory / hub["name"] / "var" / name
            link.parent.mkdir(parents=True, exist_ok=True)
            if not link.exists():
                link.symlink_to(folder.resolve(), target_is_directory=True)
        (directory / hub["name"] / "hub.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return hubs


def start_hub(directory: Path, name: str, env: dict | None = None) -> subprocess.Popen:
    """Start hub ``name`` of the network in ``directory`` (its own process, log in ``<name>/hub.log``)."""
    home = directory / name
    log = (home / "hub.log").open("ab")
    environment = {**os.environ, "CYBERSHIELD_VAR": str(home / "var"), **(env or {})}
    environment.pop("CYBERSHIELD_DB_URL", None)
    environment.pop("CYBERSHIELD_HUB_CONFIG", None)
    return subprocess.Popen([sys.executable, "-m", "cybershield", "hub", "serve", "--config", str(home / "hub.yaml")],
                            stdout=log, stderr=subprocess.STDOUT, env=environment, start_new_session=True,
                            cwd=home)


def wait_healthy(hubs: list[dict], processes: dict[str, subprocess.Popen] | None = None, timeout: float = 180.0,
                 on_ready: Callable[[str], None] | None = None, directory: Path | None = None) -> None:
    """Return once every hub answers ``/api/v1/health``; NetworkStartError when one exits or time runs out."""
    waiting = {h["name"]: h["url"] for h in hubs}
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while waiting:
            for name, url in list(waiting.items()):
                process = (processes or {}).get(name)
                if process is not None and process.poll() is not None:
                    raise NetworkStartError(f"hub {name} exited with code {process.returncode}: {_tail(directory, name)}")
                try:
                    if client.get(f"{url}/api/v1/health").status_code == 200:
                        del waiting[name]
                        if on_ready:
                            on_ready(name)
                except httpx.HTTPError:
                    pass
            if waiting and time.monotonic() > deadline:
                raise NetworkStartError(f"not healthy after {timeout:.0f} s: {', '.join(waiting)}")
            if waiting:
                time.sleep(0.2)


def start_network(directory: Path, plan: Plan, sharing: bool = True, rules: list[Path] | None = None,
                  agreement: dict | None = None, on_ready: Callable[[str], None] | None = None,
                  timeout: float = 300.0, ports: dict[str, int] | None = None,
                  shared: dict[str, Path] | None = None) -> list[dict]:
    """Write and start the network; returns what ``network.json`` lists (written once all are healthy)."""
    directory = directory.resolve()
    hubs = write_network(directory, plan, sharing, rules, agreement, ports, shared)
    processes = {h["name"]: start_hub(directory, h["name"]) for h in hubs}
    listed = [{k: h[k] for k in ("name", "country", "role", "url")} | {"pid": processes[h["name"]].pid,
              "username": h["username"], "password": h["password"]} for h in hubs]
    try:
        wait_healthy(hubs, processes, timeout, on_ready, directory)
    except BaseException:
        stop_pids([p.pid for p in processes.values()])
        raise
    (directory / "network.json").write_bytes(orjson.dumps({"hubs": listed}, option=orjson.OPT_INDENT_2))
    return listed


def read_network(directory: Path) -> list[dict]:
    """The hubs of ``directory/network.json``; FileNotFoundError / ValueError when it is missing or damaged."""
    document = orjson.loads((directory / "network.json").read_bytes())
    if not isinstance(document, dict) or not isinstance(document.get("hubs"), list):
        raise ValueError(f"{directory / 'network.json'}: not a network description")
    return document["hubs"]


def status(directory: Path) -> list[dict]:
    """Each hub of the network with whether its process lives and what its health says."""
    out = []
    with httpx.Client(timeout=2.0) as client:
        for hub in read_network(directory):
            row = {"name": hub["name"], "country": hub["country"], "role": hub["role"], "url": hub["url"],
                   "pid": hub["pid"], "running": _alive(hub["pid"]), "health": None}
            try:
                response = client.get(f"{hub['url']}/api/v1/health")
                row["health"] = response.json() if response.status_code == 200 else None
            except (httpx.HTTPError, ValueError):
                pass
            out.append(row)
    return out


def network_campaigns(directory: Path, hub: str | None = None, attribute: bool = False) -> dict[str, list[dict]]:
    """Per cross-border hub of the network (or only ``hub``), its campaigns (``GET /api/v1/campaigns`` with the
    operator login); ValueError naming the hub that does not answer them."""
    found = {}
    with httpx.Client(timeout=30.0) as client:
        for entry in read_network(directory):
            if entry["role"] != "cross-border" or hub not in (None, entry["name"]):
                continue
            try:
                response = client.get(f"{entry['url']}/api/v1/campaigns", params={"attribute": attribute},
                                      auth=(entry["username"], entry["password"]))
            except httpx.HTTPError as exc:
                raise ValueError(f"{entry['name']} does not answer: {exc}") from None
            if response.status_code != 200:
                raise ValueError(f"{entry['name']}: HTTP {response.status_code}: {response.text[:300]}")
            found[entry["name"]] = response.json()["campaigns"]
    if hub is not None and hub not in found:
        raise ValueError(f"{hub} is no cross-border hub of the network")
    return found


def stop_pids(pids: list[int], timeout: float = 15.0) -> None:
    """SIGTERM each process group, SIGKILL what is left after ``timeout``."""
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in pids:
        if _alive(pid):
            _signal(pid, signal.SIGKILL)


def stop_network(directory: Path) -> int:
    """Stop every hub of the network; returns how many were running."""
    pids = [h["pid"] for h in read_network(directory)]
    running = sum(_alive(p) for p in pids)
    stop_pids(pids)
    return running


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _alive(pid: int) -> bool:
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
        if finished == pid:
            return False
    except ChildProcessError:
        pass  # not our child: ask the kernel
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _tail(directory: Path | None, name: str) -> str:
    if directory is None or not (directory / name / "hub.log").is_file():
        return "(no log)"
    return (directory / name / "hub.log").read_text(errors="replace")[-1500:]
