"""`bot setup`: who the clinic is, asked once (or given as flags), and the first admin.

It writes the settings file (`bot.env`; `BOT_ENV_FILE` names another) that every `bot`
command and server reads after the environment, checks what it is given as the server
would (opening hours, colours, origins), and creates the first admin account.
"""

from __future__ import annotations

import re
import secrets
import sys
from typing import Any

import click

from bot.log.database import fail, opened
from bot.settings import Settings, env_file
from bot.setup.envfile import update

_COLOUR = re.compile(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_ORIGIN = re.compile(r"^https?://[^/\s]+$")


def _check(values: dict[str, str]) -> None:
    from bot.callbacks.hours import HoursError, OpeningHours
    from bot.callbacks.intake import normal_email, normal_phone

    try:
        OpeningHours.parse(values["opening_hours"], [], Settings().timezone)
    except HoursError as exc:
        fail(str(exc))
    for origin in values["cors_origins"].split(","):
        if origin and not _ORIGIN.match(origin.strip()):
            fail(
                f"a website origin is scheme and host only, e.g. https://clinic.example: {origin!r}"
            )
    if values["accent_color"] and not _COLOUR.match(values["accent_color"]):
        fail(f"the accent colour is #rrggbb, e.g. #0f5c6e: {values['accent_color']!r}")
    if values["logo_url"] and not values["logo_url"].startswith("https://"):
        fail("the logo's address must start with https://")
    try:
        if values["clinic_phone"]:
            normal_phone(values["clinic_phone"])
        if values["clinic_email"]:
            normal_email(values["clinic_email"])
    except ValueError as exc:
        fail(str(exc))


@click.command()
@click.option(
    "--non-interactive", is_flag=True, help="Take everything from the flags; ask nothing."
)
@click.option("--clinic-name", help="The clinic's name, as patients know it.")
@click.option("--phone", help="The clinic's phone number for patients.")
@click.option("--email", help="The clinic's contact e-mail for patients.")
@click.option("--origin", "origins", multiple=True, help="A website that embeds the widget.")
@click.option("--hours", help="Opening hours, e.g. 'Mon-Fri 08:30-17:30; Sat 09:00-12:00'.")
@click.option("--accent", help="The widget's colour, #rrggbb.")
@click.option("--logo", help="A logo for the widget's header (https URL).")
@click.option("--admin-email", help="The first admin account.")
@click.option("--admin-password-stdin", is_flag=True, help="Read its password from stdin.")
def setup(non_interactive: bool, **given: Any) -> None:
    """Set who the clinic is before going live, and create the first admin account.

    Example: bot setup · bot setup --non-interactive --clinic-name "Harbour Cosmetic" \\
    --phone "02 9999 1234" --email hello@harbour.example --origin https://harbour.example \\
    --hours "Mon-Fri 08:30-17:30" --admin-email admin@harbour.example --admin-password-stdin
    """
    current = Settings()

    def ask(key: str, prompt: str, default: str) -> str:
        value = given.get(key)
        if value is not None:
            return str(value)
        return default if non_interactive else str(click.prompt(prompt, default=default))

    origins = ",".join(given.pop("origins") or ())
    values = {
        "clinic_name": ask("clinic_name", "Clinic name", current.clinic_name),
        "clinic_phone": ask("phone", "Phone number for patients", current.clinic_phone),
        "clinic_email": ask("email", "Contact e-mail for patients", current.clinic_email),
        "cors_origins": origins
        or ask(
            "origins_text",
            "Websites that embed the widget (comma-separated)",
            ",".join(current.cors_origins),
        ),  # fmt: skip
        "opening_hours": ask("hours", "Opening hours", current.opening_hours),
        "accent_color": ask(
            "accent", "Widget colour (#rrggbb, empty for the default)", current.accent_color
        ),  # fmt: skip
        "logo_url": ask("logo", "Logo URL (https, optional)", current.logo_url),
    }
    _check(values)
    if not current.secret_key.get_secret_value():
        values["secret_key"] = secrets.token_urlsafe(48)  # the same on every server
    if not current.callback_key.get_secret_value():
        from cryptography.fernet import Fernet

        values["callback_key"] = Fernet.generate_key().decode("ascii")
    path = env_file()
    update(path, values)
    click.echo(f"wrote {path} (the environment still wins over it)")
    admin = given.get("admin_email") or (
        None if non_interactive else click.prompt("First admin's e-mail (empty: skip)", default="")
    )
    if admin:
        _add_admin(str(admin), bool(given.get("admin_password_stdin")))


def _add_admin(email: str, from_stdin: bool) -> None:
    from bot.staff.accounts import UserError, Users

    settings = Settings()  # with the file just written
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with opened(settings) as db:
        try:
            Users(db, settings).add(email, "admin", password)
        except UserError as exc:
            fail(str(exc))
    click.echo(f"added {email} (admin): sign in at /staff")
