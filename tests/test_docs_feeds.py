"""The README's nightly workflow runs prodsheets commands that exist, with options they take."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from prodsheets.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def test_the_nightly_workflow_in_the_readme_calls_real_options() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (workflow,) = re.findall(r"```yaml\n(.*?)```", readme, flags=re.S)
    calls = re.findall(r"(?:run: |^\s+)(prodsheets [^|#\n]+?)(?:\s+\|\||\s*$)", workflow, re.M)
    assert {call.split()[1] for call in calls} == {"sync", "validate"}
    for call in calls:
        name, *args = shlex.split(call)[1:]
        command = cli.commands[name]
        with cli.make_context("prodsheets", [name]) as parent:  # keeps cli's -h/--help names
            context = command.make_context(name, list(args), parent=parent)
            assert context.params  # parsed: every option is one the command takes
    assert "--calendar" in workflow and "--notify" in workflow
    assert "actions/deploy-pages" in workflow
