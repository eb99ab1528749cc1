"""How far a workbook file may inflate before prodsheets refuses to read it (zip bombs).

An .xlsx is a zip anyone on the team can edit, and a few kilobytes of deflate can inflate to
gigabytes of whitespace. The zip's central directory says how large every part is once
inflated; it is checked here, before any reader (ours or calamine's) inflates a byte. The
directory can lie, so both readers also stop at the size it declares: Python's ``zipfile``
never returns more than the declared size, and calamine's zip reader fails with "File is
larger than its declared uncompressed size" the moment a part inflates past it. What the
directory declares therefore bounds what is ever inflated.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence

from prodsheets.errors import WorkbookError

# The largest workbook file read at all (its compressed bytes are held in memory).
MAX_FILE_BYTES = 1 << 30
# One part, inflated: a tab of 1,000,000 budget lines is about 330 MB of XML.
MAX_PART_BYTES = 1 << 30
# The whole workbook, inflated.
MAX_TOTAL_BYTES = 2 << 30
# Real spreadsheet XML deflates 4 to 30 times smaller; a bomb of whitespace, about 1,000 times.
MAX_RATIO = 100
# Parts that inflate to less than this may have any ratio (a small part proves nothing).
RATIO_FLOOR = 16 << 20


def _mb(size: int) -> str:
    return f"{size / (1 << 20):,.0f} MB"


def check_inflated_sizes(entries: Sequence[zipfile.ZipInfo], name: str) -> None:
    """Refuse a workbook whose parts would inflate beyond the bounds, or that holds two
    parts of one name (two readers could then read different ones), from its directory."""
    seen: set[str] = set()
    total = 0
    for entry in entries:
        if entry.filename in seen:
            raise WorkbookError(
                f"{name} holds two parts named {entry.filename}, which no spreadsheet program "
                "writes; open it in Excel or LibreOffice, save it again, and re-run."
            )
        seen.add(entry.filename)
        size = entry.file_size
        total += size
        ratio = size / max(entry.compress_size, 1)
        if size > MAX_PART_BYTES or (size > RATIO_FLOOR and ratio > MAX_RATIO):
            raise WorkbookError(
                f"{name} is not read: its part {entry.filename} would inflate from "
                f"{_mb(entry.compress_size)} to {_mb(size)}, beyond what prodsheets reads in "
                f"one part ({_mb(MAX_PART_BYTES)}, at most {MAX_RATIO} times its stored "
                "size); a workbook made by a spreadsheet program never does that, so check "
                "where the file came from."
            )
    if total > MAX_TOTAL_BYTES:
        raise WorkbookError(
            f"{name} is not read: it would inflate to {_mb(total)}, beyond what prodsheets "
            f"reads in one workbook ({_mb(MAX_TOTAL_BYTES)}); split the production into "
            "smaller workbooks or delete what is not needed."
        )
