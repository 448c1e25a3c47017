"""One build at a time across every server, not only on one machine.

The index folder's file lock (`versions.build_lock`) stops two builds on one machine; on
several servers sharing PostgreSQL a session-level advisory lock stops two content
editors building at once from two machines. It belongs to its connection, so a build
that crashes never leaves it held. On SQLite (one machine) the file lock is enough.
A build with the database unreachable goes on under the file lock alone, with a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from bot.index.versions import IndexError_
from bot.log.database import database_url
from bot.settings import Settings

log = logging.getLogger("bot.index")
LOCK_KEY = 0x626F74_696478  # "bot" "idx": one key for the clinic's index builds


@contextmanager
def cluster_lock(settings: Settings) -> Iterator[None]:
    """Hold the clinic-wide build lock for the block; IndexError_ if another server has it.
    With the database unreachable the build goes on under the folder's lock alone."""
    url = database_url(settings)
    if url.get_backend_name() != "postgresql":
        yield
        return
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 5})
    try:
        try:
            connection = engine.connect()
            taken = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY})
            held = bool(taken.scalar())
        except SQLAlchemyError as exc:
            # The database is down: the staff pages (and their builds) are down with it, and
            # content corrections must not wait, so build under the folder's lock alone.
            log.warning("building without the cross-server lock (database unreachable: %s)", exc)
            yield
            return
        if not held:
            connection.close()
            raise IndexError_("another server is building the index; try again when it ends")
        try:
            yield
        finally:
            connection.close()  # ends the session, and with it the lock
    finally:
        engine.dispose()
