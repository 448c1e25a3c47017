"""The content pages in process: roles, upload → preview → save, edit, delete, re-index
from the page with progress and history, rollback and activate, and closing a content gap."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from bot.index.build import build_index
from bot.index.jobs import Builds
from bot.index.versions import active_version, list_versions
from bot.log.gaps import GapTracker
from bot.search.embedder import Embedder
from bot.settings import Settings
from bot.staff.accounts import ROLES
from tests.conftest import site_settings, small_corpus, staffed_app, write
from tests.test_publishing import ARTICLE, REST

PASSWORD = "correct horse battery"
FLYING = "Can I fly after a facelift?"
PAGES = [
    ("GET", "/staff/content"),
    ("GET", "/staff/content/builds"),
    ("GET", "/staff/content/gaps"),
    ("GET", "/staff/content/articles/recovery.md/edit"),
    ("POST", "/staff/content/preview"),
    ("POST", "/staff/content/save"),
    ("POST", "/staff/content/articles/recovery.md/edit"),
    ("POST", "/staff/content/articles/recovery.md/delete"),
    ("POST", "/staff/content/reindex"),
    ("POST", "/staff/content/rollback"),
    ("POST", "/staff/content/activate"),
    ("POST", "/staff/content/gaps"),
    ("POST", "/staff/content/gaps/1/link"),
]


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def sign_in(client: TestClient, role: str) -> str:
    """Sign in as `role`; returns the session's CSRF token."""
    client.cookies.clear()
    token = soup(client.get("/staff/signin")).select_one("input[name=csrf_token]")["value"]  # type: ignore[index]
    data = {"email": f"{role}@clinic.example", "password": PASSWORD, "csrf_token": token}
    assert client.post("/staff/signin", data=data, follow_redirects=False).status_code == 303
    page = client.get("/staff")
    return str(soup(page).select_one("form.signout input[name=csrf_token]")["value"])  # type: ignore[index]


def wait_for_build(client: TestClient, timeout: float = 120) -> Builds:
    builds: Builds = client.app.state.builds  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    while builds.state().running:
        assert time.monotonic() < deadline, "the build did not finish"
        time.sleep(0.2)
    return builds


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("content")
    corpus = root / "corpus"
    write(corpus, "recovery.md", "---\ntitle: Recovery\n---\n# Rest\n\n" + REST)
    local = Settings(
        corpus_dir=corpus,
        index_dir=root / "index",
        data_dir=root / "data",
        eval_file=root / "no-eval.jsonl",  # no quality gate on this tiny corpus
        max_body_bytes=4_000_000,  # the upload cap is the content page's own
        reload_seconds=0.2,
        rate_limit_signin="10000/minute",  # these tests sign in and out many times
    )
    build_index(local, embedder)
    with staffed_app(local) as client:
        yield client


def test_content_leads_to_the_staff_area(web: TestClient) -> None:
    response = web.get("/content", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/staff/content"


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_each_role_gets_exactly_the_content_pages(web: TestClient, method: str, path: str) -> None:
    web.cookies.clear()
    anonymous = web.request(method, path, follow_redirects=False)
    assert anonymous.status_code == 401
    for role in ROLES:
        token = sign_in(web, role)
        if method == "GET":
            response = web.get(path, follow_redirects=False)
            assert response.status_code == (403 if role == "staff" else 200), role
        else:  # the role is checked before the form: a bad form still shows 403 vs 4xx
            response = web.post(path, data={"csrf_token": "wrong"}, follow_redirects=False)
            assert response.status_code == 403, role
            if role != "staff":
                assert token  # the CSRF check refused it, not the role


def test_staff_role_does_not_see_the_content_link(web: TestClient) -> None:
    sign_in(web, "staff")
    assert not soup(web.get("/staff")).select_one("a[href='/staff/content']")
    sign_in(web, "content")
    assert soup(web.get("/staff")).select_one("a[href='/staff/content']")


def upload(web: TestClient, token: str, name: str, data: bytes) -> httpx.Response:
    return web.post(
        "/staff/content/preview", data={"csrf_token": token}, files={"file": (name, data)}
    )


def test_a_malformed_upload_is_reported_and_nothing_changes(web: TestClient) -> None:
    settings: Settings = web.app.state.settings  # type: ignore[attr-defined]
    before = sorted(p.name for p in settings.corpus_dir.iterdir())
    version = active_version(settings.index_dir)
    token = sign_in(web, "content")
    response = upload(web, token, "broken.md", b"---\ntitle: Ok\npublished: [2025\n---\n# A\n")
    assert response.status_code == 422
    problem = soup(response).select_one("ul.problems li")
    assert problem is not None and "line 3" in problem.text and "published" in problem.text
    assert "broken front matter" in problem.text
    assert "published: [2025" in soup(response).select_one("pre.excerpt").text  # type: ignore[union-attr]
    assert not soup(response).select_one("form.save")
    script = upload(web, token, "x.html", b"<article>\n<p onclick='x()'>hi</p></article>")
    assert script.status_code == 422 and "line 2" in script.text
    big = upload(web, token, "big.md", b"# A\n\n" + b"x" * (settings.max_upload_bytes + 10))
    assert big.status_code == 422 and "larger than" in big.text
    assert sorted(p.name for p in settings.corpus_dir.iterdir()) == before
    assert active_version(settings.index_dir) == version


def test_upload_preview_save_list_and_delete(web: TestClient) -> None:
    settings: Settings = web.app.state.settings  # type: ignore[attr-defined]
    token = sign_in(web, "admin")
    preview = upload(web, token, "Flying Soon.md", ARTICLE.encode())
    assert preview.status_code == 200
    assert preview.template.name == "content/preview.html"  # type: ignore[attr-defined]
    chunk = soup(preview).select_one("ol.chunks li.chunk")
    assert chunk is not None and chunk.select_one(".section").text == "When can I fly?"  # type: ignore[union-attr]
    assert chunk.select_one(".chip").text == "Mayo Clinic"  # type: ignore[union-attr]
    assert not (settings.corpus_dir / "flying-soon.md").exists()  # nothing saved yet
    staged = soup(preview).select_one("form.save input[name=token]")["value"]  # type: ignore[index]
    saved = web.post("/staff/content/save", data={"csrf_token": token, "token": staged})
    assert saved.status_code == 200 and "Saved flying-soon.md" in saved.text
    row = [r for r in soup(saved).select("table.articles tbody tr") if "flying-soon.md" in r.text]
    assert row and "not re-indexed" in row[0].text and "Flying After a Facelift" in row[0].text
    unconfirmed = web.post(
        "/staff/content/articles/flying-soon.md/delete", data={"csrf_token": token}
    )
    assert "confirm" in unconfirmed.text and (settings.corpus_dir / "flying-soon.md").exists()
    deleted = web.post(
        "/staff/content/articles/flying-soon.md/delete",
        data={"csrf_token": token, "confirm": "yes"},
    )
    assert "Deleted flying-soon.md" in deleted.text
    assert not (settings.corpus_dir / "flying-soon.md").exists()


def test_edit_shows_errors_next_to_the_field(web: TestClient) -> None:
    token = sign_in(web, "content")
    form = soup(web.get("/staff/content/articles/recovery.md/edit"))
    assert form.select_one("input[name=title]")["value"] == "Recovery"  # type: ignore[index]
    response = web.post(
        "/staff/content/articles/recovery.md/edit",
        data={"csrf_token": token, "title": "Recovery", "published": "last March"},
    )
    assert response.status_code == 422
    field = soup(response).select_one("input[name=published]")
    assert field is not None and field["aria-invalid"] == "true"
    assert "must be a date" in soup(response).select_one("#e-published").text  # type: ignore[union-attr]
    ok = web.post(
        "/staff/content/articles/recovery.md/edit",
        data={"csrf_token": token, "title": "Recovery at home", "reviewed_on": "2025-05-01"},
    )
    assert ok.status_code == 200 and ok.template.name == "content/preview.html"  # type: ignore[attr-defined]


def test_reindex_from_the_page_closes_a_gap_and_shows_in_the_history(web: TestClient) -> None:
    settings: Settings = web.app.state.settings  # type: ignore[attr-defined]
    token = sign_in(web, "content")
    web.post("/api/chat", json={"message": FLYING})
    web.app.state.querylog.flush()  # type: ignore[attr-defined]
    gaps = soup(web.get("/staff/gaps"))
    mark = gaps.select_one("form.mark-gap")
    assert mark is not None
    fields: dict[str, list[str]] = {}
    for field in mark.select("input"):
        fields.setdefault(str(field["name"]), []).append(str(field["value"]))
    marked = web.post("/staff/content/gaps", data=fields)
    assert "being written" in marked.text and FLYING in marked.text
    gap_id = GapTracker(web.app.state.database).tracked()[0].id  # type: ignore[attr-defined]
    web.post(f"/staff/content/gaps/{gap_id}/link", data={"csrf_token": token, "doc_id": "flying"})

    write(settings.corpus_dir, "flying.md", ARTICLE)  # as saved from the page
    before = len(list_versions(settings.index_dir))
    started = web.post("/staff/content/reindex", data={"csrf_token": token})
    assert started.status_code == 200 and started.template.name == "content/builds.html"  # type: ignore[attr-defined]
    builds = wait_for_build(web)
    assert builds.state().outcome == "activated", builds.state().message
    history = soup(web.get("/staff/content/builds"))
    rows = history.select("table.builds tbody tr")
    assert len(rows) == before + 1 and "active" in rows[0].text
    assert "by content@clinic.example" in rows[0].text and "added: flying" in rows[0].text
    closed = soup(web.get("/staff/content/gaps"))
    answered = closed.select_one("li.tracked-gap.closed ul.asked li.answered")
    assert answered is not None and FLYING in answered.text and "flying" in answered.text
    listed = soup(web.get("/staff/content")).select("table.articles tbody tr")
    assert all("live" in r.text for r in listed)


def test_roll_back_is_offered_only_when_an_earlier_version_is_kept(
    tmp_path: Path, embedder: Embedder
) -> None:
    small_corpus(tmp_path / "corpus")
    settings = site_settings(tmp_path)
    build_index(settings, embedder)
    with staffed_app(settings) as client:
        sign_in(client, "content")
        page = soup(client.get("/staff/content/builds"))
        assert page.select_one("form[action='/staff/content/rollback']") is None
        assert "nothing to roll back to" in page.text
        build_index(settings, embedder, full=True)
        page = soup(client.get("/staff/content/builds"))
        assert page.select_one("form[action='/staff/content/rollback']") is not None


def test_rollback_and_activate_need_confirming(web: TestClient, embedder: Embedder) -> None:
    settings: Settings = web.app.state.settings  # type: ignore[attr-defined]
    token = sign_in(web, "admin")
    if len(list_versions(settings.index_dir)) < 2:
        build_index(settings, embedder, full=True)
    newest = active_version(settings.index_dir)
    web.post("/staff/content/rollback", data={"csrf_token": token})  # unconfirmed
    assert active_version(settings.index_dir) == newest
    back = web.post("/staff/content/rollback", data={"csrf_token": token, "confirm": "yes"})
    assert "Rolled back to version" in back.text and active_version(settings.index_dir) != newest
    buttons = soup(back).select("form[action='/staff/content/activate'] input[name=version]")
    assert newest in [b["value"] for b in buttons]
    again = web.post(
        "/staff/content/activate",
        data={"csrf_token": token, "version": str(newest), "confirm": "yes"},
    )
    assert "Activated version" in again.text and active_version(settings.index_dir) == newest
    missing = web.post(
        "/staff/content/activate", data={"csrf_token": token, "version": "nope", "confirm": "yes"}
    )
    assert "error" in str(soup(missing).select_one("[role=alert]").get("class"))  # type: ignore[union-attr]


def test_a_held_back_build_is_offered_activate_anyway(web: TestClient, tmp_path: Path) -> None:
    from bot.index.versions import read_manifest, save_manifest, version_folder

    settings: Settings = web.app.state.settings  # type: ignore[attr-defined]
    token = sign_in(web, "content")
    active = active_version(settings.index_dir)
    older = [m for m in list_versions(settings.index_dir) if m.version != active][0]
    manifest = read_manifest(settings.index_dir, older.version)
    manifest.gate = {"passed": False, "reason": "hit@3 fell from 0.900 to 0.500"}
    save_manifest(version_folder(settings.index_dir, older.version), manifest)
    page = soup(web.get("/staff/content/builds"))
    row = [r for r in page.select("table.builds tbody tr") if older.version in r.text][0]
    assert "held back" in row.text and "hit@3 fell" in row.text
    assert row.select_one("button").text == "Activate anyway"  # type: ignore[union-attr]
    assert token


def test_a_second_build_is_refused_while_one_runs(web: TestClient) -> None:
    from bot.index.versions import build_lock

    settings: Settings = web.app.state.settings  # type: ignore[attr-defined]
    token = sign_in(web, "content")
    with build_lock(settings.index_dir):  # as if `bot index` were running
        refused = web.post("/staff/content/reindex", data={"csrf_token": token})
    assert "Another build" in soup(refused).select_one("[role=alert]").text  # type: ignore[union-attr]
