"""Incremental builds reuse what did not change, and give what a full build gives."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot.articles.chunking import chunk_document
from bot.articles.corpus import load_corpus
from bot.articles.documents import CorpusError
from bot.index import build
from bot.index import takeover as reuse
from bot.index.build import build_index
from bot.index.versions import load_index, read_manifest
from bot.search.embedder import Embedder
from bot.settings import ROOT, Settings
from tests.conftest import CORPUS, small_corpus, write


def _three_articles(tmp_path: Path) -> Settings:
    """Settings for three small articles; no eval file, so no quality gate."""
    return Settings(
        corpus_dir=small_corpus(tmp_path / "c", 3),
        index_dir=tmp_path / "i",
        eval_file=tmp_path / "none.jsonl",
    )


def _chunks(s: Settings, version: str) -> list[dict[str, object]]:
    path = s.index_dir / "versions" / version / "chunks.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_unchanged_files_keep_their_chunks_and_match_a_full_parse(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = _three_articles(tmp_path)
    build_index(s, embedder)
    write(s.corpus_dir, "article-1.md", "---\ntitle: Article 1\n---\n# Changed\n\nNew words.\n")
    parsed: list[str] = []
    real_parse = reuse.parse_file
    monkeypatch.setattr(reuse, "parse_file", lambda p: parsed.append(p.name) or real_parse(p))
    second = build_index(s, embedder)
    assert parsed == ["article-1.md"]  # the others' chunks came from the active version
    expected = [c.to_dict() for d in load_corpus(s.corpus_dir) for c in chunk_document(d)]
    assert _chunks(s, second.version) == expected
    assert second.documents == 3 and second.changes["documents_changed"] == ["article-1"]


def test_a_duplicate_id_in_a_changed_file_is_refused_as_before(
    tmp_path: Path, embedder: Embedder
) -> None:
    s = _three_articles(tmp_path)
    build_index(s, embedder)
    line = {"id": "article-0", "title": "Copy", "text": "A second article with the same id."}
    write(s.corpus_dir, "bulk.jsonl", json.dumps(line) + "\n")
    with pytest.raises(CorpusError, match="duplicate document id 'article-0'"):
        build_index(s, embedder)


def test_the_active_versions_eval_is_reused_only_when_measured_the_same_way(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    eval_file = tmp_path / "eval.jsonl"
    eval_file.write_text((ROOT / "tests/data/eval.jsonl").read_text().splitlines()[0] + "\n")
    s = Settings(corpus_dir=CORPUS, index_dir=tmp_path / "i", eval_file=eval_file)
    first = build_index(s, embedder)
    assert first.eval and first.eval_key
    loads: list[str | None] = []
    real_load = build.load_index
    monkeypatch.setattr(build, "load_index", lambda *a: loads.append(a[2]) or real_load(*a))
    build_index(s, embedder)
    assert loads == []  # same eval file and settings: the recorded figures are used
    eval_file.write_text(eval_file.read_text() * 2)
    active = read_manifest(s.index_dir).version
    build_index(s, embedder)
    assert loads == [active]  # another eval file: the active version is evaluated again


def test_incremental_and_full_builds_answer_alike(tmp_path: Path, embedder: Embedder) -> None:
    s = Settings(
        corpus_dir=small_corpus(tmp_path / "c", 4),
        index_dir=tmp_path / "i",
        eval_file=tmp_path / "none.jsonl",
    )
    build_index(s, embedder)
    write(s.corpus_dir, "article-2.md", "---\ntitle: Article 2\n---\n# Swelling\n\nIce helps.\n")
    (s.corpus_dir / "article-0.md").unlink()
    incremental = load_index(s, embedder, build_index(s, embedder).version)
    full = load_index(s, embedder, build_index(s, embedder, full=True).version)
    ids = np.arange(full.manifest.chunks)
    assert np.allclose(incremental.vectors.vectors(ids), full.vectors.vectors(ids), atol=1e-5)
    assert np.array_equal(incremental.sentences.starts, full.sentences.starts)
    assert np.allclose(
        incremental.sentences.framed.astype(np.float32),
        full.sentences.framed.astype(np.float32),
        atol=2e-3,
    )
    for query in ["swelling ice", "recovery week 3-5 rest", "article"]:
        assert np.array_equal(incremental.lexical.scores(query), full.lexical.scores(query))


def test_the_quality_gate_records_triage_and_holds_back_a_canonical_miss(
    settings: Settings,
) -> None:
    from bot.index.versions import active_version

    manifest = read_manifest(settings.index_dir, str(active_version(settings.index_dir)))
    assert manifest.eval["triage_canonical_missed"] == 0
    assert manifest.eval["triage_sensitivity_A"] >= 0.9
    figures = dict(manifest.eval)
    assert build._gate(settings, figures, figures)["passed"]
    missed = figures | {"triage_canonical_missed": 1.0}
    gate = build._gate(settings, missed, figures)
    assert not gate["passed"] and "canonical" in str(gate["reason"])
    worse = figures | {"triage_sensitivity_A": figures["triage_sensitivity_A"] - 0.1}
    assert "triage_sensitivity_A fell" in str(build._gate(settings, worse, figures)["reason"])
