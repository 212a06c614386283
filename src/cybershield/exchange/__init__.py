"""Exchange with peer hubs: the TAXII 2.1 server and client, accounts and collections; hub identity and keys,
signed and encrypted envelopes, replay protection.

The names below load their module on first use: the command line's help reads the hub roles without loading
the TAXII server and the storage with them.
"""

from ..lazy import lazy_names

#: name -> (module, attribute in it); ".storage" is cybershield.storage
_HOMES = {
    "SqlReplayStore": (".storage", "SqlReplayStore"),
    **{n: ("accounts", n) for n in ("Account", "Authenticator", "Collection", "LoginLimits", "LoginRefused",
                                     "TaxiiSettings", "check_secret", "hash_secret")},
    **{n: ("client", n) for n in ("Exchange", "PeerLink", "Transfer", "peer_links")},
    **{n: ("envelope", n) for n in ("MEDIA_TYPE", "EnvelopePolicy", "EnvelopeReceiver", "EnvelopeRejected",
                                     "EnvelopeSealer", "OpenedEnvelope", "Rejection", "stix_bundle")},
    **{n: ("identity", n) for n in ("HubIdentity", "HubRole")},
    "Keyring": ("keyring", "Keyring"),
    **{n: ("keys", n) for n in ("PASSPHRASE_ENV", "HubKeys", "KeyBundle", "KeyStore", "KeyStoreError", "PublicKeys")},
    **{n: ("replay", n) for n in ("MemoryReplayStore", "ReplayStore")},
    **{n: ("taxii", n) for n in ("STIX", "TAXII", "background_server", "create_app", "serve")},
}

__all__ = sorted(_HOMES)
__getattr__, __dir__ = lazy_names(__name__, _HOMES)
