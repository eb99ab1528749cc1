"""Crew and Equipment tabs for the behavioural suite: each crew.* and equipment.* rule as a
change that breaks it, one that comes close without breaking it, and the tab it needs.

Every change starts from ``clean_production()`` (S1 load-in, S2 focus, S3 sound check, S4 a
10:00-22:00 tech with Ana Ruiz and Ben Cole) and adds a Crew or an Equipment tab.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.workbooks import Rows, d, set_cell

Change = Callable[[dict[str, Rows]], None]

CREW_HEADERS = ["Name", "Department", "Role", "Email", "Phone", "Rule Set", "Unavailable", "Notes"]
EQUIPMENT_HEADERS = ["Item", "Quantity", "Vendor", "Daily Rate", "Notes"]
EQUIPMENT_COLUMN = "M"  # Schedule's Equipment column, added after Notes (L)


def crew_rows(**rule_sets: str) -> Rows:
    """The four people clean_production calls, each with the rule set given by first name."""
    people = [
        ("Ana Ruiz", "Lighting", "Lighting designer"),
        ("Ben Cole", "Sound", "Sound No.1"),
        ("Cy Dow", "Set", "Technical director"),
        ("Ed Fox", "Set", "Carpenter"),
    ]
    rows: Rows = [list(CREW_HEADERS)]
    for name, department, role in people:
        first = name.split()[0].lower()
        rows.append([name, department, role, None, None, rule_sets.get(first), None, None])
    return rows


def equipment_rows(*items: tuple[str, Any, Any, Any]) -> Rows:
    return [list(EQUIPMENT_HEADERS), *([*item, None] for item in items)]


def schedule_row(
    ident: str,
    task: str,
    people: str,
    start: str,
    end: str,
    *,
    space: str = "Studio",
    equipment: str | None = None,
    department: str = "Set",
) -> list[Any]:
    return [
        ident,
        task,
        department,
        space,
        people,
        d(start),
        d(end),
        None,
        None,
        "Planned",
        None,
        None,
        equipment,
    ]


def _crew(tabs: dict[str, Rows], **rule_sets: str) -> None:
    tabs["Crew"] = crew_rows(**rule_sets)


def _equipment_column(tabs: dict[str, Rows]) -> None:
    schedule = tabs["Schedule"]
    if "Equipment" not in schedule[0]:
        for row in schedule:
            row.extend([None] * (12 - len(row)))
            row.append(None)
        schedule[0][12] = "Equipment"


def _book(tabs: dict[str, Rows], row: int, equipment: str) -> None:
    _equipment_column(tabs)
    set_cell(tabs, "Schedule", row, "Equipment", equipment)


def crew(**rule_sets: str) -> Change:
    def change(tabs: dict[str, Rows]) -> None:
        _crew(tabs, **rule_sets)

    return change


def chain(*changes: Change) -> Change:
    def change(tabs: dict[str, Rows]) -> None:
        for one in changes:
            one(tabs)

    return change


def cell(tab: str, row: int, header: str, value: Any) -> Change:
    def change(tabs: dict[str, Rows]) -> None:
        set_cell(tabs, tab, row, header, value)

    return change


def add_item(row: list[Any]) -> Change:
    def change(tabs: dict[str, Rows]) -> None:
        _equipment_column(tabs)
        tabs["Schedule"].append(list(row))  # a copy: a test may change it

    return change


def equipment(*items: tuple[str, Any, Any, Any]) -> Change:
    def change(tabs: dict[str, Rows]) -> None:
        _equipment_column(tabs)
        tabs["Equipment"] = equipment_rows(*items)

    return change


def book(row: int, what: str) -> Change:
    def change(tabs: dict[str, Rows]) -> None:
        _book(tabs, row, what)

    return change


# Company-wide breaks (no People: everyone's) in S2's focus and S4's tech, so that a 6-hour
# meal rule is kept on them; they are Schedule rows 6 and 7.
DINNER = chain(
    add_item(schedule_row("B1", "Lunch", "", "2026-03-03 12:00", "2026-03-03 13:00", space="")),
    add_item(
        schedule_row("B2", "Dinner break", "", "2026-03-12 16:00", "2026-03-12 17:00", space="")
    ),
)
LIGHTS = ("Moving Light", 4, None, None)
HAZE = ("Haze Machine", 1, "Timber Co", 85)  # hired from a vendor with no insurance on file

# rule -> (a change that breaks it, the cell the issue points at)
CREW_BREAKS: dict[str, tuple[Change, str]] = {
    "crew.unknown": (chain(crew(), cell("Schedule", 4, "People", "Ben Coel")), "E4"),
    "crew.rule_set_unknown": (chain(crew(), cell("Crew", 2, "Rule Set", "Exmaple Crew")), "F2"),
    "crew.unavailable": (chain(crew(), cell("Crew", 2, "Unavailable", "2026-03-12")), "E5"),
    "crew.turnaround": (
        chain(
            crew(ana="Example Cast"),
            DINNER,
            add_item(
                schedule_row("S5", "Notes", "Ana Ruiz", "2026-03-13 08:00", "2026-03-13 12:00")
            ),
        ),
        "F8",
    ),
    "crew.long_day": (
        chain(
            crew(ben="Example Crew"),
            DINNER,
            add_item(
                schedule_row("S5", "Notes", "Ben Cole", "2026-03-12 22:00", "2026-03-12 23:30")
            ),
        ),
        "G8",
    ),
    "crew.consecutive_days": (
        chain(
            crew(cy="Example Crew"),
            add_item(schedule_row("S5", "Scenic build", "Cy Dow", "2026-03-03", "2026-03-09")),
        ),
        "F6",
    ),
    "crew.meal_break": (chain(crew(ana="Example Crew")), "F5"),
    "equipment.unknown": (chain(equipment(LIGHTS), book(5, "2 x Movng Light")), "M5"),
    "equipment.overbooked": (
        chain(
            equipment(LIGHTS),
            book(4, "3 x Moving Light"),
            add_item(
                schedule_row(
                    "S5",
                    "Pre-rig",
                    "",
                    "2026-03-04 12:00",
                    "2026-03-04 13:00",
                    equipment="2 x Moving Lights",
                )
            ),
        ),
        "M6",
    ),
    "equipment.uninsured": (chain(equipment(HAZE), book(5, "Haze Machine")), "C2"),
}

# rule -> a change that comes as close as the rule allows without breaking it
CREW_KEEPS: dict[str, Change] = {
    "crew.unknown": chain(crew(), cell("Schedule", 4, "People", " ben  COLE ")),
    "crew.rule_set_unknown": chain(crew(ana="example  crew"), DINNER),
    "crew.unavailable": chain(
        crew(), cell("Crew", 2, "Unavailable", "2026-03-11; 2026-03-13 to 2026-03-20")
    ),
    "crew.turnaround": chain(
        crew(ana="Example Cast"),
        DINNER,
        add_item(schedule_row("S5", "Notes", "Ana Ruiz", "2026-03-13 10:00", "2026-03-13 12:00")),
    ),
    "crew.long_day": chain(
        crew(ben="Example Crew"),
        DINNER,
        add_item(schedule_row("S5", "Notes", "Ben Cole", "2026-03-12 08:00", "2026-03-12 09:00")),
    ),
    "crew.consecutive_days": chain(
        crew(cy="Example Crew"),
        add_item(schedule_row("S5", "Scenic build", "Cy Dow", "2026-03-03", "2026-03-07")),
    ),
    "crew.meal_break": chain(crew(ana="Example Crew"), DINNER),
    "equipment.unknown": chain(equipment(LIGHTS), book(5, "2 x moving lights")),
    "equipment.overbooked": chain(
        equipment(LIGHTS),
        book(4, "3 x Moving Light"),
        add_item(
            schedule_row(
                "S5",
                "Pre-rig",
                "",
                "2026-03-04 14:00",
                "2026-03-04 15:00",
                equipment="2 x Moving Light",
            )
        ),
    ),
    "equipment.uninsured": chain(
        equipment(("Haze Machine", 1, "Bright Lights Hire", 85)), book(5, "Haze Machine")
    ),
}
