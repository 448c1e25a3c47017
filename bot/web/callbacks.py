"""A path to a person: the patients' call-back form and API, and the staff's inbox.

Patients: `GET /api/callback` (opening status, time choices, collection notice),
`POST /api/callback` (JSON, 201 with a request id), and the no-JavaScript form at
`/callback`. Staff (roles staff and admin): `/staff/callbacks`, one request with its
conversation, status/assignee/notes changes, and `/staff/api/callbacks`. Checking and
storing are `bot.callbacks.intake`; sending the clinic's notifications is the outbox's
thread (`bot.notify.outbox`), started here with the app.
"""

from __future__ import annotations

import logging
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from bot.callbacks.hours import OpeningHours
from bot.callbacks.intake import Intake, IntakeError, Submission
from bot.callbacks.store import STATUSES, Callbacks, fernet
from bot.callbacks.store import Request as CallbackView
from bot.log.database import utcnow
from bot.notify.mail import MailServer
from bot.notify.outbox import Outbox
from bot.privacy.records import notice
from bot.settings import Settings
from bot.staff.accounts import User
from bot.web.auth import audit, check_csrf, require
from bot.web.auth import page as render_staff
from bot.web.chat_page import patient_page, small_form
from bot.web.schemas import (
    CallbackCreated,
    CallbackIn,
    CallbackOptions,
    CallbackProblem,
    CallbackSlot,
)
from bot.web.security import REFUSALS, Problem

log = logging.getLogger("bot")
router = APIRouter()
Caller = Annotated[User, Depends(require("callbacks"))]
Csrf = Annotated[None, Depends(check_csrf)]
UNSTORED = (
    "We could not save your request just now. Please call the clinic instead; nothing "
    "you typed was kept."
)


def install(app: FastAPI, settings: Settings) -> None:
    """Add the routes; production mode refuses to start without BOT_CALLBACK_KEY."""
    fernet(settings)  # raises CallbackKeyError now, not at the first request
    OpeningHours.from_settings(settings)  # and HoursError for BOT_OPENING_HOURS
    if settings.smtp_url.get_secret_value():
        MailServer.parse(settings.smtp_url.get_secret_value())  # ValueError for BOT_SMTP_URL
    app.include_router(router)


def start(app: FastAPI, settings: Settings) -> None:
    """The intake and the outbox's sending thread (which also purges old requests)."""
    db = app.state.database
    outbox = Outbox(db, settings)
    app.state.outbox = outbox
    app.state.intake = Intake(db, settings, outbox)
    app.state.callbacks = app.state.intake.callbacks
    # The outbox's thread also deletes what is past its retention, once an hour.
    outbox.start(maintenance=_hourly(app.state.callbacks.purge, app.state.audit.purge))


def stop(app: FastAPI) -> None:
    outbox: Outbox | None = getattr(app.state, "outbox", None)
    if outbox is not None:
        outbox.stop()


def _hourly(*purges: Any) -> Any:
    """Run each purge (closed call-backs, old audit rows) at most once an hour."""
    last = [0.0]

    def purge() -> None:
        if time.monotonic() - last[0] >= 3600:
            last[0] = time.monotonic()
            for run in purges:
                gone = run()
                if gone:
                    log.info("purged %d rows past their retention (%s)", gone, run.__qualname__)

    return purge


def _intake(request: Request) -> Intake:
    intake: Intake | None = getattr(request.app.state, "intake", None)
    if intake is None:
        raise HTTPException(503, UNSTORED)
    return intake


def options(settings: Settings, hours: OpeningHours) -> CallbackOptions:
    """What the form offers now: whether the clinic is open, and when it can call."""
    now = utcnow()
    status = hours.status(now)
    return CallbackOptions(
        open=status.open,
        status=status.message,
        choices=[CallbackSlot(value=c.value, label=c.label) for c in hours.choices(now)],
        privacy_notice=notice(settings),
        privacy_url=settings.privacy_url or None,
    )


@router.get("/api/callback", response_model=CallbackOptions)
def callback_options(request: Request) -> CallbackOptions:
    """The call-back form's choices and notice, following the clinic's opening hours."""
    return options(request.app.state.settings, _intake(request).hours)


@router.post(
    "/api/callback",
    status_code=201,
    response_model=CallbackCreated,
    responses=REFUSALS
    | {
        422: {"model": CallbackProblem, "description": "What to fix, field by field."},
        503: {"model": Problem, "description": "The request was not saved."},
    },
)
async def create_callback(body: CallbackIn, request: Request) -> JSONResponse:
    """Ask the clinic to call back; 422 names each field that needs fixing."""
    intake = _intake(request)
    submission = Submission(
        body.conversation_id or "",
        body.name,
        body.phone or "",
        body.email or "",
        body.preferred_time,
        body.message,
        body.consent,
    )
    try:
        row = await run_in_threadpool(intake.submit, submission, utcnow())
    except IntakeError as exc:
        return JSONResponse({"detail": str(exc), "fields": exc.problems}, status_code=422)
    except SQLAlchemyError as exc:
        log.error("call-back request not stored: %s", exc)
        return JSONResponse({"detail": UNSTORED}, status_code=503)
    created = CallbackCreated(request_id=row.request_id, message=_thanks(intake))
    return JSONResponse(created.model_dump(), status_code=201)


def _thanks(intake: Intake) -> str:
    status = intake.hours.status(utcnow())
    return f"Thank you — we have your request. {status.message}"


# The no-JavaScript form: GET shows it (empty, or carrying the patient's last message),
# POST checks it and shows the thanks, or the form again with what to fix.


def _patient_page(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    intake: Intake | None = getattr(request.app.state, "intake", None)
    base = {
        "title": "Ask the clinic to call you",
        "settings": settings,
        "options": options(settings, intake.hours) if intake else None,
        "form": {},
        "problems": {},
        "thanks": None,
        "error": None if intake else UNSTORED,
    }
    response = patient_page(request, "patient/callback.html", base | context, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/callback", response_class=HTMLResponse, include_in_schema=False)
def callback_page(request: Request) -> HTMLResponse:
    return _patient_page(request)


@router.post("/callback", response_class=HTMLResponse, include_in_schema=False)
async def callback_post(request: Request) -> HTMLResponse:
    form = await small_form(request)
    if form is None:
        return _patient_page(request, 413, error="That is too long to send.")
    if form.get("step") == "open":  # from a reply: the form, carrying the question
        return _patient_page(request, form=form)
    intake = getattr(request.app.state, "intake", None)
    if intake is None:
        return _patient_page(request, 503, form=form)
    submission = Submission(
        form.get("conversation_id", "")[:64],
        form.get("name", ""),
        form.get("phone", ""),
        form.get("email", ""),
        form.get("preferred_time", ""),
        form.get("message", ""),
        form.get("consent") == "yes",
    )
    try:
        row = await run_in_threadpool(intake.submit, submission, utcnow())
    except IntakeError as exc:
        return _patient_page(request, 422, form=form, problems=exc.problems)
    except SQLAlchemyError as exc:
        log.error("call-back request not stored: %s", exc)
        return _patient_page(request, 503, form=form, error=UNSTORED)
    return _patient_page(request, 201, thanks=(_thanks(intake), row.request_id))


# The staff's inbox.


def _store(request: Request) -> Callbacks:
    store: Callbacks | None = getattr(request.app.state, "callbacks", None)
    if store is None:
        raise HTTPException(503, "The call-back inbox is not available right now.")
    return store


def _as_dict(found: CallbackView) -> dict[str, Any]:
    row, contact = found.row, found.contact
    return {
        "request_id": row.request_id,
        "created_at": row.created_at.isoformat(),
        "status": row.status,
        "status_by": row.status_by,
        "status_at": row.status_at.isoformat() if row.status_at else None,
        "assignee": row.assignee,
        "preferred_time": row.preferred_label,
        "conversation_id": row.conversation_id,
        "name": contact.name if contact else None,
        "phone": contact.phone if contact else None,
        "email": contact.email if contact else None,
        "message": contact.message if contact else None,
        "notes": found.notes,
    }


StatusFilter = Annotated[str | None, Query(pattern="^(new|contacted|booked|closed)$")]


@router.get("/staff/callbacks", response_class=HTMLResponse, include_in_schema=False)
def inbox(
    request: Request, user: Caller, status: StatusFilter = None, page: int = 1
) -> HTMLResponse:
    """Call-back requests, newest first, by status."""
    found, total = _store(request).list(status, page)
    audit(request, "view_callbacks", "callbacks", shown=len(found))
    context = {
        "title": "Call-backs",
        "requests": found,
        "total": total,
        "status": status,
        "statuses": STATUSES,
        "page": page,
    }
    return render_staff(request, "staff/callbacks.html", context)


@router.get("/staff/callbacks/{request_id}", response_class=HTMLResponse, include_in_schema=False)
def one_request(request: Request, request_id: str, user: Caller) -> HTMLResponse:
    """One request, with the conversation the patient had before asking."""
    found = _store(request).get(request_id)
    if found is None:
        raise HTTPException(404, "No such call-back request.")
    audit(request, "view_callback", f"callback:{request_id}")
    turns = request.app.state.querylog.conversation(found.row.conversation_id)
    context = {
        "title": "Call-back request",
        "found": found,
        "turns": turns if found.row.conversation_id else [],
        "statuses": STATUSES,
    }
    return render_staff(request, "staff/callback.html", context)


@router.post("/staff/callbacks/{request_id}", include_in_schema=False)
def change_request(
    request: Request,
    request_id: str,
    user: Caller,
    _: Csrf,
    status: Annotated[str, Form(pattern="^(new|contacted|booked|closed)$")],
    assignee: Annotated[str, Form(max_length=254)] = "",
    notes: Annotated[str, Form(max_length=4000)] = "",
) -> RedirectResponse:
    """Move a request along (new → contacted → booked / closed), assign it, note on it."""
    if _store(request).update(request_id, user.email, status, assignee, notes) is None:
        raise HTTPException(404, "No such call-back request.")
    audit(request, "update_callback", f"callback:{request_id}", status=status)
    return RedirectResponse(f"/staff/callbacks/{request_id}", status_code=303)


@router.get("/staff/api/callbacks", include_in_schema=False)
def api_inbox(
    request: Request, user: Caller, status: StatusFilter = None, page: int = 1
) -> dict[str, Any]:
    found, total = _store(request).list(status, page)
    return {"total": total, "page": page, "items": [_as_dict(f) for f in found]}
