"""One column of raw cells -> typed values, and which cells could not be read (and why).

People type money, dates and names in every form a keyboard allows, and backends hand them over
as text, numbers, date objects or spreadsheet serials. Each ``parse_*`` function takes one
column of ``RawCell`` values and returns a ``Parsed``: the typed values, which cells were blank,
and a plain-words ``Problem`` for each cell that could not be read. Nothing here raises on a
cell's content and nothing becomes a silent 0.

Speed matters (a million budget lines): numbers take a numpy path, and each distinct string is
parsed once (a dict cache), so a column of repeated text costs one parse per distinct value.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api.types import infer_dtype

from prodsheets.backends.base import CellProblem, RawCell
from prodsheets.currency import consistent
from prodsheets.template import INVISIBLE, Column, normalise

BoolArray = npt.NDArray[np.bool_]

# The largest amount of money a cell may hold, in units (a typo past this is not a budget).
MAX_MONEY = 10**12
_MAX_CENTS = MAX_MONEY * 100

# Values a spreadsheet shows when a formula fails; in any column they mean "no value".
ERROR_VALUES = frozenset(
    {
        "#REF!",
        "#N/A",
        "#VALUE!",
        "#DIV/0!",
        "#NAME?",
        "#NULL!",
        "#NUM!",
        "#SPILL!",
        "#CALC!",
        "#ERROR!",
        "#GETTING_DATA",
        "#BLOCKED!",
        "#FIELD!",
        "#UNKNOWN!",
        "#CONNECT!",
        "#BUSY!",
        "#PYTHON!",
        "#EXTERNAL!",
    }
)

# How those may arrive as text (spreadsheets show them in capitals; people type them any way).
_ERROR_SPELLINGS = np.array(
    sorted({form for e in ERROR_VALUES for form in (e, e.lower(), e.title(), e.capitalize())}),
    dtype=object,
)

# Spreadsheet day 0 (serial numbers count days from it; Excel and Google agree since 1900-03-01).
SERIAL_EPOCH = np.datetime64("1899-12-30", "s")
# A workbook in the 1904 date system counts from 1904-01-01: its serial + 1462 is ours.
DAYS_1900_TO_1904 = 1462
# A bare number is read as a date only in this window (1950-01-01 .. 2099-12-31): outside it,
# it is far likelier an amount or a year typed in the wrong column than a date.
SERIAL_MIN = 18264
SERIAL_MAX = 73051
# Dates typed or stored as dates are accepted from 1900 up to (not including) 2200.
_FIRST_DAY = np.datetime64("1900-01-01", "ns")
_AFTER_LAST_DAY = np.datetime64("2200-01-01", "ns")
_NAT = np.iinfo(np.int64).min
_NS_PER_DAY = 86_400 * 10**9

_BLANK, _TEXT, _NUMBER, _BOOL, _DATE, _DATETIME, _TIME, _DURATION, _PROBLEM, _OTHER = range(10)

_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " "})

DATE_EXAMPLE = "2026-03-14"
DATETIME_EXAMPLE = "2026-03-14 19:30"


@dataclass(frozen=True)
class Problem:
    """Why one cell could not be read, as the issue will say it."""

    rule: str  # "value.type" or "value.enum"
    message: str


@dataclass
class Parsed:
    """One column, read. Arrays are aligned with the cells given.

    ``values`` is int64 cents (money), int64 nanoseconds (date, datetime; NaT where missing)
    or object (text, email, enum, list). ``missing`` marks cells with no value (blank or
    unreadable), ``blank`` those that held nothing, ``bad`` those that held something
    unreadable; ``problems`` says why, by position.
    """

    kind: str
    values: np.ndarray
    blank: BoolArray
    bad: BoolArray
    problems: dict[int, Problem]
    date_only: BoolArray | None = None
    # cells holding a placeholder ("TBD", "-"): not blank, not unreadable, no value yet
    placeholder: BoolArray | None = None
    # money: how many readable cells showed each currency mark ("£", "USD")
    marks: Counter[str] = field(default_factory=Counter)

    @property
    def missing(self) -> BoolArray:
        return self.blank | self.bad

    def take(self, keep: BoolArray) -> Parsed:
        """Only the cells where ``keep`` is true (e.g. without blank rows)."""
        position = np.cumsum(keep) - 1
        return Parsed(
            kind=self.kind,
            values=self.values[keep],
            blank=self.blank[keep],
            bad=self.bad[keep],
            problems={int(position[p]): why for p, why in self.problems.items() if keep[p]},
            date_only=None if self.date_only is None else self.date_only[keep],
            placeholder=None if self.placeholder is None else self.placeholder[keep],
            marks=self.marks,
        )

    def array(self) -> Any:
        """The values as the Table's pandas column wants them."""
        if self.kind == "money":
            return pd.arrays.IntegerArray(self.values.astype(np.int64), self.missing.copy())
        if self.kind in ("date", "datetime"):
            return self.values.view("datetime64[ns]")
        return self.values


# --------------------------------------------------------------------------------------------
# Sorting cells by what they hold


def as_cells(cells: Sequence[RawCell] | np.ndarray) -> np.ndarray:
    """A 1-D object array of the cells, whatever sequence they came in."""
    if isinstance(cells, np.ndarray) and cells.dtype == object and cells.ndim == 1:
        return cells
    out = np.empty(len(cells), dtype=object)
    for i, value in enumerate(cells):  # element-wise: never let numpy unpack a value
        out[i] = value
    return out


@lru_cache(maxsize=256)
def _kind_of(kind: type) -> int:
    if kind is type(None):
        return _BLANK
    if issubclass(kind, bool | np.bool_):
        return _BOOL
    if issubclass(kind, str):
        return _TEXT
    if issubclass(kind, int | float | np.integer | np.floating | Decimal):
        return _NUMBER
    if issubclass(kind, dt.datetime):
        return _DATETIME
    if issubclass(kind, dt.date):
        return _DATE
    if issubclass(kind, dt.time):
        return _TIME
    if issubclass(kind, dt.timedelta):
        return _DURATION
    if issubclass(kind, CellProblem):
        return _PROBLEM
    return _OTHER


def _kinds(arr: np.ndarray) -> npt.NDArray[np.int8]:
    """What each cell holds, with fast paths for all-text and all-number columns."""
    n = len(arr)
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    inferred = infer_dtype(arr, skipna=True)
    if inferred in ("string", "floating", "integer", "mixed-integer-float", "empty"):
        none = np.asarray(arr == None, dtype=bool)  # noqa: E711 (element-wise)
        if inferred == "empty" and none.all():
            return np.full(n, _BLANK, dtype=np.int8)
        if inferred == "string" and int(pd.isna(arr).sum()) == int(none.sum()):
            return np.where(none, _BLANK, _TEXT).astype(np.int8)
        if inferred != "string" and inferred != "empty":
            return np.where(none, _BLANK, _NUMBER).astype(np.int8)
    return np.fromiter(map(_kind_of, map(type, arr)), dtype=np.int8, count=n)


_UNSEEN_ENDS = re.compile(rf"^[\s{INVISIBLE}]+|[\s{INVISIBLE}]+$")


def _clean(text: str) -> str:
    """Text as compared and stored: non-breaking spaces made plain, ends trimmed of spaces and
    of invisible characters (a pasted "Lighting\u200b" is "Lighting")."""
    if text.isascii():
        return text.strip()
    text = text.translate(_SPACES).strip()
    if text and (text[0] in INVISIBLE or text[-1] in INVISIBLE):
        return _UNSEEN_ENDS.sub("", text)
    return text


def _error_value(text: str) -> str | None:
    """The formula error a cell shows (``#REF!``), or None."""
    if text.startswith("#"):
        upper = text.upper()
        if upper in ERROR_VALUES:
            return upper
    return None


def formula_error(shown: str) -> Problem:
    return Problem(
        "value.type", f"The cell shows the formula error {shown}; fix the formula it holds."
    )


def _from_cell_problem(value: object) -> Problem:
    reason = value.reason if isinstance(value, CellProblem) else ""
    return Problem("value.type", reason or "The cell's value could not be read; retype it.")


def cell_shown(value: object) -> object:
    """What to quote back for a cell (a CellProblem quotes what the sheet showed)."""
    return value.shown if isinstance(value, CellProblem) else value


# --------------------------------------------------------------------------------------------
# Text, email, list, enum: every cell becomes text first


def _number_text(value: Any) -> str:
    """A number as a person would have typed it: 101, not 101.0."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | np.integer):
        return str(int(value))
    number = float(value)
    if math.isfinite(number) and number.is_integer() and abs(number) < 1e16:
        return str(int(number))
    return repr(number)


def _datetime_text(value: dt.datetime) -> str:
    if value.time() == dt.time(0):
        return value.date().isoformat()
    return value.strftime("%Y-%m-%d %H:%M" if value.second == 0 else "%Y-%m-%d %H:%M:%S")


def _to_text(value: Any, kind: int) -> str | Problem | None:
    """Any cell as text (None when blank), or the Problem that makes it unreadable."""
    if kind == _TEXT:
        text = _clean(value)
        if not text:
            return None
        error = _error_value(text)
        return formula_error(error) if error else text
    if kind == _BLANK:
        return None
    if kind == _NUMBER:
        return _number_text(value)
    if kind == _BOOL:
        return "TRUE" if value else "FALSE"
    if kind == _DATETIME:
        return _datetime_text(value)
    if kind == _DATE:
        return str(value.isoformat())
    if kind == _TIME:
        return str(value.strftime("%H:%M" if value.second == 0 else "%H:%M:%S"))
    if kind == _PROBLEM:
        return _from_cell_problem(value)
    return _clean(str(value)) or None


def _tidy_texts(keys: np.ndarray, none: BoolArray | None = None) -> tuple[np.ndarray, bool]:
    """Each text trimmed, non-breaking spaces made plain, blank -> None (C-speed maps); and
    whether any text holds a "#" (only then can one be a formula error)."""
    n = len(keys)
    if none is None:
        none = np.asarray(keys == None, dtype=bool)  # noqa: E711 (element-wise)
    texts = np.where(none, "", keys) if none.any() else keys
    stripped = list(map(str.strip, texts))
    joined = "\x00".join(stripped)  # one pass, then every question is a fast scan of it
    if not joined.isascii():
        for i in np.flatnonzero(~np.fromiter(map(str.isascii, stripped), dtype=bool, count=n)):
            stripped[i] = _clean(stripped[i])
    values = np.empty(n, dtype=object)
    values[:] = stripped
    values[np.asarray(values == "", dtype=bool)] = None
    return values, "#" in joined


def _parse_as_text(
    cells: Sequence[RawCell] | np.ndarray,
    kind_name: str,
    read: Callable[[str], tuple[object, Problem | None]] | None,
    blank_value: object = None,
) -> Parsed:
    """Shared by text, email, list and enum: cell -> trimmed text -> ``read`` (once per
    distinct text; ``read`` None keeps the text as it is)."""
    arr = as_cells(cells)
    n = len(arr)
    kinds = _kinds(arr)
    problems: dict[int, Problem] = {}
    keys = arr
    others = np.flatnonzero((kinds != _TEXT) & (kinds != _BLANK))
    if len(others):
        keys = arr.copy()
        for i in others:
            text = _to_text(arr[i], int(kinds[i]))
            if isinstance(text, Problem):
                problems[int(i)] = text
                text = None
            keys[i] = text
    values, hashes = _tidy_texts(keys, (kinds == _BLANK) if keys is arr else None)
    blank = np.asarray(values == None, dtype=bool)  # noqa: E711 (element-wise)
    if hashes:
        errors = pd.Series(values, dtype=object, copy=False).isin(_ERROR_SPELLINGS)
        for i in np.flatnonzero(errors.to_numpy(dtype=bool)):
            problems[int(i)] = formula_error(str(values[i]).upper())
    for position in problems:
        blank[position] = False
        values[position] = None
    bad = np.zeros(n, dtype=bool)
    if problems:
        bad[np.fromiter(problems, dtype=np.intp, count=len(problems))] = True
    if read is not None:
        todo = np.flatnonzero(~blank & ~bad)
        codes, distinct = pd.factorize(values[todo])
        results = [read(text) for text in distinct]
        u_values = np.empty(len(results), dtype=object)
        u_values[:] = [value for value, _ in results]
        values[todo] = u_values[codes] if len(results) else values[todo]
        u_problem = [problem for _, problem in results]
        failed = np.array([p is not None for p in u_problem], dtype=bool)
        if failed.any():
            for i, code in zip(todo[failed[codes]], codes[failed[codes]], strict=True):
                found = u_problem[code]
                if found is not None:
                    problems[int(i)] = found
                    bad[i] = True
                    values[i] = None
    if blank_value is not None and blank.any():
        filler = np.empty(int(blank.sum()), dtype=object)
        filler[:] = [blank_value] * len(filler)
        values[blank] = filler
    return Parsed(kind_name, values, blank, bad, problems)


def parse_text(cells: Sequence[RawCell] | np.ndarray) -> Parsed:
    """Text, trimmed; numbers as typed (101, not 101.0); dates as 2026-03-14."""
    return _parse_as_text(cells, "text", None)


_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\].]{2,}$")


def _read_email(text: str) -> tuple[object, Problem | None]:
    address = text.removeprefix("mailto:").strip()
    if _EMAIL.match(address) and ".." not in address:
        return address, None
    return None, Problem(
        "value.type", "This is not an email address; write it as name@example.com."
    )


def parse_email(cells: Sequence[RawCell] | np.ndarray) -> Parsed:
    """An email address (``mailto:`` dropped); anything else is a value.type problem."""
    return _parse_as_text(cells, "email", _read_email)


_LIST_SPLIT = re.compile(r"[,;\n\r]+")


def _read_list(text: str) -> tuple[object, Problem | None]:
    parts = tuple(p for p in (_clean(part) for part in _LIST_SPLIT.split(text)) if p)
    return parts, None


def parse_list(cells: Sequence[RawCell] | np.ndarray) -> Parsed:
    """Names or IDs split on ``,`` ``;`` or a new line, trimmed, empty parts dropped."""
    parsed = _parse_as_text(cells, "list", _read_list, blank_value=())
    for i in np.flatnonzero(parsed.bad):
        parsed.values[i] = ()
    return parsed


def parse_enum(
    cells: Sequence[RawCell] | np.ndarray, allowed: Sequence[str], default: str = ""
) -> Parsed:
    """One of ``allowed`` (ignoring case and spaces), as the template spells it; blank ->
    ``default`` (None when there is none)."""
    canonical = {normalise(value): value for value in allowed}
    listing = ", ".join(allowed)

    def read(text: str) -> tuple[object, Problem | None]:
        key = normalise(text)
        if key in canonical:
            return canonical[key], None
        starts = [k for k in canonical if key and k.startswith(key)]
        close = starts if len(starts) == 1 else difflib.get_close_matches(key, list(canonical), 1)
        if close:
            message = f"This is not one of {listing}. Did you mean '{canonical[close[0]]}'?"
        else:
            message = f"This is not one of the allowed values; use one of {listing}."
        return None, Problem("value.enum", message)

    return _parse_as_text(cells, "text", read, blank_value=default or None)


# --------------------------------------------------------------------------------------------
# Money


_MONEY_HELP = "write the amount as a number such as 1234.50"
_CURRENCY_START = re.compile(
    r"^(?:[$£€¥₹₩₽₪₺]|[A-Z]{1,2}\$|USD|GBP|EUR|CAD|AUD|NZD|CHF|JPY|INR|SEK|NOK|DKK|ZAR)\s*",
    re.IGNORECASE,
)
_CURRENCY_END = re.compile(
    r"\s*(?:[$£€¥₹₩₽₪₺]|USD|GBP|EUR|CAD|AUD|NZD|CHF|JPY|INR|SEK|NOK|DKK|ZAR|kr)$",
    re.IGNORECASE,
)
_MINUS = "-\u2212\u2013"
_DIGITS = re.compile(r"^[\d.,' ]+$")
_BAD_GROUP_SPACE = re.compile(r"[ '](?!\d{3}(?:\D|$))")


# What people type in a money cell for "nothing" or "not known yet" ("-", "TBC", "n/a", ...).
_PLACEHOLDERS = frozenset(
    {"", "na", "n/a", "tbc", "tbd", "tba", "nil", "none", "free", "pending", "x", "unknown"}
)


# What people type where a figure or a date is not known yet: a value.placeholder warning,
# never an error that fails the nightly run (SPEC.md).
_NOT_KNOWN_YET = frozenset({"tbd", "tbc", "tba", "n/a", "na", "n.a."})
_DASHES = frozenset("-\u2013\u2014\u2212?")


def is_placeholder(text: str) -> bool:
    """TBD, TBC, TBA, n/a, "-", "—", "?" in any case and spacing."""
    key = normalise(text)
    return key in _NOT_KNOWN_YET or (bool(key) and set(key) <= _DASHES)


def _money_placeholder(text: str) -> Problem:
    return Problem(
        "value.placeholder",
        f"'{text}' is not an amount yet: the figures count this cell as 0 until the amount "
        "is typed in.",
    )


def _date_placeholder(text: str) -> Problem:
    return Problem(
        "value.placeholder",
        f"'{text}' is not a date yet: until it is typed in, prodsheets leaves this date out "
        "of its checks (an item without its Start or End is unscheduled, so it takes part in "
        "no clash or order check).",
    )


def _money_problem(message: str) -> Problem:
    return Problem("value.type", message)


def _read_number(text: str, decimal_comma: bool) -> Decimal | None:
    """``1,234.50`` / ``1.234,50`` / ``1 234.50`` -> Decimal, or None when it is not one.

    A separator is the decimal one when it is the last of two kinds, or when it is followed by
    other than exactly three digits; ``1,234`` and ``1.234`` follow the config."""
    if not _DIGITS.match(text) or not any(c.isdigit() for c in text):
        return None
    if _BAD_GROUP_SPACE.search(text) or text[0] in " '":
        return None
    text = text.replace(" ", "").replace("'", "")
    dots, commas = text.count("."), text.count(",")
    decimal: str | None
    if dots and commas:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
    elif dots == 1 or commas == 1:
        sep = "." if dots else ","
        tail = len(text) - text.rfind(sep) - 1
        ambiguous = tail == 3 and 0 < text.rfind(sep) <= 3
        decimal = ("," if decimal_comma else ".") if ambiguous else sep
    else:
        decimal = None  # no separator, or a repeated one: grouping only
    group = "." if decimal == "," else ","
    whole, _, fraction = text.partition(decimal) if decimal else (text, "", "")
    if not fraction.isdigit() and fraction != "":
        return None
    if group in whole and not re.fullmatch(rf"\d{{1,3}}(?:{re.escape(group)}\d{{3}})+", whole):
        return None
    digits = whole.replace(group, "")
    if not digits.isdigit() and digits != "":
        return None
    if not digits and not fraction:
        return None
    return Decimal(f"{digits or '0'}.{fraction or '0'}")


def _cents(amount: Decimal) -> int:
    """Half a cent or more rounds away from zero, as a person rounds by hand."""
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _too_large() -> Problem:
    return _money_problem(
        f"This is too large to be an amount of money (over {MAX_MONEY:,}); check the cell."
    )


# The form most typed amounts take ("1234.5", "$1,234.50"): read without the general parser.
_PLAIN_AMOUNT = re.compile(r"\$?(\d{1,3}(?:,\d{3})+|\d{1,13})(?:\.(\d{1,2}))?")


def _money_from_text(text: str, decimal_comma: bool) -> tuple[int | None, Problem | None, str]:
    """A typed amount -> (cents, or why not; the currency mark it carried, "" if none)."""
    plain = None if decimal_comma else _PLAIN_AMOUNT.fullmatch(text)
    if plain is not None:
        cents = int(plain[1].replace(",", "")) * 100 + int((plain[2] or "0").ljust(2, "0"))
        if cents <= _MAX_CENTS:
            return cents, None, "$" if text.startswith("$") else ""
    marks: list[str] = []

    def strip_marks(t: str) -> str:
        start = _CURRENCY_START.match(t)
        if start:
            marks.append(start.group(0).strip())
            t = t[start.end() :]
        end = _CURRENCY_END.search(t)
        if end:
            marks.append(end.group(0).strip())
            t = t[: end.start()]
        return t

    amount, problem = _amount_from_text(text, decimal_comma, strip_marks)
    return amount, problem, marks[0] if marks else ""


def _amount_from_text(
    text: str, decimal_comma: bool, strip_marks: Callable[[str], str]
) -> tuple[int | None, Problem | None]:
    t = _clean(text)
    error = _error_value(t)
    if error:
        return None, formula_error(error)
    if "%" in t:
        return None, _money_problem(
            f"A percentage is not an amount of money; {_MONEY_HELP} (without %)."
        )
    negative = False
    signs = 0
    if len(t) > 2 and t[0] == "(" and t[-1] == ")":
        negative, signs, t = True, 1, t[1:-1].strip()
    for _ in range(3):
        before = t
        t = strip_marks(t).strip()
        if t[:1] in _MINUS and t[:1]:
            negative, signs, t = not negative, signs + 1, t[1:].strip()
        elif t[:1] == "+":
            signs, t = signs + 1, t[1:].strip()
        elif len(t) > 2 and t[0] == "(" and t[-1] == ")":  # $(250.00), as accounting shows it
            negative, signs, t = not negative, signs + 1, t[1:-1].strip()
        elif t[-1:] in _MINUS and t[-1:]:
            negative, signs, t = not negative, signs + 1, t[:-1].strip()
        if t == before:
            break
    amount = _read_number(t, decimal_comma) if signs <= 1 else None
    if amount is None:
        hint = ""
        if not decimal_comma and re.fullmatch(r"[\d.]+,\d{3}", t):
            hint = " If this workbook writes 1.234,50, set decimal_comma = true in prodsheets.toml."
        elif decimal_comma and re.fullmatch(r"[\d,]+\.\d{3}", t):
            hint = " The config says decimal_comma = true, so write it as 1.234,50."
        elif normalise(t).strip(".?!") in _PLACEHOLDERS or not t.strip("-\u2212\u2013\u2014?"):
            hint = (
                " Write 0 if there is nothing to count, or leave the cell blank until the "
                "amount is known."
            )
        return None, _money_problem(f"This is not an amount of money; {_MONEY_HELP}.{hint}")
    if amount.adjusted() > len(str(MAX_MONEY)):  # a pasted reference number: not rounded
        return None, _too_large()
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return None, _too_many_places(_clean(text), t, amount, -exponent, decimal_comma, negative)
    cents = _cents(amount)
    if abs(cents) > _MAX_CENTS:
        return None, _too_large()
    return (-cents if negative else cents), None


_PLACES = {3: "three", 4: "four", 5: "five", 6: "six"}
# "1.234" or "1,234": a thousands-grouped amount, or a decimal with three places.
_GROUPED_OR_DECIMAL = re.compile(r"([1-9]\d{0,2})[.,](\d{3})")


def _too_many_places(
    shown: str, number: str, amount: Decimal, places: int, decimal_comma: bool, negative: bool
) -> Problem:
    """Text with more than two decimals: typed, never rounded silently. "1.234" most likely
    meant one thousand two hundred and thirty-four, in the other convention's grouping."""
    rounded = format(abs(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f")
    if decimal_comma:
        rounded = rounded.replace(".", ",")
    sign = "-" if negative else ""
    lead = (
        f"{shown} has {_PLACES.get(places, str(places))} decimal places, "
        "and money is counted to the cent"
    )
    grouped = _GROUPED_OR_DECIMAL.fullmatch(number)
    if grouped is not None:
        whole = sign + grouped[1] + grouped[2]
        meant = f"{sign}{grouped[1]}{'.' if decimal_comma else ','}{grouped[2]}"
        return _money_problem(
            f"{lead}; if you meant {meant} type {whole}, otherwise round it to {sign}{rounded}."
        )
    return _money_problem(f"{lead}; round it to {sign}{rounded}.")


def _money_from_floats(numbers: np.ndarray) -> tuple[np.ndarray, BoolArray]:
    """Numbers -> (cents, too_large). Exact: 1234.5 -> 123450, 0.285 -> 29 (as typed)."""
    try:
        x = numbers.astype(np.float64)
    except (OverflowError, TypeError, ValueError):
        x = np.array([_safe_float(v) for v in numbers], dtype=np.float64)
    finite = np.isfinite(x)
    large = ~finite | (np.abs(np.where(finite, x, 0.0)) > MAX_MONEY)
    ok = ~large
    safe = np.where(ok, x, 0.0)
    rounded = np.rint(safe * 100)
    exact = ok & (rounded / 100 == safe)
    cents = np.where(exact, rounded, 0).astype(np.int64)
    for i in np.flatnonzero(ok & ~exact):  # more than two decimals: round as typed
        value = numbers[i]
        amount = value if isinstance(value, Decimal) else Decimal(repr(float(x[i])))
        cents[i] = _cents(amount)
    return cents, large


def _safe_float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (OverflowError, TypeError, ValueError):
        return math.inf


def parse_money(
    cells: Sequence[RawCell] | np.ndarray, *, decimal_comma: bool = False, currency: str = ""
) -> Parsed:
    """Amounts -> int64 cents: numbers, ``$1,234.50``, ``(250.00)``, ``1.234,50`` (with
    ``decimal_comma``). Not money: percentages, yes/no values, dates, formula errors, an
    amount marked with another currency than ``currency`` (when known). A placeholder
    ("TBD", "-") counts as 0 and is marked in ``placeholder``."""
    arr = as_cells(cells)
    n = len(arr)
    kinds = _kinds(arr)
    cents = np.zeros(n, dtype=np.int64)
    blank = kinds == _BLANK
    bad = np.zeros(n, dtype=bool)
    problems: dict[int, Problem] = {}

    numeric = np.flatnonzero(kinds == _NUMBER)
    if len(numeric):
        got, large = _money_from_floats(arr[numeric])
        cents[numeric] = got
        bad[numeric[large]] = True
        for i in numeric[large]:
            number = _safe_float(arr[i])
            problems[int(i)] = (
                _money_problem(f"This is not a number; {_MONEY_HELP}.")
                if math.isnan(number)
                else _too_large()
            )

    placeholder = np.zeros(n, dtype=bool)
    marks: Counter[str] = Counter()
    cache: dict[str, tuple[int | None, Problem | None, str]] = {}
    for i in np.flatnonzero(kinds == _TEXT):
        text = arr[i]
        found = cache.get(text)
        if found is None:
            found = _money_cell(text, decimal_comma, currency)
            cache[text] = found
        value, problem, mark = found
        if problem is not None and problem.rule == "value.placeholder":
            placeholder[i] = True
            problems[int(i)] = problem
        elif problem is not None:
            bad[i] = True
            problems[int(i)] = problem
        elif value is None:
            blank[i] = True
        else:
            cents[i] = value
        if mark and (problem is None or problem.rule == "value.currency"):
            marks[mark] += 1

    for i in np.flatnonzero(~np.isin(kinds, (_BLANK, _TEXT, _NUMBER))):
        kind = int(kinds[i])
        bad[i] = True
        if kind == _PROBLEM:
            problems[int(i)] = _from_cell_problem(arr[i])
        elif kind == _BOOL:
            problems[int(i)] = _money_problem(
                f"A yes/no value is not an amount of money; {_MONEY_HELP}."
            )
        elif kind in (_DATE, _DATETIME, _TIME, _DURATION):
            problems[int(i)] = _money_problem(
                f"This cell holds a date or time, not an amount of money; {_MONEY_HELP} "
                "(and format the cell as a number)."
            )
        else:
            problems[int(i)] = _money_problem(f"This is not an amount of money; {_MONEY_HELP}.")
    cents[blank | bad] = 0
    return Parsed("money", cents, blank, bad, problems, placeholder=placeholder, marks=marks)


def _money_cell(
    text: str, decimal_comma: bool, currency: str
) -> tuple[int | None, Problem | None, str]:
    """One distinct text of a money column: (cents, problem, currency mark)."""
    value, problem, mark = _money_from_text(text, decimal_comma)
    if problem is not None or value is None:  # only what is no amount can be a placeholder
        clean = _clean(text)
        if not clean:
            return None, None, ""
        if is_placeholder(clean):
            return 0, _money_placeholder(clean), ""
    if problem is None and mark and currency and not consistent(mark, currency):
        return (
            None,
            Problem(
                "value.currency",
                f"This amount is in {mark}, but the production's currency is {currency}; "
                f"convert it to {currency} (note the original amount in Notes), or set "
                "currency in prodsheets.toml if the whole workbook is in another currency.",
            ),
            mark,
        )
    return value, problem, mark


# --------------------------------------------------------------------------------------------
# Dates and date-times


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_NAMES = [
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_WEEKDAY = re.compile(
    r"^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?\.?,?\s+",
    re.IGNORECASE,
)
_REST = r"(?:(?:\s*,\s*|\s+at\s+|\s+|T)(?P<time>.+))?$"
_ISO = re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})" + _REST)
_NUMERIC = re.compile(r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4}|\d{2})" + _REST)
_DAY_FIRST = re.compile(
    r"^(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s\-/.]*(?P<mon>[A-Za-z]+)\.?[\s,\-/.]*(?P<y>\d{4}|\d{2})"
    + _REST,
    re.IGNORECASE,
)
_MONTH_FIRST = re.compile(
    r"^(?P<mon>[A-Za-z]+)\.?[\s\-/.]*(?P<d>\d{1,2})(?:st|nd|rd|th)?,?[\s\-/.]*(?P<y>\d{4})" + _REST,
    re.IGNORECASE,
)
# A time of day; a zone suffix (Z, UTC, +01:00) is allowed and the time read as written, the
# way the cell shows it.
_TIME_TEXT = re.compile(
    r"^(?P<h>\d{1,2})(?:[:.](?P<mi>\d{2}))?(?::(?P<s>\d{2})(?:\.\d+)?)?"
    r"\s*(?:(?P<ampm>[ap])\.?\s*m?\.?)?"
    r"\s*(?:z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)


class _NotADate(ValueError):
    """A date-like text that names no real day (31 April), with the reason in words."""


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def _day(year: int, month: int, day: int) -> dt.date:
    if not 1 <= month <= 12:
        raise _NotADate(f"There is no month {month}")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise _NotADate(f"There is no {day} {_MONTH_NAMES[month]} {year}") from None


def _seconds_of_day(text: str) -> int:
    """``19:30``, ``7:30 PM``, ``7pm``, ``19:30:15`` -> seconds after midnight."""
    match = _TIME_TEXT.match(text.strip())
    if not match or (match["mi"] is None and match["ampm"] is None):
        raise _NotADate(f"'{text.strip()}' is not a time of day")
    hour, minute = int(match["h"]), int(match["mi"] or 0)
    second = int(match["s"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            raise _NotADate(f"'{text.strip()}' is not a time of day")
        hour = hour % 12 + (12 if match["ampm"].lower() == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise _NotADate(f"'{text.strip()}' is not a time of day")
    return hour * 3600 + minute * 60 + second


def _month(name: str) -> int | None:
    return _MONTHS.get(name.lower().rstrip("."))


def _date_from_text(
    text: str, order: str, swapped: list[bool] | None = None
) -> tuple[dt.date, int | None] | None:
    """Text -> (day, seconds after midnight or None when no time was given), or None when it
    is not a date at all. Raises _NotADate for a date-shaped text that names no real day.
    ``swapped`` gets True when only the other day/month order names a real day."""
    t = _WEEKDAY.sub("", text.strip()).strip()
    match = _ISO.match(t)
    if match:
        day = _day(int(match["y"]), int(match["m"]), int(match["d"]))
    elif match := _NUMERIC.match(t):
        first, second, year = int(match["a"]), int(match["b"]), _year(match["y"])
        month, dom = (second, first) if order == "DMY" else (first, second)
        if not 1 <= month <= 12 and 1 <= dom <= 12:
            month, dom = dom, month  # only one reading names a real day
            if swapped is not None:
                swapped.append(True)
        day = _day(year, month, dom)
    elif (match := _DAY_FIRST.match(t)) and _month(match["mon"]):
        day = _day(_year(match["y"]), _month(match["mon"]) or 0, int(match["d"]))
    elif (match := _MONTH_FIRST.match(t)) and _month(match["mon"]):
        day = _day(int(match["y"]), _month(match["mon"]) or 0, int(match["d"]))
    else:
        return None
    time_text = match["time"]
    if time_text is None:
        return day, None
    return day, _seconds_of_day(time_text)


def _date_problem(with_time: bool, reason: str = "") -> Problem:
    example = f"{DATE_EXAMPLE} or {DATETIME_EXAMPLE}" if with_time else DATE_EXAMPLE
    lead = f"{reason}; " if reason else "This is not a date prodsheets can read; "
    return Problem("value.type", f"{lead}write it as {example}.")


# Serials that name a day a calendar has (0001-01-01 is -693592; 10000-01-01 is 2958466).
_SERIAL_DAY_ONE: dt.date = SERIAL_EPOCH.astype("datetime64[D]").item()
_SERIAL_FIRST = -693_593
_SERIAL_END = 2_958_466


def _serial_problem(serial: float, value: object, with_time: bool) -> Problem:
    """A number outside the years a number is read as a date in. Google hands a date cell
    over as its serial, so the cell may show a date or a number: name the date it stands for."""
    window = "a number is read as a date only between 1950 and 2099"
    if not (math.isfinite(serial) and _SERIAL_FIRST < serial < _SERIAL_END):
        return _date_problem(with_time, f"This number is not a date ({window})")
    whole = math.floor(serial)
    seconds = round((serial - whole) * 86_400)
    moment = dt.datetime.combine(_SERIAL_DAY_ONE, dt.time()) + dt.timedelta(whole, seconds)
    shown = _datetime_text(moment) if with_time else moment.date().isoformat()
    example = f"{DATE_EXAMPLE} or {DATETIME_EXAMPLE}" if with_time else DATE_EXAMPLE
    return Problem(
        "value.type",
        f"This is {shown} as a date (the number {_number_text(value)}), but {window}: "
        "outside them it is likelier an amount or a year typed in the wrong column. "
        f"Check the cell; write a date as {example}.",
    )


# the same window as _FIRST_DAY and _AFTER_LAST_DAY, as dates
_FIRST_DATE: dt.date = _FIRST_DAY.astype("datetime64[D]").item()
_AFTER_LAST_DATE: dt.date = _AFTER_LAST_DAY.astype("datetime64[D]").item()


def _ns_of(day: dt.date, seconds: int, micro: int = 0) -> int:
    """Nanoseconds since 1970 of ``day`` plus ``seconds`` and ``micro`` microseconds.

    A day outside 1900..2199 (a typed 3026, an Excel 9999-12-31) gives a stamp just outside
    that window, never an int64 overflow, so the range check in ``parse_dates`` reports it."""
    if day < _FIRST_DATE:
        return int(_FIRST_DAY.view(np.int64)) - 1
    if day >= _AFTER_LAST_DATE:
        return int(_AFTER_LAST_DAY.view(np.int64))
    return (day - dt.date(1970, 1, 1)).days * _NS_PER_DAY + seconds * 10**9 + micro * 1000


def parse_dates(
    cells: Sequence[RawCell] | np.ndarray,
    *,
    date_order: str = "MDY",
    with_time: bool = False,
    date1904: bool = False,
) -> Parsed:
    """Dates (or date-times when ``with_time``) -> int64 nanoseconds with NaT where missing.

    Reads date objects, serial numbers (days since 1899-12-30, a fraction is the time of day),
    ISO text, ``03/04/2026`` in ``date_order``, month names and times like ``7:30 PM``.
    ``date_only`` marks cells that gave a day but no time. A date column keeps the day only.
    ``date1904``: serials count from 1904-01-01, as in a workbook saved in that date system.
    """
    arr = as_cells(cells)
    n = len(arr)
    kinds = _kinds(arr)
    ns = np.full(n, _NAT, dtype=np.int64)
    date_only = np.ones(n, dtype=bool)
    blank = kinds == _BLANK
    bad = np.zeros(n, dtype=bool)
    problems: dict[int, Problem] = {}

    numeric = np.flatnonzero(kinds == _NUMBER)
    if len(numeric):
        serial = np.array([_safe_float(v) for v in arr[numeric]], dtype=np.float64)
        if date1904:
            serial += DAYS_1900_TO_1904
        sane = np.isfinite(serial) & (serial >= SERIAL_MIN) & (serial < SERIAL_MAX)
        seconds = np.rint(np.where(sane, serial, SERIAL_MIN) * 86_400).astype(np.int64)
        stamp = (SERIAL_EPOCH + seconds.astype("timedelta64[s]")).astype("datetime64[ns]")
        ns[numeric] = np.where(sane, stamp.view(np.int64), _NAT)
        date_only[numeric] = seconds % 86_400 == 0
        for i, number in zip(numeric[~sane], serial[~sane], strict=True):
            bad[i] = True
            problems[int(i)] = _serial_problem(float(number), arr[i], with_time)

    stamps = np.flatnonzero((kinds == _DATETIME) | (kinds == _DATE))
    for i in stamps:
        value = arr[i]
        if isinstance(value, dt.datetime):
            day, seconds_in = value.date(), value.hour * 3600 + value.minute * 60 + value.second
            micro = value.microsecond
        else:
            day, seconds_in, micro = value, 0, 0
        ns[i] = _ns_of(day, seconds_in, micro)
        date_only[i] = seconds_in == 0 and micro == 0

    placeholder = np.zeros(n, dtype=bool)
    cache: dict[str, tuple[int, bool, Problem | None] | None] = {}
    for i in np.flatnonzero(kinds == _TEXT):
        text = arr[i]
        if text not in cache:
            cache[text] = _date_text_result(text, date_order, with_time)
        found = cache[text]
        if found is None:
            blank[i] = True
            continue
        value_ns, only_day, problem = found
        if problem is not None:
            problems[int(i)] = problem
            if problem.rule == "value.placeholder":
                placeholder[i] = True
                continue
            if problem.rule != "value.date_order":  # read, with a warning
                bad[i] = True
                continue
        ns[i] = value_ns
        date_only[i] = only_day

    for i in np.flatnonzero(~np.isin(kinds, (_BLANK, _TEXT, _NUMBER, _DATE, _DATETIME))):
        kind = int(kinds[i])
        bad[i] = True
        if kind == _PROBLEM:
            problems[int(i)] = _from_cell_problem(arr[i])
        elif kind == _TIME:
            problems[int(i)] = _date_problem(with_time, "This cell holds a time without a day")
        elif kind == _BOOL:
            problems[int(i)] = _date_problem(with_time, "A yes/no value is not a date")
        elif kind == _DURATION:
            problems[int(i)] = _date_problem(
                with_time, "This cell holds a length of time (formatted like [h]:mm), not a date"
            )
        else:
            problems[int(i)] = _date_problem(with_time)

    in_range = (ns >= _FIRST_DAY.view(np.int64)) & (ns < _AFTER_LAST_DAY.view(np.int64))
    out = np.flatnonzero((ns != _NAT) & ~in_range)
    for i in out:
        bad[i] = True
        problems[int(i)] = _date_problem(with_time, "This date is not between 1900 and 2199")
    ns[blank | bad] = _NAT
    if not with_time:
        has = ns != _NAT
        ns[has] -= ns[has] % _NS_PER_DAY
        date_only[:] = True
    date_only &= ~(blank | bad)
    date_only &= ~placeholder
    return Parsed(
        "datetime" if with_time else "date",
        ns,
        blank,
        bad,
        problems,
        date_only=date_only,
        placeholder=placeholder,
    )


def _date_text_result(
    text: str, date_order: str, with_time: bool
) -> tuple[int, bool, Problem | None] | None:
    """One distinct text of a date column, read (None when blank)."""
    t = _clean(text)
    if not t:
        return None
    error = _error_value(t)
    if error:
        return _NAT, False, formula_error(error)
    swapped: list[bool] = []
    try:
        found = _date_from_text(t, date_order, swapped)
    except _NotADate as reason:
        return _NAT, False, _date_problem(with_time, str(reason))
    if found is None and is_placeholder(t):
        return _NAT, False, _date_placeholder(t)
    if found is None:
        if _TIME_TEXT.match(t) and ":" in t:
            return _NAT, False, _date_problem(with_time, "This is a time without a day")
        if _without_year(t):
            return (
                _NAT,
                False,
                _date_problem(with_time, "This date has no year, and prodsheets will not guess it"),
            )
        return _NAT, False, _date_problem(with_time)
    day, seconds = found
    warning = _other_order(t, day, date_order) if swapped else None
    return _ns_of(day, seconds or 0), seconds is None, warning


_NO_YEAR = (
    re.compile(r"^(?P<a>\d{1,2})[/.](?P<b>\d{1,2})$"),
    re.compile(r"^(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s\-/.]*(?P<mon>[A-Za-z]+)\.?$", re.I),
    re.compile(r"^(?P<mon>[A-Za-z]+)\.?[\s\-/.]*(?P<d>\d{1,2})(?:st|nd|rd|th)?$", re.I),
)


def _without_year(text: str) -> bool:
    """A day and month with no year ("March 3", "Tue 3 Mar", "14/3")."""
    t = _WEEKDAY.sub("", text.strip()).strip()
    for pattern in _NO_YEAR:
        found = pattern.match(t)
        if found is None:
            continue
        if "mon" in pattern.groupindex:
            return _month(found["mon"]) is not None
        return True
    return False


def _other_order(text: str, day: dt.date, date_order: str) -> Problem:
    order, other = (
        ("month-first (MDY)", "day-first")
        if date_order == "MDY"
        else ("day-first (DMY)", "month-first")
    )
    setting = "DMY" if date_order == "MDY" else "MDY"
    return Problem(
        "value.date_order",
        f"Read as {day.day} {_MONTH_NAMES[day.month]} {day.year}: '{text}' is no date "
        f"{order}, as prodsheets.toml reads dates, so this sheet looks {other} and the "
        f"column's other dates (such as 01/02) may be misread; if the sheet is {other}, set "
        f'date_order = "{setting}" in prodsheets.toml.',
    )


def parse_date(
    cells: Sequence[RawCell] | np.ndarray, *, date_order: str = "MDY", date1904: bool = False
) -> Parsed:
    return parse_dates(cells, date_order=date_order, with_time=False, date1904=date1904)


def parse_datetime(
    cells: Sequence[RawCell] | np.ndarray, *, date_order: str = "MDY", date1904: bool = False
) -> Parsed:
    return parse_dates(cells, date_order=date_order, with_time=True, date1904=date1904)


# --------------------------------------------------------------------------------------------
# One template column


def parse_column(
    cells: Sequence[RawCell] | np.ndarray,
    column: Column,
    *,
    date_order: str = "MDY",
    decimal_comma: bool = False,
    date1904: bool = False,
    currency: str = "",
) -> Parsed:
    """Read ``cells`` as ``column``'s type says (an enum column as one of its values)."""
    if column.type == "money":
        return parse_money(cells, decimal_comma=decimal_comma, currency=currency)
    if column.type in ("date", "datetime"):
        return parse_dates(
            cells,
            date_order=date_order,
            with_time=column.type == "datetime",
            date1904=date1904,
        )
    if column.type == "email":
        return parse_email(cells)
    if column.type == "list":
        return parse_list(cells)
    if column.type in ("integer", "dates"):
        from prodsheets.resource_cells import parse_days, parse_integer

        return (
            parse_integer(cells)
            if column.type == "integer"
            else parse_days(cells, date_order=date_order)
        )
    if column.enum:
        return parse_enum(cells, column.enum, column.default)
    return parse_text(cells)
