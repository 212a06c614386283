"""``cybershield hub keys``: a hub's identity and its hybrid (classical + post-quantum) keys."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.table import Table

from ..config import settings
from ..exchange import HubRole  # light: the keys and the TAXII server load when a command runs
from .base import console
from .hub import hub_app

if TYPE_CHECKING:
    from ..exchange import HubKeys, KeyBundle, KeyStore

keys_app = typer.Typer(help="The hub's identity and keys (Ed25519 + ML-DSA-65, X25519 + ML-KEM-768).",
                       no_args_is_help=True)
hub_app.add_typer(keys_app, name="keys")

KeysDir = Annotated[Path | None, typer.Option("--keys-dir", envvar="CYBERSHIELD_KEYS_DIR",
                                              help="Folder of the hub's keys (default: $CYBERSHIELD_VAR/keys).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the public key bundle as JSON.")]


def _store(directory: Path | None) -> KeyStore:
    from ..exchange import KeyStore

    return KeyStore(directory or settings().var_dir / "keys")


def _fail(error: Exception) -> typer.Exit:
    console.print(f"[red]{error}[/]")
    return typer.Exit(2)


def _report(store: KeyStore, bundle: KeyBundle, as_json: bool, title: str) -> None:
    if as_json:
        sys.stdout.write(orjson.dumps(bundle.to_json(), option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    identity, now = bundle.identity, datetime.now(UTC)
    console.print(f"[bold]{identity.name}[/]: {identity.role.value} hub of {identity.country} "
                  f"({identity.stix_id}), keys in {store.directory}")
    console.print(f"algorithms: {', '.join(bundle.keys[-1].keys)}")
    table = Table(title=title)
    table.add_column("key id (first 16)", no_wrap=True)
    for column in ("created", "valid until", "state", "endorsed by"):
        table.add_column(column)
    for i, key in enumerate(bundle.keys):
        state = ("current" if i == len(bundle.keys) - 1 else "overlap") if key.valid_at(now) else "expired"
        table.add_row(key.key_id[:16], f"{key.created:%Y-%m-%d %H:%M}", f"{key.expires:%Y-%m-%d %H:%M}" if key.expires else "-",
                      state, key.endorsement.key_id[:16] if key.endorsement else "-")
    console.print(table)


@keys_app.command("init")
def init_command(
    name: Annotated[str, typer.Option(help="The hub's name (letters, digits, '.', '_', '-').")],
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 country code (EU usage: EL for Greece).")],
    role: Annotated[HubRole, typer.Option(help="national or cross-border.")] = HubRole.NATIONAL,
    keys_dir: KeysDir = None,
    as_json: AsJson = False,
) -> None:
    """Create the hub's identity and its first key generation, private keys encrypted at rest."""
    from ..exchange import PASSPHRASE_ENV, HubIdentity, KeyStoreError

    store = _store(keys_dir)
    try:
        keys = store.init(HubIdentity.new(name, country, role))
    except (KeyStoreError, ValueError) as error:
        raise _fail(error) from None
    if not as_json:
        source = PASSPHRASE_ENV if settings().key_passphrase else f"{store.passphrase_path} (mode 0600)"
        console.print(f"private keys encrypted with the passphrase from {source}")
    _report(store, keys.bundle(), as_json, "hub keys created")


@keys_app.command("show")
def show_command(keys_dir: KeysDir = None, as_json: AsJson = False) -> None:
    """Show the hub's identity and key generations (``--json``: the public bundle for the network file)."""
    from ..exchange import KeyStoreError

    store = _store(keys_dir)
    try:
        bundle = store.bundle()
    except KeyStoreError as error:
        raise _fail(error) from None
    _report(store, bundle, as_json, "hub keys")


@keys_app.command("rotate")
def rotate_command(
    overlap_hours: Annotated[float, typer.Option(min=0, help="How long peers still accept the previous keys.")] = 168.0,
    keys_dir: KeysDir = None,
    as_json: AsJson = False,
) -> None:
    """Make a new key generation, endorsed by the current one; the current one stays valid for the overlap."""
    from ..exchange import KeyStoreError

    store = _store(keys_dir)
    try:
        keys: HubKeys = store.rotate(timedelta(hours=overlap_hours))
    except KeyStoreError as error:
        raise _fail(error) from None
    _report(store, keys.bundle(), as_json, "hub keys rotated")
