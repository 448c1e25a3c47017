"""The Jinja2 templates of every page, in one place that every router imports (not the app,
which imports the routers), with the `when` filter that writes every time staff see."""

from __future__ import annotations

from fastapi.templating import Jinja2Templates

from bot.settings import ROOT
from bot.web.times import when

TEMPLATES = Jinja2Templates(directory=ROOT / "web" / "templates")
TEMPLATES.env.filters["when"] = when
