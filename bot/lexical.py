"""The lexical signal: BM25 over normalised words, plus typo repair for queries.

Dense embeddings miss exact names and terms ("ASPS", "TGA", "microneedling"),
and patients misspell them. Both sides go through the same normalisation:
Australian/British spellings folded to one form ("recognised" = "recognized"),
hyphenated compounds kept both split and joined ("micro-needling" also gives
"microneedling"), then Porter stemming. A query word that is neither a real
English word (the model's own vocabulary) nor a corpus word is replaced by the
closest corpus word within a small edit distance ("exosme" → "exosome").

It also knows each article's topic words (its title's terms, and terms found in
most of its chunks), so the answerer can ask whether the rest of a question,
its aspect, is covered: "how much does exosome therapy cost" is about cost.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

import bm25s
import numpy as np
import Stemmer
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.lay_terms import CHATTER, expand, lay_matches

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_STOPWORDS = frozenset(
    """a an and are as at be been but by can could do does did for from had has have how i if
    in into is it its it's me my of on or our so such than that the their them then there these
    they this those to was we were what when where which who why will with would you your
    i'm im am any about just get got much many very also should""".split()
)
_STEMMER = Stemmer.Stemmer("english")
TOPIC_SHARE = 0.5  # a term in at least this share of an article's chunks is its topic
TOPIC_MIN_CHUNKS = 4  # shorter articles take their topic from the title alone


@lru_cache(maxsize=200_000)
def fold_spelling(word: str) -> str:
    """One spelling for Australian/British and American variants of a word."""
    if len(word) > 5:
        word = re.sub(r"(?<=\w\w\w)is(e|es|ed|ing|ation|ations|er|ers)$", r"iz\1", word)
        word = re.sub(r"(?<=\w\w\w)our(s|ed|ing|ful|less)?$", r"or\1", word)
        word = re.sub(r"(?<=\w\w)tre(s)?$", r"ter\1", word)
        word = word.replace("ae", "e").replace("oedem", "edem").replace("oestr", "estr")
    return word


def words(text: str) -> list[str]:
    """Lower-case words with spelling folded; compounds give parts and the joined form."""
    text = text.casefold().replace("’", "'")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out: list[str] = []
    for raw in _WORD.findall(text):
        raw = raw.removesuffix("'s").replace("'", "")
        parts = raw.split("-")
        if len(parts) > 1:
            out.extend(fold_spelling(p) for p in parts if p)
            raw = "".join(parts)
        out.append(fold_spelling(raw))
    return out


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def terms(text: str) -> list[str]:
    """The BM25 terms of a text: words without stopwords, stemmed."""
    return [_stem(w) for w in words(text) if w not in _STOPWORDS]


class LexicalIndex:
    """BM25 over chunk texts, with the corpus vocabulary for typo repair."""

    def __init__(self, texts: list[str], known_words: frozenset[str] = frozenset()) -> None:
        tokenised = [terms(t) for t in texts]
        self._chunk_terms = [frozenset(t) for t in tokenised]
        self._topics: dict[str, frozenset[str]] = {}
        self._bm25 = bm25s.BM25()
        self._bm25.index(tokenised, show_progress=False)
        self._count = len(texts)
        vocab = Counter(w for t in texts for w in words(t) if w.isalpha())
        self._vocab = vocab
        self._choices = [w for w in vocab if len(w) >= 4]
        self._terms = frozenset(t for ts in tokenised for t in ts)
        self._long_words = [w for w in vocab if len(w) >= 7]
        self._known = known_words

    def correct(self, query: str) -> str:
        """The query with likely typos replaced by the closest corpus word."""

        def repair(match: re.Match[str]) -> str:
            word = match.group(0)
            low = word.lower()
            if len(low) < 4 or not low.isalpha() or low in self._known:
                return word
            if fold_spelling(low) in self._vocab:
                return word
            limit = 1 if len(low) <= 5 else 2
            found = process.extract(
                low, self._choices, scorer=Levenshtein.distance, score_cutoff=limit, limit=5
            )
            if not found:
                return word
            best = min(found, key=lambda f: (f[1], -self._vocab[f[0]]))
            return str(best[0])

        return re.sub(r"[A-Za-z]+", repair, query)

    def learn_topics(self, doc_ids: list[str], titles: dict[str, str]) -> None:
        """Topic terms of each article, from its title and the terms most of its chunks share.

        `doc_ids` names the article of each indexed text, in index order.
        """
        members: dict[str, list[int]] = {}
        for i, doc_id in enumerate(doc_ids):
            members.setdefault(doc_id, []).append(i)
        for doc_id, rows in members.items():
            topic = set(terms(titles.get(doc_id, "")))
            if len(rows) >= TOPIC_MIN_CHUNKS:
                counts = Counter(t for i in rows for t in self._chunk_terms[i])
                topic |= {t for t, n in counts.items() if n >= TOPIC_SHARE * len(rows)}
            self._topics[doc_id] = frozenset(topic)

    def focus(self, query: str, doc_id: str) -> tuple[list[str], list[str]]:
        """What `query` asks about, beyond the article's topic: (covered, uncovered) words.

        Stopwords and chatter ("worried", "booked") are dropped, and so are the
        article's topic words ("exosome" in an article on exosomes). Of the rest, a
        word is covered when the articles use it (stemmed), when it sits inside an
        article word ("pigmentation" in "hyperpigmentation"), or when it is part of a
        lay phrase with an article equivalent ("boob job"). "How much do exosomes
        cost?" has nothing covered and "cost" uncovered.
        """
        topic = self._topics.get(doc_id, frozenset())
        lay = {w for phrase, _ in lay_matches(query) for w in phrase.split()}
        covered: list[str] = []
        uncovered: list[str] = []
        for word in words(query):
            if not word.isalpha() or len(word) < 3 or word in _STOPWORDS or word in CHATTER:
                continue
            term = _stem(word)
            if term in topic:
                continue
            known = (
                word in lay
                or term in self._terms
                or (len(word) >= 5 and any(word in w for w in self._long_words))
            )
            (covered if known else uncovered).append(word)
        return covered, uncovered

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for `query` (zeros when nothing matches)."""
        query_terms = terms(expand(query))
        if not query_terms or self._count == 0:
            return np.zeros(self._count, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(query_terms), dtype=np.float32)
