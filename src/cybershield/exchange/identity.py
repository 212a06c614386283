"""A hub's identity as a STIX 2.1 ``identity`` object: name, country, role (national or cross-border)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..intel import stixtime

#: The namespace of hub identity ids: the same hub name always has the same STIX id.
HUB_NAMESPACE = uuid.UUID("0b9b3c52-6f1e-5b8a-9a52-1c9e3a4f2d10")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class HubRole(StrEnum):
    """A national cyber hub, or a cross-border hub of at least three national hubs (Cyber Solidarity Act)."""

    NATIONAL = "national"
    CROSS_BORDER = "cross-border"


@dataclass(frozen=True)
class HubIdentity:
    """Who a hub is. In STIX the country and role are the custom properties ``x_cybershield_country`` and
    ``x_cybershield_role`` (machine-read), and the role is also in ``roles`` (``national-cyber-hub`` or
    ``cross-border-cyber-hub``) for tools that know no custom properties."""

    name: str
    country: str
    role: HubRole
    created: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ValueError(f"hub name {self.name!r}: 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit")
        if not isinstance(self.country, str) or not _COUNTRY.match(self.country):
            raise ValueError(f"country {self.country!r}: two capital letters (ISO 3166-1 alpha-2, EU usage: EL, not GR)")
        try:
            object.__setattr__(self, "role", HubRole(self.role))
        except ValueError:
            raise ValueError(f"role {self.role!r}: one of {', '.join(r.value for r in HubRole)}") from None
        stixtime.normalise(self.created)

    @classmethod
    def new(cls, name: str, country: str, role: str) -> HubIdentity:
        return cls(name, country.upper() if isinstance(country, str) else country, role, stixtime.now())

    @property
    def stix_id(self) -> str:
        return f"identity--{uuid.uuid5(HUB_NAMESPACE, self.name)}"

    def stix(self) -> dict[str, Any]:
        return {"type": "identity", "spec_version": "2.1", "id": self.stix_id, "created": self.created,
                "modified": self.created, "name": self.name, "identity_class": "organization",
                "sectors": ["government"], "roles": [f"{self.role.value}-cyber-hub"],
                "description": f"{self.role.value} cyber hub ({self.country})",
                "x_cybershield_country": self.country, "x_cybershield_role": self.role.value}

    @classmethod
    def from_stix(cls, document: Any) -> HubIdentity:
        """The identity of a STIX object made by ``stix()``; ValueError when it is not one."""
        if not isinstance(document, dict) or document.get("type") != "identity":
            raise ValueError("a hub identity must be a STIX identity object")
        identity = cls(document.get("name"), document.get("x_cybershield_country"), document.get("x_cybershield_role"),
                       document.get("created"))
        if document.get("id") != identity.stix_id:
            raise ValueError(f"identity id {document.get('id')!r} is not the id of hub {identity.name!r}")
        return identity
