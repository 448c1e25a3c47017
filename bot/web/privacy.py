"""Patients' access and erasure of their conversation, and the same for staff (admin).

Patients: `GET /api/conversations/{id}` (what is kept, as JSON) and
`DELETE /api/conversations/{id}` (204: all of it gone), and on the no-JavaScript page
`GET /conversation/download` and `POST /conversation/delete`. An unknown id answers
exactly as an erased one. Staff (admin): `/staff/privacy` finds a patient's records by
conversation id or by a call-back's phone or e-mail, exports or erases them; each such
request is written to the audit log when there is one.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from bot.privacy.records import Records
from bot.settings import Settings
from bot.web.auth import Admin, audit, check_csrf
from bot.web.auth import page as render_staff
from bot.web.chat_page import patient_page, small_form
from bot.web.schemas import ConversationId
from bot.web.security import REFUSALS, Problem

log = logging.getLogger("bot")
router = APIRouter()
Csrf = Annotated[None, Depends(check_csrf)]
Id = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
NOT_NOW = "Your conversation could not be reached just now; nothing was changed. Try again."


def start(app: FastAPI, settings: Settings) -> None:
    """After the query log and the call-backs: they hold what is kept."""
    app.state.records = Records(
        app.state.querylog,
        app.state.callbacks,
        app.state.outbox,
        app.state.live,
        settings.conversation_ttl_seconds,
    )


def _records(request: Request) -> Records:
    records: Records | None = getattr(request.app.state, "records", None)
    if records is None:
        raise HTTPException(503, NOT_NOW)
    return records


def _attachment(data: dict[str, Any], name: str) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=2).encode()
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(body, media_type="application/json; charset=utf-8", headers=headers)


@router.get(
    "/api/conversations/{conversation_id}",
    responses=REFUSALS | {503: {"model": Problem, "description": "Try again later."}},
)
async def access(conversation_id: Id, request: Request) -> JSONResponse:
    """Everything the clinic keeps of this conversation (empty for an unknown id)."""
    try:
        data = await run_in_threadpool(_records(request).export, conversation_id)
    except SQLAlchemyError:
        return JSONResponse({"detail": NOT_NOW}, status_code=503)
    return JSONResponse(data, headers={"Cache-Control": "no-store"})


@router.delete(
    "/api/conversations/{conversation_id}",
    status_code=204,
    responses=REFUSALS | {503: {"model": Problem, "description": "Nothing was erased."}},
)
async def erase(conversation_id: Id, request: Request) -> Response:
    """Erase every record of this conversation: its turns, feedback, call-backs, context."""
    try:
        await run_in_threadpool(_records(request).erase, conversation_id)
    except (SQLAlchemyError, OSError) as exc:
        log.error("erasure of a conversation failed: %s", exc)
        return JSONResponse({"detail": NOT_NOW}, status_code=503)
    return Response(status_code=204)


# The no-JavaScript page's two buttons.


@router.get("/conversation/download", include_in_schema=False)
async def download(request: Request, conversation_id: ConversationId) -> Response:
    try:
        data = await run_in_threadpool(_records(request).export, conversation_id)
    except SQLAlchemyError:
        return _page(request, 503, NOT_NOW)
    return _attachment(data, "conversation.json")


@router.post("/conversation/delete", response_class=HTMLResponse, include_in_schema=False)
async def delete_page(request: Request) -> HTMLResponse:
    form = await small_form(request) or {}
    conversation_id = form.get("conversation_id", "")
    if not conversation_id or len(conversation_id) > 64:
        return _page(request, 422, "There is no conversation to delete.")
    try:
        await run_in_threadpool(_records(request).erase, conversation_id)
    except (SQLAlchemyError, OSError):
        return _page(request, 503, NOT_NOW)
    return _page(request, 200, "Your conversation has been deleted: nothing of it is kept.")


def _page(request: Request, status: int, message: str) -> HTMLResponse:
    context = {
        "title": "Your conversation",
        "message": message,
        "settings": request.app.state.settings,
    }
    response = patient_page(request, "patient/erased.html", context, status)
    response.headers["Cache-Control"] = "no-store"
    return response


# Staff: requests made through the clinic (by phone, letter or at the desk).


@router.get("/staff/privacy", response_class=HTMLResponse, include_in_schema=False)
def staff_find(
    request: Request, user: Admin, q: Annotated[str, Query(max_length=254)] = ""
) -> HTMLResponse:
    """Find a patient's conversations by its id or by a call-back's phone or e-mail."""
    records = _records(request)
    found = []
    if q.strip():
        for cid in records.find(q):
            data = records.export(cid)
            found.append((cid, len(data["turns"]), len(data["callback_requests"])))
        audit(request, "privacy_search", "", matches=len(found))
    context = {"title": "Privacy requests", "q": q, "found": found}
    return render_staff(request, "staff/privacy.html", context)


@router.post("/staff/privacy/{conversation_id}/export", include_in_schema=False)
def staff_export(request: Request, conversation_id: Id, user: Admin, _: Csrf) -> Response:
    """An access request: everything kept of the conversation, as a JSON file."""
    data = _records(request).export(conversation_id)
    audit(request, "access_request", f"conversation:{conversation_id}",
           turns=len(data["turns"]), callbacks=len(data["callback_requests"]))  # fmt: skip
    return _attachment(data, f"conversation-{conversation_id[:12]}.json")


@router.post("/staff/privacy/{conversation_id}/erase", include_in_schema=False)
def staff_erase(
    request: Request,
    conversation_id: Id,
    user: Admin,
    _: Csrf,
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> RedirectResponse:
    """An erasure request: every record of the conversation deleted (the audit row stays)."""
    if confirm != "yes":
        raise HTTPException(400, "Tick the box to confirm the erasure.")
    erased = _records(request).erase(conversation_id)
    audit(request, "erasure_request", f"conversation:{conversation_id}",
           turns=erased.turns, callbacks=erased.callbacks, context=erased.context)  # fmt: skip
    return RedirectResponse("/staff/privacy?erased=1", status_code=303)
