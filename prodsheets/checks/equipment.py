"""Equipment checks: kit the Equipment tab does not list, more booked at once than there is,
and hired kit that its vendor's insurance does not cover.

Schedule's optional Equipment column books kit on an item: "2 x Moving Light; Haze Machine"
(a count, "x", the item; no count is one; separators as for People). Nothing here runs
without an Equipment tab, and ``equipment.unknown`` waits until the tab lists an item.
Cancelled items book nothing.

Overbooking is found by one sweep per item over the start and end of its bookings, in time
order (an end before a start at the same moment: touching is not overlapping), keeping the
running count: O(n log n), never comparing bookings pairwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from prodsheets.checks import Context
from prodsheets.checks.crew import placeholder
from prodsheets.checks.schedule import _DAY_NS, _NAT, _and, _day, _Items, _listed, _moment, _when
from prodsheets.checks.values import suggestion
from prodsheets.issues import Issue
from prodsheets.roster import Kit, Stock, booking, read_stock
from prodsheets.tables import Table
from prodsheets.template import normalise

_LISTED = 5  # calls named in one message before "and N more"
_GUESSES = 200  # distinct unknown names that get a "Did you mean"


@dataclass(frozen=True)
class Bookings:
    """Every (item, booked kit) of the Schedule's Equipment column on items that are not
    Cancelled, as arrays: the item's position, the kit (index into ``kit``, -1 unknown), how
    many, and the entry as typed."""

    items: _Items
    kit: list[Kit]
    where: np.ndarray
    which: np.ndarray
    count: np.ndarray
    typed: list[str]


def read_bookings(schedule: Table, stock: Stock) -> Bookings | None:
    """The bookings, or None when the Schedule has no Equipment column or the workbook no
    Equipment tab."""
    if not stock.present or "Equipment" not in schedule.frame.columns or schedule.frame.empty:
        return None
    items = _Items.of(schedule)
    where, entries = _listed(items.column("Equipment"), np.flatnonzero(items.active))
    kit = list(stock.items.values())
    index = {id(k): n for n, k in enumerate(kit)}
    read: dict[str, tuple[int, int]] = {}
    for entry in set(entries.tolist()):
        count, name = booking(str(entry))
        found = stock.find(normalise(name))
        read[entry] = (count, index[id(found)] if found is not None else -1)
    counts = np.fromiter((read[e][0] for e in entries.tolist()), np.int64, len(entries))
    which = np.fromiter((read[e][1] for e in entries.tolist()), np.int64, len(entries))
    return Bookings(items, kit, where, which, counts, [str(e) for e in entries.tolist()])


def check(tables: Mapping[str, Table], context: Context) -> list[Issue]:
    """Every equipment.* issue (none without an Equipment tab)."""
    schedule = tables.get("Schedule")
    stock = read_stock(tables)
    if schedule is None or not schedule.present:
        return []
    bookings = read_bookings(schedule, stock)
    if bookings is None:
        return []
    found = _unknown(bookings) if stock.items else []
    found += _overbooked(bookings)
    equipment = tables.get("Equipment")
    if equipment is not None:
        found += _uninsured(bookings, equipment, tables)
    return found


def _unknown(bookings: Bookings) -> list[Issue]:
    items = bookings.items
    listed = {normalise(k.name): k.name for k in bookings.kit}
    by_item: dict[int, list[str]] = {}
    for k in np.flatnonzero(bookings.which < 0).tolist():
        if not placeholder(normalise(booking(bookings.typed[k])[1])):
            by_item.setdefault(int(bookings.where[k]), []).append(bookings.typed[k])
    guesses: dict[str, str | None] = {}
    found = []
    for pos, typed in by_item.items():
        hints = []
        for entry in typed:
            name = booking(entry)[1]
            if name not in guesses:
                guesses[name] = (
                    suggestion(normalise(name), listed) if len(guesses) < _GUESSES else None
                )
            if guesses[name]:
                hints.append(f"'{guesses[name]}'" + (f" for {name}" if len(typed) > 1 else ""))
        names = [booking(entry)[1] for entry in typed]
        several = len(names) > 1
        hint = f" Did you mean {_and(hints)}?" if hints else ""
        found.append(
            items.found(
                "equipment.unknown",
                pos,
                "Equipment",
                items.cell_text("Equipment", pos),
                f"{_and(names)} on {items.name(pos)} {'are' if several else 'is'} not listed "
                f"in the Equipment tab; add {'them' if several else 'it'} there (with the "
                f"Quantity) or correct the spelling.{hint}",
            )
        )
    return found


def _overbooked(bookings: Bookings) -> list[Issue]:
    """At some moment the calls running book more of an item than its Quantity."""
    items = bookings.items
    quantity = np.array(
        [k.quantity if k.quantity is not None else -1 for k in bookings.kit], dtype=np.int64
    )
    known = bookings.which >= 0
    known[known] &= quantity[bookings.which[known]] >= 0
    known &= items.valid[bookings.where]
    if not known.any():
        return []
    which, where, count = bookings.which[known], bookings.where[known], bookings.count[known]
    n = len(which)
    kit = np.concatenate([which, which])
    time = np.concatenate([items.start[where], items.end[where]])
    delta = np.concatenate([count, -count])
    starts = np.concatenate([np.ones(n, dtype=np.int64), np.zeros(n, dtype=np.int64)])
    booked = np.concatenate([np.arange(n), np.arange(n)])
    order = np.lexsort((starts, time, kit))  # at one moment, ends come before starts
    kit, time, delta, booked = kit[order], time[order], delta[order], booked[order]
    running = np.cumsum(delta)  # each item's bookings add up to 0, so one sum serves all
    over = running > quantity[kit]
    if not over.any():
        return []
    episode = np.cumsum(np.r_[True, over[1:] != over[:-1]])
    frame = pd.DataFrame({"episode": episode[over], "running": running[over]})
    peaks = frame.groupby("episode", sort=False)["running"].idxmax().to_numpy()
    positions = np.flatnonzero(over)
    by_kit = _by_kit(which, items.start[where], items.end[where])
    found = []
    for peak in peaks.tolist():
        at = int(positions[peak])
        k = int(kit[at])
        moment = int(time[at])
        later = int(where[booked[at]])
        running_calls = by_kit[k].running(moment)
        per_call: dict[int, int] = {}
        for b in running_calls.tolist():
            per_call[int(where[b])] = per_call.get(int(where[b]), 0) + int(count[b])
        calls = sorted(per_call.items(), key=lambda pc: (items.start[pc[0]], pc[0]))
        shown = ", ".join(f"{items.name(p)} ({c})" for p, c in calls[:_LISTED])
        if len(calls) > _LISTED:
            shown += f" and {len(calls) - _LISTED} more calls"
        item = bookings.kit[k]
        there = int(quantity[k])
        found.append(
            items.found(
                "equipment.overbooked",
                later,
                "Equipment",
                items.cell_text("Equipment", later),
                f"At {_when(moment)}, {int(running[at])} x {item.name} are booked and the "
                f"Equipment tab has {there}: {shown}. Move one of the calls, book fewer, or "
                f"hire more (Quantity on Equipment row {item.row}).",
            )
        )
    return found


class _Running:
    """One item's bookings sorted by start, to list those running at a moment."""

    def __init__(self, booked: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
        order = np.argsort(start, kind="stable")
        self.booked, self.start, self.end = booked[order], start[order], end[order]

    def running(self, moment: int) -> np.ndarray:
        begun = int(np.searchsorted(self.start, moment, side="right"))
        live = self.end[:begun] > moment
        return np.asarray(self.booked[:begun][live])


def _by_kit(which: np.ndarray, start: np.ndarray, end: np.ndarray) -> dict[int, _Running]:
    order = np.argsort(which, kind="stable")
    bounds = np.flatnonzero(np.r_[True, which[order][1:] != which[order][:-1], True])
    found = {}
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        part = order[a:b]
        found[int(which[part[0]])] = _Running(part, start[part], end[part])
    return found


def _uninsured(bookings: Bookings, equipment: Table, tables: Mapping[str, Table]) -> list[Issue]:
    """Hired kit booked past the day its vendor's insurance expires, or with none on file."""
    vendors = tables.get("Vendors")
    if vendors is None or not vendors.present:
        return []
    items = bookings.items
    frame = vendors.frame
    insurance = frame["Insurance Expires"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    unreadable = vendors.bad("Insurance Expires")
    cover: dict[str, tuple[str, int | None]] = {}
    for k, name in enumerate(frame["Vendor"].to_numpy(dtype=object).tolist()):
        if isinstance(name, str) and normalise(name) not in cover and not unreadable[k]:
            expires = int(insurance[k])
            cover[normalise(name)] = (name, None if expires == _NAT else expires + _DAY_NS)
    live = np.flatnonzero((bookings.which >= 0) & items.valid[bookings.where])
    if not len(live):
        return []
    ends = pd.Series(items.end[bookings.where[live]])
    latest = ends.groupby(bookings.which[live]).idxmax()  # per kit: its last-ending booking
    found = []
    for k, at in zip(latest.index.tolist(), latest.to_numpy().tolist(), strict=True):
        kit = bookings.kit[int(k)]
        if not kit.vendor or normalise(kit.vendor) not in cover:
            continue
        last = int(bookings.where[live[int(at)]])
        last_end = int(items.end[last])
        vendor, covered_until = cover[normalise(kit.vendor)]
        if covered_until is not None and last_end <= covered_until:
            continue
        if covered_until is None:
            why = f"{vendor} has no Insurance Expires date in the Vendors tab"
            fix = f"ask {vendor} for a certificate of insurance and enter the date it expires"
        else:
            why = (
                f"{vendor}'s insurance expires on {_day(_moment(covered_until - _DAY_NS))}, before "
                f"{items.name(last)} ends ({_when(last_end)})"
            )
            fix = f"ask {vendor} for a certificate that runs past {_when(last_end)}"
        found.append(
            equipment.issue(
                "equipment.uninsured",
                "Vendor",
                kit.row,
                f"{kit.name} is hired from {vendor} and booked until {_when(last_end)}, but "
                f"{why}; {fix}, or book kit of your own.",
            )
        )
    return found
