"""The audit log's pages (admin only): who did what, when, from where, and its CSV.

Rows are written by `bot.web.auth.audit` from every staff route that reads or changes a
patient's records or the bot's content; `bot audit verify` checks the hash chain.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import BaseModel, Field

from bot.audit.trail import AuditTrail, csv_rows
from bot.web.auth import Admin, audit
from bot.web.auth import page as render

router = APIRouter(prefix="/staff/audit", include_in_schema=False)
PER_PAGE = 100


def _trail(request: Request) -> AuditTrail:
    trail: AuditTrail | None = getattr(request.app.state, "audit", None)
    if trail is None:
        raise HTTPException(503, "The audit log is not available right now.")
    return trail


class AuditFilters(BaseModel):
    """Who, what and when (days in the clinic's time zone, both included)."""

    actor: str = Field("", max_length=254)
    action: str = Field("", max_length=40)
    since: date | None = None
    until: date | None = None

    def query(self, request: Request) -> dict[str, Any]:
        zone = request.app.state.querylog.zone
        start = datetime.combine(self.since, time(), zone) if self.since else None
        end = datetime.combine(self.until + timedelta(days=1), time(), zone) if self.until else None
        return {"actor": self.actor or None, "action": self.action or None, "since": start,
                "until": end}  # fmt: skip


FiltersDep = Annotated[AuditFilters, Query()]


@router.get("", response_class=HTMLResponse)
def audit_page(request: Request, user: Admin, filters: FiltersDep, page: int = 1) -> HTMLResponse:
    """The newest rows first, filtered by who, what and when."""
    page = max(page, 1)
    rows, total = _trail(request).entries(
        **filters.query(request), limit=PER_PAGE, offset=(page - 1) * PER_PAGE
    )
    context = {
        "title": "Audit log",
        "rows": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PER_PAGE)),
        "filters": filters,
    }
    return render(request, "staff/audit.html", context)


@router.get("/export.csv")
def audit_export(request: Request, user: Admin, filters: FiltersDep) -> StreamingResponse:
    """Every row the filters match, as CSV; the export itself is audited."""
    trail = _trail(request)
    query = filters.query(request)
    audit(request, "export_audit", "audit")

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        offset = 0
        while True:
            rows, _ = trail.entries(**query, limit=1000, offset=offset)
            for n, row in enumerate(csv_rows(rows)):
                if n or not offset:  # the header once
                    writer.writerow(row)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            if len(rows) < 1000:
                return
            offset += 1000

    headers = {
        "Content-Disposition": 'attachment; filename="audit.csv"',
        "Cache-Control": "no-store",
    }
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers=headers)
