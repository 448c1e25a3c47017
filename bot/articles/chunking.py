"""Structure-aware chunking: sections into passages a patient can read on their own.

A chunk never leaves its section and never cuts a sentence (only a single
sentence longer than the limit is split, at word boundaries). A list stays with
the sentence that leads into it, and each table row becomes a sentence that
carries its column headers. Chunk ids hash the document, section and text, so
an unchanged passage keeps its id (and its cached embedding) across builds.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.articles.documents import Block, Document, Reference, Section

MAX_CHARS = 1000  # displayed text of a chunk, at most
SPLIT_CHARS = 1000  # a paragraph longer than this is split evenly at sentences
SHORT_CHARS = 400  # a paragraph shorter than this joins its neighbour
TABLE_CHARS = 1000  # table rows are grouped up to this size

_ABBREVIATIONS = {
    "dr", "mr", "mrs", "ms", "prof", "st", "vs", "etc", "e.g", "i.e", "no", "approx",
    "fig", "al", "inc", "ltd", "pty", "jr", "sr", "mt", "assoc",
}  # fmt: skip
# End punctuation, closing quotes, then space before a capital, digit, quote or " - " bullet.
_BOUNDARY = re.compile(r"[.!?][\"”’)\]]*(?P<space>\s+-\s+|\s+(?=[\"“‘(\[]?[A-Z0-9*]))")


@dataclass
class Chunk:
    """A passage as stored in the index and shown to patients."""

    chunk_id: str
    doc_id: str
    title: str
    section: str
    url: str
    text: str
    cites: list[str] = field(default_factory=list)
    published: str | None = None
    reviewed_on: str | None = None
    reviewed_by: str = ""
    context: str = ""  # the section path, embedded with the text but not shown
    # A passage made of table rows keeps their structure, to be shown as a table:
    # {"lead": the sentence leading into it, "header": [...], "rows": [[...], ...]}.
    table: dict[str, Any] | None = None
    # The article's suggested questions (front matter `questions:`), on its first passage.
    questions: list[str] = field(default_factory=list)

    def embed_text(self) -> str:
        """What the embedding model sees: title and section give the passage its topic."""
        head = f"{self.title}. {self.context}" if self.context else self.title
        return f"{head}: {self.text}"

    def sentences(self) -> list[str]:
        """The passage's sentences (table rows and list items count as sentences)."""
        return split_sentences(self.text) or [self.text]

    def sentence_embed_texts(self) -> list[str]:
        """Each sentence with the title and section path, so a short one keeps its topic."""
        head = f"{self.title}. {self.context}" if self.context else self.title
        return [f"{head}: {s}" for s in self.sentences()]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return cls(**data)


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping abbreviations like "Dr." and "e.g." intact."""
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.start("space")
        before = text[start : match.start()]
        last_word = re.findall(r"[\w.]+$", before)
        if last_word and last_word[0].lower() in _ABBREVIATIONS:
            continue
        if re.search(r"(^|\s)[A-Z]$", before):  # an initial, as in "J. Smith"
            continue
        sentences.append(text[start:end].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


def _hard_split(sentence: str, limit: int) -> list[str]:
    """Split a single over-long sentence at word boundaries (or anywhere, for huge words)."""
    pieces: list[str] = []
    current = ""
    for word in sentence.split(" "):
        while len(word) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(word[:limit])
            word = word[limit:]
        if current and len(current) + 1 + len(word) > limit:
            pieces.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        pieces.append(current)
    return pieces


def pack(sentences: list[str], limit: int = MAX_CHARS, lead: str = "") -> list[str]:
    """Group sentences into as few pieces as fit under `limit`, balanced in size.

    Balancing avoids a stub of one short sentence at the end of a paragraph.
    `lead` (a list's lead-in sentence) starts every piece, so each reads on its own.
    """
    room = limit - (len(lead) + 1 if lead else 0)
    parts = [p for s in sentences for p in (_hard_split(s, room) if len(s) > room else [s])]
    total = sum(len(p) + 1 for p in parts)
    count = max(1, -(-total // room))
    pieces: list[str] = []
    while True:
        pieces, size = [], 0
        current: list[str] = []
        goal = total / count
        for part in parts:
            if current and (size + len(part) > room or size >= goal):
                pieces.append(" ".join(current))
                current, size = [], 0
            current.append(part)
            size += len(part) + 1
        if current:
            pieces.append(" ".join(current))
        if len(pieces) <= count or count >= len(parts):
            break
        count += 1
    return [f"{lead} {p}" if lead else p for p in pieces]


def table_sentences(block: Block) -> list[str]:
    """Each row as a sentence that names its columns: "Side Effects — Exosome Therapy: …"."""
    header = block.header
    sentences = []
    for row in block.rows:
        label, cells = row[0], row[1:]
        names = header[1 : len(row)] if len(header) >= len(row) else [""] * len(cells)
        parts = [f"{n}: {c}" if n else c for n, c in zip(names, cells, strict=False) if c]
        body = "; ".join(p.rstrip(".") for p in parts)
        sentences.append(f"{label} — {body}." if body else label)
    return sentences


def _table_pieces(block: Block, lead: str) -> list[tuple[str, dict[str, Any] | None]]:
    """A table's chunks, each with the rows it holds (None when a row had to be split)."""
    rows = table_sentences(block)
    # The lead-in ("See how this works below:") opens the first row's chunk.
    if lead:
        rows[0] = f"{lead} {rows[0]}"
    pieces = pack(rows, TABLE_CHARS)
    out: list[tuple[str, dict[str, Any] | None]] = []
    start = 0
    for piece in pieces:
        end = start
        while end < len(rows) and " ".join(rows[start : end + 1]) != piece:
            end += 1
        if end == len(rows):  # an over-long row was split: no structure to show
            return [(p, None) for p in pieces]
        table = {
            "lead": lead if start == 0 else "",
            "header": list(block.header),
            "rows": [list(r) for r in block.rows[start : end + 1]],
        }
        out.append((piece, table))
        start = end + 1
    return out


def _section_pieces(section: Section) -> list[tuple[str, dict[str, Any] | None]]:
    """Displayed texts of one section's chunks (with a table's rows), in reading order.

    A paragraph is a chunk (long ones are split evenly at sentences); short
    neighbouring paragraphs are joined so no chunk is a stub without context.
    """
    pieces: list[tuple[str, dict[str, Any] | None]] = []
    joinable = False  # whether the last piece is prose that a short paragraph may join

    def add_prose(sentences: list[str]) -> None:
        nonlocal joinable
        for piece in pack(sentences, min(MAX_CHARS, SPLIT_CHARS)):
            last = pieces[-1][0] if pieces and joinable else ""
            if (
                last
                and (len(last) < SHORT_CHARS or len(piece) < SHORT_CHARS)
                and (len(last) + 1 + len(piece) <= SPLIT_CHARS)
            ):
                pieces[-1] = (f"{last} {piece}", None)
            else:
                pieces.append((piece, None))
            joinable = True

    pending: list[str] = []  # the last paragraph, held back in case it leads into a list
    for block in section.blocks:
        lead = ""
        if block.kind != "paragraph" and pending and pending[-1].endswith(":"):
            lead = pending.pop()
        if pending:
            add_prose(pending)
        pending = []
        if block.kind == "paragraph":
            pending = split_sentences(block.text)
            continue
        if block.kind == "list":
            # Items read as one sentence: "Proteins: …; Lipids: …; Genetic Material: …."
            last = len(block.items) - 1
            items = [
                i if i[-1:] in ".!?;:" else i + ("." if n == last else ";")
                for n, i in enumerate(block.items)
            ]
            pieces.extend((p, None) for p in pack(items, lead=lead))
        else:
            pieces.extend(_table_pieces(block, lead))
        joinable = False
    if pending:
        add_prose(pending)
    return pieces


def normalise_name(text: str) -> str:
    """Lower-case words padded with spaces, "&" read as "and", for whole-phrase matching."""
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and ")).strip() + " "


def cites_in(text: str, references: list[Reference]) -> list[str]:
    """Names of the references that `text` mentions (by name or alias, any case)."""
    haystack = normalise_name(text)
    return [
        ref.name
        for ref in references
        if any(normalise_name(n) in haystack for n in [ref.name, *ref.aliases] if n.strip())
    ]


def chunk_document(doc: Document) -> list[Chunk]:
    """All chunks of one document, in reading order."""
    chunks: list[Chunk] = []
    path: dict[int, str] = {}
    for section in doc.sections:
        path = {lvl: h for lvl, h in path.items() if lvl < section.level}
        if section.heading:
            path[section.level] = section.heading
        context = " > ".join(h for lvl, h in sorted(path.items()) if h != doc.title)
        for text, table in _section_pieces(section):
            digest = hashlib.sha1(f"{section.heading}\n{text}".encode()).hexdigest()[:12]
            chunks.append(
                Chunk(
                    chunk_id=f"{doc.doc_id}#{digest}",
                    doc_id=doc.doc_id,
                    title=doc.title,
                    section=section.heading or doc.title,
                    url=doc.link(section.anchor),
                    text=text,
                    cites=cites_in(text, doc.references),
                    published=doc.published.isoformat() if doc.published else None,
                    reviewed_on=doc.reviewed_on.isoformat() if doc.reviewed_on else None,
                    reviewed_by=doc.reviewed_by,
                    context=context,
                    table=table,
                )
            )
    if chunks:
        chunks[0].questions = list(doc.questions)
    return _dedupe_ids(chunks)


def _dedupe_ids(chunks: list[Chunk]) -> list[Chunk]:
    seen: dict[str, int] = {}
    for chunk in chunks:
        n = seen.get(chunk.chunk_id, 0)
        seen[chunk.chunk_id] = n + 1
        if n:
            chunk.chunk_id = f"{chunk.chunk_id}-{n}"
    return chunks
