"""Alembic environment: runs on the connection `Database.upgrade` hands over.

Run from the command line (`alembic revision --autogenerate`) it connects with
`BOT_DATABASE_URL` (or the SQLite file) from the settings instead.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

import bot.audit.trail  # noqa: F401
import bot.callbacks.store  # noqa: F401
import bot.curation.store  # noqa: F401
import bot.log.records  # noqa: F401
import bot.notify.outbox  # noqa: F401
import bot.staff.accounts  # noqa: F401  (their tables join Base.metadata)
from bot.log.database import Base, Database
from bot.settings import Settings

# Any constant: servers starting together on one PostgreSQL migrate one at a time.
PG_LOCK = 4_242_001


def run(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK})
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    with Database(Settings()).engine.begin() as own:
        run(own)
