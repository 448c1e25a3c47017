"""`bot setup` writes who the clinic is into the settings file; the servers read it after
the environment, so pages and replies carry the clinic's name and phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from bot.cli import main
from bot.settings import Settings
from bot.setup.envfile import update
from bot.web.app import create_app
from tests.conftest import STAFF_PASSWORD
from tests.test_staff import soup

FLAGS = [
    "setup", "--non-interactive", "--clinic-name", "Harbour Cosmetic Surgery",
    "--phone", "02 9999 1234", "--email", "hello@harbour.example",
    "--origin", "https://harbour.example", "--hours", "Mon-Fri 08:30-17:30; Sat 09:00-12:00",
    "--accent", "#7a2e5b", "--admin-email", "owner@harbour.example", "--admin-password-stdin",
]  # fmt: skip


def test_setup_gives_the_clinic_its_name_phone_and_first_admin(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / "bot.env"
    env = {"BOT_ENV_FILE": str(env_file), "BOT_DATA_DIR": str(tmp_path / "data")}
    done = CliRunner().invoke(main, FLAGS, input=STAFF_PASSWORD + "\n", env=env)
    assert done.exit_code == 0, done.output
    assert "added owner@harbour.example (admin)" in done.output
    assert env_file.stat().st_mode & 0o777 == 0o600  # it holds the keys
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    read = Settings(index_dir=settings.index_dir)
    assert read.clinic_name == "Harbour Cosmetic Surgery"
    assert read.cors_origins == ["https://harbour.example"]
    assert read.secret_key.get_secret_value() and read.callback_key.get_secret_value()
    monkeypatch.setenv("BOT_CLINIC_NAME", "From The Environment")
    assert Settings().clinic_name == "From The Environment"  # the environment wins
    monkeypatch.delenv("BOT_CLINIC_NAME")

    with TestClient(create_app(read)) as client:
        page = soup(client.get("/"))
        assert "Harbour Cosmetic Surgery" in page.select_one("h1").get_text()  # type: ignore[union-attr]
        reply = client.post("/api/chat", json={"message": "do you have parking"}).json()
        assert reply["kind"] == "no_answer" and "02 9999 1234" in reply["message"]
        assert "hello@harbour.example" in reply["message"]
        assert '"accent": "#7a2e5b"' in client.get("/widget.js").text
        signed = client.post(
            "/staff/signin",
            data={
                "email": "owner@harbour.example",
                "password": STAFF_PASSWORD,
                "csrf_token": soup(client.get("/staff/signin")).select_one(
                    "input[name=csrf_token]"
                )["value"],  # type: ignore[index]
            },
            follow_redirects=False,
        )
        assert signed.status_code == 303

    phone = ["setup", "--non-interactive", "--phone", "1300 123 456"]
    again = CliRunner().invoke(main, phone, env=env)
    assert again.exit_code == 0, again.output
    text = env_file.read_text()
    assert 'BOT_CLINIC_PHONE="1300 123 456"' in text and "Harbour Cosmetic Surgery" in text


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--hours", "Mon-Fry 09:00-17:00"], "Fry"),
        (["--accent", "purple"], "#rrggbb"),
        (["--origin", "https://harbour.example/page"], "scheme and host"),
        (["--phone", "12"], "phone number"),
    ],
)
def test_setup_refuses_what_the_server_would(tmp_path: Path, flags: list[str], words: str) -> None:
    env = {"BOT_ENV_FILE": str(tmp_path / "bot.env"), "BOT_DATA_DIR": str(tmp_path)}
    refused = CliRunner().invoke(main, ["setup", "--non-interactive", *flags], env=env)
    assert refused.exit_code == 1 and words in refused.output
    assert not (tmp_path / "bot.env").exists()  # nothing half-written


def test_the_file_keeps_what_it_does_not_change(tmp_path: Path) -> None:
    path = tmp_path / "bot.env"
    path.write_text('# ours\nBOT_PORT=9000\nBOT_CLINIC_NAME="Old"\n')
    update(path, {"clinic_name": 'Dr "Smile" & Co # best', "clinic_phone": "02 1234 5678"})
    assert path.read_text().splitlines()[:2] == ["# ours", "BOT_PORT=9000"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BOT_ENV_FILE", str(path))
        loaded = Settings()
    assert loaded.clinic_name == 'Dr "Smile" & Co # best' and loaded.port == 9000
