"""`bot users`, `bot logs purge` and `bot db upgrade`, run in-process, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.log.database import Database
from bot.log.querylog import Filters, QueryLog
from bot.settings import Settings
from bot.staff.accounts import Users
from tests.test_querylog import seed

PASSWORD = "correct horse battery"


@pytest.fixture
def env(db_settings: Settings) -> dict[str, str]:
    return {"BOT_DATA_DIR": str(db_settings.data_dir), "BOT_DATABASE_URL": db_settings.database_url}


def run(env: dict[str, str], *args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env, input=input)
    return result.exit_code, result.output


def test_users_add_list_set_password_remove(env: dict[str, str], db_settings: Settings) -> None:
    code, out = run(
        env,
        "users",
        "add",
        "Nurse@clinic.example",
        "--role",
        "staff",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert code == 0 and "added nurse@clinic.example (staff)" in out
    assert PASSWORD not in out  # the prompt does not echo it
    code, out = run(
        env,
        "users",
        "add",
        "boss@clinic.example",
        "--role",
        "admin",
        "--password-stdin",
        input="another good password\n",
    )
    assert code == 0, out
    code, out = run(env, "users", "list")
    assert code == 0
    assert [line.split("\t")[:2] for line in out.splitlines()] == [
        ["boss@clinic.example", "admin"],
        ["nurse@clinic.example", "staff"],
    ]
    code, out = run(
        env,
        "users",
        "set-password",
        "nurse@clinic.example",
        "--password-stdin",
        input="a brand new password\n",
    )
    assert code == 0, out
    db = Database(db_settings)
    users = Users(db, db_settings)
    assert users.sign_in("nurse@clinic.example", "a brand new password", "x").user
    assert run(env, "users", "remove", "nurse@clinic.example")[0] == 0
    assert [u.email for u in users.list()] == ["boss@clinic.example"]
    db.dispose()


@pytest.mark.parametrize(
    ("args", "input", "error"),
    [
        (["users", "add", "a@clinic.example", "--role", "staff"], "short\nshort\n", "at least 12"),
        (
            ["users", "add", "a@clinic.example", "--role", "staff"],
            f"{PASSWORD}\nsomething else\n",
            "do not match",
        ),
        (["users", "add", "a@clinic.example", "--role", "owner"], "", "Invalid value"),
        (
            ["users", "add", "not-an-email", "--role", "staff", "--password-stdin"],
            f"{PASSWORD}\n",
            "not an email",
        ),
        (["users", "remove", "ghost@clinic.example"], "", "no account"),
        (
            ["users", "set-password", "ghost@clinic.example", "--password-stdin"],
            f"{PASSWORD}\n",
            "no account",
        ),
        (["logs", "purge", "--older-than", "soon"], "", "90d"),
    ],
)
def test_mistakes_exit_non_zero_with_the_reason(
    env: dict[str, str], args: list[str], input: str, error: str
) -> None:
    code, out = run(env, *args, input=input)
    assert code != 0 and error in out


def test_there_is_no_default_account(env: dict[str, str]) -> None:
    assert run(env, "db", "upgrade")[0] == 0
    assert run(env, "users", "list") == (0, "")


def test_logs_purge(env: dict[str, str], db_settings: Settings) -> None:
    log = QueryLog(Database(db_settings), db_settings)
    log.start()
    now = datetime.now(ZoneInfo("Australia/Sydney"))
    seed(log, "old", at=now - timedelta(days=91))
    seed(log, "recent", at=now - timedelta(days=89))
    assert log.flush()
    code, out = run(env, "logs", "purge", "--older-than", "90d")
    assert code == 0 and "deleted 1 questions older than 90d" in out
    assert [q.message for q in log.questions(Filters()).items] == ["recent"]
    assert run(env, "logs", "purge", "--older-than", "12w")[1].startswith("deleted 1")
    log.close()
    log.db.dispose()


def test_db_upgrade_reports_an_unreachable_database(tmp_path: object) -> None:
    env = {"BOT_DATABASE_URL": f"postgresql://nobody@/none?host={tmp_path}&port=1"}
    code, out = run(env, "db", "upgrade")
    assert code == 1 and "cannot open the database" in out and "nobody" in out
