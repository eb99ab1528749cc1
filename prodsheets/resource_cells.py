"""The two cell types the Crew and Equipment tabs add: a whole number, and a list of dates.

``integer``: a count such as an Equipment Quantity ("12", 12, 12.0); a fraction, a negative
number or a word is a ``value.type`` issue. ``dates``: the days someone is unavailable, as
people type them, "2026-03-14; 2026-03-20 to 2026-03-22" (dates as any date cell reads them,
split on ``;`` or a new line, a range with "to", "until", "through" or a dash between spaces),
or a real date cell. Each entry becomes whole days: (first day 00:00, the day after the last
00:00) in nanoseconds, an exclusive end as the schedule checks use.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from prodsheets.backends.base import RawCell
from prodsheets.cells import DATE_EXAMPLE, Parsed, Problem, parse_date, parse_text

_DAY_NS = 86_400 * 10**9
_WHOLE = re.compile(r"^[+]?\d{1,9}$")
_RANGE = re.compile(r"\s+(?:to|until|till|through|thru|-)\s+|\s*[–—]\s*", re.IGNORECASE)
_PARTS = re.compile(r"[;\n]+")
_NAT = np.iinfo(np.int64).min

Days = tuple[tuple[int, int], ...]


def parse_integer(cells: Sequence[RawCell] | np.ndarray) -> Parsed:
    """Whole numbers (an int, or None when blank or unreadable) in an object array."""
    text = parse_text(cells)
    values = np.empty(len(text.values), dtype=object)
    bad = text.bad.copy()
    problems = dict(text.problems)
    for i, value in enumerate(text.values.tolist()):
        if value is None:
            continue
        cleaned = str(value).replace(",", "").replace(" ", "")
        if cleaned.endswith(".0"):
            cleaned = cleaned[:-2]
        if _WHOLE.match(cleaned):
            values[i] = int(cleaned)
        else:
            bad[i] = True
            problems[i] = Problem(
                "value.type", "This is not a whole number; type a count such as 12 (blank is 1)."
            )
    return Parsed("integer", values, text.blank, bad, problems)


def parse_days(cells: Sequence[RawCell] | np.ndarray, *, date_order: str = "MDY") -> Parsed:
    """Dates and date ranges, each cell a tuple of (start, exclusive end) nanosecond days."""
    arr = np.asarray(cells, dtype=object) if not isinstance(cells, np.ndarray) else cells
    as_dates = parse_date(arr, date_order=date_order)  # a real date cell, a serial, one date
    text = parse_text(arr)
    values = np.empty(len(arr), dtype=object)
    values[:] = [()] * len(arr)
    bad = np.zeros(len(arr), dtype=bool)
    problems: dict[int, Problem] = {}
    cache: dict[str, Days | None] = {}
    for i in range(len(arr)):
        day = int(as_dates.values[i])
        if day != _NAT:
            values[i] = ((day, day + _DAY_NS),)
            continue
        shown = text.values[i]
        if shown is None:
            if text.bad[i]:
                bad[i] = True
                problems[i] = text.problems[i]
            continue
        if shown not in cache:
            cache[shown] = _read_days(str(shown), date_order)
        read = cache[shown]
        if read is None:
            bad[i] = True
            problems[i] = Problem(
                "value.type",
                f"prodsheets cannot read these dates; write days like {DATE_EXAMPLE} and "
                "ranges like 2026-03-20 to 2026-03-22, separated by ; (semicolons).",
            )
        else:
            values[i] = read
    blank = text.blank & ~bad
    return Parsed("dates", values, blank, bad, problems)


def _one_day(text: str, date_order: str) -> int | None:
    parsed = parse_date(np.array([text], dtype=object), date_order=date_order)
    day = int(parsed.values[0])
    return None if day == _NAT else day


def _read_days(text: str, date_order: str) -> Days | None:
    """Every entry of a cell's text as whole days, or None when one cannot be read."""
    found: list[tuple[int, int]] = []
    for part in (p.strip() for p in _PARTS.split(text)):
        if not part:
            continue
        read = _entry(part, date_order)
        if read is None:  # "14 Mar, 20 Mar": commas between dates, when each reads as one
            pieces = [_entry(piece.strip(), date_order) for piece in part.split(",")]
            if len(pieces) < 2 or any(piece is None for piece in pieces):
                return None
            found.extend(piece for piece in pieces if piece is not None)
            continue
        found.append(read)
    return tuple(sorted(found))


def _entry(part: str, date_order: str) -> tuple[int, int] | None:
    """One date or range: (first day, the day after the last), None when unreadable."""
    day = _one_day(part, date_order)
    if day is not None:
        return day, day + _DAY_NS
    ends = _RANGE.split(part, maxsplit=1)
    if len(ends) != 2:
        return None
    first, last = _one_day(ends[0].strip(), date_order), _one_day(ends[1].strip(), date_order)
    if first is None or last is None or last < first:
        return None
    return first, last + _DAY_NS
