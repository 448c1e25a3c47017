"""Staff curation, end to end on SQLite and PostgreSQL: a pinned answer comes first for the
question and its paraphrases, a hidden passage is never shown, both survive re-indexing as
flags, every change is audited, and another server picks them up without a re-index."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from bot.cli import main
from bot.curation.store import Curation, CurationError, Passage
from bot.curation.view import CuratedView
from bot.index.build import build_index
from bot.index.versions import load_index, read_manifest
from bot.log.database import Database
from bot.search.embedder import Embedder
from bot.settings import Settings
from bot.staff.accounts import ROLES
from bot.web.app import create_app
from tests.conftest import small_corpus, staffed_app, write
from tests.test_staff import sign_in as staff_sign_in
from tests.test_staff import soup

QUESTION = "what are exosomes?"
URGENT = "i cant breathe and my throat is closing after the filler"


class Words:
    """An encoder for the unit test: a vector per distinct first word."""

    def encode(self, texts: list[str]) -> np.ndarray:
        rows = np.zeros((len(texts), 4), dtype=np.float32)
        for n, text in enumerate(texts):
            rows[n, hash(text.split()[0]) % 4] = 1.0
        return rows


def test_a_view_matches_a_question_or_a_variant_above_the_floor() -> None:
    class Stored:
        id, question, variants, chunk_ids = 7, "alpha one", ["beta two"], ["a#1", "a#2"]

    view = CuratedView.build(3, [Stored()], ["a#9"], Words())
    vectors = Words().encode(["alpha x", "beta y"])
    found = view.match(vectors[0], 0.9)
    assert found is not None and found[0].pin_id == 7 and found[0].chunk_ids == ("a#1", "a#2")
    assert view.match(vectors[1], 0.9) is not None  # through the variant
    assert view.match(np.zeros(4, dtype=np.float32), 0.9) is None
    assert view.hidden == {"a#9"} and view.version == 3
    assert CuratedView().match(vectors[0], 0.0) is None


@pytest.fixture
def app_client(db_settings: Settings) -> Iterator[TestClient]:
    with staffed_app(db_settings) as client:
        yield client


def ask(client: TestClient, message: str) -> dict:
    response = client.post("/api/chat", json={"message": message})
    assert response.status_code == 200
    return dict(response.json())


def logged_id(client: TestClient, message: str) -> int:
    log = client.app.state.querylog  # type: ignore[attr-defined]
    assert log.flush()
    from bot.log.querylog import Filters

    return int(log.questions(Filters(q=message)).items[0].id)


def form_token(client: TestClient, path: str) -> str:
    token = soup(client.get(path)).select_one("input[name=csrf_token]")
    assert token is not None
    return str(token["value"])


def test_staff_pin_and_hide_from_the_question_page(app_client: TestClient) -> None:
    client = app_client
    before = ask(client, QUESTION)
    assert before["kind"] == "answer" and not any(p["curated"] for p in before["passages"])
    first = before["passages"][0]["chunk_id"]
    question_id = logged_id(client, QUESTION)
    assert staff_sign_in(client, "staff@clinic.example").status_code == 303

    # The question page offers passages to pin, found by a search of the articles.
    page = soup(client.get(f"/staff/questions/{question_id}?find=TGA"))
    offered = [i["value"] for i in page.select("form.pin input[name=chunk_ids]")]
    assert offered and first not in offered[:1]
    chosen = offered[0]
    token = form_token(client, f"/staff/questions/{question_id}")
    response = client.post(
        "/staff/curation/pins",
        data={
            "csrf_token": token,
            "question": QUESTION,
            "chunk_ids": [chosen],
            "variants": "what is an exosome exactly",
            "back": f"/staff/questions/{question_id}",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303

    # At once on this server: the pinned passage first, marked curated, for paraphrases too.
    for message in (QUESTION, "What are exosomes", "what is an exosome exactly?"):
        after = ask(client, message)
        assert after["passages"][0]["chunk_id"] == chosen, message
        assert after["passages"][0]["curated"] is True
        assert not any(p["curated"] for p in after["passages"][1:])
    assert ask(client, "is exosome therapy legal in australia")["passages"][0]["curated"] is False
    # Never above an urgent reply.
    assert ask(client, URGENT)["kind"] == "urgent"
    # The log keeps the mark.
    log = client.app.state.querylog  # type: ignore[attr-defined]
    assert log.flush()
    from bot.log.querylog import Filters

    stored = log.questions(Filters(q="exosome exactly")).items[0]
    assert stored.reply["passages"][0]["curated"] is True

    # Hide the passage that used to come first: never shown again.
    response = client.post(
        "/staff/curation/hide",
        data={"csrf_token": token, "chunk_id": first, "reason": "promotional line"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    for message in (QUESTION, "tell me about exosomes", "how do exosomes work"):
        assert first not in [p["chunk_id"] for p in ask(client, message)["passages"]]

    # The curation page shows both and who did what; removing the pin restores the answer.
    page = soup(client.get("/staff/curation"))
    assert QUESTION in page.select_one("ol.pins").get_text()
    assert first in page.select_one("ul.hidden-passages").get_text()
    audit = [row.get_text(" ") for row in page.select("table.audit tbody tr")]
    assert len(audit) == 2 and all("staff@clinic.example" in row for row in audit)
    assert "hide" in audit[0] and "pin" in audit[1]
    pin_form = page.select_one("ol.pins form")
    assert pin_form is not None
    client.post(str(pin_form["action"]), data={"csrf_token": token}, follow_redirects=False)
    client.post(
        "/staff/curation/unhide", data={"csrf_token": token, "chunk_id": first},
        follow_redirects=False,
    )  # fmt: skip
    restored = ask(client, QUESTION)
    assert restored["passages"][0]["chunk_id"] == first and not restored["passages"][0]["curated"]
    actions = [e.action for e in client.app.state.curation.events()]  # type: ignore[attr-defined]
    assert actions == ["unhide", "unpin", "hide", "pin"]


def test_every_role_may_curate_and_visitors_may_not(app_client: TestClient) -> None:
    client = app_client
    client.cookies.clear()
    assert client.get("/staff/curation", follow_redirects=False).status_code == 401
    response = client.post("/staff/curation/hide", data={"chunk_id": "x", "reason": "y"})
    assert response.status_code in (401, 403)
    for role in ROLES:
        staff_sign_in(client, f"{role}@clinic.example")
        assert client.get("/staff/curation").status_code == 200


def test_bad_curation_is_refused_with_a_reason(app_client: TestClient) -> None:
    client = app_client
    staff_sign_in(client, "content@clinic.example")
    token = form_token(client, "/staff/curation")
    unknown = client.post(
        "/staff/curation/pins",
        data={"csrf_token": token, "question": QUESTION, "chunk_ids": ["no-such#passage"]},
    )
    assert unknown.status_code == 400 and "no-such#passage" in unknown.text
    store: Curation = client.app.state.curation  # type: ignore[attr-defined]
    passage = Passage("a#1", "text")
    with pytest.raises(CurationError):
        store.pin(QUESTION, [passage] * 4, "x")
    with pytest.raises(CurationError):
        store.hide(passage, "   ", "x")
    assert store.pins() == [] and store.version() == 0
    # After a change, only back to a staff page of this site.
    chunk = client.app.state.answerer.index.chunks[0].chunk_id  # type: ignore[attr-defined]
    for back in ("https://evil.example/", "//evil.example", "/staff\\@evil.example"):
        data = {"csrf_token": token, "chunk_id": chunk, "reason": "test", "back": back}
        hidden = client.post("/staff/curation/hide", data=data, follow_redirects=False)
        assert hidden.headers["location"] == "/staff/curation", back
        client.post("/staff/curation/unhide", data={"csrf_token": token, "chunk_id": chunk})


def test_a_pin_whose_passage_changed_is_flagged_not_dropped(app_client: TestClient) -> None:
    """A re-index that changes a passage's text changes its id: the pin names an id the
    index no longer holds; replies skip it and the curation page asks for a review."""
    client = app_client
    store: Curation = client.app.state.curation  # type: ignore[attr-defined]
    store.pin(QUESTION, [Passage("exosome-therapy#gone", "The old wording.")], "content@x")
    client.app.state.answerer.curation = CuratedView()  # type: ignore[attr-defined]
    from bot.web import curation

    curation.refresh(client.app)  # type: ignore[arg-type]
    reply = ask(client, QUESTION)
    assert reply["kind"] == "answer" and not any(p["curated"] for p in reply["passages"])
    staff_sign_in(client, "staff@clinic.example")
    page = soup(client.get("/staff/curation")).select_one("ol.pins")
    assert page is not None and "pinned passage changed — review" in page.get_text()
    assert "The old wording." in page.get_text()
    staff_sign_in(client, "content@clinic.example")
    banner = soup(client.get("/staff/content")).select_one("section[role=status]")
    assert banner is not None
    assert "1 pinned answer: passage changed — review" in " ".join(banner.get_text().split())


def test_the_cli_curates_and_a_running_server_follows(db_settings: Settings) -> None:
    """`bot pins` writes to the shared database; a server started before picks the change
    up within BOT_RELOAD_SECONDS, without a re-index."""
    settings = db_settings.model_copy(update={"reload_seconds": 0.2})
    env = {
        "BOT_INDEX_DIR": str(settings.index_dir),
        "BOT_DATA_DIR": str(settings.data_dir),
        "BOT_DATABASE_URL": settings.database_url,
    }
    runner = CliRunner()
    with TestClient(create_app(settings)) as client:
        chunk = ask(client, "is exosome therapy legal in australia")["passages"][0]["chunk_id"]
        assert ask(client, QUESTION)["passages"][0]["chunk_id"] != chunk
        result = runner.invoke(main, ["pins", "add", QUESTION, chunk, "--by", "nurse@x"], env=env)
        assert result.exit_code == 0, result.output
        deadline = time.monotonic() + 10
        while ask(client, QUESTION)["passages"][0]["chunk_id"] != chunk:
            assert time.monotonic() < deadline, "the server never picked up the pin"
            time.sleep(0.1)
        listed = runner.invoke(main, ["pins", "list"], env=env)
        assert QUESTION in listed.output and chunk in listed.output
        assert "review" not in listed.output
        bad = runner.invoke(main, ["pins", "hide", "nope#1", "--reason", "x"], env=env)
        assert bad.exit_code == 1 and "no passage nope#1" in bad.output
        hidden = runner.invoke(main, ["pins", "hide", chunk, "--reason", "outdated"], env=env)
        assert hidden.exit_code == 0, hidden.output
        removed = runner.invoke(main, ["pins", "remove", "--all"], env=env)
        assert removed.exit_code == 0 and "removed 1" in removed.output
        deadline = time.monotonic() + 10
        while chunk in [p["chunk_id"] for p in ask(client, QUESTION)["passages"]]:
            assert time.monotonic() < deadline, "the server never picked up the hide"
            time.sleep(0.1)


PREGNANCY = [
    "can i have exosome therapy while pregnant",
    "can I have exosome therapy when pregnant?",
    "Can i have exosome treatment while im pregnant",
]


def test_one_answer_pinned_for_a_whole_content_gap(app_client: TestClient) -> None:
    """A group of unanswered questions on the gaps page becomes one pinned answer: the
    group's questions are its variants, so every one of them gets the chosen passage."""
    client = app_client
    for message in PREGNANCY:
        assert ask(client, message)["kind"] == "no_answer", message
    assert client.app.state.querylog.flush()  # type: ignore[attr-defined]
    staff_sign_in(client, "content@clinic.example")
    form = soup(client.get("/staff/gaps")).select_one("form.pin-gap")
    assert form is not None and form["action"] == "/staff/curation/new"
    fields = form.select("input")
    question = next(str(i["value"]) for i in fields if i["name"] == "question")
    variants = [str(i["value"]) for i in fields if i["name"] == "variant"]
    assert sorted([question, *variants]) == sorted(PREGNANCY)

    page = soup(
        client.get(
            "/staff/curation/new", params={"question": question, "variant": variants, "find": "TGA"}
        )
    )
    pin_form = page.select_one("form.pin")
    assert pin_form is not None
    assert pin_form.select_one("input[name=question]")["value"] == question  # type: ignore[index]
    textarea = pin_form.select_one("textarea[name=variants]")
    assert textarea is not None and textarea.get_text().splitlines() == variants
    offered = [str(i["value"]) for i in pin_form.select("input[name=chunk_ids]")]
    assert offered
    token = form_token(client, "/staff/curation")
    response = client.post(
        "/staff/curation/pins",
        data={
            "csrf_token": token,
            "question": question,
            "variants": textarea.get_text(),
            "chunk_ids": [offered[0]],
            "back": "/staff/curation",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/staff/curation"
    for message in PREGNANCY:
        reply = ask(client, message)
        assert reply["kind"] == "answer", message
        assert reply["passages"][0]["chunk_id"] == offered[0]
        assert reply["passages"][0]["curated"] is True
    # The content page leads there too.
    nav = soup(client.get("/staff/content")).select_one("nav.subnav")
    assert nav is not None and "/staff/curation/new" in [a["href"] for a in nav.select("a")]


def test_a_build_reports_the_pins_and_hides_it_changes(
    db_settings: Settings, tmp_path: Path, embedder: Embedder
) -> None:
    """A re-index that rewrites a pinned or hidden passage records it in the version's
    manifest (and `bot index` says so); a database that is down never stops a build."""
    s = db_settings.model_copy(
        update={
            "corpus_dir": small_corpus(tmp_path / "c", 2),
            "index_dir": tmp_path / "i",
            "eval_file": tmp_path / "none.jsonl",
        }
    )
    first = build_index(s, embedder)
    assert first.curation == {"checked": True, "pins": [], "hidden": []}
    chunks = load_index(s, embedder).chunks
    of = {c.doc_id: c for c in chunks}
    db = Database(s)
    db.upgrade()
    store = Curation(db)
    store.pin("when do i heal", [Passage(of["article-0"].chunk_id, of["article-0"].text)], "x")
    store.pin("week one", [Passage(of["article-1"].chunk_id, of["article-1"].text)], "x")
    store.hide(Passage(of["article-0"].chunk_id, of["article-0"].text), "outdated", "x")
    write(s.corpus_dir, "article-0.md", "---\ntitle: Article 0\n---\n# Recovery\n\nRewritten.\n")
    env = {
        "BOT_CORPUS_DIR": str(s.corpus_dir),
        "BOT_INDEX_DIR": str(s.index_dir),
        "BOT_DATA_DIR": str(s.data_dir),
        "BOT_DATABASE_URL": s.database_url,
        "BOT_EVAL_FILE": str(s.eval_file),
    }
    result = CliRunner().invoke(main, ["index"], env=env)
    assert result.exit_code == 0, result.output
    assert "curation: 1 pinned answers and 1 hidden passages changed" in result.output
    second = read_manifest(s.index_dir)
    assert second.curation == {
        "checked": True,
        "pins": ["when do i heal"],
        "hidden": [of["article-0"].chunk_id],
    }
    db.dispose()
    down = s.model_copy(update={"database_url": "postgresql://bot@127.0.0.1:9/none"})
    write(s.corpus_dir, "article-1.md", "---\ntitle: Article 1\n---\n# Recovery\n\nAgain.\n")
    third = build_index(down, embedder)
    assert third.curation["checked"] is False and read_manifest(s.index_dir) == third
