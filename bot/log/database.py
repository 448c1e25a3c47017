"""The database behind the query log and staff accounts: SQLite by default, or PostgreSQL.

`Database` opens the engine lazily and brings the schema up to date with the Alembic
migrations in `bot/migrations/`. Only `logrecords`, `querylog` and `users` issue SQL through it.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from bot.settings import Settings

log = logging.getLogger("bot.log.database")

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_FILE = "bot.sqlite3"


class Base(DeclarativeBase):
    """The tables of the query log and the staff accounts."""

    # Named constraints, so later migrations can alter them (SQLite alters by copying).
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every database (SQLite keeps no time zone of its own)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def database_url(settings: Settings) -> URL:
    """The URL from settings; `postgresql://` means psycopg 3; empty means the SQLite file."""
    if not settings.database_url:
        return URL.create("sqlite", database=str(settings.data_dir / SQLITE_FILE))
    url = make_url(settings.database_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def _engine(url: URL) -> Engine:
    if url.get_backend_name() != "sqlite":
        # A database that is down must fail fast: the writer spools and retries.
        args: dict[str, Any] = {"connect_timeout": 5} if "psycopg" in url.drivername else {}
        return create_engine(url, pool_pre_ping=True, connect_args=args)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 10})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself, so DDL is transactional (see the SQLite docs).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # A write takes the lock up front; a deferred one could fail on upgrade instead.
        immediate = connection.get_execution_options().get("sqlite_immediate")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """One engine and its sessions; `upgrade()` runs the migrations (also at start-up)."""

    def __init__(self, settings: Settings) -> None:
        self.url = database_url(settings)
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        self.ready = False

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = _engine(self.url)
            return self._engine

    @property
    def name(self) -> str:
        """The URL without its password, for messages."""
        return self.url.render_as_string(hide_password=True)

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema to `revision` (the newest by default); safe to repeat."""
        from alembic import command

        with self.engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        self.ready = revision == "head"

    def try_upgrade(self) -> bool:
        """`upgrade()`, logging instead of raising: a database that is down is retried."""
        try:
            self.upgrade()
        except (SQLAlchemyError, OSError) as exc:
            log.error("database %s unavailable: %s", self.name, exc)
            return False
        return True

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        """A session in one transaction, committed at the end (rolled back on error)."""
        engine = self.engine.execution_options(sqlite_immediate=True) if write else self.engine
        with sessionmaker(engine, expire_on_commit=False).begin() as session:
            yield session

    def dispose(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None


def alembic_config() -> Any:
    """Alembic's configuration for `bot/migrations`, without an alembic.ini."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def fail(message: str) -> NoReturn:
    """End a `bot` command with `message` on stderr and exit status 1."""
    import click

    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@contextmanager
def opened(settings: Settings) -> Iterator[Database]:
    """For a `bot` command: the configured database, migrated, disposed of afterwards;
    when it cannot be opened the command ends saying which database and why."""
    db = Database(settings)
    try:
        try:
            db.upgrade()
        except Exception as exc:  # any driver error: say which database, and stop
            fail(f"cannot open the database {db.name}: {exc}")
        yield db
    finally:
        db.dispose()
