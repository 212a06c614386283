"""Incidents opened or changed at a hub, published once per version on the bus's ``incidents`` subject
(where the federation shares them up): those changed through the hub's API at once, and those changed
elsewhere (``cybershield incident`` against the hub's database, the grouping job) at the next look."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from ..response.store import IncidentStore
from .bus import INCIDENTS, Bus

log = logging.getLogger(__name__)

#: At start the incidents changed this long ago are offered again: one changed while the hub was down is
#: shared, and a receiver keeps each version once.
LOOK_BACK = timedelta(days=1)


class IncidentWatch:
    """Publishes each incident version (``updated``) once."""

    def __init__(self, store: IncidentStore, bus: Bus, now: datetime):
        self.store, self.bus = store, bus
        self.since = now - LOOK_BACK
        self._published: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def publish(self, view: dict) -> bool:
        """Publish ``view`` unless this version, or a newer one, was published already; whether it was."""
        updated = datetime.fromisoformat(view["updated"])
        with self._lock:
            published = self._published.get(view["id"])
            if published is not None and published >= updated:
                return False
            self._published[view["id"]] = updated
        self.bus.publish(INCIDENTS, view)
        return True

    def look(self) -> int:
        """Publish the incidents changed since the last look; how many were."""
        views = self.store.changed_since(self.since)
        if views:
            self.since = max(datetime.fromisoformat(v["updated"]) for v in views)
        published = sum(self.publish(view) for view in views)
        if published:
            log.info("%d incidents changed outside the API published", published)
        return published
