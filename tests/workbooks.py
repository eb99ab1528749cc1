"""Real .xlsx workbooks for tests, written the way a person's spreadsheet holds them.

``clean_production()`` is a small production with no issues as of ``AS_OF``; each test changes
one thing in it and checks that exactly the matching rule fires.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904

AS_OF = "2026-03-10"
SOURCE_TABS = ["Departments", "Schedule", "Budget", "Vendors"]
# what a sync writes into a workbook without a Crew tab, in tab order
SUMMARY_TABS = [
    "Summary",
    "Budget Variance",
    "Schedule Report",
    "Vendor Report",
    "Changes",
    "History",
    "Issues",
]

Rows = list[list[Any]]


def d(text: str) -> dt.datetime:
    """A date or date-time cell as Excel stores it."""
    return dt.datetime.fromisoformat(text)


def clean_production() -> dict[str, Rows]:
    return copy.deepcopy(
        {
            "Departments": [
                ["Department", "Head", "Email", "Allocation"],
                ["Lighting", "Ana Ruiz", "ana@example.org", 20000],
                ["Sound", "Ben Cole", "ben@example.org", 10000],
                ["Set", "Cy Dow", "cy@example.org", 30000],
            ],
            "Schedule": [
                [
                    "ID",
                    "Task",
                    "Department",
                    "Space",
                    "People",
                    "Start",
                    "End",
                    "Due",
                    "Done On",
                    "Status",
                    "Depends On",
                    "Notes",
                ],
                [
                    "S1",
                    "Load-in",
                    "Set",
                    "Main Stage",
                    "Cy Dow, Ed Fox",
                    d("2026-03-02 08:00"),
                    d("2026-03-02 17:00"),
                    d("2026-03-02"),
                    d("2026-03-02"),
                    "Done",
                    None,
                    None,
                ],
                [
                    "S2",
                    "Focus",
                    "Lighting",
                    "Main Stage",
                    "Ana Ruiz",
                    d("2026-03-03 09:00"),
                    d("2026-03-03 18:00"),
                    None,
                    None,
                    "Done",
                    "S1",
                    None,
                ],
                [
                    "S3",
                    "Sound check",
                    "Sound",
                    "Main Stage",
                    "Ben Cole",
                    d("2026-03-04 10:00"),
                    d("2026-03-04 14:00"),
                    None,
                    None,
                    "Confirmed",
                    "S2",
                    None,
                ],
                [
                    "S4",
                    "Tech",
                    "Set",
                    "Main Stage",
                    "Ana Ruiz; Ben Cole",
                    d("2026-03-12 10:00"),
                    d("2026-03-12 22:00"),
                    None,
                    None,
                    "Planned",
                    "S3",
                    None,
                ],
            ],
            "Budget": [
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
                ],
                [
                    "L-01",
                    "Lighting",
                    "Rentals",
                    "Moving lights",
                    "Bright Lights Hire",
                    8000,
                    2000,
                    3000,
                    1000,
                    None,
                ],
                ["L-02", "Lighting", "Labour", "Electricians", None, 6000, 1500, 0, 2500, None],
                [
                    "S-01",
                    "Sound",
                    "Labour",
                    "Sound operator",
                    None,
                    4000,
                    1000.50,
                    None,
                    1500,
                    None,
                ],
                [
                    "T-01",
                    "Set",
                    "Materials",
                    "Lumber",
                    "Timber Co",
                    12000,
                    5000.25,
                    2000,
                    1000,
                    None,
                ],
            ],
            "Vendors": [
                [
                    "Vendor",
                    "Service",
                    "Contact",
                    "Email",
                    "Phone",
                    "Contract",
                    "Contract Start",
                    "Contract End",
                    "Insurance Expires",
                    "Payment Terms",
                    "Notes",
                ],
                [
                    "Bright Lights Hire",
                    "Lighting rental",
                    "Dee",
                    "dee@bright.example",
                    "555-0100",
                    "Signed",
                    d("2026-01-01"),
                    d("2026-12-31"),
                    d("2026-12-31"),
                    "Net 30",
                    None,
                ],
                [
                    "Timber Co",
                    "Lumber",
                    "Eli",
                    "eli@timber.example",
                    "555-0101",
                    "Signed",
                    d("2026-01-01"),
                    d("2026-12-31"),
                    None,
                    "Net 30",
                    None,
                ],
            ],
        }
    )


def write_workbook(
    path: Path, tabs: Mapping[str, Sequence[Sequence[Any]]], *, date1904: bool = False
) -> Path:
    """Write ``tabs`` to a real .xlsx file (dates carry a date format, as Excel saves them;
    text is text, as when a person types it into a cell formatted as text). ``date1904``
    saves it in the 1904 date system, as old Mac Excel did."""
    book = openpyxl.Workbook()
    if date1904:
        book.epoch = CALENDAR_MAC_1904
    assert book.active is not None
    book.remove(book.active)
    for title, rows in tabs.items():
        sheet = book.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = sheet.cell(row=r, column=c, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # typed text, even "=IMPORTXML(...)", stays text
                if isinstance(value, dt.datetime):
                    has_time = value.time() != dt.time(0)
                    cell.number_format = "yyyy-mm-dd hh:mm" if has_time else "yyyy-mm-dd"
    book.save(path)
    return path


def column(rows: Rows, header: str) -> int:
    return rows[0].index(header)


def set_cell(tabs: dict[str, Rows], tab: str, row: int, header: str, value: Any) -> None:
    """Set the cell of ``tab`` at spreadsheet ``row`` (header = 1) under ``header``."""
    tabs[tab][row - 1][column(tabs[tab], header)] = value
