"""The staff dashboard: logged questions with filters, one question, export, charts, gaps.

Every route needs a signed-in user whose role allows it (see `bot.staff.accounts.PERMISSIONS`);
the pages are in web/templates/staff/, the JSON under /staff/api.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse

from bot.audit.trail import AuditTrail
from bot.curation.store import Curation
from bot.log.database import Database
from bot.log.gaps import CachedEncoder, find_gaps
from bot.log.querylog import Filters, QueryLog
from bot.replies.answerer import Answerer
from bot.replies.triage.catalogue import load_catalogue
from bot.settings import Settings
from bot.staff.accounts import Users
from bot.web import charts
from bot.web.auth import Admin, QueryLogDep, Reader, Reviewer, UsersDep, audit, check_csrf
from bot.web.auth import page as render
from bot.web.chat_page import reply_view

router = APIRouter(prefix="/staff", include_in_schema=False)

FiltersDep = Annotated[Filters, Query()]
Csrf = Annotated[None, Depends(check_csrf)]
CHART_DAYS = 30
URGENT_SHOWN = 20  # unreviewed urgent questions listed above the dashboard; the rest linked


def _context(filters: Filters, **more: Any) -> dict[str, Any]:
    red_flags = [(c.id, c.title) for c in load_catalogue().concepts]
    return {
        "filters": filters,
        "red_flags": red_flags,
        "red_flag_titles": dict(red_flags),
        **more,
    }


@router.get("", response_class=HTMLResponse)
def questions(
    request: Request, user: Reader, querylog: QueryLogDep, filters: FiltersDep, page: int = 1
) -> HTMLResponse:
    """Logged questions, newest first, narrowed by the filters; above them, whatever the
    filters, the urgent ones no one has reviewed yet."""
    result = querylog.questions(filters, page)
    if filters.q:  # what was searched for may quote a patient: only that a search was made
        audit(request, "search", "questions", results=result.total)
    urgent = querylog.questions(Filters(kind="urgent", reviewed="no"), 1, URGENT_SHOWN)
    return render(
        request,
        "staff/questions.html",
        _context(filters, title="Questions", result=result, urgent=urgent),
    )


@router.get("/questions/{question_id}", response_class=HTMLResponse)
def question(
    request: Request,
    question_id: int,
    user: Reader,
    querylog: QueryLogDep,
    find: Annotated[str | None, Query(max_length=300)] = None,
) -> HTMLResponse:
    """One question: exactly what the patient saw, the feedback, the review, and (for
    staff who curate) the passages to pin to it, found by `find` or by the question."""
    found = querylog.get(question_id)
    if found is None:
        raise HTTPException(404, "No such question.")
    audit(request, "view_question", f"question:{question_id}")
    reply = reply_view(found.message, found.as_reply(), request.app.state.settings)
    turns = querylog.conversation(found.conversation_id)
    answerer: Answerer | None = request.app.state.answerer
    candidates = None
    if answerer is not None and user.can("curate"):
        candidates = answerer.retriever.search(find or found.message, k=8)
    context = _context(
        Filters(),
        title="Question",
        question=found,
        reply=reply,
        turns=turns,
        find=find,
        candidates=candidates,
    )
    return render(request, "staff/question.html", context)


@router.post("/questions/{question_id}/review")
def review(
    request: Request,
    question_id: int,
    user: Reviewer,
    querylog: QueryLogDep,
    _: Csrf,
    note: Annotated[str, Form(max_length=2000)] = "",
    reviewed: Annotated[bool, Form()] = True,
) -> RedirectResponse:
    """Mark a question reviewed (or not) and keep a staff note on it."""
    if querylog.mark_reviewed(question_id, user.email, note, reviewed) is None:
        raise HTTPException(404, "No such question.")
    audit(request, "review", f"question:{question_id}", reviewed=reviewed, note=bool(note))
    return RedirectResponse(f"/staff/questions/{question_id}", status_code=303)


@router.post("/questions/{question_id}/missed")
def missed(
    request: Request,
    question_id: int,
    user: Reviewer,
    querylog: QueryLogDep,
    _: Csrf,
    missed: Annotated[bool, Form()] = True,
) -> RedirectResponse:
    """Mark a question as a red flag the bot missed (or take the mark back)."""
    if querylog.mark_missed(question_id, missed) is None:
        raise HTTPException(404, "No such question.")
    audit(request, "mark_missed", f"question:{question_id}", missed=missed)
    return RedirectResponse(f"/staff/questions/{question_id}", status_code=303)


@router.get("/export.csv")
def export(
    request: Request, user: Reader, querylog: QueryLogDep, filters: FiltersDep
) -> StreamingResponse:
    """The filtered questions as CSV (UTF-8 with a BOM, so spreadsheets read it right)."""
    audit(request, "export_csv", "questions", filtered=bool(filters.params()))

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        for row in querylog.export(filters):
            writer.writerow(row)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    name = f"questions-{querylog.today().isoformat()}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/charts", response_class=HTMLResponse)
def charts_page(
    request: Request, user: Reader, querylog: QueryLogDep, filters: FiltersDep
) -> HTMLResponse:
    """Questions per day by kind, the answer rate and feedback over time."""
    until = filters.until or querylog.today()
    since = filters.since or until - timedelta(days=CHART_DAYS - 1)
    days = querylog.stats(since, until)
    dates = [d.day for d in days]
    drawn = {
        "per_day": charts.stacked_bars(
            "Questions per day by kind",
            dates,
            [
                ("answered", "answer", [d.answer for d in days]),
                ("not covered", "no_answer", [d.no_answer for d in days]),
                ("urgent", "urgent", [d.urgent for d in days]),
            ],
            empty="No questions in this period",
        ),
        "rate": charts.line(
            "Answer rate",
            dates,
            [d.answer_rate for d in days],
            empty="No questions the articles could answer in this period",
        ),
        "feedback": charts.stacked_bars(
            "Feedback per day",
            dates,
            [
                ("helpful", "helpful", [d.helpful for d in days]),
                ("unhelpful", "unhelpful", [d.unhelpful for d in days]),
            ],
            empty="No feedback in this period",
        ),
    }
    context = _context(
        filters.model_copy(update={"since": since, "until": until}),
        title="Charts",
        days=days,
        charts=drawn,
    )
    return render(request, "staff/charts.html", context)


def _encoder(request: Request, answerer: Answerer) -> CachedEncoder:
    embedder = answerer.retriever.embedder
    cached = getattr(request.app.state, "gap_encoder", None)
    if cached is None or cached[0] is not embedder:
        cached = request.app.state.gap_encoder = (embedder, CachedEncoder(embedder.encode))
    encoder: CachedEncoder = cached[1]
    return encoder


@router.get("/gaps", response_class=HTMLResponse)
def gaps(
    request: Request, user: Reader, querylog: QueryLogDep, filters: FiltersDep
) -> HTMLResponse:
    """Unanswered and unhelpful questions grouped by meaning: what to write next."""
    answerer: Answerer | None = request.app.state.answerer
    found = None
    if answerer is not None:
        candidates = querylog.gap_candidates(filters)
        found = find_gaps(
            candidates, _encoder(request, answerer), request.app.state.settings.gap_similarity
        )
    return render(request, "staff/gaps.html", _context(filters, title="Content gaps", gaps=found))


@router.get("/accounts", response_class=HTMLResponse)
def accounts(request: Request, user: Admin, users: UsersDep) -> HTMLResponse:
    """Staff accounts and their roles (added and removed with `bot users`)."""
    listed = [(u, users.locked_until(u.email)) for u in users.list()]
    return render(request, "staff/accounts.html", {"title": "Accounts", "accounts": listed})


@router.get("/api/questions")
def api_questions(
    user: Reader, querylog: QueryLogDep, filters: FiltersDep, page: int = 1
) -> dict[str, Any]:
    """The dashboard's list as JSON."""
    result = querylog.questions(filters, page)
    items = [q.as_dict() for q in result.items]
    return {"total": result.total, "page": result.page, "pages": result.pages, "items": items}


@router.get("/api/questions/{question_id}")
def api_question(question_id: int, user: Reader, querylog: QueryLogDep) -> dict[str, Any]:
    found = querylog.get(question_id)
    if found is None:
        raise HTTPException(404, "No such question.")
    return found.as_dict()


@router.get("/api/stats")
def api_stats(user: Reader, querylog: QueryLogDep, filters: FiltersDep) -> list[dict[str, Any]]:
    """Questions by kind and feedback per day (the last 30 days unless dates are given)."""
    until = filters.until or querylog.today()
    since = filters.since or until - timedelta(days=CHART_DAYS - 1)
    return [
        {
            "day": d.day.isoformat(),
            "answer": d.answer,
            "no_answer": d.no_answer,
            "urgent": d.urgent,
            "helpful": d.helpful,
            "unhelpful": d.unhelpful,
            "answer_rate": d.answer_rate,
        }
        for d in querylog.stats(since, until)
    ]


def start(app: FastAPI, settings: Settings) -> None:
    """Open the database (migrating it), the query log's writer and the staff accounts."""
    db = Database(settings)
    app.state.database = db
    app.state.querylog = QueryLog(db, settings)
    app.state.querylog.start()
    app.state.users = Users(db, settings)
    app.state.curation = Curation(db)
    app.state.audit = AuditTrail(db, settings.audit_retention_days)


def stop(app: FastAPI) -> None:
    """Write what the log still holds (or spool it), then close the database."""
    app.state.querylog.close()
    app.state.database.dispose()
