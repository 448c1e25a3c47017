"""The patients' pages: the full-page chat (works without JavaScript), the widget script,
the demo clinic page, and the articles that answers link to."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import time
from dataclasses import asdict
from datetime import date
from itertools import groupby
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from bot.privacy.records import notice
from bot.replies.answerer import Answerer, Reply
from bot.search.highlight import highlight, shorten
from bot.settings import ROOT, Settings
from bot.web.chat_api import UNAVAILABLE, AnswererDep, log_turn, suggested
from bot.web.schemas import ChatRequest
from bot.web.templates import TEMPLATES

router = APIRouter()

STATIC = ROOT / "web" / "static"
MAX_FORM_BYTES = 8_000
DEMO_PAGES = {"home": "Home", "treatments": "Treatments"}


def widget_config(settings: Settings) -> dict[str, str]:
    """The settings the widget shows before the first reply (or that replies refer to)."""
    return {
        "title": f"Chat with {settings.clinic_name}",
        "greeting": settings.greeting,
        "disclaimer": settings.disclaimer,
        "consultText": settings.consult_text,
        "emergencyNumber": settings.emergency_number,
        "crisisLine": settings.crisis_line,
        "afterHoursNumber": settings.after_hours_number,
        "privacyNotice": notice(settings),
        "privacyUrl": settings.privacy_url,
        "accent": settings.accent_color,
        "logo": settings.logo_url,
    }


def _tel(number: str) -> str | None:
    digits = re.sub(r"[^\d+]", "", number)
    return f"tel:{digits}" if digits else None


def _safe_url(url: str) -> str | None:
    """Links only to the web (or this site): never `javascript:` or `data:` from an article."""
    return url if urlsplit(url).scheme in ("", "http", "https") else None


def _nice_date(value: str | None) -> str | None:
    try:
        day = date.fromisoformat((value or "")[:10])
    except ValueError:
        return value
    return f"{day.day} {day:%B %Y}"


def reply_view(question: str, reply: Reply, settings: Settings) -> dict[str, Any]:
    """What _cards.html shows for one reply: the same cards the widget draws."""
    view = asdict(reply)
    view["own_case"] = bool(getattr(reply, "own_case", False))
    for passage in view["passages"]:
        source = passage["source"]
        passage["segments"] = highlight(question, passage["text"])
        passage["excerpt"] = shorten(passage["segments"])
        passage["href"] = _safe_url(source["url"])
        passage["label"] = (
            f"{source['title']} — {source['section']}"
            if source["section"] and source["section"] != source["title"]
            else source["title"]
        )
        dates = []
        if passage["reviewed_on"]:
            dates.append(f"Medically reviewed {_nice_date(passage['reviewed_on'])}")
        if passage["published"]:
            dates.append(f"Published {_nice_date(passage['published'])}")
        passage["dates"] = " · ".join(dates)
    calls = [(settings.emergency_number, _tel(settings.emergency_number))]
    for extra in (settings.crisis_line, settings.after_hours_number):
        if extra and extra in reply.message:
            calls.append((extra, _tel(extra)))
    view["calls"] = [(number, href) for number, href in calls if href]
    return view


def patient_page(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """A page for patients (the guard gives it the strict CSP: nothing inline, nothing
    from elsewhere but the clinic's logo)."""
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status)


def _page(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    answerer: Answerer | None = request.app.state.answerer
    base = {
        "title": f"Ask {settings.clinic_name}",
        "settings": settings,
        "suggestions": suggested(request, answerer) if answerer else [],
        "unavailable": UNAVAILABLE if answerer is None else None,
        "question": None,
        "reply": None,
        "error": None,
        "conversation_id": None,
        "privacy_notice": notice(settings),
    }
    return patient_page(request, "patient/chat.html", base | context, status)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def page(request: Request) -> HTMLResponse:
    """The full-page chat on the clinic's own domain."""
    return _page(request)


async def small_form(request: Request) -> dict[str, str] | None:
    """A posted form's fields (the first value of each), or None when it is too large."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return None
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


@router.post("/", response_class=HTMLResponse, include_in_schema=False)
async def page_post(request: Request) -> HTMLResponse:
    """The no-JavaScript chat: a posted form gets the reply rendered on the page."""
    form = await small_form(request)
    if form is None:
        return _page(request, 413, error="That message is too long.")
    try:
        asked = ChatRequest.model_validate(
            {"message": form.get("message", ""), "conversation_id": form.get("conversation_id")}
        )
    except ValidationError:
        return _page(request, 422, error="Please type a question of up to 1,000 characters.")
    answerer: Answerer | None = request.app.state.answerer
    if answerer is None:
        return _page(request, 503, question=asked.message)
    started = time.perf_counter()
    reply = await run_in_threadpool(answerer.ask, asked.message, asked.conversation_id)
    log_turn(request, asked.message, reply, started, "page")  # redacted, never raises
    return _page(
        request,
        question=asked.message,
        reply=reply_view(asked.message, reply, request.app.state.settings),
        conversation_id=reply.conversation_id,
    )


@router.get("/demo", response_class=HTMLResponse, include_in_schema=False)
def demo(request: Request, page: str = "home") -> HTMLResponse:
    """A sample clinic website that embeds the widget with one script tag."""
    page = page if page in DEMO_PAGES else "home"
    return patient_page(request, "patient/demo.html", {"page": page, "pages": DEMO_PAGES})


def _widget_source(request: Request) -> tuple[bytes, str, bytes]:
    """The widget's source, its ETag and its gzip (made once: a third of the bytes)."""
    cached: tuple[bytes, str, bytes] | None = getattr(request.app.state, "widget", None)
    if cached is None:
        config = json.dumps(widget_config(request.app.state.settings), ensure_ascii=True)
        css = json.dumps((STATIC / "widget.css").read_text(encoding="utf-8"), ensure_ascii=True)
        source = (STATIC / "widget.js").read_text(encoding="utf-8")
        source = source.replace("/*CONFIG*/ {}", config, 1).replace('/*CSS*/ ""', css, 1)
        data = source.encode("utf-8")
        etag = f'"{hashlib.sha256(data).hexdigest()[:16]}"'
        cached = request.app.state.widget = (data, etag, gzip.compress(data, mtime=0))
    return cached


@router.get("/widget.js", include_in_schema=False)
def widget(request: Request) -> Response:
    """The embeddable widget, with its CSS and the clinic's settings filled in."""
    data, etag, packed = _widget_source(request)
    headers = {
        "ETag": etag,
        "Vary": "Accept-Encoding",
        # Clinics embed an unversioned URL: cache for an hour, then revalidate by ETag.
        "Cache-Control": "public, max-age=3600",
        "X-Content-Type-Options": "nosniff",
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        data, headers["Content-Encoding"] = packed, "gzip"
    return Response(data, media_type="text/javascript; charset=utf-8", headers=headers)


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
