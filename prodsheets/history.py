"""The change log kept in the owned, hidden History tab: what changed since a sync.

A cost report is read against the last one ("EFC on Scenic up $2,360 since Monday"), so every
sync records what it saw, as changes only: one row per changed field of a budget line (by
Code), a schedule item (by ID) or an open issue (by its identity: rule, tab, key, column; never
its row), after one marker row per sync. Replaying the rows up to a sync gives what that sync
saw; comparing that with the workbook now gives the movement and the changes digest.

Pure functions only: the pipeline reads the tab and hands its rows here, ``summary`` builds the
tabs, the backend writes them. Every value is stored as text that reads back exactly on every
backend: money as a decimal string ("1234.50"), dates and times in ISO 8601.

For other features (calendar feeds, notifications) the plain data is:
  - ``Digest`` (``LineChange``, ``ItemChange``, ``IssueChange``), from ``compare``;
  - ``revisions(log, now)``: per schedule item ID, a number that grows each sync the item
    changed (an iCalendar SEQUENCE).
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar, cast

import numpy as np
import pandas as pd

from prodsheets.backends.base import RawCell
from prodsheets.figures import NO_CATEGORY, TOTAL, Figures, cents_text
from prodsheets.issues import Issue, issue
from prodsheets.tables import Table
from prodsheets.template import normalise

HISTORY = "History"
COLUMNS = ("Synced At", "As Of", "Tab", "Key", "Field", "Old", "New")
SYNC, BASELINE = "(sync)", "(baseline)"  # the Tab of a marker row; a baseline is folded syncs
ADDED, REMOVED = "(added)", "(removed)"  # the Field of a row adding or removing a whole record
PARTIAL = "partial"  # the New of a marker whose sync left records for the next syncs
BUDGET, SCHEDULE, ISSUES = "Budget", "Schedule", "Issues"
# What is tracked per record. EFC is money; Start, End and Due are dates or date-times.
TRACKED: dict[str, tuple[str, ...]] = {
    BUDGET: ("Department", "Category", "Description", "EFC"),
    SCHEDULE: ("Task", "Department", "Space", "People", "Start", "End", "Due", "Status"),
    ISSUES: ("Severity",),
}
# The column that names a row of each source tab, for an issue's identity.
KEY_COLUMNS = {
    "Budget": "Code",
    "Schedule": "ID",
    "Departments": "Department",
    "Vendors": "Vendor",
    "Crew": "Name",
    "Equipment": "Item",
}
# Kept inside an (added) row of a baseline, so that folding loses neither.
_REVISION, _SINCE = "_revision", "_since"
DEFAULT_MAX_ROWS = 250_000
LARGEST = 3  # movements the Summary names

_MONEY_TEXT = re.compile(r"-?\d+\.\d\d")
_DATE_TEXT = re.compile(r"\d{4}-\d\d-\d\d")
_MOMENT_TEXT = re.compile(r"\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d)?)?")
_SEVERITIES = ("error", "warning")

Record = dict[str, str]  # field -> value as text (blank fields left out)
State = dict[str, dict[str, Record]]  # tab -> key -> record


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _in_one_go(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run without pauses of the cyclic garbage collector: the log is hundreds of thousands
    of small acyclic dicts, and a full collection every so many of them made would cost more
    than the work itself (reference counting still frees everything)."""

    @functools.wraps(function)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if not gc.isenabled():
            return function(*args, **kwargs)
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            gc.enable()

    return run


# --- the log -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sync:
    """One sync the log remembers (or the baseline that older syncs were folded into)."""

    synced_at: dt.datetime
    as_of: dt.date
    baseline: bool = False
    # Some records were not written yet (a workbook too large for one write on this
    # backend): they are recorded at the next syncs, and until then count as unknown.
    partial: bool = False


@dataclass(frozen=True)
class Change:
    """One row of the log: a field of a record, or a whole record added or removed."""

    tab: str
    key: str
    field: str
    old: str
    new: str

    def added(self) -> dict[str, str]:
        """The record an (added) row holds, parsed once."""
        found = _PARSED.get(self.new)
        if found is None:
            found = json.loads(self.new)
            if len(_PARSED) > 1_000_000:
                _PARSED.clear()
            _PARSED[self.new] = found
        return dict(found)


_PARSED: dict[str, dict[str, str]] = {}  # (added) text -> its record, as read last


@dataclass
class Log:
    """The History tab, parsed: the syncs in order, each with the changes it recorded.

    Rows that do not parse or do not follow from the rows before them are left out and
    reported in ``damaged`` (``history.damaged``)."""

    syncs: list[Sync] = field(default_factory=list)
    changes: list[list[Change]] = field(default_factory=list)
    damaged: list[Issue] = field(default_factory=list)
    exact: bool = False  # the tab holds just what ``log_rows`` writes: it can be appended to
    # what the last sync saw, kept by ``read_log`` (which replayed it anyway); never mutated
    final: Recorded | None = field(default=None, compare=False, repr=False)

    @property
    def rows(self) -> int:
        return sum(1 + len(changes) for changes in self.changes)


@dataclass
class Recorded:
    """What a sync saw, by replaying the log up to it; plus per record the as-of date it
    (last) appeared and, for schedule items, their revision."""

    state: State = field(default_factory=lambda: {tab: {} for tab in TRACKED})
    since: dict[tuple[str, str], dt.date] = field(default_factory=dict)
    revision: dict[str, int] = field(default_factory=dict)
    partial: bool = False  # the last sync applied left records unrecorded

    def apply(self, sync: Sync, changes: Sequence[Change]) -> None:
        self.partial = sync.partial
        touched: set[str] = set()
        for change in changes:
            records = self.state[change.tab]
            if change.field == ADDED:
                record = change.added()
                since = record.pop(_SINCE, None)
                revision = record.pop(_REVISION, None)
                records[change.key] = record
                self.since[(change.tab, change.key)] = (
                    dt.date.fromisoformat(since) if since else sync.as_of
                )
                if change.tab == SCHEDULE:
                    if revision is not None:
                        self.revision[change.key] = int(revision)
                    elif change.key in self.revision:
                        touched.add(change.key)  # an item that comes back keeps counting
                    else:
                        self.revision[change.key] = 0
                continue
            if change.field == REMOVED:
                records.pop(change.key, None)
            elif change.new:
                records[change.key][change.field] = change.new
            else:
                records[change.key].pop(change.field, None)
            if change.tab == SCHEDULE:
                touched.add(change.key)
        for key in touched:
            self.revision[key] = self.revision.get(key, -1) + 1


@_in_one_go
def read_log(rows: Sequence[Sequence[RawCell]], *, title: str = HISTORY) -> Log:
    """Parse the History tab's rows (row 0 its header). A row that is not one prodsheets
    wrote, or does not follow from the rows before it, is skipped and reported."""
    log = Log()
    replay = Recorded()
    current: list[Change] | None = None
    pending = _Pending()
    start = 1 if rows and _texts(rows[0])[: len(COLUMNS)] == list(COLUMNS) else 0
    if rows and start == 0:
        log.damaged.append(_damaged(title, 1, "its header row is not the one prodsheets wrote"))
        start = 1
    # whether every row reads as ``log_rows`` writes it (``Log.exact``), checked as it goes:
    # a parsed row is, when it is 7 cells at most and its times are written the canonical way
    exact = True
    canonical = ("", "")  # the current sync's Synced At and As Of as log_rows writes them
    width = len(COLUMNS)
    for n in range(start, len(rows)):
        number = n + 1  # the row number the sheet shows
        raw = rows[n]
        if all(v is None or v == "" for v in raw):
            exact = False  # log_rows writes no blank row
            continue
        problem, parsed = _parse_row(raw)
        if problem:
            log.damaged.append(_damaged(title, number, problem, raw))
            continue
        synced_at, as_of, tab, change, partial = parsed
        if change is None:
            canonical = (synced_at.isoformat(timespec="seconds"), as_of.isoformat())
        if exact and (len(raw) > width or (raw[0], raw[1]) != canonical):
            exact = False
        if change is None:  # a marker
            if current is not None:  # the sync before it is complete
                replay.apply(log.syncs[-1], current)
                current = None
            if log.syncs and synced_at < log.syncs[-1].synced_at:
                log.damaged.append(
                    _damaged(title, number, "this sync is dated before the one above it", raw)
                )
                continue
            if tab == BASELINE and log.syncs:
                log.damaged.append(_damaged(title, number, "a baseline must come first", raw))
                continue
            pending = _Pending()
            sync = Sync(synced_at, as_of, baseline=tab == BASELINE, partial=partial)
            log.syncs.append(sync)
            current = []
            log.changes.append(current)
            continue
        if current is None:
            log.damaged.append(_damaged(title, number, "it belongs to no sync marker", raw))
            continue
        sync = log.syncs[-1]
        if (synced_at, as_of) != (sync.synced_at, sync.as_of):
            log.damaged.append(
                _damaged(title, number, "its sync time differs from its sync marker", raw)
            )
            continue
        problem = _follows(replay, pending, change)
        if problem:
            log.damaged.append(_damaged(title, number, problem, raw))
            continue
        pending.add(replay, change)
        current.append(change)
    if current is not None:
        replay.apply(log.syncs[-1], current)
    if log.syncs:
        log.final = replay
    log.exact = exact and not log.damaged
    return log


def appendable(old: Log, new: Log) -> int:
    """How many of ``new``'s rows the History tab holds already, exactly so (0: rewrite it)."""
    if not old.exact or len(new.syncs) != len(old.syncs) + 1:
        return 0
    if old.syncs and new.syncs[0] != old.syncs[0]:
        return 0
    return old.rows


def _texts(row: Sequence[RawCell]) -> list[str]:
    return ["" if v is None else str(v) for v in row]


def _parse_row(
    raw: Sequence[RawCell],
) -> tuple[str, tuple[dt.datetime, dt.date, str, Change | None, bool]]:
    """("", parsed) or (why it does not parse, ...). Called for every row of a long log, so
    the common case (seven text cells) is checked with C-level set operations."""
    nothing = _NOTHING
    width = len(COLUMNS)
    if len(raw) > width and any(v not in (None, "") for v in raw[width:]):
        return "it has cells past the New column", nothing
    cells: list[str]
    if set(map(type, raw[:width])) <= _TEXT_TYPE:  # every cell text: the common case
        cells = cast("list[str]", list(raw[:width]))
    else:
        cells = []
        for v in raw[:width]:
            if isinstance(v, str):
                cells.append(v)
            elif v is None:
                cells.append("")
            else:
                return "a cell holds a number or date where prodsheets wrote text", nothing
    if len(cells) < width:
        cells += [""] * (width - len(cells))
    synced, as_of_text, tab, key, name, old, new = cells
    moment = _moment(synced, as_of_text)
    if moment is None:
        return "its Synced At or As Of is not an ISO date", nothing
    synced_at, as_of = moment
    if tab in (SYNC, BASELINE):
        if key or name or old or new not in ("", PARTIAL):
            return "a sync marker has nothing in Key, Field or Old", nothing
        return "", (synced_at, as_of, tab, None, new == PARTIAL)
    fields = TRACKED.get(tab)
    if fields is None:
        return f"its Tab {tab!r} is not one the history tracks", nothing
    if not key:
        return "its Key is blank", nothing
    if name == ADDED:
        if old:
            return "a record added has no Old value", nothing
        try:
            record = json.loads(new)
        except ValueError:
            return "its New value is not the record prodsheets wrote", nothing
        if (
            not isinstance(record, dict)
            or not record.keys() <= _ALLOWED[tab]
            or not set(map(type, record.values())) <= _TEXT_TYPE
            or not all(_valid(k, record[k]) for k in _CHECKED.intersection(record))
        ):
            return "its New value is not the record prodsheets wrote", nothing
        _PARSED[new] = record
    elif name == REMOVED:
        if new:
            return "a record removed has no New value", nothing
    elif name in fields:
        if old == new:
            return "its Old and New are the same", nothing
        if not (_valid(name, old) and _valid(name, new)):
            return f"its {name} value is not one prodsheets writes", nothing
    else:
        return f"its Field {name!r} is not one the history tracks for {tab}", nothing
    return "", (synced_at, as_of, tab, Change(tab, key, name, old, new), False)


_NOTHING: tuple[dt.datetime, dt.date, str, Change | None, bool] = (
    dt.datetime.min,
    dt.date.min,
    "",
    None,
    False,
)
_TEXT_TYPE = frozenset({str})
_ALLOWED = {tab: frozenset(fields) | {_REVISION, _SINCE} for tab, fields in TRACKED.items()}
_CHECKED = frozenset({"EFC", "Start", "End", "Due", "Severity", _REVISION, _SINCE})


@functools.lru_cache(maxsize=4096)
def _moment(synced: str, as_of: str) -> tuple[dt.datetime, dt.date] | None:
    """Synced At and As Of, parsed (once per sync: every row of a sync repeats them)."""
    if not _DATE_TEXT.fullmatch(as_of):
        return None
    try:
        return dt.datetime.fromisoformat(synced), dt.date.fromisoformat(as_of)
    except ValueError:
        return None


def _valid(name: str, value: str) -> bool:
    if not value:
        return True
    if name == "EFC":
        return bool(_MONEY_TEXT.fullmatch(value))
    if name in ("Start", "End"):
        return bool(_MOMENT_TEXT.fullmatch(value)) and _iso(value)
    if name in ("Due", _SINCE):
        return bool(_DATE_TEXT.fullmatch(value)) and _iso(value)
    if name == "Severity":
        return value in _SEVERITIES
    if name == _REVISION:
        return value.isdigit()
    return True


def _iso(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


@dataclass
class _Pending:
    """One sync's changes so far, over what the replay recorded before it: each record as
    those changes leave it, and which fields they changed."""

    records: dict[tuple[str, str], Record | None] = field(default_factory=dict)
    fields: set[tuple[str, str, str]] = field(default_factory=set)

    def record(self, replay: Recorded, tab: str, key: str) -> Record | None:
        if (tab, key) in self.records:
            return self.records[(tab, key)]
        return replay.state[tab].get(key)

    def add(self, replay: Recorded, change: Change) -> None:
        where = (change.tab, change.key)
        if change.field == ADDED:
            found = _PARSED.get(change.new) or change.added()
            if _SINCE in found or _REVISION in found:
                found = {k: v for k, v in found.items() if not k.startswith("_")}
            self.records[where] = found  # only read, never changed in place
        elif change.field == REMOVED:
            self.records[where] = None
        else:
            record = dict(self.record(replay, change.tab, change.key) or {})
            if change.new:
                record[change.field] = change.new
            else:
                record.pop(change.field, None)
            self.records[where] = record
            self.fields.add((change.tab, change.key, change.field))


def _follows(replay: Recorded, pending: _Pending, change: Change) -> str:
    """Why ``change`` cannot follow what the log recorded before it ("" when it can)."""
    record = pending.record(replay, change.tab, change.key)
    if change.field == ADDED:
        return "it adds a record the history already has" if record is not None else ""
    if record is None:
        return "it changes a record the history does not have"
    if change.field == REMOVED:
        return ""
    if (change.tab, change.key, change.field) in pending.fields:
        return "it changes the same field twice in one sync"
    if record.get(change.field, "") != change.old:
        return "its Old value is not what the history recorded before it"
    return ""


def _damaged(title: str, row: int, why: str, raw: Sequence[RawCell] = ()) -> Issue:
    return issue(
        "history.damaged",
        f"Row {row} of the {title} tab is not as prodsheets wrote it ({why}), so it is left "
        "out of the history and dropped at the next sync. Undo the edit, or delete the "
        f"{title} tab to start the history afresh.",
        tab=title,
        cell=f"A{row}",
        row=row,
        column=COLUMNS[0],
        value=" | ".join(_texts(raw)),
    )


def replay(log: Log, upto: int | None = None) -> Recorded:
    """What the log says sync ``upto`` saw (default: the last one)."""
    last = len(log.syncs) - 1 if upto is None else upto
    if last == len(log.syncs) - 1 and log.final is not None:
        return log.final
    recorded = Recorded()
    for n in range(last + 1):
        recorded.apply(log.syncs[n], log.changes[n])
    return recorded


def baseline_index(log: Log, *, as_of: dt.date, since: dt.date | None = None) -> int | None:
    """The sync to compare against: with ``since``, the last whose As Of is on or before it
    (None when there is none); else the previous sync, the last one dated before ``as_of``
    (so that syncing twice in a day still compares with the day before), else the first."""
    if since is not None:
        found = [n for n, sync in enumerate(log.syncs) if sync.as_of <= since]
        return found[-1] if found else None
    if not log.syncs:
        return None
    before = [n for n, sync in enumerate(log.syncs) if sync.as_of < as_of]
    return before[-1] if before else 0


# --- what the workbook holds now -----------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """The tracked records as the workbook holds them now. ``unknown`` keys are in the
    workbook but cannot be trusted now (a key that appears twice, a cell that cannot be
    read): they keep what the history recorded and are left out of movement."""

    state: State
    unknown: dict[str, set[str]]


@_in_one_go
def snapshot(tables: Mapping[str, Table], figures: Figures, issues: Iterable[Issue]) -> Snapshot:
    """Budget lines by Code, schedule items by ID, open issues by identity."""
    state: State = {tab: {} for tab in TRACKED}
    unknown: dict[str, set[str]] = {tab: set() for tab in TRACKED}
    budget = tables.get("Budget")
    if budget is not None and budget.present:
        codes = _keys_of(budget, "Code")
        counted = figures.lines
        efc = dict(zip(counted.index.tolist(), counted["EFC"].tolist(), strict=True))
        departments = dict(zip(counted.index.tolist(), counted["Department"].tolist(), strict=True))
        categories = dict(zip(counted.index.tolist(), counted["Category"].tolist(), strict=True))
        descriptions = dict(
            zip(counted.index.tolist(), counted["Description"].tolist(), strict=True)
        )
        seen = _repeated(codes)
        for row, code in zip(budget.frame.index.tolist(), codes, strict=True):
            if not code:
                continue
            if code in seen or row not in efc:
                unknown[BUDGET].add(code)
                continue
            state[BUDGET][code] = _clean(
                {
                    "Department": _str(departments[row]),
                    "Category": _str(categories[row]),
                    "Description": _str(descriptions[row]),
                    "EFC": cents_text(int(efc[row])),
                }
            )
        for code in seen:
            state[BUDGET].pop(code, None)
    schedule = tables.get("Schedule")
    if schedule is not None and schedule.present:
        ids = _keys_of(schedule, "ID")
        seen = _repeated(ids)
        frame = schedule.frame
        bad = np.zeros(len(frame), dtype=bool)
        for column in TRACKED[SCHEDULE]:
            bad |= schedule.bad(column)
        columns = {c: frame[c].to_numpy(dtype=object) for c in TRACKED[SCHEDULE]}
        moments = {c: _moments(schedule, c) for c in ("Start", "End", "Due")}
        for pos, key in enumerate(ids):
            if not key:
                continue
            if key in seen or bad[pos]:
                unknown[SCHEDULE].add(key)
                continue
            people = columns["People"][pos]
            state[SCHEDULE][key] = _clean(
                {
                    "Task": _str(columns["Task"][pos]),
                    "Department": _str(columns["Department"][pos]),
                    "Space": _str(columns["Space"][pos]),
                    "People": ", ".join(sorted(set(people), key=str.casefold))
                    if isinstance(people, tuple)
                    else "",
                    "Start": moments["Start"][pos],
                    "End": moments["End"][pos],
                    "Due": moments["Due"][pos][:10],
                    "Status": _str(columns["Status"][pos]),
                }
            )
        for key in seen:
            state[SCHEDULE].pop(key, None)
    tracked = [i for i in issues if not i.rule.startswith("history.")]
    for found, key in zip(tracked, identities(tracked, tables), strict=True):
        state[ISSUES][key] = {"Severity": found.severity.value}
    return Snapshot(state, unknown)


def identity(found: Issue, tables: Mapping[str, Table]) -> str:
    """An issue's identity, which survives rows inserted, deleted or sorted and a tab renamed
    through ``[tabs]``: "rule|tab|key|column" with the source tab's own name, the row's Code
    (ID, Department, Vendor) and the template's column name."""
    return identities([found], tables)[0]


def identities(issues: Sequence[Issue], tables: Mapping[str, Table]) -> list[str]:
    """``identity`` of each issue, each tab's keys looked up once."""
    tabs: dict[str, tuple[str, dict[str, str], dict[int, str]]] = {}

    def tab_of(title: str) -> tuple[str, dict[str, str], dict[int, str]] | None:
        if title not in tabs:
            for name, table in tables.items():
                if table.present and table.title == title:
                    columns = {h: c for c, h in table.headers.items()}
                    key_column = KEY_COLUMNS.get(name)
                    keys: dict[int, str] = {}
                    if key_column and key_column in table.frame.columns:
                        keys = dict(
                            zip(
                                table.frame.index.tolist(),
                                _keys_of(table, key_column),
                                strict=True,
                            )
                        )
                    tabs[title] = (name, columns, keys)
                    break
        return tabs.get(title)

    found: list[str] = []
    for one in issues:
        tab, key, column = one.tab, "", one.column
        known = tab_of(one.tab)
        if known is not None:
            tab, columns, keys = known
            column = columns.get(one.column, column)
            if one.row is not None:
                key = keys.get(one.row, "")
        if one.row is not None and not key:
            key = f"row {one.row}"
        found.append("|".join((one.rule, tab, key, column)))
    return found


def _keys_of(table: Table, column: str) -> list[str]:
    return [_str(v) for v in table.frame[column].to_numpy(dtype=object)]


def _repeated(keys: Sequence[str]) -> set[str]:
    seen: set[str] = set()
    twice: set[str] = set()
    for key in keys:
        if key in seen:
            twice.add(key)
        seen.add(key)
    twice.discard("")
    return twice


def _moments(table: Table, column: str) -> list[str]:
    """ISO text per row: a date alone for a date-only cell, else the date and time."""
    values = pd.to_datetime(table.frame[column], errors="coerce")
    only = table.date_only.get(column)
    out: list[str] = []
    for pos, value in enumerate(values.tolist()):
        if value is None or pd.isna(value):
            out.append("")
        elif (only is not None and bool(only[pos])) or column == "Due":
            out.append(value.date().isoformat())
        else:
            out.append(value.to_pydatetime().isoformat(timespec="minutes"))
    return out


def _str(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def _clean(record: Record) -> Record:
    return {k: v for k, v in record.items() if v}


# --- what to append --------------------------------------------------------------------------


def changes_between(recorded: State, now: Snapshot) -> list[Change]:
    """The rows that take ``recorded`` to ``now``: by key, never by row; an unknown key keeps
    what was recorded."""
    found: list[Change] = []
    for tab, fields in TRACKED.items():
        old = recorded.get(tab, {})
        new = now.state.get(tab, {})
        unknown = now.unknown.get(tab, set())
        for key, record in new.items():
            before = old.get(key)
            if before is None:
                found.append(Change(tab, key, ADDED, "", _record_text(record)))
                continue
            for name in fields:
                was, now_value = before.get(name, ""), record.get(name, "")
                if was != now_value:
                    found.append(Change(tab, key, name, was, now_value))
        for key, record in old.items():
            if key not in new and key not in unknown:
                found.append(Change(tab, key, REMOVED, _record_text(record), ""))
    return found


def _record_text(record: Mapping[str, str]) -> str:
    return json.dumps(dict(record), ensure_ascii=False, separators=(",", ":"))


@_in_one_go
def record_sync(
    log: Log,
    now: Snapshot,
    *,
    synced_at: dt.datetime,
    as_of: dt.date,
    max_rows: int,
    added_bytes: int | None = None,
) -> Log:
    """The log with this sync appended (a marker, then what changed since the last sync),
    the oldest syncs folded into one baseline when it grows past ``max_rows`` rows.

    ``added_bytes`` bounds the records added in one sync (about that many bytes of text),
    for a backend whose one write is bounded: the rest are added at the next syncs, and the
    marker says the sync is partial."""
    last = replay(log)
    latest = log.syncs[-1].synced_at if log.syncs else None
    when = synced_at if latest is None or synced_at > latest else latest + dt.timedelta(seconds=1)
    changes = changes_between(last.state, now)
    partial = False
    if added_bytes is not None:
        kept: list[Change] = []
        room = added_bytes
        for change in changes:
            if change.field == ADDED:
                size = row_bytes(change)
                if size > room:
                    partial = True
                    continue
                room -= size
            kept.append(change)
        changes = kept
    sync = Sync(when, as_of, partial=partial)
    grown = Log(
        syncs=[*log.syncs, sync], changes=[*log.changes, changes], damaged=list(log.damaged)
    )
    return fold(grown, max_rows)


def row_bytes(change: Change) -> int:
    """About how many bytes a row takes in a write: its text, quoted, and a cell's framing."""
    cells = (change.tab, change.key, change.field, change.old, change.new)
    return sum(len(json.dumps(v, ensure_ascii=False)) for v in cells) + 45 * len(COLUMNS)


def fold(log: Log, max_rows: int) -> Log:
    """Fold the oldest syncs into one baseline (what they add up to) until the log fits in
    ``max_rows`` rows; when nothing fits, everything but the newest state goes."""
    if log.rows <= max_rows or len(log.syncs) < 2:
        return log
    after = [0] * (len(log.syncs) + 1)  # rows of the syncs after n
    for n in range(len(log.syncs) - 1, -1, -1):
        after[n] = after[n + 1] + 1 + len(log.changes[n])
    recorded = Recorded()
    chosen = len(log.syncs) - 1
    for n in range(len(log.syncs)):
        recorded.apply(log.syncs[n], log.changes[n])
        if n == 0 and log.syncs[0].baseline:
            continue
        held = sum(len(records) for records in recorded.state.values())
        if 1 + held + after[n + 1] <= max_rows:
            chosen = n
            break
    recorded = replay(log, chosen)
    base = log.syncs[chosen]
    rows: list[Change] = []
    for tab, records in recorded.state.items():
        for key, record in records.items():
            extra = dict(record)
            extra[_SINCE] = recorded.since.get((tab, key), base.as_of).isoformat()
            if tab == SCHEDULE:
                extra[_REVISION] = str(recorded.revision.get(key, 0))
            rows.append(Change(tab, key, ADDED, "", _record_text(extra)))
    return Log(
        syncs=[
            Sync(base.synced_at, base.as_of, baseline=True, partial=base.partial),
            *log.syncs[chosen + 1 :],
        ],
        changes=[rows, *log.changes[chosen + 1 :]],
        damaged=list(log.damaged),
    )


def log_rows(log: Log) -> list[tuple[str, ...]]:
    """The History tab's rows (after its header ``COLUMNS``), all text."""
    rows: list[tuple[str, ...]] = []
    for sync, changes in zip(log.syncs, log.changes, strict=True):
        synced = sync.synced_at.isoformat(timespec="seconds")
        as_of = sync.as_of.isoformat()
        marker = BASELINE if sync.baseline else SYNC
        rows.append((synced, as_of, marker, "", "", "", PARTIAL if sync.partial else ""))
        rows += [(synced, as_of, c.tab, c.key, c.field, c.old, c.new) for c in changes]
    return rows


def revisions(log: Log, now: Snapshot | None = None) -> dict[str, int]:
    """Per schedule item ID, its revision: 0 when first recorded, one more for each later
    sync in which the item changed (and one more if ``now`` differs from the last sync).
    Made for iCalendar's SEQUENCE, which must grow whenever an event changes."""
    recorded = replay(log)
    found = dict(recorded.revision)
    if now is not None:
        before = recorded.state[SCHEDULE]
        for key, record in now.state[SCHEDULE].items():
            if key not in before:
                found[key] = found[key] + 1 if key in found else 0
            elif before[key] != record:
                found[key] = found.get(key, 0) + 1
    return found


# --- the comparison: movement and the digest --------------------------------------------------


@dataclass(frozen=True)
class LineChange:
    """A budget line added, removed, re-estimated (EFC changed) or moved to another
    department or category. Money in integer cents; None where there is none."""

    code: str
    kind: str  # "added", "removed", "re-estimated", "moved"
    description: str
    department: str
    old_efc: int | None
    new_efc: int | None
    was: str = ""  # for "moved": "Scenic / Materials"
    now: str = ""

    @property
    def movement(self) -> int:
        return (self.new_efc or 0) - (self.old_efc or 0)


@dataclass(frozen=True)
class ItemChange:
    """A schedule item added, removed, cancelled, reinstated, moved in time or space, or with
    people added or removed. ``was`` and ``now`` say it as a person would
    ("Mon 9 Mar 10:00, Main Stage")."""

    item_id: str
    kind: str  # "added", "removed", "cancelled", "reinstated", "moved", "people"
    task: str
    was: str = ""
    now: str = ""
    people_added: tuple[str, ...] = ()
    people_removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class IssueChange:
    """An issue new since the baseline, or resolved since."""

    kind: str  # "new", "resolved"
    rule: str
    tab: str
    key: str
    column: str
    severity: str
    message: str = ""  # for a new issue: its message now
    cell: str = ""  # for a new issue: where it is now


@dataclass(frozen=True)
class Digest:
    """What changed since ``since`` (None: nothing recorded yet, so everything is new)."""

    since: Sync | None
    lines: list[LineChange]
    items: list[ItemChange]
    issues: list[IssueChange]

    @property
    def empty(self) -> bool:
        return not (self.lines or self.items or self.issues)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: money as exact decimal strings, dates in ISO 8601."""

        def cents(value: int | None) -> str | None:
            return None if value is None else cents_text(value)

        return {
            "since": None
            if self.since is None
            else {
                "as_of": self.since.as_of.isoformat(),
                "synced_at": self.since.synced_at.isoformat(timespec="seconds"),
            },
            "lines": [
                {
                    "code": c.code,
                    "change": c.kind,
                    "description": c.description,
                    "department": c.department,
                    "old_efc": cents(c.old_efc),
                    "new_efc": cents(c.new_efc),
                    "movement": cents(c.movement),
                    **({"was": c.was, "now": c.now} if c.kind == "moved" else {}),
                }
                for c in self.lines
            ],
            "items": [
                {
                    "id": c.item_id,
                    "change": c.kind,
                    "task": c.task,
                    "was": c.was,
                    "now": c.now,
                    "people_added": list(c.people_added),
                    "people_removed": list(c.people_removed),
                }
                for c in self.items
            ],
            "issues": [
                {
                    "change": c.kind,
                    "rule": c.rule,
                    "tab": c.tab,
                    "key": c.key,
                    "column": c.column,
                    "severity": c.severity,
                    "cell": c.cell,
                    "message": c.message,
                }
                for c in self.issues
            ],
        }


@dataclass(frozen=True)
class Movement:
    """Previous EFC and Movement (EFC now minus then), in cents, against ``since``.

    ``lines`` by Code (previous None for a line added since); ``by_department`` and
    ``by_category`` keyed as ``Figures`` names them, ``Total`` included. A line whose Code
    appears twice, or whose money cannot be read now, is left out on both sides."""

    since: Sync
    lines: dict[str, tuple[int | None, int]]
    by_department: dict[str, tuple[int, int]]
    by_category: dict[str, tuple[int, int]]
    largest: list[LineChange]


@dataclass(frozen=True)
class Comparison:
    """The workbook now against one sync of its history."""

    log: Log
    since: Sync | None
    movement: Movement | None
    digest: Digest
    # issue identity -> the As Of it has been open since; an issue not in it is new
    open_since: dict[str, dt.date]


@_in_one_go
def compare(
    log: Log,
    now: Snapshot,
    tables: Mapping[str, Table],
    figures: Figures,
    issues: Sequence[Issue],
    *,
    since: int | None,
) -> Comparison:
    """The movement, the digest and each issue's age, against sync number ``since`` (None:
    nothing recorded yet, so there is nothing to compare with)."""
    if since is None:
        return Comparison(log, None, None, Digest(None, [], [], []), {})
    recorded = replay(log, since)
    sync = log.syncs[since]
    if recorded.partial:  # what that sync did not record yet is unknown, not new
        now = _known_then(recorded.state, now)
    open_since = {
        key: recorded.since.get((ISSUES, key), sync.as_of) for key in recorded.state[ISSUES]
    }
    return Comparison(
        log,
        sync,
        movement(recorded.state, now, figures, sync),
        digest_between(recorded, now, tables, issues, sync),
        open_since,
    )


def _known_then(recorded: State, now: Snapshot) -> Snapshot:
    """``now`` without the records a partial sync had not recorded yet (made unknown)."""
    state: State = {}
    unknown: dict[str, set[str]] = {}
    for tab in TRACKED:
        then = recorded.get(tab, {})
        records = now.state.get(tab, {})
        state[tab] = {k: r for k, r in records.items() if k in then}
        unknown[tab] = set(now.unknown.get(tab, set())) | {k for k in records if k not in then}
    return Snapshot(state, unknown)


def _cents(text: str | None) -> int | None:
    """Money text as cents, exactly ("1234.50" -> 123450): the History and the snapshot hold
    it as digits, a point and two digits (checked when read), so dropping the point is enough."""
    if not text:
        return None
    try:
        return int(text.replace(".", "", 1)) if text[-3:-2] == "." else int(text) * 100
    except ValueError:
        return None


def movement(recorded: State, now: Snapshot, figures: Figures, since: Sync) -> Movement:
    """Per line, department and category: EFC then, and EFC now minus then."""
    left_out = now.unknown[BUDGET]
    then = {k: r for k, r in recorded[BUDGET].items() if k not in left_out}
    current = now.state[BUDGET]
    then_cents = {code: _cents(record.get("EFC")) or 0 for code, record in then.items()}
    now_cents = {code: _cents(record.get("EFC")) or 0 for code, record in current.items()}
    lines: dict[str, tuple[int | None, int]] = {}
    for code, efc in now_cents.items():
        previous = then_cents.get(code)
        lines[code] = (previous, efc - (previous or 0))
    departments = [str(d) for d in figures.by_department.index if d != TOTAL]
    categories = [str(c) for c in figures.by_category.index if c != TOTAL]
    sides = ((then, then_cents), (current, now_cents))
    by_department = _grouped(sides, "Department", departments, "")
    by_category = _grouped(sides, "Category", categories, NO_CATEGORY)
    changed = [
        LineChange(
            code,
            "re-estimated" if previous is not None else "added",
            current[code].get("Description", ""),
            current[code].get("Department", ""),
            previous,
            _cents(current[code].get("EFC")),
        )
        for code, (previous, moved) in lines.items()
        if moved
    ]
    changed += [
        LineChange(
            code,
            "removed",
            record.get("Description", ""),
            record.get("Department", ""),
            _cents(record.get("EFC")),
            None,
        )
        for code, record in then.items()
        if code not in current and _cents(record.get("EFC"))
    ]
    changed.sort(key=lambda c: (-abs(c.movement), c.code))
    return Movement(since, lines, by_department, by_category, changed[:LARGEST])


def _grouped(
    sides: tuple[tuple[Mapping[str, Record], Mapping[str, int]], ...],
    column: str,
    names: Sequence[str],
    blank: str,
) -> dict[str, tuple[int, int]]:
    """(Previous EFC, Movement) per group, matching names ignoring case and spaces; the
    Total covers every line, also those of a group that is gone."""
    lookup = {normalise(name): name for name in names}
    groups: dict[str, str | None] = {}  # as typed -> its group, each spelling normalised once

    def sums(records: Mapping[str, Record], efc: Mapping[str, int]) -> tuple[dict[str, int], int]:
        out: dict[str, int] = {}
        total = 0
        for code, record in records.items():
            cents = efc[code]
            name = record.get(column, "") or blank
            if name not in groups:
                groups[name] = lookup.get(normalise(name))
            group = groups[name]
            if group is not None:
                out[group] = out.get(group, 0) + cents
            total += cents
        return out, total

    (before, before_total), (after, after_total) = (sums(*side) for side in sides)
    found = {
        name: (before.get(name, 0), after.get(name, 0) - before.get(name, 0)) for name in names
    }
    found[TOTAL] = (before_total, after_total - before_total)
    return found


def digest_between(
    recorded: Recorded,
    now: Snapshot,
    tables: Mapping[str, Table],
    issues: Sequence[Issue],
    since: Sync | None,
) -> Digest:
    """The changes digest: lines, items and issues, each in the workbook's order."""
    lines: list[LineChange] = []
    for key, kind, before, after in _by_record(recorded.state, now, BUDGET):
        if kind == ADDED:
            lines.append(
                LineChange(
                    key,
                    "added",
                    after.get("Description", ""),
                    after.get("Department", ""),
                    None,
                    _cents(after.get("EFC")),
                )
            )
        elif kind == REMOVED:
            lines.append(
                LineChange(
                    key,
                    "removed",
                    before.get("Description", ""),
                    before.get("Department", ""),
                    _cents(before.get("EFC")),
                    None,
                )
            )
        else:
            if before.get("EFC") != after.get("EFC"):
                lines.append(
                    LineChange(
                        key,
                        "re-estimated",
                        after.get("Description", ""),
                        after.get("Department", ""),
                        _cents(before.get("EFC")),
                        _cents(after.get("EFC")),
                    )
                )
            where = ("Department", "Category")
            if any(before.get(f, "") != after.get(f, "") for f in where):
                lines.append(
                    LineChange(
                        key,
                        "moved",
                        after.get("Description", ""),
                        after.get("Department", ""),
                        _cents(before.get("EFC")),
                        _cents(after.get("EFC")),
                        was=" / ".join(before.get(f, "") or "-" for f in where),
                        now=" / ".join(after.get(f, "") or "-" for f in where),
                    )
                )
    items: list[ItemChange] = []
    for key, kind, before, after in _by_record(recorded.state, now, SCHEDULE):
        task = after.get("Task", "") or before.get("Task", "")
        if kind == ADDED:
            items.append(ItemChange(key, "added", task, now=when_where(after)))
            continue
        if kind == REMOVED:
            items.append(ItemChange(key, "removed", task, was=when_where(before)))
            continue
        cancelled = (before.get("Status") == "Cancelled", after.get("Status") == "Cancelled")
        if cancelled == (False, True):
            items.append(ItemChange(key, "cancelled", task, was=when_where(before)))
        elif cancelled == (True, False):
            items.append(ItemChange(key, "reinstated", task, now=when_where(after)))
        if any(before.get(f, "") != after.get(f, "") for f in ("Start", "End", "Due", "Space")):
            items.append(
                ItemChange(key, "moved", task, was=when_where(before), now=when_where(after))
            )
        people = (_people(before), _people(after))
        if people[0] != people[1]:
            items.append(
                ItemChange(
                    key,
                    "people",
                    task,
                    was=", ".join(people[0]),
                    now=", ".join(people[1]),
                    people_added=tuple(p for p in people[1] if p not in people[0]),
                    people_removed=tuple(p for p in people[0] if p not in people[1]),
                )
            )
    found: list[IssueChange] = []
    current = dict(zip(identities(issues, tables), issues, strict=True))
    before_issues = recorded.state[ISSUES]
    for key, record in now.state[ISSUES].items():
        if key not in before_issues:
            rule, tab, row_key, column = _split(key)
            shown = current.get(key)
            found.append(
                IssueChange(
                    "new",
                    rule,
                    tab,
                    row_key,
                    column,
                    record.get("Severity", ""),
                    shown.message if shown else "",
                    shown.cell if shown else "",
                )
            )
    for key, record in before_issues.items():
        if key not in now.state[ISSUES]:
            rule, tab, row_key, column = _split(key)
            found.append(
                IssueChange("resolved", rule, tab, row_key, column, record.get("Severity", ""))
            )
    return Digest(since, lines, items, found)


def _split(key: str) -> tuple[str, str, str, str]:
    parts = key.split("|")
    if len(parts) < 4:
        parts += [""] * (4 - len(parts))
    # a key cell may itself hold "|": the rule, tab and column never do
    return parts[0], parts[1], "|".join(parts[2:-1]), parts[-1]


def _by_record(recorded: State, now: Snapshot, tab: str) -> list[tuple[str, str, Record, Record]]:
    """(key, ADDED / REMOVED / "changed", whole record before, whole record now) for each
    record that differs, in the workbook's order, then those removed; unknown keys skipped."""
    before, after = recorded.get(tab, {}), now.state.get(tab, {})
    unknown = now.unknown.get(tab, set())
    found = [
        (key, ADDED if key not in before else "changed", before.get(key, {}), record)
        for key, record in after.items()
        if before.get(key) != record
    ]
    found += [
        (key, REMOVED, record, {})
        for key, record in before.items()
        if key not in after and key not in unknown
    ]
    return found


def _people(record: Mapping[str, str]) -> tuple[str, ...]:
    text = record.get("People", "")
    return tuple(p for p in text.split(", ") if p) if text else ()


def when(text: str) -> str:
    """ISO text as a person reads it: "Mon 9 Mar 10:00", or "Mon 9 Mar" for a date."""
    if not text:
        return ""
    moment = dt.datetime.fromisoformat(text)
    day = f"{moment:%a} {moment.day} {moment:%b}"
    return day if len(text) == 10 else f"{day} {moment:%H:%M}"


def when_where(record: Mapping[str, str]) -> str:
    """ "Mon 9 Mar 10:00-13:00, Main Stage"; a deadline as "due Fri 13 Mar"."""
    start, end = record.get("Start", ""), record.get("End", "")
    parts: list[str] = []
    if start:
        same_day = end[:10] == start[:10] and len(end) > 10 and len(start) > 10
        until = f"-{end[11:16]}" if same_day else f" - {when(end)}" if end else ""
        parts.append(when(start) + until)
    elif record.get("Due"):
        parts.append(f"due {when(record['Due'])}")
    if record.get("Space"):
        parts.append(record["Space"])
    return ", ".join(parts) or "unscheduled"
