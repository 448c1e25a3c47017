"""HTML articles, parsed with BeautifulSoup; navigation and page furniture dropped."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
from bs4.element import NavigableString, Tag

from bot.articles.documents import Document, DocumentBuilder

_DROP = [
    "script", "style", "noscript", "template", "iframe", "svg", "form", "button",
    "nav", "header", "footer", "aside", "input", "select", "textarea", "object", "embed",
]  # fmt: skip
_FURNITURE = re.compile(
    r"\b(nav|navbar|menu|breadcrumbs?|cookie|footer|header|sidebar|share|social|"
    r"newsletter|banner|advert|ads|popup|modal|subscribe|related)\b",
    re.IGNORECASE,
)
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def soup_of(content: str) -> BeautifulSoup:
    """`content` parsed; an upload that happens to look like a file name or URL ("a.md",
    "") is still just text, so BeautifulSoup's warning about it is silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        return BeautifulSoup(content, "html.parser")


def _is_furniture(tag: Tag) -> bool:
    if tag.get("role") in ("navigation", "banner", "contentinfo", "complementary"):
        return True
    names = " ".join([*(tag.get("class") or []), str(tag.get("id") or "")])
    return bool(_FURNITURE.search(names.replace("-", " ").replace("_", " ")))


def _meta(soup: BeautifulSoup, *names: str) -> str:
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
        if isinstance(tag, Tag) and tag.get("content"):
            return str(tag["content"]).strip()
    return ""


def parse(path: Path, content: str, doc_id: str) -> Document:
    """Parse an HTML page's main article (``<article>``, ``<main>`` or ``<body>``)."""
    soup = soup_of(content)
    doc = Document(doc_id=doc_id, title="", url="", source=str(path))
    canonical = soup.find("link", rel="canonical")
    doc.url = _meta(soup, "og:url") or (
        str(canonical.get("href", "")) if isinstance(canonical, Tag) else ""
    )
    published = _meta(soup, "article:published_time", "date")[:10]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", published):
        from datetime import date

        doc.published = date.fromisoformat(published)
    title_tag = soup.find("title")
    doc.title = _meta(soup, "og:title") or (
        title_tag.get_text(" ", strip=True) if title_tag else ""
    )
    for tag in soup(_DROP):
        tag.decompose()
    for tag in soup.find_all(True):
        if isinstance(tag, Tag) and not tag.decomposed and _is_furniture(tag):
            tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    build = DocumentBuilder(doc)
    _walk(root, build)
    if not doc.title:
        first = root.find(list(_HEADINGS)) if isinstance(root, Tag) else None
        doc.title = first.get_text(" ", strip=True) if first else doc_id.replace("-", " ")
    return build.finish()


def _walk(node: Tag | BeautifulSoup, build: DocumentBuilder) -> None:
    loose: list[str] = []

    def flush(line: int) -> None:
        if loose:
            build.paragraph(" ".join(loose), line)
            loose.clear()

    for child in node.children:
        if isinstance(child, NavigableString):
            if child.strip() and type(child) is NavigableString:
                loose.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        line = child.sourceline or 0
        name = child.name
        if name in ("span", "a", "em", "strong", "b", "i", "small", "sup", "sub", "br"):
            loose.append(child.get_text(" "))
            continue
        flush(line)
        if name in _HEADINGS:
            build.heading(child.get_text(" "), int(name[1]))
        elif name == "p" or name == "pre":
            build.paragraph(child.get_text(" "), line)
        elif name in ("ul", "ol"):
            items = [li.get_text(" ") for li in child.find_all("li", recursive=False)]
            build.bullet_list(items, line)
        elif name == "table":
            _table(child, build, line)
        else:
            _walk(child, build)
    flush(0)


def _table(table: Tag, build: DocumentBuilder, line: int) -> None:
    rows = [
        [cell.get_text(" ") for cell in tr.find_all(["th", "td"])] for tr in table.find_all("tr")
    ]
    rows = [r for r in rows if r]
    if not rows:
        return
    build.table(rows[0], rows[1:], line)
