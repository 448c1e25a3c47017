"""The JSON contract of /api/chat and /healthz, its errors, and the three kinds of reply."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.settings import Settings
from bot.web.app import create_app


def ask(client: TestClient, message: str, conversation_id: str | None = None) -> dict:
    response = client.post(
        "/api/chat", json={"message": message, "conversation_id": conversation_id}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_healthz_names_the_loaded_index(client: TestClient, settings: Settings) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["index_version"] == (settings.index_dir / "CURRENT").read_text().strip()


def test_answer_has_the_documented_shape(client: TestClient) -> None:
    body = ask(client, "What are the side effects of stem cell therapy?")
    assert body["kind"] == "answer"
    assert set(body) == {
        "conversation_id", "query_id", "kind", "message", "disclaimer", "index_version",
        "passages", "own_case", "urgent", "language_notice",
    }  # fmt: skip
    assert 1 <= len(body["passages"]) <= 3
    first = body["passages"][0]
    assert "Invasive, potential for pain, dryness and fatigue" in first["text"]
    assert (
        first["source"]["title"] == "The Rise of Exosome-Mediated Advancements in Plastic Surgery"
    )
    assert first["source"]["url"].startswith("/articles/exosome-therapy-plastic-surgery#")
    assert "not personal medical advice" in body["disclaimer"]
    scores = [p["score"] for p in body["passages"]]
    assert scores == sorted(scores, reverse=True)


def test_passages_carry_the_sources_they_cite(client: TestClient) -> None:
    body = ask(client, "What did the Mayo Clinic surgeon say about exosomes?")
    assert body["kind"] == "answer"
    assert "Mayo Clinic" in body["passages"][0]["cites"]


def test_exact_terms_are_found(client: TestClient) -> None:
    body = ask(client, "what does the TGA allow?")
    assert "Therapeutic Goods Association (TGA)" in body["passages"][0]["text"]


@pytest.mark.parametrize(
    "message",
    [
        "What are your opening hours on Saturday?",
        "will it rain in Sydney tomorrow",
        "asdf qwer zxcv",
    ],
)
def test_uncovered_questions_get_no_passages_and_the_clinic_contact(
    client: TestClient, settings: Settings, message: str
) -> None:
    body = ask(client, message)
    assert body["kind"] == "no_answer"
    assert body["passages"] == []
    assert settings.clinic_contact in body["message"]


def test_emergency_comes_first_with_the_number(client: TestClient) -> None:
    body = ask(client, "I had a tummy tuck yesterday and I'm bleeding heavily and it won't stop")
    assert body["kind"] == "urgent"
    assert "000" in body["message"] and "surgeon" in body["message"]
    assert body["passages"] == []


def test_self_harm_gets_the_crisis_line(client: TestClient) -> None:
    body = ask(client, "i want to kill myself")
    assert body["kind"] == "urgent"
    assert "13 11 14" in body["message"]


def test_ordinary_question_about_swelling_is_not_urgent(client: TestClient) -> None:
    body = ask(client, "Can exosomes help with redness and swelling after fillers?")
    assert body["kind"] == "answer"


def test_follow_up_is_read_in_context(client: TestClient) -> None:
    first = ask(client, "How is stem cell therapy given?")
    follow = ask(client, "what are its side effects?", first["conversation_id"])
    assert follow["conversation_id"] == first["conversation_id"]
    assert follow["kind"] == "answer"
    assert any("dryness and fatigue" in p["text"] for p in follow["passages"])


def test_a_short_follow_up_without_a_pronoun_keeps_the_topic(client: TestClient) -> None:
    """A few words after an answer, not answered on their own, are read in its context;
    a short message answered on its own starts a new topic."""
    first = ask(client, "is exosome therapy different from stem cell therapy?")
    conversation = first["conversation_id"]
    alone = ask(client, "needles?")
    assert alone["kind"] == "no_answer"  # no topic to lean on
    follow = ask(client, "needles?", conversation)
    assert follow["kind"] == "answer"
    assert any("Injected directly into the treatment area" in p["text"] for p in follow["passages"])
    typo = ask(client, "recovry time?", conversation)  # read as English, typo repaired
    assert any("longer recovery time" in p["text"] for p in typo["passages"])
    assert typo["language_notice"] is None
    new = ask(client, "who regulates exosome therapy in australia?", conversation)
    assert any("Therapeutic Goods" in p["text"] for p in new["passages"])
    # Still declined when the articles do not say, in context or not.
    assert ask(client, "how much per session", conversation)["kind"] == "no_answer"


def test_emergency_numbers_come_from_settings(settings: Settings) -> None:
    local = settings.model_copy(update={"emergency_number": "911", "crisis_line": "988"})
    with TestClient(create_app(local)) as client:
        assert "911" in ask(client, "my chest hurts and I can't breathe after surgery")["message"]
        assert "988" in ask(client, "I want to end my life")["message"]


@pytest.mark.parametrize(
    "payload",
    [
        {"message": ""},
        {"message": "   \n\t "},
        {"message": "\u00a0\u2003"},  # spaces in every regex dialect
        {"message": "\x1c\x1f\x85"},  # spaces only to Python's str.strip
        {"message": "x" * 1001},
        {"message": 42},
        {"message": None},
        {"message": ["a list"]},
        {},
        {"message": "hi", "conversation_id": 7},
        {"message": "hi", "conversation_id": "../../etc"},
    ],
)
def test_bad_requests_get_a_readable_422(client: TestClient, payload: dict) -> None:
    response = client.post("/api/chat", json=payload)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail and all(isinstance(d["msg"], str) and d["msg"] for d in detail)


def test_the_schema_says_a_message_needs_a_character_that_is_not_a_space(
    client: TestClient,
) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["ChatRequest"]
    pattern = schema["properties"]["message"]["pattern"]
    assert re.search(pattern, "\u00a0\x1c\x85 ") is None
    assert re.search(pattern, "\u00a0 hi") is not None
    assert client.post("/api/chat", json={"message": "\u00a0 hi \x1c"}).status_code == 200


def test_not_json_is_422(client: TestClient) -> None:
    response = client.post(
        "/api/chat", content=b"message=hi", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_openapi_documents_the_contract(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/chat" in schema["paths"]
    response = schema["components"]["schemas"]["ChatResponse"]
    assert set(response["required"]) >= {"kind", "passages", "disclaimer", "index_version"}


def test_source_links_resolve_to_the_article_section(client: TestClient) -> None:
    body = ask(client, "Which procedures can exosome therapy be used after?")
    url = body["passages"][0]["source"]["url"]
    page = client.get(url.split("#")[0])
    assert page.status_code == 200
    assert f'id="{url.split("#")[1]}"' in page.text
    assert client.get("/articles/no-such-article").status_code == 404


def test_missing_index_keeps_the_server_up_but_unavailable(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(index_dir=tmp_path / "none"))) as client:
        health = client.get("/healthz")
        assert health.status_code == 503
        assert "bot index" in health.json()["reason"]
        chat = client.post("/api/chat", json={"message": "hello"})
        assert chat.status_code == 503
        assert "unavailable" in chat.json()["detail"]
        assert "Traceback" not in chat.text


def test_own_case_is_flagged_beside_general_passages(client: TestClient) -> None:
    body = ask(client, "Am I a good candidate for exosome therapy after my facelift?")
    assert body["own_case"] is True
    assert ask(client, "What are exosomes?")["own_case"] is False
