"""Patients' "was this helpful?" answers, kept as append-only JSON Lines.

`<BOT_DATA_DIR>/feedback.jsonl` gets one line per answer; a patient may send a
comment after their yes/no, which adds a second line for the same query (the
last line for a `query_id` is the one that counts). A later issue moves this to
the database.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger("bot.feedback")

FILENAME = "feedback.jsonl"
_lock = threading.Lock()


def record(data_dir: Path, query_id: str, helpful: bool, comment: str | None) -> bool:
    """Append one feedback line; False (with the line in the error log) if it failed.

    A failed write never reaches the patient, and the logged line can be replayed.
    """
    entry = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "query_id": query_id,
        "helpful": helpful,
        "comment": comment,
    }
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with _lock:
            # One write call on an O_APPEND descriptor, so lines never interleave.
            fd = os.open(data_dir / FILENAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(fd, line.encode("utf-8"))
            finally:
                os.close(fd)
    except OSError as exc:
        log.error("feedback not saved (%s): %s", exc, line.strip())
        return False
    return True


def read(data_dir: Path) -> list[dict[str, object]]:
    """Every feedback line recorded so far, oldest first."""
    try:
        text = (data_dir / FILENAME).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]
