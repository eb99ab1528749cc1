"""What could not be checked: checks that need a column the workbook does not have.

A workbook prodsheets did not lay out may lack an optional column (no Space, no Due). Its
checks then find nothing, which must not read as "nothing wrong": the Summary says which
checks did not run and why.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from prodsheets.tables import Table

# (tab, column, the checks that need it), in the order the Summary lists them
NEEDED: tuple[tuple[str, str, str], ...] = (
    ("Schedule", "Space", "space clashes"),
    ("Schedule", "People", "person clashes and turnaround"),
    ("Schedule", "Depends On", "dependency checks"),
    ("Schedule", "Due", "overdue items"),
    ("Budget", "Vendor", "vendor money, contracts and insurance"),
    ("Vendors", "Contract", "contracts missing"),
    ("Vendors", "Contract End", "contracts expired"),
    ("Vendors", "Insurance Expires", "insurance missing or expiring"),
    ("Departments", "Allocation", "departments over their allocation"),
)


def checks_not_run(tables: Mapping[str, Table]) -> list[tuple[str, str]]:
    """(checks, why) for each check that did not run for want of a column."""
    found = []
    for tab, column, checks in NEEDED:
        table = tables.get(tab)
        if table is not None and table.present and column not in table.letters:
            found.append((checks, f"no {column} column in the {table.title} tab"))
    return found


def unscheduled(tables: Mapping[str, Table]) -> list[tuple[str, str, str, str]]:
    """Schedule items whose Start or End is a placeholder ("TBC"): (cell, ID, Task, why),
    left out of the clash and order checks until their times are known."""
    table = tables.get("Schedule")
    if table is None or not table.present:
        return []
    start, end = table.held_placeholder("Start"), table.held_placeholder("End")
    active = table.frame["Status"].to_numpy(dtype=object) != "Cancelled"
    found = []
    for pos in np.flatnonzero((start | end) & active).tolist():
        which = [c for c, m in (("Start", start), ("End", end)) if m[pos]]
        ids = table.frame["ID"].iat[pos]
        task = table.frame["Task"].iat[pos]
        cell = table.cell(which[0], int(table.frame.index[pos]))
        why = f"{' and '.join(which)} not known yet: left out of the clash and order checks"
        found.append((cell, str(ids or ""), str(task or ""), why))
    return found
