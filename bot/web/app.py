"""`create_app`: the model and the index load once, in the lifespan, onto `app.state`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from bot.index.versions import IndexError_, active_version, load_index
from bot.replies.answerer import Answerer
from bot.replies.conversation import Conversations
from bot.search import vectors
from bot.search.embedder import Embedder
from bot.search.embedder import set_threads as set_model_threads
from bot.settings import ROOT, Settings
from bot.state.live import live_state
from bot.web import (
    audit,
    auth,
    callbacks,
    chat_api,
    chat_page,
    content,
    curation,
    privacy,
    security,
    staff,
)

log = logging.getLogger("bot")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the web app; a missing or broken index leaves it up but unavailable."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.answerer = None
        app.state.unavailable = None
        await asyncio.to_thread(staff.start, app, settings)  # the query log and staff accounts
        await asyncio.to_thread(callbacks.start, app, settings)  # and the outbox's sender
        privacy.start(app, settings)  # patients' access and erasure, over all of the above
        await asyncio.to_thread(_load_active, app, settings)
        watcher = asyncio.create_task(_watch_index(app, settings))
        yield
        watcher.cancel()
        await asyncio.to_thread(callbacks.stop, app)
        await asyncio.to_thread(staff.stop, app)

    app = FastAPI(
        title="Clinic article chatbot",
        summary="Answers patients' questions with passages from the clinic's own articles.",
        lifespan=lifespan,
        docs_url=None,  # the schema stays at /openapi.json; no CDN-loaded, inline-script pages
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.live = live_state(settings.redis_url)  # conversations (and, in Guard, limits)
    app.include_router(chat_api.router)
    app.include_router(chat_page.router)
    app.include_router(auth.router)
    app.include_router(staff.router)
    app.include_router(content.router)
    app.include_router(curation.router)
    auth.install(app, settings)
    callbacks.install(app, settings)  # after the session key: production checks both
    app.include_router(privacy.router)
    app.include_router(audit.router)
    app.mount("/static", StaticFiles(directory=ROOT / "web" / "static"), name="static")
    security.install(app, settings)  # inside CORS, so a 429 still reaches the widget
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "DELETE"],  # DELETE: a patient erasing a conversation
        allow_headers=["Content-Type"],
        max_age=600,
    )
    return app


def _load_active(app: FastAPI, settings: Settings) -> None:
    """Load the active index version into a new Answerer and swap it in.

    Requests in flight keep the Answerer they started with; new ones get the new
    one. A version that fails to load leaves the current one serving.
    """
    current: Answerer | None = app.state.answerer
    try:
        embedder = Embedder.from_settings(settings)  # BOT_EMBED_BACKEND applies
        # One thread per process for the model (torch, when it is the fallback) and FAISS:
        # each request is one query, and on two shared cores two threads wait on each other.
        set_model_threads(1)
        vectors.set_threads(1)
        index = load_index(settings, embedder)
    except (IndexError_, OSError, ValueError) as exc:
        if current is None:
            app.state.unavailable = str(exc)
        log.error("index not loaded: %s", exc)
        return
    conversations = (
        current.conversations
        if current
        else Conversations(settings.conversation_ttl_seconds, app.state.live)
    )
    view = current.curation if current else None
    app.state.answerer = Answerer(settings, index, embedder, conversations, curation=view)
    app.state.unavailable = None
    log.info("serving index version %s", index.manifest.version)
    curation.refresh(app)


async def _watch_index(app: FastAPI, settings: Settings) -> None:
    """Switch to a newly activated version (or recover a missing index) without a restart,
    and to the staff's latest curation."""
    tried: str | None = None
    while True:
        await asyncio.sleep(settings.reload_seconds)
        version = active_version(settings.index_dir)
        current: Answerer | None = app.state.answerer
        serving = current.index.manifest.version if current else None
        if version and version != serving and version != tried:
            tried = version  # a version that fails to load is not retried in a loop
            await asyncio.to_thread(_load_active, app, settings)
        else:
            await asyncio.to_thread(curation.refresh, app)
