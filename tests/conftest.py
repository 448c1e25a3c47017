"""Shared fixtures: a real index of the clinic's corpus, built once, and apps built on it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# A developer's own bot.env (from `bot setup`) must not change what the tests see.
os.environ.setdefault("BOT_ENV_FILE", "/nonexistent/bot.env")

from argon2 import PasswordHasher  # noqa: E402
from argon2.profiles import CHEAPEST  # noqa: E402

from bot.index.build import build_index  # noqa: E402
from bot.index.versions import load_index  # noqa: E402
from bot.replies.answerer import Answerer  # noqa: E402
from bot.search.embedder import Embedder  # noqa: E402
from bot.settings import ROOT, Settings  # noqa: E402
from bot.staff import accounts as users_module  # noqa: E402
from bot.web.app import create_app  # noqa: E402
from tests.browser import chromium  # noqa: E402
from tests.postgres import Postgres  # noqa: E402
from tests.postgres import provide as provide_postgres  # noqa: E402

CORPUS = ROOT / "corpus"
UNLIMITED = {f"rate_limit_{n}": "100000/minute" for n in ("chat", "feedback", "signin")}


@pytest.fixture(scope="session", autouse=True)
def _data_outside_the_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """An app built from plain `Settings()` keeps its database in a temp folder, never ./data."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BOT_DATA_DIR", str(tmp_path_factory.mktemp("default-data")))
        # Tests post far faster than a patient; test_security.py sets low limits to test them.
        for name, value in UNLIMITED.items():
            patch.setenv(f"BOT_{name.upper()}", value)
        yield


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder.from_settings(Settings())


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """Settings pointing at an index of the real corpus, built once for the session."""
    built = Settings(
        corpus_dir=CORPUS,
        index_dir=tmp_path_factory.mktemp("index"),
        data_dir=tmp_path_factory.mktemp("data"),  # the query log's database, never ./data
    )
    build_index(built, embedder)
    return built


@pytest.fixture(scope="session")
def answerer(settings: Settings, embedder: Embedder) -> Answerer:
    return Answerer(settings, load_index(settings, embedder), embedder)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A real PostgreSQL server: BOT_TEST_POSTGRES_URL, or a throwaway one (fails, never skips)."""
    server = provide_postgres()
    yield server
    server.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_settings(request: pytest.FixtureRequest, settings: Settings, tmp_path: Path) -> Settings:
    """The session's settings on a new, empty database of each kind."""
    url = request.getfixturevalue("postgres").new_database() if request.param != "sqlite" else ""
    return settings.model_copy(update={"data_dir": tmp_path / "data", "database_url": url})


def write(folder: Path, name: str, content: str | bytes) -> Path:
    """Write one article file into `folder` (created if needed)."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def site_settings(root: Path) -> Settings:
    """Settings for a site of its own under `root` (corpus/, index/, data/), ungated."""
    return Settings(
        corpus_dir=root / "corpus",
        index_dir=root / "index",
        data_dir=root / "data",
        eval_file=root / "no-eval.jsonl",
        max_body_bytes=4_000_000,
    )


def small_corpus(folder: Path, articles: int = 1) -> Path:
    """`articles` short made-up articles of one section each, for builds that must be quick."""
    for n in range(articles):
        write(
            folder,
            f"article-{n}.md",
            f"---\ntitle: Article {n}\n---\n# Recovery {n}\n\n"
            + " ".join(f"Patients heal in week {n}-{i} with rest." for i in range(12))
            + "\n",
        )
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium for one module's browser tests (see tests/browser.py)."""
    with chromium() as launched:
        yield launched


STAFF_PASSWORD = "correct horse battery"


@contextmanager
def staffed_app(settings: Settings) -> Iterator[TestClient]:
    """The app with one account of each role, `<role>@clinic.example`, hashed cheaply."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))
        with TestClient(create_app(settings)) as client:
            for role in users_module.ROLES:
                client.app.state.users.add(f"{role}@clinic.example", role, STAFF_PASSWORD)  # type: ignore[attr-defined]
            yield client
