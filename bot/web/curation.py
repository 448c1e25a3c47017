"""Staff pages for curation: pin passages to a question, hide a passage, see every change.

The store is `bot.curation.store`; each server reloads it within `BOT_RELOAD_SECONDS`
(`refresh`, called by `bot.web.app`), and this server at once, so staff see the effect now.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.curation.store import Curation, CurationError, Passage
from bot.curation.view import CuratedView
from bot.replies.answerer import Answerer
from bot.web.auth import Curator, audit, check_csrf, safe_next
from bot.web.auth import page as render

log = logging.getLogger("bot")
router = APIRouter(prefix="/staff/curation", include_in_schema=False)
Csrf = Annotated[None, Depends(check_csrf)]
# What a group of questions carries into the variants box (the form's own limit is 5,000).
VARIANT_CHARS = 4_500


def refresh(app: FastAPI) -> None:
    """Swap in the staff's pins and hidden passages when they have changed (one small
    query); with the database down, the server keeps the curation it has."""
    answerer: Answerer | None = app.state.answerer
    store: Curation | None = getattr(app.state, "curation", None)
    if answerer is None or store is None:
        return
    try:
        version = store.version()
        if version == answerer.curation.version:
            return
        pins, hidden = store.pins(), [h.chunk_id for h in store.hidden()]
    except (SQLAlchemyError, OSError) as exc:
        log.warning("curation not refreshed: %s", exc)
        return
    embedder = answerer.retriever.embedder
    answerer.curation = CuratedView.build(version, pins, hidden, embedder)
    log.info("curation version %s: %s pins, %s hidden", version, len(pins), len(hidden))


def _store(request: Request) -> Curation:
    store: Curation = request.app.state.curation
    return store


def _answerer(request: Request) -> Answerer:
    answerer: Answerer | None = request.app.state.answerer
    if answerer is None:
        raise HTTPException(503, "The index is not loaded yet.")
    return answerer


def _done(request: Request, back: str, action: str, target: str) -> RedirectResponse:
    audit(request, action, target)
    refresh(request.app)  # this server at once; the others on their next check
    return RedirectResponse(safe_next(back, "/staff/curation"), status_code=303)


def passages_of(answerer: Answerer, chunk_ids: list[str]) -> list[Passage]:
    chunks = [(c, answerer.chunk(c)) for c in chunk_ids]
    missing = [c for c, chunk in chunks if chunk is None]
    if missing:
        raise HTTPException(400, f"No passage {', '.join(missing)} in the active index.")
    return [Passage(c, chunk.text) for c, chunk in chunks if chunk is not None]


@router.get("", response_class=HTMLResponse)
def overview(request: Request, user: Curator) -> HTMLResponse:
    """Every pin and hidden passage (flagged when the index no longer holds it), and the
    audit trail of who changed what."""
    store = _store(request)
    answerer = request.app.state.answerer
    present = {c.chunk_id for c in answerer.index.chunks} if answerer else set()
    context = {
        "title": "Curated answers",
        "pins": store.pins(),
        "hidden": store.hidden(),
        "events": store.events(),
        "present": present,
    }
    return render(request, "staff/curation.html", context)


@router.get("/new", response_class=HTMLResponse)
def new_pin(
    request: Request,
    user: Curator,
    question: Annotated[str, Query(max_length=500)] = "",
    variant: Annotated[list[str] | None, Query()] = None,
    find: Annotated[str | None, Query(max_length=300)] = None,
) -> HTMLResponse:
    """Pin passages to a question not taken from one logged message: a whole content gap
    (its questions become the variants) or one staff write themselves."""
    variants, used = [], 0
    for v in variant or []:
        used += len(v) + 1
        if used > VARIANT_CHARS:
            break
        variants.append(v)
    answerer = _answerer(request)
    query = find or question
    context = {
        "title": "Pin an answer",
        "pin_question": question,
        "pin_variants": variants,
        "find": find,
        "candidates": answerer.retriever.search(query, k=8) if query else [],
    }
    return render(request, "staff/pin.html", context)


@router.post("/pins")
def pin(
    request: Request,
    user: Curator,
    _: Csrf,
    question: Annotated[str, Form(max_length=500)],
    chunk_ids: Annotated[list[str], Form()],
    variants: Annotated[str, Form(max_length=5000)] = "",
    back: Annotated[str, Form()] = "/staff/curation",
) -> RedirectResponse:
    """Pin the chosen passages (in the order given) to a question and its variants."""
    passages = passages_of(_answerer(request), [c for c in chunk_ids if c])
    try:
        made = _store(request).pin(question, passages, user.email, variants.splitlines())
    except CurationError as exc:
        raise HTTPException(400, str(exc)) from exc
    return _done(request, back, "pin", f"pin:{made.id}")


@router.post("/pins/{pin_id}/remove")
def unpin(
    request: Request,
    pin_id: int,
    user: Curator,
    _: Csrf,
    back: Annotated[str, Form()] = "/staff/curation",
) -> RedirectResponse:
    if not _store(request).unpin(pin_id, user.email):
        raise HTTPException(404, "No such pin.")
    return _done(request, back, "unpin", f"pin:{pin_id}")


@router.post("/hide")
def hide(
    request: Request,
    user: Curator,
    _: Csrf,
    chunk_id: Annotated[str, Form()],
    reason: Annotated[str, Form(max_length=1000)],
    back: Annotated[str, Form()] = "/staff/curation",
) -> RedirectResponse:
    """Never show this passage until it is un-hidden."""
    (passage,) = passages_of(_answerer(request), [chunk_id])
    try:
        _store(request).hide(passage, reason, user.email)
    except CurationError as exc:
        raise HTTPException(400, str(exc)) from exc
    return _done(request, back, "hide", f"passage:{chunk_id}")


@router.post("/unhide")
def unhide(
    request: Request,
    user: Curator,
    _: Csrf,
    chunk_id: Annotated[str, Form()],
    back: Annotated[str, Form()] = "/staff/curation",
) -> RedirectResponse:
    if not _store(request).unhide(chunk_id, user.email):
        raise HTTPException(404, "That passage is not hidden.")
    return _done(request, back, "unhide", f"passage:{chunk_id}")
