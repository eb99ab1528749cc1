"""How a run is shown: text for people, JSON for machines, Markdown for notes, GitHub annotations.

Renderers take a ``Result`` and return a string; they never decide exit codes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import click
import pandas as pd

from prodsheets import history, terminal
from prodsheets.figures import MONEY_COLUMNS, Figures, cents_text
from prodsheets.issues import Issue, Severity
from prodsheets.issues import label as rule_label
from prodsheets.pipeline import Result
from prodsheets.resource_report import resource_records
from prodsheets.safe_text import json_printable, markdown_cell, printable
from prodsheets.summary import (
    LINES_HEADING,
    department_columns,
    department_status,
    line_columns,
    lines_in_trouble,
)

FORMATS = ("text", "json", "markdown", "github", "html")


def money(cents: Any) -> str:
    """Cents as a person reads them: 1,234.50, negatives in parentheses, blank when unknown."""
    if cents is None or cents is pd.NA or (isinstance(cents, float) and math.isnan(cents)):
        return ""
    amount = Decimal(int(cents)).scaleb(-2)
    text = f"{abs(amount):,.2f}"
    return f"({text})" if amount < 0 else text


def money_value(cents: Any) -> str | None:
    """Cents as an exact decimal string for JSON ("1234.50"), None when unknown."""
    if cents is None or cents is pd.NA or (isinstance(cents, float) and math.isnan(cents)):
        return None
    return cents_text(int(cents))


def percent(fraction: Any) -> str:
    if (
        fraction is None
        or fraction is pd.NA
        or (isinstance(fraction, float) and math.isnan(fraction))
    ):
        return ""
    return f"{float(fraction) * 100:.1f}%"


def _where(found: Issue) -> str:
    if found.cell:
        return printable(f"{found.tab}!{found.cell}")
    return printable(found.tab or "workbook")


# --- text -----------------------------------------------------------------------------------


def issues_text(result: Result, *, colour: bool = True, width: int | None = None) -> str:
    """One issue a line (wrapped at word boundaries to ``width`` on a terminal), then the
    counts."""
    lines = []
    for found in result.issues:
        style = "red" if found.severity is Severity.ERROR else "yellow"
        label = (
            click.style(f"{found.severity.value:7}", fg=style)
            if colour
            else (f"{found.severity.value:7}")
        )
        lines += terminal.hang(
            f"{_where(found):16} {label} {found.rule:28} ", printable(found.message), width
        )
    lines.append(summary_line(result))
    return "\n".join(lines)


def _counted(result: Result) -> tuple[str, str]:
    """The counts as a person would say them: "1 error", "2 warnings"."""
    counts = result.counts
    errors = f"{counts['error']} error" + ("" if counts["error"] == 1 else "s")
    warnings = f"{counts['warning']} warning" + ("" if counts["warning"] == 1 else "s")
    return errors, warnings


def summary_line(result: Result) -> str:
    errors, warnings = _counted(result)
    return f"{printable(result.workbook)} as of {result.as_of.isoformat()}: {errors}, {warnings}."


def _table_text(frame: pd.DataFrame, index_name: str, width: int | None = None) -> list[str]:
    """The table as aligned text, folded into blocks when wider than ``width``."""
    rows = _display_rows(_in_order(frame), index_name)
    return terminal.table(rows, [_numeric_column(name) for name in rows[0]], width)


def _in_order(frame: pd.DataFrame) -> pd.DataFrame:
    """A cost-report table as the Budget Variance tab shows it: its columns in the one order,
    and a department's Status saying when it is over its Allocation."""
    if "Budgeted" not in frame.columns or "Description" in frame.columns:  # lines: as chosen
        return frame
    order = [c for c in department_columns()[1:] if c in frame.columns]
    shown = frame.loc[:, order + [c for c in frame.columns if c not in order]]
    if "Allocation" in frame.columns and "Status" in frame.columns:
        shown = shown.assign(Status=[department_status(r) for _, r in frame.iterrows()])
    return shown


def lines_shown(figures: Figures) -> pd.DataFrame:
    """The lines over budget or at risk, largest overrun first, with the Budget Variance
    tab's columns (Code as the index)."""
    trouble = lines_in_trouble(figures.lines)
    columns = [c for c in line_columns() if c in trouble.columns]
    return trouble.loc[:, columns].set_index("Code") if "Code" in columns else trouble.iloc[:0]


def _numeric_column(name: str) -> bool:
    return name in MONEY_COLUMNS or name in (
        "Allocation",
        "Unallocated",
        "Over %",
        "Items",
        "Done",
        "Overdue",
        "Late",
        "Mean days late",
        "Lines",
    )


def _display_rows(frame: pd.DataFrame, index_name: str) -> list[list[str]]:
    columns = list(frame.columns)
    rows = [[index_name, *columns]]
    for name, record in zip(frame.index, _row_dicts(frame), strict=True):
        shown = (printable(_display(column, record[column])) for column in columns)
        rows.append([printable(name), *shown])
    return rows


def _row_dicts(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows with each column's own type (iterrows would turn a row of ints into floats)."""
    columns = {column: frame[column].tolist() for column in frame.columns}
    return [{c: values[i] for c, values in columns.items()} for i in range(len(frame))]


def _display(column: str, value: Any) -> str:
    if column in MONEY_COLUMNS or column in ("Allocation", "Unallocated"):
        return money(value)
    if column == "Over %":
        return percent(value)
    if column == "Flags" and isinstance(value, str):  # words, as in the Vendor Report
        return "; ".join(rule_label(code) for code in value.split("; ") if code)
    if column == "Mean days late":
        return "" if pd.isna(value) else f"{float(value):.1f}"
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if hasattr(value, "date") and not isinstance(value, str):
        return str(value.date())
    return str(value)


def report_text(result: Result, *, colour: bool = True, width: int | None = None) -> str:
    figures = result.figures
    parts: list[str] = []
    if figures is not None:
        bold = (lambda s: click.style(s, bold=True)) if colour else (lambda s: s)
        parts += [
            bold("Budget by department"),
            *_table_text(figures.by_department, "Department", width),
            "",
        ]
        parts += [
            bold("Budget by category"),
            *_table_text(figures.by_category, "Category", width),
            "",
        ]
        parts += [bold(LINES_HEADING), *_table_text(lines_shown(figures), "Code", width), ""]
        if figures.excluded_lines:
            parts += [
                f"{figures.excluded_lines} budget line(s) left out of the figures "
                "until their money or department can be read (see the issues below).",
                "",
            ]
        if figures.excluded_allocations:
            parts += [
                f"{figures.excluded_allocations} department Allocation(s) could not be read, "
                "so the Total Allocation and Unallocated are left blank until they can "
                "(see the issues below).",
                "",
            ]
        parts += [
            bold("Schedule by department"),
            *_table_text(figures.schedule, "Department", width),
            "",
        ]
        parts += [bold("Vendors"), *_table_text(figures.vendors, "Vendor", width), ""]
        parts += [bold("Issues")]
    parts.append(issues_text(result, colour=colour, width=width))
    return "\n".join(parts)


# --- JSON -----------------------------------------------------------------------------------


def to_json(result: Result, *, with_figures: bool = False) -> str:
    """One JSON document: workbook, as_of, counts, issues (and figures for ``report``)."""
    document: dict[str, Any] = {
        "workbook": result.workbook,
        "as_of": result.as_of.isoformat(),
        "counts": result.counts,
        "issues": [found.to_dict() for found in result.issues],
    }
    compared = result.compared
    if compared is not None and compared.since is not None:
        document["since"] = _since(compared.since)
        keys = history.identities(result.issues, result.tables)
        for item, key in zip(document["issues"], keys, strict=True):
            opened = compared.open_since.get(key)
            item["status"] = "new" if opened is None else "open"
            item["open_since"] = None if opened is None else opened.isoformat()
    if result.written:
        document["written"] = result.written
    if with_figures and result.figures is not None:
        figures = result.figures
        document["budget"] = {
            "lines_counted": len(figures.lines),
            "lines_excluded": figures.excluded_lines,
            "allocations_excluded": figures.excluded_allocations,
            "by_department": _records(figures.by_department, "department"),
            "by_category": _records(figures.by_category, "category"),
        }
        document["schedule"] = _records(figures.schedule, "department")
        document["vendors"] = _records(figures.vendors, "vendor")
        document.update(resource_records(figures.resources))  # crew, equipment, hire
        if compared is not None and compared.movement is not None:
            _add_movement(document["budget"], compared.movement)
            document["changes"] = compared.digest.to_dict()
    return json_printable(json.dumps(document, indent=2, ensure_ascii=False, default=str))


def _since(sync: history.Sync) -> dict[str, str]:
    return {"as_of": sync.as_of.isoformat(), "synced_at": sync.synced_at.isoformat()}


def _add_movement(budget: dict[str, Any], movement: history.Movement) -> None:
    """Previous EFC and Movement on each department and category, and per line that moved."""
    for key, groups in (
        ("by_department", movement.by_department),
        ("by_category", movement.by_category),
    ):
        for record in budget[key]:
            name = record.get("department", record.get("category"))
            previous, moved = groups.get(str(name), (None, None))
            record["previous_efc"] = money_value(previous)
            record["movement"] = money_value(moved)
    budget["movement_since"] = _since(movement.since)
    budget["lines_moved"] = [
        {"code": code, "previous_efc": money_value(previous), "movement": money_value(moved)}
        for code, (previous, moved) in movement.lines.items()
        if moved or previous is None
    ]


def _records(frame: pd.DataFrame, index_name: str) -> list[dict[str, Any]]:
    records = []
    for name, record in zip(frame.index, _row_dicts(frame), strict=True):
        item: dict[str, Any] = {index_name: str(name)}
        for column in frame.columns:
            item[_json_key(column)] = _json_value(column, record[column])
        records.append(item)
    return records


def _json_key(column: str) -> str:
    return (
        column.lower()
        .replace("over/(under)", "over_under")
        .replace("over %", "over_pct")
        .replace(" ", "_")
    )


def _json_value(column: str, value: Any) -> Any:
    if column in MONEY_COLUMNS or column in ("Allocation", "Unallocated"):
        return money_value(value)
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return None
    if column == "Over %":
        return round(float(value), 4)
    if hasattr(value, "isoformat"):
        return (
            value.isoformat()[:10]
            if hasattr(value, "hour") and not (value.hour or value.minute)
            else value.isoformat()
        )
    if hasattr(value, "item"):
        return value.item()
    return value


# --- Markdown -------------------------------------------------------------------------------


class _Markdown(str):
    """Text that is already Markdown (ours), put into a table as it is."""


def _md_cell(text: Any) -> str:
    return text if isinstance(text, _Markdown) else markdown_cell(text)


def _md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    out = ["| " + " | ".join(_md_cell(h) for h in header) + " |"]
    out.append("|" + "|".join(" --- " for _ in header) + "|")
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return out


def to_markdown(result: Result, *, with_figures: bool = False) -> str:
    errors, warnings = _counted(result)
    parts = [
        f"# {markdown_cell(result.workbook)}",
        "",
        f"As of {result.as_of.isoformat()}: **{errors}**, {warnings}.",
        "",
    ]
    if with_figures and result.figures is not None:
        figures = result.figures
        for title, frame, index_name in (
            ("Budget by department", figures.by_department, "Department"),
            ("Budget by category", figures.by_category, "Category"),
            (LINES_HEADING, lines_shown(figures), "Code"),
            ("Schedule by department", figures.schedule, "Department"),
            ("Vendors", figures.vendors, "Vendor"),
        ):
            rows = _display_rows(_in_order(frame), index_name)
            parts += [f"## {title}", "", *_md_table(rows[0], rows[1:]), ""]
    parts += ["## Issues", ""]
    if result.issues:
        parts += _md_table(
            ["Severity", "Rule", "Where", "Value", "Message"],
            [
                [f.severity.value, _Markdown(f"`{f.rule}`"), _where(f), f.value, f.message]
                for f in result.issues
            ],
        )
    else:
        parts.append("No issues.")
    return "\n".join(parts) + "\n"


# --- GitHub Actions annotations -------------------------------------------------------------


def _gh_escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def to_github(result: Result) -> str:
    """One workflow command per issue, so a nightly Action lists them on the run page."""
    lines = []
    for found in result.issues:
        kind = "error" if found.severity is Severity.ERROR else "warning"
        title = _gh_escape(f"{found.rule} at {_where(found)}", prop=True)
        lines.append(f"::{kind} title={title}::{_gh_escape(printable(found.message))}")
    lines.append(summary_line(result))
    return "\n".join(lines)


# --- the changes digest ----------------------------------------------------------------------


def _digest_lines(result: Result) -> tuple[str, list[tuple[str, str, str, str, str]]]:
    """The digest's heading, then (what, change, key, description, detail) per change."""
    compared = result.compared
    if compared is None or compared.since is None:
        return (
            f"{result.workbook} has no history yet: it starts at the next sync, and the one "
            "after lists what changed.",
            [],
        )
    digest = compared.digest
    since = digest.since
    assert since is not None
    heading = (
        f"{result.workbook}: changes since the sync of {since.as_of.isoformat()} "
        f"(run {since.synced_at.isoformat(sep=' ', timespec='minutes')})"
    )
    rows: list[tuple[str, str, str, str, str]] = []
    for line in digest.lines:
        what = line.description + (f" ({line.department})" if line.department else "")
        if line.kind == "moved":
            detail = f"{line.was} -> {line.now}"
        elif line.kind == "re-estimated":
            detail = (
                f"EFC {money(line.old_efc)} -> {money(line.new_efc)} ({_signed(line.movement)})"
            )
        elif line.kind == "added":
            detail = f"EFC {money(line.new_efc)}"
        else:
            detail = f"EFC was {money(line.old_efc)}"
        rows.append(("line", line.kind, line.code, what, detail))
    for item in digest.items:
        if item.kind == "people":
            detail = ", ".join(
                [f"+{p}" for p in item.people_added] + [f"-{p}" for p in item.people_removed]
            )
        elif item.kind == "moved":
            detail = f"{item.was} -> {item.now}"
        else:
            detail = item.now or item.was
        rows.append(("item", item.kind, item.item_id, item.task, detail))
    for found in digest.issues:
        where = f"{found.tab}" + (f" {found.column}" if found.column else "")
        rows.append(("issue", found.kind, found.key, f"{found.rule} on {where}", found.message))
    return heading, rows


def _signed(cents: int) -> str:
    return ("+" if cents > 0 else "") + money(cents)


def changes_text(result: Result) -> str:
    """One line per change; cell text shown printable (no control sequence reaches a
    terminal)."""
    heading, rows = _digest_lines(result)
    if result.compared is not None and result.compared.since is not None and not rows:
        return printable(heading) + "\nNothing changed."
    out = [printable(heading)]
    for what, change, key, text, detail in rows:
        line = f"{what:5} {change:12} {printable(key):12} {printable(text)}"
        out.append(f"{line}: {printable(detail)}" if detail else line)
    return "\n".join(out)


def changes_markdown(result: Result) -> str:
    heading, rows = _digest_lines(result)
    parts = [f"# {markdown_cell(heading)}", ""]
    if rows:
        parts += _md_table(["What", "Change", "Key", "Description", "Detail"], rows)
    elif result.compared is not None and result.compared.since is not None:
        parts.append("Nothing changed.")
    return "\n".join(parts) + "\n"


def changes_json(result: Result) -> str:
    compared = result.compared
    document: dict[str, Any] = {"workbook": result.workbook, "as_of": result.as_of.isoformat()}
    if compared is None or compared.since is None:
        document.update(since=None, lines=[], items=[], issues=[])
    else:
        document.update(compared.digest.to_dict())
    return json_printable(json.dumps(document, indent=2, ensure_ascii=False))


def render_changes(result: Result, fmt: str) -> str:
    if fmt == "json":
        return changes_json(result)
    if fmt == "markdown":
        return changes_markdown(result)
    return changes_text(result)


def render(
    result: Result,
    fmt: str,
    *,
    with_figures: bool = False,
    colour: bool = True,
    width: int | None = None,
) -> str:
    """``result`` in ``fmt``; text wraps to ``width`` (a terminal's, None when piped)."""
    if fmt == "html":
        from prodsheets.html_report import to_html

        return to_html(result)
    if fmt == "json":
        return to_json(result, with_figures=with_figures)
    if fmt == "markdown":
        return to_markdown(result, with_figures=with_figures)
    if fmt == "github":
        return to_github(result)
    if with_figures:
        return report_text(result, colour=colour, width=width)
    return issues_text(result, colour=colour, width=width)
