"""Markdown articles with YAML front matter, parsed by markdown-it-py (CommonMark + tables)."""

from __future__ import annotations

from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from bot.articles import frontmatter
from bot.articles.documents import Document, DocumentBuilder
from bot.articles.html import soup_of

_MD = MarkdownIt("commonmark").enable("table")


def inline_text(token: Token) -> str:
    """Plain text of an inline token: formatting dropped, link text kept."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
        elif child.type == "html_inline":
            continue
    return "".join(parts)


def parse(path: Path, content: str, doc_id: str) -> Document:
    """Parse a Markdown article; the title falls back to its first heading."""
    meta, body, offset = frontmatter.split(path, content)
    doc = Document(doc_id=doc_id, title="", url="", source=str(path))
    frontmatter.apply(doc, meta, path, content)
    build = DocumentBuilder(doc)
    tokens = _MD.parse(body)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        line = (tok.map[0] if tok.map else 0) + offset + 1
        if tok.type == "heading_open":
            text = inline_text(tokens[i + 1])
            if not doc.title:
                doc.title = text
            build.heading(text, int(tok.tag[1]))
            i += 3
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            items, i = _list_items(tokens, i)
            build.bullet_list(items, line)
        elif tok.type == "table_open":
            header, rows, i = _table(tokens, i)
            build.table(header, rows, line)
        elif tok.type == "inline":
            build.paragraph(inline_text(tok), line)
            i += 1
        elif tok.type in ("fence", "code_block"):
            build.paragraph(tok.content, line)
            i += 1
        elif tok.type == "html_block":
            soup = soup_of(tok.content)
            for bad in soup(["script", "style", "template"]):
                bad.decompose()
            build.paragraph(soup.get_text(" "), line)
            i += 1
        else:
            i += 1
    if not doc.title:
        doc.title = path.stem.replace("-", " ").replace("_", " ").strip().capitalize()
    return build.finish()


def _list_items(tokens: list[Token], i: int) -> tuple[list[str], int]:
    """Items of the list opening at `i` (nested items flattened), and the index after it."""
    depth = 0
    items: list[str] = []
    current: list[str] = []
    while i < len(tokens):
        tok = tokens[i]
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
            if depth == 0:
                break
        elif tok.type == "list_item_open" and current:
            items.append(" ".join(current))
            current = []
        elif tok.type == "inline":
            current.append(inline_text(tok))
        i += 1
    if current:
        items.append(" ".join(current))
    return items, i + 1


def _table(tokens: list[Token], i: int) -> tuple[list[str], list[list[str]], int]:
    header: list[str] = []
    rows: list[list[str]] = []
    row: list[str] = []
    in_head = False
    while tokens[i].type != "table_close":
        tok = tokens[i]
        if tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "tr_close":
            if in_head:
                header = row
            else:
                rows.append(row)
        elif tok.type == "inline":
            row.append(inline_text(tok))
        i += 1
    return header, rows, i + 1
