"""The docs check: the documentation travels with the code, so every command it names must run
(`--help` answers), every link must resolve, and the README and staff guide must cover what exists."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer

from tests.conftest import ROOT
from tribe_sync.cli.examples import walk
from tribe_sync.cli.main import app, run
from tribe_sync.domain.problems import ProblemCode
from tribe_sync.jobs.registry import JOBS

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TREE = typer.main.get_command(app)
COMMANDS = {path for path, _ in walk(TREE)}
# Global options that take a value, so the word after them is not a command.
VALUED_OPTIONS = {"--config"}


def code_of(text: str) -> Iterator[str]:
    """What the page shows as code: fenced blocks and inline spans."""
    for block in re.findall(r"```[^\n]*\n(.*?)```", text, flags=re.S):
        yield from block.splitlines()
    without_blocks = re.sub(r"```.*?```", "", text, flags=re.S)
    yield from re.findall(r"`([^`\n]+)`", without_blocks)


def command_path(words: list[str]) -> tuple[str, list[str]]:
    """The command the words name (as far as they name one), and the first word that names nothing."""
    node, path, skip = TREE, [], False
    for word in words:
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            skip = word in VALUED_OPTIONS
            continue
        commands = getattr(node, "commands", {})
        if word in commands:
            node = commands[word]
            path.append(word)
            continue
        return " ".join(path), ([word] if commands and not path else [])
    return " ".join(path), []


def documented_commands() -> dict[str, set[str]]:
    """Every `tribe-sync …` in the pages' code, by command path, with the pages that name it."""
    found: dict[str, set[str]] = {}
    for page in PAGES:
        for code in code_of(page.read_text()):
            # A command starts a line (perhaps after a path like .venv/bin/) or follows a pipe.
            for match in re.finditer(r"(?:^\s*(?:\S*/)?|\|\s*)tribe-sync((?:[ \t]+[^\s|;&#`]+)*)", code):
                path, unknown = command_path(match.group(1).split())
                key = path if not unknown else f"{path} {unknown[0]}".strip()
                found.setdefault(key, set()).add(page.name)
    return found


DOCUMENTED = documented_commands()


def test_the_docs_name_commands_at_all() -> None:
    assert {"jobs run", "months close", "processor import", "daemon"} <= set(DOCUMENTED)


@pytest.fixture
def logging_as_it_was() -> Iterator[None]:
    """The entry point sets up logging for the process (ours at WARNING): later tests, which read
    DEBUG records with caplog, get the loggers back as they were."""
    loggers = [logging.getLogger(), logging.getLogger("tribe_sync")]
    saved = [(x.level, list(x.handlers)) for x in loggers]
    yield
    for logger, (level, handlers) in zip(loggers, saved, strict=True):
        logger.setLevel(level)
        logger.handlers[:] = handlers


@pytest.mark.usefixtures("logging_as_it_was")
@pytest.mark.parametrize("path", sorted(DOCUMENTED), ids=lambda p: p or "tribe-sync")
def test_every_command_the_docs_name_exists_and_answers_help(
    path: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert path in COMMANDS, (
        f"{', '.join(sorted(DOCUMENTED[path]))} name `tribe-sync {path}`, which does not exist"
    )
    monkeypatch.setattr(sys, "argv", ["tribe-sync", *path.split(), "--help"])
    with pytest.raises(SystemExit) as done:
        run()
    assert done.value.code in (0, None), capsys.readouterr().err
    assert "Usage:" in capsys.readouterr().out


LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, flags=re.M)}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_link_in_the_docs_resolves(page: Path) -> None:
    broken = []
    for target in LINK.findall(re.sub(r"```.*?```", "", page.read_text(), flags=re.S)):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file_part, _, anchor = target.partition("#")
        linked = (page.parent / file_part).resolve() if file_part else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no heading #{anchor} in {linked.name}")
    assert not broken, f"{page.name}: {broken}"


def test_the_readme_covers_every_command_group_and_every_job() -> None:
    readme = ROOT.joinpath("README.md").read_text()
    groups = {path.split()[0] for path in COMMANDS if path}
    missing = sorted(g for g in groups if f"tribe-sync {g}" not in readme)
    assert not missing, f"README.md names no `tribe-sync {missing[0]}`"
    assert [job for job in JOBS if f"`{job}`" not in readme] == []


def test_the_staff_guide_says_what_to_do_with_every_problem_code() -> None:
    guide = ROOT.joinpath("docs", "staff.md").read_text()
    assert [code.value for code in ProblemCode if f"| `{code.value}` |" not in guide] == []


def test_the_programme_rules_name_every_job_and_its_schedule_setting() -> None:
    rules = ROOT.joinpath("docs", "programme.md").read_text()
    for job in JOBS:
        assert f"`{job}`" in rules
        assert f"`schedule.{job.replace('-', '_')}`" in rules
