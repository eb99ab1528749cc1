"""Every value form SPEC.md lists, read right end to end (typed into a real .xlsx)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.workbooks import AS_OF, clean_production, set_cell, write_workbook
from tests.xlsx_fixtures import edit_part


def lighting_actual(run_cli: Any, path: Path) -> tuple[str | None, set[str]]:
    result = run_cli("report", str(path), "--format", "json", "--as-of", AS_OF)
    document = json.loads(result.stdout)
    lighting = next(r for r in document["budget"]["by_department"] if r["department"] == "Lighting")
    return lighting["actual"], {i["rule"] for i in document["issues"]}


# L-01's Actual is 2000.00; L-02's Actual is typed in each form below: each way a backend
# hands a cell over (a whole number, a fraction, text, nothing). The many ways people type
# money as text are read by cells.parse_money, tested cell by cell in test_cells.py.
@pytest.mark.parametrize(
    ("typed", "actual"),
    [
        (1500, "3500.00"),
        (1500.5, "3500.50"),
        (0.285, "2000.29"),  # a fraction of a cent rounds half up
        ("$1,234.50", "3234.50"),
        (None, "2000.00"),
        ("", "2000.00"),
    ],
)
def test_money_forms(typed: Any, actual: str, home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 3, "Actual", typed)
    assert lighting_actual(run_cli, home.make(tabs))[0] == actual


@pytest.mark.parametrize("typed", ["(250.00)", -250])  # text and number; more in test_cells
def test_negative_money_is_an_issue_and_left_out(typed: Any, home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 3, "Actual", typed)
    actual, rules = lighting_actual(run_cli, home.make(tabs))
    assert "value.negative" in rules
    assert actual == "2000.00"  # L-02 left out of the figures


@pytest.mark.parametrize(
    "typed",
    ["twelve", "#REF!", True, "pending"],  # text, error, yes/no, not a placeholder; see test_cells
)
def test_unreadable_money_is_an_issue_never_zero(typed: Any, home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 3, "Actual", typed)
    actual, rules = lighting_actual(run_cli, home.make(tabs))
    assert "value.type" in rules
    assert actual == "2000.00"


def test_decimal_comma_from_config(home: Any, run_cli: Any, tmp_path: Path) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 3, "Actual", "1.234,50")
    path = home.make(tabs)
    home.settings("decimal_comma = true\n")
    assert lighting_actual(run_cli, path)[0] == "3234.50"


@pytest.mark.parametrize(
    ("typed", "decimal_comma", "meant"),
    [
        ("1.234", "false", "if you meant 1,234 type 1234"),
        ("1,234", "true", "if you meant 1.234 type 1234"),
    ],
)
def test_money_text_with_three_decimals_is_an_issue_not_rounded(
    typed: str, decimal_comma: str, meant: str, home: Any, run_cli: Any
) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 3, "Actual", typed)
    path = home.make(tabs)
    home.settings(f"decimal_comma = {decimal_comma}\n")
    result = run_cli("report", str(path), "--format", "json", "--as-of", AS_OF)
    document = json.loads(result.stdout)
    lighting = next(r for r in document["budget"]["by_department"] if r["department"] == "Lighting")
    assert lighting["actual"] == "2000.00"  # L-02 left out, not counted as 1.23
    [issue] = [i for i in document["issues"] if i["rule"] == "value.type"]
    assert (issue["tab"], issue["column"], issue["row"], issue["value"]) == (
        "Budget",
        "Actual",
        3,
        typed,
    )
    assert issue["message"].startswith(f"{typed} has three decimal places")
    assert meant in issue["message"]
    assert document["budget"]["lines_excluded"] == 1


def overdue_cells(run_cli: Any, path: Path) -> set[str]:
    result = run_cli("validate", str(path), "--format", "json", "--as-of", AS_OF)
    return {
        i["cell"] for i in json.loads(result.stdout)["issues"] if i["rule"] == "schedule.overdue"
    }


# S4 (row 5) is Planned; as of 2026-03-10 it is overdue exactly when Due is before that day.
@pytest.mark.parametrize(
    ("typed", "date_order", "overdue"),
    [
        ("2026-03-09", "MDY", True),
        ("2026-03-10", "MDY", False),
        ("03/09/2026", "MDY", True),  # 9 March
        ("03/09/2026", "DMY", False),  # 3 September
        ("09/03/2026", "DMY", True),  # 9 March
        ("3/9/26", "MDY", True),
        (46090, "MDY", True),  # the serial of 2026-03-09
        (46091, "MDY", False),  # the serial of 2026-03-10
        (dt.datetime(2026, 3, 9), "MDY", True),
        ("2026-03-09T18:00", "MDY", True),
        ("2026-03-09T18:00:00Z", "MDY", True),  # a zone suffix: the time as written
        ("2026-03-10T09:00:00+01:00", "MDY", False),
        ("9 Mar 2026", "MDY", True),
        ("March 9, 2026", "MDY", True),
        (" 2026-03-09\u00a0", "MDY", True),
    ],
)
def test_date_forms(
    typed: Any, date_order: str, overdue: bool, home: Any, run_cli: Any, tmp_path: Path
) -> None:
    tabs = clean_production()
    set_cell(tabs, "Schedule", 5, "Due", typed)
    path = home.make(tabs)
    home.settings(f'date_order = "{date_order}"\n')
    assert ("H5" in overdue_cells(run_cli, path)) is overdue


@pytest.mark.parametrize("typed", ["#REF!", "2026-02-30", "next week", "13/13/2026", True])
def test_unreadable_dates_are_issues(typed: Any, home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Schedule", 5, "Due", typed)
    result = run_cli("validate", str(home.make(tabs)), "--format", "json", "--as-of", AS_OF)
    assert ("value.type", "H5") in {
        (i["rule"], i["cell"]) for i in json.loads(result.stdout)["issues"]
    }


def space_conflicts(run_cli: Any, path: Path) -> set[str]:
    result = run_cli("validate", str(path), "--format", "json", "--as-of", AS_OF)
    issues = json.loads(result.stdout)["issues"]
    return {i["cell"] for i in issues if i["rule"] == "schedule.space_conflict"}


# S2 (Focus) runs 2026-03-03 09:00-18:00 on Main Stage; S3 (row 4) is moved around it.
@pytest.mark.parametrize(
    ("start", "end", "conflict"),
    [
        (dt.datetime(2026, 3, 3, 17), dt.datetime(2026, 3, 3, 19), True),
        (dt.datetime(2026, 3, 3, 18), dt.datetime(2026, 3, 3, 19), False),  # touching
        (dt.datetime(2026, 3, 3, 7), dt.datetime(2026, 3, 3, 9), False),  # touching
        ("2026-03-03 17:30", "2026-03-03 19:00", True),
        ("2026-03-03T18:00:00", "2026-03-03T19:00:00", False),
    ],
)
def test_overlap_semantics(start: Any, end: Any, conflict: bool, home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Schedule", 4, "Start", start)
    set_cell(tabs, "Schedule", 4, "End", end)
    set_cell(tabs, "Schedule", 4, "Depends On", None)
    assert bool(space_conflicts(run_cli, home.make(tabs))) is conflict


@pytest.mark.parametrize(
    ("start", "conflict"),
    [
        (dt.datetime(2026, 3, 3), False),  # S1 ends with 03-02; 03-03 touches it
        (dt.datetime(2026, 3, 2, 20), True),  # a date-only End runs to midnight
    ],
)
def test_date_only_end_means_the_end_of_that_day(
    start: dt.datetime, conflict: bool, home: Any, run_cli: Any
) -> None:
    tabs = clean_production()
    set_cell(tabs, "Schedule", 2, "Start", dt.datetime(2026, 3, 2))
    set_cell(tabs, "Schedule", 2, "End", dt.datetime(2026, 3, 2))
    set_cell(tabs, "Schedule", 3, "Space", "Studio")
    set_cell(tabs, "Schedule", 4, "Start", start)
    set_cell(tabs, "Schedule", 4, "End", dt.datetime(2026, 3, 3))
    set_cell(tabs, "Schedule", 4, "Depends On", None)
    assert bool(space_conflicts(run_cli, home.make(tabs))) is conflict


def test_cancelled_items_take_part_in_no_check(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Schedule", 4, "Start", dt.datetime(2026, 3, 3, 17))
    set_cell(tabs, "Schedule", 4, "End", dt.datetime(2026, 3, 3, 19))
    set_cell(tabs, "Schedule", 4, "Due", dt.datetime(2026, 3, 1))
    set_cell(tabs, "Schedule", 4, "Status", " cancelled ")
    result = run_cli("validate", str(home.make(tabs)), "--format", "json", "--as-of", AS_OF)
    assert json.loads(result.stdout)["issues"] == []


@pytest.mark.parametrize("typed", ["3026-03-12 10:00", "0026-03-12", dt.datetime(9999, 12, 31)])
def test_a_year_typo_is_an_issue_not_a_crash(typed: Any, home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Schedule", 5, "Start", typed)
    result = run_cli("validate", str(home.make(tabs)), "--format", "json", "--as-of", AS_OF)
    assert result.exit_code == 1, result.output
    issues = json.loads(result.stdout)["issues"]
    assert {(i["rule"], i["cell"]) for i in issues} == {("value.type", "F5")}
    assert "between 19" in issues[0]["message"]  # the years a date may fall in


def test_invisible_characters_pasted_around_names_still_match(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 3, "Department", "\u200bLighting\u200b")  # from a web page
    set_cell(tabs, "Budget", 2, "Vendor", "\ufeffBright Lights Hire")
    set_cell(tabs, "Schedule", 4, "Depends On", "S2\u2060")
    set_cell(tabs, "Schedule", 3, "Status", "Done\u200b")
    actual, rules = lighting_actual(run_cli, home.make(tabs))
    assert rules == set()
    assert actual == "3500.00"  # L-02 still counts for Lighting


@pytest.mark.parametrize(("date1904", "serial"), [(False, 46090), (True, 46090 - 1462)])
def test_a_serial_in_a_1904_workbook_counts_from_1904(
    date1904: bool, serial: int, run_cli: Any, tmp_path: Path
) -> None:
    """Old Mac Excel saved workbooks in the 1904 date system: the same day has a serial 1462
    lower there, and a bare serial in a date column must still mean that day."""
    tabs = clean_production()
    set_cell(tabs, "Schedule", 5, "Due", serial)  # 2026-03-09 in the workbook's own system
    path = write_workbook(tmp_path / "mac.xlsx", tabs, date1904=date1904)
    result = run_cli("validate", str(path), "--format", "json", "--as-of", AS_OF)
    overdue = [i for i in json.loads(result.stdout)["issues"] if i["rule"] == "schedule.overdue"]
    assert [(i["cell"], i["value"]) for i in overdue] == [("H5", "2026-03-09")]
    assert "9 Mar 2026" in overdue[0]["message"]


@pytest.mark.parametrize("error", ["#SPILL!", "#CALC!", "#PYTHON!"])
def test_newer_excel_errors_are_issues_on_their_cells(
    error: str, run_cli: Any, tmp_path: Path
) -> None:
    """One #SPILL! in a source tab is an issue on that cell, not an unreadable workbook."""
    path = write_workbook(tmp_path / "show.xlsx", clean_production())
    edit_part(
        path,
        "xl/worksheets/sheet3.xml",  # Budget; L-02's Actual is G3
        lambda xml: xml.replace(
            b'<c r="G3" t="n"><v>1500</v></c>',
            f'<c r="G3" t="e"><f>SEQUENCE(3)</f><v>{error}</v></c>'.encode(),
        ),
    )
    actual, _ = lighting_actual(run_cli, path)
    result = run_cli("validate", str(path), "--format", "json", "--as-of", AS_OF)
    assert result.exit_code == 1
    issues = json.loads(result.stdout)["issues"]
    assert [(i["rule"], i["cell"], i["value"]) for i in issues] == [("value.type", "G3", error)]
    assert f"formula error {error}" in issues[0]["message"]
    assert actual == "2000.00"  # L-02 left out, never read as 0


def test_merged_cells_mean_their_value_on_every_row_except_money(home: Any, run_cli: Any) -> None:
    """A Department merged down over two budget lines is each line's Department, as the sheet
    shows it; an Actual merged over two lines is one amount, counted once."""
    tabs = clean_production()
    set_cell(tabs, "Budget", 3, "Department", None)  # merged into B2 ("Lighting")
    set_cell(tabs, "Budget", 3, "Actual", None)  # merged into G2 (2000)
    set_cell(tabs, "Schedule", 4, "Space", None)  # merged into D3 ("Main Stage")
    path = home.make(tabs)
    home.merge(path, "Budget", (2, 2), (3, 2))
    home.merge(path, "Budget", (2, 7), (3, 7))
    home.merge(path, "Budget", (4, 10), (5, 10))  # Notes over two lines: nothing to fill
    home.merge(path, "Schedule", (3, 4), (4, 4))
    actual, rules = lighting_actual(run_cli, path)
    assert rules == set()
    assert actual == "2000.00"  # L-02 counts for Lighting, with its Actual blank (0)
    # S3 is in Main Stage too: moved onto S2's hours, it clashes
    set_cell(tabs, "Schedule", 4, "Start", dt.datetime(2026, 3, 3, 17))
    set_cell(tabs, "Schedule", 4, "End", dt.datetime(2026, 3, 3, 19))
    set_cell(tabs, "Schedule", 4, "Depends On", None)
    moved = home.make(tabs)
    home.merge(moved, "Schedule", (3, 4), (4, 4))
    assert space_conflicts(run_cli, moved) == {"D4"}


def test_a_budgeted_merged_over_two_lines_says_each_line_needs_its_own(
    home: Any, run_cli: Any
) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 3, "Budgeted", None)  # merged into F2 (L-01's Budgeted)
    path = home.make(tabs)
    home.merge(path, "Budget", (2, 6), (3, 6))
    result = run_cli("validate", path, "--format", "json", "--as-of", AS_OF)
    assert result.exit_code == 1
    [issue] = json.loads(result.stdout)["issues"]
    assert (issue["rule"], issue["cell"]) == ("value.required", "F3")
    assert issue["message"] == (
        "Budgeted is required, and this cell is part of the merged range F2:F3, whose amount "
        "counts for row 2 only; unmerge F2:F3 and type each line's own Budgeted."
    )


def test_a_blank_budgeted_that_is_not_merged_says_fill_it_in(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 3, "Budgeted", None)
    result = run_cli("validate", home.make(tabs), "--format", "json", "--as-of", AS_OF)
    [issue] = json.loads(result.stdout)["issues"]
    assert (issue["rule"], issue["cell"]) == ("value.required", "F3")
    assert issue["message"] == "Budgeted is required; fill in this cell."


def test_a_money_cell_formatted_as_a_percentage_is_not_cents(run_cli: Any, tmp_path: Path) -> None:
    """Typing 10% into a cell stores 0.1 with a percent format: that is not ten cents."""
    path = write_workbook(tmp_path / "show.xlsx", clean_production())
    book = openpyxl.load_workbook(path)
    book["Budget"]["G3"] = 0.1  # L-02's Actual, typed as 10%
    book["Budget"]["G3"].number_format = "0%"
    book["Budget"]["J3"] = 0.125  # a Notes cell keeps what it shows
    book["Budget"]["J3"].number_format = "0.0%"
    book["Budget"]["H3"].number_format = '0 "% paid"'  # a % in quotes is text: still money
    book.save(path)
    result = run_cli("report", str(path), "--format", "json", "--as-of", AS_OF)
    document = json.loads(result.stdout)
    assert [(i["rule"], i["cell"], i["value"]) for i in document["issues"]] == [
        ("value.type", "G3", "10%")
    ]
    assert "percentage" in document["issues"][0]["message"]
    lighting = document["budget"]["by_department"][0]
    assert (lighting["actual"], document["budget"]["lines_excluded"]) == ("2000.00", 1)
