"""Staff sign-in: the session cookie, CSRF tokens, role checks, and the sign-in/out routes.

The cookie (signed, HttpOnly, SameSite=Lax, Secure with `BOT_SECURE_COOKIES`, path
/staff) carries a random session token and a CSRF token; the server keeps the token's
hash, so signing out ends the session everywhere it was copied to. Anonymous visitors get
401 (the sign-in page, or JSON from /staff/api); signed-in staff without the role, 403.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.middleware.sessions import SessionMiddleware

from bot.log.querylog import QueryLog
from bot.settings import Settings
from bot.staff.accounts import User, Users, session_secret
from bot.web.security import check_secret
from bot.web.templates import TEMPLATES

log = logging.getLogger("bot")
router = APIRouter(prefix="/staff", include_in_schema=False)

COOKIE = "bot_staff"
STAFF_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class SignInRequired(Exception):
    """No valid staff session."""


class Forbidden(Exception):
    """Signed in, but the role does not allow this."""


def install(app: FastAPI, settings: Settings) -> None:
    """Add the session cookie and the 401/403/503 pages to the app."""
    secret = session_secret(settings)
    check_secret(settings, secret)  # production mode refuses a missing or weak key
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=COOKIE,
        max_age=int(settings.session_hours * 3600),
        path="/staff",
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(SQLAlchemyError, _database_down)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/staff/api") or request.url.path.endswith(".csv")


def _sign_in_required(request: Request, exc: Exception) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": "Sign in as staff first."}, status_code=401)
    return signin_page(request, status=401, next_url=request.url.path)


def _forbidden(request: Request, exc: Exception) -> Response:
    if request.url.path == "/staff/signin":
        return signin_page(request, 403, "The form had expired. Please sign in again.")
    if _wants_json(request):
        return JSONResponse({"detail": "Your role does not allow this."}, status_code=403)
    return page(request, "staff/forbidden.html", {"title": "Not allowed"}, status=403)


def _database_down(request: Request, exc: Exception) -> Response:
    detail = "The staff database is unavailable; please try again shortly."
    if _wants_json(request) or not request.url.path.startswith("/staff"):
        return JSONResponse({"detail": detail}, status_code=503)
    return page(request, "staff/forbidden.html", {"title": "Unavailable", "detail": detail}, 503)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf(request: Request, csrf_token: Annotated[str, Form()] = "") -> None:
    """Every form carries the session's token; a form from anywhere else is refused."""
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not hmac.compare_digest(expected, csrf_token):
        raise Forbidden()


def page(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """A staff page: never cached, never framed, no inline script or style."""
    user = getattr(request.state, "user", None)
    base = {
        "user": user,
        "csrf": csrf_token(request),
        "settings": request.app.state.settings,
        "callbacks_new": _new_callbacks(request, user),
    }
    response = TEMPLATES.TemplateResponse(request, template, base | context, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = STAFF_CSP
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _new_callbacks(request: Request, user: User | None) -> int | None:
    """New call-back requests, for the navigation of staff who handle them."""
    store = getattr(request.app.state, "callbacks", None)
    if store is None or user is None or not user.can("callbacks"):
        return None
    try:
        return int(store.count_new())
    except SQLAlchemyError:
        return None  # the page still shows; the count comes back with the database


def audit(request: Request, action: str, target: str = "", actor: str = "", **detail: Any) -> None:
    """One row of the audit log: the signed-in user (or `actor`), the action, its target,
    the client's address, ids and counts in `detail` (never message text). A failure to
    write it is logged, never raised: the staff member's action has happened."""
    trail = getattr(request.app.state, "audit", None)
    if trail is None:
        return
    user = getattr(request.state, "user", None)
    who = user.email if user is not None else actor
    address = request.client.host if request.client else ""
    try:
        trail.record(who, action, target, address, detail or None)
    except (SQLAlchemyError, ValueError) as exc:
        log.error("audit log not written (%s %s by %s): %s", action, target, who, exc)


def get_users(request: Request) -> Users:
    users: Users = request.app.state.users
    return users


def get_querylog(request: Request) -> QueryLog:
    querylog: QueryLog = request.app.state.querylog
    return querylog


UsersDep = Annotated[Users, Depends(get_users)]
QueryLogDep = Annotated[QueryLog, Depends(get_querylog)]


def current_user(request: Request, users: UsersDep) -> User:
    token = request.session.get("sid")
    user = users.session_user(token) if isinstance(token, str) else None
    if user is None:
        raise SignInRequired()
    request.state.user = user
    return user


def require(permission: str) -> Callable[..., User]:
    """A dependency: the signed-in user, if their role has `permission`."""

    def dependency(user: Annotated[User, Depends(current_user)]) -> User:
        if not user.can(permission):
            raise Forbidden()
        return user

    return dependency


Reader = Annotated[User, Depends(require("read"))]
Reviewer = Annotated[User, Depends(require("review"))]
Admin = Annotated[User, Depends(require("accounts"))]
Curator = Annotated[User, Depends(require("curate"))]
CsrfChecked = Depends(check_csrf)


def safe_next(url: str | None, default: str = "/staff") -> str:
    """Only back to a staff page on this site, never elsewhere."""
    if url and url.startswith("/staff") and not url.startswith("//") and "\\" not in url:
        return url
    return default


def signin_page(
    request: Request, status: int = 200, error: str | None = None, next_url: str | None = None
) -> HTMLResponse:
    context = {"title": "Staff sign-in", "error": error, "next": safe_next(next_url)}
    return page(request, "staff/signin.html", context, status)


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, next: str | None = None) -> HTMLResponse:
    """The sign-in form."""
    return signin_page(request, next_url=next)


@router.post("/signin", response_class=HTMLResponse, dependencies=[CsrfChecked])
def signin(
    request: Request,
    users: UsersDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=500)] = "/staff",
) -> Response:
    """Check the password; slow down, then lock out, after repeated failures."""
    address = request.client.host if request.client else "unknown"
    attempt = users.sign_in(email, password, address)
    audit(request, "signin" if attempt.user else "signin_failed", actor=email[:254])
    if attempt.user is None:
        if attempt.wait_seconds:
            minutes = -(-attempt.wait_seconds // 60)
            wait = (
                f"{attempt.wait_seconds} seconds"
                if attempt.wait_seconds < 120
                else (f"{minutes} minutes")
            )
            response = signin_page(
                request, 429, f"Too many failed sign-ins. Try again in {wait}.", next
            )
            response.headers["Retry-After"] = str(attempt.wait_seconds)
            return response
        return signin_page(request, 401, "That email and password do not match.", next)
    request.session.clear()  # a new session: nothing from before sign-in carries over
    request.session["sid"] = users.start_session(attempt.user)
    csrf_token(request)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/signout", dependencies=[CsrfChecked])
def signout(request: Request, users: UsersDep) -> Response:
    """End the session on the server and forget the cookie."""
    token = request.session.get("sid")
    if isinstance(token, str):
        user = users.session_user(token)
        audit(request, "signout", actor=user.email if user else "")
        users.end_session(token)
    request.session.clear()
    return RedirectResponse("/staff/signin", status_code=303)
