"""The spreadsheets a local Sheets server holds, and how they read and write.

A ``Spreadsheet`` is a list of ``Sheet`` tabs; a tab keeps its ``SheetProperties``
JSON and its cells as the API's ``CellData`` JSON keyed by (row, column). Cell
dicts are never changed in place (a write puts a new dict), so ``clone()`` is a
cheap shallow copy: batchUpdate works on a clone and commits only if every
request succeeds.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from prodsheets.a1 import column_letter, quote_title
from prodsheets.testing import grid
from prodsheets.testing.grid import RangeError

JSON = Any

DEFAULT_FORMAT: dict[str, JSON] = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}


def _rgb(red: float, green: float, blue: float) -> dict[str, JSON]:
    return {"rgbColor": {"red": red, "green": green, "blue": blue}}


SPREADSHEET_THEME: dict[str, JSON] = {
    "primaryFontFamily": "Arial",
    "themeColors": [
        {"colorType": "TEXT", "color": {"rgbColor": {}}},
        {"colorType": "BACKGROUND", "color": _rgb(1, 1, 1)},
        {"colorType": "ACCENT1", "color": _rgb(0.25882354, 0.52156866, 0.95686275)},
        {"colorType": "ACCENT2", "color": _rgb(0.91764706, 0.2627451, 0.20784314)},
        {"colorType": "ACCENT3", "color": _rgb(0.9843137, 0.7372549, 0.015686275)},
        {"colorType": "ACCENT4", "color": _rgb(0.20392157, 0.65882355, 0.3254902)},
        {"colorType": "ACCENT5", "color": _rgb(1, 0.42745098, 0.003921569)},
        {"colorType": "ACCENT6", "color": _rgb(0.27450982, 0.7411765, 0.7764706)},
        {"colorType": "LINK", "color": _rgb(0.06666667, 0.33333334, 0.8)},
    ],
}

SHEET_PROPERTY_ORDER = (
    "sheetId",
    "title",
    "index",
    "sheetType",
    "gridProperties",
    "hidden",
    "tabColor",
    "tabColorStyle",
    "rightToLeft",
)
GRID_PROPERTY_ORDER = ("rowCount", "columnCount", "frozenRowCount", "frozenColumnCount")


class BadRequest(Exception):
    """A request Google answers with 400 INVALID_ARGUMENT and this message."""


def ordered(value: dict[str, JSON], order: tuple[str, ...]) -> dict[str, JSON]:
    """Keys in Google's reply order first, the rest after."""
    first = {k: value[k] for k in order if k in value}
    first.update({k: v for k, v in value.items() if k not in first})
    return first


# ---------------------------------------------------------------- field masks


def parse_mask(text: str) -> dict[str, JSON]:
    """``a.b,c(d,e/f)`` -> ``{"a": {"b": None}, "c": {"d": None, "e": {"f": None}}}``."""
    tokens = re.findall(r"[^,()./\s]+|[,()./]", text)
    position = 0

    def parse_list() -> dict[str, JSON]:
        nonlocal position
        tree: dict[str, JSON] = {}
        while position < len(tokens):
            _merge(tree, parse_item())
            if position < len(tokens) and tokens[position] == ",":
                position += 1
                continue
            break
        return tree

    def parse_item() -> dict[str, JSON]:
        nonlocal position
        if position >= len(tokens) or tokens[position] in ",()./":
            raise BadRequest(f"Invalid field selection {text}")
        name = tokens[position]
        position += 1
        if position < len(tokens) and tokens[position] in "./":
            position += 1
            return {name: parse_item()}
        if position < len(tokens) and tokens[position] == "(":
            position += 1
            inner = parse_list()
            if position >= len(tokens) or tokens[position] != ")":
                raise BadRequest(f"Invalid field selection {text}")
            position += 1
            return {name: inner}
        return {name: None}

    tree = parse_list()
    if position != len(tokens):
        raise BadRequest(f"Invalid field selection {text}")
    return tree


def _merge(tree: dict[str, JSON], other: dict[str, JSON]) -> None:
    for key, sub in other.items():
        if key not in tree:
            tree[key] = sub
        elif tree[key] is None:
            continue  # already selected whole
        elif sub is None:
            tree[key] = None
        else:
            _merge(tree[key], sub)


def select(value: JSON, tree: dict[str, JSON] | None) -> JSON:
    """Keep only the fields a ``fields=`` mask names (partial response)."""
    if tree is None or "*" in tree:
        return value
    if isinstance(value, list):
        return [select(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    result: dict[str, JSON] = {}
    for key, sub in tree.items():
        if key not in value:
            continue
        picked = select(value[key], sub)
        if isinstance(picked, dict) and not picked and value[key]:
            continue
        result[key] = picked
    return result


def masked_update(
    target: dict[str, JSON], source: dict[str, JSON], tree: dict[str, JSON]
) -> dict[str, JSON]:
    """``target`` with the masked fields taken from ``source`` (absent there: cleared)."""
    if "*" in tree:
        return copy.deepcopy(source)
    result = dict(target)
    for key, sub in tree.items():
        if sub is None or not isinstance(source.get(key, {}), dict):
            if key in source:
                result[key] = copy.deepcopy(source[key])
            else:
                result.pop(key, None)
            continue
        inner = masked_update(
            target.get(key, {}) if isinstance(target.get(key), dict) else {},
            source.get(key, {}),
            sub,
        )
        if inner:
            result[key] = inner
        else:
            result.pop(key, None)
    return result


# ---------------------------------------------------------------- tabs


@dataclass
class Sheet:
    """One tab: properties JSON, cells, and the things attached to it."""

    properties: dict[str, JSON]
    cells: dict[tuple[int, int], dict[str, JSON]] = field(default_factory=dict)
    conditional_formats: list[dict[str, JSON]] = field(default_factory=list)
    protected_ranges: list[dict[str, JSON]] = field(default_factory=list)
    charts: list[dict[str, JSON]] = field(default_factory=list)
    merges: list[dict[str, JSON]] = field(default_factory=list)
    basic_filter: dict[str, JSON] | None = None
    row_metadata: dict[int, dict[str, JSON]] = field(default_factory=dict)
    column_metadata: dict[int, dict[str, JSON]] = field(default_factory=dict)

    @property
    def sheet_id(self) -> int:
        """The tab's numeric id."""
        return int(self.properties["sheetId"])

    @property
    def title(self) -> str:
        """The tab's name."""
        return str(self.properties["title"])

    @property
    def row_count(self) -> int:
        """Rows in the grid."""
        return int(self.properties.get("gridProperties", {}).get("rowCount", 0))

    @property
    def column_count(self) -> int:
        """Columns in the grid."""
        return int(self.properties.get("gridProperties", {}).get("columnCount", 0))

    def clone(self) -> Sheet:
        """A copy whose changes do not touch this tab (cells are shared, never mutated)."""
        return Sheet(
            properties=copy.deepcopy(self.properties),
            cells=dict(self.cells),
            conditional_formats=copy.deepcopy(self.conditional_formats),
            protected_ranges=copy.deepcopy(self.protected_ranges),
            charts=copy.deepcopy(self.charts),
            merges=copy.deepcopy(self.merges),
            basic_filter=copy.deepcopy(self.basic_filter),
            row_metadata=copy.deepcopy(self.row_metadata),
            column_metadata=copy.deepcopy(self.column_metadata),
        )

    def put(self, row: int, col: int, cell: dict[str, JSON]) -> None:
        """Store a cell (an empty dict removes it)."""
        if cell:
            self.cells[(row, col)] = cell
        else:
            self.cells.pop((row, col), None)

    def cells_in(
        self, rows: tuple[int, int], cols: tuple[int, int]
    ) -> Iterator[tuple[int, int, dict[str, JSON]]]:
        """Stored cells inside the box, in no particular order."""
        area = (rows[1] - rows[0]) * (cols[1] - cols[0])
        if len(self.cells) <= area:
            for (row, col), cell in self.cells.items():
                if rows[0] <= row < rows[1] and cols[0] <= col < cols[1]:
                    yield row, col, cell
        else:
            for row in range(*rows):
                for col in range(*cols):
                    found = self.cells.get((row, col))
                    if found is not None:
                        yield row, col, found

    def resize(self, rows: int, cols: int) -> None:
        """Set the grid size, dropping cells that fall outside."""
        grid_properties = self.properties.setdefault("gridProperties", {})
        grid_properties["rowCount"] = rows
        grid_properties["columnCount"] = cols
        self.cells = {k: v for k, v in self.cells.items() if k[0] < rows and k[1] < cols}

    def last_row_with_data(self) -> int:
        """Index after the last row holding a value (0 for an empty tab)."""
        rows = [row for (row, _), cell in self.cells.items() if cell.get("userEnteredValue")]
        return max(rows) + 1 if rows else 0


@dataclass
class Target:
    """A resolved A1 range: the tab and the box, clipped to the grid."""

    sheet: Sheet
    rows: tuple[int, int]
    cols: tuple[int, int]
    single_cell: bool

    def a1(self) -> str:
        """The range as Google writes it back."""
        return grid.format_range(self.sheet.title, self.rows, self.cols)


@dataclass
class Spreadsheet:
    """One spreadsheet: properties, tabs, developer metadata, who may open it."""

    spreadsheet_id: str
    properties: dict[str, JSON]
    sheets: list[Sheet] = field(default_factory=list)
    developer_metadata: dict[int, dict[str, JSON]] = field(default_factory=dict)
    named_ranges: list[dict[str, JSON]] = field(default_factory=list)
    allowed_emails: frozenset[str] | None = None

    def clone(self) -> Spreadsheet:
        """A copy for an all-or-nothing batch."""
        return Spreadsheet(
            spreadsheet_id=self.spreadsheet_id,
            properties=copy.deepcopy(self.properties),
            sheets=[sheet.clone() for sheet in self.sheets],
            developer_metadata=copy.deepcopy(self.developer_metadata),
            named_ranges=copy.deepcopy(self.named_ranges),
            allowed_emails=self.allowed_emails,
        )

    def reindex(self) -> None:
        """Keep every tab's ``index`` equal to its position."""
        for index, sheet in enumerate(self.sheets):
            sheet.properties["index"] = index

    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        """The tab with this id, or None."""
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        return None

    def sheet_by_title(self, title: str) -> Sheet | None:
        """The tab with this title (Sheets matches titles without case), or None."""
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        folded = title.casefold()
        for sheet in self.sheets:
            if sheet.title.casefold() == folded:
                return sheet
        return None

    def resolve(self, text: str, *, for_write: bool = False) -> Target:
        """An A1 range (``'My tab'!A1:B``) as a Target, or RangeError."""
        try:
            title, cells = grid.split_range(text)
        except RangeError as exc:
            raise RangeError(f"Unable to parse range: {text}") from exc
        if title is None and cells is not None:
            sheet = self.sheet_by_title(cells)
            if sheet is not None:
                title, cells = cells, None
            else:
                for named in self.named_ranges:
                    if named.get("name") == cells:
                        return self.grid_target(named.get("range", {}))
        if title is not None:
            found = self.sheet_by_title(title)
            if found is None:
                raise RangeError(f"Unable to parse range: {text}")
            sheet = found
        else:
            sheet = self.sheets[0]
        if cells is None:
            return Target(sheet, (0, sheet.row_count), (0, sheet.column_count), False)
        try:
            bounds = grid.parse_cells(cells)
        except RangeError as exc:
            raise RangeError(f"Unable to parse range: {text}") from exc
        row_start = bounds.row_start or 0
        col_start = bounds.col_start or 0
        row_end = bounds.row_end if bounds.row_end is not None else sheet.row_count
        col_end = bounds.col_end if bounds.col_end is not None else sheet.column_count
        if row_start >= sheet.row_count or col_start >= sheet.column_count:
            raise RangeError(self._beyond_grid(sheet, row_start, col_start))
        single = (
            bounds.row_end == row_start + 1
            and bounds.col_end == col_start + 1
            and (":" not in cells)
        )
        if for_write and not single and (row_end > sheet.row_count or col_end > sheet.column_count):
            raise RangeError(self._beyond_grid(sheet, row_end - 1, col_end - 1))
        return Target(
            sheet,
            (row_start, min(row_end, sheet.row_count)),
            (col_start, min(col_end, sheet.column_count)),
            single,
        )

    @staticmethod
    def _beyond_grid(sheet: Sheet, row: int, col: int) -> str:
        cell = f"{column_letter(col)}{row + 1}"
        return (
            f"Range ({quote_title(sheet.title)}!{cell}) exceeds grid limits. "
            f"Max rows: {sheet.row_count}, max columns: {sheet.column_count}"
        )

    def grid_target(self, grid_range: dict[str, JSON]) -> Target:
        """A GridRange as a Target (open ends run to the grid's edge)."""
        sheet_id = int(grid_range.get("sheetId", 0) or 0)
        sheet = self.sheet_by_id(sheet_id)
        if sheet is None:
            raise BadRequest(f"No grid with id: {sheet_id}")
        rows = (
            int(grid_range.get("startRowIndex", 0) or 0),
            int(grid_range.get("endRowIndex", sheet.row_count) or 0),
        )
        cols = (
            int(grid_range.get("startColumnIndex", 0) or 0),
            int(grid_range.get("endColumnIndex", sheet.column_count) or 0),
        )
        if rows[0] > rows[1] or cols[0] > cols[1] or min(rows + cols) < 0:
            raise BadRequest("Invalid range: start index must not be after end index.")
        if rows[1] > sheet.row_count or cols[1] > sheet.column_count:
            raise BadRequest(self._beyond_grid(sheet, max(rows[1] - 1, 0), max(cols[1] - 1, 0)))
        return Target(sheet, rows, cols, False)

    # ------------------------------------------------------------ values

    def read_values(
        self,
        target: Target,
        *,
        value_render: str = "FORMATTED_VALUE",
        date_render: str = "SERIAL_NUMBER",
        major: str = "ROWS",
    ) -> dict[str, JSON]:
        """A ValueRange for the target: trailing blanks dropped, inner blanks ``""``."""
        found: dict[tuple[int, int], JSON] = {}
        for row, col, cell in target.sheet.cells_in(target.rows, target.cols):
            shown = grid.render(cell, value_render, date_render)
            if shown is not None:
                key = (row - target.rows[0], col - target.cols[0])
                found[key if major != "COLUMNS" else (key[1], key[0])] = shown
        reply: dict[str, JSON] = {
            "range": target.a1(),
            "majorDimension": "COLUMNS" if major == "COLUMNS" else "ROWS",
        }
        if found:
            lines = max(k[0] for k in found) + 1
            values: list[list[JSON]] = [[] for _ in range(lines)]
            width: dict[int, int] = {}
            for line, pos in found:
                width[line] = max(width.get(line, 0), pos + 1)
            for line, size in width.items():
                values[line] = [found.get((line, pos), "") for pos in range(size)]
            reply["values"] = values
        return reply

    def write_values(
        self,
        target: Target,
        values: list[list[JSON]],
        *,
        user_entered: bool,
        major: str = "ROWS",
    ) -> dict[str, JSON]:
        """Write a 2-D list from the target's top-left; the UpdateValuesResponse."""
        if major == "COLUMNS":
            width = max((len(line) for line in values), default=0)
            values = [[line[i] if i < len(line) else None for line in values] for i in range(width)]
        sheet = target.sheet
        top, left = target.rows[0], target.cols[0]
        height = len(values)
        width = max((len(line) for line in values), default=0)
        if not target.single_cell:
            if top + height > target.rows[1]:
                raise BadRequest(
                    f"Requested writing within range [{target.a1()}], but tried writing to "
                    f"row [{top + height}]"
                )
            if left + width > target.cols[1]:
                raise BadRequest(
                    f"Requested writing within range [{target.a1()}], but tried writing to "
                    f"column [{column_letter(left + width - 1)}]"
                )
        if top + height > sheet.row_count or left + width > sheet.column_count:
            raise BadRequest(self._beyond_grid(sheet, top + height - 1, left + width - 1))
        cells_written, rows_written, cols_written = 0, set(), set()
        for r, line in enumerate(values):
            for c, value in enumerate(line):
                typed = grid.typed_cell(value, user_entered=user_entered)
                if typed is None:
                    continue
                old = sheet.cells.get((top + r, left + c), {})
                new = {k: v for k, v in old.items() if k != "userEnteredValue"}
                if "userEnteredValue" in typed:
                    new["userEnteredValue"] = typed["userEnteredValue"]
                if "userEnteredFormat" in typed:
                    new["userEnteredFormat"] = {
                        **old.get("userEnteredFormat", {}),
                        **typed["userEnteredFormat"],
                    }
                sheet.put(top + r, left + c, new)
                cells_written += 1
                rows_written.add(r)
                cols_written.add(c)
        reply: dict[str, JSON] = {"spreadsheetId": self.spreadsheet_id}
        if cells_written:
            reply["updatedRange"] = grid.format_range(
                sheet.title, (top, top + height), (left, left + width)
            )
            reply["updatedRows"] = len(rows_written)
            reply["updatedColumns"] = len(cols_written)
            reply["updatedCells"] = cells_written
        else:
            reply["updatedRange"] = target.a1()
        return reply

    def clear_values(self, target: Target) -> str:
        """Clear values (not formats) in the target; the cleared range in A1."""
        for row, col, cell in list(target.sheet.cells_in(target.rows, target.cols)):
            target.sheet.put(row, col, {k: v for k, v in cell.items() if k != "userEnteredValue"})
        return target.a1()

    # ------------------------------------------------------------ metadata replies

    def sheet_json(self, sheet: Sheet, data: list[dict[str, JSON]] | None) -> dict[str, JSON]:
        """One entry of ``sheets[]`` in a spreadsheets.get reply."""
        properties = ordered(copy.deepcopy(sheet.properties), SHEET_PROPERTY_ORDER)
        if "gridProperties" in properties:
            properties["gridProperties"] = ordered(
                properties["gridProperties"], GRID_PROPERTY_ORDER
            )
        if not properties.get("hidden"):
            properties.pop("hidden", None)
        entry: dict[str, JSON] = {"properties": properties}
        if data is not None:
            entry["data"] = data
        if sheet.merges:
            entry["merges"] = copy.deepcopy(sheet.merges)
        if sheet.conditional_formats:
            entry["conditionalFormats"] = copy.deepcopy(sheet.conditional_formats)
        if sheet.protected_ranges:
            entry["protectedRanges"] = copy.deepcopy(sheet.protected_ranges)
        if sheet.basic_filter is not None:
            entry["basicFilter"] = copy.deepcopy(sheet.basic_filter)
        if sheet.charts:
            entry["charts"] = copy.deepcopy(sheet.charts)
        metadata = [
            copy.deepcopy(m)
            for m in self.developer_metadata.values()
            if m.get("location", {}).get("sheetId") == sheet.sheet_id
            and m.get("location", {}).get("locationType") == "SHEET"
        ]
        if metadata:
            entry["developerMetadata"] = metadata
        return entry

    def grid_data(self, target: Target) -> dict[str, JSON]:
        """A GridData block for the target, rows and cells trimmed like Google's."""
        by_row: dict[int, dict[int, dict[str, JSON]]] = {}
        for row, col, cell in target.sheet.cells_in(target.rows, target.cols):
            by_row.setdefault(row - target.rows[0], {})[col - target.cols[0]] = cell
        data: dict[str, JSON] = {}
        if target.rows[0]:
            data["startRow"] = target.rows[0]
        if target.cols[0]:
            data["startColumn"] = target.cols[0]
        if by_row:
            row_data: list[dict[str, JSON]] = []
            for line in range(max(by_row) + 1):
                cells = by_row.get(line)
                if not cells:
                    row_data.append({})
                    continue
                row_data.append(
                    {"values": [_cell_json(cells.get(pos, {})) for pos in range(max(cells) + 1)]}
                )
            data["rowData"] = row_data
        data["rowMetadata"] = [
            target.sheet.row_metadata.get(i, {"pixelSize": 21}) for i in range(*target.rows)
        ]
        data["columnMetadata"] = [
            target.sheet.column_metadata.get(i, {"pixelSize": 100}) for i in range(*target.cols)
        ]
        return data


def _cell_json(cell: dict[str, JSON]) -> dict[str, JSON]:
    """A stored cell as CellData in a reply: with its effective and formatted value."""
    if not cell:
        return {}
    reply = copy.deepcopy(cell)
    entered = cell.get("userEnteredValue")
    if entered:
        number_format = (cell.get("userEnteredFormat") or {}).get("numberFormat")
        shown = grid.effective_value(entered)
        reply["effectiveValue"] = copy.deepcopy(shown)
        reply["formattedValue"] = grid.formatted_value(shown, number_format)
        effective = copy.deepcopy(DEFAULT_FORMAT)
        effective.update(copy.deepcopy(cell.get("userEnteredFormat", {})))
        reply["effectiveFormat"] = effective
    return reply
