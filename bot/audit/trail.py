"""A hash-chained log of staff actions, in the database every server shares.

Each row's `hash` is the SHA-256 of its contents and of the previous row's hash, so an edit
or a deleted row shows up in `verify()`. Appends are serialised (an advisory lock on
PostgreSQL, SQLite's write lock) so the chain never forks; a unique `prev_hash` makes a fork
impossible even so. A retention purge deletes the oldest rows and keeps the last deleted
row's hash as the anchor the remaining chain starts from.

Callers pass ids and counts only (`target="question:123"`, `detail={"rows": 40}`), never a
patient's message or any other free text: the log is kept for years.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, ColumnElement, Integer, String, delete, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.log.database import Base, Database, UTCDateTime, utcnow

GENESIS = "0" * 64  # the first row's prev_hash
PG_LOCK = 0x626F74_617564  # "bot" "aud": one key for every server's appends
BATCH = 1000  # rows verify() holds at a time
MAX_DETAIL = 1000  # characters of detail, as JSON: ids and counts, never text


class AuditEntry(Base):
    """One staff action: who did it, to which record, when and from which address."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(254))  # "" for an anonymous or failed sign-in
    action: Mapped[str] = mapped_column(String(40), index=True)  # signin, view_question, …
    target: Mapped[str] = mapped_column(String(200))  # "question:123", "conversation:abc"
    address: Mapped[str] = mapped_column(String(64))  # the client's IP
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)  # ids and counts, never text
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditAnchor(Base):
    """The one row (id 1) saying where the chain starts after a purge."""

    __tablename__ = "audit_anchor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))  # the last purged row's hash
    purged_until: Mapped[datetime] = mapped_column(UTCDateTime)  # the newest purge's cut-off
    rows_purged: Mapped[int] = mapped_column(Integer)  # by every purge together


@dataclass(frozen=True)
class Broken:
    """The first row where the chain breaks, and why."""

    id: int
    reason: str


def entry_hash(
    prev_hash: str,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    address: str,
    detail: dict[str, Any],
) -> str:
    """SHA-256 (hex) of the canonical JSON of a row's contents and the previous row's hash."""
    contents = {
        "prev_hash": prev_hash,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "target": target,
        "address": address,
        "detail": detail,
    }
    canonical = json.dumps(contents, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _hash_of(entry: AuditEntry) -> str:
    return entry_hash(
        entry.prev_hash,
        entry.at,
        entry.actor,
        entry.action,
        entry.target,
        entry.address,
        entry.detail,
    )


class AuditTrail:
    """Appends to, reads, verifies and purges the audit log."""

    def __init__(self, db: Database, retention_days: int) -> None:
        self.db = db
        self.retention_days = retention_days

    def record(
        self,
        actor: str,
        action: str,
        target: str = "",
        address: str = "",
        detail: dict[str, Any] | None = None,
    ) -> AuditEntry:
        """Append one action in its own transaction; raises when it cannot be written.

        `detail` is a small dict of ids and counts; never put message text in it."""
        # Round-trip through JSON so the hash covers exactly what the database gives back.
        detail = json.loads(json.dumps(detail or {}, sort_keys=True))
        for name, value, most in (
            ("actor", actor, 254),
            ("action", action, 40),
            ("target", target, 200),
            ("address", address, 64),
        ):
            if len(value) > most:
                raise ValueError(f"audit {name} longer than {most} characters")
        if not action:
            raise ValueError("audit action is empty")
        if len(json.dumps(detail)) > MAX_DETAIL:
            raise ValueError(f"audit detail over {MAX_DETAIL} characters: pass ids and counts")
        with self.db.session(write=True) as session:
            prev_hash = self._head(session)
            # Stamped after the lock, so times follow the chain on one server's clock.
            at = utcnow()
            entry = AuditEntry(
                at=at,
                actor=actor,
                action=action,
                target=target,
                address=address,
                detail=detail,
                prev_hash=prev_hash,
                hash=entry_hash(prev_hash, at, actor, action, target, address, detail),
            )
            session.add(entry)
            session.flush()
        return entry

    def entries(
        self,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        target: str | None = None,
        limit: int = 200,
        offset: int = 0,
    ) -> tuple[list[AuditEntry], int]:
        """One page of the rows matching every filter given, newest first, and how many
        match in all; `since` is inclusive, `until` exclusive."""
        where: list[ColumnElement[bool]] = []
        if actor is not None:
            where.append(AuditEntry.actor == actor)
        if action is not None:
            where.append(AuditEntry.action == action)
        if since is not None:
            where.append(AuditEntry.at >= since)
        if until is not None:
            where.append(AuditEntry.at < until)
        if target is not None:
            where.append(AuditEntry.target == target)
        with self.db.session() as session:
            total = session.scalar(select(func.count()).select_from(AuditEntry).where(*where))
            page = select(AuditEntry).where(*where).order_by(AuditEntry.id.desc())
            rows = list(session.scalars(page.limit(limit).offset(offset)))
        return rows, int(total or 0)

    def count(self) -> int:
        """How many rows the log holds."""
        return self.entries(limit=0)[1]

    def verify(self) -> Broken | None:
        """The first row, oldest first, whose hash does not match its contents or whose
        prev_hash does not match the row before it (or the purge anchor); None if intact."""
        with self.db.session() as session:
            if session.get_bind().dialect.name == "postgresql":
                # One snapshot: a purge committing mid-walk must not look like a break.
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            anchor = session.get(AuditAnchor, 1)
            expected = anchor.hash if anchor is not None else GENESIS
            previous = "the purge anchor" if anchor is not None else "the chain's start"
            after = 0
            while True:
                query = select(AuditEntry).where(AuditEntry.id > after).order_by(AuditEntry.id)
                batch = list(session.scalars(query.limit(BATCH)))
                for entry in batch:
                    if _hash_of(entry) != entry.hash:
                        return Broken(entry.id, "hash does not match its contents")
                    if entry.prev_hash != expected:
                        return Broken(entry.id, f"prev_hash does not match {previous}'s hash")
                    expected, previous = entry.hash, f"row {entry.id}"
                if len(batch) < BATCH:
                    return None
                after = batch[-1].id
                session.expunge_all()  # keep one batch in memory, not the whole log

    def purge(self, now: datetime | None = None) -> int:
        """Delete rows older than `retention_days`, moving the anchor; how many went.

        Only the chain's oldest stretch is deleted, up to the first row young enough to
        keep, so a row stamped by a server whose clock lagged can outlive its age a little
        but the chain stays whole."""
        cutoff = (now or utcnow()) - timedelta(days=self.retention_days)
        with self.db.session(write=True) as session:
            self._lock(session)
            keep = session.scalar(select(func.min(AuditEntry.id)).where(AuditEntry.at >= cutoff))
            older = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)
            if keep is not None:
                older = older.where(AuditEntry.id < keep)
            last = session.scalars(older).first()
            if last is None:
                return 0
            result = session.execute(delete(AuditEntry).where(AuditEntry.id <= last.id))
            gone = int(getattr(result, "rowcount", 0) or 0)
            anchor = session.get(AuditAnchor, 1)
            if anchor is None:
                anchor = AuditAnchor(id=1, hash=last.hash, purged_until=cutoff, rows_purged=0)
                session.add(anchor)
            anchor.hash = last.hash
            anchor.purged_until = max(anchor.purged_until, cutoff)
            anchor.rows_purged += gone
        return gone

    def _head(self, session: Session) -> str:
        """The hash a new row chains to, read under the append lock."""
        self._lock(session)
        last = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
        if last is not None:
            return last
        anchor = session.get(AuditAnchor, 1)  # every row purged: chain to the last one
        return anchor.hash if anchor is not None else GENESIS

    @staticmethod
    def _lock(session: Session) -> None:
        """Serialise appends and purges across servers (SQLite's BEGIN IMMEDIATE already
        does, on the session's first statement)."""
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK})


def csv_rows(entries: Iterable[AuditEntry]) -> Iterator[list[str]]:
    """CSV rows for an export: a header, then one row per entry as given."""
    yield ["at", "actor", "action", "target", "address", "detail", "hash"]
    for entry in entries:
        yield [
            entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
            _cell(entry.actor),
            _cell(entry.action),
            _cell(entry.target),
            _cell(entry.address),
            json.dumps(entry.detail, sort_keys=True),
            entry.hash,
        ]


def _cell(value: str) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
