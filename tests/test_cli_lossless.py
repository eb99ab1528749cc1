"""A real production workbook, saved by LibreOffice with everything a team adds to it, goes
through ten syncs: every part of the file that is not ours stays byte for byte as it was, and
LibreOffice still opens it with the summary tabs readable."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from tests.workbooks import AS_OF, SUMMARY_TABS, clean_production, write_workbook
from tests.xlsx_fixtures import BOOKKEEPING, SOFFICE, PngImage, convert, entries, tiny_png

pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")


def team_workbook(path: Path) -> None:
    """The clean production, plus what a team adds: an image, a chart, a comment, conditional
    formats, a dropdown, a defined name, a hidden tab, a tab of their own and formulas."""
    write_workbook(path, clean_production())
    book = openpyxl.load_workbook(path)
    budget = book["Budget"]
    budget["F3"] = "=3000*2"  # L-02's Budgeted, 6000, as a formula
    budget["L1"] = "Check"
    budget["L2"] = "=F2-G2"
    budget["A2"].comment = Comment("Quote from Bright Lights, 3 Feb", "PM")
    budget.conditional_formatting.add(
        "F2:F5",
        CellIsRule(  # type: ignore[no-untyped-call]
            operator="greaterThan", formula=["10000"], fill=PatternFill("solid", fgColor="FFC7CE")
        ),
    )
    dropdown = DataValidation(type="list", formula1="=Departments!$A$2:$A$10")
    dropdown.add("B2:B200")
    budget.add_data_validation(dropdown)
    chart = BarChart()
    chart.add_data(Reference(budget, min_col=6, min_row=1, max_row=5), titles_from_data=True)
    budget.add_chart(chart, "N2")  # type: ignore[call-arg]
    budget.add_image(PngImage(tiny_png(), 2, 2), "N20")
    book.defined_names["Budgeted"] = DefinedName("Budgeted", attr_text="Budget!$F$2:$F$5")
    hidden = book.create_sheet("Rates")
    hidden.append(["Crew day rate", 350])
    hidden.sheet_state = "hidden"
    notes = book.create_sheet("Producer notes")
    notes.append(["Opening night party at the Harbour Inn"])
    book.save(path)


def test_ten_syncs_keep_everything_the_team_made(tmp_path: Path, run_cli: Any) -> None:
    profile = tmp_path / "libreoffice-profile"
    made = tmp_path / "made" / "show.xlsx"
    made.parent.mkdir()
    team_workbook(made)
    path = convert([made], tmp_path / "saved", "xlsx", profile)[0]  # as LibreOffice saves it
    original = entries(path)
    assert any(name.startswith("xl/media/") for name in original)
    assert any(name.startswith("xl/charts/") for name in original)

    for round_number in range(10):
        result = run_cli("sync", str(path), "--as-of", AS_OF)
        assert result.exit_code == 0, result.output  # the formula's cached 6000 is read
        now = entries(path)
        for name, data in original.items():
            if name not in BOOKKEEPING:
                assert now[name] == data, f"{name} changed in sync {round_number + 1}"

    book = openpyxl.load_workbook(path)
    assert book.sheetnames[-len(SUMMARY_TABS) :] == SUMMARY_TABS
    assert book["Rates"].sheet_state == "hidden"
    assert "Budgeted" in book.defined_names

    out = tmp_path / "shown"
    all_tabs = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
    convert([path], out, all_tabs, profile)
    with open(out / "show-Budget Variance.csv", encoding="utf-8", newline="") as handle:
        variance = list(csv.reader(handle))
    lighting = next(row for row in variance if row[0] == "Lighting")
    assert lighting[variance[0].index("Budgeted")] == "14,000.00"
    with open(out / "show-Producer notes.csv", encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle))[0] == "Opening night party at the Harbour Inn"
