"""Staff accounts, roles, sign-in sessions and the slow-down and lock-out of failed sign-ins.

Passwords are hashed with Argon2id (argon2-cffi); a session is a random token whose
SHA-256 is stored, so signing out (or a new password) ends it on the server. There is
no default account: the first admin is added with `bot users add`.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Literal, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import SecretStr
from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.log.database import Base, Database, UTCDateTime, utcnow
from bot.settings import Settings

log = logging.getLogger("bot.staff.accounts")

Role = Literal["staff", "content", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
# What each role may do: `read` the log (questions, export, charts, content gaps),
# `review` questions (mark reviewed, notes), see staff `accounts`, `publish` articles,
# `curate` answers (pins, hidden passages).
PERMISSIONS: dict[str, frozenset[Role]] = {
    "read": frozenset(ROLES),
    "review": frozenset({"staff", "admin"}),
    "accounts": frozenset({"admin"}),
    "publish": frozenset({"content", "admin"}),
    # Pin passages to questions and hide passages (bot.curation).
    "curate": frozenset(ROLES),
    # Call-back requests: patients' contact details (bot.callbacks).
    "callbacks": frozenset({"staff", "admin"}),
}
MIN_PASSWORD, MAX_PASSWORD = 12, 1024
SLOW_DOWN_AFTER = 3  # failures after which each attempt must wait (1 s, 2 s, 4 s …)
MAX_WAIT_SECONDS = 60
ADDRESS_FACTOR = 4  # an address (many staff behind one router) may fail this many times more
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

HASHER = PasswordHasher()


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_signin_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]


class StaffSession(Base):
    """A signed-in browser: the SHA-256 of the token in its cookie."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SigninFailure(Base):
    """Recent failed sign-ins for one account (`account:…`) or one address (`address:…`)."""

    __tablename__ = "signin_failures"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int]
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserError(ValueError):
    """A request about an account that cannot be done; the message says why."""


@dataclass
class Attempt:
    """The outcome of a sign-in: the user, or how long to wait (0: just wrong)."""

    user: User | None
    wait_seconds: int = 0


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise UserError(f"not an email address: {email!r}")
    return email


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"a password has at most {MAX_PASSWORD} characters")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@cache
def _dummy_hash() -> str:
    return HASHER.hash(secrets.token_hex(16))


def _verify(password_hash: str | None, password: str) -> bool:
    """Argon2 check; an unknown account costs the same time as a known one."""
    try:
        return HASHER.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


class Users:
    """The staff accounts in one database."""

    def __init__(
        self, db: Database, settings: Settings, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.db = db
        self.clock = clock
        self.session_length = timedelta(hours=settings.session_hours)
        self.max_failures = settings.signin_max_failures
        self.lockout = timedelta(minutes=settings.signin_lockout_minutes)

    def add(self, email: str, role: str, password: str) -> User:
        """Create an account. Example: users.add("nurse@clinic.example", "staff", "…")."""
        email = normalise_email(email)
        if role not in ROLES:
            raise UserError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
        check_password(password)
        with self.db.session(write=True) as session:
            if session.scalar(select(User.id).filter_by(email=email)):
                raise UserError(f"{email} already has an account")
            user = User(
                email=email, role=role, password_hash=HASHER.hash(password), created_at=self.clock()
            )
            session.add(user)
        return user

    def list(self) -> Sequence[User]:
        with self.db.session() as session:
            return session.scalars(select(User).order_by(User.email)).all()

    def get(self, email: str) -> User | None:
        with self.db.session() as session:
            return session.scalars(select(User).filter_by(email=email.strip().lower())).first()

    def remove(self, email: str) -> None:
        """Delete an account and end its sessions."""
        with self.db.session(write=True) as session:
            user = session.scalars(select(User).filter_by(email=email.strip().lower())).first()
            if user is None:
                raise UserError(f"no account for {email}")
            session.execute(delete(StaffSession).filter_by(user_id=user.id))
            session.delete(user)

    def set_password(self, email: str, password: str) -> None:
        """A new password: ends the account's sessions and lifts a lock-out."""
        check_password(password)
        password_hash = HASHER.hash(password)
        with self.db.session(write=True) as session:
            user = session.scalars(select(User).filter_by(email=email.strip().lower())).first()
            if user is None:
                raise UserError(f"no account for {email}")
            user.password_hash = password_hash
            session.execute(delete(StaffSession).filter_by(user_id=user.id))
            session.execute(delete(SigninFailure).filter_by(key=f"account:{user.email}"))

    def sign_in(self, email: str, password: str, address: str) -> Attempt:
        """Check a password, unless the account or address must wait after failures."""
        now, email = self.clock(), email.strip().lower()[:254]
        keys = {f"account:{email}": 1, f"address:{address}": ADDRESS_FACTOR}
        with self.db.session() as session:
            wait = 0.0
            for key in keys:
                row = session.get(SigninFailure, key)
                if row and row.not_before and row.not_before > now:
                    wait = max(wait, (row.not_before - now).total_seconds())
            if wait:
                return Attempt(None, math.ceil(wait))
            user = session.scalars(select(User).filter_by(email=email)).first()
        ok = _verify(user.password_hash if user else None, password)
        with self.db.session(write=True) as session:
            if ok and user:
                session.execute(delete(SigninFailure).filter_by(key=f"account:{email}"))
                user = session.merge(user)
                user.last_signin_at = now
                if HASHER.check_needs_rehash(user.password_hash):
                    user.password_hash = HASHER.hash(password)
                return Attempt(user)
            for key, factor in keys.items():
                self._failed(session, key, factor, now)
        log.warning("failed sign-in for %s from %s", email, address)
        return Attempt(None)

    def _failed(self, session: Session, key: str, factor: int, now: datetime) -> None:
        row = session.get(SigninFailure, key)
        if row is None:
            row = SigninFailure(key=key, failures=0, last_at=now)
            session.add(row)
        elif now - row.last_at > self.lockout:
            row.failures = 0  # old failures are forgiven
        row.failures += 1
        row.last_at = now
        slow_down_after = SLOW_DOWN_AFTER * factor
        if row.failures >= self.max_failures * factor:
            row.not_before = now + self.lockout
        elif row.failures >= slow_down_after:
            delay = min(2 ** (row.failures - slow_down_after), MAX_WAIT_SECONDS)
            row.not_before = now + timedelta(seconds=delay)
        else:
            row.not_before = None

    def locked_until(self, email: str) -> datetime | None:
        """When a locked account may try again (None if it is not locked)."""
        with self.db.session() as session:
            row = session.get(SigninFailure, f"account:{email.strip().lower()}")
        if row and row.failures >= self.max_failures and row.not_before:
            return row.not_before if row.not_before > self.clock() else None
        return None

    def start_session(self, user: User) -> str:
        """A new session token for the user's cookie."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self.db.session(write=True) as session:
            session.add(
                StaffSession(
                    id=_digest(token),
                    user_id=user.id,
                    created_at=now,
                    expires_at=now + self.session_length,
                )
            )
        return token

    def session_user(self, token: str) -> User | None:
        """The user a session token belongs to, if it has not ended or expired."""
        with self.db.session() as session:
            found = session.get(StaffSession, _digest(token))
            if found is None or found.expires_at <= self.clock():
                return None
            return session.get(User, found.user_id)

    def end_session(self, token: str) -> None:
        with self.db.session(write=True) as session:
            session.execute(delete(StaffSession).filter_by(id=_digest(token)))
            session.execute(delete(StaffSession).where(StaffSession.expires_at <= self.clock()))


def session_secret(settings: Settings) -> str:
    """`BOT_SECRET_KEY`, or a key generated once into `<data_dir>/secret_key` (mode 0600)."""
    given = settings.secret_key
    key = given.get_secret_value() if isinstance(given, SecretStr) else str(given or "")
    if key:
        return key
    path = settings.data_dir / "secret_key"
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text(encoding="ascii").strip()
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_urlsafe(48))
        return path.read_text(encoding="ascii").strip()
    except OSError as exc:
        log.error("no secret key in %s (%s): staff sign-ins end when the server stops", path, exc)
        return secrets.token_urlsafe(48)
