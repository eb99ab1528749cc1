"""The docs are generated from the code; these tests fail when they drift apart."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

from click.testing import CliRunner

from prodsheets.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def test_every_command_has_help_and_a_docs_page() -> None:
    for name, command in cli.commands.items():
        assert command.help, name
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0
        assert "Example:" in result.output, name
        assert (ROOT / "docs" / "commands" / f"{name}.md").exists(), name


def test_generated_docs_are_current() -> None:
    generator = runpy.run_path(str(ROOT / "tools" / "generate_docs.py"))
    for path, text in generator["pages"]().items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path} is out of date: run python tools/generate_docs.py"
        )


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", readme, flags=re.S)
    commands = [line for block in blocks[:2] for line in block.strip().splitlines()]
    assert len(commands) == 2, "the README opens with exactly two commands"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci
