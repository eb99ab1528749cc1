"""The layout ``init`` writes and the sample production ``init --example`` fills in."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest

from prodsheets.a1 import column_letter
from prodsheets.backends.base import Contents, Format, LayoutTab, RawCell, RawTab
from prodsheets.checks import run_checks
from prodsheets.config import Config, parse_config
from prodsheets.figures import compute_figures
from prodsheets.layout import source_layout
from prodsheets.pipeline import context_for
from prodsheets.tables import read_tables
from prodsheets.template import (
    OPTIONAL_TABS,
    SOURCE_TABS,
    Template,
    load_template,
    parse_template,
)

TODAY = dt.date(2026, 3, 10)


@pytest.fixture(scope="module")
def template() -> Template:
    return load_template()


def _layout(template: Template, config: Config | None = None, **kw: Any) -> dict[str, LayoutTab]:
    tabs = source_layout(
        template, config or Config(), example=kw.get("example", True), today=kw.get("today", TODAY)
    )
    return {name: tab for name, tab in zip(template.laid_out(), tabs, strict=True)}


def _records(tab: LayoutTab) -> list[dict[str, Any]]:
    return [dict(zip(tab.headers, row, strict=True)) for row in tab.rows]


def test_every_source_tab_in_template_order_with_every_column(template: Template) -> None:
    tabs = source_layout(template, Config(), example=False, today=TODAY)
    assert [tab.title for tab in tabs] == [*SOURCE_TABS, *OPTIONAL_TABS]
    for tab, name in zip(tabs, [*SOURCE_TABS, *OPTIONAL_TABS], strict=True):
        columns = template.tab(name).columns
        assert tab.headers == tuple(col.name for col in columns)
        assert tab.widths == tuple(col.width for col in columns)
        assert tab.rows == []


@pytest.mark.parametrize(
    ("tab", "column", "expected"),
    [
        ("Budget", "Budgeted", Format.MONEY),
        ("Departments", "Allocation", Format.MONEY),
        ("Schedule", "Start", Format.DATETIME),
        ("Schedule", "Due", Format.DATE),
        ("Vendors", "Insurance Expires", Format.DATE),
        ("Vendors", "Phone", Format.TEXT),
        ("Departments", "Email", Format.TEXT),
    ],
)
def test_formats_follow_column_types(
    template: Template, tab: str, column: str, expected: Format
) -> None:
    laid_out = _layout(template)[tab]
    assert laid_out.formats[laid_out.headers.index(column)] is expected


def test_dropdowns_for_every_enum_and_ref_column(template: Template) -> None:
    laid_out = _layout(template)
    for name in (*SOURCE_TABS, *OPTIONAL_TABS):
        tab = laid_out[name]
        columns = template.tab(name).columns
        wanted = {i for i, col in enumerate(columns) if col.enum or col.ref}
        if name == "Crew":  # Rule Set offers the template's rule sets
            wanted.add(tab.headers.index("Rule Set"))
        assert set(tab.dropdowns) == wanted, name
    rule_set = laid_out["Crew"].headers.index("Rule Set")
    assert laid_out["Crew"].dropdowns[rule_set] == ("Example Cast", "Example Crew")
    vendor = laid_out["Equipment"].headers.index("Vendor")
    assert laid_out["Equipment"].dropdowns[vendor] == "Vendors!$A$2:$A$500"
    status = laid_out["Schedule"].headers.index("Status")
    assert laid_out["Schedule"].dropdowns[status] == (
        "Planned",
        "Confirmed",
        "In Progress",
        "Done",
        "Cancelled",
    )
    department = laid_out["Budget"].headers.index("Department")
    vendor = laid_out["Budget"].headers.index("Vendor")
    assert laid_out["Budget"].dropdowns[department] == "Departments!$A$2:$A$500"
    assert laid_out["Budget"].dropdowns[vendor] == "Vendors!$A$2:$A$500"


def test_renamed_tabs_are_titled_and_referenced_by_their_workbook_names(
    template: Template,
) -> None:
    config = parse_config({"tabs": {"Departments": "Dept List", "Budget": "Costs"}})
    laid_out = _layout(template, config)
    assert [tab.title for tab in laid_out.values()] == [
        "Dept List",
        "Schedule",
        "Costs",
        "Vendors",
        "Crew",
        "Equipment",
    ]
    department = laid_out["Schedule"].headers.index("Department")
    assert laid_out["Schedule"].dropdowns[department] == "'Dept List'!$A$2:$A$500"


def test_a_reference_follows_the_referenced_column_letter() -> None:
    # A copied template that puts Department after two other columns.
    data: dict[str, Any] = {"tabs": {}}
    base = load_template()
    for name in SOURCE_TABS:
        columns = [
            {"name": c.name, "type": c.type, "enum": list(c.enum), "ref": c.ref}
            for c in base.tab(name).columns
        ]
        if name == "Departments":
            columns = [{"name": "Region"}, {"name": "Floor"}, *columns]
        data["tabs"][name] = {"key": base.tab(name).key, "columns": columns}
    moved = parse_template(data)
    schedule = source_layout(moved, Config(), example=True, today=TODAY)[1]
    department = schedule.headers.index("Department")
    assert schedule.dropdowns[department] == "Departments!$C$2:$C$500"
    departments = source_layout(moved, Config(), example=True, today=TODAY)[0]
    assert all(row[0] is None and row[2] for row in departments.rows)  # extra columns blank


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ")])
def test_column_letters(index: int, letters: str) -> None:
    assert column_letter(index) == letters


def test_example_is_a_production_of_realistic_size(template: Template) -> None:
    laid_out = _layout(template)
    assert len(laid_out["Departments"].rows) == 8
    assert 35 <= len(laid_out["Budget"].rows) <= 45
    assert 35 <= len(laid_out["Schedule"].rows) <= 50  # with the lunch and dinner breaks
    assert 12 <= len(laid_out["Crew"].rows) <= 20
    assert 4 <= len(laid_out["Equipment"].rows) <= 8
    assert 10 <= len(laid_out["Vendors"].rows) <= 14
    for tab in laid_out.values():
        assert all(len(row) == len(tab.headers) for row in tab.rows)
    budget = _records(laid_out["Budget"])
    assert len({line["Category"] for line in budget}) >= 6
    money = [line["Budgeted"] for line in budget]
    assert all(isinstance(v, Decimal | str) for v in money)
    assert any(isinstance(v, Decimal) and v != v.to_integral_value() for v in money) or any(
        isinstance(line["Actual"], Decimal) and line["Actual"] % 1 for line in budget
    )


def test_example_references_are_consistent(template: Template) -> None:
    laid_out = _layout(template)
    departments = {d["Department"] for d in _records(laid_out["Departments"])}
    vendors = {v["Vendor"] for v in _records(laid_out["Vendors"])}
    budget = _records(laid_out["Budget"])
    schedule = _records(laid_out["Schedule"])
    unknown = [line["Department"] for line in budget if line["Department"] not in departments]
    assert unknown == []
    assert all(line["Vendor"] in vendors for line in budget if line["Vendor"])
    assert {line["Department"] for line in budget} == departments
    assert all(item["Department"] in departments for item in schedule)
    ids = {item["ID"] for item in schedule}
    assert len(ids) == len(schedule)
    for item in schedule:
        for needed in re.split(r"[,;]", item["Depends On"] or ""):
            assert not needed.strip() or needed.strip() in ids


def test_example_dates_move_with_today(template: Template) -> None:
    early = _records(_layout(template, today=TODAY)["Schedule"])
    later = _records(_layout(template, today=TODAY + dt.timedelta(days=30))["Schedule"])
    for before, after in zip(early, later, strict=True):
        for column in ("Start", "End", "Due", "Done On"):
            if before[column] is None:
                assert after[column] is None
            else:
                assert after[column] - before[column] == dt.timedelta(days=30)
    starts = [item["Start"] for item in early]
    first = min(s.date() if isinstance(s, dt.datetime) else s for s in starts)
    assert first < TODAY  # rehearsals are under way
    opening = next(item for item in early if "Opening" in item["Task"])
    assert TODAY + dt.timedelta(days=14) <= opening["Start"].date() <= TODAY + dt.timedelta(days=28)


def _as_read(value: object) -> RawCell:
    """What a spreadsheet hands back for what the example typed: money comes back a number."""
    if isinstance(value, Decimal | int):  # an Equipment Quantity is typed as a number
        return float(value)
    assert value is None or isinstance(value, str | dt.date)
    return value


def _contents(tabs: list[LayoutTab]) -> Contents:
    raw = {
        tab.title: RawTab(
            tab.title,
            [list(tab.headers), *([_as_read(v) for v in row] for row in tab.rows)],
        )
        for tab in tabs
    }
    return Contents(titles=list(raw), owned=frozenset(), tabs=raw)


# What the example promises (prodsheets/example.py), each once, and nothing else.
PLANTED = sorted(
    [
        ("budget.over", "F17"),  # CO-01 fabric
        ("budget.near_limit", "F23"),  # PR-02 breakaway glass
        ("budget.over_allocation", "D2"),  # Scenic
        ("schedule.person_conflict", "E16"),  # Mara Quinn's fitting in rehearsal
        ("schedule.overdue", "H17"),  # the press release
        ("schedule.turnaround", "F30"),  # the programmer back at 08:00
        ("equipment.overbooked", "M42"),  # 14 moving lights wanted, 12 in stock
        ("vendor.insurance_expiring", "I5"),  # Brightwater Lighting Hire
        ("vendor.contract_missing", "F13"),  # Coastline Printing
    ]
)


@pytest.mark.parametrize("today", [TODAY, dt.date(2027, 11, 29)])
def test_first_check_of_the_example_finds_the_planted_mistakes(
    template: Template, today: dt.date
) -> None:
    config = Config()
    tables, found = read_tables(
        _contents(source_layout(template, config, example=True, today=today)), template, config
    )
    context = context_for(config, today, template)  # with the template's rule sets
    found.extend(run_checks(tables, context))
    assert sorted((issue.rule, issue.cell) for issue in found) == PLANTED
    errors = {issue.rule for issue in found if issue.severity == "error"}
    assert errors == set()  # the first sync a new user runs succeeds

    figures = compute_figures(tables, context)
    assert figures.excluded_lines == 0
    typed = [
        Decimal(str(line["Budgeted"]).replace("$", "").replace(",", ""))
        for line in _records(_layout(template, today=today)["Budget"])
    ]
    total = figures.by_department["Budgeted"].loc["Total"]
    assert int(total) == int(sum(typed) * 100)
