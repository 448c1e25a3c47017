"""The staff area in process: every route for every role, sign-in and its protections, the
dashboard's filters, the detail view, export, charts, content gaps, and the patient's chat
being logged (redacted) without ever failing because of the log."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from bot.log.querylog import Filters, QueryLog
from bot.replies.triage.catalogue import load_catalogue
from bot.settings import Settings
from bot.staff.accounts import PERMISSIONS, ROLES
from bot.web import auth, staff
from bot.web.app import create_app
from tests.conftest import STAFF_PASSWORD, staffed_app
from tests.test_querylog import seed

PASSWORD = STAFF_PASSWORD
SIDE_EFFECTS = "What are the side effects of stem cell therapy?"
SYDNEY = ZoneInfo("Australia/Sydney")

# Every staff route and what it needs. A new route must be added here (a test checks).
ROUTES = [
    ("GET", "/staff", "read"),
    ("GET", "/staff/questions/{id}", "read"),
    ("POST", "/staff/questions/{id}/review", "review"),
    ("POST", "/staff/questions/{id}/missed", "review"),
    ("GET", "/staff/export.csv", "read"),
    ("GET", "/staff/charts", "read"),
    ("GET", "/staff/gaps", "read"),
    ("GET", "/staff/accounts", "accounts"),
    ("GET", "/staff/api/questions", "read"),
    ("GET", "/staff/api/questions/{id}", "read"),
    ("GET", "/staff/api/stats", "read"),
]
URGENT_B = "my lip filler has gone white and blotchy and it hurts more and more"
GAP_QUESTIONS = [
    "How much does exosome therapy cost?",
    "What is the price of an exosome treatment?",
    "exosome therapy cost in Sydney",
    "Do you offer payment plans?",
    "What payment plan options are there?",
    "Do you do tattoo removal?",
]


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def csrf(client: TestClient) -> str:
    token = soup(client.get("/staff/signin")).select_one("input[name=csrf_token]")
    assert token is not None
    return str(token["value"])


def sign_in(
    client: TestClient, email: str, password: str = PASSWORD, **form: str
) -> httpx.Response:
    client.cookies.clear()
    data = {"email": email, "password": password, "csrf_token": csrf(client), **form}
    return client.post("/staff/signin", data=data, follow_redirects=False)


def call(
    client: TestClient, method: str, path: str, question_id: int, token: str = ""
) -> httpx.Response:
    url = path.replace("{id}", str(question_id))
    if method == "POST":
        data = {"csrf_token": token, "note": "checked", "reviewed": "true"}
        return client.post(url, data=data, follow_redirects=False)
    return client.get(url, follow_redirects=False)


@pytest.fixture(scope="module")
def local(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return settings.model_copy(update={"data_dir": tmp_path_factory.mktemp("staff")})


@pytest.fixture(scope="module")
def web(local: Settings) -> Iterator[TestClient]:
    with staffed_app(local) as client:
        client.post("/api/chat", json={"message": SIDE_EFFECTS})
        client.post("/api/chat", json={"message": URGENT_B})
        client.post("/api/chat", json={"message": "What are your opening hours on Saturday?"})
        log: QueryLog = client.app.state.querylog  # type: ignore[attr-defined]
        now = datetime.now(SYDNEY)
        for n, question in enumerate(GAP_QUESTIONS):
            seed(log, question, "no_answer", at=now - timedelta(days=n % 3))
        seed(log, "old helpful one", at=now - timedelta(days=20), helpful=True)
        seed(log, "Is it safe to fly after a facelift?", helpful=False)
        assert log.flush()
        yield client


@pytest.fixture
def question_id(web: TestClient) -> int:
    log: QueryLog = web.app.state.querylog  # type: ignore[attr-defined]
    return log.questions(Filters(q="side effects of stem cell")).items[0].id


# Who may see what


def test_every_staff_route_is_in_the_matrix() -> None:
    found = {
        (method, re.sub(r"\{\w+\}", "{id}", route.path))
        for route in [*staff.router.routes, *auth.router.routes]
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    assert found - {
        ("GET", "/staff/signin"),
        ("POST", "/staff/signin"),
        ("POST", "/staff/signout"),
    } == {(m, p) for m, p, _ in ROUTES}


@pytest.mark.parametrize(("method", "path", "permission"), ROUTES)
def test_anonymous_visitors_get_401_everywhere(
    web: TestClient, question_id: int, method: str, path: str, permission: str
) -> None:
    web.cookies.clear()
    response = call(web, method, path, question_id)
    assert response.status_code == 401
    if "/api/" in path or path.endswith(".csv"):
        assert response.json() == {"detail": "Sign in as staff first."}
    else:
        assert soup(response).select_one("form[action='/staff/signin'] input[name=password]")
    assert "side effects" not in response.text.lower()


@pytest.mark.parametrize(("method", "path", "permission"), ROUTES)
def test_a_patient_or_a_forged_cookie_gets_401(
    web: TestClient, question_id: int, method: str, path: str, permission: str
) -> None:
    web.cookies.clear()
    assert web.post("/api/chat", json={"message": SIDE_EFFECTS}).status_code == 200
    assert web.get("/").status_code == 200  # a patient's visit gives no staff cookie
    assert call(web, method, path, question_id).status_code == 401
    forged = "eyJzaWQiOiAiZm9yZ2VkIn0=.aGVsbG8.c2lnbmF0dXJl"  # {"sid": "forged"}, bad signature
    web.cookies.set("bot_staff", forged, domain="testserver.local", path="/staff")
    assert call(web, method, path, question_id).status_code == 401


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "permission"), ROUTES)
def test_each_role_gets_exactly_its_routes(
    web: TestClient, question_id: int, role: str, method: str, path: str, permission: str
) -> None:
    assert sign_in(web, f"{role}@clinic.example").status_code == 303
    response = call(web, method, path, question_id, csrf(web))
    allowed = role in PERMISSIONS[permission]
    assert response.status_code == ((303 if method == "POST" else 200) if allowed else 403)
    if not allowed and "/api/" not in path:
        assert response.template.name == "staff/forbidden.html"  # type: ignore[attr-defined]


# Signing in and out


def test_sign_in_sets_a_safe_cookie_and_sign_out_ends_the_session(web: TestClient) -> None:
    response = sign_in(web, "staff@clinic.example", next="/staff/charts")
    assert response.status_code == 303 and response.headers["location"] == "/staff/charts"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/staff" in cookie
    assert "secure" not in cookie
    stolen = web.cookies.get("bot_staff")
    page = web.get("/staff")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    token = soup(page).select_one("form.signout input[name=csrf_token]")["value"]  # type: ignore[index]
    out = web.post("/staff/signout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/staff/signin"
    assert web.get("/staff").status_code == 401
    web.cookies.set("bot_staff", str(stolen), path="/staff")  # a copy of the old cookie
    assert web.get("/staff").status_code == 401  # ended on the server, not only forgotten


def test_wrong_passwords_and_unknown_accounts_look_the_same(web: TestClient) -> None:
    for email, password in (
        ("staff@clinic.example", "not the password"),
        ("nobody@clinic.example", PASSWORD),
    ):
        response = sign_in(web, email, password)
        assert response.status_code == 401
        assert "do not match" in response.text and "set-cookie" not in {
            k for k, v in response.headers.items() if "sid" in v
        }
    assert web.get("/staff").status_code == 401


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/other", "/\\evil"])
def test_sign_in_only_returns_to_staff_pages(web: TestClient, target: str) -> None:
    assert sign_in(web, "staff@clinic.example", next=target).headers["location"] == "/staff"


def test_secure_cookies_behind_https(local: Settings, tmp_path: Path) -> None:
    secure = local.model_copy(update={"secure_cookies": True, "data_dir": tmp_path})
    with TestClient(create_app(secure), base_url="https://testserver") as client:
        assert "secure" in client.get("/staff/signin").headers["set-cookie"].lower()


def test_every_form_needs_the_session_csrf_token(web: TestClient, question_id: int) -> None:
    web.cookies.clear()
    web.get("/staff/signin")
    response = web.post(
        "/staff/signin",
        data={"email": "staff@clinic.example", "password": PASSWORD, "csrf_token": "guess"},
    )
    assert response.status_code == 403 and "expired" in response.text
    sign_in(web, "staff@clinic.example")
    review = web.post(
        f"/staff/questions/{question_id}/review", data={"note": "x", "csrf_token": "guess"}
    )
    assert review.status_code == 403
    assert web.post("/staff/signout", data={}).status_code == 403
    assert web.get("/staff").status_code == 200  # still signed in


def test_repeated_failures_slow_down_then_lock_out(local: Settings, tmp_path: Path) -> None:
    with TestClient(create_app(local.model_copy(update={"data_dir": tmp_path}))) as client:
        client.app.state.users.add("a@clinic.example", "staff", PASSWORD)  # type: ignore[attr-defined]
        codes = [
            sign_in(client, "a@clinic.example", "wrong password!").status_code for _ in range(4)
        ]
        assert codes == [401, 401, 401, 429]
        slowed = sign_in(client, "a@clinic.example")  # even the right password must wait
        assert slowed.status_code == 429 and slowed.headers["retry-after"] == "1"
        assert "Try again in 1 seconds" in slowed.text


# The dashboard


def test_the_list_is_newest_first_and_filtered(web: TestClient) -> None:
    sign_in(web, "content@clinic.example")
    everything = web.get("/staff")
    result = everything.context["result"]  # type: ignore[attr-defined]
    times = [q.at for q in result.items]
    assert result.total >= 10 and times == sorted(times, reverse=True)
    assert len(soup(everything).select("table.questions tbody tr")) == result.total
    page = web.get("/staff", params={"kind": "no_answer", "q": "exosome"})
    rows = soup(page).select("table.questions tbody tr")
    assert {r["class"][0] for r in rows} == {"kind-no_answer"} and len(rows) == 3
    assert soup(page).select_one("select[name=kind] option[selected]")["value"] == "no_answer"  # type: ignore[index]
    unhelpful = web.get("/staff", params={"feedback": "unhelpful"}).context["result"]  # type: ignore[attr-defined]
    assert [q.message for q in unhelpful.items] == ["Is it safe to fly after a facelift?"]
    today = datetime.now(SYDNEY).date()
    recent = web.get(
        "/staff",
        params={
            "since": str(today - timedelta(days=5)),
            "until": str(today),
            "feedback": "",
            "reviewed": "",
        },
    )
    assert "old helpful one" not in recent.text and recent.status_code == 200
    assert web.get("/staff", params={"kind": "nonsense"}).status_code == 422


def test_pages_link_to_each_other_with_the_filters(local: Settings, tmp_path: Path) -> None:
    with TestClient(create_app(local.model_copy(update={"data_dir": tmp_path}))) as client:
        client.app.state.users.add("a@clinic.example", "staff", PASSWORD)  # type: ignore[attr-defined]
        log: QueryLog = client.app.state.querylog  # type: ignore[attr-defined]
        for n in range(55):
            seed(log, f"bulk question {n}", "no_answer")
        seed(log, "something else", "no_answer")
        assert log.flush()
        sign_in(client, "a@clinic.example")
        first = client.get("/staff", params={"q": "bulk question"})
        assert len(soup(first).select("table.questions tbody tr")) == 50
        older = soup(first).select_one("a[rel=next]")
        assert older and "q=bulk+question" in str(older["href"]) and "page=2" in str(older["href"])
        second = client.get("/staff" + str(older["href"]))
        assert len(soup(second).select("table.questions tbody tr")) == 5
        assert soup(second).select_one("a[rel=prev]")
        export = soup(first).select_one("a.export")
        assert export and str(export["href"]) == "/staff/export.csv?q=bulk+question"
        assert len(client.get(str(export["href"])).text.splitlines()) == 56


def test_the_detail_shows_exactly_what_the_patient_saw(web: TestClient, question_id: int) -> None:
    sign_in(web, "staff@clinic.example")
    page = web.get(f"/staff/questions/{question_id}")
    html = soup(page)
    assert html.select_one(".seen .cc-user").get_text(strip=True).endswith(SIDE_EFFECTS)  # type: ignore[union-attr]
    cards = html.select(".seen .cc-card")
    question = page.context["question"]  # type: ignore[attr-defined]
    assert len(cards) == len(question.shown) >= 1
    assert "Invasive, potential for pain, dryness and fatigue" in cards[0].get_text()
    details = html.select_one("details.tech")  # ids and scores: in the page, folded away
    assert details is not None and details.summary.get_text() == "Details"  # type: ignore[union-attr]
    chunk, score = question.shown[0]
    assert chunk in details.get_text() and f"{score:.3f}" in details.get_text()
    assert question.query_id in details.get_text() and question.index_version in details.get_text()
    assert chunk not in html.select_one("dl.facts").get_text()  # type: ignore[union-attr]
    assert html.select_one(".seen .cc-note").get_text() == page.context["reply"]["disclaimer"]  # type: ignore[union-attr,attr-defined]
    assert web.get("/staff/questions/999999").status_code == 404


def test_review_and_note(web: TestClient, question_id: int) -> None:
    sign_in(web, "staff@clinic.example")
    token = csrf(web)
    done = web.post(
        f"/staff/questions/{question_id}/review",
        data={"csrf_token": token, "note": "Added to the FAQ", "reviewed": "true"},
    )
    assert done.status_code == 200 and done.url.path == f"/staff/questions/{question_id}"
    assert "Reviewed by staff@clinic.example" in done.text
    assert soup(done).select_one("textarea#note").get_text() == "Added to the FAQ"  # type: ignore[union-attr]
    reviewed = web.get("/staff", params={"reviewed": "yes"}).context["result"]  # type: ignore[attr-defined]
    assert [q.id for q in reviewed.items] == [question_id]
    assert web.get("/staff", params={"q": "to the faq"}).context["result"].total == 1  # type: ignore[attr-defined]
    web.post(
        f"/staff/questions/{question_id}/review",
        data={"csrf_token": token, "note": "", "reviewed": "false"},
    )
    assert web.get("/staff", params={"reviewed": "yes"}).context["result"].total == 0  # type: ignore[attr-defined]
    sign_in(web, "content@clinic.example")
    page = web.get(f"/staff/questions/{question_id}")
    assert page.status_code == 200 and not soup(page).select("form.review")  # read-only


def test_red_flags_show_their_tier_and_concept_and_filter(web: TestClient) -> None:
    sign_in(web, "staff@clinic.example")
    listed = web.get("/staff", params={"tier": "B"})
    result = listed.context["result"]  # type: ignore[attr-defined]
    assert [q.message for q in result.items] == [URGENT_B]
    row = soup(listed).select_one("tr.kind-urgent")
    assert row is not None and "tier B" in row.get_text()
    assert load_catalogue().concept("vascular_occlusion").title in row.get_text()
    by_concept = web.get("/staff", params={"concept": "vascular_occlusion"}).context["result"]  # type: ignore[attr-defined]
    assert (
        by_concept.total == 1
        and web.get("/staff", params={"tier": "A"}).context["result"].total == 0
    )  # type: ignore[attr-defined]
    detail = web.get(f"/staff/questions/{result.items[0].id}")
    assert "tier B" in soup(detail).select_one("dl.facts").get_text()  # type: ignore[union-attr]


def test_a_missed_red_flag_can_be_marked_for_the_catalogue(
    web: TestClient, question_id: int
) -> None:
    sign_in(web, "staff@clinic.example")
    token = csrf(web)
    done = web.post(
        f"/staff/questions/{question_id}/missed", data={"csrf_token": token, "missed": "true"}
    )
    assert done.status_code == 200 and "Marked as a missed red flag" in done.text
    missed = web.get("/staff", params={"missed": "yes"}).context["result"]  # type: ignore[attr-defined]
    assert [q.id for q in missed.items] == [question_id]
    assert web.get(f"/staff/api/questions/{question_id}").json()["missed_red_flag"] is True
    web.post(
        f"/staff/questions/{question_id}/missed", data={"csrf_token": token, "missed": "false"}
    )
    assert web.get("/staff", params={"missed": "yes"}).context["result"].total == 0  # type: ignore[attr-defined]
    assert web.post("/staff/questions/999999/missed", data={"csrf_token": token}).status_code == 404
    sign_in(web, "content@clinic.example")
    page = web.get(f"/staff/questions/{question_id}")
    assert not soup(page).select("form.missed")  # content may read, not review


def test_csv_export_of_the_filtered_view(web: TestClient) -> None:
    sign_in(web, "content@clinic.example")
    response = web.get("/staff/export.csv", params={"kind": "no_answer", "q": "exosome"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert re.match(
        r'attachment; filename="questions-\d{4}-\d\d-\d\d\.csv"',
        response.headers["content-disposition"],
    )
    assert response.text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][:6] == ["time", "query_id", "conversation_id", "channel", "kind", "message"]
    assert sorted(r[5] for r in rows[1:]) == sorted(q for q in GAP_QUESTIONS if "xosome" in q)
    assert {r[4] for r in rows[1:]} == {"no_answer"}


def test_charts_are_server_drawn_svg(web: TestClient) -> None:
    sign_in(web, "staff@clinic.example")
    page = web.get("/staff/charts")
    svgs = soup(page).select("svg.chart")
    assert len(svgs) == 3 and not soup(page).select("script")
    days = page.context["days"]  # type: ignore[attr-defined]
    assert len(days) == 30 and days[-1].day == datetime.now(SYDNEY).date()
    bars = svgs[0].select("rect")
    assert sum(int(b.title.get_text().split(": ")[1].split()[0]) for b in bars) == sum(  # type: ignore[union-attr]
        d.total for d in days
    )
    assert svgs[2].select("rect.unhelpful") and svgs[1].select("circle.rate")
    week = web.get("/staff/charts", params={"since": str(days[-7].day)})
    assert len(week.context["days"]) == 7  # type: ignore[attr-defined]
    stats = web.get("/staff/api/stats").json()
    assert len(stats) == 30 and set(stats[0]) >= {"day", "answer", "no_answer", "answer_rate"}


def test_content_gaps_group_similar_questions_largest_first(web: TestClient) -> None:
    sign_in(web, "content@clinic.example")
    page = web.get("/staff/gaps")
    gaps = page.context["gaps"]  # type: ignore[attr-defined]
    groups = [sorted(q.message for q in g.questions) for g in gaps]
    assert groups[0] == sorted(q for q in GAP_QUESTIONS if "xosome" in q)
    assert sorted(["Do you offer payment plans?", "What payment plan options are there?"]) in groups
    assert ["Is it safe to fly after a facelift?"] in groups  # unhelpful answers count too
    assert all("opening hours" not in m or len(g) == 1 for g in groups for m in g)
    items = soup(page).select("ol.gaps > li")
    assert len(items) == len(gaps) and "3 questions" in items[0].get_text()


def test_the_api_returns_json(web: TestClient, question_id: int) -> None:
    sign_in(web, "staff@clinic.example")
    listed = web.get("/staff/api/questions", params={"kind": "no_answer"}).json()
    assert listed["total"] >= 6 and {i["kind"] for i in listed["items"]} == {"no_answer"}
    one = web.get(f"/staff/api/questions/{question_id}").json()
    assert one["message"] == SIDE_EFFECTS and one["shown"][0]["chunk_id"]
    assert one["reply"]["passages"][0]["text"]


def test_accounts_page_for_admins(web: TestClient) -> None:
    sign_in(web, "admin@clinic.example")
    page = web.get("/staff/accounts")
    cells = [td.get_text() for td in soup(page).select("table.accounts td:first-child")]
    assert cells == [f"{r}@clinic.example" for r in sorted(ROLES)]
    assert "password" not in page.text.lower().replace("set-password", "")


# The patient's side: logged, redacted, never failing because of the log


def test_patient_messages_are_logged_redacted_with_latency(web: TestClient) -> None:
    message = "Hi I'm Sarah, 0412 345 678 — what are the side effects of stem cell therapy?"
    reply = web.post("/api/chat", json={"message": message}).json()
    log: QueryLog = web.app.state.querylog  # type: ignore[attr-defined]
    assert log.flush()
    [logged] = log.questions(Filters(q="[PHONE]")).items
    assert (
        logged.message == "Hi I'm [NAME], [PHONE] — what are the side effects of stem cell therapy?"
    )
    assert logged.query_id == reply["query_id"] and logged.index_version == reply["index_version"]
    assert [c for c, _ in logged.shown] == [p["chunk_id"] for p in reply["passages"]]
    assert logged.latency_ms >= 1 and logged.channel == "api"


def test_a_failing_log_never_fails_the_patient(
    web: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    log: QueryLog = web.app.state.querylog  # type: ignore[attr-defined]

    def down(write: bool = False) -> Any:
        raise OperationalError("INSERT", {}, ConnectionError("database is down"))

    monkeypatch.setattr(log.db, "session", down)
    reply = web.post("/api/chat", json={"message": SIDE_EFFECTS})
    assert reply.status_code == 200 and reply.json()["kind"] == "answer"
    assert log.flush()
    health = web.get("/healthz").json()
    assert health["status"] == "ok" and health["log"] == "degraded" and health["log_spooled"] == 1
    assert "database write failed" in caplog.text
    monkeypatch.undo()
    assert log.flush()
    assert web.get("/healthz").json()["log"] == "ok"

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a bug in the log")

    monkeypatch.setattr("bot.log.querylog.record_op", broken)
    assert web.post("/api/chat", json={"message": SIDE_EFFECTS}).status_code == 200
    assert "could not queue" in caplog.text


def test_staff_area_on_postgres(settings: Settings, postgres: Any, tmp_path: Path) -> None:
    url = postgres.new_database()
    local = settings.model_copy(update={"data_dir": tmp_path, "database_url": url})
    with TestClient(create_app(local)) as client:
        client.app.state.users.add("admin@clinic.example", "admin", PASSWORD)  # type: ignore[attr-defined]
        client.post("/api/chat", json={"message": "my email is pat@example.com, " + SIDE_EFFECTS})
        assert client.app.state.querylog.flush()  # type: ignore[attr-defined]
        assert sign_in(client, "admin@clinic.example").status_code == 303
        page = client.get("/staff")
        assert page.context["result"].items[0].message.startswith("my email is [EMAIL]")  # type: ignore[attr-defined]
        assert client.get("/healthz").json()["log"] == "ok"
        assert not (tmp_path / "bot.sqlite3").exists()


def test_the_no_javascript_page_and_feedback_reach_the_log(web: TestClient) -> None:
    page = web.post("/", data={"message": "my email is jo@example.com, what is exosome therapy?"})
    assert page.status_code == 200
    log: QueryLog = web.app.state.querylog  # type: ignore[attr-defined]
    assert log.flush()
    [logged] = log.questions(Filters(q="what is exosome therapy")).items
    assert logged.channel == "page" and logged.message.startswith("my email is [EMAIL]")
    sent = web.post(
        "/api/feedback",
        json={"query_id": logged.query_id, "helpful": False, "comment": "Call me on 0412 345 678"},
    )
    assert sent.status_code == 202
    assert log.flush()
    rated = log.get(logged.id)
    assert rated and rated.helpful is False and rated.comment == "Call me on [PHONE]"


def test_a_database_that_is_down_gives_staff_a_503_page(
    web: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(web, "staff@clinic.example")

    def down(token: str) -> None:
        raise OperationalError("SELECT", {}, ConnectionError("database is down"))

    monkeypatch.setattr(web.app.state.users, "session_user", down)  # type: ignore[attr-defined]
    page = web.get("/staff")
    assert page.status_code == 503 and "unavailable" in page.text
    assert web.get("/staff/api/questions").status_code == 503
    assert web.post("/api/chat", json={"message": SIDE_EFFECTS}).status_code == 200
