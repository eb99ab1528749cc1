"""The budget checks: lines over or near their Budgeted, departments over their Allocation.

Budget columns are lettered as in the template: Code A, Department B, Category C,
Description D, Vendor E, Budgeted F, Actual G, Committed H, ETC I; Departments: Allocation D.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from prodsheets.checks import Context
from prodsheets.checks.budget import check
from prodsheets.issues import Issue, Severity
from tests.test_figures import BAD, line, production

CONTEXT = Context(as_of=dt.date(2026, 3, 10))
DEPARTMENTS: list[dict[str, Any]] = [
    {"Department": "Lighting", "Allocation": 20000},
    {"Department": "Sound", "Allocation": 10000},
    {"Department": "Set"},
]


def run(
    *budget: dict[str, Any], departments: Any = None, context: Context = CONTEXT
) -> list[Issue]:
    tables = production(
        departments=DEPARTMENTS if departments is None else departments, budget=budget
    )
    return check(tables, context)


def found(*budget: dict[str, Any], **more: Any) -> set[tuple[str, str]]:
    return {(i.rule, i.cell) for i in run(*budget, **more)}


def test_a_line_over_its_budget_is_flagged_on_its_budgeted_cell() -> None:
    issues = run(line("L-01", "Lighting", 12000, Actual=4000, Committed=6000, ETC=2400))
    assert [(i.rule, i.cell) for i in issues] == [("budget.over", "F2")]
    over = issues[0]
    assert over.severity is Severity.WARNING
    assert (over.tab, over.row, over.column, over.value) == ("Budget", 2, "Budgeted", "12000.00")
    assert over.message == (
        "Line L-01: EFC $12,400.00 is $400.00 over the $12,000.00 budgeted; "
        "raise Budgeted or cut the estimate"
    )


def test_a_line_exactly_on_budget_is_near_the_limit_not_over() -> None:
    assert found(line("L-01", "Lighting", 100, Actual=100)) == {("budget.near_limit", "F2")}
    (issue,) = run(line("L-01", "Lighting", 100.10, Actual=100.10))
    assert issue.message == (
        "Line L-01: EFC $100.10 is 100% of the $100.10 budgeted (warning at 90%); nothing is "
        "left, so check the estimate before committing more"
    )


def test_near_limit_fires_at_the_threshold_and_not_a_cent_below() -> None:
    issues = run(
        line("A", "Set", "1000.00", Committed="900.00"),  # 90.0%: warned
        line("B", "Set", "1000.00", Committed="899.99"),  # 89.999%: not
        line("C", "Set", "1000.01", ETC="900.01"),  # 900.01 >= 900.009
        line("D", "Set", "1000.01", ETC="900.00"),  # 900.00 < 900.009
    )
    assert {(i.rule, i.cell) for i in issues} == {
        ("budget.near_limit", "F2"),
        ("budget.near_limit", "F4"),
    }
    assert issues[0].message == (
        "Line A: EFC $900.00 is 90% of the $1,000.00 budgeted (warning at 90%); only "
        "$100.00 is left, so check the estimate before committing more"
    )


def test_the_threshold_comes_from_the_context_and_is_compared_exactly() -> None:
    # 0.55 x 100 cents is 55.000000000000007 as a float; 55 cents reaches it exactly
    context = Context(as_of=CONTEXT.as_of, near_limit=Decimal("0.55"))
    assert found(
        line("A", "Set", "1.00", ETC="0.55"), line("B", "Set", "1.00", ETC="0.54"), context=context
    ) == {("budget.near_limit", "F2")}
    assert (
        found(
            line("A", "Set", 100, Actual=91),
            context=Context(as_of=CONTEXT.as_of, near_limit=Decimal("0.95")),
        )
        == set()
    )


def test_a_zero_budget_is_never_near_its_limit_but_is_over_once_spent() -> None:
    assert found(line("Z", "Set", 0), line("Y", "Set", 0, Actual="0.01")) == {("budget.over", "F3")}


def test_lines_left_out_of_the_figures_get_no_budget_issue() -> None:
    assert found(
        line("A", "Set", 100, Actual=BAD, ETC=500),  # unreadable money
        line("B", "Wardrobe", 100, Actual=500),  # department not listed
        line("C", "Set", None, Actual=500),  # no Budgeted
        line("D", "Set", 100, Actual=500, Committed=-1),  # negative money
        line("E", "set ", 100, Actual=500),  # listed, spelt loosely: counted
    ) == {("budget.over", "F6")}


def test_a_department_over_its_allocation_is_flagged_on_its_allocation_cell() -> None:
    issues = run(
        line("L-1", "Lighting", 15000, Actual=1000),
        line("L-2", "Lighting", 6000, Actual=1000),
        line("S-1", "Sound", 5000, Committed=4000, ETC=6500),
    )
    assert {(i.rule, i.cell) for i in issues} == {
        ("budget.over_allocation", "D2"),
        ("budget.over_allocation", "D3"),
        ("budget.over", "F4"),
    }
    by_cell = {i.cell: i for i in issues}
    assert by_cell["D2"].tab == "Departments" and by_cell["D2"].row == 2
    assert by_cell["D2"].message == (
        "Lighting has an Allocation of $20,000.00 but its lines are budgeted at $21,000.00, "
        "$1,000.00 over; raise the Allocation or cut the department's lines"
    )
    assert "estimated final cost is $10,500.00, $500.00 over" in by_cell["D3"].message


def test_a_department_whose_estimate_alone_passes_its_allocation() -> None:
    # budgeted within Sound's $10,000.00 Allocation, but its EFC is past it: the sentence says
    # whose estimate it is
    issues = run(line("S-1", "Sound", 9000, Committed=4000, ETC=6500))
    assert {(i.rule, i.cell) for i in issues} == {
        ("budget.over_allocation", "D3"),
        ("budget.over", "F2"),
    }
    (allocation,) = [i for i in issues if i.rule == "budget.over_allocation"]
    assert allocation.message == (
        "Sound has an Allocation of $10,000.00 but its lines' estimated final cost is "
        "$10,500.00, $500.00 over; raise the Allocation or cut the department's lines"
    )


def test_no_allocation_issue_at_the_allocation_or_without_one() -> None:
    assert (
        found(
            line("L-1", "Lighting", 20000, Actual=100),  # equal to the allocation: fine
            line("T-1", "Set", 10**6, Actual=100),  # Set has no Allocation
        )
        == set()
    )


def test_an_unreadable_allocation_is_not_checked() -> None:
    departments = [{"Department": "Lighting", "Allocation": BAD}]
    assert found(line("L-1", "Lighting", 50000, Actual=100), departments=departments) == set()


def test_no_budget_tab_means_no_budget_issues() -> None:
    assert check({}, CONTEXT) == []
