"""init through the CLI: a workbook a production manager would be glad to open."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import openpyxl

SOURCE_TABS = ["Departments", "Schedule", "Budget", "Vendors"]
OPTIONAL_TABS = ["Crew", "Equipment"]
SUMMARY_TABS = [
    "Summary",
    "Budget Variance",
    "Schedule Report",
    "Vendor Report",
    "Changes",
    "History",
    "Crew Report",
    "Issues",
]
# What the example promises (prodsheets/example.py), as (tab, rule, cell), each once.
PLANTED = [
    ("Budget", "budget.over", "F17"),
    ("Budget", "budget.near_limit", "F23"),
    ("Departments", "budget.over_allocation", "D2"),
    ("Schedule", "schedule.person_conflict", "E16"),
    ("Schedule", "schedule.overdue", "H17"),
    ("Schedule", "schedule.turnaround", "F30"),
    ("Schedule", "equipment.overbooked", "M42"),
    ("Vendors", "vendor.insurance_expiring", "I5"),
    ("Vendors", "vendor.contract_missing", "F13"),
]


def test_init_lays_out_the_source_tabs(run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "show.xlsx"
    result = run_cli("init", str(path))
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [*SOURCE_TABS, *OPTIONAL_TABS]
    budget = book["Budget"]
    headers = [c.value for c in budget[1]]
    assert headers[:6] == ["Code", "Department", "Category", "Description", "Vendor", "Budgeted"]
    assert budget.freeze_panes == "A2"
    assert budget["A1"].font.b
    lists = [v.formula1 for v in budget.data_validations.dataValidation]
    assert any("Labour" in (f or "") for f in lists)
    assert any("Departments" in (f or "") for f in lists)


def test_init_never_overwrites_a_file_that_is_not_a_workbook(run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "show.xlsx"
    path.write_bytes(b"precious")
    for flags in ([], ["--force"]):
        result = run_cli("init", str(path), *flags)
        assert result.exit_code == 3, result.output
        assert path.read_bytes() == b"precious"


def test_example_syncs_and_shows_what_the_tool_finds(run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "show.xlsx"
    assert run_cli("init", str(path), "--example").exit_code == 0
    result = run_cli("validate", str(path), "--format", "json")
    assert result.exit_code == 0, result.output  # all warnings: the first sync succeeds
    assert sorted(
        (i["tab"], i["rule"], i["cell"]) for i in json.loads(result.stdout)["issues"]
    ) == sorted(PLANTED)
    sync = run_cli("sync", str(path))
    assert sync.exit_code == 0, sync.output
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [*SOURCE_TABS, *OPTIONAL_TABS, *SUMMARY_TABS]
    crew = {row[0]: row for row in book["Crew Report"].iter_rows(min_row=2, values_only=True)}
    assert crew["Mara Quinn"][3] == "Example Cast" and crew["Mara Quinn"][8] == 1
    assert crew["Dev Patel"][3] == "Example Crew"
    report = [row for row in book["Schedule Report"].iter_rows(values_only=True)]
    [lights] = [row for row in report if row[0] == "Moving Light"]
    assert lights[1:3] == (12, 14)  # the planted overbooking: peak 14 against 12
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    again = run_cli("init", str(path), "--example")
    assert again.exit_code == 0
    assert "Left as they are (already there): Departments, Schedule, Budget, Vendors" in (
        again.output
    )
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_init_lays_out_only_files_named_xlsx(run_cli: Any, tmp_path: Path) -> None:
    """Excel refuses a workbook whose name says .xlsm or .csv; a CSV of a person's is kept."""
    (tmp_path / "budget.csv").write_text("Code,Budgeted\nB1,100\n")
    for name in ("budget.csv", "show.xlsm", "show.ods", "show"):
        result = run_cli("init", str(tmp_path / name), "--force")
        assert result.exit_code == 2, name
        assert "does not end in .xlsx" in result.output  # .xlsm only when it exists
    assert (tmp_path / "budget.csv").read_text() == "Code,Budgeted\nB1,100\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["budget.csv"]
    assert run_cli("init", str(tmp_path / "Show.XLSX")).exit_code == 0
