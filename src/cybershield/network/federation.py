"""A hub in its network: it shares up, receives, correlates and warns, over signed envelopes.

A national hub takes every new alert from the ``sharing`` subject, turns what the alert's events showed
into sightings (:mod:`.sightings`, anonymised to the country) and puts one message per cross-border hub it
belongs to in the outbox, which seals and delivers it at once (and again until delivered). A cross-border
hub opens its members' envelopes, correlates their sightings and sends each early warning to every member;
large-scale cases are also written as escalation packages under ``$CYBERSHIELD_VAR/escalations``. A national
hub applies a warning from its cross-border hub (indicators into detection, retro-hunt). Anonymised
post-quantum readiness summaries go up the same way (:mod:`.readiness`). Anything refused is counted by
reason in the hub's health.
"""

from __future__ import annotations

import ipaddress
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import orjson

from ..detect import Alert
from ..exchange import (
    EnvelopeReceiver,
    EnvelopeRejected,
    EnvelopeSealer,
    HubKeys,
    KeyStore,
    Rejection,
    SqlReplayStore,
)
from ..hub import INCIDENTS, SHARING, HubService
from ..intel import LEVELS
from ..response.store import IncidentStore
from .correlation import Correlator
from .escalation import write_escalation
from .incident_share import incident_bundle
from .incidents import BadIncident, IncidentDesk, carries_incident, read_incident
from .observables import alert_observables
from .sightings import Seen, read_sightings, severity_name, sightings_bundle
from .topology import NetworkError, Topology, load_topology
from .warnings import Warning

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refused(Exception):
    """An envelope this hub will not act on: ``reason`` (a stable code) and the HTTP status to answer."""

    reason: str
    detail: str
    status: int = 403


class Federation:
    """The network side of one running hub (``service``)."""

    def __init__(self, service: HubService, topology: Topology, keys: HubKeys):
        from .outbox import Outbox
        from .readiness import ReadinessSharing

        self.service, self.topology, self.keys = service, topology, keys
        self.me = topology.entry(service.config.name)
        keyring = topology.keyring()
        sessions = service.context.sessions
        self.sealer = EnvelopeSealer(keys, keyring)
        self.receiver = EnvelopeReceiver(keys, keyring, SqlReplayStore(sessions))
        self.outbox = Outbox(sessions, self._login_at, self._seal, on_sent=self._sent)
        self.correlator = Correlator(sessions, self.me.name, self.me.agreement) if self.me.agreement else None
        self.incidents = IncidentDesk(sessions, self.me.name, self.me.agreement) if self.me.agreement else None
        self.escalations = service.context.settings.var_dir / "escalations"
        #: The constituents' own address ranges: their addresses stay home like internal ones.
        self.home = service.config.constituent_networks
        service.bus.subscribe(SHARING, self._share, name="federation")
        service.bus.subscribe(INCIDENTS, self._share_incidents, name="incident-sharing", batch=16)
        self.readiness = ReadinessSharing(service, topology, self.me, self._send)
        self.outbox.start()

    @classmethod
    def attach(cls, service: HubService) -> Federation | None:
        """The federation of ``service`` when its configuration names a network file, else None."""
        network = service.config.network
        if network.file is None:
            return None
        base = service.config.path.parent if service.config.path else Path.cwd()
        topology = load_topology(base / network.file)
        keys = KeyStore(base / network.keys if network.keys else service.context.settings.var_dir / "keys").load()
        if keys.name != service.config.name:
            raise NetworkError(f"the keys are hub {keys.name!r}'s, not {service.config.name!r}'s")
        return cls(service, topology, keys)

    def close(self) -> None:
        self.readiness.close()
        self.outbox.stop()

    # -- out -------------------------------------------------------------------------------------

    def _share(self, batches: list[list[Alert]]) -> None:
        seen = [s for alerts in batches for alert in alerts if (s := _seen(alert, self.home)) is not None]
        if not seen or self.me.role != "national":
            return
        bundle = sightings_bundle(self.me.name, self.me.country, seen, tlp=self._tlp())
        if bundle["objects"]:
            for hub in self.topology.cross_border_of(self.me.name):
                self._send(hub.name, bundle)

    def _share_incidents(self, views: list[dict]) -> None:
        """Share each incident opened or changed (its newest view) up to every cross-border hub whose agreement
        takes it (``incident_share``)."""
        if self.me.role != "national":
            return
        store = IncidentStore(self.service.context.sessions)
        for view in {v["id"]: v for v in views}.values():
            alerts = store.alerts(view["id"])
            for hub in self.topology.cross_border_of(self.me.name):
                bundle = incident_bundle(self.me.name, self.me.country, view, alerts, hub.agreement, self._tlp(),
                                         self.home)
                if bundle is not None:
                    self._send(hub.name, bundle)

    def _send(self, recipient: str, payload: dict) -> None:
        entry = self.topology.entry(recipient)
        self.outbox.put(recipient, entry.exchange_url, f"envelope--{uuid.uuid4()}", orjson.dumps(payload),
                        len(payload.get("objects") or ()))

    def _seal(self, payload: bytes, recipient: str, envelope_id: str) -> bytes:
        return self.sealer.seal(orjson.loads(payload), [recipient], envelope_id=envelope_id)

    def _login_at(self, peer: str) -> tuple[str, str] | None:
        config = self.service.config.peers.get(peer)
        if config is None:
            return None
        login = config.link().username, config.link().password
        return login if all(login) else None

    def _sent(self) -> None:
        self.service.context.counters.add("envelopes_sent")

    def _tlp(self) -> str:
        agreements = [h.agreement for h in self.topology.cross_border_of(self.me.name)]
        ceiling = min((LEVELS.index(a.tlp_ceiling) for a in agreements), default=LEVELS.index("AMBER"))
        return LEVELS[min(LEVELS.index(self.service.config.default_tlp), ceiling)]

    # -- in --------------------------------------------------------------------------------------

    def receive(self, body: bytes, account: str) -> dict:
        """Open and apply one envelope sent by the peer logged in as ``account``; raises ``Refused``."""
        counters = self.service.context.counters
        try:
            opened = self.receiver.open(body)
        except EnvelopeRejected as rejection:
            counters.reject(rejection.reason.value)
            status = 409 if rejection.reason == Rejection.REPLAYED else 400
            raise Refused(rejection.reason.value, rejection.detail, status) from None
        if opened.sender != account:
            counters.reject("wrong-account")
            raise Refused("wrong-account", f"{account} may not deliver envelopes signed by {opened.sender}")
        sender = self.topology.entry(opened.sender)
        counters.add("envelopes_received")
        if self.correlator is not None and sender.name in self.me.agreement.members:
            if self.readiness.carries(opened.payload):
                return self.readiness.receive(sender, opened.payload)
            if carries_incident(opened.payload):
                return self._take_incident(sender.name, sender.country, opened.payload)
            return self._correlate(sender.name, sender.country, opened.payload)
        if self.me.role == "national" and sender.agreement is not None and self.me.name in sender.agreement.members:
            applied = self.service.apply_warning(opened.payload, sender.name)
            return {"status": "applied", "warning": applied.as_dict()}
        counters.reject("no-agreement")
        raise Refused("no-agreement", f"{sender.name} shares nothing with {self.me.name} under any agreement")

    def _correlate(self, sender: str, country: str, payload: object) -> dict:
        sightings, refused = read_sightings(payload, sender, country)
        if refused:
            self.service.context.counters.reject("bad-sighting", len(refused))
            log.warning("%d sightings from %s refused: %s", len(refused), sender, "; ".join(refused[:5]))
        warnings = self.correlator.add(sightings)
        for warning in warnings:
            self._warn(warning)
        return {"status": "applied", "sightings": len(sightings), "refused": refused,
                "warnings": [w.report_id for w in warnings]}

    def _take_incident(self, sender: str, country: str, payload: dict) -> dict:
        counters = self.service.context.counters
        try:
            taken = self.incidents.take(read_incident(payload, sender, country))
        except BadIncident as exc:
            counters.reject("bad-incident")
            log.warning("incident from %s refused: %s", sender, exc)
            raise Refused("bad-incident", str(exc), 400) from None
        counters.add("incidents_received" if taken.new else "incidents_known")
        if taken.warning is not None:
            self._warn(taken.warning)
        return taken.as_dict()

    def _warn(self, warning: Warning) -> None:
        self.service.context.counters.add("warnings_issued")
        for member in self.me.agreement.members:
            self._send(member, warning.bundle)
        if warning.escalated:
            folder = write_escalation(warning, self.me.name, self.escalations)
            log.warning("large-scale case %s escalated: %s", warning.report_id, folder)


def _seen(alert: Alert, home: tuple[ipaddress._BaseNetwork, ...]) -> Seen | None:
    observables = alert_observables(alert.context, home)
    if not observables:
        return None
    first = alert.timestamp or alert.created
    last = max((e.timestamp for e in alert.events if e.timestamp), default=first)
    return Seen(alert.dedup_key, severity_name(alert.severity), tuple(alert.techniques), first.astimezone(UTC),
                last.astimezone(UTC), tuple(observables), len(alert.events) or 1)

