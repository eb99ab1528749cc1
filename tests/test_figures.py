"""The figures (cost report, schedule and vendor roll-ups), on typed tables shaped exactly as
``Table`` describes them, with every expected figure worked out by hand in cents."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from prodsheets.backends import open_workbook
from prodsheets.checks import Context
from prodsheets.config import Config
from prodsheets.figures import MONEY_COLUMNS, Figures, compute_figures, money_text
from prodsheets.pipeline import Result, check_workbook
from prodsheets.tables import Table
from prodsheets.template import load_template
from tests.workbooks import AS_OF as WORKBOOK_AS_OF
from tests.workbooks import clean_production, set_cell, write_workbook

TEMPLATE = load_template()
AS_OF = dt.date(2026, 3, 10)
CONTEXT = Context(as_of=AS_OF)
BAD = object()  # a cell that could not be read (already a value.type / value.enum issue)

Row = dict[str, Any]


def typed_tab(name: str, rows: Sequence[Row], *, title: str | None = None) -> Table:
    """A typed tab, rows 2.. from ``rows``; columns in template order, lettered A, B, ...

    Money is given in dollars (int, str or Decimal), dates as ISO text, BAD for an
    unreadable cell; an enum cell left out takes the template's default.
    """
    spec = TEMPLATE.tab(name)
    index = pd.RangeIndex(2, len(rows) + 2)
    frame: dict[str, Any] = {}
    unreadable: dict[str, np.ndarray] = {}
    for column in spec.columns:
        values = [row.get(column.name) for row in rows]
        bad = np.asarray([value is BAD for value in values], dtype=bool)
        if bad.any():
            unreadable[column.name] = bad
        values = [None if value is BAD else value for value in values]
        if column.type == "money":
            cents = [None if v is None else int(Decimal(str(v)) * 100) for v in values]
            frame[column.name] = pd.Series(cents, index=index, dtype="Int64")
        elif column.type in ("date", "datetime"):
            frame[column.name] = pd.Series(
                [pd.NaT if v is None else pd.Timestamp(v) for v in values],
                index=index,
                dtype="datetime64[ns]",
            )
        elif column.type == "list":
            frame[column.name] = pd.Series(
                [tuple(v) if v else () for v in values], index=index, dtype=object
            )
        else:
            if column.enum:
                values = [
                    column.default or None if v is None and not b else v
                    for v, b in zip(values, bad, strict=True)
                ]
            frame[column.name] = pd.Series(values, index=index, dtype=object)
    data = pd.DataFrame(frame, index=index)
    return Table(
        spec=spec,
        title=title or name,
        frame=data,
        headers={column.name: column.name for column in spec.columns},
        letters={column.name: chr(ord("A") + i) for i, column in enumerate(spec.columns)},
        unreadable=unreadable,
    )


def production(
    *,
    departments: Sequence[Row] = (),
    budget: Sequence[Row] = (),
    schedule: Sequence[Row] = (),
    vendors: Sequence[Row] = (),
) -> dict[str, Table]:
    return {
        "Departments": typed_tab("Departments", departments),
        "Budget": typed_tab("Budget", budget),
        "Schedule": typed_tab("Schedule", schedule),
        "Vendors": typed_tab("Vendors", vendors),
    }


def line(code: str, department: str, budgeted: Any, **more: Any) -> Row:
    return {
        "Code": code,
        "Department": department,
        "Description": code,
        "Budgeted": budgeted,
        **more,
    }


DEPARTMENTS: list[Row] = [
    {"Department": "Lighting", "Allocation": 20000},
    {"Department": "Sound", "Allocation": 10000},
    {"Department": "Set"},
    {"Department": "Props", "Allocation": 500},
]

BUDGET: list[Row] = [
    line(
        "L-01",
        "Lighting",
        8000,
        Category="Rentals",
        Vendor="Bright Lights Hire",
        Actual=2000,
        Committed=3000,
        ETC=1000,
    ),  # row 2
    line("L-02", " lighting ", 6000, Category="Labour", Actual=1500, ETC=4000),  # row 3
    line("S-01", "Sound", 4000, Category="Labour", Actual="1000.50", ETC=3500),  # row 4
    line(
        "T-01",
        "Set",
        12000,
        Category="Materials",
        Vendor="timber co",
        Actual="5000.25",
        Committed=2000,
        ETC=1000,
    ),  # row 5
    line("X-01", "Set", 0),  # row 6: no category
    line("X-02", "Set", 100, Category="Contingency", Actual=BAD),  # row 7: unreadable
    line("X-03", "Wardrobe", 100, Category="Other"),  # row 8: unlisted
    line("X-04", "Sound", None, Category="Fees", Actual=5),  # row 9: no Budgeted
    line("X-05", "Sound", 100, Category="Fees", Committed=-5),  # row 10: negative
    line("X-06", "Sound", 0, Category="Travel", Actual=10),  # row 11
]


def cents(*rows: Sequence[int]) -> list[list[int]]:
    return [list(r) for r in rows]


def at(frame: pd.DataFrame, row: str, column: str) -> Any:
    """One figure, as a plain Python value."""
    value = frame.at[row, column]
    return value.item() if isinstance(value, np.generic) else value


def money_of(frame: pd.DataFrame) -> list[list[int]]:
    return [[int(v) for v in row] for row in frame.loc[:, list(MONEY_COLUMNS)].to_numpy()]


@pytest.fixture(scope="module")
def figures() -> Figures:
    return compute_figures(production(departments=DEPARTMENTS, budget=BUDGET), CONTEXT)


def test_lines_are_counted_in_exact_cents(figures: Figures) -> None:
    lines = figures.lines
    assert list(lines.index) == [2, 3, 4, 5, 6, 11]
    assert list(lines.columns[:5]) == ["Code", "Department", "Category", "Description", "Vendor"]
    # Budgeted, Actual, Committed, ETC, EFC, Over/(Under), Uncommitted
    assert money_of(lines) == [
        [800000, 200000, 300000, 100000, 600000, -200000, 300000],
        [600000, 150000, 0, 400000, 550000, -50000, 450000],
        [400000, 100050, 0, 350000, 450050, 50050, 299950],
        [1200000, 500025, 200000, 100000, 800025, -399975, 499975],
        [0, 0, 0, 0, 0, 0, 0],
        [0, 1000, 0, 0, 1000, 1000, -1000],
    ]
    assert lines["Status"].tolist() == ["OK", "At risk", "Over", "OK", "OK", "Over"]
    assert lines["Over %"].tolist()[:4] == pytest.approx(
        [-0.25, -50000 / 600000, 0.125125, -399975 / 1200000]
    )
    assert math.isnan(lines["Over %"][6]) and math.isnan(lines["Over %"][11])
    # the department as the Departments tab spells it; the category blank stays blank
    assert lines.loc[3, "Department"] == "Lighting"
    assert lines.loc[6, "Category"] is None
    assert lines["Code"].dtype == object
    for column in MONEY_COLUMNS:
        assert lines[column].dtype == np.int64


def test_unreadable_negative_unbudgeted_and_unlisted_lines_are_left_out(
    figures: Figures,
) -> None:
    assert figures.excluded_lines == 4


def test_by_department_sums_every_listed_department_then_total(figures: Figures) -> None:
    table = figures.by_department
    assert list(table.index) == ["Lighting", "Sound", "Set", "Props", "Total"]
    assert money_of(table) == [
        [1400000, 350000, 300000, 500000, 1150000, -250000, 750000],
        [400000, 101050, 0, 350000, 451050, 51050, 298950],
        [1200000, 500025, 200000, 100000, 800025, -399975, 499975],
        [0, 0, 0, 0, 0, 0, 0],
        [3000000, 951075, 500000, 950000, 2401075, -598925, 1548925],
    ]
    assert table["Allocation"].tolist() == [2000000, 1000000, pd.NA, 50000, 3050000]
    # Unallocated = Allocation - Budgeted; the total covers departments with an Allocation
    assert table["Unallocated"].tolist() == [600000, 600000, pd.NA, 50000, 1250000]
    assert table["Status"].tolist() == ["OK", "Over", "OK", "OK", "OK"]
    assert table.loc["Sound", "Over %"] == pytest.approx(51050 / 400000)
    assert math.isnan(at(table, "Props", "Over %"))
    assert table.loc["Total", "Over %"] == pytest.approx(-598925 / 3000000)
    assert list(table.columns) == ["Allocation", *MONEY_COLUMNS, "Unallocated", "Over %", "Status"]


def test_by_category_follows_the_template_order(figures: Figures) -> None:
    table = figures.by_category
    assert list(table.index) == [
        "Labour",
        "Materials",
        "Rentals",
        "Services",
        "Travel",
        "Fees",
        "Contingency",
        "Other",
        "(none)",
        "Total",
    ]
    assert money_of(table) == [
        [1000000, 250050, 0, 750000, 1000050, 50, 749950],
        [1200000, 500025, 200000, 100000, 800025, -399975, 499975],
        [800000, 200000, 300000, 100000, 600000, -200000, 300000],
        [0] * 7,
        [0, 1000, 0, 0, 1000, 1000, -1000],
        [0] * 7,
        [0] * 7,
        [0] * 7,
        [0] * 7,
        [3000000, 951075, 500000, 950000, 2401075, -598925, 1548925],
    ]
    assert table["Status"].tolist() == [
        "Over",
        "OK",
        "OK",
        "OK",
        "Over",
        "OK",
        "OK",
        "OK",
        "OK",
        "OK",
    ]
    assert "Allocation" not in table.columns


def test_no_none_row_when_every_line_has_a_category() -> None:
    tables = production(departments=DEPARTMENTS, budget=BUDGET[:1])
    assert "(none)" not in compute_figures(tables, CONTEXT).by_category.index


def test_ten_thousand_dimes_make_exactly_a_thousand_dollars() -> None:
    budget = [
        line(f"D-{i}", "Sound", "0.10", Actual="0.10", Category="Other") for i in range(10_000)
    ]
    figures = compute_figures(production(departments=DEPARTMENTS, budget=budget), CONTEXT)
    table = figures.by_department
    assert at(table, "Total", "Budgeted") == 100000 and at(table, "Total", "EFC") == 100000
    assert money_text(at(figures.by_category, "Other", "Actual")) == "$1,000.00"
    assert at(table, "Total", "Over/(Under)") == 0
    assert at(table, "Total", "Status") == "At risk"


def test_sums_past_int64_stay_exact() -> None:
    huge = 6 * 10**16  # dollars: 6e18 cents fits int64, two of them do not
    budget = [line("H-1", "Set", huge, Actual=huge), line("H-2", "Set", huge, ETC=huge)]
    figures = compute_figures(production(departments=DEPARTMENTS, budget=budget), CONTEXT)
    table = figures.by_department
    assert at(table, "Total", "Budgeted") == 12 * 10**18
    assert at(table, "Total", "EFC") == 12 * 10**18
    assert at(table, "Total", "Over/(Under)") == 0
    assert at(table, "Set", "Uncommitted") == 12 * 10**18 - 6 * 10**18


def test_near_limit_is_compared_exactly_not_in_floats() -> None:
    # 0.55 x 100 cents is 55.000000000000007 in floats: EFC 55 cents reaches it exactly
    tables = production(
        departments=DEPARTMENTS,
        budget=[line("A", "Set", "1.00", ETC="0.55"), line("B", "Set", "1.00", ETC="0.54")],
    )
    figures = compute_figures(tables, Context(as_of=AS_OF, near_limit=Decimal("0.55")))
    assert figures.lines["Status"].tolist() == ["At risk", "OK"]


def test_figures_match_a_plain_python_count_of_random_lines() -> None:
    chance = random.Random(7)
    names = ["Lighting", "Sound", "Set", "Props"]
    budget = []
    for i in range(3000):
        money: dict[str, str | None] = {
            c: f"{chance.randrange(0, 10**7) / 100:.2f}"
            for c in ("Budgeted", "Actual", "Committed", "ETC")
        }
        if chance.random() < 0.3:
            money["ETC"] = None  # blank means 0
        budget.append(
            line(
                f"R{i}",
                chance.choice(names),
                money.pop("Budgeted"),
                Category=chance.choice(["Labour", "Fees", None]),
                **money,
            )
        )
    figures = compute_figures(production(departments=DEPARTMENTS, budget=budget), CONTEXT)
    expected: dict[str, list[int]] = {n: [0] * 7 for n in names}
    for row in budget:
        b, a, c, e = (
            int(Decimal(row.get(k) or "0") * 100)
            for k in ("Budgeted", "Actual", "Committed", "ETC")
        )
        for k, v in enumerate((b, a, c, e, a + c + e, a + c + e - b, b - a - c)):
            expected[row["Department"]][k] += v
    assert money_of(figures.by_department)[:4] == [expected[n] for n in names]


SCHEDULE: list[Row] = [
    {
        "ID": "S1",
        "Task": "Build",
        "Department": "Set",
        "Start": "2026-03-01",
        "End": "2026-03-02",
        "Due": "2026-03-05",
        "Done On": "2026-03-07",
        "Status": "Done",
    },  # late 2 days
    {
        "ID": "S2",
        "Task": "Paint",
        "Department": "set",
        "Start": "2026-03-03",
        "End": "2026-03-04",
        "Due": "2026-03-08",
    },  # overdue
    {
        "ID": "S3",
        "Task": "Rig",
        "Department": "Lighting",
        "Start": "2026-03-11",
        "End": "2026-04-20 22:00",
        "Due": "2026-03-12",
    },  # not due yet
    {
        "ID": "S4",
        "Task": "Plot",
        "Department": "Lighting",
        "Start": "2026-02-01",
        "End": "2026-02-02",
        "Due": "2026-03-01",
        "Done On": "2026-03-01",
        "Status": "Done",
    },
    {
        "ID": "S5",
        "Task": "Focus",
        "Department": "Lighting",
        "Start": "2026-02-01",
        "End": "2026-02-02",
        "Due": "2026-03-02",
        "Done On": "2026-03-06",
        "Status": "Done",
    },
    {
        "ID": "S6",
        "Task": "Old",
        "Department": "Set",
        "Start": "2026-02-01",
        "End": "2027-01-01",
        "Due": "2026-03-01",
        "Status": "Cancelled",
    },  # not counted
    {
        "ID": "S7",
        "Task": "Hem",
        "Department": "Wardrobe",
        "Start": "2026-02-01",
        "End": "2026-02-02",
        "Due": "2026-03-01",
    },  # unlisted
    {
        "ID": "S8",
        "Task": "Check",
        "Department": "Sound",
        "Start": "2026-02-01",
        "End": "2026-02-02",
        "Due": "2026-03-10",
    },  # due today
]


def test_schedule_figures_per_department() -> None:
    table = compute_figures(
        production(departments=DEPARTMENTS, schedule=SCHEDULE), CONTEXT
    ).schedule
    assert list(table.index) == ["Lighting", "Sound", "Set", "Props", "Total"]
    counts = table.loc[:, ["Items", "Done", "Overdue", "Late"]].to_numpy().tolist()
    assert counts == [[3, 2, 0, 1], [1, 0, 0, 0], [2, 1, 1, 1], [0, 0, 0, 0], [6, 3, 1, 2]]
    mean = table["Mean days late"].tolist()
    assert mean[0] == 4.0 and mean[2] == 2.0 and mean[4] == 3.0
    assert math.isnan(mean[1]) and math.isnan(mean[3])


VENDORS: list[Row] = [
    {
        "Vendor": "Bright Lights Hire",
        "Contract": "Signed",
        "Contract End": "2026-12-31",
        "Insurance Expires": "2026-12-31",
    },
    {"Vendor": "Timber Co", "Contract": "Signed", "Contract End": "2026-03-25"},
    {"Vendor": "Sound Hire", "Contract": "Quote", "Insurance Expires": "2026-03-01"},
    {"Vendor": "Old Rigging", "Contract": "Expired", "Insurance Expires": "2026-04-01"},
    {
        "Vendor": "Stage Lighting Hire",
        "Contract": "Signed",
        "Contract End": "2026-04-10",
        "Insurance Expires": "2026-04-20",
    },
    {"Vendor": "Past Co", "Contract": "Signed", "Contract End": "2026-03-01"},
    {"Vendor": "Handshake Ltd"},
]


def test_vendor_figures_and_states() -> None:
    tables = production(departments=DEPARTMENTS, budget=BUDGET, schedule=SCHEDULE, vendors=VENDORS)
    table = compute_figures(tables, CONTEXT).vendors
    assert list(table.index) == [v["Vendor"] for v in VENDORS]
    assert list(table.columns) == [
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
    assert table["Lines"].tolist() == [1, 1, 0, 0, 0, 0, 0]
    assert table.loc[:, ["Actual", "Committed", "EFC"]].to_numpy().tolist()[:2] == [
        [200000, 300000, 600000],
        [500025, 200000, 800025],
    ]
    # the run's last End is 2026-04-20 (the cancelled item's 2027 End does not count);
    # a contract ending within 30 days of 2026-03-10 or before the run ends is Expiring
    assert table["Contract State"].tolist() == [
        "Current",
        "Expiring",
        "Missing",
        "Expired",
        "Expiring",
        "Expired",
        "Missing",
    ]
    # no date and no Rentals money: no rule asks for a certificate, so "Not needed" (#13)
    assert table["Insurance State"].tolist() == [
        "Current",
        "Not needed",
        "Expired",
        "Expiring",
        "Current",
        "Not needed",
        "Not needed",
    ]
    assert table["Contract"].tolist()[-1] == "None"
    assert table.loc["Bright Lights Hire", "Contract End"] == pd.Timestamp("2026-12-31")
    assert table["Flags"].tolist() == [
        "",
        "",
        "vendor.insurance_expiring",
        "vendor.insurance_expiring",
        "",
        "",
        "",
    ]


def test_vendor_flags_join_every_rule_that_applies() -> None:
    vendors = [{"Vendor": "Rig Co", "Contract": "Quote", "Contract End": "2026-03-01"}]
    budget = [line("R", "Set", 100, Category="Rentals", Vendor="RIG  co", Committed=50)]
    table = compute_figures(
        production(departments=DEPARTMENTS, budget=budget, vendors=vendors), CONTEXT
    ).vendors
    assert table.loc["Rig Co", "Flags"] == (
        "vendor.contract_missing; vendor.contract_expired; vendor.insurance_missing"
    )


def test_empty_workbook_has_only_total_rows() -> None:
    figures = compute_figures(production(), CONTEXT)
    assert list(figures.by_department.index) == ["Total"]
    assert money_of(figures.by_department) == [[0] * 7]
    assert figures.excluded_lines == 0 and len(figures.lines) == 0
    assert list(figures.schedule.index) == ["Total"] and len(figures.vendors) == 0


def read_back(tabs: dict[str, list[list[Any]]], tmp_path: Path) -> Result:
    """Write ``tabs`` to a real .xlsx, then read, check and compute as ``report`` does."""
    path = write_workbook(tmp_path / "show.xlsx", tabs)
    config = Config()
    return check_workbook(
        open_workbook(str(path), config),
        config=config,
        template=TEMPLATE,
        as_of=dt.date.fromisoformat(WORKBOOK_AS_OF),
    )


def test_figures_of_a_real_workbook(tmp_path: Path) -> None:
    result = read_back(clean_production(), tmp_path)
    assert result.figures is not None
    departments = result.figures.by_department
    assert list(departments.index) == ["Lighting", "Sound", "Set", "Total"]
    assert money_of(departments) == [
        [1400000, 350000, 300000, 350000, 1000000, -400000, 750000],
        [400000, 100050, 0, 150000, 250050, -149950, 299950],
        [1200000, 500025, 200000, 100000, 800025, -399975, 499975],
        [3000000, 950075, 500000, 600000, 2050075, -949925, 1549925],
    ]
    assert departments["Unallocated"].tolist() == [600000, 600000, 1800000, 3000000]
    vendors = result.figures.vendors
    assert vendors["Contract State"].tolist() == ["Current", "Current"]
    # Timber Co has no Rentals money (#13)
    assert vendors["Insurance State"].tolist() == ["Current", "Not needed"]
    assert not [i for i in result.issues if i.rule.split(".")[0] in ("budget", "vendor")]


def test_a_real_workbook_line_over_budget_and_its_vendor_unsigned(tmp_path: Path) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 5, "ETC", "$6,000.00")  # T-01: EFC 13,000.25 on 12,000
    set_cell(tabs, "Vendors", 3, "Contract", "quote")
    result = read_back(tabs, tmp_path)
    mine = {(i.rule, i.cell) for i in result.issues if i.rule.split(".")[0] in ("budget", "vendor")}
    assert mine == {("budget.over", "F5"), ("vendor.contract_missing", "F3")}
