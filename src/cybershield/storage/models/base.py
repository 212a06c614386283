"""The declarative base every cybershield table hangs on."""

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Metadata of all cybershield tables (migrations: ``storage/migrations``)."""
