"""Cell rules every tab shares: required cells, negative money, repeated IDs, unknown names,
and contract dates the wrong way round.

Each rule works on whole columns (a million budget lines check in well under a second) and
makes an ``Issue`` only for the rows it flags. A cell that could not be read has already been
reported (``value.type``/``value.enum``) and is skipped here, so one typo is one issue.
"""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from prodsheets.checks import Context
from prodsheets.issues import Issue, show_value
from prodsheets.tables import Table
from prodsheets.template import Column, normalise


def check(tables: dict[str, Table], context: Context) -> list[Issue]:
    """``value.required``, ``value.negative``, ``id.duplicate``, ``ref.unknown``,
    ``vendor.contract_dates``."""
    found: list[Issue] = []
    for table in tables.values():
        if not table.present:
            continue
        for column in table.spec.columns:
            if column.name not in table.letters:
                continue  # absent: header.missing already says so where it matters
            if column.required:
                found.extend(_required(table, column))
            if column.type == "money":
                found.extend(_negative(table, column))
            if column.unique:
                found.extend(_duplicates(table, column))
            if column.ref:
                found.extend(_unknown(table, column, tables))
    vendors = tables.get("Vendors")
    if vendors is not None and vendors.present:
        found.extend(_contract_dates(vendors))
    return found


def _none(values: np.ndarray) -> np.ndarray:
    """Blank text cells (text columns hold None for a blank: a cheap pointer test)."""
    return np.asarray(values == None, dtype=bool)  # noqa: E711 (element-wise)


def _blank(table: Table, column: Column) -> np.ndarray:
    """Cells that held nothing (an unreadable cell held something)."""
    series = table.frame[column.name]
    if column.type == "list":
        empty = np.fromiter(map(len, series.to_numpy(dtype=object)), dtype=np.int64) == 0
    elif column.type in ("text", "email"):
        empty = _none(series.to_numpy(dtype=object))
    else:
        empty = series.isna().to_numpy(dtype=bool)
    return np.asarray(empty & ~table.bad(column.name), dtype=bool)


# A schedule row with a Due date and no Start/End is a deadline, not an item missing its times.
_DEADLINE_OPTIONAL = {"Schedule": ("Start", "End")}


def _required(table: Table, column: Column) -> list[Issue]:
    blank = _blank(table, column) & ~table.held_placeholder(column.name)
    deadline = column.name in _DEADLINE_OPTIONAL.get(table.name, ()) and "Due" in table.letters
    if deadline:
        blank &= table.frame["Due"].isna().to_numpy(dtype=bool) & ~table.bad("Due")
    rows = table.frame.index.to_numpy()[blank]
    header = table.header(column.name)
    merged = table.merged.get(column.name, {})
    needed = (
        f"{header} is required unless the row is a deadline with a Due date; fill in this "
        "cell, or give the Due date instead."
        if deadline
        else f"{header} is required; fill in this cell."
    )
    return [
        table.issue(
            "value.required",
            column.name,
            int(row),
            _merged_blank(header, merged[int(row)]) if int(row) in merged else needed,
        )
        for row in rows
    ]


def _merged_blank(header: str, span: str) -> str:
    """A blank money cell under a merge: the amount the merge shows is its first row's."""
    first_row = span.split(":")[0].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return (
        f"{header} is required, and this cell is part of the merged range {span}, whose amount "
        f"counts for row {first_row} only; unmerge {span} and type each line's own {header}."
    )


def _negative(table: Table, column: Column) -> list[Issue]:
    cents = table.frame[column.name].to_numpy(dtype=np.int64, na_value=0)
    rows = table.frame.index.to_numpy()[cents < 0]
    header = table.header(column.name)
    return [
        table.issue(
            "value.negative",
            column.name,
            int(row),
            f"{header} cannot be below 0; write the amount as 0 or more "
            "(note a refund or credit in Notes).",
        )
        for row in rows
    ]


def _keys(values: np.ndarray, casefold: bool) -> np.ndarray:
    """The form two values are compared in: as typed, or ignoring case and spaces."""
    if not casefold:
        return values
    codes, distinct = pd.factorize(values)
    folded = np.array([normalise(v) for v in distinct], dtype=object)
    return folded[codes] if len(distinct) else np.empty(0, dtype=object)


def _duplicates(table: Table, column: Column) -> list[Issue]:
    values = table.frame[column.name].to_numpy(dtype=object)
    usable = ~_none(values) & ~table.bad(column.name)
    rows = table.frame.index.to_numpy()[usable]
    keys = _keys(values[usable], column.unique == "casefold")
    repeat = pd.Series(keys, dtype=object).duplicated(keep="first").to_numpy(dtype=bool)
    if not repeat.any():
        return []
    repeated = keys[repeat]
    heads = ~repeat & pd.Series(keys, dtype=object).isin(set(repeated.tolist())).to_numpy()
    first_row = dict(zip(keys[heads].tolist(), rows[heads].tolist(), strict=True))
    how = " (ignoring case and spaces)" if column.unique == "casefold" else ""
    header = table.header(column.name)
    found = []
    for row, key in zip(rows[repeat].tolist(), repeated.tolist(), strict=True):
        first = first_row[key]
        found.append(
            table.issue(
                "id.duplicate",
                column.name,
                int(row),
                f"This {header} is already used in row {first}{how}; each {header} must "
                "appear once, so change one of them.",
            )
        )
    return found


def suggestion(key: str, listed: dict[str, str]) -> str | None:
    """The listed value a typo most likely meant, or None."""
    return Suggestions(listed)(key)


class Suggestions:
    """The listed value a typo most likely meant: the only listed key it begins, else the
    closest by ``difflib.get_close_matches(key, keys, n=1, cutoff=0.6)``.

    The same answer as difflib's, faster on long lists (100,000 schedule IDs): difflib's own
    cheap bound (``quick_ratio``: the characters two texts share, in any order) is worked out
    for every key at once with numpy, and only the keys that pass it are compared closely."""

    CUTOFF = 0.6

    def __init__(self, listed: dict[str, str]) -> None:
        self.listed = listed
        self.keys = list(listed)
        self._array: np.ndarray | None = None  # the keys as a numpy string array, when needed
        self._lengths: np.ndarray | None = None

    def __call__(self, key: str) -> str | None:
        starts = self._starting(key)
        if len(starts) == 1:
            return self.listed[starts[0]]
        close = difflib.get_close_matches(key, self._candidates(key), n=1, cutoff=self.CUTOFF)
        return self.listed[close[0]] if close else None

    def _few(self) -> bool:
        return len(self.keys) < 64  # a few keys: plain Python is quicker than numpy

    def _keys(self) -> np.ndarray:
        if self._array is None:
            self._array = np.array(self.keys, dtype=str)
            self._lengths = np.strings.str_len(self._array)
        return self._array

    def _starting(self, key: str) -> list[str]:
        """The keys that begin with ``key`` (none for an empty key)."""
        if not key:
            return []
        if self._few():
            return [k for k in self.keys if k.startswith(key)]
        return [self.keys[i] for i in np.flatnonzero(np.strings.startswith(self._keys(), key))]

    def _candidates(self, key: str) -> list[str]:
        """The keys whose quick_ratio with ``key`` reaches the cutoff, in their order."""
        if self._few():
            return self.keys
        keys = self._keys()
        shared = np.zeros(len(self.keys), dtype=np.int64)
        for char in set(key):
            shared += np.minimum(np.strings.count(keys, char), key.count(char))
        assert self._lengths is not None
        total = self._lengths + len(key)
        ratio = np.where(total > 0, 2.0 * shared / np.maximum(total, 1), 1.0)  # as difflib
        keep = np.flatnonzero(ratio >= self.CUTOFF - 1e-9)  # a hair under: difflib decides
        return [self.keys[i] for i in keep]


def _unknown(table: Table, column: Column, tables: dict[str, Table]) -> list[Issue]:
    tab_name, _, target_column = column.ref.partition(".")
    target = tables.get(tab_name)
    if target is None or not target.present or target_column not in target.letters:
        return []  # the missing tab or column is reported once, not on every row here
    listed: dict[str, str] = {}
    for value in target.frame[target_column].to_numpy(dtype=object):
        if value is not None and value is not pd.NA:
            listed.setdefault(normalise(value), str(value))
    values = table.frame[column.name].to_numpy(dtype=object)
    usable = ~_none(values) & ~table.bad(column.name)
    codes, distinct = pd.factorize(values[usable])
    if not len(distinct):
        return []
    unknown = np.array([normalise(v) not in listed for v in distinct], dtype=bool)
    flagged = unknown[codes]
    if not flagged.any():
        return []
    rows = table.frame.index.to_numpy()[usable][flagged]
    flagged_values = distinct[codes[flagged]]
    where = target.title
    messages: dict[str, str] = {}
    found = []
    suggest = Suggestions(listed)
    for row, value in zip(rows, flagged_values, strict=True):
        message = messages.get(value)
        if message is None:
            guess = suggest(normalise(value))
            quoted = show_value(value)
            if guess:
                message = f"'{quoted}' is not listed in the {where} tab. Did you mean '{guess}'?"
            else:
                message = (
                    f"'{quoted}' is not listed in the {where} tab; add it there or correct "
                    "the spelling."
                )
            messages[value] = message
        found.append(table.issue("ref.unknown", column.name, int(row), message))
    return found


def _contract_dates(vendors: Table) -> list[Issue]:
    if "Contract Start" not in vendors.letters or "Contract End" not in vendors.letters:
        return []
    start = vendors.frame["Contract Start"].to_numpy(dtype="datetime64[ns]")
    end = vendors.frame["Contract End"].to_numpy(dtype="datetime64[ns]")
    wrong = end < start  # NaT compares False: a blank date is no finding
    found = []
    for row, ends, starts in zip(
        vendors.frame.index.to_numpy()[wrong], end[wrong], start[wrong], strict=True
    ):
        found.append(
            vendors.issue(
                "vendor.contract_dates",
                "Contract End",
                int(row),
                f"Contract End ({_day(ends)}) is before Contract Start ({_day(starts)}); "
                "correct one of the two dates.",
            )
        )
    return found


def _day(value: np.datetime64) -> str:
    return str(np.datetime_as_string(value, unit="D"))
