"""`bot callbacks`: the key that seals call-back requests, and their retention."""

from __future__ import annotations

import click
from cryptography.fernet import Fernet
from sqlalchemy.exc import SQLAlchemyError

from bot.callbacks.store import CallbackKeyError, Callbacks
from bot.log.database import fail, opened
from bot.settings import Settings


@click.group()
def callbacks() -> None:
    """Call-back requests: their encryption key and their retention."""


@callbacks.command("key")
def key() -> None:
    """Print a new key for BOT_CALLBACK_KEY (keep it with the database's backups: without
    it, stored contact details cannot be read)."""
    click.echo(Fernet.generate_key().decode("ascii"))


@callbacks.command("purge")
def purge() -> None:
    """Delete requests closed more than BOT_CALLBACK_RETENTION_DAYS ago (servers also do
    this every hour)."""
    settings = Settings()
    with opened(settings) as db:
        try:
            gone = Callbacks(db, settings).purge()
        except (SQLAlchemyError, OSError, CallbackKeyError) as exc:
            fail(str(exc))
    click.echo(f"deleted {gone} closed call-back requests")
