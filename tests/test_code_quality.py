"""ruff and mypy (strict) are part of the test run, so CI is red when either complains."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "ruff", "check", "prodsheets", "tests", "benchmarks", "tools"],
        [sys.executable, "-m", "ruff", "format", "--check", "prodsheets", "tests", "tools"],
        [sys.executable, "-m", "mypy", "prodsheets"],
    ],
    ids=["ruff", "ruff-format", "mypy"],
)
def test_clean(command: list[str]) -> None:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
