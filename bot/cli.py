"""The `bot` command: each subcommand calls one library function."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from bot.corpus import CorpusError
from bot.index import IndexError_
from bot.settings import Settings


def _settings(**overrides: Any) -> Settings:
    """Settings from the environment, with the command-line options given."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.group()
def main() -> None:
    """Answer patients' questions with passages from the clinic's articles."""


@main.command()
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path), help="Articles folder.")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder.")
@click.option("--if-stale", is_flag=True, help="Only build when the corpus or model changed.")
def index(corpus_dir: Path | None, index_dir: Path | None, if_stale: bool) -> None:
    """Chunk and embed the articles into a new index version, then make it active.

    Example: bot index --corpus corpus/
    """
    from bot.index import build_index, is_stale

    settings = _settings(corpus_dir=corpus_dir, index_dir=index_dir)
    try:
        if if_stale and not is_stale(settings):
            click.echo("index is up to date")
            return
        manifest = build_index(settings, progress=sys.stderr.isatty())
    except (CorpusError, IndexError_) as exc:
        _fail(f"{exc}\nthe current index was left unchanged")
        return
    click.echo(
        f"built index {manifest.version}: {manifest.documents} documents, "
        f"{manifest.chunks} chunks in {manifest.build_seconds:.1f} s"
    )


@main.command()
@click.option("--host", help="Address to listen on (default BOT_HOST or 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default BOT_PORT or 8000).")
def serve(host: str | None, port: int | None) -> None:
    """Serve the chat API and pages.

    Example: bot serve --port 8000
    """
    import uvicorn

    from bot.web.app import create_app

    settings = _settings(host=host, port=port)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port)


def _answerer(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.answering import Answerer
    from bot.embedder import Embedder
    from bot.index import load_index

    embedder = Embedder.from_settings(settings)
    try:
        return Answerer(settings, load_index(settings, embedder), embedder)
    except IndexError_ as exc:
        _fail(str(exc))


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the reply as the API's JSON.")
def ask(question: str, as_json: bool) -> None:
    """Ask one question from the command line.

    Example: bot ask "Is exosome therapy approved in Australia?"
    """
    reply = _answerer(Settings()).ask(question)
    if as_json:
        click.echo(json.dumps(asdict(reply), indent=2, ensure_ascii=False))
        return
    click.echo(f"[{reply.kind}] {reply.message}")
    for n, passage in enumerate(reply.passages, start=1):
        click.echo(f"\n{n}. {passage.text}")
        click.echo(f"   — {passage.source.title}, “{passage.source.section}” {passage.source.url}")
        if passage.cites:
            click.echo(f"   cites: {', '.join(passage.cites)}")
    click.echo(f"\n{reply.disclaimer}")


@main.command(name="eval")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, path_type=Path),
    default=Path("tests/data/eval.jsonl"),
    show_default=True,
    help="Eval questions, one JSON object a line.",
)
@click.option("--verbose", "-v", is_flag=True, help="List the questions that missed.")
def evaluate(path: Path, verbose: bool) -> None:
    """Measure retrieval quality on patient-style questions.

    Example: bot eval --file tests/data/eval.jsonl -v
    """
    from bot import evaluation

    outcomes = evaluation.run(_answerer(Settings()), evaluation.load_cases(path))
    results = evaluation.metrics(outcomes)
    for name, value in results.items():
        target = evaluation.TARGETS.get(name)
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        mark = "" if target is None else ("  ok" if value >= target else f"  below {target}")
        click.echo(f"{name:18} {shown}{mark}")
    if verbose:
        for line in evaluation.failures(outcomes):
            click.echo(line)


if __name__ == "__main__":
    main()
