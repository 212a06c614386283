"""STIX 2.1 patterns: the simple ones become indexed look-ups, the rest go to a real matcher.

A *simple* pattern is an OR of equality comparisons on indexable properties, e.g.
``[ipv4-addr:value = '198.51.100.0/24'] OR [domain-name:value = 'evil.example']`` or
``[file:hashes.'SHA-256' = '…' OR file:hashes.MD5 = '…']`` (also ``IN (…)`` and ``ISSUBSET``
on addresses). It compiles to (kind, value) terms without the ANTLR parser, which matters at a
million indicators. Anything else (AND, LIKE, MATCHES, other properties, qualifiers, FOLLOWEDBY)
is validated with ``stix2-patterns`` and evaluated by ``stix2-matcher`` on candidate events.
"""

from __future__ import annotations

import re

#: STIX object path -> indicator kind, for paths the indexes serve.
PATHS: dict[str, str] = {
    "ipv4-addr:value": "ip",
    "ipv6-addr:value": "ip",
    "domain-name:value": "domain",
    "url:value": "url",
    "email-addr:value": "email",
    "email-message:from_ref.value": "email",
    "email-message:sender_ref.value": "email",
    "x-ja3:value": "ja3",
    "x-ja3s:value": "ja3s",
    "x-ja4:value": "ja4",
}
_HASHES = {"md5": "md5", "sha1": "sha1", "sha-1": "sha1", "sha256": "sha256", "sha-256": "sha256"}
_HASH_PATH = re.compile(r"(?:file|artifact):hashes\.(?:'([^']+)'|([A-Za-z0-9-]+))")
_TOKEN = re.compile(r"\s*(?:(?P<path>[a-z0-9-]+:(?:[^\s\[\](),=']|'[^'\s]*')+)|(?P<str>'(?:[^'\\]|\\.)*')"
                    r"|(?P<punct>[\[\](),=])|(?P<word>[^\s\[\](),=']+))")
_SINGLE = re.compile(r"\[\s*([a-z0-9-]+:[A-Za-z0-9_.-]+|(?:file|artifact):hashes\.'[A-Za-z0-9-]+')\s*=\s*"
                     r"'((?:[^'\\]|\\.)*)'\s*\]")
_UNESCAPE = re.compile(r"\\(.)")

MAX_PATTERN_LENGTH = 65536


class NotSimple(Exception):
    """The pattern needs the full STIX pattern matcher."""


def _tokens(pattern: str) -> list[str]:
    out, pos = [], 0
    while pos < len(pattern):
        m = _TOKEN.match(pattern, pos)
        if not m or m.end() == pos:
            if pattern[pos:].strip():
                raise NotSimple
            break
        out.append(m.group(m.lastgroup))
        pos = m.end()
    return out


def _kind(path: str) -> str:
    if path in PATHS:
        return PATHS[path]
    m = _HASH_PATH.fullmatch(path)
    if m and (m.group(1) or m.group(2)).lower() in _HASHES:
        return _HASHES[(m.group(1) or m.group(2)).lower()]
    raise NotSimple


def _string(token: str) -> str:
    if not (len(token) >= 2 and token[0] == token[-1] == "'"):
        raise NotSimple
    return _UNESCAPE.sub(r"\1", token[1:-1])


def simple_terms(pattern: str) -> list[tuple[str, str]]:
    """The (kind, raw value) terms of a simple pattern, whose union is the pattern; ``NotSimple`` else."""
    single = _SINGLE.fullmatch(pattern)  # the common case, one comparison, without the tokenizer
    if single:
        return [(_kind(single.group(1)), _UNESCAPE.sub(r"\1", single.group(2)))]
    toks = _tokens(pattern)
    terms: list[tuple[str, str]] = []
    i = 0

    def take(expected: str | None = None) -> str:
        nonlocal i
        if i >= len(toks) or (expected is not None and toks[i] != expected):
            raise NotSimple
        i += 1
        return toks[i - 1]

    while True:
        take("[")
        while True:
            kind = _kind(take())
            op = take()
            if op in ("=", "ISSUBSET") and (op == "=" or kind == "ip"):
                terms.append((kind, _string(take())))
            elif op == "IN":
                take("(")
                terms.append((kind, _string(take())))
                while i < len(toks) and toks[i] == ",":
                    take(",")
                    terms.append((kind, _string(take())))
                take(")")
            else:
                raise NotSimple
            if i < len(toks) and toks[i] == "OR":
                take("OR")
                continue
            break
        take("]")
        if i == len(toks):
            return terms
        take("OR")


_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'")
_SPANS_EVENTS = re.compile(r"\]\s*(?:AND|FOLLOWEDBY)\b|\b(?:REPEATS|WITHIN|START)\b")


def blank_literals(pattern: str) -> str:
    """The pattern with every string literal emptied, so that keywords and brackets inside values
    are not mistaken for its structure."""
    return _LITERAL.sub("''", pattern)


def spans_events(pattern: str) -> bool:
    """Whether the pattern can only match several observations together (AND/FOLLOWEDBY between
    observation expressions, or qualifiers), so that it is evaluated over a whole batch."""
    return bool(_SPANS_EVENTS.search(blank_literals(pattern)))
