"""Crew and equipment figures, and the tables they go into: the ``Crew Report`` tab (when the
workbook has a Crew tab) and the equipment section of the Schedule Report (when it has an
Equipment tab).

Per person: calls (items not Cancelled that name them), hours called this week (Monday to
Sunday around the as-of date) and in total (a person's calls joined where they overlap, so
an hour is counted once; whole-day items and blocks of a day or more count no hours), the
most days called in a row, and the issues about them. Per item of kit: how many are booked
at the busiest moment against the Quantity, and when; hired kit (with a Vendor) costs
Quantity x days hired (first booked day to last, inclusive) x Daily Rate, set per vendor
beside that vendor's Budget lines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from prodsheets.backends.base import Format, RowStyle, SummaryColumn, SummaryTable, SummaryValue
from prodsheets.checks import Context
from prodsheets.checks.crew import _blocks, _breaks
from prodsheets.checks.equipment import read_bookings
from prodsheets.checks.schedule import _DAY_NS, _EPOCH, _Items, _people
from prodsheets.issues import Issue
from prodsheets.roster import read_roster, read_stock
from prodsheets.tables import Table
from prodsheets.template import normalise

CREW_REPORT = "Crew Report"
_HOUR_NS = 3_600 * 10**9
_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class ResourceFigures:
    """``crew``: one row per Crew person (None without a Crew tab); ``equipment``: one row
    per Equipment item and ``hire``: one row per vendor kit is hired from (None without an
    Equipment tab)."""

    crew: pd.DataFrame | None = None
    equipment: pd.DataFrame | None = None
    hire: pd.DataFrame | None = None


def resource_figures(
    tables: Mapping[str, Table], context: Context, lines: pd.DataFrame
) -> ResourceFigures:
    return ResourceFigures(
        crew=crew_figures(tables, context),
        equipment=(kit := equipment_figures(tables)),
        hire=hire_figures(kit, lines) if kit is not None else None,
    )


def _ns_of(day: dt.date) -> int:
    return int((dt.datetime.combine(day, dt.time()) - _EPOCH) / dt.timedelta(microseconds=1)) * 1000


def crew_figures(tables: Mapping[str, Table], context: Context) -> pd.DataFrame | None:
    roster = read_roster(tables, context)
    if not roster.present:
        return None
    people = list(roster.people.values())
    calls = np.zeros(len(people), dtype=np.int64)
    week = np.zeros(len(people), dtype=np.int64)
    total = np.zeros(len(people), dtype=np.int64)
    in_a_row = np.zeros(len(people), dtype=np.int64)
    schedule = tables.get("Schedule")
    if people and schedule is not None and schedule.present and not schedule.frame.empty:
        items = _Items.of(schedule)
        where, group, _, keys = _people(items, np.flatnonzero(items.active))
        at = {key: n for n, key in enumerate(roster.people)}
        person = np.array([at.get(key, -1) for key in keys] + [-1], dtype=np.int64)[group]
        known = person >= 0
        calls += np.bincount(person[known], minlength=len(people))[: len(people)]
        usable = known & items.valid[where] & ~_breaks(items, context.rule_sets.break_words)[where]
        clock = usable & ~items.start_date_only[where] & ~items.end_date_only[where]
        clock &= items.end[where] - items.start[where] < _DAY_NS  # a block of days: no hours
        if clock.any():
            order, _, firsts, block_start, block_end = _blocks(
                person[clock], items.start[where[clock]], items.end[where[clock]]
            )
            owner = person[clock][order][firsts]
            hours = block_end - block_start
            total += np.bincount(owner, weights=hours, minlength=len(people)).astype(np.int64)
            monday = context.as_of - dt.timedelta(days=context.as_of.weekday())
            lo, hi = _ns_of(monday), _ns_of(monday + dt.timedelta(days=7))
            this_week = (block_start >= lo) & (block_start < hi)
            week += np.bincount(
                owner[this_week], weights=hours[this_week], minlength=len(people)
            ).astype(np.int64)
        if usable.any():
            in_a_row = _longest_runs(
                person[usable], items.start[where[usable]], items.end[where[usable]], len(people)
            )
    return pd.DataFrame(
        {
            "Name": [p.name for p in people],
            "Department": [p.department for p in people],
            "Role": [p.role for p in people],
            "Rule Set": [p.rule_set.name if p.rule_set else "" for p in people],
            "Calls": calls,
            "Hours this week": week,
            "Hours in total": total,
            "Days in a row": in_a_row,
        },
        index=pd.Index([normalise(p.name) for p in people], dtype=object),
    )


def _longest_runs(person: np.ndarray, start: np.ndarray, end: np.ndarray, n: int) -> np.ndarray:
    """Per person, the most days in a row they are called (every day a call covers)."""
    first, last = start // _DAY_NS, (end - 1) // _DAY_NS
    order = np.lexsort((last, first, person))
    g, f, la = person[order], first[order], last[order]
    running = pd.Series(la).groupby(g).cummax().to_numpy()
    new = np.ones(len(order), dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | (f[1:] > running[:-1] + 1)
    run = np.cumsum(new) - 1
    length = pd.Series(la).groupby(run).max().to_numpy() - f[new] + 1
    best = np.zeros(n, dtype=np.int64)
    np.maximum.at(best, g[new], length)
    return best


def equipment_figures(tables: Mapping[str, Table]) -> pd.DataFrame | None:
    stock = read_stock(tables)
    schedule = tables.get("Schedule")
    if not stock.present:
        return None
    kit = list(stock.items.values())
    peak = np.zeros(len(kit), dtype=np.int64)
    peak_at = np.full(len(kit), np.iinfo(np.int64).min, dtype=np.int64)
    days = np.zeros(len(kit), dtype=np.int64)
    bookings = read_bookings(schedule, stock) if schedule is not None else None
    if bookings is not None:
        items = bookings.items
        live = (bookings.which >= 0) & items.valid[bookings.where]
        which, where, count = bookings.which[live], bookings.where[live], bookings.count[live]
        if len(which):
            n = len(which)
            kits = np.concatenate([which, which])
            time = np.concatenate([items.start[where], items.end[where]])
            delta = np.concatenate([count, -count])
            starts = np.r_[np.ones(n, dtype=np.int64), np.zeros(n, dtype=np.int64)]
            order = np.lexsort((starts, time, kits))
            kits, time, running = kits[order], time[order], np.cumsum(delta[order])
            best = pd.Series(running).groupby(kits).idxmax()
            peak[best.index.to_numpy()] = running[best.to_numpy()]
            peak_at[best.index.to_numpy()] = time[best.to_numpy()]
            first = pd.Series(items.start[where] // _DAY_NS).groupby(which).min()
            last = pd.Series((items.end[where] - 1) // _DAY_NS).groupby(which).max()
            days[first.index.to_numpy()] = (last - first + 1).to_numpy()
    quantity = [k.quantity for k in kit]
    cost = [
        (q or 0) * int(d) * k.daily_rate if k.vendor and k.daily_rate is not None else None
        for k, q, d in zip(kit, quantity, days.tolist(), strict=True)
    ]
    return pd.DataFrame(
        {
            "Item": [k.name for k in kit],
            "Quantity": quantity,
            "Peak booked": peak,
            "Peak at": [
                None if t == np.iinfo(np.int64).min else pd.Timestamp(int(t)).to_pydatetime()
                for t in peak_at.tolist()
            ],
            "Vendor": [k.vendor for k in kit],
            "Days hired": [int(d) if k.vendor else 0 for k, d in zip(kit, days, strict=True)],
            "Hire cost": pd.Series(cost, dtype=object),
        }
    )


def hire_figures(kit: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Per vendor kit is hired from: days hired, hire cost, and that vendor's Budget lines
    (how many, Budgeted, EFC), so the hire can be read against what was budgeted for it."""
    hired = kit[kit["Vendor"] != ""]
    rows = []
    vendor_key = (
        lines["Vendor"].map(lambda v: normalise(v) if isinstance(v, str) else "")
        if len(lines)
        else pd.Series(dtype=object)
    )
    for key, part in hired.groupby(hired["Vendor"].map(normalise), sort=False):
        mine = lines[vendor_key == key] if len(lines) else lines
        costs = [c for c in part["Hire cost"].tolist() if c is not None]
        rows.append(
            {
                "Vendor": str(part["Vendor"].iloc[0]),
                "Days hired": int(part["Days hired"].sum()),
                "Hire cost": sum(costs) if costs else None,
                "Lines": len(mine),
                "Budgeted": int(mine["Budgeted"].sum()) if len(mine) else None,
                "EFC": int(mine["EFC"].sum()) if len(mine) else None,
            }
        )
    return pd.DataFrame(
        rows, columns=["Vendor", "Days hired", "Hire cost", "Lines", "Budgeted", "EFC"]
    )


# --- tables ----------------------------------------------------------------------------------


def _money(cents: object) -> Decimal | None:
    if cents is None or (isinstance(cents, float) and np.isnan(cents)):
        return None
    return Decimal(int(cents)).scaleb(-2)  # type: ignore[call-overload]


def _hours(ns: int) -> Decimal:
    return (Decimal(int(ns)) / _HOUR_NS).quantize(_TENTH, rounding=ROUND_HALF_UP)


_CREW_COLUMNS = (
    SummaryColumn("Name", Format.TEXT, 22),
    SummaryColumn("Department", Format.TEXT, 16),
    SummaryColumn("Role", Format.TEXT, 20),
    SummaryColumn("Rule Set", Format.TEXT, 16),
    SummaryColumn("Calls", Format.INTEGER, 7),
    SummaryColumn("Hours this week", Format.NUMBER, 10),
    SummaryColumn("Hours in total", Format.NUMBER, 10),
    SummaryColumn("Days in a row", Format.INTEGER, 9),
    SummaryColumn("Issues", Format.INTEGER, 7),
)


def crew_report_tab(crew: pd.DataFrame, issues: Iterable[Issue]) -> SummaryTable:
    """One row per Crew person; someone with issues about them is marked for attention."""
    about: dict[str, int] = {}
    for found in issues:
        for name in found.people:
            about[normalise(name)] = about.get(normalise(name), 0) + 1
    rows: list[tuple[SummaryValue, ...]] = []
    styles: dict[int, RowStyle] = {}
    for key, record in zip(crew.index.tolist(), crew.to_dict("records"), strict=True):
        count = about.get(str(key), 0)
        if count:
            styles[len(rows)] = RowStyle.AT_RISK
        rows.append(
            (
                str(record["Name"]),
                str(record["Department"]),
                str(record["Role"]),
                str(record["Rule Set"]),
                int(record["Calls"]),
                _hours(int(record["Hours this week"])),
                _hours(int(record["Hours in total"])),
                int(record["Days in a row"]),
                count,
            )
        )
    if not rows:
        rows.append(("Nobody is listed in the Crew tab yet.",) + (None,) * 8)
    return SummaryTable(title=CREW_REPORT, columns=_CREW_COLUMNS, rows=rows, styles=styles)


_KIT_HEADINGS = ("Equipment", "Quantity", "Peak booked", "Peak at", "Vendor", "Hire cost")
_KIT_FORMATS = (
    Format.TEXT,
    Format.INTEGER,
    Format.INTEGER,
    Format.DATETIME,
    Format.TEXT,
    Format.MONEY,
)
_HIRE_HEADINGS = ("Hire by vendor", "Days hired", "Hire cost", "Lines", "Budgeted", "EFC")
_HIRE_FORMATS = (
    Format.TEXT,
    Format.INTEGER,
    Format.MONEY,
    Format.INTEGER,
    Format.MONEY,
    Format.MONEY,
)


def with_equipment(report: SummaryTable, figures: ResourceFigures) -> SummaryTable:
    """The Schedule Report with an "Equipment" section (peak use per item, marked where it
    passes the Quantity) and a "Hire by vendor" section after its own rows."""
    kit, hire = figures.equipment, figures.hire
    if kit is None or hire is None:
        return report
    width = len(report.columns)
    rows = list(report.rows)
    styles = dict(report.styles)
    status = dict(report.status)
    formats = dict(report.row_formats)

    def section(headings: tuple[str, ...]) -> None:
        rows.append((None,) * width)
        styles[len(rows)] = RowStyle.SECTION
        formats[len(rows)] = tuple(Format.TEXT for _ in headings)
        rows.append(_fit(headings, width))

    section(_KIT_HEADINGS)
    for record in kit.to_dict("records"):
        quantity = record["Quantity"]
        peak = int(record["Peak booked"])
        if quantity is not None and peak > int(quantity):
            styles[len(rows)] = status[len(rows)] = RowStyle.OVER
        formats[len(rows)] = _KIT_FORMATS
        rows.append(
            _fit(
                (
                    str(record["Item"]),
                    None if quantity is None else int(quantity),
                    peak,
                    record["Peak at"],
                    str(record["Vendor"]),
                    _money(record["Hire cost"]),
                ),
                width,
            )
        )
    if len(hire):
        section(_HIRE_HEADINGS)
        for hired in hire.to_dict("records"):
            formats[len(rows)] = _HIRE_FORMATS
            rows.append(
                _fit(
                    (
                        str(hired["Vendor"]),
                        int(hired["Days hired"]),
                        _money(hired["Hire cost"]),
                        int(hired["Lines"]),
                        _money(hired["Budgeted"]),
                        _money(hired["EFC"]),
                    ),
                    width,
                )
            )
    return replace(report, rows=rows, styles=styles, status=status, row_formats=formats)


def _fit(values: tuple[SummaryValue, ...], width: int) -> tuple[SummaryValue, ...]:
    return (values + (None,) * width)[:width]


# --- JSON ------------------------------------------------------------------------------------


def resource_records(figures: ResourceFigures | None) -> dict[str, object]:
    """The crew and equipment figures for ``report --format json``: "crew", "equipment" and
    "hire" lists, each present only when its tab is (money as exact "1234.50" text, hours to
    a tenth, moments as ISO text)."""
    if figures is None:
        return {}
    found: dict[str, object] = {}
    if figures.crew is not None:
        found["crew"] = [
            {
                "name": record["Name"],
                "department": record["Department"],
                "role": record["Role"],
                "rule_set": record["Rule Set"],
                "calls": int(record["Calls"]),
                "hours_this_week": float(_hours(int(record["Hours this week"]))),
                "hours_in_total": float(_hours(int(record["Hours in total"]))),
                "days_in_a_row": int(record["Days in a row"]),
            }
            for record in figures.crew.to_dict("records")
        ]
    if figures.equipment is not None:
        found["equipment"] = [
            {
                "item": record["Item"],
                "quantity": record["Quantity"],
                "peak_booked": int(record["Peak booked"]),
                "peak_at": record["Peak at"].isoformat() if record["Peak at"] else None,
                "vendor": record["Vendor"],
                "days_hired": int(record["Days hired"]),
                "hire_cost": _money_text(record["Hire cost"]),
            }
            for record in figures.equipment.to_dict("records")
        ]
    if figures.hire is not None:
        found["hire"] = [
            {
                "vendor": record["Vendor"],
                "days_hired": int(record["Days hired"]),
                "hire_cost": _money_text(record["Hire cost"]),
                "lines": int(record["Lines"]),
                "budgeted": _money_text(record["Budgeted"]),
                "efc": _money_text(record["EFC"]),
            }
            for record in figures.hire.to_dict("records")
        ]
    return found


def _money_text(cents: object) -> str | None:
    amount = _money(cents)
    return None if amount is None else f"{amount:.2f}"
