"""Pick the backend from how the workbook is named: a path, ``gsheets:KEY`` or a Sheets URL."""

from __future__ import annotations

import re

from prodsheets.backends.base import Workbook
from prodsheets.config import Config

_SHEETS_URL = re.compile(r"^https?://docs\.google\.com/spreadsheets/d/([A-Za-z0-9_-]+)")


def google_key(location: str) -> str | None:
    """The spreadsheet key when ``location`` names a Google spreadsheet, else None."""
    if location.startswith("gsheets:"):
        return location.removeprefix("gsheets:").strip() or None
    match = _SHEETS_URL.match(location.strip())
    return match.group(1) if match else None


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
