"""Exchange with peer hubs: the TAXII 2.1 server and client, accounts and collections; hub identity and keys,
signed and encrypted envelopes, replay protection."""

from ..storage import SqlReplayStore
from .accounts import Account, Authenticator, Collection, TaxiiSettings, check_secret, hash_secret
from .client import Exchange, PeerLink, Transfer, peer_links
from .envelope import (
    MEDIA_TYPE,
    EnvelopePolicy,
    EnvelopeReceiver,
    EnvelopeRejected,
    EnvelopeSealer,
    OpenedEnvelope,
    Rejection,
    stix_bundle,
)
from .identity import HubIdentity, HubRole
from .keyring import Keyring
from .keys import PASSPHRASE_ENV, HubKeys, KeyBundle, KeyStore, KeyStoreError, PublicKeys
from .replay import MemoryReplayStore, ReplayStore
from .taxii import STIX, TAXII, background_server, create_app, serve

__all__ = ["MEDIA_TYPE", "PASSPHRASE_ENV", "STIX", "TAXII", "Account", "Authenticator", "Collection", "EnvelopePolicy",
           "EnvelopeReceiver", "EnvelopeRejected", "EnvelopeSealer", "Exchange", "HubIdentity", "HubKeys", "HubRole",
           "KeyBundle", "KeyStore", "KeyStoreError", "Keyring", "MemoryReplayStore", "OpenedEnvelope", "PeerLink",
           "PublicKeys", "Rejection", "ReplayStore", "SqlReplayStore", "Transfer", "TaxiiSettings", "background_server",
           "check_secret", "create_app", "hash_secret", "peer_links", "serve", "stix_bundle"]
