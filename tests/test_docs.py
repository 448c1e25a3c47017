"""The README documents every setting, so a clinic can find each one."""

from __future__ import annotations

from bot.settings import ROOT, Settings


def test_every_setting_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        f"BOT_{n.upper()}" for n in Settings.model_fields if f"BOT_{n.upper()}" not in readme
    ]
    assert not missing, f"undocumented settings: {missing}"


def test_quickstart_is_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
