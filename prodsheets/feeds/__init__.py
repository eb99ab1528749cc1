"""Carrying the workbook to where the team looks: calendar feeds and notification digests.

``calendar`` turns the Schedule tab into iCalendar files; ``notify`` sends the nightly digest
through Apprise. Both take what history knows about the previous sync through one small seam,
``SinceLastSync``, which the pipeline fills: a workbook without history (or a build without it)
gets SEQUENCE 0 on every event and a digest that lists the issues.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Change:
    """One line of "what changed since the previous sync", as a digest lists it."""

    tab: str  # the source tab ("Schedule", "Budget") or "Issues"
    key: str  # the line's Code or the item's ID ("" when it has none)
    cell: str  # where to look now (A1), "" when the row is gone
    text: str  # in plain words: "moved from Mon 9 Mar 10:00 to Tue 10 Mar 10:00"
    department: str = ""  # whose part of the digest it belongs to ("" for the whole team)


@dataclass(frozen=True)
class SinceLastSync:
    """What history says about the previous sync; empty (``known`` False) without history."""

    known: bool = False  # False: no history yet, so nothing can be called "changed"
    # Schedule ID -> how many times the item changed so far: the VEVENT's SEQUENCE
    revisions: Mapping[str, int] = field(default_factory=dict)
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class Production:
    """How the feeds and digests name the workbook: a title, a stable id, a link to open."""

    title: str  # "show" for show.xlsx
    workbook_id: str  # part of every event's UID: the Google key, or the file's name
    link: str  # the spreadsheet on Google, or the file as it was named


def production_of(location: str) -> Production:
    from pathlib import PurePath

    from prodsheets.backends import google_key

    key = google_key(location)
    if key is not None:
        return Production(
            title="Production",
            workbook_id=key,
            link=f"https://docs.google.com/spreadsheets/d/{key}/edit",
        )
    stem = PurePath(location).stem or "Production"
    return Production(title=stem, workbook_id=stem, link=location)
