"""The lexical index: BM25 identical to bm25s's own, saved and loaded without change."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import bm25s
import numpy as np
import pytest

from bot.articles.chunking import Chunk
from bot.index.versions import load_index
from bot.search.embedder import Embedder
from bot.search.lay_terms import expand
from bot.search.lexical import LexicalIndex, Tokens, TokensBuilder, terms, words
from bot.settings import ROOT, Settings

QUESTIONS = [
    json.loads(line)["question"]
    for name in ("tests/data/eval.jsonl", "bench/data/eval_holdout.jsonl")
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines()
    if line.strip()
]


@pytest.fixture(scope="module")
def chunks(settings: Settings) -> list[Chunk]:
    folder = settings.index_dir / "versions" / (settings.index_dir / "CURRENT").read_text().strip()
    lines = (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    return [Chunk.from_dict(json.loads(line)) for line in lines]


def _reference(texts: list[str]) -> bm25s.BM25:
    """BM25 as bm25s builds it from each text's terms."""
    bm25 = bm25s.BM25()
    bm25.index([terms(t) for t in texts], show_progress=False)
    return bm25


def _same_scores(index: LexicalIndex, reference: bm25s.BM25, queries: list[str]) -> None:
    asked = 0
    for query in queries:
        query_terms = terms(expand(query))
        if query_terms:
            expected = np.asarray(reference.get_scores(query_terms), dtype=np.float32)
            assert np.array_equal(index.scores(query), expected), query
            asked += 1
    assert asked > 100


def test_bm25_scores_equal_bm25s_own(chunks: list[Chunk]) -> None:
    texts = [c.embed_text() for c in chunks]
    _same_scores(LexicalIndex(texts), _reference(texts), QUESTIONS + texts)


def test_saved_index_loads_with_the_same_scores_and_words(
    chunks: list[Chunk], tmp_path: Path
) -> None:
    texts = [c.embed_text() for c in chunks]
    built = LexicalIndex(texts, frozenset({"botox"}))
    built.learn_topics([c.doc_id for c in chunks], {c.doc_id: c.title for c in chunks})
    built.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical", frozenset({"botox"}))
    for query in QUESTIONS + ["exosme therpy cost", "micro-needling recognised"]:
        assert np.array_equal(loaded.scores(query), built.scores(query)), query
        assert loaded.correct(query) == built.correct(query)
        for doc_id in {c.doc_id for c in chunks}:
            assert loaded.focus(query, doc_id) == built.focus(query, doc_id)
    # Typo repair breaks ties by first use, so the vocabulary keeps the texts' order.
    expected = Counter(w for t in texts for w in words(t) if w.isalpha())
    assert list(loaded._vocab.items()) == list(expected.items())  # noqa: SLF001


def test_reused_words_give_the_index_of_fresh_texts(chunks: list[Chunk]) -> None:
    """A build reuses unchanged texts' words; the result is as if all were split afresh."""
    old_texts = [c.embed_text() for c in chunks]
    old = Tokens.of(old_texts)
    new_texts = ["Exosome aftercare: avoid saunas for a week.", *old_texts[2:], old_texts[0]]
    builder = TokensBuilder(old)
    builder.add_text(new_texts[0])
    for i in [*range(2, len(old_texts)), 0]:
        builder.add_ids(old.span(i))
    reused = LexicalIndex.from_tokens(builder.tokens())
    fresh = LexicalIndex(new_texts)
    _same_scores(reused, _reference(new_texts), QUESTIONS + ["sauna after exosomes"])
    assert list(reused._vocab.items()) == list(fresh._vocab.items())  # noqa: SLF001
    # The removed text's own words are gone, as they would be from a fresh index.
    assert set(reused.tokens.words) == set(fresh.tokens.words)


def test_a_version_without_a_saved_lexical_index_still_loads(
    settings: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    """Versions written before the lexical index was saved compute it when loaded."""
    loaded = load_index(settings, embedder)
    folder = settings.index_dir / "versions" / loaded.manifest.version
    old_style = tmp_path / "old-style"
    target = old_style / "versions" / loaded.manifest.version
    target.mkdir(parents=True)
    for name in ("manifest.json", "chunks.jsonl", "vectors.faiss", "sentences.npz"):
        (target / name).write_bytes((folder / name).read_bytes())
    (old_style / "CURRENT").write_text(loaded.manifest.version + "\n")
    old = load_index(settings.model_copy(update={"index_dir": old_style}), embedder)
    for query in QUESTIONS:
        assert np.array_equal(old.lexical.scores(query), loaded.lexical.scores(query))
        assert old.lexical.correct(query) == loaded.lexical.correct(query)


@pytest.mark.parametrize("word", ["oozing", "unwell", "chills", "rupture", "slurring", "dont"])
def test_real_english_words_are_never_corrected(word: str) -> None:
    """Words of the English dictionary are no typos, though the corpus never uses them."""
    index = LexicalIndex(
        [
            "Exosomes help wounds heal well, looking better in future, with less scarring in "
            "cells, once surgery is done."
        ]
    )
    assert index.correct(f"my wound is {word} now") == f"my wound is {word} now"
    assert index.correct("do exosmes help after surgry") == "do exosomes help after surgery"


def test_accented_words_are_repaired_whole_or_not_at_all() -> None:
    index = LexicalIndex(["Antibiotics and antiseptics after surgery."])
    assert index.correct("necesito antibiótico") == "necesito antibiótico"
