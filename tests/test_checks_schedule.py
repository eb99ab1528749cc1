"""The schedule checks, on Schedule tables shaped exactly as ``Table`` describes them."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest

from prodsheets.backends.base import Contents, RawTab
from prodsheets.checks import Context
from prodsheets.checks.schedule import PARTNERS_LISTED, check, loops
from prodsheets.config import Config
from prodsheets.issues import Issue, Severity
from prodsheets.tables import Table, read_tables
from prodsheets.template import load_template

SPEC = load_template().tab("Schedule")
LETTERS = {column.name: chr(ord("A") + i) for i, column in enumerate(SPEC.columns)}
# A..L: ID Task Department Space People Start End Due Done-On Status Depends-On Notes
AS_OF = dt.date(2026, 3, 10)
CONTEXT = Context(as_of=AS_OF)


def schedule_table(*items: dict[str, Any], title: str = "Schedule") -> dict[str, Table]:
    """A typed Schedule tab: rows 2.. from ``items``; Start/End given as ISO text, where a date
    without a time is a date-only cell; People and Depends On as ", "-separated text."""
    records: dict[str, list[Any]] = {column.name: [] for column in SPEC.columns}
    date_only: dict[str, list[bool]] = {"Start": [], "End": []}
    for n, item in enumerate(items, start=1):
        for column in SPEC.columns:
            value = item.get(column.name)
            if column.name == "ID":
                value = item.get("ID", f"S{n}")
            elif column.name == "Task":
                value = item.get("Task", f"Task {n}")
            elif column.name == "Department":
                value = item.get("Department", "Set")
            elif column.name == "Status":
                value = item.get("Status", "Planned")
            if column.type == "list":
                value = tuple(p.strip() for p in value.split(",")) if value else ()
            elif column.type in ("date", "datetime"):
                if column.name in date_only:
                    date_only[column.name].append(value is not None and len(value) == 10)
                value = pd.Timestamp(value) if value else pd.NaT
            records[column.name].append(value)
    frame = pd.DataFrame(
        {
            column.name: pd.Series(
                records[column.name],
                dtype="datetime64[ns]" if column.type in ("date", "datetime") else object,
            )
            for column in SPEC.columns
        }
    )
    frame.index = pd.RangeIndex(2, len(items) + 2)
    table = Table(
        spec=SPEC,
        title=title,
        frame=frame,
        headers={column.name: column.name for column in SPEC.columns},
        letters=dict(LETTERS),
        date_only={name: np.asarray(flags, dtype=bool) for name, flags in date_only.items()},
    )
    return {"Schedule": table}


def run(*items: dict[str, Any], context: Context = CONTEXT) -> list[Issue]:
    return check(schedule_table(*items), context)


def found(
    *items: dict[str, Any], rule: str = "", context: Context = CONTEXT
) -> set[tuple[str, str]]:
    return {(i.rule, i.cell) for i in run(*items, context=context) if i.rule.startswith(rule)}


def item(start: str, end: str, **more: Any) -> dict[str, Any]:
    return {"Start": start, "End": end, **more}


# --- end before start ------------------------------------------------------------------------


def test_end_before_start_is_an_error_on_the_end_cell() -> None:
    issues = run(
        item("2026-03-14 19:00", "2026-03-14 18:00"), item("2026-03-15 09:00", "2026-03-15 09:00")
    )
    assert {(i.rule, i.cell) for i in issues} == {
        ("schedule.end_before_start", "G2"),
        ("schedule.end_before_start", "G3"),  # End equal to Start is not after it
    }
    first = issues[0]
    assert first.severity is Severity.ERROR
    assert (first.tab, first.row, first.column, first.value) == (
        "Schedule",
        2,
        "End",
        "2026-03-14 18:00",
    )
    assert "S1 'Task 1'" in first.message
    assert "ends (14 Mar 18:00) before it starts (14 Mar 19:00)" in first.message
    assert "ends (15 Mar 09:00) the moment it starts (15 Mar 09:00)" in issues[1].message


def test_a_date_only_end_the_day_before_a_midnight_start_ends_before_it_starts() -> None:
    # End 18 Mar (date-only) is the end of the 18th, which is 00:00 on the 19th: not after the
    # Start, and the message says what the two cells show, not "the moment it starts"
    issues = run(item("2026-03-19", "2026-03-18"), item("2026-03-19 00:00", "2026-03-18"))
    assert [(i.rule, i.cell) for i in issues] == [
        ("schedule.end_before_start", "G2"),
        ("schedule.end_before_start", "G3"),
    ]
    assert "ends (18 Mar) before it starts (19 Mar)" in issues[0].message
    assert "ends (18 Mar) before it starts (19 Mar 00:00)" in issues[1].message


def test_a_date_only_end_means_the_end_of_that_day() -> None:
    assert (
        found(
            item("2026-03-14 19:00", "2026-03-14"),  # evening item ending "on the 14th"
            item("2026-03-16", "2026-03-16"),  # a one-day item
            rule="schedule.end_before_start",
        )
        == set()
    )
    assert found(item("2026-03-16", "2026-03-15"), rule="schedule.end_before_start") == {
        ("schedule.end_before_start", "G2")
    }


# --- space conflicts -------------------------------------------------------------------------


def test_overlapping_items_in_one_space_clash_on_the_later_items_space_cell() -> None:
    issues = run(
        item("2026-03-14 19:00", "2026-03-14 22:00", Task="Focus", Space="Main Stage"),
        item("2026-03-14 20:00", "2026-03-14 23:00", Task="Sound check", Space="Main Stage"),
    )
    assert [(i.rule, i.cell) for i in issues] == [("schedule.space_conflict", "D3")]
    assert issues[0].message == (
        "S1 'Focus' and S2 'Sound check' are both in Main Stage on 14 Mar 20:00–22:00; "
        "move one of them."
    )
    assert issues[0].value == "Main Stage"


def test_touching_items_and_other_spaces_do_not_clash() -> None:
    assert (
        found(
            item("2026-03-14 09:00", "2026-03-14 13:00", Space="Main Stage"),
            item("2026-03-14 13:00", "2026-03-14 18:00", Space="Main Stage"),
            item("2026-03-14 10:00", "2026-03-14 12:00", Space="Rehearsal Room"),
            item("2026-03-14 10:00", "2026-03-14 12:00"),  # no space: nothing to clash in
            item("2026-03-14 10:00", "2026-03-14 12:00"),
        )
        == set()
    )


def test_space_names_match_ignoring_case_and_spaces() -> None:
    assert found(
        item("2026-03-14 09:00", "2026-03-14 13:00", Space="Main Stage"),
        item("2026-03-14 12:00", "2026-03-14 18:00", Space=" main  stage"),
    ) == {("schedule.space_conflict", "D3")}


def test_a_date_only_end_runs_to_midnight_but_not_into_the_next_day() -> None:
    assert found(
        item("2026-03-14", "2026-03-14", Space="Main Stage"),
        item("2026-03-14 22:00", "2026-03-14 23:00", Space="Main Stage"),
        item("2026-03-15 00:00", "2026-03-15 08:00", Space="Main Stage"),
        item("2026-03-15", "2026-03-15", Space="Workshop"),
        item("2026-03-16", "2026-03-16", Space="Workshop"),
    ) == {("schedule.space_conflict", "D3")}


def test_cancelled_and_unreadable_items_are_left_out() -> None:
    assert (
        found(
            item("2026-03-14 09:00", "2026-03-14 13:00", Space="Main Stage"),
            item("2026-03-14 10:00", "2026-03-14 12:00", Space="Main Stage", Status="Cancelled"),
            item("2026-03-14 10:00", None, Space="Main Stage"),
            item(None, "2026-03-14 12:00", Space="Main Stage"),
        )
        == set()
    )


def test_an_item_overlapping_several_reports_each_pair_once() -> None:
    issues = run(
        item("2026-03-14 08:00", "2026-03-14 20:00", Space="Stage", ID="LONG"),
        item("2026-03-14 09:00", "2026-03-14 10:00", Space="Stage"),
        item("2026-03-14 11:00", "2026-03-14 12:00", Space="Stage"),
        item("2026-03-14 11:30", "2026-03-14 13:00", Space="Stage"),
    )
    pairs = sorted(i.message.split(" are both")[0] for i in issues)
    assert pairs == [
        "LONG 'Task 1' and S2 'Task 2'",
        "LONG 'Task 1' and S3 'Task 3'",
        "LONG 'Task 1' and S4 'Task 4'",
        "S3 'Task 3' and S4 'Task 4'",
    ]
    assert sorted(i.cell for i in issues) == ["D3", "D4", "D5", "D5"]


# --- people ----------------------------------------------------------------------------------


def test_a_person_on_three_overlapping_items() -> None:
    issues = run(
        item("2026-03-14 09:00", "2026-03-14 12:00", People="Ana Ruiz, Ben Cole"),
        item("2026-03-14 10:00", "2026-03-14 13:00", People="ana ruiz"),
        item("2026-03-14 11:00", "2026-03-14 14:00", People="Ed Fox; , Ana Ruiz"),
        item("2026-03-14 14:00", "2026-03-14 16:00", People="Ana Ruiz"),  # touching: fine
        item("2026-03-14 17:00", "2026-03-14 19:00", People="Ana Ruiz"),  # a break: fine
    )
    assert sorted((i.rule, i.cell) for i in issues) == [
        ("schedule.person_conflict", "E3"),
        ("schedule.person_conflict", "E4"),
        ("schedule.person_conflict", "E4"),
    ]
    assert all(i.severity is Severity.WARNING for i in issues)
    assert "is on both S1 'Task 1' and S2 'Task 2' on 14 Mar 10:00–12:00" in issues[0].message


def test_two_people_on_the_same_two_items_make_one_issue() -> None:
    issues = run(
        item("2026-03-14 09:00", "2026-03-14 12:00", People="Ana, Ben"),
        item("2026-03-14 10:00", "2026-03-14 13:00", People="Ben, Ana, ana"),
    )
    assert [(i.rule, i.cell) for i in issues] == [("schedule.person_conflict", "E3")]
    assert issues[0].message.startswith("Ana and Ben are on both")


# --- turnaround ------------------------------------------------------------------------------


def test_short_rest_between_timed_items_is_a_turnaround_warning_on_the_start() -> None:
    issues = run(
        item("2026-03-14 14:00", "2026-03-14 23:30", People="Ana"),
        item("2026-03-15 08:00", "2026-03-15 12:00", People="Ana"),  # 8 h 30 min rest
        item("2026-03-16 08:00", "2026-03-16 12:00", People="Ana"),  # 20 h rest
    )
    assert [(i.rule, i.cell) for i in issues] == [("schedule.turnaround", "F3")]
    assert "Ana has only 8 h 30 min between S1" in issues[0].message
    assert "minimum turnaround is 10 h" in issues[0].message


def test_turnaround_uses_the_configured_minimum() -> None:
    rested = [
        item("2026-03-14 14:00", "2026-03-14 23:30", People="Ana"),
        item("2026-03-15 08:00", "2026-03-15 12:00", People="Ana"),
    ]
    assert (
        found(*rested, context=Context(as_of=AS_OF, min_turnaround=dt.timedelta(hours=8))) == set()
    )


def test_turnaround_is_judged_against_the_latest_end_so_far() -> None:
    assert found(
        item("2026-03-14 08:00", "2026-03-14 23:00", People="Ana"),  # long call
        item("2026-03-14 09:00", "2026-03-14 10:00", People="Ana", Status="Cancelled"),
        item("2026-03-15 06:00", "2026-03-15 09:00", People="Ana"),  # 7 h after the long call
    ) == {("schedule.turnaround", "F4")}


def test_no_turnaround_across_date_only_ends_or_starts_or_other_people() -> None:
    assert (
        found(
            item("2026-03-14", "2026-03-14", People="Ana"),  # a whole day
            item("2026-03-15 06:00", "2026-03-15 09:00", People="Ana"),
            item("2026-03-15 12:00", "2026-03-15 23:00", People="Ben"),
            item("2026-03-16", "2026-03-16", People="Ben"),
            item("2026-03-15 14:00", "2026-03-15 16:00", People="Cy"),
            item("2026-03-15 18:00", "2026-03-15 20:00", People="Dee"),
        )
        == set()
    )


def test_breaks_within_a_working_day_are_not_turnarounds_but_night_calls_are() -> None:
    assert found(
        item("2026-03-14 09:00", "2026-03-14 13:00", People="Ana"),
        item("2026-03-14 14:00", "2026-03-14 18:00", People="Ana"),  # lunch: a break
        item("2026-03-14 20:00", "2026-03-15 02:00", People="Ana"),  # a night call
        item("2026-03-15 09:00", "2026-03-15 12:00", People="Ana"),  # 7 h after it
    ) == {("schedule.turnaround", "F5")}


def test_a_turnaround_is_the_rest_that_takes_in_the_night_not_any_break_across_midnight() -> None:
    issues = run(
        item("2026-03-14 19:00", "2026-03-14 23:30", People="Ana"),  # the show
        item("2026-03-15 00:00", "2026-03-15 02:00", People="Ana"),  # notes: a 30 min break
        item("2026-03-15 08:00", "2026-03-15 12:00", People="Ana"),  # 6 h after the notes
        item("2026-03-15 22:00", "2026-03-16 03:00", People="Ben"),  # a night load-out
        item("2026-03-16 03:00", "2026-03-16 05:00", People="Ben"),  # straight on: no rest
        item("2026-03-16 06:00", "2026-03-16 07:00", People="Ben"),  # 1 h, ending the night
    )
    assert [(i.rule, i.cell) for i in issues] == [
        ("schedule.turnaround", "F4"),
        ("schedule.turnaround", "F7"),
    ]
    assert "Ana has only 6 h between S2 'Task 2' (ends 15 Mar 02:00) and S3" in issues[0].message
    assert "Ben has only 1 h between S5 'Task 5' (ends 16 Mar 05:00) and S6" in issues[1].message


# --- dependencies ----------------------------------------------------------------------------


def test_unknown_dependency_is_an_error_on_the_depends_on_cell() -> None:
    issues = run(
        item("2026-03-14 09:00", "2026-03-14 12:00", ID="S1"),
        item("2026-03-15 09:00", "2026-03-15 12:00", ID="S2", **{"Depends On": "s 1, S99"}),
        item("2026-03-16 09:00", "2026-03-16 12:00", ID="S3", **{"Depends On": "S4"}),
        item("2026-03-16 09:00", "2026-03-16 12:00", ID="S4", Status="Cancelled"),
    )
    assert [(i.rule, i.cell, i.value) for i in issues] == [
        ("schedule.dependency_unknown", "K3", "s 1, S99")
    ]
    assert "depends on S99, which is not an ID" in issues[0].message


def test_an_unknown_dependency_suggests_the_id_it_most_likely_meant() -> None:
    issues = run(
        item("2026-03-14 09:00", "2026-03-14 12:00", ID="FIT-UP"),
        item("2026-03-15 09:00", "2026-03-15 12:00", ID="FOCUS", **{"Depends On": "FITUP"}),
        item("2026-03-16 09:00", "2026-03-16 12:00", ID="TECH", **{"Depends On": "FOCUS, FOKUS"}),
        item("2026-03-16 09:00", "2026-03-16 12:00", ID="DRESS", **{"Depends On": "xyz"}),
    )
    assert [(i.rule, i.cell) for i in issues] == [
        ("schedule.dependency_unknown", "K3"),
        ("schedule.dependency_unknown", "K4"),
        ("schedule.dependency_unknown", "K5"),
    ]
    assert issues[0].message.endswith("correct it or remove it. Did you mean 'FIT-UP'?")
    assert "depends on FOKUS, which is not an ID" in issues[1].message
    assert issues[1].message.endswith("Did you mean 'FOCUS'?")
    assert issues[2].message.endswith("correct it or remove it.")


def test_several_unknown_dependencies_say_which_guess_is_for_which() -> None:
    issues = run(
        item("2026-03-14 09:00", "2026-03-14 12:00", ID="FIT-UP"),
        item("2026-03-14 09:00", "2026-03-14 12:00", ID="FOCUS"),
        item("2026-03-16 09:00", "2026-03-16 12:00", ID="TECH", **{"Depends On": "FITUP, FOKUS"}),
    )
    assert [(i.rule, i.cell) for i in issues] == [("schedule.dependency_unknown", "K4")]
    assert issues[0].message.endswith(
        "correct them or remove them. Did you mean 'FIT-UP' for FITUP and 'FOCUS' for FOKUS?"
    )


def test_a_loop_is_not_reported_again_as_items_out_of_order() -> None:
    # A waits for B and B for A: one loop, and no dependency_order on either edge of it; a
    # third item out of order with a loop member is still reported
    issues = run(
        item("2026-03-14 09:00", "2026-03-14 17:00", ID="A", **{"Depends On": "B"}),
        item("2026-03-14 08:00", "2026-03-14 20:00", ID="B", **{"Depends On": "A"}),
        item("2026-03-14 10:00", "2026-03-14 11:00", ID="C", **{"Depends On": "A"}),
    )
    assert [(i.rule, i.cell) for i in issues] == [
        ("schedule.dependency_cycle", "K2"),
        ("schedule.dependency_order", "K4"),
    ]


def test_dependency_order_needs_only_the_items_start() -> None:
    # Paint's End is blank (a value.required error elsewhere): its Start is still too early
    assert found(
        item("2026-03-14", "2026-03-14", ID="Build"),
        item("2026-03-14 18:00", "", ID="Paint", **{"Depends On": "Build"}),
    ) == {("schedule.dependency_order", "K3")}


def test_no_dependency_order_against_an_end_that_is_not_after_its_start() -> None:
    # the predecessor's End is wrong (an end_before_start error): there is no End to wait for
    assert found(
        item("2026-03-19", "2026-03-18", ID="Build"),
        item("2026-03-18", "2026-03-18", ID="Paint", **{"Depends On": "Build"}),
    ) == {("schedule.end_before_start", "G2")}


@pytest.mark.parametrize("size", [2, 3])
def test_a_loop_is_reported_once_naming_its_items(size: int) -> None:
    items = [
        item(
            f"2026-03-{14 + n} 09:00",
            f"2026-03-{14 + n} 10:00",
            ID=f"S{n + 1}",
            **{"Depends On": f"S{(n + 1) % size + 1}"},
        )
        for n in range(size)
    ]
    items.append(item("2026-03-20 09:00", "2026-03-20 10:00", ID="X", **{"Depends On": "S1"}))
    issues = [i for i in run(*items) if i.rule == "schedule.dependency_cycle"]
    assert [(i.rule, i.cell) for i in issues] == [("schedule.dependency_cycle", "K2")]
    chain = " → ".join(f"S{n + 1}" for n in [*range(size), 0])
    assert f"({chain}: each waits for the next)" in issues[0].message


def test_an_item_depending_on_itself_is_a_loop() -> None:
    assert found(
        item("2026-03-14 09:00", "2026-03-14 12:00", ID="S1", **{"Depends On": "S1"}),
        rule="schedule.dependency",
    ) == {("schedule.dependency_cycle", "K2")}


def test_a_chain_without_a_loop_is_fine() -> None:
    assert (
        found(
            item("2026-03-14 09:00", "2026-03-14 12:00", ID="A"),
            item("2026-03-14 12:00", "2026-03-14 13:00", ID="B", **{"Depends On": "A"}),
            item("2026-03-15", "2026-03-15", ID="C", **{"Depends On": "A, B"}),
            item("2026-03-16", "2026-03-16", ID="D", **{"Depends On": "C"}),
        )
        == set()
    )


def test_loops_handles_long_chains_without_recursion() -> None:
    n = 100_000
    chain = {i: [i + 1] for i in range(n)}
    assert loops(chain) == []
    chain[n] = [0]
    assert [sorted(component) for component in loops(chain)] == [list(range(n + 1))]


def test_starting_before_a_predecessor_ends_is_a_dependency_order_error() -> None:
    issues = run(
        item("2026-03-14", "2026-03-14", ID="Build"),  # ends at the end of the 14th
        item("2026-03-14 18:00", "2026-03-14 20:00", ID="Paint", **{"Depends On": "Build"}),
        item("2026-03-15 00:00", "2026-03-15 02:00", ID="Dry", **{"Depends On": "Build"}),
    )
    assert [(i.rule, i.cell) for i in issues] == [("schedule.dependency_order", "K3")]
    assert "before Build 'Task 1' that it depends on ends (14 Mar)" in issues[0].message


def test_cancelled_items_take_no_part_in_dependency_checks() -> None:
    assert (
        found(
            item(
                "2026-03-14 09:00",
                "2026-03-14 18:00",
                ID="A",
                Status="Cancelled",
                **{"Depends On": "B"},
            ),
            item("2026-03-14 10:00", "2026-03-14 11:00", ID="B", **{"Depends On": "A"}),
            item(
                "2026-03-14 10:00",
                "2026-03-14 11:00",
                ID="C",
                Status="Cancelled",
                **{"Depends On": "nowhere"},
            ),
        )
        == set()
    )


# --- overdue ---------------------------------------------------------------------------------


def test_overdue_items_are_warnings_on_the_due_cell() -> None:
    issues = run(
        item("2026-03-01", "2026-03-01", Due="2026-03-09"),
        item("2026-03-01", "2026-03-01", Due="2026-03-09", Status="Done"),
        item("2026-03-01", "2026-03-01", Due="2026-03-09", Status="Cancelled"),
        item("2026-03-01", "2026-03-01", Due="2026-03-10"),  # due today: not yet overdue
        item("2026-03-01", "2026-03-01"),
    )
    assert [(i.rule, i.cell, i.severity) for i in issues] == [
        ("schedule.overdue", "H2", Severity.WARNING)
    ]
    assert issues[0].value == "2026-03-09"
    assert "was due 9 Mar 2026 and is not Done (Status: Planned)" in issues[0].message


def test_a_missing_schedule_tab_gives_no_schedule_issues() -> None:
    tables = schedule_table(item("2026-03-14 19:00", "2026-03-14 18:00"), title="")
    assert check(tables, CONTEXT) == []
    assert check({}, CONTEXT) == []


# --- scale -----------------------------------------------------------------------------------


def generated(
    n: int, seed: int = 7, *, in_order: bool = True, days: int = 365
) -> list[dict[str, Any]]:
    """A long season: n items over ``days`` in 400 spaces with 4000 people, some clashing; IDs
    follow start times when ``in_order``; most items depend on one about a day earlier."""
    rng = np.random.default_rng(seed)
    base = pd.Timestamp("2026-01-01")
    quarters = rng.integers(0, days * 24 * 4, n)
    if in_order:
        quarters.sort()
    starts = base + pd.to_timedelta(quarters * 15, unit="min")
    lengths = pd.to_timedelta(rng.integers(1, 16, n) * 30, unit="min")
    spaces = rng.integers(0, 400, n)
    people = rng.integers(0, 4000, (n, 2))
    items = []
    for k in range(n):
        items.append(
            {
                "ID": f"S{k}",
                "Start": starts[k].isoformat(sep=" ", timespec="minutes"),
                "End": (starts[k] + lengths[k]).isoformat(sep=" ", timespec="minutes"),
                "Space": f"Space {spaces[k]}",
                "People": f"Person {people[k, 0]}, Person {people[k, 1]}",
                "Depends On": f"S{k - 300}" if k % 10 and k >= 300 else "",
                "Due": "2026-06-01",
                "Status": "Done" if k % 3 else "Planned",
            }
        )
    return items


def test_clashes_match_comparing_every_pair_on_random_data() -> None:
    items = generated(1_500, days=5)
    issues = run(*items)
    named = re.compile(r"S\d+ 'Task \d+'")
    spaces, people = set(), set()
    for i in issues:
        pair = tuple(sorted(named.findall(i.message)))
        if i.rule == "schedule.space_conflict":
            spaces.add(pair)
        elif i.rule == "schedule.person_conflict":
            people.add(pair)
    start = [pd.Timestamp(it["Start"]) for it in items]
    end = [pd.Timestamp(it["End"]) for it in items]
    want_spaces, want_people = set(), set()
    for a in range(len(items)):
        for b in range(a + 1, len(items)):
            if start[a] < end[b] and start[b] < end[a]:
                pair = tuple(sorted(f"{items[k]['ID']} 'Task {k + 1}'" for k in (a, b)))
                if items[a]["Space"] == items[b]["Space"]:
                    want_spaces.add(pair)
                if set(items[a]["People"].split(", ")) & set(items[b]["People"].split(", ")):
                    want_people.add(pair)
    assert want_spaces and want_people
    assert (spaces, people) == (want_spaces, want_people)


def test_a_pasted_block_of_identical_calls_is_a_readable_list() -> None:
    """300 copies of one call in one space: each names a few clashes and counts the rest,
    instead of the 44,850 pairs there are."""
    rows = [["ID", "Task", "Department", "Space", "People", "Start", "End"]] + [
        [
            f"S{i}",
            "Work",
            "Set",
            "Main Stage",
            "",
            dt.datetime(2026, 3, 3, 9),
            dt.datetime(2026, 3, 3, 17),
        ]
        for i in range(300)
    ]
    contents = Contents(
        titles=["Schedule", "Departments"],
        owned=frozenset(),
        tabs={
            "Schedule": RawTab("Schedule", rows),
            "Departments": RawTab("Departments", [["Department"], ["Set"]]),
        },
    )
    tables, _ = read_tables(contents, load_template(), Config())
    found = check(tables, Context(as_of=dt.date(2026, 3, 1)))
    assert all(i.rule == "schedule.space_conflict" for i in found)
    per_cell = Counter(i.cell for i in found)
    assert max(per_cell.values()) == PARTNERS_LISTED
    assert len(found) == sum(min(k, PARTNERS_LISTED) for k in range(300))
    last = [i for i in found if i.cell == "D301"]
    assert last[-1].message.endswith(
        f"It also clashes with {299 - PARTNERS_LISTED} more items in that space."
    )
