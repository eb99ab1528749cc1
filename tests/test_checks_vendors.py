"""The vendor checks: contracts and insurance behind the money going to each vendor.

Vendors columns are lettered as in the template: Vendor A, ..., Contract F, Contract Start G,
Contract End H, Insurance Expires I. As of 2026-03-10; the run's last End is 2026-04-20.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prodsheets.checks import Context
from prodsheets.checks.vendors import check
from prodsheets.issues import Issue, Severity
from tests.test_figures import BAD, line, production

CONTEXT = Context(as_of=dt.date(2026, 3, 10))
DEPARTMENTS: list[dict[str, Any]] = [{"Department": "Lighting"}, {"Department": "Set"}]
SCHEDULE: list[dict[str, Any]] = [
    {
        "ID": "S1",
        "Task": "Tech",
        "Department": "Set",
        "Start": "2026-04-01",
        "End": "2026-04-20 22:00",
    },
    {
        "ID": "S2",
        "Task": "Strike",
        "Department": "Set",
        "Start": "2026-12-01",
        "End": "2026-12-20",
        "Status": "Cancelled",
    },  # cancelled: does not extend the run
]


def vendor(name: str = "Stage Lighting Hire", /, **more: Any) -> dict[str, Any]:
    return {
        "Vendor": name,
        "Contract": "Signed",
        "Contract End": "2026-12-31",
        "Insurance Expires": "2026-12-31",
        **more,
    }


def run(vendors: list[dict[str, Any]], *budget: dict[str, Any]) -> list[Issue]:
    tables = production(departments=DEPARTMENTS, budget=budget, schedule=SCHEDULE, vendors=vendors)
    return check(tables, CONTEXT)


def found(vendors: list[dict[str, Any]], *budget: dict[str, Any]) -> set[tuple[str, str]]:
    return {(i.rule, i.cell) for i in run(vendors, *budget)}


def rental(vendor_name: str = "Stage Lighting Hire", **money: Any) -> dict[str, Any]:
    return line(
        "L-1",
        "Lighting",
        money.pop("Budgeted", 1000),
        Category="Rentals",
        Vendor=vendor_name,
        **money,
    )


def test_a_signed_insured_vendor_is_fine() -> None:
    assert found([vendor()], rental(Actual=500, Committed=200)) == set()


def test_money_committed_without_a_signed_contract() -> None:
    issues = run([vendor(Contract="Quote")], rental(Committed=250))
    assert [(i.rule, i.cell) for i in issues] == [("vendor.contract_missing", "F2")]
    assert issues[0].severity is Severity.WARNING
    assert issues[0].message == (
        "Stage Lighting Hire has $250.00 committed but no signed contract (Contract is "
        "Quote); get the contract signed and set Contract to Signed"
    )
    assert found([vendor(Contract=None)], rental(Actual=1)) == {
        ("vendor.contract_missing", "F2")
    }  # blank means None


def test_no_contract_needed_while_nothing_is_paid_or_committed() -> None:
    assert found([vendor(Contract="Negotiating")], rental(Budgeted=5000, ETC=5000)) == set()


def test_an_unreadable_contract_is_not_reported_twice() -> None:
    assert found([vendor(Contract=BAD)], rental(Committed=250)) == set()


def test_an_expired_contract_with_money_still_committed() -> None:
    issues = run([vendor(**{"Contract End": "2026-03-09"})], rental(Committed=100))
    assert [(i.rule, i.cell) for i in issues] == [("vendor.contract_expired", "H2")]
    assert issues[0].value == "2026-03-09"
    assert issues[0].message == (
        "Stage Lighting Hire's contract ended on 2026-03-09 but $100.00 is still committed; "
        "extend the contract or close the open orders"
    )


def test_an_ended_contract_is_fine_once_everything_is_paid() -> None:
    assert found([vendor(**{"Contract End": "2026-03-09"})], rental(Actual=900)) == set()
    # ending on the as-of date itself is not yet expired
    assert found([vendor(**{"Contract End": "2026-03-10"})], rental(Committed=1)) == set()


def test_rentals_money_without_insurance() -> None:
    issues = run([vendor(**{"Insurance Expires": None})], rental(Budgeted=800))
    assert [(i.rule, i.cell) for i in issues] == [("vendor.insurance_missing", "I2")]
    assert "ask Stage Lighting Hire for a certificate of insurance" in issues[0].message


def test_no_insurance_needed_without_rentals_money() -> None:
    uninsured = [vendor(**{"Insurance Expires": None})]
    assert (
        found(uninsured, line("M", "Set", 800, Category="Materials", Vendor="Stage Lighting Hire"))
        == set()
    )
    assert found(uninsured, rental(Budgeted=0)) == set()
    # an unreadable date is already a value.type issue
    assert found([vendor(**{"Insurance Expires": BAD})], rental()) == set()
    # a line left out of the figures (unreadable money) does not count either
    assert found(uninsured, rental(Actual=BAD)) == set()


def test_insurance_that_runs_out_before_the_last_scheduled_end() -> None:
    issues = run([vendor(**{"Insurance Expires": "2026-04-19"})], rental())
    assert [(i.rule, i.cell) for i in issues] == [("vendor.insurance_expiring", "I2")]
    assert issues[0].message == (
        "Stage Lighting Hire's insurance expires on 2026-04-19, before the last scheduled End "
        "on 2026-04-20; ask Stage Lighting Hire for a certificate that runs past 2026-04-20"
    )


def test_insurance_that_has_already_run_out_says_it_expired() -> None:
    issues = run([vendor(**{"Insurance Expires": "2026-03-01"})], rental())
    assert [(i.rule, i.cell) for i in issues] == [("vendor.insurance_expiring", "I2")]
    assert issues[0].message.startswith(
        "Stage Lighting Hire's insurance expired on 2026-03-01, before the last scheduled End"
    )


def test_insurance_to_the_last_day_is_enough_and_cancelled_items_do_not_count() -> None:
    assert found([vendor(**{"Insurance Expires": "2026-04-20"})], rental()) == set()


def test_budget_lines_find_their_vendor_ignoring_case_and_spaces() -> None:
    assert found(
        [vendor("Stage Lighting Hire", Contract="Quote")],
        rental("stage  lighting HIRE", Committed=10),
    ) == {("vendor.contract_missing", "F2")}


def test_each_vendor_is_located_on_its_own_row() -> None:
    vendors = [
        vendor("Good Co"),
        vendor(
            "Rig Co", Contract="Quote", **{"Contract End": "2026-03-01", "Insurance Expires": None}
        ),
    ]
    assert found(vendors, rental("Rig Co", Committed=50)) == {
        ("vendor.contract_missing", "F3"),
        ("vendor.contract_expired", "H3"),
        ("vendor.insurance_missing", "I3"),
    }


def test_no_vendors_tab_means_no_vendor_issues() -> None:
    assert check({}, CONTEXT) == []
