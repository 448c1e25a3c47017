"""The query log on SQLite and PostgreSQL: what is recorded, the filters, export, purge,
statistics, and that nothing is lost when the database fails."""

from __future__ import annotations

import csv
import io
import logging
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import OperationalError

from bot.log.database import Database
from bot.log.querylog import Filters, QueryLog
from bot.log.records import feedback_op, record_op
from bot.log.writer import BATCH
from bot.replies.answerer import Passage, Reply, Source
from bot.settings import Settings
from tests.postgres import Postgres, TemporaryPostgres

SYDNEY = ZoneInfo("Australia/Sydney")


def make_reply(kind: str = "answer", n: int = 1, conversation: str = "c1", **kw: Any) -> Reply:
    passages = [
        Passage(
            f"doc#{i}",
            f"Passage {i} text.",
            0.9 - i / 10,
            Source("doc", "An article", f"Section {i}", f"/articles/doc#s{i}"),
            ["Mayo Clinic"],
        )
        for i in range(n if kind == "answer" else 0)
    ]
    return Reply(
        conversation,
        kw.pop("query_id", None) or f"q{id(passages)}{n}{kind}",
        kind,  # type: ignore[arg-type]
        "Here is what our articles say:",
        "General information.",
        "v1",
        passages,
        **kw,
    )


_ids = iter(range(10**9))


def seed(
    log: QueryLog,
    message: str,
    kind: str = "answer",
    at: datetime | None = None,
    helpful: bool | None = None,
    conversation: str = "c1",
) -> str:
    """Queue one turn (at a chosen time) and its feedback; returns its query id."""
    query_id = f"q{next(_ids)}"
    op = record_op(
        message, make_reply(kind, query_id=query_id, conversation=conversation), 5, "api"
    )
    if at is not None:
        op["at"] = at.isoformat()
    log.writer.put(op)
    if helpful is not None:
        log.feedback(query_id, helpful)
    return query_id


def shut(log: QueryLog) -> None:
    log.close()
    log.db.dispose()


@pytest.fixture
def querylog(db_settings: Settings) -> Iterator[QueryLog]:
    log = QueryLog(Database(db_settings), db_settings, retry_seconds=0.05)
    log.start()
    yield log
    shut(log)


def test_a_turn_is_logged_redacted_with_what_was_shown(querylog: QueryLog) -> None:
    reply = make_reply(n=2, own_case=True)
    querylog.record("I'm Sarah, 0412 345 678 — is exosome therapy safe?", reply, 12.6, "page")
    assert querylog.flush()
    [question] = querylog.questions(Filters()).items
    assert question.message == "I'm [NAME], [PHONE] — is exosome therapy safe?"
    assert question.query_id == reply.query_id and question.conversation_id == "c1"
    assert (question.kind, question.channel, question.own_case) == ("answer", "page", True)
    assert question.shown == [("doc#0", 0.9), ("doc#1", 0.8)]
    assert question.index_version == "v1" and question.latency_ms == 13
    assert question.as_reply() == reply  # exactly what the patient saw
    assert question.at.tzinfo is not None and question.helpful is None


def test_the_latest_feedback_counts_whatever_the_order(querylog: QueryLog) -> None:
    early = make_reply(query_id="early")
    querylog.feedback("early", False)  # a feedback that overtakes its record
    querylog.feedback("early", False, "too vague, email me at a@b.co")
    querylog.record("what is it?", early, 1)
    late = make_reply(query_id="late")
    querylog.record("and the cost?", late, 1)
    querylog.feedback("late", True)
    querylog.feedback("unknown-query", True)  # no such question: kept, harmless
    assert querylog.flush()
    found = {q.query_id: q for q in querylog.questions(Filters()).items}
    assert (found["early"].helpful, found["early"].comment) == (
        False,
        "too vague, email me at [EMAIL]",
    )
    assert (found["late"].helpful, found["late"].comment) == (True, None)


def test_one_batch_with_replays_and_feedback_on_both_sides_of_its_record(
    querylog: QueryLog,
) -> None:
    """The writer's batches are written at once: the same rules as one by one."""
    first = feedback_op("q-batch", False, "first")
    record = record_op("what is it?", make_reply(query_id="q-batch"), 1, "api")
    last = feedback_op("q-batch", True, "last")
    other = record_op("and another?", make_reply(query_id="q-other"), 1, "api")
    querylog._apply([first, record, last, record, last, other])  # replays inside the batch
    querylog._apply([record, first, other])  # and a whole replayed batch
    found = {q.query_id: q for q in querylog.questions(Filters()).items}
    assert sorted(found) == ["q-batch", "q-other"]
    assert (found["q-batch"].helpful, found["q-batch"].comment) == (True, "last")
    assert found["q-other"].helpful is None


def test_filters(querylog: QueryLog) -> None:
    now = datetime.now(SYDNEY)
    seed(querylog, "old answered", at=now - timedelta(days=10), helpful=True)
    seed(querylog, "old unanswered question", "no_answer", at=now - timedelta(days=9))
    seed(querylog, "urgent bleeding", "urgent", at=now - timedelta(days=1))
    seed(querylog, "fresh unhelpful 100%_match", at=now, helpful=False, conversation="c2")
    assert querylog.flush()
    reviewed = querylog.questions(Filters(kind="urgent")).items[0]
    querylog.mark_reviewed(reviewed.id, "nurse@clinic.example", "called the patient")

    def messages(**kw: Any) -> list[str]:
        return [q.message for q in querylog.questions(Filters(**kw)).items]

    assert messages() == [
        "fresh unhelpful 100%_match",
        "urgent bleeding",
        "old unanswered question",
        "old answered",
    ]
    assert messages(kind="no_answer") == ["old unanswered question"]
    assert messages(feedback="helpful") == ["old answered"]
    assert messages(feedback="unhelpful") == ["fresh unhelpful 100%_match"]
    assert messages(feedback="none") == ["urgent bleeding", "old unanswered question"]
    assert messages(reviewed="yes") == ["urgent bleeding"]
    assert len(messages(reviewed="no")) == 3
    assert messages(q="UNANSWERED") == ["old unanswered question"]
    assert messages(q="called the") == ["urgent bleeding"]  # the staff note is searched too
    assert messages(q="100%_") == ["fresh unhelpful 100%_match"]  # % and _ are literal
    assert messages(q="%") == ["fresh unhelpful 100%_match"]
    assert messages(since=(now - timedelta(days=2)).date()) == [
        "fresh unhelpful 100%_match",
        "urgent bleeding",
    ]
    assert messages(until=(now - timedelta(days=9)).date()) == [
        "old unanswered question",
        "old answered",
    ]
    assert messages(since=now.date(), until=now.date()) == ["fresh unhelpful 100%_match"]
    assert messages(conversation="c2") == ["fresh unhelpful 100%_match"]
    assert messages(kind="answer", feedback="unhelpful", reviewed="no", q="fresh") == [
        "fresh unhelpful 100%_match"
    ]
    assert Filters.model_validate({"kind": "", "since": "", "q": "  "}) == Filters()


def test_pages_are_newest_first(querylog: QueryLog) -> None:
    for n in range(7):
        seed(querylog, f"question {n}")
    assert querylog.flush()
    first, last = querylog.questions(Filters(), 1, 3), querylog.questions(Filters(), 3, 3)
    assert [q.message for q in first.items] == ["question 6", "question 5", "question 4"]
    assert (first.total, first.pages, [q.message for q in last.items]) == (7, 3, ["question 0"])
    assert querylog.questions(Filters(), 99, 3).page == 3


def test_review_and_note(querylog: QueryLog) -> None:
    seed(querylog, "q")
    assert querylog.flush()
    [question] = querylog.questions(Filters()).items
    marked = querylog.mark_reviewed(question.id, "nurse@clinic.example", "  added to FAQ ")
    assert marked and marked.reviewed_at and marked.reviewed_by == "nurse@clinic.example"
    assert marked.note == "added to FAQ"
    undone = querylog.mark_reviewed(question.id, "nurse@clinic.example", "", reviewed=False)
    assert undone and undone.reviewed_at is None and undone.note is None
    assert querylog.mark_reviewed(10**6, "x", None) is None


def test_csv_export_has_the_filtered_rows_and_no_formulas(querylog: QueryLog) -> None:
    seed(querylog, '=HYPERLINK("http://evil.example","click")', "no_answer")
    seed(querylog, 'what are the side effects, "really"?\nsecond line', helpful=False)
    assert querylog.flush()
    text = "\n".join(",".join(f'"{c}"' for c in row) for row in querylog.export(Filters()))
    rows = list(querylog.export(Filters()))
    assert rows[0][:6] == ["time", "query_id", "conversation_id", "channel", "kind", "message"]
    assert len(rows) == 3
    assert rows[2][5].startswith("'=HYPERLINK")  # a spreadsheet shows it, never runs it
    assert rows[1][6] == "doc#0 (0.900)" and rows[1][9] == "no"
    unhelpful = list(querylog.export(Filters(feedback="unhelpful")))
    assert len(unhelpful) == 2 and unhelpful[1][5].startswith("what are the side effects")
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == rows
    assert "evil" in text


def test_purge_deletes_only_the_old(querylog: QueryLog) -> None:
    now = datetime.now(SYDNEY)
    old = seed(querylog, "old", at=now - timedelta(days=100), helpful=True)
    seed(querylog, "new", at=now - timedelta(days=5))
    assert querylog.flush()
    assert querylog.purge(timedelta(days=90)) == 1
    assert [q.message for q in querylog.questions(Filters()).items] == ["new"]
    from sqlalchemy import func, select

    from bot.log.records import Feedback

    with querylog.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Feedback)) == 1  # (sent now)
        assert session.scalar(select(func.count()).where(Feedback.query_id == old)) == 1


def test_retention_purges_automatically(db_settings: Settings) -> None:
    first = QueryLog(Database(db_settings), db_settings)
    first.start()
    seed(first, "old", at=datetime.now(SYDNEY) - timedelta(days=40))
    seed(first, "new")
    assert first.flush()
    shut(first)
    kept = db_settings.model_copy(update={"log_retention_days": 30})
    second = QueryLog(Database(kept), kept)
    second.start()  # the writer purges on start, then once a day
    assert second.flush()
    assert [q.message for q in second.questions(Filters()).items] == ["new"]
    shut(second)


def test_daily_stats(querylog: QueryLog) -> None:
    today = querylog.today()
    noon = datetime.combine(today, datetime.min.time(), SYDNEY) + timedelta(hours=12)
    seed(querylog, "a", at=noon, helpful=True)
    seed(querylog, "b", at=noon, helpful=False)
    seed(querylog, "c", "no_answer", at=noon)
    seed(querylog, "d", "urgent", at=noon - timedelta(days=1))
    seed(querylog, "e", "no_answer", at=noon - timedelta(days=3))
    assert querylog.flush()
    days = querylog.stats(today - timedelta(days=3), today)
    assert [d.day for d in days] == [today - timedelta(days=n) for n in (3, 2, 1, 0)]
    last = days[-1]
    assert (last.answer, last.no_answer, last.urgent, last.helpful, last.unhelpful) == (
        2,
        1,
        0,
        1,
        1,
    )
    assert last.answer_rate == pytest.approx(2 / 3)
    assert (days[2].urgent, days[2].answer_rate) == (1, None)
    assert days[1].total == 0 and days[0].answer_rate == 0


# Failures: a patient always gets the answer, and no record is lost.


def _break(monkeypatch: pytest.MonkeyPatch, log: QueryLog) -> threading.Event:
    """Make every write fail like a database that is down, until the event is set."""
    fixed = threading.Event()
    real = log.db.session

    def session(write: bool = False) -> Any:
        if not fixed.is_set():
            raise OperationalError("INSERT", {}, ConnectionError("connection refused"))
        return real(write)

    monkeypatch.setattr(log.db, "session", session)
    return fixed


def _count(log: QueryLog) -> int:
    return log.questions(Filters()).total


def test_an_outage_spools_in_order_and_loses_nothing(
    querylog: QueryLog, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    seed(querylog, "before")
    assert querylog.flush()
    fixed = _break(monkeypatch, querylog)
    # One spooled message carries a phone number: the spool holds only the redacted text.
    messages = [f"during {n}" + (", call 0412 345 678" if n == 7 else "") for n in range(25)]
    ids = [seed(querylog, m, helpful=n % 2 == 0) for n, m in enumerate(messages)]
    assert querylog.flush()
    health = querylog.health()
    assert health.status == "degraded" and health.spooled == 50
    spool = Path(querylog.writer.spool.path).read_text()
    assert "during 7, call [PHONE]" in spool and "345 678" not in spool
    assert "database write failed" in caplog.text
    fixed.set()
    assert querylog.flush()  # a flush retries the spool at once
    assert querylog.health().status == "ok" and querylog.health().spooled == 0
    assert _count(querylog) == 26
    found = {q.query_id: q for q in querylog.questions(Filters(), per_page=100).items}
    assert [found[i].helpful for i in ids] == [n % 2 == 0 for n in range(25)]


def test_a_spool_left_by_a_stopped_server_is_replayed_on_start(
    db_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = QueryLog(Database(db_settings), db_settings)
    first.start()
    _break(monkeypatch, first)
    for n in range(5):
        seed(first, f"while down {n}")
    shut(first)  # stops with the records in the spool
    assert first.writer.spool.count == 5
    second = QueryLog(Database(db_settings), db_settings)
    assert second.health().spooled == 5
    second.start()
    assert second.flush()
    assert _count(second) == 5 and second.health().status == "ok"
    # A replay interrupted after its commit is harmless: records are not doubled.
    second.writer.spool.append([record_op("again", make_reply(query_id="dup"), 1, "api")] * 2)
    assert second.flush() and _count(second) == 6
    shut(second)


def test_a_full_queue_spools_instead_of_blocking(querylog: QueryLog) -> None:
    gate = threading.Event()
    real_apply = querylog.writer._apply
    querylog.writer._apply = lambda ops: (gate.wait(10), real_apply(ops))[1]  # type: ignore[method-assign]
    # The writer holds one batch (blocked); the queue fills; the rest must go to the spool.
    small = querylog.writer._queue.maxsize + BATCH
    for n in range(small + 50):
        seed(querylog, f"burst {n}")
    assert querylog.writer.spool.count >= 50
    gate.set()
    assert querylog.flush() and querylog.flush()
    assert _count(querylog) == small + 50


def test_when_even_the_spool_fails_the_record_goes_to_the_error_log(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    local = settings.model_copy(update={"data_dir": blocked, "database_url": ""})
    log = QueryLog(Database(local), local, retry_seconds=0.05)
    log.start()
    with caplog.at_level(logging.ERROR, logger="bot.log.querylog"):
        log.record("my email is x@y.com, is it safe?", make_reply(query_id="lost1"), 1)
        assert log.flush()
    assert "lost1" in caplog.text and "[EMAIL]" in caplog.text and "x@y.com" not in caplog.text
    assert log.health().status == "degraded" and log.health().lost == 1
    shut(log)


def test_concurrent_writers_lose_nothing(querylog: QueryLog) -> None:
    def ask(worker: int) -> None:
        for n in range(40):
            querylog.record(
                f"worker {worker} question {n}", make_reply(query_id=f"w{worker}-{n}"), 1
            )
            querylog.feedback(f"w{worker}-{n}", n % 3 == 0)

    threads = [threading.Thread(target=ask, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert querylog.flush()
    assert _count(querylog) == 240
    assert querylog.questions(Filters(feedback="helpful")).total == 6 * 14


def test_a_real_postgres_outage_loses_nothing(
    postgres: Postgres, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL really stops and starts again (or, on a server we do not own, fails)."""
    local = settings.model_copy(
        update={"data_dir": tmp_path, "database_url": postgres.new_database()}
    )
    log = QueryLog(Database(local), local, retry_seconds=0.05)
    log.start()
    seed(log, "before")
    assert log.flush()
    own = isinstance(postgres, TemporaryPostgres)
    fixed = None if own else _break(monkeypatch, log)
    if own:
        postgres.stop()
    try:
        for n in range(10):
            seed(log, f"during {n}")
        assert log.flush()
        assert log.health().status == "degraded" and log.health().spooled == 10
    finally:
        postgres.start() if own else fixed.set()  # type: ignore[union-attr]
    assert log.flush()
    assert _count(log) == 11 and log.health().status == "ok"
    shut(log)


def test_an_unreachable_database_at_start_is_retried(settings: Settings, tmp_path: Path) -> None:
    # Nothing listens on this socket: the log starts degraded, and the chat is unaffected.
    url = f"postgresql://postgres@/none?host={tmp_path}&port=1"
    local = settings.model_copy(update={"data_dir": tmp_path, "database_url": url})
    log = QueryLog(Database(local), local, retry_seconds=60)
    log.start()
    log.record("hello", make_reply(query_id="x"), 1)
    assert log.flush()
    assert log.health().status == "degraded" and log.health().spooled == 1
    shut(log)
    assert date.today()  # the test's point is that nothing above raised
