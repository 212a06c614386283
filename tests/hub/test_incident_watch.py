"""The hub's incident watch: each incident version is published once, never an older one after a newer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cybershield.hub import INCIDENTS, InProcessBus
from cybershield.hub.incidents import IncidentWatch
from cybershield.response import build_changes
from cybershield.response.store import IncidentStore


def test_each_version_once_and_never_an_older_one_after_a_newer(tmp_path):
    store = IncidentStore.open(f"sqlite:///{tmp_path / 'hub.db'}")
    long_ago = store.open_incident("Old case", datetime.now(UTC) - timedelta(days=3), "important",
                                   now=datetime.now(UTC) - timedelta(days=3))
    bus, seen = InProcessBus(), []
    bus.subscribe(INCIDENTS, lambda views: seen.extend((v["id"], v["title"]) for v in views), name="seen")
    watch = IncidentWatch(store, bus, datetime.now(UTC))
    try:
        opened = store.open_incident("Wiper at Port Authority", datetime.now(UTC), "essential")
        assert watch.look() == 1  # the case changed three days ago is not offered again
        assert watch.look() == 0  # nothing changed since
        newer = store.update(opened["id"], build_changes({"title": "Wiper at Port Authority (2 sites)"}, "a", UTC))
        assert watch.publish(newer) and not watch.publish(newer)
        assert not watch.publish(opened)  # a stale view (a look that read before the update) stays home
        assert watch.look() == 0
        assert bus.drain(timeout=10)
    finally:
        bus.close()
    assert seen == [(opened["id"], "Wiper at Port Authority"), (opened["id"], "Wiper at Port Authority (2 sites)")]
    assert long_ago["id"] not in {i for i, _ in seen}
