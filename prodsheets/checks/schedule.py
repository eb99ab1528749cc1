"""Schedule checks: impossible times, clashes of spaces and people, dependencies, overdue items.

Times follow the spreadsheet's meaning: a date-only Start is 00:00 of that day and a date-only
End is the end of that day (kept here as 00:00 of the next day, an exclusive end). Two items
overlap when one starts before the other ends, so a get-out ending at 17:00 and a fit-up
starting at 17:00 do not clash. Cancelled items take part in no check here, and an item whose
Start or End is blank or unreadable is left out of the time checks (its cell is already an
issue).

A turnaround is the rest between one working day and the next, one that takes in some of the
night (see ``_turnaround``): a lunch break between two items on the same day is not one.

Clashes are found by sorting by space (or person) then start time and sweeping once, never by
comparing every pair, so 100,000 items check in about half a second.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import chain

import numpy as np
import pandas as pd

from prodsheets.checks import Context
from prodsheets.checks.values import Suggestions
from prodsheets.issues import Issue
from prodsheets.rule_sets import RuleSet
from prodsheets.tables import Table
from prodsheets.template import normalise

_DAY_NS = 86_400 * 10**9
_NIGHT_ENDS = 6 * 3_600 * 10**9  # a rest that takes in some of 00:00-06:00 is a turnaround
_NAT = np.iinfo(np.int64).min
_NO_RULES = RuleSet(name="")


def check(tables: dict[str, Table], context: Context) -> list[Issue]:
    """Every schedule.* issue in the Schedule tab (none when the tab is missing or empty)."""
    table = tables.get("Schedule")
    if table is None or not table.present or table.frame.empty:
        return []
    items = _Items.of(table)
    found: list[Issue] = []
    found += _end_before_start(items)
    found += _space_conflicts(items)
    found += _person_conflicts_and_turnaround(items, context, tables)
    found += _dependencies(items)
    found += _overdue(items, context)
    return found


# --- the items, as plain arrays ------------------------------------------------------------


@dataclass
class _Items:
    """The Schedule tab as arrays aligned by position, plus how to name and locate an item."""

    table: Table
    rows: list[int]  # the spreadsheet row of each position
    ids: list[str | None]
    tasks: list[str | None]
    active: np.ndarray  # bool: not Cancelled
    start: np.ndarray  # int64 ns, _NAT when blank or unreadable
    end: np.ndarray  # int64 ns, exclusive (a date-only End is moved to the next day)
    start_date_only: np.ndarray
    end_date_only: np.ndarray
    timed: np.ndarray  # bool: active with a readable Start and End
    valid: np.ndarray  # bool: timed and End after Start
    columns: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, table: Table) -> _Items:
        frame = table.frame
        n = len(frame)
        status = frame["Status"].to_numpy(dtype=object)
        active = np.asarray(status != "Cancelled", dtype=bool)
        start = _ns(frame["Start"])
        end = _ns(frame["End"])
        start_date_only = _flags(table, "Start", n)
        end_date_only = _flags(table, "End", n)
        has_both = (start != _NAT) & (end != _NAT)
        end = np.where(has_both & end_date_only, end + _DAY_NS, end)
        timed = active & has_both & ~table.bad("Start") & ~table.bad("End")
        return cls(
            table=table,
            rows=[int(r) for r in frame.index],
            ids=_texts(frame["ID"]),
            tasks=_texts(frame["Task"]),
            active=active,
            start=start,
            end=end,
            start_date_only=start_date_only,
            end_date_only=end_date_only,
            timed=timed,
            valid=timed & (end > start),
        )

    def name(self, pos: int) -> str:
        """How a person recognises an item: "S12 'Focus'" (or its row when it has no ID)."""
        label = self.ids[pos] or f"the item on row {self.rows[pos]}"
        task = self.tasks[pos]
        return f"{label} '{task}'" if task else label

    def found(self, rule: str, pos: int, column: str, value: object, message: str) -> Issue:
        return self.table.issue(rule, column, self.rows[pos], message, value=value)

    def column(self, name: str) -> np.ndarray:
        """A column's values as an object array (read once, then kept)."""
        values = self.columns.get(name)
        if values is None:
            values = self.columns[name] = self.table.frame[name].to_numpy(dtype=object)
        return values

    def cell_text(self, column: str, pos: int) -> str:
        """What a cell holds, as text to quote back."""
        if self.table.spec.column(column).type in ("date", "datetime"):
            moments = self.columns.get(column)
            if moments is None:
                moments = self.columns[column] = _ns(self.table.frame[column])
            ns = int(moments[pos])
            if ns == _NAT:
                return ""
            moment = _moment(ns)
            only = self.table.date_only.get(column)
            if (only is not None and bool(only[pos])) or column in ("Due", "Done On"):
                return moment.date().isoformat()
            return moment.isoformat(sep=" ", timespec="minutes")
        value = self.column(column)[pos]
        if isinstance(value, tuple):
            return ", ".join(str(v) for v in value)
        return value if isinstance(value, str) else ""


def _ns(series: pd.Series) -> np.ndarray:
    """A date/datetime column as int64 nanoseconds, _NAT where blank."""
    values = pd.to_datetime(series, errors="coerce").to_numpy(dtype="datetime64[ns]")
    return values.view(np.int64).copy()


def _flags(table: Table, column: str, n: int) -> np.ndarray:
    mask = table.date_only.get(column)
    return np.zeros(n, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _texts(series: pd.Series) -> list[str | None]:
    return [v if isinstance(v, str) and v else None for v in series.to_numpy(dtype=object)]


_EPOCH = dt.datetime(1970, 1, 1)
_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _moment(ns: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=ns // 1000)


def _day(moment: dt.datetime) -> str:
    return f"{moment.day} {_MONTHS[moment.month]}"


def _clock(moment: dt.datetime) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def _when(ns: int, *, date_only: bool = False) -> str:
    """A moment as a person says it: "14 Mar 19:00", or "14 Mar" for a date-only cell."""
    moment = _moment(ns)
    return _day(moment) if date_only else f"{_day(moment)} {_clock(moment)}"


def _span(start: int, end: int) -> str:
    """An interval (exclusive end) as a person says it: "on 14 Mar 19:00–22:00"."""
    first, last = _moment(start), _moment(end)
    if first.hour == first.minute == last.hour == last.minute == 0:  # whole days
        last_day = last - dt.timedelta(days=1)
        if last_day.date() == first.date():
            return f"on {_day(first)}"
        return f"from {_day(first)} to {_day(last_day)}"
    if last.date() == first.date():
        return f"on {_day(first)} {_clock(first)}–{_clock(last)}"
    return f"from {_day(first)} {_clock(first)} to {_day(last)} {_clock(last)}"


def _keys(values: np.ndarray) -> np.ndarray:
    """``template.normalise`` of each value ("" for a blank), computed once per distinct value
    because names repeat: the same few spaces and crew members on thousands of items."""
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    keys = np.array(
        [normalise(v) if isinstance(v, str) else "" for v in distinct] + [""], dtype=object
    )
    return np.asarray(keys[codes])  # code -1 (blank) picks the trailing ""


def _duration(ns: int) -> str:
    minutes = ns // (60 * 10**9)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


# --- End before Start ----------------------------------------------------------------------


def _end_before_start(items: _Items) -> list[Issue]:
    bad = np.flatnonzero(items.timed & (items.end <= items.start))
    return [
        items.found(
            "schedule.end_before_start",
            pos,
            "End",
            items.cell_text("End", pos),
            f"{items.name(pos)} ends ({_when_end(items, pos)}) "
            f"{'the moment' if _ends_as_it_starts(items, pos) else 'before'} it starts "
            f"({_when(int(items.start[pos]), date_only=bool(items.start_date_only[pos]))}); "
            "correct the Start or the End.",
        )
        for pos in bad.tolist()
    ]


def _ends_as_it_starts(items: _Items, pos: int) -> bool:
    """End equals Start as the cells read: a date-only End equal to Start is the end of the day
    before the Start, so it ends "before" it starts, as the two dates show."""
    return bool(items.end[pos] == items.start[pos]) and not bool(items.end_date_only[pos])


def _when_end(items: _Items, pos: int) -> str:
    date_only = bool(items.end_date_only[pos])
    end = int(items.end[pos]) - (_DAY_NS if date_only else 0)
    return _when(end, date_only=date_only)


# --- clashes -------------------------------------------------------------------------------


# An item that clashes with more items than this names the first few and counts the rest, so
# a pasted block of a thousand identical calls is a readable list, not a million issues.
PARTNERS_LISTED = 5


def overlapping_pairs(
    group: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    item: np.ndarray,
    *,
    listed: int | None = None,
) -> list[tuple[int, int, int]]:
    """Pairs of entries in the same group whose intervals overlap, each pair once, as
    (earlier item, later item, how many more earlier items the later one also overlaps).

    With ``listed``, a later item is paired with at most that many earlier ones and the last of
    its pairs counts the rest; otherwise every pair is returned and the count is 0. Sorts once,
    then finds the clusters of entries that overlap something earlier in their group (a
    running maximum of End); only those clusters are swept, keeping the entries still running
    in a heap, so the cost is O(n log n) plus the number of pairs returned.
    """
    n = len(group)
    if n < 2:
        return []
    order = np.lexsort((item, end, start, group))
    g, s, e, it = group[order], start[order], end[order], item[order]
    running_end = pd.Series(e).groupby(g).cummax().to_numpy()
    same_group = np.zeros(n, dtype=bool)
    same_group[1:] = g[1:] == g[:-1]
    overlaps_earlier = np.zeros(n, dtype=bool)
    overlaps_earlier[1:] = same_group[1:] & (s[1:] < running_end[:-1])
    if not overlaps_earlier.any():
        return []
    cluster = np.cumsum(~overlaps_earlier)
    involved = overlaps_earlier.copy()
    involved[:-1] |= overlaps_earlier[1:]
    pairs: list[tuple[int, int, int]] = []
    running: list[tuple[int, int]] = []
    current = -1
    s_list, e_list, it_list, c_list = s.tolist(), e.tolist(), it.tolist(), cluster.tolist()
    for k in np.flatnonzero(involved).tolist():
        if c_list[k] != current:
            current, running = c_list[k], []
        begins = s_list[k]
        while running and running[0][0] <= begins:
            heapq.heappop(running)
        shown = running if listed is None else running[:listed]  # any of them: all overlap
        more = len(running) - len(shown)
        pairs.extend((earlier, it_list[k], 0) for _, earlier in shown)
        if more:
            pairs[-1] = (pairs[-1][0], pairs[-1][1], more)
        heapq.heappush(running, (e_list[k], it_list[k]))
    return pairs


def _also(more: int, where: str) -> str:
    """The tail of a clash message when an item clashes with more items than are named."""
    if not more:
        return ""
    return f" It also clashes with {more:,} more item{'s' if more != 1 else ''} {where}."


def _space_conflicts(items: _Items) -> list[Issue]:
    spaces = items.column("Space")
    timed = np.flatnonzero(items.valid)
    keys = _keys(spaces[timed])
    where = timed[keys != ""]
    if len(where) < 2:
        return []
    group = pd.factorize(keys[keys != ""])[0]
    found = []
    clashes = overlapping_pairs(
        group, items.start[where], items.end[where], where, listed=PARTNERS_LISTED
    )
    for earlier, later, more in clashes:
        found.append(
            items.found(
                "schedule.space_conflict",
                later,
                "Space",
                spaces[later],
                f"{items.name(earlier)} and {items.name(later)} are both in "
                f"{str(spaces[later]).strip()} {_overlap(items, earlier, later)}; "
                f"move one of them.{_also(more, 'in that space')}",
            )
        )
    return found


def _overlap(items: _Items, earlier: int, later: int) -> str:
    """When two items overlap, as a person says it."""
    return _span(
        max(int(items.start[earlier]), int(items.start[later])),
        min(int(items.end[earlier]), int(items.end[later])),
    )


def _listed(lists: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A list column (tuples of names), one entry per name: its item's position and the name
    stripped; blank names are left out. Names repeat (the same crew on thousands of items),
    so each distinct name is cleaned once."""
    chosen = lists[positions].tolist()
    counts = np.fromiter((len(t) if t else 0 for t in chosen), np.int64, len(chosen))
    where = np.repeat(positions, counts)
    flat = np.empty(int(counts.sum()), dtype=object)
    flat[:] = list(chain.from_iterable(t for t in chosen if t))
    codes, distinct = pd.factorize(flat)
    stripped = np.array([str(v).strip() for v in distinct] + [""], dtype=object)
    names = stripped[codes]
    keep = names != ""
    return where[keep], names[keep]


def _people(
    items: _Items, positions: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """One entry per (item, person), each person once per item: the item's position, a
    number per person (matching ignoring case and spaces), the name as typed, and each
    person's key (``normalise`` of the name) by number. Timed items unless ``positions``."""
    chosen = np.flatnonzero(items.valid) if positions is None else positions
    where, names = _listed(items.column("People"), chosen)
    codes, distinct = pd.factorize(_keys(names))
    group = np.asarray(codes, dtype=np.int64)
    once = ~pd.Series(where * (int(group.max(initial=0)) + 1) + group).duplicated().to_numpy()
    return where[once], group[once], names[once].tolist(), [str(k) for k in distinct]


def _person_conflicts_and_turnaround(
    items: _Items, context: Context, tables: dict[str, Table]
) -> list[Issue]:
    """Both rules look at each person's items in start order, so they share one sort."""
    where, group, names, keys = _people(items)
    if len(where) < 2:
        return []
    start, end = items.start[where], items.end[where]

    clashes: dict[tuple[int, int], list[str]] = {}
    unnamed: dict[tuple[int, int], int] = {}
    entries = np.arange(len(where))
    for earlier, later, more in overlapping_pairs(
        group, start, end, entries, listed=PARTNERS_LISTED
    ):
        pair = (int(where[earlier]), int(where[later]))
        clashes.setdefault(pair, []).append(names[earlier])  # as the earlier item spells it
        unnamed[pair] = max(unnamed.get(pair, 0), more)
    found = [
        replace(
            items.found(
                "schedule.person_conflict",
                later,
                "People",
                items.cell_text("People", later),
                f"{_and(sorted(people))} {'is' if len(people) == 1 else 'are'} on both "
                f"{items.name(earlier)} and {items.name(later)} "
                f"{_overlap(items, earlier, later)}; move one of the items or call someone "
                f"else.{_also(unnamed[earlier, later], 'for the same people')}",
            ),
            people=tuple(people),  # for the Crew Report's count per person
        )
        for (earlier, later), people in clashes.items()
    ]
    found += _turnaround(items, context, where, group, names, own_rest(tables, context, keys))
    return found


def _turnaround(
    items: _Items,
    context: Context,
    where: np.ndarray,
    group: np.ndarray,
    names: list[str],
    own: np.ndarray,
) -> list[Issue]:
    """A person's rest is shorter than the production's minimum turnaround (people whose
    rule set has its own minimum rest are judged by crew.turnaround instead)."""
    minimum = int(context.min_turnaround / dt.timedelta(microseconds=1)) * 1000
    if minimum <= 0:
        return []
    per_person = np.where(own, 0, minimum).astype(np.int64)
    rests = short_rests(items, where, group, per_person[group])
    return [
        replace(
            items.found(
                "schedule.turnaround",
                later,
                "Start",
                items.cell_text("Start", later),
                f"{_and(sorted(names[k] for k in entries))} "
                f"{'has' if len(entries) == 1 else 'have'} only "
                f"{_duration(int(items.start[later]) - int(items.end[earlier]))} between "
                f"{items.name(earlier)} (ends {_when(int(items.end[earlier]))}) and "
                f"{items.name(later)} (starts {_when(int(items.start[later]))}); the minimum "
                f"turnaround is {_duration(minimum)}. Start {items.ids[later] or 'it'} later "
                "or call someone else.",
            ),
            people=tuple(names[k] for k in entries),
        )
        for (earlier, later), entries in rests.items()
    ]


def own_rest(tables: dict[str, Table], context: Context, keys: list[str]) -> np.ndarray:
    """For each person key, whether their rule set (from the Crew tab, or the default set)
    has its own minimum rest; only a Crew tab or a default set can say so."""
    from prodsheets.roster import read_roster  # the Crew tab, read once per tables

    rule_sets = context.rule_sets
    if not rule_sets.sets:
        return np.zeros(len(keys), dtype=bool)
    roster = read_roster(tables, context)
    return np.fromiter(
        ((roster.rules_for(key) or _NO_RULES).min_rest_hours is not None for key in keys),
        dtype=bool,
        count=len(keys),
    )


def short_rests(
    items: _Items, where: np.ndarray, group: np.ndarray, minimum: np.ndarray
) -> dict[tuple[int, int], list[int]]:
    """A person's rest between one item's End and their next item's Start is shorter than
    ``minimum`` (ns, per entry; 0 is not judged): (earlier item, later item) -> the entries
    (positions in ``where``) of the people concerned.

    "Their next item" is judged against the latest End among the person's earlier items, so a
    long call is not hidden behind a short one. A turnaround is the rest between one working
    day and the next, that is a rest that takes in some of the night (00:00 to 06:00): a lunch
    or dinner break between two calls is not one, nor is the half hour between a show ending
    at 23:30 and notes at midnight, while a night call ending at 02:00 followed by a 09:00
    start is, and so are notes ending at 02:00 followed by an 08:00 call. Only rests between
    an End and a Start that both carry a time of day are judged: a date-only End means the end
    of the day, and a whole-day item followed by one the next day is not a short turnaround.
    Overlapping or touching items are not a turnaround (overlapping ones are a
    person_conflict).
    """
    n = len(where)
    if n < 2 or not (minimum > 0).any():
        return {}
    order = np.lexsort((where, items.end[where], items.start[where], group))
    g, pos = group[order], where[order]
    s, e = items.start[pos], items.end[pos]
    running_end = pd.Series(e).groupby(g).cummax().to_numpy()
    # the latest-ending item so far in each person's list: groups are contiguous and the first
    # entry of each group always sets its maximum, so a plain running maximum of positions works
    setter = np.where(e == running_end, np.arange(n), -1)
    latest = np.maximum.accumulate(setter)
    same_group = np.zeros(n, dtype=bool)
    same_group[1:] = g[1:] == g[:-1]
    previous = np.full(n, -1, dtype=np.int64)
    previous[1:] = latest[:-1]
    gap = np.full(n, -1, dtype=np.int64)
    gap[1:] = s[1:] - running_end[:-1]
    short = same_group & (gap > 0) & (gap < minimum[order]) & ~items.start_date_only[pos]
    earlier = pos[previous[short]]
    rest_from = items.end[earlier]
    short[short] &= ~items.end_date_only[earlier] & (
        (rest_from % _DAY_NS < _NIGHT_ENDS) | (s[short] > (rest_from // _DAY_NS + 1) * _DAY_NS)
    )
    rests: dict[tuple[int, int], list[int]] = {}
    for k in np.flatnonzero(short).tolist():
        rests.setdefault((int(pos[previous[k]]), int(pos[k])), []).append(int(order[k]))
    return rests


def _and(names: Sequence[str]) -> str:
    """ "Ana, Ben and Cy": names as a sentence lists them."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --- dependencies --------------------------------------------------------------------------


def _dependencies(items: _Items) -> list[Issue]:
    """Unknown IDs, loops and order, along "item depends on predecessor" edges.

    IDs match exactly, else ignoring case and spaces. An item may depend on a cancelled one
    without an unknown-ID issue, but cancelled items take no part in loops or order.
    """
    active = items.active
    item, names = _listed(items.column("Depends On"), np.flatnonzero(active))
    if not len(names):
        return []
    predecessor = _positions_of(items, names)
    found = _unknown(items, item[predecessor < 0], names[predecessor < 0])

    known = (predecessor >= 0) & active[np.maximum(predecessor, 0)]
    item, predecessor = item[known], predecessor[known]
    pair = item * len(active) + predecessor
    first = np.sort(np.unique(pair, return_index=True)[1])  # each edge once, in sheet order
    item, predecessor = item[first], predecessor[first]

    start = items.start
    forward = (start[item] != _NAT) & (start[predecessor] != _NAT)
    forward &= start[predecessor] < start[item]
    in_loop = np.zeros(len(item), dtype=bool)
    if not forward.all():  # a loop needs at least one edge that does not go forward in time
        edges: dict[int, list[int]] = {}
        for node, successor in zip(item.tolist(), predecessor.tolist(), strict=True):
            edges.setdefault(node, []).append(successor)
        components = loops(edges)
        found += _cycles(items, components, edges)
        # an edge inside a loop is reported as the loop, not again as out of order
        member = {pos: k for k, component in enumerate(components) for pos in component}
        in_loop = np.fromiter(
            (
                a in member and member[a] == member.get(b)
                for a, b in zip(item.tolist(), predecessor.tolist(), strict=True)
            ),
            dtype=bool,
            count=len(item),
        )

    # only the item's Start matters (its End may be blank or a typo); a predecessor whose End
    # is not after its Start has no End to wait for (that is a schedule.end_before_start error)
    starts = (start != _NAT) & ~items.table.bad("Start")
    early = (item != predecessor) & ~in_loop & starts[item] & items.valid[predecessor]
    early &= start[item] < items.end[predecessor]
    found += [
        _order(items, pos, before)
        for pos, before in zip(item[early].tolist(), predecessor[early].tolist(), strict=True)
    ]
    return found


def _positions_of(items: _Items, names: np.ndarray) -> np.ndarray:
    """The position of the item each name is the ID of (-1 for none): an exact match first,
    then ignoring case and spaces; the first of duplicated IDs (an id.duplicate issue)."""
    exact: dict[str, int] = {}
    for pos, ident in enumerate(items.ids):
        if ident is not None:
            exact.setdefault(ident, pos)
    result = np.fromiter((exact.get(n, -1) for n in names.tolist()), np.int64, len(names))
    missing = np.flatnonzero(result < 0)
    if len(missing):
        loose: dict[str, int] = {}
        for ident, pos in exact.items():
            loose.setdefault(normalise(ident), pos)
        result[missing] = [loose.get(key, -1) for key in _keys(names[missing]).tolist()]
    return result


# Guessing what an unknown ID meant compares it with every ID (about 0.2 s against 100,000
# IDs): at most this many comparisons are spent on guesses, and never more than SUGGESTED
# guesses, so a pasted column of junk in a big schedule stays fast; the rest get no guess.
SUGGESTED = 20
_GUESS_BUDGET = 200_000


def _unknown(items: _Items, item: np.ndarray, names: np.ndarray) -> list[Issue]:
    by_item: dict[int, list[str]] = {}
    for pos, name in zip(item.tolist(), names.tolist(), strict=True):
        by_item.setdefault(pos, []).append(name)
    ids = {normalise(ident): ident for ident in reversed(items.ids) if ident is not None}
    guesses: dict[str, str | None] = {}
    guessable = min(SUGGESTED, _GUESS_BUDGET // max(len(ids), 1))
    suggest = Suggestions(ids)
    found = []
    for pos, unknown in by_item.items():
        for name in unknown:
            if name not in guesses:
                guesses[name] = suggest(normalise(name)) if len(guesses) < guessable else None
        hints = [f"'{guesses[name]}' for {name}" for name in unknown if guesses[name]]
        if hints:
            hint = f" Did you mean {_and(hints)}?" if len(unknown) > 1 else ""
            hint = hint or f" Did you mean '{guesses[unknown[0]]}'?"
        else:
            hint = ""
        several = len(unknown) > 1
        found.append(
            items.found(
                "schedule.dependency_unknown",
                pos,
                "Depends On",
                items.cell_text("Depends On", pos),
                f"{items.name(pos)} depends on {_and(unknown)}, which "
                f"{'are not IDs' if several else 'is not an ID'} in the Schedule tab; "
                f"correct {'them' if several else 'it'} or remove {'them' if several else 'it'}."
                f"{hint}",
            )
        )
    return found


def _order(items: _Items, pos: int, predecessor: int) -> Issue:
    begins = int(items.start[pos])
    return items.found(
        "schedule.dependency_order",
        pos,
        "Depends On",
        items.cell_text("Depends On", pos),
        f"{items.name(pos)} starts "
        f"{_when(begins, date_only=bool(items.start_date_only[pos]))}, before "
        f"{items.name(predecessor)} that it depends on ends "
        f"({_when_end(items, predecessor)}); move {items.ids[pos] or 'it'} later "
        f"or {items.ids[predecessor] or 'that item'} earlier.",
    )


def loops(edges: dict[int, list[int]]) -> list[list[int]]:
    """The groups of nodes that depend on each other in a loop (strongly connected components
    with more than one node, or a node that depends on itself), found without recursion so
    that a chain of 100,000 items cannot overflow the stack (Tarjan's algorithm)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    found: list[list[int]] = []
    for root in edges:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(edges.get(root, ())))]
        while work:
            node, successors = work[-1]
            descended = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(edges.get(successor, ()))))
                    descended = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if descended:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges.get(node, ()):
                    found.append(component)
    return found


def _cycles(items: _Items, components: list[list[int]], edges: dict[int, list[int]]) -> list[Issue]:
    found = []
    for component in components:
        members = sorted(component, key=lambda p: items.rows[p])
        first = members[0]
        path = _walk(first, set(members), edges)
        if path is not None:
            chain = " → ".join(items.ids[p] or f"row {items.rows[p]}" for p in [*path, first])
            shown = f" ({chain}: each waits for the next)"
        else:
            shown = ""
        if len(members) == 1:
            message = f"{items.name(first)} depends on itself; remove its own ID from Depends On."
        else:
            message = (
                f"{_and([items.name(p) for p in members])} depend on each other in a "
                f"loop{shown}, so none of them can start; remove one Depends On entry to "
                "break the loop."
            )
        found.append(
            items.found(
                "schedule.dependency_cycle",
                first,
                "Depends On",
                items.cell_text("Depends On", first),
                message,
            )
        )
    return found


def _walk(first: int, members: set[int], edges: dict[int, list[int]]) -> list[int] | None:
    """The loop in order when it is a simple one (each member waits for exactly one other)."""
    path = [first]
    node = first
    while True:
        inside = [p for p in edges.get(node, ()) if p in members]
        if len(inside) != 1:
            return None
        node = inside[0]
        if node == first:
            return path if len(path) == len(members) else None
        if node in path:
            return None
        path.append(node)


# --- overdue -------------------------------------------------------------------------------


def _overdue(items: _Items, context: Context) -> list[Issue]:
    due = _ns(items.table.frame["Due"])
    as_of = (
        int((dt.datetime.combine(context.as_of, dt.time()) - _EPOCH) / dt.timedelta(microseconds=1))
        * 1000
    )
    status = items.column("Status")
    late = items.active & (due != _NAT) & (due < as_of) & (status != "Done")
    late &= ~items.table.bad("Due")
    found = []
    for pos in np.flatnonzero(late).tolist():
        moment = _moment(int(due[pos]))
        found.append(
            items.found(
                "schedule.overdue",
                pos,
                "Due",
                moment.date().isoformat(),
                f"{items.name(pos)} was due {_day(moment)} {moment.year} and is not Done "
                f"(Status: {_text(status[pos]) or 'unreadable'}); set Status to Done when it is, "
                "or agree a new Due date.",
            )
        )
    return found
