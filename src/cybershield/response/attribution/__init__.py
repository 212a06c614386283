"""Attribution: ranking ATT&CK intrusion sets by what an incident or campaign shows, and campaign clustering."""

from .campaigns import Campaign, attribute_campaign, cluster_incidents, cluster_of
from .model import AttributionModel, Params
from .profiles import bundle_path, derive_profiles, load_profiles
from .simulate import Case, simulate

__all__ = ["AttributionModel", "Campaign", "Case", "Params", "attribute_campaign", "bundle_path", "cluster_incidents", "cluster_of",
           "derive_profiles", "load_profiles", "simulate"]
