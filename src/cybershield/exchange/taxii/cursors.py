"""Paging cursors sealed with AES-GCM: opaque to clients, bound to one account and collection.

A cursor holds the store position of the last object the account was given. Sealed, it neither shows
that position nor can be forged or carried to another account: whatever does not open is a 400.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE = 12
#: A longer ``next`` is refused before any work.
MAX_CURSOR = 512


class Cursors:
    """Seals and opens cursors with a key derived from ``secret`` (a random key when it is empty)."""

    def __init__(self, secret: str = ""):
        key = hashlib.sha256(b"cybershield taxii cursor\0" + secret.encode()).digest() if secret else os.urandom(32)
        self._aead = AESGCM(key)

    def seal(self, position: str, scope: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = nonce + self._aead.encrypt(nonce, position.encode(), scope.encode())
        return base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def open(self, cursor: str, scope: str) -> str:
        """The position sealed in ``cursor`` for ``scope``; ValueError for anything else."""
        try:
            if len(cursor) > MAX_CURSOR:
                raise ValueError("too long")
            sealed = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            return self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], scope.encode()).decode()
        except (ValueError, binascii.Error, InvalidTag, UnicodeDecodeError):
            raise ValueError("invalid paging cursor: use the next value of the previous page, as given") from None
