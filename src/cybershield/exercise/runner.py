"""Running an exercise: the scenario played into a network with sharing on, then again with sharing off
(the control), each into fresh hubs, and the scorecard of both.

With ``network_dir`` the sharing run goes into that running network (``cybershield network up``), which
must have a national hub for every country of the scenario; the control always gets hubs of its own,
started outside any network, so that nothing the first run taught a hub helps the second.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ..network.launcher import Plan, read_network, start_network, stop_pids
from .feed import build_feed
from .player import HubEndpoint, Player
from .scenario import Scenario

#: A scenario plays in about this many seconds unless a speed is given.
DEFAULT_PLAY_S = 120.0


def default_start(scenario: Scenario) -> datetime:
    """The campaign is replayed as if it had just happened: it ends now, to the minute."""
    return (datetime.now(UTC) - scenario.duration).replace(second=0, microsecond=0)


def scenario_plan(scenario: Scenario) -> Plan:
    """The hubs a scenario needs: a national hub per country, its cross-border hubs with their members."""
    national = {country.hub: code for code, country in scenario.countries.items()}
    return Plan(national, {name: tuple(scenario.countries[c].hub for c in members)
                           for name, members in scenario.cross_border.items()})


def endpoints(listed: list[dict]) -> list[HubEndpoint]:
    return [HubEndpoint(h["name"], h["country"], h["role"], h["url"], h["username"], h["password"]) for h in listed]


def play(scenario: Scenario, seed: int, *, speed: float | None = None, workdir: Path, network_dir: Path | None = None,
         data_dir: Path | None = None, rules: list[Path] | None = None, runs: tuple[str, ...] = ("sharing", "no_sharing"),
         on_stage: Callable[[str, str], None] | None = None, on_progress: Callable[[str, int, int], None] | None = None,
         start: datetime | None = None, keep_running: bool = False, ports: dict[str, int] | None = None,
         models: Path | None = None) -> dict:
    """Play ``scenario`` once per entry of ``runs``; returns the scorecard ``{"scenario", "seed", "runs"}``.

    ``keep_running`` leaves the network of the sharing run up (the demo shows its dashboard afterwards); its hubs
    are then in ``scorecard["runs"]["sharing"]["hubs"]`` with their pids."""
    feed = build_feed(scenario, seed, start or default_start(scenario), data_dir)
    speed = speed or scenario.duration.total_seconds() / DEFAULT_PLAY_S
    scorecard: dict = {"scenario": scenario.name, "seed": seed, "speed": speed, "runs": {},
                       "infrastructure": {"c2_addresses": list(feed.infrastructure.c2_addresses),
                                          "domains": list(feed.infrastructure.domains),
                                          "payloads": list(feed.infrastructure.payloads)}}
    for run in runs:
        sharing = run == "sharing"
        own = network_dir is None or not sharing
        if on_stage:
            on_stage(run, "starting hubs" if own else f"using the network in {network_dir}")
        listed = start_network(workdir / run, scenario_plan(scenario), sharing=sharing, rules=rules, models=models,
                               ports=ports if sharing else None) if own else read_network(network_dir)
        try:
            if on_stage:
                on_stage(run, "playing")
            player = Player(feed, endpoints(listed), speed,
                            on_progress=(lambda done, total, run=run: on_progress(run, done, total)) if on_progress else None)
            score = player.play()
            scorecard["runs"][run] = score.as_dict() | {"ingest_errors": player.ingest_errors[:20],
                                                       "hubs": [{k: h[k] for k in ("name", "country", "role", "url")}
                                                                for h in listed]}
        finally:
            if own and not (keep_running and sharing):
                stop_pids([h["pid"] for h in listed], timeout=10)
            elif own:
                scorecard["running"] = listed
    return scorecard
