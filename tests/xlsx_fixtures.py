"""Builders of real .xlsx files for the local-workbook tests (no checked-in binaries needed)."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import struct
import subprocess
import zipfile
import zlib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from prodsheets.backends.base import Format, LayoutTab, RowStyle, SummaryColumn, SummaryTable

SOFFICE = shutil.which("soffice")
# The parts a write may change besides the summary tabs' own: the sheet list and its
# bookkeeping, styles, properties. Every other zip entry must come back byte-for-byte.
BOOKKEEPING = frozenset(
    {
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "[Content_Types].xml",
        "xl/styles.xml",
        "docProps/custom.xml",
        "docProps/app.xml",
    }
)


def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """A valid PNG of red pixels, made without Pillow."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class PngImage(Image):
    """openpyxl's Image needs Pillow only to learn the size; we already know it."""

    def __init__(self, data: bytes, width: int, height: int) -> None:
        self.png = data
        self.ref = io.BytesIO(data)
        self.width, self.height = width, height
        self.format = "png"

    def _data(self) -> bytes:
        return self.png


def build_rich_workbook(path: Path) -> None:
    """A show workbook with everything a person might add: an image, a chart, comments,
    conditional formats, a dropdown, a defined name, a hidden tab, an unrelated tab and
    formulas in the source tabs."""
    book = openpyxl.Workbook()
    budget = book.active
    assert isinstance(budget, Worksheet)
    budget.title = "Budget"
    budget.append(["Code", "Department", "Budgeted", "Actual", "Double", "Broken"])
    for n in range(1, 6):
        budget.append([f"B{n}", "Set", 100 * n, 10 * n, f"=C{n + 1}*2", f"=C{n + 1}/0"])
    budget["H1"] = "Total"
    budget["H2"] = "=SUM(C2:C6)"
    budget["A2"].comment = Comment("Check this quote", "Stage manager")
    budget.conditional_formatting.add(
        "C2:C6",
        CellIsRule(  # type: ignore[no-untyped-call]
            operator="greaterThan", formula=["300"], fill=PatternFill("solid", fgColor="FFC7CE")
        ),
    )
    validation = DataValidation(type="list", formula1='"Set,Lighting,Sound"', allow_blank=True)
    validation.add("B2:B100")
    budget.add_data_validation(validation)
    chart = BarChart()
    chart.title = "Budgeted"
    chart.add_data(Reference(budget, min_col=3, min_row=1, max_row=6), titles_from_data=True)
    budget.add_chart(chart, "J2")  # type: ignore[call-arg]
    image = PngImage(tiny_png(), 2, 2)
    budget.add_image(image, "J20")

    departments = book.create_sheet("Departments")
    departments.append(["Department", "Head", "Allocation"])
    departments.append(["Set", "Ana", 5000])
    departments.append(["Lighting", "Bo", "=B2"])
    book.defined_names.add(DefinedName("Allocations", attr_text="Departments!$C$2:$C$3"))

    hidden = book.create_sheet("Rates")
    hidden.append(["Rate", 1.5])
    hidden.sheet_state = "hidden"

    notes = book.create_sheet("Notes")
    notes.append(["Anything a person keeps here"])
    notes.append(["second line", 42])
    book.save(path)


def convert(sources: list[Path], outdir: Path, target: str, profile: Path) -> list[Path]:
    """Open ``sources`` in LibreOffice (headless) and save them as ``target`` (e.g. "xlsx")."""
    assert SOFFICE is not None
    outdir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, HOME=str(profile))
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            *map(str, sources),
        ],
        check=True,
        capture_output=True,
        timeout=180,
        env=env,
    )
    extension = target.split(":")[0]
    produced = [outdir / f"{s.stem}.{extension}" for s in sources]
    # a CSV of every sheet comes out as one "<name>-<tab>.csv" per tab
    missing = [p for p in produced if not p.exists() and not list(outdir.glob(f"{p.stem}-*"))]
    assert not missing, f"LibreOffice did not produce {missing}"
    return produced


def summary_tables(lines: int = 3) -> list[SummaryTable]:
    """Summary tabs as the summary step hands them over, built by hand."""
    variance = SummaryTable(
        title="Budget Variance",
        columns=(
            SummaryColumn("Department", Format.TEXT, 18),
            SummaryColumn("Budgeted", Format.MONEY),
            SummaryColumn("EFC", Format.MONEY),
            SummaryColumn("Over %", Format.PERCENT),
            SummaryColumn("Lines", Format.INTEGER),
        ),
        rows=[
            *[
                (
                    f"Dept {n}",
                    Decimal(1000 + n) + Decimal("0.25"),
                    Decimal(900 + 2 * n),
                    Decimal("-0.125"),
                    n,
                )
                for n in range(lines)
            ],
            ("By category", None, None, None, None),
            ("Total", Decimal("12345.67"), Decimal("13000.00"), Decimal("0.053"), lines),
        ],
        styles={
            0: RowStyle.OVER,
            1: RowStyle.AT_RISK,
            lines: RowStyle.SECTION,
            lines + 1: RowStyle.TOTAL,
        },
    )
    summary = SummaryTable(
        title="Summary",
        columns=(SummaryColumn("Metric", width=30), SummaryColumn("Value", width=20)),
        rows=[("Vendor", '=IMPORTXML("http://x","//a")'), ("Errors", 3)],
    )
    return [summary, variance]


def edit_part(path: Path, part: str, change: Callable[[bytes], bytes]) -> None:
    """Rewrite one part of a zip, as another program saving the file would."""
    with zipfile.ZipFile(path) as source:
        items = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in items:
            target.writestr(info, change(data) if info.filename == part else data)


def entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def raw_xlsx(path: Path, sheets: dict[str, str], extra: dict[str, Any] | None = None) -> None:
    """A minimal hand-made .xlsx whose sheets hold exactly the ``<sheetData>`` XML given, to
    have cells no library writes (cached error values, formulas without results)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    names = list(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(len(names))
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
            'org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
            f'{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}">'
            "<sheets>"
            + "".join(
                f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                for i, n in enumerate(names)
            )
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{i + 1}" Type="{rel}/worksheet" '
                f'Target="worksheets/sheet{i + 1}.xml"/>'
                for i in range(len(names))
            )
            + "</Relationships>"
        ),
    }
    for i, name in enumerate(names):
        parts[f"xl/worksheets/sheet{i + 1}.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}" '
            f'xmlns:r="{rel}"><sheetData>{sheets[name]}</sheetData></worksheet>'
        )
    for key, value in (extra or {}).items():
        parts[key] = value
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text if isinstance(text, bytes) else text.encode("utf-8"))


def budget_workbook(path: Path, lines: int) -> None:
    """A workbook with a Budget tab of ``lines`` lines (openpyxl write-only, for speed)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Budget")
    sheet.append(
        [
            "Code",
            "Department",
            "Category",
            "Description",
            "Vendor",
            "Budgeted",
            "Actual",
            "Committed",
            "ETC",
            "Notes",
        ]
    )
    departments = ["Set", "Lighting", "Sound", "Costume", "Props"]
    for n in range(lines):
        sheet.append(
            [
                f"B{n:07d}",
                departments[n % 5],
                "Materials",
                f"Item {n}",
                "Acme",
                1000 + n % 97,
                250.5,
                100,
                50,
                "note",
            ]
        )
    notes = book.create_sheet("Notes")
    notes.append(["kept as is"])
    book.save(path)


def layout_tabs() -> list[LayoutTab]:
    return [
        LayoutTab(
            title="Departments",
            headers=("Department", "Head", "Allocation"),
            widths=(20, 16, 14),
            formats=(Format.TEXT, Format.TEXT, Format.MONEY),
            dropdowns={},
            rows=[("Set", "Ana", Decimal("5000.00")), ("Lighting", "=Bo", None)],
        ),
        LayoutTab(
            title="Schedule",
            headers=("ID", "Department", "Start", "Due", "Status"),
            widths=(8, 18, 18, 12, 14),
            formats=(Format.TEXT, Format.TEXT, Format.DATETIME, Format.DATE, Format.TEXT),
            dropdowns={1: "Departments!A2:A", 4: ("Planned", "Confirmed", "Done")},
            rows=[("S1", "Set", dt.datetime(2026, 3, 1, 9), dt.date(2026, 3, 5), "Planned")],
        ),
    ]
