"""``report --format html``: one page a producer can open anywhere, phone included.

The page is self-contained (inline CSS, the chart an inline SVG, no script, nothing fetched
from the network) and every piece of text from the workbook is escaped, so a cell holding
``<script>`` shows as that text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from html import escape as html_escape
from typing import Any

import pandas as pd

from prodsheets.pipeline import Result
from prodsheets.render import money, percent, summary_line
from prodsheets.safe_text import printable
from prodsheets.summary import (
    CHART_TITLE,
    LINES_HEADING,
    department_status,
    line_columns,
    lines_in_trouble,
    next_milestones,
)

BUDGETED_COLOUR = "#4472c4"
EFC_COLOUR = "#ed7d31"
TOTALS = ("Budgeted", "EFC", "Over/(Under)", "Actual", "Committed", "Uncommitted")
# A page to read, not a listing: past these, a line says how many more there are and where.
MOST_LINES = 50
MOST_ISSUES = 200

STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #1f2328; background: #f6f8fa; }
main { max-width: 980px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.4em; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.1em; margin: 24px 0 8px; }
p.when { margin: 0 0 12px; color: #57606a; }
section { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 12px;
  margin-bottom: 12px; }
.totals { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 8px; }
.total { padding: 8px; border-radius: 6px; background: #f6f8fa; }
.total b { display: block; font-size: 1.15em; font-variant-numeric: tabular-nums; }
.total.over { background: #ffc7ce; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.92em; }
th, td { padding: 4px 8px; border-bottom: 1px solid #eaeef2; text-align: left;
  vertical-align: top; }
th { background: #f6f8fa; white-space: nowrap; }
td.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.over td { background: #ffc7ce; }
tr.at_risk td { background: #ffeb9c; }
tr.total td { font-weight: 600; }
.error { color: #b42318; font-weight: 600; }
.warning { color: #9a6700; font-weight: 600; }
svg { width: 100%; height: auto; display: block; }
.legend span { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px;
  vertical-align: -1px; }
"""


def escape(text: str) -> str:
    """Text for the page: HTML-escaped, its control characters shown as escapes
    (``safe_text.printable``), so the page is safe to print on a terminal too."""
    return html_escape(printable(text))


def to_html(result: Result) -> str:
    """The page: totals, the department chart, the lines at risk, the next milestones and
    every issue."""
    figures = result.figures
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(result.workbook)}: cost report</title>",
        f"<style>{STYLE}</style></head><body><main>",
        f"<h1>{escape(result.workbook)}</h1>",
        f'<p class="when">{escape(summary_line(result))}</p>',
    ]
    if figures is not None:
        total = figures.by_department.iloc[-1] if len(figures.by_department) else None
        parts += _totals(total)
        parts += _chart(figures.by_department.iloc[:-1])
        parts += _departments(figures.by_department)
        parts += _lines(lines_in_trouble(figures.lines))
    parts += _milestones(next_milestones(result.tables.get("Schedule"), result.as_of))
    parts += _issues(result)
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def _section(title: str, body: Iterable[str]) -> list[str]:
    return [f"<section><h2>{escape(title)}</h2>", *body, "</section>"]


def _totals(total: pd.Series | None) -> list[str]:
    cards = []
    for name in TOTALS:
        value = None if total is None else total.get(name)
        over = name == "Over/(Under)" and value is not None and not pd.isna(value) and value > 0
        cards.append(
            f'<div class="total{" over" if over else ""}">{escape(name)}'
            f"<b>{escape(money(value))}</b></div>"
        )
    return _section("Totals", ['<div class="totals">', *cards, "</div>"])


def _chart(departments: pd.DataFrame) -> list[str]:
    """EFC against Budgeted per department as horizontal bars (they fit a phone's width)."""
    if departments.empty:
        return []
    names = [str(n) for n in departments.index]
    budgeted = [_cents(v) for v in departments["Budgeted"].tolist()]
    efc = [_cents(v) for v in departments["EFC"].tolist()]
    largest = max([1, *budgeted, *efc])
    label_width, bar_left, right = 196, 204, 596
    row = 48
    height = row * len(names) + 8
    shapes = []
    for n, name in enumerate(names):
        top = 4 + n * row
        shapes.append(
            f'<text x="{label_width}" y="{top + 27}" text-anchor="end" font-size="19" '
            f'fill="#1f2328">{escape(_shorten(name, 18))}</text>'
        )
        for k, (value, colour) in enumerate(((budgeted[n], BUDGETED_COLOUR), (efc[n], EFC_COLOUR))):
            length = max(1.0, (right - bar_left) * value / largest) if value else 0.0
            shapes.append(
                f'<rect x="{bar_left}" y="{top + 4 + 19 * k}" width="{length:.1f}" height="17" '
                f'fill="{colour}"><title>{escape(name)}: {escape(money(value))}</title></rect>'
            )
    svg = (
        f'<svg id="department-chart" viewBox="0 0 600 {height}" role="img" '
        f'aria-label="{escape(CHART_TITLE)}" xmlns="http://www.w3.org/2000/svg">'
        + "".join(shapes)
        + "</svg>"
    )
    legend = (
        f'<p class="legend"><span style="background:{BUDGETED_COLOUR}"></span>Budgeted'
        f'<span style="background:{EFC_COLOUR}"></span>EFC</p>'
    )
    return _section(CHART_TITLE, [legend, svg])


def _departments(frame: pd.DataFrame) -> list[str]:
    header = ["Department", "Budgeted", "EFC", "Over/(Under)", "Over %", "Status"]
    rows = []
    last = len(frame) - 1
    for n, (name, record) in enumerate(frame.iterrows()):
        status = department_status(record)
        mark = "total" if n == last else _mark(status)
        rows.append(
            (
                mark,
                [
                    str(name),
                    money(record.get("Budgeted")),
                    money(record.get("EFC")),
                    money(record.get("Over/(Under)")),
                    percent(record.get("Over %")),
                    status,
                ],
            )
        )
    return _section("Budget by department", _table(header, rows, numeric=range(1, 5)))


def _lines(lines: pd.DataFrame) -> list[str]:
    header = list(line_columns())
    if lines.empty:
        return _section(LINES_HEADING, ["<p>No line is over budget or at risk.</p>"])
    rows = []
    for _, record in lines.iloc[:MOST_LINES].iterrows():
        cells = []
        for column in header:
            value = record.get(column)
            if column == "Over %":
                cells.append(percent(value))
            elif column in ("Budgeted", "EFC", "Over/(Under)"):
                cells.append(money(value))
            else:
                cells.append("" if value is None or pd.isna(value) else str(value))
        rows.append((_mark(str(record.get("Status"))), cells))
    numeric = [
        i for i, c in enumerate(header) if c in ("Budgeted", "EFC", "Over/(Under)", "Over %")
    ]
    more = _more(len(lines) - MOST_LINES, "lines", "the Budget Variance tab")
    return _section(LINES_HEADING, [*_table(header, rows, numeric=numeric), *more])


def _milestones(upcoming: Sequence[tuple[str, dt.date | dt.datetime, bool]]) -> list[str]:
    if not upcoming:
        return _section("Next milestones", ["<p>Nothing scheduled from the as-of date on.</p>"])
    rows = [
        ("", [label, start.isoformat() if date_only else f"{start:%Y-%m-%d %H:%M}"])
        for label, start, date_only in upcoming
    ]
    return _section("Next milestones", _table(["Item", "Starts"], rows, numeric=()))


def _issues(result: Result) -> list[str]:
    if not result.issues:
        return _section("Issues", ["<p>No issues.</p>"])
    rows = [
        (
            "",
            [
                f'<span class="{found.severity.value}">{found.severity.value}</span>',
                escape(f"{found.tab}!{found.cell}" if found.cell else found.tab or "workbook"),
                escape(found.message),
            ],
        )
        for found in result.issues[:MOST_ISSUES]
    ]
    table = _table(["Severity", "Where", "Message"], rows, numeric=(), raw=True)
    more = _more(len(result.issues) - MOST_ISSUES, "issues", "the Issues tab")
    return _section("Issues", [*table, *more])


def _more(count: int, what: str, where: str) -> list[str]:
    """A line saying how many more there are, and where to see them all."""
    return [f"<p>{count:,} more {what} are in {escape(where)}.</p>"] if count > 0 else []


def _table(
    header: Sequence[str],
    rows: Sequence[tuple[str, Sequence[str]]],
    *,
    numeric: Iterable[int],
    raw: bool = False,
) -> list[str]:
    """An HTML table; cells are escaped here unless ``raw`` (already escaped by the caller)."""
    figures = set(numeric)
    out = ['<div class="scroll"><table><thead><tr>']
    out += [f"<th>{escape(h)}</th>" for h in header]
    out.append("</tr></thead><tbody>")
    for mark, cells in rows:
        out.append(f'<tr class="{mark}">' if mark else "<tr>")
        for i, cell in enumerate(cells):
            text = cell if raw else escape(cell)
            out.append(f'<td class="n">{text}</td>' if i in figures else f"<td>{text}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return out


def _mark(status: str) -> str:
    if status.startswith("Over"):
        return "over"
    if status.startswith("At risk"):
        return "at_risk"
    return ""


def _cents(value: Any) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
