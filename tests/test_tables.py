"""Source tabs -> typed tables: tab and header matching, blank rows, and cell issues."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from prodsheets.a1 import column_index, column_letter
from prodsheets.backends.base import CellProblem, Contents, RawCell, RawTab
from prodsheets.checks import Context, values
from prodsheets.config import Config
from prodsheets.issues import Issue, Severity
from prodsheets.tables import (
    Table,
    read_tables,
    source_titles,
    total_label,
)
from prodsheets.template import Template, load_template

TEMPLATE = load_template()


def contents(*tabs: RawTab) -> Contents:
    titles = [t.title for t in tabs]
    return Contents(titles=titles, owned=frozenset(), tabs={t.title: t for t in tabs})


def read(*tabs: RawTab, config: Config | None = None) -> tuple[dict[str, Table], list[Issue]]:
    """The tabs read, without the warnings for absent optional money columns: the small tabs
    here leave Actual, Committed and ETC out on purpose (test_adopt.py covers that warning)."""
    tables, issues = read_tables(contents(*tabs), TEMPLATE, config or Config())
    return tables, [i for i in issues if not _optional_column(i)]


def _optional_column(found: Issue) -> bool:
    return found.rule == "header.missing" and found.severity == Severity.WARNING


def found(issues: list[Issue], *rules: str) -> list[tuple[str, str]]:
    return [(i.rule, i.cell) for i in issues if not rules or i.rule in rules]


DEPARTMENTS = RawTab("Departments", [["Department", "Allocation"], ["Lighting", 1000]])


@pytest.mark.parametrize(
    ("index", "letters"),
    [
        (0, "A"),
        (1, "B"),
        (25, "Z"),
        (26, "AA"),
        (27, "AB"),
        (51, "AZ"),
        (52, "BA"),
        (701, "ZZ"),
        (702, "AAA"),
        (16383, "XFD"),
    ],
)
def test_column_letters(index: int, letters: str) -> None:
    assert column_letter(index) == letters
    assert column_index(letters) == index
    assert column_index(letters.lower()) == index


def test_column_letters_round_trip() -> None:
    for index in range(0, 20_000, 7):
        assert column_index(column_letter(index)) == index


@pytest.mark.parametrize("bad", ["", "A1", "1", "Ä"])
def test_column_index_rejects_what_is_not_a_column(bad: str) -> None:
    with pytest.raises(ValueError):
        column_index(bad)


def test_missing_tabs_are_reported_once_and_give_empty_tables() -> None:
    tables, issues = read(DEPARTMENTS)
    assert found(issues) == [("tab.missing", ""), ("tab.missing", ""), ("tab.missing", "")]
    assert [i.tab for i in issues] == ["Schedule", "Budget", "Vendors"]
    assert "prodsheets init" in issues[0].message and "[tabs]" in issues[0].message
    budget = tables["Budget"]
    assert not budget.present and budget.title == ""
    assert len(budget.frame) == 0
    assert list(budget.frame.columns) == [c.name for c in TEMPLATE.tab("Budget").columns]
    assert str(budget.frame["Budgeted"].dtype) == "Int64"
    assert str(tables["Schedule"].frame["Start"].dtype) == "datetime64[ns]"


def test_tab_names_match_ignoring_case_and_spaces() -> None:
    tables, issues = read(
        RawTab(" departments ", [["Department"], ["Sound"]]),
        RawTab("SCHED ULE", [["ID"]]),
        RawTab("budget", [["Code"]]),
        RawTab("Vendors", [["Vendor"]]),
    )
    assert found(issues, "tab.missing") == []
    assert tables["Departments"].title == " departments "
    assert tables["Schedule"].title == "SCHED ULE"


def test_config_renames_a_tab() -> None:
    config = Config(tabs={"Budget": "Costs"})
    tables, issues = read(DEPARTMENTS, RawTab("costs", [["Code"], ["B1"]]), config=config)
    assert tables["Budget"].title == "costs"
    missing = [i for i in issues if i.rule == "tab.missing"]
    assert [i.tab for i in missing] == ["Schedule", "Vendors"]
    _, issues = read(DEPARTMENTS, RawTab("Budget", [["Code"]]), config=config)
    budget_missing = [i for i in issues if i.rule == "tab.missing" and i.tab == "Costs"]
    assert budget_missing and "[tabs]" in budget_missing[0].message


def test_exact_title_wins_over_a_looser_one() -> None:
    titles = source_titles(["budget", "Budget"], TEMPLATE, Config())
    assert titles["Budget"] == "Budget"


def budget(rows: list[list[RawCell]], config: Config | None = None) -> tuple[Table, list[Issue]]:
    tables, issues = read(DEPARTMENTS, RawTab("Budget", rows), config=config)
    return tables["Budget"], [i for i in issues if i.rule != "tab.missing"]


def test_headers_match_by_alias_case_and_space_in_any_order() -> None:
    table, issues = budget(
        [
            ["Notes", "ESTIMATE", " dept ", "Code", "Item", "Spent", "po", "estimate to complete"],
            ["n", 100, "Lighting", "B1", "Lamps", 5, 6, 7],
        ]
    )
    assert issues == []
    assert table.letters == {
        "Notes": "A",
        "Budgeted": "B",
        "Department": "C",
        "Code": "D",
        "Description": "E",
        "Actual": "F",
        "Committed": "G",
        "ETC": "H",
    }
    assert table.headers["Budgeted"] == "ESTIMATE"
    assert table.header("Vendor") == "Vendor"  # absent: the template's name
    row = table.frame.loc[2]
    assert (row["Budgeted"], row["Actual"], row["Committed"], row["ETC"]) == (10000, 500, 600, 700)
    assert table.cell("ETC", 2) == "H2"
    assert table.cell("Vendor", 2) == ""


def test_extra_columns_are_ignored() -> None:
    table, issues = budget(
        [
            ["Code", "Internal ref", "Department", "Description", "Budgeted", "Colour"],
            ["B1", "#REF!", "Lighting", "Lamps", 1, "=bad"],
        ]
    )
    assert issues == []
    assert "Internal ref" not in table.frame.columns
    assert table.letters["Budgeted"] == "E"


def test_duplicate_header_uses_the_first_and_reports_the_second() -> None:
    table, issues = budget(
        [
            ["Code", "Department", "department ", "Description", "Budgeted", "BUDGETED"],
            ["B1", "Lighting", "Sound", "Lamps", 1, 2],
        ]
    )
    assert found(issues) == [("header.duplicate", "C1"), ("header.duplicate", "F1")]
    assert issues[0].column == "department" and issues[0].row == 1
    assert "column B" in issues[0].message
    assert table.frame.loc[2, "Department"] == "Lighting"
    assert table.frame.loc[2, "Budgeted"] == 100


def test_missing_required_headers_only() -> None:
    table, issues = budget([["Code", "Notes"], ["B1", "n"]])
    assert found(issues) == [
        ("header.missing", ""),
        ("header.missing", ""),
        ("header.missing", ""),
    ]
    assert [i.column for i in issues] == ["Department", "Description", "Budgeted"]
    assert "Estimate" in issues[2].message  # names the aliases it would accept
    assert table.frame["Budgeted"].isna().all()
    assert table.frame["Actual"].isna().all()


def test_blank_rows_are_skipped_and_rows_keep_their_sheet_numbers() -> None:
    table, _ = budget(
        [
            ["Code", "Department", "Description", "Budgeted", "Other"],
            ["B1", "Lighting", "Lamps", 1],
            [],
            [None, "", "  ", "\u00a0"],
            [None, None, None, None, "only an ignored column"],
            ["B2", "Lighting", "Gels", 2, None, None, None],
        ]
    )
    assert table.frame.index.tolist() == [2, 6]
    assert table.frame.index.name == "row"
    assert table.frame["Code"].tolist() == ["B1", "B2"]


def test_ragged_and_merged_cell_rows_never_crash() -> None:
    table, issues = budget(
        [
            ["Code", "Department", "Description", "Budgeted"],
            ["B1"],
            ["B2", None, None, None],  # a merged range leaves its other cells empty
            ["B3", "Sound", "Cable", "$1,234.50", "extra", "cells"],
        ]
    )
    assert issues == []
    assert table.frame["Code"].tolist() == ["B1", "B2", "B3"]
    assert table.frame.loc[4, "Budgeted"] == 123450


def test_header_only_tab() -> None:
    table, issues = budget([["Code", "Department", "Description", "Budgeted"]])
    assert issues == [] and len(table.frame) == 0 and table.present


def test_empty_tab_reports_its_required_headers() -> None:
    _, issues = budget([])
    assert found(issues) == [("header.missing", "")] * 4


def test_unreadable_cells_become_issues_at_their_cell() -> None:
    problem = CellProblem("=SUM(F2:F9)", "The formula was saved without its result.")
    table, issues = budget(
        [
            ["Code", "Department", "Category", "Description", "Budgeted", "Actual"],
            ["B1", "Lighting", "Materials", "Lamps", "12%", "#REF!"],
            ["B2", "Lighting", "Matrials", "Gels", 100, problem],
            ["B3", "Lighting", "labour", "Crew", True, "(50)"],
        ]
    )
    assert sorted(found(issues)) == [
        ("value.enum", "C3"),
        ("value.type", "E2"),
        ("value.type", "E4"),
        ("value.type", "F2"),
        ("value.type", "F3"),
    ]
    by_cell = {i.cell: i for i in issues}
    assert by_cell["E2"].value == "12%" and by_cell["E2"].column == "Budgeted"
    assert by_cell["E2"].row == 2 and by_cell["E2"].tab == "Budget"
    assert by_cell["F2"].message == (
        "The cell shows the formula error #REF!; fix the formula it holds."
    )
    assert "Did you mean 'Materials'?" in by_cell["C3"].message
    assert by_cell["F3"].value == "=SUM(F2:F9)"
    assert by_cell["F3"].message == problem.reason
    assert by_cell["E4"].value == "True"
    assert table.bad("Budgeted").tolist() == [True, False, True]
    assert table.bad("Vendor").tolist() == [False, False, False]
    assert table.frame["Category"].tolist() == ["Materials", None, "Labour"]
    assert table.frame["Actual"].tolist()[2] == -5000
    assert table.shown("Budgeted", 2) == "12%"


def test_schedule_types_and_date_only() -> None:
    tables, issues = read(
        DEPARTMENTS,
        RawTab(
            "Schedule",
            [
                ["ID", "Task", "Dept", "Who", "Start", "End", "Due", "Status", "After"],
                [
                    "S1",
                    "Focus",
                    "Lighting",
                    "Ana, Ben",
                    "2026-03-01",
                    "3/1/2026 7:30 PM",
                    dt.date(2026, 3, 2),
                    "",
                    "S0; S9",
                ],
                [
                    "S2",
                    "Sound check",
                    "Lighting",
                    None,
                    46082.5,
                    46083,
                    "soon",
                    "in progress",
                    None,
                ],
            ],
        ),
    )
    schedule = tables["Schedule"]
    frame = schedule.frame
    assert found(issues, "value.type") == [("value.type", "G3")]
    assert frame["People"].tolist() == [("Ana", "Ben"), ()]
    assert frame["Depends On"].tolist() == [("S0", "S9"), ()]
    assert frame["Status"].tolist() == ["Planned", "In Progress"]
    assert [str(v) for v in frame["Start"]] == ["2026-03-01 00:00:00", "2026-03-01 12:00:00"]
    assert str(frame["End"].iloc[0]) == "2026-03-01 19:30:00"
    assert schedule.date_only["Start"].tolist() == [True, False]
    assert schedule.date_only["End"].tolist() == [False, True]
    assert str(frame["Due"].dtype) == "datetime64[ns]"
    assert frame["Space"].tolist() == [None, None]
    assert frame["Notes"].dtype == object


def test_absent_enum_column_holds_its_default() -> None:
    tables, _ = read(RawTab("Vendors", [["Vendor"], ["Acme"]]))
    assert tables["Vendors"].frame["Contract"].tolist() == ["None"]


def test_dmy_and_decimal_comma_from_config() -> None:
    config = Config(date_order="DMY", decimal_comma=True)
    tables, issues = read(
        RawTab("Vendors", [["Vendor", "Contract Start"], ["Acme", "03/04/2026"]]),
        RawTab("Budget", [["Code", "Budgeted"], ["B1", "1.234,50"]]),
        config=config,
    )
    assert found(issues, "value.type") == []
    assert str(tables["Vendors"].frame["Contract Start"].iloc[0]) == "2026-04-03 00:00:00"
    assert tables["Budget"].frame["Budgeted"].iloc[0] == 123450


def test_every_typed_column_has_its_dtype() -> None:
    tables, _ = read(
        DEPARTMENTS,
        RawTab("Budget", [["Code", "Budgeted", "Vendor"], [101.0, 5, None]]),
    )
    frame = tables["Budget"].frame
    assert frame["Code"].tolist() == ["101"]
    for column in TEMPLATE.tab("Budget").columns:
        kind = str(frame[column.name].dtype)
        assert kind == ("Int64" if column.type == "money" else "object"), column.name
    assert isinstance(tables["Budget"].unreadable["Budgeted"], np.ndarray)


def test_a_template_alias_never_steals_a_columns_own_name() -> None:
    data = {
        "tabs": {
            name: {
                "columns": [
                    {"name": c.name, "type": c.type, "aliases": list(c.aliases)}
                    for c in TEMPLATE.tab(name).columns
                ]
            }
            for name in TEMPLATE.tabs
        }
    }
    budget_columns = data["tabs"]["Budget"]["columns"]
    assert isinstance(budget_columns, list)
    budget_columns[0]["aliases"] = ["Notes"]  # Code also answers to "Notes" here
    from prodsheets.template import parse_template

    template: Template = parse_template(data)
    tables, _ = read_tables(
        contents(RawTab("Budget", [["Code", "Notes"], ["B1", "hello"]])), template, Config()
    )
    assert tables["Budget"].frame["Notes"].tolist() == ["hello"]
    assert tables["Budget"].frame["Code"].tolist() == ["B1"]


def test_empty_text_cells_are_blank_cells() -> None:
    """calamine hands over "" for an empty cell: it is blank, exactly as None is."""
    header = ["Code", "Department", "Description", "Budgeted", "Actual"]
    rows: list[list[RawCell]] = [
        header,
        ["A-1", "Set", "Glue", 10, ""],
        ["", "", "", "", ""],  # a blank row, skipped
        ["A-2", "Set", "", 5, None],
    ]
    contents = Contents(
        titles=["Budget"], owned=frozenset(), tabs={"Budget": RawTab("Budget", rows)}
    )
    tables, found = read_tables(contents, load_template(), Config())
    found = [i for i in found if not _optional_column(i)]
    budget = tables["Budget"]
    assert list(budget.frame.index) == [2, 4]
    assert budget.frame["Actual"].isna().all()
    problems = values.check(tables, Context(as_of=dt.date(2026, 3, 10)))
    assert {(i.rule, i.cell) for i in found + problems if i.tab == "Budget"} == {
        ("value.required", "C4")
    }


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("TOTAL", (True, "")),
        ("Grand Total", (True, "")),
        ("Lighting Subtotal", (False, "Lighting")),
        ("Sub-total: Sound", (False, "Sound")),
        ("Total for Set", (False, "Set")),
        ("Totals", (True, "")),
        ("TOTAL-01", None),  # a code
        ("Total blackout drapes for the second act", None),  # a description
        ("Totally new rig", None),
        ("L-01", None),
    ],
)
def test_what_a_total_row_says(text: str, says: tuple[bool, str] | None) -> None:
    assert total_label(text) == says
