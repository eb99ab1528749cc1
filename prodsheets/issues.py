"""Issues: what the checks find, and the catalogue of rules that can find them.

A rule code (``value.type``, ``budget.over``) is public API: it appears in JSON output, in
``prodsheets.toml`` and in people's scripts, so a code is never renamed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    when: str


# What summary tabs call each rule's finding (the Issues tab's Rule column keeps the code).
LABELS = {
    "tab.missing": "Tab missing",
    "header.missing": "Column missing",
    "header.duplicate": "Column twice",
    "value.required": "Blank but required",
    "value.type": "Cannot be read",
    "value.enum": "Not in the list",
    "value.negative": "Below zero",
    "id.duplicate": "Listed twice",
    "ref.unknown": "Not listed",
    "schedule.end_before_start": "Ends before it starts",
    "schedule.space_conflict": "Space double-booked",
    "schedule.person_conflict": "Person double-booked",
    "schedule.dependency_unknown": "Depends on an unknown item",
    "schedule.dependency_cycle": "Dependencies in a loop",
    "schedule.dependency_order": "Starts before what it depends on ends",
    "schedule.overdue": "Overdue",
    "schedule.turnaround": "Too little rest",
    "budget.over": "Over budget",
    "budget.near_limit": "Near its budget",
    "budget.over_allocation": "Over allocation",
    "vendor.contract_missing": "Money without a signed contract",
    "vendor.contract_expired": "Contract ended, money still committed",
    "vendor.contract_dates": "Contract ends before it starts",
    "vendor.insurance_missing": "Rentals without insurance",
    "vendor.insurance_expiring": "Insurance ends before strike",
    "crew.unknown": "Not in the Crew tab",
    "crew.rule_set_unknown": "Unknown rule set",
    "crew.unavailable": "Called when unavailable",
    "crew.turnaround": "Too little rest for their rules",
    "crew.long_day": "Day too long",
    "crew.consecutive_days": "Too many days in a row",
    "crew.meal_break": "No meal break",
    "equipment.unknown": "Equipment not listed",
    "equipment.overbooked": "Equipment overbooked",
    "equipment.uninsured": "Hired kit uninsured",
}


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in [
        Rule("tab.missing", Severity.ERROR, "a source tab is absent"),
        Rule(
            "header.missing",
            Severity.ERROR,
            "a required column is absent (a warning for an absent Actual, Committed, ETC or "
            "Allocation, which the figures then count as 0)",
        ),
        Rule(
            "header.duplicate",
            Severity.ERROR,
            "two headers match one checked column equally well",
        ),
        Rule("value.required", Severity.ERROR, "a required cell is blank"),
        Rule(
            "value.type",
            Severity.ERROR,
            "a cell is not a valid number, money, date, date-time or email",
        ),
        Rule("value.enum", Severity.ERROR, "a cell is not one of the allowed values"),
        Rule(
            "value.placeholder",
            Severity.WARNING,
            "TBD, TBC, n/a, - ... where an amount or a date is not known yet (an amount counts "
            "as 0; a Start or End leaves the item unscheduled)",
        ),
        Rule(
            "value.currency",
            Severity.ERROR,
            "a money cell in another currency than the production's (left out of the figures)",
        ),
        Rule(
            "value.date_order",
            Severity.WARNING,
            "a slash date readable only in the other day/month order (read that way)",
        ),
        Rule("value.negative", Severity.ERROR, "a money cell is below 0"),
        Rule("id.duplicate", Severity.ERROR, "an ID, Code, Department or Vendor appears twice"),
        Rule("ref.unknown", Severity.ERROR, "a Department or Vendor that is not listed"),
        Rule("schedule.end_before_start", Severity.ERROR, "End is not after Start"),
        Rule("schedule.space_conflict", Severity.ERROR, "two items overlap in the same Space"),
        Rule("schedule.person_conflict", Severity.WARNING, "a person is on two overlapping items"),
        Rule("schedule.dependency_unknown", Severity.ERROR, "Depends On names no item"),
        Rule("schedule.dependency_cycle", Severity.ERROR, "items depend on each other in a loop"),
        Rule(
            "schedule.dependency_order",
            Severity.ERROR,
            "an item starts before an item it depends on ends",
        ),
        Rule(
            "schedule.overdue",
            Severity.WARNING,
            "Due is before the as-of date and the item is not Done",
        ),
        Rule(
            "schedule.turnaround",
            Severity.WARNING,
            "a person's rest between two items is shorter than the minimum turnaround",
        ),
        Rule("budget.over", Severity.WARNING, "a line's EFC exceeds its Budgeted"),
        Rule(
            "budget.near_limit",
            Severity.WARNING,
            "a line's EFC reaches the near-limit threshold of Budgeted",
        ),
        Rule(
            "budget.sheet_total",
            Severity.WARNING,
            "a Total or Subtotal row's amount differs from the sum of the lines it totals",
        ),
        Rule(
            "budget.over_allocation",
            Severity.WARNING,
            "a department's Budgeted or EFC total exceeds its Allocation",
        ),
        Rule(
            "vendor.contract_missing",
            Severity.WARNING,
            "a vendor with money Committed or Actual has no Signed contract",
        ),
        Rule(
            "vendor.contract_expired",
            Severity.WARNING,
            "Contract End is before the as-of date and the vendor still has Committed money",
        ),
        Rule(
            "vendor.contract_dates",
            Severity.ERROR,
            "Contract End is before Contract Start",
        ),
        Rule(
            "vendor.insurance_missing",
            Severity.WARNING,
            "a vendor with Rentals money has no Insurance Expires date",
        ),
        Rule(
            "vendor.insurance_expiring",
            Severity.WARNING,
            "Insurance Expires is before the last scheduled End",
        ),
        Rule(
            "crew.unknown",
            Severity.WARNING,
            "a name in People is not in the Crew tab (once the Crew tab lists someone)",
        ),
        Rule(
            "crew.rule_set_unknown",
            Severity.ERROR,
            "a Crew Rule Set names no rule set of the template or prodsheets.toml",
        ),
        Rule(
            "crew.unavailable",
            Severity.WARNING,
            "a person is called on a day the Crew tab says they are unavailable",
        ),
        Rule(
            "crew.turnaround",
            Severity.WARNING,
            "a person's rest between two calls is shorter than their rule set's min_rest_hours",
        ),
        Rule(
            "crew.long_day",
            Severity.WARNING,
            "a person is called for more hours in a day than their rule set's max_hours_per_day",
        ),
        Rule(
            "crew.consecutive_days",
            Severity.WARNING,
            "a person is called on more days in a row than their rule set's max_consecutive_days",
        ),
        Rule(
            "crew.meal_break",
            Severity.WARNING,
            "a person works longer than their rule set's meal_break_after_hours without a "
            "break item",
        ),
        Rule(
            "equipment.unknown",
            Severity.WARNING,
            "Schedule books an item the Equipment tab does not list (once it lists some)",
        ),
        Rule(
            "equipment.overbooked",
            Severity.WARNING,
            "at some moment overlapping calls book more of an item than its Quantity",
        ),
        Rule(
            "equipment.uninsured",
            Severity.WARNING,
            "hired kit is booked after its vendor's insurance expires, or the vendor has none",
        ),
        Rule(
            "history.damaged",
            Severity.WARNING,
            "a row of the owned History tab that does not parse (skipped, never trusted)",
        ),
    ]
}


def label(code: str) -> str:
    """What a person reads for a rule's finding: its label, else its "when" sentence."""
    if code in LABELS:
        return LABELS[code]
    rule = RULES.get(code)
    return code if rule is None else rule.when[:1].upper() + rule.when[1:]


@dataclass(frozen=True)
class Issue:
    """One finding, located the way a person finds it in the sheet."""

    severity: Severity
    rule: str
    tab: str
    cell: str  # A1 ("F12"); the header cell for a column finding; "" for a tab finding
    row: int | None  # the row number the spreadsheet shows, header = 1
    column: str  # the header as the sheet has it
    value: str  # what the cell held, as text
    message: str
    # who the finding is about (names as the Crew tab or People spells them), for the
    # Crew Report to count per person; not part of the issue's identity or its JSON
    people: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity.value,
            "rule": self.rule,
            "tab": self.tab,
            "cell": self.cell,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


def issue(
    rule: str,
    message: str,
    *,
    tab: str = "",
    cell: str = "",
    row: int | None = None,
    column: str = "",
    value: object = "",
) -> Issue:
    """An issue of ``rule`` at its default severity (``apply_severities`` adjusts it later)."""
    return Issue(
        severity=RULES[rule].severity,
        rule=rule,
        tab=tab,
        cell=cell,
        row=row,
        column=column,
        value=show_value(value),
        message=message,
    )


def show_value(value: object) -> str:
    """How a cell's content is quoted back to a person: short and on one line."""
    if value is None:
        return ""
    text = str(value).replace("\r", " ").replace("\n", " ")
    return text if len(text) <= 200 else text[:199] + "…"


def apply_severities(issues: Iterable[Issue], severities: Mapping[str, str]) -> list[Issue]:
    """Apply the workbook's ``[rules]`` table: a new severity, or ``off`` to drop the rule."""
    kept = []
    for found in issues:
        wanted = severities.get(found.rule)
        if wanted == "off":
            continue
        kept.append(found if wanted is None else replace(found, severity=Severity(wanted)))
    return kept


def sort_issues(issues: Iterable[Issue]) -> list[Issue]:
    """Errors first, then in sheet order, so the list reads like the workbook."""
    order = {Severity.ERROR: 0, Severity.WARNING: 1}
    return sorted(
        issues,
        key=lambda i: (order[i.severity], i.tab, i.row or 0, i.cell, i.rule),
    )


def count(issues: Iterable[Issue]) -> dict[str, int]:
    counts = {"error": 0, "warning": 0}
    for found in issues:
        counts[found.severity.value] += 1
    return counts
