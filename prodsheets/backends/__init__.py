"""Pick the backend from how the workbook is named: a path, ``gsheets:KEY`` or a Sheets URL."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from prodsheets.backends.base import Workbook
from prodsheets.config import Config
from prodsheets.errors import UsageError

_KEY = re.compile(r"[A-Za-z0-9_-]+")
# /spreadsheets/d/KEY/..., also with the account switch (/spreadsheets/u/1/d/KEY/...)
_SHEETS_PATH = re.compile(r"^/spreadsheets(?:/u/\d+)?/d/([^/]*)")
_GOOGLE_HOSTS = ("docs.google.com", "drive.google.com", "sheets.google.com")


def google_key(location: str) -> str | None:
    """The spreadsheet key when ``location`` names a Google spreadsheet, else None.

    Raises ``UsageError`` for a Google link that names no spreadsheet (a folder, a published
    copy, a cut-off link): it is neither a spreadsheet nor a local file."""
    text = location.strip()
    if text.startswith("gsheets:"):
        key = text.removeprefix("gsheets:").strip()
        if not _KEY.fullmatch(key):
            raise UsageError(
                f"{location} names no spreadsheet: write gsheets: followed by the key, the "
                "part after /d/ in the spreadsheet's link."
            )
        return key
    if "://" not in text and not text.lower().startswith(_GOOGLE_HOSTS):
        return None
    try:
        parts = urlsplit(text if "://" in text else "https://" + text)
        host = (parts.hostname or "").lower()
    except ValueError as exc:  # "https://[oops", a port that is not a number
        raise UsageError(
            f"{location} is not a well-formed web address ({exc}); use the link from the "
            "address bar of the spreadsheet or gsheets:KEY."
        ) from exc
    if parts.scheme.lower() not in ("http", "https") or host not in _GOOGLE_HOSTS:
        raise UsageError(
            f"{location} is a web address; prodsheets reads a local .xlsx file or a Google "
            "spreadsheet (its https://docs.google.com/spreadsheets/d/KEY link or gsheets:KEY)."
        )
    match = _SHEETS_PATH.match(parts.path)
    # .../d/KEY/..., or https://drive.google.com/open?id=KEY
    key = match.group(1) if match else (parse_qs(parts.query).get("id") or [""])[0]
    if key == "e":
        raise UsageError(
            f"{location} is a link to a copy published to the web, which cannot be read "
            "through the Sheets API; use the link from the address bar of the spreadsheet."
        )
    if not _KEY.fullmatch(key):
        raise UsageError(
            f"{location} is not a link to a Google spreadsheet; use the link from the address "
            "bar of the spreadsheet (https://docs.google.com/spreadsheets/d/KEY/edit) or "
            "gsheets:KEY."
        )
    return key


def open_workbook(
    location: str, config: Config, *, create: bool = False, force: bool = False
) -> Workbook:
    """The backend for ``location``. ``create`` allows a local file that does not exist yet;
    ``force`` writes even when another program seems to have a local file open."""
    key = google_key(location)
    if key is not None:
        from prodsheets.backends.gsheets import GoogleWorkbook

        return GoogleWorkbook(key, config=config, location=location)
    from prodsheets.backends.xlsx import XlsxWorkbook

    return XlsxWorkbook(location, create=create, ignore_locks=force)
