"""What only a Google workbook has: API call counts, faults, sharing and init, via the CLI.

Real gspread and real google-auth against the local Sheets API server.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from prodsheets.backends.gsheets import OWNER_KEY
from prodsheets.testing import Fault, SheetsServer
from tests.backends import GoogleHome
from tests.workbooks import AS_OF, SOURCE_TABS, SUMMARY_TABS, clean_production, set_cell


@pytest.fixture
def google(sheets_server: SheetsServer, tmp_path: Any) -> GoogleHome:
    return GoogleHome(tmp_path, sheets_server)


def api_replies(server: SheetsServer) -> list[tuple[str, str, int]]:
    """(method, path, status) of each Sheets API call (not the token endpoint)."""
    return [
        (c["method"], c["path"], c["status"]) for c in server.calls if c["path"].startswith("/v4/")
    ]


def api_calls(server: SheetsServer) -> list[tuple[str, str]]:
    """(method, path) of each Sheets API call (not the token endpoint)."""
    return [(method, path) for method, path, _ in api_replies(server)]


def owned_markers(server: SheetsServer, key: str) -> list[int]:
    """Sheet ids carrying our ownership metadata, one entry per marker."""
    return sorted(
        int(m["location"]["sheetId"])
        for m in server.spreadsheet(key).developer_metadata.values()
        if m.get("metadataKey") == OWNER_KEY
    )


def big_production(lines: int) -> dict[str, Any]:
    tabs = clean_production()
    for n in range(lines - len(tabs["Budget"]) + 1):
        tabs["Budget"].append(
            [f"X-{n}", "Set", "Other", f"Item {n}", None, 100 + n % 50, n % 7, 0, 1, None]
        )
    return tabs


@pytest.mark.parametrize("lines", [10, 10_000])
def test_calls_are_constant_whatever_the_size(lines: int, google: GoogleHome, run_cli: Any) -> None:
    location = google.make(big_production(lines))
    key = location.removeprefix("gsheets:")
    get = ("GET", f"/v4/spreadsheets/{key}")
    batch_get = ("GET", f"/v4/spreadsheets/{key}/values:batchGet")
    batch_update = ("POST", f"/v4/spreadsheets/{key}:batchUpdate")

    assert run_cli("validate", location, "--as-of", AS_OF).exit_code in (0, 1)
    assert api_calls(google.server) == [get, batch_get]
    google.server.calls.clear()

    result = run_cli("sync", location, "--as-of", AS_OF)
    assert result.exit_code in (0, 1), result.output
    assert api_calls(google.server) == [get, batch_get, batch_update]
    sent = [c["request_bytes"] for c in google.server.calls if c["path"].endswith(":batchUpdate")]
    assert sent[0] <= 2_000_000
    assert google.titles(location) == SOURCE_TABS + SUMMARY_TABS


def test_quota_refusal_is_retried(google: GoogleHome, run_cli: Any) -> None:
    # how long the retry waits is measured by benchmarks/bench_faults.py (no timed tests)
    location = google.make(clean_production())
    google.server.inject(Fault(status=429, retry_after=1, times=1))
    result = run_cli("sync", location, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert google.titles(location) == SOURCE_TABS + SUMMARY_TABS
    assert google.rows(location, "Summary")[0][:2] == ["Metric", "Value"]
    assert [status for _, _, status in api_replies(google.server)] == [429, 200, 200, 200]


def test_quota_refusal_with_a_date_to_retry_after_waits_until_then(
    google: GoogleHome, run_cli: Any
) -> None:
    location = google.make(clean_production())
    google.server.inject(Fault(status=429, retry_after=1, retry_after_date=True, method="POST"))
    result = run_cli("sync", location, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert google.titles(location) == SOURCE_TABS + SUMMARY_TABS
    writes = [c for c in google.server.calls if c["path"].endswith(":batchUpdate")]
    assert [c["status"] for c in writes] == [429, 200]
    # that the wait lasts until the date is measured by benchmarks/bench_faults.py


def test_write_whose_reply_was_lost_is_applied_once(google: GoogleHome, run_cli: Any) -> None:
    location = google.make(clean_production())
    key = location.removeprefix("gsheets:")
    google.server.inject(Fault(kind="drop_after", method="POST", path=":batchUpdate$"))
    result = run_cli("sync", location, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert google.titles(location) == SOURCE_TABS + SUMMARY_TABS
    assert google.rows(location, "Summary")[0][:2] == ["Metric", "Value"]
    # the lost write was applied: the re-read sees it, and the one sent again replaces it
    spreadsheet = google.server.spreadsheet(key)
    assert len(owned_markers(google.server, key)) == len(SUMMARY_TABS)
    summary = spreadsheet.sheet_by_title("Summary")
    assert summary is not None and len(summary.charts) == 1
    get, batch_get = (
        ("GET", f"/v4/spreadsheets/{key}"),
        ("GET", f"/v4/spreadsheets/{key}/values:batchGet"),
    )
    batch_update = ("POST", f"/v4/spreadsheets/{key}:batchUpdate")
    assert api_calls(google.server) == [get, batch_get, batch_update, get, batch_update]


def test_server_error_storm_exits_3_and_leaves_the_workbook_whole(
    google: GoogleHome, run_cli: Any
) -> None:
    # that the run ends within retry_seconds is measured by benchmarks/bench_faults.py
    location = google.make(clean_production())
    google.settings(retry_seconds=0.5)
    before = google.snapshot(location)
    google.server.inject(Fault(status=500, times=10_000, method="POST"))
    result = run_cli("sync", location, "--as-of", AS_OF)
    assert result.exit_code == 3
    [sentence] = result.output.strip().splitlines()
    assert "server errors (HTTP 500) for 0.5 seconds; run again later." in sentence
    assert "Traceback" not in result.output
    assert google.snapshot(location) == before
    assert [s.title for s in google.server.spreadsheet(location[8:]).sheets] == SOURCE_TABS


def test_unknown_key(google: GoogleHome, run_cli: Any) -> None:
    result = run_cli("validate", "gsheets:nosuchkey")
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        "Error: No Google spreadsheet has the key nosuchkey; check the link."
    )
    assert "Traceback" not in result.output


def test_not_shared_names_the_account_to_share_with(google: GoogleHome, run_cli: Any) -> None:
    google.server.add_spreadsheet("private", clean_production(), allowed_emails=["a@b.example"])
    result = run_cli("validate", "https://docs.google.com/spreadsheets/d/private/edit#gid=0")
    assert result.exit_code == 3
    email = google.server.service_account_info()["client_email"]
    assert f"share the spreadsheet with {email} as an editor" in result.output
    private_key = google.server.service_account_info()["private_key"]
    assert private_key.splitlines()[1] not in result.output


def test_init_on_google_adds_tabs_then_syncs(google: GoogleHome, run_cli: Any) -> None:
    google.server.add_spreadsheet("blank", {"Notes": [["Keep me"]]})
    result = run_cli("init", "gsheets:blank", "--example")
    assert result.exit_code == 0, result.output
    assert google.titles("gsheets:blank") == ["Notes", *SOURCE_TABS, "Crew", "Equipment"]
    assert google.rows("gsheets:blank", "Notes") == [["Keep me"]]
    assert len(google.rows("gsheets:blank", "Budget")) > 30
    assert len(google.rows("gsheets:blank", "Crew")) > 12
    synced = run_cli("sync", "gsheets:blank")
    assert synced.exit_code in (0, 1), synced.output
    owned = [*SUMMARY_TABS[:-1], "Crew Report", SUMMARY_TABS[-1]]  # with a Crew tab
    assert google.titles("gsheets:blank") == ["Notes", *SOURCE_TABS, "Crew", "Equipment", *owned]
    before = google.snapshot("gsheets:blank")
    for flags in ([], ["--force"]):  # init only adds: --force replaces nothing
        again = run_cli("init", "gsheets:blank", *flags)
        assert again.exit_code == 0, again.output
        assert "Left as they are (already there): Departments, Schedule, Budget, Vendors" in (
            again.output
        )
        assert google.snapshot("gsheets:blank") == before


@pytest.mark.parametrize(
    "link",
    [
        "https://docs.google.com/spreadsheets/d/show1/edit#gid=0",
        "https://docs.google.com/spreadsheets/d/show1/edit?usp=sharing",
        "https://docs.google.com/spreadsheets/u/1/d/show1/edit",
        "docs.google.com/spreadsheets/d/show1",
        "https://drive.google.com/open?id=show1",
    ],
)
def test_every_form_of_a_spreadsheet_link_opens_it(
    link: str, google: GoogleHome, run_cli: Any
) -> None:
    google.make(clean_production())
    result = run_cli("validate", link, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.output


@pytest.mark.parametrize(
    ("link", "says"),
    [
        ("https://docs.google.com/spreadsheets/", "not a link to a Google spreadsheet"),
        ("https://docs.google.com/document/d/abc/edit", "not a link to a Google spreadsheet"),
        ("https://docs.google.com/spreadsheets/d/e/2PACX-1vQ/pubhtml", "published to the web"),
        ("gsheets:", "names no spreadsheet"),
        ("https://example.com/show.xlsx", "is a web address"),
    ],
)
def test_a_link_that_names_no_spreadsheet_is_a_usage_problem(
    link: str, says: str, google: GoogleHome, run_cli: Any
) -> None:
    result = run_cli("validate", link)
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert "does not exist" not in result.output
    assert not any(c["path"].startswith("/v4/") for c in google.server.calls)
    init = run_cli("init", link)
    assert init.exit_code == 2, init.output
    assert set(google.folder.iterdir()) == {google.folder / "prodsheets.toml", google.key_file}


def test_sign_in_service_down_is_retried_then_not_blamed_on_the_key(
    google: GoogleHome, run_cli: Any
) -> None:
    location = google.make(clean_production())
    # google-auth tries the token endpoint three times itself; when all three fail, our own
    # retry signs in again
    google.server.inject(Fault(status=503, times=3, path="^/token$"))
    result = run_cli("validate", location, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output

    google.settings(retry_seconds=1)
    google.server.inject(Fault(status=503, times=10_000, path="^/token$"))
    result = run_cli("validate", location, "--as-of", AS_OF, "--verbose")
    assert result.exit_code == 3
    last = result.output.strip().splitlines()[-1]
    assert "sign-in service kept failing for 1 second," in last
    assert "revoked" not in result.output and "new key" not in result.output


def test_sign_in_service_out_of_reach_is_named_and_not_blamed_on_sheets(
    google: GoogleHome, run_cli: Any
) -> None:
    location = google.make(clean_production())
    # dropped connections to the token endpoint are retried like any other
    google.server.inject(Fault(kind="drop", times=2, path="^/token$"))
    result = run_cli("validate", location, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output

    with socket.socket() as probe:  # a port nothing listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    info = google.server.service_account_info()
    unreachable = google.folder / "unreachable.json"
    token_uri = f"http://127.0.0.1:{closed}/token"
    unreachable.write_text(json.dumps({**info, "token_uri": token_uri}), "utf-8")
    google.settings(retry_seconds=1)
    result = run_cli("validate", location, "--credentials", str(unreachable))
    assert result.exit_code == 3
    [sentence] = result.output.strip().splitlines()
    at = f"Could not reach Google's sign-in service at 127.0.0.1:{closed} for 1 second,"
    assert at in sentence
    assert "check the network connection" in sentence
    assert "the credentials were not refused" in sentence
    assert "Google Sheets" not in sentence and "new key" not in sentence
    for line in info["private_key"].splitlines():
        if len(line) > 20:
            assert line not in result.output


def test_a_server_that_never_answers_ends_the_run_in_bounded_time(
    google: GoogleHome, run_cli: Any
) -> None:
    # one request waits answer_seconds (default a minute, here 1 s) for an answer; the run's
    # real length with the default is measured by benchmarks/bench_faults.py
    location = google.make(clean_production())
    google.settings(retry_seconds=0.5, answer_seconds=1)
    before = google.snapshot(location)
    # the write is held without a reply far longer than the run may last
    google.server.inject(Fault(kind="delay", delay_s=600, method="POST", path=":batchUpdate$"))
    result = run_cli("sync", location, "--as-of", AS_OF)
    assert result.exit_code == 3, result.output
    [sentence] = result.output.strip().splitlines()
    assert f"Google Sheets at {google.server.url} gave no answer for 1 seconds" in sentence
    assert "(retry_seconds is 0.5)" in sentence
    assert sentence.endswith("if it keeps happening.")
    assert google.snapshot(location) == before
    writes = [c for c in google.server.calls if c["path"].endswith(":batchUpdate")]
    assert len(writes) <= 1  # a write whose fate is unknown is never sent blindly again


def test_revoked_key_is_one_sentence_exit_3_without_the_key(
    google: GoogleHome, run_cli: Any
) -> None:
    location = google.make(clean_production())
    info = google.server.service_account_info()
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = stranger.private_bytes(  # the same account's key, one Google does not know
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    revoked = google.folder / "revoked.json"
    revoked.write_text(json.dumps({**info, "private_key": other}), "utf-8")
    result = run_cli("sync", location, "--credentials", str(revoked), "--verbose")
    assert result.exit_code == 3
    last = result.output.strip().splitlines()[-1]
    assert "Google refused the credentials" in last and "(invalid_grant)" in last
    for secret in (info["private_key"], other):
        for line in secret.splitlines():
            if len(line) > 20:
                assert line not in result.output
    assert google.titles(location) == SOURCE_TABS


def test_sync_past_googles_cell_limit_says_what_to_do_and_writes_nothing(
    google: GoogleHome, run_cli: Any
) -> None:
    location = google.make({**clean_production(), "Archive": [["old takes"]]})
    spreadsheet = google.server.spreadsheet(location.removeprefix("gsheets:"))
    archive = spreadsheet.sheets[-1].properties["gridProperties"]
    archive["rowCount"] = (10_000_000 - 4 * 1000 * 26) // 26 - 5  # a few rows short of the limit
    before = google.snapshot(location)
    result = run_cli("sync", location, "--as-of", AS_OF)
    assert result.exit_code == 3
    last = result.output.strip().splitlines()[-1]
    assert "limit of 10,000,000 cells" in last and "delete unused rows" in last
    assert ".." not in result.output
    assert google.snapshot(location) == before


def test_credentials_without_the_sheets_scope_are_not_blamed_on_sharing(
    google: GoogleHome, run_cli: Any
) -> None:
    # what Google answers a token lacking the spreadsheets scope (application default
    # credentials from gcloud, or a Compute Engine VM's default access scopes)
    location = google.make(clean_production())
    google.server.inject(
        Fault(status=403, message="Request had insufficient authentication scopes.")
    )
    result = run_cli("validate", location, "--as-of", AS_OF)
    assert result.exit_code == 3
    last = result.output.strip().splitlines()[-1]
    assert "do not carry the Google Sheets scope" in last
    assert "--scopes=https://www.googleapis.com/auth/spreadsheets" in last
    assert "share the spreadsheet" not in result.output


def test_a_date_cell_past_2099_names_the_date_it_shows(google: GoogleHome, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Schedule", 5, "Due", dt.date(9999, 12, 31))  # arrives as serial 2958465
    result = run_cli("validate", google.make(tabs), "--format", "json", "--as-of", AS_OF)
    [issue] = [i for i in json.loads(result.stdout)["issues"] if i["cell"] == "H5"]
    assert issue["rule"] == "value.type"
    assert issue["message"] == (
        "This is 9999-12-31 as a date (the number 2958465), but a number is read as a date "
        "only between 1950 and 2099: outside them it is likelier an amount or a year typed in "
        "the wrong column. Check the cell; write a date as 2026-03-14."
    )
