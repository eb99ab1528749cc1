"""A local Excel workbook (.xlsx / .xlsm): read with calamine, write without losing anything.

Reading uses python-calamine (several times faster than openpyxl), plus a byte-level look at
formula and error cells, which calamine shows as blanks. Writing never loads the workbook into
an object model: the summary tabs' worksheet parts are generated and every other part of the
zip is copied as it was (see ``xlsx_package``), then the new file replaces the old in one
``os.replace``. A workbook open in Excel or LibreOffice, or changed since we read it, is left
alone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import hashlib
import io
import math
import os
import re
import secrets
import stat
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from prodsheets.a1 import column_index, column_letter, quote_title
from prodsheets.backends import xlsx_package as pkg
from prodsheets.backends.base import (
    CellProblem,
    Contents,
    Format,
    LayoutTab,
    RawCell,
    RawTab,
    SummaryTable,
)
from prodsheets.backends.zip_bounds import MAX_FILE_BYTES
from prodsheets.errors import (
    UsageError,
    WorkbookChanged,
    WorkbookError,
    WorkbookLocked,
    WorkbookNotFound,
)
from prodsheets.files import expand_home, path_problem, read_regular_file
from prodsheets.template import normalise

TEMP_PREFIX = ".prodsheets-tmp-"
_STALE_TEMP_SECONDS = 24 * 3600
_ANY_WRITE = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
_DROPDOWN_ROWS = 500  # how far down an open-ended range reference ("Departments!A2:A") reaches


@dataclass(frozen=True)
class Snapshot:
    """What the file was when we read it, to notice a change before we write."""

    size: int
    mtime_ns: int
    sha256: str


class XlsxWorkbook:
    """A workbook in a local .xlsx or .xlsm file."""

    def __init__(self, location: str, *, create: bool = False, ignore_locks: bool = False) -> None:
        self.location = location
        self.ignore_locks = ignore_locks
        self.history_bytes: int | None = None  # a local file has no bound on one write
        self.left_out: tuple[str, ...] = ()
        self._seen: Snapshot | None = None
        # xl/workbook.xml as calamine is shown it, when it lists sheets calamine refuses
        self._hidden: dict[str, bytes] = {}
        problem = path_problem(location)
        if problem:
            raise UsageError(f"{location} cannot be used as a workbook: {problem}.")
        self.path = Path(expand_home(location))  # "~draft.xlsx" is a file, not a home
        if not create and not self.path.exists():
            raise WorkbookNotFound(
                f"{location} does not exist; check the path, or create it with prodsheets init."
            )

    # ---------------------------------------------------------------------------------- read

    def read(self, select: Sequence[str] | None = None) -> Contents:
        """Tab titles, our tabs, and the raw cells of the chosen tabs (matched by title, also
        ignoring case and spaces)."""
        data, snapshot = self._load()
        package = pkg.Package.open(data, name=self.location)
        structure = pkg.read_structure(package, name=self.location)
        self._hidden = _unreadable_sheets(package, structure)
        book = self._calamine(_with_parts(package, self._hidden) if self._hidden else data)
        percent = pkg.percent_styles(package, structure)
        titles = list(book.sheet_names)
        wanted = None if select is None else {normalise(s) for s in select}
        exact = set() if select is None else set(select)
        by_title = {s.title: s for s in structure.sheets}
        owned = self._owned(package, structure, book)
        tabs: dict[str, RawTab] = {}
        for title in titles:
            if wanted is not None and title not in exact and normalise(title) not in wanted:
                continue
            sheet = by_title.get(title)
            if sheet is None or not sheet.is_worksheet:
                tabs[title] = RawTab(title, [])
                continue
            styles = frozenset() if title in owned else percent  # our tabs keep their numbers
            tabs[title] = self._read_tab(book, package, sheet, percent_styles=styles)
        self._seen = snapshot
        return Contents(titles=titles, owned=owned, tabs=tabs, date1904=structure.date1904)

    def _load(self) -> tuple[bytes, Snapshot]:
        try:
            data, info = read_regular_file(
                self.path, what=self.location, limit=MAX_FILE_BYTES, error=WorkbookError
            )
        except FileNotFoundError as exc:
            raise WorkbookNotFound(
                f"{self.location} does not exist; check the path, or create it with "
                "prodsheets init."
            ) from exc
        digest = hashlib.sha256(data).hexdigest()
        return data, Snapshot(info.st_size, info.st_mtime_ns, digest)

    def _owned(
        self, package: pkg.Package, structure: pkg.Structure, book: Any = None
    ) -> frozenset[str]:
        """The tabs that are ours (``pkg.owned_titles``), reading the header rows it asks for
        from the sheet XML's first row when it is plain text (``pkg.header_texts``), else
        with ``book``, the calamine reader of the file (opened here, once, when needed)."""

        def header_of(sheet: pkg.Sheet, width: int) -> tuple[str, ...]:
            nonlocal book
            if sheet.part and package.has(sheet.part):
                found = pkg.header_texts(package, structure, sheet.part, width)
                if found is not None:  # plain text: row 1 read alone
                    return found
            if book is None:
                self._hidden = _unreadable_sheets(package, structure)
                book = self._calamine(_with_parts(package, self._hidden) or package.data)
            rows = self._read_tab(book, package, sheet, nrows=1).rows
            return tuple("" if v is None else str(v) for v in (rows[0] if rows else []))

        return pkg.owned_titles(structure, header_of)

    def _calamine(self, data: bytes) -> Any:
        from python_calamine import CalamineError, CalamineWorkbook

        try:
            with _reader_panics():
                return CalamineWorkbook.from_filelike(io.BytesIO(data))
        except (CalamineError, ValueError, OSError) as exc:
            raise WorkbookError(pkg.describe_not_xlsx(data, self.location)) from exc

    def _read_tab(
        self,
        book: Any,
        package: pkg.Package,
        sheet: pkg.Sheet,
        nrows: int | None = None,
        *,
        percent_styles: frozenset[int] = frozenset(),
    ) -> RawTab:
        """The tab's cells, row by row, and its merged ranges. A number in a cell of one of
        ``percent_styles`` (formats showing a percentage) comes as the text it shows ("10%"),
        as people's tabs want it."""
        from python_calamine import CalamineError

        has_part = bool(sheet.part) and package.has(sheet.part)
        xml: bytes | None = None  # the sheet part as calamine should see it, when changed
        width: int | None = None  # read only this many columns
        scan = pkg.CellScan()  # what calamine does not say: one pass over the part
        if has_part:
            too_big = _claimed_area(package, sheet.part) > MAX_CELLS
            with package.open_part(sheet.part) as stream:
                try:
                    scan = pkg.scan_cells(stream, percent_styles, wide=too_big)
                except pkg.RowTooLong as exc:
                    raise WorkbookError(
                        f'A row of the tab "{sheet.title}" in {self.location} {exc}.'
                    ) from exc
        if scan.wide:  # past column Z, with no <dimension> to say how far: look closer
            xml, width = self._within_reach(package, sheet)
        source = (
            book
            if xml is None
            else self._calamine(_with_parts(package, {**self._hidden, sheet.part: xml}))
        )
        try:
            rows, ranges = _cells(source, sheet.title, nrows)
        except ReaderPanic:
            rows, ranges, unreadable = self._without_impossible_dates(package, sheet, xml, nrows)
            scan.special.update(unreadable)
        except (CalamineError, ValueError) as exc:
            if "error value" not in str(exc) or not has_part:
                raise WorkbookError(self._damaged(package, sheet, xml, exc)) from exc
            # An error newer than calamine knows (#SPILL!, #CALC!, #GETTING_DATA, ...): read a
            # copy in which each error cell shows #N/A; the scan's finds below then put back
            # the error the cell really shows, so the issue quotes it.
            shown = _ERROR_CELL.sub(rb"\1#N/A\2", package.read(sheet.part) if xml is None else xml)
            try:
                rows, ranges = _cells(
                    self._calamine(_with_parts(package, {**self._hidden, sheet.part: shown})),
                    sheet.title,
                    nrows,
                )
            except (CalamineError, ValueError) as again:
                raise WorkbookError(self._damaged(package, sheet, xml, again)) from again
        # 10% is stored as 0.1: hand it over as the sheet shows it, so that a money cell typed
        # "10%" is an issue, not ten cents
        for row, col in scan.percent:
            if row < len(rows) and col < len(rows[row]):
                rows[row][col] = _as_percent(rows[row][col])
        for (row, col), value in scan.special.items():
            if (nrows is not None and row >= nrows) or (width is not None and col >= width):
                continue
            while len(rows) <= row:
                rows.append([])
            line = rows[row]
            if len(line) <= col:
                line.extend([None] * (col + 1 - len(line)))
            current = line[col]
            # a formula with a saved text result that calamine did give stays as it is
            if current is None or current == "" or isinstance(value, str):
                line[col] = value
        merged = tuple((r1, c1, r2, c2) for (r1, c1), (r2, c2) in ranges)
        return RawTab(sheet.title, rows, merged)

    def _without_impossible_dates(
        self, package: pkg.Package, sheet: pkg.Sheet, xml: bytes | None, nrows: int | None
    ) -> tuple[list[list[RawCell]], list[Any], dict[tuple[int, int], RawCell]]:
        """calamine panics on a date-formatted cell holding a number no date can be (-1e12,
        -Infinity) without saying which: find such cells in the sheet XML, read a copy in
        which they are empty, and give each back as a ``CellProblem`` (a value.type issue)."""
        part = package.read(sheet.part) if xml is None else xml
        structure = pkg.read_structure(package, name=self.location)
        emptied, unreadable = _impossible_dates(part, pkg.date_styles(package, structure))
        try:
            if not unreadable:
                raise ReaderPanic("no date-formatted cell explains it")
            book = self._calamine(_with_parts(package, {**self._hidden, sheet.part: emptied}))
            rows, ranges = _cells(book, sheet.title, nrows)
        except ValueError as exc:  # ReaderPanic, CalamineError
            raise WorkbookError(self._damaged(package, sheet, xml, exc)) from exc
        return rows, ranges, unreadable

    def _damaged(
        self, package: pkg.Package, sheet: pkg.Sheet, xml: bytes | None, exc: Exception
    ) -> str:
        """One sentence for a tab the reader gave up on: which tab, which cell when the sheet
        XML shows it cheaply (a shared-string index past the table, a yes/no cell holding 2,
        an unknown cell type), the reader's reason, and what to do."""
        where = ""
        if sheet.part and package.has(sheet.part):
            shared = next(
                (
                    len(_SHARED_STRING.findall(package.read(entry.filename)))
                    for entry in package.entries
                    if entry.filename.lower().endswith("sharedstrings.xml")
                ),
                0,
            )
            cell = _damaged_cell(package.read(sheet.part) if xml is None else xml, shared)
            where = f" at cell {cell}" if cell else ""
        return (
            f'The tab "{sheet.title}" in {self.location} is damaged{where} and could not be read '
            f"({exc}); open the file in Excel or LibreOffice, save it again, and re-run."
        )

    def _within_reach(
        self, package: pkg.Package, sheet: pkg.Sheet
    ) -> tuple[bytes | None, int | None]:
        """Keep a stray value far from the data (typed in XFD1048576) from making the reader
        build a grid of billions of cells: when the tab's cells span more than MAX_CELLS, the
        columns right of the last header are dropped (no column without a header is read), and
        the sheet part to read instead and the number of columns kept are returned."""
        xml = package.read(sheet.part)
        last_row = last_col = 0
        width = 0  # columns up to the last header in row 1
        below = 1  # the last row with a cell under a header
        letters: dict[bytes, int] = {}
        for m in _ANY_CELL.finditer(xml):
            if m.group(3) == b"/>":
                continue
            col = letters.get(m.group(1))
            if col is None:
                col = letters[m.group(1)] = column_index(m.group(1))
            row = int(m.group(2))
            last_row, last_col = max(last_row, row), max(last_col, col + 1)
            if row == 1:
                width = max(width, col + 1)
            elif col < width:
                below = max(below, row)
        if last_row * last_col <= MAX_CELLS:
            return None, None
        if below * width > MAX_CELLS:
            raise WorkbookError(
                f'The tab "{sheet.title}" in {self.location} has cells down to row {below:,} '
                f"across {width:,} columns, more than prodsheets reads in one tab "
                f"({MAX_CELLS:,} cells); delete what is typed far below or right of the data "
                "and run again."
            )

        def keep(m: re.Match[bytes]) -> bytes:
            return m.group(0) if column_index(m.group(1)) < width else b""

        return _ANY_CELL.sub(keep, xml), width

    # --------------------------------------------------------------------------------- write

    def write(self, tables: Sequence[SummaryTable]) -> None:
        """Create or replace the summary tabs; every other part of the file stays as it was."""
        self._refuse_if_locked()
        data, snapshot = self._load()
        if self._seen is not None and snapshot != self._seen:
            raise WorkbookChanged(
                f"{self.location} changed on disk after prodsheets read it; nothing was "
                "written. Run the command again."
            )
        package = pkg.Package.open(data, name=self.location)
        structure = pkg.read_structure(package, name=self.location)
        owned = self._owned(package, structure)
        plan = pkg.plan_write(package, structure, owned, tables)
        self._replace(
            lambda handle: pkg.write_package(
                handle, package, changed=plan.changed, removed=plan.removed, added=plan.added
            ),
            expect=snapshot,
        )

    # ------------------------------------------------------------------------------- lay_out

    def lay_out(self, tabs: Sequence[LayoutTab], *, force: bool) -> list[str]:
        """The source tabs a workbook lacks (``init``): a new file when there is none, else
        only the missing tabs added, every part already in the file kept byte for byte.
        ``force`` (``ignore_locks``) only overrides the lock-file check."""
        suffix = self.path.suffix.lower()
        if not self.path.exists():
            if suffix != ".xlsx":  # Excel opens nothing whose name lies
                raise UsageError(
                    f"{self.location} does not end in .xlsx; prodsheets init lays out an Excel "
                    "workbook, so name it like show.xlsx (or give gsheets:KEY for Google "
                    "Sheets)."
                )
            book = build_layout(tabs)
            self._replace(book.save, expect=None)
            return [t.title for t in tabs]
        if suffix not in (".xlsx", ".xlsm"):
            raise UsageError(
                f"{self.location} does not end in .xlsx or .xlsm; prodsheets init adds tabs "
                "only to an Excel workbook, and leaves every other file as it is."
            )
        self._refuse_if_locked()
        data, snapshot = self._load()
        package = pkg.Package.open(data, name=self.location)
        structure = pkg.read_structure(package, name=self.location)
        have = {normalise(s.title) for s in structure.sheets}
        missing = [t for t in tabs if normalise(t.title) not in have]
        if not missing:
            return []
        plan = pkg.plan_layout(package, structure, [(t, _dropdowns(t)) for t in missing])
        self._replace(
            lambda handle: pkg.write_package(
                handle, package, changed=plan.changed, removed=plan.removed, added=plan.added
            ),
            expect=snapshot,
        )
        return [t.title for t in missing]

    # ------------------------------------------------------------------------- file handling

    def lock_owner(self) -> str | None:
        """Which program has the workbook open, judging by its lock file beside it (beside the
        path given and, for a symbolic link, beside the file it points to)."""
        places = [self.path, Path(os.path.realpath(self.path))]
        for path in places:
            if (path.parent / f".~lock.{path.name}#").exists():
                return "LibreOffice"
        for path in places:
            folder, name = path.parent, path.name
            candidates = {f"~${name}"}
            if len(name) > 2:
                candidates.add(f"~${name[2:]}")  # long names: Office drops the first two letters
            if any((folder / c).exists() for c in candidates):
                return "Excel"
        return None

    def _refuse_if_locked(self) -> None:
        if self.ignore_locks:
            return
        owner = self.lock_owner()
        if owner:
            raise WorkbookLocked(
                f"{self.location} is open in {owner} (its lock file is beside it); close it "
                "there and run again, or use --force if it is not really open."
            )

    def _replace(self, fill: Any, *, expect: Snapshot | None) -> None:
        """Write a temporary file beside the workbook, sync it, then rename it over the old."""
        target = Path(os.path.realpath(self.path))
        folder = target.parent
        _remove_stale_temp_files(folder, target.name)
        temp = folder / f"{TEMP_PREFIX}{target.name}-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            original = os.stat(target)
        except FileNotFoundError:
            original = None
        if original is not None and (
            not os.access(target, os.W_OK) or not original.st_mode & _ANY_WRITE
        ):
            # renaming over it would work (the folder is writable), but the file says no
            raise WorkbookError(
                f"{self.location} is read-only; nothing was written. Make it writable (or "
                "work on a copy) and run again."
            )
        try:
            # private while it is written: the budget of a workbook only its owner may read
            # must not sit readable by all in a shared folder, even for a moment
            descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                fill(handle)
                handle.flush()
                os.fsync(handle.fileno())
            if original is not None:
                with contextlib.suppress(OSError):
                    os.chown(temp, original.st_uid, original.st_gid)
                os.chmod(temp, stat.S_IMODE(original.st_mode))
            else:
                os.chmod(temp, 0o666 & ~_umask())
            if expect is not None:
                now = os.stat(target)
                if (now.st_size, now.st_mtime_ns) != (expect.size, expect.mtime_ns):
                    raise WorkbookChanged(
                        f"{self.location} changed on disk while prodsheets was writing; "
                        "nothing was written. Run the command again."
                    )
            os.replace(temp, target)
        except PermissionError as exc:
            raise WorkbookError(
                f"No permission to write {self.location} or its folder; check permissions."
            ) from exc
        except OSError as exc:
            raise WorkbookError(f"Could not write {self.location}: {exc.strerror}.") from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
        _sync_folder(folder)
        _, snapshot = self._load()
        self._seen = snapshot


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# An error cell up to its value: <c r="B2" t="e"><f>...</f><v>#SPILL!</v>, never past its </c>.
# A cell, its attributes and its content (for finding a damaged one; errors only).
_CELL_XML = re.compile(rb"<(?:\w+:)?c(\s[^>]*?)?(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_CELL_ATTR = re.compile(rb"(?:^|\s)(r|t)\s*=\s*[\"']([^\"']*)[\"']")
_CELL_VALUE = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?>([^<]*)<")
_CELL_TYPES = frozenset({b"b", b"d", b"e", b"inlineStr", b"n", b"s", b"str"})
_SHARED_STRING = re.compile(rb"<(?:\w+:)?si[\s>/]")


def _damaged_cell(xml: bytes, shared: int) -> str | None:
    """The address of the first cell no reader can take: an unknown type (t="x"), a yes/no
    cell holding other than 0 or 1, a shared-string index past the ``shared`` strings."""
    for match in _CELL_XML.finditer(xml):
        attrs = dict(_CELL_ATTR.findall(match[1] or b""))
        kind = attrs.get(b"t", b"n")
        found = _CELL_VALUE.search(match[2] or b"")
        value = found[1].strip() if found else None
        damaged = kind not in _CELL_TYPES or (
            value is not None
            and (
                (kind == b"b" and value.lower() not in (b"0", b"1", b"true", b"false"))
                or (kind == b"s" and (not value.isdigit() or int(value) >= shared))
            )
        )
        if damaged:
            return attrs.get(b"r", b"").decode("ascii", "replace") or None
    return None


_ERROR_CELL = re.compile(
    rb"(<(?:\w+:)?c\s[^>]*?\bt\s*=\s*[\"']e[\"'][^>]*(?<!/)>"
    rb"(?:(?!</(?:\w+:)?c>).)*?<(?:\w+:)?v(?:\s[^>]*)?>)[^<]*(</)",
    re.S,
)


def _cells(book: Any, title: str, nrows: int | None) -> tuple[list[list[RawCell]], list[Any]]:
    """A tab's cells as calamine gives them (an empty cell is ""), and its merged ranges."""
    with _reader_panics():
        grid = book.get_sheet_by_name(title)
        return grid.to_python(skip_empty_area=False, nrows=nrows), grid.merged_cell_ranges or []


class ReaderPanic(ValueError):
    """calamine (Rust) panicked: pyo3 raises a ``BaseException`` that no ``except Exception``
    catches, so it is turned into this at every call into the reader."""


@contextlib.contextmanager
def _reader_panics() -> Iterator[None]:
    """Turn a panic of the Rust reader into ``ReaderPanic``, and keep the panic's own
    message and backtrace (which Rust writes straight to file descriptor 2) off the
    terminal: a person reads one sentence, never a backtrace."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:
        saved = -1
    if saved >= 0:
        with open(os.devnull, "wb") as sink:
            os.dup2(sink.fileno(), 2)
    try:
        yield
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise
        raise ReaderPanic(f"the reader stopped: {str(exc)[:200]}") from None
    finally:
        if saved >= 0:
            os.dup2(saved, 2)
            os.close(saved)


# The serial numbers a date can have (0001-01-01 .. 9999-12-31, counted from 1899-12-30).
_FIRST_SERIAL, _LAST_SERIAL = -693_593, 2_958_465
_NUMBER_CELL = re.compile(
    rb"<(?:\w+:)?c\s([^>]*?)(?<!/)>((?:(?!</(?:\w+:)?c>).)*?)<(?:\w+:)?v(?:\s[^>]*)?>([^<]*)"
    rb"</(?:\w+:)?v>(.*?)</(?:\w+:)?c>",
    re.S,
)
IMPOSSIBLE_DATE = (
    "This cell is formatted as a date but holds a number no date can be; type the date "
    "again, or clear the cell's date format if it is not a date."
)


def _impossible_dates(
    xml: bytes, dates: frozenset[int]
) -> tuple[bytes, dict[tuple[int, int], RawCell]]:
    """The sheet XML with every date-formatted number cell that is no date emptied, and
    those cells (0-based row and column) as ``CellProblem``s quoting what they held."""
    found: dict[tuple[int, int], RawCell] = {}

    def empty(m: re.Match[bytes]) -> bytes:
        attrs = dict(_CELL_ATTR.findall(m[1]))
        style = re.search(rb"(?:^|\s)s\s*=\s*[\"'](\d+)[\"']", m[1])
        where = _LAST_CELL.search(attrs.get(b"r", b""))
        if attrs.get(b"t", b"n") != b"n" or style is None or int(style[1]) not in dates:
            return m[0]
        text = m[3].strip().decode("ascii", "replace")
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if math.isfinite(number) and _FIRST_SERIAL <= number <= _LAST_SERIAL + 1:
            return m[0]
        if where is not None:
            cell = (int(where[2]) - 1, column_index(where[1].decode()))
            found[cell] = CellProblem(shown=text, reason=IMPOSSIBLE_DATE)
        return b"<c " + m[1] + b"/>"

    return _NUMBER_CELL.sub(empty, xml), found


def _as_percent(value: RawCell) -> RawCell:
    """A number as a percentage format shows it (0.125 -> "12.5%"); anything else as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return value
    shown = (Decimal(repr(value)) * 100).normalize()
    return f"{shown:f}%"


def _with_parts(package: pkg.Package, changed: dict[str, bytes]) -> bytes:
    """The workbook's bytes with the ``changed`` parts instead (for reading only; b"" when
    nothing changes): every other part is copied as stored, not inflated and deflated again."""
    out = io.BytesIO()
    if changed:
        pkg.write_package(out, package, changed=changed, removed=set(), added=())
    return out.getvalue()


# Sheets calamine refuses though Excel opens them: an Excel 4 macro sheet
# (xl/macrosheets/, "Unrecognized sheet type") or a <sheet> whose r:id names no relationship.
_CALAMINE_SHEET_KINDS = frozenset({pkg.WORKSHEET_REL, pkg.DOC_REL_NS + "/chartsheet"})
_SHEET_ELEMENT = re.compile(
    rb"<(?:\w+:)?sheet\s[^>]*?/>|<(?:\w+:)?sheet\s[^>]*?>.*?</(?:\w+:)?sheet>", re.S
)
_REL_ID = re.compile(rb"\s(?:\w+:)?id\s*=\s*[\"']([^\"']*)[\"']")


def _unreadable_sheets(package: pkg.Package, structure: pkg.Structure) -> dict[str, bytes]:
    """xl/workbook.xml without the sheets calamine refuses, for calamine's eyes only (they
    are not worksheets, so prodsheets reads nothing of them anyway); {} when there are none."""
    refused = {
        sheet.rel_id
        for sheet in structure.sheets
        if sheet.rel_id not in structure.rels
        or structure.rels[sheet.rel_id][0] not in _CALAMINE_SHEET_KINDS
    }
    if not refused:
        return {}

    def keep(m: re.Match[bytes]) -> bytes:
        found = _REL_ID.search(m[0])
        rel_id = found[1].decode("utf-8", "replace") if found else ""
        return b"" if rel_id in refused else m[0]

    xml = package.read(structure.workbook_part)
    return {structure.workbook_part: _SHEET_ELEMENT.sub(keep, xml)}


# The most cells the reader may lay out for one tab (about 32 bytes each while reading): far
# more than any production's tab, far fewer than a stray value in XFD1048576 would make. A tab
# of columns A..Z is always within it, however many rows (Excel's 1,048,576 x 26).
MAX_CELLS = 30_000_000
# Any cell, with its column letters and row: group 3 is "/>" for an empty (self-closing) one.
_ANY_CELL = re.compile(
    rb"<(?:\w+:)?c\s(?:[^>]*?\s)?r\s*=\s*[\"']([A-Z]{1,3})(\d+)[\"']"
    rb"[^>]*?(/>|>.*?</(?:\w+:)?c>)",
    re.S,
)
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s[^>]*?ref\s*=\s*[\"']([^\"']*)[\"']")
_LAST_CELL = re.compile(rb"([A-Z]{1,3})(\d+)$")


def _claimed_area(package: pkg.Package, part: str) -> int:
    """How many cells the sheet's <dimension> says it spans (huge when it does not say)."""
    with package.open_part(part) as stream:
        head = stream.read(4096)
    found = _DIMENSION.search(head)
    last = _LAST_CELL.search(found.group(1).upper()) if found else None
    if last is None:
        return MAX_CELLS + 1
    return int(last.group(2)) * (column_index(last.group(1)) + 1)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


_TEMP_NAME = re.compile(r"-(\d+)-[0-9a-f]{8}$")


def _remove_stale_temp_files(folder: Path, name: str) -> None:
    """Temporary files a killed run left behind: their process is gone, or they are old."""
    for path in folder.glob(f"{TEMP_PREFIX}{glob.escape(name)}-*"):
        found = _TEMP_NAME.search(path.name)
        if found is None:
            continue
        pid = int(found.group(1))
        alive = pid != os.getpid() and _process_alive(pid)
        try:
            old = time.time() - path.stat().st_mtime > _STALE_TEMP_SECONDS
        except FileNotFoundError:
            continue
        if not alive or old:
            with contextlib.suppress(OSError):
                path.unlink()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --------------------------------------------------------------------------------------------
# init: a new workbook laid out with openpyxl (there is nothing to preserve)

_RANGE = re.compile(
    r"^(?:'(?P<qtab>(?:[^']|'')+)'|(?P<tab>[^!]+))!\$?(?P<c1>[A-Za-z]{1,3})\$?(?P<r1>\d+)"
    r"(?::\$?(?P<c2>[A-Za-z]{1,3})\$?(?P<r2>\d+)?)?$"
)


def range_reference(reference: str) -> str:
    """An absolute reference for a dropdown: "Departments!A2:A" -> "Departments!$A$2:$A$500"."""
    found = _RANGE.match(reference.strip().lstrip("="))
    if found is None:
        return reference
    tab = found.group("qtab").replace("''", "'") if found.group("qtab") else found.group("tab")
    c1, r1 = found.group("c1").upper(), found.group("r1")
    c2 = (found.group("c2") or c1).upper()
    r2 = found.group("r2") or str(max(int(r1), 1) + _DROPDOWN_ROWS - 2)
    return f"{quote_title(tab)}!${c1}${r1}:${c2}${r2}"


def _dropdowns(tab: LayoutTab) -> dict[int, str]:
    """Each dropdown as the list formula Excel stores (``"A,B"`` or a range reference);
    a typed list past Excel's 255 characters is left out, as ``build_layout`` does."""
    found: dict[int, str] = {}
    for col, choices in tab.dropdowns.items():
        if isinstance(choices, str):
            found[col] = range_reference(choices)
            continue
        listed = ",".join(c.replace('"', '""') for c in choices)
        if len(listed) <= 255:
            found[col] = f'"{listed}"'
    return found


def build_layout(tabs: Sequence[LayoutTab]) -> Any:
    """An openpyxl workbook with one laid-out tab per ``LayoutTab``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    first = book.active
    if first is not None:
        book.remove(first)
    bold = Font(bold=True)
    for tab in tabs:
        pkg.check_title(tab.title)
        sheet = book.create_sheet(tab.title)
        for col, header in enumerate(tab.headers, start=1):
            cell = sheet.cell(row=1, column=col, value=pkg.clean_text(header))
            cell.font = bold
        sheet.freeze_panes = "A2"
        for col in range(len(tab.headers)):
            letter = column_letter(col)
            dimension = sheet.column_dimensions[letter]
            if col < len(tab.widths):
                dimension.width = tab.widths[col]
            fmt = tab.formats[col] if col < len(tab.formats) else Format.TEXT
            if fmt in pkg.NUMBER_FORMATS:
                dimension.number_format = pkg.NUMBER_FORMATS[fmt]
        for row_number, values in enumerate(tab.rows, start=2):
            for col, value in enumerate(values):
                if value is None:
                    continue
                cell = sheet.cell(row=row_number, column=col + 1)
                if isinstance(value, str):
                    cell.value = pkg.clean_text(value)
                    cell.data_type = "s"  # text stays text, even "=..."
                elif isinstance(value, Decimal):
                    cell.value = value if value.is_finite() else str(value)
                elif isinstance(value, dt.datetime):
                    cell.value = value.replace(tzinfo=None)
                else:
                    cell.value = value
                fmt = tab.formats[col] if col < len(tab.formats) else Format.TEXT
                if fmt in pkg.NUMBER_FORMATS and not isinstance(value, str):
                    cell.number_format = pkg.NUMBER_FORMATS[fmt]
        for col, choices in sorted(tab.dropdowns.items()):
            letter = column_letter(col)
            if isinstance(choices, str):
                formula = range_reference(choices)
                validation = DataValidation(type="list", formula1=formula, allow_blank=True)
            else:
                listed = ",".join(c.replace('"', '""') for c in choices)
                if len(listed) > 255:  # Excel's limit for a typed list
                    continue
                validation = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
            validation.showErrorMessage = True
            validation.errorStyle = "warning"
            validation.error = "Pick a value from the list."
            validation.add(f"{letter}2:{letter}1048576")
            sheet.add_data_validation(validation)
    if not tabs:
        book.create_sheet("Sheet1")
    return book
