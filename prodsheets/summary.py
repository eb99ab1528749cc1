"""Figures and issues -> the summary tabs prodsheets owns, ready for a backend to write.

Every cell is a value, never a formula, so a script reading the workbook sees what a person
sees. Money leaves integer cents only here, as an exact ``Decimal`` to the cent; percentages
are ``Decimal`` fractions (0.125 is shown as 12.5%); dates stay dates.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from prodsheets.backends.base import (
    CellLink,
    ChartSpec,
    Format,
    RowStyle,
    SummaryColumn,
    SummaryTable,
    SummaryValue,
)
from prodsheets.figures import TOTAL, Figures
from prodsheets.history import COLUMNS as HISTORY_COLUMNS
from prodsheets.history import Comparison, Digest, Log, Movement, log_rows
from prodsheets.issues import Issue, count, sort_issues
from prodsheets.issues import label as rule_label
from prodsheets.resource_report import ResourceFigures, crew_report_tab, with_equipment
from prodsheets.tables import Table

SUMMARY, BUDGET_VARIANCE, SCHEDULE_REPORT, VENDOR_REPORT, ISSUES = (
    "Summary",
    "Budget Variance",
    "Schedule Report",
    "Vendor Report",
    "Issues",
)
CHANGES, HISTORY = "Changes", "History"
OWNED_TABS = (SUMMARY, BUDGET_VARIANCE, SCHEDULE_REPORT, VENDOR_REPORT, CHANGES, HISTORY, ISSUES)

# Past this many rows a tab ends with a row saying how many more there are (SPEC.md). On Google
# the backend may stop sooner, with the same kind of row, to keep its one request within the
# API's recommended 2 MB (10,000 issue rows are about 4.8 MB).
MAX_ROWS = 10_000
NEXT_MILESTONES = 5

_PERCENT_STEP = Decimal("0.0001")  # 12.34%
_DAYS_STEP = Decimal("0.1")
_BUDGET_TOTALS = ("Budgeted", "Actual", "Committed", "ETC", "EFC", "Over/(Under)")
_MONEY = Format.MONEY
_TEXT = Format.TEXT


def build_summary(
    figures: Figures,
    issues: list[Issue],
    tables: dict[str, Table],
    *,
    as_of: dt.date,
    synced_at: dt.datetime,
    workbook: str,
    compared: Comparison | None = None,
    log: Log | None = None,
    kept: int = 0,
) -> list[SummaryTable]:
    """The owned tabs, in the order they appear in the workbook (the Crew Report when there
    is a Crew tab); with ``log`` (what the History holds after this sync) also Changes and the
    hidden History, and with ``compared`` the movement since the previous sync."""
    resources = figures.resources or ResourceFigures()
    summary = summary_tab(
        figures, issues, tables, as_of=as_of, synced_at=synced_at, workbook=workbook
    )
    variance = budget_variance_tab(figures, tables)
    if compared is not None and compared.movement is not None:
        summary = with_period(summary, compared.movement)
        variance = with_movement(variance, compared.movement)
    built = [
        summary,
        variance,
        with_equipment(schedule_report_tab(figures, issues, tables), resources),
        vendor_report_tab(figures),
    ]
    if log is not None:
        built.append(changes_tab(compared.digest if compared is not None else None))
        built.append(history_tab(log, kept=kept))
    if resources.crew is not None:
        built.append(crew_report_tab(resources.crew, issues))
    built.append(issues_tab(issues))
    return [table if table.hidden else fit_widths(table) for table in built]


# --- values ----------------------------------------------------------------------------------


def money(cents: object) -> Decimal | None:
    """Integer cents as an exact Decimal to the cent (12345 -> 123.45); None when blank."""
    if _blank(cents):
        return None
    return Decimal(int(cents)).scaleb(-2)  # type: ignore[call-overload]


def fraction(over: object, budgeted: object) -> Decimal | None:
    """Over/(Under) as a fraction of Budgeted, from the exact cents (None when Budgeted is 0)."""
    if _blank(over) or _blank(budgeted) or int(budgeted) == 0:  # type: ignore[call-overload]
        return None
    value = Decimal(int(over)) / Decimal(int(budgeted))  # type: ignore[call-overload]
    return value.quantize(_PERCENT_STEP, rounding=ROUND_HALF_UP)


def _number(value: object, step: Decimal = _DAYS_STEP) -> Decimal | None:
    if _blank(value):
        return None
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        return None
    return Decimal(repr(number)).quantize(step, rounding=ROUND_HALF_UP)


def _integer(value: object) -> int | None:
    return None if _blank(value) else int(value)  # type: ignore[call-overload]


def _date(value: object) -> dt.date | None:
    if _blank(value):
        return None
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def _text(value: object) -> str:
    return "" if _blank(value) else str(value)


def _blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def _capped(rows: list[tuple[SummaryValue, ...]], width: int, what: str) -> None:
    """Keep the first MAX_ROWS rows; a last row says how many more were left out."""
    more = len(rows) - MAX_ROWS
    if more > 0:
        del rows[MAX_ROWS:]
        note = f"{more:,} more {what} are not shown here; run prodsheets validate to list them all."
        rows.append((note,) + (None,) * (width - 1))


# Counted next to the Total Allocation and Unallocated, which are left blank while it is not 0.
ALLOCATIONS_LEFT_OUT = "Department Allocations that could not be read"

# --- Summary ---------------------------------------------------------------------------------


def summary_tab(
    figures: Figures,
    issues: list[Issue],
    tables: dict[str, Table],
    *,
    as_of: dt.date,
    synced_at: dt.datetime,
    workbook: str,
) -> SummaryTable:
    """Metric / Value rows: when, where, the money in one place, counts, what comes next."""
    rows: list[tuple[SummaryValue, ...]] = []
    formats: dict[int, tuple[Format, ...]] = {}
    styles: dict[int, RowStyle] = {}

    def add(metric: str, value: SummaryValue, form: Format = _TEXT) -> int:
        rows.append((metric, value))
        if form is not _TEXT:
            formats[len(rows) - 1] = (_TEXT, form)
        return len(rows) - 1

    add("As of", as_of, Format.DATE)
    add("Last sync", synced_at, Format.DATETIME)
    add("Workbook", workbook)
    total = figures.by_department.iloc[-1] if len(figures.by_department) else None

    def cents(column: str) -> object:
        return None if total is None or column not in total.index else total[column]

    for column in _BUDGET_TOTALS:
        at = add(column, money(cents(column)), _MONEY)
        if column == "Over/(Under)" and total is not None:
            style = _budget_style(total.get("Status"))
            if style is not None:
                styles[at] = style
    add("Over %", fraction(cents("Over/(Under)"), cents("Budgeted")), Format.PERCENT)
    add("Uncommitted", money(cents("Uncommitted")), _MONEY)
    add("Allocation", money(cents("Allocation")), _MONEY)
    add("Unallocated", money(cents("Unallocated")), _MONEY)
    add(ALLOCATIONS_LEFT_OUT, figures.excluded_allocations, Format.INTEGER)
    add("Budget lines counted", len(figures.lines), Format.INTEGER)
    add("Budget lines left out of the figures", figures.excluded_lines, Format.INTEGER)
    counts = count(issues)
    add("Errors", counts["error"], Format.INTEGER)
    add("Warnings", counts["warning"], Format.INTEGER)
    upcoming = next_milestones(tables.get("Schedule"), as_of)
    if not upcoming:
        add("Next", f"Nothing scheduled from {as_of.isoformat()} on")
    for label, start, date_only in upcoming:
        add(f"Next: {label}", start, Format.DATE if date_only else Format.DATETIME)
    return SummaryTable(
        title=SUMMARY,
        columns=(
            SummaryColumn("Metric", _TEXT, 48, wrap=True),
            SummaryColumn("Value", _TEXT, 24),
        ),
        rows=rows,
        styles=styles,
        row_formats=formats,
        chart=department_chart(figures),
    )


CHART_TITLE = "EFC against Budgeted by department"


def department_chart(figures: Figures) -> ChartSpec | None:
    """EFC against Budgeted per department, drawn from the department rows of Budget Variance
    (every row above its Total); None when no department is listed."""
    count = len(figures.by_department) - 1
    if count <= 0:
        return None
    columns = department_columns()
    return ChartSpec(
        title=CHART_TITLE,
        source=BUDGET_VARIANCE,
        categories=0,
        series=(columns.index("Budgeted"), columns.index("EFC")),
        rows=(0, count),
        axis_title="Amount",
    )


def next_milestones(
    table: Table | None, as_of: dt.date, limit: int = NEXT_MILESTONES
) -> list[tuple[str, dt.date | dt.datetime, bool]]:
    """The next items to start on or after the as-of date that are neither Done nor
    Cancelled: ("S12 Focus", its Start, whether the Start is a date only), soonest first."""
    if table is None or not table.present or table.frame.empty:
        return []
    frame = table.frame
    starts = pd.to_datetime(frame["Start"], errors="coerce")
    status = frame["Status"].to_numpy(dtype=object)
    ahead = (
        (starts >= pd.Timestamp(as_of)).to_numpy(dtype=bool)
        & (status != "Done")
        & (status != "Cancelled")
    )
    chosen = np.flatnonzero(ahead)
    if not len(chosen):
        return []
    moments = starts.to_numpy(dtype="datetime64[ns]")
    order = np.lexsort((chosen, moments[chosen]))[:limit]
    date_only = table.date_only.get("Start")
    found = []
    for pos in chosen[order].tolist():
        label = " ".join(
            part for part in (_text(frame["ID"].iat[pos]), _text(frame["Task"].iat[pos])) if part
        )
        start = pd.Timestamp(moments[pos])
        only = bool(date_only[pos]) if date_only is not None else False
        found.append(
            (
                label or f"row {frame.index[pos]}",
                start.date() if only else start.to_pydatetime(),
                only,
            )
        )
    return found


# --- Budget Variance -------------------------------------------------------------------------

# One order for the figures of every cost-report table (Budget Variance's three tables and
# `report`): a figure added here appears in each of them, in the same place. The columns
# only departments have come after Status, so that the shared ones sit in the same columns.
BUDGET_COLUMNS = (
    "Budgeted",
    "Actual",
    "Committed",
    "ETC",
    "EFC",
    "Over/(Under)",
    "Over %",
    "Uncommitted",
    "Status",
)
DEPARTMENT_ONLY = ("Allocation", "Unallocated")
# The table of lines leaves out what is paid, ordered and free, to stay readable on a page.
LINE_LABELS = ("Code", "Department", "Description", "Vendor")
LINE_LEAVES_OUT = ("Actual", "Committed", "ETC", "Uncommitted")
LINES_HEADING = "Lines over budget or at risk"
OVER_ALLOCATION = "over allocation"

_WIDTHS = {"Department": 20, "Code": 12, "Description": 40, "Vendor": 24, "Status": 24}
_WRAPPED = frozenset({"Description", "Vendor", "Status"})


def department_columns() -> tuple[str, ...]:
    return ("Department", *BUDGET_COLUMNS, *DEPARTMENT_ONLY)


def category_columns() -> tuple[str, ...]:
    return ("By category", *BUDGET_COLUMNS)


def line_columns() -> tuple[str, ...]:
    return (*LINE_LABELS, *(c for c in BUDGET_COLUMNS if c not in LINE_LEAVES_OUT))


def _budget_format(column: str) -> Format:
    if column == "Over %":
        return Format.PERCENT
    if column in ("Status", "By category", *LINE_LABELS):
        return _TEXT
    return _MONEY


def _budget_column(column: str) -> SummaryColumn:
    fmt = _budget_format(column)
    return SummaryColumn(
        column,
        fmt,
        _WIDTHS.get(column, 10 if fmt is Format.PERCENT else 14),
        wrap=column in _WRAPPED,
    )


def _budget_style(status: object) -> RowStyle | None:
    return {"Over": RowStyle.OVER, "At risk": RowStyle.AT_RISK}.get(_text(status))


def over_allocation(record: pd.Series) -> bool:
    """Whether a department's Budgeted or EFC passes its Allocation (budget.over_allocation)."""
    cap = record.get("Allocation")
    if _blank(cap):
        return False
    limit = _integer(cap)
    return limit is not None and any(
        (value := _integer(record.get(c))) is not None and value > limit
        for c in ("Budgeted", "EFC")
    )


def department_status(record: pd.Series) -> str:
    """The Status a person reads: the budget's (Over, At risk, OK), and whether the department
    is over its Allocation ("Over allocation", "At risk, over allocation")."""
    status = _text(record.get("Status"))
    if not over_allocation(record):
        return status
    if status in ("", "OK"):
        return OVER_ALLOCATION.capitalize()
    return f"{status}, {OVER_ALLOCATION}"


def _figure(column: str, record: pd.Series) -> SummaryValue:
    """One cell of a cost-report row, from its figures (cents become Decimal)."""
    if column == "Over %":
        return fraction(record.get("Over/(Under)"), record.get("Budgeted"))
    if column == "Status":
        return _text(record.get("Status"))
    if column in LINE_LABELS:
        return _text(record.get(column))
    return money(record.get(column))


def _budget_rows(
    frame: pd.DataFrame,
    columns: Sequence[str],
    first: int,
    styles: dict[int, RowStyle],
    status: dict[int, RowStyle],
    *,
    departments: bool = False,
) -> list[tuple[SummaryValue, ...]]:
    """One row per group then Total (styled TOTAL); groups Over or At risk (or, for
    departments, over their Allocation) are marked, across the whole row."""
    rows: list[tuple[SummaryValue, ...]] = []
    last = len(frame) - 1
    for n, (name, record) in enumerate(frame.iterrows()):
        values: list[SummaryValue] = [str(name)]
        for column in columns[1:]:
            if column == "Status" and departments:
                values.append(department_status(record))
            else:
                values.append(_figure(column, record))
        at = first + len(rows)
        trouble = _budget_style(record.get("Status"))
        if departments and over_allocation(record):
            trouble = RowStyle.OVER
        if n == last:
            styles[at] = RowStyle.TOTAL
        elif trouble is not None:
            styles[at] = status[at] = trouble
        rows.append(tuple(values))
    return rows


def lines_in_trouble(lines: pd.DataFrame) -> pd.DataFrame:
    """Every line Over or At risk, largest overrun first (then in sheet order)."""
    if lines.empty or "Status" not in lines.columns or "Over/(Under)" not in lines.columns:
        return lines.iloc[:0]
    chosen = lines[lines["Status"].isin(("Over", "At risk"))]
    if chosen.empty:
        return chosen
    # the lines are in sheet order, and a stable sort keeps it between equal overruns
    return chosen.sort_values("Over/(Under)", ascending=False, kind="stable")


def budget_variance_tab(figures: Figures, tables: dict[str, Table] | None = None) -> SummaryTable:
    """By department (the tab's header row), then a "By category" section, then every line
    over budget or at risk, each section with its own headings; Total rows are marked, and so
    are the rows in trouble."""
    styles: dict[int, RowStyle] = {}
    status: dict[int, RowStyle] = {}
    formats: dict[int, tuple[Format, ...]] = {}
    links: dict[tuple[int, int], CellLink] = {}
    departments = department_columns()
    rows = _budget_rows(figures.by_department, departments, 0, styles, status, departments=True)

    def section(names: Sequence[str]) -> None:
        rows.append((None,) * len(departments))
        styles[len(rows)] = RowStyle.SECTION
        formats[len(rows)] = tuple(_TEXT for _ in names)
        rows.append(tuple(names))

    categories = category_columns()
    section(categories)
    category_formats = tuple(_budget_format(c) for c in categories)
    by_category = _budget_rows(figures.by_category, categories, len(rows), styles, status)
    for n in range(len(by_category)):
        formats[len(rows) + n] = category_formats
    rows += by_category

    names = line_columns()
    rows.append((None,) * len(departments))
    rows.append((f"{LINES_HEADING}, largest overrun first",))  # what the table below is
    formats[len(rows) - 1] = (_TEXT,)
    styles[len(rows)] = RowStyle.SECTION
    formats[len(rows)] = tuple(_TEXT for _ in names)
    rows.append(names)
    line_formats = tuple(_budget_format(c) for c in names)
    trouble = lines_in_trouble(figures.lines)
    budget = (tables or {}).get("Budget")
    code_letter = budget.letters.get("Code") if budget is not None else None
    for n, (row_number, record) in enumerate(trouble.iterrows()):
        if n == MAX_ROWS:
            more = len(trouble) - MAX_ROWS
            rows.append((f"{more:,} more lines are not shown here; run prodsheets report.",))
            formats[len(rows) - 1] = (_TEXT,)
            break
        at = len(rows)
        rows.append(tuple(_figure(c, record) for c in names))
        formats[at] = line_formats
        style = _budget_style(record.get("Status"))
        if style is not None:
            styles[at] = status[at] = style
        if budget is not None and budget.title and code_letter:
            links[(at, 0)] = CellLink(budget.title, f"{code_letter}{row_number}")
    if trouble.empty:
        rows.append(("No line is over budget or at risk.",))
        formats[len(rows) - 1] = (_TEXT,)
    return SummaryTable(
        title=BUDGET_VARIANCE,
        columns=tuple(_budget_column(c) for c in departments),
        rows=rows,
        styles=styles,
        row_formats=formats,
        status=status,
        links=links,
    )


# --- Schedule Report -------------------------------------------------------------------------

_SCHEDULE_ISSUE_COLUMNS = (
    SummaryColumn("Problem", _TEXT, 28, wrap=True),
    SummaryColumn("Severity", _TEXT, 9),
    SummaryColumn("Cell", _TEXT, 7),
    SummaryColumn("Item", _TEXT, 10),
    SummaryColumn("Task", _TEXT, 30, wrap=True),
    SummaryColumn("Message", _TEXT, 60, wrap=True),
)
_SCHEDULE_FIGURES = (
    ("By department", _TEXT),
    ("Items", Format.INTEGER),
    ("Done", Format.INTEGER),
    ("Overdue", Format.INTEGER),
    ("Late", Format.INTEGER),
    ("Mean days late", Format.NUMBER),
)


def schedule_report_tab(
    figures: Figures, issues: Iterable[Issue], tables: dict[str, Table]
) -> SummaryTable:
    """Every schedule problem (clashes, dependencies, overdue items, ...), errors first, then
    a "By department" section with the schedule figures."""
    found = sort_issues(i for i in issues if i.rule.startswith("schedule."))
    table = tables.get("Schedule")
    ids = _column(table, "ID")
    tasks = _column(table, "Task")
    rows: list[tuple[SummaryValue, ...]] = [
        (
            rule_label(i.rule),
            i.severity.value,
            i.cell,
            _text(ids.get(i.row)) if i.row is not None else "",
            _text(tasks.get(i.row)) if i.row is not None else "",
            i.message,
        )
        for i in found
    ]
    if not rows:
        rows.append(("", "", "", "", "", "No clashes, dependency problems or overdue items."))
    _capped(rows, len(_SCHEDULE_ISSUE_COLUMNS), "schedule issues")
    styles: dict[int, RowStyle] = {}
    formats: dict[int, tuple[Format, ...]] = {}
    links = {
        (n, 2): CellLink(i.tab, i.cell)
        for n, i in enumerate(found[: len(rows)])
        if i.tab and i.cell and n < MAX_ROWS
    }
    if len(rows) > len(found):  # the last row is the note saying how many more
        formats[len(rows) - 1] = tuple(_TEXT for _ in _SCHEDULE_ISSUE_COLUMNS)
    rows.append((None,) * len(_SCHEDULE_ISSUE_COLUMNS))
    section = len(rows)
    rows.append(tuple(name for name, _ in _SCHEDULE_FIGURES))
    styles[section] = RowStyle.SECTION
    formats[section] = tuple(_TEXT for _ in _SCHEDULE_FIGURES)
    figure_formats = tuple(form for _, form in _SCHEDULE_FIGURES)
    last = len(figures.schedule) - 1
    for n, (name, record) in enumerate(figures.schedule.iterrows()):
        at = len(rows)
        rows.append(
            (
                str(name),
                _integer(record.get("Items")),
                _integer(record.get("Done")),
                _integer(record.get("Overdue")),
                _integer(record.get("Late")),
                _number(record.get("Mean days late")),
            )
        )
        formats[at] = figure_formats
        if n == last:
            styles[at] = RowStyle.TOTAL
    return SummaryTable(
        title=SCHEDULE_REPORT,
        columns=_SCHEDULE_ISSUE_COLUMNS,
        rows=rows,
        styles=styles,
        row_formats=formats,
        links=links,
    )


def _column(table: Table | None, column: str) -> pd.Series:
    if table is None or column not in table.frame.columns:
        return pd.Series(dtype=object)
    return table.frame[column]


# --- Vendor Report ---------------------------------------------------------------------------

_VENDOR_COLUMNS = (
    SummaryColumn("Vendor", _TEXT, 24),
    SummaryColumn("Contract", _TEXT, 12),
    SummaryColumn("Contract End", Format.DATE, 13),
    SummaryColumn("Insurance Expires", Format.DATE, 13),
    SummaryColumn("Lines", Format.INTEGER, 7),
    SummaryColumn("Actual", _MONEY),
    SummaryColumn("Committed", _MONEY),
    SummaryColumn("EFC", _MONEY),
    SummaryColumn("Contract State", _TEXT, 12),
    SummaryColumn("Insurance State", _TEXT, 12),
    SummaryColumn("Flags", _TEXT, 40, wrap=True),
)


def vendor_report_tab(figures: Figures) -> SummaryTable:
    """One row per vendor; a vendor with a flag (a vendor.* warning, in words) is marked for
    attention."""
    rows: list[tuple[SummaryValue, ...]] = []
    styles: dict[int, RowStyle] = {}
    for name, record in figures.vendors.iterrows():
        flags = "; ".join(
            rule_label(code) for code in _text(record.get("Flags")).split("; ") if code
        )
        if flags:
            styles[len(rows)] = RowStyle.AT_RISK
        rows.append(
            (
                str(name),
                _text(record.get("Contract")),
                _date(record.get("Contract End")),
                _date(record.get("Insurance Expires")),
                _integer(record.get("Lines")),
                money(record.get("Actual")),
                money(record.get("Committed")),
                money(record.get("EFC")),
                _text(record.get("Contract State")),
                _text(record.get("Insurance State")),
                flags,
            )
        )
    return SummaryTable(
        title=VENDOR_REPORT,
        columns=_VENDOR_COLUMNS,
        rows=rows,
        styles=styles,
        status=dict(styles),
    )


# --- Issues ----------------------------------------------------------------------------------

_ISSUE_COLUMNS = (
    SummaryColumn("Severity", _TEXT, 9),
    SummaryColumn("Rule", _TEXT, 26),
    SummaryColumn("Tab", _TEXT, 12),
    SummaryColumn("Cell", _TEXT, 7),
    SummaryColumn("Row", Format.INTEGER, 7),
    SummaryColumn("Column", _TEXT, 14),
    SummaryColumn("Value", _TEXT, 20, wrap=True),
    SummaryColumn("Message", _TEXT, 60, wrap=True),
)


def issues_tab(issues: Iterable[Issue]) -> SummaryTable:
    """Every issue, errors first, one row each; past MAX_ROWS a last row says how many more."""
    rows: list[tuple[SummaryValue, ...]] = [
        (i.severity.value, i.rule, i.tab, i.cell, i.row, i.column, i.value, i.message)
        for i in sort_issues(issues)
    ]
    shown = len(rows)
    _capped(rows, len(_ISSUE_COLUMNS), "issues")
    formats = {MAX_ROWS: tuple(_TEXT for _ in _ISSUE_COLUMNS)} if shown > MAX_ROWS else {}
    # the Cell column takes a person to the cell (a hyperlink; the cell's text stays "F12")
    links = {
        (n, 3): CellLink(str(row[2]), str(row[3]))
        for n, row in enumerate(rows[: min(shown, MAX_ROWS)])
        if row[2] and row[3]
    }
    return SummaryTable(
        title=ISSUES, columns=_ISSUE_COLUMNS, rows=rows, row_formats=formats, links=links
    )


# --- widths ----------------------------------------------------------------------------------

_MIN_WIDTH = 6


def fit_widths(table: SummaryTable) -> SummaryTable:
    """Each column as wide as its widest cell as shown (header and section rows included),
    between ``_MIN_WIDTH`` and the column's own width, which is its upper bound; a wrapped
    column past its bound wraps instead."""
    widest = [len(c.name) for c in table.columns]
    for index, row in enumerate(table.rows):
        for col, value in enumerate(row[: len(widest)]):
            if value is None or value == "":
                continue
            size = _shown_length(value, table.format_of(index, col))
            if size > widest[col]:
                widest[col] = size
    columns = tuple(
        replace(column, width=max(_MIN_WIDTH, min(column.width, widest[n] + 2)))
        for n, column in enumerate(table.columns)
    )
    return replace(table, columns=columns)


def _shown_length(value: SummaryValue, fmt: Format) -> int:
    """About how many characters a cell shows (money as 1,234.50 or (1,234.50))."""
    if isinstance(value, str):
        return max((len(part) for part in value.split("\n")), default=0)
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, Decimal) and fmt is Format.PERCENT:
        return len(f"{value * 100:.1f}%")
    if isinstance(value, Decimal) and value.is_finite():
        return len(f"{abs(value):,.2f}") + (2 if value < 0 else 0)
    if isinstance(value, int):
        return len(f"{value:,}")
    return len(str(value))


# --- What a workbook prodsheets did not lay out leaves unsaid ---------------------------------


def adoption_notes(
    summary: list[SummaryTable], tables: dict[str, Table], *, currency: str
) -> list[SummaryTable]:
    """The summary tabs with the production's currency in their money formats, the Summary
    naming it and the checks that did not run for want of a column, and the Schedule Report
    listing the items left unscheduled by a placeholder ("TBC") in Start or End."""
    from prodsheets.coverage import checks_not_run, unscheduled

    out = []
    for table in summary:
        rows = list(table.rows)
        styles, formats = dict(table.styles), dict(table.row_formats)
        if table.title == SUMMARY:
            if currency:
                rows.append(("Currency", currency))
            rows += [(f"Not checked: {checks}", why) for checks, why in checks_not_run(tables)]
        elif table.title == SCHEDULE_REPORT and (waiting := unscheduled(tables)):
            width = len(table.columns)
            rows.append((None,) * width)
            styles[len(rows)] = RowStyle.SECTION
            formats[len(rows)] = (_TEXT,) * width
            rows.append(("Unscheduled", "", "Cell", "Item", "Task", "Why"))
            rows += [("", "", cell, item, task, why) for cell, item, task, why in waiting]
        out.append(replace(table, rows=rows, styles=styles, row_formats=formats, currency=currency))
    return out


# --- History: movement, Changes and the log (#10) ---------------------------------------------

MOVEMENT_COLUMNS = (SummaryColumn("Previous EFC", _MONEY), SummaryColumn("Movement", _MONEY))


def with_movement(tab: SummaryTable, movement: Movement) -> SummaryTable:
    """Budget Variance with Previous EFC and Movement right after EFC, in every section that
    has an EFC column: by department, by category, by line (whose first heading is Code)."""
    groups: dict[str, dict[str, tuple[int | None, int]]] = {
        "department": dict(movement.by_department),
        "by category": dict(movement.by_category),
        "category": dict(movement.by_category),
        "code": dict(movement.lines),
    }
    names = [c.name for c in tab.columns]
    at = names.index("EFC") + 1 if "EFC" in names else None
    found = groups.get(names[0].casefold(), {}) if names else {}
    rows: list[tuple[SummaryValue, ...]] = []
    formats: dict[int, tuple[Format, ...]] = {}
    inserted: dict[int, int] = {}  # row -> where the two columns went in
    for n, row in enumerate(tab.rows):
        if tab.styles.get(n) is RowStyle.SECTION:
            headings = [_text(v) for v in row]
            at = headings.index("EFC") + 1 if "EFC" in headings else None
            found = groups.get(headings[0].casefold(), {}) if headings else {}
            values: tuple[SummaryValue, ...] = tuple(c.name for c in MOVEMENT_COLUMNS)
            added: tuple[Format, ...] = (_TEXT, _TEXT)
        elif all(v is None for v in row):
            values, added = (None, None), (_MONEY, _MONEY)
        else:
            previous, moved = found.get(_text(row[0]), (None, None))
            values, added = (money(previous), money(moved)), (_MONEY, _MONEY)
        if at is None or at > len(row):
            rows.append(row)
            if n in tab.row_formats:
                formats[n] = tab.row_formats[n]
            continue
        inserted[n] = at
        rows.append(row[:at] + values + row[at:])
        if n in tab.row_formats:
            own = tab.row_formats[n]
            formats[n] = own[:at] + added + own[at:]
    column_at = names.index("EFC") + 1 if "EFC" in names else len(names)
    columns = tab.columns[:column_at] + MOVEMENT_COLUMNS + tab.columns[column_at:]
    links = {
        (row, col + 2 if inserted.get(row) is not None and col >= inserted[row] else col): link
        for (row, col), link in tab.links.items()
    }
    return replace(tab, columns=columns, rows=rows, row_formats=formats, links=links)


def with_period(tab: SummaryTable, movement: Movement) -> SummaryTable:
    """The Summary with the period named ("Movement since 2026-02-23") and the largest
    movements, before the next milestones."""
    since = movement.since.as_of.isoformat()
    _, total = movement.by_department.get(TOTAL, (0, 0))
    extra: list[tuple[SummaryValue, ...]] = [
        ("Compared with the sync of", movement.since.as_of),
        (f"Movement since {since}", money(total)),
    ]
    extra_formats: list[tuple[Format, ...]] = [(_TEXT, Format.DATE), (_TEXT, _MONEY)]
    for change in movement.largest:
        label = " ".join(p for p in (change.code, change.description) if p)
        extra.append((f"Largest movement: {label} ({change.kind})", money(change.movement)))
        extra_formats.append((_TEXT, _MONEY))
    at = next(
        (n for n, row in enumerate(tab.rows) if _text(row[0]).startswith("Next")), len(tab.rows)
    )
    rows = tab.rows[:at] + extra + tab.rows[at:]

    def moved(n: int) -> int:
        return n if n < at else n + len(extra)

    formats = {moved(n): f for n, f in tab.row_formats.items()}
    formats.update({at + i: f for i, f in enumerate(extra_formats)})
    return replace(
        tab,
        rows=rows,
        styles={moved(n): s for n, s in tab.styles.items()},
        status={moved(n): s for n, s in tab.status.items()},
        row_formats=formats,
        links={(moved(r), c): link for (r, c), link in tab.links.items()},
    )


_CHANGE_COLUMNS = (
    SummaryColumn("What", _TEXT, 14),
    SummaryColumn("Change", _TEXT, 13),
    SummaryColumn("Key", _TEXT, 12),
    SummaryColumn("Description", _TEXT, 36),
    SummaryColumn("Was", _TEXT, 26),
    SummaryColumn("Now", _TEXT, 26),
    SummaryColumn("Movement", _MONEY),
)
_LINE_FORMATS = (_TEXT, _TEXT, _TEXT, _TEXT, _MONEY, _MONEY, _MONEY)


def changes_tab(digest: Digest | None) -> SummaryTable:
    """What changed since the previous sync: budget lines, schedule items, issues."""
    width = len(_CHANGE_COLUMNS)
    rows: list[tuple[SummaryValue, ...]] = []
    formats: dict[int, tuple[Format, ...]] = {}
    styles: dict[int, RowStyle] = {}
    if digest is None or digest.since is None:
        rows.append(
            ("History starts with this sync: the next one lists what changed since.",)
            + (None,) * (width - 1)
        )
        return SummaryTable(title=CHANGES, columns=_CHANGE_COLUMNS, rows=rows)
    since = digest.since
    styles[0] = RowStyle.SECTION
    rows.append(
        (
            f"Since the sync of {since.as_of.isoformat()} "
            f"(run {since.synced_at.isoformat(sep=' ', timespec='minutes')})",
        )
        + (None,) * (width - 1)
    )
    for line in digest.lines:
        formats[len(rows)] = _LINE_FORMATS
        label = line.description + (f" ({line.department})" if line.department else "")
        if line.kind == "moved":
            formats[len(rows)] = tuple(_TEXT for _ in _CHANGE_COLUMNS)
            rows.append(("Budget line", line.kind, line.code, label, line.was, line.now, None))
            continue
        rows.append(
            (
                "Budget line",
                line.kind,
                line.code,
                label,
                money(line.old_efc),
                money(line.new_efc),
                money(line.movement),
            )
        )
    for item in digest.items:
        was, now = item.was, item.now
        if item.kind == "people":
            was = ", ".join(f"-{p}" for p in item.people_removed)
            now = ", ".join(f"+{p}" for p in item.people_added)
        rows.append(("Schedule item", item.kind, item.item_id, item.task, was, now, None))
    for found in digest.issues:
        what = f"{found.rule} on {found.tab}" + (f" {found.column}" if found.column else "")
        text = f"{what}: {found.message}" if found.message else what
        was, now = ("", found.severity) if found.kind == "new" else (found.severity, "")
        rows.append(("Issue", found.kind, found.key, text, was, now, None))
    if len(rows) == 1:
        rows.append(("Nothing changed.",) + (None,) * (width - 1))
    _capped(rows, width, "changes")
    if len(rows) > MAX_ROWS:
        formats[len(rows) - 1] = tuple(_TEXT for _ in _CHANGE_COLUMNS)
    return SummaryTable(
        title=CHANGES, columns=_CHANGE_COLUMNS, rows=rows, styles=styles, row_formats=formats
    )


def history_tab(log: Log, *, kept: int = 0) -> SummaryTable:
    """The change log, hidden, every cell text (it must read back exactly); its first
    ``kept`` rows are in the tab already."""
    columns = tuple(SummaryColumn(name, _TEXT, 20) for name in HISTORY_COLUMNS)
    return SummaryTable(
        title=HISTORY,
        columns=columns,
        rows=list(log_rows(log)),
        hidden=True,
        kept=kept,
    )
