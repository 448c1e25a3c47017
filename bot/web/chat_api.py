"""The patients' JSON API: chat, suggested questions, feedback, and health."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from bot.log.querylog import QueryLog
from bot.replies.answerer import Answerer, Reply
from bot.replies.suggestions import suggest
from bot.web.schemas import (
    ChatRequest,
    ChatResponse,
    FeedbackRequest,
    FeedbackResponse,
    Health,
    Suggestions,
)
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
    logged: dict[str, Any] = {"log": log.status, "log_spooled": log.spooled} if log else {}
    live = getattr(request.app.state, "live", None)
    if live is not None:
        logged["state"] = live.health()
    outbox = getattr(request.app.state, "outbox", None)
    if outbox is not None:
        try:
            logged["notify"] = outbox.health().status
        except SQLAlchemyError:
            logged["notify"] = "degraded"
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


def suggested(request: Request, answerer: Answerer) -> list[str]:
    """Suggested questions, worked out once per loaded index."""
    cached = getattr(request.app.state, "suggestions", None)
    version = answerer.index.manifest.version
    if cached is None or cached[0] != version:
        questions = suggest(answerer.index.chunks, lambda q: _answers(answerer, q))
        cached = request.app.state.suggestions = (version, questions)
    return list(cached[1])


def _answers(answerer: Answerer, question: str) -> bool:
    reply = answerer.ask(question)
    return reply.kind == "answer" and not getattr(reply, "own_case", False)


@router.get("/api/suggestions", response_model=Suggestions)
def suggestions(request: Request, answerer: AnswererDep) -> Suggestions:
    """Three to five questions, from the articles' headings, that the bot answers."""
    return Suggestions(questions=suggested(request, answerer))


@router.post("/api/feedback", response_model=FeedbackResponse, status_code=202, responses=REFUSALS)
def post_feedback(body: FeedbackRequest, request: Request) -> FeedbackResponse:
    """Record a patient's "was this helpful?" answer (and optional comment)."""
    log_feedback(request, body.query_id, body.helpful, body.comment or None)  # the query log
    return FeedbackResponse()
