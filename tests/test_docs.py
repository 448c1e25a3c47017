"""The README and docs/ say what really is: every setting with its true default, commands
that run as written, links that lead somewhere, and a reason for every dependency."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import click
from pydantic import SecretStr

from bot.cli import main
from bot.settings import ROOT, Settings

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]
SETTINGS_PAGE = ROOT / "docs" / "settings.md"

# `BOT_…` names that are not settings: read before the settings (the file's name), by the
# tests only, or the placeholder in `BOT_NAME="value"`.
NOT_SETTINGS = {"BOT_ENV_FILE", "BOT_TEST_POSTGRES_URL", "BOT_NAME"}
SHELL_FENCES = {"sh", "bash", "shell", "console"}


def text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def blocks(page: Path) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """The page's fenced code blocks (language, lines) and its lines outside them."""
    fenced: list[tuple[str, list[str]]] = []
    prose: list[str] = []
    current: list[str] | None = None
    for line in text(page).splitlines():
        fence = re.match(r"^\s*```(\w*)", line)
        if fence and current is None:
            current = []
            fenced.append((fence.group(1), current))
        elif fence:
            current = None
        elif current is not None:
            current.append(line)
        else:
            prose.append(line)
    return fenced, prose


def spans(page: Path) -> list[str]:
    """Inline code outside fenced blocks."""
    return [s for line in blocks(page)[1] for s in re.findall(r"`([^`]+)`", line)]


def shell_lines(page: Path) -> list[str]:
    """Lines of the page's shell blocks, with `\\` continuations joined."""
    out: list[str] = []
    for language, lines in blocks(page)[0]:
        if language not in SHELL_FENCES:
            continue
        joined = ""
        for line in lines:
            if line.rstrip().endswith("\\"):
                joined += line.rstrip()[:-1] + " "
                continue
            out.append(joined + line)
            joined = ""
    return out


def cells(row: str) -> list[str]:
    """A Markdown table row's cells; a `|` inside backticks is not a separator."""
    out, cell, quoted = [], "", False
    for char in row.strip().strip("|"):
        if char == "`":
            quoted = not quoted
        if char == "|" and not quoted:
            out.append(cell.strip())
            cell = ""
        else:
            cell += char
    return [*out, cell.strip()]


def setting_rows(page: Path) -> dict[str, list[str]]:
    """Rows of the page's tables whose first cell is one `BOT_…` name, by name."""
    rows: dict[str, list[str]] = {}
    for line in text(page).splitlines():
        if not line.startswith("| `BOT_"):
            continue
        row = cells(line)
        names = re.findall(r"`(BOT_[A-Z0-9_]+)`", row[0])
        if len(names) == 1 and row[0] == f"`{names[0]}`":
            assert names[0] not in rows, f"{page.name}: {names[0]} has two rows"
            rows[names[0]] = row
    return rows


def fields() -> dict[str, Any]:
    return {f"BOT_{name.upper()}": field for name, field in Settings.model_fields.items()}


def test_every_setting_has_a_row_in_docs_settings() -> None:
    documented, real = set(setting_rows(SETTINGS_PAGE)), set(fields())
    assert not real - documented, f"undocumented settings (docs/settings.md): {real - documented}"
    assert not documented - real, f"docs/settings.md names no such settings: {documented - real}"
    assert "docs/settings.md" in text(README), "the README must point to docs/settings.md"


def test_documented_defaults_are_the_real_ones() -> None:
    """A default written as a literal (`180`, `false`, `corpus/`) is the one in Settings; a
    short default must be written so."""
    wrong = []
    for page in (README, SETTINGS_PAGE):
        for name, row in setting_rows(page).items():
            field = fields().get(name)  # an unknown name: the test below names it
            if field is None or field.default_factory is not None:
                continue
            default = field.default
            if isinstance(default, SecretStr):
                default = default.get_secret_value()
            literal = re.fullmatch(r"`([^`]*)`", row[1])
            needed = not isinstance(default, str) or 0 < len(default) <= 40
            if literal is None:
                if needed and default != "":
                    wrong.append(f"{page.name}: {name} should give its default {default!r}")
                continue
            value = literal.group(1)
            if isinstance(default, bool):
                ok = value == str(default).lower()
            elif isinstance(default, Path):
                relative = default.relative_to(ROOT).as_posix()
                ok = value.rstrip("/") == relative
            elif isinstance(default, int | float):
                ok = float(value.replace(",", "")) == float(default)
            else:
                ok = value == default
            if not ok:
                wrong.append(f"{page.name}: {name} default {value!r}, really {default!r}")
    assert not wrong, "\n".join(wrong)


def test_every_bot_variable_named_in_the_docs_exists() -> None:
    real = set(fields())
    unknown = []
    for page in PAGES:
        for found in re.finditer(r"BOT_([A-Z0-9_]*)(\*?)", text(page)):
            name = found.group(0).rstrip("*")
            if name in NOT_SETTINGS or name in real or name == "BOT_":
                continue
            if found.group(2) or name.endswith("_"):  # a family: BOT_RATE_LIMIT_*
                if any(r.startswith(name.rstrip("_") + "_") for r in real):
                    continue
            unknown.append(f"{page.name}: {found.group(0)}")
    assert not unknown, f"no such settings: {unknown}"


def test_quickstart_is_two_commands_and_going_live_follows() -> None:
    fenced, prose = blocks(README)
    language, first = fenced[0]
    commands = [line.split("#")[0].strip() for line in first if line.strip()]
    assert language == "sh" and commands == ["make run", "make test"], commands
    headings = [line for line in prose if line.startswith("## ")]
    # The Makefile's `make run` points to "README: Going live".
    assert "## Going live" in headings and "## Operating it" in headings, headings
    assert headings.index("## Going live") < headings.index("## Operating it")


def bot_commands(page: Path) -> list[list[str]]:
    """Every `bot …` command the page writes, as words: shell lines and inline code."""
    found = []
    for line in shell_lines(page):
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)  # `#` starts a comment
        lexer.whitespace_split = True  # words split at spaces and `|;<>&()` only
        words, command = list(lexer), None
        for word in words:
            if word in ("bot", ".venv/bin/bot"):
                command = [word]
            elif command is not None and set(word) <= set("|&;<>()"):
                found.append(command)
                command = None
            elif command is not None:
                command.append(word)
        if command is not None:
            found.append(command)
    for span in spans(page):
        span = re.sub(r"^(?:[A-Z_]+=\S+\s+)+", "", span)
        if re.match(r"(?:\.venv/bin/)?bot\s", span):
            # `bot audit verify|purge`: each alternative
            either = re.search(r"\S+\|\S+", span)
            if either is None:
                found.append(shlex.split(span))
                continue
            for choice in either.group(0).split("|"):
                found.append(shlex.split(span.replace(either.group(0), choice)))
    return found


def check_command(words: list[str]) -> str | None:
    """Why the command would not run as written, or None."""
    command = " ".join(words)
    tokens = [t.strip("[]") for t in words]
    current: click.Command = main
    for token in tokens[1:]:
        if token in ("…", "...") or not token:
            continue
        if token.startswith("-"):
            option = token.split("=")[0]
            names = {o for p in current.params for o in (*p.opts, *p.secondary_opts)}
            if option not in names | {"--help"}:
                return f"{command}: {current.name} has no option {option}"
        elif isinstance(current, click.Group):
            sub = current.commands.get(token)
            if sub is None:
                return f"{command}: {current.name} has no command {token!r}"
            current = sub
    return None


def test_bot_commands_in_the_docs_run() -> None:
    problems = []
    for page in PAGES:
        for command in bot_commands(page):
            problem = check_command(command)
            if problem:
                problems.append(f"{page.name}: {problem}")
    assert not problems, "\n".join(problems)


def test_the_readme_runs_bot_from_the_venv() -> None:
    """A fresh checkout has no `bot` on the PATH: commands are `.venv/bin/bot …`."""
    bare = re.compile(r"(?:^|[|;&]\s*)(?:[A-Z_]+=\S+\s+)*bot\s")
    found = [f"README.md: {s}" for s in spans(README) if bare.match(s)]
    for page in PAGES:
        found += [f"{page.name}: {line}" for line in shell_lines(page) if bare.search(line)]
    assert not found, "\n".join(found)


def test_make_targets_and_modules_exist() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, re.M))
    missing = []
    for page in PAGES:
        code = spans(page) + shell_lines(page)
        for snippet in code:
            for target in re.findall(r"(?:^|\s)make ([a-z][\w-]*)", snippet):
                if target not in targets:
                    missing.append(f"{page.name}: make {target}")
            for module in re.findall(r"python -m ([\w.]+)", snippet):
                if module.split(".")[0] not in ("bot", "bench"):
                    continue
                path = ROOT / module.replace(".", "/")
                if not (path.with_suffix(".py").is_file() or (path / "__main__.py").is_file()):
                    missing.append(f"{page.name}: python -m {module}")
    assert not missing, missing


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    heading = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return heading.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for line in blocks(page)[1]:
        heading = re.match(r"^#{1,6}\s+(.*)", line)
        if heading:
            base = slug(heading.group(1))
            out.add(base if base not in seen else f"{base}-{seen[base]}")
            seen[base] = seen.get(base, 0) + 1
    return out


def test_links_lead_somewhere() -> None:
    broken = []
    for page in PAGES:
        for line in blocks(page)[1]:
            for target in re.findall(r"\]\(([^)\s]+)\)", line):
                if re.match(r"[a-z]+:", target):
                    continue
                path, _, anchor = target.partition("#")
                where = (page.parent / path).resolve() if path else page
                if not where.exists():
                    broken.append(f"{page.name}: {target}")
                elif anchor and where.suffix == ".md" and anchor not in anchors(where):
                    broken.append(f"{page.name}: {target} (no such heading)")
    assert not broken, broken


def test_every_docs_page_is_linked_from_the_readme() -> None:
    readme = text(README)
    orphans = [p.name for p in DOCS if f"(docs/{p.name}" not in readme]
    assert not orphans, f"docs/ pages the README never links: {orphans}"


def test_every_dependency_has_a_reason() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = project["dependencies"] + [
        d for extra in project["optional-dependencies"].values() for d in extra
    ]

    def name(requirement: str) -> str:
        found = re.match(r"[A-Za-z0-9_.\-]+", requirement)
        assert found, requirement
        return found.group(0).lower().replace("_", "-")

    section = text(README).split("### Why each dependency", 1)[1].split("\n## ", 1)[0]
    listed = {
        name(n)
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith("| package")
        for n in re.findall(r"`([^`]+)`", cells(line)[0])
    }
    needed = {name(r) for r in wanted}
    assert not needed - listed, f"dependencies without a reason: {needed - listed}"
    assert not listed - needed, f"reasons for packages not depended on: {listed - needed}"


def test_medquad_is_cited() -> None:
    readme = text(README)
    assert "MedQuAD" in readme and "Ben Abacha A" in readme and "CC BY 4.0" in readme
