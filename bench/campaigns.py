"""A cross-border hub's campaign search, per shared incident, against clustering every shared incident.

N shared incidents (``--sizes``) are stored in a SQLite database as members share them: half belong to one of
N/20 campaigns (an indicator or piece of software of the campaign's, techniques of its chain), half are
unrelated (their own indicator, random techniques). Printed per size, median CPU-seconds of 5 runs: the
campaign of one incident as a warning names it (``network.campaigns.campaign_of``: only its connected
component is searched), against the peer, clustering every shared incident and picking its cluster
(``cluster_incidents``, what the listing ``GET /api/v1/campaigns`` does), and their ratio; both read the
incidents from the database.

    python bench/campaigns.py [--sizes 500,2000] [--quick]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cybershield.network.campaigns import campaign_of, campaigns
from cybershield.network.warnings import stable_id
from cybershield.storage import open_database
from cybershield.storage.shared_incidents import save_incident

TECHNIQUES = [f"T{1000 + i}" for i in range(200)]


def shared(rng: random.Random, n: int) -> list[dict]:
    now = datetime.now(UTC)
    rows = []
    for i in range(n):
        campaign = rng.randrange(max(1, n // 20)) if rng.random() < 0.5 else None
        if campaign is None:
            observables, software = [f"ipv4-addr=198.18.{i // 250}.{i % 250}"], []
            techniques = rng.sample(TECHNIQUES, 4)
        elif rng.random() < 0.7:
            observables, software = [f"domain-name=c{campaign}-{rng.randrange(3)}.example.net"], []
            techniques = TECHNIQUES[campaign % 150:campaign % 150 + 4]
        else:
            observables, software = [f"ipv4-addr=203.0.{i // 250}.{i % 250}"], [f"S{campaign:04d}"]
            techniques = rng.sample(TECHNIQUES, 3)
        seen = now - timedelta(hours=rng.randrange(24 * 60))
        rows.append({"id": stable_id("incident", f"hub-{i % 27}", str(i)), "hub": f"hub-{i % 27}",
                     "country": f"C{i % 27}", "severity": rng.choice(("medium", "high", "critical")), "sector": "health",
                     "first_seen": seen, "last_seen": seen + timedelta(hours=2), "modified": seen, "received": now,
                     "facts": {"observables": observables, "techniques": techniques, "software": software,
                               "status": "new", "entity_type": "essential"}, "document": {}})
    return rows


def cpu(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.process_time()
        fn()
        times.append(time.process_time() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,2000")
    parser.add_argument("--quick", action="store_true", help="500 incidents only (bench/run_all.py passes it)")
    args = parser.parse_args()
    sizes = [500] if args.quick else [int(s) for s in args.sizes.split(",")]
    print(f"{'incidents':>9} {'campaigns':>9} {'campaign_of s':>13} {'cluster all s':>13} {'ratio':>6}")
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            sessions = open_database(f"sqlite:///{Path(folder) / 'xb.db'}")
            rows = shared(random.Random(size), size)
            for row in rows:
                save_incident(sessions, row)
            found = campaigns(sessions)
            member = found[len(found) // 2]["incidents"][0]["id"]
            assert campaign_of(sessions, member)["id"] == next(c["id"] for c in found if any(
                i["id"] == member for i in c["incidents"]))
            one = cpu(lambda member=member, sessions=sessions: campaign_of(sessions, member))
            every = cpu(lambda member=member, sessions=sessions: next(c for c in campaigns(sessions) if any(
                i["id"] == member for i in c["incidents"])))
            print(f"{size:>9} {len(found):>9} {one:>13.3f} {every:>13.3f} {every / one:>5.1f}x", flush=True)


if __name__ == "__main__":
    main()
