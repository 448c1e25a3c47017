"""The `bot` command: each subcommand calls one library function."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from bot.articles.documents import CorpusError
from bot.audit.commands import audit
from bot.callbacks.commands import callbacks
from bot.curation.commands import pins
from bot.index.versions import IndexError_
from bot.log.database import fail, opened
from bot.settings import Settings
from bot.setup.commands import setup


def _settings(**overrides: Any) -> Settings:
    """Settings from the environment, with the command-line options given."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


@click.group()
def main() -> None:
    """Answer patients' questions with passages from the clinic's articles."""


@main.command()
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path), help="Articles folder.")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder.")
@click.option("--if-stale", is_flag=True, help="Only build when the corpus or model changed.")
@click.option("--full", is_flag=True, help="Embed every chunk again instead of reusing vectors.")
@click.option("--force", is_flag=True, help="Activate even if the quality gate fails.")
@click.option("--rollback", is_flag=True, help="Switch back to the previous version.")
@click.option("--activate", "version", metavar="VERSION", help="Switch to this kept version.")
@click.option("--history", is_flag=True, help="List the versions on disk and their builds.")
def index(
    corpus_dir: Path | None,
    index_dir: Path | None,
    if_stale: bool,
    full: bool,
    force: bool,
    rollback: bool,
    version: str | None,
    history: bool,
) -> None:
    """Build a new index version from the articles and make it active.

    Only changed chunks are embedded; `bot eval` gates activation.

    Examples: bot index · bot index --full · bot index --rollback · bot index --history
    """
    from bot.index import versions
    from bot.index.build import activate_version, build_index

    settings = _settings(corpus_dir=corpus_dir, index_dir=index_dir)
    try:
        if history:
            _print_history(settings)
            return
        if rollback or version:
            if version:
                activate_version(settings, version)
            else:
                version = versions.rollback(settings.index_dir, settings.keep_versions)
            _audit(settings, "rollback" if rollback else "activate", f"version:{version}")
            click.echo(f"active index version is now {version}")
            return
        if if_stale and not versions.is_stale(settings):
            click.echo("index is up to date")
            return
        manifest = build_index(settings, progress=sys.stderr.isatty(), full=full, force=force)
    except (CorpusError, IndexError_) as exc:
        fail(f"{exc}\nthe active index was left unchanged")
        return
    _audit(settings, "reindex", f"version:{manifest.version}")
    changes = manifest.changes
    click.echo(
        f"built and activated index {manifest.version}: {manifest.documents} documents, "
        f"{manifest.chunks} chunks ({changes.get('chunks_embedded', 0)} embedded) "
        f"in {manifest.build_seconds:.1f} s"
    )
    if manifest.eval:
        click.echo(
            "eval: "
            + ", ".join(f"{k} {manifest.eval[k]:.3f}" for k in ("hit@1", "hit@3", "abstention"))
        )
    review = manifest.curation
    if review.get("pins") or review.get("hidden"):
        click.echo(
            f"curation: {len(review['pins'])} pinned answers and {len(review['hidden'])} hidden "
            "passages changed - review them (bot pins list, /staff/curation)"
        )


def _print_history(settings: Settings) -> None:
    from bot.index.versions import active_version, list_versions

    active = active_version(settings.index_dir)
    for m in list_versions(settings.index_dir):
        mark = "*" if m.version == active else " "
        gate = "" if not m.gate or m.gate.get("passed") else f"  held back: {m.gate['reason']}"
        changed = m.changes.get("documents_changed", []) + m.changes.get("documents_added", [])
        click.echo(
            f"{mark} {m.version}  {m.built_at}  by {m.built_by or '?'}  {m.chunks} chunks  "
            f"{m.build_seconds:.1f} s  changed: {', '.join(changed) or '-'}{gate}"
        )


@main.command()
@click.option("--host", help="Address to listen on (default BOT_HOST or 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default BOT_PORT or 8000).")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Processes, each with its own model and index (default BOT_WORKERS or 1).",
)
@click.option("--access-log/--no-access-log", default=True, help="Log each request (default on).")
def serve(host: str | None, port: int | None, workers: int | None, access_log: bool) -> None:
    """Serve the chat API and pages.

    Example: bot serve --port 8000 --workers 2
    """
    from bot.web import server

    try:
        server.run(_settings(host=host, port=port, workers=workers), access_log=access_log)
    except ValueError as exc:
        fail(str(exc))


def _answerer(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.index.versions import load_index
    from bot.replies.answerer import Answerer
    from bot.search.embedder import Embedder

    embedder = Embedder.from_settings(settings)
    try:
        return Answerer(settings, load_index(settings, embedder), embedder)
    except IndexError_ as exc:
        fail(str(exc))


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
    default=None,
    help="Eval questions, one JSON object a line [default: tests/data/eval.jsonl; with "
    "--triage: every triage set in tests/data/].",
)
@click.option("--triage", is_flag=True, help="Measure red-flag triage instead of retrieval.")
@click.option(
    "--fit-answerability",
    "fit_answerability",
    is_flag=True,
    help="Fit the model that decides whether passages answer a question, on its training "
    "questions (bot/replies/answerability_training.jsonl, or --file), and write it.",
)
@click.option("--verbose", "-v", is_flag=True, help="List the questions that missed.")
def evaluate(path: Path | None, triage: bool, fit_answerability: bool, verbose: bool) -> None:
    """Measure retrieval quality (or, with --triage, red-flag triage) on patient-style
    questions; exits 1 when a triage target is missed.

    Example: bot eval --file tests/data/eval.jsonl -v
    Example: bot eval --triage -v
    """
    if triage:
        _evaluate_triage(path, verbose)
        return
    if fit_answerability:
        from bot.quality import answerability

        model = answerability.refit(_answerer(Settings()), *([path] if path else []))
        click.echo(f"fitted on {model.cases} questions: {model}")
        return
    from bot.quality import evaluation

    path = path or Path("tests/data/eval.jsonl")
    try:
        cases = evaluation.load_cases(path)
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    outcomes = evaluation.run(_answerer(Settings()), cases)
    results = evaluation.metrics(outcomes)
    for name, value in results.items():
        target = evaluation.TARGETS.get(name)
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        mark = "" if target is None else ("  ok" if value >= target else f"  below {target}")
        click.echo(f"{name:18} {shown}{mark}")
    for kind, (declined, asked) in evaluation.abstention_by_kind(outcomes).items():
        click.echo(f"  declined {kind:28} {declined}/{asked}")
    if verbose:
        for line in evaluation.failures(outcomes):
            click.echo(line)


def _evaluate_triage(path: Path | None, verbose: bool) -> None:
    from bot.quality import triage as evaluation
    from bot.replies.triage.detector import Triage
    from bot.search.embedder import Embedder

    detector = Triage.shared(Embedder.from_settings(Settings()))
    try:
        cases = evaluation.load(path) if path else evaluation.default_cases()
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    outcomes = evaluation.run(detector, cases)
    results = evaluation.metrics(outcomes)
    for line in evaluation.report(results):
        click.echo(line)
    if verbose:
        for line in evaluation.misses(outcomes):
            click.echo(line)
    if not all(evaluation.checks(results).values()):
        sys.exit(1)


# The query log and staff accounts (the database behind /staff).


def _new_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


main.add_command(pins)  # bot pins …, in bot/curation/commands.py
main.add_command(callbacks)  # bot callbacks key|purge, in bot/callbacks/commands.py
main.add_command(audit)  # bot audit verify|purge, in bot/audit/commands.py
main.add_command(setup)  # bot setup, in bot/setup/commands.py


def _audit(settings: Settings, action: str, target: str, db: Any = None, **detail: str) -> None:
    """Record a change made at the command line in the audit log, naming the operating-system
    user; with the database away the change stands and a warning says it was not logged."""
    import getpass

    from bot.audit.trail import AuditTrail
    from bot.log.database import Database

    own = db is None
    database = Database(settings) if own else db
    try:
        if own:
            database.upgrade()
        AuditTrail(database, settings.audit_retention_days).record(
            f"cli:{getpass.getuser()}", action, target, "", detail or None
        )
    except Exception as exc:  # any driver error: the change is made; say it is not logged
        click.echo(f"warning: not written to the audit log ({exc})", err=True)
    finally:
        if own:
            database.dispose()


@main.group()
def users() -> None:
    """Staff accounts for the dashboard at /staff (roles: staff, content, admin)."""


@users.command("add")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(["staff", "content", "admin"]),
    required=True,
    help="staff: review questions; content: read questions and gaps; admin: also accounts.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_add(email: str, role: str, password_stdin: bool) -> None:
    """Add an account; the password is prompted for, twice, unless piped in.

    Example: bot users add nurse@clinic.example --role staff
    """
    from bot.staff.accounts import UserError, Users

    settings = Settings()
    with opened(settings) as db:
        try:
            user = Users(db, settings).add(email, role, _new_password(password_stdin))
        except UserError as exc:
            fail(str(exc))
        _audit(settings, "account_add", f"account:{email}", db, role=role)
    click.echo(f"added {user.email} ({user.role})")


@users.command("list")
def users_list() -> None:
    """List the accounts, their roles and last sign-in.

    Example: bot users list
    """
    from bot.staff.accounts import Users

    settings = Settings()
    with opened(settings) as db:
        users_ = Users(db, settings)
        for user in users_.list():
            signed = user.last_signin_at
            last = signed.isoformat(timespec="minutes") if signed else "never"
            locked = users_.locked_until(user.email)
            note = f"  locked until {locked.isoformat(timespec='minutes')}" if locked else ""
            click.echo(f"{user.email}\t{user.role}\tlast sign-in {last}{note}")


@users.command("remove")
@click.argument("email")
def users_remove(email: str) -> None:
    """Delete an account; its sessions end at once.

    Example: bot users remove nurse@clinic.example
    """
    from bot.staff.accounts import UserError, Users

    settings = Settings()
    with opened(settings) as db:
        try:
            Users(db, settings).remove(email)
        except UserError as exc:
            fail(str(exc))
        _audit(settings, "account_remove", f"account:{email}", db)
    click.echo(f"removed {email}")


@users.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_set_password(email: str, password_stdin: bool) -> None:
    """Give an account a new password; ends its sessions and lifts a lock-out.

    Example: bot users set-password nurse@clinic.example
    """
    from bot.staff.accounts import UserError, Users

    settings = Settings()
    with opened(settings) as db:
        try:
            Users(db, settings).set_password(email, _new_password(password_stdin))
        except UserError as exc:
            fail(str(exc))
        _audit(settings, "account_password", f"account:{email}", db)
    click.echo(f"new password set for {email}")


def _duration(value: str) -> timedelta:
    found = re.fullmatch(r"\s*(\d+)\s*([dwh]?)\s*", value)
    if not found:
        raise click.BadParameter("use a number of days, weeks or hours: 90d, 12w, 48h")
    unit = {"": "days", "d": "days", "w": "weeks", "h": "hours"}[found.group(2)]
    return timedelta(**{unit: int(found.group(1))})


@main.group()
def logs() -> None:
    """The log of patients' questions."""


@logs.command("purge")
@click.option("--older-than", "age", required=True, help="Age to delete from: 90d, 12w, 48h.")
def logs_purge(age: str) -> None:
    """Delete logged questions (and their feedback) older than the given age.

    Example: bot logs purge --older-than 90d
    """
    from bot.log.querylog import QueryLog

    settings, older_than = Settings(), _duration(age)
    with opened(settings) as db:
        deleted = QueryLog(db, settings).purge(older_than)
    click.echo(f"deleted {deleted} questions older than {age}")


@main.group(name="db")
def database() -> None:
    """The database of the query log and staff accounts (BOT_DATABASE_URL)."""


@database.command("upgrade")
def database_upgrade() -> None:
    """Create the tables or migrate them to this version (the server also does it on start).

    Example: BOT_DATABASE_URL=postgresql://bot@db/bot bot db upgrade
    """
    with opened(Settings()) as db:
        click.echo(f"{db.name} is up to date")


if __name__ == "__main__":
    main()
