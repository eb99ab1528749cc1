"""Figures and issues -> the five summary tabs prodsheets owns, ready for a backend to write.

Every cell is a value, never a formula, so a script reading the workbook sees what a person
sees. Money leaves integer cents only here, as an exact ``Decimal`` to the cent; percentages
are ``Decimal`` fractions (0.125 is shown as 12.5%); dates stay dates.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from prodsheets.backends.base import (
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
    variance = budget_variance_tab(figures)
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
    return built


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
        columns=(SummaryColumn("Metric", _TEXT, 40), SummaryColumn("Value", _TEXT, 24)),
        rows=rows,
        styles=styles,
        row_formats=formats,
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

_DEPARTMENT_COLUMNS = (
    SummaryColumn("Department", _TEXT, 20),
    SummaryColumn("Allocation", _MONEY),
    SummaryColumn("Budgeted", _MONEY),
    SummaryColumn("Actual", _MONEY),
    SummaryColumn("Committed", _MONEY),
    SummaryColumn("ETC", _MONEY),
    SummaryColumn("EFC", _MONEY),
    SummaryColumn("Over/(Under)", _MONEY),
    SummaryColumn("Over %", Format.PERCENT, 10),
    SummaryColumn("Uncommitted", _MONEY),
    SummaryColumn("Unallocated", _MONEY),
    SummaryColumn("Status", _TEXT, 10),
)
_CATEGORY_COLUMNS = (
    ("By category", _TEXT),
    ("Budgeted", _MONEY),
    ("Actual", _MONEY),
    ("Committed", _MONEY),
    ("ETC", _MONEY),
    ("EFC", _MONEY),
    ("Over/(Under)", _MONEY),
    ("Over %", Format.PERCENT),
    ("Uncommitted", _MONEY),
    ("Status", _TEXT),
)


def _budget_style(status: object) -> RowStyle | None:
    return {"Over": RowStyle.OVER, "At risk": RowStyle.AT_RISK}.get(_text(status))


def _budget_rows(
    frame: pd.DataFrame, columns: Sequence[str], first: int, styles: dict[int, RowStyle]
) -> list[tuple[SummaryValue, ...]]:
    """One row per group then Total (styled TOTAL); groups Over or At risk are marked."""
    rows: list[tuple[SummaryValue, ...]] = []
    last = len(frame) - 1
    for n, (name, record) in enumerate(frame.iterrows()):
        values: list[SummaryValue] = [str(name)]
        for column in columns[1:]:
            if column == "Over %":
                values.append(fraction(record.get("Over/(Under)"), record.get("Budgeted")))
            elif column == "Status":
                values.append(_text(record.get("Status")))
            else:
                values.append(money(record.get(column)))
        at = first + len(rows)
        style = RowStyle.TOTAL if n == last else _budget_style(record.get("Status"))
        if style is not None:
            styles[at] = style
        rows.append(tuple(values))
    return rows


def budget_variance_tab(figures: Figures) -> SummaryTable:
    """By department (the tab's header row), then a "By category" section with its own
    headings; Total rows are marked, and so are groups Over or At risk."""
    styles: dict[int, RowStyle] = {}
    formats: dict[int, tuple[Format, ...]] = {}
    names = [column.name for column in _DEPARTMENT_COLUMNS]
    rows = _budget_rows(figures.by_department, names, 0, styles)
    rows.append((None,) * len(_DEPARTMENT_COLUMNS))
    section = len(rows)
    rows.append(tuple(name for name, _ in _CATEGORY_COLUMNS))
    styles[section] = RowStyle.SECTION
    formats[section] = tuple(_TEXT for _ in _CATEGORY_COLUMNS)
    category_formats = tuple(form for _, form in _CATEGORY_COLUMNS)
    by_category = _budget_rows(
        figures.by_category, [name for name, _ in _CATEGORY_COLUMNS], len(rows), styles
    )
    for n in range(len(by_category)):
        formats[len(rows) + n] = category_formats
    rows += by_category
    return SummaryTable(
        title=BUDGET_VARIANCE,
        columns=_DEPARTMENT_COLUMNS,
        rows=rows,
        styles=styles,
        row_formats=formats,
    )


# --- Schedule Report -------------------------------------------------------------------------

_SCHEDULE_ISSUE_COLUMNS = (
    SummaryColumn("Rule", _TEXT, 26),
    SummaryColumn("Severity", _TEXT, 9),
    SummaryColumn("Cell", _TEXT, 7),
    SummaryColumn("Item", _TEXT, 10),
    SummaryColumn("Task", _TEXT, 28),
    SummaryColumn("Message", _TEXT, 80),
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
            i.rule,
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
    SummaryColumn("Flags", _TEXT, 40),
)


def vendor_report_tab(figures: Figures) -> SummaryTable:
    """One row per vendor; a vendor with a flag (a vendor.* warning) is marked for attention."""
    rows: list[tuple[SummaryValue, ...]] = []
    styles: dict[int, RowStyle] = {}
    for name, record in figures.vendors.iterrows():
        flags = _text(record.get("Flags"))
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
    return SummaryTable(title=VENDOR_REPORT, columns=_VENDOR_COLUMNS, rows=rows, styles=styles)


# --- Issues ----------------------------------------------------------------------------------

_ISSUE_COLUMNS = (
    SummaryColumn("Severity", _TEXT, 9),
    SummaryColumn("Rule", _TEXT, 26),
    SummaryColumn("Tab", _TEXT, 12),
    SummaryColumn("Cell", _TEXT, 7),
    SummaryColumn("Row", Format.INTEGER, 7),
    SummaryColumn("Column", _TEXT, 14),
    SummaryColumn("Value", _TEXT, 20),
    SummaryColumn("Message", _TEXT, 80),
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
    return SummaryTable(title=ISSUES, columns=_ISSUE_COLUMNS, rows=rows, row_formats=formats)


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
        rows.append(row[:at] + values + row[at:])
        if n in tab.row_formats:
            own = tab.row_formats[n]
            formats[n] = own[:at] + added + own[at:]
    column_at = names.index("EFC") + 1 if "EFC" in names else len(names)
    columns = tab.columns[:column_at] + MOVEMENT_COLUMNS + tab.columns[column_at:]
    return SummaryTable(
        title=tab.title,
        columns=columns,
        rows=rows,
        styles=dict(tab.styles),
        row_formats=formats,
        hidden=tab.hidden,
    )


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
    return SummaryTable(
        title=tab.title,
        columns=tab.columns,
        rows=rows,
        styles={moved(n): s for n, s in tab.styles.items()},
        row_formats=formats,
        hidden=tab.hidden,
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
