"""Source tabs, read into typed tables (one pandas DataFrame per tab).

This is where a header is matched to its template column and where each cell's text becomes a
typed value, or an issue on that cell. Everything after this step works on typed tables.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from dataclasses import replace as replace_config

import numpy as np
import pandas as pd

from prodsheets.a1 import column_letter
from prodsheets.backends.base import Contents, RawCell, RawTab
from prodsheets.cells import Parsed, cell_shown, parse_column, parse_money
from prodsheets.config import Config
from prodsheets.currency import consistent, likeliest
from prodsheets.errors import ConfigError
from prodsheets.issues import Issue, Severity, issue, show_value
from prodsheets.template import OPTIONAL_TABS, Column, TabSpec, Template, header_key, normalise


@dataclass(frozen=True)
class TotalRow:
    """A row that says Total, Subtotal or Grand Total: what it totals and the amounts it shows.

    ``department`` is the name the row gives ("" for a grand total or a bare Subtotal);
    ``amounts`` holds, per money column the row has a readable amount in, its cents."""

    row: int  # as the sheet numbers it
    label: str  # the cell's text, as typed ("Lighting Subtotal")
    grand: bool  # Total or Grand Total with no department: every line of the tab
    department: str
    amounts: dict[str, int]


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
    # column -> bool array aligned with frame rows: the cell held a placeholder ("TBD", "-"),
    # already a value.placeholder warning: not blank, but no value yet.
    placeholder: dict[str, np.ndarray] = field(default_factory=dict)
    header_row: int = 1  # the row of the sheet that holds the headers (a title may sit above)
    # how many readable money cells showed each currency mark ("£": 40), and the currency
    # the production counts in ("" when neither the config nor the cells say)
    marks: Counter[str] = field(default_factory=Counter)
    currency: str = ""
    # rows that say Total / Subtotal / Grand Total: not lines, checked by budget.sheet_total
    totals: list[TotalRow] = field(default_factory=list)

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
        return self.cell(column, self.header_row)

    def held_placeholder(self, column: str) -> np.ndarray:
        mask = self.placeholder.get(column)
        return mask if mask is not None else np.zeros(len(self.frame), dtype=bool)

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
                found.append(_tab_missing(spec, config, contents.titles))
            tables[name] = empty_table(spec)
            continue
        table, issues = read_tab(contents.tabs[title], spec, config, date1904=contents.date1904)
        if name in OPTIONAL_TABS:
            table, issues = _optional(table, issues)
        tables[name] = table
        found.extend(issues)
    if not config.currency:
        currency = likeliest(m for t in tables.values() for m in t.marks.elements())
        if currency and any(not consistent(m, currency) for t in tables.values() for m in t.marks):
            # cells in more than one currency: read again, the odd ones out flagged
            return read_tables(contents, template, replace_config(config, currency=currency))
        for table in tables.values():
            table.currency = currency
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


def production_currency(tables: Mapping[str, Table]) -> str:
    """The production's currency: the config's, else the one most money cells show ("")."""
    return next((t.currency for t in tables.values() if t.currency), "")


def look_alike_tabs(spec: TabSpec, titles: Iterable[str]) -> list[str]:
    """Tabs whose name holds the tab's name or one of its aliases, singular or plural
    ("Budget 2026" for Budget, "Suppliers" for Vendors)."""
    words = {normalise(w) for w in (spec.name, *spec.aliases)}
    stems = {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words}
    return [t for t in titles if any(stem in normalise(t) for stem in stems)]


def _tab_missing(spec: TabSpec, config: Config, titles: Iterable[str] = ()) -> Issue:
    wanted = config.tabs.get(spec.name, spec.name)
    alike = look_alike_tabs(spec, titles)
    if alike:
        return issue(
            "tab.missing",
            f"The workbook has no '{wanted}' tab, but it has '{alike[0]}'; if that is the "
            f"{spec.name} tab, say so under [tabs] in prodsheets.toml ({spec.name} = "
            f'"{alike[0]}"), or run prodsheets adopt to map the whole workbook.',
            tab=wanted,
        )
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


def header_text(value: RawCell) -> str:
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
    raw: RawTab,
    spec: TabSpec,
    positions: dict[str, int],
    cells: dict[str, np.ndarray],
    offset: int = 0,
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
        top, bottom = first_row + 1 + offset, last_row + 1 + offset
        span = f"{column_letter(first_col)}{top}:{column_letter(last_col)}{bottom}"
        for j in range(first_col, last_col + 1):
            name = money.get(j)
            if name is None:
                continue
            for r in range(first_row, last_row + 1):
                if (r, j) != (first_row, first_col):
                    covered.setdefault(name, {})[r + 1 + offset] = span
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


# ------------------------------------------------------------------------------------------------
# Finding the header row and matching its headers

# How well a header matches a column: the workbook's own mapping, the column's name, one of
# its aliases, or a name or alias only once a unit or marker is stripped ("Budgeted ($)").
MAPPED, NAME, ALIAS, LOOSE = 4, 3, 2, 1


@dataclass(frozen=True)
class Matched:
    """Which sheet column each template column is read from, and the headers that match a
    checked column exactly as well as the one read: (column, position)."""

    positions: dict[str, int]
    duplicates: list[tuple[str, int]]


def mapped_headers(spec: TabSpec, config: Config) -> dict[str, str]:
    """``[columns.<Tab>]`` for this tab (template column -> this workbook's header); a
    column the template does not have is a configuration problem naming both."""
    mapping = config.columns.get(spec.name, {})
    known = [column.name for column in spec.columns]
    for column, header in mapping.items():
        if column not in known:
            close = difflib.get_close_matches(column, known, n=1, cutoff=0.6)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"{config.source or 'prodsheets.toml'}: [columns.{spec.name}] maps "
                f"{column!r} to the header {header!r}, but the {spec.name} tab has no "
                f"{column!r} column; its columns are {', '.join(known)}.{hint}"
            )
    return dict(mapping)


def _levels(
    spec: TabSpec, mapping: dict[str, str]
) -> tuple[dict[str, tuple[str, int]], dict[str, str]]:
    """Exact lookups (normalised header -> column, level) and loose ones (header_key ->
    column). Names are looked up before aliases, so a column's name is never another's
    alias; a mapped header means its column and nothing else."""
    exact: dict[str, tuple[str, int]] = {}
    loose: dict[str, str] = {}
    for mapped, header in mapping.items():
        exact[normalise(header)] = (mapped, MAPPED)
    for column in spec.columns:
        exact.setdefault(normalise(column.name), (column.name, NAME))
        loose.setdefault(header_key(column.name), column.name)
    for column in spec.columns:
        for alias in column.aliases:
            exact.setdefault(normalise(alias), (column.name, ALIAS))
            loose.setdefault(header_key(alias), column.name)
    return exact, loose


def _match(
    text: str, exact: dict[str, tuple[str, int]], loose: dict[str, str]
) -> tuple[str, int] | None:
    if not text:
        return None
    found = exact.get(normalise(text))
    if found is not None:
        return found
    column = loose.get(header_key(text))
    return (column, LOOSE) if column is not None else None


def match_headers(header_row: list[RawCell], spec: TabSpec, mapping: dict[str, str]) -> Matched:
    """The best header for each column: mapped > name > alias > loose; of equals the first.
    A weaker match of a column already matched is an extra column, left alone."""
    exact, loose = _levels(spec, mapping)
    best: dict[str, tuple[int, int]] = {}  # column -> (level, position)
    ties: dict[str, list[int]] = {}
    for j, value in enumerate(header_row):
        found = _match(header_text(value), exact, loose)
        if found is None:
            continue
        column, level = found
        held = best.get(column)
        if held is None or level > held[0]:
            best[column] = (level, j)
            ties[column] = []
        elif level == held[0]:
            ties[column].append(j)
    duplicates = [
        (column, j)
        for column, positions in ties.items()
        for j in positions
        if _checked(spec.column(column))
    ]
    return Matched({column: j for column, (_, j) in best.items()}, duplicates)


def _checked(column: Column) -> bool:
    """A column some check or figure reads: two equally good headers for it are ambiguous.
    Free text such as Notes is only carried along, so a second one is just an extra column."""
    return bool(
        column.required or column.type != "text" or column.enum or column.unique or column.ref
    )


def header_row_of(
    rows: list[list[RawCell]], spec: TabSpec, mapping: dict[str, str], override: int | None
) -> int:
    """The header row as the sheet numbers it: ``[header_row]`` when set, else the first of
    rows 1-10 holding every required column, else the one holding most of the tab's headers
    (a title or a note may sit above them), else row 1."""
    if override is not None:
        return override
    exact, loose = _levels(spec, mapping)
    required = {column.name for column in spec.columns if column.required}
    most, chosen = 0, 1
    for k, row in enumerate(rows[:_HEADER_SEARCH_ROWS], start=1):
        names = {found[0] for v in row if (found := _match(header_text(v), exact, loose))}
        if required and required <= names:
            return k
        if len(names) > most:
            most, chosen = len(names), k
    return chosen


def _check_mapping(
    raw: RawTab,
    spec: TabSpec,
    mapping: dict[str, str],
    header_row: list[RawCell],
    row_number: int,
) -> None:
    """A mapped header the tab does not have is a configuration problem (exit 2)."""
    have = {normalise(header_text(v)) for v in header_row}
    for column, header in mapping.items():
        if normalise(header) not in have:
            shown = [t for t in map(header_text, header_row) if t]
            close = difflib.get_close_matches(header, shown, n=1, cutoff=0.6)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"[columns.{spec.name}] in prodsheets.toml maps {column} to the header "
                f"{header!r}, but row {row_number} of the {raw.title} tab has no such header.{hint}"
            )


def _missing_columns(
    raw: RawTab,
    spec: TabSpec,
    positions: dict[str, int],
    header_row: list[RawCell],
    row_number: int,
) -> list[Issue]:
    """A required column absent is an error; an optional money column absent (Actual,
    Committed, ETC, Allocation) a warning, since the figures then count it as 0 without a
    word, and the header the tab has that looks most like it is named."""
    found: list[Issue] = []
    taken = set(positions.values())
    unplaced = [
        text for j, v in enumerate(header_row) if j not in taken and (text := header_text(v))
    ]
    for column in spec.columns:
        if column.name in positions:
            continue
        if column.required:
            also = f" (or {', '.join(column.aliases)})" if column.aliases else ""
            found.append(
                issue(
                    "header.missing",
                    f"The {raw.title} tab has no {column.name} column{also}; add a "
                    f"'{column.name}' header in row {row_number}.",
                    tab=raw.title,
                    column=column.name,
                )
            )
        elif column.type == "money":
            guess = look_alike(unplaced, column)
            hint = (
                f" Did you mean '{guess}'? Map it under [columns.{spec.name}] in "
                f'prodsheets.toml ({column.name} = "{guess}").'
                if guess
                else f" Add a column headed '{column.name}', or map yours under "
                f"[columns.{spec.name}]."
            )
            found.append(
                replace(
                    issue(
                        "header.missing",
                        f"The {raw.title} tab has no {column.name} column, so the figures count "
                        f"{column.name} as 0 on every row.{hint}",
                        tab=raw.title,
                        column=column.name,
                    ),
                    severity=Severity.WARNING,
                )
            )
    return found


_WORD = re.compile(r"[a-z0-9]+")


def look_alike(headers: Iterable[str], column: Column, cutoff: float = 0.6) -> str | None:
    """The header most like ``column``'s name or an alias: one that holds all the words of
    one ("Amount Spent" holds "Spent"), else a close spelling ("Actuals to date")."""
    names = [column.name, *column.aliases]
    best, score = None, cutoff
    for header in headers:
        words = set(_WORD.findall(header.casefold()))
        for name in names:
            wanted = set(_WORD.findall(name.casefold()))
            if wanted and wanted <= words:
                ratio = 0.9 + 0.1 * len(wanted) / max(len(words), 1)
            else:
                ratio = difflib.SequenceMatcher(None, normalise(header), normalise(name)).ratio()
            if ratio > score:
                best, score = header, ratio
    return best


# ------------------------------------------------------------------------------------------------
# Total rows


_TOTAL = re.compile(
    r"^(?P<before>.*?)[\s:\-\u2013\u2014]*\b(?P<kind>grand\s*total|sub[\s\-]*total|total)s?\b"
    r"[\s:\-\u2013\u2014]*(?:for\s+|of\s+)?(?P<after>.*)$",
    re.IGNORECASE,
)
_TOTAL_OR_ODD = re.compile("otal|OTAL|\x01")  # in the first cells, joined (\x01: not text)
_TOTAL_WORDS = 4  # "Total Lighting and Sound": a department name, not a sentence


def total_label(text: str) -> tuple[bool, str] | None:
    """(grand, department) when ``text`` says Total, Subtotal or Grand Total, with or
    without a department name ("Lighting Subtotal", "TOTAL"); None for anything else."""
    found = _TOTAL.match(" ".join(text.split()))
    if found is None:
        return None
    department = " ".join(p for p in (found["before"].strip(), found["after"].strip()) if p)
    if len(department.split()) > _TOTAL_WORDS or any(c.isdigit() for c in department):
        return None  # a sentence, or a code such as "TOTAL-01": a line, not a total
    kind = found["kind"].casefold().replace(" ", "")
    return kind.startswith("grand") or (kind == "total" and not department), department


def total_rows(rows: list[list[RawCell]]) -> list[int]:
    """Positions (in ``rows``; 0 is the header row) of the rows whose first text cell says
    Total, Subtotal or Grand Total.

    A million lines are passed over at C speed: each row's first cell is usually its Code,
    text that says no total; only the rows whose first cell says "otal", is blank or is not
    text are looked at cell by cell."""
    firsts = [row[0] if row else None for row in rows]
    texts = [f if f.__class__ is str and f and not f.isspace() else "\x01" for f in firsts]
    joined = "\x00".join(texts)
    flagged = [m.start() for m in _TOTAL_OR_ODD.finditer(joined)]
    if not flagged:
        return []
    starts = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1)
    others = np.unique(np.searchsorted(starts, flagged, side="right")).tolist()
    found: list[int] = []
    for k in others:
        if k == 0:
            continue
        for value in rows[k]:
            if value.__class__ is str and value.strip():
                says_total = "otal" in value or "OTAL" in value
                if says_total and total_label(value) is not None:
                    found.append(k)
                break
    return found


def _total_row(
    row: list[RawCell], number: int, positions: dict[str, int], spec: TabSpec, config: Config
) -> TotalRow:
    label = next(v for v in row if v.__class__ is str and str(v).strip())
    grand, department = total_label(str(label)) or (True, "")
    amounts: dict[str, int] = {}
    for column in spec.columns:
        j = positions.get(column.name)
        if column.type != "money" or j is None or j >= len(row):
            continue
        parsed = parse_money([row[j]], decimal_comma=config.decimal_comma)
        if not parsed.missing[0]:
            amounts[column.name] = int(parsed.values[0])
    return TotalRow(number, str(label).strip(), grand, department, amounts)


def _shift(
    merged: tuple[tuple[int, int, int, int], ...], offset: int
) -> tuple[tuple[int, int, int, int], ...]:
    """Merged ranges numbered from the header row instead of the sheet's first row."""
    if not offset:
        return merged
    return tuple((r1 - offset, c1, r2 - offset, c2) for r1, c1, r2, c2 in merged if r2 >= offset)


def read_tab(
    raw: RawTab, spec: TabSpec, config: Config, *, date1904: bool = False
) -> tuple[Table, list[Issue]]:
    """One source tab: find its header row, match it to the template's columns, then read
    every data row (``date1904``: the workbook's date serials count from 1904, see
    ``Contents``). Total rows are set aside for ``budget.sheet_total``, not read as lines."""
    found: list[Issue] = []
    mapping = mapped_headers(spec, config)
    row_number = header_row_of(raw.rows, spec, mapping, config.header_row.get(spec.name))
    offset = row_number - 1  # rows above the headers: titles, notes, blank rows
    header_row = raw.rows[offset] if len(raw.rows) > offset else []
    matched = match_headers(header_row, spec, mapping)
    _check_mapping(raw, spec, mapping, header_row, row_number)
    positions = matched.positions
    headers = {name: header_text(header_row[j]) for name, j in positions.items()}
    letters = {name: column_letter(j) for name, j in positions.items()}
    for name, j in matched.duplicates:
        text = header_text(header_row[j])
        found.append(
            issue(
                "header.duplicate",
                f"'{text}' and '{headers[name]}' (column {letters[name]}) both mean the {name} "
                f"column equally well; prodsheets reads column {letters[name]}. Rename or "
                f"remove one, or say which under [columns.{spec.name}] in prodsheets.toml.",
                tab=raw.title,
                cell=f"{column_letter(j)}{row_number}",
                row=row_number,
                column=text,
                value=header_row[j],
            )
        )
    found.extend(_missing_columns(raw, spec, positions, header_row, row_number))

    body_rows = raw.rows[offset:]
    has_money = any(column.type == "money" for column in spec.columns)
    totals_at = total_rows(body_rows) if has_money else []
    rows_seen = body_rows
    if totals_at:
        rows_seen = list(body_rows)
        for k in totals_at:
            rows_seen[k] = []  # a total row is not a line: its cells are not read as one
    raw_body = RawTab(raw.title, rows_seen, _shift(raw.merged, offset))
    found_body, table = _read_body(
        raw_body, spec, config, positions, headers, letters, offset, date1904
    )
    found.extend(found_body)
    table.header_row = row_number
    table.currency = config.currency
    table.totals = [
        _total_row(body_rows[k], k + 1 + offset, positions, spec, config) for k in totals_at
    ]
    return table, found


def _read_body(
    raw: RawTab,
    spec: TabSpec,
    config: Config,
    positions: dict[str, int],
    headers: dict[str, str],
    letters: dict[str, str],
    offset: int,
    date1904: bool,
) -> tuple[list[Issue], Table]:
    """The data rows under the header row (``raw.rows[0]``), numbered as the sheet numbers
    them (``offset`` rows sit above the headers)."""
    found: list[Issue] = []
    names = list(positions)
    cells = dict(zip(names, _body_columns(raw.rows, [positions[c] for c in names]), strict=True))
    merged = _fill_merged(raw, spec, positions, cells, offset)
    parsed: dict[str, Parsed] = {
        name: parse_column(
            cells[name],
            spec.column(name),
            date_order=config.date_order,
            decimal_comma=config.decimal_comma,
            date1904=date1904,
            currency=config.currency,
        )
        for name in names
    }
    n = max(len(raw.rows) - 1, 0)
    blank_row = np.ones(n, dtype=bool)
    for result in parsed.values():
        blank_row &= result.blank
    keep = ~blank_row
    rows = np.flatnonzero(keep).astype(np.int64) + 2 + offset
    index = pd.Index(rows, name="row")
    everything_kept = bool(keep.all())

    columns: dict[str, object] = {}
    unreadable: dict[str, np.ndarray] = {}
    date_only: dict[str, np.ndarray] = {}
    raw_cells: dict[str, np.ndarray] = {}
    placeholder: dict[str, np.ndarray] = {}
    marks: Counter[str] = Counter()
    for name in names:
        result = parsed[name] if everything_kept else parsed[name].take(keep)
        kept_cells = cells[name] if everything_kept else cells[name][keep]
        columns[name] = result.array()
        unreadable[name] = result.bad
        if result.placeholder is not None and result.placeholder.any():
            placeholder[name] = result.placeholder
        marks.update(result.marks)
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
        placeholder=placeholder,
        marks=marks,
    )
    return found, table
