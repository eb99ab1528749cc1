"""The Google Sheets backend, with real gspread and google-auth, against the local Sheets server.

Every test goes through ``GoogleWorkbook`` (the public backend API) and looks at what the
server holds afterwards or at the calls it saw.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from prodsheets.backends import open_workbook
from prodsheets.backends.base import (
    ChartSpec,
    Format,
    LayoutTab,
    RowStyle,
    SummaryColumn,
    SummaryTable,
)
from prodsheets.backends.gsheets import OWNER_KEY, GoogleWorkbook
from prodsheets.config import Config
from prodsheets.errors import (
    NotOwnedError,
    ProdsheetsError,
    UsageError,
    WorkbookChanged,
    WorkbookError,
)
from prodsheets.testing import Fault, SheetsServer
from tests.sheets_fixtures import shared_key_pem

KEY = "show"
MONEY = "#,##0.00;(#,##0.00)"


def source_tabs() -> dict[str, list[list[Any]]]:
    return {
        "Budget": [
            ["Code", "Department", "Budgeted", "Actual", "Paid On", "Locked"],
            ["L-01", "Lighting", 8000, 1200.5, dt.date(2026, 3, 2), True],
            ["S-01", "Sound", "=1/0", None, None],
            [],
            ["T-01", "Set", "$1,234.50"],
        ],
        "It's Vendors": [["Vendor"], ["Bright Lights Hire"]],
    }


@pytest.fixture
def server() -> Any:
    with SheetsServer(private_key_pem=shared_key_pem()) as running:
        running.add_spreadsheet(KEY, source_tabs())
        yield running


@pytest.fixture
def key_file(server: SheetsServer, tmp_path: Path) -> Path:
    return server.write_credentials(tmp_path / "service-account.json")


@pytest.fixture
def open_show(server: SheetsServer, key_file: Path) -> Callable[..., GoogleWorkbook]:
    def make(retry_seconds: float = 10.0, key: str = KEY, credentials: str = "") -> GoogleWorkbook:
        config = Config(
            credentials=credentials or str(key_file),
            api_endpoint=server.url,
            retry_seconds=retry_seconds,
        )
        workbook = open_workbook(f"gsheets:{key}", config)
        assert isinstance(workbook, GoogleWorkbook)
        return workbook

    return make


def api_calls(server: SheetsServer) -> list[tuple[str, str]]:
    """(method, path) of every Sheets API call, leaving out the token endpoint (the server
    logs a call before it replies, so the log is complete once the reply is in)."""
    return [(c["method"], c["path"]) for c in server.calls if c["path"].startswith("/v4/")]


GET = ("GET", f"/v4/spreadsheets/{KEY}")
BATCH_GET = ("GET", f"/v4/spreadsheets/{KEY}/values:batchGet")
BATCH_UPDATE = ("POST", f"/v4/spreadsheets/{KEY}:batchUpdate")
# the source tabs, then the summary tabs ``summary_tables()`` writes
TITLES_AFTER_WRITE = [
    "Budget",
    "It's Vendors",
    "Summary",
    "Budget Variance",
    "Vendor Report",
    "Issues",
]


def summary_tables(
    issue_rows: int = 3, vendor: str = '=IMPORTXML("http://x","//a")'
) -> list[SummaryTable]:
    money = Format.MONEY
    variance = SummaryTable(
        "Budget Variance",
        (
            SummaryColumn("Department", width=20),
            SummaryColumn("Budgeted", money),
            SummaryColumn("EFC", money),
            SummaryColumn("Over %", Format.PERCENT),
            SummaryColumn("Status"),
        ),
        [
            ("Lighting", Decimal("8000.00"), Decimal("9200.50"), Decimal("0.15"), "Over"),
            ("Sound", Decimal("4000.00"), Decimal("2500.00"), Decimal("-0.375"), "OK"),
            ("Total", Decimal("12000.00"), Decimal("11700.50"), Decimal("-0.025"), "OK"),
            ("By category", None, None, None, "Status"),
            ("Labour", Decimal("100.00"), Decimal("95.00"), Decimal("-0.05"), "At risk"),
        ],
        styles={0: RowStyle.OVER, 2: RowStyle.TOTAL, 3: RowStyle.SECTION, 4: RowStyle.AT_RISK},
        # the rows in trouble, said explicitly (the backend never reads "Over" from the cells)
        status={0: RowStyle.OVER, 4: RowStyle.AT_RISK},
    )
    summary = SummaryTable(
        "Summary",
        (SummaryColumn("Metric", width=24), SummaryColumn("Value", width=20)),
        [
            ("As of", dt.date(2026, 3, 10)),
            ("Last sync", dt.datetime(2026, 3, 10, 18, 30)),
            ("Total EFC", Decimal("11700.50")),
        ],
        row_formats={
            0: (Format.TEXT, Format.DATE),
            1: (Format.TEXT, Format.DATETIME),
            2: (Format.TEXT, Format.MONEY),
        },
        chart=ChartSpec(
            "EFC against Budgeted by department", "Budget Variance", 0, (1, 2), (0, 2), "Amount"
        ),
    )
    vendors = SummaryTable(
        "Vendor Report",
        (SummaryColumn("Vendor"), SummaryColumn("EFC", money)),
        [(vendor, Decimal("12.30"))],
        styles={0: RowStyle.AT_RISK},  # a flagged vendor: no status cell explains it
    )
    issues = SummaryTable(
        "Issues",
        (
            SummaryColumn("Severity"),
            SummaryColumn("Rule"),
            SummaryColumn("Cell"),
            SummaryColumn("Row", Format.INTEGER),
            SummaryColumn("Message", width=60),
        ),
        [
            (
                "warning",
                "budget.over",
                f"F{i + 2}",
                i + 2,
                f"Line L-{i:05d} is over budget by 1,200.50; raise Budgeted or cut ETC.",
            )
            for i in range(issue_rows)
        ],
    )
    return [summary, variance, vendors, issues]


def cell(server: SheetsServer, title: str, row: int, col: int) -> dict[str, Any]:
    sheet = server.spreadsheet(KEY).sheet_by_title(title)
    assert sheet is not None, title
    found: dict[str, Any] = sheet.cells.get((row, col), {})
    return found


RED = {"red": 0.96, "green": 0.78, "blue": 0.78}
AMBER = {"red": 1.0, "green": 0.9, "blue": 0.7}


def status_rules(server: SheetsServer) -> list[tuple[str, dict[str, float], dict[str, Any]]]:
    """(formula, background, range) of each conditional rule on Budget Variance, in order."""
    sheet = server.spreadsheet(KEY).sheet_by_title("Budget Variance")
    assert sheet is not None
    found = []
    for rule in sheet.conditional_formats:
        boolean = rule["booleanRule"]
        assert boolean["condition"]["type"] == "CUSTOM_FORMULA"
        [value] = boolean["condition"]["values"]
        [grid] = rule["ranges"]
        found.append((value["userEnteredValue"], boolean["format"]["backgroundColor"], grid))
    return found


def owned_markers(server: SheetsServer) -> list[int]:
    """Sheet ids carrying our ownership metadata, one entry per marker."""
    return sorted(
        int(m["location"]["sheetId"])
        for m in server.spreadsheet(KEY).developer_metadata.values()
        if m.get("metadataKey") == OWNER_KEY
    )


# -- read -----------------------------------------------------------------------------------


def test_read_returns_raw_cells_in_two_calls(
    server: SheetsServer, open_show: Callable[..., GoogleWorkbook]
) -> None:
    contents = open_show().read(["budget", "It's Vendors"])

    assert contents.titles == ["Budget", "It's Vendors"]
    assert contents.owned == frozenset()
    budget = contents.tabs["Budget"].rows
    assert budget[0] == ["Code", "Department", "Budgeted", "Actual", "Paid On", "Locked"]
    # numbers stay numbers, dates arrive as serials, booleans as booleans, errors as text
    assert budget[1] == ["L-01", "Lighting", 8000, 1200.5, 46083, True]
    assert budget[2] == ["S-01", "Sound", "#DIV/0!"]  # ragged: trailing blanks dropped
    assert budget[3] == []
    assert budget[4] == ["T-01", "Set", "$1,234.50"]
    assert contents.tabs["It's Vendors"].rows == [["Vendor"], ["Bright Lights Hire"]]
    assert api_calls(server) == [GET, BATCH_GET]


def test_read_of_nothing_makes_no_values_call(
    server: SheetsServer, open_show: Callable[..., GoogleWorkbook]
) -> None:
    contents = open_show().read([])
    assert contents.tabs == {}
    assert api_calls(server) == [GET]


# -- write ----------------------------------------------------------------------------------


def test_write_creates_typed_formatted_owned_tabs(
    server: SheetsServer, open_show: Callable[..., GoogleWorkbook]
) -> None:
    workbook = open_show()
    workbook.read(["Budget"])
    workbook.write(summary_tables())

    spreadsheet = server.spreadsheet(KEY)
    titles = [s.title for s in spreadsheet.sheets]
    assert titles == TITLES_AFTER_WRITE
    assert api_calls(server) == [GET, BATCH_GET, BATCH_UPDATE]

    lighting_efc = cell(server, "Budget Variance", 1, 2)
    assert lighting_efc["userEnteredValue"] == {"numberValue": 9200.5}
    assert lighting_efc["userEnteredFormat"]["numberFormat"]["pattern"] == MONEY
    # over budget: coloured by a conditional rule on the rows in trouble, not a direct background
    assert "backgroundColor" not in lighting_efc["userEnteredFormat"]
    assert cell(server, "Vendor Report", 1, 0)["userEnteredFormat"]["backgroundColor"] == AMBER
    assert cell(server, "Budget Variance", 1, 3)["userEnteredFormat"]["numberFormat"]["type"] == (
        "PERCENT"
    )
    assert cell(server, "Budget Variance", 3, 0)["userEnteredFormat"]["textFormat"]["bold"]
    header = cell(server, "Budget Variance", 0, 1)
    assert header["userEnteredValue"] == {"stringValue": "Budgeted"}
    assert header["userEnteredFormat"]["textFormat"]["bold"] is True
    variance = spreadsheet.sheet_by_title("Budget Variance")
    assert variance is not None
    assert variance.properties["gridProperties"]["frozenRowCount"] == 1

    as_of = cell(server, "Summary", 1, 1)
    assert as_of["userEnteredValue"] == {"numberValue": 46091}  # 2026-03-10 as a serial
    assert as_of["userEnteredFormat"]["numberFormat"]["type"] == "DATE"
    assert cell(server, "Summary", 3, 1)["userEnteredFormat"]["numberFormat"]["pattern"] == MONEY

    summary = spreadsheet.sheet_by_title("Summary")
    assert summary is not None
    [chart] = summary.charts
    basic = chart["spec"]["basicChart"]
    assert basic["chartType"] == "COLUMN"
    domain = basic["domains"][0]["domain"]["sourceRange"]["sources"][0]
    assert domain["sheetId"] == variance.sheet_id
    assert domain["endRowIndex"] == 3  # header + Lighting + Sound, not Total or categories
    for sheet in spreadsheet.sheets[2:]:
        assert [p["warningOnly"] for p in sheet.protected_ranges] == [True]
    assert owned_markers(server) == sorted(s.sheet_id for s in spreadsheet.sheets[2:])

    contents = open_show().read(["Issues"])
    assert contents.owned == frozenset({"Summary", "Budget Variance", "Vendor Report", "Issues"})
    assert contents.tabs["Issues"].rows[1][:4] == ["warning", "budget.over", "F2", 2]


def test_text_stays_text(server: SheetsServer, open_show: Callable[..., GoogleWorkbook]) -> None:
    vendor = '=IMPORTXML("http://x","//a")'
    open_show().write(summary_tables(vendor=vendor))

    assert cell(server, "Vendor Report", 1, 0)["userEnteredValue"] == {"stringValue": vendor}
    assert open_show().read(["Vendor Report"]).tabs["Vendor Report"].rows[1][0] == vendor


def test_second_write_replaces_in_place_without_piling_up(
    server: SheetsServer, open_show: Callable[..., GoogleWorkbook]
) -> None:
    open_show().write(summary_tables(issue_rows=50))
    before = {s.title: s.sheet_id for s in server.spreadsheet(KEY).sheets}

    workbook = open_show()
    workbook.read(["Budget"])
    workbook.write(summary_tables(issue_rows=5))

    assert api_calls(server)[-3:] == [GET, BATCH_GET, BATCH_UPDATE]
    spreadsheet = server.spreadsheet(KEY)
    assert {s.title: s.sheet_id for s in spreadsheet.sheets} == before  # same tabs, same ids
    assert owned_markers(server) == sorted(before[t] for t in before if t not in source_tabs())
    summary = spreadsheet.sheet_by_title("Summary")
    assert summary is not None and len(summary.charts) == 1
    assert all(len(s.protected_ranges) == 1 for s in spreadsheet.sheets[2:])
    issues = open_show().read(["Issues"]).tabs["Issues"].rows
    assert len(issues) == 6  # the 45 old rows are gone


def test_status_rows_are_marked_by_conditional_rules_that_never_pile_up(
    server: SheetsServer, open_show: Callable[..., GoogleWorkbook]
) -> None:
    open_show().write(summary_tables())
    variance = server.spreadsheet(KEY).sheet_by_title("Budget Variance")
    assert variance is not None

    def rows(first: int, end: int) -> dict[str, int]:
        return {
            "sheetId": variance.sheet_id,
            "startRowIndex": first,
            "endRowIndex": end,
            "startColumnIndex": 0,
            "endColumnIndex": 5,  # the whole row
        }

    # exactly the rows the table's status names: Lighting (over), Labour (at risk)
    expected = [("=TRUE", RED, rows(1, 2)), ("=TRUE", AMBER, rows(5, 6))]
    assert status_rules(server) == expected
    for title in ("Summary", "Vendor Report", "Issues"):
        sheet = server.spreadsheet(KEY).sheet_by_title(title)
        assert sheet is not None and sheet.conditional_formats == []

    for _ in range(2):
        workbook = open_show()
        workbook.read(["Budget"])
        workbook.write(summary_tables())
        assert api_calls(server)[-3:] == [GET, BATCH_GET, BATCH_UPDATE]
        assert status_rules(server) == expected  # replaced, not added again
    assert api_calls(server) == [GET, BATCH_UPDATE] + [GET, BATCH_GET, BATCH_UPDATE] * 2


def test_a_persons_tab_with_a_summary_name_is_never_written(
    server: SheetsServer, open_show: Callable[..., GoogleWorkbook]
) -> None:
    server.add_spreadsheet(KEY, {**source_tabs(), "Issues": [["My own notes"]]})
    workbook = open_show()
    workbook.read(["Budget"])

    with pytest.raises(NotOwnedError, match="'Issues'"):
        workbook.write(summary_tables())

    assert BATCH_UPDATE not in api_calls(server)
    assert [s.title for s in server.spreadsheet(KEY).sheets] == ["Budget", "It's Vendors", "Issues"]
    assert server.values(KEY, "Issues!A1:A1") == [["My own notes"]]


@pytest.mark.parametrize("rows", [10, 10_000])
def test_sync_costs_three_calls_whatever_the_size(
    server: SheetsServer, open_show: Callable[..., GoogleWorkbook], rows: int
) -> None:
    workbook = open_show()
    workbook.read(["Budget", "It's Vendors"])
    workbook.write(summary_tables(issue_rows=rows))

    assert api_calls(server) == [GET, BATCH_GET, BATCH_UPDATE]
    sent = [c["request_bytes"] for c in server.calls if c["path"].endswith(":batchUpdate")]
    assert sent == [workbook.last_request_bytes]
    assert workbook.last_request_bytes <= 2_000_000  # the Sheets API's recommended most
    written = server.values(KEY, "Issues!A:A")
    if rows == 10:
        assert len(written) == rows + 1
    else:
        # past 2 MB the longest tab is cut short, and its last row says by how much
        kept = len(written) - 2
        assert 1_000 < kept < rows
        assert written[-1][0].startswith(f"{rows - kept:,} more rows are not shown here")


# -- faults ---------------------------------------------------------------------------------


def test_a_read_has_one_time_budget_for_both_its_calls(
    server: SheetsServer, open_show: Callable[..., GoogleWorkbook]
) -> None:
    server.inject(Fault(kind="delay", delay_s=1.5, path=f"^/v4/spreadsheets/{KEY}$"))
    server.inject(Fault(status=503, path="values:batchGet$"))
    with pytest.raises(WorkbookError, match=r"HTTP 503\) for 1 second;"):
        open_show(retry_seconds=1).read(["Budget"])  # the tab list took the whole second


def test_write_whose_connection_dropped_before_applying_is_sent_again(
    server: SheetsServer, open_show: Callable[..., GoogleWorkbook]
) -> None:
    server.inject(Fault(kind="drop", method="POST", path=":batchUpdate$"))
    open_show().write(summary_tables())
    assert len(owned_markers(server)) == 4
    assert [s.title for s in server.spreadsheet(KEY).sheets][-1] == "Issues"


def test_server_errors_past_the_time_bound_give_one_sentence(
    server: SheetsServer, open_show: Callable[..., GoogleWorkbook]
) -> None:
    server.inject(Fault(status=500, times=1000))

    with pytest.raises(WorkbookError) as raised:
        open_show(retry_seconds=0.6).read(["Budget"])

    message = str(raised.value)
    assert "server errors (HTTP 500)" in message and "0.6 seconds" in message
    assert message.endswith("run again later.") and "\n" not in message


# -- errors people hit ----------------------------------------------------------------------


def test_missing_and_malformed_key_files_are_usage_problems(
    open_show: Callable[..., GoogleWorkbook], tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        open_show(credentials=str(tmp_path / "nowhere.json")).read(None)
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "service_account", "client_email": "a@b"', encoding="utf-8")
    with pytest.raises(UsageError, match="not valid JSON") as raised:
        open_show(credentials=str(broken)).read(None)
    assert raised.value.exit_code == 2
    garbled = tmp_path / "garbled.json"
    info = json.loads((tmp_path / "service-account.json").read_text(encoding="utf-8"))
    garbled.write_text(json.dumps({**info, "private_key": "-----BEGIN PRIVATE KEY-----\nabc"}))
    with pytest.raises(UsageError, match=r"private key in .* cannot be read"):
        open_show(credentials=str(garbled)).read(None)


def test_secrets_never_appear_in_messages(
    server: SheetsServer,
    open_show: Callable[..., GoogleWorkbook],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    info = server.service_account_info()
    secrets_seen: list[str] = [info["private_key"], info["private_key_id"]]
    # the same account, but signing with a key Google does not know (revoked / replaced)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_pem = stranger.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    revoked = tmp_path / "revoked.json"
    revoked.write_text(json.dumps({**info, "private_key": other_pem}), encoding="utf-8")
    secrets_seen.append(other_pem)

    messages: list[str] = []
    with pytest.raises(WorkbookError) as raised:
        open_show(credentials=str(revoked)).read(None)
    messages.append(str(raised.value))
    assert "Google refused the credentials" in messages[0]

    workbook = open_show()
    workbook.read([])
    assert workbook._http is not None
    token = workbook._http.auth.token
    assert token
    secrets_seen.append(token)
    server.add_spreadsheet("private", allowed_emails=["someone@example.org"])
    for key, retry in (("private", 10.0), ("missing", 10.0), (KEY, 0.5)):
        if key == KEY:
            server.inject(Fault(status=500, times=1000))
        with pytest.raises(ProdsheetsError) as failure:
            open_show(key=key, retry_seconds=retry).read(None)
        messages.append(str(failure.value))
        messages.append(repr(failure.value))
    everything = "\n".join(messages) + caplog.text
    for secret in secrets_seen:
        for line in secret.strip().splitlines():
            if len(line) > 20:
                assert line not in everything


# -- init -----------------------------------------------------------------------------------


def layout(title: str, example: bool = False) -> LayoutTab:
    return LayoutTab(
        title=title,
        headers=("Code", "Department", "Category", "Budgeted", "Due"),
        widths=(10, 16, 14, 12, 12),
        formats=(Format.TEXT, Format.TEXT, Format.TEXT, Format.MONEY, Format.DATE),
        dropdowns={1: "Departments!A2:A", 2: ("Labour", "Materials", "Other")},
        rows=[("L-01", "Lighting", "Labour", Decimal("100.50"), dt.date(2026, 4, 1))]
        if example
        else [],
    )


def test_lay_out_adds_missing_tabs_and_leaves_existing_ones(
    server: SheetsServer, open_show: Callable[..., GoogleWorkbook]
) -> None:
    written = open_show().lay_out([layout("Budget"), layout("Schedule", example=True)], force=False)

    assert written == ["Schedule"]
    assert server.values(KEY, "Budget!A1:B1") == [["Code", "Department"]]  # untouched
    assert server.values(KEY, "Schedule!A1:E2") == [
        ["Code", "Department", "Category", "Budgeted", "Due"],
        ["L-01", "Lighting", "Labour", 100.5, 46113],
    ]
    dept = cell(server, "Schedule", 5, 1)["dataValidation"]["condition"]
    assert dept == {"type": "ONE_OF_RANGE", "values": [{"userEnteredValue": "=Departments!A2:A"}]}
    category = cell(server, "Schedule", 5, 2)["dataValidation"]["condition"]
    assert [v["userEnteredValue"] for v in category["values"]] == ["Labour", "Materials", "Other"]
    assert cell(server, "Schedule", 5, 3)["userEnteredFormat"]["numberFormat"]["pattern"] == MONEY
    assert cell(server, "Schedule", 0, 0)["userEnteredFormat"]["textFormat"]["bold"]
    assert [c[0] for c in api_calls(server)] == ["GET", "POST"]

    server.calls.clear()
    for force in (False, True):  # every tab is there: nothing to add, nothing replaced
        assert open_show().lay_out([layout("Budget"), layout("Schedule")], force=force) == []
    assert [c[0] for c in api_calls(server)] == ["GET", "GET"]


def test_lay_out_with_force_replaces_nothing(
    server: SheetsServer, open_show: Callable[..., GoogleWorkbook]
) -> None:
    before = server.spreadsheet(KEY).sheet_by_title("Budget")
    assert before is not None
    typed = server.values(KEY, "Budget!A1:E3")
    written = open_show().lay_out([layout("Budget", example=True)], force=True)
    after = server.spreadsheet(KEY).sheet_by_title("Budget")
    assert written == [] and after is not None
    assert (after.sheet_id, after.properties["index"]) == (before.sheet_id, 0)
    assert server.values(KEY, "Budget!A1:E3") == typed


def test_lay_out_whose_reply_was_lost_adds_each_tab_once(
    server: SheetsServer, open_show: Callable[..., GoogleWorkbook]
) -> None:
    server.inject(Fault(kind="drop_after", method="POST", path=":batchUpdate$"))
    written = open_show().lay_out([layout("Budget"), layout("Schedule")], force=True)
    assert written == ["Schedule"]
    assert [s.title for s in server.spreadsheet(KEY).sheets] == [
        "Budget",
        "It's Vendors",
        "Schedule",
    ]
    # Schedule is there after the lost write, so nothing is sent again
    assert api_calls(server) == [GET, BATCH_UPDATE, GET]

    server.calls.clear()
    server.inject(Fault(kind="drop_after", method="POST", path=":batchUpdate$"))
    assert open_show().lay_out([layout("Cast")], force=False) == ["Cast"]
    assert [s.title for s in server.spreadsheet(KEY).sheets][-1] == "Cast"
    assert api_calls(server) == [GET, BATCH_UPDATE, GET]  # nothing left to send


def test_a_user_login_is_saved_for_its_owner_only_and_used_next_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from google.oauth2.credentials import Credentials

    from prodsheets.backends.google_auth import SCOPES, load_login, save_login, token_path

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    login = Credentials(  # type: ignore[no-untyped-call]
        token="ya29.not-a-real-token",
        refresh_token="1//not-a-real-refresh-token",
        client_id="client.apps.googleusercontent.com",
        client_secret="not-a-real-secret",
        token_uri="http://127.0.0.1:9/token",
        scopes=list(SCOPES),
    )
    save_login(login, token_path())

    assert token_path() == tmp_path / "config" / "prodsheets" / "token.json"
    assert token_path().stat().st_mode & 0o777 == 0o600
    found = load_login("")
    assert found.credentials.token == "ya29.not-a-real-token"
    assert found.account == "" and found.source == str(token_path())
    assert list(getattr(found.credentials, "scopes", None) or []) == list(SCOPES)


def test_a_protection_removed_between_read_and_write_is_a_change_not_a_bug(
    server: SheetsServer, open_show: Callable[..., GoogleWorkbook]
) -> None:
    open_show().write(summary_tables())
    workbook = open_show()
    workbook.read(["Budget"])
    summary = server.spreadsheet(KEY).sheet_by_title("Summary")
    assert summary is not None
    summary.protected_ranges.clear()  # a person removes the warning while sync works
    before = server.values(KEY, "Issues")
    with pytest.raises(WorkbookChanged, match="changed while prodsheets was writing"):
        workbook.write(summary_tables(issue_rows=1))
    assert server.values(KEY, "Issues") == before
    open_show().write(summary_tables(issue_rows=1))  # the next run works
    assert len(server.values(KEY, "Issues")) == 2
