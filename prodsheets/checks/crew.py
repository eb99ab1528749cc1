"""Crew checks: names the Crew tab does not know, people called when unavailable, and each
person's own working-time rules (rest, hours in a day, days in a row, meal breaks).

Nothing here runs without a Crew tab or a default rule set, so a workbook without them gets
exactly the issues it got before. ``crew.unknown`` waits until the Crew tab lists someone: a
freshly laid-out, empty Crew tab does not make every name in People unknown.

What counts (all on items that are not Cancelled and whose Start and End read):
- a *call* is an item naming the person in People whose Task holds no break word
  (``break_words``, "Lunch break", "Dinner"); a *break item* is one that does, and applies to
  the people it names, or to everyone when its People is blank;
- rest (``crew.turnaround``) is judged as ``schedule.turnaround`` judges it, with the
  person's own minimum;
- hours in a day (``crew.long_day``) add up a person's calls (overlaps once, breaks not at all)
  that start on that day; days in a row (``crew.consecutive_days``) count every day a call
  covers; a whole-day item (a date without a time) and a block of days ("Rehearsals, 1 Mar
  10:00 to 5 Mar 18:00", a day or longer) count as days worked, not as hours;
- a meal break is due within ``meal_break_after_hours`` of the start of a stretch of calls
  that follow each other without a gap; a break item the person is on resets it.

Each rule sorts each person's calls once (O(n log n)); only the flagged stretches are walked.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pandas as pd

from prodsheets.checks import Context
from prodsheets.checks.schedule import (
    _DAY_NS,
    _and,
    _day,
    _duration,
    _Items,
    _moment,
    _people,
    _span,
    _when,
    short_rests,
)
from prodsheets.checks.values import suggestion
from prodsheets.issues import RULES, Issue, show_value
from prodsheets.roster import Roster, read_roster
from prodsheets.rule_sets import RuleSet
from prodsheets.tables import Table
from prodsheets.template import normalise

_HOUR_NS = 3_600 * 10**9
_LISTED = 5  # items named in one message before "and N more"
# Guessing what an unknown name meant compares it with every name on the Crew tab: at most
# this many comparisons are spent on guesses, so a pasted column of strangers stays fast.
_GUESS_BUDGET = 400_000


def check(tables: dict[str, Table], context: Context) -> list[Issue]:
    """Every crew.* issue (none without a Crew tab or a default rule set)."""
    roster = read_roster(tables, context)
    found: list[Issue] = []
    crew = tables.get("Crew")
    if crew is not None and roster.present:
        found += _rule_set_unknown(crew, context)
    schedule = tables.get("Schedule")
    if schedule is None or not schedule.present or schedule.frame.empty:
        return found
    if not roster.listed and roster.default is None:
        return found
    items = _Items.of(schedule)
    where, group, names, keys = _people(items, np.flatnonzero(items.active))
    if not len(where):
        return found
    if roster.listed:
        found += _unknown(items, where, names, keys, roster, group)
        found += _unavailable(items, where, group, names, keys, roster, crew)
    rules = [roster.rules_for(key) for key in keys]
    if not any(r is not None for r in rules):
        return found
    work = _Work.of(items, where, group, names, rules, context)
    found += _turnaround(work)
    found += _long_days(work)
    found += _consecutive_days(work)
    found += _meal_breaks(work)
    return found


# What people type for someone not known yet: no name to look up.
_PLACEHOLDERS = frozenset({"tbc", "tbd", "tba", "n/a", "na", "?", "-", "—", "–", "crew", "all"})


def placeholder(key: str) -> bool:
    """A name that stands for someone still to be found ("TBC", "?"), not a misspelling."""
    return key.strip(".?!") in _PLACEHOLDERS or not key.strip("-—–?")


# --- the Crew tab itself -------------------------------------------------------------------


def _rule_set_unknown(crew: Table, context: Context) -> list[Issue]:
    names = crew.frame["Rule Set"].to_numpy(dtype=object)
    known = {normalise(name): name for name in context.rule_sets.names()}
    found = []
    for row, value in zip(crew.frame.index.tolist(), names.tolist(), strict=True):
        if not isinstance(value, str) or not value.strip():
            continue
        if context.rule_sets.find(value) is not None:
            continue
        guess = suggestion(normalise(value), known)
        listed = ", ".join(f"'{name}'" for name in known.values()) or "none yet"
        hint = f" Did you mean '{guess}'?" if guess else ""
        found.append(
            crew.issue(
                "crew.rule_set_unknown",
                "Rule Set",
                int(row),
                f"'{value.strip()}' is not a rule set (the rule sets are {listed}), so this "
                "person's own rules are not checked; correct it, or declare the set under "
                f"[rule_sets] in prodsheets.toml.{hint}",
            )
        )
    return found


# --- names ---------------------------------------------------------------------------------


def _unknown(
    items: _Items,
    where: np.ndarray,
    names: list[str],
    keys: list[str],
    roster: Roster,
    group: np.ndarray,
) -> list[Issue]:
    unknown_group = np.fromiter(
        (key not in roster.people and not placeholder(key) for key in keys), bool, len(keys)
    )
    flagged = np.flatnonzero(unknown_group[group])
    if not len(flagged):
        return []
    listed = {key: person.name for key, person in roster.people.items()}
    guessable = max(_GUESS_BUDGET // max(len(listed), 1), 0)
    guesses: dict[str, str | None] = {}
    by_item: dict[int, list[str]] = {}
    for entry in flagged.tolist():
        by_item.setdefault(int(where[entry]), []).append(names[entry])
    found = []
    for pos, unknown in by_item.items():
        hints = []
        for name in unknown:
            key = normalise(name)
            if key not in guesses:
                guesses[key] = suggestion(key, listed) if len(guesses) < guessable else None
            if guesses[key]:
                hints.append(f"'{guesses[key]}'" + (f" for {name}" if len(unknown) > 1 else ""))
        several = len(unknown) > 1
        hint = f" Did you mean {_and(hints)}?" if hints else ""
        found.append(
            _found(
                items,
                "crew.unknown",
                pos,
                "People",
                items.cell_text("People", pos),
                f"{_and(unknown)} on {items.name(pos)} "
                f"{'are' if several else 'is'} not in the Crew tab; add "
                f"{'them' if several else 'a row'} there or correct the spelling.{hint}",
                people=tuple(unknown),
            )
        )
    return found


def _unavailable(
    items: _Items,
    where: np.ndarray,
    group: np.ndarray,
    names: list[str],
    keys: list[str],
    roster: Roster,
    crew: Table | None,
) -> list[Issue]:
    """Calls that touch a day the person is unavailable: each person's days sorted once, each
    call looked up by binary search (an interval tree in two arrays)."""
    days: list[tuple[int, int, int]] = []
    for code, key in enumerate(keys):
        person = roster.people.get(key)
        if person is not None:
            days.extend((code, first, last) for first, last in person.unavailable)
    if not days or crew is None:
        return []
    timed = items.valid[where]
    entries = np.flatnonzero(timed)
    if not len(entries):
        return []
    table = np.array(days, dtype=np.int64)
    base = min(int(table[:, 1].min()), int(items.start[where[entries]].min()))
    top = max(int(table[:, 2].max()), int(items.end[where[entries]].max()))
    minute = 60 * 10**9
    span = (top - base) // minute + 2
    u_start = table[:, 0] * span + (table[:, 1] - base) // minute
    u_end = table[:, 0] * span + (table[:, 2] - base) // minute
    order = np.argsort(u_start, kind="stable")
    u_start, u_end = u_start[order], np.maximum.accumulate(u_end[order])
    pos = where[entries]
    e_start = group[entries] * span + (items.start[pos] - base) // minute
    e_end = group[entries] * span + -(-(items.end[pos] - base) // minute)
    at = np.searchsorted(u_start, e_end, side="left") - 1
    clash = (at >= 0) & (u_end[np.maximum(at, 0)] > e_start)
    by_item: dict[int, list[str]] = {}
    for entry in entries[clash].tolist():
        by_item.setdefault(int(where[entry]), []).append(names[entry])
    found = []
    for item, people in by_item.items():
        said = "; ".join(
            f"{name}: {_days_text(roster.people[normalise(name)].unavailable)}, "
            f"Crew row {roster.people[normalise(name)].row}"
            for name in people
        )
        found.append(
            _found(
                items,
                "crew.unavailable",
                item,
                "People",
                items.cell_text("People", item),
                f"{_and(people)} {'is' if len(people) == 1 else 'are'} called to "
                f"{items.name(item)} {_span(int(items.start[item]), int(items.end[item]))}"
                f" but unavailable then, as the Crew tab says ({said}); call someone else "
                "or move the item.",
                people=tuple(people),
            )
        )
    return found


def _days_text(days: Sequence[tuple[int, int]]) -> str:
    shown = [_span(first, last) for first, last in days[:3]]
    more = f" and {len(days) - 3} more" if len(days) > 3 else ""
    return ", ".join(s.removeprefix("on ") for s in shown) + more


# --- the calls each person works under their rule set --------------------------------------


class _Work:
    """Each (call, person) with a rule set, as arrays: the item's position, the person's
    number, name and rule set; the break items; and which of them carry times of day."""

    def __init__(
        self,
        items: _Items,
        entry_item: np.ndarray,
        entry_group: np.ndarray,
        names: list[str],
        rules: list[RuleSet | None],
        break_item: np.ndarray,
        entries: np.ndarray,
    ) -> None:
        self.items = items
        self.rules = rules
        self.names = names
        self.break_item = break_item
        self.item = entry_item[entries]
        self.group = entry_group[entries]
        self.entry_names = [names[k] for k in entries.tolist()]
        self.start = items.start[self.item]
        self.end = items.end[self.item]
        # hours are counted on calls with a time of day that last less than a day: a block
        # such as "Rehearsals, 1 Mar 10:00 to 5 Mar 18:00" is days worked, not 104 hours
        self.clock = (
            ~items.start_date_only[self.item]
            & ~items.end_date_only[self.item]
            & (self.end - self.start < _DAY_NS)
        )
        self.all_item = entry_item
        self.all_group = entry_group

    @classmethod
    def of(
        cls,
        items: _Items,
        where: np.ndarray,
        group: np.ndarray,
        names: list[str],
        rules: list[RuleSet | None],
        context: Context,
    ) -> _Work:
        break_item = _breaks(items, context.rule_sets.break_words)
        has_rules = np.fromiter((r is not None for r in rules), bool, len(rules))
        calls = np.flatnonzero(items.valid[where] & ~break_item[where] & has_rules[group])
        return cls(items, where, group, names, rules, break_item, calls)

    def limit(self, key: str, scale: int) -> np.ndarray:
        """Per call, the person's limit under ``key`` times ``scale`` (0 where none)."""
        per_person = np.array(
            [_value(rules, key, scale) for rules in self.rules], dtype=np.int64
        ).reshape(-1)
        return per_person[self.group] if len(self.group) else np.zeros(0, dtype=np.int64)

    def rules_of(self, entry: int) -> RuleSet:
        rules = self.rules[int(self.group[entry])]
        assert rules is not None  # only people with a rule set have calls here
        return rules


def _value(rules: RuleSet | None, key: str, scale: int) -> int:
    if rules is None:
        return 0
    value = getattr(rules, key)
    return 0 if value is None else int(Decimal(value) * scale)


def _breaks(items: _Items, words: Sequence[str]) -> np.ndarray:
    """Items whose Task holds a break word, matched as a whole word ignoring case."""
    if not words:
        return np.zeros(len(items.rows), dtype=bool)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.I)
    tasks = np.array([t or "" for t in items.tasks], dtype=object)
    codes, distinct = pd.factorize(tasks)
    hits = np.array([bool(pattern.search(str(t))) for t in distinct] + [False], dtype=bool)
    return np.asarray(hits[codes], dtype=bool)


def _found(
    items: _Items,
    rule: str,
    pos: int,
    column: str,
    value: str,
    message: str,
    people: tuple[str, ...],
) -> Issue:
    """``items.found`` with the people the issue is about (for the Crew Report), built in
    one step: a big schedule can have many of these."""
    table, row = items.table, items.rows[pos]
    return Issue(
        severity=RULES[rule].severity,
        rule=rule,
        tab=table.title,
        cell=table.cell(column, row),
        row=row,
        column=table.header(column),
        value=show_value(value),
        message=message,
        people=people,
    )


def _names(entries: Sequence[str]) -> str:
    return _and(sorted(set(entries)))


# --- rest ----------------------------------------------------------------------------------


def _turnaround(work: _Work) -> list[Issue]:
    minimum = work.limit("min_rest_hours", _HOUR_NS)
    if not (minimum > 0).any():
        return []
    items = work.items
    by_set: dict[tuple[int, int, RuleSet], list[str]] = {}
    for (earlier, later), entries in short_rests(items, work.item, work.group, minimum).items():
        for k in entries:
            by_set.setdefault((earlier, later, work.rules_of(k)), []).append(work.entry_names[k])
    return [
        _found(
            items,
            "crew.turnaround",
            later,
            "Start",
            items.cell_text("Start", later),
            f"{_names(people)} {_has(people)} only "
            f"{_duration(int(items.start[later]) - int(items.end[earlier]))} between "
            f"{items.name(earlier)} (ends {_when(int(items.end[earlier]))}) and "
            f"{items.name(later)} (starts {_when(int(items.start[later]))}); the "
            f"{rules.name} rule set asks for {_hours(rules.min_rest_hours)} of rest. Start "
            f"{items.ids[later] or 'it'} later or call someone else.",
            people=_who(people),
        )
        for (earlier, later, rules), people in by_set.items()
    ]


def _who(people: Sequence[str]) -> tuple[str, ...]:
    return tuple(sorted(set(people)))


def _has(people: Sequence[str]) -> str:
    return "has" if len(set(people)) == 1 else "have"


def _is(people: Sequence[str]) -> str:
    return "is" if len(set(people)) == 1 else "are"


def _hours(value: Decimal | None) -> str:
    if value is None:
        return "no minimum"
    return _duration(int(value * _HOUR_NS))


# --- hours in a day ------------------------------------------------------------------------


def _blocks(
    group: np.ndarray, start: np.ndarray, end: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each person's calls sorted and joined where they overlap or touch: the sort order, the
    block of each sorted call, each block's first sorted call, and each block's start and
    end."""
    order = np.lexsort((end, start, group))
    g, s, e = group[order], start[order], end[order]
    running = pd.Series(e).groupby(g).cummax().to_numpy()
    new = np.ones(len(order), dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | (s[1:] > running[:-1])
    block = np.cumsum(new) - 1
    block_start = s[new]
    block_end = pd.Series(e).groupby(block).max().to_numpy()
    return order, block, np.flatnonzero(new), block_start, block_end


def _long_days(work: _Work) -> list[Issue]:
    limit = work.limit("max_hours_per_day", _HOUR_NS)
    chosen = np.flatnonzero((limit > 0) & work.clock)
    if not len(chosen):
        return []
    group, start, end = work.group[chosen], work.start[chosen], work.end[chosen]
    order, _, first_of_block, block_start, block_end = _blocks(group, start, end)
    days = pd.DataFrame(
        {
            "g": group[order][first_of_block],
            "day": block_start // _DAY_NS,
            "hours": block_end - block_start,
            "limit": limit[chosen][order][first_of_block],
            "start": block_start,
            "stop": block_end,
        }
    )
    per_day = days.groupby(["g", "day"], sort=False).agg(
        hours=("hours", "sum"), limit=("limit", "first")
    )
    over = per_day[per_day["hours"] > per_day["limit"]]
    if over.empty:
        return []
    over = _less_breaks(work, over, days)
    if over.empty:
        return []
    calls = pd.DataFrame(
        {"g": group[order], "day": start[order] // _DAY_NS, "k": chosen[order], "end": end[order]}
    ).merge(over.reset_index()[["g", "day", "hours"]], on=["g", "day"])
    found: dict[tuple[int, int, int, RuleSet], list[str]] = {}
    listed: dict[tuple[int, int, int, RuleSet], list[int]] = {}
    calls = calls.sort_values(["g", "day", "end"], kind="stable")
    g, days_of = calls["g"].to_numpy(), calls["day"].to_numpy()
    ks, totals = calls["k"].to_numpy(), calls["hours"].to_numpy()
    bounds = np.flatnonzero(np.r_[True, (g[1:] != g[:-1]) | (days_of[1:] != days_of[:-1]), True])
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        last = int(ks[b - 1])  # the call that ends the day
        key = (int(work.item[last]), int(totals[a]), int(days_of[a]), work.rules_of(last))
        found.setdefault(key, []).append(work.entry_names[last])
        listed[key] = sorted({int(work.item[k]) for k in ks[a:b].tolist()})
    items = work.items
    issues = []
    for key, people in found.items():
        item, total, day, rules = key
        named = [items.name(p) for p in listed[key]]
        shown = ", ".join(named[:_LISTED]) + (
            f" and {len(named) - _LISTED} more" if len(named) > _LISTED else ""
        )
        issues.append(
            _found(
                items,
                "crew.long_day",
                item,
                "End",
                items.cell_text("End", item),
                f"{_names(people)} {_is(people)} called for {_duration(total)} on "
                f"{_day(_moment(day * _DAY_NS))} ({shown}); the {rules.name} rule set "
                f"allows {_hours(rules.max_hours_per_day)} a day. End "
                f"{items.ids[item] or 'the last call'} sooner or share the work with "
                "someone else.",
                people=_who(people),
            )
        )
    return issues


def _less_breaks(work: _Work, over: pd.DataFrame, days: pd.DataFrame) -> pd.DataFrame:
    """The days still over their limit once the person's break items inside their calls are
    taken off (only the days over without that are looked at: few)."""
    person_breaks, everyone = _break_times(work)
    net: list[int] = []
    starts = days["start"].to_numpy()
    ends = days["stop"].to_numpy()
    grouped = days.groupby(["g", "day"], sort=False).indices
    for g, day in over.index.tolist():
        total = 0
        own = person_breaks.get(int(g))
        for b in np.asarray(grouped[(g, day)]).tolist():
            s0, e0 = int(starts[b]), int(ends[b])
            breaks = sorted(
                [*(own.overlapping(s0, e0) if own else []), *everyone.overlapping(s0, e0)]
            )
            covered, cursor = 0, s0
            for b_start, b_end in breaks:
                lo, hi = max(b_start, cursor), min(b_end, e0)
                if hi > lo:
                    covered += hi - lo
                    cursor = hi
            total += e0 - s0 - covered
        net.append(total)
    over = over.copy()
    over["hours"] = net
    return over[over["hours"] > over["limit"]]


# --- days in a row -------------------------------------------------------------------------


def _consecutive_days(work: _Work) -> list[Issue]:
    limit = work.limit("max_consecutive_days", 1)
    chosen = np.flatnonzero(limit > 0)
    if not len(chosen):
        return []
    group = work.group[chosen]
    first = work.start[chosen] // _DAY_NS
    last = (work.end[chosen] - 1) // _DAY_NS
    order = np.lexsort((last, first, group))
    g, f, la = group[order], first[order], last[order]
    running = pd.Series(la).groupby(g).cummax().to_numpy()
    new = np.ones(len(order), dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | (f[1:] > running[:-1] + 1)
    run = np.cumsum(new) - 1
    run_first = f[new]
    run_last = pd.Series(la).groupby(run).max().to_numpy()
    allowed = limit[chosen][order][new]
    long_runs = np.flatnonzero(run_last - run_first + 1 > allowed)
    if not len(long_runs):
        return []
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:], len(order)]
    found: dict[tuple[int, int, int, RuleSet], list[str]] = {}
    for r in long_runs.tolist():
        beyond = run_first[r] + allowed[r]  # the first day past the limit
        part = np.arange(starts[r], ends[r])
        first_past = part[la[part] >= beyond][0]
        entry = int(chosen[order[first_past]])
        item = int(work.item[entry])
        key = (item, int(run_first[r]), int(run_last[r]), work.rules_of(entry))
        found.setdefault(key, []).append(work.entry_names[entry])
    items = work.items
    issues = []
    for (item, run_start, run_end, rules), people in found.items():
        days = run_end - run_start + 1
        issues.append(
            _found(
                items,
                "crew.consecutive_days",
                item,
                "Start",
                items.cell_text("Start", item),
                f"{_names(people)} {_is(people)} called {days} days in a row "
                f"({_span(run_start * _DAY_NS, (run_end + 1) * _DAY_NS)}); the "
                f"{rules.name} rule set allows {rules.max_consecutive_days}, and "
                f"{items.name(item)} is past it. Give a day off before it or call someone "
                "else.",
                people=_who(people),
            )
        )
    return issues


# --- meal breaks ---------------------------------------------------------------------------


def _meal_breaks(work: _Work) -> list[Issue]:
    limit = work.limit("meal_break_after_hours", _HOUR_NS)
    chosen = np.flatnonzero((limit > 0) & work.clock)
    if not len(chosen):
        return []
    group, start, end = work.group[chosen], work.start[chosen], work.end[chosen]
    order, block, first_of_block, block_start, block_end = _blocks(group, start, end)
    block_limit = limit[chosen][order][first_of_block]
    block_group = group[order][first_of_block]
    candidates = np.flatnonzero(block_end - block_start > block_limit)
    if not len(candidates):
        return []
    person_breaks, everyone = _break_times(work)
    # most long stretches have no break at all: the break is due at their start
    some_break = everyone.any_overlap(block_start[candidates], block_end[candidates])
    some_break |= _any_own_break(
        person_breaks, block_group[candidates], block_start[candidates], block_end[candidates]
    )
    due = block_start[candidates].copy()
    late = np.zeros(len(candidates), dtype=bool)
    for k in np.flatnonzero(some_break).tolist():
        b = int(candidates[k])
        limit_ns = int(block_limit[b])
        s0, e0 = int(block_start[b]), int(block_end[b])
        own = person_breaks.get(int(block_group[b]))
        breaks = sorted([*(own.overlapping(s0, e0) if own else []), *everyone.overlapping(s0, e0)])
        cursor, when = s0, None
        for b_start, b_end in breaks:
            if b_start - cursor > limit_ns:
                when = cursor
                break
            cursor = max(cursor, b_end)
        if when is None and e0 - cursor > limit_ns:
            when = cursor
        if when is None:
            late[k] = True  # the breaks come in time: nothing to say
        else:
            due[k] = when
    candidates, due = candidates[~late], due[~late]
    # the call running when the break falls due, found by one binary search over the calls
    # keyed by (stretch, minutes into it)
    minute, room = 60 * 10**9, 2**26
    into = np.minimum((start[order] - block_start[block]) // minute, room - 1)
    keys = block * room + into
    moment = np.minimum(
        (due + block_limit[candidates] - block_start[candidates]) // minute, room - 1
    )
    at = np.searchsorted(keys, candidates * room + moment, side="right") - 1
    found: dict[tuple[int, int, RuleSet], list[str]] = {}
    for entry, when in zip(chosen[order[at]].tolist(), due.tolist(), strict=True):
        item = int(work.item[entry])
        found.setdefault((item, when, work.rules_of(entry)), []).append(work.entry_names[entry])
    items = work.items
    issues = []
    for (item, from_ns, rules), people in found.items():
        limit_ns = _value(rules, "meal_break_after_hours", _HOUR_NS)
        by = _moment(from_ns + limit_ns)
        issues.append(
            _found(
                items,
                "crew.meal_break",
                item,
                "Start",
                items.cell_text("Start", item),
                f"{_names(people)} {'works' if len(set(people)) == 1 else 'work'} from "
                f"{_when(from_ns)} with no break by {by:%H:%M} on {items.name(item)}; the "
                f"{rules.name} rule set asks for a meal break within "
                f"{_duration(limit_ns)}. Add a break item (Task 'Meal break', People "
                f"{_names(people)}) that starts by {_when(from_ns + limit_ns)}.",
                people=_who(people),
            )
        )
    return issues


class _Times:
    """Intervals sorted by start, with the running latest end, so that those overlapping a
    stretch are found by two binary searches."""

    def __init__(self, times: list[tuple[int, int]]) -> None:
        times.sort()
        self.times = times
        self.starts = [t[0] for t in times]
        latest, self.reach = -(2**63), []
        for _, ends in times:
            latest = max(latest, ends)
            self.reach.append(latest)

    def any_overlap(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """For each stretch, whether some interval overlaps it: the first interval whose
        running end passes the stretch's start must also start before its end."""
        if not self.times:
            return np.zeros(len(start), dtype=bool)
        lo = np.searchsorted(np.asarray(self.reach), start, side="right")
        hi = np.searchsorted(np.asarray(self.starts), end, side="left")
        return np.asarray(lo < hi, dtype=bool)

    def overlapping(self, start: int, end: int) -> list[tuple[int, int]]:
        hi = bisect.bisect_left(self.starts, end)
        lo = bisect.bisect_right(self.reach, start, hi=hi)
        return [t for t in self.times[lo:hi] if t[1] > start]


def _any_own_break(
    breaks: dict[int, _Times], group: np.ndarray, start: np.ndarray, end: np.ndarray
) -> np.ndarray:
    """For each stretch, whether a break item naming its person overlaps it."""
    found = np.zeros(len(group), dtype=bool)
    if not breaks:
        return found
    order = np.argsort(group, kind="stable")
    bounds = np.flatnonzero(np.r_[True, group[order][1:] != group[order][:-1], True])
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        part = order[a:b]
        times = breaks.get(int(group[part[0]]))
        if times is not None:
            found[part] = times.any_overlap(start[part], end[part])
    return found


def _break_times(work: _Work) -> tuple[dict[int, _Times], _Times]:
    """The break items by person number, and those that name nobody (everyone's)."""
    items = work.items
    breaks = work.break_item & items.valid
    person: dict[int, list[tuple[int, int]]] = {}
    on_break = breaks[work.all_item]
    for pos, g in zip(
        work.all_item[on_break].tolist(), work.all_group[on_break].tolist(), strict=True
    ):
        person.setdefault(int(g), []).append((int(items.start[pos]), int(items.end[pos])))
    named = np.zeros(len(breaks), dtype=bool)
    named[work.all_item] = True
    everyone = [
        (int(items.start[p]), int(items.end[p])) for p in np.flatnonzero(breaks & ~named).tolist()
    ]
    return {g: _Times(times) for g, times in person.items()}, _Times(everyone)
