"""Staff accounts on SQLite and PostgreSQL: Argon2 hashes, sessions, slow-down and lock-out."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from bot.log.database import Database, utcnow
from bot.settings import Settings
from bot.staff import accounts as users_module
from bot.staff.accounts import UserError, Users, session_secret

PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def users(db_settings: Settings, clock: Clock, cheap_hashes: None) -> Iterator[Users]:
    db = Database(db_settings)
    db.upgrade()
    yield Users(db, db_settings, clock)
    db.dispose()


def test_passwords_are_argon2id_hashes(db_settings: Settings) -> None:
    db = Database(db_settings)
    db.upgrade()
    added = Users(db, db_settings).add("Nurse@Clinic.example ", "staff", PASSWORD)
    assert added.email == "nurse@clinic.example"
    assert added.password_hash.startswith("$argon2id$") and PASSWORD not in added.password_hash
    assert Users(db, db_settings).sign_in("nurse@clinic.example", PASSWORD, "10.0.0.1").user
    db.dispose()


def test_accounts_are_added_listed_and_removed(users: Users) -> None:
    users.add("b@clinic.example", "content", PASSWORD)
    users.add("a@clinic.example", "admin", PASSWORD)
    assert [(u.email, u.role) for u in users.list()] == [
        ("a@clinic.example", "admin"),
        ("b@clinic.example", "content"),
    ]
    users.remove("B@clinic.example")
    assert [u.email for u in users.list()] == ["a@clinic.example"]
    with pytest.raises(UserError, match="no account"):
        users.remove("b@clinic.example")


@pytest.mark.parametrize(
    ("email", "role", "password", "error"),
    [
        ("not-an-email", "staff", PASSWORD, "not an email"),
        ("a@clinic.example", "owner", PASSWORD, "unknown role"),
        ("a@clinic.example", "staff", "short", "at least 12"),
        ("a@clinic.example", "staff", "x" * 1025, "at most"),
    ],
)
def test_bad_accounts_are_refused(
    users: Users, email: str, role: str, password: str, error: str
) -> None:
    with pytest.raises(UserError, match=error):
        users.add(email, role, password)
    assert not users.list()


def test_an_email_has_one_account(users: Users) -> None:
    users.add("a@clinic.example", "staff", PASSWORD)
    with pytest.raises(UserError, match="already"):
        users.add("A@clinic.example", "admin", PASSWORD)


def test_sign_in_and_sessions(users: Users, clock: Clock) -> None:
    user = users.add("a@clinic.example", "staff", PASSWORD)
    assert users.sign_in("a@clinic.example", "wrong password!", "1.2.3.4").user is None
    assert users.sign_in("nobody@clinic.example", PASSWORD, "1.2.3.4").user is None
    signed = users.sign_in(" A@clinic.example", PASSWORD, "1.2.3.4").user
    assert signed and signed.id == user.id and signed.last_signin_at == clock.now
    token = users.start_session(signed)
    assert (found := users.session_user(token)) and found.email == "a@clinic.example"
    assert users.session_user("forged") is None
    clock.advance(hours=12, seconds=1)
    assert users.session_user(token) is None  # expired
    fresh = users.start_session(signed)
    users.end_session(fresh)
    assert users.session_user(fresh) is None


def test_a_new_password_or_removal_ends_sessions(users: Users) -> None:
    user = users.add("a@clinic.example", "staff", PASSWORD)
    token = users.start_session(user)
    users.set_password("a@clinic.example", "another good password")
    assert users.session_user(token) is None
    assert users.sign_in("a@clinic.example", PASSWORD, "x").user is None
    assert users.sign_in("a@clinic.example", "another good password", "x").user
    token = users.start_session(user)
    users.remove("a@clinic.example")
    assert users.session_user(token) is None
    with pytest.raises(UserError):
        users.set_password("a@clinic.example", "another good password")


def test_failures_slow_down_then_lock_the_account(users: Users, clock: Clock) -> None:
    users.add("a@clinic.example", "staff", PASSWORD)

    def attempt(password: str = "wrong password!", address: str = "1.1.1.1") -> int | bool:
        result = users.sign_in("a@clinic.example", password, address)
        return result.wait_seconds or bool(result.user)

    assert attempt() is False and attempt() is False  # two free mistakes
    assert attempt() is False  # the third: from now on each try must wait
    assert attempt(PASSWORD) == 1  # even the right password waits its turn
    clock.advance(seconds=1)
    assert attempt() is False
    assert attempt() == 2
    clock.advance(seconds=2)
    assert attempt() is False  # the fifth failure locks the account
    assert attempt(PASSWORD, "9.9.9.9") == 15 * 60  # from any address
    assert users.locked_until("a@clinic.example") == clock.now + timedelta(minutes=15)
    clock.advance(minutes=15)
    assert users.locked_until("a@clinic.example") is None
    assert attempt(PASSWORD) is True
    assert attempt() is False and attempt() is False and attempt() is False  # forgiven on success


def test_old_failures_are_forgiven(users: Users, clock: Clock) -> None:
    users.add("a@clinic.example", "staff", PASSWORD)
    for _ in range(2):
        users.sign_in("a@clinic.example", "wrong password!", "1.1.1.1")
    clock.advance(minutes=16)
    for _ in range(2):
        assert users.sign_in("a@clinic.example", "wrong password!", "1.1.1.1").wait_seconds == 0


def test_an_address_trying_many_accounts_is_locked(users: Users, clock: Clock) -> None:
    users.add("a@clinic.example", "staff", PASSWORD)
    for n in range(20):  # 4 x the account limit, spread over accounts that do not exist
        users.sign_in(f"guess{n}@clinic.example", "wrong password!", "6.6.6.6")
        clock.advance(seconds=61)
    assert users.sign_in("a@clinic.example", PASSWORD, "6.6.6.6").wait_seconds == 15 * 60 - 61
    assert users.sign_in("a@clinic.example", PASSWORD, "7.7.7.7").user  # others are not


def test_a_setting_changes_the_limits(
    db_settings: Settings, clock: Clock, cheap_hashes: None
) -> None:
    strict = db_settings.model_copy(update={"signin_max_failures": 2, "signin_lockout_minutes": 1})
    db = Database(strict)
    db.upgrade()
    users = Users(db, strict, clock)
    users.add("a@clinic.example", "staff", PASSWORD)
    users.sign_in("a@clinic.example", "wrong password!", "1.1.1.1")
    users.sign_in("a@clinic.example", "wrong password!", "1.1.1.1")
    assert users.sign_in("a@clinic.example", PASSWORD, "1.1.1.1").wait_seconds == 60
    db.dispose()


def test_the_session_key_is_generated_once_and_private(settings: Settings, tmp_path: Path) -> None:
    local = settings.model_copy(update={"data_dir": tmp_path / "data"})
    key = session_secret(local)
    assert len(key) >= 40 and session_secret(local) == key
    mode = (tmp_path / "data" / "secret_key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    given = local.model_copy(update={"secret_key": "from-the-environment"})
    assert session_secret(given) == "from-the-environment"
