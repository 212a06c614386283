"""Exercise scenarios: countries and their hubs, cross-border groups, background traffic and a campaign in stages.

A scenario is one YAML file (the package's ``scenarios/`` folder, or any path). It is parsed once into
frozen dataclasses and checked as a whole: a stage in a country the scenario does not list, a recipe
that does not exist or an address range that does not parse is a :class:`ScenarioError` naming the
file and the key, never a traceback.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import yaml

SCENARIOS = Path(__file__).parent / "scenarios"
#: What each stage's telemetry is made of (``recipes.py`` builds them).
RECIPES = ("phishing", "execution", "beacon", "lateral-movement", "credential-access", "ransomware", "scanning", "ddos")
BACKGROUND_KINDS = ("conn", "dns", "flows")
ENTITY_TYPES = ("essential", "important", "trust-service")


class ScenarioError(ValueError):
    """A scenario that cannot be played, with the file and the key at fault."""


@dataclass(frozen=True)
class Constituent:
    """An organisation a national hub protects, with its NIS2 type, sector and address range."""

    name: str
    sector: str
    entity_type: str
    network: ipaddress.IPv4Network


@dataclass(frozen=True)
class Country:
    """A member state and its national hub."""

    code: str
    hub: str
    constituents: tuple[Constituent, ...]


@dataclass(frozen=True)
class Stage:
    """One step of the campaign: in ``country``, ``at`` after the start, telemetry from ``recipe``."""

    index: int
    country: str
    stage: str
    at: timedelta
    recipe: str

    @property
    def label(self) -> str:
        return f"{self.country}/{self.stage}"


@dataclass(frozen=True)
class Scenario:
    """A whole exercise, as its YAML file describes it."""

    name: str
    title: str
    description: str
    duration: timedelta
    countries: dict[str, Country]
    cross_border: dict[str, tuple[str, ...]]
    background_per_hour: int
    background_kinds: tuple[str, ...]
    infrastructure: dict[str, int]
    stages: tuple[Stage, ...]
    source: Path


def scenario_names() -> list[str]:
    """The scenarios shipped with the package."""
    return sorted(path.stem for path in SCENARIOS.glob("*.yml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """The scenario called ``name_or_path`` (a shipped one) or in that file."""
    path = Path(name_or_path)
    if not path.suffix:
        path = SCENARIOS / f"{name_or_path}.yml"
    if not path.is_file():
        raise ScenarioError(f"no scenario {str(name_or_path)!r}; shipped: {', '.join(scenario_names())}")
    try:
        raw = yaml.safe_load(path.read_text())
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: not YAML: {exc}") from None
    return _parse(raw, path)


def _parse(raw: object, path: Path) -> Scenario:
    def fail(key: str, why: str) -> ScenarioError:
        return ScenarioError(f"{path}: {key}: {why}")

    if not isinstance(raw, dict):
        raise fail("(top)", "a scenario is a mapping")
    try:
        countries = {code: _country(code, spec) for code, spec in (raw.get("countries") or {}).items()}
        if not countries:
            raise KeyError("countries")
        cross_border = {name: tuple(spec["members"]) for name, spec in (raw.get("cross_border") or {}).items()}
        background = raw.get("background") or {}
        stages = tuple(_stage(i, spec) for i, spec in enumerate(raw.get("campaign") or []))
        scenario = Scenario(
            name=str(raw["name"]), title=str(raw.get("title", raw["name"])),
            description=str(raw.get("description", "")).strip(),
            duration=timedelta(hours=float(raw["duration_hours"])), countries=countries, cross_border=cross_border,
            background_per_hour=int(background.get("events_per_hour", 0)),
            background_kinds=tuple(background.get("kinds", BACKGROUND_KINDS)),
            infrastructure={k: int(v) for k, v in (raw.get("infrastructure") or {}).items()},
            stages=tuple(sorted(stages, key=lambda s: (s.at, s.index))), source=path)
    except KeyError as exc:
        raise fail(str(exc.args[0]), "missing") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise fail("(value)", str(exc)) from None
    for name, members in scenario.cross_border.items():
        unknown = set(members) - set(countries)
        if unknown or len(members) < 3:
            raise fail(f"cross_border.{name}", f"needs at least three listed countries (unknown: {sorted(unknown)})")
    for stage in scenario.stages:
        if stage.country not in countries:
            raise fail(f"campaign[{stage.index}].country", f"{stage.country!r} is not among the countries")
        if stage.recipe not in RECIPES:
            raise fail(f"campaign[{stage.index}].recipe", f"{stage.recipe!r}; known: {', '.join(RECIPES)}")
        if not timedelta(0) <= stage.at < scenario.duration:
            raise fail(f"campaign[{stage.index}].at_hours", "outside the scenario's duration")
    unknown_kinds = set(scenario.background_kinds) - set(BACKGROUND_KINDS)
    if unknown_kinds:
        raise fail("background.kinds", f"unknown {sorted(unknown_kinds)}; known: {', '.join(BACKGROUND_KINDS)}")
    return scenario


def _country(code: str, spec: dict) -> Country:
    constituents = []
    for name, c in (spec.get("constituents") or {}).items():
        if c.get("entity_type", "essential") not in ENTITY_TYPES:
            raise ValueError(f"{code}.{name}: entity_type must be one of {', '.join(ENTITY_TYPES)}")
        constituents.append(Constituent(name, str(c.get("sector", "")), c.get("entity_type", "essential"),
                                        ipaddress.IPv4Network(c["network"])))
    if not constituents:
        raise ValueError(f"{code}: a country needs at least one constituent")
    return Country(str(code), str(spec["hub"]), tuple(constituents))


def _stage(index: int, spec: dict) -> Stage:
    return Stage(index, str(spec["country"]), str(spec["stage"]), timedelta(hours=float(spec["at_hours"])),
                 str(spec["recipe"]))
