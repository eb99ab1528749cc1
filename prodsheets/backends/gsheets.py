"""A Google Sheets spreadsheet as a workbook, through gspread and google-auth.

The number of API calls is constant, whatever the number of tabs and rows:

- ``read``: one ``spreadsheets.get`` with a field mask (tab properties and our developer
  metadata, which says which tabs we own) and one ``values.batchGet`` of the chosen tabs;
- ``write``: one ``spreadsheets.batchUpdate``, which Google applies all or nothing. An owned
  tab is emptied and rewritten in place (people's formulas and links pointing at it keep
  working); its old chart, protection and conditional format rules are deleted in the same
  batch, so nothing piles up across syncs. A new tab gets its ownership marker (developer
  metadata) in that batch too;
- ``lay_out`` (``init``): one ``spreadsheets.get`` and one ``spreadsheets.batchUpdate``.

Only gspread's low-level HTTP client is used (``gspread.Client(...).http_client``): its
``open_by_key`` would cost an extra metadata call. Text is written as ``stringValue``, so a
vendor named ``=IMPORTXML(...)`` stays text.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import gspread
from google.auth.exceptions import RefreshError
from gspread.exceptions import APIError

from prodsheets.a1 import quote_title
from prodsheets.backends.base import (
    Contents,
    Format,
    LayoutTab,
    RawCell,
    RawTab,
    RowStyle,
    SummaryTable,
    SummaryValue,
    row_runs,
)
from prodsheets.backends.google_auth import SCOPES, GoogleLogin, load_login, refusal_sentence
from prodsheets.backends.retry import RetryingHTTPClient, WriteInDoubt, configured_client
from prodsheets.config import Config
from prodsheets.currency import money_pattern
from prodsheets.errors import (
    NotOwnedError,
    WorkbookChanged,
    WorkbookError,
    WorkbookNotFound,
)
from prodsheets.template import normalise

Request = dict[str, Any]

OWNER_KEY = "prodsheets.owned"
OWNER_VALUE = "summary tab written by prodsheets sync"
METADATA_FIELDS = (
    "sheets(properties(sheetId,title,index,hidden,sheetType,gridProperties),"
    "developerMetadata(metadataId,metadataKey,metadataValue),"
    "charts(chartId),protectedRanges(protectedRangeId),conditionalFormats,merges)"
)
EPOCH = dt.datetime(1899, 12, 30)  # day 0 of a spreadsheet date serial
RECOMMENDED_REQUEST_BYTES = 2_000_000
HISTORY_BYTES = 1_000_000  # what one sync may add to the History log on Google

NUMBER_FORMATS: dict[Format, dict[str, str]] = {
    Format.MONEY: {"type": "NUMBER", "pattern": "#,##0.00;(#,##0.00)"},
    Format.PERCENT: {"type": "PERCENT", "pattern": "0.0%"},
    Format.INTEGER: {"type": "NUMBER", "pattern": "#,##0"},
    Format.NUMBER: {"type": "NUMBER", "pattern": "#,##0.0"},
    Format.DATE: {"type": "DATE", "pattern": "yyyy-mm-dd"},
    Format.DATETIME: {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm"},
}
GREY = {"red": 0.9, "green": 0.9, "blue": 0.9}
RED = {"red": 0.96, "green": 0.78, "blue": 0.78}
AMBER = {"red": 1.0, "green": 0.9, "blue": 0.7}
ROW_LOOKS: dict[RowStyle, tuple[Request, str]] = {
    RowStyle.SECTION: (
        {"textFormat": {"bold": True}, "backgroundColor": GREY},
        "userEnteredFormat.textFormat.bold,userEnteredFormat.backgroundColor",
    ),
    RowStyle.TOTAL: ({"textFormat": {"bold": True}}, "userEnteredFormat.textFormat.bold"),
    RowStyle.OVER: ({"backgroundColor": RED}, "userEnteredFormat.backgroundColor"),
    RowStyle.AT_RISK: ({"backgroundColor": AMBER}, "userEnteredFormat.backgroundColor"),
}
# The colour a conditional rule gives the rows a table says are OVER / AT_RISK.
STATUS_LOOKS: dict[RowStyle, dict[str, float]] = {RowStyle.OVER: RED, RowStyle.AT_RISK: AMBER}
CHART_COLUMNS = 8  # spare columns on the Summary tab where the chart sits


@dataclass(frozen=True)
class Sheet:
    """One tab as ``spreadsheets.get`` describes it."""

    sheet_id: int
    title: str
    index: int
    hidden: bool
    grid: bool  # False for a chart sheet, which has no cells to read
    owned: bool
    charts: tuple[int, ...] = ()  # chart ids on this tab
    protections: tuple[int, ...] = ()  # protected range ids on this tab
    rules: int = 0  # conditional format rules on this tab
    # merged cells: (first row, first column, last row, last column), 0-based
    merged: tuple[tuple[int, int, int, int], ...] = ()

    @property
    def key(self) -> str:
        return self.title.casefold()


class GoogleWorkbook:
    """A Google spreadsheet, by key: the source tabs people edit and our summary tabs."""

    def __init__(self, key: str, *, config: Config, location: str) -> None:
        self.key = key
        self.location = location
        self.config = config
        self._login: GoogleLogin | None = None
        self._http: RetryingHTTPClient | None = None
        self._seen: list[Sheet] | None = None  # what the last read found
        self.last_request_bytes = 0  # the size of the last batchUpdate body, for benchmarks
        # One sync adds at most this much to the History log (a first sync of a very large
        # workbook records the rest at the next syncs), so the write stays within 2 MB.
        self.history_bytes: int | None = HISTORY_BYTES
        self.left_out: tuple[str, ...] = ()  # hidden tabs the last write had no room for

    # -- the Workbook protocol -------------------------------------------------------------

    def read(self, select: Sequence[str] | None = None) -> Contents:
        # Both calls share one time budget, as a write and its re-reads do.
        with self._client().one_deadline():
            return self._read(select)

    def _read(self, select: Sequence[str] | None) -> Contents:
        sheets = self._fetch_sheets()
        self._seen = sheets
        if select is None:
            chosen = [s for s in sheets if s.grid]
        else:
            wanted = {name for name in select} | {normalise(name) for name in select}
            chosen = [
                s for s in sheets if s.grid and (s.title in wanted or normalise(s.title) in wanted)
            ]
        tabs: dict[str, RawTab] = {}
        if chosen:
            params: dict[str, str | int | bool | float | list[str] | None] = {
                "valueRenderOption": "UNFORMATTED_VALUE",
                "dateTimeRenderOption": "SERIAL_NUMBER",
                "majorDimension": "ROWS",
            }
            with self._speaking("reading the tabs"):
                reply = self._client().values_batch_get(
                    self.key, [quote_title(s.title) for s in chosen], params=params
                )
            ranges = reply.get("valueRanges", [])
            for sheet, value_range in zip(chosen, ranges, strict=False):
                rows = [[raw_cell(v) for v in row] for row in value_range.get("values", [])]
                tabs[sheet.title] = RawTab(sheet.title, rows, sheet.merged)
        return Contents(
            titles=[s.title for s in sheets],
            owned=frozenset(s.title for s in sheets if s.owned),
            tabs=tabs,
        )

    def write(self, tables: Sequence[SummaryTable]) -> None:
        if not tables:
            return
        with self._client().one_deadline():
            sheets = self._seen if self._seen is not None else self._fetch_sheets()
            tables, self.left_out = room_for_logs(sheets, tables)
            try:
                # If an answer is lost, our tabs, there now or not, are replaced, not added twice.
                self._apply(
                    "writing the summary tabs", sheets, lambda now: write_requests(now, tables)
                )
            except _Rejected as rejected:
                if _shape(self._fetch_sheets()) != _shape(rejected.sheets):
                    raise WorkbookChanged(
                        f"The tabs of {self.location} changed while prodsheets was writing; "
                        "nothing was written, run sync again."
                    ) from None
                raise WorkbookError(rejected.sentence) from None
        self._seen = None

    def lay_out(self, tabs: Sequence[LayoutTab], *, force: bool) -> list[str]:
        # a tab that is there is left as it is, whatever ``force`` says: init only adds
        sheets = self._fetch_sheets()
        existing = {normalise(s.title) for s in sheets}
        plan: list[tuple[Sheet | None, LayoutTab]] = [
            (None, tab) for tab in tabs if normalise(tab.title) not in existing
        ]
        if not plan:
            return []

        def requests_for(now: list[Sheet]) -> list[Request]:
            # New tabs that are there now came from a write we lost the answer to (it is all or
            # nothing); tabs being replaced are simply replaced again.
            present = {s.key: s for s in now}
            left = [
                (present.get(tab.title.casefold()), tab)
                for found, tab in plan
                if found is not None or tab.title.casefold() not in present
            ]
            return layout_requests(now, left) if left else []

        try:
            self._apply("laying out the tabs", sheets, requests_for)
        except _Rejected as rejected:
            raise WorkbookError(rejected.sentence) from None
        return [tab.title for _, tab in plan]

    # -- Google calls ------------------------------------------------------------------------

    def _client(self) -> RetryingHTTPClient:
        if self._http is None:
            self._login = load_login(self.config.credentials)
            client = gspread.Client(
                self._login.credentials,
                http_client=configured_client(
                    self.config.api_endpoint, self.config.retry_seconds, self.config.answer_seconds
                ),
            )
            http = client.http_client
            assert isinstance(http, RetryingHTTPClient)
            self._http = http
        return self._http

    def _fetch_sheets(self) -> list[Sheet]:
        with self._speaking("reading the list of tabs"):
            reply = self._client().fetch_sheet_metadata(
                self.key, params={"fields": METADATA_FIELDS}
            )
        sheets = [sheet_from(entry) for entry in reply.get("sheets", [])]
        return sorted(sheets, key=lambda s: s.index)

    def _apply(
        self, doing: str, sheets: list[Sheet], requests_for: Callable[[list[Sheet]], list[Request]]
    ) -> None:
        """One ``batchUpdate`` of ``requests_for(sheets)``. When its fate is unknown (5xx, no
        answer), look at the tabs again and send what ``requests_for`` makes of them now (nothing
        if it makes nothing): right whether or not the first one was applied. A 400 raises
        ``_Rejected`` with the tabs that write was built from."""
        with self._client().one_deadline() as attempts:
            while True:
                requests = requests_for(sheets)
                if not requests:
                    return
                body = {"requests": requests}
                self.last_request_bytes = request_bytes(body)
                try:
                    with self._speaking(doing):
                        self._client().batch_update(self.key, body)
                    return
                except WriteInDoubt as doubt:
                    attempts.wait(doubt.reason, doubt.retry_after)
                    sheets = self._fetch_sheets()
                except WorkbookError as error:
                    if getattr(error, "status", 0) == 400:
                        raise _Rejected(str(error), sheets) from None
                    raise

    @contextmanager
    def _speaking(self, doing: str) -> Iterator[None]:
        """Turn Google's answers into one plain sentence (never a key or a token)."""
        try:
            yield
        except APIError as err:
            raise self._explain(err, doing) from None
        except RefreshError as err:
            assert self._login is not None
            raise WorkbookError(refusal_sentence(self._login, err)) from None

    def _explain(self, err: APIError, doing: str) -> WorkbookError | WorkbookNotFound:
        status = err.response.status_code
        detail = err.error if isinstance(err.error, dict) else {}
        message = str(detail.get("message", "")).strip()[:300]
        account = self._login.account if self._login else ""
        source = self._login.source if self._login else "the credentials"
        if status == 404:
            return WorkbookNotFound(
                f"No Google spreadsheet has the key {self.key}; check the link."
            )
        if status == 403 and ("API has not been used" in message or "disabled" in message):
            return _status(
                403,
                "The Google Sheets API is not enabled for the project of these credentials; "
                "enable it in the Google Cloud console and run again.",
            )
        if status == 403 and "insufficient authentication scopes" in message:
            return _status(
                403,
                f"The credentials from {source} do not carry the Google Sheets scope "
                f"({SCOPES[0]}), so sharing will not help: sign in again with it (gcloud auth "
                f"application-default login --scopes={SCOPES[0]},"
                "https://www.googleapis.com/auth/cloud-platform), or pass --credentials with "
                "a service-account key file.",
            )
        if status == 403:
            who = account or "the Google account you signed in with"
            return _status(
                403,
                f"Google Sheets refused access to {self.location} while {doing}: share the "
                f"spreadsheet with {who} as an editor.",
            )
        if status == 401:
            return _status(
                401,
                f"Google did not accept the credentials from {source}; create a new key "
                "and run again.",
            )
        if status == 400 and "limit of 10000000 cells" in message:
            return _status(
                400,
                f"Google Sheets refused the request while {doing}: {self.location} would pass "
                "Google's limit of 10,000,000 cells per spreadsheet; delete unused rows and "
                "columns (or old tabs) and run again.",
            )
        said = f": {message.rstrip('.')}" if message else ""
        return _status(
            status,
            f"Google Sheets refused the request while {doing} (HTTP {status}){said}.",
        )


class _Rejected(Exception):
    """A 400 on a write: either the spreadsheet changed under us, or a bug of ours."""

    def __init__(self, sentence: str, sheets: list[Sheet]) -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.sheets = sheets  # what the refused write was built from


def _status(status: int, sentence: str) -> WorkbookError:
    error = WorkbookError(sentence)
    error.status = status  # type: ignore[attr-defined]
    return error


def _shape(
    sheets: list[Sheet],
) -> list[tuple[int, str, bool, tuple[int, ...], tuple[int, ...], int]]:
    """What the write is built from: tabs, ownership, and our charts, protections and rules
    (which it deletes by id or position, so a person removing one makes the batch fail)."""
    return [(s.sheet_id, s.title, s.owned, s.charts, s.protections, s.rules) for s in sheets]


def sheet_from(entry: dict[str, Any]) -> Sheet:
    props = entry.get("properties", {})
    owned = any(m.get("metadataKey") == OWNER_KEY for m in entry.get("developerMetadata", []))
    return Sheet(
        sheet_id=int(props.get("sheetId", 0)),
        title=str(props.get("title", "")),
        index=int(props.get("index", 0)),
        hidden=bool(props.get("hidden", False)),
        grid=props.get("sheetType", "GRID") == "GRID",
        owned=owned,
        charts=tuple(int(c["chartId"]) for c in entry.get("charts", []) if "chartId" in c),
        protections=tuple(
            int(p["protectedRangeId"])
            for p in entry.get("protectedRanges", [])
            if "protectedRangeId" in p
        ),
        rules=len(entry.get("conditionalFormats", [])),
        merged=tuple(
            (
                int(m.get("startRowIndex", 0)),
                int(m.get("startColumnIndex", 0)),
                int(m.get("endRowIndex", 1)) - 1,
                int(m.get("endColumnIndex", 1)) - 1,
            )
            for m in entry.get("merges", [])
        ),
    )


def raw_cell(value: Any) -> RawCell:
    """A value from ``values.batchGet``: "" between filled cells is an empty cell."""
    if value == "" and isinstance(value, str):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


# -- building the batch ---------------------------------------------------------------------


def summary_requests(sheets: list[Sheet], tables: Sequence[SummaryTable]) -> list[Request]:
    """The whole write as one list of requests; raises ``NotOwnedError`` before anything.

    A tab we own is emptied and rewritten in place (same sheet, so people's formulas and
    links that point at it keep working); our chart, protection and conditional format rules
    on it are deleted and added again, so nothing piles up across syncs. A missing tab is
    added with a ``sheetId`` we choose, so the later requests of the same batch can name it."""
    existing = {s.key: s for s in sheets}
    ids = IdPicker(s.sheet_id for s in sheets)
    requests: list[Request] = []
    placed: list[tuple[int, SummaryTable]] = []
    created: list[int] = []
    for table in tables:
        found = existing.get(table.title.casefold())
        if found is not None and not found.owned:
            raise NotOwnedError(
                f"The tab '{found.title}' was not made by prodsheets, so sync will not "
                "overwrite it; rename or delete that tab and run again."
            )
        if found is None:
            sheet_id = ids.pick()
            requests.append({"addSheet": {"properties": _summary_props(sheet_id, table)}})
            created.append(sheet_id)
        else:
            sheet_id = found.sheet_id
            # Always index 0: each delete shifts the rest down. The tab is ours, so all go.
            requests += [
                {"deleteConditionalFormatRule": {"sheetId": sheet_id, "index": 0}}
            ] * found.rules
            requests += [{"deleteEmbeddedObject": {"objectId": c}} for c in found.charts]
            requests += [
                {"deleteProtectedRange": {"protectedRangeId": p}} for p in found.protections
            ]
            requests.append(
                {
                    "updateSheetProperties": {
                        "properties": _summary_props(sheet_id, table),
                        "fields": "title,hidden,gridProperties(rowCount,columnCount,frozenRowCount,"
                        "frozenColumnCount)",
                    }
                }
            )
        placed.append((sheet_id, table))
    gids = {s.title: s.sheet_id for s in sheets}
    gids.update({table.title: sheet_id for sheet_id, table in placed})
    for sheet_id, table in placed:
        if table.kept and sheet_id not in created:
            requests += append_requests(sheet_id, table)
            requests.append(_protect(sheet_id))
            continue
        requests += tab_requests(sheet_id, table, gids)
        requests.append(_protect(sheet_id))
        if sheet_id in created:
            requests.append(_own(sheet_id))
    chart = _chart(placed)
    if chart is not None:
        requests.append(chart)
    return requests


def append_requests(sheet_id: int, table: SummaryTable) -> list[Request]:
    """The rows after the ``kept`` ones, appended to a log tab that holds those already."""
    rows = [{"values": [cell_data(v) for v in row]} for row in table.rows[table.kept :]]
    requests: list[Request] = []
    if rows:
        requests.append(
            {"appendCells": {"sheetId": sheet_id, "rows": rows, "fields": "userEnteredValue"}}
        )
    return requests + _widths(sheet_id, [c.width for c in table.columns])


def room_for_logs(
    sheets: list[Sheet], tables: Sequence[SummaryTable], limit: int = RECOMMENDED_REQUEST_BYTES
) -> tuple[list[SummaryTable], tuple[str, ...]]:
    """Leave out a hidden log tab that must be rewritten whole (after a fold or a hand edit)
    and alone would take more than half of one request: it keeps what it held, and the next
    syncs compare with that. The titles left out are returned, to be said."""
    kept: list[SummaryTable] = []
    left_out: list[str] = []
    existing = {s.key for s in sheets}
    for table in tables:
        whole = not table.kept or table.title.casefold() not in existing
        if table.hidden and whole and table.title.casefold() in existing:
            size = request_bytes({"requests": tab_requests(0, table)})
            if size > limit // 2:
                left_out.append(table.title)
                continue
        kept.append(table)
    return kept, tuple(left_out)


def request_bytes(body: Request) -> int:
    return len(json.dumps(body, separators=(",", ":")).encode("utf-8"))


def write_requests(
    sheets: list[Sheet], tables: Sequence[SummaryTable], limit: int = RECOMMENDED_REQUEST_BYTES
) -> list[Request]:
    """``summary_requests``, with the longest tab cut short if the write would pass Google's
    recommended 2 MB for one request; its last row then says how many rows were left out."""
    requests = summary_requests(sheets, tables)
    size = request_bytes({"requests": requests})
    if size <= limit:
        return requests
    return summary_requests(sheets, shorten(tables, size - limit))


def shorten(tables: Sequence[SummaryTable], excess: int) -> list[SummaryTable]:
    """The tables with enough rows of the longest one left out to save ``excess`` bytes."""
    # never the History log (hidden): cutting it would lose what movement is computed from
    shown = [i for i, t in enumerate(tables) if not t.hidden] or list(range(len(tables)))
    longest = max(shown, key=lambda i: len(tables[i].rows))
    table = tables[longest]
    cut = len(table.rows)
    excess += 2_000  # room for the note row
    while cut > 0 and excess > 0:
        cut -= 1
        excess -= request_bytes({"values": [cell_data(v) for v in table.rows[cut]]}) + 1
    left_out = len(table.rows) - cut
    where = "prodsheets validate" if normalise(table.title) == "issues" else "prodsheets report"
    note = (
        f"{left_out:,} more rows are not shown here: one Google Sheets update holds about "
        f"2 MB. Run {where} to see them all.",
    ) + (None,) * (len(table.columns) - 1)
    shortened = SummaryTable(
        title=table.title,
        columns=table.columns,
        rows=[*table.rows[:cut], note],
        styles={i: style for i, style in table.styles.items() if i < cut},
        row_formats={
            **{i: f for i, f in table.row_formats.items() if i < cut},
            cut: (Format.TEXT,) * len(table.columns),
        },
        status={i: style for i, style in table.status.items() if i < cut},
        chart=table.chart,
        links={at: link for at, link in table.links.items() if at[0] < cut},
    )
    return [shortened if i == longest else t for i, t in enumerate(tables)]


class IdPicker:
    """New ``sheetId``s chosen by us, so later requests in the same batch can name them."""

    def __init__(self, taken: Iterable[int]) -> None:
        self.taken = set(taken)
        self.random = random.Random()

    def pick(self) -> int:
        while True:
            candidate = self.random.randint(1_000_000, 2**31 - 1)
            if candidate not in self.taken:
                self.taken.add(candidate)
                return candidate


def _placeholder(
    sheets: list[Sheet], deleting: int, ids: IdPicker, requests: list[Request]
) -> int | None:
    """Google refuses to delete a spreadsheet's last tab: hold one open while we replace."""
    if not sheets or deleting < len(sheets):
        return None
    sheet_id = ids.pick()
    requests.append(
        {"addSheet": {"properties": {"sheetId": sheet_id, "title": f"prodsheets {sheet_id}"}}}
    )
    return sheet_id


def _summary_props(sheet_id: int, table: SummaryTable) -> Request:
    """Title and a grid just big enough (plus room for the chart on Summary)."""
    columns = max(len(table.columns), 1)
    if table.chart is not None:
        columns += CHART_COLUMNS
    return {
        "sheetId": sheet_id,
        "title": table.title,
        "hidden": table.hidden,
        "gridProperties": {
            "rowCount": len(table.rows) + 2,
            "columnCount": columns,
            "frozenRowCount": 1,
            "frozenColumnCount": 0,
        },
    }


def tab_requests(
    sheet_id: int, table: SummaryTable, gids: dict[str, int] | None = None
) -> list[Request]:
    """Values (with their links: ``gids`` gives each tab's sheetId by title), header look,
    number formats, wrapping, row marks and widths of one owned tab."""
    width = len(table.columns)
    rows = _row_data([c.name for c in table.columns], table.rows)
    _add_links(rows, table, gids or {})
    requests: list[Request] = [
        # The whole sheet as range with "*": every cell we do not write is emptied, values,
        # formats, notes and dropdowns alike, whatever an earlier sync or a person left.
        {"updateCells": {"range": {"sheetId": sheet_id}, "rows": rows, "fields": "*"}},
        _header_look(sheet_id, width),
    ]
    requests += _number_formats(sheet_id, table)
    requests += _wrapping(sheet_id, table)
    requests += _row_marks(sheet_id, table, width)
    requests += _status_rules(sheet_id, table, width)
    requests += _widths(sheet_id, [c.width for c in table.columns])
    return requests


def cell_data(value: SummaryValue | bool) -> Request:
    """One cell, typed: text as ``stringValue`` (never parsed as a formula), numbers and
    dates as ``numberValue`` (dates as serials; their look comes from the number format)."""
    if value is None or value == "":
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, str):
        return {"userEnteredValue": {"stringValue": value}}
    if isinstance(value, dt.datetime):
        naive = value.replace(tzinfo=None)
        serial: float = (naive - EPOCH).total_seconds() / 86400
        return {"userEnteredValue": {"numberValue": round(serial, 10)}}
    if isinstance(value, dt.date):
        return {"userEnteredValue": {"numberValue": (value - EPOCH.date()).days}}
    if isinstance(value, Decimal):
        number: int | float = int(value) if value == value.to_integral_value() else float(value)
        return {"userEnteredValue": {"numberValue": number}}
    return {"userEnteredValue": {"numberValue": value}}


def _row_data(headers: Sequence[str], rows: Sequence[Sequence[SummaryValue]]) -> list[Request]:
    """The header row, as text, then the rows, typed, as ``RowData``."""
    header = {"values": [{"userEnteredValue": {"stringValue": h}} for h in headers]}
    return [header] + [{"values": [cell_data(v) for v in row]} for row in rows]


def number_format(look: Format, currency: str = "") -> dict[str, str]:
    """The Sheets numberFormat of ``look``; money shows the production's currency if known."""
    if look is Format.MONEY and currency:
        return {"type": "CURRENCY", "pattern": money_pattern(currency)}
    return NUMBER_FORMATS[look]


def _number_format(
    sheet_id: int, rows: tuple[int, int], col: int, look: Format, currency: str = ""
) -> Request:
    """The number format of ``look`` on rows ``rows`` (0-based, end excluded) of a column."""
    return {
        "repeatCell": {
            "range": _grid(sheet_id, rows, (col, col + 1)),
            "cell": {"userEnteredFormat": {"numberFormat": number_format(look, currency)}},
            "fields": "userEnteredFormat.numberFormat",
        }
    }


def _grid(sheet_id: int, rows: tuple[int, int], columns: tuple[int, int]) -> Request:
    return {
        "sheetId": sheet_id,
        "startRowIndex": rows[0],
        "endRowIndex": rows[1],
        "startColumnIndex": columns[0],
        "endColumnIndex": columns[1],
    }


def _header_look(sheet_id: int, width: int) -> Request:
    return {
        "repeatCell": {
            "range": _grid(sheet_id, (0, 1), (0, max(width, 1))),
            "cell": {"userEnteredFormat": {"textFormat": {"bold": True}, "backgroundColor": GREY}},
            "fields": "userEnteredFormat.textFormat.bold,userEnteredFormat.backgroundColor",
        }
    }


def _number_formats(sheet_id: int, table: SummaryTable) -> list[Request]:
    """One repeatCell per run of rows sharing a format in a column (usually one a column)."""
    requests: list[Request] = []
    count = len(table.rows)
    for col in range(len(table.columns)):
        start = 0
        while start < count:
            look = table.format_of(start, col)
            end = start + 1
            while end < count and table.format_of(end, col) == look:
                end += 1
            if look in NUMBER_FORMATS:
                requests.append(
                    _number_format(sheet_id, (start + 1, end + 1), col, look, table.currency)
                )
            start = end
    return requests


def status_rows(table: SummaryTable) -> set[int]:
    """Rows the table says are over budget or at risk: a conditional format rule colours
    those (the table's ``status``, never guessed from what the cells read)."""
    return {i for i, style in table.status.items() if style in STATUS_LOOKS and i < len(table.rows)}


def _status_rules(sheet_id: int, table: SummaryTable, width: int) -> list[Request]:
    """A red and an amber rule over the rows in trouble, across the whole row."""
    rules: list[Request] = []
    for style, colour in STATUS_LOOKS.items():
        runs = table.status_runs(style)
        if not runs:
            continue
        ranges = [_grid(sheet_id, (a + 1, b + 2), (0, max(width, 1))) for a, b in runs]
        rule = {
            "ranges": ranges,
            "booleanRule": {
                "condition": {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": "=TRUE"}]},
                "format": {"backgroundColor": colour},
            },
        }
        # An explicit index: Google reads a missing one as 0, which would reverse the order.
        rules.append({"addConditionalFormatRule": {"rule": rule, "index": len(rules)}})
    return rules


def _wrapping(sheet_id: int, table: SummaryTable) -> list[Request]:
    """Text wraps in the columns that say so, and in any cell longer than its column."""
    requests: list[Request] = []
    count = len(table.rows)

    def wrap(rows: tuple[int, int], col: int) -> Request:
        return {
            "repeatCell": {
                "range": _grid(sheet_id, rows, (col, col + 1)),
                "cell": {"userEnteredFormat": {"wrapStrategy": "WRAP"}},
                "fields": "userEnteredFormat.wrapStrategy",
            }
        }

    for col, column in enumerate(table.columns):
        if column.wrap:
            requests.append(wrap((0, count + 1), col))
            continue
        long = [
            i
            for i, row in enumerate(table.rows)
            if col < len(row)
            and len(str(row[col] or "")) > column.width
            and isinstance(row[col], str)
        ]
        requests += [wrap((a + 1, b + 2), col) for a, b in row_runs(long)]
    return requests


def _add_links(rows: list[Request], table: SummaryTable, gids: dict[str, int]) -> None:
    """A hyperlink on each linked cell, to the cell it names (``#gid=...&range=F12``): the
    cell keeps its text, and no formula is written."""
    for (row, col), link in table.links.items():
        gid = gids.get(link.tab)
        if gid is None or row + 1 >= len(rows):
            continue
        values = rows[row + 1]["values"]
        if col >= len(values) or not values[col]:
            continue
        uri = f"#gid={gid}&range={link.cell}"
        values[col]["userEnteredFormat"] = {"textFormat": {"link": {"uri": uri}}}


def _row_marks(sheet_id: int, table: SummaryTable, width: int) -> list[Request]:
    """Section, total, over-budget (red) and at-risk (amber) rows, one request per run.

    Rows whose mark a status rule already shows get no direct background."""
    requests: list[Request] = []
    explained = status_rows(table)
    styles = {i: s for i, s in table.styles.items() if i not in explained}
    marked = sorted(styles)
    i = 0
    while i < len(marked):
        style = styles[marked[i]]
        j = i + 1
        while j < len(marked) and marked[j] == marked[j - 1] + 1 and styles[marked[j]] == style:
            j += 1
        look, fields = ROW_LOOKS[RowStyle(style)]
        requests.append(
            {
                "repeatCell": {
                    "range": _grid(
                        sheet_id, (marked[i] + 1, marked[j - 1] + 2), (0, max(width, 1))
                    ),
                    "cell": {"userEnteredFormat": look},
                    "fields": fields,
                }
            }
        )
        i = j
    return requests


def _widths(sheet_id: int, widths: Sequence[int]) -> list[Request]:
    """Column widths, given in characters as in Excel, as pixels."""
    requests: list[Request] = []
    start = 0
    while start < len(widths):
        end = start + 1
        while end < len(widths) and widths[end] == widths[start]:
            end += 1
        requests.append(
            {
                "updateDimensionProperties": {
                    "range": {
                        "sheetId": sheet_id,
                        "dimension": "COLUMNS",
                        "startIndex": start,
                        "endIndex": end,
                    },
                    "properties": {"pixelSize": int(widths[start] * 7 + 10)},
                    "fields": "pixelSize",
                }
            }
        )
        start = end
    return requests


def _protect(sheet_id: int) -> Request:
    return {
        "addProtectedRange": {
            "protectedRange": {
                "range": {"sheetId": sheet_id},
                "description": "Written by prodsheets sync: edits here are replaced next sync.",
                "warningOnly": True,
            }
        }
    }


def _own(sheet_id: int) -> Request:
    return {
        "createDeveloperMetadata": {
            "developerMetadata": {
                "metadataKey": OWNER_KEY,
                "metadataValue": OWNER_VALUE,
                "location": {"sheetId": sheet_id},
                "visibility": "DOCUMENT",
            }
        }
    }


def _chart(placed: list[tuple[int, SummaryTable]]) -> Request | None:
    """The chart a tab asks for (``SummaryTable.chart``: on Summary, EFC against Budgeted per
    department), drawn from the cells of the tab it names."""
    by_title = {table.title: (sheet_id, table) for sheet_id, table in placed}
    found = next(((i, t) for i, t in placed if t.chart is not None), None)
    if found is None:
        return None
    summary_id, summary = found
    spec = summary.chart
    assert spec is not None
    if spec.source not in by_title:
        return None
    variance_id, variance = by_title[spec.source]
    first, end = spec.rows
    end = min(end, len(variance.rows))
    if end <= first:
        return None

    def source(col: int) -> Request:
        # the header row names the series; the data rows follow it when the chart starts
        # at the first row (headerCount 1)
        top = 0 if first == 0 else first + 1
        return {"sourceRange": {"sources": [_grid(variance_id, (top, end + 1), (col, col + 1))]}}

    label = spec.categories
    series = [{"series": source(col), "targetAxis": "LEFT_AXIS"} for col in spec.series]
    return {
        "addChart": {
            "chart": {
                "spec": {
                    "title": spec.title,
                    "basicChart": {
                        "chartType": "COLUMN",
                        "legendPosition": "BOTTOM_LEGEND",
                        "headerCount": 1 if first == 0 else 0,
                        "axis": [
                            {"position": "BOTTOM_AXIS", "title": variance.columns[label].name},
                            {"position": "LEFT_AXIS", "title": spec.axis_title},
                        ],
                        "domains": [{"domain": source(label)}],
                        "series": series,
                    },
                },
                "position": {
                    "overlayPosition": {
                        "anchorCell": {
                            "sheetId": summary_id,
                            "rowIndex": 1,
                            "columnIndex": len(summary.columns) + 1,
                        },
                        "widthPixels": 640,
                        "heightPixels": 360,
                    }
                },
            }
        }
    }


# -- init: laying out the source tabs ---------------------------------------------------------


def layout_requests(
    sheets: list[Sheet], plan: list[tuple[Sheet | None, LayoutTab]]
) -> list[Request]:
    """New source tabs (or, with --force, tabs replaced in place) with headers, looks and
    dropdowns, and example rows where given."""
    ids = IdPicker(s.sheet_id for s in sheets)
    replacing = [found for found, _ in plan if found is not None]
    requests: list[Request] = []
    placeholder = _placeholder(sheets, len(replacing), ids, requests)
    requests += [{"deleteSheet": {"sheetId": s.sheet_id}} for s in replacing]
    placed: list[tuple[int, LayoutTab]] = []
    ordered = sorted(plan, key=lambda pair: (pair[0] is None, pair[0].index if pair[0] else 0))
    for found, tab in ordered:
        sheet_id = found.sheet_id if found is not None else ids.pick()
        props: Request = {
            "sheetId": sheet_id,
            "title": tab.title,
            "gridProperties": {
                "rowCount": max(1000, len(tab.rows) + 100),
                "columnCount": max(26, len(tab.headers)),
                "frozenRowCount": 1,
            },
        }
        if found is not None:
            props["index"] = found.index
        requests.append({"addSheet": {"properties": props}})
        placed.append((sheet_id, tab))
    for sheet_id, tab in sorted(placed, key=lambda pair: plan_order(plan, pair[1])):
        requests += _layout_tab(sheet_id, tab)
    if placeholder is not None:
        requests.append({"deleteSheet": {"sheetId": placeholder}})
    return requests


def plan_order(plan: list[tuple[Sheet | None, LayoutTab]], tab: LayoutTab) -> int:
    return next(i for i, (_, t) in enumerate(plan) if t is tab)


def _layout_tab(sheet_id: int, tab: LayoutTab) -> list[Request]:
    width = len(tab.headers)
    rows_end = max(1000, len(tab.rows) + 100)
    rows = _row_data(tab.headers, tab.rows)
    requests: list[Request] = [
        {
            "updateCells": {
                "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                "rows": rows,
                "fields": "userEnteredValue",
            }
        },
        _header_look(sheet_id, width),
    ]
    requests += [
        _number_format(sheet_id, (1, rows_end), col, look)
        for col, look in enumerate(tab.formats)
        if look in NUMBER_FORMATS
    ]
    for col, allowed in sorted(tab.dropdowns.items()):
        if isinstance(allowed, str):
            reference = allowed if allowed.startswith("=") else "=" + allowed
            condition: Request = {
                "type": "ONE_OF_RANGE",
                "values": [{"userEnteredValue": reference}],
            }
        else:
            condition = {
                "type": "ONE_OF_LIST",
                "values": [{"userEnteredValue": value} for value in allowed],
            }
        requests.append(
            {
                "setDataValidation": {
                    "range": _grid(sheet_id, (1, rows_end), (col, col + 1)),
                    "rule": {"condition": condition, "showCustomUi": True, "strict": False},
                }
            }
        )
    requests += _widths(sheet_id, list(tab.widths))
    return requests
