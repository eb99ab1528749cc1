"""The cost report, the schedule roll-up and the vendor roll-up: pure functions, exact cents.

Per budget line: EFC = Actual + Committed + ETC; Over/(Under) = EFC - Budgeted;
Over % = Over/(Under) / Budgeted (blank when Budgeted is 0); Uncommitted = Budgeted - Actual -
Committed; Status is "Over" when EFC > Budgeted, "At risk" when EFC >= threshold x Budgeted,
else "OK". A line whose money cannot be read (or is negative), whose Budgeted is blank, or
whose department is not listed, is left out and counted in ``excluded_lines``.

Money stays int64 cents; only where a sum could leave int64 (past 2**62 cents, a typo of
quadrillions) do those columns hold exact Python ints (object dtype) instead.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from prodsheets.checks import Context
from prodsheets.resource_report import ResourceFigures, resource_figures
from prodsheets.tables import Table
from prodsheets.template import normalise

MONEY_COLUMNS = ("Budgeted", "Actual", "Committed", "ETC", "EFC", "Over/(Under)", "Uncommitted")


@dataclass(frozen=True)
class Figures:
    # One row per counted budget line, index = spreadsheet row. Columns: Code, Department,
    # Category, Description, Vendor, then MONEY_COLUMNS as int64 cents, "Over %" (float
    # fraction, NaN when Budgeted is 0) and "Status" ("Over", "At risk", "OK"; a Budgeted of 0
    # is never "At risk"). Department is spelt as in the Departments tab.
    lines: pd.DataFrame
    # One row per department (every listed department, lines or not, in Departments order),
    # then a final "Total" row; index = department name. Columns: Allocation (Int64 cents,
    # <NA> when blank), MONEY_COLUMNS (int64 cents), Unallocated (Int64), Over %, Status.
    # The Total's Allocation and Unallocated cover the departments that have an Allocation;
    # both are <NA> while any department's Allocation cannot be read (or is negative), so a
    # typo never shrinks the total cap silently (``excluded_allocations`` counts them).
    by_department: pd.DataFrame
    # As by_department without Allocation/Unallocated; index = category (enum order, then
    # "(none)" for a blank category, present only when some line has one), then "Total".
    by_category: pd.DataFrame
    excluded_lines: int  # lines left out of the figures
    excluded_allocations: int  # departments whose Allocation cannot be read (or is negative)
    # One row per department then "Total": Items, Done, Overdue, Late (int), Mean days late
    # (float, NaN when no late item). Cancelled items, and items of departments that are not
    # listed, are not counted.
    schedule: pd.DataFrame
    # One row per vendor listed in Vendors (then any vendor named only in Budget is not here:
    # that is a ref.unknown issue); index = vendor name. Columns: Contract (str), Contract
    # End, Insurance Expires (datetime64, NaT when blank),
    # Lines (int), Actual, Committed, EFC (int64 cents), Contract State, Insurance State
    # ("Current", "Expiring", "Expired", "Missing"; Insurance State also "Not needed" for a
    # vendor without Rentals money), Flags (str, "; "-joined rule codes).
    vendors: pd.DataFrame
    # Crew and equipment figures (prodsheets.resource_report): each part None without its tab.
    resources: ResourceFigures | None = None


TEXT_COLUMNS = ("Code", "Department", "Category", "Description", "Vendor")
SOURCE_MONEY = ("Budgeted", "Actual", "Committed", "ETC")
OVER, AT_RISK, OK = "Over", "At risk", "OK"
TOTAL = "Total"
NO_CATEGORY = "(none)"
CONTRACT_STATES = ("Current", "Expiring", "Expired", "Missing")
NOT_NEEDED = "Not needed"  # an Insurance State: no Rentals money, so no certificate is asked for
VENDOR_COLUMNS = (
    "Contract",
    "Contract End",
    "Insurance Expires",
    "Lines",
    "Actual",
    "Committed",
    "EFC",
    "Contract State",
    "Insurance State",
    "Flags",
)
VENDOR_RULES = (
    "vendor.contract_missing",
    "vendor.contract_expired",
    "vendor.insurance_missing",
    "vendor.insurance_expiring",
)
SCHEDULE_COLUMNS = ("Items", "Done", "Overdue", "Late", "Mean days late")
CONTRACT_WARNING_DAYS = 30

# Below this, int64 arithmetic on cents cannot overflow; above it we fall back to Python ints
# (a workbook with 10**16 dollars in it is a typo, but a typo must not wrap around silently).
_SAFE = 2**62

Cents = npt.NDArray[Any]  # int64 cents, or object (Python ints) past _SAFE


def money_text(cents: int, symbol: str = "$") -> str:
    """Cents as a person reads them in a message: 123450 -> "$1,234.50", -500 -> "-$5.00"
    (``symbol``: the production's currency, "£" or "CHF ")."""
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(int(cents)), 100)
    return f"{sign}{symbol}{dollars:,}.{rest:02d}"


def cents_text(cents: int) -> str:
    """Cents as a plain decimal for an issue's value: 123450 -> "1234.50"."""
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(int(cents)), 100)
    return f"{sign}{dollars}.{rest:02d}"


@dataclass(frozen=True)
class Listed:
    """The names a tab lists (Departments, Vendors): first spelling wins, blanks are skipped.

    Names are matched the way headers are, ignoring case and spaces, so "sound " on a budget
    line finds "Sound" in Departments.
    """

    names: list[str]
    at: npt.NDArray[np.intp]  # position of each name's row in the tab's frame
    rows: list[int]  # the spreadsheet row of each name
    lookup: dict[str, int]  # normalised name -> position in names

    def positions(self, values: pd.Series) -> npt.NDArray[np.intp]:
        """For each value, the position of the name it matches, or -1."""
        return _positions(values, self.lookup)


def listed(tables: Mapping[str, Table], tab: str, column: str) -> Listed:
    """The names listed in ``column`` of ``tab``, in sheet order."""
    table = tables.get(tab)
    if table is None or column not in table.frame.columns:
        return Listed([], np.zeros(0, dtype=np.intp), [], {})
    values = table.frame[column].to_numpy(dtype=object)
    names: list[str] = []
    at: list[int] = []
    rows: list[int] = []
    lookup: dict[str, int] = {}
    for i, value in enumerate(values):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        key = normalise(value)
        if not key or key in lookup:
            continue
        lookup[key] = len(names)
        names.append(str(value).strip())
        at.append(i)
        rows.append(int(table.frame.index[i]))
    return Listed(names, np.asarray(at, dtype=np.intp), rows, lookup)


def _positions(values: pd.Series, lookup: Mapping[str, int]) -> npt.NDArray[np.intp]:
    """Vectorised lookup: normalise each distinct value once, then map codes to positions."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    mapping = np.fromiter(
        (lookup.get(normalise(u), -1) for u in uniques), dtype=np.intp, count=len(uniques)
    )
    # code -1 (blank) picks the trailing -1
    return np.append(mapping, -1).astype(np.intp)[codes]


def _frame(tables: Mapping[str, Table], tab: str) -> tuple[pd.DataFrame, Table | None]:
    table = tables.get(tab)
    return (table.frame, table) if table is not None else (pd.DataFrame(), None)


def _text(frame: pd.DataFrame, column: str) -> npt.NDArray[np.object_]:
    if column not in frame.columns:
        return np.full(len(frame), None, dtype=object)
    series = frame[column]
    if series.dtype == object:
        return series.to_numpy()  # already None when blank, as ``Table`` promises
    values = series.to_numpy(dtype=object)
    blank = series.isna().to_numpy()
    if blank.any():
        values = values.copy()  # the frame's own array is read-only (copy-on-write)
        values[blank] = None
    return values


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    """A date column as midnight timestamps (NaT when blank or unreadable)."""
    if column not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return pd.to_datetime(frame[column]).dt.normalize()


def _money(
    frame: pd.DataFrame, table: Table | None, column: str
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Cents (blank = 0), which cells are blank, which cannot be used (unreadable or < 0)."""
    n = len(frame)
    if column not in frame.columns:
        return np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    series = frame[column].astype("Int64")
    blank = series.isna().to_numpy()
    values = np.asarray(series.to_numpy(dtype=np.int64, na_value=0), dtype=np.int64)
    bad = values < 0
    if table is not None:
        bad = bad | table.bad(column)
    return values, blank, bad


def _too_big(*arrays: Cents, factor: int = 1) -> bool:
    """Could arithmetic on these cents (times ``factor``) leave int64?"""
    largest = 0
    for values in arrays:
        if values.dtype == object:
            return True
        if len(values):
            largest = max(largest, abs(int(values.max())), abs(int(values.min())))
    return largest * factor * 4 > _SAFE


def _exact(*arrays: Cents) -> list[Cents]:
    """The arrays as Python ints, which cannot overflow."""
    return [np.asarray(values).astype(object) for values in arrays]


def status(efc: Cents, budgeted: Cents, near_limit: Decimal) -> npt.NDArray[np.object_]:
    """Over / At risk / OK, comparing exactly in integers: EFC x den >= num x Budgeted.

    A Budgeted of 0 is never "At risk" (nothing to reach); it is "Over" once anything is spent.
    """
    num, den = near_limit.as_integer_ratio()
    efc_s, budgeted_s = efc, budgeted
    if _too_big(efc, budgeted, factor=max(num, den)):
        efc_s, budgeted_s = _exact(efc, budgeted)
    over = np.asarray(efc_s > budgeted_s, dtype=bool)
    risk = np.asarray(budgeted_s > 0, dtype=bool) & np.asarray(
        efc_s * den >= budgeted_s * num, dtype=bool
    )
    code = np.where(over, 2, risk.astype(np.int8))
    return _STATUSES[code]


def over_fraction(over: Cents, budgeted: Cents) -> npt.NDArray[np.float64]:
    """Over/(Under) / Budgeted as a float fraction, NaN when Budgeted is 0."""
    top = np.asarray(over, dtype=np.float64)
    bottom = np.asarray(budgeted, dtype=np.float64)
    out = np.full(len(bottom), np.nan)
    np.divide(top, bottom, out=out, where=bottom != 0)
    return out


_STATUSES = np.asarray([OK, AT_RISK, OVER], dtype=object)


@dataclass(frozen=True)
class BudgetLines:
    """The counted budget lines with their figures, and where each belongs.

    Shared by ``compute_figures`` and the budget and vendor checks so that they all count the
    same lines the same way.
    """

    lines: pd.DataFrame  # as Figures.lines
    excluded: int
    department: npt.NDArray[np.intp]  # per counted line: position in departments.names
    category: npt.NDArray[np.intp]  # per counted line: position in categories, len() when none
    vendor: npt.NDArray[np.intp]  # per counted line: position in vendors.names, -1 when none
    departments: Listed
    vendors: Listed
    categories: tuple[str, ...]
    largest: int  # the largest cents (in absolute value) in any money column of any line

    def money(self, column: str) -> Cents:
        return self.lines[column].to_numpy()

    @property
    def exact(self) -> bool:
        """Could a sum of these lines leave int64? Then sums are taken in Python ints."""
        return self.largest * max(len(self.lines), 1) >= _SAFE


def budget_lines(tables: Mapping[str, Table], context: Context) -> BudgetLines:
    """Every budget line that can be counted, with EFC, variance and status.

    Left out (and counted in ``excluded``): a money cell that cannot be read or is negative, a
    blank Budgeted, or a department that is not listed in Departments.

    The budget check, the vendor check and ``compute_figures`` all need these lines for the
    same tables, so the last result is kept while those very tables are alive (tables are not
    changed after reading): a million lines are counted once per run, not three times.
    """
    sources = _sources(tables)
    if _last is not None and _last.matches(sources, context.near_limit):
        return _last.lines
    lines = _count_lines(tables, context)
    _remember(sources, context.near_limit, lines)
    return lines


@dataclass(frozen=True)
class _Remembered:
    refs: tuple[weakref.ref[Any] | None, ...]
    near_limit: Decimal
    lines: BudgetLines

    def matches(self, sources: tuple[object, ...], near_limit: Decimal) -> bool:
        return near_limit == self.near_limit and all(
            (ref is None and obj is None) or (ref is not None and ref() is obj)
            for ref, obj in zip(self.refs, sources, strict=True)
        )


_last: _Remembered | None = None


def _sources(tables: Mapping[str, Table]) -> tuple[object, ...]:
    """What the budget lines depend on: the three tabs' tables and their frames."""
    found: list[object] = []
    for name in ("Budget", "Departments", "Vendors"):
        table = tables.get(name)
        found += [table, None if table is None else table.frame]
    return tuple(found)


def _remember(sources: tuple[object, ...], near_limit: Decimal, lines: BudgetLines) -> None:
    global _last

    def forget(gone: weakref.ref[Any]) -> None:
        global _last
        if _last is not None and _last.refs[0] is gone:
            _last = None

    # dropping the Budget table (the first source) lets the remembered lines go too
    refs = tuple(
        None if obj is None else weakref.ref(obj, forget if i == 0 else None)
        for i, obj in enumerate(sources)
    )
    _last = _Remembered(refs, near_limit, lines)


def _count_lines(tables: Mapping[str, Table], context: Context) -> BudgetLines:
    frame, table = _frame(tables, "Budget")
    departments = listed(tables, "Departments", "Department")
    vendors = listed(tables, "Vendors", "Vendor")
    categories: tuple[str, ...] = ()
    if table is not None and any(c.name == "Category" for c in table.spec.columns):
        categories = table.spec.column("Category").enum
    n = len(frame)

    money: dict[str, npt.NDArray[np.int64]] = {}
    unusable = np.zeros(n, dtype=bool)
    for column in SOURCE_MONEY:
        values, blank, bad = _money(frame, table, column)
        money[column] = values
        unusable |= bad
        if column == "Budgeted":
            unusable |= blank
    if "Department" in frame.columns:
        department = departments.positions(frame["Department"])
    else:
        department = np.full(n, -1, dtype=np.intp)
    keep = ~unusable & (department >= 0)

    budgeted, actual, committed, etc = (money[c][keep] for c in SOURCE_MONEY)
    if _too_big(budgeted, actual, committed, etc):
        budgeted, actual, committed, etc = _exact(budgeted, actual, committed, etc)
    efc = actual + committed + etc
    # every money figure of a line is bounded by max(Budgeted, Actual + Committed + ETC)
    largest = max(
        int(budgeted.max()) if len(budgeted) else 0,
        sum(int(v.max()) if len(v) else 0 for v in (actual, committed, etc)),
    )
    over = efc - budgeted
    uncommitted = budgeted - actual - committed

    index = frame.index[keep]
    text = {c: _text(frame, c)[keep] for c in TEXT_COLUMNS}
    text["Department"] = np.asarray([*departments.names, ""], dtype=object)[department[keep]]
    columns: dict[str, Any] = {c: pd.Series(text[c], index=index, dtype=object) for c in text}
    for name, values in zip(
        MONEY_COLUMNS,
        (budgeted, actual, committed, etc, efc, over, uncommitted),
        strict=True,
    ):
        columns[name] = pd.Series(values, index=index, dtype=values.dtype)
    columns["Over %"] = pd.Series(over_fraction(over, budgeted), index=index)
    columns["Status"] = pd.Series(status(efc, budgeted, context.near_limit), index=index)
    lines = pd.DataFrame(columns, index=index)

    category_lookup = {normalise(c): i for i, c in enumerate(categories)}
    category = _positions(lines["Category"], category_lookup)
    category[category < 0] = len(categories)
    vendor = vendors.positions(lines["Vendor"]) if len(lines) else np.zeros(0, dtype=np.intp)
    return BudgetLines(
        lines=lines,
        excluded=int(n - keep.sum()),
        department=department[keep],
        category=category,
        vendor=vendor,
        departments=departments,
        vendors=vendors,
        categories=categories,
        largest=largest,
    )


def _group_sum(
    values: Cents, positions: npt.NDArray[np.intp], groups: int, *, exact: bool
) -> Cents:
    """Per-group sums of cents (positions < 0 are left out); ``exact`` sums in Python ints."""
    inside = positions >= 0
    if not inside.all():
        values, positions = values[inside], positions[inside]
    if not exact and values.dtype != object:
        out = np.zeros(groups, dtype=np.int64)
        np.add.at(out, positions, values)
        return out
    big = np.zeros(groups, dtype=object)
    big[:] = 0
    sums = pd.Series(values.astype(object)).groupby(positions).sum()
    for position, total in zip(sums.index, sums.to_numpy(), strict=True):
        big[int(position)] = int(total)
    return big


def _total(values: Cents, *, exact: bool) -> int:
    if not exact and values.dtype != object:
        return int(values.sum())
    return sum((int(v) for v in values), 0)


def _rollup(
    budget: BudgetLines,
    positions: npt.NDArray[np.intp],
    names: list[str],
    context: Context,
) -> pd.DataFrame:
    """Sums of every money column per group, a Total row, then Over % and Status of the sums."""
    groups = len(names)
    columns: dict[str, Any] = {}
    for name in MONEY_COLUMNS:
        values = budget.money(name)
        sums = _group_sum(values, positions, groups, exact=budget.exact)
        total = _total(values, exact=budget.exact)
        if sums.dtype != object and abs(total) < _SAFE:
            columns[name] = np.append(sums, np.int64(total)).astype(np.int64)
        else:
            columns[name] = np.append(sums.astype(object), [total]).astype(object)
    columns["Over %"] = over_fraction(columns["Over/(Under)"], columns["Budgeted"])
    columns["Status"] = status(columns["EFC"], columns["Budgeted"], context.near_limit)
    index = pd.Index([*names, TOTAL], dtype=object)
    return pd.DataFrame(columns, index=index)


def _int64_or_exact(values: list[int | None]) -> Any:
    """Int64 with <NA>, or object when a value does not fit int64."""
    try:
        return pd.array(values, dtype="Int64")
    except (OverflowError, TypeError, ValueError):
        return np.asarray(values, dtype=object)


def department_figures(
    budget: BudgetLines, tables: Mapping[str, Table], context: Context
) -> pd.DataFrame:
    """The cost report by department (every listed one, lines or not), then Total."""
    return _department_figures(budget, tables, context)[0]


def _department_figures(
    budget: BudgetLines, tables: Mapping[str, Table], context: Context
) -> tuple[pd.DataFrame, int]:
    """The table by department, and how many Allocations could not be used: while any
    cannot, the Total's Allocation and Unallocated are left blank rather than understated."""
    departments = budget.departments
    table = _rollup(budget, budget.department, departments.names, context)
    frame, source = _frame(tables, "Departments")
    allocation: list[int | None] = [None] * len(departments.names)
    excluded = 0
    if "Allocation" in frame.columns and departments.names:
        values, blank, bad = _money(frame, source, "Allocation")
        for i, at in enumerate(departments.at):
            if bad[at]:
                excluded += 1
            elif not blank[at]:
                allocation[i] = int(values[at])
    budgeted = [int(v) for v in table["Budgeted"].to_numpy()]
    unallocated: list[int | None] = [
        None if cap is None else cap - spent
        for cap, spent in zip(allocation, budgeted, strict=False)
    ]
    given = [cap for cap in allocation if cap is not None]
    allocation.append(sum(given) if given and not excluded else None)
    left = [u for u in unallocated if u is not None]
    unallocated.append(sum(left) if left and not excluded else None)
    table.insert(0, "Allocation", _int64_or_exact(allocation))
    table.insert(len(MONEY_COLUMNS) + 1, "Unallocated", _int64_or_exact(unallocated))
    return table, excluded


def category_figures(budget: BudgetLines, context: Context) -> pd.DataFrame:
    """The cost report by category in template order; "(none)" only when a line has none."""
    names = list(budget.categories)
    if (budget.category == len(names)).any():
        names.append(NO_CATEGORY)
    return _rollup(budget, budget.category, names, context)


def last_scheduled_end(tables: Mapping[str, Table]) -> pd.Timestamp | None:
    """The day the run ends: the latest End of the schedule items that are not Cancelled."""
    frame, _ = _frame(tables, "Schedule")
    if "End" not in frame.columns or not len(frame):
        return None
    live = _text(frame, "Status") != "Cancelled"
    ends = _dates(frame, "End")[live]
    latest = ends.max()
    return None if pd.isna(latest) else pd.Timestamp(latest)


def schedule_figures(tables: Mapping[str, Table], context: Context) -> pd.DataFrame:
    """Per listed department then Total: items, done, overdue, late, mean days late.

    Cancelled items and items whose department is not listed are not counted. Overdue: Due
    before the as-of date and Status not Done. Late: Done On after Due.
    """
    departments = listed(tables, "Departments", "Department")
    frame, _ = _frame(tables, "Schedule")
    groups = len(departments.names)
    if "Department" in frame.columns and len(frame):
        position = departments.positions(frame["Department"])
    else:
        position = np.full(len(frame), -1, dtype=np.intp)
    state = _text(frame, "Status")
    counted = (state != "Cancelled") & (position >= 0)
    done = state == "Done"
    due = _dates(frame, "Due")
    done_on = _dates(frame, "Done On")
    as_of = pd.Timestamp(context.as_of)
    overdue = (due < as_of).to_numpy() & ~done
    late = (done_on > due).to_numpy()
    gap = (done_on - due).to_numpy(dtype="timedelta64[ns]")
    days = gap.astype(np.float64) / 86_400e9  # NaT becomes NaN below
    days[np.isnat(gap)] = np.nan

    where = position[counted]

    def per_group(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
        counts = np.bincount(where[mask[counted]], minlength=groups).astype(np.int64)
        return np.append(counts, counts.sum()).astype(np.int64)

    everyone = np.ones(len(frame), dtype=bool)
    late_days = np.bincount(
        where[late[counted]], weights=days[counted][late[counted]], minlength=groups
    )
    late_days = np.append(late_days, late_days.sum())
    late_count = per_group(late)
    mean_late = np.full(groups + 1, np.nan)
    np.divide(late_days, late_count, out=mean_late, where=late_count > 0)
    return pd.DataFrame(
        {
            "Items": per_group(everyone),
            "Done": per_group(done),
            "Overdue": per_group(overdue),
            "Late": late_count,
            "Mean days late": mean_late,
        },
        index=pd.Index([*departments.names, TOTAL], dtype=object),
    )


def vendor_standing(
    budget: BudgetLines, tables: Mapping[str, Table], context: Context
) -> pd.DataFrame:
    """Per listed vendor: the vendor figures, plus what the vendor checks need.

    Besides VENDOR_COLUMNS: "Row" (the vendor's spreadsheet row), "Rentals money" (bool),
    "Last End" (the last scheduled End, NaT when none) and one bool column per VENDOR_RULES
    code saying whether that rule applies.
    """
    vendors = budget.vendors
    frame, table = _frame(tables, "Vendors")
    groups = len(vendors.names)
    at = vendors.at

    def pick(column: str) -> pd.Series:
        return _dates(frame, column).iloc[at].reset_index(drop=True)

    contract = _text(frame, "Contract")[at]
    contract_bad = table.bad("Contract")[at] if table is not None else np.zeros(groups, dtype=bool)
    contract_end = pick("Contract End")
    insurance = pick("Insurance Expires")
    insurance_bad = (
        table.bad("Insurance Expires")[at] if table is not None else np.zeros(groups, bool)
    )

    lines = np.bincount(budget.vendor[budget.vendor >= 0], minlength=groups).astype(np.int64)
    actual = _group_sum(budget.money("Actual"), budget.vendor, groups, exact=budget.exact)
    committed = _group_sum(budget.money("Committed"), budget.vendor, groups, exact=budget.exact)
    efc = _group_sum(budget.money("EFC"), budget.vendor, groups, exact=budget.exact)
    rentals_lookup = {normalise(c): i for i, c in enumerate(budget.categories)}
    rentals = rentals_lookup.get("rentals", -2)
    with_money = np.zeros(len(budget.lines), dtype=bool)
    for column in SOURCE_MONEY:
        with_money |= np.asarray(budget.money(column) > 0, dtype=bool)
    rental_lines = (budget.category == rentals) & with_money & (budget.vendor >= 0)
    rentals_money = np.bincount(budget.vendor[rental_lines], minlength=groups) > 0

    as_of = pd.Timestamp(context.as_of)
    last_end = last_scheduled_end(tables)
    soon = as_of + pd.Timedelta(days=CONTRACT_WARNING_DAYS)
    signed = contract == "Signed"
    ended = (contract_end < as_of).to_numpy()
    if last_end is not None:
        ends_before_run = (contract_end < last_end).to_numpy()
        insurance_short = (insurance < last_end).to_numpy()
    else:
        ends_before_run = np.zeros(groups, dtype=bool)
        insurance_short = np.zeros(groups, dtype=bool)
    contract_state = np.select(
        [
            (contract == "Expired") | ended,
            ~signed,
            ends_before_run | (contract_end <= soon).to_numpy(),
        ],
        ["Expired", "Missing", "Expiring"],
        "Current",
    ).astype(object)
    # No certificate is "Not needed" when no rule asks for one (no Rentals money, and the
    # cell is blank rather than unreadable); "Missing" only where vendor.insurance_missing is.
    no_date = insurance.isna().to_numpy()
    insurance_state = np.select(
        [
            no_date & ~rentals_money & ~insurance_bad,
            no_date,
            (insurance < as_of).to_numpy(),
            insurance_short,
        ],
        [NOT_NEEDED, "Missing", "Expired", "Expiring"],
        "Current",
    ).astype(object)

    rules = {
        "vendor.contract_missing": np.asarray((actual > 0) | (committed > 0), dtype=bool)
        & ~signed
        & ~contract_bad,
        "vendor.contract_expired": ended & np.asarray(committed > 0, dtype=bool),
        "vendor.insurance_missing": rentals_money & insurance.isna().to_numpy() & ~insurance_bad,
        "vendor.insurance_expiring": insurance_short,
    }
    flags = ["; ".join(code for code in VENDOR_RULES if rules[code][i]) for i in range(groups)]
    index = pd.Index(vendors.names, dtype=object)
    standing = pd.DataFrame(
        {
            "Contract": pd.Series(contract, dtype=object).to_numpy(),
            "Contract End": (
                pd.to_datetime(frame["Contract End"]).iloc[at].to_numpy()
                if "Contract End" in frame.columns
                else contract_end.to_numpy()
            ),
            "Insurance Expires": (
                pd.to_datetime(frame["Insurance Expires"]).iloc[at].to_numpy()
                if "Insurance Expires" in frame.columns
                else insurance.to_numpy()
            ),
            "Lines": lines,
            "Actual": actual,
            "Committed": committed,
            "EFC": efc,
            "Contract State": contract_state,
            "Insurance State": insurance_state,
            "Flags": pd.Series(flags, dtype=object).to_numpy(),
            "Row": np.asarray(vendors.rows, dtype=np.int64),
            "Rentals money": rentals_money,
            "Last End": pd.Series([last_end] * groups, dtype="datetime64[ns]").to_numpy(),
            **rules,
        },
        index=index,
    )
    for column in ("Contract", "Contract State", "Insurance State", "Flags"):
        standing[column] = standing[column].astype(object)
    return standing


def compute_figures(tables: Mapping[str, Table], context: Context) -> Figures:
    """Every figure of the cost report, the schedule roll-up and the vendor roll-up."""
    budget = budget_lines(tables, context)
    by_department, excluded_allocations = _department_figures(budget, tables, context)
    return Figures(
        lines=budget.lines,
        by_department=by_department,
        by_category=category_figures(budget, context),
        excluded_lines=budget.excluded,
        excluded_allocations=excluded_allocations,
        schedule=schedule_figures(tables, context),
        vendors=vendor_standing(budget, tables, context).loc[:, list(VENDOR_COLUMNS)],
        resources=resource_figures(tables, context, budget.lines),
    )
