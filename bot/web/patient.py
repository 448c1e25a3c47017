"""Patient-facing routes: the chat API, health, and the articles the answers link to."""

from __future__ import annotations

import time
from itertools import groupby
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from bot.answering import Answerer, Reply
from bot.querylog import QueryLog
from bot.web.app import TEMPLATES
from bot.web.schemas import ChatRequest, ChatResponse, Health
from bot.web.security import REFUSALS, Problem

router = APIRouter()

UNAVAILABLE = "The chat is unavailable right now. Please contact the clinic directly."


async def get_answerer(request: Request) -> Answerer:
    """The Answerer serving now (async: it only reads `app.state`, no thread hand-off)."""
    answerer: Answerer | None = request.app.state.answerer
    if answerer is None:
        raise HTTPException(status_code=503, detail=UNAVAILABLE)
    return answerer


AnswererDep = Annotated[Answerer, Depends(get_answerer)]


@router.get("/healthz", response_model=Health)
def healthz(request: Request, response: Response) -> Health:
    """`ok` with the index version once the index is loaded; 503 with the reason if not."""
    answerer: Answerer | None = request.app.state.answerer
    querylog: QueryLog | None = getattr(request.app.state, "querylog", None)
    log = querylog.health() if querylog else None
    logged = {"log": log.status, "log_spooled": log.spooled} if log else {}
    if answerer is None:
        response.status_code = 503
        return Health(status="unavailable", reason=request.app.state.unavailable, **logged)
    return Health(status="ok", index_version=answerer.index.manifest.version, **logged)


def log_turn(request: Request, message: str, reply: Reply, started: float, channel: str) -> None:
    """Queue the turn for the query log (redacted there); never fails the patient's reply."""
    querylog: QueryLog | None = getattr(request.app.state, "querylog", None)
    if querylog is not None:
        querylog.record(message, reply, (time.perf_counter() - started) * 1000, channel)


def log_feedback(request: Request, query_id: str, helpful: bool, comment: str | None) -> None:
    """Queue a patient's feedback for the query log; never fails the patient's request."""
    querylog: QueryLog | None = getattr(request.app.state, "querylog", None)
    if querylog is not None:
        querylog.feedback(query_id, helpful, comment)


@router.post(
    "/api/chat",
    response_model=ChatResponse,
    responses=REFUSALS | {503: {"model": Problem, "description": "No index is loaded."}},
)
async def chat(body: ChatRequest, answerer: AnswererDep, request: Request) -> Response:
    """Answer one message with passages from the clinic's articles."""
    # One hand-off to a worker thread for the model, the log and the JSON; the reply is
    # validated once there, and returned as it is (FastAPI would validate it again).
    content = await run_in_threadpool(_answer, request, answerer, body)
    return Response(content, media_type="application/json")


def _answer(request: Request, answerer: Answerer, body: ChatRequest) -> bytes:
    started = time.perf_counter()
    reply = answerer.ask(body.message, body.conversation_id)
    log_turn(request, body.message, reply, started, "api")
    return ChatResponse.model_validate(reply, from_attributes=True).model_dump_json().encode()


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
