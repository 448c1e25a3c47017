"""The Jinja2 templates of every page, in one place that every router imports (not the app,
which imports the routers)."""

from __future__ import annotations

from fastapi.templating import Jinja2Templates

from bot.settings import ROOT

TEMPLATES = Jinja2Templates(directory=ROOT / "web" / "templates")
