"""Patient-facing routes: the chat API, health, and the articles the answers link to."""

from __future__ import annotations

from dataclasses import asdict
from itertools import groupby
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import HTMLResponse

from bot.answering import Answerer
from bot.web.app import TEMPLATES
from bot.web.schemas import ChatRequest, ChatResponse, Health

router = APIRouter()

UNAVAILABLE = "The chat is unavailable right now. Please contact the clinic directly."


def get_answerer(request: Request) -> Answerer:
    answerer: Answerer | None = request.app.state.answerer
    if answerer is None:
        raise HTTPException(status_code=503, detail=UNAVAILABLE)
    return answerer


AnswererDep = Annotated[Answerer, Depends(get_answerer)]


@router.get("/healthz", response_model=Health)
def healthz(request: Request, response: Response) -> Health:
    """`ok` with the index version once the index is loaded; 503 with the reason if not."""
    answerer: Answerer | None = request.app.state.answerer
    if answerer is None:
        response.status_code = 503
        return Health(status="unavailable", reason=request.app.state.unavailable)
    return Health(status="ok", index_version=answerer.index.manifest.version)


@router.post("/api/chat", response_model=ChatResponse)
def chat(body: ChatRequest, answerer: AnswererDep) -> ChatResponse:
    """Answer one message with passages from the clinic's articles."""
    reply = answerer.ask(body.message, body.conversation_id)
    return ChatResponse.model_validate(asdict(reply))


@router.get("/articles/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
def article(doc_id: str, request: Request, answerer: AnswererDep) -> HTMLResponse:
    """The indexed text of an article, with section anchors that passages link to."""
    chunks = [c for c in answerer.index.chunks if c.doc_id == doc_id]
    if not chunks:
        raise HTTPException(status_code=404, detail="No such article.")
    sections = [
        (url.partition("#")[2], list(group)) for url, group in groupby(chunks, key=lambda c: c.url)
    ]
    return TEMPLATES.TemplateResponse(
        request, "patient/article.html", {"title": chunks[0].title, "sections": sections}
    )
