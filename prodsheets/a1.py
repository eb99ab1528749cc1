"""A1 notation, the one way every part of prodsheets names columns, cells and tabs."""

from __future__ import annotations

import re

_PLAIN_TITLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LOOKS_LIKE_A_CELL = re.compile(r"[A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*")


def column_letter(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA": the letters a spreadsheet shows over a column."""
    if index < 0:
        raise ValueError(f"column index must be 0 or more, not {index}")
    letters = ""
    number = index + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def column_index(letters: str | bytes) -> int:
    """ "A" -> 0, "AA" -> 26: the inverse of ``column_letter``."""
    text = (letters.decode("ascii") if isinstance(letters, bytes) else letters).strip().upper()
    if not text or not text.isascii() or not text.isalpha():
        raise ValueError(f"{letters!r} is not a column letter")
    number = 0
    for char in text:
        number = number * 26 + (ord(char) - ord("A") + 1)
    return number - 1


def quote_title(title: str) -> str:
    """A tab title as a range needs it: ``Budget``, but ``'Cost Report'`` and ``'It''s'``
    (quoted when it has spaces or punctuation, or could be read as a cell such as ``A1``)."""
    if _PLAIN_TITLE.fullmatch(title) and not _LOOKS_LIKE_A_CELL.fullmatch(title):
        return title
    return "'" + title.replace("'", "''") + "'"
