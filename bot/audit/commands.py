"""`bot audit`: check the audit log's hash chain, and purge rows past their retention.

Example: bot audit verify
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from bot.audit.trail import AuditTrail
from bot.log.database import opened
from bot.settings import Settings


@contextmanager
def _trail(settings: Settings) -> Iterator[AuditTrail]:
    """The audit trail in the configured database, closed afterwards."""
    with opened(settings) as db:
        yield AuditTrail(db, settings.audit_retention_days)


@click.group()
def audit() -> None:
    """The audit log of staff actions: who did what to which record, when, from where."""


@audit.command("verify")
def verify() -> None:
    """Recompute every row's hash and check the chain; exits 1 at the first broken row.

    Example: bot audit verify
    """
    with _trail(Settings()) as trail:
        broken = trail.verify()
        rows = trail.count()
    if broken is not None:
        click.echo(f"audit log broken at row {broken.id}: {broken.reason}")
        sys.exit(1)
    click.echo(f"audit log intact: {rows} rows")


@audit.command("purge")
def purge() -> None:
    """Delete rows older than BOT_AUDIT_RETENTION_DAYS; the chain stays verifiable.

    Example: BOT_AUDIT_RETENTION_DAYS=2557 bot audit purge
    """
    with _trail(Settings()) as trail:
        gone = trail.purge()
    click.echo(f"deleted {gone} audit log rows older than {trail.retention_days} days")
