"""Alembic migrations on SQLite and PostgreSQL: from empty, over existing rows, and that the
models and the migrations describe the same schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from bot.log.database import Base, Database, alembic_config
from bot.log.querylog import Filters, QueryLog
from bot.settings import Settings
from bot.web.app import create_app

TABLES = {
    "questions",
    "feedback",
    "users",
    "staff_sessions",
    "signin_failures",
    "callback_requests",
    "notifications",
}


def head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def current(db: Database) -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_an_empty_database_is_brought_to_the_newest_schema(db_settings: Settings) -> None:
    db = Database(db_settings)
    db.upgrade()
    assert current(db) == head() and db.ready
    assert TABLES <= set(inspect(db.engine).get_table_names())
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []  # models == migrations
    db.upgrade()  # again: nothing to do
    assert current(db) == head()
    db.dispose()


def test_rows_survive_the_upgrade_of_a_populated_database(db_settings: Settings) -> None:
    db = Database(db_settings)
    db.upgrade("0001")  # the schema before staff accounts existed
    assert not db.ready and "users" not in inspect(db.engine).get_table_names()
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO questions (query_id, at, conversation_id, channel, message, kind, "
                "own_case, reply, index_version, latency_ms, helpful) VALUES (:q, :at, 'c', "
                "'api', :m, 'no_answer', false, :reply, 'v0', 7, false)"
            ),
            [
                {
                    "q": f"old{n}",
                    "at": f"2025-01-0{n + 1} 10:00:00",
                    "m": f"old question {n}",
                    "reply": '{"message": "not covered", "disclaimer": "d", "passages": []}',
                }
                for n in range(3)
            ],
        )
        connection.execute(
            text(
                "INSERT INTO feedback (id, query_id, at, helpful) VALUES ('f1', 'old0', "
                "'2025-01-01 10:01:00', false)"
            )
        )
    db.upgrade()
    assert current(db) == head() and TABLES <= set(inspect(db.engine).get_table_names())
    log = QueryLog(db, db_settings)
    page = log.questions(Filters(kind="no_answer", feedback="unhelpful"))
    assert [q.message for q in page.items] == ["old question 2", "old question 1", "old question 0"]
    assert page.items[0].as_reply().message == "not covered"
    db.dispose()


def test_downgrade_keeps_the_log_and_upgrade_restores_accounts(db_settings: Settings) -> None:
    db = Database(db_settings)
    db.upgrade()
    with db.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert "users" not in inspect(db.engine).get_table_names()
    assert "questions" in inspect(db.engine).get_table_names()
    db.upgrade()
    assert current(db) == head()
    db.dispose()


def test_the_app_creates_and_migrates_its_sqlite_file_on_first_run(
    settings: Settings, tmp_path: Path
) -> None:
    local = settings.model_copy(update={"data_dir": tmp_path / "new" / "data"})
    with TestClient(create_app(local)) as client:
        assert client.get("/healthz").json()["log"] == "ok"
    db = Database(local)
    assert (tmp_path / "new" / "data" / "bot.sqlite3").exists() and current(db) == head()
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    db.dispose()


def test_postgres_urls_use_psycopg_3(settings: Settings) -> None:
    for url in ("postgresql://u:p@db/bot", "postgres://u:p@db/bot"):
        db = Database(settings.model_copy(update={"database_url": url}))
        assert db.url.drivername == "postgresql+psycopg"
        assert "p@" not in db.name  # the password never reaches a log line
