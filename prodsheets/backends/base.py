"""The one small interface every workbook backend implements.

The checks, figures and summary tables never know where the workbook lives: a backend reads
the source tabs as raw cell values and writes the owned summary tabs in one atomic step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True)
class CellProblem:
    """A cell whose value the backend could not give, e.g. a formula saved without its result.

    The parser reports it as a ``value.type`` issue on that cell with ``reason`` as the message.
    """

    shown: str  # what to quote back ("=SUM(F2:F9)")
    reason: str  # one plain sentence naming the fix


# What a backend hands over for one cell, untouched: the parser decides what it means.
#  - str for text (formula error values such as "#REF!" arrive as that text),
#  - int / float for numbers (a Google date arrives as its serial number),
#  - bool, datetime.date / datetime.datetime / datetime.time where the file types them,
#  - CellProblem where the backend knows the value is missing,
#  - None or "" for an empty cell.
RawCell = (
    str | int | float | bool | dt.datetime | dt.date | dt.time | dt.timedelta | CellProblem | None
)


@dataclass(frozen=True)
class RawTab:
    """A source tab as the workbook holds it; rows[0] is the header row, rows may be ragged."""

    title: str
    rows: list[list[RawCell]]
    # Merged cells, each (first row, first column, last row, last column), 0-based like
    # ``rows``: only the first cell of a merge holds its value.
    merged: tuple[tuple[int, int, int, int], ...] = ()


@dataclass(frozen=True)
class Contents:
    """What ``read`` found: every tab's title, which of them are ours, and the chosen tabs."""

    titles: list[str]
    owned: frozenset[str]
    tabs: dict[str, RawTab]  # by title, only the tabs ``read`` was asked for
    # The workbook counts date serials from 1904-01-01 (old Mac Excel's "1904 date system"),
    # so a bare number in a date column means a day 1462 days later than in a 1900 workbook.
    date1904: bool = False


class Format(StrEnum):
    """How a summary column is shown."""

    TEXT = "text"
    MONEY = "money"  # Decimal, shown as #,##0.00 with negatives in parentheses
    PERCENT = "percent"  # Decimal fraction, 0.125 shown as 12.5%
    INTEGER = "integer"
    NUMBER = "number"  # Decimal with one decimal place (e.g. mean days late)
    DATE = "date"
    DATETIME = "datetime"


class RowStyle(StrEnum):
    """How a summary row is marked: a section header, a total, or a budget line in trouble."""

    SECTION = "section"  # a sub-header inside a tab (e.g. "By category")
    TOTAL = "total"
    OVER = "over"  # over budget: red fill
    AT_RISK = "at_risk"  # at or past the near-limit threshold: amber fill


SummaryValue = str | int | Decimal | dt.date | dt.datetime | None


@dataclass(frozen=True)
class SummaryColumn:
    name: str
    format: Format = Format.TEXT
    width: int = 14  # in characters, as Excel counts them
    wrap: bool = False  # long text wraps within the width instead of running on


@dataclass(frozen=True)
class ChartSpec:
    """A column chart a backend draws on a tab, beside its own columns.

    The data are cells of another owned tab (``source``): the categories in column
    ``categories`` and one series per column in ``series`` (0-based), over ``rows`` (indexes
    into that table's ``rows``, end excluded); each series is named by its column's header."""

    title: str
    source: str
    categories: int
    series: tuple[int, ...]
    rows: tuple[int, int]
    axis_title: str = ""


@dataclass(frozen=True)
class CellLink:
    """Where a cell of a summary tab takes a person who clicks it: a cell of another tab."""

    tab: str
    cell: str  # A1, e.g. "F12"


@dataclass(frozen=True)
class SummaryTable:
    """One owned tab, ready to write: row 1 is ``columns``, then ``rows`` as values."""

    title: str
    columns: tuple[SummaryColumn, ...]
    rows: list[tuple[SummaryValue, ...]]
    styles: dict[int, RowStyle] = field(default_factory=dict)  # index into rows -> style
    # Rows whose cells follow their own formats, e.g. a section with other columns:
    # index into rows -> formats for that row's cells (overrides ``columns``' formats).
    row_formats: dict[int, tuple[Format, ...]] = field(default_factory=dict)
    # ISO 4217 code the money cells are in, shown by their number format ("" shows none)
    currency: str = ""
    # Kept out of sight (the History log): people need not see it, nothing stops them.
    hidden: bool = False
    # The first ``kept`` rows are in the tab already, exactly so (an append-only log): a
    # backend may send only the rows after them, so a long log costs little to extend.
    kept: int = 0
    # Rows whose budget is in trouble (OVER or AT_RISK), for the backends' conditional
    # formats: said here, never re-derived from what the cells read.
    status: dict[int, RowStyle] = field(default_factory=dict)
    chart: ChartSpec | None = None  # a chart to draw on this tab
    # (index into rows, column) -> the cell that cell links to (a hyperlink, never a formula)
    links: dict[tuple[int, int], CellLink] = field(default_factory=dict)

    def status_runs(self, style: RowStyle) -> list[tuple[int, int]]:
        """The rows whose ``status`` is ``style``, as (first, last) runs of consecutive rows,
        so that a backend marks each run with one range."""
        return row_runs(i for i, s in self.status.items() if s is style and i < len(self.rows))

    def format_of(self, row: int, col: int) -> Format:
        formats = self.row_formats.get(row)
        if formats is not None:
            return formats[col] if col < len(formats) else Format.TEXT
        return self.columns[col].format if col < len(self.columns) else Format.TEXT


def row_runs(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Row indexes as (first, last) runs of consecutive rows: [1, 2, 3, 7] -> [(1, 3), (7, 7)]."""
    runs: list[tuple[int, int]] = []
    for row in sorted(rows):
        if runs and row == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


@dataclass(frozen=True)
class LayoutTab:
    """A source tab for ``init`` to lay out: headers, widths, formats, dropdowns, example rows."""

    title: str
    headers: tuple[str, ...]
    widths: tuple[int, ...]
    formats: tuple[Format, ...]
    # column index -> allowed values (a dropdown), or a "Tab!A2:A" range reference
    dropdowns: dict[int, tuple[str, ...] | str]
    rows: list[tuple[SummaryValue, ...]] = field(default_factory=list)


class Workbook(Protocol):
    """A workbook prodsheets can read and write, wherever it lives."""

    location: str  # how a person named it, for messages (never a credential)
    # A backend whose one write is bounded (Google) says how much one sync may add to the
    # History log (None: no bound), and which hidden tabs its last ``write`` had no room for.
    history_bytes: int | None
    left_out: tuple[str, ...]

    def read(self, select: Sequence[str] | None = None) -> Contents:
        """Read tab titles, ownership, and the raw cells of the tabs named in ``select``.

        Names in ``select`` match titles the way people type them: compare
        ``template.normalise(title)`` with ``template.normalise(name)`` (case and spaces
        ignored). None means every tab. ``Contents.tabs`` is keyed by the workbook's own
        title. Remembers what it saw, so that ``write`` can refuse when the workbook changed
        underneath us."""
        ...

    def write(self, tables: Sequence[SummaryTable]) -> None:
        """Create or replace the owned summary tabs in one atomic step.

        Raises ``NotOwnedError`` (a tab of that name exists and is not ours),
        ``WorkbookChanged`` or ``WorkbookLocked``; writes nothing in those cases."""
        ...

    def lay_out(self, tabs: Sequence[LayoutTab], *, force: bool) -> list[str]:
        """Create the source tabs the workbook lacks (``init``), in a new file or beside
        everything already there, which stays as it was; a tab that exists is left alone
        whatever ``force`` says (it only overrides the lock-file check). Returns the titles
        it wrote."""
        ...
