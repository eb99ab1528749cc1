"""Which currency a money cell shows, and how the summary tabs show the production's.

A workbook kept in pounds may still hold a "$500" pasted from a US quote, or "1200 USD" typed
from an invoice: summed with the rest, that would be a silent error in every total. A mark
(symbol or ISO code) that cannot be the production's currency makes the cell unreadable
(``value.currency``). Where the config names no currency, the production's is the one most
money cells show.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

# Each mark a money cell may carry -> the ISO 4217 codes it can mean. "$" alone is a dollar
# of some country: consistent with any of them.
_DOLLARS = frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN"})
MARKS: dict[str, frozenset[str]] = {
    "$": _DOLLARS,
    "US$": frozenset({"USD"}),
    "A$": frozenset({"AUD"}),
    "AU$": frozenset({"AUD"}),
    "C$": frozenset({"CAD"}),
    "CA$": frozenset({"CAD"}),
    "NZ$": frozenset({"NZD"}),
    "HK$": frozenset({"HKD"}),
    "S$": frozenset({"SGD"}),
    "R$": frozenset({"BRL"}),
    "£": frozenset({"GBP"}),
    "€": frozenset({"EUR"}),
    "¥": frozenset({"JPY", "CNY"}),
    "₹": frozenset({"INR"}),
    "₩": frozenset({"KRW"}),
    "₽": frozenset({"RUB"}),
    "₪": frozenset({"ILS"}),
    "₺": frozenset({"TRY"}),
    "KR": frozenset({"SEK", "NOK", "DKK", "ISK"}),
}
# The code a mark stands for when the workbook itself has to say which currency it is in.
_LIKELIEST = {"$": "USD", "¥": "JPY", "KR": "SEK"}
# How the summary tabs show a code: its symbol where that is unambiguous enough to read.
SYMBOLS = {
    "USD": "$",
    "CAD": "$",
    "AUD": "$",
    "NZD": "$",
    "GBP": "£",
    "EUR": "€",
    "JPY": "¥",
    "INR": "₹",
    "KRW": "₩",
    "ILS": "₪",
}
_CODE = re.compile(r"[A-Z]{3}")


def codes_for(mark: str) -> frozenset[str]:
    """The codes a mark can mean: a symbol's, or the ISO code itself ("usd" -> {"USD"})."""
    key = mark.upper()
    if key in MARKS:
        return MARKS[key]
    return frozenset({key}) if _CODE.fullmatch(key) else frozenset()


def consistent(mark: str, currency: str) -> bool:
    """Whether a cell marked ``mark`` can be an amount in ``currency``."""
    return currency in codes_for(mark)


def likeliest(marks: Iterable[str]) -> str:
    """The production's currency judged from the marks money cells show ("" when none):
    the mark most cells carry, as a code."""
    tally = Counter(mark.upper() for mark in marks)
    if not tally:
        return ""
    mark = tally.most_common(1)[0][0]
    if mark in _LIKELIEST:
        return _LIKELIEST[mark]
    codes = codes_for(mark)
    return min(codes) if codes else ""


def symbol_for(currency: str) -> str:
    """How a message shows an amount in ``currency``: "£", "CHF ", or "$" when unknown."""
    if not currency:
        return "$"
    return SYMBOLS.get(currency, f"{currency} ")


def money_pattern(currency: str) -> str:
    """The number format of money in ``currency`` (Excel and Google read the same syntax):
    "£"#,##0.00 with negatives in parentheses; a code without a symbol goes after."""
    if not currency:
        return "#,##0.00;(#,##0.00)"
    symbol = SYMBOLS.get(currency)
    if symbol is not None:
        return f'"{symbol}"#,##0.00;("{symbol}"#,##0.00)'
    return f'#,##0.00 "{currency}";(#,##0.00) "{currency}"'
