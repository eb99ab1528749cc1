"""The summary tabs built from figures and issues: titles, headers, exact money, marking."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

from prodsheets.backends.base import Contents, Format, RawTab, RowStyle, SummaryTable
from prodsheets.config import Config
from prodsheets.figures import MONEY_COLUMNS, Figures
from prodsheets.issues import Issue, issue
from prodsheets.summary import MAX_ROWS, build_summary
from prodsheets.tables import Table, read_tables
from prodsheets.template import load_template

AS_OF = dt.date(2026, 3, 10)
SYNCED = dt.datetime(2026, 3, 10, 18, 45)
NAN = float("nan")


def rollup(rows: dict[str, dict[str, int]], *, allocation: bool) -> pd.DataFrame:
    """A by-department / by-category frame as Figures describes it, cents given per group,
    with EFC, Over/(Under), Uncommitted, Over % and Status worked out."""
    records = []
    for values in rows.values():
        record: dict[str, Any] = {c: values.get(c, 0) for c in ("Budgeted", "Actual")}
        record["Committed"] = values.get("Committed", 0)
        record["ETC"] = values.get("ETC", 0)
        record["EFC"] = record["Actual"] + record["Committed"] + record["ETC"]
        record["Over/(Under)"] = record["EFC"] - record["Budgeted"]
        record["Uncommitted"] = record["Budgeted"] - record["Actual"] - record["Committed"]
        records.append(record)
    total = {c: sum(r[c] for r in records) for c in MONEY_COLUMNS}
    records.append(total)
    frame = pd.DataFrame(records, index=pd.Index([*rows, "Total"], dtype=object))
    frame = frame.astype("int64")
    budgeted = frame["Budgeted"].to_numpy()
    over = frame["Over/(Under)"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["Over %"] = np.where(budgeted != 0, over / budgeted, np.nan)
    efc = frame["EFC"].to_numpy()
    frame["Status"] = np.select(
        [efc > budgeted, (efc * 10 >= budgeted * 9) & (budgeted > 0)], ["Over", "At risk"], "OK"
    ).astype(object)
    if allocation:
        caps = [rows[name].get("Allocation") for name in rows]
        given = [c for c in caps if c is not None]
        caps.append(sum(given) if given else None)
        frame.insert(0, "Allocation", pd.array(caps, dtype="Int64"))
        unallocated = [
            None if cap is None else cap - int(spent)
            for cap, spent in zip(caps, frame["Budgeted"], strict=True)
        ]
        frame.insert(8, "Unallocated", pd.array(unallocated, dtype="Int64"))
    return frame


def figures(excluded: int = 2) -> Figures:
    departments = {
        "Lighting": {
            "Budgeted": 1_400_001,
            "Actual": 500_000,
            "Committed": 900_000,
            "ETC": 100_000,
            "Allocation": 2_000_000,
        },
        "Sound": {"Budgeted": 1_000_000, "Actual": 400_010, "Committed": 500_000, "ETC": 0},
        "Set": {"Budgeted": 0},
    }
    categories = {
        "Labour": {"Budgeted": 1_400_001, "Actual": 500_000, "Committed": 900_000, "ETC": 100_000},
        "Rentals": {"Budgeted": 1_000_000, "Actual": 400_010, "Committed": 500_000},
    }
    lines = pd.DataFrame(
        {
            "Code": ["L-01", "S-01", "S-02"],
            "Department": ["Lighting", "Sound", "Sound"],
            "Description": ["Movers", "Desk hire", "=HYPERLINK(1)"],
            "Vendor": ["Bright Lights Hire", "", ""],
            "Budgeted": np.array([100_000, 50_000, 10_000], dtype=np.int64),
            "EFC": np.array([110_000, 49_500, 109_999], dtype=np.int64),
            "Over/(Under)": np.array([10_000, -500, 99_999], dtype=np.int64),
            "Status": ["Over", "At risk", "Over"],
        },
        index=[2, 3, 4],
    )
    schedule = pd.DataFrame(
        {
            "Items": [3, 2, 5],
            "Done": [1, 1, 2],
            "Overdue": [1, 0, 1],
            "Late": [2, 0, 2],
            "Mean days late": [2.5, NAN, 2.5],
        },
        index=pd.Index(["Lighting", "Sound", "Total"], dtype=object),
    )
    vendors = pd.DataFrame(
        {
            "Contract": ["Signed", "Quote"],
            "Contract End": pd.to_datetime(["2026-06-30", None]),
            "Insurance Expires": pd.to_datetime([None, "2026-04-01"]),
            "Lines": [2, 1],
            "Actual": np.array([500_000, 7], dtype=np.int64),
            "Committed": np.array([900_000, 0], dtype=np.int64),
            "EFC": np.array([1_500_000, 7], dtype=np.int64),
            "Contract State": ["Current", "Missing"],
            "Insurance State": ["Missing", "Current"],
            "Flags": ["", "vendor.contract_missing"],
        },
        index=pd.Index(["Bright Lights Hire", "=IMPORTXML(A1)"], dtype=object),
    )
    return Figures(
        lines=lines,
        by_department=rollup(departments, allocation=True),
        by_category=rollup(categories, allocation=False),
        excluded_lines=excluded,
        excluded_allocations=0,
        schedule=schedule,
        vendors=vendors,
    )


def schedule_tables(*rows: list[Any]) -> dict[str, Table]:
    header = ["ID", "Task", "Department", "Start", "End", "Status"]
    contents = Contents(
        titles=["Schedule"],
        owned=frozenset(),
        tabs={"Schedule": RawTab("Schedule", [header, *[list(r) for r in rows]])},
    )
    tables, _ = read_tables(contents, load_template(), Config())
    return tables


def some_issues() -> list[Issue]:
    return [
        issue("schedule.overdue", "S2 was due", tab="Schedule", cell="H3", row=3, column="Due"),
        issue("budget.over", "L-01 is over", tab="Budget", cell="F2", row=2, column="Budgeted"),
        issue(
            "schedule.space_conflict",
            "S1 and S2 clash",
            tab="Schedule",
            cell="D3",
            row=3,
            column="Space",
            value="Main Stage",
        ),
        issue(
            "value.type",
            "Not money",
            tab="Budget",
            cell="G4",
            row=4,
            column="Actual",
            value="=HYPERLINK(1)",
        ),
    ]


def build(
    issues: list[Issue] | None = None, tables: dict[str, Table] | None = None
) -> dict[str, SummaryTable]:
    built = build_summary(
        figures(),
        some_issues() if issues is None else issues,
        tables
        if tables is not None
        else schedule_tables(
            ["S1", "Load-in", "Set", "2026-03-02 08:00", "2026-03-02 17:00", "Done"],
            ["S2", "Focus", "Lighting", "2026-03-14 19:00", "2026-03-14 22:00", "Planned"],
        ),
        as_of=AS_OF,
        synced_at=SYNCED,
        workbook="show.xlsx",
    )
    return {table.title: table for table in built}


def value(table: SummaryTable, metric: str) -> Any:
    return next(row[1] for row in table.rows if row[0] == metric)


def metric_row(table: SummaryTable, metric: str) -> int:
    return next(i for i, row in enumerate(table.rows) if row[0] == metric)


def test_the_five_owned_tabs_in_order_with_their_headers() -> None:
    built = build_summary(
        figures(),
        some_issues(),
        schedule_tables(),
        as_of=AS_OF,
        synced_at=SYNCED,
        workbook="show.xlsx",
    )
    assert [t.title for t in built] == [
        "Summary",
        "Budget Variance",
        "Schedule Report",
        "Vendor Report",
        "Issues",
    ]
    headers = {t.title: [c.name for c in t.columns] for t in built}
    assert headers["Summary"] == ["Metric", "Value"]
    # one order for every money table: the figures first, then what only departments have
    assert headers["Budget Variance"] == [
        "Department",
        "Budgeted",
        "Actual",
        "Committed",
        "ETC",
        "EFC",
        "Over/(Under)",
        "Over %",
        "Uncommitted",
        "Status",
        "Allocation",
        "Unallocated",
    ]
    assert headers["Schedule Report"][:5] == ["Problem", "Severity", "Cell", "Item", "Task"]
    assert headers["Vendor Report"] == [
        "Vendor",
        "Contract",
        "Contract End",
        "Insurance Expires",
        "Lines",
        "Actual",
        "Committed",
        "EFC",
        "Contract State",
        "Insurance State",
        "Flags",
    ]
    assert headers["Issues"] == [
        "Severity",
        "Rule",
        "Tab",
        "Cell",
        "Row",
        "Column",
        "Value",
        "Message",
    ]


def test_summary_metrics_carry_exact_money_and_their_formats() -> None:
    summary = build()["Summary"]
    assert value(summary, "As of") == AS_OF
    assert value(summary, "Last sync") == SYNCED
    assert value(summary, "Workbook") == "show.xlsx"
    budgeted = value(summary, "Budgeted")
    assert isinstance(budgeted, Decimal)
    assert budgeted == Decimal("24000.01")
    assert budgeted.as_tuple().exponent == -2
    assert value(summary, "Actual") == Decimal("9000.10")
    assert value(summary, "EFC") == Decimal("24000.10")
    assert value(summary, "Over/(Under)") == Decimal("0.09")
    assert value(summary, "Uncommitted") == Decimal("999.91")
    assert value(summary, "Allocation") == Decimal("20000.00")
    assert value(summary, "Budget lines counted") == 3
    assert value(summary, "Budget lines left out of the figures") == 2
    assert (value(summary, "Errors"), value(summary, "Warnings")) == (2, 2)
    assert summary.format_of(metric_row(summary, "Budgeted"), 1) is Format.MONEY
    assert summary.format_of(metric_row(summary, "Over %"), 1) is Format.PERCENT
    assert summary.format_of(metric_row(summary, "As of"), 1) is Format.DATE
    assert summary.format_of(metric_row(summary, "Errors"), 1) is Format.INTEGER
    assert summary.format_of(metric_row(summary, "Workbook"), 1) is Format.TEXT
    assert summary.styles[metric_row(summary, "Over/(Under)")] is RowStyle.OVER


def test_next_milestones_are_the_next_five_open_items_from_the_as_of_date() -> None:
    tables = schedule_tables(
        ["S1", "Load-in", "Set", "2026-03-02 08:00", "2026-03-02 17:00", "Planned"],  # past
        ["S2", "Focus", "Lighting", "2026-03-14 19:00", "2026-03-14 22:00", "Planned"],
        ["S3", "Paint", "Set", "2026-03-11", "2026-03-12", "Done"],
        ["S4", "Cut", "Set", "2026-03-12", "2026-03-12", "Cancelled"],
        ["S5", "Tech", "Set", "2026-03-10", "2026-03-10", "Confirmed"],  # as-of day counts
        ["S6", "Dress", "Set", "2026-03-16 18:00", "2026-03-16 22:00", "Planned"],
        ["S7", "Preview", "Set", "2026-03-17 19:30", "2026-03-17 22:00", ""],
        ["S8", "Opening", "Set", "2026-03-18 19:30", "2026-03-18 22:00", "In Progress"],
        ["S9", "Party", "Set", "2026-03-19 22:00", "2026-03-19 23:00", "Planned"],
    )
    summary = build(tables=tables)["Summary"]
    upcoming = [(row[0], row[1]) for row in summary.rows if str(row[0]).startswith("Next")]
    assert upcoming == [
        ("Next: S5 Tech", dt.date(2026, 3, 10)),
        ("Next: S2 Focus", dt.datetime(2026, 3, 14, 19, 0)),
        ("Next: S6 Dress", dt.datetime(2026, 3, 16, 18, 0)),
        ("Next: S7 Preview", dt.datetime(2026, 3, 17, 19, 30)),
        ("Next: S8 Opening", dt.datetime(2026, 3, 18, 19, 30)),
    ]
    assert summary.format_of(metric_row(summary, "Next: S5 Tech"), 1) is Format.DATE
    assert summary.format_of(metric_row(summary, "Next: S2 Focus"), 1) is Format.DATETIME


def test_budget_variance_marks_totals_and_departments_in_trouble() -> None:
    variance = build()["Budget Variance"]
    names = [row[0] if row else None for row in variance.rows]
    assert names == [
        "Lighting",
        "Sound",
        "Set",
        "Total",
        None,
        "By category",
        "Labour",
        "Rentals",
        "Total",
        None,
        "Lines over budget or at risk, largest overrun first",
        "Code",
        "S-02",  # largest overrun first
        "L-01",
        "S-01",  # at risk: under budget, so last
    ]
    styles = {names[i]: style for i, style in variance.styles.items() if i < 4}
    assert styles == {"Lighting": RowStyle.OVER, "Sound": RowStyle.AT_RISK, "Total": RowStyle.TOTAL}
    assert variance.styles[5] is RowStyle.SECTION
    assert variance.styles[6] is RowStyle.OVER
    assert variance.styles[8] is RowStyle.TOTAL
    assert variance.styles[7] is RowStyle.AT_RISK  # Rentals: 9,000.10 of 10,000.00
    header = [c.name for c in variance.columns]
    lighting = dict(zip(header, variance.rows[0], strict=True))
    assert lighting["Allocation"] == Decimal("20000.00")
    assert lighting["Budgeted"] == Decimal("14000.01")
    assert lighting["Over/(Under)"] == Decimal("999.99")
    assert lighting["Over %"] == Decimal("0.0714")
    assert lighting["Unallocated"] == Decimal("5999.99")
    assert lighting["Status"] == "Over"
    sound = dict(zip(header, variance.rows[1], strict=True))
    assert sound["Allocation"] is None and sound["Unallocated"] is None
    set_row = dict(zip(header, variance.rows[2], strict=True))
    assert set_row["Over %"] is None  # nothing budgeted: no percentage
    assert all(
        isinstance(v, Decimal) and v.as_tuple().exponent == -2
        for v in variance.rows[3][1:7]
        if v is not None
    )


def test_the_category_section_has_its_own_headings_and_formats() -> None:
    variance = build()["Budget Variance"]
    section = variance.rows[5]
    assert section == (
        "By category",
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
    assert [variance.format_of(5, c) for c in range(len(section))] == [Format.TEXT] * 10
    labour = dict(zip(section, variance.rows[6], strict=True))
    assert labour["Budgeted"] == Decimal("14000.01")
    assert labour["Status"] == "Over"
    assert variance.format_of(6, 1) is Format.MONEY
    assert variance.format_of(6, 7) is Format.PERCENT
    assert variance.format_of(6, 9) is Format.TEXT


def test_schedule_report_lists_schedule_issues_then_figures_by_department() -> None:
    report = build()["Schedule Report"]
    problems = [row for row in report.rows[:2]]
    # words for people: the rule code stays in the Issues tab
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in problems] == [
        ("Space double-booked", "error", "D3", "S2", "Focus"),
        ("Overdue", "warning", "H3", "S2", "Focus"),
    ]
    section = report.rows.index(
        ("By department", "Items", "Done", "Overdue", "Late", "Mean days late")
    )
    assert report.styles[section] is RowStyle.SECTION
    lighting, sound, total = report.rows[section + 1 : section + 4]
    assert lighting == ("Lighting", 3, 1, 1, 2, Decimal("2.5"))
    assert sound[-1] is None
    assert total[0] == "Total" and report.styles[section + 3] is RowStyle.TOTAL
    assert report.format_of(section + 1, 5) is Format.NUMBER
    assert report.format_of(section + 1, 1) is Format.INTEGER


def test_vendor_report_rows() -> None:
    report = build()["Vendor Report"]
    assert report.rows[0] == (
        "Bright Lights Hire",
        "Signed",
        dt.date(2026, 6, 30),
        None,
        2,
        Decimal("5000.00"),
        Decimal("9000.00"),
        Decimal("15000.00"),
        "Current",
        "Missing",
        "",
    )
    assert report.rows[1][0] == "=IMPORTXML(A1)"  # text stays the text typed, never a formula
    assert report.rows[1][5] == Decimal("0.07")
    assert report.styles == {1: RowStyle.AT_RISK}


def test_issues_tab_puts_errors_first() -> None:
    rows = build()["Issues"].rows
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("error", "value.type", "G4"),
        ("error", "schedule.space_conflict", "D3"),
        ("warning", "budget.over", "F2"),
        ("warning", "schedule.overdue", "H3"),
    ]
    assert rows[0][4] == 4 and rows[0][6] == "=HYPERLINK(1)"


@pytest.mark.parametrize(("extra", "rows", "note"), [(0, MAX_ROWS, False), (5, MAX_ROWS + 1, True)])
def test_issues_tab_stops_at_ten_thousand_rows(extra: int, rows: int, note: bool) -> None:
    many = [
        issue("value.required", f"Blank {n}", tab="Budget", cell=f"D{n}", row=n, column="D")
        for n in range(2, 2 + MAX_ROWS + extra)
    ]
    tab = build(issues=many)["Issues"]
    assert len(tab.rows) == rows
    last = tab.rows[-1]
    if note:
        assert (
            last[0] == "5 more issues are not shown here; run prodsheets validate to list them all."
        )
        assert tab.format_of(len(tab.rows) - 1, 4) is Format.TEXT
    else:
        assert last[0] == "error"
