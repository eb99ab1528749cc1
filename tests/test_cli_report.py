"""report through the CLI: every figure checked against hand-computed cents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.workbooks import AS_OF, clean_production, d, set_cell


def report(run_cli: Any, path: Path, *extra: str) -> dict[str, Any]:
    result = run_cli("report", str(path), "--format", "json", "--as-of", AS_OF, *extra)
    assert result.exit_code in (0, 1), result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def by(records: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {r[key]: r for r in records}


def test_department_figures_to_the_cent(home: Any, run_cli: Any) -> None:
    document = report(run_cli, home.make(clean_production()))
    departments = by(document["budget"]["by_department"], "department")
    assert list(departments) == ["Lighting", "Sound", "Set", "Total"]
    lighting = departments["Lighting"]
    assert lighting["allocation"] == "20000.00"
    assert lighting["budgeted"] == "14000.00"
    assert lighting["actual"] == "3500.00"
    assert lighting["committed"] == "3000.00"
    assert lighting["etc"] == "3500.00"
    assert lighting["efc"] == "10000.00"
    assert lighting["over_under"] == "-4000.00"
    assert lighting["uncommitted"] == "7500.00"
    assert lighting["unallocated"] == "6000.00"
    assert lighting["over_pct"] == pytest.approx(-4000 / 14000, abs=1e-4)
    assert lighting["status"] == "OK"
    sound = departments["Sound"]
    assert (sound["actual"], sound["efc"], sound["over_under"], sound["uncommitted"]) == (
        "1000.50",
        "2500.50",
        "-1499.50",
        "2999.50",
    )
    total = departments["Total"]
    assert total["allocation"] == "60000.00"
    assert total["budgeted"] == "30000.00"
    assert total["actual"] == "9500.75"
    assert total["committed"] == "5000.00"
    assert total["etc"] == "6000.00"
    assert total["efc"] == "20500.75"
    assert total["over_under"] == "-9499.25"
    assert total["uncommitted"] == "15499.25"
    assert total["unallocated"] == "30000.00"
    assert document["budget"]["lines_counted"] == 4
    assert document["budget"]["lines_excluded"] == 0


def test_category_figures_to_the_cent(home: Any, run_cli: Any) -> None:
    document = report(run_cli, home.make(clean_production()))
    categories = by(document["budget"]["by_category"], "category")
    assert categories["Labour"]["budgeted"] == "10000.00"
    assert categories["Labour"]["efc"] == "6500.50"
    assert categories["Rentals"]["efc"] == "6000.00"
    assert categories["Materials"]["uncommitted"] == "4999.75"
    assert categories["Total"]["efc"] == "20500.75"
    assert list(categories)[-1] == "Total"


def test_over_and_at_risk_status(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 3, "ETC", 5000.01)  # L-02: EFC 6500.01 against 6000
    set_cell(tabs, "Budget", 4, "ETC", 2600)  # S-01: EFC 3600.50 = 90.01% of 4000
    document = report(run_cli, home.make(tabs))
    departments = by(document["budget"]["by_department"], "department")
    assert departments["Lighting"]["efc"] == "12500.01"
    assert departments["Lighting"]["over_under"] == "-1499.99"
    assert departments["Sound"]["status"] == "At risk"
    codes = {(i["rule"], i["cell"]) for i in document["issues"]}
    assert ("budget.over", "F3") in codes
    assert ("budget.near_limit", "F4") in codes


def test_budgeted_zero_has_blank_over_percent(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    tabs["Departments"].append(["Props", "Flo", "flo@example.org", 100])
    tabs["Budget"].append(["P-01", "Props", "Other", "Found objects", None, 0, 0, 0, 0, None])
    document = report(run_cli, home.make(tabs))
    props = by(document["budget"]["by_department"], "department")["Props"]
    assert props["over_pct"] is None
    assert props["budgeted"] == "0.00"
    assert props["unallocated"] == "100.00"


def test_unreadable_or_unlisted_lines_are_left_out_and_counted(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 3, "Actual", "twelve")  # L-02 unreadable
    set_cell(tabs, "Budget", 4, "Department", "Sound Dept")  # S-01 not listed
    set_cell(tabs, "Budget", 5, "Category", "Lumber")  # T-01: bad category, still counts
    document = report(run_cli, home.make(tabs))
    assert document["budget"]["lines_counted"] == 2
    assert document["budget"]["lines_excluded"] == 2
    total = by(document["budget"]["by_department"], "department")["Total"]
    assert total["budgeted"] == "20000.00"  # L-01 + T-01
    assert total["efc"] == "14000.25"


def test_no_float_drift_over_many_lines(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    for n in range(1000):
        tabs["Budget"].append([f"X-{n}", "Set", "Other", "Screws", None, 0.1, 0.1, 0.1, 0.1, None])
    document = report(run_cli, home.make(tabs))
    set_ = by(document["budget"]["by_department"], "department")["Set"]
    assert set_["budgeted"] == "12100.00"
    assert set_["actual"] == "5100.25"
    assert set_["efc"] == "8300.25"


def test_schedule_figures(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Schedule", 3, "Due", d("2026-03-02"))  # S2 done three days late
    set_cell(tabs, "Schedule", 3, "Done On", d("2026-03-05"))
    set_cell(tabs, "Schedule", 5, "Due", d("2026-03-02"))  # S4 still Planned: overdue
    document = report(run_cli, home.make(tabs))
    schedule = by(document["schedule"], "department")
    assert schedule["Lighting"]["items"] == 1
    assert schedule["Lighting"]["done"] == 1
    assert schedule["Lighting"]["late"] == 1
    assert schedule["Lighting"]["mean_days_late"] == pytest.approx(3.0)
    assert schedule["Set"]["items"] == 2
    assert schedule["Set"]["overdue"] == 1
    assert schedule["Total"]["items"] == 4


def test_vendor_figures(home: Any, run_cli: Any) -> None:
    document = report(run_cli, home.make(clean_production()))
    vendors = by(document["vendors"], "vendor")
    bright = vendors["Bright Lights Hire"]
    assert bright["lines"] == 1
    assert bright["actual"] == "2000.00"
    assert bright["committed"] == "3000.00"
    assert bright["efc"] == "6000.00"
    assert bright["contract_state"] == "Current"
    assert bright["insurance_state"] == "Current"
    # no Rentals money, so no certificate is asked for (#13)
    assert vendors["Timber Co"]["insurance_state"] == "Not needed"


def test_report_text_and_markdown(home: Any, run_cli: Any) -> None:
    path = home.make(clean_production())
    text = run_cli("report", str(path), "--as-of", AS_OF)
    assert text.exit_code == 0
    assert "Budget by department" in text.output
    assert "14,000.00" in text.output
    markdown = run_cli("report", str(path), "--as-of", AS_OF, "--format", "markdown")
    assert "| Department |" in markdown.output
    assert "| Lighting |" in markdown.output


def test_an_unreadable_allocation_blanks_the_total_allocation(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Departments", 3, "Allocation", "ten thousand")  # Sound
    path = home.make(tabs)
    document = report(run_cli, path)
    departments = by(document["budget"]["by_department"], "department")
    assert departments["Lighting"]["allocation"] == "20000.00"
    assert departments["Sound"]["allocation"] is None
    # 50000.00 of the 60000.00 could be read: shown blank, not understated
    assert departments["Total"]["allocation"] is None
    assert departments["Total"]["unallocated"] is None
    assert departments["Total"]["budgeted"] == "30000.00"  # the lines still count
    assert document["budget"]["allocations_excluded"] == 1
    assert ("value.type", "D3") in {(i["rule"], i["cell"]) for i in document["issues"]}
    text = run_cli("report", str(path), "--as-of", AS_OF)
    assert "1 department Allocation(s) could not be read" in text.output


def test_a_blank_allocation_is_no_cap_and_the_total_covers_the_others(
    home: Any, run_cli: Any
) -> None:
    tabs = clean_production()
    set_cell(tabs, "Departments", 3, "Allocation", None)  # Sound: no cap, not a typo
    document = report(run_cli, home.make(tabs))
    total = by(document["budget"]["by_department"], "department")["Total"]
    assert total["allocation"] == "50000.00"
    assert document["budget"]["allocations_excluded"] == 0
