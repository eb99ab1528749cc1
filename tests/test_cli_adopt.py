"""A workbook a production office already keeps: laid out by hand, adopted as it is (#8).

The office's own workbook has titles above its headers, its own tab names and money headers,
department subtotals and a TOTAL row of SUM formulas (saved with their results, as Excel saves
them), extra look-alike columns, placeholders and deadlines. prodsheets must find exactly its
real problems, at the rows the sheet shows, and figures exact to the cent.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.conftest import found, issues_of
from tests.office import Formula, write_office_workbook
from tests.workbooks import AS_OF, SOURCE_TABS, clean_production, d, set_cell

FIXTURES = Path(__file__).parent / "fixtures" / "excel"
LAID_OUT = [*SOURCE_TABS, "Crew", "Equipment"]  # init lays out the optional tabs too

# The parts that list a workbook's tabs and styles: adding a tab adds entries to them.
INDEX_PARTS = {
    "[Content_Types].xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "docProps/app.xml",
}


def office_tabs() -> dict[str, list[list[Any]]]:
    """The office's workbook: what each row holds is said beside it."""
    return {
        "Crew & Depts": [
            ["SPRING TOUR 2026 - DEPARTMENTS"],
            [],
            ["Department", "Head", "Email", "Allocation"],
            ["Lighting", "Ana Ruiz", "ana@example.org", 20000],
            ["Sound", "Ben Cole", "ben@example.org", 10000],
            ["Set", "Cy Dow", "cy@example.org", 30000],
            ["Total", None, None, Formula("SUM(D4:D6)", 60000)],  # right
        ],
        "Rehearsals": [
            ["Rehearsal schedule v3"],
            [
                "ID",
                "Task",
                "Dept",
                "Room",
                "Who",
                "Start",
                "End",
                "Due",
                "Status",
                "Notes",
                "Comments (internal)",
            ],
            [
                "S1",
                "Load-in",
                "Set",
                "Main Stage",
                "Cy Dow",
                d("2026-03-02 08:00"),
                d("2026-03-02 17:00"),
                None,
                "Done",
                None,
                "ok",
            ],
            [
                "S2",
                "Focus",
                "Lighting",
                "Main Stage",
                "Ana Ruiz",
                d("2026-03-12 09:00"),
                d("2026-03-12 18:00"),
                None,
                "Planned",
            ],
            [
                "S3",
                "Sound check",
                "Sound",
                "Main Stage",
                "Ben Cole",
                "TBC",
                "tbc",
                None,
                "Planned",
            ],  # not known yet: unscheduled
            [
                "S4",
                "Lighting plot",
                "Lighting",
                None,
                "Ana Ruiz",
                None,
                None,
                dt.date(2026, 3, 20),
                "Planned",
            ],  # a deadline
            [
                "S5",
                "Band call",
                "Sound",
                "Main Stage",
                "Ben Cole",
                d("2026-03-12 17:00"),
                d("2026-03-12 20:00"),
                None,
                "Planned",
            ],  # clashes with S2
        ],
        "Budget 2026": [
            ["SPRING TOUR - COST REPORT (GBP)"],
            [
                "Code",
                "Dept",
                "Category",
                "Description",
                "Supplier",
                "Estimate",
                "Amount Spent",
                "PO Amount",
                "ETC",
                "Notes",
                "Comments (internal)",
            ],
            [
                "L-01",
                "Lighting",
                "Rentals",
                "Movers",
                "Bright Lights Hire",
                8000,
                2500.5,
                3000,
                "TBD",
            ],  # row 3
            ["L-02", "Lighting", "Labour", "Electricians", None, 6000, 1500, 0, 2500],
            [
                None,
                "Lighting Subtotal",
                None,
                None,
                None,
                Formula("SUM(F3:F4)", 14000),
                Formula("SUM(G3:G4)", 4000.5),
                Formula("SUM(H3:H4)", 3000),
                Formula("SUM(I3:I4)", 2500),
            ],  # row 5, right
            ["S-01", "Sound", "Labour", "Operator", None, 4000, 1000.5, "TBC", 1500],
            ["S-02", "Sound", "Rentals", "Desk", "Bright Lights Hire", 2500, "$200", 500, 0],
            [
                None,
                "Sound Subtotal",
                None,
                None,
                None,
                Formula("SUM(F6:F6)", 4000),
                Formula("SUM(G6:G7)", 1000.5),
                Formula("SUM(H6:H7)", 500),
                Formula("SUM(I6:I7)", 1500),
            ],  # row 8: F's range misses row 7
            ["T-01", "Set", "Materials", "Lumber", "Timber Co", 12000, 5000.25, 2000, 1000],
            [
                None,
                "Set Subtotal",
                None,
                None,
                None,
                Formula("SUM(F9:F9)", 12000),
                Formula("SUM(G9:G9)", 5000.25),
                Formula("SUM(H9:H9)", 2000),
                Formula("SUM(I9:I9)", 1000),
            ],  # row 10
            [
                "TOTAL",
                None,
                None,
                None,
                None,
                Formula("F5+F8+F10", 30000),
                Formula("G5+G8+G10", 10001.25),
                Formula("H5+H8+H10", 5500),
                Formula("I5+I8+I10", 5000),
            ],  # row 11: F inherits row 8's gap
        ],
        "Suppliers": [
            ["Vendor", "Service", "Contract", "Contract End", "Insurance Expires"],
            [
                "Bright Lights Hire",
                "Lighting",
                "Signed",
                dt.date(2026, 12, 31),
                dt.date(2026, 12, 31),
            ],
            ["Timber Co", "Lumber", "Signed", dt.date(2026, 12, 31), None],
        ],
    }


TABS = """
[tabs]
Departments = "Crew & Depts"
Schedule = "Rehearsals"
Budget = "Budget 2026"
Vendors = "Suppliers"
"""
MAPPING = """
[columns.Budget]
Actual = "Amount Spent"
Committed = "PO Amount"
"""
REAL_PROBLEMS = {
    ("schedule.space_conflict", "D7"),
    ("value.placeholder", "F5"),
    ("value.placeholder", "G5"),
    ("value.placeholder", "I3"),
    ("value.placeholder", "H6"),
    ("value.currency", "G7"),
    ("budget.sheet_total", "F8"),
    ("budget.sheet_total", "F11"),
}


def office(tmp_path: Path, settings: str) -> tuple[Path, Path]:
    folder = tmp_path / "office"
    folder.mkdir()
    workbook = write_office_workbook(folder / "Spring tour.xlsx", office_tabs())
    config = folder / "prodsheets.toml"
    config.write_text(f'workbook = "Spring tour.xlsx"\n{settings}', encoding="utf-8")
    return workbook, config


def test_a_hand_laid_workbook_gives_exactly_its_real_problems(run_cli: Any, tmp_path: Path) -> None:
    _, config = office(tmp_path, 'currency = "GBP"\n' + TABS + MAPPING)
    result = run_cli("validate", "--config", str(config), "--format", "json", "--as-of", AS_OF)
    assert result.exit_code == 1, result.output
    assert found(result) == REAL_PROBLEMS
    by_cell = {i["cell"]: i for i in issues_of(result) if i["tab"] == "Budget 2026"}
    assert "£4,000.00" in by_cell["F8"]["message"] and "£6,500.00" in by_cell["F8"]["message"]
    assert "£2,500.00 less" in by_cell["F8"]["message"]
    assert by_cell["F8"]["row"] == 8 and by_cell["F8"]["column"] == "Estimate"


def test_the_hand_laid_workbook_syncs_with_department_figures_to_the_cent(
    run_cli: Any, tmp_path: Path
) -> None:
    workbook, config = office(tmp_path, 'currency = "GBP"\n' + TABS + MAPPING)
    result = run_cli("sync", "--config", str(config), "--as-of", AS_OF)
    assert result.exit_code == 1, result.output  # the clash and the $ amount are errors
    book = openpyxl.load_workbook(workbook)
    sheet = book["Budget Variance"]
    header = [c.value for c in sheet[1]]
    money = ("Allocation", "Budgeted", "Actual", "Committed", "ETC", "EFC")
    rows: dict[Any, tuple[Any, ...]] = {}
    for row in sheet.iter_rows(min_row=2, values_only=True):  # by department first
        rows.setdefault(row[0], tuple(row[header.index(m)] for m in money))
    assert rows["Lighting"] == (20000, 14000, 4000.5, 3000, 2500, 9500.5)
    assert rows["Sound"] == (10000, 4000, 1000.5, 0, 1500, 2500.5)  # S-02 left out
    assert rows["Set"] == (30000, 12000, 5000.25, 2000, 1000, 8000.25)
    assert rows["Total"] == (60000, 30000, 10001.25, 5000, 5000, 20001.25)
    assert "£" in sheet.cell(row=2, column=header.index("Budgeted") + 1).number_format
    summary = {r[0]: r[1] for r in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Currency"] == "GBP"
    assert summary["Budget lines left out of the figures"] == 1
    assert "Not checked: dependency checks" in summary
    report = [r for r in book["Schedule Report"].iter_rows(values_only=True) if r[0] or r[2]]
    assert ("Unscheduled", None, "Cell", "Item", "Task", "Why") in report
    assert any(r[2:5] == ("F5", "S3", "Sound check") for r in report)


def test_without_the_mapping_the_missing_columns_are_said_never_silent(
    run_cli: Any, tmp_path: Path
) -> None:
    _, config = office(tmp_path, 'currency = "GBP"\n' + TABS)
    result = run_cli("validate", "--config", str(config), "--format", "json", "--as-of", AS_OF)
    missing = [i for i in issues_of(result) if i["rule"] == "header.missing"]
    assert [(i["severity"], i["column"]) for i in missing] == [
        ("warning", "Actual"),
        ("warning", "Committed"),
    ]
    assert "Did you mean 'Amount Spent'? Map it under [columns.Budget]" in missing[0]["message"]
    assert "Did you mean 'PO Amount'?" in missing[1]["message"]
    assert "count Actual as 0" in missing[0]["message"]


def test_a_mapping_naming_what_is_not_there_is_a_configuration_problem(
    run_cli: Any, tmp_path: Path
) -> None:
    _, config = office(tmp_path, TABS + '\n[columns.Budget]\nSpent = "Amount Spent"\n')
    result = run_cli("validate", "--config", str(config))
    assert result.exit_code == 2
    assert "'Spent'" in result.output and "'Amount Spent'" in result.output
    config.write_text(
        f'workbook = "Spring tour.xlsx"\n{TABS}\n[columns.Budget]\nActual = "Paid to Date"\n',
        encoding="utf-8",
    )
    result = run_cli("validate", "--config", str(config))
    assert result.exit_code == 2
    assert "Actual" in result.output and "'Paid to Date'" in result.output
    assert "Budget 2026" in result.output


def test_adopt_prints_a_config_that_validate_accepts_and_says_what_it_left(
    run_cli: Any, tmp_path: Path
) -> None:
    workbook = write_office_workbook(tmp_path / "Spring tour.xlsx", office_tabs())
    printed = run_cli("adopt", str(workbook))
    assert printed.exit_code == 0, printed.output
    text = printed.stdout
    assert 'Budget = "Budget 2026"' in text and 'Vendors = "Suppliers"' in text
    assert 'Schedule = "Rehearsals"' in text and 'Departments = "Crew & Depts"' in text
    assert 'Actual = "Amount Spent"' in text and 'Committed = "PO Amount"' in text
    assert "Budget = 2" in text and "Departments = 3" in text  # [header_row]
    assert "'Comments (internal)'" in text  # could not place it, and says why
    assert not (tmp_path / "prodsheets.toml").exists()

    saved = run_cli("adopt", str(workbook), "--write")
    assert saved.exit_code == 0, saved.output
    config = tmp_path / "prodsheets.toml"
    assert config.read_text(encoding="utf-8") == saved.stdout
    before = workbook.read_bytes()
    result = run_cli("validate", "--config", str(config), "--format", "json", "--as-of", AS_OF)
    assert result.exit_code == 1, result.output  # real problems, not a configuration one
    assert REAL_PROBLEMS - {("value.currency", "G7")} <= found(result)
    assert workbook.read_bytes() == before

    again = run_cli("adopt", str(workbook), "--write")
    assert again.exit_code == 2 and "never writes over it" in again.output
    assert config.read_text(encoding="utf-8") == saved.stdout


def test_adopt_says_what_it_could_not_place(run_cli: Any, tmp_path: Path) -> None:
    workbook = write_office_workbook(
        tmp_path / "odd.xlsx",
        {"Costs": [["Code", "Department", "Budgeted", "Paid?"], ["B1", "Set", 10, "yes"]]},
    )
    text = run_cli("adopt", str(workbook)).stdout
    assert "# - Schedule: no tab looks like it" in text
    assert "no header looks like Description, which is required" in text
    assert 'Budget = "Costs"' in text


# --- init adds, never replaces ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["chart_bar01.xlsx", "comment01.xlsx", "image01.xlsx", "table01.xlsx", "macro01.xlsm"],
)
def test_init_on_an_excel_saved_workbook_keeps_every_part(
    name: str, run_cli: Any, tmp_path: Path
) -> None:
    path = tmp_path / name
    shutil.copy(FIXTURES / name, path)
    before = _entries(path)
    result = run_cli("init", str(path))
    assert result.exit_code == 0, result.output
    after = _entries(path)
    for part, data in before.items():
        if part in INDEX_PARTS:
            assert part in after, part
        else:
            assert after[part] == data, part  # byte for byte
    workbook_xml = after["xl/workbook.xml"].decode()
    assert 'name="Sheet1"' in workbook_xml
    titles = openpyxl.load_workbook(path, read_only=True).sheetnames
    assert titles == ["Sheet1", *LAID_OUT]

    laid = path.read_bytes()
    for flags in ([], ["--force"]):
        again = run_cli("init", str(path), *flags)
        assert again.exit_code == 0, again.output
        assert "Left as they are (already there): Departments, Schedule, Budget, Vendors" in (
            again.output
        )
        assert path.read_bytes() == laid
    synced = run_cli("sync", str(path))
    assert synced.exit_code == 0, synced.output
    kept = _entries(path)  # sync also records its tabs as ours: the package's own rels
    assert all(kept[p] == d for p, d in before.items() if p not in {*INDEX_PARTS, "_rels/.rels"})


def test_init_on_a_workbook_with_some_tabs_adds_only_the_others(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    del tabs["Vendors"], tabs["Schedule"]
    location = home.make(tabs)
    budget = home.rows(location, "Budget")
    result = run_cli("init", location)
    assert result.exit_code == 0, result.output
    assert "Laid out Schedule, Vendors, Crew, Equipment" in result.output
    assert "Left as they are (already there): Departments, Budget." in result.output
    assert home.titles(location) == [
        "Departments",
        "Budget",
        "Schedule",
        "Vendors",
        "Crew",
        "Equipment",
    ]
    assert home.rows(location, "Budget") == budget
    before = home.snapshot(location)
    assert run_cli("init", location, "--force").exit_code == 0
    assert home.snapshot(location) == before


def _entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# --- each rule through the CLI, on both backends --------------------------------------------


def validate(run_cli: Any, location: str) -> Any:
    return run_cli("validate", location, "--format", "json", "--as-of", AS_OF)


def lighting(run_cli: Any, location: str) -> dict[str, Any]:
    report = run_cli("report", location, "--format", "json", "--as-of", AS_OF)
    rows = json.loads(report.stdout)["budget"]["by_department"]
    return next(r for r in rows if r["department"] == "Lighting")


@pytest.mark.parametrize("typed", ["TBD", " tbc ", "N/A", "n/a", "-", "\u2014", "?", "T B A"])
def test_a_money_placeholder_counts_as_0_and_keeps_the_line(
    typed: str, home: Any, run_cli: Any
) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 3, "Actual", typed)
    location = home.make(tabs)
    assert found(validate(run_cli, location)) == {("value.placeholder", "G3")}
    assert validate(run_cli, location).exit_code == 0  # a warning: the nightly run passes
    figures = lighting(run_cli, location)
    assert (figures["budgeted"], figures["actual"]) == ("14000.00", "2000.00")  # L-02 kept


def test_no_placeholder_no_warning(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 3, "Actual", "0")
    assert found(validate(run_cli, home.make(tabs))) == set()


def test_a_start_placeholder_leaves_the_item_unscheduled(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Schedule", 5, "Start", "TBC")  # S4, which depends on S3
    set_cell(tabs, "Schedule", 5, "End", "tbc")
    result = validate(run_cli, home.make(tabs))
    assert found(result) == {("value.placeholder", "F5"), ("value.placeholder", "G5")}
    assert result.exit_code == 0


def test_a_due_date_without_start_or_end_is_a_deadline(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    for header in ("Start", "End"):
        set_cell(tabs, "Schedule", 5, header, None)
    set_cell(tabs, "Schedule", 5, "Due", d("2026-03-20"))
    assert found(validate(run_cli, home.make(tabs))) == set()
    set_cell(tabs, "Schedule", 5, "Due", None)
    assert found(validate(run_cli, home.make(tabs))) == {
        ("value.required", "F5"),
        ("value.required", "G5"),
    }


def test_money_in_another_currency_is_an_error_and_left_out(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 3, "Actual", "$1,500.00")
    location = home.make(tabs)
    home.settings('currency = "GBP"\n')
    result = validate(run_cli, location)
    assert found(result) == {("value.currency", "G3")}
    assert "GBP" in issues_of(result)[0]["message"]
    assert lighting(run_cli, location)["budgeted"] == "8000.00"  # L-02 left out


def test_money_in_the_productions_currency_is_read(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 3, "Actual", "£1,500.00")
    location = home.make(tabs)
    home.settings('currency = "GBP"\n')
    assert found(validate(run_cli, location)) == set()
    assert lighting(run_cli, location)["actual"] == "3500.00"


def test_without_a_setting_the_currency_most_cells_show_wins(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 2, "Actual", "£2,000.00")
    set_cell(tabs, "Budget", 3, "Actual", "£1,500.00")
    set_cell(tabs, "Budget", 4, "Actual", "1200 USD")
    assert found(validate(run_cli, home.make(tabs))) == {("value.currency", "G4")}


def test_a_date_readable_only_the_other_way_round_is_read_with_a_warning(
    home: Any, run_cli: Any
) -> None:
    tabs = clean_production()
    set_cell(tabs, "Schedule", 5, "Start", "13/03/2026 10:00")  # MDY workbook
    set_cell(tabs, "Schedule", 5, "End", "03/13/2026 22:00")
    result = validate(run_cli, home.make(tabs))
    assert found(result) == {("value.date_order", "F5")}
    assert 'date_order = "DMY"' in issues_of(result)[0]["message"]
    assert "13 March 2026" in issues_of(result)[0]["message"]


def test_a_date_without_a_year_asks_for_the_year(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Schedule", 5, "Due", "March 20")
    result = validate(run_cli, home.make(tabs))
    assert found(result) == {("value.type", "H5")}
    assert "no year" in issues_of(result)[0]["message"]


def budget_with_totals(lighting_total: Any, grand_total: Any) -> dict[str, list[list[Any]]]:
    tabs = clean_production()
    rows = tabs["Budget"]
    blank: list[Any] = [None] * len(rows[0])
    subtotal = list(blank)
    subtotal[1], subtotal[5], subtotal[6] = "Lighting Subtotal", lighting_total, 3500
    grand = list(blank)
    grand[0], grand[5] = "Grand Total", grand_total
    tabs["Budget"] = [*rows[:3], subtotal, *rows[3:], grand]
    return tabs


def test_a_total_row_that_misses_a_line_is_a_warning(home: Any, run_cli: Any) -> None:
    result = validate(run_cli, home.make(budget_with_totals(8000, 30000)))
    assert found(result) == {("budget.sheet_total", "F4")}
    message = issues_of(result)[0]["message"]
    assert "$8,000.00" in message and "$14,000.00" in message


def test_total_rows_that_add_up_are_not_lines_and_say_nothing(home: Any, run_cli: Any) -> None:
    location = home.make(budget_with_totals(14000, 30000))
    assert found(validate(run_cli, location)) == set()
    report = run_cli("report", location, "--format", "json", "--as-of", AS_OF)
    assert json.loads(report.stdout)["budget"]["by_department"][-1]["budgeted"] == "30000.00"


def test_a_missing_figure_column_is_a_warning_naming_a_look_alike(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    tabs["Budget"][0][7] = "Order Value (PO)"
    result = validate(run_cli, home.make(tabs))
    [missing] = issues_of(result)
    assert (missing["rule"], missing["severity"], missing["column"]) == (
        "header.missing",
        "warning",
        "Committed",
    )
    assert "Did you mean 'Order Value (PO)'?" in missing["message"]
    home.settings('[columns.Budget]\nCommitted = "Order Value (PO)"\n')
    assert found(validate(run_cli, home.make(tabs))) == set()


def test_a_weaker_match_is_an_extra_column(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    for row, value in zip(tabs["Budget"], ["Comments (internal)", "x", "y", "z", "w"], strict=True):
        row.append(value)
    assert found(validate(run_cli, home.make(tabs))) == set()


def test_header_row_setting_and_tab_suggestion(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    tabs["Budget 2026"] = [["Costs"], ["Code", "Budgeted"], *tabs.pop("Budget")]
    result = validate(run_cli, home.make(tabs))
    [missing] = [i for i in issues_of(result) if i["rule"] == "tab.missing"]
    assert "'Budget 2026'" in missing["message"] and 'Budget = "Budget 2026"' in missing["message"]
    home.settings('[tabs]\nBudget = "Budget 2026"\n[header_row]\nBudget = 3\n')
    result = validate(run_cli, home.make(tabs))
    assert (result.exit_code, found(result)) == (0, set())


# --- paths ----------------------------------------------------------------------------------


def test_paths_in_a_config_are_taken_from_its_folder(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    show = tmp_path / "show"
    show.mkdir()
    write_office_workbook(show / "show.xlsx", {k: v for k, v in clean_production().items()})
    (show / "prodsheets.toml").write_text('workbook = "show.xlsx"\n', encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = run_cli("validate", "--config", str(show / "prodsheets.toml"), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output


def test_a_workbook_named_with_a_tilde_is_a_file(run_cli: Any, tmp_path: Path) -> None:
    write_office_workbook(tmp_path / "~draft.xlsx", clean_production())
    result = run_cli("validate", "~draft.xlsx", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    missing = run_cli("validate", "~nothing.xlsx")
    assert missing.exit_code == 2 and "~nothing.xlsx does not exist" in missing.output


def test_summary_tabs_show_the_currency_in_their_money_formats(home: Any, run_cli: Any) -> None:
    location = home.make(clean_production())
    home.settings('currency = "GBP"\n')
    assert run_cli("sync", location, "--as-of", AS_OF).exit_code == 0
    summary = {r[0]: r[1] for r in home.rows(location, "Summary")[1:]}
    assert summary["Currency"] == "GBP"
    assert _money_format(home, location) == '"£"#,##0.00;("£"#,##0.00)'


def test_without_a_known_currency_formats_stay_as_they_were(home: Any, run_cli: Any) -> None:
    location = home.make(clean_production())
    assert run_cli("sync", location, "--as-of", AS_OF).exit_code == 0
    assert "Currency" not in {r[0] for r in home.rows(location, "Summary")}
    assert _money_format(home, location) == "#,##0.00;(#,##0.00)"


def _money_format(home: Any, location: str) -> str:
    """The number format of Lighting's Budgeted in Budget Variance."""
    header = home.rows(location, "Budget Variance")[0]
    col = header.index("Budgeted")
    if home.name == "xlsx":
        sheet = openpyxl.load_workbook(location)["Budget Variance"]
        return str(sheet.cell(row=2, column=col + 1).number_format)
    sheet = home.server.spreadsheet(location.removeprefix("gsheets:")).sheet_by_title(
        "Budget Variance"
    )
    return str(sheet.cells[(1, col)]["userEnteredFormat"]["numberFormat"]["pattern"])


def test_adopt_on_both_backends(home: Any, run_cli: Any, tmp_path: Path) -> None:
    tabs = {
        "Budget 2026": [
            ["Spring tour costs"],
            ["Code", "Dept", "Description", "Estimate", "Amount Spent", "PO Amount"],
            ["L-01", "Lighting", "Movers", 8000, "£2,500.50", 3000],
            ["L-02", "Lighting", "Crew", 6000, "£1,500", 0],
            ["TOTAL", None, None, 14000, 4000.5, 3000],
        ],
        "Depts": [["Department", "Allocation"], ["Lighting", 20000]],
    }
    location = home.make(tabs)
    printed = run_cli("adopt", location)
    assert printed.exit_code == 0, printed.output
    text = printed.stdout
    assert 'Budget = "Budget 2026"' in text and 'Departments = "Depts"' in text
    assert 'Actual = "Amount Spent"' in text and 'Committed = "PO Amount"' in text
    assert 'currency = "GBP"' in text and "Budget = 2" in text
    assert "# - Schedule: no tab looks like it" in text
    config = tmp_path / "adopted.toml"
    config.write_text(text, encoding="utf-8")
    result = run_cli("validate", "--config", str(config), "--format", "json", "--as-of", AS_OF)
    assert result.exit_code == 1, result.output  # the missing tabs: not a configuration problem
    assert {i["rule"] for i in issues_of(result)} == {"tab.missing", "header.missing"}
    report = run_cli("report", "--config", str(config), "--format", "json", "--as-of", AS_OF)
    lighting = json.loads(report.stdout)["budget"]["by_department"][0]
    assert (lighting["actual"], lighting["committed"]) == ("4000.50", "3000.00")


def test_messages_name_the_productions_currency(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 3, "ETC", 5000)  # L-02 over budget
    location = home.make(tabs)
    home.settings('currency = "GBP"\n')
    [over] = issues_of(validate(run_cli, location))
    assert over["rule"] == "budget.over"
    assert "EFC £6,500.00 is £500.00 over the £6,000.00 budgeted" in over["message"]


@pytest.mark.parametrize("name", ["chart_bar01.xlsx", "macro01.xlsm"])
def test_adopt_on_an_excel_saved_workbook(name: str, run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / name
    shutil.copy(FIXTURES / name, path)
    text = run_cli("adopt", str(path)).stdout
    assert "# - Budget: no tab looks like it" in text
    assert "# - tab 'Sheet1' is not one of the source tabs: left as it is." in text
    assert run_cli("init", str(path)).exit_code == 0
    saved = run_cli("adopt", str(path), "--write")
    assert saved.exit_code == 0, saved.output
    result = run_cli("validate", "--config", str(tmp_path / "prodsheets.toml"), "--strict")
    assert result.exit_code == 0, result.output
