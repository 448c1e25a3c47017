"""Bulk corpora as JSON Lines, one document a line: {id, title, url, section, text}."""

from __future__ import annotations

import json
from pathlib import Path

from bot.articles.documents import CorpusError, Document, DocumentBuilder, Section


def parse(path: Path, content: str) -> list[Document]:
    """Parse every line; the first bad line stops with its line number."""
    docs: list[Document] = []
    seen: set[str] = set()
    for n, line in enumerate(content.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(path, n, f"not valid JSON: {exc.msg}") from exc
        if not isinstance(row, dict):
            raise CorpusError(path, n, "each line must be a JSON object")
        for key in ("id", "title", "text"):
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise CorpusError(path, n, f"missing or empty text field {key!r}")
        for key in ("url", "section"):
            if not isinstance(row.get(key, ""), str):
                raise CorpusError(path, n, f"field {key!r} must be text")
        doc_id = row["id"].strip()
        if doc_id in seen:
            raise CorpusError(path, n, f"duplicate document id {doc_id!r}")
        seen.add(doc_id)
        doc = Document(
            doc_id=doc_id, title=row["title"].strip(), url=row.get("url", ""), source=f"{path}:{n}"
        )
        build = DocumentBuilder(doc)
        # Bulk sources link to whole pages, so their sections carry no anchor.
        doc.sections.append(Section(row.get("section", "").strip(), 2, ""))
        for para in row["text"].split("\n"):
            build.paragraph(para, n)
        docs.append(build.finish())
    return docs
