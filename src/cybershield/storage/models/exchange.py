"""The exchange between hubs: the nonces of accepted envelopes (replay protection)."""

from __future__ import annotations

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class EnvelopeNonce(Base):
    """A (sender, nonce) pair of an accepted envelope, kept until ``expires`` (when the envelope would be stale)."""

    __tablename__ = "exchange_nonce"

    sender: Mapped[str] = mapped_column(String(128), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires: Mapped[str] = mapped_column(String(27))

    __table_args__ = (Index("ix_exchange_nonce_expires", "expires"),)
