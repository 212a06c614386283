"""What the dashboard shows, gathered from the hub and its network: alert rows and filters, an alert with its
events and the explanation behind it, the network with each hub's live state, the campaign per country over
time, and the incidents with their NIS2 clocks.

The routes (``web.routers.dashboard``) only call these functions; each returns plain JSON-ready data.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from datetime import UTC, datetime

import httpx

from ..detect import LEVELS
from ..hub import HubService
from ..intel import tlp_of
from ..network import Topology
from ..response import ResponseService
from ..storage import alert_times, get_alert, list_alerts, list_warnings, network_state

#: How long the dashboard waits for another hub of the network (health, activity) before showing it as down.
PEER_TIMEOUT_S = 1.5
#: The most alerts one listing or one activity summary reads.
MAX_ALERTS = 10_000
#: Event fields shown first for an event, in this order; the others follow sorted by name.
KEY_FIELDS = ("@timestamp", "event.code", "event.action", "host.name", "user.name", "process.executable",
              "process.command_line", "process.parent.executable", "source.ip", "source.port", "destination.ip",
              "destination.port", "dns.question.name", "url.original", "file.path", "file.hash.sha256", "message")


# -- alerts ---------------------------------------------------------------------------------------


def alert_row(document: dict) -> dict:
    """The fields of an alert the stream shows (the whole document is one click away)."""
    alert, rule, event = document.get("alert") or {}, document.get("rule") or {}, document.get("event") or {}
    context = document.get("context") or {}
    observed = sorted({str(v) for seen in context.get("observed") or [] for v in seen.values()})
    if not observed and isinstance(context.get("matched"), dict) and context["matched"].get("value"):
        observed = [str(context["matched"]["value"])]
    source = (event.get("provenance") or {}).get("source") or ""
    return {"id": alert.get("id"), "kind": alert.get("kind"), "created": alert.get("created"),
            "time": document.get("@timestamp") or alert.get("created"), "level": rule.get("level"),
            "severity": event.get("severity"), "title": rule.get("title"), "rule_id": rule.get("id"),
            "techniques": ((document.get("threat") or {}).get("technique") or {}).get("id") or [],
            "source": _feed(source), "events": len(event.get("matched") or []), "observed": observed[:6],
            "warning": context.get("warning")}


def _feed(source: str) -> str:
    """Where an alert's first event came from, short: ``account · digest`` for an uploaded body, else the file name."""
    name = source.rsplit("/", 1)[-1]
    account, _, digest = name.rpartition("-")
    return f"{account} · {digest[:8]}" if account and len(digest) == 32 else name


def _matches(row: dict, levels: set[str] | None, text: str | None) -> bool:
    if levels is not None and row["level"] not in levels:
        return False
    if not text:
        return True
    haystack = " ".join(str(v) for v in (row["title"], row["rule_id"], row["source"], row["kind"], *row["techniques"],
                                         *row["observed"]))
    return text.casefold() in haystack.casefold()


def alert_rows(service: HubService, since: datetime | None = None, kind: str | None = None,
               min_level: str | None = None, text: str | None = None, limit: int = 200) -> list[dict]:
    """The newest ``limit`` alerts that pass the filters, newest first. ``min_level``: that level or higher."""
    levels = set(LEVELS[LEVELS.index(min_level):]) if min_level else None
    filtered = levels is not None or bool(text)
    documents = list_alerts(service.context.sessions, None, kind, MAX_ALERTS if filtered or since else limit)
    rows = [row for row in map(alert_row, reversed(documents)) if _matches(row, levels, text)
            and (since is None or _after(row["created"], since))]
    return rows[:limit]


def _after(stamp: str | None, since: datetime) -> bool:
    moment = _parse(stamp)
    return moment is not None and moment > since


def _parse(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def alert_detail(service: HubService, alert_id: str) -> dict | None:
    """One alert: its document, its events read back from the archive, and what explains it (the Sigma rule
    as loaded, the indicator and what it matched, the model's score and top features); None if unknown."""
    document = get_alert(service.context.sessions, alert_id)
    if document is None:
        return None
    event = document.get("event") or {}
    refs = [(m["source"], m["record_id"]) for m in event.get("matched") or [] if m.get("source") is not None]
    events = [_ordered(e) for e in service.context.archive.find(refs)]
    kind = (document.get("alert") or {}).get("kind")
    context = document.get("context") or {}
    explanation: dict = {"kind": kind}
    if kind in ("sigma", "correlation"):
        explanation["rule"] = service.explain_rule(str((document.get("rule") or {}).get("id")))
        explanation["variant"] = context.get("variant")
    elif kind in ("indicator", "retro-hunt"):
        explanation |= {"indicator": context.get("indicator"), "matched": context.get("matched"),
                        "warning": context.get("warning")}
    elif kind == "model":
        explanation |= {k: context.get(k) for k in ("model", "family", "score", "anomaly_score", "top_features")}
    return {"alert": document, "row": alert_row(document), "events": events, "events_expected": len(refs),
            "explanation": explanation}


def _ordered(event: dict) -> list[list]:
    """An event as [field, value] pairs: the key fields first, then the rest by name; times as ISO text."""
    def shown(value):
        return value.isoformat() if isinstance(value, datetime) else value
    first = [[name, shown(event[name])] for name in KEY_FIELDS if name in event]
    rest = [[name, shown(event[name])] for name in sorted(event) if name not in KEY_FIELDS]
    return first + rest


# -- warnings -------------------------------------------------------------------------------------


def warning_rows(service: HubService, limit: int = 200) -> list[dict]:
    """Early warnings, newest first, with the countries and the observable they name: those received, and on a
    cross-border hub those it issued to its members (``issued``)."""
    sessions = service.context.sessions
    rows = [_warning_row(w.get("report") or {}, w["id"], w.get("name"), w.get("sender"), w.get("received"), False,
                         w.get("indicators"), w.get("retro_hunt_alerts"))
            for w in list_warnings(sessions, None, MAX_ALERTS)[-limit:]]
    if service.config.role == "cross-border":
        for bundle in network_state.warnings_since(sessions)[-limit:]:
            objects = bundle.get("objects") or []
            report = next((o for o in objects if o.get("type") == "report"), {})
            rows.append(_warning_row(report, report.get("id"), report.get("name"), service.config.name,
                                     report.get("modified"), True,
                                     sum(o.get("type") == "indicator" for o in objects), None))
    rows.sort(key=lambda row: row["received"] or "", reverse=True)
    return rows[:limit]


def _warning_row(report: dict, ident: str | None, name: str | None, sender: str | None, when: str | None,
                 issued: bool, indicators: int | None, retro_hunt_alerts: int | None) -> dict:
    detail = report.get("x_cybershield_warning") or {}
    return {"id": ident, "name": name or report.get("name"), "sender": sender, "received": _iso(when),
            "issued": issued, "indicators": indicators, "retro_hunt_alerts": retro_hunt_alerts,
            "description": report.get("description"), "observable": detail.get("observable"),
            "countries": sorted(detail.get("sightings") or {}), "sightings": detail.get("sightings") or {},
            "techniques": detail.get("techniques") or [], "tlp": tlp_of(report)}


def _iso(stamp: str | None) -> str | None:
    """A time as ISO text in UTC (STIX ``...Z`` and stored ``+00:00`` times sort together)."""
    moment = _parse(stamp)
    return moment.astimezone(UTC).isoformat() if moment else stamp


# -- incidents ------------------------------------------------------------------------------------


def incidents(service: HubService) -> dict:
    """The incidents (merged ones left out) with their NIS2 clocks."""
    response = ResponseService.for_hub(service.context)
    return {"incidents": [{**incident, "clock": response.clock(incident["id"])} for incident in response.store.list()]}


# -- network and campaign -------------------------------------------------------------------------


async def _get_json(client: httpx.AsyncClient, url: str) -> tuple[dict | None, str | None]:
    try:
        response = await client.get(url)
    except httpx.HTTPError as exc:
        return None, f"unreachable ({type(exc).__name__})"
    if response.status_code in (401, 403):
        return None, "needs a login"
    if response.status_code != 200:
        return None, f"answered {response.status_code}"
    try:
        return response.json(), None
    except ValueError:
        return None, "answered something that is not JSON"


async def _from_peers(service: HubService, topology: Topology | None, path: str, local: dict) -> list[dict]:
    """``path`` of every hub in ``topology`` (this one answers ``local``): ``{name, country, role, url, data, error}``."""
    config = service.config
    if topology is None:
        return [{"name": config.name, "country": config.country, "role": config.role, "url": None, "self": True,
                 "members": [], "data": local, "error": None}]
    hubs = list(topology.hubs.values())
    async with httpx.AsyncClient(timeout=PEER_TIMEOUT_S, trust_env=False) as client:
        answers = await asyncio.gather(*[
            _done(local) if hub.name == config.name else _get_json(client, hub.url.rstrip("/") + path) for hub in hubs])
    return [{"name": hub.name, "country": hub.country, "role": hub.role, "url": hub.url, "self": hub.name == config.name,
             "members": list(hub.agreement.members) if hub.agreement else [], "data": data, "error": error}
            for hub, (data, error) in zip(hubs, answers, strict=True)]


async def _done(value: dict) -> tuple[dict, None]:
    return value, None


async def network_view(service: HubService, topology: Topology | None) -> dict:
    """The hubs of the network (``topology``, None for a hub on its own) with their health (``/api/v1/health``)
    and the links between members and their cross-border hubs; a link is up when both ends answer."""
    hubs = await _from_peers(service, topology, "/api/v1/health", service.health())
    up = {hub["name"] for hub in hubs if hub["data"] is not None}
    links = [{"from": member, "to": hub["name"], "up": member in up and hub["name"] in up}
             for hub in hubs for member in hub["members"]]
    for hub in hubs:
        hub["health"] = hub.pop("data")
    return {"hub": service.config.name, "hubs": hubs, "links": links,
            "network_file": str(topology.source) if topology is not None else None}


def activity(service: HubService) -> dict:
    """This hub's alerts per minute of event time (``[minute, count, highest level]``), for the campaign timeline."""
    buckets: dict[str, Counter] = defaultdict(Counter)
    for moment, level in alert_times(service.context.sessions, MAX_ALERTS):
        buckets[moment.strftime("%Y-%m-%dT%H:%M:00Z")][level] += 1
    rank = {level: i for i, level in enumerate(LEVELS)}
    return {"hub": service.config.name, "country": service.config.country,
            "alerts": [[minute, sum(levels.values()), max(levels, key=lambda lv: rank.get(lv, -1))]
                       for minute, levels in sorted(buckets.items())]}


async def campaign(service: HubService, topology: Topology | None) -> dict:
    """Alerts per country over time (each hub of the network that lets this one read its activity) and the
    early warnings received here, with the sightings per country they carry."""
    hubs = await _from_peers(service, topology, "/dashboard/api/activity", activity(service))
    lanes: dict[str, list] = defaultdict(list)
    for hub in hubs:
        if hub["data"] is not None and hub["role"] != "cross-border":
            lanes[hub["country"] or hub["name"]] += hub["data"].get("alerts") or []
    warnings = [{"id": w["id"], "name": w["name"], "received": w["received"], "sightings": w["sightings"]}
                for w in warning_rows(service)]
    for warning in warnings:
        for country in warning["sightings"]:
            lanes.setdefault(country, [])
    return {"countries": {country: sorted(points) for country, points in sorted(lanes.items())},
            "warnings": warnings,
            "missing": [{"name": h["name"], "country": h["country"], "why": h["error"]} for h in hubs if h["error"]]}
