"""Clustering incidents shared by a network's hubs into campaigns, and attributing a campaign.

Two incidents belong to one campaign when they share an indicator (any one), a piece of software, or
a technique chain: at least ``min_shared`` techniques with a Jaccard similarity of at least
``min_jaccard``. Clusters are the connected components of that relation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import AttributionModel


@dataclass(frozen=True)
class SharedIncident:
    id: str
    hub: str | None = None
    indicators: frozenset[str] = frozenset()
    software: frozenset[str] = frozenset()
    techniques: frozenset[str] = frozenset()

    @classmethod
    def of(cls, item: dict) -> SharedIncident:
        return cls(str(item["id"]), item.get("hub"), frozenset(item.get("indicators", ())),
                   frozenset(item.get("software", ())), frozenset(item.get("techniques", ())))


@dataclass
class Campaign:
    incidents: list[SharedIncident]
    links: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"incidents": [i.id for i in self.incidents], "hubs": sorted({i.hub for i in self.incidents if i.hub}),
                "techniques": sorted(set().union(*(i.techniques for i in self.incidents))),
                "software": sorted(set().union(*(i.software for i in self.incidents))),
                "links": self.links}


def _link(a: SharedIncident, b: SharedIncident, min_shared: int, min_jaccard: float) -> dict | None:
    if a.indicators & b.indicators:
        return {"between": [a.id, b.id], "by": "indicator", "shared": sorted(a.indicators & b.indicators)}
    if a.software & b.software:
        return {"between": [a.id, b.id], "by": "software", "shared": sorted(a.software & b.software)}
    common = a.techniques & b.techniques
    union = a.techniques | b.techniques
    if len(common) >= min_shared and len(common) / len(union) >= min_jaccard:
        return {"between": [a.id, b.id], "by": "technique-chain", "shared": sorted(common)}
    return None


def cluster_incidents(incidents: list[dict], min_shared: int = 3, min_jaccard: float = 0.5) -> list[Campaign]:
    """Campaigns of two or more incidents (``{"id", "hub", "indicators", "software", "techniques"}``)."""
    items = [SharedIncident.of(i) for i in incidents]
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    links = []
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            link = _link(items[i], items[j], min_shared, min_jaccard)
            if link:
                links.append((i, link))
                parent[find(j)] = find(i)
    clusters: dict[int, Campaign] = {}
    for i, item in enumerate(items):
        clusters.setdefault(find(i), Campaign([])).incidents.append(item)
    for i, link in links:
        clusters[find(i)].links.append(link)
    return [c for c in clusters.values() if len(c.incidents) > 1]


def cluster_of(incidents: list[dict], incident_id: str, min_shared: int = 3, min_jaccard: float = 0.5
               ) -> Campaign | None:
    """The campaign ``incident_id`` belongs to among ``incidents`` (as ``cluster_incidents`` would find it), or
    None: only its connected component is searched, at a cost of its size times the incidents'."""
    items = {i.id: i for i in map(SharedIncident.of, incidents)}
    if incident_id not in items:
        return None
    component, frontier = {incident_id}, [incident_id]
    while frontier:
        current = items[frontier.pop()]
        for other in items.values():
            if other.id not in component and _link(current, other, min_shared, min_jaccard):
                component.add(other.id)
                frontier.append(other.id)
    if len(component) < 2:
        return None
    (campaign,) = cluster_incidents([i for i in incidents if str(i["id"]) in component], min_shared, min_jaccard)
    return campaign


def attribute_campaign(model: AttributionModel, campaign: Campaign, top: int = 5) -> dict:
    found = campaign.as_dict()
    return {**found, "attribution": model.rank(found["techniques"], found["software"], top=top)}
