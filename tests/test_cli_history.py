"""History, Previous EFC / Movement and the changes digest, through the CLI, on both backends.

Three syncs of one workbook edited in between (amounts changed, rows inserted and sorted, an
item moved, a line removed, a person added, an issue fixed and one introduced): the figures and
the digest are checked to the cent against what was edited, and ``--since`` against each sync.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from tests.backends import GoogleHome
from tests.workbooks import clean_production, column, d, set_cell

Tabs = dict[str, list[list[Any]]]


def _money(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value)).quantize(Decimal("0.01"))


def variance(home: Any, location: str) -> dict[str, dict[str, Decimal | None]]:
    """Budget Variance rows by name (department rows, then category rows), money columns."""
    rows = home.rows(location, "Budget Variance")
    header = rows[0]
    found: dict[str, dict[str, Decimal | None]] = {}
    section = "department"
    for row in rows[1:]:
        if not row:
            continue
        if row[0] in ("By category", "Code"):
            header, section = row, "category" if row[0] == "By category" else "line"
            continue
        if len(row) == 1:  # a heading or a note above or below a section
            continue
        values = row + [None] * (len(header) - len(row))
        found[f"{section}:{row[0]}"] = {
            name: _money(values[header.index(name)]) for name in ("EFC", "Previous EFC", "Movement")
        }
    return found


def changes_tab(home: Any, location: str) -> set[tuple[Any, ...]]:
    """(What, Change, Key, Was, Now, Movement) of each row of the Changes tab."""
    rows = home.rows(location, "Changes")
    assert rows[0] == ["What", "Change", "Key", "Description", "Was", "Now", "Movement"]
    out = set()
    for row in rows[2:]:
        values = row + [None] * (7 - len(row))
        if values[0] == "Budget line" and values[1] != "moved":
            out.add((values[0], values[1], values[2], *(_money(v) for v in values[4:7])))
        else:
            out.add((values[0], values[1], values[2], values[4], values[5]))
    return out


def first_edit(tabs: Tabs) -> Tabs:
    """Between syncs 1 and 2: L-01's ETC up 1,000; T-01's Actual up 6,000 (over budget: an
    issue introduced); a line X-01 inserted at the top, then the lines sorted by Code
    descending; S3 moved a day later."""
    set_cell(tabs, "Budget", 2, "ETC", 2000)  # L-01: EFC 6,000.00 -> 7,000.00
    set_cell(tabs, "Budget", 5, "Actual", 11000.25)  # T-01: EFC 8,000.25 -> 14,000.25
    budget = tabs["Budget"]
    budget.insert(1, ["X-01", "Sound", "Services", "Hired mics", None, 1000, 0, None, 500, None])
    budget[1:] = sorted(budget[1:], key=lambda row: row[0], reverse=True)
    set_cell(tabs, "Schedule", 4, "Start", d("2026-03-05 10:00"))
    set_cell(tabs, "Schedule", 4, "End", d("2026-03-05 14:00"))
    return tabs


def second_edit(tabs: Tabs) -> Tabs:
    """Between syncs 2 and 3: T-01 fixed (the issue resolved); L-02's ETC up 1,500 (at risk:
    an issue introduced); S-01 deleted; L-01 moved from Lighting to Sound; Cy Dow added to
    S4; S3 cancelled."""
    budget = tabs["Budget"]
    code = column(budget, "Code")
    rows = {row[code]: n + 1 for n, row in enumerate(budget) if n}
    set_cell(tabs, "Budget", rows["T-01"], "Actual", 5000.25)  # EFC 14,000.25 -> 8,000.25
    set_cell(tabs, "Budget", rows["L-02"], "ETC", 4000)  # EFC 4,000.00 -> 5,500.00
    set_cell(tabs, "Budget", rows["L-01"], "Department", "Sound")
    del budget[rows["S-01"] - 1]
    set_cell(tabs, "Schedule", 5, "People", "Ana Ruiz; Ben Cole; Cy Dow")
    set_cell(tabs, "Schedule", 4, "Status", "Cancelled")
    return tabs


def test_three_syncs_give_exact_movement_and_changes(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    location = home.make(tabs)
    first = run_cli("sync", location, "--as-of", "2026-03-01")
    assert first.exit_code == 0, first.output
    assert home.hidden(location, "History")
    assert home.titles(location)[-3:] == ["Changes", "History", "Issues"]
    assert home.rows(location, "Changes")[1][0].startswith("History starts with this sync")

    tabs = first_edit(tabs)
    home.edit(location, "Budget", tabs["Budget"])
    home.edit(location, "Schedule", tabs["Schedule"])
    second = run_cli("sync", location, "--as-of", "2026-03-05")
    assert second.exit_code == 0, second.output
    figures = variance(home, location)
    assert figures["department:Lighting"] == {
        "EFC": Decimal("11000.00"),
        "Previous EFC": Decimal("10000.00"),
        "Movement": Decimal("1000.00"),
    }
    assert figures["department:Sound"]["Previous EFC"] == Decimal("2500.50")
    assert figures["department:Sound"]["Movement"] == Decimal("500.00")
    assert figures["department:Set"]["Movement"] == Decimal("6000.00")
    assert figures["department:Total"]["Previous EFC"] == Decimal("20500.75")
    assert figures["department:Total"]["Movement"] == Decimal("7500.00")
    assert figures["category:Services"]["Previous EFC"] == Decimal("0.00")
    assert figures["category:Services"]["Movement"] == Decimal("500.00")
    assert figures["category:Materials"]["Movement"] == Decimal("6000.00")
    # the table of lines over budget or at risk carries them too, per line
    assert figures["line:T-01"] == {
        "EFC": Decimal("14000.25"),
        "Previous EFC": Decimal("8000.25"),
        "Movement": Decimal("6000.00"),
    }
    assert changes_tab(home, location) == {
        ("Budget line", "added", "X-01", None, Decimal("500.00"), Decimal("500.00")),
        (
            "Budget line",
            "re-estimated",
            "T-01",
            Decimal("8000.25"),
            Decimal("14000.25"),
            Decimal("6000.00"),
        ),
        (
            "Budget line",
            "re-estimated",
            "L-01",
            Decimal("6000.00"),
            Decimal("7000.00"),
            Decimal("1000.00"),
        ),
        (
            "Schedule item",
            "moved",
            "S3",
            "Wed 4 Mar 10:00-14:00, Main Stage",
            "Thu 5 Mar 10:00-14:00, Main Stage",
        ),
        ("Issue", "new", "T-01", None, "warning"),
    }
    summary = {row[0]: row[1] for row in home.rows(location, "Summary") if len(row) > 1}
    assert _money(summary["Movement since 2026-03-01"]) == Decimal("7500.00")
    assert _money(summary["Largest movement: T-01 Lumber (re-estimated)"]) == Decimal("6000.00")

    tabs = second_edit(tabs)
    home.edit(location, "Budget", tabs["Budget"])
    home.edit(location, "Schedule", tabs["Schedule"])
    third = run_cli("sync", location, "--as-of", "2026-03-08")
    assert third.exit_code == 0, third.output
    figures = variance(home, location)
    # L-01 (7,000.00) left Lighting for Sound: each department moves by what it holds
    assert figures["department:Lighting"]["Previous EFC"] == Decimal("11000.00")
    assert figures["department:Lighting"]["Movement"] == Decimal("-5500.00")
    assert figures["department:Sound"] == {
        "EFC": Decimal("7500.00"),
        "Previous EFC": Decimal("3000.50"),
        "Movement": Decimal("4499.50"),
    }
    assert figures["department:Set"]["Movement"] == Decimal("-6000.00")
    assert figures["department:Total"]["Previous EFC"] == Decimal("28000.75")
    assert figures["department:Total"]["Movement"] == Decimal("-7000.50")
    assert figures["category:Labour"]["Previous EFC"] == Decimal("6500.50")
    assert figures["category:Labour"]["Movement"] == Decimal("-1000.50")
    assert figures["category:Rentals"]["Movement"] == Decimal("0.00")
    assert figures["line:L-02"]["Previous EFC"] == Decimal("4000.00")  # at risk now
    assert figures["line:L-02"]["Movement"] == Decimal("1500.00")
    assert "line:T-01" not in figures  # back within budget
    assert changes_tab(home, location) == {
        (
            "Budget line",
            "re-estimated",
            "T-01",
            Decimal("14000.25"),
            Decimal("8000.25"),
            Decimal("-6000.00"),
        ),
        (
            "Budget line",
            "re-estimated",
            "L-02",
            Decimal("4000.00"),
            Decimal("5500.00"),
            Decimal("1500.00"),
        ),
        ("Budget line", "removed", "S-01", Decimal("2500.50"), None, Decimal("-2500.50")),
        ("Budget line", "moved", "L-01", "Lighting / Rentals", "Sound / Rentals"),
        ("Schedule item", "people", "S4", None, "+Cy Dow"),
        ("Schedule item", "cancelled", "S3", "Thu 5 Mar 10:00-14:00, Main Stage", None),
        ("Issue", "new", "L-02", None, "warning"),
        ("Issue", "resolved", "T-01", "warning", None),
    }

    # the changes command says the same, against the previous sync or any earlier one
    digest = json.loads(
        run_cli("changes", location, "--as-of", "2026-03-08", "--format", "json").stdout
    )
    assert digest["since"]["as_of"] == "2026-03-05"
    assert {(c["code"], c["change"], c["old_efc"], c["new_efc"]) for c in digest["lines"]} == {
        ("T-01", "re-estimated", "14000.25", "8000.25"),
        ("L-02", "re-estimated", "4000.00", "5500.00"),
        ("S-01", "removed", "2500.50", None),
        ("L-01", "moved", "7000.00", "7000.00"),
    }
    assert [(i["id"], i["change"], i["people_added"]) for i in digest["items"]] == [
        ("S3", "cancelled", []),
        ("S4", "people", ["Cy Dow"]),
    ]
    assert {(i["change"], i["rule"], i["key"]) for i in digest["issues"]} == {
        ("new", "budget.near_limit", "L-02"),
        ("resolved", "budget.over", "T-01"),
    }
    since_first = json.loads(
        run_cli("changes", location, "--since", "2026-03-04", "--format", "json").stdout
    )
    assert since_first["since"]["as_of"] == "2026-03-01"
    assert {(c["code"], c["change"], c["movement"]) for c in since_first["lines"]} == {
        ("X-01", "added", "500.00"),
        ("L-02", "re-estimated", "1500.00"),
        ("L-01", "re-estimated", "1000.00"),
        ("L-01", "moved", "1000.00"),
        ("S-01", "removed", "-2500.50"),
    }
    assert {(i["id"], i["change"]) for i in since_first["items"]} == {
        ("S3", "cancelled"),
        ("S3", "moved"),
        ("S4", "people"),
    }
    # the issue introduced and fixed in between is neither new nor resolved since then
    assert {(i["change"], i["rule"]) for i in since_first["issues"]} == {
        ("new", "budget.near_limit")
    }
    text = run_cli("changes", location, "--since", "2026-03-05", "--as-of", "2026-03-08")
    assert text.exit_code == 0
    assert "changes since the sync of 2026-03-05" in text.output
    assert "EFC 4,000.00 -> 5,500.00 (+1,500.00)" in text.output

    # report says what the Budget Variance says; the day after, it compares with sync 3
    report = json.loads(
        run_cli("report", location, "--as-of", "2026-03-08", "--format", "json").stdout
    )
    lighting = report["budget"]["by_department"][0]
    assert (lighting["department"], lighting["previous_efc"], lighting["movement"]) == (
        "Lighting",
        "11000.00",
        "-5500.00",
    )
    report = json.loads(
        run_cli("report", location, "--as-of", "2026-03-09", "--format", "json").stdout
    )
    lighting = report["budget"]["by_department"][0]
    assert (lighting["previous_efc"], lighting["movement"]) == ("5500.00", "0.00")
    report = json.loads(
        run_cli(
            "report", location, "--as-of", "2026-03-08", "--since", "2026-03-01", "--format", "json"
        ).stdout
    )
    by_category = {c["category"]: c for c in report["budget"]["by_category"]}
    assert by_category["Labour"]["previous_efc"] == "6500.50"
    assert by_category["Labour"]["movement"] == "-1000.50"
    assert {(m["code"], m["movement"]) for m in report["budget"]["lines_moved"]} == {
        ("X-01", "500.00"),
        ("L-01", "1000.00"),
        ("L-02", "1500.00"),
    }

    validate = json.loads(
        run_cli("validate", location, "--as-of", "2026-03-09", "--format", "json").stdout
    )
    [near] = validate["issues"]
    assert (near["rule"], near["status"], near["open_since"]) == (
        "budget.near_limit",
        "open",
        "2026-03-08",
    )
    older = json.loads(
        run_cli(
            "validate",
            location,
            "--as-of",
            "2026-03-08",
            "--since",
            "2026-03-05",
            "--format",
            "json",
        ).stdout
    )
    assert [(i["rule"], i["status"]) for i in older["issues"]] == [("budget.near_limit", "new")]

    too_early = run_cli("changes", location, "--since", "2026-02-01")
    assert too_early.exit_code == 2
    assert "starts on 2026-03-01" in too_early.output


def test_a_duplicated_code_is_one_issue_and_left_out_of_movement(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    location = home.make(tabs)
    assert run_cli("sync", location, "--as-of", "2026-03-01").exit_code == 0
    set_cell(tabs, "Budget", 3, "ETC", 3500)  # L-02: EFC 4,000.00 -> 5,000.00
    set_cell(tabs, "Budget", 2, "ETC", 9000)  # L-01: EFC 6,000.00 -> 14,000.00 ...
    tabs["Budget"].append(  # ... but L-01 now appears twice
        ["L-01", "Lighting", "Rentals", "Spare lamps", None, 500, 0, 0, 100, None]
    )
    home.edit(location, "Budget", tabs["Budget"])
    result = run_cli("sync", location, "--as-of", "2026-03-02")
    assert result.exit_code == 1
    issues = json.loads(
        run_cli("validate", location, "--as-of", "2026-03-02", "--format", "json").stdout
    )["issues"]
    assert [(i["rule"], i["cell"]) for i in issues if i["rule"] == "id.duplicate"] == [
        ("id.duplicate", "A6")
    ]
    figures = variance(home, location)
    # Lighting moved by L-02's 1,000.00 only: L-01 is left out on both sides
    assert figures["department:Lighting"]["Previous EFC"] == Decimal("4000.00")
    assert figures["department:Lighting"]["Movement"] == Decimal("1000.00")
    assert {row[2] for row in changes_tab(home, location) if row[0] == "Budget line"} == {"L-02"}
    # once the Code is made unique again, L-01 moves against what the history last knew
    set_cell(tabs, "Budget", 6, "Code", "L-03")
    home.edit(location, "Budget", tabs["Budget"])
    assert run_cli("sync", location, "--as-of", "2026-03-03").exit_code == 0
    lines = {row[2]: row for row in changes_tab(home, location) if row[0] == "Budget line"}
    assert lines["L-01"][3:] == (Decimal("6000.00"), Decimal("14000.00"), Decimal("8000.00"))
    assert lines["L-03"][1] == "added"


def test_a_hand_edited_history_is_reported_not_trusted(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    location = home.make(tabs)
    assert run_cli("sync", location, "--as-of", "2026-03-01").exit_code == 0
    log = home.rows(location, "History")
    row = next(n for n, r in enumerate(log) if r[3:5] == ["L-01", "(added)"])
    record = json.loads(log[row][6])
    record["EFC"] = "1.00"  # someone "corrects" the EFC the history recorded ...
    log[row][6] = json.dumps(record)
    log.append(["yesterday", "2026-03-01", "Budget", "L-02", "EFC", "4000.00", "1.00"])
    log = [r + [None] * (7 - len(r)) for r in log]
    home.edit(location, "History", log)

    result = run_cli("validate", location, "--as-of", "2026-03-02", "--format", "json")
    damaged = [i for i in json.loads(result.stdout)["issues"] if i["rule"] == "history.damaged"]
    # the edited record still parses (so it is believed, as written), the made-up row does not
    assert [(i["severity"], i["cell"]) for i in damaged] == [("warning", f"A{len(log)}")]
    report = json.loads(
        run_cli("report", location, "--as-of", "2026-03-02", "--format", "json").stdout
    )
    lighting = report["budget"]["by_department"][0]
    assert lighting["previous_efc"] == "4001.00"  # 1.00 + L-02's 4,000.00, not the made-up 1.00

    # a row whose Old does not follow from the rows before it is not trusted either
    log[row][6] = json.dumps({**record, "EFC": "6000.00"})
    log[-1] = [log[1][0], "2026-03-01", "Budget", "L-02", "EFC", "999.00", "1.00"]
    home.edit(location, "History", log)
    result = run_cli("sync", location, "--as-of", "2026-03-02")
    assert result.exit_code == 0, result.output
    assert "history.damaged" in result.output
    assert variance(home, location)["department:Lighting"]["Previous EFC"] == Decimal("10000.00")
    # the sync rewrote the History without the damaged row: the warning does not come back
    again = run_cli("validate", location, "--as-of", "2026-03-02", "--format", "json")
    assert "history.damaged" not in {i["rule"] for i in json.loads(again.stdout)["issues"]}


def test_a_workbook_without_history_keeps_its_figures_and_issues(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 5, "Actual", 11000.25)
    location = home.make(tabs)
    before = json.loads(
        run_cli("report", location, "--as-of", "2026-03-01", "--format", "json").stdout
    )
    assert "since" not in before and "status" not in before["issues"][0]
    assert "previous_efc" not in before["budget"]["by_department"][0]
    assert "has no history yet" in run_cli("changes", location).output
    assert run_cli("sync", location, "--as-of", "2026-03-01").exit_code == 0
    after = json.loads(
        run_cli("report", location, "--as-of", "2026-03-01", "--format", "json").stdout
    )
    assert after["issues"] == [
        {**i, "status": "open", "open_since": "2026-03-01"} for i in before["issues"]
    ]
    for key in ("by_department", "by_category"):
        assert [
            {k: v for k, v in r.items() if k not in ("previous_efc", "movement")}
            for r in after["budget"][key]
        ] == before["budget"][key]
    assert all(r["movement"] == "0.00" for r in after["budget"]["by_department"])


def test_google_history_costs_three_calls_and_grows_by_appending(
    sheets_server: Any, tmp_path: Any, run_cli: Any
) -> None:
    google = GoogleHome(tmp_path, sheets_server)
    tabs = clean_production()
    for n in range(3_000):  # more than one 2 MB update can record at once
        tabs["Budget"].append(
            [f"X-{n:04}", "Set", "Other", f"Item {n}", None, 100, n % 7, 0, 1, None]
        )
    location = google.make(tabs)
    key = location.removeprefix("gsheets:")
    calls = [
        ("GET", f"/v4/spreadsheets/{key}"),
        ("GET", f"/v4/spreadsheets/{key}/values:batchGet"),
        ("POST", f"/v4/spreadsheets/{key}:batchUpdate"),
    ]
    sizes = []
    for day in ("2026-03-01", "2026-03-02"):
        sheets_server.calls.clear()
        assert run_cli("sync", location, "--as-of", day).exit_code == 0
        made = [c for c in sheets_server.calls if c["path"].startswith("/v4/")]
        assert [(c["method"], c["path"]) for c in made] == calls
        # the one batchGet reads the History back too, once there is one
        assert ("History" in made[1]["query"]["ranges"]) == (day == "2026-03-02")
        sizes.append(made[2]["request_bytes"])
    # the first sync recorded what fitted; the second the rest, which is not "added"
    markers = [
        r[6] if len(r) > 6 else None for r in google.rows(location, "History") if r[2] == "(sync)"
    ]
    assert markers == ["partial", None]
    assert google.rows(location, "Changes")[2][0] == "Nothing changed."

    set_cell(tabs, "Budget", 3000, "ETC", 101)
    google.edit(location, "Budget", tabs["Budget"])
    sheets_server.calls.clear()
    assert run_cli("sync", location, "--as-of", "2026-03-03").exit_code == 0
    written = [c for c in sheets_server.calls if c["path"].endswith(":batchUpdate")]
    assert len(written) == 1 and written[0]["request_bytes"] < sizes[0] // 2
    assert changes_tab(google, location) == {
        (
            "Budget line",
            "re-estimated",
            "X-2994",
            Decimal("6.00"),
            Decimal("106.00"),
            Decimal("100"),
        ),
        ("Issue", "new", "X-2994", None, "warning"),  # budget.over: 106.00 of 100.00
    }
    assert sum(1 for _ in google.rows(location, "History")) > 3_000


def test_past_max_rows_the_oldest_syncs_fold_into_one_baseline(home: Any, run_cli: Any) -> None:
    home.settings("[history]\nmax_rows = 100\n")
    tabs = clean_production()
    for n in range(40):  # 44 lines and 4 items: 49 rows a first sync, 41 each later one
        tabs["Budget"].append([f"X-{n:02}", "Set", "Other", f"Item {n}", None, 100, 0, 0, 1, None])
    location = home.make(tabs)
    for day, etc in (("2026-03-01", 1), ("2026-03-02", 2), ("2026-03-03", 3)):
        for row in tabs["Budget"][5:]:
            row[column(tabs["Budget"], "ETC")] = etc
        home.edit(location, "Budget", tabs["Budget"])
        assert run_cli("sync", location, "--as-of", day).exit_code == 0
    log = home.rows(location, "History")
    assert len(log) - 1 == 90  # 131 rows would pass 100: sync 1 and 2 fold into one baseline
    assert [r[:3] for r in log if r[2] in ("(sync)", "(baseline)")] == [
        [log[1][0], "2026-03-02", "(baseline)"],
        [log[-41][0], "2026-03-03", "(sync)"],
    ]
    figures = variance(home, location)
    assert figures["department:Set"]["Movement"] == Decimal("40.00")
    too_early = run_cli("changes", location, "--since", "2026-03-01")
    assert too_early.exit_code == 2


def test_a_tab_of_their_own_named_history_is_left_alone(home: Any, run_cli: Any) -> None:
    tabs: dict[str, Any] = clean_production()
    tabs["History"] = [["Year", "Show"], ["2019", "Hamlet"]]
    location = home.make(tabs)
    result = run_cli("sync", location, "--as-of", "2026-03-01")
    assert result.exit_code == 0, result.output
    assert "Left out History: the workbook has a tab named History" in result.output
    assert home.rows(location, "History") == [["Year", "Show"], ["2019", "Hamlet"]]
    assert "Changes" in home.titles(location)
    again = run_cli("sync", location, "--as-of", "2026-03-02")
    assert again.exit_code == 0
    assert home.rows(location, "History") == [["Year", "Show"], ["2019", "Hamlet"]]
    assert "Movement" not in home.rows(location, "Budget Variance")[0]


def test_rows_sorted_and_a_tab_renamed_through_tabs_change_nothing(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 5, "Actual", 11000.25)  # T-01 over budget: an open issue
    location = home.make(tabs)
    assert run_cli("sync", location, "--as-of", "2026-03-01").exit_code == 0
    budget = tabs["Budget"]
    budget[1:] = sorted(budget[1:], key=lambda row: row[0], reverse=True)
    home.edit(location, "Budget", budget)
    home.rename(location, "Budget", "Costs")
    home.settings('[tabs]\nBudget = "Costs"\n')
    assert run_cli("sync", location, "--as-of", "2026-03-02").exit_code == 0
    assert home.rows(location, "Changes")[2][0] == "Nothing changed."
    issues = json.loads(
        run_cli("validate", location, "--as-of", "2026-03-03", "--format", "json").stdout
    )["issues"]
    assert [(i["rule"], i["cell"], i["status"], i["open_since"]) for i in issues] == [
        ("budget.over", "F2", "open", "2026-03-01")
    ]
