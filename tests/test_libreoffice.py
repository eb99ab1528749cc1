"""LibreOffice as the judge: what we write opens in a real spreadsheet program, and what a
real spreadsheet program saved survives our writes."""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from prodsheets import history
from prodsheets.backends import xlsx_package as pkg
from prodsheets.backends.base import Format, RowStyle, SummaryColumn, SummaryTable
from prodsheets.backends.xlsx import XlsxWorkbook
from prodsheets.cli import cli
from prodsheets.errors import NotOwnedError
from tests.xlsx_fixtures import (
    BOOKKEEPING,
    SOFFICE,
    build_rich_workbook,
    convert,
    edit_part,
    entries,
    layout_tabs,
    summary_tables,
)

pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")

# Every sheet to its own CSV, cells as LibreOffice shows them (number formats applied).
ALL_SHEETS_AS_SHOWN = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private LibreOffice profile, so a stale or parallel one never blocks the run."""
    return tmp_path_factory.mktemp("libreoffice-profile")


def shown(folder: Path, stem: str, tab: str) -> list[list[str]]:
    with open(folder / f"{stem}-{tab}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_libreoffice_opens_what_init_and_sync_write(tmp_path: Path, profile: Path) -> None:
    laid_out = tmp_path / "init.xlsx"
    XlsxWorkbook(str(laid_out), create=True).lay_out(layout_tabs(), force=False)

    synced = tmp_path / "synced.xlsx"
    build_rich_workbook(synced)
    tables = summary_tables()
    tables.append(
        SummaryTable(
            "Schedule Report",
            (
                SummaryColumn("Item"),
                SummaryColumn("Due", Format.DATE),
                SummaryColumn("Start", Format.DATETIME),
                SummaryColumn("Over/(Under)", Format.MONEY),
            ),
            [("S1", dt.date(2026, 3, 5), dt.datetime(2026, 3, 1, 9, 30), Decimal("-250.00"))],
            styles={0: RowStyle.OVER},
        )
    )
    XlsxWorkbook(str(synced)).write(tables)

    out = tmp_path / "csv"
    convert([laid_out, synced], out, ALL_SHEETS_AS_SHOWN, profile)
    assert shown(out, "init", "Departments")[:3] == [
        ["Department", "Head", "Allocation"],
        ["Set", "Ana", "5,000.00"],
        ["Lighting", "=Bo", ""],
    ]
    assert shown(out, "init", "Schedule")[1] == [
        "S1",
        "Set",
        "2026-03-01 09:00",
        "2026-03-05",
        "Planned",
    ]
    for tab in ("Budget", "Departments", "Rates", "Notes"):
        assert (out / f"synced-{tab}.csv").exists(), tab
    assert shown(out, "synced", "Summary") == [
        ["Metric", "Value"],
        ["Vendor", '=IMPORTXML("http://x","//a")'],
        ["Errors", "3"],
    ]
    variance = shown(out, "synced", "Budget Variance")
    assert variance[0] == ["Department", "Budgeted", "EFC", "Over %", "Lines"]
    assert variance[1] == ["Dept 0", "1,000.25", "900.00", "-12.5%", "0"]
    assert variance[-1] == ["Total", "12,345.67", "13,000.00", "5.3%", "3"]
    assert shown(out, "synced", "Schedule Report")[1] == [
        "S1",
        "2026-03-05",
        "2026-03-01 09:30",
        "(250.00)",
    ]

    # LibreOffice understood the layout's dropdowns (it writes them back when it saves;
    # headless conversion drops view settings such as the frozen header, so not those)
    resaved = convert([laid_out], tmp_path / "resaved", "xlsx", profile)[0]
    schedule = openpyxl.load_workbook(resaved)["Schedule"]
    formulas = sorted(str(v.formula1) for v in schedule.data_validations.dataValidation)
    assert formulas == ['"Planned,Confirmed,Done"', "Departments!$A$2:$A$500"]


def test_a_workbook_saved_by_libreoffice_survives_ten_writes(tmp_path: Path, profile: Path) -> None:
    made = tmp_path / "made" / "show.xlsx"
    made.parent.mkdir()
    build_rich_workbook(made)
    path = convert([made], tmp_path, "xlsx", profile)[0]  # LibreOffice wrote this file
    original = entries(path)
    assert any(n.startswith("xl/media/") for n in original)
    assert any(n.startswith("xl/charts/") for n in original)

    book = XlsxWorkbook(str(path))
    contents = book.read(["Budget", "Departments"])
    budget = contents.tabs["Budget"].rows
    assert budget[1][:6] == ["B1", "Set", 100, 10, 200, "#DIV/0!"]  # cached results
    assert budget[1][7] == 1500  # =SUM(C2:C6)
    assert contents.tabs["Departments"].rows[2] == ["Lighting", "Bo", "Ana"]  # =B2

    owned_parts: set[str] = set()
    for round_number in range(10):
        book.read(["Budget"])
        book.write(summary_tables(round_number + 1))
        now = entries(path)
        owned_parts |= {n for n in now if n not in original}
        for name, data in original.items():
            if name not in BOOKKEEPING:
                assert now[name] == data, f"{name} changed in write {round_number + 1}"
    assert len(owned_parts) == 2  # the two summary tabs, replaced in place every time
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None

    contents = XlsxWorkbook(str(path)).read(["Budget Variance"])
    assert contents.titles == [
        "Budget",
        "Departments",
        "Rates",
        "Notes",
        "Summary",
        "Budget Variance",
    ]
    assert contents.owned == {"Summary", "Budget Variance"}
    assert len(contents.tabs["Budget Variance"].rows) == 1 + 10 + 2

    out = tmp_path / "final"
    convert([path], out, ALL_SHEETS_AS_SHOWN, profile)
    assert shown(out, "show", "Budget Variance")[10] == [
        "Dept 9",
        "1,009.25",
        "918.00",
        "-12.5%",
        "9",
    ]
    assert shown(out, "show", "Budget")[1][:6] == ["B1", "Set", "100", "10", "200", "#DIV/0!"]
    assert shown(out, "show", "Notes")[1][:2] == ["second line", "42"]
    resaved = convert([path], tmp_path / "resaved", "xlsx", profile)[0]
    again = entries(resaved)
    assert any(n.startswith("xl/media/") for n in again)  # the image is still there
    assert any(n.startswith("xl/charts/") for n in again)  # and the chart
    assert any(n.startswith("xl/comments") for n in again)  # and the comment


def test_a_tab_a_person_put_where_ours_was_stays_theirs_after_libreoffice_saves(
    tmp_path: Path, profile: Path
) -> None:
    made = tmp_path / "made" / "show.xlsx"
    made.parent.mkdir()
    build_rich_workbook(made)
    before_sync = set(entries(made))
    XlsxWorkbook(str(made)).write(summary_tables())
    summary_part = min(n for n in set(entries(made)) - before_sync if "worksheets/" in n)
    # A person deletes our Summary and inserts a tab of their own by that name in its place:
    # Excel gives it a new sheetId (99); LibreOffice, saving, numbers the tabs by position.
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    edit_part(
        made,
        "xl/workbook.xml",
        lambda xml: xml.replace(b'name="Summary" sheetId="5"', b'name="Summary" sheetId="99"'),
    )
    edit_part(
        made,
        summary_part,
        lambda _: (
            f'<worksheet xmlns="{main}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is>'
            '<t>Metric</t></is></c><c r="B1" t="inlineStr"><is><t>Guesses</t></is></c>'
            "</row></sheetData></worksheet>"
        ).encode(),
    )
    path = convert([made], tmp_path / "saved", "xlsx", profile)[0]
    assert b'name="Summary" sheetId="5"' in entries(path)["xl/workbook.xml"]
    before = path.read_bytes()
    with pytest.raises(NotOwnedError, match='"Summary"'):
        XlsxWorkbook(str(path)).write(summary_tables())
    assert path.read_bytes() == before
    assert XlsxWorkbook(str(path)).read([]).owned == {"Budget Variance"}


def test_a_synced_workbook_libreoffice_saved_keeps_its_tabs_and_history(
    tmp_path: Path, profile: Path
) -> None:
    """LibreOffice saves every text as a shared string: the header rows that prove our tabs
    ours are read through them, so the History goes on and a changed header still says no."""
    made = tmp_path / "made" / "show.xlsx"
    made.parent.mkdir()
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(made), "--example"]).exit_code == 0
    assert runner.invoke(cli, ["sync", str(made), "--as-of", "2026-03-01"]).exit_code == 0
    ours = XlsxWorkbook(str(made)).read([]).owned
    assert {"Summary", "Issues", "History"} <= ours
    path = convert([made], tmp_path / "saved", "xlsx", profile)[0]
    saved = entries(path)
    package = pkg.Package.open(path.read_bytes(), name=str(path))
    history_tab = pkg.read_structure(package, name=str(path)).sheet("History")
    assert history_tab is not None
    history_part = history_tab.part
    assert re.search(rb'<c r="A1"[^>]*t="s"', saved[history_part])  # a shared string
    assert b"inlineStr" not in b"".join(d for n, d in saved.items() if "worksheets/" in n)

    # a person retitles the History's first column: that tab is no longer ours
    retitled = tmp_path / "retitled.xlsx"
    retitled.write_bytes(path.read_bytes())
    edit_part(
        retitled,
        history_part,
        lambda xml: re.sub(rb'(<c r="A1"[^>]*t="s"[^>]*><v>)(\d+)', _another_string, xml),
    )
    assert XlsxWorkbook(str(retitled)).read([]).owned == ours - {"History"}

    assert XlsxWorkbook(str(path)).read([]).owned == ours
    result = runner.invoke(cli, ["sync", str(path), "--as-of", "2026-03-02"])
    assert result.exit_code == 0, result.output
    contents = XlsxWorkbook(str(path)).read(["History"])
    assert contents.owned == ours
    log = history.read_log(contents.tabs["History"].rows)
    assert [s.as_of for s in log.syncs] == [dt.date(2026, 3, 1), dt.date(2026, 3, 2)]
    assert not log.damaged


def _another_string(cell: re.Match[bytes]) -> bytes:
    """The same cell, showing the shared string after the one it showed."""
    return cell[1] + str(int(cell[2]) + 1).encode()
