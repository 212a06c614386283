"""The external observables an alert carries for sharing: internal addresses never among them."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from cybershield.detect import Alert, EventRef
from cybershield.events import ingest
from cybershield.hub import attach_observables, is_external

from .conftest import zeek_conn


@pytest.mark.parametrize(("address", "external"), [
    ("203.0.113.9", True), ("8.8.8.8", True), ("2001:db8::1", True), ("2a00:1450::1", True),
    ("10.1.2.3", False), ("172.20.0.1", False), ("192.168.1.1", False), ("100.64.0.1", False),
    ("127.0.0.1", False), ("169.254.1.1", False), ("fd00::1", False), ("fe80::1", False), ("::ffff:10.0.0.1", False),
    ("224.0.0.251", False), ("not an address", False)])
def test_which_addresses_are_external(address, external):
    assert is_external(address) is external


def test_alerts_get_the_observables_of_their_events(tmp_path):
    log = tmp_path / "conn.log"
    now = datetime.now(UTC)
    log.write_bytes(zeek_conn([(now, "198.51.100.20"), (now, "192.168.7.7"), (now, "198.51.100.21")]))
    tables: list[pa.Table] = []
    ingest([log], sink=tables.append)
    (batch,) = tables
    hit = Alert("sigma", "r1", "rule", "high", [EventRef(str(log), 1), EventRef(str(log), 2)])
    inside = Alert("sigma", "r2", "rule", "high", [EventRef(str(log), 2)])
    elsewhere = Alert("sigma", "r3", "rule", "high", [EventRef("other.log", 1)])
    attach_observables([hit, inside, elsewhere], batch)
    assert hit.context["observables"] == {"destination.ip": ["198.51.100.20"]}  # 10.1.2.3 and 192.168.7.7 stay home
    assert "observables" not in inside.context and "observables" not in elsewhere.context
    attach_observables([hit], None)  # alerts from the end of the stream have no batch: nothing changes
    assert hit.context["observables"] == {"destination.ip": ["198.51.100.20"]}
