"""Scenarios: they load and are checked, the same seed gives the same telemetry, re-timing keeps labels and
order, and every batch a collector would post parses without a quarantined record."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

import pytest

from cybershield.events import ingest
from cybershield.exercise.feed import build_feed
from cybershield.exercise.records import Record, retime
from cybershield.exercise.scenario import ScenarioError, load_scenario, scenario_names

START = datetime(2026, 11, 2, tzinfo=UTC)


def test_three_shipped_scenarios_load_with_their_campaigns():
    names = scenario_names()
    assert {"ransomware-hospitals", "ddos-energy", "espionage-ministries"} <= set(names)
    for name in names:
        scenario = load_scenario(name)
        assert len(scenario.countries) >= 3 and scenario.stages
        assert all(len(members) >= 3 for members in scenario.cross_border.values())
        # the campaign spreads: its stages touch at least three countries, in time order
        assert len({s.country for s in scenario.stages}) >= 3
        assert [s.at for s in scenario.stages] == sorted(s.at for s in scenario.stages)


@pytest.mark.parametrize(("text", "fault"), [
    ("- not a mapping", "(top)"),
    ("name: x\nduration_hours: 5\ncountries: {}\n", "countries"),
    ("name: x\nduration_hours: 5\ncountries: {DE: {hub: de, constituents: {a: {network: 10.0.0.0/16}}}}\n"
     "campaign: [{country: FR, stage: s, at_hours: 1, recipe: phishing}]\n", "campaign[0].country"),
    ("name: x\nduration_hours: 5\ncountries: {DE: {hub: de, constituents: {a: {network: 10.0.0.0/16}}}}\n"
     "campaign: [{country: DE, stage: s, at_hours: 1, recipe: teleport}]\n", "campaign[0].recipe"),
    ("name: x\nduration_hours: 5\ncountries: {DE: {hub: de, constituents: {a: {network: 10.0.0.0/16}}}}\n"
     "campaign: [{country: DE, stage: s, at_hours: 9, recipe: phishing}]\n", "at_hours"),
    ("name: x\nduration_hours: 5\ncountries: {DE: {hub: de, constituents: {a: {network: not-a-net}}}}\n", "(value)"),
    ("name: x\nduration_hours: 5\ncountries: {DE: {hub: de, constituents: {a: {network: 10.0.0.0/16}}}}\n"
     "cross_border: {w: {members: [DE]}}\n", "cross_border.w"),
    ("name: [unclosed\n", "not YAML"),
])
def test_a_broken_scenario_names_the_file_and_the_key(tmp_path, text, fault):
    path = tmp_path / "broken.yml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert str(path) in str(error.value) and fault in str(error.value)


def test_an_unknown_scenario_lists_the_shipped_ones():
    with pytest.raises(ScenarioError, match="ransomware-hospitals"):
        load_scenario("no-such-scenario")


def _bodies(feed) -> list[tuple[str, str, bytes]]:
    return [(b.country, b.format, b.body()) for b in feed.batches()]


def test_same_seed_same_telemetry_other_seed_other_telemetry():
    scenario = load_scenario("espionage-ministries")
    first, again = build_feed(scenario, 11, START, None), build_feed(scenario, 11, START, None)
    assert _bodies(first) == _bodies(again)
    other = build_feed(scenario, 12, START, None)
    assert _bodies(other) != _bodies(first)
    assert other.infrastructure != first.infrastructure


def test_same_seed_same_telemetry_from_the_real_data(shared_data):
    scenario = load_scenario("ddos-energy")
    assert _bodies(build_feed(scenario, 5, START, shared_data)) == _bodies(build_feed(scenario, 5, START, shared_data))


def test_retime_keeps_order_and_labels_and_fits_the_window():
    base = datetime(2019, 5, 23, tzinfo=UTC)
    records = [Record(base + timedelta(hours=h), "zeek-json", {"n": i}, f"stage-{i % 2}")
               for i, h in enumerate([5, 0, 3, 9, 1])]
    moved = retime(records, START, timedelta(minutes=30))
    assert [r.data["n"] for r in moved] == [1, 4, 2, 0, 3]  # time order of the originals
    assert [r.label for r in moved] == ["stage-1", "stage-0", "stage-0", "stage-0", "stage-1"]
    assert moved[0].at == START and moved[-1].at == START + timedelta(minutes=30)
    gaps = [(b.at - a.at) for a, b in zip(moved, moved[1:], strict=False)]
    assert gaps == [g * (30 / 540) for g in (timedelta(hours=1), timedelta(hours=2), timedelta(hours=2),
                                              timedelta(hours=4))]


@pytest.mark.parametrize("real", [False, True])
def test_stages_land_in_their_country_at_their_time_on_the_campaign_infrastructure(real, request):
    data = request.getfixturevalue("shared_data") if real else None
    scenario = load_scenario("ransomware-hospitals")
    feed = build_feed(scenario, 3, START, data)
    seen = set()
    for stage in scenario.stages:
        records = feed.stages[stage.index]
        assert records and all(r.label == stage.label for r in records)
        assert min(r.at for r in records) == START + stage.at
        assert max(r.at for r in records) <= START + stage.at + timedelta(minutes=30)
        networks = [c.network for c in scenario.countries[stage.country].constituents]
        for record in records:
            line = record.line().decode()
            seen |= {v for v in feed.infrastructure.observables() if v.lower() in line.lower()}
            for address in _addresses(record):
                ip = ipaddress.IPv4Address(address)
                assert (any(ip in n for n in networks) or address in feed.infrastructure.c2_addresses
                        or not ip.is_private), (stage.label, address)
    # the campaign reuses its infrastructure: its first-stage server and its payload show up in several countries
    assert feed.infrastructure.c2_addresses[0] in seen and set(feed.infrastructure.payloads) <= seen
    assert all(r.label == "background" for rs in feed.background.values() for r in rs)


def _addresses(record: Record) -> list[str]:
    data = record.data["Event"].get("EventData") or {} if record.format == "evtx-json" else record.data
    fields = ("id.orig_h", "id.resp_h", "Src IP", "Dst IP", "src_ip", "dest_ip", "SourceIp", "DestinationIp")
    out = []
    for field in fields:
        value = data.get(field) if isinstance(data, dict) else None
        try:
            ipaddress.IPv4Address(value)
        except ValueError:
            continue
        out.append(value)
    return out


@pytest.mark.parametrize("real", [False, True])
def test_every_batch_parses_without_quarantine(tmp_path, real, request):
    data = request.getfixturevalue("shared_data") if real else None
    feed = build_feed(load_scenario("ddos-energy"), 1, START, data)
    batches = feed.batches()
    assert [b.at for b in batches] == sorted(b.at for b in batches)
    for i, batch in enumerate(batches):
        (tmp_path / f"{i:05d}.log").write_bytes(batch.body())
    summary = ingest([tmp_path])
    assert summary.read == len(feed.records()) and summary.quarantined == 0
