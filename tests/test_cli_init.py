"""init through the CLI: a workbook a production manager would be glad to open."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import openpyxl

SOURCE_TABS = ["Departments", "Schedule", "Budget", "Vendors"]


def test_init_lays_out_the_source_tabs(run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "show.xlsx"
    result = run_cli("init", str(path))
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == SOURCE_TABS
    budget = book["Budget"]
    headers = [c.value for c in budget[1]]
    assert headers[:6] == ["Code", "Department", "Category", "Description", "Vendor", "Budgeted"]
    assert budget.freeze_panes == "A2"
    assert budget["A1"].font.b
    lists = [v.formula1 for v in budget.data_validations.dataValidation]
    assert any("Labour" in (f or "") for f in lists)
    assert any("Departments" in (f or "") for f in lists)


def test_init_never_overwrites_without_force(run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "show.xlsx"
    path.write_bytes(b"precious")
    result = run_cli("init", str(path))
    assert result.exit_code == 2
    assert "--force" in result.output
    assert path.read_bytes() == b"precious"
    assert run_cli("init", str(path), "--force").exit_code == 0
    assert openpyxl.load_workbook(path).sheetnames == SOURCE_TABS


def test_example_syncs_and_shows_what_the_tool_finds(run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "show.xlsx"
    assert run_cli("init", str(path), "--example").exit_code == 0
    result = run_cli("validate", str(path), "--format", "json")
    document = json.loads(result.stdout)
    assert 3 <= document["counts"]["warning"] + document["counts"]["error"] <= 30
    sync = run_cli("sync", str(path))
    assert sync.exit_code in (0, 1), sync.output
    book = openpyxl.load_workbook(path)
    assert len(book.sheetnames) == 11  # 4 source tabs, 7 owned (Changes, History among them)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    assert run_cli("init", str(path), "--example").exit_code == 2
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_init_lays_out_only_files_named_xlsx(run_cli: Any, tmp_path: Path) -> None:
    """Excel refuses a workbook whose name says .xlsm or .csv; a CSV of a person's is kept."""
    (tmp_path / "budget.csv").write_text("Code,Budgeted\nB1,100\n")
    for name in ("budget.csv", "show.xlsm", "show.ods", "show"):
        result = run_cli("init", str(tmp_path / name), "--force")
        assert result.exit_code == 2, name
        assert "does not end in .xlsx" in result.output
    assert (tmp_path / "budget.csv").read_text() == "Code,Budgeted\nB1,100\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["budget.csv"]
    assert run_cli("init", str(tmp_path / "Show.XLSX")).exit_code == 0
