"""YAML front matter (`---` … `---`) shared by Markdown and plain-text articles."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.articles.documents import CorpusError, Document, Reference

KEYS = {
    "title", "url", "published", "reviewed_by", "reviewed_on", "references", "review_by",
    "questions",
}  # fmt: skip


def split(path: Path, content: str) -> tuple[dict[str, Any], str, int]:
    """Return (metadata, body, number of lines before the body)."""
    if not content.startswith("---\n"):
        return {}, content, 0
    end = re.search(r"^(---|\.\.\.)[ \t]*$", content[4:], flags=re.MULTILINE)
    if end is None:
        raise CorpusError(path, 1, "front matter starts with '---' but is never closed")
    raw = content[4 : 4 + end.start()]
    try:
        meta = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        # The context mark is where the broken construct starts ("[" of an unclosed list).
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise CorpusError(path, line, f"broken front matter: {problem}") from exc
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise CorpusError(path, 2, "broken front matter: expected 'key: value' lines")
    body_start = 4 + end.end()
    return meta, content[body_start:], content[:body_start].count("\n")


def _line_of(content: str, key: str) -> int:
    for n, line in enumerate(content.splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return n
    return 1


def _date(value: Any, path: Path, content: str, key: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise CorpusError(
            path, _line_of(content, key), f"{key} must be a date like 2025-03-01, not {value!r}"
        ) from exc


def _text(value: Any, path: Path, content: str, key: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise CorpusError(path, _line_of(content, key), f"{key} must be text")
    return str(value).strip()


MAX_QUESTION_CHARS = 200


def _questions(value: Any, path: Path, content: str) -> list[str]:
    """`questions:` — what patients ask that the article answers, offered as suggestions."""
    if value is None:
        return []
    line = _line_of(content, "questions")
    if not isinstance(value, list) or not all(isinstance(q, str) for q in value):
        raise CorpusError(path, line, "questions must be a list of questions, one per line")
    questions = [q.strip() for q in value if q.strip()]
    for q in questions:
        if len(q) > MAX_QUESTION_CHARS:
            raise CorpusError(path, line, f"a question is over {MAX_QUESTION_CHARS} characters")
    return questions


def apply(doc: Document, meta: dict[str, Any], path: Path, content: str) -> None:
    """Copy validated front-matter fields onto `doc`."""
    unknown = sorted(set(meta) - KEYS)
    if unknown:
        raise CorpusError(
            path, _line_of(content, unknown[0]), f"unknown front matter key {unknown[0]!r}"
        )
    if "title" in meta:
        doc.title = _text(meta["title"], path, content, "title")
        if not doc.title:
            raise CorpusError(path, _line_of(content, "title"), "title is empty")
    doc.url = _text(meta.get("url"), path, content, "url")
    doc.published = _date(meta.get("published"), path, content, "published")
    doc.reviewed_by = _text(meta.get("reviewed_by"), path, content, "reviewed_by")
    doc.reviewed_on = _date(meta.get("reviewed_on"), path, content, "reviewed_on")
    doc.questions = _questions(meta.get("questions"), path, content)
    refs = meta.get("references") or []
    line = _line_of(content, "references")
    if not isinstance(refs, list):
        raise CorpusError(path, line, "references must be a list of {name, url}")
    for ref in refs:
        if not isinstance(ref, dict) or not str(ref.get("name") or "").strip():
            raise CorpusError(path, line, f"each reference needs a name, got {ref!r}")
        aliases = ref.get("aliases") or []
        if not isinstance(aliases, list):
            raise CorpusError(path, line, "reference aliases must be a list")
        doc.references.append(
            Reference(
                name=str(ref["name"]).strip(),
                url=str(ref.get("url") or "").strip(),
                aliases=[str(a) for a in aliases],
            )
        )
