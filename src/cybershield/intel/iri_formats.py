"""jsonschema's ``iri`` format checks, built on their first use instead of at import.

``stix2-validator`` asks for ``jsonschema[format-nongpl]``, and jsonschema then imports
``rfc3987_syntax``, which builds some forty Earley parsers of the RFC 3987 grammar as it is
imported: about 3 CPU-seconds in every process that validates STIX (the TAXII server, a hub, each
``intel`` command), for the ``iri`` and ``iri-reference`` formats that no STIX 2.1 schema uses.
``defer()`` puts a stand-in module in its place whose ``is_valid_syntax`` (the one name jsonschema
takes) loads the real parsers when it is first called, so every verdict stays the same.
"""

from __future__ import annotations

import importlib.util
import sys
import types

NAME = "rfc3987_syntax"


def defer() -> None:
    """Install the stand-in, unless ``rfc3987_syntax`` is already imported or not installed."""
    if NAME in sys.modules:
        return
    spec = importlib.util.find_spec(NAME)
    if spec is None or spec.submodule_search_locations is None:
        return
    stand_in = types.ModuleType(NAME, "Stand-in: the RFC 3987 parsers load on the first check (cybershield.intel.iri_formats).")
    stand_in.__path__ = list(spec.submodule_search_locations)  # its submodules import from the real package
    stand_in.is_valid_syntax = _is_valid_syntax
    sys.modules[NAME] = stand_in


def _is_valid_syntax(term: str, value: str) -> bool:
    from rfc3987_syntax.syntax_helpers import is_valid_syntax

    return is_valid_syntax(term, value)
