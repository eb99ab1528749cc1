"""Who the crew are and what kit there is: the Crew and Equipment tabs, read for the checks
and the reports.

Names match as headers do, ignoring case and spaces ("ana  ruiz" is Ana Ruiz); the first row
of a repeated name counts (the repeat is an ``id.duplicate`` error). An Equipment item also
matches its plural or singular ("Moving Lights" books Moving Light).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from prodsheets.checks import Context
from prodsheets.rule_sets import RuleSet
from prodsheets.tables import Table
from prodsheets.template import normalise


@dataclass(frozen=True)
class Person:
    name: str  # as the Crew tab spells it
    row: int
    department: str
    role: str
    rule_set_name: str  # as typed ("" for none)
    rule_set: RuleSet | None  # the person's own set, else the default set, else None
    unavailable: tuple[tuple[int, int], ...]  # whole days, (start ns, exclusive end ns)


@dataclass(frozen=True)
class Roster:
    """The Crew tab: ``present`` when the workbook has one; ``people`` by normalised name."""

    present: bool = False
    people: dict[str, Person] = field(default_factory=dict)
    default: RuleSet | None = None  # for people not listed

    @property
    def listed(self) -> bool:
        """The tab lists someone: only then is a name missing from it worth a word."""
        return bool(self.people)

    def rules_for(self, key: str) -> RuleSet | None:
        person = self.people.get(key)
        return person.rule_set if person is not None else self.default


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def read_roster(tables: Mapping[str, Table], context: Context) -> Roster:
    """The Crew tab's people with their rule sets (a Rule Set that names no set counts as
    none here: ``crew.rule_set_unknown`` says so)."""
    default = context.rule_sets.default_set()
    table = tables.get("Crew")
    if table is None or not table.present:
        return Roster(default=default)
    frame = table.frame
    people: dict[str, Person] = {}
    columns = [frame[c].to_numpy(dtype=object) for c in ("Name", "Department", "Role")]
    rule_names = frame["Rule Set"].to_numpy(dtype=object)
    unavailable = frame["Unavailable"].to_numpy(dtype=object)
    for k, (name, department, role) in enumerate(zip(*columns, strict=True)):
        if not _text(name):
            continue
        key = normalise(name)
        if key in people:
            continue
        chosen = _text(rule_names[k])
        people[key] = Person(
            name=_text(name),
            row=int(frame.index[k]),
            department=_text(department),
            role=_text(role),
            rule_set_name=chosen,
            rule_set=context.rule_sets.find(chosen) if chosen else default,
            unavailable=tuple(unavailable[k]) if isinstance(unavailable[k], tuple) else (),
        )
    return Roster(present=True, people=people, default=default)


@dataclass(frozen=True)
class Kit:
    name: str  # as the Equipment tab spells it
    row: int
    quantity: int | None  # None when unreadable (blank is 1)
    vendor: str  # "" for owned kit
    daily_rate: int | None  # cents, None when blank or unreadable


@dataclass(frozen=True)
class Stock:
    """The Equipment tab: ``present`` when the workbook has one; ``items`` by key."""

    present: bool = False
    items: dict[str, Kit] = field(default_factory=dict)

    def find(self, key: str) -> Kit | None:
        """The item a booking names: exactly (ignoring case and spaces), else its singular
        or plural."""
        found = self.items.get(key)
        if found is not None:
            return found
        for other in _other_number(key):
            found = self.items.get(other)
            if found is not None:
                return found
        return None


def _other_number(key: str) -> list[str]:
    if key.endswith("es"):
        return [key[:-2], key[:-1]]
    if key.endswith("s"):
        return [key[:-1]]
    return [key + "s", key + "es"]


def read_stock(tables: Mapping[str, Table]) -> Stock:
    table = tables.get("Equipment")
    if table is None or not table.present:
        return Stock()
    frame = table.frame
    items: dict[str, Kit] = {}
    names = frame["Item"].to_numpy(dtype=object)
    quantity = frame["Quantity"].to_numpy(dtype=object)
    bad_quantity = table.bad("Quantity")
    vendor = frame["Vendor"].to_numpy(dtype=object)
    rate = frame["Daily Rate"].to_numpy(dtype=np.int64, na_value=-1)
    for k, name in enumerate(names):
        if not _text(name):
            continue
        key = normalise(name)
        if key in items:
            continue
        count = quantity[k] if isinstance(quantity[k], int) else None
        items[key] = Kit(
            name=_text(name),
            row=int(frame.index[k]),
            quantity=None if bad_quantity[k] else (1 if count is None else count),
            vendor=_text(vendor[k]),
            daily_rate=int(rate[k]) if rate[k] >= 0 else None,
        )
    return Stock(present=True, items=items)


_BOOKING = re.compile(
    r"^\s*(?:(?P<lead>\d{1,6})\s*(?:x\s+|[×*]\s*)(?P<item>.+?)"
    r"|(?P<item2>.+?)\s+(?:x\s*|[×*]\s*)(?P<trail>\d{1,6}))\s*$",
    re.IGNORECASE,
)


def booking(entry: str) -> tuple[int, str]:
    """One entry of a Schedule Equipment cell: "2 x Moving Light" -> (2, "Moving Light");
    "Haze Machine" -> (1, "Haze Machine"); "Moving Light x 2" too."""
    match = _BOOKING.match(entry)
    if match is None:
        return 1, entry.strip()
    if match["lead"] is not None:
        return int(match["lead"]), match["item"].strip()
    return int(match["trail"]), match["item2"].strip()
