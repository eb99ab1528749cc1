"""Crew and equipment through the CLI, on both backends: each rule kept as well as broken,
nothing new without the tabs, rule sets from prodsheets.toml, and the tabs sync writes.

The breaking case of every rule is in ``tests/test_cli_validate.py`` (BREAKS); the cases
themselves live in ``tests/crew_workbooks.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import found, issues_of
from tests.crew_workbooks import (
    CREW_BREAKS,
    CREW_HEADERS,
    CREW_KEEPS,
    DINNER,
    EQUIPMENT_HEADERS,
    add_item,
    book,
    cell,
    chain,
    crew,
    crew_rows,
    schedule_row,
)
from tests.test_cli_init import PLANTED
from tests.workbooks import AS_OF, clean_production, d, set_cell
from tests.xlsx_fixtures import SOFFICE, convert

NEW_RULES = ("crew.", "equipment.")


def validate(home: Any, run_cli: Any, tabs: dict[str, Any]) -> Any:
    return run_cli("validate", home.make(tabs), "--format", "json", "--as-of", AS_OF)


@pytest.mark.parametrize("rule", sorted(CREW_KEEPS))
def test_rule_is_kept_by_a_workbook_that_comes_close(rule: str, home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    CREW_KEEPS[rule](tabs)
    result = validate(home, run_cli, tabs)
    assert rule not in {i["rule"] for i in issues_of(result)}, result.output


@pytest.mark.parametrize("rule", sorted(CREW_BREAKS))
def test_rule_needs_its_tab(rule: str, home: Any, run_cli: Any) -> None:
    """The breaking change, less the Crew and Equipment tabs: none of the new rules fires,
    and the issues are those of today's checks on the same Schedule."""
    tabs = clean_production()
    CREW_BREAKS[rule][0](tabs)
    tabs.pop("Crew", None)
    tabs.pop("Equipment", None)
    result = validate(home, run_cli, tabs)
    assert not [i for i in issues_of(result) if i["rule"].startswith(NEW_RULES)]
    assert result.exit_code == 0, result.output


def test_without_the_new_tabs_todays_checks_give_todays_issues(home: Any, run_cli: Any) -> None:
    """People and Equipment filled in, no Crew or Equipment tab: exactly the schedule issues
    of before (a clash and a short turnaround), worded as before."""
    tabs = clean_production()
    chain(
        book(5, "20 x Moving Light"),
        add_item(schedule_row("S5", "Notes", "Ana Ruiz", "2026-03-13 02:00", "2026-03-13 03:00")),
        add_item(schedule_row("S6", "Fit-up", "Ben Cole", "2026-03-12 20:00", "2026-03-12 21:00")),
    )(tabs)
    result = validate(home, run_cli, tabs)
    assert found(result) == {
        ("schedule.person_conflict", "E7"),
        ("schedule.turnaround", "F6"),
    }, result.output
    [rest] = [i for i in issues_of(result) if i["rule"] == "schedule.turnaround"]
    assert rest["message"] == (
        "Ana Ruiz has only 4 h between S4 'Tech' (ends 12 Mar 22:00) and S5 'Notes' (starts "
        "13 Mar 02:00); the minimum turnaround is 10 h. Start S5 later or call someone else."
    )


def test_an_empty_crew_tab_makes_nobody_unknown(home: Any, run_cli: Any) -> None:
    """``init`` lays out an empty Crew tab: names in People are unknown only once the tab
    lists someone."""
    tabs = clean_production()
    tabs["Crew"] = [list(CREW_HEADERS)]
    tabs["Equipment"] = [list(EQUIPMENT_HEADERS)]
    empty = validate(home, run_cli, tabs)
    assert issues_of(empty) == [], empty.output
    tabs["Crew"] = crew_rows()[:2]  # Ana Ruiz only
    listed = validate(home, run_cli, tabs)
    assert found(listed) == {("crew.unknown", c) for c in ("E2", "E4", "E5")}
    [tech] = [i for i in issues_of(listed) if i["cell"] == "E5"]
    assert tech["message"].startswith("Ben Cole on S4 'Tech' is not in the Crew tab;")


def test_own_rest_replaces_the_production_turnaround(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    late = schedule_row("S5", "Notes session", "Ana Ruiz", "2026-03-04 02:00", "2026-03-04 03:00")
    tabs["Schedule"].append(late[:12])
    tabs["Crew"] = crew_rows()
    assert ("schedule.turnaround", "F6") in found(validate(home, run_cli, tabs))
    tabs["Crew"] = crew_rows(ana="Example Crew")
    result = validate(home, run_cli, tabs)
    assert ("crew.turnaround", "F6") in found(result)
    assert "schedule.turnaround" not in {i["rule"] for i in issues_of(result)}
    [rest] = [i for i in issues_of(result) if i["rule"] == "crew.turnaround"]
    assert "the Example Crew rule set asks for 10 h of rest" in rest["message"]


def test_rule_sets_and_a_default_from_prodsheets_toml(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    chain(crew(), DINNER)(tabs)
    set_cell(tabs, "Schedule", 5, "Start", d("2026-03-12 07:00"))  # a 15-hour tech
    home.settings('[rule_sets]\ndefault = "Local"\n[rule_sets.Local]\nmax_hours_per_day = 13\n')
    result = validate(home, run_cli, tabs)
    assert found(result) == {("crew.long_day", "G5")}, result.output
    [long_day] = issues_of(result)
    assert long_day["message"].startswith(
        "Ana Ruiz and Ben Cole are called for 14 h on 12 Mar (S4 'Tech');"
    )
    assert "the Local rule set allows 13 h a day" in long_day["message"]


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ("[rule_sets.Local]\nmax_hours = 12\n", "unknown key 'max_hours'"),
        ("[rule_sets.Local]\nmax_consecutive_days = 5.5\n", "whole number of days"),
        ('[rule_sets]\ndefault = "Loacl"\n', "'Loacl', which is not a rule set"),
    ],
)
def test_a_bad_rule_set_is_a_configuration_problem(
    settings: str, says: str, home: Any, run_cli: Any
) -> None:
    home.settings(settings)
    result = run_cli("validate", home.make(clean_production()), "--as-of", AS_OF)
    assert result.exit_code == 2
    assert says in result.output
    assert "Traceback" not in result.output


def test_unreadable_crew_and_equipment_cells_are_named(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    tabs["Crew"] = crew_rows()
    set_cell(tabs, "Crew", 2, "Unavailable", "14 March-ish")
    tabs["Equipment"] = [list(EQUIPMENT_HEADERS), ["Moving Light", "twelve", None, None, None]]
    result = validate(home, run_cli, tabs)
    assert found(result) == {("value.type", "G2"), ("value.type", "B2")}
    assert result.exit_code == 1


def test_unavailable_dates_as_people_type_them(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    tabs["Crew"] = crew_rows()
    typed = ((2, "3/1/2026;\n12 Mar 2026"), (3, "2026-03-10 to 2026-03-12"), (4, d("2026-03-02")))
    for row, value in typed:  # Cy Dow's is a date cell: a serial number on Google
        set_cell(tabs, "Crew", row, "Unavailable", value)
    result = validate(home, run_cli, tabs)
    assert found(result) == {("crew.unavailable", "E5"), ("crew.unavailable", "E2")}
    away = {i["cell"]: i["message"] for i in issues_of(result)}
    assert away["E5"].startswith("Ana Ruiz and Ben Cole are called to S4 'Tech'")
    assert away["E2"].startswith("Cy Dow is called to S1 'Load-in' on 2 Mar 08:00–17:00")


def test_sync_writes_the_crew_report_and_the_equipment_section(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    CREW_BREAKS["equipment.overbooked"][0](tabs)
    tabs["Crew"] = crew_rows(ana="Example Crew")
    tabs["Equipment"].append(["Haze Machine", 1, "Bright Lights Hire", 85, None])
    set_cell(tabs, "Schedule", 5, "Equipment", "Haze Machine")
    location = home.make(tabs)
    result = run_cli("sync", location, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    titles = home.titles(location)
    assert titles[-2:] == ["Crew Report", "Issues"]
    rows = home.rows(location, "Crew Report")
    assert rows[0] == [
        "Name",
        "Department",
        "Role",
        "Rule Set",
        "Calls",
        "Hours this week",
        "Hours in total",
        "Days in a row",
        "Issues",
    ]
    ana = next(row for row in rows if row[0] == "Ana Ruiz")
    # S2 focus (9 h, 3 Mar) and S4 tech (12 h, 12 Mar); the week of 9 Mar holds the tech only
    assert ana[3:8] == ["Example Crew", 2, 12, 21, 1]
    assert ana[8] == 2  # two meal breaks missed
    report = home.rows(location, "Schedule Report")
    lights = next(row for row in report if row and row[0] == "Moving Light")
    assert lights[1:3] == [4, 5]
    haze = next(row for row in report if row and row[0] == "Haze Machine")
    assert haze[4:6] == ["Bright Lights Hire", 85]  # 1 x 1 day x $85.00
    hire = next(row for row in report if row and row[0] == "Hire by vendor")
    vendor = report[report.index(hire) + 1]
    assert vendor == ["Bright Lights Hire", 1, 85, 1, 8000, 6000]


def test_no_crew_tab_no_crew_report(home: Any, run_cli: Any) -> None:
    location = home.make(clean_production())
    assert run_cli("sync", location, "--as-of", AS_OF).exit_code == 0
    assert "Crew Report" not in home.titles(location)
    report = home.rows(location, "Schedule Report")
    assert not any(row and row[0] in ("Equipment", "Hire by vendor") for row in report)


def test_a_crew_tab_of_the_teams_own_is_left_alone(home: Any, run_cli: Any) -> None:
    """A tab named Crew without a Name column was never ours: one warning, and no crew.*
    rule reads it, so the workbook still passes."""
    tabs = clean_production()
    tabs["Crew"] = [["Who", "Mobile"], ["Dee", "555-0100"]]
    result = validate(home, run_cli, tabs)
    assert [(i["rule"], i["severity"], i["tab"]) for i in issues_of(result)] == [
        ("header.missing", "warning", "Crew")
    ]
    assert "does not read it as the Crew tab" in issues_of(result)[0]["message"]
    assert result.exit_code == 0


def test_placeholder_names_and_kit_are_not_unknown(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    chain(crew(), book(5, "TBC"))(tabs)
    tabs["Equipment"] = [list(EQUIPMENT_HEADERS), ["Moving Light", 4, None, None, None]]
    set_cell(tabs, "Schedule", 4, "People", "Ben Cole, TBC; ?")
    result = validate(home, run_cli, tabs)
    assert issues_of(result) == [], result.output


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_the_example_saved_by_libreoffice_finds_the_same(run_cli: Any, tmp_path: Path) -> None:
    """A real spreadsheet program's file: the example's Crew and Equipment tabs, opened and
    saved again by LibreOffice, read and check as prodsheets wrote them."""
    written = tmp_path / "example.xlsx"
    assert run_cli("init", str(written), "--example").exit_code == 0
    profile = tmp_path / "profile"
    [saved] = convert([written], tmp_path / "saved", "xlsx", profile)
    result = run_cli("validate", str(saved), "--format", "json")
    assert result.exit_code == 0, result.output
    assert sorted((i["tab"], i["rule"], i["cell"]) for i in issues_of(result)) == sorted(PLANTED)


def test_crew_and_equipment_cells_follow_the_shared_cell_rules(home: Any, run_cli: Any) -> None:
    """Name is unique ignoring case and spacing, Department and Vendor must be listed, a
    Daily Rate cannot be negative: the same rules, and messages, as in the source tabs."""
    tabs = clean_production()
    tabs["Crew"] = crew_rows()
    tabs["Crew"].append(["ana  RUIZ", "Lightng", None, None, None, None, None, None])
    tabs["Equipment"] = [
        list(EQUIPMENT_HEADERS),
        ["Moving Light", 4, "Brite Lights Hire", 40, None],
        ["moving light", 2, None, -5, None],
    ]
    result = validate(home, run_cli, tabs)
    assert found(result) == {
        ("id.duplicate", "A6"),
        ("ref.unknown", "B6"),
        ("ref.unknown", "C2"),
        ("id.duplicate", "A3"),
        ("value.negative", "D3"),
    }, result.output
    messages = {i["cell"]: i["message"] for i in issues_of(result)}
    assert "Did you mean 'Lighting'?" in messages["B6"]
    assert "Did you mean 'Bright Lights Hire'?" in messages["C2"]


def test_report_json_carries_the_crew_and_equipment_figures(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    chain(crew(ana="Example Crew"), DINNER)(tabs)
    tabs["Equipment"] = [list(EQUIPMENT_HEADERS), ["Haze Machine", 2, "Bright Lights Hire", 85.5]]
    chain(book(4, "Haze Machine"), book(5, "2 x Haze Machines"))(tabs)
    result = run_cli("report", home.make(tabs), "--format", "json", "--as-of", AS_OF)
    document = json.loads(result.stdout)
    ana = next(person for person in document["crew"] if person["name"] == "Ana Ruiz")
    assert ana == {
        "name": "Ana Ruiz",
        "department": "Lighting",
        "role": "Lighting designer",
        "rule_set": "Example Crew",
        "calls": 2,
        "hours_this_week": 12.0,
        "hours_in_total": 21.0,
        "days_in_a_row": 1,
    }
    assert document["equipment"] == [
        {
            "item": "Haze Machine",
            "quantity": 2,
            "peak_booked": 2,
            "peak_at": "2026-03-12T10:00:00",
            "vendor": "Bright Lights Hire",
            "days_hired": 9,  # 4 Mar to 12 Mar
            "hire_cost": "1539.00",  # 2 x 9 days x $85.50
        }
    ]
    assert document["hire"] == [
        {
            "vendor": "Bright Lights Hire",
            "days_hired": 9,
            "hire_cost": "1539.00",
            "lines": 1,
            "budgeted": "8000.00",
            "efc": "6000.00",
        }
    ]
    plain = run_cli("report", home.make(clean_production()), "--format", "json", "--as-of", AS_OF)
    assert not {"crew", "equipment", "hire"} & set(json.loads(plain.stdout))


def test_cancelled_items_take_part_in_no_crew_or_equipment_check(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    chain(
        CREW_BREAKS["equipment.overbooked"][0],  # S5 (row 6) overbooks the moving lights
        crew(ana="Example Crew"),  # Ana's 12-hour tech (row 5) has no meal break
        cell("Crew", 3, "Unavailable", "2026-03-12"),  # and Ben is away that day
    )(tabs)
    broken = {rule for rule, _ in found(validate(home, run_cli, tabs))}
    assert {"equipment.overbooked", "crew.meal_break", "crew.unavailable"} <= broken
    for row in (5, 6):
        set_cell(tabs, "Schedule", row, "Status", "Cancelled")
    set_cell(tabs, "Schedule", 3, "Status", "Cancelled")  # and Ana's long focus day
    result = validate(home, run_cli, tabs)
    assert issues_of(result) == [], result.output


def test_the_crew_tab_may_have_another_name(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    CREW_BREAKS["crew.unknown"][0](tabs)
    tabs["Company"] = tabs.pop("Crew")
    home.settings('[tabs]\nCrew = "Company"\n')
    result = validate(home, run_cli, tabs)
    assert found(result) == {("crew.unknown", "E4")}
