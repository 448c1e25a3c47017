"""Plain-text articles: headings, lists and tables found by layout rules.

Rules, in order: an optional YAML front matter; the first line is the title;
a `#` line, an ALL-CAPS line, a line underlined with `===`/`---`, or a short
title-cased line without closing punctuation (optionally numbered, "2. Scar
Reduction") is a heading; `-`, `*`, `•` lines are list items; `|`-separated
lines are table rows (the first is the header); other lines are paragraphs,
and a blank line ends one.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.articles import frontmatter
from bot.articles.documents import Document, DocumentBuilder

_BULLET = re.compile(r"^\s*(?:[-*•●▪]|\d{1,2}\))\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,2}[.)]\s+(.*)$")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SMALL_WORDS = {
    "a", "an", "and", "as", "at", "be", "but", "by", "for", "from", "in", "into", "is",
    "it", "of", "on", "or", "post", "the", "to", "vs", "with", "within", "your", "after",
}  # fmt: skip


def looks_like_heading(line: str) -> bool:
    """A short line in title case (or capitals) that does not end like a sentence."""
    line = line.strip()
    words = re.findall(r"[A-Za-z][\w'’-]*", line)
    if not words or len(line) > 120 or len(words) > 16 or line[-1] in '.,;:!"”':
        return False
    if line.isupper() and len(words) <= 10:
        return True
    significant = [w for w in words if w.lower() not in _SMALL_WORDS]
    capitalised = sum(w[0].isupper() for w in significant)
    return bool(significant) and capitalised / len(significant) >= 0.6


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse(path: Path, content: str, doc_id: str) -> Document:
    """Parse a plain-text article by the layout rules above."""
    meta, body, offset = frontmatter.split(path, content)
    doc = Document(doc_id=doc_id, title="", url="", source=str(path))
    frontmatter.apply(doc, meta, path, content)
    build = DocumentBuilder(doc)
    lines = body.split("\n")
    para: list[str] = []
    para_line = 0
    items: list[str] = []
    items_line = 0
    table: list[list[str]] = []
    table_line = 0

    def flush() -> None:
        nonlocal para, items, table
        if para:
            build.paragraph(" ".join(para), para_line)
        if items:
            build.bullet_list(items, items_line)
        if table:
            build.table(table[0], table[1:], table_line)
        para, items, table = [], [], []

    for n, raw in enumerate(lines, start=offset + 1):
        line = raw.strip()
        nxt = lines[n - offset].strip() if n - offset < len(lines) else ""
        if not line or re.fullmatch(r"[=\-]{3,}", line):
            flush()
            continue
        if not doc.title:
            doc.title = line.lstrip("#").strip()
            build.heading(doc.title, 1)
            continue
        md = _MD_HEADING.match(line)
        if md or re.fullmatch(r"[=\-]{3,}", nxt):
            flush()
            build.heading(md.group(2) if md else line, len(md.group(1)) if md else 2)
            continue
        if line.count("|") >= 2:
            if para or items:
                flush()
            if not re.fullmatch(r"[|:\-\s]+", line):
                if not table:
                    table_line = n
                table.append(_cells(line))
            continue
        numbered = _NUMBERED.match(line)
        if numbered and looks_like_heading(numbered.group(1)):
            flush()
            build.heading(line, 3)
            continue
        bullet = _BULLET.match(line) or numbered
        if bullet:
            if para or table:
                flush()
            if not items:
                items_line = n
            items.append(bullet.group(1))
            continue
        if looks_like_heading(line):
            flush()
            build.heading(line, 2)
            continue
        if items or table:
            flush()
        if not para:
            para_line = n
        para.append(line)
        if line[-1] in '.!?:”"' and nxt[:1].isupper():
            flush()
    flush()
    return build.finish()
