"""Budget checks: lines past (or close to) their Budgeted, departments past their Allocation.

The figures and these checks count the same lines the same way (``figures.budget_lines``): a
line left out of the figures (unreadable or negative money, blank Budgeted, unlisted
department) already has its own issue and gets no budget.* issue.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import numpy as np
import pandas as pd

from prodsheets.checks import Context
from prodsheets.currency import symbol_for
from prodsheets.figures import (
    AT_RISK,
    OVER,
    BudgetLines,
    budget_lines,
    cents_text,
    department_figures,
    money_text,
)
from prodsheets.issues import RULES, Issue
from prodsheets.tables import Table, TotalRow, production_currency
from prodsheets.template import normalise


def check(tables: Mapping[str, Table], context: Context) -> list[Issue]:
    budget = budget_lines(tables, context)
    symbol = symbol_for(production_currency(tables))
    found = _lines(budget, tables.get("Budget"), context, symbol)
    found += _allocations(budget, tables, context, symbol)
    for tab in ("Budget", "Departments"):
        table = tables.get(tab)
        if table is not None and table.totals:
            found += sheet_totals(table)
    return found


def _lines_totalled(table: Table, total: TotalRow, keys: np.ndarray) -> np.ndarray:
    """Which of the tab's lines a total row totals: all of them for a grand total (or a
    total naming no department a line has); for a department's subtotal, that department's
    lines above it since its previous subtotal; for a bare Subtotal, the lines since the
    previous total row."""
    rows = table.frame.index.to_numpy()
    if total.grand:
        return np.ones(len(rows), dtype=bool)
    before = [t.row for t in table.totals if t.row < total.row]
    if not total.department:
        start = max(before, default=0)
        return (rows > start) & (rows < total.row)
    key = normalise(total.department)
    same = keys == key
    if not same.any():
        return np.ones(len(rows), dtype=bool)
    start = max(
        (t.row for t in table.totals if t.row < total.row and normalise(t.department) == key),
        default=0,
    )
    return np.asarray(same & (rows > start) & (rows < total.row), dtype=bool)


def sheet_totals(table: Table) -> list[Issue]:
    """budget.sheet_total: a Total or Subtotal row whose amount is not the sum of the lines it
    totals, as prodsheets reads them (the usual cause: a SUM range nobody extended)."""
    departments = table.frame["Department"].to_numpy(dtype=object)
    codes, distinct = pd.factorize(departments)
    folded = np.array([normalise(v) for v in distinct] + [""], dtype=object)
    keys = folded[codes]  # code -1 (blank) picks the trailing ""
    found: list[Issue] = []
    symbol = symbol_for(table.currency)
    for total in table.totals:
        chosen = _lines_totalled(table, total, keys)
        what = (
            "every line of the tab"
            if total.grand or (not total.department and not chosen.any())
            else f"the {total.department} lines above it"
            if total.department
            else "the lines above it, since the previous total"
        )
        for column, sheet in total.amounts.items():
            values = table.frame[column].to_numpy(dtype=np.int64, na_value=0)[chosen]
            ours = int(sum(values.tolist()))  # Python ints: exact, whatever the sum
            if ours == sheet:
                continue
            header = table.header(column)
            gap = sheet - ours
            found.append(
                table.issue(
                    "budget.sheet_total",
                    column,
                    total.row,
                    f"'{total.label}' shows {money_text(sheet, symbol)} in {header}, but "
                    f"{what} ({int(chosen.sum())} lines) add up to {money_text(ours, symbol)}, "
                    f"{money_text(abs(gap), symbol)} {'more' if gap > 0 else 'less'}; check "
                    "that the total's formula covers every line it should (a SUM range not "
                    "extended to a new line is the usual cause).",
                    value=cents_text(sheet),
                )
            )
    return found


def percent_text(fraction: Decimal) -> str:
    """0.9 -> "90%", 0.925 -> "92.5%" (to one decimal place, rounded down)."""
    return _tenths(int((fraction * 1000).to_integral_value(rounding="ROUND_FLOOR")))


def _lines(
    budget: BudgetLines, table: Table | None, context: Context, symbol: str = "$"
) -> list[Issue]:
    """budget.over and budget.near_limit, on the line's Budgeted cell (what a person would
    raise, or measure the estimate against).

    A workbook can hold a hundred thousand lines in trouble, so the texts are built in list
    comprehensions over plain ints rather than one helper call per figure.
    """
    if table is None:
        return []
    lines = budget.lines
    flagged = lines[lines["Status"].isin([OVER, AT_RISK])]
    rows: list[int] = flagged.index.to_numpy().tolist()
    codes: list[object] = flagged["Code"].to_numpy(dtype=object).tolist()
    planned: list[int] = [int(v) for v in flagged["Budgeted"].to_numpy().tolist()]
    estimate: list[int] = [int(v) for v in flagged["EFC"].to_numpy().tolist()]
    over: list[bool] = (flagged["Status"].to_numpy(dtype=object) == OVER).tolist()
    planned_text = _money_texts(planned, symbol)
    estimate_text = _money_texts(estimate, symbol)
    gap = [abs(e - p) for p, e in zip(planned, estimate, strict=True)]
    gap_text = _money_texts(gap, symbol)
    threshold = percent_text(context.near_limit)
    tab, column, letter = table.title, table.header("Budgeted"), table.letters.get("Budgeted")
    found: list[Issue] = []
    for i, row in enumerate(rows):
        line = f"Line {codes[i]}: " if codes[i] else ""
        if over[i]:
            rule = "budget.over"
            message = (
                f"{line}EFC {estimate_text[i]} is {gap_text[i]} over the {planned_text[i]} "
                "budgeted; raise Budgeted or cut the estimate"
            )
        else:
            rule = "budget.near_limit"
            message = (
                f"{line}EFC {estimate_text[i]} is {_tenths(estimate[i] * 1000 // planned[i])} "
                f"of the {planned_text[i]} budgeted (warning at {threshold}); "
                f"{f'only {gap_text[i]} is' if estimate[i] < planned[i] else 'nothing is'} left, "
                "so check the estimate before committing more"
            )
        found.append(
            Issue(
                severity=RULES[rule].severity,
                rule=rule,
                tab=tab,
                cell=f"{letter}{row}" if letter else "",
                row=row,
                column=column,
                value=cents_text(planned[i]),
                message=message,
            )
        )
    return found


def _money_texts(cents: list[int], symbol: str = "$") -> list[str]:
    """``money_text`` for many values (none of them negative here)."""
    return [f"{symbol}{v // 100:,}.{v % 100:02d}" for v in cents]


def _tenths(tenths_of_percent: int) -> str:
    whole, rest = divmod(tenths_of_percent, 10)
    return f"{whole}%" if rest == 0 else f"{whole}.{rest}%"


def _allocations(
    budget: BudgetLines, tables: Mapping[str, Table], context: Context, symbol: str = "$"
) -> list[Issue]:
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
                f"its lines are budgeted at {money_text(planned, symbol)}, "
                f"{money_text(planned - cap, symbol)} over"
            )
        if estimate > cap:
            whose = "their" if past else "its lines'"
            past.append(
                f"{whose} estimated final cost is "
                f"{money_text(estimate, symbol)}, "
                f"{money_text(estimate - cap, symbol)} over"
            )
        if not past:
            continue
        row = budget.departments.rows[position]
        message = (
            f"{name} has an Allocation of {money_text(cap, symbol)} but {' and '.join(past)}; "
            "raise the Allocation or cut the department's lines"
        )
        found.append(
            table.issue("budget.over_allocation", "Allocation", row, message, value=cents_text(cap))
        )
    return found
