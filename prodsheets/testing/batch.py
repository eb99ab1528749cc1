"""The ``spreadsheets.batchUpdate`` request kinds the local Sheets server applies.

Each handler takes the spreadsheet copy the batch works on and one request body,
changes the copy, and returns the reply Google gives for that kind (``{}`` for
most). A handler raises ``BadRequest`` with Google's wording; the server then
prefixes ``Invalid requests[i].kind:`` and drops the copy, so a batch is all or
nothing. Kinds Google has but this server does not implement are refused with
400 and a message saying so, rather than silently ignored.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

from prodsheets.testing import discovery
from prodsheets.testing.state import (
    SHEET_PROPERTY_ORDER,
    BadRequest,
    Sheet,
    Spreadsheet,
    Target,
    masked_update,
    ordered,
    parse_mask,
)

JSON = Any
Handler = Callable[[Spreadsheet, dict[str, JSON]], dict[str, JSON]]


def new_id(taken: set[int]) -> int:
    """A random positive 31-bit id, as Google hands out for sheets and metadata."""
    while True:
        candidate = random.randint(1, 2**31 - 1)
        if candidate not in taken:
            return candidate


def _sheet(spreadsheet: Spreadsheet, sheet_id: JSON) -> Sheet:
    sheet = spreadsheet.sheet_by_id(int(sheet_id or 0))
    if sheet is None:
        raise BadRequest(f"No sheet with id: {int(sheet_id or 0)}")
    return sheet


def _fields(request: dict[str, JSON], message: str) -> dict[str, JSON]:
    """The request's ``fields`` mask as a tree, checked against the message it updates."""
    text = request.get("fields")
    if not text:
        raise BadRequest("At least one field must be specified.")
    tree = parse_mask(str(text))
    try:
        discovery.check_mask(tree, message)
    except discovery.Violation as exc:
        raise BadRequest(str(exc)) from exc
    return tree


def _target(spreadsheet: Spreadsheet, grid_range: JSON) -> Target:
    return spreadsheet.grid_target(grid_range or {})


MAX_CELLS = 10_000_000  # per spreadsheet, every tab's grid counted
MAX_TITLE = 100  # characters in a tab's name


def cell_count(spreadsheet: Spreadsheet) -> int:
    """The cells of every grid tab, as Google counts them against its limit."""
    return sum(
        sheet.row_count * sheet.column_count
        for sheet in spreadsheet.sheets
        if sheet.properties.get("sheetType", "GRID") == "GRID"
    )


def _check_sheet_properties(properties: dict[str, JSON]) -> None:
    """What Google refuses in a tab's properties, beyond what the discovery document says."""
    if len(str(properties.get("title", ""))) > MAX_TITLE:
        raise BadRequest(f"The sheet name cannot be greater than {MAX_TITLE} characters.")
    if int(properties.get("sheetId", 0) or 0) < 0:
        raise BadRequest("Sheet ID must not be negative.")
    grid_properties = properties.get("gridProperties") or {}
    rows = int(grid_properties.get("rowCount", 0) or 0)
    cols = int(grid_properties.get("columnCount", 0) or 0)
    if int(grid_properties.get("frozenRowCount", 0) or 0) >= rows > 0:
        raise BadRequest("You can't freeze all visible rows on the sheet.")
    if int(grid_properties.get("frozenColumnCount", 0) or 0) >= cols > 0:
        raise BadRequest("You can't freeze all visible columns on the sheet.")


# ---------------------------------------------------------------- tabs


def add_sheet(spreadsheet: Spreadsheet, request: dict[str, JSON]) -> dict[str, JSON]:
    """A new tab; replies with its properties (id, index, grid size filled in)."""
    wanted = copy.deepcopy(request.get("properties") or {})
    taken = {sheet.sheet_id for sheet in spreadsheet.sheets}
    if "sheetId" in wanted and wanted["sheetId"] is not None:
        sheet_id = int(wanted["sheetId"])
        if sheet_id in taken:
            raise BadRequest(f"A sheet with the id {sheet_id} already exists.")
    else:
        sheet_id = new_id(taken)
    title = wanted.get("title")
    if not title:
        number = len(spreadsheet.sheets) + 1
        while spreadsheet.sheet_by_title(f"Sheet{number}") is not None:
            number += 1
        title = f"Sheet{number}"
    if spreadsheet.sheet_by_title(str(title)) is not None:
        raise BadRequest(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )
    grid_properties = {"rowCount": 1000, "columnCount": 26}
    grid_properties.update(wanted.get("gridProperties") or {})
    index = wanted.get("index")
    position = (
        len(spreadsheet.sheets) if index is None else min(int(index), len(spreadsheet.sheets))
    )
    properties = {
        **wanted,
        "sheetId": sheet_id,
        "title": str(title),
        "index": position,
        "sheetType": wanted.get("sheetType") or "GRID",
        "gridProperties": grid_properties,
    }
    _check_sheet_properties(properties)
    sheet = Sheet(properties=properties)
    spreadsheet.sheets.insert(position, sheet)
    spreadsheet.reindex()
    reply = ordered(copy.deepcopy(sheet.properties), SHEET_PROPERTY_ORDER)
    if not reply.get("hidden"):
        reply.pop("hidden", None)
    return {"addSheet": {"properties": reply}}


def delete_sheet(spreadsheet: Spreadsheet, request: dict[str, JSON]) -> dict[str, JSON]:
    """Remove a tab and the developer metadata on it."""
    sheet = _sheet(spreadsheet, request.get("sheetId"))
    others = [s for s in spreadsheet.sheets if s is not sheet]
    if not others:
        raise BadRequest("You can't remove all the sheets in a document.")
    if all(s.properties.get("hidden") for s in others):
        raise BadRequest("You can't remove all the visible sheets in a document.")
    spreadsheet.sheets.remove(sheet)
    spreadsheet.reindex()
    for metadata_id, metadata in list(spreadsheet.developer_metadata.items()):
        location = metadata.get("location", {})
        sheet_id = location.get("sheetId", location.get("dimensionRange", {}).get("sheetId"))
        if sheet_id == sheet.sheet_id:
            del spreadsheet.developer_metadata[metadata_id]
    return {}


def update_sheet_properties(spreadsheet: Spreadsheet, request: dict[str, JSON]) -> dict[str, JSON]:
    """Rename, hide, move or resize a tab, as far as ``fields`` says."""
    wanted = request.get("properties") or {}
    sheet = _sheet(spreadsheet, wanted.get("sheetId"))
    tree = _fields(request, "SheetProperties")
    updated = masked_update(sheet.properties, wanted, tree)
    updated["sheetId"] = sheet.sheet_id
    title = updated.get("title")
    if not title:
        raise BadRequest("Sheet title must not be empty.")
    other = spreadsheet.sheet_by_title(str(title))
    if other is not None and other is not sheet:
        raise BadRequest(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )
    if updated.get("hidden") and all(
        s.properties.get("hidden") for s in spreadsheet.sheets if s is not sheet
    ):
        raise BadRequest("You can't hide all the sheets in a document.")
    grid_properties = updated.setdefault("gridProperties", {})
    rows = int(grid_properties.get("rowCount", sheet.row_count) or 0)
    cols = int(grid_properties.get("columnCount", sheet.column_count) or 0)
    if rows < 1 or cols < 1:
        raise BadRequest("The grid must have at least one row and one column.")
    _check_sheet_properties(updated)
    index = int(updated.get("index", sheet.properties["index"]) or 0)
    sheet.properties = updated
    sheet.resize(rows, cols)
    if index != spreadsheet.sheets.index(sheet):
        spreadsheet.sheets.remove(sheet)
        spreadsheet.sheets.insert(min(index, len(spreadsheet.sheets)), sheet)
    spreadsheet.reindex()
    return {}


def update_spreadsheet_properties(
    spreadsheet: Spreadsheet, request: dict[str, JSON]
) -> dict[str, JSON]:
    """Change the spreadsheet's title, locale or time zone."""
    spreadsheet.properties = masked_update(
        spreadsheet.properties,
        request.get("properties") or {},
        _fields(request, "SpreadsheetProperties"),
    )
    return {}


# ---------------------------------------------------------------- cells


def _write_rows(
    sheet: Sheet,
    top: int,
    left: int,
    rows: list[dict[str, JSON]],
    tree: dict[str, JSON],
    box: tuple[tuple[int, int], tuple[int, int]] | None,
) -> None:
    for r, row in enumerate(rows):
        for c, value in enumerate((row or {}).get("values") or []):
            if box is not None and (top + r >= box[0][1] or left + c >= box[1][1]):
                continue
            if top + r >= sheet.row_count or left + c >= sheet.column_count:
                raise BadRequest(
                    f"Range ({sheet.title}!R{top + r + 1}C{left + c + 1}) exceeds grid limits."
                )
            old = sheet.cells.get((top + r, left + c), {})
            sheet.put(top + r, left + c, masked_update(old, value or {}, tree))
    if box is not None:  # cells of the box the rows do not reach lose the masked fields
        for row_index in range(*box[0]):
            for col_index in range(*box[1]):
                r, c = row_index - top, col_index - left
                inside = r < len(rows) and c < len((rows[r] or {}).get("values") or [])
                if not inside and (row_index, col_index) in sheet.cells:
                    old = sheet.cells[(row_index, col_index)]
                    sheet.put(row_index, col_index, masked_update(old, {}, tree))


def update_cells(spreadsheet: Spreadsheet, request: dict[str, JSON]) -> dict[str, JSON]:
    """Write CellData rows into a range or from a start cell, masked by ``fields``."""
    tree = _fields(request, "CellData")
    rows = request.get("rows") or []
    if request.get("range") is not None:
        target = _target(spreadsheet, request["range"])
        _write_rows(
            target.sheet, target.rows[0], target.cols[0], rows, tree, (target.rows, target.cols)
        )
    elif request.get("start") is not None:
        start = request["start"]
        sheet = _sheet(spreadsheet, start.get("sheetId"))
        _write_rows(
            sheet,
            int(start.get("rowIndex", 0) or 0),
            int(start.get("columnIndex", 0) or 0),
            rows,
            tree,
            None,
        )
    else:
        raise BadRequest("Either start or range must be specified.")
    return {}


def append_cells(spreadsheet: Spreadsheet, request: dict[str, JSON]) -> dict[str, JSON]:
    """Add CellData rows after the last row with data, growing the grid."""
    sheet = _sheet(spreadsheet, request.get("sheetId"))
    rows = request.get("rows") or []
    top = sheet.last_row_with_data()
    width = max((len((row or {}).get("values") or []) for row in rows), default=0)
    sheet.resize(max(sheet.row_count, top + len(rows)), max(sheet.column_count, width))
    _write_rows(sheet, top, 0, rows, _fields(request, "CellData"), None)
    return {}


def repeat_cell(spreadsheet: Spreadsheet, request: dict[str, JSON]) -> dict[str, JSON]:
    """Set the masked fields of one CellData on every cell of a range."""
    target = _target(spreadsheet, request.get("range"))
    tree = _fields(request, "CellData")
    cell = request.get("cell") or {}
    for row in range(*target.rows):
        for col in range(*target.cols):
            old = target.sheet.cells.get((row, col), {})
            target.sheet.put(row, col, masked_update(old, cell, tree))
    return {}


def set_data_validation(spreadsheet: Spreadsheet, request: dict[str, JSON]) -> dict[str, JSON]:
    """Put a validation rule on every cell of a range (no rule: remove it)."""
    target = _target(spreadsheet, request.get("range"))
    rule = request.get("rule")
    for row in range(*target.rows):
        for col in range(*target.cols):
            old = dict(target.sheet.cells.get((row, col), {}))
            if rule:
                old["dataValidation"] = copy.deepcopy(rule)
            else:
                old.pop("dataValidation", None)
            target.sheet.put(row, col, old)
    return {}


def merge_cells(spreadsheet: Spreadsheet, request: dict[str, JSON]) -> dict[str, JSON]:
    """Record a merge (cells are not moved)."""
    target = _target(spreadsheet, request.get("range"))
    target.sheet.merges.append(copy.deepcopy(request.get("range") or {}))
    return {}


def unmerge_cells(spreadsheet: Spreadsheet, request: dict[str, JSON]) -> dict[str, JSON]:
    """Forget merges that lie inside the range."""
    target = _target(spreadsheet, request.get("range"))

    def inside(merge: dict[str, JSON]) -> bool:
        return bool(
            target.rows[0] <= merge.get("startRowIndex", 0)
            and merge.get("endRowIndex", 0) <= target.rows[1]
            and target.cols[0] <= merge.get("startColumnIndex", 0)
            and merge.get("endColumnIndex", 0) <= target.cols[1]
        )

    target.sheet.merges = [m for m in target.sheet.merges if not inside(m)]
    return {}


def check_range_only(spreadsheet: Spreadsheet, request: dict[str, JSON]) -> dict[str, JSON]:
    """Kinds that only change looks (borders): check the range, change nothing."""
    _target(spreadsheet, request.get("range"))
    return {}


# ---------------------------------------------------------------- rows and columns


def _dimension(spreadsheet: Spreadsheet, dimension_range: JSON) -> tuple[Sheet, str, int, int]:
    dimension_range = dimension_range or {}
    sheet = _sheet(spreadsheet, dimension_range.get("sheetId"))
    dimension = dimension_range.get("dimension")
    if dimension not in ("ROWS", "COLUMNS"):
        raise BadRequest("Dimension must be ROWS or COLUMNS.")
    size = sheet.row_count if dimension == "ROWS" else sheet.column_count
    start = int(dimension_range.get("startIndex", 0) or 0)
    end = int(dimension_range.get("endIndex", size) or 0)
    if start > end or end > size:
        raise BadRequest(
            f"Invalid dimension range: [{start}, {end}) is outside the grid of size {size}."
        )
    return sheet, dimension, start, end


def update_dimension_properties(
    spreadsheet: Spreadsheet, request: dict[str, JSON]
) -> dict[str, JSON]:
    """Set pixel size or hidden on rows or columns."""
    sheet, dimension, start, end = _dimension(spreadsheet, request.get("range"))
    tree = _fields(request, "DimensionProperties")
    store = sheet.row_metadata if dimension == "ROWS" else sheet.column_metadata
    default = {"pixelSize": 21 if dimension == "ROWS" else 100}
    for index in range(start, end):
        store[index] = masked_update(
            store.get(index, default), request.get("properties") or {}, tree
        )
    return {}


def auto_resize_dimensions(spreadsheet: Spreadsheet, request: dict[str, JSON]) -> dict[str, JSON]:
    """Widths are not modelled: check the range only."""
    if request.get("dimensions") is None:
        raise BadRequest("dimensions must be specified.")
    _dimension(spreadsheet, request.get("dimensions"))
    return {}


def append_dimension(spreadsheet: Spreadsheet, request: dict[str, JSON]) -> dict[str, JSON]:
    """Grow the grid by rows or columns at the end."""
    sheet = _sheet(spreadsheet, request.get("sheetId"))
    length = int(request.get("length", 0) or 0)
    if length < 1:
        raise BadRequest("length must be greater than zero.")
    if request.get("dimension") == "ROWS":
        sheet.resize(sheet.row_count + length, sheet.column_count)
    elif request.get("dimension") == "COLUMNS":
        sheet.resize(sheet.row_count, sheet.column_count + length)
    else:
        raise BadRequest("Dimension must be ROWS or COLUMNS.")
    return {}


def _shift(sheet: Sheet, dimension: str, at: int, by: int) -> None:
    axis = 0 if dimension == "ROWS" else 1
    moved: dict[tuple[int, int], dict[str, JSON]] = {}
    for key, cell in sheet.cells.items():
        if key[axis] < at:
            moved[key] = cell
        elif by < 0 and key[axis] < at - by:
            continue  # deleted
        else:
            new = list(key)
            new[axis] += by
            moved[(new[0], new[1])] = cell
    sheet.cells = moved


def insert_dimension(spreadsheet: Spreadsheet, request: dict[str, JSON]) -> dict[str, JSON]:
    """Insert empty rows or columns, pushing cells down or right."""
    dimension_range = request.get("range") or {}
    sheet = _sheet(spreadsheet, dimension_range.get("sheetId"))
    dimension = dimension_range.get("dimension")
    start = int(dimension_range.get("startIndex", 0) or 0)
    end = int(dimension_range.get("endIndex", 0) or 0)
    size = sheet.row_count if dimension == "ROWS" else sheet.column_count
    if dimension not in ("ROWS", "COLUMNS") or start >= end or start > size:
        raise BadRequest("Invalid dimension range for insertDimension.")
    if request.get("inheritFromBefore") and start == 0:
        raise BadRequest("Cannot inherit from before the first row or column.")
    _shift(sheet, str(dimension), start, end - start)
    if dimension == "ROWS":
        sheet.properties["gridProperties"]["rowCount"] = sheet.row_count + end - start
    else:
        sheet.properties["gridProperties"]["columnCount"] = sheet.column_count + end - start
    return {}


def delete_dimension(spreadsheet: Spreadsheet, request: dict[str, JSON]) -> dict[str, JSON]:
    """Delete rows or columns, pulling later cells up or left."""
    sheet, dimension, start, end = _dimension(spreadsheet, request.get("range"))
    size = sheet.row_count if dimension == "ROWS" else sheet.column_count
    if end - start >= size:
        raise BadRequest(
            "You can't delete all the rows on the sheet."
            if dimension == "ROWS"
            else "You can't delete all the columns on the sheet."
        )
    _shift(sheet, dimension, start, start - end)
    if dimension == "ROWS":
        sheet.properties["gridProperties"]["rowCount"] = size - (end - start)
    else:
        sheet.properties["gridProperties"]["columnCount"] = size - (end - start)
    return {}


# ---------------------------------------------------------------- rules, charts, protection


def add_conditional_format_rule(
    spreadsheet: Spreadsheet, request: dict[str, JSON]
) -> dict[str, JSON]:
    """Store a conditional format rule on the tab its first range names."""
    rule = copy.deepcopy(request.get("rule") or {})
    ranges = rule.get("ranges") or []
    if not ranges:
        raise BadRequest("At least one range must be specified.")
    if ("booleanRule" in rule) == ("gradientRule" in rule):
        raise BadRequest("Exactly one of booleanRule or gradientRule must be specified.")
    targets = [_target(spreadsheet, grid_range) for grid_range in ranges]
    sheet = targets[0].sheet
    if any(t.sheet is not sheet for t in targets):
        raise BadRequest("All ranges of a conditional format rule must be on the same sheet.")
    index = int(request.get("index", len(sheet.conditional_formats)) or 0)
    sheet.conditional_formats.insert(min(index, len(sheet.conditional_formats)), rule)
    return {}


def delete_conditional_format_rule(
    spreadsheet: Spreadsheet, request: dict[str, JSON]
) -> dict[str, JSON]:
    """Remove a conditional format rule by position; replies with the rule."""
    sheet = _sheet(spreadsheet, request.get("sheetId"))
    index = int(request.get("index", 0) or 0)
    if not 0 <= index < len(sheet.conditional_formats):
        raise BadRequest(f"No conditional format on sheet: {sheet.sheet_id} at index: {index}")
    rule = sheet.conditional_formats.pop(index)
    return {"deleteConditionalFormatRule": {"rule": rule}}


def add_chart(spreadsheet: Spreadsheet, request: dict[str, JSON]) -> dict[str, JSON]:
    """Store a chart as given (not drawn); replies with it and its new id."""
    chart = copy.deepcopy(request.get("chart") or {})
    taken = {c.get("chartId") for s in spreadsheet.sheets for c in s.charts}
    chart.setdefault("chartId", new_id({int(t) for t in taken if t is not None}))
    spec = chart.get("spec") or {}
    for grid_range in _chart_sources(spec):
        _target(spreadsheet, grid_range)  # a source on no tab, or past its grid, is refused
    basic = spec.get("basicChart")
    if basic is not None and not basic.get("series") and not basic.get("domains"):
        raise BadRequest("A chart must have at least one series or domain.")
    position = chart.get("position") or {}
    anchor = (position.get("overlayPosition") or {}).get("anchorCell") or {}
    sheet_id = position.get("sheetId", anchor.get("sheetId"))
    sheet = _sheet(spreadsheet, sheet_id) if sheet_id is not None else spreadsheet.sheets[0]
    row, col = int(anchor.get("rowIndex", 0) or 0), int(anchor.get("columnIndex", 0) or 0)
    if not (0 <= row < sheet.row_count and 0 <= col < sheet.column_count):
        raise BadRequest(
            f"The anchor cell (row {row}, column {col}) of the chart is outside the grid of "
            f"sheet {sheet.sheet_id} ({sheet.row_count} rows, {sheet.column_count} columns)."
        )
    sheet.charts.append(chart)
    return {"addChart": {"chart": copy.deepcopy(chart)}}


def _chart_sources(spec: JSON) -> list[dict[str, JSON]]:
    """Every GridRange under a ``sources`` list of a chart spec (domains, series, ...)."""
    found: list[dict[str, JSON]] = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "sources" and isinstance(value, list):
                found += [v for v in value if isinstance(v, dict)]
            else:
                found += _chart_sources(value)
    elif isinstance(spec, list):
        for value in spec:
            found += _chart_sources(value)
    return found


def delete_embedded_object(spreadsheet: Spreadsheet, request: dict[str, JSON]) -> dict[str, JSON]:
    """Remove a chart by its object id."""
    wanted = int(request.get("objectId", 0) or 0)
    for sheet in spreadsheet.sheets:
        for chart in sheet.charts:
            if int(chart.get("chartId", -1)) == wanted:
                sheet.charts.remove(chart)
                return {}
    raise BadRequest(f"No embedded object with id: {wanted}")


def add_protected_range(spreadsheet: Spreadsheet, request: dict[str, JSON]) -> dict[str, JSON]:
    """Store a protected range; replies with it and its new id."""
    protected = copy.deepcopy(request.get("protectedRange") or {})
    grid_range = protected.get("range")
    if grid_range is None:
        raise BadRequest("A protected range must have a range.")
    if protected.get("warningOnly") and protected.get("editors"):
        raise BadRequest("A warning-only protected range cannot have editors.")
    sheet = _target(spreadsheet, grid_range).sheet
    taken = {int(p["protectedRangeId"]) for s in spreadsheet.sheets for p in s.protected_ranges}
    protected.setdefault("protectedRangeId", new_id(taken))
    protected["range"] = {"sheetId": sheet.sheet_id, **grid_range}
    protected.setdefault("requestingUserCanEdit", True)
    sheet.protected_ranges.append(protected)
    return {"addProtectedRange": {"protectedRange": copy.deepcopy(protected)}}


def delete_protected_range(spreadsheet: Spreadsheet, request: dict[str, JSON]) -> dict[str, JSON]:
    """Remove a protected range by id."""
    wanted = int(request.get("protectedRangeId", 0) or 0)
    for sheet in spreadsheet.sheets:
        for protected in sheet.protected_ranges:
            if int(protected["protectedRangeId"]) == wanted:
                sheet.protected_ranges.remove(protected)
                return {}
    raise BadRequest(f"No protected range with id: {wanted}")


def set_basic_filter(spreadsheet: Spreadsheet, request: dict[str, JSON]) -> dict[str, JSON]:
    """Put a basic filter on a tab (rows are not hidden)."""
    basic = copy.deepcopy(request.get("filter") or {})
    target = _target(spreadsheet, basic.get("range"))
    basic["range"] = {"sheetId": target.sheet.sheet_id, **(basic.get("range") or {})}
    target.sheet.basic_filter = basic
    return {}


def clear_basic_filter(spreadsheet: Spreadsheet, request: dict[str, JSON]) -> dict[str, JSON]:
    """Remove a tab's basic filter."""
    _sheet(spreadsheet, request.get("sheetId")).basic_filter = None
    return {}


def add_named_range(spreadsheet: Spreadsheet, request: dict[str, JSON]) -> dict[str, JSON]:
    """Name a range; replies with it and its new id."""
    named = copy.deepcopy(request.get("namedRange") or {})
    if not named.get("name"):
        raise BadRequest("A named range must have a name.")
    if any(n.get("name") == named["name"] for n in spreadsheet.named_ranges):
        raise BadRequest(f"A named range with the name {named['name']} already exists.")
    _target(spreadsheet, named.get("range"))
    named.setdefault("namedRangeId", f"{new_id(set()):x}")
    spreadsheet.named_ranges.append(named)
    return {"addNamedRange": {"namedRange": copy.deepcopy(named)}}


# ---------------------------------------------------------------- developer metadata


def metadata_location(spreadsheet: Spreadsheet, location: dict[str, JSON]) -> dict[str, JSON]:
    """A DeveloperMetadataLocation with its ``locationType`` filled in, checked."""
    if location.get("spreadsheet"):
        return {"locationType": "SPREADSHEET", "spreadsheet": True}
    if location.get("sheetId") is not None:
        sheet = _sheet(spreadsheet, location["sheetId"])
        return {"locationType": "SHEET", "sheetId": sheet.sheet_id}
    if location.get("dimensionRange") is not None:
        sheet, dimension, start, end = _dimension(spreadsheet, location["dimensionRange"])
        return {
            "locationType": "ROW" if dimension == "ROWS" else "COLUMN",
            "dimensionRange": {
                "sheetId": sheet.sheet_id,
                "dimension": dimension,
                "startIndex": start,
                "endIndex": end,
            },
        }
    raise BadRequest("Developer metadata must have a location.")


def matches(
    spreadsheet: Spreadsheet, metadata: dict[str, JSON], data_filter: dict[str, JSON]
) -> bool:
    """Whether developer metadata answers a DataFilter's developerMetadataLookup."""
    lookup = data_filter.get("developerMetadataLookup")
    if lookup is None:
        if data_filter.get("gridRange") is not None or data_filter.get("a1Range") is not None:
            if data_filter.get("a1Range") is not None:
                sheet = spreadsheet.resolve(str(data_filter["a1Range"])).sheet
            else:
                sheet = _target(spreadsheet, data_filter["gridRange"]).sheet
            location = metadata.get("location", {})
            found = location.get("sheetId", location.get("dimensionRange", {}).get("sheetId"))
            return found is not None and int(found) == sheet.sheet_id
        return False
    checks = [
        ("metadataId", metadata.get("metadataId")),
        ("metadataKey", metadata.get("metadataKey")),
        ("metadataValue", metadata.get("metadataValue")),
        ("visibility", metadata.get("visibility")),
        ("locationType", metadata.get("location", {}).get("locationType")),
    ]
    for key, value in checks:
        if lookup.get(key) is not None and lookup[key] != value:
            return False
    wanted_location = lookup.get("metadataLocation")
    if wanted_location:
        location = metadata.get("location", {})
        if wanted_location.get("spreadsheet") and location.get("locationType") != "SPREADSHEET":
            return False
        if wanted_location.get("sheetId") is not None and location.get("sheetId") != int(
            wanted_location["sheetId"]
        ):
            return False
        wanted_dim = wanted_location.get("dimensionRange")
        if wanted_dim is not None:
            have = location.get("dimensionRange")
            if have is None or have.get("sheetId") != wanted_dim.get("sheetId"):
                return False
            if lookup.get("locationMatchingStrategy") != "INTERSECTING_LOCATION" and (
                have.get("startIndex"),
                have.get("endIndex"),
            ) != (wanted_dim.get("startIndex"), wanted_dim.get("endIndex")):
                return False
    return True


def create_developer_metadata(
    spreadsheet: Spreadsheet, request: dict[str, JSON]
) -> dict[str, JSON]:
    """Attach key/value metadata; replies with it and its new id."""
    wanted = copy.deepcopy(request.get("developerMetadata") or {})
    if wanted.get("visibility") not in ("DOCUMENT", "PROJECT"):
        raise BadRequest("Developer metadata must have a visibility specified.")
    if not wanted.get("metadataKey"):
        raise BadRequest("Developer metadata must have a key.")
    metadata_id = wanted.get("metadataId")
    if metadata_id is None:
        metadata_id = new_id(set(spreadsheet.developer_metadata))
    elif int(metadata_id) in spreadsheet.developer_metadata:
        raise BadRequest(f"Developer metadata with id {metadata_id} already exists.")
    created: dict[str, JSON] = {
        "metadataId": int(metadata_id),
        "metadataKey": wanted["metadataKey"],
    }
    if wanted.get("metadataValue") is not None:
        created["metadataValue"] = wanted["metadataValue"]
    created["location"] = metadata_location(spreadsheet, wanted.get("location") or {})
    created["visibility"] = wanted["visibility"]
    spreadsheet.developer_metadata[int(metadata_id)] = created
    return {"createDeveloperMetadata": {"developerMetadata": copy.deepcopy(created)}}


def update_developer_metadata(
    spreadsheet: Spreadsheet, request: dict[str, JSON]
) -> dict[str, JSON]:
    """Change the masked fields of every metadata entry the filters match."""
    filters = request.get("dataFilters") or []
    tree = _fields(request, "DeveloperMetadata")
    source = request.get("developerMetadata") or {}
    changed = []
    for metadata_id, metadata in list(spreadsheet.developer_metadata.items()):
        if any(matches(spreadsheet, metadata, f) for f in filters):
            updated = masked_update(metadata, source, tree)
            updated["metadataId"] = metadata_id
            if "location" in updated:
                updated["location"] = metadata_location(spreadsheet, updated["location"])
            spreadsheet.developer_metadata[metadata_id] = updated
            changed.append(copy.deepcopy(updated))
    return {"updateDeveloperMetadata": {"developerMetadata": changed}}


def delete_developer_metadata(
    spreadsheet: Spreadsheet, request: dict[str, JSON]
) -> dict[str, JSON]:
    """Remove every metadata entry the filter matches; replies with them."""
    data_filter = request.get("dataFilter") or {}
    deleted = []
    for metadata_id, metadata in list(spreadsheet.developer_metadata.items()):
        if matches(spreadsheet, metadata, data_filter):
            deleted.append(spreadsheet.developer_metadata.pop(metadata_id))
    return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": deleted}}


HANDLERS: dict[str, Handler] = {
    "addSheet": add_sheet,
    "deleteSheet": delete_sheet,
    "updateSheetProperties": update_sheet_properties,
    "updateSpreadsheetProperties": update_spreadsheet_properties,
    "updateCells": update_cells,
    "appendCells": append_cells,
    "repeatCell": repeat_cell,
    "setDataValidation": set_data_validation,
    "mergeCells": merge_cells,
    "unmergeCells": unmerge_cells,
    "updateBorders": check_range_only,
    "updateDimensionProperties": update_dimension_properties,
    "autoResizeDimensions": auto_resize_dimensions,
    "appendDimension": append_dimension,
    "insertDimension": insert_dimension,
    "deleteDimension": delete_dimension,
    "addConditionalFormatRule": add_conditional_format_rule,
    "deleteConditionalFormatRule": delete_conditional_format_rule,
    "addChart": add_chart,
    "deleteEmbeddedObject": delete_embedded_object,
    "addProtectedRange": add_protected_range,
    "deleteProtectedRange": delete_protected_range,
    "setBasicFilter": set_basic_filter,
    "clearBasicFilter": clear_basic_filter,
    "addNamedRange": add_named_range,
    "createDeveloperMetadata": create_developer_metadata,
    "updateDeveloperMetadata": update_developer_metadata,
    "deleteDeveloperMetadata": delete_developer_metadata,
}


def apply(spreadsheet: Spreadsheet, requests: list[dict[str, JSON]]) -> list[dict[str, JSON]]:
    """Apply a batch to ``spreadsheet`` (a copy); one reply per request.

    Raises BadRequest with Google's ``Invalid requests[i].kind: ...`` prefix.
    """
    replies = []
    for index, request in enumerate(requests):
        kinds = [k for k, v in (request or {}).items() if v is not None]
        if len(kinds) != 1:
            raise BadRequest(
                f"Invalid requests[{index}]: "
                + ("No request set." if not kinds else "Only one kind of request may be set.")
            )
        kind = kinds[0]
        handler = HANDLERS.get(kind)
        if handler is None:
            raise BadRequest(
                f"Invalid requests[{index}].{kind}: the local Sheets server "
                "(prodsheets.testing) does not implement this request kind."
            )
        try:
            before = cell_count(spreadsheet)
            replies.append(handler(spreadsheet, request[kind] or {}))
            after = cell_count(spreadsheet)
            if after > MAX_CELLS and after > before:
                raise BadRequest(
                    "This action would increase the number of cells in the workbook above "
                    f"the limit of {MAX_CELLS} cells."
                )
        except BadRequest as exc:
            raise BadRequest(f"Invalid requests[{index}].{kind}: {exc}") from exc
    return replies
