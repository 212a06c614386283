"""The TAXII 2.1 server."""

from .app import create_app
from .media import STIX, TAXII
from .serve import background_server, serve

__all__ = ["STIX", "TAXII", "background_server", "create_app", "serve"]
