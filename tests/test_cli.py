"""The `bot` command, run in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.index.versions import active_version
from bot.settings import Settings
from tests.conftest import write


@pytest.fixture
def env(settings: Settings) -> dict[str, str]:
    return {"BOT_INDEX_DIR": str(settings.index_dir), "BOT_CORPUS_DIR": str(settings.corpus_dir)}


def test_ask_prints_passages_and_sources(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["ask", "Is exosome therapy allowed in Australia?"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("[answer]")
    assert "Therapeutic Goods Association" in result.output
    assert "/articles/exosome-therapy-plastic-surgery#" in result.output
    assert "not personal medical advice" in result.output


def test_ask_json_matches_the_api(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["ask", "what's the weather like", "--json"], env=env)
    body = json.loads(result.output)
    assert body["kind"] == "no_answer" and body["passages"] == []


def test_index_reports_a_bad_file_and_keeps_the_index(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus, "good.md", "# Good\n\nFine text.\n")
    env = {"BOT_CORPUS_DIR": str(corpus), "BOT_INDEX_DIR": str(tmp_path / "index")}
    runner = CliRunner()
    first = runner.invoke(main, ["index"], env=env)
    assert first.exit_code == 0, first.output
    assert "1 documents" in first.output
    version = active_version(tmp_path / "index")
    write(corpus, "bad.md", b"\xff\xfe not text")
    second = runner.invoke(main, ["index"], env=env)
    assert second.exit_code == 1
    assert f"{corpus / 'bad.md'}:1: not valid UTF-8" in second.output
    assert "left unchanged" in second.output
    assert active_version(tmp_path / "index") == version
    third = runner.invoke(main, ["index", "--if-stale"], env=env)
    assert third.exit_code == 1  # still broken: the stale check does not hide errors
    (corpus / "bad.md").unlink()
    assert "up to date" in runner.invoke(main, ["index", "--if-stale"], env=env).output


def test_eval_prints_the_metrics(env: dict[str, str], tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"id": "1", "type": "answer", "question": "does the TGA allow injecting exosomes?", '
        '"evidence": ["allowed to be applied only through topical use"]}\n'
        '{"id": "2", "type": "no_answer", "question": "what time do you close today?"}\n'
        '{"id": "3", "type": "urgent", "question": "i cant breathe and my chest hurts"}\n'
    )
    result = CliRunner().invoke(main, ["eval", "--file", str(questions)], env=env)
    assert result.exit_code == 0, result.output
    lines = dict(line.split(None, 1) for line in result.output.splitlines())
    assert lines["hit@3"].startswith("1.000")
    assert lines["abstention"].startswith("1.000")
    assert lines["urgent_recall"].startswith("1.000")


def test_serve_starts_the_workers_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[tuple[Settings, bool]] = []
    monkeypatch.setattr("bot.web.server.run", lambda s, access_log: started.append((s, access_log)))
    runner = CliRunner()
    assert runner.invoke(main, ["serve", "--port", "8123", "--workers", "2"]).exit_code == 0
    assert (
        runner.invoke(main, ["serve", "--no-access-log"], env={"BOT_WORKERS": "3"}).exit_code == 0
    )
    (first, logged), (second, unlogged) = started
    assert (first.port, first.workers, logged) == (8123, 2, True)
    assert (second.workers, unlogged) == (3, False)
    assert runner.invoke(main, ["serve", "--workers", "0"]).exit_code != 0


def test_the_workers_listener_has_nagle_off() -> None:
    import socket

    from bot.web.server import APP_FACTORY, NoDelayConfig

    sock = NoDelayConfig(APP_FACTORY, factory=True, host="127.0.0.1", port=0).bind_socket()
    with sock:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
