"""The audit log on SQLite and PostgreSQL: filters, a hash chain that shows edits and
deletions, appends from many servers at once that never fork it, purges that keep it
verifiable, the `bot audit` commands and the CSV export."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

import bot.audit.trail as trail_module
from bot.audit.commands import audit
from bot.audit.trail import GENESIS, AuditAnchor, AuditEntry, AuditTrail, Broken, csv_rows
from bot.log.database import Database
from bot.settings import Settings

DAY = timedelta(days=1)
START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def db(db_settings: Settings) -> Iterator[Database]:
    database = Database(db_settings)
    database.upgrade()
    yield database
    database.dispose()


def sql(db: Database, statement: str, **params: object) -> None:
    with db.engine.begin() as connection:
        connection.execute(text(statement), params)


def record_at(
    monkeypatch: pytest.MonkeyPatch, trail: AuditTrail, at: datetime, action: str = "review"
) -> AuditEntry:
    """Record one row as if the server's clock read `at`."""
    monkeypatch.setattr(trail_module, "utcnow", lambda: at)
    return trail.record("staff@clinic.example", action, f"question:{at.day}")


def test_rows_read_back_newest_first_with_filters_and_a_count(db: Database) -> None:
    trail = AuditTrail(db, retention_days=30)
    first = trail.record("a@clinic.example", "signin", address="203.0.113.5")
    trail.record("", "signin_failed", address="198.51.100.7", detail={"attempts": 3})
    middle = trail.record("a@clinic.example", "view_question", "question:123")
    odd = {1: [2, 3]}  # a key JSON turns into a string: the hash must cover what is stored
    trail.record("b@clinic.example", "view_question", "question:124", detail=odd)  # type: ignore[arg-type]
    last = trail.record("b@clinic.example", "export_csv", detail={"rows": 40, "kind": "gap"})

    rows, total = trail.entries()
    assert total == 5 and [r.action for r in rows][:2] == ["export_csv", "view_question"]
    assert rows[-1].id == first.id and rows[-1].address == "203.0.113.5"
    assert rows[0].detail == {"kind": "gap", "rows": 40} and rows[0].hash == last.hash
    assert rows[0].at.tzinfo is not None and rows[0].at >= rows[-1].at

    rows, total = trail.entries(actor="a@clinic.example")
    assert total == 2 and [r.action for r in rows] == ["view_question", "signin"]
    rows, total = trail.entries(action="view_question", actor="b@clinic.example")
    assert total == 1 and rows[0].target == "question:124" and rows[0].detail == {"1": [2, 3]}
    assert trail.entries(target="question:123")[0][0].id == middle.id
    assert trail.entries(actor="")[0][0].action == "signin_failed"
    rows, total = trail.entries(since=middle.at)
    assert total == 3 and rows[-1].id == middle.id  # since is inclusive
    rows, total = trail.entries(until=middle.at)
    assert total == 2 and middle.id not in {r.id for r in rows}  # until is exclusive
    rows, total = trail.entries(limit=2, offset=2)
    assert total == 5 and [r.id for r in rows] == [middle.id, middle.id - 1]
    assert trail.entries(action="rollback") == ([], 0) and trail.count() == 5


def test_an_untouched_chain_verifies(db: Database) -> None:
    trail = AuditTrail(db, retention_days=30)
    assert trail.verify() is None  # empty
    made = [trail.record("a@clinic.example", "pin", f"pin:{n}", detail={"n": n}) for n in range(5)]
    assert made[0].prev_hash == GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(made))
    assert len({e.hash for e in made}) == 5 and trail.verify() is None


def test_an_edited_row_is_named(db: Database) -> None:
    trail = AuditTrail(db, retention_days=30)
    made = [trail.record("a@clinic.example", "review", f"question:{n}") for n in range(5)]
    sql(db, "UPDATE audit_log SET actor = 'someone@else' WHERE id = :id", id=made[2].id)
    assert trail.verify() == Broken(made[2].id, "hash does not match its contents")


def test_a_deleted_row_is_named_by_the_next(db: Database) -> None:
    trail = AuditTrail(db, retention_days=30)
    made = [trail.record("a@clinic.example", "review", f"question:{n}") for n in range(5)]
    sql(db, "DELETE FROM audit_log WHERE id = :id", id=made[2].id)
    reason = f"prev_hash does not match row {made[1].id}'s hash"
    assert trail.verify() == Broken(made[3].id, reason)


def test_a_deleted_first_row_is_named_by_the_next(db: Database) -> None:
    trail = AuditTrail(db, retention_days=30)
    made = [trail.record("a@clinic.example", "review", f"question:{n}") for n in range(3)]
    sql(db, "DELETE FROM audit_log WHERE id = :id", id=made[0].id)
    broken = trail.verify()
    assert broken is not None and broken.id == made[1].id and "chain's start" in broken.reason


def test_verify_walks_past_one_batch(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trail_module, "BATCH", 3)
    trail = AuditTrail(db, retention_days=30)
    made = [trail.record("a@clinic.example", "review", f"question:{n}") for n in range(8)]
    assert trail.verify() is None
    sql(db, "UPDATE audit_log SET target = 'question:x' WHERE id = :id", id=made[6].id)
    assert trail.verify() == Broken(made[6].id, "hash does not match its contents")


def test_appends_from_many_servers_at_once_never_fork(db: Database, db_settings: Settings) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def server(n: int) -> None:
        own = Database(db_settings)  # its own engine, as another server would have
        trail = AuditTrail(own, retention_days=30)
        try:
            start.wait()
            for i in range(25):
                trail.record(f"staff{n}@clinic.example", "view_question", f"question:{i}")
        except BaseException as exc:  # reported below: a thread cannot fail the test
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=server, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    trail = AuditTrail(db, retention_days=30)
    rows, total = trail.entries(limit=1000)
    assert total == 200 and len({r.hash for r in rows}) == 200
    assert len({r.prev_hash for r in rows}) == 200  # no two rows chain to the same one
    assert trail.verify() is None


def test_purge_keeps_the_chain_verifiable(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    trail = AuditTrail(db, retention_days=30)
    made = [record_at(monkeypatch, trail, START + n * DAY) for n in range(5)]
    assert trail.purge(now=START + 32 * DAY + timedelta(hours=1)) == 3  # days 0, 1, 2
    assert trail.count() == 2 and trail.verify() is None
    with db.session() as session:
        anchor = session.get(AuditAnchor, 1)
        assert anchor is not None and anchor.hash == made[2].hash and anchor.rows_purged == 3
        assert anchor.purged_until == START + 2 * DAY + timedelta(hours=1)
    assert trail.purge(now=START + 32 * DAY + timedelta(hours=1)) == 0  # nothing more

    sql(db, "UPDATE audit_anchor SET hash = :h", h=GENESIS)  # the anchor is checked too
    assert trail.verify() == Broken(made[3].id, "prev_hash does not match the purge anchor's hash")
    sql(db, "UPDATE audit_anchor SET hash = :h", h=made[2].hash)

    assert trail.purge(now=START + 100 * DAY) == 2 and trail.count() == 0
    assert trail.verify() is None
    after = record_at(monkeypatch, trail, START + 101 * DAY)
    assert after.prev_hash == made[4].hash  # chained to the last purged row via the anchor
    assert trail.verify() is None
    with db.session() as session:
        anchor = session.get(AuditAnchor, 1)
        assert anchor is not None and anchor.rows_purged == 5


def test_purge_deletes_only_the_oldest_stretch_when_clocks_disagree(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    trail = AuditTrail(db, retention_days=30)
    days = [0, 10, 2, 20]  # the third row came from a server whose clock lagged
    made = [record_at(monkeypatch, trail, START + d * DAY) for d in days]
    assert trail.purge(now=START + 35 * DAY) == 1  # days 0..4 are old, but day 10 is not
    assert [r.id for r in trail.entries()[0]] == [e.id for e in reversed(made[1:])]
    assert trail.verify() is None


def test_a_failed_write_raises(db: Database) -> None:
    trail = AuditTrail(db, retention_days=30)
    with pytest.raises(ValueError, match="actor"):
        trail.record("x" * 255, "signin")
    with pytest.raises(ValueError, match="detail"):
        trail.record("a@clinic.example", "search", detail={"ids": list(range(400))})
    sql(db, "DROP TABLE audit_log")
    with pytest.raises(SQLAlchemyError):
        trail.record("a@clinic.example", "signin")


def test_the_cli_verifies_and_purges(db: Database, db_settings: Settings) -> None:
    trail = AuditTrail(db, retention_days=30)
    made = [trail.record("a@clinic.example", "review", f"question:{n}") for n in range(3)]
    env = {"BOT_DATA_DIR": str(db_settings.data_dir), "BOT_DATABASE_URL": db_settings.database_url}
    runner = CliRunner()
    intact = runner.invoke(audit, ["verify"], env=env)
    assert intact.exit_code == 0 and "audit log intact: 3 rows" in intact.output, intact.output
    purged = runner.invoke(audit, ["purge"], env=env)
    assert purged.exit_code == 0 and "deleted 0 audit log rows" in purged.output, purged.output

    sql(db, "UPDATE audit_log SET address = '10.0.0.1' WHERE id = :id", id=made[1].id)
    broken = runner.invoke(audit, ["verify"], env=env)
    assert broken.exit_code == 1, broken.output
    assert f"audit log broken at row {made[1].id}: hash does not match" in broken.output


def test_csv_rows_have_a_header_and_one_row_per_entry() -> None:
    entry = AuditEntry(
        at=datetime(2026, 3, 4, 5, 6, 7, 8, tzinfo=UTC),
        actor="=cmd()@clinic.example",
        action="export_csv",
        target="question:7",
        address="203.0.113.5",
        detail={"rows": 2, "a": 1},
        prev_hash=GENESIS,
        hash="f" * 64,
    )
    header, row, *rest = list(csv_rows([entry]))
    assert header == ["at", "actor", "action", "target", "address", "detail", "hash"]
    assert row == [
        "2026-03-04T05:06:07.000008+00:00",
        "'=cmd()@clinic.example",  # a spreadsheet must not run it as a formula
        "export_csv",
        "question:7",
        "203.0.113.5",
        '{"a": 1, "rows": 2}',
        "f" * 64,
    ]
    assert rest == []
