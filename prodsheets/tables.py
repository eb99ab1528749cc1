"""Source tabs, read into typed tables (one pandas DataFrame per tab).

This is where a header is matched to its template column and where each cell's text becomes a
typed value, or an issue on that cell. Everything after this step works on typed tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from prodsheets.a1 import column_letter
from prodsheets.backends.base import Contents, RawCell, RawTab
from prodsheets.cells import Parsed, cell_shown, parse_column
from prodsheets.config import Config
from prodsheets.issues import Issue, Severity, issue, show_value
from prodsheets.template import OPTIONAL_TABS, TabSpec, Template, header_key, normalise


@dataclass
class Table:
    """One source tab, typed.

    ``frame`` has one column per template column (canonical names, e.g. "Done On"), whether or
    not the sheet has it (absent columns are all blank), indexed by the row number the
    spreadsheet shows (header = 1). Fully blank rows are not in it. Column dtypes by type:

    - text, email: object (str, stripped, or None when blank). An enum column holds the
      canonical enum value ("In Progress"), its default when blank, None when unreadable.
    - money: "Int64" (nullable) integer cents; <NA> when blank or unreadable.
    - date, datetime: "datetime64[ns]"; NaT when blank or unreadable.
    - list: object, a tuple[str, ...] (empty when blank).
    - integer: object, an int (None when blank or unreadable).
    - dates: object, a tuple of (first day, day after the last) int64 ns pairs (empty when blank).
    """

    spec: TabSpec
    title: str  # the tab's name as the workbook spells it ("" when the tab is missing)
    frame: pd.DataFrame
    headers: dict[str, str] = field(default_factory=dict)  # column -> header as typed in row 1
    letters: dict[str, str] = field(default_factory=dict)  # column -> its column letter ("F")
    # column -> bool array aligned with frame rows: the cell held something that could not
    # be read (already reported as value.type / value.enum), so checks skip it.
    unreadable: dict[str, np.ndarray] = field(default_factory=dict)
    # datetime column -> bool array: the cell held a date without a time.
    date_only: dict[str, np.ndarray] = field(default_factory=dict)
    # column -> object array aligned with frame rows: the cell as the sheet held it, for
    # quoting it back in an issue (present columns only).
    raw: dict[str, np.ndarray] = field(default_factory=dict)
    # money column -> {row: "F2:F3"}: cells that a merged range covers without being its
    # first cell (the amount belongs to the first cell's row only), for the issue to say so.
    merged: dict[str, dict[int, str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def present(self) -> bool:
        return bool(self.title)

    def cell(self, column: str, row: int) -> str:
        """A1 address of ``column`` at spreadsheet ``row`` ("" if the column is absent)."""
        letter = self.letters.get(column)
        return f"{letter}{row}" if letter else ""

    def header_cell(self, column: str) -> str:
        return self.cell(column, 1)

    def header(self, column: str) -> str:
        """The header as the sheet has it, or the template's name when the column is absent."""
        return self.headers.get(column, column)

    def bad(self, column: str) -> np.ndarray:
        mask = self.unreadable.get(column)
        return mask if mask is not None else np.zeros(len(self.frame), dtype=bool)

    def shown(self, column: str, row: int) -> str:
        """What the cell at spreadsheet ``row`` held, as an issue quotes it ("" if absent)."""
        cells = self.raw.get(column)
        if cells is None:
            return ""
        return show_value(cell_shown(cells[self.frame.index.get_loc(row)]))

    def issue(
        self, rule: str, column: str, row: int, message: str, *, value: object = None
    ) -> Issue:
        """An issue on this tab's cell; it quotes what the cell held unless given ``value``."""
        return issue(
            rule,
            message,
            tab=self.title,
            cell=self.cell(column, row),
            row=row,
            column=self.header(column),
            value=self.shown(column, row) if value is None else value,
        )


# ------------------------------------------------------------------------------------------------
# Reading the source tabs


def source_titles(titles: Iterable[str], template: Template, config: Config) -> dict[str, str]:
    """Each source tab's title in this workbook (tab name -> title), for the tabs it has.

    Names match ignoring case and spaces; ``[tabs]`` in the config renames a tab. An exact
    spelling wins over a looser one when a workbook has both."""
    titles = list(titles)
    found: dict[str, str] = {}
    for name in template.tabs:
        wanted = config.tabs.get(name, name)
        exact = [t for t in titles if t == wanted]
        loose = [t for t in titles if normalise(t) == normalise(wanted)]
        if exact or loose:
            found[name] = (exact or loose)[0]
    return found


def read_tables(
    contents: Contents, template: Template, config: Config
) -> tuple[dict[str, Table], list[Issue]]:
    """Every source tab as a typed ``Table``, and the issues found on the way.

    Issues here: ``tab.missing``, ``header.missing``, ``header.duplicate``, ``value.type``,
    ``value.enum``. A missing tab gives an empty Table (title "") so checks need no special
    case."""
    titles = source_titles(contents.tabs, template, config)
    tables: dict[str, Table] = {}
    found: list[Issue] = []
    for name, spec in template.tabs.items():
        title = titles.get(name)
        if title is None:
            if name not in OPTIONAL_TABS:  # an absent Crew or Equipment tab is no finding
                found.append(_tab_missing(spec, config))
            tables[name] = empty_table(spec)
            continue
        table, issues = read_tab(contents.tabs[title], spec, config, date1904=contents.date1904)
        if name in OPTIONAL_TABS:
            table, issues = _optional(table, issues)
        tables[name] = table
        found.extend(issues)
    return tables, found


def _optional(table: Table, issues: list[Issue]) -> tuple[Table, list[Issue]]:
    """An optional tab (Crew, Equipment) without its required columns is a tab of the team's
    own that happens to have the name: a warning saying so, and the tab is not read, so that
    a workbook that worked before still does."""
    if all(c.name in table.letters for c in table.spec.columns if c.required):
        return table, issues
    kept = [i for i in issues if i.rule != "header.missing"]
    needed = ", ".join(c.name for c in table.spec.columns if c.required)
    note = issue(
        "header.missing",
        f"The {table.title} tab has no {needed} column, so prodsheets does not read it as the "
        f"{table.name} tab; add the header to use it, or rename the tab to keep it as it is.",
        tab=table.title,
    )
    return empty_table(table.spec), [*kept, replace(note, severity=Severity.WARNING)]


def _tab_missing(spec: TabSpec, config: Config) -> Issue:
    wanted = config.tabs.get(spec.name, spec.name)
    headers = ", ".join(c.name for c in spec.columns)
    if wanted != spec.name:
        where = (
            f"prodsheets.toml says the {spec.name} tab is called '{wanted}' ([tabs]), "
            "but the workbook has no tab of that name"
        )
    else:
        where = f"The workbook has no '{spec.name}' tab"
    return issue(
        "tab.missing",
        f"{where}. Add a tab named '{wanted}' with the headers {headers} in row 1 "
        "(`prodsheets init` lays one out), or, if the tab has another name, set it under "
        f'[tabs] in prodsheets.toml ({spec.name} = "Your tab name").',
        tab=wanted,
    )


def _blank_array(spec_column_type: str, n: int, default: object = None) -> object:
    if spec_column_type == "money":
        return pd.array([pd.NA] * n, dtype="Int64")
    if spec_column_type in ("date", "datetime"):
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    out = np.empty(n, dtype=object)
    out[:] = [()] * n if spec_column_type in ("list", "dates") else [default] * n
    return out


def _frame(spec: TabSpec, columns: dict[str, object], index: pd.Index) -> pd.DataFrame:
    """A DataFrame in template order, each column with the dtype the Table contract names."""
    n = len(index)
    data: dict[str, pd.Series] = {}
    for column in spec.columns:
        values = columns.get(column.name)
        if values is None:
            values = _blank_array(column.type, n, column.default or None if column.enum else None)
        dtype = object if column.type in ("text", "email", "list", "integer", "dates") else None
        data[column.name] = pd.Series(values, index=index, dtype=dtype, copy=False)
    return pd.DataFrame(data, index=index, copy=False)


def empty_table(spec: TabSpec, title: str = "") -> Table:
    """A Table with no rows (a missing tab, or one with nothing under its headers)."""
    index = pd.Index(np.zeros(0, dtype=np.int64), name="row")
    date_only = {c.name: np.zeros(0, dtype=bool) for c in spec.columns if c.type == "datetime"}
    return Table(spec=spec, title=title, frame=_frame(spec, {}, index), date_only=date_only)


def _header_text(value: RawCell) -> str:
    if value is None or not isinstance(value, str | int | float) or isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _body_columns(rows: list[list[RawCell]], wanted: list[int]) -> list[np.ndarray]:
    """The data rows' cells of the wanted columns, as object arrays (ragged rows padded)."""
    body = rows[1:]
    n = len(body)
    if not wanted:
        return []
    width = max(wanted) + 1
    if n == 0:
        return [np.empty(0, dtype=object) for _ in wanted]
    lengths = np.fromiter(map(len, body), dtype=np.int64, count=n)
    full = max(width, int(lengths.max()))
    short = np.flatnonzero(lengths < full)
    if len(short):
        body = list(body)
        for k in short:
            body[k] = [*body[k], *([None] * (full - len(body[k])))]
    grid = np.empty((n, full), dtype=object)
    grid[:] = body  # one pass over the rows: far cheaper than one pass per column
    columns = [np.ascontiguousarray(grid[:, j]) for j in wanted]
    for column in columns:  # an empty cell may come as "" (calamine): it is blank, as None is
        column[np.asarray(column == "", dtype=bool)] = None
    return columns


_HEADER_SEARCH_ROWS = 10


def _fill_merged(
    raw: RawTab, spec: TabSpec, positions: dict[str, int], cells: dict[str, np.ndarray]
) -> dict[str, dict[int, str]]:
    """A cell merged down over several rows (one Department for four budget lines) means its
    value on each of them, as the sheet shows it. Money is the exception: an amount merged
    over two lines is one amount, so it stays on the first line only; the money cells a merge
    covers are returned (column -> {row: "F2:F3"}) so that an issue on one can say why."""
    money = {j: name for name, j in positions.items() if spec.column(name).type == "money"}
    covered: dict[str, dict[int, str]] = {}
    for first_row, first_col, last_row, last_col in raw.merged:
        if first_row < 1:
            continue  # a merge from the header down: not data
        span = f"{column_letter(first_col)}{first_row + 1}:{column_letter(last_col)}{last_row + 1}"
        for j in range(first_col, last_col + 1):
            name = money.get(j)
            if name is None:
                continue
            for r in range(first_row, last_row + 1):
                if (r, j) != (first_row, first_col):
                    covered.setdefault(name, {})[r + 1] = span
    columns = {j: name for name, j in positions.items() if spec.column(name).type != "money"}
    for first_row, first_col, last_row, _ in raw.merged:
        name = columns.get(first_col)
        body = cells.get(name) if name is not None else None
        if body is None or not 1 <= first_row <= len(body) or last_row <= first_row:
            continue  # not a data column, a merge from the header down, or a single row
        value = body[first_row - 1]
        if value is None:
            continue
        below = body[first_row : min(last_row, len(body))]
        blank = np.asarray(below == None, dtype=bool)  # noqa: E711 (element-wise)
        below[blank] = value
    return covered


def _header_row_below(rows: list[list[RawCell]], lookup: dict[str, str]) -> int | None:
    """The row (as the sheet numbers it) of the first of rows 2..10 holding two or more of
    the tab's headers, when row 1 holds none: a title or a blank row pushed them down."""
    for k, row in enumerate(rows[1:_HEADER_SEARCH_ROWS], start=2):
        names = {lookup.get(header_key(text)) for text in map(_header_text, row) if text}
        if len(names - {None}) >= 2:
            return k
    return None


def read_tab(
    raw: RawTab, spec: TabSpec, config: Config, *, date1904: bool = False
) -> tuple[Table, list[Issue]]:
    """One source tab: match row 1 to the template's columns, then read every data row
    (``date1904``: the workbook's date serials count from 1904, see ``Contents``)."""
    found: list[Issue] = []
    header_row = raw.rows[0] if raw.rows else []
    lookup: dict[str, str] = {}
    for column in spec.columns:  # names win over aliases
        lookup.setdefault(header_key(column.name), column.name)
    for column in spec.columns:
        for alias in column.aliases:
            lookup.setdefault(header_key(alias), column.name)

    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    letters: dict[str, str] = {}
    for j, value in enumerate(header_row):
        text = _header_text(value)
        name = lookup.get(header_key(text)) if text else None
        if name is None:
            continue
        if name in positions:
            first = headers[name]
            found.append(
                issue(
                    "header.duplicate",
                    f"'{text}' and '{first}' (column {letters[name]}) both mean the {name} "
                    f"column; prodsheets reads column {letters[name]}. Rename or remove one.",
                    tab=raw.title,
                    cell=f"{column_letter(j)}1",
                    row=1,
                    column=text,
                    value=value,
                )
            )
            continue
        positions[name] = j
        headers[name] = text
        letters[name] = column_letter(j)

    lower = _header_row_below(raw.rows, lookup) if not positions else None
    if lower is not None:
        found.append(
            issue(
                "header.missing",
                f"The {raw.title} tab's headers are in row {lower}, but prodsheets reads them "
                f"from row 1; delete the row{'s' if lower > 2 else ''} above them (a title "
                "can go in a note or another tab).",
                tab=raw.title,
            )
        )
    for column in spec.columns:
        if lower is not None:
            break
        if column.required and column.name not in positions:
            also = f" (or {', '.join(column.aliases)})" if column.aliases else ""
            found.append(
                issue(
                    "header.missing",
                    f"The {raw.title} tab has no {column.name} column{also}; add a "
                    f"'{column.name}' header in row 1.",
                    tab=raw.title,
                    column=column.name,
                )
            )

    names = list(positions)
    cells = dict(zip(names, _body_columns(raw.rows, [positions[c] for c in names]), strict=True))
    merged = _fill_merged(raw, spec, positions, cells)
    parsed: dict[str, Parsed] = {
        name: parse_column(
            cells[name],
            spec.column(name),
            date_order=config.date_order,
            decimal_comma=config.decimal_comma,
            date1904=date1904,
        )
        for name in names
    }
    n = max(len(raw.rows) - 1, 0)
    blank_row = np.ones(n, dtype=bool)
    for result in parsed.values():
        blank_row &= result.blank
    keep = ~blank_row
    rows = np.flatnonzero(keep).astype(np.int64) + 2
    index = pd.Index(rows, name="row")
    everything_kept = bool(keep.all())

    columns: dict[str, object] = {}
    unreadable: dict[str, np.ndarray] = {}
    date_only: dict[str, np.ndarray] = {}
    raw_cells: dict[str, np.ndarray] = {}
    for name in names:
        result = parsed[name] if everything_kept else parsed[name].take(keep)
        kept_cells = cells[name] if everything_kept else cells[name][keep]
        columns[name] = result.array()
        unreadable[name] = result.bad
        raw_cells[name] = kept_cells
        if result.kind == "datetime" and result.date_only is not None:
            date_only[name] = result.date_only
        for position, problem in sorted(result.problems.items()):
            row = int(rows[position])
            found.append(
                issue(
                    problem.rule,
                    problem.message,
                    tab=raw.title,
                    cell=f"{letters[name]}{row}",
                    row=row,
                    column=headers[name],
                    value=cell_shown(kept_cells[position]),
                )
            )
    for column in spec.columns:
        if column.type == "datetime" and column.name not in date_only:
            date_only[column.name] = np.zeros(len(rows), dtype=bool)

    table = Table(
        spec=spec,
        title=raw.title,
        frame=_frame(spec, columns, index),
        headers=headers,
        letters=letters,
        unreadable=unreadable,
        date_only=date_only,
        raw=raw_cells,
        merged=merged,
    )
    return table, found
