"""`bot eval` on our own patient-style questions meets the issue's quality targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.quality import evaluation
from bot.replies.answerer import Answerer
from bot.settings import ROOT, Settings

EVAL = ROOT / "tests" / "data" / "eval.jsonl"


@pytest.fixture(scope="module")
def results(answerer: Answerer) -> dict[str, float]:
    cases = evaluation.load_cases(EVAL)
    assert len([c for c in cases if c.type == "answer"]) >= 60
    return evaluation.metrics(evaluation.run(answerer, cases))


@pytest.mark.parametrize("metric", sorted(evaluation.TARGETS))
def test_quality_target(results: dict[str, float], metric: str) -> None:
    assert results[metric] >= evaluation.TARGETS[metric], results


def test_short_follow_ups_keep_their_topic_and_new_topics_start_afresh(
    answerer: Answerer,
) -> None:
    """Dialogues written for this (continuing without a pronoun, and changing topic):
    follow-ups find their passage; those the articles do not answer are still declined."""
    cases = evaluation.load_cases(ROOT / "bench" / "data" / "eval_follow_ups.jsonl")
    assert {c.kind for c in cases} == {"continuing", "new_topic"}
    found = evaluation.metrics(evaluation.run(answerer, cases))
    assert found["follow_up_hit@3"] >= 0.95 and found["abstention"] >= 0.8, found


def test_no_ordinary_question_is_marked_urgent(results: dict[str, float]) -> None:
    assert results["false_urgent"] == 0


def test_hits_need_the_evidence_in_a_passage(answerer: Answerer) -> None:
    """The metric itself can fail: evidence that no passage holds is a miss."""
    case = evaluation.Case("x", "answer", "what are exosomes?", ["words the article never says"])
    outcome = evaluation.run(answerer, [case])[0]
    assert outcome.rank is None
    assert evaluation.metrics([outcome])["hit@3"] == 0.0


def test_the_eval_key_follows_answering_settings_only(tmp_path: Path) -> None:
    questions = tmp_path / "eval.jsonl"
    questions.write_text('{"id": "a", "type": "answer", "question": "is it safe?"}\n')
    base = evaluation.eval_key(Settings(), questions)
    assert evaluation.eval_key(Settings(workers=4, port=9000), questions) == base
    assert evaluation.eval_key(Settings(answer_threshold=0.5), questions) != base
    questions.write_text('{"id": "a", "type": "answer", "question": "does it hurt?"}\n')
    assert evaluation.eval_key(Settings(), questions) != base


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ('{"id": "a", "type": "answer"', "1: not JSON"),
        ('["a list"]', "1: each line must be a JSON object"),
        ('{"id": "a", "type": "maybe", "question": "q"}', "1: type must be"),
        ('{"id": "a", "type": "answer"}', "1: id and question must be strings"),
    ],
)
def test_a_broken_eval_file_is_a_clear_error_not_a_traceback(
    tmp_path: Path, line: str, said: str
) -> None:
    from click.testing import CliRunner

    from bot.cli import main

    questions = tmp_path / "broken.jsonl"
    questions.write_text(line + "\n")
    result = CliRunner().invoke(main, ["eval", "--file", str(questions)])
    assert result.exit_code == 1 and f"broken.jsonl:{said}" in result.output, result.output
    assert "Traceback" not in result.output
