"""Every staff action on patients' records or the bot's content leaves an audit row (who,
what, which, from where; never message text), shown to admins at /staff/audit, exported
as CSV, and chained so that `bot audit verify` notices an edit."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import text

from bot.cli import main
from bot.settings import Settings
from tests.conftest import STAFF_PASSWORD, staffed_app
from tests.test_staff import sign_in, soup

SECRET_WORDS = "my surgeon dr zhivago botched my nose"


def test_staff_actions_are_audited_and_verifiable(settings: Settings, tmp_path: Path) -> None:
    local = settings.model_copy(update={"data_dir": tmp_path})
    with staffed_app(local) as client:
        client.post("/api/chat", json={"message": SECRET_WORDS})
        log = client.app.state.querylog  # type: ignore[attr-defined]
        assert log.flush()
        from bot.log.querylog import Filters

        question = log.questions(Filters()).items[0].id
        bad = {"email": "staff@clinic.example", "password": "wrong password!", "csrf_token": ""}
        token = soup(client.get("/staff/signin")).select_one("input[name=csrf_token]")["value"]  # type: ignore[index]
        client.post("/staff/signin", data=bad | {"csrf_token": token})
        sign_in(client, "staff@clinic.example")
        client.get(f"/staff/questions/{question}")
        client.get("/staff", params={"q": "zhivago"})
        client.get("/staff/export.csv")
        assert client.get("/staff/audit").status_code == 403  # admins only
        sign_in(client, "admin@clinic.example")
        page = soup(client.get("/staff/audit"))
        rows = [" ".join(r.get_text(" ").split()) for r in page.select("table.audit tbody tr")]
        joined = "\n".join(rows)
        for expected in ("signin_failed", "view_question", f"question:{question}", "search",
                         "export_csv", "staff@clinic.example", "testclient"):  # fmt: skip
            assert expected in joined, expected
        assert "zhivago" not in joined.lower() and "nose" not in joined
        only = soup(client.get("/staff/audit", params={"action": "view_question"}))
        assert len(only.select("table.audit tbody tr")) == 1
        exported = client.get("/staff/audit/export.csv")
        assert exported.text.splitlines()[0].startswith("at,actor,action")
        assert "view_question" in exported.text

        env = {"BOT_DATA_DIR": str(tmp_path), "BOT_DATABASE_URL": ""}
        ok = CliRunner().invoke(main, ["audit", "verify"], env=env)
        assert ok.exit_code == 0 and "intact" in ok.output, ok.output
        db = client.app.state.database  # type: ignore[attr-defined]
        with db.engine.begin() as connection:
            connection.execute(
                text("UPDATE audit_log SET actor = 'nobody' WHERE action = 'search'")
            )
        broken = CliRunner().invoke(main, ["audit", "verify"], env=env)
        assert broken.exit_code == 1 and "broken at row" in broken.output


def test_account_changes_at_the_command_line_are_audited(tmp_path: Path) -> None:
    env = {"BOT_DATA_DIR": str(tmp_path), "BOT_DATABASE_URL": ""}
    runner = CliRunner()
    added = runner.invoke(
        main, ["users", "add", "nurse@clinic.example", "--role", "staff", "--password-stdin"],
        input=STAFF_PASSWORD + "\n", env=env,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert runner.invoke(main, ["users", "remove", "nurse@clinic.example"], env=env).exit_code == 0
    from bot.audit.trail import AuditTrail
    from bot.log.database import Database

    db = Database(Settings(data_dir=tmp_path))
    rows, total = AuditTrail(db, 30).entries()
    assert total == 2 and [r.action for r in rows] == ["account_remove", "account_add"]
    assert rows[0].target == "account:nurse@clinic.example" and rows[0].actor.startswith("cli:")
    db.dispose()


def test_a_reindex_at_the_command_line_is_audited(tmp_path: Path) -> None:
    from tests.conftest import small_corpus

    env = {
        "BOT_DATA_DIR": str(tmp_path / "data"),
        "BOT_DATABASE_URL": "",
        "BOT_CORPUS_DIR": str(small_corpus(tmp_path / "corpus", 1)),
        "BOT_INDEX_DIR": str(tmp_path / "index"),
        "BOT_EVAL_FILE": str(tmp_path / "none.jsonl"),
    }
    built = CliRunner().invoke(main, ["index"], env=env)
    assert built.exit_code == 0, built.output
    from bot.audit.trail import AuditTrail
    from bot.log.database import Database

    db = Database(Settings(data_dir=tmp_path / "data"))
    rows, _ = AuditTrail(db, 30).entries(action="reindex")
    assert len(rows) == 1 and rows[0].target.startswith("version:")
    db.dispose()
