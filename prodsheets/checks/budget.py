"""Budget checks: lines past (or close to) their Budgeted, departments past their Allocation.

The figures and these checks count the same lines the same way (``figures.budget_lines``): a
line left out of the figures (unreadable or negative money, blank Budgeted, unlisted
department) already has its own issue and gets no budget.* issue.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pandas as pd

from prodsheets.checks import Context
from prodsheets.figures import (
    AT_RISK,
    OVER,
    BudgetLines,
    budget_lines,
    cents_text,
    department_figures,
    money_text,
)
from prodsheets.issues import Issue, issue
from prodsheets.tables import Table


def check(tables: Mapping[str, Table], context: Context) -> list[Issue]:
    budget = budget_lines(tables, context)
    found = _lines(budget, tables.get("Budget"), context)
    found += _allocations(budget, tables, context)
    return found


def percent_text(fraction: Decimal) -> str:
    """0.9 -> "90%", 0.925 -> "92.5%" (to one decimal place, rounded down)."""
    tenths = int((fraction * 1000).to_integral_value(rounding="ROUND_FLOOR"))
    whole, rest = divmod(tenths, 10)
    return f"{whole}%" if rest == 0 else f"{whole}.{rest}%"


def _lines(budget: BudgetLines, table: Table | None, context: Context) -> list[Issue]:
    """budget.over and budget.near_limit, on the line's Budgeted cell (what a person would
    raise, or measure the estimate against)."""
    if table is None:
        return []
    lines = budget.lines
    flagged = lines[lines["Status"].isin([OVER, AT_RISK])]
    found: list[Issue] = []
    rows = flagged.index.to_numpy()
    codes = flagged["Code"].to_numpy(dtype=object)
    budgeted = flagged["Budgeted"].to_numpy()
    efc = flagged["EFC"].to_numpy()
    states = flagged["Status"].to_numpy(dtype=object)
    where = dict(tab=table.title, column=table.header("Budgeted"))
    threshold = percent_text(context.near_limit)
    for row, code, planned, estimate, state in zip(rows, codes, budgeted, efc, states, strict=True):
        row, planned, estimate = int(row), int(planned), int(estimate)
        line = f"Line {code}: " if code else ""
        if state == OVER:
            message = (
                f"{line}EFC {money_text(estimate)} is {money_text(estimate - planned)} over the "
                f"{money_text(planned)} budgeted; raise Budgeted or cut the estimate"
            )
            rule = "budget.over"
        else:
            reached = percent_text(Decimal(estimate) / Decimal(planned))
            message = (
                f"{line}EFC {money_text(estimate)} is {reached} of the {money_text(planned)} "
                f"budgeted (warning at {threshold}); only {money_text(planned - estimate)} is "
                "left, so check the estimate before committing more"
            )
            rule = "budget.near_limit"
        found.append(
            issue(
                rule,
                message,
                cell=table.cell("Budgeted", row),
                row=row,
                value=cents_text(planned),
                **where,
            )
        )
    return found


def _allocations(budget: BudgetLines, tables: Mapping[str, Table], context: Context) -> list[Issue]:
    """budget.over_allocation, on the department's Allocation cell in Departments."""
    table = tables.get("Departments")
    if table is None or not budget.departments.names:
        return []
    figures = department_figures(budget, tables, context)
    found: list[Issue] = []
    for position, name in enumerate(budget.departments.names):
        allocation = figures["Allocation"].iloc[position]
        if pd.isna(allocation):
            continue
        cap = int(allocation)
        planned = int(figures["Budgeted"].iloc[position])
        estimate = int(figures["EFC"].iloc[position])
        past = []
        if planned > cap:
            past.append(
                f"its lines are budgeted at {money_text(planned)}, {money_text(planned - cap)} over"
            )
        if estimate > cap:
            past.append(
                f"their estimated final cost is {money_text(estimate)}, "
                f"{money_text(estimate - cap)} over"
            )
        if not past:
            continue
        row = budget.departments.rows[position]
        found.append(
            issue(
                "budget.over_allocation",
                f"{name} has an Allocation of {money_text(cap)} but {' and '.join(past)}; "
                "raise the Allocation or cut the department's lines",
                tab=table.title,
                cell=table.cell("Allocation", row),
                row=row,
                column=table.header("Allocation"),
                value=cents_text(cap),
            )
        )
    return found
