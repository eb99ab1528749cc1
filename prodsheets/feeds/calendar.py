"""The Schedule tab as iCalendar feeds (RFC 5545): all items, and one file per person, space and
department, for phones and desktop calendars to subscribe to.

A subscribed calendar matches events by UID, so each item's UID is made of the workbook and the
item's ID and never changes; SEQUENCE (how often the item changed, from history) tells a
calendar that an invitation-style copy is out of date. Cancelled items stay in the feed as
STATUS:CANCELLED so that subscribers drop them instead of keeping a stale call. Times are in the
production's time zone (``timezone`` in prodsheets.toml) with its VTIMEZONE; a date-only item
or a deadline (Due without Start/End) is an all-day event.

Files are rewritten only when an event in them changed (DTSTAMP alone does not count) and
always through a temporary file and a rename, so a web server or a synced folder never serves
half a file and subscribers are not made to download unchanged feeds.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from prodsheets import __version__
from prodsheets.tables import Table
from prodsheets.template import normalise

PRODID = f"-//prodsheets//prodsheets {__version__}//EN"
_PRODID_LINE = b"PRODID:-//prodsheets//"
FOLDERS = ("people", "spaces", "departments")
_STATUS = {
    "Planned": "TENTATIVE",
    "Confirmed": "CONFIRMED",
    "In Progress": "CONFIRMED",
    "Done": "CONFIRMED",
    "Cancelled": "CANCELLED",
}
# Control characters have no place in iCalendar text (RFC 5545 3.3.11); tab and newline are
# kept (a newline is escaped as \n by the writer).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_RESERVED_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10))}
_RESERVED_NAMES |= {f"lpt{i}" for i in range(10)}


@dataclass(frozen=True)
class CalendarEvent:
    """One schedule item as a calendar shows it."""

    uid: str
    item_id: str
    summary: str
    start: dt.date | dt.datetime  # a date for an all-day event
    end: dt.date | dt.datetime | None  # exclusive; None when the sheet gives none usable
    status: str  # TENTATIVE, CONFIRMED or CANCELLED
    sequence: int
    location: str
    description: str
    department: str
    people: tuple[str, ...]

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, dt.datetime)


@dataclass
class Feeds:
    """What ``publish_calendars`` did: files written, left as they were, and items left off."""

    folder: Path
    events: int
    written: list[str] = field(default_factory=list)  # relative paths, "people/ana-ruiz.ics"
    unchanged: list[str] = field(default_factory=list)
    left_off: list[str] = field(default_factory=list)  # IDs with no date a calendar can show


def publish_calendars(
    tables: Mapping[str, Table],
    out: str | Path,
    *,
    production: str,
    workbook_id: str,
    timezone: str,
    revisions: Mapping[str, int] | None = None,
    now: dt.datetime | None = None,
) -> Feeds:
    """Build every feed of the Schedule tab and write those whose events changed into ``out``."""
    schedule = tables.get("Schedule")
    zone = ZoneInfo(timezone) if timezone else None
    events, left_off = schedule_events(
        schedule, workbook_id=workbook_id, zone=zone, revisions=revisions or {}
    )
    listed = _listed_departments(tables.get("Departments"))
    stamp = now or dt.datetime.now(dt.UTC)
    renderer = _Renderer(events, zone=zone, stamp=stamp)
    files = {
        path: renderer.calendar(chosen, name=f"{production}: {title}")
        for path, title, chosen in split_feeds(events, listed)
    }
    folder = Path(out)
    feeds = Feeds(folder=folder, events=len(events), left_off=left_off)
    files.update(_emptied(folder, files, production=production, renderer=renderer))
    for path, content in files.items():
        (feeds.written if write_if_changed(folder / path, content) else feeds.unchanged).append(
            path
        )
    return feeds


def schedule_events(
    schedule: Table | None,
    *,
    workbook_id: str,
    zone: ZoneInfo | None,
    revisions: Mapping[str, int],
) -> tuple[list[CalendarEvent], list[str]]:
    """Each schedule item with a date as an event, and the IDs of those without one.

    An item whose ID is blank or repeats (both already issues) is left out: its UID would not
    be stable, and two events with one UID make calendars drop one of them at random."""
    if schedule is None or not schedule.present or schedule.frame.empty:
        return [], []
    frame = schedule.frame
    start_date_only = schedule.date_only.get("Start")
    end_date_only = schedule.date_only.get("End")
    events: list[CalendarEvent] = []
    left_off: list[str] = []
    seen: set[str] = set()
    for pos, row in enumerate(frame.itertuples(index=False)):
        values = dict(zip(frame.columns, row, strict=True))
        item_id = _text(values.get("ID"))
        if not item_id or normalise(item_id) in seen:
            continue
        seen.add(normalise(item_id))
        when = _when(
            values.get("Start"),
            values.get("End"),
            values.get("Due"),
            start_only=bool(start_date_only[pos]) if start_date_only is not None else False,
            end_only=bool(end_date_only[pos]) if end_date_only is not None else False,
            zone=zone,
        )
        if when is None:
            left_off.append(item_id)
            continue
        start, end, deadline = when
        task = _text(values.get("Task")) or item_id
        department = _text(values.get("Department"))
        people = tuple(p for p in (_text(n) for n in values.get("People") or ()) if p)
        status = _text(values.get("Status")) or "Planned"
        events.append(
            CalendarEvent(
                uid=f"{_uid_part(item_id)}.{_uid_part(workbook_id)}@prodsheets",
                item_id=item_id,
                summary=f"Due: {task}" if deadline else task,
                start=start,
                end=end,
                status=_STATUS.get(status, "CONFIRMED"),
                sequence=max(0, int(revisions.get(item_id, 0))),
                location=_text(values.get("Space")),
                description=_description(values, item_id, task, department, people, status),
                department=department,
                people=people,
            )
        )
    events.sort(key=lambda e: (_sort_key(e.start), e.uid))
    return events, left_off


def split_feeds(
    events: list[CalendarEvent], departments: Iterable[str] = ()
) -> list[tuple[str, str, list[CalendarEvent]]]:
    """(relative path, title, events) of every feed: all, per person, per space, per department.

    Names are grouped the way the checks compare them (case and spaces ignored) and shown as
    first written; every department listed in the Departments tab gets a feed, empty or not,
    so that a head can subscribe before the first call is typed."""
    groups: dict[str, dict[str, tuple[str, list[CalendarEvent]]]] = {f: {} for f in FOLDERS}

    def file_under(folder: str, name: str) -> list[CalendarEvent]:
        return groups[folder].setdefault(normalise(name), (name, []))[1]

    for name in departments:
        file_under("departments", name)
    for event in events:
        people = {normalise(p): p for p in reversed(event.people)}  # once each, first spelling
        for person in people.values():
            file_under("people", person).append(event)
        if event.location:
            file_under("spaces", event.location).append(event)
        if event.department:
            file_under("departments", event.department).append(event)
    feeds = [("all.ics", "everything", events)]
    for folder, by_key in groups.items():
        used: set[str] = set()
        for _key, (name, chosen) in sorted(by_key.items()):
            stem = safe_file_name(name, used)
            feeds.append((f"{folder}/{stem}.ics", name, chosen))
    return feeds


def safe_file_name(name: str, used: set[str]) -> str:
    """A file name any web server, phone and operating system accepts: lower-case ASCII
    letters, digits and hyphens ("Zoë O'Neil" -> "zoe-o-neil"), unique within ``used``."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")
    if not stem or stem in _RESERVED_NAMES:
        # a name in another script, or one Windows reserves: keep it recognisable and unique
        stem = f"{stem or 'name'}-{sum(map(ord, name)) % 10_000:04d}"
    candidate, n = stem, 1
    while candidate in used:
        n += 1
        candidate = f"{stem}-{n}"
    used.add(candidate)
    return candidate


def render_calendar(
    events: list[CalendarEvent], *, name: str, zone: ZoneInfo | None, stamp: dt.datetime
) -> bytes:
    """One VCALENDAR, escaped and folded per RFC 5545 by the icalendar library."""
    return _Renderer(events, zone=zone, stamp=stamp).calendar(events, name=name)


class _Renderer:
    """Renders each event and the VTIMEZONE once, however many feeds they appear in: an item
    is in all.ics, its department's, its space's and each of its people's files."""

    def __init__(
        self, events: list[CalendarEvent], *, zone: ZoneInfo | None, stamp: dt.datetime
    ) -> None:
        self.zone = zone
        self.stamp = stamp.astimezone(dt.UTC).replace(microsecond=0)
        timed = [e.start for e in events if isinstance(e.start, dt.datetime)]
        # one VTIMEZONE covering the whole schedule (and a year either side) for every feed
        self.span = (min(timed).date(), max(timed).date()) if timed else None
        self._events: dict[str, bytes] = {}
        self._timezone: bytes | None = None
        self._header: bytes | None = None

    def calendar(self, events: list[CalendarEvent], *, name: str) -> bytes:
        from icalendar import Calendar

        named = Calendar()
        title = " ".join(_clean(name).split())  # a calendar's name is one line
        named.add("name", title)
        named.add("x-wr-calname", title)
        parts = [self.header(), _inside(named.to_ical())]
        if any(isinstance(e.start, dt.datetime) for e in events):
            parts.append(self.timezone())
        parts += [self.event(e) for e in events]
        parts.append(_END)
        return b"".join(parts)

    def header(self) -> bytes:
        """BEGIN:VCALENDAR and the properties every feed shares, rendered once."""
        if self._header is None:
            from icalendar import Calendar, vDuration

            calendar = Calendar()
            calendar.add("prodid", PRODID)
            calendar.add("version", "2.0")
            calendar.add("calscale", "GREGORIAN")
            calendar.add("method", "PUBLISH")
            if self.zone is not None:
                calendar.add("x-wr-timezone", self.zone.key)
            refresh = vDuration(dt.timedelta(hours=1))
            calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
            calendar.add("x-published-ttl", refresh)
            self._header = _BEGIN + _inside(calendar.to_ical())
        return self._header

    def timezone(self) -> bytes:
        if self._timezone is None:
            self._timezone = b""
            if self.zone is not None and self.span is not None:
                from icalendar import Timezone

                first, last = self.span
                year = dt.timedelta(days=366)
                zone = Timezone.from_tzid(
                    self.zone.key, first_date=first - year, last_date=last + year
                )
                self._timezone = zone.to_ical()
        return self._timezone

    def event(self, item: CalendarEvent) -> bytes:
        block = self._events.get(item.uid)
        if block is None:
            block = self._events[item.uid] = _event(item, self.stamp).to_ical()
        return block


_BEGIN, _END = b"BEGIN:VCALENDAR\r\n", b"END:VCALENDAR\r\n"


def _inside(calendar: bytes) -> bytes:
    """The content lines of a rendered VCALENDAR, without its BEGIN and END lines."""
    assert calendar.startswith(_BEGIN) and calendar.endswith(_END)
    return calendar[len(_BEGIN) : -len(_END)]


def _event(item: CalendarEvent, stamp: dt.datetime) -> Any:
    from icalendar import Event

    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", item.start)
    if item.end is not None:
        event.add("dtend", item.end)
    event.add("sequence", item.sequence)
    event.add("summary", _clean(item.summary))
    if item.location:
        event.add("location", _clean(item.location))
    event.add("description", _clean(item.description))
    event.add("status", item.status)
    if item.status == "CANCELLED" or item.all_day:
        event.add("transp", "TRANSPARENT")
    return event


def write_if_changed(path: Path, content: bytes) -> bool:
    """Write ``content`` to ``path`` atomically unless the file already says the same (DTSTAMP
    aside). True when it was written."""
    try:
        old = path.read_bytes()
    except FileNotFoundError:
        old = None
    if old is not None and _without_stamps(old) == _without_stamps(content):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.chmod(temporary, 0o644)  # a feed is for publishing: readable by the web server
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


# --- helpers ------------------------------------------------------------------------------


def _emptied(
    folder: Path,
    files: Mapping[str, bytes],
    *,
    production: str,
    renderer: _Renderer,
) -> dict[str, bytes]:
    """Feeds we wrote before for a person, space or department no longer in the schedule: an
    empty calendar, so that subscribers lose the old events instead of keeping them forever.
    Only files that prodsheets wrote (its PRODID) are touched."""
    emptied: dict[str, bytes] = {}
    for sub in FOLDERS:
        directory = folder / sub
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.ics")):
            relative = f"{sub}/{path.name}"
            if relative in files or not path.is_file():
                continue
            with path.open("rb") as file:
                head = file.read(512)
            if _PRODID_LINE in head:
                title = f"{production}: {path.stem}"
                emptied[relative] = renderer.calendar([], name=title)
    return emptied


def _when(
    start: object,
    end: object,
    due: object,
    *,
    start_only: bool,
    end_only: bool,
    zone: ZoneInfo | None,
) -> tuple[dt.date | dt.datetime, dt.date | dt.datetime | None, bool] | None:
    """(start, exclusive end or None, is a deadline) as a calendar needs them, or None."""
    begins, ends, due_on = _stamp(start), _stamp(end), _stamp(due)
    if begins is None:
        if ends is None and due_on is not None:
            return due_on.date(), due_on.date() + dt.timedelta(days=1), True
        return None
    if start_only and (ends is None or end_only):
        first = begins.date()
        last = ends.date() + dt.timedelta(days=1) if ends is not None else None
        return first, last if last is not None and last > first else None, False
    if ends is not None and end_only:
        ends = ends + dt.timedelta(days=1)  # a date-only End means the end of that day
    local_start = begins.replace(tzinfo=zone)
    local_end = ends.replace(tzinfo=zone) if ends is not None and ends > begins else None
    return local_start, local_end, False


def _stamp(value: object) -> dt.datetime | None:
    if value is None or value is pd.NaT or not isinstance(value, dt.datetime):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime().replace(microsecond=0)
    return value.replace(microsecond=0)


def _description(
    values: Mapping[str, object],
    item_id: str,
    task: str,
    department: str,
    people: tuple[str, ...],
    status: str,
) -> str:
    lines = [task]
    if department:
        lines.append(f"Department: {department}")
    if people:
        lines.append(f"People: {', '.join(people)}")
    lines.append(f"Status: {status}")
    due = _stamp(values.get("Due"))
    if due is not None:
        lines.append(f"Due: {due.date().isoformat()}")
    equipment = values.get("Equipment")  # an optional column (the Equipment tab's bookings)
    if isinstance(equipment, tuple | list) and equipment:
        lines.append(f"Equipment: {', '.join(_text(e) for e in equipment)}")
    elif isinstance(equipment, str) and equipment.strip():
        lines.append(f"Equipment: {equipment.strip()}")
    notes = _text(values.get("Notes"))
    if notes:
        lines.append(f"Notes: {notes}")
    lines.append(f"Schedule ID: {item_id}")
    return "\n".join(lines)


def _listed_departments(table: Table | None) -> list[str]:
    if table is None or not table.present or table.frame.empty:
        return []
    return [name for name in (_text(v) for v in table.frame["Department"]) if name]


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return ""
    return str(value).strip()


def _clean(text: str) -> str:
    """Cell text as an iCalendar TEXT value: line breaks as \\n, no control characters."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _uid_part(text: str) -> str:
    """A UID part that stays the same for the same ID and holds no character a calendar
    server might choke on (RFC 7986 recommends plain ASCII)."""
    return re.sub(r"[^A-Za-z0-9_-]", lambda m: f"%{ord(m.group()):02X}", text.strip())


def _sort_key(start: dt.date | dt.datetime) -> tuple[dt.date, dt.time]:
    if isinstance(start, dt.datetime):
        return start.date(), start.time()
    return start, dt.time(0)


def _without_stamps(content: bytes) -> bytes:
    return b"\n".join(
        line for line in content.splitlines() if not line.startswith((b"DTSTAMP:", b"PRODID:"))
    )
