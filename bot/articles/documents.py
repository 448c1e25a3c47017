"""Articles as the bot sees them: documents made of sections of blocks.

Every parser (Markdown, plain text, HTML, JSON Lines) produces the same
`Document`, so chunking and indexing never care where an article came from.
Bad input raises `CorpusError` naming the file, the line and the reason.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal


class CorpusError(Exception):
    """An article that cannot be read; the message names file, line and reason."""

    def __init__(self, path: Path | str, line: int | None, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {reason}")


@dataclass
class Block:
    """A paragraph, a list (with `items`) or a table (with `header` and `rows`)."""

    kind: Literal["paragraph", "list", "table"]
    line: int
    text: str = ""
    items: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Section:
    """A heading and the blocks under it; `anchor` is empty when the source has none."""

    heading: str
    level: int
    anchor: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Reference:
    """A source the article cites; `url` stays empty when the article gives none."""

    name: str
    url: str = ""
    aliases: list[str] = field(default_factory=list)


@dataclass
class Document:
    """One article, whatever format it came in."""

    doc_id: str
    title: str
    url: str
    source: str
    sections: list[Section] = field(default_factory=list)
    published: date | None = None
    reviewed_by: str = ""
    reviewed_on: date | None = None
    references: list[Reference] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)  # suggested, as patients ask them

    def link(self, anchor: str = "") -> str:
        """Address of the article (or one of its sections) for patients to follow."""
        base = self.url or f"/articles/{self.doc_id}"
        return f"{base}#{anchor}" if anchor else base


def slugify(text: str) -> str:
    """A URL fragment for a heading, as most site generators make it."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


class DocumentBuilder:
    """Collects headings and blocks in reading order; shared by every parser."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self._anchors: set[str] = set()

    def heading(self, text: str, level: int) -> None:
        text = clean_text(text)
        if not text:
            return
        anchor = slugify(text)
        n = 2
        while anchor in self._anchors:
            anchor = f"{slugify(text)}-{n}"
            n += 1
        self._anchors.add(anchor)
        self.doc.sections.append(Section(text, level, anchor))

    def _section(self) -> Section:
        if not self.doc.sections:
            self.doc.sections.append(Section("", 0, ""))
        return self.doc.sections[-1]

    def paragraph(self, text: str, line: int) -> None:
        text = clean_text(text)
        if text:
            self._section().blocks.append(Block("paragraph", line, text=text))

    def bullet_list(self, items: list[str], line: int) -> None:
        items = [t for t in (clean_text(i) for i in items) if t]
        if items:
            self._section().blocks.append(Block("list", line, items=items))

    def table(self, header: list[str], rows: list[list[str]], line: int) -> None:
        header = [clean_text(h) for h in header]
        rows = [[clean_text(c) for c in r] for r in rows if any(c.strip() for c in r)]
        if rows:
            self._section().blocks.append(Block("table", line, header=header, rows=rows))

    def finish(self) -> Document:
        """The document, without sections that ended up empty."""
        self.doc.sections = [s for s in self.doc.sections if s.blocks]
        return self.doc


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")


def clean_text(text: str) -> str:
    """Collapse whitespace and drop control characters; wording is kept as written."""
    return re.sub(r"\s+", " ", _CONTROL.sub("", text)).strip()


def read_text(path: Path) -> str:
    """Read a file as UTF-8 text, refusing empty, binary or undecodable files."""
    data = path.read_bytes()
    if not data.strip():
        raise CorpusError(path, None, "the file is empty")
    if b"\x00" in data[:8192]:
        raise CorpusError(path, None, "the file is binary, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CorpusError(path, line, f"not valid UTF-8 (byte {exc.start})") from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")
