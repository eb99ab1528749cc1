"""A local Google Sheets API v4 server, faithful enough to test real clients against.

prodsheets talks to Google Sheets through gspread; this server lets tests, CI
and people without a Google account run that code unchanged, offline. It speaks
the Sheets v4 REST API as gspread 6.2 uses it, checks every request against
Google's discovery document (unknown fields, bad types, bad enums -> 400 with
Google's wording), answers in the shapes of the recorded replies under
``shared/fixtures/sheets-api-recorded/``, demands real OAuth tokens obtained
with a service-account key file it writes, and can misbehave on demand.

Python API (everything on 127.0.0.1; always stop the server)::

    from prodsheets.testing import SheetsServer, Fault

    with SheetsServer() as server:              # port 0: a free port
        server.add_spreadsheet("show", {"Budget": [["Line", "Amount"], ["Gaffer", 1200]]})
        server.load_xlsx("demo", "show.xlsx")   # or seed from a workbook
        key_file = server.write_credentials(tmp_path / "key.json")
        # gspread.service_account(filename=key_file) gets tokens from server.token_url;
        # point its requests at server.url instead of https://sheets.googleapis.com.
        server.spreadsheet("show").read_values(...)   # state access (see state.py)
        server.values("show", "Budget!A1:B2")         # -> [["Line", "Amount"], ["Gaffer", 1200]]
        server.inject(Fault(status=429, retry_after=2, times=1))   # next API call gets 429
        server.inject(Fault(status=503, retry_after=2, retry_after_date=True))  # as an HTTP date
        server.inject(Fault(kind="drop_after", method="PUT"))      # write applied, reply lost
        server.set_quota(per_minute=60)                            # then 429 per client
        server.calls                                               # one dict per request

Attributes and methods:

- ``url`` (``http://127.0.0.1:PORT``; the API is under ``/v4/spreadsheets``), ``token_url``.
- ``add_spreadsheet(key, sheets=None, *, title=None, allowed_emails=None)``:
  ``sheets`` maps tab title -> rows of Python values (str, int, float, Decimal,
  bool, date, datetime, None; text starting with ``=`` is a formula).
  ``allowed_emails``: only these service accounts may open it (others get 403).
- ``load_xlsx(key, path)``, ``save_xlsx(key, path)``; ``save_to=`` in the
  constructor saves after every successful write.
- ``spreadsheet(key)`` -> ``state.Spreadsheet``; ``values(key, range, render=...)``.
- ``service_account_info(email=None)``, ``write_credentials(path, email=None)``,
  ``add_service_account(email)`` (another identity, e.g. for 403 tests),
  ``expire_tokens()``.
- ``inject(Fault(...))``, ``clear_faults()``, ``set_quota(per_minute, window_s=60)``.
- ``calls``: method, path, query (tokens removed), status, request and response
  bytes, client e-mail, fault; also appended to ``log_path`` as JSON lines.

Standalone::

    python -m prodsheets.testing.sheets_server --port 8765 --from-xlsx show.xlsx \
        --save-xlsx out.xlsx --write-credentials key.json --log calls.jsonl
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import email.utils
import json
import math
import re
import signal
import socket
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from prodsheets.a1 import column_letter, quote_title
from prodsheets.testing import batch, discovery, grid
from prodsheets.testing.auth import (
    AccessToken,
    ServiceAccount,
    TokenAuthority,
    TokenError,
    new_service_account,
)
from prodsheets.testing.grid import RangeError
from prodsheets.testing.state import (
    DEFAULT_FORMAT,
    SPREADSHEET_THEME,
    BadRequest,
    Sheet,
    Spreadsheet,
    parse_mask,
    select,
)

JSON = Any
DEFAULT_EMAIL = "prodsheets-test@prodsheets-local.iam.gserviceaccount.com"
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNKNOWN",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
DEFAULT_MESSAGES = {
    500: "Internal error encountered.",
    502: "Bad Gateway",
    503: "The service is currently unavailable.",
    504: "The request timed out. Please try again.",
}
WRITE_METHODS = frozenset(
    {
        "batchUpdate",
        "values.update",
        "values.append",
        "values.batchUpdate",
        "values.clear",
        "values.batchClear",
    }
)
NO_CREDENTIALS = (
    "Request is missing required authentication credential. Expected OAuth 2 access token, "
    "login cookie or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)
BAD_CREDENTIALS = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, "
    "login cookie or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)
SECRET_QUERY = frozenset({"access_token", "oauth_token", "key"})

_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"^/v4/spreadsheets/([^/:]+)$"), "get"),
    ("POST", re.compile(r"^/v4/spreadsheets/([^/:]+):batchUpdate$"), "batchUpdate"),
    ("GET", re.compile(r"^/v4/spreadsheets/([^/:]+)/values:batchGet$"), "values.batchGet"),
    ("POST", re.compile(r"^/v4/spreadsheets/([^/:]+)/values:batchUpdate$"), "values.batchUpdate"),
    ("POST", re.compile(r"^/v4/spreadsheets/([^/:]+)/values:batchClear$"), "values.batchClear"),
    ("POST", re.compile(r"^/v4/spreadsheets/([^/:]+)/values/(.+):clear$"), "values.clear"),
    ("POST", re.compile(r"^/v4/spreadsheets/([^/:]+)/values/(.+):append$"), "values.append"),
    ("GET", re.compile(r"^/v4/spreadsheets/([^/:]+)/values/(.+)$"), "values.get"),
    ("PUT", re.compile(r"^/v4/spreadsheets/([^/:]+)/values/(.+)$"), "values.update"),
    (
        "POST",
        re.compile(r"^/v4/spreadsheets/([^/:]+)/developerMetadata:search$"),
        "developerMetadata.search",
    ),
    (
        "GET",
        re.compile(r"^/v4/spreadsheets/([^/:]+)/developerMetadata/([^/]+)$"),
        "developerMetadata.get",
    ),
]


class ApiError(Exception):
    """An error reply in Google's shape: ``{"error": {code, message, status, details?}}``."""

    def __init__(
        self,
        code: int,
        message: str,
        details: list[dict[str, JSON]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = dict(headers or {})

    def body(self) -> dict[str, JSON]:
        """The JSON body Google sends."""
        error: dict[str, JSON] = {
            "code": self.code,
            "message": self.message,
            "status": STATUS_NAMES.get(self.code, "UNKNOWN"),
        }
        if self.details:
            error["details"] = self.details
        return {"error": error}


@dataclass
class Fault:
    """A misbehaviour for the next ``times`` API requests that match.

    ``kind``: ``"status"`` (reply with ``status``, Google's error shape, and
    ``Retry-After`` if ``retry_after`` is set: whole seconds, or with
    ``retry_after_date=True`` the HTTP date that many seconds from now, the
    other form HTTP allows), ``"drop"`` (close the connection
    without a reply, nothing applied), ``"drop_after"`` (apply the request, then
    close without a reply: the write happened but the client never hears),
    ``"delay"`` (hold the reply ``delay_s``, then answer normally; stopping the
    server drops it instead, nothing applied).
    ``method`` (``"GET"``...) and ``path`` (a regex searched in the URL path)
    narrow which requests match; by default any ``/v4/`` request does, and only
    ``path="^/token$"`` reaches the token endpoint (a status there is an OAuth
    error reply).
    """

    kind: str = "status"
    status: int = 503
    times: int = 1
    method: str | None = None
    path: str | None = None
    retry_after: float | None = None
    retry_after_date: bool = False
    delay_s: float = 0.0
    message: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("status", "drop", "drop_after", "delay"):
            raise ValueError(f"unknown fault kind {self.kind!r}")

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to a request."""
        if self.method is not None and self.method.upper() != method:
            return False
        if self.path is None:
            return path.startswith("/v4/")
        return re.search(self.path, path) is not None


@dataclass
class _Exchange:
    """One HTTP request as the handler read it, and what to do with the reply."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    drop: bool = False
    drop_after: bool = False
    fault: str | None = None
    client: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)


def _tidy(value: JSON) -> JSON:
    """Whole floats as ints, as Google's JSON writes numbers."""
    if isinstance(value, float):
        return grid.json_number(value)
    if isinstance(value, dict):
        return {k: _tidy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    return value


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _one(query: Mapping[str, list[str]], name: str, default: str = "") -> str:
    """The first value of a query parameter, or ``default``."""
    return (query.get(name) or [default])[0]


def _quota_message(write: bool) -> str:
    kind = "Write" if write else "Read"
    return (
        f"Quota exceeded for quota metric '{kind} requests' and limit '{kind} requests per "
        "minute per user' of service 'sheets.googleapis.com' for consumer "
        "'project_number:000000000000'."
    )


class SheetsServer:
    """A local Sheets API v4 server with real token auth and fault injection."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        require_auth: bool = True,
        token_lifetime_s: int = 3600,
        service_account_email: str = DEFAULT_EMAIL,
        private_key_pem: str | None = None,
        save_to: Mapping[str, str | Path] | None = None,
        log_path: str | Path | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.require_auth = require_auth
        self.authority = TokenAuthority(token_lifetime_s)
        self.default_email = service_account_email
        self.authority.add(new_service_account(service_account_email, private_key_pem))
        self.save_to = {k: Path(v) for k, v in (save_to or {}).items()}
        self.log_path = Path(log_path) if log_path is not None else None
        self.calls: list[dict[str, JSON]] = []
        self._spreadsheets: dict[str, Spreadsheet] = {}
        self._faults: list[Fault] = []
        self._quota: tuple[int, float] | None = None
        self._quota_seen: dict[str, collections.deque[float]] = {}
        self._lock = threading.RLock()
        self._log_lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()  # cuts short the replies a delay fault holds

    # ------------------------------------------------------------ life cycle

    def start(self) -> SheetsServer:
        """Bind and serve in a background thread."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        handler = type("_BoundHandler", (_Handler,), {"app": self})
        httpd = ThreadingHTTPServer((self.host, self.port), handler)
        httpd.daemon_threads = True
        self._httpd = httpd
        self.port = int(httpd.server_address[1])
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"sheets-server-{self.port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close every open connection, release the port."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SheetsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (API under ``/v4/spreadsheets``)."""
        if self._httpd is None:
            raise RuntimeError("the Sheets server is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint the written key files point at."""
        return self.url + "/token"

    # ------------------------------------------------------------ spreadsheets

    def add_spreadsheet(
        self,
        key: str,
        sheets: Mapping[str, Sequence[Sequence[object]]] | None = None,
        *,
        title: str | None = None,
        allowed_emails: Sequence[str] | None = None,
        grid_size: tuple[int, int] = (1000, 26),
    ) -> Spreadsheet:
        """Create spreadsheet ``key``; tabs from ``{title: rows}`` (default one empty Sheet1)."""
        spreadsheet = Spreadsheet(
            spreadsheet_id=key,
            properties={
                "title": title or key,
                "locale": "en_US",
                "autoRecalc": "ON_CHANGE",
                "timeZone": "Etc/GMT",
                "defaultFormat": json.loads(json.dumps(DEFAULT_FORMAT)),
                "spreadsheetTheme": json.loads(json.dumps(SPREADSHEET_THEME)),
            },
            allowed_emails=frozenset(allowed_emails) if allowed_emails is not None else None,
        )
        taken: set[int] = set()
        for index, (tab, rows) in enumerate((sheets or {"Sheet1": []}).items()):
            sheet_id = 0 if index == 0 else batch.new_id(taken)
            taken.add(sheet_id)
            height = max(len(rows), grid_size[0])
            width = max(max((len(r) for r in rows), default=0), grid_size[1])
            sheet = Sheet(
                properties={
                    "sheetId": sheet_id,
                    "title": tab,
                    "index": index,
                    "sheetType": "GRID",
                    "gridProperties": {"rowCount": height, "columnCount": width},
                }
            )
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    sheet.put(r, c, grid.python_cell(value))
            spreadsheet.sheets.append(sheet)
        with self._lock:
            self._spreadsheets[key] = spreadsheet
        return spreadsheet

    def load_xlsx(
        self, key: str, path: str | Path, *, allowed_emails: Sequence[str] | None = None
    ) -> Spreadsheet:
        """Create spreadsheet ``key`` from a workbook's tabs (formulas kept as formulas)."""
        return self.add_spreadsheet(
            key, read_xlsx(path), title=Path(path).stem, allowed_emails=allowed_emails
        )

    def save_xlsx(self, key: str, path: str | Path) -> Path:
        """Write spreadsheet ``key`` to an .xlsx file (atomically: temp file, then rename)."""
        with self._lock:
            spreadsheet = self._spreadsheets[key]
            tabs = {sheet.title: dict(sheet.cells) for sheet in spreadsheet.sheets}
        return write_xlsx(tabs, Path(path))

    def spreadsheet(self, key: str) -> Spreadsheet:
        """The live state of spreadsheet ``key`` (KeyError if unknown)."""
        with self._lock:
            return self._spreadsheets[key]

    def values(
        self,
        key: str,
        a1_range: str,
        *,
        render: str = "UNFORMATTED_VALUE",
        date_render: str = "SERIAL_NUMBER",
    ) -> list[list[JSON]]:
        """Cell values of a range as values.get would return them."""
        with self._lock:
            spreadsheet = self._spreadsheets[key]
            found = spreadsheet.read_values(
                spreadsheet.resolve(a1_range), value_render=render, date_render=date_render
            )
        values: list[list[JSON]] = found.get("values", [])
        return values

    # ------------------------------------------------------------ credentials

    def add_service_account(self, email: str, private_key_pem: str | None = None) -> dict[str, str]:
        """Trust another service account; returns its key-file JSON."""
        self.authority.add(new_service_account(email, private_key_pem))
        return self.service_account_info(email)

    def service_account_info(self, email: str | None = None) -> dict[str, str]:
        """A full service-account key file as a dict, ``token_uri`` pointing here."""
        account: ServiceAccount = self.authority.account(email or self.default_email)
        project = "prodsheets-local"
        return {
            "type": "service_account",
            "project_id": project,
            "private_key_id": account.key_id,
            "private_key": account.private_key_pem(),
            "client_email": account.email,
            "client_id": account.client_id,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": self.token_url,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
            + account.email.replace("@", "%40"),
            "universe_domain": "googleapis.com",
        }

    def write_credentials(self, path: str | Path, email: str | None = None) -> Path:
        """Write the key file for ``email`` (default account) and return its path."""
        target = Path(path)
        target.write_text(json.dumps(self.service_account_info(email), indent=2), encoding="utf-8")
        return target

    def expire_tokens(self) -> None:
        """Make every issued access token expire now."""
        self.authority.expire_all()

    # ------------------------------------------------------------ faults and quota

    def inject(self, fault: Fault) -> Fault:
        """Queue a fault; faults are tried in the order injected."""
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Drop every queued fault and the quota."""
        with self._lock:
            self._faults.clear()
            self._quota = None
            self._quota_seen.clear()

    def set_quota(self, per_minute: int, window_s: float = 60.0) -> None:
        """At most ``per_minute`` API requests per client per window, then 429."""
        with self._lock:
            self._quota = (per_minute, window_s)
            self._quota_seen.clear()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.matches(method, path):
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _check_quota(self, client: str, write: bool) -> None:
        with self._lock:
            if self._quota is None:
                return
            limit, window = self._quota
            now = time.monotonic()
            seen = self._quota_seen.setdefault(client, collections.deque())
            while seen and seen[0] <= now - window:
                seen.popleft()
            if len(seen) >= limit:
                wait = max(1, math.ceil(window - (now - seen[0])))
                raise ApiError(
                    429,
                    _quota_message(write),
                    [
                        {
                            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason": "RATE_LIMIT_EXCEEDED",
                            "domain": "googleapis.com",
                            "metadata": {"service": "sheets.googleapis.com"},
                        }
                    ],
                    {"Retry-After": str(wait)},
                )
            seen.append(now)

    # ------------------------------------------------------------ request handling

    def _handle(self, exchange: _Exchange) -> tuple[int, bytes, dict[str, str]]:
        """Answer one request: status, body bytes, extra headers."""
        if exchange.path == "/token" and exchange.method == "POST":
            return self._token(exchange)
        route = self._route(exchange.method, exchange.path)
        fault = self._take_fault(exchange.method, exchange.path)
        try:
            if fault is not None:
                if self._misbehave(fault, exchange):
                    return 0, b"", {}
                if fault.kind == "status":
                    raise self._fault_error(fault, route[0] if route else "")
            if route is None:
                raise ApiError(404, "Method not found.")
            method_id, spreadsheet_id, extra = route
            token = self._authenticate(exchange, method_id)
            exchange.client = token.email if token else None
            self._check_quota(exchange.client or "anonymous", method_id in WRITE_METHODS)
            payload = self._call(method_id, spreadsheet_id, extra, exchange, token)
            status = 200
            body: dict[str, JSON] = payload
        except ApiError as exc:
            status, body = exc.code, exc.body()
            exchange.extra_headers.update(exc.headers)
        if exchange.drop_after:
            exchange.drop = True
            return 0, b"", {}
        text = json.dumps(_tidy(body), indent=2, ensure_ascii=False) + "\n"
        # A lone surrogate (sent as "\\ud800" in a request's JSON) cannot be UTF-8: Google
        # keeps text as UTF-8 and answers with U+FFFD in its place, never with a failure.
        text = _LONE_SURROGATE.sub("\ufffd", text)
        return status, text.encode("utf-8"), exchange.extra_headers

    def _misbehave(self, fault: Fault, exchange: _Exchange) -> bool:
        """Note the fault on the exchange and hold the reply for a delay (cut short, and the
        connection dropped, when the server stops); True when the connection is to close now
        without a reply. A status fault is left to the caller, which knows the reply's shape."""
        exchange.fault = fault.kind if fault.kind != "status" else str(fault.status)
        if fault.kind == "drop" or (fault.kind == "delay" and self._stopping.wait(fault.delay_s)):
            exchange.drop = True
        exchange.drop_after = fault.kind == "drop_after"
        return exchange.drop

    @staticmethod
    def _fault_error(fault: Fault, method_id: str) -> ApiError:
        headers = {}
        if fault.retry_after is not None and fault.retry_after_date:
            # An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), rounded up to the second, so
            # that a client waiting until then waits at least ``retry_after``.
            when = math.ceil(time.time() + fault.retry_after)
            headers["Retry-After"] = email.utils.formatdate(when, usegmt=True)
        elif fault.retry_after is not None:
            headers["Retry-After"] = str(math.ceil(fault.retry_after))
        if fault.status == 429:
            message = fault.message or _quota_message(method_id in WRITE_METHODS)
        else:
            message = fault.message or DEFAULT_MESSAGES.get(fault.status, "Fault injected.")
        return ApiError(fault.status, message, headers=headers)

    @staticmethod
    def _route(method: str, path: str) -> tuple[str, str, str | None] | None:
        for verb, pattern, method_id in _ROUTES:
            match = pattern.match(path)
            if match and verb == method:
                extra = unquote(match.group(2)) if match.lastindex and match.lastindex > 1 else None
                return method_id, unquote(match.group(1)), extra
        return None

    def _token(self, exchange: _Exchange) -> tuple[int, bytes, dict[str, str]]:
        fault = self._take_fault(exchange.method, exchange.path)  # only faults with path=
        if fault is not None:
            if self._misbehave(fault, exchange):
                return 0, b"", {}
            if fault.kind == "status":
                reply = {"error": "internal_failure", "error_description": "Fault injected."}
                return fault.status, json.dumps(reply).encode(), {}
        form = parse_qs(exchange.body.decode("utf-8", "replace"), keep_blank_values=True)
        try:
            status, reply = 200, self.authority.exchange(form, self.token_url)
        except TokenError as exc:
            status, reply = 400, {"error": exc.error, "error_description": exc.description}
        if exchange.drop_after:  # a token was issued, but the client never hears
            exchange.drop = True
            return 0, b"", {}
        return status, json.dumps(reply).encode(), {}

    def _authenticate(self, exchange: _Exchange, method_id: str) -> AccessToken | None:
        header = exchange.headers.get("Authorization", "")
        bearer = header[7:].strip() if header.lower().startswith("bearer ") else ""
        bearer = bearer or _one(exchange.query, "access_token")
        if not self.require_auth and not bearer:
            return None
        service_method = {
            "get": "GetSpreadsheet",
            "batchUpdate": "BatchUpdateSpreadsheet",
        }.get(method_id, method_id.replace(".", "_"))
        info = {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "domain": "googleapis.com",
            "metadata": {
                "service": "sheets.googleapis.com",
                "method": f"google.apps.sheets.v4.SpreadsheetsService.{service_method}",
            },
        }
        challenge = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'}
        if not bearer:
            raise ApiError(
                401, NO_CREDENTIALS, [{**info, "reason": "CREDENTIALS_MISSING"}], challenge
            )
        token = self.authority.check(bearer)
        if token is None:
            reason = (
                "ACCESS_TOKEN_EXPIRED"
                if self.authority.is_expired(bearer)
                else ("ACCESS_TOKEN_TYPE_UNSUPPORTED")
            )
            raise ApiError(401, BAD_CREDENTIALS, [{**info, "reason": reason}], challenge)
        if method_id in WRITE_METHODS and not token.can_write:
            raise ApiError(
                403,
                "Request had insufficient authentication scopes.",
                [{**info, "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT"}],
            )
        return token

    def _call(
        self,
        method_id: str,
        spreadsheet_id: str,
        extra: str | None,
        exchange: _Exchange,
        token: AccessToken | None,
    ) -> dict[str, JSON]:
        query = {k: v for k, v in exchange.query.items()}
        body: JSON = None
        try:
            discovery.check_query(method_id, query)
            if discovery.method(method_id).get("request") is not None:
                try:
                    body = json.loads(exchange.body or b"{}")
                except ValueError as exc:
                    raise discovery.Violation(
                        "Invalid JSON payload received. Unexpected token."
                    ) from exc
                if not isinstance(body, dict):
                    raise discovery.Violation("Invalid JSON payload received. Expected an object.")
                prefix = "data" if method_id in ("values.update", "values.append") else ""
                discovery.check_body(method_id, body, prefix=prefix)
        except discovery.Violation as exc:
            raise ApiError(400, exc.message, exc.details) from exc
        fields_tree = None
        if query.get("fields"):
            try:
                fields_tree = parse_mask(query["fields"][0])
            except BadRequest as exc:
                raise ApiError(400, str(exc)) from exc
        with self._lock:
            spreadsheet = self._spreadsheets.get(spreadsheet_id)
            if spreadsheet is None:
                raise ApiError(404, "Requested entity was not found.")
            if spreadsheet.allowed_emails is not None and (
                token is None or token.email not in spreadsheet.allowed_emails
            ):
                raise ApiError(403, "The caller does not have permission")
            write = method_id in WRITE_METHODS
            working = spreadsheet.clone() if write else spreadsheet
            try:
                payload = self._dispatch(method_id, working, extra, query, body or {})
            except (BadRequest, RangeError) as exc:
                raise ApiError(400, str(exc)) from exc
            if write:
                spreadsheet.__dict__.update(working.__dict__)
                target = self.save_to.get(spreadsheet_id)
                if target is not None:
                    self.save_xlsx(spreadsheet_id, target)
        return select(payload, fields_tree) if fields_tree else payload

    def _dispatch(
        self,
        method_id: str,
        spreadsheet: Spreadsheet,
        extra: str | None,
        query: dict[str, list[str]],
        body: dict[str, JSON],
    ) -> dict[str, JSON]:
        def read(text: str) -> dict[str, JSON]:
            return spreadsheet.read_values(
                spreadsheet.resolve(text),
                value_render=_one(query, "valueRenderOption", "FORMATTED_VALUE"),
                date_render=_one(query, "dateTimeRenderOption", "SERIAL_NUMBER"),
                major=_one(query, "majorDimension", "ROWS"),
            )

        if method_id == "get":
            return self._get_spreadsheet(
                spreadsheet,
                ranges=query.get("ranges", []),
                include_grid=_one(query, "includeGridData", "false").lower() in ("true", "1"),
                fields=_one(query, "fields", ""),
            )
        if method_id == "values.get":
            return read(extra or "")
        if method_id == "values.batchGet":
            reply: dict[str, JSON] = {"spreadsheetId": spreadsheet.spreadsheet_id}
            ranges = query.get("ranges", [])
            if ranges:
                reply["valueRanges"] = [read(text) for text in ranges]
            return reply
        if method_id == "values.update":
            return self._update_values(spreadsheet, extra or "", query, body)
        if method_id == "values.append":
            return self._append_values(spreadsheet, extra or "", query, body)
        if method_id == "values.batchUpdate":
            return self._batch_update_values(spreadsheet, body)
        if method_id == "values.clear":
            cleared = spreadsheet.clear_values(spreadsheet.resolve(extra or ""))
            return {"spreadsheetId": spreadsheet.spreadsheet_id, "clearedRange": cleared}
        if method_id == "values.batchClear":
            cleared_ranges = [
                spreadsheet.clear_values(spreadsheet.resolve(str(text)))
                for text in body.get("ranges") or []
            ]
            reply = {"spreadsheetId": spreadsheet.spreadsheet_id}
            if cleared_ranges:
                reply["clearedRanges"] = cleared_ranges
            return reply
        if method_id == "batchUpdate":
            return self._batch_update(spreadsheet, body)
        if method_id == "developerMetadata.search":
            matched = []
            for data_filter in body.get("dataFilters") or []:
                for metadata in spreadsheet.developer_metadata.values():
                    if batch.matches(spreadsheet, metadata, data_filter):
                        matched.append(
                            {"developerMetadata": metadata, "dataFilters": [data_filter]}
                        )
            return {"matchedDeveloperMetadata": matched} if matched else {}
        if method_id == "developerMetadata.get":
            try:
                found = spreadsheet.developer_metadata.get(int(extra or ""))
            except ValueError:
                found = None
            if found is None:
                raise ApiError(404, "Requested entity was not found.")
            return found
        raise ApiError(404, "Method not found.")

    def _get_spreadsheet(
        self, spreadsheet: Spreadsheet, *, ranges: list[str], include_grid: bool, fields: str
    ) -> dict[str, JSON]:
        tree = parse_mask(fields) if fields else None
        sheets_tree = (tree or {}).get("sheets", {}) or {}
        want_data = include_grid or (
            tree is not None
            and "sheets" in tree
            and (tree["sheets"] is None or "data" in sheets_tree)
        )
        sheets = []
        if ranges:
            targets = [spreadsheet.resolve(text) for text in ranges]
            for sheet in spreadsheet.sheets:
                mine = [t for t in targets if t.sheet is sheet]
                if mine:
                    data = [spreadsheet.grid_data(t) for t in mine] if want_data else None
                    sheets.append(spreadsheet.sheet_json(sheet, data))
        else:
            for sheet in spreadsheet.sheets:
                data = None
                if want_data:
                    whole = spreadsheet.resolve(quote_title(sheet.title))
                    data = [spreadsheet.grid_data(whole)]
                sheets.append(spreadsheet.sheet_json(sheet, data))
        reply: dict[str, JSON] = {
            "spreadsheetId": spreadsheet.spreadsheet_id,
            "properties": json.loads(json.dumps(spreadsheet.properties)),
            "sheets": sheets,
        }
        if spreadsheet.named_ranges:
            reply["namedRanges"] = json.loads(json.dumps(spreadsheet.named_ranges))
        top_metadata = [
            m
            for m in spreadsheet.developer_metadata.values()
            if m.get("location", {}).get("locationType") == "SPREADSHEET"
        ]
        if top_metadata:
            reply["developerMetadata"] = json.loads(json.dumps(top_metadata))
        reply["spreadsheetUrl"] = (
            f"https://docs.google.com/spreadsheets/d/{spreadsheet.spreadsheet_id}/edit"
        )
        return reply

    @staticmethod
    def _input_option(value: str | None) -> bool:
        if not value:
            raise BadRequest("'valueInputOption' is required but not specified")
        if value == "INPUT_VALUE_OPTION_UNSPECIFIED":
            raise BadRequest("Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
        return value == "USER_ENTERED"

    def _update_values(
        self,
        spreadsheet: Spreadsheet,
        a1_range: str,
        query: dict[str, list[str]],
        body: dict[str, JSON],
    ) -> dict[str, JSON]:
        user_entered = self._input_option(_one(query, "valueInputOption"))
        target = spreadsheet.resolve(a1_range, for_write=True)
        if body.get("range"):
            other = spreadsheet.resolve(str(body["range"]), for_write=True)
            if (other.sheet, other.rows[0], other.cols[0]) != (
                target.sheet,
                target.rows[0],
                target.cols[0],
            ):
                raise BadRequest(
                    f"Requested range [{a1_range}] and the range in the request body "
                    f"[{body['range']}] do not match."
                )
        reply = spreadsheet.write_values(
            target,
            body.get("values") or [],
            user_entered=user_entered,
            major=str(body.get("majorDimension") or "ROWS"),
        )
        if _one(query, "includeValuesInResponse") == "true":
            reply["updatedData"] = self._updated_data(spreadsheet, reply, query)
        return reply

    @staticmethod
    def _updated_data(
        spreadsheet: Spreadsheet, reply: dict[str, JSON], query: dict[str, list[str]]
    ) -> dict[str, JSON]:
        return spreadsheet.read_values(
            spreadsheet.resolve(str(reply["updatedRange"])),
            value_render=_one(query, "responseValueRenderOption", "FORMATTED_VALUE"),
            date_render=_one(query, "responseDateTimeRenderOption", "SERIAL_NUMBER"),
        )

    def _append_values(
        self,
        spreadsheet: Spreadsheet,
        a1_range: str,
        query: dict[str, list[str]],
        body: dict[str, JSON],
    ) -> dict[str, JSON]:
        user_entered = self._input_option(_one(query, "valueInputOption"))
        target = spreadsheet.resolve(a1_range)
        sheet = target.sheet
        values: list[list[JSON]] = body.get("values") or []
        if body.get("majorDimension") == "COLUMNS":
            width = max((len(line) for line in values), default=0)
            values = [[line[i] if i < len(line) else None for line in values] for i in range(width)]
        last = target.rows[0]
        for row, _col, cell in sheet.cells_in((target.rows[0], sheet.row_count), target.cols):
            if cell.get("userEnteredValue"):
                last = max(last, row + 1)
        table = None
        if last > target.rows[0]:
            table = grid.format_range(sheet.title, (target.rows[0], last), target.cols)
        height = len(values)
        width = max((len(line) for line in values), default=0)
        left = target.cols[0]
        insert = _one(query, "insertDataOption") == "INSERT_ROWS"
        if insert:
            moved = {}
            for (row, col), cell in sheet.cells.items():
                moved[(row + height, col) if row >= last else (row, col)] = cell
            sheet.cells = moved
            sheet.resize(sheet.row_count + height, max(sheet.column_count, left + width))
        else:
            sheet.resize(max(sheet.row_count, last + height), max(sheet.column_count, left + width))
        where = spreadsheet.resolve(
            f"{quote_title(sheet.title)}!{column_letter(left)}{last + 1}",
            for_write=True,
        )
        updates = spreadsheet.write_values(where, values, user_entered=user_entered)
        if _one(query, "includeValuesInResponse") == "true":
            updates["updatedData"] = self._updated_data(spreadsheet, updates, query)
        reply: dict[str, JSON] = {"spreadsheetId": spreadsheet.spreadsheet_id}
        if table is not None:
            reply["tableRange"] = table
        reply["updates"] = updates
        return reply

    def _batch_update_values(
        self, spreadsheet: Spreadsheet, body: dict[str, JSON]
    ) -> dict[str, JSON]:
        user_entered = self._input_option(body.get("valueInputOption"))
        responses = []
        for value_range in body.get("data") or []:
            target = spreadsheet.resolve(str(value_range.get("range") or ""), for_write=True)
            responses.append(
                spreadsheet.write_values(
                    target,
                    value_range.get("values") or [],
                    user_entered=user_entered,
                    major=str(value_range.get("majorDimension") or "ROWS"),
                )
            )
        query = {
            "responseValueRenderOption": [
                body.get("responseValueRenderOption") or "FORMATTED_VALUE"
            ],
            "responseDateTimeRenderOption": [
                body.get("responseDateTimeRenderOption") or "SERIAL_NUMBER"
            ],
        }
        if body.get("includeValuesInResponse"):
            for response in responses:
                response["updatedData"] = self._updated_data(spreadsheet, response, query)
        reply: dict[str, JSON] = {"spreadsheetId": spreadsheet.spreadsheet_id}
        written = [r for r in responses if "updatedCells" in r]
        if written:
            reply["totalUpdatedRows"] = sum(r["updatedRows"] for r in written)
            reply["totalUpdatedColumns"] = max(r["updatedColumns"] for r in written)
            reply["totalUpdatedCells"] = sum(r["updatedCells"] for r in written)
            reply["totalUpdatedSheets"] = len(
                {str(r["updatedRange"]).rsplit("!", 1)[0] for r in written}
            )
        if responses:
            reply["responses"] = responses
        return reply

    def _batch_update(self, spreadsheet: Spreadsheet, body: dict[str, JSON]) -> dict[str, JSON]:
        requests = body.get("requests") or []
        if not requests:
            raise BadRequest("Must specify at least one request.")
        try:
            replies = batch.apply(spreadsheet, requests)
        except RangeError as exc:
            raise BadRequest(str(exc)) from exc
        reply: dict[str, JSON] = {"spreadsheetId": spreadsheet.spreadsheet_id, "replies": replies}
        if body.get("includeSpreadsheetInResponse"):
            reply["updatedSpreadsheet"] = self._get_spreadsheet(
                spreadsheet,
                ranges=[str(r) for r in body.get("responseRanges") or []],
                include_grid=bool(body.get("responseIncludeGridData")),
                fields="",
            )
        return reply

    # ------------------------------------------------------------ logging

    def _log(self, entry: dict[str, JSON]) -> None:
        with self._log_lock:
            self.calls.append(entry)
            if self.log_path is not None:
                with self.log_path.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(entry, ensure_ascii=False) + "\n")


class _Handler(BaseHTTPRequestHandler):
    """Reads one HTTP request, hands it to the SheetsServer, writes (or drops) the reply."""

    app: SheetsServer
    protocol_version = "HTTP/1.1"
    server_version = "ESF"
    sys_version = ""
    timeout = 30

    def setup(self) -> None:
        super().setup()
        # headers and body go out as separate writes: without this, Nagle plus
        # delayed ACKs add 40 ms to every keep-alive request
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.app._lock:
            self.app._connections.add(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        with self.app._lock:
            self.app._connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: requests go to ``SheetsServer.calls`` and the JSON-lines log instead."""

    def _serve(self) -> None:
        started = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        exchange = _Exchange(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=self.headers,  # type: ignore[arg-type]
            body=body,
        )
        status, reply, headers = self.app._handle(exchange)
        # log before replying, so a client that has its reply finds the call in .calls
        self.app._log(
            {
                "time": round(time.time(), 3),
                "method": self.command,
                "path": parts.path,
                "query": {k: v for k, v in exchange.query.items() if k not in SECRET_QUERY},
                "status": None if exchange.drop else status,
                "request_bytes": len(body),
                "response_bytes": 0 if exchange.drop else len(reply),
                "client": exchange.client,
                "fault": exchange.fault,
                "ms": round((time.monotonic() - started) * 1000, 1),
            }
        )

        if exchange.drop:
            self.close_connection = True
        else:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(reply)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve


# ---------------------------------------------------------------- xlsx


def read_xlsx(path: str | Path) -> dict[str, list[list[object]]]:
    """Every tab of a workbook as rows of Python values (formulas as ``=...`` text)."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        tabs: dict[str, list[list[object]]] = {}
        for worksheet in workbook.worksheets:
            rows: list[list[object]] = []
            for row in worksheet.iter_rows(values_only=True):
                rows.append([_xlsx_value(v) for v in row])
            while rows and all(v is None for v in rows[-1]):
                rows.pop()
            tabs[worksheet.title] = rows
        return tabs
    finally:
        workbook.close()


def _xlsx_value(value: object) -> object:
    text = getattr(value, "text", None)  # openpyxl ArrayFormula
    if isinstance(text, str):
        return text
    return value


def write_xlsx(tabs: Mapping[str, Mapping[tuple[int, int], dict[str, JSON]]], path: Path) -> Path:
    """Write cells (CellData JSON by position) to an .xlsx file, replacing it atomically."""
    import openpyxl

    workbook = openpyxl.Workbook()
    default = workbook.active
    for title, cells in tabs.items():
        worksheet = workbook.create_sheet(title=title[:31])
        for (row, col), cell in sorted(cells.items()):
            value = grid.python_value(cell)
            if value is not None:
                worksheet.cell(row=row + 1, column=col + 1, value=value)
    if default is not None and len(workbook.worksheets) > 1:
        workbook.remove(default)
    temporary = path.with_name(path.name + ".tmp")
    workbook.save(temporary)
    temporary.replace(path)
    return path


# ---------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """Serve one spreadsheet (key ``demo`` by default) until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m prodsheets.testing.sheets_server",
        description="A local Google Sheets API v4 server for trying prodsheets offline.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--key", default="demo", help="the spreadsheet key to serve")
    parser.add_argument("--from-xlsx", type=Path, help="seed the spreadsheet from this workbook")
    parser.add_argument("--save-xlsx", type=Path, help="save the spreadsheet here after each write")
    parser.add_argument("--write-credentials", type=Path, help="write a service-account key file")
    parser.add_argument("--log", type=Path, help="append one JSON line per request")
    parser.add_argument("--token-lifetime", type=int, default=3600, help="access token seconds")
    args = parser.parse_args(argv)
    try:
        discovery.discovery_document()
    except ImportError:
        print(
            "The local Sheets server checks every request against Google's own description of"
            " the API, which comes with google-api-python-client. Install it with:"
            " pip install 'google-api-python-client>=2.100'",
            file=sys.stderr,
        )
        return 2

    server = SheetsServer(
        args.host,
        args.port,
        token_lifetime_s=args.token_lifetime,
        save_to={args.key: args.save_xlsx} if args.save_xlsx else None,
        log_path=args.log,
    )
    if args.from_xlsx:
        server.load_xlsx(args.key, args.from_xlsx)
    else:
        server.add_spreadsheet(args.key)
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.start()
    try:
        print(f"url: {server.url}", flush=True)
        print(f"spreadsheet: {args.key}", flush=True)
        if args.write_credentials:
            server.write_credentials(args.write_credentials)
            print(f"credentials: {args.write_credentials}", flush=True)
        while not stop.wait(0.2):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
