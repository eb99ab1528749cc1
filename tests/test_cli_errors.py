"""Exit codes and plain sentences: usage problems (2), unreadable workbooks (3), junk cells."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.workbooks import AS_OF, clean_production, d
from tests.xlsx_fixtures import raw_xlsx

A1 = re.compile(r"^([A-Z]{1,3}[1-9][0-9]*)?$")


def assert_plain_failure(result: Any, code: int) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.output.strip(), "a failure must say what happened"


def test_missing_file_is_a_usage_problem(run_cli: Any) -> None:
    result = run_cli("validate", "nowhere.xlsx")
    assert_plain_failure(result, 2)
    assert "nowhere.xlsx does not exist; check the path" in result.output


def test_no_workbook_named(run_cli: Any) -> None:
    assert_plain_failure(run_cli("validate"), 2)


def test_workbook_from_environment(workbook: Any, run_cli: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("PRODSHEETS_WORKBOOK", str(workbook(clean_production())))
    assert run_cli("validate", "--as-of", AS_OF).exit_code == 0


def test_bad_option(run_cli: Any) -> None:
    assert run_cli("validate", "x.xlsx", "--colour").exit_code == 2
    assert run_cli("validate", "x.xlsx", "--format", "yaml").exit_code == 2
    assert run_cli("validate", "x.xlsx", "--as-of", "14/03/2026").exit_code == 2


def test_unknown_config_key_names_the_key(workbook: Any, run_cli: Any, tmp_path: Path) -> None:
    path = workbook(clean_production())
    (tmp_path / "prodsheets.toml").write_text("[thresholds]\nnear_limt = 0.8\n")
    result = run_cli("validate", str(path))
    assert_plain_failure(result, 2)
    assert "near_limt" in result.output
    assert "Did you mean 'near_limit'?" in result.output


@pytest.mark.parametrize(
    "text",
    [
        'date_order = "YDM"\n',
        'date_order = "YMD"\n',
        "[thresholds]\nnear_limit = 90\n",
        "[thresholds]\nnear_limit = 0\n",
        'decimal_comma = "yes"\n',
        '[rules]\n"budget.over" = "loud"\n',
        '[rules]\n"budget.overr" = "error"\n',
        '[google]\nretry_seconds = "soon"\n',
        'timezone = "Mars/Olympus"\n',
        "this is not toml\n",
    ],
)
def test_bad_config_values(text: str, workbook: Any, run_cli: Any, tmp_path: Path) -> None:
    path = workbook(clean_production())
    (tmp_path / "prodsheets.toml").write_text(text)
    assert_plain_failure(run_cli("validate", str(path)), 2)


def test_unreadable_template(workbook: Any, run_cli: Any, tmp_path: Path) -> None:
    path = workbook(clean_production())
    broken = tmp_path / "mine.toml"
    broken.write_text("[tabs.Budget]\ncolumns = 3\n")
    assert_plain_failure(run_cli("validate", str(path), "--template", str(broken)), 2)
    assert_plain_failure(run_cli("validate", str(path), "--template", "absent.toml"), 2)


def test_a_file_that_is_not_a_spreadsheet(run_cli: Any, tmp_path: Path) -> None:
    fake = tmp_path / "show.xlsx"
    fake.write_text("these are my notes, not a workbook")
    result = run_cli("validate", str(fake))
    assert_plain_failure(result, 3)
    assert "show.xlsx" in result.output


_HEADERS = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c>'
    '<c r="B1" t="inlineStr"><is><t>Budgeted</t></is></c></row>'
)
_ONE_STRING = (
    '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>Code</t></si></sst>'
)


@pytest.mark.parametrize(
    ("cells", "cell", "reason"),
    [
        (
            '<c r="A2" t="s"><v>0</v></c></row><row r="3"><c r="A3" t="s"><v>7</v></c>',
            "A3",
            "shared strings",
        ),
        (
            '<c r="B2" t="b"><v>1</v></c></row><row r="3"><c r="B3" t="b"><v>2</v></c>',
            "B3",
            "boolean",
        ),
        ('<c r="B2"><v>5</v></c></row><row r="3"><c r="B3" t="x"><v>1</v></c>', "B3", "attribute"),
    ],
)
def test_a_damaged_cell_names_the_tab_and_cell_and_asks_to_resave(
    cells: str, cell: str, reason: str, run_cli: Any, tmp_path: Path
) -> None:
    path = tmp_path / "show.xlsx"
    raw_xlsx(
        path,
        {"Budget": f'{_HEADERS}<row r="2">{cells}</row>'},
        extra={"xl/sharedStrings.xml": _ONE_STRING},
    )
    result = run_cli("validate", str(path))
    assert_plain_failure(result, 3)
    sentence = result.output.strip()
    assert sentence.startswith(f'Error: The tab "Budget" in {path} is damaged at cell {cell} ')
    assert reason in sentence
    assert sentence.endswith("open the file in Excel or LibreOffice, save it again, and re-run.")


def test_verbose_shows_the_traceback(run_cli: Any, tmp_path: Path) -> None:
    fake = tmp_path / "show.xlsx"
    fake.write_text("not a workbook")
    sentence = f"Error: {fake} is not an Excel workbook (.xlsx) or is damaged; check the file"
    result = run_cli("validate", str(fake), "--verbose")
    assert result.exit_code == 3
    assert "Traceback (most recent call last)" in result.output
    assert "prodsheets.errors.WorkbookError" in result.output  # the fault, where it was raised
    assert result.output.strip().splitlines()[-1].startswith(sentence)  # the sentence still last
    plain = run_cli("validate", str(fake))
    assert plain.exit_code == 3
    assert "Traceback" not in plain.output
    assert plain.output.strip().startswith(sentence)


def test_custom_template_adds_an_enum_value(workbook: Any, run_cli: Any, tmp_path: Path) -> None:
    from prodsheets.template import default_template_path

    tabs = clean_production()
    tabs["Budget"][1][2] = "Insurance"
    path = workbook(tabs)
    result = run_cli("validate", str(path), "--format", "json", "--as-of", AS_OF)
    assert {i["rule"] for i in json.loads(result.stdout)["issues"]} == {"value.enum"}
    mine = tmp_path / "mine.toml"
    mine.write_text(
        default_template_path()
        .read_text()
        .replace('"Contingency", "Other"', '"Contingency", "Other", "Insurance"')
    )
    result = run_cli(
        "validate", str(path), "--format", "json", "--as-of", AS_OF, "--template", str(mine)
    )
    assert json.loads(result.stdout)["issues"] == []


JUNK: list[Any] = [
    "#REF!",
    "#N/A",
    "#DIV/0!",
    "🎭🎭🎭",
    "x" * 5000,
    True,
    False,
    1e308,
    -1e308,
    10**20,
    "",
    "   ",
    "\u00a0",
    "(250.00)",
    "=SUM(A1:A3)",
    "1.234,50",
    "13/13/2026",
    "0000-00-00",
    dt.datetime(1900, 1, 1),
    dt.time(12, 30),
    -1,
    "None",
    "null",
    "\n\n",
    "Lighting\nSound",
]


def test_junk_in_every_cell_never_crashes(workbook: Any, run_cli: Any) -> None:
    rng = random.Random(20261125)
    for attempt in range(12):
        tabs = clean_production()
        for rows in tabs.values():
            for row in rows[1:]:
                for c in range(len(row)):
                    if rng.random() < 0.35:
                        row[c] = rng.choice(JUNK)
        path = workbook(tabs)
        result = run_cli("validate", str(path), "--format", "json", "--as-of", AS_OF)
        assert result.exit_code in (0, 1), (attempt, result.output)
        document = json.loads(result.stdout)
        for found in document["issues"]:
            assert A1.match(found["cell"]), found
            assert found["message"]


def test_junk_headers_merged_cells_and_missing_tabs(tmp_path: Path, run_cli: Any) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Budget"
    sheet.append(["Code", "Code", None, "🎭", "Budgeted", "Department", "Description", 42])
    sheet.append(["A-1", "A-1", None, "x", "#REF!", "Set", "Glue", None])
    sheet.append(["A-2", None, None, None, 1e300, "Set", "Tape", None])
    sheet.merge_cells("A4:G4")
    sheet["A4"] = "SECTION: notes merged across"
    sheet.append([])
    dates = book.create_sheet("Schedule")
    dates.append(["ID"])
    path = tmp_path / "junk.xlsx"
    book.save(path)
    result = run_cli("validate", str(path), "--format", "json", "--as-of", AS_OF)
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    rules = {(i["rule"], i["tab"]) for i in document["issues"]}
    assert any(rule == "tab.missing" for rule, _ in rules)
    assert ("header.duplicate", "Budget") in rules
    assert ("header.missing", "Schedule") in rules
    assert any(i["rule"] == "value.type" and i["cell"] == "E2" for i in document["issues"])
    assert any(i["rule"] == "value.type" and i["cell"] == "E3" for i in document["issues"])


def test_github_annotations(workbook: Any, run_cli: Any) -> None:
    tabs = clean_production()
    tabs["Budget"][1][1] = "Lightng"
    tabs["Schedule"][4][7] = d("2026-03-01")
    result = run_cli("validate", str(workbook(tabs)), "--format", "github", "--as-of", AS_OF)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("::error title=ref.unknown at Budget!B2::") for line in lines)
    assert any(line.startswith("::warning title=schedule.overdue") for line in lines)


def test_markdown_validate(workbook: Any, run_cli: Any) -> None:
    tabs = clean_production()
    tabs["Budget"][1][1] = "Light|ng"
    result = run_cli("validate", str(workbook(tabs)), "--format", "markdown", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert "| error | `ref.unknown` | Budget!B2 | Light\\|ng |" in result.output
    assert f"As of {AS_OF}: **1 error**, 0 warnings." in result.output


def test_quiet_prints_one_line_but_keeps_json(workbook: Any, run_cli: Any) -> None:
    tabs = clean_production()
    tabs["Budget"][1][1] = "Lightng"
    path = str(workbook(tabs))
    quiet = run_cli("validate", path, "-q", "--as-of", AS_OF)
    assert quiet.exit_code == 1
    assert quiet.stdout.strip() == f"{path} as of {AS_OF}: 1 error, 0 warnings."
    assert "fix the cells" in quiet.stderr
    machine = run_cli("validate", path, "-q", "--format", "json", "--as-of", AS_OF)
    assert json.loads(machine.stdout)["counts"] == {"error": 1, "warning": 0}


def test_sync_with_errors_writes_then_exits_1_with_a_sentence(workbook: Any, run_cli: Any) -> None:
    tabs = clean_production()
    tabs["Budget"][1][1] = "Lightng"
    result = run_cli("sync", str(workbook(tabs)), "--as-of", AS_OF)
    assert result.exit_code == 1
    assert "Wrote Summary, Budget Variance" in result.stdout
    assert "fix the cells listed" in result.stderr
