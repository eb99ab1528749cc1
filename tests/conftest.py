"""Shared fixtures: real workbooks on disk and the CLI runner."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from prodsheets.cli import cli
from tests.backends import GoogleHome, XlsxHome
from tests.workbooks import write_workbook

pytest_plugins = ["tests.sheets_fixtures"]


@pytest.fixture(autouse=True)
def _no_user_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run every test in its own folder, free of the developer's prodsheets.toml and env."""
    monkeypatch.chdir(tmp_path)
    for name in ("PRODSHEETS_WORKBOOK", "GOOGLE_APPLICATION_CREDENTIALS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def run_cli() -> Callable[..., Result]:
    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), prog_name="prodsheets")

    return run


@pytest.fixture(params=["xlsx", "gsheets"])
def home(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[XlsxHome | GoogleHome]:
    """Where the behavioural suite keeps its workbooks: each test runs once per backend."""
    if request.param == "xlsx":
        yield XlsxHome(tmp_path)
        return
    server = request.getfixturevalue("sheets_server")
    yield GoogleHome(tmp_path, server)


@pytest.fixture
def workbook(tmp_path: Path) -> Callable[[Mapping[str, Sequence[Sequence[Any]]]], Path]:
    """Write tabs to a fresh .xlsx in tmp_path and return its path."""
    counter = iter(range(1_000_000))

    def make(tabs: Mapping[str, Sequence[Sequence[Any]]], name: str = "") -> Path:
        return write_workbook(tmp_path / (name or f"show{next(counter)}.xlsx"), tabs)

    return make


def issues_of(result: Result) -> list[dict[str, Any]]:
    """The issues of a ``--format json`` run."""
    document = json.loads(result.stdout)
    issues: list[dict[str, Any]] = document["issues"]
    return issues


def found(result: Result) -> set[tuple[str, str]]:
    """(rule, cell) of every issue of a ``--format json`` run."""
    return {(i["rule"], i["cell"]) for i in issues_of(result)}
