"""The local Sheets server answers like Google: recorded traffic, validation, auth, faults."""

from __future__ import annotations

import email.utils
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import openpyxl
import pytest
import requests

from prodsheets.testing import Fault, SheetsServer
from prodsheets.testing.auth import new_service_account
from tests.sheets_fixtures import shared_key_pem

# Real Sheets API traffic recorded by gspread's test suite, copied verbatim (see its README.md).
RECORDED = Path(__file__).resolve().parent / "fixtures" / "sheets-api-recorded"
CASSETTES = sorted(RECORDED.glob("*.json"))
assert len(CASSETTES) == 13, RECORDED
GOOGLE = "https://sheets.googleapis.com"
ID_IN_PATH = re.compile(r"^/v4/spreadsheets/([^/:]+)")


def shape(value: Any) -> Any:
    """Keys and JSON types, recursively: what must match Google, ids and text aside."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def token_for(
    server: SheetsServer, scope: str = "https://www.googleapis.com/auth/spreadsheets"
) -> str:
    from google.auth.transport.requests import Request
    from google.oauth2 import service_account

    credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
        server.service_account_info(), scopes=[scope]
    )
    credentials.refresh(Request())
    return str(credentials.token)


def api(server: SheetsServer, token: str | None = None) -> requests.Session:
    session = requests.Session()
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    return session


def _map_sheet_ids(value: Any, sheet_ids: dict[int, int]) -> Any:
    if isinstance(value, dict):
        return {
            k: sheet_ids.get(v, v)
            if k == "sheetId" and isinstance(v, int)
            else _map_sheet_ids(v, sheet_ids)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_map_sheet_ids(v, sheet_ids) for v in value]
    return value


@pytest.mark.parametrize("cassette", CASSETTES, ids=lambda p: p.stem)
def test_recorded_traffic_replays_with_the_same_shapes(cassette: Path) -> None:
    interactions = [
        i
        for i in json.loads(cassette.read_text())["interactions"]
        if i["request"]["uri"].startswith(GOOGLE)
    ]
    assert interactions
    with SheetsServer(private_key_pem=shared_key_pem()) as server:
        session = api(server, token_for(server))
        keys: dict[str, str] = {}
        sheet_ids: dict[int, int] = {0: 0}
        for number, interaction in enumerate(interactions):
            request, recorded = interaction["request"], interaction["response"]
            parts = urlsplit(request["uri"])
            recorded_id = ID_IN_PATH.match(parts.path).group(1)  # type: ignore[union-attr]
            if recorded_id not in keys:
                keys[recorded_id] = f"sheet{len(keys)}"
                status = recorded["status"]["code"]
                if status == 403:
                    server.add_spreadsheet(keys[recorded_id], allowed_emails=["someone@else.test"])
                elif status != 404:
                    server.add_spreadsheet(keys[recorded_id])
            path = parts.path.replace(recorded_id, keys[recorded_id], 1)
            url = server.url + path + (f"?{parts.query}" if parts.query else "")
            body = json.loads(request["body"]) if request["body"] else None
            reply = session.request(request["method"], url, json=_map_sheet_ids(body, sheet_ids))
            expected = json.loads(recorded["body"]["string"])
            where = f"{cassette.stem} #{number} {request['method']} {parts.path}"
            assert reply.status_code == recorded["status"]["code"], (where, reply.text)
            got = reply.json()
            assert shape(got) == shape(expected), where
            if "error" in expected:
                assert got["error"]["message"] == expected["error"]["message"], where
            if "range" in expected:
                assert got["range"] == expected["range"], where
            if "values" in expected:
                assert got["values"] == expected["values"], where
            for ours, theirs in zip(
                got.get("replies", []), expected.get("replies", []), strict=True
            ):
                if "addSheet" in theirs:
                    sheet_ids[theirs["addSheet"]["properties"]["sheetId"]] = ours["addSheet"][
                        "properties"
                    ]["sheetId"]


# ---------------------------------------------------------------- validation


@pytest.fixture
def authed(sheets_server: SheetsServer) -> requests.Session:
    sheets_server.add_spreadsheet("show", {"Budget": [["Line", "Amount"], ["Gaffer", 1200]]})
    return api(sheets_server, token_for(sheets_server))


def test_unknown_body_field_query_param_and_enum_are_rejected_like_google(
    sheets_server: SheetsServer, authed: requests.Session
) -> None:
    base = f"{sheets_server.url}/v4/spreadsheets/show"
    bad_field = authed.post(
        base + ":batchUpdate",
        json={"requests": [{"addSheet": {"properties": {"title": "x", "colour": "red"}}}]},
    )
    assert bad_field.status_code == 400
    assert bad_field.json()["error"]["message"] == (
        'Invalid JSON payload received. Unknown name "colour" at '
        "'requests[0].add_sheet.properties': Cannot find field."
    )
    assert bad_field.json()["error"]["status"] == "INVALID_ARGUMENT"

    bad_param = authed.get(base + "/values/Budget!A1?valueRender=FORMULA")
    assert bad_param.status_code == 400
    assert 'Unknown name "valueRender"' in bad_param.json()["error"]["message"]

    bad_enum = authed.get(base + "/values/Budget!A1?valueRenderOption=RAW")
    assert bad_enum.status_code == 400
    assert "Invalid value at 'value_render_option'" in bad_enum.json()["error"]["message"]

    bad_type = authed.post(
        base + ":batchUpdate",
        json={
            "requests": [
                {"updateSheetProperties": {"properties": {"sheetId": "zero"}, "fields": "title"}}
            ]
        },
    )
    assert bad_type.status_code == 400
    assert "TYPE_INT32" in bad_type.json()["error"]["message"]

    bad_kind = authed.post(base + ":batchUpdate", json={"requests": [{"addTab": {}}]})
    assert bad_kind.status_code == 400
    assert server_values(sheets_server) == [["Line", "Amount"], ["Gaffer", 1200]]


def server_values(server: SheetsServer) -> list[list[Any]]:
    return server.values("show", "Budget")


def test_semantic_errors_name_the_problem(
    sheets_server: SheetsServer, authed: requests.Session
) -> None:
    base = f"{sheets_server.url}/v4/spreadsheets/show"
    duplicate = authed.post(
        base + ":batchUpdate",
        json={"requests": [{"addSheet": {"properties": {"title": "budget"}}}]},
    )
    assert duplicate.status_code == 400
    assert 'A sheet with the name "budget" already exists' in duplicate.json()["error"]["message"]
    missing_tab = authed.post(
        base + ":batchUpdate", json={"requests": [{"deleteSheet": {"sheetId": 42}}]}
    )
    assert missing_tab.status_code == 400
    missing = authed.get(f"{sheets_server.url}/v4/spreadsheets/nope")
    assert missing.status_code == 404
    assert missing.json() == {
        "error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}
    }
    bad_range = authed.get(base + "/values/Nowhere!A1")
    assert bad_range.json()["error"]["message"] == "Unable to parse range: Nowhere!A1"


def _chart(sheet_id: int, source_rows: int, anchor_column: int) -> dict[str, Any]:
    grid = {
        "sheetId": sheet_id,
        "startRowIndex": 0,
        "endRowIndex": source_rows,
        "startColumnIndex": 1,
        "endColumnIndex": 2,
    }
    return {
        "addChart": {
            "chart": {
                "spec": {
                    "basicChart": {
                        "chartType": "COLUMN",
                        "series": [{"series": {"sourceRange": {"sources": [grid]}}}],
                    }
                },
                "position": {
                    "overlayPosition": {
                        "anchorCell": {"sheetId": sheet_id, "columnIndex": anchor_column}
                    }
                },
            }
        }
    }


@pytest.mark.parametrize(
    ("request_body", "message"),
    [
        (
            {"addSheet": {"properties": {"title": "x" * 101}}},
            "Invalid requests[0].addSheet: The sheet name cannot be greater than 100 characters.",
        ),
        (
            {"addSheet": {"properties": {"gridProperties": {"rowCount": 1, "frozenRowCount": 1}}}},
            "Invalid requests[0].addSheet: You can't freeze all visible rows on the sheet.",
        ),
        (
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": 0, "gridProperties": {"columnCount": 2}},
                    "fields": "gridProperties.columnCount",
                }
            },
            None,  # shrinking is fine
        ),
        (
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": 0, "gridProperties": {"frozenColumnCount": 26}},
                    "fields": "gridProperties.frozenColumnCount",
                }
            },
            "Invalid requests[0].updateSheetProperties: You can't freeze all visible columns "
            "on the sheet.",
        ),
        (
            {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 400_000}},
            "Invalid requests[0].appendDimension: This action would increase the number of "
            "cells in the workbook above the limit of 10000000 cells.",
        ),
        (_chart(0, 5000, 3), "Invalid requests[0].addChart: Range (Budget!B5000) exceeds grid"),
        (_chart(42, 5, 3), "Invalid requests[0].addChart: No grid with id: 42"),
        (_chart(0, 5, 26), "Invalid requests[0].addChart: The anchor cell (row 0, column 26)"),
        (
            {
                "repeatCell": {
                    "range": {"sheetId": 0},
                    "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                    "fields": "userEnteredFormat.textFormat.bolder",
                }
            },
            "Invalid requests[0].repeatCell: Invalid field mask: "
            "'userEnteredFormat.textFormat.bolder' is not a field of TextFormat.",
        ),
        (
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": 0, "title": "Costs"},
                    "fields": "title,gridProperties(rowCount,frozenRows)",
                }
            },
            "Invalid requests[0].updateSheetProperties: Invalid field mask: "
            "'gridProperties.frozenRows' is not a field of GridProperties.",
        ),
        (
            {
                "updateCells": {
                    "range": {"sheetId": 0},
                    "rows": [],
                    "fields": "userEnteredValue.stringValue.text",
                }
            },
            "Invalid requests[0].updateCells: Invalid field mask: "
            "'userEnteredValue.stringValue' has no fields to select.",
        ),
        (
            {
                "addProtectedRange": {
                    "protectedRange": {
                        "range": {"sheetId": 0},
                        "warningOnly": True,
                        "editors": {"users": ["a@example.org"]},
                    }
                }
            },
            "Invalid requests[0].addProtectedRange: A warning-only protected range cannot "
            "have editors.",
        ),
    ],
)
def test_limits_google_enforces_beyond_the_discovery_document(
    request_body: dict[str, Any],
    message: str | None,
    sheets_server: SheetsServer,
    authed: requests.Session,
) -> None:
    before = authed.get(f"{sheets_server.url}/v4/spreadsheets/show").json()
    reply = authed.post(
        f"{sheets_server.url}/v4/spreadsheets/show:batchUpdate",
        json={"requests": [request_body]},
    )
    if message is None:
        assert reply.status_code == 200, reply.text
        return
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["message"].startswith(message), error["message"]
    assert authed.get(f"{sheets_server.url}/v4/spreadsheets/show").json() == before


def test_batch_update_is_all_or_nothing(
    sheets_server: SheetsServer, authed: requests.Session
) -> None:
    before = authed.get(f"{sheets_server.url}/v4/spreadsheets/show").json()
    reply = authed.post(
        f"{sheets_server.url}/v4/spreadsheets/show:batchUpdate",
        json={
            "requests": [
                {"addSheet": {"properties": {"title": "Summary"}}},
                {
                    "updateCells": {
                        "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 0},
                        "rows": [{"values": [{"userEnteredValue": {"stringValue": "changed"}}]}],
                        "fields": "userEnteredValue",
                    }
                },
                {"deleteSheet": {"sheetId": 987654}},
            ]
        },
    )
    assert reply.status_code == 400
    assert reply.json()["error"]["message"].startswith("Invalid requests[2].deleteSheet:")
    after = authed.get(f"{sheets_server.url}/v4/spreadsheets/show").json()
    assert after == before
    assert server_values(sheets_server)[0][0] == "Line"


def test_values_round_trip_typed_like_sheets(
    sheets_server: SheetsServer, authed: requests.Session
) -> None:
    sheets_server.add_spreadsheet("tabs", {"It's 🎬 day": []}, grid_size=(10, 5))
    title = quote("'It''s 🎬 day'!A1", safe="")
    base = f"{sheets_server.url}/v4/spreadsheets/tabs/values/"
    put = authed.put(
        base + title + "?valueInputOption=USER_ENTERED",
        json={"values": [["=2*3", "2024-03-01", "$1,250.50", "TRUE"], ["", None, "'007"]]},
    )
    assert put.json()["updatedRange"] == "'It''s 🎬 day'!A1:D2"
    whole = authed.get(
        base + quote("'It''s 🎬 day'!A:D", safe="") + "?valueRenderOption=UNFORMATTED_VALUE"
    )
    assert whole.json()["range"] == "'It''s 🎬 day'!A1:D10"
    assert whole.json()["values"] == [[6, 45352, 1250.5, True], ["", "", "007"]]
    shown = authed.get(base + quote("'It''s 🎬 day'!A1:B", safe=""))
    assert shown.json()["values"] == [["6", "2024-03-01"]]
    columns = authed.get(
        base
        + quote("'It''s 🎬 day'!A1:C2", safe="")
        + "?majorDimension=COLUMNS&valueRenderOption=FORMULA"
    )
    assert columns.json()["values"] == [["=2*3"], [45352], [1250.5, "007"]]
    too_far = authed.put(base + "A11?valueInputOption=RAW", json={"values": [["x"]]})
    assert too_far.status_code == 400
    cleared = authed.post(base + quote("'It''s 🎬 day'", safe="") + ":clear", json={})
    assert cleared.json()["clearedRange"] == "'It''s 🎬 day'!A1:E10"
    assert "values" not in authed.get(base + quote("'It''s 🎬 day'", safe="")).json()


def test_developer_metadata_create_search_get(
    sheets_server: SheetsServer, authed: requests.Session
) -> None:
    base = f"{sheets_server.url}/v4/spreadsheets/show"
    created = authed.post(
        base + ":batchUpdate",
        json={
            "requests": [
                {
                    "createDeveloperMetadata": {
                        "developerMetadata": {
                            "metadataKey": "prodsheets.summary",
                            "metadataValue": "v1",
                            "location": {"sheetId": 0},
                            "visibility": "DOCUMENT",
                        }
                    }
                }
            ]
        },
    ).json()["replies"][0]["createDeveloperMetadata"]["developerMetadata"]
    assert created["location"] == {"locationType": "SHEET", "sheetId": 0}
    found = authed.post(
        base + "/developerMetadata:search",
        json={"dataFilters": [{"developerMetadataLookup": {"metadataKey": "prodsheets.summary"}}]},
    ).json()
    assert [m["developerMetadata"]["metadataValue"] for m in found["matchedDeveloperMetadata"]] == [
        "v1"
    ]
    one = authed.get(f"{base}/developerMetadata/{created['metadataId']}")
    assert one.json() == created
    nothing = authed.post(
        base + "/developerMetadata:search",
        json={"dataFilters": [{"developerMetadataLookup": {"metadataKey": "other"}}]},
    )
    assert nothing.json() == {}


# ---------------------------------------------------------------- auth


def test_api_demands_a_live_token(sheets_server: SheetsServer) -> None:
    sheets_server.add_spreadsheet("show")
    url = f"{sheets_server.url}/v4/spreadsheets/show"
    missing = requests.get(url, timeout=5)
    assert missing.status_code == 401
    assert missing.json()["error"]["status"] == "UNAUTHENTICATED"
    assert missing.json()["error"]["details"][0]["reason"] == "CREDENTIALS_MISSING"
    forged = requests.get(url, headers={"Authorization": "Bearer ya29.forged"}, timeout=5)
    assert forged.status_code == 401
    token = token_for(sheets_server)
    assert (
        requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=5).status_code
        == 200
    )
    sheets_server.expire_tokens()
    expired = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert expired.status_code == 401
    assert expired.json()["error"]["details"][0]["reason"] == "ACCESS_TOKEN_EXPIRED"
    assert all("ya29" not in json.dumps(call) for call in sheets_server.calls)


def test_token_endpoint_checks_signature_and_claims(sheets_server: SheetsServer) -> None:
    from google.auth import crypt, jwt

    info = sheets_server.service_account_info()
    stranger = new_service_account("x@y.test")  # a key this server never saw
    now = int(time.time())
    claims = {
        "iss": info["client_email"],
        "aud": "https://oauth2.googleapis.com/token",
        "iat": now,
        "exp": now + 3600,
        "scope": "https://www.googleapis.com/auth/spreadsheets",
    }

    def grant(key: dict[str, str], **changes: Any) -> requests.Response:
        signer = crypt.RSASigner.from_service_account_info(key)  # type: ignore[no-untyped-call]
        assertion = jwt.encode(signer, {**claims, **changes})  # type: ignore[no-untyped-call]
        return requests.post(
            sheets_server.token_url,
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": assertion,
            },
            timeout=5,
        )

    good = grant(info)
    assert good.status_code == 200 and good.json()["expires_in"] > 0
    forged_key = {**info, "private_key": stranger.private_key_pem()}
    assert grant(forged_key).json()["error_description"] == "Invalid JWT Signature."
    assert grant(info, aud="https://evil.test/token").status_code == 400
    assert grant(info, exp=now - 1000, iat=now - 4600).status_code == 400
    assert (
        grant(info, scope="https://www.googleapis.com/auth/calendar").json()["error"]
        == "invalid_scope"
    )


def test_private_spreadsheet_is_403_for_others(sheets_server: SheetsServer) -> None:
    sheets_server.add_spreadsheet("private", allowed_emails=["owner@show.test"])
    reply = api(sheets_server, token_for(sheets_server)).get(
        f"{sheets_server.url}/v4/spreadsheets/private"
    )
    assert reply.status_code == 403
    assert reply.json()["error"] == {
        "code": 403,
        "message": "The caller does not have permission",
        "status": "PERMISSION_DENIED",
    }


# ---------------------------------------------------------------- faults


def test_injected_faults(sheets_server: SheetsServer, authed: requests.Session) -> None:
    url = f"{sheets_server.url}/v4/spreadsheets/show/values/Budget!A1"
    sheets_server.inject(Fault(status=429, retry_after=7, times=2, method="GET"))
    for _ in range(2):
        limited = authed.get(url)
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "7"
        assert limited.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
        assert limited.json()["error"]["message"].startswith(
            "Quota exceeded for quota metric 'Read requests'"
        )
    assert authed.get(url).status_code == 200

    sheets_server.inject(Fault(status=503))
    assert authed.get(url).json()["error"]["status"] == "UNAVAILABLE"

    put = url + "?valueInputOption=RAW"
    sheets_server.inject(Fault(kind="drop", method="PUT"))
    with pytest.raises(requests.ConnectionError):
        authed.put(put, json={"values": [["lost before"]]})
    assert sheets_server.values("show", "Budget!A1") == [["Line"]]
    sheets_server.inject(Fault(kind="drop_after", method="PUT"))
    with pytest.raises(requests.ConnectionError):
        authed.put(put, json={"values": [["applied, reply lost"]]})
    assert sheets_server.values("show", "Budget!A1") == [["applied, reply lost"]]

    sheets_server.inject(Fault(kind="delay", delay_s=0.3))
    started = time.monotonic()
    assert authed.get(url).status_code == 200
    assert time.monotonic() - started >= 0.3
    faults = [c["fault"] for c in sheets_server.calls if c["fault"]]
    assert faults == ["429", "429", "503", "drop", "drop_after", "delay"]


def test_retry_after_can_be_an_http_date(
    sheets_server: SheetsServer, authed: requests.Session
) -> None:
    url = f"{sheets_server.url}/v4/spreadsheets/show/values/Budget!A1"
    sheets_server.inject(Fault(status=429, retry_after=30, retry_after_date=True))
    asked = time.time()
    limited = authed.get(url)
    assert limited.status_code == 429
    header = limited.headers["Retry-After"]
    assert re.fullmatch(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT", header)
    when = email.utils.parsedate_to_datetime(header).timestamp()
    assert 30 <= when - asked <= 32


def test_per_minute_quota(sheets_server: SheetsServer, authed: requests.Session) -> None:
    sheets_server.set_quota(per_minute=3, window_s=0.5)
    url = f"{sheets_server.url}/v4/spreadsheets/show"
    assert [authed.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    time.sleep(0.6)
    assert authed.get(url).status_code == 200


# ---------------------------------------------------------------- real gspread


def test_real_gspread_reads_and_writes(sheets_server: SheetsServer, sheets_key_file: Path) -> None:
    import gspread
    from gspread.http_client import HTTPClient

    base = sheets_server.url

    class LocalHTTPClient(HTTPClient):
        def request(
            self, method: str, endpoint: str, *args: Any, **kwargs: Any
        ) -> requests.Response:
            return super().request(method, endpoint.replace(GOOGLE, base), *args, **kwargs)

    sheets_server.add_spreadsheet("show", {"Budget": [["Line", "Amount"], ["Gaffer", 1200]]})
    client = gspread.service_account(filename=str(sheets_key_file), http_client=LocalHTTPClient)
    book = client.open_by_key("show")
    assert [w.title for w in book.worksheets()] == ["Budget"]
    budget = book.worksheet("Budget")
    assert budget.get_all_records() == [{"Line": "Gaffer", "Amount": 1200}]
    summary = book.add_worksheet("Summary", rows=5, cols=3)
    summary.update(
        [["Total", "=1200+300"]],
        "A1",
        value_input_option=gspread.utils.ValueInputOption.user_entered,
    )
    assert summary.get(
        "A1:B1", value_render_option=gspread.utils.ValueRenderOption.unformatted
    ) == [["Total", 1500]]
    summary.update_note("A1", "written by prodsheets")
    assert summary.get_note("A1") == "written by prodsheets"
    budget.append_row(["Grip", 800])
    assert sheets_server.values("show", "Budget!A3:B3") == [["Grip", 800]]
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        client.open_by_key("missing")


# ---------------------------------------------------------------- command line


def test_standalone_server_serves_demo_and_saves(tmp_path: Path) -> None:
    seed = tmp_path / "in.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Budget"
    sheet.append(["Line", "Amount"])
    sheet.append(["Gaffer", 1200])
    book.save(seed)
    out, key, log = tmp_path / "out.xlsx", tmp_path / "key.json", tmp_path / "calls.jsonl"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prodsheets.testing.sheets_server",
            "--port",
            "0",
            "--from-xlsx",
            str(seed),
            "--save-xlsx",
            str(out),
            "--write-credentials",
            str(key),
            "--log",
            str(log),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(3)]
        url = lines[0].removeprefix("url: ")
        assert lines[1] == "spreadsheet: demo"
        info = json.loads(key.read_text())
        assert info["token_uri"] == url + "/token" and info["type"] == "service_account"
        from google.auth.transport.requests import AuthorizedSession
        from google.oauth2 import service_account

        credentials = service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
            str(key), scopes=["https://www.googleapis.com/auth/spreadsheets"]
        )
        session = AuthorizedSession(credentials)  # type: ignore[no-untyped-call]
        got = session.get(
            f"{url}/v4/spreadsheets/demo/values/Budget?valueRenderOption=UNFORMATTED_VALUE",
            timeout=5,
        )
        assert got.json()["values"] == [["Line", "Amount"], ["Gaffer", 1200]]
        put = session.put(
            f"{url}/v4/spreadsheets/demo/values/Budget!B2?valueInputOption=RAW",
            json={"values": [[1500]]},
            timeout=5,
        )
        assert put.status_code == 200
        session.close()  # type: ignore[no-untyped-call]
        saved = openpyxl.load_workbook(out)
        assert saved["Budget"]["B2"].value == 1500
        entries = [json.loads(line) for line in log.read_text().splitlines()]
        assert [(e["method"], e["status"]) for e in entries] == [
            ("POST", 200),
            ("GET", 200),
            ("PUT", 200),
        ]
        assert all("assertion" not in json.dumps(e) for e in entries)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def test_conditional_format_rules_are_checked_and_listed_like_google(
    sheets_server: SheetsServer, authed: requests.Session
) -> None:
    base = f"{sheets_server.url}/v4/spreadsheets/show"
    rule = {
        "ranges": [{"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2}],
        "booleanRule": {
            "condition": {
                "type": "CUSTOM_FORMULA",
                "values": [{"userEnteredValue": '=COUNTIF($A2:$B2,"Over")>0'}],
            },
            "format": {"backgroundColor": {"red": 1}},
        },
    }
    bad_enum = {**rule, "booleanRule": {**rule["booleanRule"], "condition": {"type": "FORMULA"}}}
    for bad, said in (({**rule, "colour": "red"}, 'Unknown name "colour"'), (bad_enum, "Type")):
        refused = authed.post(
            base + ":batchUpdate", json={"requests": [{"addConditionalFormatRule": {"rule": bad}}]}
        )
        assert refused.status_code == 400 and said in refused.json()["error"]["message"]
    mask = "?fields=sheets(properties(sheetId),conditionalFormats)"
    assert authed.get(base + mask).json() == {"sheets": [{"properties": {"sheetId": 0}}]}

    added = authed.post(
        base + ":batchUpdate",
        json={"requests": [{"addConditionalFormatRule": {"rule": rule, "index": 0}}]},
    )
    assert added.status_code == 200
    [sheet] = authed.get(base + mask).json()["sheets"]
    assert sheet["conditionalFormats"] == [rule]

    delete = {"deleteConditionalFormatRule": {"sheetId": 0, "index": 0}}
    gone = authed.post(base + ":batchUpdate", json={"requests": [delete]})
    assert gone.json()["replies"] == [{"deleteConditionalFormatRule": {"rule": rule}}]
    assert authed.post(base + ":batchUpdate", json={"requests": [delete]}).status_code == 400
