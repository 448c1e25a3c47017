"""`bot eval`: retrieval quality on questions written the way patients write.

Each line of the eval file is
``{"id", "type": "answer"|"no_answer"|"urgent", "question", "evidence": [...], "history": [...]}``.
A hit is a returned passage that contains one of the `evidence` strings (compared
case-insensitively, with quotes and spaces normalised), so scores do not depend on
how the articles are chunked. `history` holds earlier messages of the same
conversation, asked first, for follow-up questions.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.replies import answerability
from bot.replies.answerer import Answerer, Reply
from bot.settings import Settings

TARGETS = {
    "hit@1": 0.80,
    "hit@3": 0.95,
    "answered": 0.97,
    "abstention": 0.93,
    "urgent_recall": 1.0,
    "follow_up_hit@3": 0.95,
}


# Settings that cannot change an answer: where things live, serving, security, the log.
NOT_ANSWERING = frozenset(
    """corpus_dir index_dir data_dir database_url eval_file keep_versions gate_margin host port
    workers reload_seconds cors_origins secret_key secure_cookies session_hours signin_max_failures
    signin_lockout_minutes log_retention_days production trusted_proxies rate_limit_chat
    rate_limit_feedback rate_limit_signin max_body_bytes frame_ancestors max_upload_bytes
    review_after_days public_url privacy_notice privacy_url rate_limit_callback callback_key
    callback_retention_days notify_emails smtp_url mail_from webhook_url webhook_secret
    notify_include_details opening_hours holidays after_hours_number redis_url
    audit_retention_days clinic_phone clinic_email accent_color logo_url""".split()
)


def eval_key(settings: Settings, path: Path) -> str:
    """What eval figures depend on besides the index: the eval file, answering settings and
    the answerability model.

    Two runs with the same key on the same index version give the same figures, so a
    build can reuse those recorded in the active version's manifest.
    """
    answering = settings.model_dump(mode="json", exclude=set(NOT_ANSWERING))
    digest = hashlib.sha256(path.read_bytes())
    digest.update(json.dumps(answering, sort_keys=True).encode())
    digest.update(answerability.MODEL_FILE.read_bytes())
    return digest.hexdigest()[:16]


def _norm(text: str) -> str:
    text = text.casefold().translate(str.maketrans("‘’“”", "''\"\""))
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Case:
    id: str
    type: str
    question: str
    evidence: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    kind: str = ""  # what a question's point is ("price", "pregnancy"), for reports
    source: str = ""  # where a question's wording was found (a public FAQ page)


def load_cases(path: Path) -> list[Case]:
    """Read an eval file, one JSON object a line."""
    cases = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: not JSON ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise ValueError(f"{path}:{n}: each line must be a JSON object")
            if row.get("type") not in ("answer", "no_answer", "urgent"):
                raise ValueError(f"{path}:{n}: type must be answer, no_answer or urgent")
            unknown = set(row) - set(Case.__dataclass_fields__)
            if unknown:
                raise ValueError(f"{path}:{n}: unknown fields {sorted(unknown)}")
            if not isinstance(row.get("question"), str) or not isinstance(row.get("id"), str):
                raise ValueError(f"{path}:{n}: id and question must be strings")
            cases.append(Case(**row))
    return cases


def rank(reply: Reply, evidence: list[str]) -> int | None:
    """1-based position of the first passage holding any evidence, or None."""
    wanted = [_norm(e) for e in evidence]
    for i, passage in enumerate(reply.passages, start=1):
        text = _norm(passage.text)
        if any(w in text for w in wanted):
            return i
    return None


@dataclass
class Outcome:
    case: Case
    reply: Reply
    rank: int | None


def run(answerer: Answerer, cases: list[Case]) -> list[Outcome]:
    """Ask every case in a fresh conversation (after its history)."""
    retriever = answerer.retriever
    # What each question is searched as, embedded in a few batches rather than one by one.
    retriever.embedder.prime([answerer.query_of(c.question) for c in cases])
    outcomes = []
    for case in cases:
        conversation = f"eval-{case.id}"
        for earlier in case.history:
            answerer.ask(earlier, conversation)
        reply = answerer.ask(case.question, conversation)
        outcomes.append(Outcome(case, reply, rank(reply, case.evidence)))
    return outcomes


def _share(values: list[bool]) -> float:
    return sum(values) / len(values) if values else 1.0


def metrics(outcomes: list[Outcome]) -> dict[str, Any]:
    """hit@1, hit@3, MRR, answered share, abstention, urgent recall and false alarms."""
    answer = [o for o in outcomes if o.case.type == "answer"]
    follow = [o for o in answer if o.case.history]
    other = [o for o in outcomes if o.case.type == "no_answer"]
    urgent = [o for o in outcomes if o.case.type == "urgent"]
    return {
        "questions": len(outcomes),
        "hit@1": _share([o.rank == 1 for o in answer]),
        "hit@3": _share([o.rank is not None and o.rank <= 3 for o in answer]),
        "mrr": sum(1 / o.rank for o in answer if o.rank) / len(answer) if answer else 1.0,
        "answered": _share([o.reply.kind == "answer" for o in answer]),
        "abstention": _share([o.reply.kind == "no_answer" for o in other]),
        "urgent_recall": _share([o.reply.kind == "urgent" for o in urgent]),
        "false_urgent": sum(o.reply.kind == "urgent" for o in outcomes if o.case.type != "urgent"),
        "follow_up_hit@3": _share([o.rank is not None and o.rank <= 3 for o in follow]),
    }


def abstention_by_kind(outcomes: list[Outcome]) -> dict[str, tuple[int, int]]:
    """Of the questions the articles do not answer, declined and asked, by their `kind`."""
    kinds: dict[str, tuple[int, int]] = {}
    for o in outcomes:
        if o.case.type == "no_answer" and o.case.kind:
            declined, asked = kinds.get(o.case.kind, (0, 0))
            kinds[o.case.kind] = (declined + (o.reply.kind == "no_answer"), asked + 1)
    return dict(sorted(kinds.items()))


def failures(outcomes: list[Outcome]) -> list[str]:
    """One line per question that missed, for tuning by method rather than by case."""
    lines = []
    for o in outcomes:
        ok = {
            "answer": o.rank == 1,
            "no_answer": o.reply.kind == "no_answer",
            "urgent": o.reply.kind == "urgent",
        }[o.case.type]
        if not ok:
            lines.append(
                f"{o.case.id} [{o.case.type}→{o.reply.kind} rank={o.rank}] {o.case.question}"
            )
    return lines
