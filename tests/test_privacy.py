"""A patient's access to and erasure of their conversation (API, no-JavaScript page, staff),
on SQLite and PostgreSQL and with Redis: every turn, feedback, call-back request, queued
notification, spooled record and live topic of the conversation goes, and nothing else."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from bot.log.records import feedback_op, record_op
from bot.settings import Settings
from bot.web.app import create_app
from tests.cluster import RedisServer, redis
from tests.conftest import staffed_app
from tests.test_callbacks import request_body
from tests.test_staff import sign_in, soup

FIRST = "How is stem cell therapy given?"
FOLLOW = "what are its side effects?"


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


def converse(client: TestClient) -> str:
    first = client.post("/api/chat", json={"message": FIRST}).json()
    cid = str(first["conversation_id"])
    follow = client.post("/api/chat", json={"message": FOLLOW, "conversation_id": cid}).json()
    client.post("/api/feedback", json={"query_id": follow["query_id"], "helpful": False})
    client.post("/api/callback", json=request_body(conversation_id=cid))
    return cid


def counts(client: TestClient, cid: str) -> tuple[int, int, int]:
    db = client.app.state.database  # type: ignore[attr-defined]
    with db.engine.connect() as c:
        turns = c.execute(
            text("SELECT count(*) FROM questions WHERE conversation_id = :c"), {"c": cid}
        )
        feedback = c.execute(text("SELECT count(*) FROM feedback"))
        requests = c.execute(
            text("SELECT count(*) FROM callback_requests WHERE conversation_id = :c"), {"c": cid}
        )
        return int(turns.scalar() or 0), int(feedback.scalar() or 0), int(requests.scalar() or 0)


def test_a_patient_downloads_then_erases_their_conversation(
    db_settings: Settings, redis_server: RedisServer
) -> None:
    shared = db_settings.model_copy(update={"redis_url": redis_server.url})
    with staffed_app(shared) as client:
        cid = converse(client)
        other = converse(client)  # another patient's, which must stay
        assert client.app.state.querylog.flush()  # type: ignore[attr-defined]
        kept = client.get(f"/api/conversations/{cid}").json()
        assert [t["message"] for t in kept["turns"]] == [FIRST, FOLLOW]
        assert kept["turns"][1]["feedback"][0]["helpful"] is False
        assert kept["callback_requests"][0]["phone"] == "+61412345678"
        assert counts(client, cid) == (2, 2, 1)
        live = client.app.state.live  # type: ignore[attr-defined]
        assert live.health() == "ok" and live.get(f"topic:{cid}")  # in Redis

        assert client.delete(f"/api/conversations/{cid}").status_code == 204
        assert counts(client, cid)[0::2] == (0, 0)
        assert counts(client, other) == (2, 1, 1), "only that conversation"
        assert client.get(f"/api/conversations/{cid}").json() == {
            "conversation_id": cid, "turns": [], "callback_requests": []
        }  # fmt: skip
        assert live.get(f"topic:{cid}") is None  # its topic is gone from Redis too
        assert live.get(f"topic:{other}")
        unknown = "x" * 32
        assert client.delete(f"/api/conversations/{unknown}").status_code == 204
        assert client.get(f"/api/conversations/{unknown}").json()["turns"] == []
        assert client.delete("/api/conversations/not a valid id!").status_code in (404, 422)


def test_erasure_reaches_what_waits_in_the_spool(settings: Settings) -> None:
    """Records spooled while the database was away belong to the conversation too."""
    with TestClient(create_app(settings)) as client:
        log = client.app.state.querylog  # type: ignore[attr-defined]
        answerer = client.app.state.answerer  # type: ignore[attr-defined]
        mine = answerer.ask(FIRST, "spooled-conversation")
        theirs = answerer.ask(FIRST, "someone-else")
        log.writer.spool.append(
            [
                record_op(FIRST, mine, 5.0, "api"),
                feedback_op(mine.query_id, False, None),
                record_op(FIRST, theirs, 5.0, "api"),
            ]
        )
        assert client.delete("/api/conversations/spooled-conversation").status_code == 204
        assert log.flush()
        left = {op["query_id"] for op in log.writer.spool.pending()}
        stored = {q.query_id for q in log.conversation("someone-else")} | left
        assert mine.query_id not in left and not log.conversation("spooled-conversation")
        assert theirs.query_id in stored


def test_the_no_javascript_page_downloads_and_deletes(client: TestClient) -> None:
    page = soup(client.post("/", data={"message": FIRST}))
    own = page.select_one(".cc-own")
    assert own is not None
    cid = own.select_one("input[name=conversation_id]")["value"]  # type: ignore[index]
    assert "names and numbers removed" in page.select_one(".cc-privacy").get_text()  # type: ignore[union-attr]
    client.app.state.querylog.flush()  # type: ignore[attr-defined]
    got = client.get("/conversation/download", params={"conversation_id": cid})
    assert "attachment" in got.headers["content-disposition"]
    assert json.loads(got.content)["turns"][0]["message"] == FIRST
    done = client.post("/conversation/delete", data={"conversation_id": cid})
    assert done.status_code == 200 and "has been deleted" in done.text
    assert client.get(f"/api/conversations/{cid}").json()["turns"] == []


def test_staff_find_export_and_erase_on_request(settings: Settings, tmp_path: Path) -> None:
    with staffed_app(settings.model_copy(update={"data_dir": tmp_path})) as client:
        cid = converse(client)
        client.app.state.querylog.flush()  # type: ignore[attr-defined]
        sign_in(client, "staff@clinic.example")
        assert client.get("/staff/privacy", follow_redirects=False).status_code == 403
        sign_in(client, "admin@clinic.example")
        page = soup(client.get("/staff/privacy", params={"q": "0412 345 678"}))
        row = page.select_one("table.privacy tbody tr")
        assert row is not None and cid in row.get_text()
        token = page.select_one("input[name=csrf_token]")["value"]  # type: ignore[index]
        exported = client.post(f"/staff/privacy/{cid}/export", data={"csrf_token": token})
        assert json.loads(exported.content)["callback_requests"][0]["name"] == "Jane Citizen"
        erased = client.post(
            f"/staff/privacy/{cid}/erase",
            data={"csrf_token": token, "confirm": "yes"},
            follow_redirects=False,
        )
        assert erased.status_code == 303
        assert counts(client, cid)[0::2] == (0, 0)
        again = soup(client.get("/staff/privacy", params={"q": cid}))
        assert again.select_one("table.privacy") is None
