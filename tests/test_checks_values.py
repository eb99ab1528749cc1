"""The cell rules: value.required, value.negative, id.duplicate, ref.unknown,
vendor.contract_dates. Each is shown firing on a table that breaks it and quiet on one that
does not."""

from __future__ import annotations

import datetime as dt
import difflib
import random

from prodsheets.backends.base import Contents, RawCell, RawTab
from prodsheets.checks import Context
from prodsheets.checks.values import Suggestions, check
from prodsheets.config import Config
from prodsheets.issues import Issue, Severity
from prodsheets.tables import read_tables
from prodsheets.template import load_template

TEMPLATE = load_template()
CONTEXT = Context(as_of=dt.date(2026, 3, 1))

DEPARTMENTS = RawTab(
    "Departments",
    [["Department", "Allocation"], ["Lighting", 1000], ["Sound", 2000], ["Stage Management", 5]],
)
VENDORS = RawTab("Vendors", [["Vendor", "Contract"], ["Acme Lighting", "Signed"], ["Hire Co", ""]])
BUDGET_HEADERS: list[RawCell] = ["Code", "Department", "Description", "Vendor", "Budgeted"]


def run(*tabs: RawTab) -> list[Issue]:
    contents = Contents(
        titles=[t.title for t in tabs], owned=frozenset(), tabs={t.title: t for t in tabs}
    )
    tables, _ = read_tables(contents, TEMPLATE, Config())
    return check(tables, CONTEXT)


def found(issues: list[Issue]) -> list[tuple[str, str]]:
    return sorted((i.rule, i.cell) for i in issues)


def budget(*rows: list[RawCell], headers: list[RawCell] = BUDGET_HEADERS) -> RawTab:
    return RawTab("Budget", [headers, *[list(r) for r in rows]])


def test_a_clean_workbook_has_no_findings() -> None:
    issues = run(
        DEPARTMENTS,
        VENDORS,
        budget(
            ["B1", "Lighting", "Lamps", "Acme Lighting", 100],
            ["B2", " sound ", "Cable", None, "$0.00"],
            ["B3", "stage management", "Tape", "hire co", 5],
        ),
    )
    assert issues == []


def test_required_cells_that_are_blank() -> None:
    issues = run(
        DEPARTMENTS,
        budget(
            ["B1", "Lighting", "Lamps", None, 100],
            [None, "Lighting", "  ", None, None],
            ["B3", None, "Tape", None, 5],
        ),
    )
    assert found(issues) == [
        ("value.required", "A3"),
        ("value.required", "B4"),
        ("value.required", "C3"),
        ("value.required", "E3"),
    ]
    first = next(i for i in issues if i.cell == "A3")
    assert first.severity is Severity.ERROR
    assert (first.tab, first.row, first.column) == ("Budget", 3, "Code")
    assert "fill in" in first.message


def test_an_unreadable_required_cell_is_not_also_blank() -> None:
    issues = run(DEPARTMENTS, budget(["B1", "Lighting", "Lamps", None, "#REF!"]))
    assert found(issues) == []


def test_required_check_follows_the_header_as_typed() -> None:
    issues = run(
        DEPARTMENTS,
        budget(
            ["B1", "Lighting", "Lamps", None],
            headers=["Line", "Dept", "Desc", "Supplier", "Estimate"],
        ),
    )
    assert found(issues) == [("value.required", "E2")]
    assert issues[0].column == "Estimate"


def test_absent_required_column_is_not_reported_on_every_row() -> None:
    issues = run(DEPARTMENTS, budget(["B1", "Lighting"], headers=["Code", "Department"]))
    assert found(issues) == []


def test_required_list_and_date_cells() -> None:
    schedule = RawTab(
        "Schedule",
        [
            ["ID", "Task", "Department", "Start", "End"],
            ["S1", "Focus", "Lighting", "2026-03-01", None],
            ["S2", "Plot", "Lighting", "soon", "2026-03-02"],
        ],
    )
    assert found(run(DEPARTMENTS, schedule)) == [("value.required", "E2")]


def test_negative_money() -> None:
    issues = run(
        DEPARTMENTS,
        budget(
            ["B1", "Lighting", "Lamps", None, "(250.00)"],
            ["B2", "Lighting", "Gels", None, 0],
            ["B3", "Lighting", "Tape", None, -0.01],
        ),
        RawTab("Vendors", [["Vendor"]]),
    )
    assert found(issues) == [("value.negative", "E2"), ("value.negative", "E4")]
    assert issues[0].value == "(250.00)"
    assert "below 0" in issues[0].message


def test_negative_allocation_in_departments() -> None:
    issues = run(RawTab("Departments", [["Department", "Cap"], ["Sound", "-5"]]))
    assert found(issues) == [("value.negative", "B2")]
    assert issues[0].column == "Cap"


def test_exact_duplicates_report_every_repeat_after_the_first() -> None:
    issues = run(
        DEPARTMENTS,
        budget(
            ["B1", "Lighting", "Lamps", None, 1],
            ["B2", "Lighting", "Gels", None, 1],
            ["B1", "Lighting", "Tape", None, 1],
            ["b1", "Lighting", "Tape", None, 1],  # exact: another code
            ["B1", "Lighting", "Tape", None, 1],
        ),
    )
    assert found(issues) == [("id.duplicate", "A4"), ("id.duplicate", "A6")]
    assert all("row 2" in i.message for i in issues)
    assert issues[0].value == "B1"


def test_casefold_duplicates_ignore_case_and_spaces() -> None:
    issues = run(
        RawTab(
            "Departments",
            [["Department"], ["Stage Management"], ["Sound"], ["stagemanagement"], ["SOUND "]],
        )
    )
    assert found(issues) == [("id.duplicate", "A4"), ("id.duplicate", "A5")]
    by_cell = {i.cell: i for i in issues}
    assert "row 2" in by_cell["A4"].message and "row 3" in by_cell["A5"].message


def test_no_duplicates_no_findings() -> None:
    issues = run(
        RawTab("Schedule", [["ID", "Task"], ["S1", "a"], ["S2", "b"], ["s1", "c"], [None, "d"]])
    )
    assert [i for i in issues if i.rule == "id.duplicate"] == []


def test_unknown_department_suggests_the_closest() -> None:
    issues = run(
        DEPARTMENTS,
        VENDORS,
        budget(
            ["B1", "Lightng", "Lamps", None, 1],
            ["B2", "Catering", "Lunch", None, 1],
            ["B3", "LIGHTING", "Gels", None, 1],
            ["B4", "Lightng", "Tape", "Acme Lightin", 1],
        ),
    )
    assert found(issues) == [
        ("ref.unknown", "B2"),
        ("ref.unknown", "B3"),
        ("ref.unknown", "B5"),
        ("ref.unknown", "D5"),
    ]
    by_cell = {i.cell: i for i in issues}
    assert by_cell["B2"].message.endswith("Did you mean 'Lighting'?")
    assert "Departments tab" in by_cell["B2"].message
    assert "Did you mean" not in by_cell["B3"].message
    assert "add it there" in by_cell["B3"].message
    assert by_cell["D5"].message.endswith("Did you mean 'Acme Lighting'?")
    assert by_cell["D5"].value == "Acme Lightin"


def test_unknown_references_are_skipped_when_the_listing_tab_is_missing() -> None:
    issues = run(budget(["B1", "Nowhere", "Lamps", "Nobody", 1]))
    assert found(issues) == []


def test_schedule_departments_are_checked_too() -> None:
    schedule = RawTab(
        "Schedule",
        [
            ["ID", "Task", "Dept", "Start", "End"],
            ["S1", "Focus", "Sound", "2026-03-01", "2026-03-01"],
            ["S2", "Focus", "Props", "2026-03-01", "2026-03-01"],
        ],
    )
    assert found(run(DEPARTMENTS, schedule)) == [("ref.unknown", "C3")]


def test_contract_end_before_start() -> None:
    vendors = RawTab(
        "Vendors",
        [
            ["Vendor", "Contract Start", "Contract End"],
            ["Acme", "2026-03-01", "2026-02-01"],
            ["Hire Co", "2026-03-01", "2026-03-01"],
            ["Rig Ltd", "2026-03-01", None],
            ["Sparks", None, "2026-01-01"],
            ["Truss", "2026-03-01", "not a date"],
        ],
    )
    issues = run(vendors)
    assert found(issues) == [("vendor.contract_dates", "C2")]
    assert issues[0].column == "Contract End"
    assert "2026-02-01" in issues[0].message and "2026-03-01" in issues[0].message
    assert issues[0].value == "2026-02-01"


def test_contract_dates_in_order_are_fine() -> None:
    vendors = RawTab(
        "Vendors", [["Vendor", "Contract Start", "Contract End"], ["Acme", 46082, 46447]]
    )
    assert run(vendors) == []


def test_many_rows_check_quickly_and_flag_only_the_bad_ones() -> None:
    rows = [[f"B{i}", "Lighting", "Item", None, i % 7] for i in range(20_000)]
    rows[5] = ["B5", "Lightng", "Item", None, -1]
    rows[9] = ["B1", "Lighting", "Item", None, 1]
    issues = run(DEPARTMENTS, budget(*rows))
    assert found(issues) == [
        ("id.duplicate", "A11"),
        ("ref.unknown", "B7"),
        ("value.negative", "E7"),
    ]


def test_suggestions_over_a_long_list_are_difflibs_closest_match() -> None:
    """The quick bound that spares comparing every ID never changes which ID is suggested."""
    rng = random.Random(11)
    ids = [f"s-{n:05d}" for n in rng.sample(range(100_000), 800)] + ["fit-up", "get-out", ""]
    listed = {key: key.upper() for key in ids}
    suggest = Suggestions(listed)
    typos = ["s-1234x", "s-0", "fit up", "getout", "", "zz", *(i[:-1] + "9x" for i in ids[:12])]
    for typo in typos:
        starts = [k for k in ids if typo and k.startswith(typo)]
        closest = difflib.get_close_matches(typo, ids, n=1, cutoff=0.6)
        expected = (
            listed[starts[0]] if len(starts) == 1 else (listed[closest[0]] if closest else None)
        )
        assert suggest(typo) == expected, typo
