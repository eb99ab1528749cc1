"""The crew and equipment checks against today's schedule checks, on the same items, in one run.

    python benchmarks/bench_crew.py                          # 100,000 items, 2,000 people, 500 kit
    python benchmarks/bench_crew.py --items 10000 --people 200 --kit 50 --json out.json

Builds a Schedule (calls of 1 to 10 hours over a year, 1 to 6 people and 0 to 3 kit bookings
each, about 5% of them a person's own meal break, a lunch and a dinner break for everyone each
day, about 1% Cancelled), a Crew tab (half the people under
"Example Crew", a quarter under "Example Cast", a tenth with unavailable days) and an
Equipment tab (a third of it hired), reads them with ``tables.read_tables`` (not timed), then
times ``checks.schedule.check`` (the yardstick: clashes, turnaround, dependencies, overdue)
and ``checks.crew.check`` + ``checks.equipment.check`` on the same tables, alternately, and
keeps each one's best of ``--repeat`` runs. Target (issue #11): crew + equipment at most 2x
the schedule checks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from prodsheets.backends.base import Contents, RawCell, RawTab
from prodsheets.checks import Context, crew, equipment, schedule
from prodsheets.config import Config
from prodsheets.pipeline import context_for
from prodsheets.tables import read_tables
from prodsheets.template import load_template

AS_OF = dt.date(2026, 6, 1)
START = dt.datetime(2026, 1, 5)
TARGET_RATIO = 2.0
DEPARTMENTS = ("Lighting", "Sound", "Set", "Costume", "Props", "Stage Management", "Production")
_TASKS = ("Rehearsal", "Tech", "Fit-up", "Focus", "Notes", "Show", "Get-out", "Fitting")
_VENDORS = tuple(f"Hire House {n}" for n in range(20))


def build(items: int, people: int, kit: int, seed: int = 11) -> Contents:
    rng = np.random.default_rng(seed)
    names = [f"Person {n:05d}" for n in range(people)]
    kit_names = [f"Kit Item {n:04d}" for n in range(kit)]
    crew_rows: list[list[RawCell]] = [
        ["Name", "Department", "Role", "Email", "Phone", "Rule Set", "Unavailable", "Notes"]
    ]
    for n, name in enumerate(names):
        rules = ("Example Crew", "Example Crew", "Example Cast", None)[n % 4]
        away = None
        if n % 10 == 0:
            first = START.date() + dt.timedelta(days=int(rng.integers(0, 300)))
            away = f"{first.isoformat()} to {(first + dt.timedelta(days=3)).isoformat()}"
        crew_rows.append([name, DEPARTMENTS[n % 7], "Crew", None, None, rules, away, None])
    kit_rows: list[list[RawCell]] = [["Item", "Quantity", "Vendor", "Daily Rate", "Notes"]]
    for n, name in enumerate(kit_names):
        hired = n % 3 == 0
        kit_rows.append(
            [name, int(rng.integers(2, 21)), _VENDORS[n % 20] if hired else None,
             float(rng.integers(10, 200)) if hired else None, None]
        )  # fmt: skip
    vendor_rows: list[list[RawCell]] = [
        ["Vendor", "Service", "Contact", "Email", "Phone", "Contract", "Contract Start",
         "Contract End", "Insurance Expires", "Payment Terms", "Notes"]
    ]  # fmt: skip
    for n, vendor in enumerate(_VENDORS):
        insured = None if n % 5 == 0 else START + dt.timedelta(days=int(rng.integers(60, 400)))
        vendor_rows.append([vendor, "Hire", None, None, None, "Signed", None, None, insured,
                            None, None])  # fmt: skip

    day = rng.integers(0, 365, items)
    start_minute = rng.integers(7 * 60, 20 * 60, items) // 15 * 15
    minutes = rng.integers(4, 41, items) * 15
    crew_size = rng.integers(1, 7, items)
    bookings = rng.integers(0, 4, items)
    is_break = rng.random(items) < 0.05
    cancelled = rng.random(items) < 0.01
    schedule_rows: list[list[RawCell]] = [
        ["ID", "Task", "Department", "Space", "People", "Start", "End", "Due", "Done On",
         "Status", "Depends On", "Notes", "Equipment"]
    ]  # fmt: skip
    for i in range(items - 730):  # and 730 meal breaks below: ``items`` in all
        start = START + dt.timedelta(days=int(day[i]), minutes=int(start_minute[i]))
        length = 60 if is_break[i] else int(minutes[i])
        end = start + dt.timedelta(minutes=length)
        called = ", ".join(names[int(p)] for p in rng.integers(0, people, int(crew_size[i])))
        kit_cell = "; ".join(
            f"{int(rng.integers(1, 5))} x {kit_names[int(k)]}"
            for k in rng.integers(0, kit, int(bookings[i]))
        )
        schedule_rows.append(
            [
                f"S{i + 1:06d}",
                "Meal break" if is_break[i] else _TASKS[i % len(_TASKS)],
                DEPARTMENTS[i % 7],
                None if is_break[i] else f"Room {int(rng.integers(0, 300))}",
                called,
                start,
                end,
                None,
                None,
                "Cancelled" if cancelled[i] else "Confirmed",
                f"S{i:06d}" if i and i % 5 == 0 else None,
                None,
                kit_cell or None,
            ]
        )
    for offset in range(365):  # lunch and dinner for everyone called, as a schedule has them
        on = START + dt.timedelta(days=offset)
        for task, hour in (("Lunch break", 13), ("Dinner break", 18)):
            begins = on + dt.timedelta(hours=hour)
            schedule_rows.append(
                [f"M{offset:03d}{hour}", task, "Production", None, None, begins,
                 begins + dt.timedelta(hours=1), None, None, "Confirmed", None, None, None]
            )  # fmt: skip
    departments: list[list[RawCell]] = [["Department", "Head", "Email", "Allocation"]]
    departments += [[name, None, None, 100000] for name in DEPARTMENTS]
    budget: list[list[RawCell]] = [
        ["Code", "Department", "Category", "Description", "Vendor", "Budgeted", "Actual",
         "Committed", "ETC", "Notes"],
        ["B1", "Lighting", "Rentals", "Hire", _VENDORS[1], 1000, 0, 0, 0, None],
    ]  # fmt: skip
    tabs = {
        "Departments": RawTab("Departments", departments),
        "Schedule": RawTab("Schedule", schedule_rows),
        "Budget": RawTab("Budget", budget),
        "Vendors": RawTab("Vendors", vendor_rows),
        "Crew": RawTab("Crew", crew_rows),
        "Equipment": RawTab("Equipment", kit_rows),
    }
    return Contents(titles=list(tabs), owned=frozenset(), tabs=tabs)


def best(run: Callable[[], Any], times: list[float]) -> Any:
    began = time.perf_counter()
    value = run()
    times.append(time.perf_counter() - began)
    return value


def measure(items: int, people: int, kit: int, repeat: int) -> dict[str, Any]:
    template, config = load_template(), Config()
    began = time.perf_counter()
    contents = build(items, people, kit)
    built = time.perf_counter() - began
    tables, _ = read_tables(contents, template, config)
    context: Context = context_for(config, AS_OF, template)
    yardstick: list[float] = []
    ours: list[float] = []
    found_schedule: list[Any] = []
    found_ours: list[Any] = []
    for _ in range(repeat):  # alternate, so that a slow moment of the machine hits both
        found_schedule = best(lambda: schedule.check(tables, context), yardstick)
        found_ours = best(
            lambda: crew.check(tables, context) + equipment.check(tables, context), ours
        )
    ratio = min(ours) / min(yardstick)
    return {
        "items": items,
        "people": people,
        "kit": kit,
        "repeat": repeat,
        "build_seconds (not timed)": round(built, 2),
        "schedule_checks_seconds": round(min(yardstick), 3),
        "crew_and_equipment_seconds": round(min(ours), 3),
        "ratio": round(ratio, 2),
        "target_ratio": TARGET_RATIO,
        "met": ratio <= TARGET_RATIO,
        "schedule_issues": dict(Counter(i.rule for i in found_schedule)),
        "crew_and_equipment_issues": dict(Counter(i.rule for i in found_ours)),
        "python": platform.python_version(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--kit", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    result = measure(args.items, args.people, args.kit, args.repeat)
    print(
        f"{result['items']:,} items, {result['people']:,} people, {result['kit']:,} kit "
        f"(best of {result['repeat']}):"
    )
    print(f"  schedule checks (yardstick)   {result['schedule_checks_seconds']:8.3f} s")
    print(f"  crew + equipment checks       {result['crew_and_equipment_seconds']:8.3f} s")
    print(
        f"  ratio                         {result['ratio']:8.2f}x  (target <= {TARGET_RATIO}x: "
        f"{'met' if result['met'] else 'NOT met'})"
    )
    print(f"  schedule issues:  {result['schedule_issues']}")
    print(f"  crew/equipment issues: {result['crew_and_equipment_issues']}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
