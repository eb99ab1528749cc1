"""The local .xlsx backend: reading raw cells, writing summary tabs without losing anything."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import re
import signal
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from prodsheets.backends import xlsx_package as pkg
from prodsheets.backends.base import (
    CellProblem,
    Format,
    RowStyle,
    SummaryColumn,
    SummaryTable,
)
from prodsheets.backends.xlsx import XlsxWorkbook, range_reference
from prodsheets.backends.xlsx_package import MINIMAL_STYLES
from prodsheets.errors import (
    NotOwnedError,
    WorkbookChanged,
    WorkbookError,
    WorkbookLocked,
)
from tests.xlsx_fixtures import (
    BOOKKEEPING,
    build_rich_workbook,
    edit_part,
    entries,
    layout_tabs,
    raw_xlsx,
    summary_tables,
)

# ... and _rels/.rels, when the file had no custom properties yet
MAY_CHANGE = BOOKKEEPING | {"_rels/.rels"}


def source_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Budget"
    sheet.append(["Code", "Budgeted", "When", "Done", "Note"])
    sheet.append(["B1", 12.5, dt.date(2026, 3, 4), True, "  spaced  "])
    sheet.append(["B2", 3, dt.datetime(2026, 3, 4, 10, 30), False])
    sheet.append([])
    sheet.append(["B4", None, None, None, "after a blank row"])
    notes = book.create_sheet("Notes")
    notes["C3"] = "not at A1"
    book.save(path)
    return path


# ------------------------------------------------------------------------------------- read


def test_read_gives_titles_and_raw_cells_of_selected_tabs(tmp_path: Path) -> None:
    path = source_workbook(tmp_path / "show.xlsx")
    contents = XlsxWorkbook(str(path)).read(["budget"])  # matched ignoring case
    assert contents.titles == ["Budget", "Notes"]
    assert contents.owned == frozenset()
    assert list(contents.tabs) == ["Budget"]
    rows = contents.tabs["Budget"].rows
    assert rows[0] == ["Code", "Budgeted", "When", "Done", "Note"]
    assert rows[1] == ["B1", 12.5, dt.date(2026, 3, 4), True, "  spaced  "]
    assert rows[2][:4] == ["B2", 3, dt.datetime(2026, 3, 4, 10, 30), False]
    assert rows[2][4] in (None, "")  # an empty cell (calamine gives "")
    assert all(v in (None, "") for v in rows[3])
    assert rows[4][4] == "after a blank row"


def test_rows_line_up_with_spreadsheet_rows_when_a1_is_empty(tmp_path: Path) -> None:
    path = source_workbook(tmp_path / "show.xlsx")
    rows = XlsxWorkbook(str(path)).read(["Notes"]).tabs["Notes"].rows
    assert rows[2][2] == "not at A1"


def test_formula_results_errors_and_missing_results(tmp_path: Path) -> None:
    path = tmp_path / "formulas.xlsx"
    raw_xlsx(
        path,
        {
            "Budget": (
                '<row r="1"><c r="A1" t="inlineStr"><is><t>Code</t></is></c>'
                '<c r="B1" t="inlineStr"><is><t>Budgeted</t></is></c></row>'
                '<row r="2"><c r="A2"><f>1+1</f><v>2</v></c>'  # cached: the value shown
                '<c r="B2" t="e"><f>A2/0</f><v>#DIV/0!</v></c>'
                '<c r="C2" t="e"><v>#REF!</v></c>'
                '<c r="D2" t="str"><f>"a"&amp;"b"</f><v>ab</v></c></row>'
                '<row r="3"><c r="A3"><f>SUM(A1:A2)</f></c>'  # never calculated
                '<c r="B3"><f t="shared" ref="B3:B4" si="0">A3*2</f><v></v></c></row>'
                '<row r="4"><c r="B4"><f t="shared" si="0"/></c>'
                '<c r="E4" t="e"><v>#N/A</v></c></row>'
            )
        },
    )
    rows = XlsxWorkbook(str(path)).read().tabs["Budget"].rows
    assert rows[1][0] == 2
    assert rows[1][1] == "#DIV/0!"
    assert rows[1][2] == "#REF!"
    assert rows[1][3] == "ab"
    problem = rows[2][0]
    assert isinstance(problem, CellProblem)
    assert problem.shown == "=SUM(A1:A2)"
    assert "no saved result" in problem.reason and "LibreOffice" in problem.reason
    assert rows[2][1] == CellProblem("=A3*2", problem.reason)
    assert rows[3][1] == CellProblem("=A4*2", problem.reason)  # shared formula, moved
    assert rows[3][4] == "#N/A"


def test_errors_and_formulas_in_a_sheet_written_with_a_namespace_prefix(tmp_path: Path) -> None:
    """Some programs (the Open XML SDK) write <x:c> cells in an <x:worksheet>: their errors
    and formulas without a result are read all the same, not taken for blank cells."""
    path = tmp_path / "prefixed.xlsx"
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="{pkg.MAIN_NS}">'
        '<x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Code</x:t></x:is></x:c>'
        '<x:c r="B1" t="inlineStr"><x:is><x:t>Budgeted</x:t></x:is></x:c></x:row>'
        '<x:row r="2"><x:c r="A2" t="e"><x:f>1/0</x:f><x:v>#DIV/0!</x:v></x:c>'
        '<x:c r="B2"><x:f>A2+1</x:f></x:c></x:row></x:sheetData></x:worksheet>'
    )
    raw_xlsx(path, {"Budget": ""}, extra={"xl/worksheets/sheet1.xml": sheet})
    rows = XlsxWorkbook(str(path)).read().tabs["Budget"].rows
    assert rows[0] == ["Code", "Budgeted"]
    assert rows[1] == ["#DIV/0!", CellProblem("=A2+1", pkg.NO_RESULT)]


@pytest.mark.parametrize("error", ["#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!", "#PYTHON!"])
def test_error_values_newer_than_the_reader_knows(error: str, tmp_path: Path) -> None:
    """Excel 365's newer errors (a dynamic array that cannot spill, ...) are read as the error
    the cell shows, with or without the formula: not a workbook that cannot be read."""
    path = tmp_path / "spill.xlsx"
    raw_xlsx(
        path,
        {
            "Budget": (
                '<row r="1"><c r="A1" t="inlineStr"><is><t>Code</t></is></c>'
                f'<c r="B1" t="e"><v>{error}</v></c>'  # pasted as a value
                '<c r="C1" s="0" t="e"/></row>'  # an error cell without a value
                '<row r="2"><c r="A2"><v>7</v></c>'
                f'<c r="B2" t="e"><f>SEQUENCE(3)</f><v>{error}</v></c>'
                '<c r="C2" t="e"><v>#REF!</v></c>'
                '<c r="D2" t="inlineStr"><is><t>after</t></is></c></row>'
            )
        },
    )
    rows = XlsxWorkbook(str(path)).read().tabs["Budget"].rows
    assert rows[0][:2] == ["Code", error]
    assert rows[1][:4] == [7, error, "#REF!", "after"]


@pytest.mark.parametrize(
    ("code", "percent"),
    [
        ("0%", True),
        ("0.0%", True),
        ("[Red]0.00%;(0.00%)", True),
        ('0 "% paid"', False),  # a % in quotes is text
        ("0\\%", False),  # so is an escaped one
        ("#,##0.00", False),
    ],
)
def test_which_number_formats_show_a_percentage(code: str, percent: bool) -> None:
    assert pkg.shows_percent(code) is percent


def test_formulas_saved_by_openpyxl_have_no_result(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Total", "=1+2"])
    sheet["F9"] = "=SUM(A1:A2)"  # outside the range of cells with values
    book.save(tmp_path / "f.xlsx")
    rows = XlsxWorkbook(str(tmp_path / "f.xlsx")).read().tabs["Sheet"].rows
    assert isinstance(rows[0][1], CellProblem) and rows[0][1].shown == "=1+2"
    assert isinstance(rows[8][5], CellProblem) and rows[8][5].shown == "=SUM(A1:A2)"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"Code,Budgeted\nB1,10\n", "not an Excel workbook"),
        (b"", "empty"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"),
            "password",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".xls"),
        (b"PK\x03\x04broken zip", "not an Excel workbook"),
    ],
)
def test_files_that_are_not_workbooks_say_so(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "show.xlsx"
    path.write_bytes(content)
    with pytest.raises(WorkbookError) as caught:
        XlsxWorkbook(str(path)).read()
    message = str(caught.value)
    assert words in message and "show.xlsx" in message
    assert message.count(". ") == 0 or message.endswith(".")


def test_a_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "show.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(WorkbookError, match="not an Excel workbook"):
        XlsxWorkbook(str(path)).read()


def test_a_damaged_sheet_part_is_named(tmp_path: Path) -> None:
    """Bytes damaged inside a tab's zip entry are a plain sentence naming the part, not an
    unexpected problem."""
    path = tmp_path / "show.xlsx"
    rows = "".join(
        f'<row r="{n}"><c r="A{n}"><v>{n * 7919 % 10007}</v></c></row>' for n in range(1, 5000)
    )
    raw_xlsx(path, {"Budget": rows})
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    data[middle : middle + 16] = bytes(b ^ 0x5A for b in data[middle : middle + 16])
    path.write_bytes(data)
    damaged = re.escape("Part xl/worksheets/sheet1.xml of the workbook is damaged")
    with pytest.raises(WorkbookError, match=damaged):
        XlsxWorkbook(str(path)).read()


def test_strict_open_xml_is_refused_rather_than_misread_or_damaged(tmp_path: Path) -> None:
    path = source_workbook(tmp_path / "show.xlsx")
    strict = {
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main": (
            b"http://purl.oclc.org/ooxml/spreadsheetml/main"
        ),
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships": (
            b"http://purl.oclc.org/ooxml/officeDocument/relationships"
        ),
    }

    def to_strict(xml: bytes) -> bytes:
        for transitional, iso in strict.items():
            xml = xml.replace(transitional, iso)
        return xml

    for part in entries(path):
        if part.endswith((".xml", ".rels")):
            edit_part(path, part, to_strict)
    before = path.read_bytes()
    with pytest.raises(WorkbookError, match=r"Strict Open XML.*save it as an ordinary"):
        XlsxWorkbook(str(path)).read()  # not an empty Budget tab full of header.missing
    with pytest.raises(WorkbookError, match="Strict Open XML"):
        XlsxWorkbook(str(path)).write(summary_tables())  # not a second styles.xml
    assert path.read_bytes() == before


# ------------------------------------------------------------------------------------ write


def test_write_adds_summary_tabs_with_values_and_formats(tmp_path: Path) -> None:
    path = source_workbook(tmp_path / "show.xlsx")
    book = XlsxWorkbook(str(path))
    book.read([])
    book.write(summary_tables())

    contents = XlsxWorkbook(str(path)).read()
    assert contents.titles == ["Budget", "Notes", "Summary", "Budget Variance"]
    assert contents.owned == {"Summary", "Budget Variance"}
    summary = contents.tabs["Summary"].rows
    assert summary[0] == ["Metric", "Value"]
    assert summary[1] == ["Vendor", '=IMPORTXML("http://x","//a")']  # text, not a formula
    variance = contents.tabs["Budget Variance"].rows
    assert variance[1] == ["Dept 0", 1000.25, 900, -0.125, 0]
    assert variance[-1] == ["Total", 12345.67, 13000, 0.053, 3]

    opened = openpyxl.load_workbook(path)
    sheet = opened["Budget Variance"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b and sheet["E1"].font.b
    assert sheet["B2"].number_format == "#,##0.00;(#,##0.00)"
    assert sheet["D2"].number_format == "0.0%"
    assert sheet["B2"].fill.fgColor.rgb == "FFFFC7CE"  # over budget: red
    assert sheet["E3"].fill.fgColor.rgb == "FFFFEB9C"  # at risk: amber
    assert sheet["A5"].font.b and sheet["A6"].font.b  # section and total rows
    assert not sheet["A4"].font.b
    assert sheet.column_dimensions["A"].width == 18
    assert opened["Summary"]["B2"].data_type == "s"


def test_values_of_every_kind(tmp_path: Path) -> None:
    path = source_workbook(tmp_path / "show.xlsx")
    table = SummaryTable(
        title="Issues",
        columns=(
            SummaryColumn("Text"),
            SummaryColumn("Date", Format.DATE),
            SummaryColumn("At", Format.DATETIME),
            SummaryColumn("Days", Format.NUMBER),
        ),
        rows=[
            ("a & <b> \"c\" 'd'", dt.date(2026, 3, 4), dt.datetime(2026, 3, 4, 18, 45), None),
            ("bad\x00\x07chars\ufffe kept", None, None, Decimal("2.5")),
            ("_x0041_ stays literal", dt.date(2026, 1, 1), None, Decimal("-1")),
            ("  leading and trailing  ", None, None, None),
            ("x" * 40000, None, None, None),
            ("", None, None, "\x00"),  # blanks, not cells holding ""
        ],
        row_formats={1: (Format.TEXT, Format.TEXT, Format.TEXT, Format.MONEY)},
    )
    XlsxWorkbook(str(path)).write([table])
    rows = XlsxWorkbook(str(path)).read(["Issues"]).tabs["Issues"].rows
    assert rows[1][:3] == [
        "a & <b> \"c\" 'd'",
        dt.date(2026, 3, 4),
        dt.datetime(2026, 3, 4, 18, 45),
    ]
    assert rows[2][0] == "badchars kept" and rows[2][3] == 2.5
    assert rows[4][0] == "  leading and trailing  "
    assert len(str(rows[5][0])) == 32767  # Excel's most per cell
    assert rows[3][0] == "_x0041_ stays literal"  # as Excel, LibreOffice and calamine read it
    opened = openpyxl.load_workbook(path)["Issues"]
    assert opened["D3"].number_format == "#,##0.00;(#,##0.00)"  # the row's own format
    assert opened["B2"].number_format == "yyyy-mm-dd"
    assert opened["C2"].number_format == "yyyy-mm-dd hh:mm"
    assert opened["A7"].value is None and opened["D7"].value is None


def test_repeated_writes_replace_in_place_and_keep_everything_else(tmp_path: Path) -> None:
    path = tmp_path / "rich.xlsx"
    build_rich_workbook(path)
    book = XlsxWorkbook(str(path))
    book.read()
    book.write(summary_tables())
    first = entries(path)
    for lines in (5, 1, 7):
        book.read(["Budget"])
        book.write(summary_tables(lines))
    after = entries(path)
    assert set(after) == set(first)  # no new parts: the tabs were replaced in place
    assert after["xl/styles.xml"] == first["xl/styles.xml"]  # styles reused, not appended
    assert after["xl/workbook.xml"] == first["xl/workbook.xml"]
    owned_parts = {"xl/worksheets/sheet5.xml", "xl/worksheets/sheet6.xml"}
    for name, data in first.items():
        if name not in owned_parts and name != "docProps/custom.xml":
            assert after[name] == data, name
    contents = XlsxWorkbook(str(path)).read(["Budget Variance"])
    assert len(contents.tabs["Budget Variance"].rows) == 1 + 7 + 2
    assert contents.titles[-2:] == ["Summary", "Budget Variance"]


def test_other_parts_are_copied_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "rich.xlsx"
    build_rich_workbook(path)
    before = entries(path)
    with zipfile.ZipFile(path) as archive:
        raw_before = {i.filename: (i.CRC, i.compress_size) for i in archive.infolist()}
    XlsxWorkbook(str(path)).write(summary_tables())
    after = entries(path)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        raw_after = {i.filename: (i.CRC, i.compress_size) for i in archive.infolist()}
    for name, data in before.items():
        if name not in MAY_CHANGE:
            assert after[name] == data, name
            assert raw_after[name] == raw_before[name], name  # compressed bytes copied as-is
    opened = openpyxl.load_workbook(path)
    assert opened.sheetnames == [
        "Budget",
        "Departments",
        "Rates",
        "Notes",
        "Summary",
        "Budget Variance",
    ]
    assert opened["Rates"].sheet_state == "hidden"
    assert "Allocations" in opened.defined_names
    assert opened["Budget"]["A2"].comment is not None


def test_new_relationship_ids_avoid_those_of_external_links(tmp_path: Path) -> None:
    path = source_workbook(tmp_path / "show.xlsx")
    external = (
        b'<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/hyperlink" Target="https://example.com/" TargetMode="External"/>'
    )
    edit_part(
        path,
        "xl/_rels/workbook.xml.rels",
        lambda xml: xml.replace(b"</Relationships>", external + b"</Relationships>"),
    )
    XlsxWorkbook(str(path)).write(summary_tables())
    rels = entries(path)["xl/_rels/workbook.xml.rels"].decode()
    ids = re.findall(r'\bId="([^"]*)"', rels)
    assert len(ids) == len(set(ids)) == 7
    assert openpyxl.load_workbook(path).sheetnames[-2:] == ["Summary", "Budget Variance"]


def test_defined_names_local_to_a_tab_keep_pointing_at_it(tmp_path: Path) -> None:
    path = source_workbook(tmp_path / "show.xlsx")
    book = openpyxl.load_workbook(path)
    from openpyxl.workbook.defined_name import DefinedName

    book["Notes"].defined_names.add(DefinedName("Local", attr_text="Notes!$C$3"))
    book.save(path)
    XlsxWorkbook(str(path)).write(summary_tables())
    opened = openpyxl.load_workbook(path)
    assert "Local" in opened["Notes"].defined_names
    assert opened.sheetnames[:2] == ["Budget", "Notes"]


def test_a_tab_of_that_name_made_by_a_person_is_not_overwritten(tmp_path: Path) -> None:
    path = source_workbook(tmp_path / "show.xlsx")
    book = openpyxl.load_workbook(path)
    book.create_sheet("summary")["A1"] = "my own notes"  # same name, other case
    book.save(path)
    before = path.read_bytes()
    with pytest.raises(NotOwnedError) as caught:
        XlsxWorkbook(str(path)).write(summary_tables())
    assert '"summary"' in str(caught.value) and "rename or delete" in str(caught.value)
    assert path.read_bytes() == before


def test_a_renamed_tab_of_ours_is_not_taken_for_ours(tmp_path: Path) -> None:
    path = source_workbook(tmp_path / "show.xlsx")
    XlsxWorkbook(str(path)).write(summary_tables())
    # a person renames our Summary tab to "Old summary", then adds their own "Summary"
    edit_part(
        path, "xl/workbook.xml", lambda x: x.replace(b'name="Summary"', b'name="Old summary"')
    )
    contents = XlsxWorkbook(str(path)).read()
    assert contents.owned == {"Budget Variance"}
    XlsxWorkbook(str(path)).write(summary_tables())
    contents = XlsxWorkbook(str(path)).read()
    assert contents.titles == ["Budget", "Notes", "Old summary", "Budget Variance", "Summary"]
    assert contents.owned == {"Budget Variance", "Summary"}
    assert contents.tabs["Old summary"].rows[1][0] == "Vendor"  # left as it was


def test_renumbered_sheets_stay_ours_by_their_header(tmp_path: Path) -> None:
    path = source_workbook(tmp_path / "show.xlsx")
    XlsxWorkbook(str(path)).write(summary_tables())
    # another program renumbers sheetIds when it saves
    edit_part(path, "xl/workbook.xml", lambda x: x.replace(b'sheetId="3"', b'sheetId="9"'))
    assert XlsxWorkbook(str(path)).read().owned == {"Summary", "Budget Variance"}


def test_a_tab_made_where_ours_was_is_not_ours_after_a_renumbering_save(tmp_path: Path) -> None:
    path = source_workbook(tmp_path / "show.xlsx")
    XlsxWorkbook(str(path)).write(summary_tables())
    # a person renames our Summary and puts a tab of their own called Summary in its place;
    # the program they save with (openpyxl here, LibreOffice alike) numbers sheets by position,
    # so their tab gets the sheetId ours had
    book = openpyxl.load_workbook(path)
    book["Summary"].title = "Summary (old)"
    mine = book.create_sheet("Summary", index=2)
    mine["A1"] = "Metric"  # even a first header cell like ours
    mine["B1"] = "My notes"
    book.save(path)
    assert b'name="Summary" sheetId="3"' in entries(path)["xl/workbook.xml"]
    before = path.read_bytes()
    assert XlsxWorkbook(str(path)).read([]).owned == {"Budget Variance"}
    with pytest.raises(NotOwnedError, match='"Summary"'):
        XlsxWorkbook(str(path)).write(summary_tables())
    assert path.read_bytes() == before


def test_our_tab_with_a_column_added_or_moved_stays_ours(tmp_path: Path) -> None:
    path = source_workbook(tmp_path / "show.xlsx")
    XlsxWorkbook(str(path)).write(summary_tables())
    book = openpyxl.load_workbook(path)
    book.move_sheet("Budget Variance", offset=-3)  # renumbers every sheet
    book["Summary"]["D1"] = "Checked by"
    book.save(path)
    assert XlsxWorkbook(str(path)).read([]).owned == {"Summary", "Budget Variance"}


def test_changed_on_disk_between_read_and_write(tmp_path: Path) -> None:
    path = source_workbook(tmp_path / "show.xlsx")
    book = XlsxWorkbook(str(path))
    book.read(["Budget"])
    other = openpyxl.load_workbook(path)
    other["Budget"]["A9"] = "typed meanwhile"
    other.save(path)
    before = path.read_bytes()
    with pytest.raises(WorkbookChanged, match="Run the command again"):
        book.write(summary_tables())
    assert path.read_bytes() == before


def test_same_size_and_time_but_other_bytes_is_a_change(tmp_path: Path) -> None:
    path = source_workbook(tmp_path / "show.xlsx")
    book = XlsxWorkbook(str(path))
    book.read([])
    info = path.stat()
    data = bytearray(path.read_bytes())
    data[-30] ^= 1  # same size
    path.write_bytes(bytes(data))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    with pytest.raises(WorkbookChanged):
        book.write(summary_tables())


@pytest.mark.parametrize(
    ("lock", "program"), [("~$show.xlsx", "Excel"), (".~lock.show.xlsx#", "LibreOffice")]
)
def test_lock_file_means_open_elsewhere(tmp_path: Path, lock: str, program: str) -> None:
    path = source_workbook(tmp_path / "show.xlsx")
    (tmp_path / lock).write_text("someone")
    before = path.read_bytes()
    with pytest.raises(WorkbookLocked) as caught:
        XlsxWorkbook(str(path)).write(summary_tables())
    assert program in str(caught.value) and "--force" in str(caught.value)
    assert path.read_bytes() == before
    XlsxWorkbook(str(path), ignore_locks=True).write(summary_tables())
    assert "Summary" in XlsxWorkbook(str(path)).read([]).titles


def test_permissions_kept_and_stale_temp_files_cleaned(tmp_path: Path) -> None:
    path = source_workbook(tmp_path / "show.xlsx")
    path.chmod(0o640)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".prodsheets-tmp-show.xlsx-{dead.pid}-0123abcd"
    stale.write_bytes(b"half a workbook")
    XlsxWorkbook(str(path)).write(summary_tables())
    assert (path.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["show.xlsx"]


def test_macro_workbook_keeps_its_macros(tmp_path: Path) -> None:
    path = tmp_path / "show.xlsm"
    source_workbook(tmp_path / "plain.xlsx")
    vba = os.urandom(3000)
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as source, zipfile.ZipFile(path, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"
                ).replace(
                    b"<Default ",
                    b'<Default Extension="bin" ContentType="application/'
                    b'vnd.ms-office.vbaProject"/><Default ',
                    1,
                )
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/'
                    b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
                )
            out.writestr(info, data)
        out.writestr("xl/vbaProject.bin", vba)
    XlsxWorkbook(str(path)).write(summary_tables())
    after = entries(path)
    assert after["xl/vbaProject.bin"] == vba
    assert b"macroEnabled.main+xml" in after["[Content_Types].xml"]
    assert b"vbaProject" in after["xl/_rels/workbook.xml.rels"]
    assert XlsxWorkbook(str(path)).read([]).owned == {"Summary", "Budget Variance"}


def test_our_tab_keeps_its_colour_and_the_code_name_macros_know_it_by(tmp_path: Path) -> None:
    path = source_workbook(tmp_path / "show.xlsx")
    XlsxWorkbook(str(path)).write(summary_tables())
    book = openpyxl.load_workbook(path)
    book["Summary"].sheet_properties.tabColor = "FFC00000"
    book["Summary"].sheet_properties.codeName = "SummarySheet"
    book.save(path)
    XlsxWorkbook(str(path)).write(summary_tables(4))
    summary = openpyxl.load_workbook(path)["Summary"]
    assert summary.sheet_properties.codeName == "SummarySheet"
    assert summary.sheet_properties.tabColor is not None
    assert summary.sheet_properties.tabColor.rgb == "FFC00000"
    assert summary["A2"].value == "Vendor"  # and the tab was written anew


def test_minimal_package_without_styles_or_properties(tmp_path: Path) -> None:
    path = tmp_path / "bare.xlsx"
    raw_xlsx(path, {"Budget": '<row r="1"><c r="A1" t="inlineStr"><is><t>Code</t></is></c></row>'})
    XlsxWorkbook(str(path)).write(summary_tables())
    opened = openpyxl.load_workbook(path)
    assert opened.sheetnames == ["Budget", "Summary", "Budget Variance"]
    assert opened["Budget Variance"]["B2"].number_format == "#,##0.00;(#,##0.00)"
    assert XlsxWorkbook(str(path)).read([]).owned == {"Summary", "Budget Variance"}


def test_custom_properties_are_where_the_package_relationship_puts_them(tmp_path: Path) -> None:
    """The ownership record is read from and written to the custom properties part the
    package's relationship names, even when it is not docProps/custom.xml."""
    path = tmp_path / "moved.xlsx"
    raw_xlsx(path, {"Budget": '<row r="1"><c r="A1" t="inlineStr"><is><t>Code</t></is></c></row>'})
    XlsxWorkbook(str(path)).write(summary_tables())
    parts = entries(path)  # another program saves the custom properties under another name
    parts["docProps/props.xml"] = parts.pop("docProps/custom.xml")
    for name in ("_rels/.rels", "[Content_Types].xml"):
        parts[name] = parts[name].replace(b"docProps/custom.xml", b"docProps/props.xml")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert XlsxWorkbook(str(path)).read([]).owned == {"Summary", "Budget Variance"}
    XlsxWorkbook(str(path)).write(summary_tables())
    assert "docProps/custom.xml" not in entries(path)
    assert XlsxWorkbook(str(path)).read([]).owned == {"Summary", "Budget Variance"}


def test_a_styles_part_no_relationship_names_is_used_not_doubled(tmp_path: Path) -> None:
    path = tmp_path / "bare.xlsx"
    stray = MINIMAL_STYLES  # a real stylesheet, but the workbook's relationships miss it
    raw_xlsx(
        path,
        {"Budget": '<row r="1"><c r="A1" t="inlineStr"><is><t>Code</t></is></c></row>'},
        {"xl/styles.xml": stray},
    )
    XlsxWorkbook(str(path)).write(summary_tables())
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert len(names) == len(set(names))
    parts = entries(path)
    assert b'Target="styles.xml"' in parts["xl/_rels/workbook.xml.rels"]
    assert b'PartName="/xl/styles.xml"' in parts["[Content_Types].xml"]
    opened = openpyxl.load_workbook(path)
    assert opened["Budget Variance"]["B2"].number_format == "#,##0.00;(#,##0.00)"


def test_a_styles_part_no_relationship_names_shows_percentages_as_it_shows_dates(
    tmp_path: Path,
) -> None:
    """The reader takes dates from a styles.xml the relationships miss, so percentages too."""
    path = tmp_path / "bare.xlsx"
    stray = (
        f'<?xml version="1.0"?><styleSheet xmlns="{pkg.MAIN_NS}"><cellXfs count="3">'
        '<xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="9"/></cellXfs></styleSheet>'
    )
    cells = '<row r="1"><c r="A1" s="1"><v>46090</v></c><c r="B1" s="2"><v>0.1</v></c></row>'
    raw_xlsx(path, {"Budget": cells}, {"xl/styles.xml": stray})
    assert XlsxWorkbook(str(path)).read().tabs["Budget"].rows == [[dt.date(2026, 3, 9), "10%"]]


def test_styled_rows_mark_every_cell(tmp_path: Path) -> None:
    path = source_workbook(tmp_path / "show.xlsx")
    table = SummaryTable(
        "Budget Variance",
        (SummaryColumn("Line"), SummaryColumn("EFC", Format.MONEY), SummaryColumn("Notes")),
        [("L1", Decimal("5.00"))],
        styles={0: RowStyle.OVER},
    )
    XlsxWorkbook(str(path)).write([table])
    sheet = openpyxl.load_workbook(path)["Budget Variance"]
    assert sheet["C2"].fill.fgColor.rgb == "FFFFC7CE"  # blank cell of the row is marked too


# ---------------------------------------------------------------------------------- lay_out


def test_lay_out_makes_the_source_tabs(tmp_path: Path) -> None:
    path = tmp_path / "new.xlsx"
    book = XlsxWorkbook(str(path), create=True)
    assert book.lay_out(layout_tabs(), force=False) == ["Departments", "Schedule"]
    opened = openpyxl.load_workbook(path)
    assert opened.sheetnames == ["Departments", "Schedule"]
    schedule = opened["Schedule"]
    assert [c.value for c in schedule[1]] == ["ID", "Department", "Start", "Due", "Status"]
    assert schedule["A1"].font.b and schedule.freeze_panes == "A2"
    assert schedule.column_dimensions["B"].width == 18
    assert schedule["C2"].number_format == "yyyy-mm-dd hh:mm"
    assert opened["Departments"]["C2"].number_format == "#,##0.00;(#,##0.00)"
    assert opened["Departments"]["B3"].data_type == "s"  # "=Bo" stays text
    formulas = sorted(v.formula1 for v in schedule.data_validations.dataValidation)
    assert formulas == ['"Planned,Confirmed,Done"', "Departments!$A$2:$A$500"]
    contents = XlsxWorkbook(str(path)).read()
    assert contents.tabs["Schedule"].rows[1][2] == dt.datetime(2026, 3, 1, 9)
    assert contents.tabs["Departments"].rows[1] == ["Set", "Ana", 5000]


def test_lay_out_adds_the_missing_tabs_and_never_replaces_even_with_force(
    tmp_path: Path,
) -> None:
    path = source_workbook(tmp_path / "show.xlsx")
    typed = XlsxWorkbook(str(path)).read(["Budget", "Notes"]).tabs
    assert XlsxWorkbook(str(path)).lay_out(layout_tabs(), force=False) == [
        "Departments",
        "Schedule",
    ]
    after = XlsxWorkbook(str(path)).read(["Budget", "Notes"])
    assert after.titles == ["Budget", "Notes", "Departments", "Schedule"]
    assert after.tabs == typed
    before = path.read_bytes()
    for force in (False, True):
        workbook = XlsxWorkbook(str(path), ignore_locks=force)
        assert workbook.lay_out(layout_tabs(), force=force) == []
        assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Departments!A2:A", "Departments!$A$2:$A$500"),
        ("'Crew List'!B2:B", "'Crew List'!$B$2:$B$500"),
        ("Vendors!$A$2:$A$90", "Vendors!$A$2:$A$90"),
        ("'AB1'!A2:A", "'AB1'!$A$2:$A$500"),  # a title that reads as a cell stays quoted
    ],
)
def test_range_reference(given: str, expected: str) -> None:
    assert range_reference(given) == expected


# ------------------------------------------------------------------------------- kill test


def _write_forever(location: str, table: SummaryTable) -> None:
    book = XlsxWorkbook(location)
    while True:
        book.read([])
        book.write([table])


def test_killed_writes_leave_a_complete_workbook(tmp_path: Path) -> None:
    """SIGKILL a process that keeps syncing, at random moments: the file is always the old
    workbook or the new one, complete, and a later run clears the dead run's temporary file."""
    path = source_workbook(tmp_path / "show.xlsx")
    path.chmod(0o600)  # private: what a killed run leaves behind must be private too
    lines = 10_000
    table = SummaryTable(
        "Issues",
        (SummaryColumn("Message"), SummaryColumn("Money", Format.MONEY), SummaryColumn("N")),
        [(f"line {n}", Decimal(n) / 4, n) for n in range(lines)],
    )
    fork = multiprocessing.get_context("fork")  # no re-import per round: many kills, quickly
    generator = random.Random(7)
    rounds = mid_write = complete = 0
    # 20 rounds, and more while no kill has yet landed mid-write or after a complete write (a
    # busy machine shifts where the random moments fall), within a minute
    deadline = time.monotonic() + 60
    while (rounds < 20 or not (mid_write and complete)) and time.monotonic() < deadline:
        child = fork.Process(target=_write_forever, args=(str(path), table), daemon=True)
        child.start()
        time.sleep(generator.uniform(0.0, 0.25))  # a write of 10,000 lines takes about 0.1 s
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        temporary = [p for p in tmp_path.iterdir() if p.name.startswith(".prodsheets-tmp-")]
        mid_write += bool(temporary)
        assert all(p.stat().st_mode & 0o077 == 0 for p in temporary)
        contents = XlsxWorkbook(str(path)).read(["Budget", "Issues"])
        assert contents.tabs["Budget"].rows[1][0] == "B1"
        if "Issues" in contents.titles:  # the new workbook, complete
            complete += 1
            assert len(contents.tabs["Issues"].rows) == lines + 1
            assert contents.tabs["Issues"].rows[-1][0] == f"line {lines - 1}"
            assert contents.owned == {"Issues"}
        rounds += 1
    assert rounds >= 5 and mid_write > 0 and complete > 0
    XlsxWorkbook(str(path)).write(summary_tables())  # a later run cleans up after the dead
    assert [p.name for p in tmp_path.iterdir()] == ["show.xlsx"]


# ------------------------------------------------------------------- bookkeeping parts alone


def test_calc_chain_loses_only_the_replaced_tabs_cells() -> None:
    from prodsheets.backends.xlsx_package import drop_calc_chain_cells

    chain = (
        b'<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<c r="A1" i="1"/><c r="B1"/><c r="A2" i="2"/><c r="A3"/><c r="C9" i="3"/></calcChain>'
    )
    kept = drop_calc_chain_cells(chain, {2})
    assert kept is not None
    assert b'<c r="A1" i="1"/><c i="1" r="B1"/><c r="C9" i="3"/>' in kept
    assert drop_calc_chain_cells(chain, {7}) is chain
    assert drop_calc_chain_cells(chain, {1, 2, 3}) is None


def add_calc_chain(path: Path, cells: str) -> None:
    """A calcChain as Excel leaves it; its Override lists ContentType before PartName, as
    some programs write it."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/calcChain.xml", f'<calcChain xmlns="{main}">{cells}</calcChain>')
    edit_part(
        path,
        "[Content_Types].xml",
        lambda xml: xml.replace(
            b"</Types>",
            b'<Override ContentType="application/vnd.openxmlformats-officedocument.'
            b'spreadsheetml.calcChain+xml" PartName="/xl/calcChain.xml"/></Types>',
        ),
    )
    edit_part(
        path,
        "xl/_rels/workbook.xml.rels",
        lambda xml: xml.replace(
            b"</Relationships>",
            b'<Relationship Id="rIdCalc" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/calcChain" Target="calcChain.xml"/>'
            b"</Relationships>",
        ),
    )


def test_a_calc_chain_only_our_tab_used_goes_with_its_content_type(tmp_path: Path) -> None:
    path = source_workbook(tmp_path / "show.xlsx")
    XlsxWorkbook(str(path)).write(summary_tables())
    add_calc_chain(path, '<c r="C2" i="3"/>')  # someone typed a formula into our Summary tab
    XlsxWorkbook(str(path)).write(summary_tables())
    parts = entries(path)
    assert "xl/calcChain.xml" not in parts
    assert b"calcChain" not in parts["[Content_Types].xml"]
    assert b"calcChain" not in parts["xl/_rels/workbook.xml.rels"]


def test_excel_recalculates_formulas_that_may_read_our_tabs(tmp_path: Path) -> None:
    path = source_workbook(tmp_path / "show.xlsx")
    book = openpyxl.load_workbook(path)
    book["Notes"]["A1"] = "='Budget Variance'!C2"  # a dashboard cell reading our figures
    book.save(path)
    # as Excel saves it: a calcChain, and results it trusts when it opens the file again
    edit_part(path, "xl/workbook.xml", lambda xml: xml.replace(b' fullCalcOnLoad="1"', b""))
    add_calc_chain(path, '<c r="A1" i="2"/>')
    XlsxWorkbook(str(path)).write(summary_tables())
    workbook_xml = entries(path)["xl/workbook.xml"]
    assert re.search(rb'<calcPr [^>]*fullCalcOnLoad="1"', workbook_xml)
    XlsxWorkbook(str(path)).write(summary_tables())  # and once is enough
    assert entries(path)["xl/workbook.xml"] == workbook_xml


def test_app_properties_list_new_tabs_only_when_they_agree_with_the_workbook() -> None:
    from prodsheets.backends.xlsx_package import add_app_titles

    app = (
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
        b'properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'docPropsVTypes"><HeadingPairs><vt:vector size="4" baseType="variant"><vt:variant>'
        b"<vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>2</vt:i4></vt:variant>"
        b"<vt:variant><vt:lpstr>Named Ranges</vt:lpstr></vt:variant><vt:variant><vt:i4>1</vt:i4>"
        b'</vt:variant></vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="3" '
        b'baseType="lpstr"><vt:lpstr>Budget</vt:lpstr><vt:lpstr>Notes</vt:lpstr><vt:lpstr>'
        b"Rate</vt:lpstr></vt:vector></TitlesOfParts></Properties>"
    )
    updated = add_app_titles(app, ["Budget", "Notes"], ["Summary"])
    assert b"<vt:i4>3</vt:i4>" in updated and b"<vt:i4>1</vt:i4>" in updated
    assert (
        b'<vt:vector size="4" baseType="lpstr"><vt:lpstr>Budget</vt:lpstr><vt:lpstr>Notes'
        b"</vt:lpstr><vt:lpstr>Summary</vt:lpstr><vt:lpstr>Rate</vt:lpstr>" in updated
    )
    assert add_app_titles(app, ["Budget", "Other"], ["Summary"]) == app  # out of step: as is
