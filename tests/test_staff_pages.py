"""The staff pages as people read them: urgent questions first until someone reviews them,
every time in the clinic's zone, ids and scores folded under "Details"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient

from bot.curation.store import Passage
from bot.index.versions import list_versions
from bot.log.querylog import Filters, QueryLog
from bot.replies.triage.catalogue import load_catalogue
from bot.settings import Settings
from bot.web.times import clinic_time
from tests.conftest import staffed_app
from tests.test_staff import SIDE_EFFECTS, URGENT_B, csrf, sign_in, soup

URGENT_A = "I can't breathe after my filler and my throat is swelling"


@pytest.fixture
def web(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    with staffed_app(settings.model_copy(update={"data_dir": tmp_path})) as client:
        for message in (SIDE_EFFECTS, URGENT_B):
            assert client.post("/api/chat", json={"message": message}).status_code == 200
        assert client.app.state.querylog.flush()  # type: ignore[attr-defined]
        yield client


def queue(page: BeautifulSoup) -> Tag | None:
    return page.select_one("section.urgent-queue")


def test_urgent_questions_stay_on_top_until_reviewed(web: TestClient) -> None:
    log: QueryLog = web.app.state.querylog  # type: ignore[attr-defined]
    [urgent] = log.questions(Filters(kind="urgent")).items
    sign_in(web, "staff@clinic.example")
    page = soup(web.get("/staff", params={"kind": "answer"}))  # whatever the filters
    section = queue(page)
    assert section is not None and section.h2 is not None
    assert section.h2.get_text(" ", strip=True) == "Urgent — not yet reviewed 1"
    main = page.select_one("main")
    assert main is not None
    order = [e for e in main.find_all(recursive=False) if isinstance(e, Tag)]
    assert order.index(section) < order.index(page.select_one("details.filter-box"))  # type: ignore[arg-type]
    [item] = section.select("li")
    link = item.select_one("a")
    assert link is not None and link["href"] == f"/staff/questions/{urgent.id}"
    assert link.get_text() == URGENT_B
    about = item.get_text(" ", strip=True)
    assert "tier B" in about and load_catalogue().concept("vascular_occlusion").title in about
    assert clinic_time(urgent.at, "Australia/Sydney") in about

    # Reviewed (the button on the question's page): it leaves the list, for everyone.
    done = web.post(
        f"/staff/questions/{urgent.id}/review",
        data={"csrf_token": csrf(web), "note": "Called her", "reviewed": "true"},
    )
    assert done.status_code == 200
    assert queue(soup(web.get("/staff"))) is None
    sign_in(web, "content@clinic.example")
    assert queue(soup(web.get("/staff"))) is None
    sign_in(web, "staff@clinic.example")
    web.post(
        f"/staff/questions/{urgent.id}/review",
        data={"csrf_token": csrf(web), "note": "", "reviewed": "false"},
    )
    assert queue(soup(web.get("/staff"))) is not None  # taken back: on top again


def test_many_urgent_questions_link_to_the_rest(web: TestClient) -> None:
    for _ in range(22):
        web.post("/api/chat", json={"message": URGENT_B})
    assert web.app.state.querylog.flush()  # type: ignore[attr-defined]
    sign_in(web, "staff@clinic.example")
    section = queue(soup(web.get("/staff")))
    assert section is not None and len(section.select("li")) == 20
    more = section.select("p a")[-1]
    assert more["href"] == "/staff?kind=urgent&reviewed=no" and "All 23" in more.get_text()


def test_times_are_in_the_clinics_zone_everywhere(web: TestClient) -> None:
    settings: Settings = web.app.state.settings  # type: ignore[attr-defined]
    zone = settings.timezone
    sign_in(web, "admin@clinic.example")
    builds = soup(web.get("/staff/content/builds")).get_text()
    for manifest in list_versions(settings.index_dir):
        assert clinic_time(manifest.built_at, zone) in builds
        assert manifest.built_at not in builds and manifest.built_at[:10] not in builds
    accounts = soup(web.get("/staff/accounts")).get_text()
    assert "UTC" not in accounts
    signed_in = web.app.state.users.list()  # type: ignore[attr-defined]
    admin = next(u for u in signed_in if u.email == "admin@clinic.example")
    assert clinic_time(admin.last_signin_at, zone) in accounts
    log: QueryLog = web.app.state.querylog  # type: ignore[attr-defined]
    question = log.questions(Filters(q=SIDE_EFFECTS)).items[0]
    detail = soup(web.get(f"/staff/questions/{question.id}")).get_text()
    assert clinic_time(question.at, zone, "seconds") in detail
    assert "Australia/Sydney" in soup(web.get("/staff")).select_one("footer").get_text()  # type: ignore[union-attr]


def test_ids_and_scores_are_folded_under_details(web: TestClient) -> None:
    settings: Settings = web.app.state.settings  # type: ignore[attr-defined]
    answerer = web.app.state.answerer  # type: ignore[attr-defined]
    chunk = answerer.index.chunks[0]
    web.app.state.curation.pin(  # type: ignore[attr-defined]
        "Is exosome therapy legal?", [Passage(chunk.chunk_id, chunk.text)], "admin"
    )
    sign_in(web, "admin@clinic.example")

    def folded(path: str, value: str) -> None:
        page = soup(web.get(path))
        inside = " ".join(d.get_text() for d in page.select("details.tech"))
        assert value in inside, (path, value)
        for details in page.select("details.tech"):
            details.decompose()
        assert value not in page.get_text(), (path, value)  # nowhere else in plain view

    folded("/staff/curation", chunk.chunk_id)
    for manifest in list_versions(settings.index_dir):
        folded("/staff/content/builds", manifest.version)
    log: QueryLog = web.app.state.querylog  # type: ignore[attr-defined]
    question = log.questions(Filters(q=SIDE_EFFECTS)).items[0]
    for value in (question.query_id, question.index_version, question.shown[0][0]):
        folded(f"/staff/questions/{question.id}", value)
