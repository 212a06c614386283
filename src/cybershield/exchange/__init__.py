"""Exchange with peer hubs: the TAXII 2.1 server and client, accounts and collections."""

from .accounts import Account, Authenticator, Collection, TaxiiSettings, check_secret, hash_secret
from .client import Exchange, PeerLink, Transfer, peer_links
from .taxii import STIX, TAXII, background_server, create_app, serve

__all__ = ["STIX", "TAXII", "Account", "Authenticator", "Collection", "Exchange", "PeerLink", "Transfer", "peer_links", "TaxiiSettings", "background_server", "check_secret",
           "create_app", "hash_secret", "serve"]
