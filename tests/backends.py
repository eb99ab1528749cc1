"""One behavioural suite, two homes for the workbook: a local .xlsx file and Google Sheets.

A ``Home`` makes a workbook from rows, writes the settings file, and reads tabs back, so that
the same CLI test runs against either backend. The Google home is real gspread and real
google-auth talking to the local Sheets API server.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl

from prodsheets.testing import SheetsServer
from prodsheets.testing.grid import python_cell
from tests.workbooks import write_workbook


class XlsxHome:
    """Workbooks as .xlsx files in the test's folder."""

    name = "xlsx"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made = 0

    def make(self, tabs: Mapping[str, Sequence[Sequence[Any]]], name: str = "") -> str:
        self.made += 1
        return str(write_workbook(self.folder / (name or f"show{self.made}.xlsx"), tabs))

    def settings(self, text: str = "") -> None:
        (self.folder / "prodsheets.toml").write_text(text, encoding="utf-8")

    def merge(
        self, location: str, title: str, first: tuple[int, int], last: tuple[int, int]
    ) -> None:
        """Merge the cells from ``first`` to ``last`` ((row, column), 1-based) of a tab."""
        book = openpyxl.load_workbook(location)
        book[title].merge_cells(
            start_row=first[0], start_column=first[1], end_row=last[0], end_column=last[1]
        )
        book.save(location)

    def titles(self, location: str) -> list[str]:
        return list(openpyxl.load_workbook(location, read_only=True).sheetnames)

    def edit(self, location: str, title: str, rows: Sequence[Sequence[Any]]) -> None:
        """Replace what a tab holds, as a person editing and saving in a spreadsheet would."""
        book = openpyxl.load_workbook(location)
        sheet = book[title]
        sheet.delete_rows(1, sheet.max_row)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    cell = sheet.cell(row=r, column=c, value=value)
                    if isinstance(value, str):
                        cell.data_type = "s"
                    if isinstance(value, dt.datetime):
                        has_time = value.time() != dt.time(0)
                        cell.number_format = "yyyy-mm-dd hh:mm" if has_time else "yyyy-mm-dd"
        book.save(location)

    def hidden(self, location: str, title: str) -> bool:
        return openpyxl.load_workbook(location)[title].sheet_state == "hidden"

    def rename(self, location: str, title: str, new: str) -> None:
        book = openpyxl.load_workbook(location)
        book[title].title = new
        book.save(location)

    def rows(self, location: str, title: str) -> list[list[Any]]:
        sheet = openpyxl.load_workbook(location, data_only=True)[title]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        while rows and all(v is None for v in rows[-1]):
            rows.pop()
        return [_trim(row) for row in rows]

    def snapshot(self, location: str) -> bytes:
        return Path(location).read_bytes()

    def formula_cells(self, location: str, title: str) -> list[str]:
        sheet = openpyxl.load_workbook(location)[title]
        return [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]


class GoogleHome:
    """Workbooks as spreadsheets on the local Sheets server, reached through gspread."""

    name = "gsheets"

    def __init__(self, folder: Path, server: SheetsServer) -> None:
        self.folder = folder
        self.server = server
        self.key_file = server.write_credentials(folder / "service-account.json")
        self.made = 0
        self.settings()

    def make(self, tabs: Mapping[str, Sequence[Sequence[Any]]], name: str = "") -> str:
        self.made += 1
        key = f"show{self.made}"
        spreadsheet = self.server.add_spreadsheet(key, tabs)
        for sheet, rows in zip(spreadsheet.sheets, tabs.values(), strict=True):
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if isinstance(value, str) and value.startswith("="):
                        # typed as text (a leading apostrophe in Sheets): it stays text
                        sheet.put(r, c, {"userEnteredValue": {"stringValue": value}})
                    elif value is not None:
                        sheet.put(r, c, python_cell(value))
        return f"gsheets:{key}"

    def settings(
        self, text: str = "", *, retry_seconds: float = 5, answer_seconds: float = 0
    ) -> None:
        """prodsheets.toml pointing at the local server: ``text`` above its [google] table,
        retries for ``retry_seconds``, and a request's least wait for an answer
        (``answer_seconds``; 0 keeps the default minute)."""
        google = (
            "\n[google]\n"
            f"credentials = {json.dumps(str(self.key_file))}\n"
            f"api_endpoint = {json.dumps(self.server.url)}\n"
            f"retry_seconds = {retry_seconds:g}\n"
        )
        if answer_seconds:
            google += f"answer_seconds = {answer_seconds:g}\n"
        (self.folder / "prodsheets.toml").write_text(text + google, encoding="utf-8")

    def _key(self, location: str) -> str:
        return location.removeprefix("gsheets:")

    def merge(
        self, location: str, title: str, first: tuple[int, int], last: tuple[int, int]
    ) -> None:
        """Merge the cells from ``first`` to ``last`` ((row, column), 1-based) of a tab."""
        spreadsheet = self.server.spreadsheet(self._key(location))
        [sheet] = [sheet for sheet in spreadsheet.sheets if sheet.title == title]
        sheet.merges.append(
            {
                "sheetId": sheet.sheet_id,
                "startRowIndex": first[0] - 1,
                "endRowIndex": last[0],
                "startColumnIndex": first[1] - 1,
                "endColumnIndex": last[1],
            }
        )

    def titles(self, location: str) -> list[str]:
        return [sheet.title for sheet in self.server.spreadsheet(self._key(location)).sheets]

    def edit(self, location: str, title: str, rows: Sequence[Sequence[Any]]) -> None:
        """Replace what a tab holds, as a person typing into the spreadsheet would."""
        spreadsheet = self.server.spreadsheet(self._key(location))
        [sheet] = [sheet for sheet in spreadsheet.sheets if sheet.title == title]
        sheet.cells = {}
        sheet.resize(max(sheet.row_count, len(rows) + 1), sheet.column_count)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.put(r, c, python_cell(value))

    def hidden(self, location: str, title: str) -> bool:
        spreadsheet = self.server.spreadsheet(self._key(location))
        [sheet] = [sheet for sheet in spreadsheet.sheets if sheet.title == title]
        return bool(sheet.properties.get("hidden"))

    def rename(self, location: str, title: str, new: str) -> None:
        spreadsheet = self.server.spreadsheet(self._key(location))
        [sheet] = [sheet for sheet in spreadsheet.sheets if sheet.title == title]
        sheet.properties["title"] = new

    def rows(self, location: str, title: str) -> list[list[Any]]:
        quoted = "'" + title.replace("'", "''") + "'"
        return [_trim(list(row)) for row in self.server.values(self._key(location), quoted)]

    def formula_cells(self, location: str, title: str) -> list[str]:
        spreadsheet = self.server.spreadsheet(self._key(location))
        [sheet] = [sheet for sheet in spreadsheet.sheets if sheet.title == title]
        return [
            f"R{r + 1}C{c + 1}"
            for (r, c), cell in sheet.cells.items()
            if "formulaValue" in cell.get("userEnteredValue", {})
        ]

    def snapshot(self, location: str) -> bytes:
        spreadsheet = self.server.spreadsheet(self._key(location))
        state = [
            (sheet.properties, sorted(sheet.cells.items()), sheet.protected_ranges)
            for sheet in spreadsheet.sheets
        ]
        return json.dumps(
            [copy.deepcopy(state), spreadsheet.developer_metadata], sort_keys=True, default=str
        ).encode()


def _trim(row: list[Any]) -> list[Any]:
    """A row without trailing blanks; blanks inside as None (as both backends agree)."""
    row = [None if v == "" else v for v in row]
    while row and row[-1] is None:
        row.pop()
    return row
