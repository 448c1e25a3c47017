"""`bot pins`: pin passages to a question, hide passages, list and remove them.

Changes go to the database every server shares; each server picks them up within
`BOT_RELOAD_SECONDS`, without a re-index.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from bot.curation.store import Curation, CurationError, Passage
from bot.log.database import fail, opened
from bot.settings import Settings

BY = "cli"  # who changed it, in the audit trail, unless --by says


@contextmanager
def _curation(settings: Settings) -> Iterator[Curation]:
    """The curation in the configured database, closed afterwards."""
    with opened(settings) as db:
        yield Curation(db)


def _passages(settings: Settings, chunk_ids: tuple[str, ...]) -> list[Passage]:
    """The passages of the active index with these ids; an unknown id is an error."""
    from bot.index.versions import IndexError_, read_chunks

    try:
        chunks = {c.chunk_id: c for c in read_chunks(settings.index_dir)}
    except IndexError_ as exc:
        fail(str(exc))
    unknown = [c for c in chunk_ids if c not in chunks]
    if unknown:
        fail(f"no passage {', '.join(unknown)} in the active index (see `bot pins passages`)")
    return [Passage(c, chunks[c].text) for c in chunk_ids]


@click.group()
def pins() -> None:
    """Staff curation: passages pinned to a question, and hidden passages."""


@pins.command("add")
@click.argument("question")
@click.argument("chunk_ids", nargs=-1, required=True)
@click.option("--variant", "variants", multiple=True, help="Another wording of the question.")
@click.option("--by", default=BY, show_default=True, help="Who pinned it, for the audit.")
def add(question: str, chunk_ids: tuple[str, ...], variants: tuple[str, ...], by: str) -> None:
    """Show CHUNK_IDS (up to three, in order) first for QUESTION and messages close to it.

    Example: bot pins add "what are exosomes?" exosome-therapy#1a2b3c4d5e6f
    """
    settings = Settings()
    passages = _passages(settings, chunk_ids)
    with _curation(settings) as curation:
        try:
            pin = curation.pin(question, passages, by, list(variants))
        except CurationError as exc:
            fail(str(exc))
    click.echo(f"pinned {len(passages)} passage(s) to {pin.question!r} as pin {pin.id}")


@pins.command("list")
def list_() -> None:
    """Every pin and hidden passage; a pinned or hidden passage the index no longer holds
    (its text changed or it was removed) is marked for review."""
    from bot.index.versions import IndexError_, read_chunks

    settings = Settings()
    with _curation(settings) as curation:
        stored, hidden_ = curation.pins(), curation.hidden()
    try:
        present = {c.chunk_id for c in read_chunks(settings.index_dir)}
    except IndexError_:
        present = set()
    for pin in stored:
        click.echo(f"pin {pin.id}: {pin.question}  (by {pin.created_by})")
        for variant in pin.variants:
            click.echo(f"  also: {variant}")
        for chunk_id in pin.chunk_ids:
            flag = "" if chunk_id in present else "  [changed or removed: review]"
            click.echo(f"  {chunk_id}{flag}")
    for hidden in hidden_:
        flag = "" if hidden.chunk_id in present else "  [changed or removed: review]"
        click.echo(f"hidden {hidden.chunk_id}: {hidden.reason}  (by {hidden.hidden_by}){flag}")


@pins.command("remove")
@click.argument("pin_id", type=int, required=False)
@click.option("--all", "everything", is_flag=True, help="Remove every pin.")
@click.option("--by", default=BY, show_default=True, help="Who removed it, for the audit.")
def remove(pin_id: int | None, everything: bool, by: str) -> None:
    """Remove pin PIN_ID, or every pin with --all."""
    if (pin_id is None) == (not everything):
        fail("give a pin id or --all")
    with _curation(Settings()) as curation:
        removed = curation.unpin(None if everything else pin_id, by)
    if not removed and not everything:
        fail(f"no pin {pin_id}")
    click.echo(f"removed {removed} pin(s)")


@pins.command("hide")
@click.argument("chunk_id")
@click.option("--reason", required=True, help="Why it must not be shown.")
@click.option("--by", default=BY, show_default=True, help="Who hid it, for the audit.")
def hide(chunk_id: str, reason: str, by: str) -> None:
    """Never show passage CHUNK_ID until it is un-hidden.

    Example: bot pins hide exosome-therapy#1a2b3c4d5e6f --reason "promotional line"
    """
    settings = Settings()
    (passage,) = _passages(settings, (chunk_id,))
    with _curation(settings) as curation:
        try:
            curation.hide(passage, reason, by)
        except CurationError as exc:
            fail(str(exc))
    click.echo(f"hidden {chunk_id}")


@pins.command("unhide")
@click.argument("chunk_id")
@click.option("--by", default=BY, show_default=True, help="Who un-hid it, for the audit.")
def unhide(chunk_id: str, by: str) -> None:
    """Show passage CHUNK_ID again."""
    with _curation(Settings()) as curation:
        if not curation.unhide(chunk_id, by):
            fail(f"{chunk_id} is not hidden")
    click.echo(f"shown again: {chunk_id}")


@pins.command("passages")
@click.argument("search", required=False)
def passages(search: str | None) -> None:
    """The active index's passages (their ids and first words), those holding SEARCH."""
    from bot.index.versions import IndexError_, read_chunks

    try:
        chunks = read_chunks(Settings().index_dir)
    except IndexError_ as exc:
        fail(str(exc))
    for chunk in chunks:
        if search is None or search.casefold() in chunk.text.casefold():
            click.echo(f"{chunk.chunk_id}  {' '.join(chunk.text.split())[:90]}")
