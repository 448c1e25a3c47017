"""Publishing articles: check an upload, stage it for preview, save, edit, delete.

An upload is checked before anything is written: its size, its type by content (not
only by name), UTF-8, a plain file name, no HTML that could run script, and then the
same parser and chunker `bot index` uses, so the preview shows exactly the passages
the bot will serve. A valid upload is staged in `BOT_DATA_DIR/uploads/` until it is
saved; saving replaces the corpus file atomically and does not re-index by itself.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.articles import frontmatter as fm
from bot.articles.chunking import Chunk, chunk_document
from bot.articles.corpus import parse_file
from bot.articles.documents import CorpusError, Document, slugify
from bot.articles.library import list_articles, review_by_of
from bot.settings import Settings

UPLOAD_SUFFIXES = (".md", ".txt", ".html")
EDITABLE = ("title", "url", "published", "reviewed_by", "reviewed_on", "review_by")
# Checked uploads wait in the index folder, which every server shares, so the preview may
# come from one server and the "save" from another.
STAGING = ".uploads"
STAGED_HOURS = 24

# Markup that runs script, in any article (Markdown may carry raw HTML too).
_UNSAFE = [
    (re.compile(r"<\s*script\b", re.I), "a <script> element"),
    (
        re.compile(
            r"<\s*(iframe|object|embed|applet|frame|frameset|base|meta\s+http-equiv)\b", re.I
        ),
        "an embedded-content element",
    ),  # fmt: skip
    (re.compile(r"<[^>]*\son[a-z]+\s*=", re.I), "an inline event handler (on…=)"),
]
_SCRIPT_URL = re.compile(
    r"""(?:href|src|action|formaction|xlink:href)\s*=\s*["']?\s*(?:javascript|vbscript|data):""",
    re.I,
)
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


@dataclass
class Problem:
    """One reason an upload was refused: the line (if known) and the field it concerns."""

    reason: str
    line: int | None = None
    field: str = ""
    excerpt: str = ""


@dataclass
class Candidate:
    """A checked upload: the document and its passages, or the problems found."""

    filename: str
    text: str = ""
    doc: Document | None = None
    chunks: list[Chunk] = field(default_factory=list)
    review_by: dt.date | None = None
    replaces: bool = False
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.doc is not None


class PublishError(Exception):
    """A request the corpus cannot carry out (no such article, the last article, ...)."""


# Checking an upload


def safe_filename(name: str) -> str:
    """The corpus file name for an uploaded name; refuses paths and unknown types."""
    if not name or "/" in name or "\\" in name or "\x00" in name or ".." in name:
        raise PublishError("the file name must be a plain name, without folders or '..'")
    stem, dot, suffix = name.rpartition(".")
    suffix = "." + suffix.lower()
    if not dot or suffix not in UPLOAD_SUFFIXES:
        raise PublishError(f"only {', '.join(UPLOAD_SUFFIXES)} articles can be uploaded")
    if stem.startswith("."):
        raise PublishError("the file name must not start with a dot")
    return slugify(stem) + suffix


def _unsafe_markup(text: str) -> list[Problem]:
    problems = []
    for n, line in enumerate(text.splitlines(), start=1):
        found = [what for pattern, what in _UNSAFE if pattern.search(line)]
        if _SCRIPT_URL.search(line):
            found.append("a javascript: (or data:) link")
        for what in found:
            problems.append(Problem(f"contains {what}, which could run script", n, "", line[:160]))
    return problems


def _type_problem(suffix: str, data: bytes, text: str) -> Problem | None:
    head = text.lstrip()[:200].lower()
    looks_html = head.startswith(("<!doctype html", "<html")) or bool(
        re.search(r"<(html|body|article|main|p|h[1-6]|div)\b", text[:4096], re.I)
    )
    if suffix == ".html" and not looks_html:
        return Problem("the file is named .html but holds no HTML")
    if suffix != ".html" and head.startswith(("<!doctype html", "<html")):
        return Problem(f"the file is an HTML page, not {suffix} text: name it .html")
    return None


def check_upload(settings: Settings, filename: str, data: bytes) -> Candidate:
    """Check an uploaded article without writing to the corpus; see `Candidate`."""
    try:
        name = safe_filename(filename)
    except PublishError as exc:
        return Candidate(filename, problems=[Problem(str(exc), field="file")])
    found = Candidate(name, replaces=(settings.corpus_dir / name).is_file())
    if len(data) > settings.max_upload_bytes:
        limit = settings.max_upload_bytes // 1024
        found.problems.append(Problem(f"the file is larger than {limit} KB", field="file"))
        return found
    if not data.strip():
        found.problems.append(Problem("the file is empty", field="file"))
        return found
    if b"\x00" in data[:8192] or data.startswith(_BINARY_MAGIC):
        found.problems.append(Problem("the file is binary (a document or image), not text"))
        return found
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        reason = f"not UTF-8 text (byte {exc.start}); save it as UTF-8"
        found.problems.append(Problem(reason, line, excerpt=_excerpt(data, line)))
        return found
    found.text = text.replace("\r\n", "\n").replace("\r", "\n")
    suffix = Path(name).suffix
    problem = _type_problem(suffix, data, found.text)
    found.problems += [problem] if problem else []
    found.problems += _unsafe_markup(found.text)
    if found.problems:
        return found
    _parse(settings, found)
    return found


def _excerpt(data: bytes, line: int) -> str:
    lines = data.split(b"\n")
    return lines[line - 1].decode("utf-8", "replace")[:160] if line <= len(lines) else ""


def _field_of(text: str, line: int | None) -> str:
    """The front matter key a line belongs to, if it is in the front matter."""
    if not line or not text.startswith("---\n"):
        return ""
    lines = text.splitlines()
    for n in range(min(line, len(lines)) - 1, 0, -1):
        match = re.match(r"([a-z_]+):", lines[n])
        if match:
            return match.group(1)
        if lines[n].strip() in ("---", "..."):
            return ""
    return ""


def _parse(settings: Settings, found: Candidate) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / found.filename
        path.write_text(found.text, encoding="utf-8")
        try:
            [doc] = parse_file(path)
            found.review_by = review_by_of(path, found.text)
        except CorpusError as exc:
            lines = found.text.splitlines()
            excerpt = lines[exc.line - 1][:160] if exc.line and exc.line <= len(lines) else ""
            field_name = _field_of(found.text, exc.line)
            found.problems.append(Problem(exc.reason, exc.line, field_name, excerpt))
            return
    doc.source = found.filename
    if not any(s.blocks for s in doc.sections):
        found.problems.append(Problem("the article has no text under its headings"))
        return
    for other in list_articles(settings, with_index=False):
        if other.doc_id == doc.doc_id and other.filename != found.filename:
            found.problems.append(
                Problem(f"another article ({other.filename}) already has id {doc.doc_id!r}")
            )
            return
    found.doc = doc
    found.chunks = chunk_document(doc)


# Staging between preview and save


def _staging(settings: Settings) -> Path:
    folder = settings.index_dir / STAGING
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - STAGED_HOURS * 3600
    for old in folder.iterdir():
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    return folder


def stage(settings: Settings, found: Candidate) -> str:
    """Keep a checked upload until it is saved; returns the token the save form carries."""
    token = secrets.token_urlsafe(18)
    record = {"filename": found.filename, "text": found.text}
    (_staging(settings) / f"{token}.json").write_text(json.dumps(record), encoding="utf-8")
    return token


def staged(settings: Settings, token: str) -> Candidate:
    """The staged upload for `token`, checked again against the corpus as it is now."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,40}", token):
        raise PublishError("that upload is unknown or has expired; upload it again")
    path = _staging(settings) / f"{token}.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PublishError("that upload is unknown or has expired; upload it again") from exc
    return check_upload(settings, record["filename"], record["text"].encode())


def save(settings: Settings, token: str) -> Candidate:
    """Write a staged upload into the corpus atomically (a reader never sees half a file)."""
    found = staged(settings, token)
    if not found.ok:
        return found
    corpus = settings.corpus_dir
    tmp = corpus / f".tmp-{found.filename}"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(found.text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, corpus / found.filename)
    (_staging(settings) / f"{token}.json").unlink(missing_ok=True)
    return found


def delete(settings: Settings, filename: str) -> None:
    """Remove one article from the corpus (never the last one: the index needs one)."""
    files = {a.filename for a in list_articles(settings, with_index=False)}
    if filename not in files:
        raise PublishError(f"there is no article {filename!r}")
    if len(files) == 1:
        raise PublishError("this is the only article; upload another before deleting it")
    (settings.corpus_dir / filename).unlink()


# Front matter


def front_matter(settings: Settings, filename: str) -> dict[str, str]:
    """The editable front matter fields of a Markdown or text article, as text."""
    path = _editable(settings, filename)
    meta, _, _ = fm.split(path, path.read_text(encoding="utf-8"))
    return {k: "" if meta.get(k) is None else str(meta[k]) for k in EDITABLE}


def edit_front_matter(settings: Settings, filename: str, values: dict[str, str]) -> Candidate:
    """The article with new front matter fields and the same body, checked (not saved)."""
    path = _editable(settings, filename)
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    try:
        meta, body, _ = fm.split(path, text)
    except CorpusError:
        meta, body = {}, text
    for key in EDITABLE:
        value = values.get(key, "").strip()
        if value:
            meta[key] = value
        else:
            meta.pop(key, None)
    ordered = {k: meta[k] for k in (*EDITABLE, *sorted(set(meta) - set(EDITABLE))) if k in meta}
    head = yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, width=1000)
    # Dates stay ISO text; yaml quotes them, and the parser reads either.
    head = re.sub(r"^(\w+): '(\d{4}-\d{2}-\d{2})'$", r"\1: \2", head, flags=re.M)
    return check_upload(settings, filename, f"---\n{head}---\n{body.lstrip(chr(10))}".encode())


def _editable(settings: Settings, filename: str) -> Path:
    found = {a.filename: a for a in list_articles(settings, with_index=False)}
    if filename not in found or not found[filename].editable:
        raise PublishError(f"{filename!r} is not a Markdown or text article of the corpus")
    return settings.corpus_dir / filename
