"""What people look at (#13): the cost report's lines, words instead of rule codes, one column
order, and (on the written workbook, reopened from disk) formats, print settings, links,
conditional formats and the chart; on both backends where both have the feature."""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl

from prodsheets.backends.base import ChartSpec
from prodsheets.backends.xlsx import XlsxWorkbook
from prodsheets.summary import BUDGET_COLUMNS, line_columns
from prodsheets.testing import SheetsServer
from tests.workbooks import AS_OF, clean_production, d, set_cell

FIXTURES = Path(__file__).parent / "fixtures"
AS_OF_EARLIER = d("2026-03-05")
DEPARTMENT_HEADER = ["Department", *BUDGET_COLUMNS, "Allocation", "Unallocated"]


def troubled_production() -> dict[str, list[list[Any]]]:
    """Two lines over budget, one at risk, and Set over its Allocation."""
    tabs = clean_production()
    set_cell(tabs, "Budget", 3, "ETC", 5000)  # L-02: EFC 6,500.00 of 6,000.00
    set_cell(tabs, "Budget", 4, "ETC", 2700)  # S-01: EFC 3,700.50 of 4,000.00 (92.5%)
    set_cell(tabs, "Budget", 5, "ETC", 6000)  # T-01: EFC 13,000.25 of 12,000.00
    set_cell(tabs, "Departments", 4, "Allocation", 11000)  # Set budgets 12,000.00
    return tabs


def synced(home: Any, run_cli: Any) -> str:
    location = home.make(troubled_production())
    result = run_cli("sync", location, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    return str(location)


def sections(rows: list[list[Any]]) -> list[list[list[Any]]]:
    """A tab's tables, split at the blank rows between them (each starts with its header)."""
    found: list[list[list[Any]]] = [[]]
    for row in rows:
        if not any(v not in (None, "") for v in row):
            found.append([])
        else:
            found[-1].append(row)
    return [s for s in found if s]


# --- Budget Variance, on both backends -------------------------------------------------------


def test_budget_variance_lists_the_lines_in_trouble_largest_overrun_first(
    home: Any, run_cli: Any
) -> None:
    location = synced(home, run_cli)
    departments, categories, lines = sections(home.rows(location, "Budget Variance"))
    assert lines.pop(0) == ["Lines over budget or at risk, largest overrun first"]
    assert (
        lines[0]
        == list(line_columns())
        == [
            "Code",
            "Department",
            "Description",
            "Vendor",
            "Budgeted",
            "EFC",
            "Over/(Under)",
            "Over %",
            "Status",
        ]
    )
    shown = [(row[0], row[1], row[2], row[3], Decimal(str(row[6])), row[8]) for row in lines[1:]]
    assert shown == [
        ("T-01", "Set", "Lumber", "Timber Co", Decimal("1000.25"), "Over"),
        ("L-02", "Lighting", "Electricians", None, Decimal("500"), "Over"),
        ("S-01", "Sound", "Sound operator", None, Decimal("-299.5"), "At risk"),
    ]
    # one column order: every figure sits in the same column in the department and category
    # tables, and the department table says when a department is over its Allocation
    assert departments[0] == DEPARTMENT_HEADER
    assert categories[0][: len(BUDGET_COLUMNS) + 1] == ["By category", *BUDGET_COLUMNS]
    status = {row[0]: row[DEPARTMENT_HEADER.index("Status")] for row in departments[1:]}
    assert status == {
        "Lighting": "OK",
        "Sound": "At risk",
        "Set": "Over, over allocation",
        "Total": "At risk",  # 29,200.75 of 30,000.00
    }


def test_summary_tabs_speak_in_words_and_the_issues_tab_keeps_the_codes(
    home: Any, run_cli: Any
) -> None:
    tabs = troubled_production()
    set_cell(tabs, "Vendors", 2, "Insurance Expires", None)  # Bright Lights: Rentals money
    set_cell(tabs, "Schedule", 5, "Due", AS_OF_EARLIER)  # S4 overdue
    location = home.make(tabs)
    assert run_cli("sync", location, "--as-of", AS_OF).exit_code == 0
    vendors = home.rows(location, "Vendor Report")
    header = vendors[0]
    by_vendor = {row[0]: row + [None] * (len(header) - len(row)) for row in vendors[1:]}
    insurance = header.index("Insurance State")
    flags = header.index("Flags")
    assert by_vendor["Timber Co"][insurance] == "Not needed"  # no Rentals money
    assert by_vendor["Bright Lights Hire"][insurance] == "Missing"
    assert by_vendor["Bright Lights Hire"][flags] == "Rentals without insurance"
    schedule = home.rows(location, "Schedule Report")
    assert schedule[0][0] == "Problem"
    assert schedule[1][0] == "Overdue"
    codes = re.compile(r"\b(?:schedule|vendor|budget|value)\.[a-z_]+\b")
    for title in ("Summary", "Budget Variance", "Schedule Report", "Vendor Report"):
        assert not [v for row in home.rows(location, title) for v in row if codes.search(str(v))]
    rules = {row[1] for row in home.rows(location, "Issues")[1:]}
    assert {"vendor.insurance_missing", "schedule.overdue", "budget.over"} <= rules


def test_report_shows_the_figures_in_the_tabs_column_order(home: Any, run_cli: Any) -> None:
    location = home.make(troubled_production())
    result = run_cli("report", location, "--as-of", AS_OF)
    lines = result.output.splitlines()
    header = lines[lines.index("Budget by department") + 1].split()
    assert header[:3] == ["Department", "Budgeted", "Actual"]
    assert header.index("Status") < header.index("Allocation") < header.index("Unallocated")
    set_line = next(line for line in lines if line.startswith("Set "))
    assert "Over, over allocation" in set_line  # the Status the tab shows
    at = lines.index("Lines over budget or at risk")
    assert lines[at + 1].split()[:3] == ["Code", "Department", "Description"]
    assert [line.split()[0] for line in lines[at + 3 : at + 6]] == ["T-01", "L-02", "S-01"]
    markdown = run_cli("report", location, "--as-of", AS_OF, "--format", "markdown").output
    row = next(line for line in markdown.splitlines() if line.startswith("| Department"))
    assert [c.strip() for c in row.strip("|").split("|")] == DEPARTMENT_HEADER


# --- the local workbook, reopened from disk --------------------------------------------------


def test_xlsx_rows_in_trouble_are_marked_across_the_whole_row_and_by_a_rule(
    workbook: Any, run_cli: Any
) -> None:
    path = workbook(troubled_production())
    assert run_cli("sync", str(path), "--as-of", AS_OF).exit_code == 0
    sheet = openpyxl.load_workbook(path)["Budget Variance"]
    width = len(DEPARTMENT_HEADER)
    set_row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "Set")
    assert len(set_row) >= width
    assert {c.fill.fgColor.rgb for c in set_row[:width]} == {"FFFFC7CE"}  # every cell
    t01 = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "T-01")
    assert {c.fill.fgColor.rgb for c in t01[:width]} == {"FFFFC7CE"}
    rules = {
        str(ranges.sqref): [(r.type, r.formula, r.dxf.fill.fgColor.rgb) for r in found]
        for ranges, found in sheet.conditional_formatting._cf_rules.items()
    }
    set_at, t01_at = set_row[0].row, t01[0].row
    sound_at = next(r[0].row for r in sheet.iter_rows(min_row=2) if r[0].value == "Sound")
    over = next(k for k, v in rules.items() if v[0][2] == "FFFFC7CE")
    risk = next(k for k, v in rules.items() if v[0][2] == "FFFFEB9C")
    assert f"A{set_at}:L{set_at}" in over.split()
    assert f"A{t01_at}:L{t01_at + 1}" in over.split()  # T-01 and L-02, one run
    assert f"A{sound_at}:L{sound_at}" in risk.split()
    assert all(v == [("expression", ["TRUE"], v[0][2])] for v in rules.values())


def test_xlsx_summary_tabs_wrap_fit_and_print_one_page_wide(workbook: Any, run_cli: Any) -> None:
    path = workbook(troubled_production())
    assert run_cli("sync", str(path), "--as-of", AS_OF).exit_code == 0
    book = openpyxl.load_workbook(path)
    for title in ("Summary", "Budget Variance", "Schedule Report", "Vendor Report", "Issues"):
        sheet = book[title]
        assert sheet.page_setup.orientation == "landscape", title
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0), title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, title
        assert sheet.print_title_rows in ("1:1", "$1:$1"), title  # the header row repeats
        widths = [sheet.column_dimensions[c].width for c in "ABCDEFGH"[: sheet.max_column]]
        assert all(6 <= w <= 60 for w in widths), (title, widths)
    issues = book["Issues"]
    header = [c.value for c in issues[1]]
    message = header.index("Message") + 1
    assert issues.cell(row=2, column=message).alignment.wrap_text
    assert issues.column_dimensions["A"].width < 12  # "warning" fits; no 80-wide guess
    summary = book["Summary"]
    assert summary["A1"].value == "Metric" and summary.cell(row=2, column=1).alignment.wrap_text
    # a person's own formats are untouched: the source tabs get no print settings
    assert book["Budget"].page_setup.orientation != "landscape"


def test_xlsx_issue_cells_link_to_the_cell_and_stay_text(workbook: Any, run_cli: Any) -> None:
    path = workbook(troubled_production())
    assert run_cli("sync", str(path), "--as-of", AS_OF).exit_code == 0
    sheet = openpyxl.load_workbook(path)["Issues"]
    header = [c.value for c in sheet[1]]
    cell_col = header.index("Cell") + 1
    links = {}
    for row in range(2, sheet.max_row + 1):
        cell = sheet.cell(row=row, column=cell_col)
        assert cell.data_type == "s"  # text, never a formula
        if cell.hyperlink is not None:
            links[(sheet.cell(row=row, column=3).value, cell.value)] = cell.hyperlink.location
            assert cell.font.u == "single" and cell.font.color.rgb == "FF0563C1"  # looks a link
    assert links[("Budget", "F5")] == "Budget!F5"  # T-01 over budget
    assert all(
        location == (f"'{tab}'!{cell}" if " " in tab else f"{tab}!{cell}")
        for (tab, cell), location in links.items()
    )
    variance = openpyxl.load_workbook(path)["Budget Variance"]
    t01 = next(r for r in variance.iter_rows(min_row=2) if r[0].value == "T-01")
    assert t01[0].hyperlink is not None and t01[0].hyperlink.location == "Budget!A5"


def chart_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {
            n: archive.read(n)
            for n in archive.namelist()
            if n.startswith(("xl/charts/", "xl/drawings/"))
        }


def summary_chart(path: Path) -> bytes:
    """The chart part our Summary tab's drawing points to (through the tab's own rels)."""
    book = openpyxl.load_workbook(path)
    position = book.sheetnames.index("Summary")
    with zipfile.ZipFile(path) as archive:
        workbook_xml = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
        rel_id = re.findall(r'<sheet [^>]*r:id="([^"]+)"', workbook_xml)[position]
        target = re.search(rf'Id="{rel_id}"[^>]*Target="([^"]+)"', rels)
        target = target or re.search(rf'Target="([^"]+)"[^>]*Id="{rel_id}"', rels)
        assert target is not None
        sheet_part = "xl/" + target.group(1)
        folder, name = sheet_part.rsplit("/", 1)
        sheet_rels = archive.read(f"{folder}/_rels/{name}.rels").decode()
        drawing = re.search(r'Target="\.\./drawings/([^"]+)"', sheet_rels)
        assert drawing is not None and "<drawing r:id=" in archive.read(sheet_part).decode()
        drawing_rels = archive.read(f"xl/drawings/_rels/{drawing.group(1)}.rels").decode()
        chart = re.search(r'Target="\.\./charts/([^"]+)"', drawing_rels)
        assert chart is not None
        return archive.read(f"xl/charts/{chart.group(1)}")


def test_xlsx_summary_carries_an_owned_chart_of_efc_against_budgeted(
    workbook: Any, run_cli: Any
) -> None:
    path = workbook(troubled_production())
    assert run_cli("sync", str(path), "--as-of", AS_OF).exit_code == 0
    chart = summary_chart(path).decode()
    assert "<c:barChart>" in chart and '<c:barDir val="col"/>' in chart
    assert "EFC against Budgeted by department" in chart
    assert "<c:f>'Budget Variance'!$A$2:$A$4</c:f>" in chart  # the three departments
    assert "<c:f>'Budget Variance'!$B$1</c:f>" in chart  # Budgeted names its series
    assert "<c:f>'Budget Variance'!$F$2:$F$4</c:f>" in chart  # EFC
    assert "<c:v>13000.25</c:v>" in chart  # Set's EFC, cached
    before = chart_parts(path)
    assert run_cli("sync", str(path), "--as-of", AS_OF).exit_code == 0
    after = chart_parts(path)
    # replaced, not piled up: still one drawing and one chart
    assert len([n for n in after if n.endswith(".xml") and "_rels" not in n]) == 2
    assert len(before) == len(after)


def test_a_persons_own_chart_is_left_byte_for_byte(tmp_path: Path) -> None:
    """A workbook saved by Excel with a chart of its own (XlsxWriter's comparison file)."""
    from tests.xlsx_fixtures import summary_tables

    path = tmp_path / "theirs.xlsx"
    path.write_bytes((FIXTURES / "excel-chart_column01.xlsx").read_bytes())
    with zipfile.ZipFile(path) as archive:
        theirs = {n: archive.read(n) for n in archive.namelist()}
    summary, variance = summary_tables()
    chart = ChartSpec("EFC against Budgeted", variance.title, 0, (1, 2), (0, 3))
    tables = [replace(summary, chart=chart), variance]
    for _ in range(2):  # written, then replaced
        XlsxWorkbook(str(path)).write(tables)
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            for name in ("xl/charts/chart1.xml", "xl/drawings/drawing1.xml"):
                assert archive.read(name) == theirs[name]
            for name in ("xl/worksheets/sheet1.xml", "xl/worksheets/_rels/sheet1.xml.rels"):
                assert archive.read(name) == theirs[name]
            ours = [n for n in names if n.startswith("xl/charts/") and n != "xl/charts/chart1.xml"]
            assert len(ours) == 1
            types = archive.read("[Content_Types].xml").decode()
            assert f"/{ours[0]}" in types and "/xl/charts/chart1.xml" in types


# --- Google, through gspread against the local Sheets server ---------------------------------


def test_google_gets_the_chart_links_wrapping_and_status_rules(
    sheets_server: SheetsServer, tmp_path: Path, run_cli: Any
) -> None:
    from tests.backends import GoogleHome

    home = GoogleHome(tmp_path, sheets_server)
    location = home.make(troubled_production())
    assert run_cli("sync", location, "--as-of", AS_OF).exit_code == 0
    spreadsheet = sheets_server.spreadsheet(location.removeprefix("gsheets:"))
    by_title = {s.title: s for s in spreadsheet.sheets}
    [chart] = by_title["Summary"].charts
    spec = chart["spec"]
    assert spec["title"] == "EFC against Budgeted by department"
    [budgeted, efc] = spec["basicChart"]["series"]
    [source] = efc["series"]["sourceRange"]["sources"]
    assert budgeted["series"]["sourceRange"]["sources"][0]["startColumnIndex"] == 1
    assert source["sheetId"] == by_title["Budget Variance"].sheet_id
    assert (source["startColumnIndex"], source["startRowIndex"], source["endRowIndex"]) == (5, 0, 4)
    issues = by_title["Issues"]
    budget_gid = by_title["Budget"].sheet_id
    links = [
        cell["userEnteredFormat"]["textFormat"]["link"]["uri"]
        for (row, col), cell in sorted(issues.cells.items())
        if col == 3 and "link" in cell.get("userEnteredFormat", {}).get("textFormat", {})
    ]
    assert f"#gid={budget_gid}&range=F5" in links
    values = [cell["userEnteredValue"] for (r, c), cell in issues.cells.items() if c == 3 and r]
    assert all("stringValue" in v for v in values)  # the address stays text
    message = [
        cell
        for (row, col), cell in issues.cells.items()
        if col == 7 and row == 1 and "userEnteredFormat" in cell
    ]
    assert message and message[0]["userEnteredFormat"]["wrapStrategy"] == "WRAP"
    rules = by_title["Budget Variance"].conditional_formats
    ranges = [(g["startRowIndex"], g["endColumnIndex"]) for rule in rules for g in rule["ranges"]]
    assert all(end == len(DEPARTMENT_HEADER) for _, end in ranges)  # across the whole row
    assert json.dumps(rules).count("=TRUE") == 2


# The orders the DrawingML chart schema (ECMA-376 Part 1, dml-chart.xsd) sets for the elements
# Excel reads strictly: a chart whose children are out of order is "unreadable content".
SCHEMA_ORDER = {
    "chartSpace": ["date1904", "lang", "roundedCorners", "AlternateContent", "style",
                   "clrMapOvr", "pivotSource", "protection", "chart", "spPr", "txPr",
                   "externalData", "printSettings", "userShapes", "extLst"],
    "chart": ["title", "autoTitleDeleted", "pivotFmts", "view3D", "floor", "sideWall",
              "backWall", "plotArea", "legend", "plotVisOnly", "dispBlanksAs",
              "showDLblsOverMax", "extLst"],
    "barChart": ["barDir", "grouping", "varyColors", "ser", "dLbls", "gapWidth", "overlap",
                 "serLines", "axId", "extLst"],
    "ser": ["idx", "order", "tx", "spPr", "invertIfNegative", "pictureOptions", "dPt",
            "dLbls", "trendline", "errBars", "cat", "val", "shape", "extLst"],
    "catAx": ["axId", "scaling", "delete", "axPos", "majorGridlines", "minorGridlines",
              "title", "numFmt", "majorTickMark", "minorTickMark", "tickLblPos", "spPr",
              "txPr", "crossAx", "crosses", "crossesAt", "auto", "lblAlgn", "lblOffset",
              "tickLblSkip", "tickMarkSkip", "noMultiLvlLbl", "extLst"],
    "valAx": ["axId", "scaling", "delete", "axPos", "majorGridlines", "minorGridlines",
              "title", "numFmt", "majorTickMark", "minorTickMark", "tickLblPos", "spPr",
              "txPr", "crossAx", "crosses", "crossesAt", "crossBetween", "majorUnit",
              "minorUnit", "dispUnits", "extLst"],
}  # fmt: skip


def schema_violations(xml: bytes) -> list[str]:
    """Elements whose children break SCHEMA_ORDER (names without their namespace)."""
    from xml.etree import ElementTree

    found = []
    for element in ElementTree.fromstring(xml).iter():
        name = element.tag.rsplit("}", 1)[-1]
        order = SCHEMA_ORDER.get(name)
        if order is None:
            continue
        children = [child.tag.rsplit("}", 1)[-1] for child in element]
        positions = [order.index(c) if c in order else -1 for c in children]
        if -1 in positions or positions != sorted(positions):
            found.append(f"{name}: {children}")
    return found


def test_our_chart_follows_the_schema_order_excel_saves_in(workbook: Any, run_cli: Any) -> None:
    with zipfile.ZipFile(FIXTURES / "excel-chart_column01.xlsx") as archive:
        excel = archive.read("xl/charts/chart1.xml")
    assert schema_violations(excel) == []  # Excel's own chart agrees with the orders above
    path = workbook(troubled_production())
    assert run_cli("sync", str(path), "--as-of", AS_OF).exit_code == 0
    ours = summary_chart(path)
    assert schema_violations(ours) == []
    assert b"<c:barChart>" in ours and b"<c:ser>" in ours
