"""Our HTTP client for the Sheets API: the endpoint override and bounded retries.

gspread's own ``BackOffHTTPClient`` retries without end and ignores ``Retry-After``. This one
plugs into the same ``http_client=`` seam of ``gspread.Client`` and

- sends every request to ``api_endpoint`` instead of ``https://sheets.googleapis.com`` (a proxy
  or the local test server), rewriting the URL here rather than patching ``gspread.urls``;
- retries HTTP 429, 5xx, dropped connections, a server that gives no answer, and a token
  endpoint that is down or out of reach (google-auth's retryable ``RefreshError``, its
  ``TransportError``) with exponential backoff and full jitter, waiting at least what
  ``Retry-After`` asks, and gives up with one plain sentence once ``retry_seconds`` have gone
  by;
- lets no request wait for an answer longer than the time left to retry, or ``SILENCE_FLOOR``
  (``answer_seconds`` in the config) when less is left (a large ``values.batchGet`` needs that
  long before Google's first byte): a hung server or proxy ends a run within about
  ``retry_seconds`` plus a minute;
- never replays a ``spreadsheets.batchUpdate`` whose fate is unknown (5xx or a dropped
  connection): it raises ``WriteInDoubt`` so the caller re-reads the spreadsheet and builds a
  write that is right whether or not the first one was applied.
"""

from __future__ import annotations

import email.utils
import functools
import json as jsonlib
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from google.auth.exceptions import RefreshError, TransportError
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient
from requests import Response

from prodsheets.errors import WorkbookError
from prodsheets.safe_text import without_credentials

GOOGLE_SHEETS = "https://sheets.googleapis.com"
GOOGLE_SIGN_IN = "oauth2.googleapis.com"  # the host of a service-account key's token_uri
RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
# requests' own faults that mean "the answer never arrived": the request may or may not have
# been carried out on the other side.
CONNECTION_FAULTS: tuple[type[BaseException], ...] = (
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.Timeout,
)
CONNECT_SECONDS = 15.0
# Seconds one request may go without a byte of answer: the time left to retry, within these.
SILENCE_FLOOR = 60.0
SILENCE_CAP = 300.0


class WriteInDoubt(Exception):
    """A write got no answer or a server error: it may or may not have been applied."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


@dataclass
class Attempts:
    """The retries of one piece of work, sharing one deadline."""

    budget: float
    endpoint: str
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    jitter: Callable[[], float] = random.random
    base: float = 0.5
    cap: float = 32.0
    sign_in: str = GOOGLE_SIGN_IN  # the token endpoint's host, for messages
    count: int = 0
    started: float = field(default=-1.0)
    silence: float = SILENCE_FLOOR  # the read timeout given to the latest request
    floor: float = SILENCE_FLOOR  # the least read timeout, whatever the time left

    def __post_init__(self) -> None:
        if self.started < 0:
            self.started = self.clock()

    def left(self) -> float:
        """Seconds of the budget not yet used."""
        return self.budget - (self.clock() - self.started)

    def timeout(self) -> tuple[float, float]:
        """``(connect, read)`` seconds for the next request: it may wait for an answer as long
        as there is time left to retry, never less than ``floor`` nor more than
        ``SILENCE_CAP``."""
        self.silence = min(SILENCE_CAP, max(self.floor, self.left()))
        return (CONNECT_SECONDS, self.silence)

    def wait(self, reason: str, retry_after: float | None = None) -> None:
        """Sleep before the next try, or raise ``WorkbookError`` when time is up.

        Full jitter: a random wait between 0 and base x 2^n (capped), so that many clients
        hitting the same quota do not come back in step; never shorter than Retry-After.
        """
        ceiling = min(self.cap, self.base * (2**self.count))
        delay = ceiling * self.jitter()
        if retry_after is not None:
            delay = max(delay, retry_after)
        if delay > self.left():
            if retry_after is not None and retry_after > self.left():
                raise WorkbookError(self.told_to_wait(reason, retry_after))
            raise WorkbookError(self.give_up(reason))
        self.count += 1
        self.sleep(delay)

    def told_to_wait(self, reason: str, retry_after: float) -> str:
        """The sentence when the server asks for a wait longer than the time left: we stop
        at once rather than wait, and say so (not that we kept trying)."""
        what = "for quota reasons (HTTP 429)" if reason == "429" else f"(HTTP {reason})"
        return (
            f"Google Sheets refused a request {what} and asked to wait {retry_after:g} "
            f"seconds, longer than the {self.left():.0f} seconds left of retry_seconds "
            f"({self.budget:g}), so prodsheets stopped without waiting; run again later, or "
            "raise retry_seconds in prodsheets.toml."
        )

    def give_up(self, reason: str) -> str:
        """The one sentence a person reads when retries ran out."""
        return give_up_sentence(
            reason, self.budget, self.endpoint, sign_in=self.sign_in, silence=self.silence
        )


def give_up_sentence(
    reason: str,
    budget: float,
    endpoint: str,
    *,
    sign_in: str = GOOGLE_SIGN_IN,
    silence: float = SILENCE_FLOOR,
) -> str:
    """The one sentence a person reads when retries ran out.

    ``reason``: an HTTP status, ``"sign-in"`` (the token endpoint answered with errors),
    ``"sign-in unreachable"`` / ``"sign-in silent"`` (it could not be reached / gave no
    answer), ``"connection"`` or ``"silent"`` (the same for the Sheets API)."""
    seconds = f"{budget:g} second" + ("" if budget == 1 else "s")
    where = without_credentials(endpoint) if endpoint else GOOGLE_SHEETS
    no_token = "so no access token could be had (the credentials were not refused)"
    if reason == "429":
        return (
            f"Google Sheets kept refusing requests for quota reasons (HTTP 429) for {seconds}; "
            "wait a minute and run again, or raise retry_seconds in prodsheets.toml."
        )
    if reason == "sign-in":
        return (
            f"Google's sign-in service kept failing for {seconds}, so no access token could "
            "be had (the credentials themselves were not refused); run again later."
        )
    if reason == "sign-in unreachable":
        return (
            f"Could not reach Google's sign-in service at {sign_in} for {seconds}, {no_token}; "
            f"check the network connection, or a firewall or proxy that blocks {sign_in}, "
            "and run again."
        )
    if reason == "sign-in silent":
        return (
            f"Google's sign-in service at {sign_in} gave no answer for {silence:g} seconds, "
            f"{no_token}; run again later, and check the network or a proxy if it keeps "
            "happening."
        )
    if reason == "connection":
        return (
            f"Could not reach Google Sheets at {where} for {seconds}; check the network "
            "connection (or api_endpoint in prodsheets.toml) and run again."
        )
    if reason == "silent":
        return (
            f"Google Sheets at {where} gave no answer for {silence:g} seconds and there was "
            f"no time left to try again (retry_seconds is {budget:g}); run again later, and "
            "check the network, a proxy or api_endpoint in prodsheets.toml if it keeps "
            "happening."
        )
    return (
        f"Google Sheets answered with server errors (HTTP {reason}) for {seconds}; run again later."
    )


def sign_in_host(credentials: Any) -> str:
    """The host of the credentials' token endpoint (never more of its URL), for messages."""
    uri = getattr(credentials, "token_uri", None) or getattr(credentials, "_token_uri", None)
    if not isinstance(uri, str) or not uri:
        return GOOGLE_SIGN_IN
    return urlsplit(uri).netloc.rpartition("@")[2] or GOOGLE_SIGN_IN


def _silent(fault: BaseException) -> bool:
    """Whether a fault (or the one google-auth wrapped) is a read timeout: no answer came."""
    seen = (fault, fault.__cause__, *fault.args)
    return any(isinstance(f, requests.exceptions.ReadTimeout) for f in seen)


def retry_after_seconds(response: Response) -> float | None:
    """``Retry-After`` as seconds: either a number or an HTTP date."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class RetryingHTTPClient(HTTPClient):
    """gspread's HTTP client with our endpoint and our bounded retries.

    gspread constructs it as ``http_client(auth, session)``; the settings are class
    attributes, so ``configured_client`` makes a subclass per workbook.
    """

    api_endpoint: str = ""
    retry_seconds: float = 120.0
    answer_seconds: float = SILENCE_FLOOR
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def __init__(self, auth: Any, session: requests.Session | None = None) -> None:
        super().__init__(auth, session)
        self._shared: Attempts | None = None

    def url(self, endpoint: str) -> str:
        """The URL gspread built, pointed at ``api_endpoint`` when one is set."""
        base = self.api_endpoint.rstrip("/")
        if base and endpoint.startswith(GOOGLE_SHEETS):
            return base + endpoint[len(GOOGLE_SHEETS) :]
        return endpoint

    def attempts(self) -> Attempts:
        return self._shared or Attempts(
            budget=self.retry_seconds,
            endpoint=self.api_endpoint,
            sleep=self.sleep,
            floor=self.answer_seconds,
            sign_in=sign_in_host(getattr(self.session, "credentials", None)),
        )

    @contextmanager
    def one_deadline(self) -> Iterator[Attempts]:
        """Every request inside shares one time budget (a write and its re-reads)."""
        outer = self._shared
        self._shared = self._shared or self.attempts()
        try:
            yield self._shared
        finally:
            self._shared = outer

    def request(
        self,
        method: str,
        endpoint: str,
        params: Any = None,
        data: bytes | None = None,
        json: Mapping[str, Any] | None = None,
        files: Any = None,
        headers: MutableMapping[str, str] | None = None,
    ) -> Response:
        url = self.url(endpoint)
        if json is not None:
            # Compact JSON: the Sheets API recommends requests under 2 MB, and the default
            # separators of requests' json= add two bytes per value.
            data = jsonlib.dumps(json, separators=(",", ":"), allow_nan=False).encode("utf-8")
            headers = {**(headers or {}), "Content-Type": "application/json"}
        is_write = method.lower() == "post" and url.endswith(":batchUpdate")
        attempts = self.attempts()
        while True:
            try:
                send = functools.partial(
                    self.session.request,
                    method=method,
                    url=url,
                    params=params,
                    data=data,
                    files=files,
                    headers=headers,
                    timeout=attempts.timeout(),
                )
                response = within(attempts.silence, send)
            except RefreshError as refused:
                # google-auth marks a token endpoint that is down or busy (5xx, 429) as
                # retryable: the key is fine and nothing was sent to Sheets, so try again
                # within our time bound. Any other refusal (invalid_grant) is final.
                if not refused.retryable:
                    raise
                attempts.wait("sign-in")
                continue
            except TransportError as lost:
                # google-auth could not reach its token endpoint, or it gave no answer: nothing
                # reached Sheets (or Sheets refused with a 401), so even a write is sent again.
                attempts.wait("sign-in silent" if _silent(lost) else "sign-in unreachable")
                continue
            except CONNECTION_FAULTS as lost:
                reason = "silent" if _silent(lost) else "connection"
                if is_write:
                    raise WriteInDoubt(reason) from None
                attempts.wait(reason)
                continue
            if response.ok:
                return response
            status = response.status_code
            if status not in RETRY_STATUS:
                raise APIError(response)
            wait_at_least = retry_after_seconds(response)
            if is_write and status != 429:
                # A 429 is a refusal before any work; a 5xx may come after the write applied.
                raise WriteInDoubt(str(status), wait_at_least)
            attempts.wait("429" if status == 429 else str(status), wait_at_least)


def within(seconds: float, call: Callable[[], Response]) -> Response:
    """``call()``, or ``ReadTimeout`` once ``seconds`` have gone by without its answer being
    complete: requests' timeouts bound each socket read, so a proxy that sends one byte every
    few seconds would otherwise hold a run forever. The call goes on in a thread of its own,
    left behind (the run gives up or tries afresh)."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["answer"] = call()
        except BaseException as exc:  # handed to the caller's thread
            box["fault"] = exc

    worker = threading.Thread(target=work, name="prodsheets-request", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise requests.exceptions.ReadTimeout(f"no complete answer within {seconds:g} seconds")
    if "fault" in box:
        raise box["fault"]
    answer: Response = box["answer"]
    return answer


def configured_client(
    endpoint: str, retry_seconds: float, answer_seconds: float = SILENCE_FLOOR
) -> type[RetryingHTTPClient]:
    """A ``RetryingHTTPClient`` class with this workbook's settings, for ``http_client=``."""

    class Configured(RetryingHTTPClient):
        pass

    Configured.api_endpoint = endpoint
    Configured.retry_seconds = retry_seconds
    Configured.answer_seconds = answer_seconds
    return Configured
