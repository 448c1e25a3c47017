"""`bot eval --triage`: how well red-flag triage catches emergencies and spares ordinary
questions, on labelled sets written apart from the catalogue (no sentence in both).

Sets (one JSON object a line): ``{"id", "text", "label": "urgent"|"ordinary", "concept",
"tier", "lang", "hard"}``. The retrieval eval file's questions join as well: its urgent
ones as positives, every other one as an ordinary question. Sensitivity comes with a 95%
Wilson interval, because 20 cases a concept leave wide error bars.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.replies.triage.catalogue import fingerprint
from bot.replies.triage.detector import Finding, Triage
from bot.settings import ROOT

DATA = ROOT / "tests" / "data"
SETS = (DATA / "triage_eval.jsonl", DATA / "triage_eval_languages.jsonl")
CANONICAL = DATA / "triage_canonical.jsonl"
RETRIEVAL_EVAL = DATA / "eval.jsonl"
MAJOR_LANGUAGES = ("zh", "yue", "ar", "vi", "pa")

TARGETS = {
    "sensitivity_A": 0.97,
    "sensitivity_AB": 0.95,
    "sensitivity_self_harm": 0.95,
    "false_alarm_rate": 0.03,  # at most
    "canonical_missed": 0,  # at most
    "language_A": 0.90,  # each of MAJOR_LANGUAGES, tier A
}
AT_MOST = {"false_alarm_rate", "canonical_missed"}


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    urgent: bool
    concept: str | None = None
    tier: str | None = None
    lang: str = "en"
    hard: str | None = None
    canonical: bool = False


def load(path: Path, canonical: bool = False) -> list[Case]:
    """Cases of one labelled set; a malformed line names its file and line."""
    cases = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            label = row["label"]
            if label not in ("urgent", "ordinary"):
                raise ValueError("label must be urgent or ordinary")
            cases.append(
                Case(
                    row["id"],
                    row["text"],
                    label == "urgent",
                    row.get("concept"),
                    row.get("tier"),
                    row.get("lang", "en"),
                    row.get("hard"),
                    canonical,
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: {exc}") from exc
    return cases


def from_retrieval_eval(path: Path = RETRIEVAL_EVAL) -> list[Case]:
    """The retrieval eval's questions: urgent ones as positives, the rest as ordinary."""
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            urgent = row["type"] == "urgent"
            cases.append(Case(f"eval-{row['id']}", row["question"], urgent, hard="eval"))
    return cases


def default_cases() -> list[Case]:
    """Every labelled set in the repo."""
    cases = [c for path in SETS if path.is_file() for c in load(path)]
    if CANONICAL.is_file():
        cases += load(CANONICAL, canonical=True)
    return cases + from_retrieval_eval()


@dataclass
class Outcome:
    case: Case
    finding: Finding | None
    ms: float


def run(triage: Triage, cases: list[Case]) -> list[Outcome]:
    """Triage every case, timing each (the model's one run per message included)."""
    outcomes = []
    for case in cases:
        start = time.perf_counter()
        finding = triage.detect(case.text)
        outcomes.append(Outcome(case, finding, (time.perf_counter() - start) * 1000))
    return outcomes


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion."""
    if n == 0:
        return (0.0, 1.0)
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def _rate(outcomes: list[Outcome]) -> dict[str, Any]:
    hits = sum(o.finding is not None for o in outcomes)
    low, high = wilson(hits, len(outcomes))
    share = hits / len(outcomes) if outcomes else 1.0
    return {"n": len(outcomes), "hits": hits, "rate": share, "ci95": (low, high)}


def metrics(outcomes: list[Outcome]) -> dict[str, Any]:
    """Sensitivity by tier, concept and language; false alarms overall and by kind."""
    positives = [o for o in outcomes if o.case.urgent]
    negatives = [o for o in outcomes if not o.case.urgent]
    by_concept: dict[str, list[Outcome]] = defaultdict(list)
    by_language: dict[str, list[Outcome]] = defaultdict(list)
    by_language_a: dict[str, list[Outcome]] = defaultdict(list)
    by_hard: dict[str, list[Outcome]] = defaultdict(list)
    for o in positives:
        by_concept[o.case.concept or "(unlabelled)"].append(o)
        by_language[o.case.lang].append(o)
        if o.case.tier == "A":
            by_language_a[o.case.lang].append(o)
    for o in negatives:
        by_hard[o.case.hard or "other"].append(o)
    tier_a = [o for o in positives if o.case.tier == "A"]
    labelled = [o for o in positives if o.case.tier in ("A", "B")]
    right_tier = [o for o in labelled if o.finding is not None and o.finding.tier == o.case.tier]
    under = [o for o in tier_a if o.finding is not None and o.finding.tier == "B"]
    times = sorted(o.ms for o in outcomes)
    return {
        "positives": len(positives),
        "negatives": len(negatives),
        "sensitivity_A": _rate(tier_a),
        "sensitivity_AB": _rate(labelled),
        "sensitivity_self_harm": _rate(by_concept.get("self_harm", [])),
        "false_alarm_rate": _rate(negatives),
        "canonical_missed": sum(o.finding is None for o in positives if o.case.canonical),
        "tier_agreement": len(right_tier) / len(labelled) if labelled else 1.0,
        "under_triaged_A_as_B": len(under),
        "by_concept": {k: _rate(v) for k, v in sorted(by_concept.items())},
        "by_language": {k: _rate(v) for k, v in sorted(by_language.items())},
        "by_language_A": {k: _rate(v) for k, v in sorted(by_language_a.items())},
        "false_alarms_by_kind": {k: _rate(v) for k, v in sorted(by_hard.items())},
        "ms_p50": times[len(times) // 2] if times else 0.0,
        "ms_p95": times[int(len(times) * 0.95)] if times else 0.0,
    }


def checks(results: dict[str, Any]) -> dict[str, bool]:
    """Each target, met or not."""

    def value(name: str) -> float:
        found = results[name]
        return float(found["rate"] if isinstance(found, dict) else found)

    met = {
        name: (value(name) <= target if name in AT_MOST else value(name) >= target)
        for name, target in TARGETS.items()
        if name != "language_A"
    }
    for code in MAJOR_LANGUAGES:
        rate = results["by_language_A"].get(code)
        met[f"language_A[{code}]"] = rate is not None and rate["rate"] >= TARGETS["language_A"]
    return met


def report(results: dict[str, Any]) -> list[str]:
    """The figures as lines of text, targets marked."""
    met = checks(results)
    lines = [f"positives {results['positives']}  negatives {results['negatives']}"]

    def rate_line(label: str, r: dict[str, Any], mark: str = "") -> str:
        low, high = r["ci95"]
        return (
            f"{label:30} {r['rate']:.3f} ({r['hits']}/{r['n']}, 95% CI {low:.3f}-{high:.3f}){mark}"
        )

    for name in ("sensitivity_A", "sensitivity_AB", "sensitivity_self_harm", "false_alarm_rate"):
        ok = (
            "  ok" if met[name] else f"  target {'<=' if name in AT_MOST else '>='} {TARGETS[name]}"
        )
        lines.append(rate_line(name, results[name], ok))
    lines.append(
        f"{'canonical_missed':30} {results['canonical_missed']}"
        + ("  ok" if met["canonical_missed"] else "  target 0")
    )
    lines.append(f"{'tier_agreement':30} {results['tier_agreement']:.3f}")
    lines.append(f"{'under_triaged_A_as_B':30} {results['under_triaged_A_as_B']}")
    lines.append(f"{'detect_ms p50 / p95':30} {results['ms_p50']:.2f} / {results['ms_p95']:.2f}")
    lines.append("by concept:")
    lines += [rate_line(f"  {k}", r) for k, r in results["by_concept"].items()]
    lines.append("by language (all tiers):")
    lines += [rate_line(f"  {k}", r) for k, r in results["by_language"].items()]
    lines.append("by language, tier A:")
    for k, r in results["by_language_A"].items():
        mark = ""
        if k in MAJOR_LANGUAGES:
            mark = "  ok" if met[f"language_A[{k}]"] else f"  target >= {TARGETS['language_A']}"
        lines.append(rate_line(f"  {k}", r, mark))
    lines.append("false alarms by kind of ordinary message:")
    lines += [rate_line(f"  {k}", r) for k, r in results["false_alarms_by_kind"].items()]
    return lines


def misses(outcomes: list[Outcome]) -> list[str]:
    """One line per case judged wrongly, for improving the method (not the case)."""
    lines = []
    for o in outcomes:
        if o.case.urgent and o.finding is None:
            lines.append(f"MISS {o.case.id} [{o.case.lang} {o.case.concept}] {o.case.text}")
        elif not o.case.urgent and o.finding is not None:
            lines.append(
                f"FALSE {o.case.id} [{o.case.hard} → {o.finding.concept} {o.finding.signal}] "
                f"{o.case.text}"
            )
    return lines


def figures(results: dict[str, Any]) -> dict[str, float]:
    """The headline figures, flat, as the build's quality gate records them."""
    return {
        "triage_sensitivity_A": round(results["sensitivity_A"]["rate"], 4),
        "triage_sensitivity_AB": round(results["sensitivity_AB"]["rate"], 4),
        "triage_sensitivity_self_harm": round(results["sensitivity_self_harm"]["rate"], 4),
        "triage_false_alarm_rate": round(results["false_alarm_rate"]["rate"], 4),
        "triage_canonical_missed": float(results["canonical_missed"]),
    }


def cached_figures(triage: Triage, cache_dir: Path) -> dict[str, float]:
    """`figures` of the repo's triage sets, measured once per catalogue, model and sets.

    Triage does not depend on the articles, so a re-index reuses the figures (a
    measurement takes about ten seconds) until the catalogue, the model or a set changes.
    """
    digest = hashlib.sha256(fingerprint().encode() + triage.encoder.name.encode())
    code = sorted((ROOT / "bot" / "replies" / "triage").glob("*.py"))  # the method, too
    for path in (*SETS, CANONICAL, RETRIEVAL_EVAL, *code):
        digest.update(path.read_bytes() if path.is_file() else b"")
    path = cache_dir / f"figures-{digest.hexdigest()[:20]}.json"
    try:
        return {k: float(v) for k, v in json.loads(path.read_text()).items()}
    except (OSError, ValueError):
        pass
    found = figures(metrics(run(triage, default_cases())))
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(found))
        tmp.replace(path)
    except OSError:
        pass
    return found
