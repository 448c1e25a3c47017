"""The content team's pages (roles content and admin): articles, uploads, re-indexing, gaps.

The pages live under /staff, where the staff session cookie is sent; `/content` leads
there. Each route checks the form, calls one function of `bot.articles.publishing`,
`bot.index.jobs`, `bot.index.versions` or `bot.log.gaps`, and renders a page from
web/templates/content/.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError

from bot.articles import library, publishing
from bot.index.build import activate_version
from bot.index.jobs import Builds
from bot.index.versions import IndexError_, active_version, list_versions, load_index, rollback
from bot.log.gaps import GapTracker
from bot.replies.answerer import Answerer
from bot.search.embedder import Embedder
from bot.settings import Settings
from bot.staff.accounts import User
from bot.web.auth import audit, check_csrf, require
from bot.web.auth import page as render

router = APIRouter(include_in_schema=False)

Publisher = Annotated[User, Depends(require("publish"))]
Csrf = Annotated[None, Depends(check_csrf)]
Confirmed = Annotated[str, Form(max_length=10)]
HOME = "/staff/content"


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _embedder(app: Any) -> Embedder:
    """The serving model (shared: loading another copy takes seconds and memory)."""
    answerer: Answerer | None = app.state.answerer
    if answerer is not None:
        return answerer.retriever.embedder
    return Embedder.from_settings(app.state.settings)


def get_builds(request: Request) -> Builds:
    """The app's one build runner, made on first use."""
    app = request.app
    if getattr(app.state, "builds", None) is None:
        settings = _settings(request)
        tracker = GapTracker(app.state.database)

        def ask_gaps_again(version: str) -> None:
            embedder = _embedder(app)
            answerer = Answerer(settings, load_index(settings, embedder, version), embedder)

            def ask(question: str) -> tuple[str, str]:
                reply = answerer.ask(question)
                return reply.kind, reply.passages[0].source.doc_id if reply.passages else ""

            tracker.recheck(version, ask)

        app.state.builds = Builds(settings, lambda: _embedder(app), ask_gaps_again)
    builds: Builds = app.state.builds
    return builds


def get_tracker(request: Request) -> GapTracker:
    return GapTracker(request.app.state.database)


BuildsDep = Annotated[Builds, Depends(get_builds)]
TrackerDep = Annotated[GapTracker, Depends(get_tracker)]


def _flash(request: Request, message: str, error: bool = False) -> None:
    request.session["flash"] = {"message": message, "error": error}


def _page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    flash = request.session.pop("flash", None)
    return render(request, template, {"flash": flash, **context}, status)


def _home(anchor: str = "") -> RedirectResponse:
    return RedirectResponse(HOME + anchor, status_code=303)


@router.get("/content")
def content_home() -> RedirectResponse:
    """The content area lives under /staff, where the staff session cookie is sent."""
    return RedirectResponse(HOME, status_code=307)


@router.get(HOME, response_class=HTMLResponse)
def articles(request: Request, user: Publisher, builds: BuildsDep) -> HTMLResponse:
    """The articles with their status and review dates; upload, re-index."""
    listed = library.list_articles(_settings(request))
    return _page(
        request,
        "content/articles.html",
        title="Articles",
        articles=listed,
        build=builds.state(),
        curation=_curation_changed(request),
    )


def _curation_changed(request: Request) -> dict[str, list[str]] | None:
    """Pins and hidden passages whose passage the live index no longer holds, to review
    (None when that cannot be told now: no index loaded, or the database is down)."""
    answerer: Answerer | None = request.app.state.answerer
    if answerer is None:
        return None
    try:
        changed: dict[str, list[str]] = request.app.state.curation.changed(
            {c.chunk_id for c in answerer.index.chunks}
        )
    except (SQLAlchemyError, OSError):
        return None
    return changed


@router.post(HOME + "/preview", response_class=HTMLResponse)
def preview(request: Request, user: Publisher, _: Csrf, file: UploadFile) -> HTMLResponse:
    """Check an upload and show its passages, or what is wrong with it, before saving."""
    settings = _settings(request)
    data = file.file.read(settings.max_upload_bytes + 1)
    found = publishing.check_upload(settings, file.filename or "", data)
    return _preview(request, found)


def _preview(request: Request, found: publishing.Candidate) -> HTMLResponse:
    token = publishing.stage(_settings(request), found) if found.ok else ""
    status = 200 if found.ok else 422
    return _page(request, "content/preview.html", status, title="Preview", found=found, token=token)


@router.post(HOME + "/save")
def save(
    request: Request, user: Publisher, _: Csrf, token: Annotated[str, Form(max_length=64)]
) -> Response:
    """Write the previewed article into the corpus (re-indexing is a separate step)."""
    try:
        found = publishing.save(_settings(request), token)
    except publishing.PublishError as exc:
        _flash(request, str(exc), error=True)
        return _home()
    if not found.ok:
        return _preview(request, found)
    audit(request, "upload", f"article:{found.filename}")
    _flash(request, f"Saved {found.filename}. Re-index to make it live.")
    return _home()


@router.get(HOME + "/articles/{filename}/edit", response_class=HTMLResponse)
def edit_form(request: Request, filename: str, user: Publisher) -> Response:
    """The article's front matter as a form."""
    try:
        values = publishing.front_matter(_settings(request), filename)
    except publishing.PublishError as exc:
        _flash(request, str(exc), error=True)
        return _home()
    return _page(
        request, "content/edit.html", title="Edit article", filename=filename, values=values
    )


@router.post(HOME + "/articles/{filename}/edit", response_class=HTMLResponse)
async def edit(request: Request, filename: str, user: Publisher, _: Csrf) -> Response:
    """New front matter, same body: previewed like an upload, or the form with its errors."""
    form = await request.form()
    values = {k: str(form.get(k, ""))[:500] for k in publishing.EDITABLE}
    try:
        found = publishing.edit_front_matter(_settings(request), filename, values)
    except publishing.PublishError as exc:
        _flash(request, str(exc), error=True)
        return _home()
    if found.ok:
        return _preview(request, found)
    return _page(
        request, "content/edit.html", 422, title="Edit article", filename=filename,
        values=values, problems=found.problems,
    )  # fmt: skip


@router.post(HOME + "/articles/{filename}/delete")
def delete(
    request: Request, filename: str, user: Publisher, _: Csrf, confirm: Confirmed = ""
) -> RedirectResponse:
    """Remove an article from the corpus (confirmed); it leaves the index at the next build."""
    if confirm != "yes":
        _flash(request, "Tick the box to confirm the deletion.", error=True)
        return _home()
    try:
        publishing.delete(_settings(request), filename)
    except publishing.PublishError as exc:
        _flash(request, str(exc), error=True)
        return _home()
    audit(request, "delete_article", f"article:{filename}")
    _flash(request, f"Deleted {filename}. Re-index to take it out of the bot's answers.")
    return _home()


@router.post(HOME + "/reindex")
def reindex(request: Request, user: Publisher, _: Csrf, builds: BuildsDep) -> RedirectResponse:
    """Start a build in the background; one at a time."""
    refused = builds.start(user.email)
    if refused:
        _flash(request, refused, error=True)
    else:
        audit(request, "reindex", "index")
    return RedirectResponse(HOME + "/builds", status_code=303)


@router.get(HOME + "/builds", response_class=HTMLResponse)
def build_history(request: Request, user: Publisher, builds: BuildsDep) -> HTMLResponse:
    """The running build's progress and every kept version: who, when, what changed, scores."""
    settings = _settings(request)
    return _page(
        request, "content/builds.html", title="Builds", build=builds.state(),
        versions=list_versions(settings.index_dir), active=active_version(settings.index_dir),
    )  # fmt: skip


def _switch(request: Request, confirm: str, action: Any, done: str) -> RedirectResponse:
    if confirm != "yes":
        _flash(request, "Tick the box to confirm.", error=True)
    else:
        try:
            version = action()
            audit(request, "rollback" if "Rolled" in done else "activate", f"version:{version}")
            _flash(request, done.format(version))
        except IndexError_ as exc:
            _flash(request, str(exc), error=True)
    return RedirectResponse(HOME + "/builds", status_code=303)


@router.post(HOME + "/rollback")
def roll_back(request: Request, user: Publisher, _: Csrf, confirm: Confirmed = "") -> Response:
    """Switch back to the version built before the active one (confirmed)."""
    settings = _settings(request)
    return _switch(
        request, confirm, lambda: rollback(settings.index_dir, settings.keep_versions),
        "Rolled back to version {}. Servers switch within seconds.",
    )  # fmt: skip


@router.post(HOME + "/activate")
def activate(
    request: Request,
    user: Publisher,
    _: Csrf,
    version: Annotated[str, Form(max_length=100)],
    confirm: Confirmed = "",
) -> Response:
    """Activate a kept version, even one the quality gate held back (confirmed)."""
    settings = _settings(request)

    def switch() -> str:
        activate_version(settings, version)
        return version

    return _switch(request, confirm, switch, "Activated version {}. Servers switch within seconds.")


@router.get(HOME + "/gaps", response_class=HTMLResponse)
def tracked_gaps(request: Request, user: Publisher, tracker: TrackerDep) -> HTMLResponse:
    """Gaps being written, the article meant to close each, and the last re-check."""
    docs = [a for a in library.list_articles(_settings(request), False) if a.doc_id]
    return _page(
        request, "content/gaps.html", title="Gaps being written", gaps=tracker.tracked(),
        articles=docs, active=active_version(_settings(request).index_dir),
    )  # fmt: skip


@router.post(HOME + "/gaps")
def mark_gap(
    request: Request,
    user: Publisher,
    _: Csrf,
    tracker: TrackerDep,
    label: Annotated[str, Form(max_length=1000)] = "",
    question: Annotated[list[str] | None, Form(max_length=1000)] = None,
) -> RedirectResponse:
    """Mark a content gap (from /staff/gaps) "being written"."""
    if not question:
        _flash(request, "That gap has no questions.", error=True)
    else:
        tracker.mark(label, question[:200], user.email)
        _flash(request, "Marked as being written. Link it to its article below.")
    return RedirectResponse(HOME + "/gaps", status_code=303)


@router.post(HOME + "/gaps/{gap_id}/link")
def link_gap(
    request: Request,
    gap_id: int,
    user: Publisher,
    _: Csrf,
    tracker: TrackerDep,
    doc_id: Annotated[str, Form(max_length=200)] = "",
) -> RedirectResponse:
    """Link a gap being written to the article meant to close it."""
    if tracker.link(gap_id, doc_id) is None:
        _flash(request, "No such gap.", error=True)
    return RedirectResponse(HOME + "/gaps", status_code=303)
