"""The settings file (`bot.env`): `BOT_NAME=value` lines, read by `bot.settings` after the
environment. Writing keeps every line it does not change (comments, other settings), and
quotes values so that spaces, `#` and quotes survive python-dotenv's parser."""

from __future__ import annotations

import os
import re
from pathlib import Path

_LINE = re.compile(r"^\s*(?:export\s+)?(BOT_[A-Z0-9_]+)\s*=")


def quote(value: str) -> str:
    """A value as python-dotenv reads it back unchanged."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def update(path: Path, values: dict[str, str]) -> None:
    """Set `values` (names without the BOT_ prefix, lower case) in the file at `path`,
    atomically, mode 0600 (it may hold keys)."""
    wanted = {f"BOT_{name.upper()}": value for name, value in values.items()}
    lines = (
        path.read_text(encoding="utf-8").splitlines()
        if path.is_file()
        else [
            "# Settings for the clinic chatbot, written by `bot setup`; the environment wins.",
        ]
    )
    out = []
    for line in lines:
        match = _LINE.match(line)
        if match and match.group(1) in wanted:
            out.append(f"{match.group(1)}={quote(wanted.pop(match.group(1)))}")
        else:
            out.append(line)
    out += [f"{name}={quote(value)}" for name, value in wanted.items()]
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(out) + "\n")
    os.replace(tmp, path)
