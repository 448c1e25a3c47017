"""`create_app`: the model and the index load once, in the lifespan, onto `app.state`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.templating import Jinja2Templates

from bot.answering import Answerer
from bot.embedder import Embedder
from bot.index import IndexError_, load_index
from bot.settings import ROOT, Settings

log = logging.getLogger("bot")

TEMPLATES = Jinja2Templates(directory=Path(ROOT / "web" / "templates"))


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the web app; a missing or broken index leaves it up but unavailable."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.answerer = None
        app.state.unavailable = None
        try:
            embedder = Embedder.load(settings.model_path())
            app.state.answerer = Answerer(settings, load_index(settings, embedder), embedder)
        except (IndexError_, OSError, ValueError) as exc:
            app.state.unavailable = str(exc)
            log.error("chat unavailable: %s", exc)
        yield

    from bot.web import patient

    app = FastAPI(
        title="Clinic article chatbot",
        summary="Answers patients' questions with passages from the clinic's own articles.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.include_router(patient.router)
    return app
