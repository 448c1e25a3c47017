"""Retrieval quality at the scale of a real clinic's library: the eval sets asked of the
clinic's articles alone (corpus A) and of the same articles among MedQuAD documents (B).

Example: python -m bench.scale --docs 1000 -v

B adds `--docs` MedQuAD answers (default 1,000; `--full` all 16,407), taken at evenly
spaced lines of docs.jsonl so each of its collections contributes in proportion, as one
JSON Lines bulk file beside the articles (as `bench.run` indexes MedQuAD). Each index is
built once by `bot.index.build` and cached in bench/.cache under a key of the corpus
files and the build code, so a rerun only evaluates. Targets: hit@3 falls by at most
0.03 from A to B; abstention on the near-topic set is no lower on B than on A. `-v`
lists the questions behind the figures: clinic questions whose passage MedQuAD pushed
out, answered ones led by a MedQuAD passage, and no_answer questions answered from
MedQuAD alone (for a human to judge: MedQuAD may really answer them). Appends one line
per eval file and corpus to bench/results.jsonl like the other benches.

MedQuAD (CC BY 4.0): Ben Abacha A, Demner-Fushman D. "A question-entailment approach to
question answering." BMC Bioinformatics 20, 511 (2019).
https://doi.org/10.1186/s12859-019-3119-4
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import BENCH, CACHE, MEDQUAD, ROOT, Results, Timer

if TYPE_CHECKING:
    from bot.quality.evaluation import Case, Outcome
    from bot.replies.answerer import Passage
    from bot.search.embedder import Embedder
    from bot.settings import Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")

EVAL_FILES = [
    ROOT / "tests" / "data" / "eval.jsonl",
    BENCH / "data" / "eval_near_topic.jsonl",
    BENCH / "data" / "eval_holdout.jsonl",
    BENCH / "data" / "eval_blind.jsonl",
]
NEAR_TOPIC = "eval_near_topic"
MAX_HIT3_DROP = 0.03


@dataclass
class Corpus:
    """A corpus folder, its index, and which of its documents are MedQuAD's."""

    label: str
    folder: Path
    index: Path
    medquad_ids: frozenset[str]
    build: dict[str, Any] = field(default_factory=dict)

    def settings(self) -> Settings:
        from bot.settings import Settings

        # No eval file: the build's quality gate would ask one of the sets this bench asks
        # (and could hold B back); the figures are measured here instead.
        return Settings(
            corpus_dir=self.folder,
            index_dir=self.index,
            data_dir=CACHE / "data-scale",
            eval_file=CACHE / "scale-no-gate.jsonl",
        )

    def is_medquad(self, passage: Passage) -> bool:
        return passage.source.doc_id in self.medquad_ids


def medquad_slice(docs: int | None) -> list[str]:
    """`docs` lines of MedQuAD's docs.jsonl at evenly spaced positions (all if None)."""
    path = MEDQUAD / "docs.jsonl"
    if not path.is_file():
        raise SystemExit(f"MedQuAD not found at {MEDQUAD}: set BENCH_MEDQUAD_DIR to its folder")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines(True) if line.strip()]
    if docs is None or docs >= len(lines):
        return lines
    return [lines[n * len(lines) // docs] for n in range(docs)]


def write_corpus(label: str, medquad: list[str]) -> Path:
    """The repo's corpus/ folder, plus `medquad` as a bulk file, under bench/.cache."""
    folder = CACHE / f"scale-corpus-{label}"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(ROOT / "corpus", folder)
    if medquad:
        (folder / "medquad.jsonl").write_text("".join(medquad), encoding="utf-8")
    return folder


# Prints the files of the bot modules an index build imports (in a fresh interpreter:
# this one has imported others by then, such as the answering code).
_BUILD_MODULES = """
import sys, bot.index.build
for name, module in sorted(sys.modules.items()):
    if name.startswith("bot.") and getattr(module, "__file__", None):
        print(module.__file__)
"""


def code_version() -> str:
    """A digest of the bot modules an index build runs, and their data files."""
    out = subprocess.run(
        [sys.executable, "-c", _BUILD_MODULES], capture_output=True, text=True, check=True
    )
    sources = {Path(line) for line in out.stdout.splitlines() if line}
    data = {p for folder in {s.parent for s in sources} for p in folder.glob("*.txt")}
    base = min(sources, key=lambda p: len(p.parts)).parent.parent  # the folder holding bot/
    digest = hashlib.sha256()
    for path in sorted(sources | data):
        digest.update(str(path.relative_to(base)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def prepare(label: str, medquad: list[str], code: str, embedder: Embedder) -> Corpus:
    """Write the corpus and build its index, unless one of the same key is cached."""
    from bot.articles.corpus import corpus_hash
    from bot.index.build import build_index
    from bot.index.versions import read_manifest

    folder = write_corpus(label, medquad)
    key = hashlib.sha256(f"{corpus_hash(folder)} {code}".encode()).hexdigest()[:16]
    ids = frozenset(json.loads(line)["id"].strip() for line in medquad)
    corpus = Corpus(label, folder, CACHE / f"scale-index-{label}-{key}", ids)
    settings = corpus.settings()
    cached = (corpus.index / "CURRENT").exists()
    wall = 0.0
    if not cached:
        shutil.rmtree(corpus.index, ignore_errors=True)  # an interrupted build's leftovers
        print(f"building the {label} index ({len(medquad)} MedQuAD documents)...", flush=True)
        with Timer() as timer:
            build_index(settings, embedder, progress=sys.stderr.isatty(), built_by="bench")
        wall = round(timer.seconds, 2)
    manifest = read_manifest(corpus.index)
    corpus.build = {
        "medquad_docs": len(medquad),
        "documents": manifest.documents,
        "chunks": manifest.chunks,
        "build_s": round(manifest.build_seconds, 2),
        "wall_s": wall,
        "cached": cached,
        "index_version": manifest.version,
        "code": code,
    }
    return corpus


def evaluate(corpus: Corpus, cases: list[Case], embedder: Embedder) -> tuple[list[Outcome], float]:
    """`bot eval` on `corpus`'s index: a fresh answerer, as the command builds it."""
    from bot.index.versions import load_index
    from bot.quality import evaluation
    from bot.replies.answerer import Answerer

    settings = corpus.settings()
    embedder.forget()  # every corpus embeds its questions itself, for comparable times
    with Timer() as timer:
        answerer = Answerer(settings, load_index(settings, embedder), embedder)
        outcomes = evaluation.run(answerer, cases)
    return outcomes, round(timer.seconds, 2)


def warm(corpus: Corpus, embedder: Embedder) -> float:
    """Load what a first reply loads (triage, its language models), so no eval counts it."""
    from bot.index.versions import load_index
    from bot.replies.answerer import Answerer

    settings = corpus.settings()
    with Timer() as timer:
        Answerer(settings, load_index(settings, embedder), embedder).ask("what are exosomes?")
    return round(timer.seconds, 2)


def figures(outcomes: list[Outcome]) -> dict[str, Any]:
    """The eval's metrics that this bench reports, with the counts behind them."""
    from bot.quality import evaluation

    found = evaluation.metrics(outcomes)
    types = [o.case.type for o in outcomes]
    keys = ["hit@1", "hit@3", "mrr", "answered", "abstention"]
    if "urgent" in types:
        keys.append("urgent_recall")
    return {
        "questions": len(outcomes),
        "answers": types.count("answer"),
        "no_answers": types.count("no_answer"),
        **{k: round(float(found[k]), 4) for k in keys},
    }


def _share(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


def _hit3(outcome: Outcome) -> bool:
    return outcome.rank is not None and outcome.rank <= 3


def distractors(corpus: Corpus, a: list[Outcome], b: list[Outcome]) -> dict[str, Any]:
    """What MedQuAD did to each question: B's outcomes against A's, case by case."""
    answered = [o for o in b if o.case.type == "answer" and o.reply.kind == "answer"]
    led = [o for o in answered if corpus.is_medquad(o.reply.passages[0])]
    other = [o for o in b if o.case.type == "no_answer"]
    said = [o for o in other if o.reply.kind == "answer"]
    only_medquad = [o for o in said if all(corpus.is_medquad(p) for p in o.reply.passages)]
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x.case.type == "answer"]
    return {
        "distractor_at_1": _share(len(led), len(answered)),
        "na_medquad_only": _share(len(only_medquad), len(other)),
        "na_clinic": _share(len(said) - len(only_medquad), len(other)),
        "lost": [(x, y) for x, y in pairs if _hit3(x) and not _hit3(y)],
        "gained": [(x, y) for x, y in pairs if _hit3(y) and not _hit3(x)],
        "led": led,
        "only_medquad": only_medquad,
    }


def _first(outcome: Outcome, corpus: Corpus) -> str:
    if not outcome.reply.passages:
        return f"[{outcome.reply.kind}]"
    passage = outcome.reply.passages[0]
    where = "MedQuAD" if corpus.is_medquad(passage) else "clinic"
    text = " ".join(passage.text.split())[:90]
    return f"{where} {passage.source.doc_id} “{passage.source.title}”: {text}…"


def examples(name: str, corpus: Corpus, found: dict[str, Any]) -> list[str]:
    """The questions behind the distractor figures, one or two lines each."""
    lines = []
    for a, b in found["lost"]:
        lines.append(f"  {name} lost    {a.case.id} rank {a.rank}→{b.rank}  {a.case.question}")
        lines.append(f"      B's first: {_first(b, corpus)}")
    for a, b in found["gained"]:
        lines.append(f"  {name} gained  {a.case.id} rank {a.rank}→{b.rank}  {a.case.question}")
    for o in found["led"]:
        lines.append(f"  {name} led     {o.case.id} rank {o.rank}  {o.case.question}")
        lines.append(f"      first: {_first(o, corpus)}")
    for o in found["only_medquad"]:
        lines.append(f"  {name} mq-only {o.case.id} [{o.case.kind or '-'}]  {o.case.question}")
        lines.append(f"      first: {_first(o, corpus)}")
    return lines


def _cell(value: Any, width: int) -> str:
    text = "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)
    return f"{text:>{width}}"


def table(rows: list[dict[str, Any]]) -> str:
    """One line per eval file and corpus, B's with its drops and its targets."""
    columns = [
        ("hit@1", 7), ("hit@3", 7), ("answered", 9), ("abstention", 11),
        ("hit@3_drop", 11), ("abstention_drop", 16), ("distractor_at_1", 16),
        ("na_medquad_only", 16), ("na_clinic", 10),
    ]  # fmt: skip
    head = f"{'file':18}{'corpus':15}{'ans/na':>8}" + "".join(f"{n:>{w}}" for n, w in columns)
    lines = [head + "  targets", "-" * (len(head) + 30)]
    for row in rows:
        cells = [row.get(n) for n, _ in columns]
        if not row["answers"]:  # no answer questions: hit@k and answered mean nothing here
            cells[0] = cells[1] = cells[2] = cells[4] = None
        if not row["no_answers"]:
            cells[3] = cells[5] = cells[7] = cells[8] = None
        counts = f"{row['answers']}/{row['no_answers']}"
        line = f"{row['file']:18}{row['corpus']:15}{counts:>8}"
        lines.append(line + "".join(_cell(c, w) for c, (_, w) in zip(cells, columns, strict=True)))
        if row.get("targets"):
            lines[-1] += "  " + ", ".join(row["targets"])
    return "\n".join(lines)


def _targets(name: str, a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    marks = []
    if a["answers"]:
        ok = b["hit@3_drop"] <= MAX_HIT3_DROP
        marks.append(f"hit@3 drop ≤ {MAX_HIT3_DROP}: {'ok' if ok else 'MISSED'}")
    if name == NEAR_TOPIC:
        ok = b["abstention"] >= a["abstention"]
        marks.append(f"abstention B ≥ A: {'ok' if ok else 'MISSED'}")
    return marks


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000, help="MedQuAD documents in B.")
    parser.add_argument("--full", action="store_true", help="All of MedQuAD in B.")
    parser.add_argument("--label", default="current", help="Name of this run in the results.")
    parser.add_argument("--verbose", "-v", action="store_true", help="List the questions.")
    args = parser.parse_args(argv)

    from bot.quality import evaluation
    from bot.search.embedder import Embedder
    from bot.settings import Settings

    results = Results(args.label)
    print(f"bench.scale {results.run['run']} on {json.dumps(results.run['machine'])}")
    medquad = medquad_slice(None if args.full else args.docs)
    code = code_version()
    embedder = Embedder.from_settings(Settings())
    with Timer() as building:
        a_corpus = prepare("clinic", [], code, embedder)
        b_corpus = prepare(f"clinic+mq{len(medquad)}", medquad, code, embedder)
    for corpus in (a_corpus, b_corpus):
        results.add("scale-build", corpus.label, **corpus.build)
    loading = warm(a_corpus, embedder)

    rows: list[dict[str, Any]] = []
    verbose: list[str] = []
    seconds = {a_corpus.label: 0.0, b_corpus.label: 0.0}
    for path in EVAL_FILES:
        cases = evaluation.load_cases(path)
        name = path.stem
        a_out, a_s = evaluate(a_corpus, cases, embedder)
        b_out, b_s = evaluate(b_corpus, cases, embedder)
        seconds[a_corpus.label] += a_s
        seconds[b_corpus.label] += b_s
        a = {"file": name, "corpus": a_corpus.label, **figures(a_out), "eval_s": a_s}
        b = {"file": name, "corpus": b_corpus.label, **figures(b_out), "eval_s": b_s}
        found = distractors(b_corpus, a_out, b_out)
        b |= {
            "hit@3_drop": round(a["hit@3"] - b["hit@3"], 4),
            "abstention_drop": round(a["abstention"] - b["abstention"], 4),
            "distractor_at_1": found["distractor_at_1"],
            "na_medquad_only": found["na_medquad_only"],
            "na_clinic": found["na_clinic"],
            "lost": [x.case.id for x, _ in found["lost"]],
            "gained": [x.case.id for x, _ in found["gained"]],
        }
        b["targets"] = _targets(name, a, b)
        for row, corpus in ((a, a_corpus), (b, b_corpus)):
            values = {k: v for k, v in row.items() if k != "corpus"}
            medquad_docs = len(corpus.medquad_ids)
            results.add(f"scale-{name}", row["corpus"], **values, medquad_docs=medquad_docs)
        rows += [a, b]
        verbose += examples(name, b_corpus, found)

    print()
    print(table(rows))
    print(
        "\ndistractor_at_1: of the clinic questions B answered, the share led by a MedQuAD "
        "passage;\nna_medquad_only: of the no_answer questions, the share B answered with "
        "MedQuAD passages alone\n(counted against abstention; whether MedQuAD really "
        "answers them is for a human: -v lists them); na_clinic: those B answered with a "
        "clinic passage."
    )
    for corpus in (a_corpus, b_corpus):
        build = corpus.build
        how = "cached, built in" if build["cached"] else "built in"
        print(
            f"{corpus.label}: {build['documents']} documents, {build['chunks']} chunks, "
            f"{how} {build['build_s']:.1f} s; eval {seconds[corpus.label]:.1f} s"
        )
    print(f"indexes ready in {building.seconds:.1f} s; triage loaded in {loading:.1f} s")
    if args.verbose and verbose:
        print(
            "\nlost: hit@3 on A, not on B · gained: the reverse · led: answered on B with "
            "a MedQuAD passage first · mq-only: a no_answer question answered from MedQuAD"
        )
        print("\n".join(verbose))
    print("\nappended to bench/results.jsonl")


if __name__ == "__main__":
    main()
