"""The lexical signal: BM25 over normalised words, plus typo repair for queries.

Dense embeddings miss exact names and terms ("ASPS", "TGA", "microneedling"),
and patients misspell them. Both sides go through the same normalisation:
Australian/British spellings folded to one form ("recognised" = "recognized"),
hyphenated compounds kept both split and joined ("micro-needling" also gives
"microneedling"), then Porter stemming. A query word that is neither a real
English word (the model's own vocabulary) nor a corpus word is replaced by the
closest corpus word within a small edit distance ("exosme" → "exosome"). Real English
words are those of the model's vocabulary and of symspellpy's bundled frequency
dictionary (82,765 words): without it "oozing" became "looking", "unwell" "well" and
"chills" "cells", and a fifth of the triage's messages were embedded twice.

It also knows each article's topic words (its title's terms, and terms found in
most of its chunks), so the answerer can ask whether the rest of a question,
its aspect, is covered: "how much does exosome therapy cost" is about cost.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s import scoring
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.search.english import english
from bot.search.lay_terms import CHATTER, expand, lay_matches

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


def content_word(word: str) -> bool:
    """A word that can name what a question is about (not a stopword, number or particle)."""
    return word.isalpha() and len(word) >= 3 and word not in _STOPWORDS


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def terms(text: str) -> list[str]:
    """The BM25 terms of a text: words without stopwords, stemmed."""
    return [_stem(w) for w in words(text) if w not in _STOPWORDS]


@dataclass
class Tokens:
    """The words of each indexed text, as ids into one list of distinct words.

    Splitting texts into words is most of the cost of a lexical index, so a build
    keeps each chunk's words and the next build reuses those of unchanged chunks.
    Text `i` has the words `words[ids[starts[i]:starts[i + 1]]]`.
    """

    words: list[str]
    ids: np.ndarray  # int32, every text's word ids, text after text
    starts: np.ndarray  # int64, len(texts) + 1

    @classmethod
    def of(cls, texts: list[str]) -> Tokens:
        """Split `texts` into words."""
        builder = TokensBuilder()
        for text in texts:
            builder.add_text(text)
        return builder.tokens()

    def __len__(self) -> int:
        return len(self.starts) - 1

    def span(self, i: int) -> np.ndarray:
        """Word ids of text `i`."""
        return self.ids[self.starts[i] : self.starts[i + 1]]


class TokensBuilder:
    """Assembles `Tokens` text by text, from new texts or spans of earlier tokens."""

    def __init__(self, base: Tokens | None = None) -> None:
        self._words = list(base.words) if base else []
        self._lookup = {w: i for i, w in enumerate(self._words)}
        self._parts: list[np.ndarray] = []
        self._lengths: list[int] = []

    def add_text(self, text: str) -> None:
        """Append a text, split into words."""
        lookup = self._lookup
        row = []
        for word in words(text):
            at = lookup.get(word)
            if at is None:
                at = lookup[word] = len(self._words)
                self._words.append(word)
            row.append(at)
        self.add_ids(np.asarray(row, dtype=np.int32))

    def add_ids(self, ids: np.ndarray) -> None:
        """Append a text's word ids (into the `base` given to the builder)."""
        self._parts.append(ids)
        self._lengths.append(len(ids))

    def tokens(self) -> Tokens:
        """The texts added so far; words no text uses any more are dropped."""
        ids = np.concatenate(self._parts) if self._parts else np.zeros(0, dtype=np.int32)
        starts = np.zeros(len(self._lengths) + 1, dtype=np.int64)
        np.cumsum(self._lengths, out=starts[1:])
        used = np.unique(ids)
        if len(used) < len(self._words):
            remap = np.zeros(len(self._words), dtype=np.int32)
            remap[used] = np.arange(len(used), dtype=np.int32)
            return Tokens([self._words[i] for i in used.tolist()], remap[ids], starts)
        return Tokens(self._words, ids.astype(np.int32, copy=False), starts)


class LexicalIndex:
    """BM25 over chunk texts, with the corpus vocabulary for typo repair.

    Build it from texts (or their `Tokens`), `save` it in a version folder, and
    `load` it there: loading reads the BM25 matrix instead of computing it again.
    """

    def __init__(self, texts: list[str], known_words: frozenset[str] = frozenset()) -> None:
        self._setup(Tokens.of(texts), known_words)

    @classmethod
    def from_tokens(cls, tokens: Tokens, known_words: frozenset[str] = frozenset()) -> LexicalIndex:
        """An index of already split texts."""
        index = cls.__new__(cls)
        index._setup(tokens, known_words)
        return index

    def _setup(self, tokens: Tokens, known_words: frozenset[str]) -> None:
        self.tokens = tokens
        self._known = known_words | english()  # read once, at load, not on a question
        self._topics: dict[str, frozenset[str]] = {}
        self._doc_rows: dict[str, list[int]] = {}
        self._doc_words: dict[str, tuple[frozenset[str], list[str]]] = {}
        self._count = len(tokens)
        term_of, term_names = _word_terms(tokens.words)
        self._term_of: np.ndarray | None = term_of
        self._term_names = term_names
        self._bm25 = _bm25(tokens, term_of, term_names)
        self._terms = frozenset(term_names)
        self._set_vocab()

    def _set_vocab(self) -> None:
        """Alphabetic words and their counts, in order of first use (as typo repair saw them)."""
        tokens = self.tokens
        counts = np.bincount(tokens.ids, minlength=len(tokens.words))
        present, first = np.unique(tokens.ids, return_index=True)
        order = present[np.argsort(first, kind="stable")]
        vocab: Counter[str] = Counter()
        for i in order.tolist():
            word = tokens.words[i]
            if word.isalpha():
                vocab[word] = int(counts[i])
        self._vocab = vocab
        self._choices = [w for w in vocab if len(w) >= 4]
        self._long_words = [w for w in vocab if len(w) >= 7]

    def save(self, folder: Path) -> None:
        """Write the BM25 matrix, the texts' words and the topics into `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        self._bm25.save(str(folder / "bm25"), show_progress=False)
        with open(folder / "tokens.npz", "wb") as handle:
            np.savez(handle, ids=self.tokens.ids, starts=self.tokens.starts)
        (folder / "words.json").write_text(json.dumps(self.tokens.words), encoding="utf-8")
        topics = {doc: sorted(terms) for doc, terms in self._topics.items()}
        (folder / "topics.json").write_text(json.dumps(topics), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, known_words: frozenset[str] = frozenset()) -> LexicalIndex:
        """An index saved by `save`."""
        index = cls.__new__(cls)
        index.tokens = cls.load_tokens(folder)
        index._known = known_words | english()
        index._count = len(index.tokens)
        index._bm25 = bm25s.BM25.load(str(folder / "bm25"))
        index._terms = frozenset(t for t in index._bm25.vocab_dict if t)
        index._term_of, index._term_names = None, []
        topics = json.loads((folder / "topics.json").read_text(encoding="utf-8"))
        index._topics = {doc: frozenset(terms) for doc, terms in topics.items()}
        index._doc_rows, index._doc_words = {}, {}
        index._set_vocab()
        return index

    def correct(self, query: str) -> str:
        """The query with likely typos replaced by the closest corpus word."""

        def repair(match: re.Match[str]) -> str:
            word = match.group(0)
            low = word.lower()
            if len(low) < 4 or not low.isascii() or low in self._known:
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

        return re.sub(r"[^\W\d_]+", repair, query)  # whole words, accents and all

    def learn_documents(self, doc_ids: list[str]) -> None:
        """The article of each indexed text (`doc_ids`, in index order), so that `focus`
        counts a word as covered only when the article answering uses it: among hundreds
        of articles nearly every word is used by one of them."""
        rows: dict[str, list[int]] = {}
        for i, doc_id in enumerate(doc_ids):
            rows.setdefault(doc_id, []).append(i)
        self._doc_rows, self._doc_words = rows, {}

    def _article(self, doc_id: str) -> tuple[frozenset[str], list[str]]:
        """The terms and long words of one article (of the whole index when the article
        is unknown); computed on first use."""
        rows = self._doc_rows.get(doc_id)
        if rows is None:
            return self._terms, self._long_words
        found = self._doc_words.get(doc_id)
        if found is None:
            article = [self.tokens.words[i] for i in self.article_word_ids(doc_id).tolist()]
            found = (
                frozenset(_stem(w) for w in article if w.isalpha()),
                [w for w in article if len(w) >= 7 and w.isalpha()],
            )
            if len(self._doc_words) < 10_000:
                self._doc_words[doc_id] = found
        return found

    def article_word_ids(self, doc_id: str) -> np.ndarray:
        """Ids (into `tokens.words`) of the words article `doc_id` uses (all the index's
        words when the article is unknown)."""
        rows = self._doc_rows.get(doc_id)
        if rows is None:
            return np.arange(len(self.tokens.words))
        return np.unique(np.concatenate([self.tokens.span(i) for i in rows]))

    def learn_topics(self, doc_ids: list[str], titles: dict[str, str]) -> None:
        """Topic terms of each article, from its title and the terms most of its chunks share.

        `doc_ids` names the article of each indexed text, in index order.
        """
        members: dict[str, list[int]] = {}
        for i, doc_id in enumerate(doc_ids):
            members.setdefault(doc_id, []).append(i)
        term_of, term_names = self._term_of_words()
        for doc_id, rows in members.items():
            topic = set(terms(titles.get(doc_id, "")))
            if len(rows) >= TOPIC_MIN_CHUNKS:
                counts: Counter[str] = Counter()
                for i in rows:
                    found = term_of[self.tokens.span(i)]
                    counts.update(term_names[t] for t in np.unique(found[found >= 0]).tolist())
                topic |= {t for t, n in counts.items() if n >= TOPIC_SHARE * len(rows)}
            self._topics[doc_id] = frozenset(topic)

    @staticmethod
    def load_tokens(folder: Path) -> Tokens:
        """Only the texts' words of an index saved by `save`, for the next build to reuse."""
        with np.load(folder / "tokens.npz") as data:
            ids, starts = data["ids"], data["starts"]
        words_ = json.loads((folder / "words.json").read_text(encoding="utf-8"))
        return Tokens(words_, ids, starts)

    def _term_of_words(self) -> tuple[np.ndarray, list[str]]:
        if self._term_of is None:  # loaded from disk: only a build learns topics
            self._term_of, self._term_names = _word_terms(self.tokens.words)
        return self._term_of, self._term_names

    def focus(self, query: str, doc_id: str) -> tuple[list[str], list[str]]:
        """What `query` asks about, beyond the article's topic: (covered, uncovered) words.

        Stopwords and chatter ("worried", "booked") are dropped, and so are the
        article's topic words ("exosome" in an article on exosomes). Of the rest, a
        word is covered when the article `doc_id` uses it (stemmed), when it sits inside an
        article word ("pigmentation" in "hyperpigmentation"), or when it is part of a
        lay phrase with an article equivalent ("boob job"). "How much do exosomes
        cost?" has nothing covered and "cost" uncovered.
        """
        topic = self._topics.get(doc_id, frozenset())
        article_terms, long_words = self._article(doc_id)
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
                or term in article_terms
                or (len(word) >= 5 and any(word in w for w in long_words))
            )
            (covered if known else uncovered).append(word)
        return covered, uncovered

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for `query` (zeros when nothing matches)."""
        query_terms = terms(expand(query))
        if not query_terms or self._count == 0:
            return np.zeros(self._count, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(query_terms), dtype=np.float32)


def _word_terms(words_: list[str]) -> tuple[np.ndarray, list[str]]:
    """The BM25 term id of each word (-1 for a stopword), and the terms by id."""
    names: dict[str, int] = {}
    term_of = np.full(len(words_), -1, dtype=np.int64)
    for i, word in enumerate(words_):
        if word not in _STOPWORDS:
            term_of[i] = names.setdefault(_stem(word), len(names))
    return term_of, list(names)


def _bm25(tokens: Tokens, term_of: np.ndarray, names: list[str]) -> bm25s.BM25:
    """What `bm25s.BM25().index(terms of each text)` builds, computed for all texts at once.

    The same formulas (bm25s's own idf and term-frequency functions) on the same
    numbers in the same precision, so every score is identical to bm25s's; only
    the loop over texts is replaced by array operations.
    """
    bm25 = bm25s.BM25()
    n, vocab = len(tokens), len(names)
    entry_terms = term_of[tokens.ids]
    docs = np.repeat(np.arange(n, dtype=np.int64), np.diff(tokens.starts))
    keep = entry_terms >= 0
    entry_terms, docs = entry_terms[keep], docs[keep]
    if not len(entry_terms):  # nothing to index: let bm25s say so as it always did
        bm25.index([[] for _ in range(n)], show_progress=False)
        return bm25
    lengths = np.bincount(docs, minlength=n)
    # Each (text, term) pair once, texts in order, terms by first use in the text.
    pairs, first, counts = np.unique(
        docs * vocab + entry_terms, return_index=True, return_counts=True
    )
    order = np.argsort(first, kind="stable")
    pairs, counts = pairs[order], counts[order]
    pair_docs, pair_terms = pairs // vocab, pairs % vocab
    frequencies = np.bincount(pair_terms, minlength=vocab)
    # Terms a removed text alone used are dropped, as a fresh index would never see them.
    used = frequencies > 0
    remap = np.cumsum(used) - 1
    names = [t for t, u in zip(names, used.tolist(), strict=True) if u]
    pair_terms, frequencies, vocab = remap[pair_terms], frequencies[used], len(names)
    idf_fn = scoring._select_idf_scorer(bm25.idf_method or bm25.method)
    idf = np.zeros(vocab, dtype=bm25.dtype)
    for t, df in enumerate(frequencies.tolist()):
        idf[t] = idf_fn(df, N=n)
    tfc_fn = scoring._select_tfc_scorer(bm25.method)
    avg = lengths.mean()
    tfc = tfc_fn(
        tf_array=counts.astype(bm25.dtype),
        l_d=lengths[pair_docs],
        l_avg=avg,
        k1=bm25.k1,
        b=bm25.b,
        delta=bm25.delta,
    )
    values = np.empty(len(pairs), dtype=bm25.dtype)
    values[:] = idf[pair_terms] * tfc
    data, indices, indptr = bm25._np_csc(
        data=values,
        rows=pair_docs.astype(bm25.int_dtype),
        cols=pair_terms.astype(bm25.int_dtype),
        shape=(n, vocab),
    )
    bm25.scores = {
        "data": data.astype(bm25.dtype),
        "indices": indices,
        "indptr": indptr,
        "num_docs": n,
    }
    bm25.vocab_dict = {term: i for i, term in enumerate(names)}
    bm25.vocab_dict[""] = vocab  # as bm25s adds it: a query of no known term scores zero
    bm25.unique_token_ids_set = set(bm25.vocab_dict.values())
    bm25.nonoccurrence_array = None  # only BM25L and BM25+ have one
    return bm25
