"""validate through the CLI: every rule fires on a workbook that breaks it, none on a clean one."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from prodsheets.issues import RULES
from tests.conftest import found, issues_of
from tests.crew_workbooks import CREW_BREAKS
from tests.workbooks import AS_OF, Rows, clean_production, d, set_cell, write_workbook

Change = Callable[[dict[str, Rows]], None]


def drop_column(tab: str, header: str) -> Change:
    def change(tabs: dict[str, Rows]) -> None:
        index = tabs[tab][0].index(header)
        for row in tabs[tab]:
            del row[index]

    return change


def cells(*changes: tuple[str, int, str, Any]) -> Change:
    def change(tabs: dict[str, Rows]) -> None:
        for tab, row, header, value in changes:
            set_cell(tabs, tab, row, header, value)

    return change


def add_row(tab: str, row: list[Any]) -> Change:
    def change(tabs: dict[str, Rows]) -> None:
        tabs[tab].append(row)

    return change


def add_column(tab: str, header: str) -> Change:
    def change(tabs: dict[str, Rows]) -> None:
        tabs[tab][0].append(header)

    return change


def drop_tab(tab: str) -> Change:
    def change(tabs: dict[str, Rows]) -> None:
        del tabs[tab]

    return change


# rule -> (a change that breaks it, the cell the issue must point at)
BREAKS: dict[str, tuple[Change, str]] = {
    "tab.missing": (drop_tab("Vendors"), ""),
    "header.missing": (drop_column("Schedule", "Task"), ""),
    "header.duplicate": (add_column("Budget", " actual "), "K1"),
    "value.required": (cells(("Budget", 2, "Description", None)), "D2"),
    "value.type": (cells(("Budget", 3, "Actual", "12,5O")), "G3"),
    "value.enum": (cells(("Schedule", 3, "Status", "Dne")), "J3"),
    "value.negative": (cells(("Budget", 2, "ETC", -5)), "I2"),
    "value.placeholder": (cells(("Budget", 3, "ETC", "TBD")), "I3"),
    "value.currency": (
        cells(
            ("Budget", 2, "Actual", "£2,000"),
            ("Budget", 4, "Actual", "£1,000.50"),
            ("Budget", 3, "Actual", "$1,500"),
        ),
        "G3",
    ),
    "value.date_order": (
        cells(
            ("Schedule", 5, "Start", "13/03/2026 10:00"),
            ("Schedule", 5, "End", "03/13/2026 22:00"),
        ),
        "F5",
    ),
    "budget.sheet_total": (add_row("Budget", ["TOTAL", None, None, None, None, 1]), "F6"),
    "id.duplicate": (cells(("Budget", 3, "Code", "L-01")), "A3"),
    "ref.unknown": (cells(("Budget", 2, "Department", "Lightng")), "B2"),
    "schedule.end_before_start": (cells(("Schedule", 4, "End", d("2026-03-04 09:00"))), "G4"),
    "schedule.space_conflict": (
        cells(
            ("Schedule", 4, "Start", d("2026-03-03 17:00")),
            ("Schedule", 4, "End", d("2026-03-03 19:00")),
            ("Schedule", 4, "Depends On", None),
        ),
        "D4",
    ),
    "schedule.person_conflict": (
        cells(
            ("Schedule", 4, "Start", d("2026-03-03 17:00")),
            ("Schedule", 4, "End", d("2026-03-03 19:00")),
            ("Schedule", 4, "Space", "Studio"),
            ("Schedule", 4, "People", "Ben Cole, ana ruiz"),
            ("Schedule", 4, "Depends On", None),
        ),
        "E4",
    ),
    "schedule.dependency_unknown": (cells(("Schedule", 5, "Depends On", "S3, S9")), "K5"),
    "schedule.dependency_cycle": (cells(("Schedule", 2, "Depends On", "S4")), "K2"),
    "schedule.dependency_order": (
        cells(
            ("Schedule", 4, "Start", d("2026-03-03 12:00")),
            ("Schedule", 4, "End", d("2026-03-03 14:00")),
            ("Schedule", 4, "Space", "Studio"),
        ),
        "K4",
    ),
    "schedule.overdue": (cells(("Schedule", 4, "Due", d("2026-03-05"))), "H4"),
    "schedule.turnaround": (
        add_row(
            "Schedule",
            [
                "S5",
                "Notes session",
                "Lighting",
                "Studio",
                "Ana Ruiz",
                d("2026-03-04 02:00"),
                d("2026-03-04 03:00"),
                None,
                None,
                "Planned",
                None,
                None,
            ],
        ),
        "F6",
    ),
    "budget.over": (cells(("Budget", 3, "ETC", 5000)), "F3"),
    "budget.near_limit": (cells(("Budget", 3, "ETC", 4000)), "F3"),
    "budget.over_allocation": (cells(("Departments", 3, "Allocation", 3000)), "D3"),
    "vendor.contract_missing": (cells(("Vendors", 3, "Contract", "Quote")), "F3"),
    "vendor.contract_expired": (cells(("Vendors", 3, "Contract End", d("2026-03-01"))), "H3"),
    "vendor.contract_dates": (cells(("Vendors", 3, "Contract End", d("2025-12-01"))), "H3"),
    "vendor.insurance_missing": (cells(("Vendors", 2, "Insurance Expires", None)), "I2"),
    "vendor.insurance_expiring": (
        cells(("Vendors", 2, "Insurance Expires", d("2026-03-11"))),
        "I2",
    ),
    **CREW_BREAKS,  # crew.* and equipment.*: tests/crew_workbooks.py
}


# Rules about what a sync wrote, broken by editing a synced workbook: rule -> (edit, cell).
# history.damaged: a row typed into the History tab by hand.
AFTER_SYNC: dict[str, tuple[Callable[[list[list[Any]]], list[list[Any]]], str]] = {
    "history.damaged": (
        lambda log: [*log, ["last week", AS_OF, "Budget", "L-01", "EFC", "1.00", "2.00"]],
        "A{rows}",
    ),
}


def test_every_rule_has_a_breaking_case() -> None:
    assert set(BREAKS) | set(AFTER_SYNC) == set(RULES)
    assert not set(BREAKS) & set(AFTER_SYNC)


@pytest.mark.parametrize("rule", sorted(AFTER_SYNC))
def test_rule_about_a_synced_workbook_fires_at_its_cell(rule: str, home: Any, run_cli: Any) -> None:
    edit, cell = AFTER_SYNC[rule]
    path = home.make(clean_production())
    assert run_cli("sync", path, "--as-of", AS_OF).exit_code == 0
    log = edit(home.rows(path, "History"))
    home.edit(path, "History", log)
    result = run_cli("validate", str(path), "--format", "json", "--as-of", AS_OF)
    assert (rule, cell.format(rows=len(log))) in found(result), result.output
    hits = [i for i in issues_of(result) if i["rule"] == rule]
    assert all(i["severity"] == RULES[rule].severity.value and i["message"] for i in hits)
    assert result.exit_code == 0


def test_clean_workbook_has_no_issues(home: Any, run_cli: Any) -> None:
    path = home.make(clean_production())
    result = run_cli("validate", str(path), "--format", "json", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["counts"] == {"error": 0, "warning": 0}
    assert document["issues"] == []


@pytest.mark.parametrize("rule", sorted(BREAKS))
def test_rule_fires_at_its_cell(rule: str, home: Any, run_cli: Any) -> None:
    change, cell = BREAKS[rule]
    tabs = clean_production()
    change(tabs)
    path = home.make(tabs)
    result = run_cli("validate", str(path), "--format", "json", "--as-of", AS_OF)
    assert (rule, cell) in found(result), result.output
    hits = [i for i in issues_of(result) if i["rule"] == rule]
    assert all(i["severity"] == RULES[rule].severity.value for i in hits)
    assert all(i["message"] for i in hits)
    expected_exit = 1 if any(i["severity"] == "error" for i in issues_of(result)) else 0
    assert result.exit_code == expected_exit


def test_issue_shape_names_tab_cell_row_column_value(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 2, "Department", "Lightng")
    result = run_cli("validate", str(home.make(tabs)), "--format", "json", "--as-of", AS_OF)
    [hit] = [i for i in issues_of(result) if i["rule"] == "ref.unknown"]
    assert hit == {
        "severity": "error",
        "rule": "ref.unknown",
        "tab": "Budget",
        "cell": "B2",
        "row": 2,
        "column": "Department",
        "value": "Lightng",
        "message": hit["message"],
    }
    assert "Did you mean 'Lighting'?" in hit["message"]


def test_json_document_shape(home: Any, run_cli: Any) -> None:
    path = home.make(clean_production())
    result = run_cli("validate", str(path), "--format", "json", "--as-of", AS_OF)
    document = json.loads(result.stdout)
    assert set(document) == {"workbook", "as_of", "counts", "issues"}
    assert document["workbook"] == str(path)
    assert document["as_of"] == AS_OF


def test_strict_makes_warnings_fail(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    BREAKS["budget.near_limit"][0](tabs)
    path = home.make(tabs)
    assert run_cli("validate", str(path), "--as-of", AS_OF).exit_code == 0
    assert run_cli("validate", str(path), "--as-of", AS_OF, "--strict").exit_code == 1


def test_rules_config_changes_severity_and_turns_rules_off(
    home: Any, run_cli: Any, tmp_path: Path
) -> None:
    tabs = clean_production()
    BREAKS["budget.near_limit"][0](tabs)
    path = home.make(tabs)
    home.settings('[rules]\n"budget.near_limit" = "error"\n')
    result = run_cli("validate", str(path), "--format", "json", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert [i["severity"] for i in issues_of(result)] == ["error"]
    home.settings('[rules]\n"budget.near_limit" = "off"\n')
    result = run_cli("validate", str(path), "--format", "json", "--as-of", AS_OF)
    assert result.exit_code == 0
    assert issues_of(result) == []


def test_thresholds_from_config(home: Any, run_cli: Any, tmp_path: Path) -> None:
    path = home.make(clean_production())  # L-01 stands at 75% of Budgeted
    home.settings("[thresholds]\nnear_limit = 0.7\n")
    result = run_cli("validate", str(path), "--format", "json", "--as-of", AS_OF)
    assert ("budget.near_limit", "F2") in found(result)


def test_tab_names_from_config(home: Any, run_cli: Any, tmp_path: Path) -> None:
    tabs = clean_production()
    tabs["Costs"] = tabs.pop("Budget")
    path = home.make(tabs)
    result = run_cli("validate", str(path), "--format", "json", "--as-of", AS_OF)
    assert ("tab.missing", "") in found(result)
    home.settings('[tabs]\nBudget = "Costs"\n')
    result = run_cli("validate", str(path), "--format", "json", "--as-of", AS_OF)
    assert issues_of(result) == []


def test_tab_and_header_names_ignore_case_and_spaces(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    tabs[" budget "] = tabs.pop("Budget")
    tabs[" budget "][0] = [h.upper() + " " for h in tabs[" budget "][0]]
    tabs[" budget "][0][5] = "estimate"  # alias of Budgeted
    result = run_cli("validate", str(home.make(tabs)), "--format", "json", "--as-of", AS_OF)
    assert issues_of(result) == []


def test_overdue_depends_on_as_of(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Schedule", 4, "Due", dt.datetime(2026, 3, 20))
    path = home.make(tabs)
    early = run_cli("validate", str(path), "--format", "json", "--as-of", AS_OF)
    late = run_cli("validate", str(path), "--format", "json", "--as-of", "2026-03-21")
    assert ("schedule.overdue", "H4") not in found(early)
    assert ("schedule.overdue", "H4") in found(late)


def test_headers_with_units_and_markers_still_match(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    budget = tabs["Budget"][0]
    budget[0], budget[5], budget[6], budget[8] = "Code*", "Budgeted ($)", "Spent (£)", "ETC:"
    result = run_cli("validate", home.make(tabs), "--format", "json", "--as-of", AS_OF)
    assert issues_of(result) == []
    report = run_cli("report", home.make(tabs), "--format", "json", "--as-of", AS_OF)
    total = json.loads(report.stdout)["budget"]["by_department"][-1]
    assert total["budgeted"] == "30000.00"


@pytest.mark.parametrize(
    ("above", "row"),
    [
        ([[None]], 2),  # a blank first row
        ([["Spring tour budget v3"], [None]], 3),  # a title, then a blank row
    ],
)
def test_headers_below_a_title_are_found_and_issues_keep_the_sheets_rows(
    above: Rows, row: int, home: Any, run_cli: Any
) -> None:
    tabs = clean_production()
    tabs["Budget"] = above + tabs["Budget"]
    result = run_cli("validate", str(home.make(tabs)), "--format", "json", "--as-of", AS_OF)
    assert (result.exit_code, issues_of(result)) == (0, [])
    blanked = clean_production()
    set_cell(blanked, "Budget", 2, "Description", None)  # the first line
    blanked["Budget"] = above + blanked["Budget"]
    result = run_cli("validate", str(home.make(blanked)), "--format", "json", "--as-of", AS_OF)
    assert found(result) == {("value.required", f"D{row + 1}")}  # the row the sheet shows
    report = run_cli("report", home.make(tabs), "--format", "json", "--as-of", AS_OF)
    assert json.loads(report.stdout)["budget"]["by_department"][-1]["budgeted"] == "30000.00"


def test_a_stray_value_in_the_last_cell_of_the_sheet_is_no_problem(
    run_cli: Any, tmp_path: Path
) -> None:
    """Something typed in XFD1048576 (Ctrl+End, then a key) must not make the reader lay out
    17 billion cells: columns without a header are not read."""
    path = write_workbook(tmp_path / "show.xlsx", clean_production())
    book = openpyxl.load_workbook(path)
    book["Budget"]["XFD1048576"] = "oops"
    book["Budget"]["XFD2"] = "=1/0"  # a formula out there too
    book["Schedule"]["AA1"] = "Not a column we know"
    book["Schedule"]["XFC1048576"] = 7
    book.save(path)
    result = run_cli("validate", str(path), "--format", "json", "--as-of", AS_OF)
    assert (result.exit_code, issues_of(result)) == (0, [])
    report = run_cli("report", str(path), "--format", "json", "--as-of", AS_OF)
    assert json.loads(report.stdout)["budget"]["by_department"][-1]["budgeted"] == "30000.00"
    assert run_cli("sync", str(path), "--as-of", AS_OF).exit_code == 0


def test_a_tab_too_big_to_read_is_one_plain_sentence(run_cli: Any, tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "show.xlsx", clean_production())
    book = openpyxl.load_workbook(path)
    book["Budget"]["XFD1"] = "Last column"  # a header out there keeps every column in play
    book["Budget"]["A1048576"] = "L-99"
    book.save(path)
    result = run_cli("validate", str(path))
    assert result.exit_code == 3
    assert 'The tab "Budget"' in result.output and "far below or right" in result.output
    assert "unexpected" not in result.output


def test_people_spelt_differently_are_one_person_never_clashing_with_themselves(
    home: Any, run_cli: Any
) -> None:
    tabs = clean_production()
    # S4 moves onto S3's afternoon; its People name Ben Cole twice, spelt differently, across
    # ";", "," and a newline, with blank pieces: one clash with S3, none of S4 with itself
    set_cell(tabs, "Schedule", 5, "Start", d("2026-03-04 13:00"))
    set_cell(tabs, "Schedule", 5, "End", d("2026-03-04 16:00"))
    set_cell(tabs, "Schedule", 5, "Space", "Studio")
    set_cell(tabs, "Schedule", 5, "Depends On", None)
    set_cell(tabs, "Schedule", 5, "People", " ben  COLE;;Ana Ruiz,\nBen Cole,")
    result = run_cli("validate", home.make(tabs), "--format", "json", "--as-of", AS_OF)
    assert found(result) == {("schedule.person_conflict", "E5")}, result.output
    (issue,) = issues_of(result)
    assert issue["message"].startswith(
        "Ben Cole is on both S3 'Sound check' and S4 'Tech' on 4 Mar 13:00–14:00;"
    )
