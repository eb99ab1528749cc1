"""The cost report, the schedule roll-up and the vendor roll-up: pure functions, exact cents.

Per budget line: EFC = Actual + Committed + ETC; Over/(Under) = EFC - Budgeted;
Over % = Over/(Under) / Budgeted (blank when Budgeted is 0); Uncommitted = Budgeted - Actual -
Committed; Status is "Over" when EFC > Budgeted, "At risk" when EFC >= threshold x Budgeted,
else "OK". A line whose money cannot be read (or is negative), or whose department is not
listed, is left out and counted in ``excluded_lines``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

MONEY_COLUMNS = ("Budgeted", "Actual", "Committed", "ETC", "EFC", "Over/(Under)", "Uncommitted")


@dataclass(frozen=True)
class Figures:
    # One row per counted budget line, index = spreadsheet row. Columns: Code, Department,
    # Category, Description, Vendor, then MONEY_COLUMNS as int64 cents, "Over %" (float
    # fraction, NaN when Budgeted is 0) and "Status" ("Over", "At risk", "OK").
    lines: pd.DataFrame
    # One row per department (every listed department, lines or not, in Departments order),
    # then a final "Total" row; index = department name. Columns: Allocation (Int64 cents,
    # <NA> when blank), MONEY_COLUMNS (int64 cents), Unallocated (Int64), Over %, Status.
    by_department: pd.DataFrame
    # As by_department without Allocation/Unallocated; index = category (enum order, then
    # "(none)" for a blank category), then "Total".
    by_category: pd.DataFrame
    excluded_lines: int  # lines left out of the figures
    # One row per department then "Total": Items, Done, Overdue, Late (int), Mean days late
    # (float, NaN when no late item). Cancelled items are not counted.
    schedule: pd.DataFrame
    # One row per vendor listed in Vendors (then any vendor named only in Budget is not here:
    # that is a ref.unknown issue). Columns: Contract, Contract End, Insurance Expires,
    # Lines (int), Actual, Committed, EFC (int64 cents), Contract State, Insurance State
    # ("Current", "Expiring", "Expired", "Missing"), Flags (str, "; "-joined rule codes).
    vendors: pd.DataFrame
