"""Shared fixtures: a real index of the clinic's corpus, built once, and apps built on it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.answering import Answerer  # noqa: E402
from bot.build import build_index  # noqa: E402
from bot.embedder import Embedder  # noqa: E402
from bot.index import load_index  # noqa: E402
from bot.settings import ROOT, Settings  # noqa: E402
from bot.web.app import create_app  # noqa: E402

CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder.from_settings(Settings())


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """Settings pointing at an index of the real corpus, built once for the session."""
    built = Settings(corpus_dir=CORPUS, index_dir=tmp_path_factory.mktemp("index"))
    build_index(built, embedder)
    return built


@pytest.fixture(scope="session")
def answerer(settings: Settings, embedder: Embedder) -> Answerer:
    return Answerer(settings, load_index(settings, embedder), embedder)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def write(folder: Path, name: str, content: str | bytes) -> Path:
    """Write one article file into `folder` (created if needed)."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path
