"""Feedback is appended durably, and a failed write loses nothing the log cannot replay."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot import feedback


def test_lines_are_appended_and_the_folder_created(tmp_path: Path) -> None:
    data = tmp_path / "new" / "data"
    assert feedback.record(data, "q1", True, None)
    assert feedback.record(data, "q1", True, "Clear, thanks — ✓")
    assert [(e["query_id"], e["helpful"], e["comment"]) for e in feedback.read(data)] == [
        ("q1", True, None),
        ("q1", True, "Clear, thanks — ✓"),
    ]


def test_a_failed_write_is_logged_with_the_answer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with caplog.at_level(logging.ERROR, logger="bot.feedback"):
        assert not feedback.record(blocked, "q2", False, "too vague")
    assert '"query_id": "q2"' in caplog.text and "too vague" in caplog.text
