"""sync through the CLI, on both backends; the tabs written are read back from the workbook."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from prodsheets import pipeline
from prodsheets.config import Config
from prodsheets.errors import WorkbookChanged
from tests.workbooks import (
    AS_OF,
    SOURCE_TABS,
    SUMMARY_TABS,
    clean_production,
    d,
    set_cell,
    write_workbook,
)


def test_sync_writes_the_five_summary_tabs(home: Any, run_cli: Any) -> None:
    location = home.make(clean_production())
    result = run_cli("sync", location, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output
    assert home.titles(location) == SOURCE_TABS + SUMMARY_TABS
    assert home.rows(location, "Summary")[0][:2] == ["Metric", "Value"]
    variance = home.rows(location, "Budget Variance")
    header = variance[0]
    lighting = next(row for row in variance if row[0] == "Lighting")
    assert Decimal(str(lighting[header.index("Budgeted")])) == Decimal("14000")
    assert Decimal(str(lighting[header.index("EFC")])) == Decimal("10000")
    total = next(row for row in variance if row[0] == "Total")
    assert Decimal(str(total[header.index("Actual")])) == Decimal("9500.75")
    vendors = home.rows(location, "Vendor Report")
    assert vendors[0][0] == "Vendor"
    assert {row[0] for row in vendors[1:]} == {"Bright Lights Hire", "Timber Co"}


def test_summary_counts_unreadable_allocations_and_blanks_their_total(
    home: Any, run_cli: Any
) -> None:
    tabs = clean_production()
    set_cell(tabs, "Departments", 3, "Allocation", "10k")  # Sound
    location = home.make(tabs)
    assert run_cli("sync", location, "--as-of", AS_OF).exit_code == 1
    summary = {row[0]: (row[1] if len(row) > 1 else None) for row in home.rows(location, "Summary")}
    assert summary["Allocation"] in (None, "")
    assert summary["Unallocated"] in (None, "")
    assert summary["Department Allocations that could not be read"] == 1
    assert Decimal(str(summary["Budgeted"])) == Decimal("30000")
    variance = home.rows(location, "Budget Variance")
    header = variance[0]
    total = next(row for row in variance if row[0] == "Total")
    total += [None] * (len(header) - len(total))  # a row read back ends at its last value
    assert total[header.index("Allocation")] in (None, "")
    lighting = next(row for row in variance if row[0] == "Lighting")
    assert Decimal(str(lighting[header.index("Allocation")])) == Decimal("20000")
    clean = home.make(clean_production())
    assert run_cli("sync", clean, "--as-of", AS_OF).exit_code == 0
    rows = {row[0]: row[1] for row in home.rows(clean, "Summary") if len(row) > 1}
    assert rows["Department Allocations that could not be read"] == 0
    assert Decimal(str(rows["Allocation"])) == Decimal("60000")


def test_sync_leaves_source_tabs_as_typed(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 3, "Actual", "$1,500.00")
    location = home.make(tabs)
    before = {title: home.rows(location, title) for title in SOURCE_TABS}
    assert run_cli("sync", location, "--as-of", AS_OF).exit_code == 0
    assert run_cli("sync", location, "--as-of", AS_OF).exit_code == 0
    after = {title: home.rows(location, title) for title in SOURCE_TABS}
    assert after == before
    assert home.titles(location) == SOURCE_TABS + SUMMARY_TABS


def test_second_sync_replaces_its_own_tabs(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Schedule", 5, "Due", d("2026-03-15"))  # S4, still Planned
    location = home.make(tabs)
    assert run_cli("sync", location, "--as-of", AS_OF).exit_code == 0
    assert home.rows(location, "Issues")[1:] == []
    assert run_cli("sync", location, "--as-of", "2026-03-20").exit_code == 0
    rules = [row[1] for row in home.rows(location, "Issues")[1:]]
    assert rules == ["schedule.overdue"]
    assert home.titles(location) == SOURCE_TABS + SUMMARY_TABS


def test_dry_run_writes_nothing(home: Any, run_cli: Any) -> None:
    location = home.make(clean_production())
    before = home.snapshot(location)
    result = run_cli("sync", location, "--as-of", AS_OF, "--dry-run")
    assert result.exit_code == 0
    assert "nothing was written" in result.output
    assert home.snapshot(location) == before


def test_a_tab_we_did_not_make_is_never_overwritten(home: Any, run_cli: Any) -> None:
    tabs: dict[str, Any] = clean_production()
    tabs["Summary"] = [["My notes"], ["Call the fire marshal"]]
    location = home.make(tabs)
    before = home.snapshot(location)
    result = run_cli("sync", location, "--as-of", AS_OF)
    assert result.exit_code == 3
    assert "Summary" in result.output
    assert "Traceback" not in result.output
    assert home.snapshot(location) == before


def test_formula_looking_text_stays_text(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    evil = '=IMPORTXML("http://example.com","//a")'
    set_cell(tabs, "Vendors", 3, "Vendor", evil)
    set_cell(tabs, "Budget", 5, "Vendor", evil)
    set_cell(tabs, "Budget", 2, "Description", "+SUM(A1:A2)")
    set_cell(tabs, "Budget", 3, "Category", "=1+1")  # a value.enum issue quoting it
    location = home.make(tabs)
    result = run_cli("sync", location, "--as-of", AS_OF)
    assert result.exit_code in (0, 1), result.output
    for title in SUMMARY_TABS:
        assert home.formula_cells(location, title) == [], title
    assert any(evil in row for row in home.rows(location, "Vendor Report"))
    assert any("=1+1" in row for row in home.rows(location, "Issues"))


def test_issues_tab_lists_every_issue_errors_first(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 3, "ETC", 4000)  # near limit: a warning
    set_cell(tabs, "Budget", 2, "Department", "Lightng")  # an error
    location = home.make(tabs)
    assert run_cli("sync", location, "--as-of", AS_OF).exit_code == 1
    rows = home.rows(location, "Issues")
    header = rows[0]
    assert header[:4] == ["Severity", "Rule", "Tab", "Cell"]
    severities = [row[header.index("Severity")] for row in rows[1:] if row]
    assert severities == sorted(severities)  # "error" < "warning"
    rules = {row[header.index("Rule")] for row in rows[1:] if row}
    assert {"ref.unknown", "budget.near_limit"} <= rules


# --- what only a local file has ------------------------------------------------------------


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_money_and_percent_cells_carry_formats(workbook: Any, run_cli: Any) -> None:
    path = workbook(clean_production())
    assert run_cli("sync", str(path), "--as-of", AS_OF).exit_code == 0
    sheet = openpyxl.load_workbook(path)["Budget Variance"]
    header = [c.value for c in sheet[1]]
    budgeted = sheet.cell(row=2, column=header.index("Budgeted") + 1)
    percent = sheet.cell(row=2, column=header.index("Over %") + 1)
    assert "0.00" in budgeted.number_format
    assert "%" in percent.number_format
    assert sheet.cell(row=1, column=1).font.b
    assert sheet.freeze_panes == "A2"


def test_over_budget_rows_are_marked(workbook: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 3, "ETC", 50000)  # Lighting goes over
    path = workbook(tabs)
    assert run_cli("sync", str(path), "--as-of", AS_OF).exit_code == 0
    sheet = openpyxl.load_workbook(path)["Budget Variance"]
    fills = {
        row[0].value: row[0].fill.fgColor.rgb for row in sheet.iter_rows(min_row=2) if row[0].value
    }
    assert fills["Lighting"] != fills["Sound"]


def test_sync_refuses_while_excel_has_the_file_open(workbook: Any, run_cli: Any) -> None:
    path = workbook(clean_production(), name="show.xlsx")
    lock = path.with_name("~$show.xlsx")
    lock.write_bytes(b"someone")
    before = digest(path)
    result = run_cli("sync", str(path), "--as-of", AS_OF)
    assert result.exit_code == 3
    assert "open" in result.output.lower()
    assert digest(path) == before
    forced = run_cli("sync", str(path), "--as-of", AS_OF, "--force")
    assert forced.exit_code == 0
    assert "Summary" in openpyxl.load_workbook(path).sheetnames


def test_a_file_changed_during_sync_is_not_written(workbook: Any) -> None:
    """Someone saves the workbook while sync is working: nothing is written, exit 3."""
    path = workbook(clean_production())

    def someone_saves(step: str) -> None:
        if step.startswith("Building summary"):
            book = openpyxl.load_workbook(path)
            book["Budget"]["J2"] = "updated quote"
            book.save(path)

    with pytest.raises(WorkbookChanged) as raised:
        pipeline.sync(
            str(path), config=Config(), as_of=dt.date(2026, 3, 10), progress=someone_saves
        )
    assert raised.value.exit_code == 3
    assert "Run the command again" in str(raised.value)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == SOURCE_TABS
    assert book["Budget"]["J2"].value == "updated quote"


def test_sync_leaves_a_read_only_workbook_alone(workbook: Any, run_cli: Any) -> None:
    path = workbook(clean_production(), name="show.xlsx")
    path.chmod(0o444)  # the folder stays writable, so only our check stops the rename
    before = digest(path)
    result = run_cli("sync", str(path), "--as-of", AS_OF)
    assert result.exit_code == 3
    assert "is read-only; nothing was written" in result.output
    assert "Traceback" not in result.output
    assert digest(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["show.xlsx"]


def test_a_lock_beside_the_file_a_link_points_to_counts(tmp_path: Path, run_cli: Any) -> None:
    real = tmp_path / "shared" / "show.xlsx"
    real.parent.mkdir()
    (tmp_path / "shared" / ".~lock.show.xlsx#").write_text("Ana,ana-laptop")
    write_workbook(real, clean_production())
    link = tmp_path / "desk" / "show.xlsx"
    link.parent.mkdir()
    link.symlink_to(real)
    before = digest(real)
    result = run_cli("sync", str(link), "--as-of", AS_OF)
    assert result.exit_code == 3
    assert "open in LibreOffice" in result.output
    assert digest(real) == before
    assert run_cli("sync", str(link), "--as-of", AS_OF, "--force").exit_code == 0
    assert link.is_symlink()  # the link is kept; the file it points to was replaced
    assert "Summary" in openpyxl.load_workbook(real).sheetnames
