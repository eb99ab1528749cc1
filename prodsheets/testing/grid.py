"""Cells, A1 ranges and value rendering as Google Sheets does them.

The local Sheets server stores cells as the API's own ``CellData`` JSON
(``userEnteredValue``, ``userEnteredFormat``, ``note`` ...) and renders them the
way the recorded replies show: numbers that are whole come back as integers,
dates typed as ``2020-01-01`` are serial numbers with a date format, simple
arithmetic formulas (``=4/2``) are evaluated, trailing blanks are dropped.
"""

from __future__ import annotations

import ast
import datetime as dt
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from prodsheets.a1 import column_index, column_letter, quote_title

JSON = Any
EPOCH = dt.datetime(1899, 12, 30)


class RangeError(ValueError):
    """An A1 range Google would refuse: ``Unable to parse range: ...``."""


# ---------------------------------------------------------------- A1 notation


def split_range(text: str) -> tuple[str | None, str | None]:
    """Split ``'My tab'!A1:B2`` into the sheet title and the cell part.

    Either may be None: ``Sheet1`` may be a title alone, ``A1:B2`` a cell part alone.
    """
    text = text.strip()
    if text.startswith("'"):
        title, i = [], 1
        while i < len(text):
            if text[i] == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    title.append("'")
                    i += 2
                    continue
                break
            title.append(text[i])
            i += 1
        else:
            raise RangeError(text)
        rest = text[i + 1 :]
        if not rest:
            return "".join(title), None
        if not rest.startswith("!") or len(rest) == 1:
            raise RangeError(text)
        return "".join(title), rest[1:]
    if "!" in text:
        title_part, cells = text.split("!", 1)
        return title_part, cells
    return None, text


@dataclass(frozen=True)
class Bounds:
    """Zero-based, end-exclusive rows and columns; None means open-ended."""

    row_start: int | None
    row_end: int | None
    col_start: int | None
    col_end: int | None


_END = re.compile(r"([A-Za-z]{0,3})([0-9]*)")


def parse_cells(text: str) -> Bounds:
    """Parse ``A1``, ``A1:B2``, ``A:A``, ``A1:B``, ``2:3`` into Bounds."""
    parts = text.split(":")
    if len(parts) > 2 or not text:
        raise RangeError(text)
    ends = []
    for part in parts:
        match = _END.fullmatch(part.strip())
        if match is None or not (match.group(1) or match.group(2)):
            raise RangeError(text)
        col = column_index(match.group(1)) if match.group(1) else None
        row = int(match.group(2)) - 1 if match.group(2) else None
        if row is not None and row < 0:
            raise RangeError(text)
        ends.append((row, col))
    (row_a, col_a) = ends[0]
    if len(ends) == 1:
        if row_a is None or col_a is None:
            raise RangeError(text)
        return Bounds(row_a, row_a + 1, col_a, col_a + 1)
    (row_b, col_b) = ends[1]
    if (row_a is None) != (row_b is None) and row_a is None:
        raise RangeError(text)  # "A:B2" is not a range Google reads
    if (col_a is None) != (col_b is None) and col_a is None:
        raise RangeError(text)
    if row_a is not None and row_b is not None and row_a > row_b:
        row_a, row_b = row_b, row_a
    if col_a is not None and col_b is not None and col_a > col_b:
        col_a, col_b = col_b, col_a
    return Bounds(
        row_a if row_a is not None else None,
        row_b + 1 if row_b is not None else None,
        col_a if col_a is not None else None,
        col_b + 1 if col_b is not None else None,
    )


def format_range(title: str, rows: tuple[int, int], cols: tuple[int, int]) -> str:
    """``Sheet1!A1:D4`` (``Sheet1!A1`` for one cell), as Google replies."""
    start = f"{column_letter(cols[0])}{rows[0] + 1}"
    end = f"{column_letter(cols[1] - 1)}{rows[1]}"
    cells = start if (rows[1] - rows[0], cols[1] - cols[0]) == (1, 1) else f"{start}:{end}"
    return f"{quote_title(title)}!{cells}"


# ---------------------------------------------------------------- typing values in


def date_serial(value: dt.date | dt.datetime) -> float:
    """A date or datetime as a Sheets serial number (days since 1899-12-30)."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    delta = value.replace(tzinfo=None) - EPOCH
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6


def from_serial(serial: float) -> dt.datetime:
    """A Sheets serial number as a datetime."""
    return EPOCH + dt.timedelta(days=serial)


_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def _number_text(text: str) -> float | None:
    if not text or not _NUMBER.fullmatch(text) or not re.search(r"\d", text):
        return None
    return float(text.replace(",", ""))


def parse_user_entered(text: str) -> dict[str, JSON]:
    """What Sheets makes of text typed into a cell: ``{"userEnteredValue":..., format}``."""
    if text == "":
        return {}
    if text.startswith("'"):
        return {"userEnteredValue": {"stringValue": text[1:]}}
    if text.startswith("=") and len(text) > 1:
        return {"userEnteredValue": {"formulaValue": text}}
    if text.upper() in ("TRUE", "FALSE"):
        return {"userEnteredValue": {"boolValue": text.upper() == "TRUE"}}
    stripped = text.strip()
    number = _number_text(stripped)
    if number is not None:
        cell: dict[str, JSON] = {"userEnteredValue": {"numberValue": number}}
        if "," in stripped:
            pattern = "#,##0.00" if "." in stripped else "#,##0"
            cell["userEnteredFormat"] = {"numberFormat": {"type": "NUMBER", "pattern": pattern}}
        return cell
    if stripped.endswith("%"):
        number = _number_text(stripped[:-1].strip())
        if number is not None:
            pattern = "0.00%" if "." in stripped else "0%"
            return {
                "userEnteredValue": {"numberValue": number / 100},
                "userEnteredFormat": {"numberFormat": {"type": "PERCENT", "pattern": pattern}},
            }
    money = re.fullmatch(r"(-?)\$(.+)", stripped)
    if money:
        number = _number_text(money.group(2))
        if number is not None:
            return {
                "userEnteredValue": {"numberValue": -number if money.group(1) else number},
                "userEnteredFormat": {
                    "numberFormat": {"type": "CURRENCY", "pattern": '"$"#,##0.00'}
                },
            }
    when = _parse_date(stripped)
    if when is not None:
        value, kind, pattern = when
        return {
            "userEnteredValue": {"numberValue": date_serial(value)},
            "userEnteredFormat": {"numberFormat": {"type": kind, "pattern": pattern}},
        }
    return {"userEnteredValue": {"stringValue": text}}


def _parse_date(text: str) -> tuple[dt.datetime, str, str] | None:
    match = _ISO_DATE.fullmatch(text)
    try:
        if match:
            year, month, day = (int(match.group(i)) for i in (1, 2, 3))
            if match.group(4) is None:
                return dt.datetime(year, month, day), "DATE", "yyyy-mm-dd"
            when = dt.datetime(
                year,
                month,
                day,
                int(match.group(4)),
                int(match.group(5)),
                int(match.group(6) or 0),
            )
            return when, "DATE_TIME", "yyyy-mm-dd H:mm:ss"
        match = _US_DATE.fullmatch(text)
        if match:
            month, day, year = (int(match.group(i)) for i in (1, 2, 3))
            return dt.datetime(year, month, day), "DATE", "M/d/yyyy"
    except ValueError:
        return None
    return None


def typed_cell(value: JSON, *, user_entered: bool) -> dict[str, JSON] | None:
    """The cell a values write makes of one JSON value (None: leave the cell alone)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, (int, float)):
        return {"userEnteredValue": {"numberValue": float(value)}}
    text = value if isinstance(value, str) else str(value)
    if user_entered:
        return parse_user_entered(text)
    return {"userEnteredValue": {"stringValue": text}} if text != "" else {}


def python_cell(value: object) -> dict[str, JSON]:
    """A cell from a Python value, for seeding a spreadsheet from rows or xlsx."""
    if value is None or value == "":
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, (int, float, Decimal)):
        return {"userEnteredValue": {"numberValue": float(value)}}
    if isinstance(value, dt.datetime):
        return {
            "userEnteredValue": {"numberValue": date_serial(value)},
            "userEnteredFormat": {
                "numberFormat": {"type": "DATE_TIME", "pattern": "yyyy-mm-dd H:mm:ss"}
            },
        }
    if isinstance(value, dt.date):
        return {
            "userEnteredValue": {"numberValue": date_serial(value)},
            "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}},
        }
    text = str(value)
    if text.startswith("=") and len(text) > 1:
        return {"userEnteredValue": {"formulaValue": text}}
    return {"userEnteredValue": {"stringValue": text}}


# ---------------------------------------------------------------- rendering out

_BINARY: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        inner = _evaluate(node.operand)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    raise ValueError("not simple arithmetic")


def effective_value(entered: dict[str, JSON]) -> dict[str, JSON]:
    """What a cell shows: the value itself, or a simple formula's result.

    Only arithmetic on numbers (``=4/2``, ``=(1+2)*3``) is computed; any other
    formula shows ``#NAME?``, since this server is no spreadsheet engine.
    """
    formula = entered.get("formulaValue")
    if formula is None:
        return entered
    expression = formula[1:].replace("^", "**")
    try:
        return {"numberValue": _evaluate(ast.parse(expression, mode="eval"))}
    except ZeroDivisionError:
        return {
            "errorValue": {
                "type": "DIVIDE_BY_ZERO",
                "message": "Function DIVIDE parameter 2 cannot be zero.",
            }
        }
    except (ValueError, SyntaxError, TypeError, OverflowError, RecursionError):
        return {
            "errorValue": {
                "type": "NAME",
                "message": "The local Sheets server evaluates only simple arithmetic.",
            }
        }


_ERROR_TEXT = {"DIVIDE_BY_ZERO": "#DIV/0!", "NAME": "#NAME?", "VALUE": "#VALUE!", "REF": "#REF!"}


def json_number(value: float) -> int | float:
    """Whole doubles as ints, as Google's JSON writes them (2, not 2.0)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def general_number(value: float) -> str:
    """A number in Sheets' automatic format: 2, 1.5, 0.3333333333, 1E+20."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.10g}"
    return text.replace("e+", "E+").replace("e-", "E-")


def _format_date(serial: float, pattern: str) -> str:
    when = from_serial(serial)
    when = when.replace(microsecond=0) + dt.timedelta(seconds=round(when.microsecond / 1e6))
    if pattern == "M/d/yyyy":
        return f"{when.month}/{when.day}/{when.year}"
    if pattern.startswith("yyyy-mm-dd") and ("H" in pattern or "h" in pattern):
        return f"{when:%Y-%m-%d} {when.hour}:{when:%M:%S}"
    if pattern in ("H:mm:ss", "h:mm:ss"):
        return f"{when.hour}:{when:%M:%S}"
    return f"{when:%Y-%m-%d}"


def _format_number(value: float, pattern: str) -> str:
    core = pattern.split(";")[0]
    percent = "%" in core
    if percent:
        value *= 100
    decimals = len(core.split(".", 1)[1].rstrip('%"$ ')) if "." in core else 0
    grouped = "," in core
    text = f"{abs(value):,.{decimals}f}" if grouped else f"{abs(value):.{decimals}f}"
    prefix = "$" if '"$"' in core or core.startswith("$") else ""
    sign = "-" if value < 0 and float(text.replace(",", "")) != 0 else ""
    return f"{sign}{prefix}{text}{'%' if percent else ''}"


def formatted_value(value: dict[str, JSON], number_format: dict[str, JSON] | None) -> str:
    """The text a cell shows for its effective value and number format."""
    if "stringValue" in value:
        return str(value["stringValue"])
    if "boolValue" in value:
        return "TRUE" if value["boolValue"] else "FALSE"
    if "errorValue" in value:
        return _ERROR_TEXT.get(str(value["errorValue"].get("type")), "#ERROR!")
    number = float(value.get("numberValue", 0.0))
    kind = (number_format or {}).get("type")
    pattern = str((number_format or {}).get("pattern", ""))
    if kind in ("DATE", "DATE_TIME", "TIME"):
        return _format_date(number, pattern)
    if kind in ("NUMBER", "PERCENT", "CURRENCY", "SCIENTIFIC") and pattern:
        return _format_number(number, pattern)
    return general_number(number)


def is_date(number_format: dict[str, JSON] | None) -> bool:
    """Whether a number format shows dates or times."""
    return (number_format or {}).get("type") in ("DATE", "DATE_TIME", "TIME")


def render(cell: dict[str, JSON], value_render: str, date_render: str) -> JSON:
    """One cell as values.get returns it under the render options, or None if blank."""
    entered = cell.get("userEnteredValue")
    if not entered:
        return None
    number_format = (cell.get("userEnteredFormat") or {}).get("numberFormat")
    if value_render == "FORMULA" and "formulaValue" in entered:
        return entered["formulaValue"]
    shown = effective_value(entered)
    if value_render == "FORMATTED_VALUE":
        return formatted_value(shown, number_format)
    if "numberValue" in shown:
        if is_date(number_format) and date_render == "FORMATTED_STRING":
            return formatted_value(shown, number_format)
        return json_number(float(shown["numberValue"]))
    if "errorValue" in shown:
        return formatted_value(shown, number_format)
    if "boolValue" in shown:
        return bool(shown["boolValue"])
    return shown.get("stringValue", "")


def python_value(cell: dict[str, JSON]) -> object:
    """A cell as a Python value for xlsx: numbers, text, bools, datetimes, formulas."""
    entered = cell.get("userEnteredValue")
    if not entered:
        return None
    if "formulaValue" in entered:
        return entered["formulaValue"]
    if "boolValue" in entered:
        return bool(entered["boolValue"])
    if "numberValue" in entered:
        number = float(entered["numberValue"])
        number_format = (cell.get("userEnteredFormat") or {}).get("numberFormat")
        if is_date(number_format):
            when = from_serial(number)
            if (number_format or {}).get("type") == "DATE":
                return when.date()
            return when
        return json_number(number)
    if "errorValue" in entered:
        return None
    return entered.get("stringValue")
