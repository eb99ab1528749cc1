"""The .xlsx package at the level of zip entries and XML parts, for a writer that loses nothing.

An .xlsx file is a zip of XML parts. prodsheets owns a few worksheet parts; everything else
(people's tabs, charts, images, macros, comments) must come back out exactly as it went in. So
instead of loading the workbook into an object model and saving it again (which drops whatever
the model does not know), this module copies every other zip entry's compressed bytes as they
are and edits the few bookkeeping parts by inserting text, never by re-serialising them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re
import secrets
import struct
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape as _escape_text
from xml.sax.saxutils import unescape as _unescape_text

from prodsheets.a1 import column_index, column_letter
from prodsheets.backends import xlsx_look as look
from prodsheets.backends.base import (
    CellProblem,
    Format,
    LayoutTab,
    RawCell,
    RowStyle,
    SummaryColumn,
    SummaryTable,
    SummaryValue,
)
from prodsheets.backends.zip_bounds import check_inflated_sizes
from prodsheets.currency import money_pattern
from prodsheets.errors import NotOwnedError, WorkbookError

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_MAIN_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"  # ISO 29500 Strict
DOC_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"

OFFICE_DOCUMENT_REL = DOC_REL_NS + "/officeDocument"
WORKSHEET_REL = DOC_REL_NS + "/worksheet"
STYLES_REL = DOC_REL_NS + "/styles"
CALC_CHAIN_REL = DOC_REL_NS + "/calcChain"
CUSTOM_PROPS_REL = DOC_REL_NS + "/custom-properties"
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STYLES_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
CUSTOM_PROPS_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"

OWNED_PROPERTY = "prodsheets.owned"
CUSTOM_PART = "docProps/custom.xml"  # where a new workbook's custom properties go
_PROPERTY_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"

# Excel refuses sheet names with these characters, or longer than 31 characters.
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
# Characters XML 1.0 does not allow at all; a cell holding one would make the file unreadable.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Excel reads "_x0041_" in cell text as an escaped character; "_x005F_" keeps it literal.
_OOXML_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_MAX_CELL_TEXT = 32767  # Excel's limit on the characters in one cell


# --------------------------------------------------------------------------------------------
# The zip container


@dataclass
class Package:
    """The workbook file as it was read: its bytes and its zip entries, in order."""

    data: bytes
    entries: list[zipfile.ZipInfo]
    by_name: dict[str, zipfile.ZipInfo]
    _zip: zipfile.ZipFile

    @classmethod
    def open(cls, data: bytes, *, name: str) -> Package:
        """Open ``data`` as a zip; a file that is not one gets a sentence saying what it is."""
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise WorkbookError(describe_not_xlsx(data, name)) from exc
        entries = archive.infolist()
        check_inflated_sizes(entries, name)
        return cls(data, entries, {e.filename: e for e in entries}, archive)

    def has(self, part: str) -> bool:
        return part in self.by_name

    def read(self, part: str) -> bytes:
        with self.open_part(part) as stream:
            return stream.read()

    @contextlib.contextmanager
    def open_part(self, part: str) -> Iterator[BinaryIO]:
        """The part, to read as a stream; a damaged one is a WorkbookError, however far in."""
        try:
            with self._zip.open(part) as stream:
                yield stream  # type: ignore[misc]
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
            raise WorkbookError(f"Part {part} of the workbook is damaged ({exc}).") from exc

    def raw(self, info: zipfile.ZipInfo) -> bytes:
        """The entry's compressed bytes exactly as stored, to copy without recompressing."""
        start = info.header_offset
        header = self.data[start : start + 30]
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise WorkbookError(f"The workbook's zip entry {info.filename} is damaged.")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        begin = start + 30 + name_len + extra_len
        return self.data[begin : begin + info.compress_size]


def describe_not_xlsx(data: bytes, name: str) -> str:
    """One sentence saying why ``data`` is not an .xlsx workbook we can use."""
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        if "EncryptedPackage".encode("utf-16-le") in data:
            return (
                f"{name} is protected with a password; remove the password in Excel or "
                "LibreOffice (save it without one) and run again."
            )
        return f"{name} is an old Excel 97-2003 (.xls) file; save it as .xlsx and run again."
    if not data:
        return f"{name} is empty, not an Excel workbook; check the path or run prodsheets init."
    return f"{name} is not an Excel workbook (.xlsx) or is damaged; check the file and run again."


def _dos_time(when: time.struct_time) -> tuple[int, int]:
    year = max(when.tm_year, 1980)
    date = ((year - 1980) << 9) | (when.tm_mon << 5) | when.tm_mday
    clock = (when.tm_hour << 11) | (when.tm_min << 5) | (when.tm_sec // 2)
    return clock, date


@dataclass
class _Entry:
    name: str
    method: int
    flags: int
    clock: int
    date: int
    crc: int
    compressed: bytes
    size: int
    external_attr: int = 0
    create_system: int = 0


def write_package(
    out: BinaryIO,
    package: Package,
    *,
    changed: dict[str, bytes],
    removed: set[str],
    added: Sequence[tuple[str, bytes]],
) -> None:
    """Write the new zip: every entry not in ``changed``/``removed`` copied byte-for-byte."""
    entries: list[_Entry] = []
    now = _dos_time(time.localtime())
    for info in package.entries:
        if info.filename in removed:
            continue
        if info.filename in changed:
            entries.append(_deflate(info.filename, changed[info.filename], now))
            continue
        clock, date = _dos_time(time.struct_time((*info.date_time, 0, 0, -1)))
        entries.append(
            _Entry(
                name=info.filename,
                method=info.compress_type,
                flags=info.flag_bits & ~0x08,  # sizes go in the local header, no descriptor
                clock=clock,
                date=date,
                crc=info.CRC,
                compressed=package.raw(info),
                size=info.file_size,
                external_attr=info.external_attr,
                create_system=info.create_system,
            )
        )
    for name, data in added:
        entries.append(_deflate(name, data, now))

    new_names = [name for name, _ in added]
    kept = {info.filename for info in package.entries if info.filename not in removed}
    if len(set(new_names)) != len(new_names) or kept.intersection(new_names):
        # two entries of one name: a zip no spreadsheet program would open
        raise WorkbookError("The workbook's parts could not be arranged; nothing was written.")
    offsets: list[int] = []
    position = 0
    for entry in entries:
        if entry.size >= 0xFFFFFFFF or len(entry.compressed) >= 0xFFFFFFFF:
            raise WorkbookError(f"Part {entry.name} is too large to write (over 4 GB).")
        encoded = entry.name.encode("utf-8")
        offsets.append(position)
        header = struct.pack(
            "<4sHHHHHIIIHH",
            b"PK\x03\x04",
            20,
            entry.flags,
            entry.method,
            entry.clock,
            entry.date,
            entry.crc,
            len(entry.compressed),
            entry.size,
            len(encoded),
            0,
        )
        out.write(header)
        out.write(encoded)
        out.write(entry.compressed)
        position += len(header) + len(encoded) + len(entry.compressed)
    directory_start = position
    for entry, offset in zip(entries, offsets, strict=True):
        encoded = entry.name.encode("utf-8")
        record = struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            (entry.create_system << 8) | 20,
            20,
            entry.flags,
            entry.method,
            entry.clock,
            entry.date,
            entry.crc,
            len(entry.compressed),
            entry.size,
            len(encoded),
            0,
            0,
            0,
            0,
            entry.external_attr,
            offset,
        )
        out.write(record)
        out.write(encoded)
        position += len(record) + len(encoded)
    if len(entries) >= 0xFFFF or position >= 0xFFFFFFFF:
        raise WorkbookError("The workbook is too large to write (over 4 GB or 65,535 parts).")
    out.write(
        struct.pack(
            "<4sHHHHIIH",
            b"PK\x05\x06",
            0,
            0,
            len(entries),
            len(entries),
            position - directory_start,
            directory_start,
            0,
        )
    )


def _deflate(name: str, data: bytes, now: tuple[int, int]) -> _Entry:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    compressed = packer.compress(data) + packer.flush()
    flags = 0x800 if not name.isascii() else 0
    return _Entry(
        name, zipfile.ZIP_DEFLATED, flags, now[0], now[1], zlib.crc32(data), compressed, len(data)
    )


# --------------------------------------------------------------------------------------------
# Reading the workbook's structure


@dataclass(frozen=True)
class Sheet:
    """One tab as xl/workbook.xml lists it."""

    title: str
    sheet_id: int
    rel_id: str
    part: str  # zip entry name, "" when the relationship is missing
    is_worksheet: bool


@dataclass(frozen=True)
class OwnedRecord:
    """What the file says prodsheets wrote: a tab title, its sheetId and its header row."""

    title: str
    sheet_id: int
    header: tuple[str, ...]
    # A random token, also kept in the workbook as the tab's own hidden defined name
    # (``OWNER_NAME``): a tab a person makes by hand has none ("" in records made before).
    token: str = ""


@dataclass
class Structure:
    """The parts of the workbook the writer needs, and what ownership the file records."""

    workbook_part: str
    rels_part: str
    sheets: list[Sheet]
    rels: dict[str, tuple[str, str]]  # the workbook's: rId -> (type, zip entry name)
    package_rels: dict[str, tuple[str, str]]  # the package's (_rels/.rels), alike
    owned_records: list[OwnedRecord]
    date1904: bool
    # sheet position -> the tokens of the ``OWNER_NAME`` defined names scoped to that tab
    owner_tokens: dict[int, set[str]] = field(default_factory=dict)

    def shares_part(self, sheet: Sheet) -> bool:
        """Whether this tab's worksheet part is also another tab's, or a part the workbook
        uses for something else (styles, properties, a relationship list): a forged file, in
        which writing our tab would overwrite theirs or break the file."""
        if any(s.part == sheet.part and s is not sheet for s in self.sheets):
            return True
        targets = [part for _, part in (*self.rels.values(), *self.package_rels.values())]
        bookkeeping = {"[Content_Types].xml", self.workbook_part, self.styles_part}
        bookkeeping.add(self.custom_part)
        return (
            targets.count(sheet.part) > 1
            or sheet.part in bookkeeping
            or sheet.part.endswith(".rels")
        )

    @property
    def styles_part(self) -> str:
        """The styles part the workbook names or, when it names none, the styles.xml beside
        it (which readers use all the same)."""
        folder, slash, _ = self.workbook_part.rpartition("/")
        return related(self.rels, STYLES_REL) or f"{folder}{slash}styles.xml"

    @property
    def custom_part(self) -> str:
        """The custom properties part, which holds the ownership record."""
        return related(self.package_rels, CUSTOM_PROPS_REL) or CUSTOM_PART

    def sheet(self, title: str) -> Sheet | None:
        wanted = title.casefold()
        for sheet in self.sheets:
            if sheet.title.casefold() == wanted:
                return sheet
        return None


def resolve(base_part: str, target: str) -> str:
    """The zip entry a relationship target names, relative to the part that holds it."""
    if target.startswith("/"):
        return target.lstrip("/")
    folder = base_part.rsplit("/", 1)[0] if "/" in base_part else ""
    parts = [p for p in folder.split("/") if p]
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def rels_part_of(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def _parse(xml: bytes, part: str) -> ET.Element:
    try:
        return ET.fromstring(xml)
    except ET.ParseError as exc:
        raise WorkbookError(f"Part {part} of the workbook is damaged ({exc}).") from exc


def read_relationships(package: Package, rels_part: str, source: str) -> dict[str, tuple[str, str]]:
    if not package.has(rels_part):
        return {}
    root = _parse(package.read(rels_part), rels_part)
    found: dict[str, tuple[str, str]] = {}
    for rel in root.iter(f"{{{PKG_REL_NS}}}Relationship"):
        if rel.get("TargetMode") == "External":  # no part, but its Id is taken all the same
            found[rel.get("Id", "")] = (rel.get("Type", ""), "")
            continue
        found[rel.get("Id", "")] = (rel.get("Type", ""), resolve(source, rel.get("Target", "")))
    return found


def related(rels: dict[str, tuple[str, str]], kind: str) -> str:
    """The part the first relationship of type ``kind`` names ("" when there is none)."""
    return next((part for k, part in rels.values() if k == kind), "")


def read_structure(package: Package, *, name: str) -> Structure:
    """Find the workbook part, its tabs and the ownership record, or say it is not an .xlsx."""
    top = read_relationships(package, "_rels/.rels", "")
    workbook_part = related(top, OFFICE_DOCUMENT_REL) or "xl/workbook.xml"
    if not package.has(workbook_part):
        raise WorkbookError(
            describe_not_xlsx(b"", name)
            if not package.entries
            else f"{name} is not an Excel workbook (.xlsx) or is damaged; check the "
            "file and run again."
        )
    root = _parse(package.read(workbook_part), workbook_part)
    if root.tag == f"{{{STRICT_MAIN_NS}}}workbook":
        raise WorkbookError(
            f"{name} is saved as a Strict Open XML spreadsheet, which prodsheets does not "
            "read or write; save it as an ordinary Excel Workbook (.xlsx) and run again."
        )
    if root.tag != f"{{{MAIN_NS}}}workbook":
        raise WorkbookError(
            f"{name} is not an Excel workbook (.xlsx) or is damaged; check the file and run again."
        )
    rels_part = rels_part_of(workbook_part)
    rels = read_relationships(package, rels_part, workbook_part)
    sheets: list[Sheet] = []
    for element in root.iter(f"{{{MAIN_NS}}}sheet"):
        rel_id = element.get(f"{{{DOC_REL_NS}}}id", "")
        kind, part = rels.get(rel_id, ("", ""))
        try:
            sheet_id = int(element.get("sheetId", "0"))
        except ValueError:
            sheet_id = 0
        sheets.append(Sheet(element.get("name", ""), sheet_id, rel_id, part, kind == WORKSHEET_REL))
    props = root.find(f"{{{MAIN_NS}}}workbookPr")
    date1904 = props is not None and props.get("date1904", "").lower() in ("1", "true")
    structure = Structure(workbook_part, rels_part, sheets, rels, top, [], date1904)
    structure.owned_records = read_owned(package, structure.custom_part, name=name)
    for defined in root.iter(f"{{{MAIN_NS}}}definedName"):
        position = defined.get("localSheetId", "")
        if defined.get("name", "").lower() == OWNER_NAME.lower() and position.isdigit():
            token = (defined.text or "").strip().strip('"')
            structure.owner_tokens.setdefault(int(position), set()).add(token)
    return structure


def read_owned(package: Package, part: str, *, name: str = "the workbook") -> list[OwnedRecord]:
    """The ownership record kept in the custom document property ``prodsheets.owned``.

    A part that cannot be parsed is a fault, not "nothing is ours": forgetting ownership
    would then blame the person for our own Summary tab."""
    if not package.has(part):
        return []
    try:
        root = ET.fromstring(package.read(part))
    except ET.ParseError as exc:
        raise WorkbookError(
            f"The document properties of {name} ({part}), where prodsheets records which "
            f"tabs it made, are damaged ({exc}); open the file in Excel or LibreOffice, save "
            "it again, and re-run."
        ) from exc
    for prop in root.iter(f"{{{CUSTOM_NS}}}property"):
        if prop.get("name") != OWNED_PROPERTY:
            continue
        text = "".join(prop.itertext())
        try:
            items = json.loads(text)
        except ValueError:
            return []
        records: list[OwnedRecord] = []
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict) and isinstance(item.get("title"), str):
                    header = item.get("header", [])
                    sheet_id = item.get("sheetId", 0)
                    token = item.get("token", "")
                    records.append(
                        OwnedRecord(
                            item["title"],
                            sheet_id if isinstance(sheet_id, int) else 0,
                            tuple(str(h) for h in header) if isinstance(header, list) else (),
                            token if isinstance(token, str) else "",
                        )
                    )
        return records
    return []


def owned_titles(
    structure: Structure, header_of: Callable[[Sheet, int], tuple[str, ...]]
) -> frozenset[str]:
    """Tabs that are ours: named as recorded, carrying the recorded token in their hidden
    ``OWNER_NAME`` defined name (records made before tokens have none), and still starting
    with the header row we wrote; never a tab whose part another tab or the workbook uses.

    The sheetId alone proves nothing: LibreOffice and openpyxl number the sheets 1..n by
    position every time they save, so a tab a person made where ours used to be inherits its
    sheetId. The sheetId only decides for a record made before headers were recorded."""
    owned: set[str] = set()
    for record in structure.owned_records:
        sheet = structure.sheet(record.title)
        if sheet is None or sheet.title != record.title or not sheet.is_worksheet:
            continue
        if not sheet.part or structure.shares_part(sheet):
            continue
        # the tab must carry the recorded token (a look-alike has none); a record made by a
        # release before tokens has none either, and the old rule decides until the next sync
        tokens = structure.owner_tokens.get(structure.sheets.index(sheet), set())
        if record.token and record.token not in tokens:
            continue
        if record.header:  # and it still starts with the header row we wrote
            width = len(record.header)  # header_of gives at least this many cells of row 1
            ours = header_of(sheet, width)[:width] == record.header
        else:
            ours = sheet.sheet_id == record.sheet_id
        if ours:
            owned.add(sheet.title)
    return frozenset(owned)


# --------------------------------------------------------------------------------------------
# Cells formatted as a percentage (the file stores 10% as 0.1)

_BUILTIN_PERCENT_FORMATS = frozenset({9, 10})
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')


def shows_percent(code: str) -> bool:
    """Whether a number format code shows a percentage ("0.0%": yes; '0 "% done"': no)."""
    return "%" in _FORMAT_LITERALS.sub("", code.split(";")[0])


def percent_styles(package: Package, structure: Structure) -> frozenset[int]:
    """Indexes of the cell styles (``s="N"``) whose number format shows a percentage."""
    return _styles_showing(package, structure, shows_percent, _BUILTIN_PERCENT_FORMATS)


_BUILTIN_DATE_FORMATS = frozenset({*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)})


def shows_date(code: str) -> bool:
    """Whether a number format code shows a date or a time ("yyyy-mm-dd": yes; "0.00": no)."""
    shown = _FORMAT_LITERALS.sub("", code.split(";")[0]).lower()
    return any(letter in shown for letter in "dmyhs") and "general" not in shown


def date_styles(package: Package, structure: Structure) -> frozenset[int]:
    """Indexes of the cell styles (``s="N"``) whose number format shows a date or time."""
    return _styles_showing(package, structure, shows_date, _BUILTIN_DATE_FORMATS)


def _styles_showing(
    package: Package, structure: Structure, shows: Callable[[str], bool], builtin: frozenset[int]
) -> frozenset[int]:
    part = structure.styles_part
    if not package.has(part):
        return frozenset()
    try:
        root = ET.fromstring(package.read(part))
    except ET.ParseError:
        return frozenset()
    codes = {
        int(f.get("numFmtId", "")): f.get("formatCode", "")
        for f in root.iter(f"{{{MAIN_NS}}}numFmt")
        if f.get("numFmtId", "").isdigit()
    }
    found: set[int] = set()
    cell_xfs = root.find(f"{{{MAIN_NS}}}cellXfs")
    for index, xf in enumerate(cell_xfs if cell_xfs is not None else []):
        number = xf.get("numFmtId", "0")
        fmt = int(number) if number.isdigit() else 0
        if shows(codes[fmt]) if fmt in codes else fmt in builtin:
            found.add(index)
    return frozenset(found)


# --------------------------------------------------------------------------------------------
# What calamine does not say: errors and formulas saved without a result, percentages

_CELL_REF = re.compile(rb"([A-Z]{1,3})([0-9]+)")
_ATTR = re.compile(rb"""([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_WIDE_CELL = re.compile(rb'r="[A-Z]{2}')

_ROOT_WITHIN = 1 << 20  # the worksheet element starts within the part's first megabyte
_MAX_ROW_BYTES = 64 << 20  # one row's XML; Excel's widest rows are a few megabytes

NO_RESULT = (
    "This cell has a formula with no saved result; open and save the workbook in Excel or "
    "LibreOffice so its value is stored."
)


class RowTooLong(WorkbookError):
    """A sheet part's row goes on past ``_MAX_ROW_BYTES`` (the reader names the tab)."""


@dataclass
class CellScan:
    """What a byte-level look at a sheet part finds that calamine does not say; rows and
    columns are 0-based."""

    wide: bool = False  # (when asked) some cell lies right of column Z
    percent: list[tuple[int, int]] = field(default_factory=list)  # numbers shown as a percentage
    # cells whose value calamine cannot give: an error's text, or a formula with no result
    special: dict[tuple[int, int], RawCell] = field(default_factory=dict)


def scan_cells(stream: BinaryIO, percent_styles: frozenset[int], *, wide: bool = False) -> CellScan:
    """One pass over a sheet part, in chunks of whole rows, with ``bytes.find`` and regexes
    that only look closely at the cells that matter (formulas, errors, the number cells
    styled with one of ``percent_styles``), so it adds little to calamine's own read; with
    ``wide``, also whether any cell lies right of column Z."""
    scan = CellScan()
    shared: dict[bytes, tuple[str, str]] = {}  # si -> (formula, anchor cell)
    styled = (
        re.compile(rb's="(?:' + b"|".join(str(n).encode() for n in sorted(percent_styles)) + rb')"')
        if percent_styles
        else None
    )
    carry = b""
    # chunks read since the last row ended, in which no row ends: joined once one does, so
    # that a long stretch without a row end (a bomb of whitespace) costs linear time
    waiting: list[bytes] = []
    waited = 0
    needles: tuple[bytes, ...] = ()
    row_end = data_end = b""
    while True:
        chunk = stream.read(1 << 22)
        if not needles:
            buffer = carry + chunk
            root = re.search(rb"<(\w+:)?worksheet\b", buffer)
            if root is None and chunk and len(buffer) < _ROOT_WITHIN:
                carry = buffer
                continue
            p = (root.group(1) or b"") if root else b""
            # "<f" then ">", " " or "/" (a formula), and an error cell's type: one pass each
            needles = (b"<" + p + b"f", b't="e"', b"t='e'")
            row_end, data_end = b"</" + p + b"row>", b"</" + p + b"sheetData>"
            chunk, carry = buffer, b""
        # a row end or the end of the data may straddle two chunks: look from just before
        seam = (waiting[-1] if waiting else carry)[-len(data_end) :]
        joint = seam + chunk
        if chunk and joint.find(row_end) < 0 and joint.find(data_end) < 0:
            waiting.append(chunk)
            waited += len(chunk)
            if waited > _MAX_ROW_BYTES:
                raise RowTooLong(
                    f"runs past {_MAX_ROW_BYTES >> 20} MB of XML, more than any spreadsheet "
                    "program writes; the workbook is damaged or was made to be so"
                )
            continue
        buffer = b"".join([carry, *waiting, chunk])
        waiting, waited = [], 0
        cut = buffer.rfind(row_end)
        end = buffer.find(data_end, max(cut, 0))  # after the last row, if anywhere
        last = end >= 0 or not chunk  # no cells after sheetData
        if last:
            piece = buffer[:end] if end >= 0 else buffer
        elif cut < 0:
            carry = buffer
            continue
        else:
            cut += len(row_end)
            piece, carry = buffer[:cut], buffer[cut:]
        _scan(piece, needles, scan.special, shared)
        if styled is not None:
            _styled_in(piece, styled, percent_styles, scan.percent)
        if wide and not scan.wide:
            scan.wide = _WIDE_CELL.search(piece) is not None
        if last:
            return scan


def _styled_in(
    text: bytes, needle: re.Pattern[bytes], styles: frozenset[int], found: list[tuple[int, int]]
) -> None:
    seen: set[int] = set()
    for hit in needle.finditer(text):
        start = _cell_start(text, hit.start())
        if start < 0 or start in seen:
            continue
        seen.add(start)
        head = text[start : text.find(b">", start) + 1]
        attrs = {m.group(1): m.group(2) or m.group(3) or b"" for m in _ATTR.finditer(head)}
        where = _CELL_REF.fullmatch(attrs.get(b"r", b""))
        style = attrs.get(b"s", b"")
        if where and attrs.get(b"t", b"n") == b"n" and style.isdigit() and int(style) in styles:
            found.append((int(where.group(2)) - 1, column_index(where.group(1))))


def _scan(
    text: bytes,
    needles: tuple[bytes, ...],
    found: dict[tuple[int, int], RawCell],
    shared: dict[bytes, tuple[str, str]],
) -> None:
    hits: list[int] = []
    formula = needles[0]
    after = len(formula)
    for needle in needles:
        position = text.find(needle)
        while position >= 0:
            if needle is not formula or text[position + after : position + after + 1] in _AFTER_F:
                hits.append(position)
            position = text.find(needle, position + 1)
    if not hits:
        return
    hits.sort()
    seen_start = -1
    for hit in hits:
        start = _cell_start(text, hit)
        if start < 0 or start <= seen_start:
            continue
        seen_start = start
        end = _cell_end(text, start)
        if end < 0:
            continue
        _inspect(text[start:end], found, shared)


_AFTER_F = (b">", b" ", b"/")  # what follows "<f" in a formula element (not "<filter...")


def _cell_start(text: bytes, position: int) -> int:
    """Where the <c> element around ``position`` starts (any namespace prefix)."""
    index = position
    while True:
        index = text.rfind(b"<", 0, index)
        if index < 0:
            return -1
        tag = re.match(rb"<(?:\w+:)?(\w+)", text[index : index + 40])
        if tag and tag.group(1) == b"c":
            return index
        if tag and tag.group(1) in (b"row", b"sheetData"):
            return -1
        if index == 0:
            return -1


def _cell_end(text: bytes, start: int) -> int:
    open_end = text.find(b">", start)
    if open_end < 0:
        return -1
    if text[open_end - 1 : open_end] == b"/":
        return open_end + 1
    close = re.compile(rb"</(?:\w+:)?c>").search(text, open_end)
    return close.end() if close else -1


def _inspect(
    cell: bytes, found: dict[tuple[int, int], RawCell], shared: dict[bytes, tuple[str, str]]
) -> None:
    open_end = cell.find(b">")
    attrs = {m.group(1): m.group(2) or m.group(3) or b"" for m in _ATTR.finditer(cell[:open_end])}
    ref = attrs.get(b"r")
    if not ref:
        return
    where = _CELL_REF.fullmatch(ref)
    if not where:
        return
    row, col = int(where.group(2)) - 1, column_index(where.group(1))
    kind = attrs.get(b"t", b"n")
    value_match = re.search(rb"<(?:\w+:)?v(?:\s[^>]*)?>(.*?)</(?:\w+:)?v>", cell, re.S)
    value = _xml_text(value_match.group(1)) if value_match else None
    if kind == b"e":
        found[(row, col)] = value or "#N/A"
        return
    formula_match = re.search(rb"<(?:\w+:)?f(\s[^>]*)?(?:/>|>(.*?)</(?:\w+:)?f>)", cell, re.S)
    if formula_match is None:
        return
    f_attrs = {
        m.group(1): m.group(2) or m.group(3) or b""
        for m in _ATTR.finditer(formula_match.group(1) or b"")
    }
    formula = _xml_text(formula_match.group(2) or b"")
    si = f_attrs.get(b"si")
    if f_attrs.get(b"t") == b"shared" and si is not None:
        if formula:
            shared[si] = (formula, ref.decode())
        elif si in shared:
            formula = _translate(*shared[si], ref.decode())
    if value is None or (value == "" and kind not in (b"str", b"inlineStr")):
        if kind == b"inlineStr" and b"<is" in cell:
            return
        shown = "=" + formula if formula else "=(formula)"
        found[(row, col)] = CellProblem(shown=shown, reason=NO_RESULT)


def _translate(formula: str, origin: str, dest: str) -> str:
    from openpyxl.formula.translate import Translator

    try:
        return str(Translator("=" + formula, origin=origin).translate_formula(dest))[1:]
    except Exception:  # a formula openpyxl cannot move: quote the original
        return formula


def _xml_text(raw: bytes) -> str:
    return _unescape_text(raw.decode("utf-8"), {"&quot;": '"', "&apos;": "'"})


# --------------------------------------------------------------------------------------------
# The header row alone, for the ownership check: row 1 without parsing the rest of the tab

SHARED_STRINGS_REL = DOC_REL_NS + "/sharedStrings"
_SHARED_STRINGS_PART = "xl/sharedStrings.xml"  # where calamine reads them
_FIRST_ROW_WITHIN = 1 << 20  # row 1 ends within the part's first megabyte, or: read it all
_SHARED_WITHIN = 16 << 20  # the shared strings row 1 needs lie within this much XML
_DECLARED = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
_SHEET_DATA_OPEN = re.compile(rb"<(?:\w+:)?sheetData\b[^>]*?(/?)>")
_FIRST_ROW = re.compile(
    rb"\s*<(?:\w+:)?row\b((?:\s+[\w:]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(?:/>|>(.*?)</(?:\w+:)?row>)",
    re.S,
)
_HEADER_CELL = re.compile(
    rb"\s*<(?:\w+:)?c((?:\s+[\w:]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(?:/>|>(.*?)</(?:\w+:)?c>)",
    re.S,
)
# one <t> of text without markup, escapes only the five XML ones
_PLAIN_T = (
    rb"<(?:\w+:)?t(?:\s+xml:space=\"preserve\")?\s*"
    rb"(?:/>|>([^<&]*(?:&(?:amp|lt|gt|quot|apos);[^<&]*)*)</(?:\w+:)?t>)"
)
_INLINE_TEXT = re.compile(rb"<(?:\w+:)?is>" + _PLAIN_T + rb"</(?:\w+:)?is>")
_SHARED_INDEX = re.compile(rb"<(?:\w+:)?v>([0-9]{1,9})</(?:\w+:)?v>")
_SHARED_TEXT = re.compile(_PLAIN_T)
_SHARED_ITEM = re.compile(rb"<(?:\w+:)?si\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?si>)", re.S)
_HEADER_REF = re.compile(rb"([A-Z]{1,3})1")


def header_texts(
    package: Package, structure: Structure, part: str, width: int
) -> tuple[str, ...] | None:
    """At least the first ``width`` cells of row 1 of the sheet ``part``, read from the XML
    up to the end of that row (and the shared strings it uses), as calamine would give them;
    None when the row is anything but plain text cells (a number, a formula, rich text, an
    escape, edge spaces, an unusual encoding, a row 1 shorter than ``width``...), so that the
    caller reads the tab the full way. A big tab (the History) is then not parsed in full
    just to look at its header row."""
    head = _first_row_xml(package, part)
    if head is None:
        return None
    attrs, content = head
    if _attrs(attrs).get(b"r") != b"1":
        return None
    cells: dict[int, tuple[str, bytes]] = {}  # column -> ("s", index) or ("t", text)
    position, last = 0, -1
    while position < len(content):
        cell = _HEADER_CELL.match(content, position)
        if cell is None:
            if content[position:].strip():  # an <extLst>, or what no cell looks like
                return None
            break
        position = cell.end()
        found = _attrs(cell.group(1))
        if not set(found) <= {b"r", b"s", b"t"}:
            return None
        ref = _HEADER_REF.fullmatch(found.get(b"r", b""))
        if ref is None:
            return None
        col = column_index(ref.group(1).decode())
        if col <= last:  # cells out of order: leave it to calamine
            return None
        last = col
        kind, inner = found.get(b"t"), cell.group(2)
        if kind == b"inlineStr" and inner is not None:
            text = _INLINE_TEXT.fullmatch(inner)
            if text is None:
                return None
            cells[col] = ("t", text.group(1) or b"")
        elif kind == b"s" and inner is not None:
            index = _SHARED_INDEX.fullmatch(inner)
            if index is None:
                return None
            cells[col] = ("s", index.group(1))
        elif kind is None and not inner:
            cells[col] = ("t", b"")  # an empty cell, styled
        else:
            return None
    return _shared_texts(package, structure, cells, width)


def _attrs(text: bytes) -> dict[bytes, bytes]:
    return {
        m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
        for m in _ATTR.finditer(text)
    }


def _first_row_xml(package: Package, part: str) -> tuple[bytes, bytes] | None:
    """The attributes and content of the first <row> of a sheet part (None: not found within
    ``_FIRST_ROW_WITHIN`` bytes, or no row at all)."""
    buffer = b""
    with package.open_part(part) as stream:
        while len(buffer) < _FIRST_ROW_WITHIN:
            chunk = stream.read(1 << 16)
            buffer += chunk
            data = _SHEET_DATA_OPEN.search(buffer)
            if data is not None and not data.group(1):
                row = _FIRST_ROW.match(buffer, data.end())
                if row is not None:
                    declared = _DECLARED.match(buffer.lstrip(b"\xef\xbb\xbf"))
                    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
                        return None
                    return row.group(1), row.group(2) or b""
            if not chunk or (data is not None and data.group(1)):
                return None
    return None


def _shared_texts(
    package: Package, structure: Structure, cells: dict[int, tuple[str, bytes]], width: int
) -> tuple[str, ...] | None:
    """The header's texts, shared strings looked up; None when calamine might read otherwise."""
    # calamine's rows end at the last cell holding something, or reach as far as another
    # row's: only the cells up to row 1's last text are certain
    filled = [col for col, (kind, value) in cells.items() if kind == "s" or value]
    if not filled or max(filled) + 1 < width:
        return None
    needed = {int(v) for kind, v in cells.values() if kind == "s"}
    shared: dict[int, bytes] = {}
    if needed:
        targets = [p for k, p in structure.rels.values() if k == SHARED_STRINGS_REL]
        if targets != [_SHARED_STRINGS_PART] or not package.has(_SHARED_STRINGS_PART):
            return None
        found = _shared_items(package, needed)
        if found is None:
            return None
        shared = found
    texts = [""] * (max(filled) + 1)
    for col, (kind, value) in cells.items():
        if col >= len(texts):
            continue
        raw = shared[int(value)] if kind == "s" else value
        try:
            text = _xml_text(raw)
        except UnicodeDecodeError:
            return None
        if text != text.strip() or "_x" in text or any(ch < " " for ch in text):
            return None
        texts[col] = text
    if not texts[-1]:  # a shared string that is empty: how far calamine reads is unsure
        return None
    return tuple(texts)


def _shared_items(package: Package, needed: set[int]) -> dict[int, bytes] | None:
    """The raw text of the shared strings ``needed``, each a plain <t>; None otherwise."""
    last = max(needed)
    found: dict[int, bytes] = {}
    index = 0
    carry = b""
    read = 0
    with package.open_part(_SHARED_STRINGS_PART) as stream:
        while read < _SHARED_WITHIN:
            chunk = stream.read(1 << 16)
            read += len(chunk)
            buffer = carry + chunk
            position = 0
            for item in _SHARED_ITEM.finditer(buffer):
                position = item.end()
                if index in needed:
                    text = _SHARED_TEXT.fullmatch(item.group(1) or b"")
                    if text is None:
                        return None
                    found[index] = text.group(1) or b""
                    if index == last:
                        return found
                index += 1
            carry = buffer[position:]
            if not chunk or len(carry) > _FIRST_ROW_WITHIN:  # no end, or one string of megabytes
                return None
    return None


# --------------------------------------------------------------------------------------------
# Writing values


def clean_text(text: str) -> str:
    """Cell text as XML can hold it and Excel will show it literally."""
    if _NEEDS_CLEANING.search(text) is None and len(text) <= _MAX_CELL_TEXT // 2:
        return text  # the common case, one scan
    text = _utf16_cut(_XML_FORBIDDEN.sub("", text), _MAX_CELL_TEXT)
    return _OOXML_ESCAPE.sub(r"_x005F_\1", text)


def _utf16_cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` UTF-16 code units, the way Excel counts a cell's characters
    (an emoji is two), never through the middle of a character."""
    if len(text) <= limit // 2:
        return text
    units = text.encode("utf-16-le")
    if len(units) <= 2 * limit:
        return text
    return units[: 2 * limit].decode("utf-16-le", "ignore")  # a split pair is dropped


_NEEDS_CLEANING = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]|_x")


def xml_attr(text: str) -> str:
    return _escape_text(_XML_FORBIDDEN.sub("", text), {'"': "&quot;"})


def check_title(title: str) -> None:
    if not title or len(title) > 31 or _BAD_TITLE.search(title) or title.startswith("'"):
        raise WorkbookError(
            f'"{title}" cannot be a tab name in Excel (1-31 characters, none of []:*?/\\).'
        )


NUMBER_FORMATS: dict[Format, str] = {
    Format.MONEY: "#,##0.00;(#,##0.00)",
    Format.PERCENT: "0.0%",
    Format.INTEGER: "#,##0",
    Format.NUMBER: "0.0",
    Format.DATE: "yyyy-mm-dd",
    Format.DATETIME: "yyyy-mm-dd hh:mm",
}
_BUILTIN_FORMATS = {
    "General": 0,
    "0": 1,
    "0.00": 2,
    "#,##0": 3,
    "#,##0.00": 4,
    "0%": 9,
    "0.00%": 10,
}
FILLS = {RowStyle.OVER: "FFFFC7CE", RowStyle.AT_RISK: "FFFFEB9C"}
LINK_BLUE = "FF0563C1"  # the colour of Excel's Hyperlink cell style
HEADER = "header"  # the header row's style key, next to the RowStyle values


class Styles:
    """Adds the few cell styles the summary tabs need to xl/styles.xml by inserting elements.

    An identical element already there (from our last write) is reused, so repeated syncs
    leave styles.xml as it is."""

    def __init__(self, xml: bytes) -> None:
        self.xml = xml.decode("utf-8")
        root = re.search(r"<(\w+:)?styleSheet\b", self.xml)
        if root is None:
            raise WorkbookError("The workbook's styles part is damaged.")
        self.p = root.group(1) or ""
        empty = re.compile(rf"(<{re.escape(self.p)}styleSheet\b[^>]*?)\s*/>")
        self.xml = empty.sub(rf"\1></{self.p}styleSheet>", self.xml, count=1)
        self._xf_cache: dict[tuple[str, Format, bool, bool, str], int] = {}
        self.changed = False
        self.currency = ""  # the money format of the tab being written shows this currency

    # -- generic helpers over one list element (numFmts, fonts, fills, cellXfs)
    def _section(self, tag: str) -> re.Match[str] | None:
        p = re.escape(self.p)
        return re.search(rf"<{p}{tag}\b[^>]*?(?:/>|>(.*?)</{p}{tag}>)", self.xml, re.S)

    def _children(self, tag: str, child: str) -> list[str]:
        section = self._section(tag)
        if section is None or section.group(1) is None:
            return []
        p = re.escape(self.p)
        return re.findall(
            rf"<{p}{child}\b[^>]*?/>|<{p}{child}\b[^>]*?[^/]>.*?</{p}{child}>|<{p}{child}>.*?</{p}{child}>",
            section.group(1),
            re.S,
        )

    def _append(self, tag: str, child: str, element: str, before: Sequence[str]) -> int:
        """Index of ``element`` in the list, appending it when it is not there yet."""
        existing = self._children(tag, child)
        if element in existing:
            return existing.index(element)
        count = len(existing) + 1
        section = self._section(tag)
        p = self.p
        if section is None:
            block = f'<{p}{tag} count="1">{element}</{p}{tag}>'
            self.xml = self._insert_block(block, before)
        else:
            start_tag = re.match(r"<[^>]*?(/?)>", section.group(0), re.S)
            assert start_tag is not None
            head = start_tag.group(0)
            if head.endswith("/>"):
                head = head[:-2] + ">"
            head = _set_count(head, count)
            inner = section.group(1) or ""
            replacement = f"{head}{inner}{element}</{p}{tag}>"
            self.xml = self.xml[: section.start()] + replacement + self.xml[section.end() :]
        self.changed = True
        return count - 1

    def _insert_block(self, block: str, before: Sequence[str]) -> str:
        """Insert a new list element where the schema's order wants it."""
        p = re.escape(self.p)
        for tag in before:
            found = re.search(rf"<{p}{tag}\b", self.xml)
            if found:
                return self.xml[: found.start()] + block + self.xml[found.start() :]
        end = re.search(rf"</{p}styleSheet>", self.xml)
        if end is None:
            raise WorkbookError("The workbook's styles part is damaged.")
        return self.xml[: end.start()] + block + self.xml[end.start() :]

    # -- what the summary tabs need
    def number_format(self, code: str) -> int:
        if code in _BUILTIN_FORMATS:
            return _BUILTIN_FORMATS[code]
        p = self.p
        ids = []
        for element in self._children("numFmts", "numFmt"):
            attrs = dict(re.findall(r'(\w+)="([^"]*)"', element))
            number = int(attrs.get("numFmtId", "0"))
            ids.append(number)
            if _unescape_text(attrs.get("formatCode", ""), {"&quot;": '"'}) == code:
                return number
        number = max([163, *ids]) + 1
        element = f'<{p}numFmt numFmtId="{number}" formatCode="{xml_attr(code)}"/>'
        self._append("numFmts", "numFmt", element, _AFTER_NUMFMTS)
        return number

    def bold_font(self) -> int:
        fonts = self._children("fonts", "font")
        p = self.p
        if fonts:
            base = fonts[0]
            if re.search(rf"<{re.escape(p)}b\s*/>", base):
                return 0
            if base.endswith("/>"):
                element = base[:-2] + f"><{p}b/></{p}font>"
            else:
                head_end = base.find(">") + 1
                element = base[:head_end] + f"<{p}b/>" + base[head_end:]
        else:
            element = f'<{p}font><{p}b/><{p}sz val="11"/><{p}name val="Calibri"/></{p}font>'
        return self._append("fonts", "font", element, _AFTER_FONTS)

    def link_font(self) -> int:
        """The workbook's first font, underlined and in the blue Excel gives a link."""
        fonts = self._children("fonts", "font")
        p = self.p
        e = re.escape(p)
        base = (
            fonts[0] if fonts else f'<{p}font><{p}sz val="11"/><{p}name val="Calibri"/></{p}font>'
        )
        if base.endswith("/>"):
            base = base[:-2] + f"></{p}font>"
        base = re.sub(rf"<{e}(?:u|color)\b[^>]*/>", "", base)
        # the schema's order: b, i, ..., u, vertAlign, sz, color, name, family, charset, scheme
        later = re.search(rf"<{e}(?:vertAlign|sz|name|family|charset|scheme)\b|</{e}font>", base)
        assert later is not None
        element = base[: later.start()] + f"<{p}u/>" + base[later.start() :]
        after = re.search(rf"<{e}(?:name|family|charset|scheme)\b|</{e}font>", element)
        assert after is not None
        colour = f'<{p}color rgb="{LINK_BLUE}"/>'
        element = element[: after.start()] + colour + element[after.start() :]
        return self._append("fonts", "font", element, _AFTER_FONTS)

    def fill(self, rgb: str) -> int:
        p = self.p
        if not self._children("fills", "fill"):
            # Excel reserves the first two fills (none, gray125).
            self._append(
                "fills",
                "fill",
                f'<{p}fill><{p}patternFill patternType="none"/></{p}fill>',
                _AFTER_FILLS,
            )
            self._append(
                "fills",
                "fill",
                f'<{p}fill><{p}patternFill patternType="gray125"/></{p}fill>',
                _AFTER_FILLS,
            )
        element = (
            f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{rgb}"/>'
            f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>'
        )
        return self._append("fills", "fill", element, _AFTER_FILLS)

    def xf(self, style: str, fmt: Format, *, wrap: bool = False, link: bool = False) -> int:
        """The cellXfs index for a cell of ``fmt`` in a row of ``style`` ("" for plain),
        its text wrapped within the column when ``wrap``, looking like a link when ``link``."""
        key = (style, fmt, wrap, link, self.currency)
        if key in self._xf_cache:
            return self._xf_cache[key]
        code = NUMBER_FORMATS.get(fmt)
        if fmt is Format.MONEY and self.currency:
            code = money_pattern(self.currency)
        number = self.number_format(code) if code else 0
        bold = style in (HEADER, RowStyle.SECTION, RowStyle.TOTAL)
        font = self.link_font() if link else self.bold_font() if bold else 0
        rgb = FILLS.get(RowStyle(style)) if style in FILLS else None
        fill_id = self.fill(rgb) if rgb else 0
        if not self._children("cellStyleXfs", "xf"):
            p = self.p
            self._append(
                "cellStyleXfs",
                "xf",
                f'<{p}xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>',
                _AFTER_CELLSTYLEXFS,
            )
        plain = number == 0 and font == 0 and fill_id == 0 and not wrap
        if plain and self._children("cellXfs", "xf"):
            index = 0
        else:
            p = self.p
            element = (
                f'<{p}xf numFmtId="{number}" fontId="{font}" fillId="{fill_id}" borderId="0" '
                f'xfId="0" applyNumberFormat="1" applyFont="1" applyFill="1"/>'
            )
            if wrap:
                element = element[:-2] + f' applyAlignment="1"><{p}alignment wrapText="1"/></{p}xf>'
            if not self._children("cellXfs", "xf"):
                self._append(
                    "cellXfs",
                    "xf",
                    f'<{p}xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
                    _AFTER_CELLXFS,
                )
            index = self._append("cellXfs", "xf", element, _AFTER_CELLXFS)
        self._xf_cache[key] = index
        return index

    def dxf(self, rgb: str) -> int:
        """The dxfs index of a differential format filling a cell with ``rgb`` (for a
        conditional format)."""
        p = self.p
        element = (
            f'<{p}dxf><{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{rgb}"/>'
            f'<{p}bgColor rgb="{rgb}"/></{p}patternFill></{p}fill></{p}dxf>'
        )
        return self._append("dxfs", "dxf", element, _AFTER_DXFS)

    def data(self) -> bytes:
        return self.xml.encode("utf-8")


_AFTER_DXFS = ("tableStyles", "colors", "extLst")
_AFTER_CELLXFS = ("cellStyles", "dxfs", "tableStyles", "colors", "extLst")
_AFTER_CELLSTYLEXFS = ("cellXfs", *_AFTER_CELLXFS)
_AFTER_BORDERS = ("cellStyleXfs", *_AFTER_CELLSTYLEXFS)
_AFTER_FILLS = ("borders", *_AFTER_BORDERS)
_AFTER_FONTS = ("fills", *_AFTER_FILLS)
_AFTER_NUMFMTS = ("fonts", *_AFTER_FONTS)

MINIMAL_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{MAIN_NS}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
).encode()


def _set_count(start_tag: str, count: int) -> str:
    if re.search(r'\scount="\d*"', start_tag):
        return re.sub(r'\scount="\d*"', f' count="{count}"', start_tag, count=1)
    return start_tag[:-1] + f' count="{count}">'


def _serial(value: dt.date, date1904: bool) -> str | None:
    """The spreadsheet serial number of a date or date-time (None when Excel cannot show it)."""
    epoch = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    if isinstance(value, dt.datetime):
        moment = value.replace(tzinfo=None)
    else:
        moment = dt.datetime(value.year, value.month, value.day)
    if moment < dt.datetime(1900, 3, 1):
        return None
    delta = moment - epoch
    if isinstance(value, dt.datetime):
        return repr(delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000)
    return str(delta.days)


def kept_sheet_properties(package: Package, part: str) -> str:
    """What of a replaced tab's ``<sheetPr>`` a person set and we keep: the code name a macro
    workbook's VBA knows the tab by, and the tab's colour ("" when neither is there)."""
    with package.open_part(part) as stream:
        head = stream.read(8192)
    found = re.search(rb"<(?:\w+:)?sheetPr\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?sheetPr>)", head, re.S)
    if found is None:
        return ""
    code = re.search(rb'\scodeName="([^"]*)"', found.group(1))
    color = re.search(rb"<(?:\w+:)?tabColor\b((?:\s+\w+=\"[^\"]*\")*)\s*/>", found.group(2) or b"")
    if not code and not color:
        return ""
    attrs = f' codeName="{code.group(1).decode()}"' if code else ""
    inner = f"<tabColor{color.group(1).decode()}/>" if color else ""
    return f"<sheetPr{attrs}>{inner}</sheetPr>"


def sheet_xml(
    table: SummaryTable,
    styles: Styles,
    *,
    date1904: bool,
    properties: str = "",
    drawing_rel: str = "",
) -> bytes:
    """The worksheet part of one summary tab: values only, styled, header frozen, set up to
    print, with its links, conditional formats and (``drawing_rel``) its chart."""
    styles.currency = table.currency
    ncols = max([1, len(table.columns), *(len(r) for r in table.rows)])
    letters = [column_letter(i) for i in range(ncols)]
    column_formats = [c.format for c in table.columns] + [Format.TEXT] * (
        ncols - len(table.columns)
    )
    out: list[str] = []
    header_style = styles.xf(HEADER, Format.TEXT)
    cells = []
    for i, column in enumerate(table.columns):
        cells.append(_text_cell(f"{letters[i]}1", header_style, column.name))
    out.append(f'<row r="1">{"".join(cells)}</row>')

    wrapped = [c.wrap for c in table.columns] + [False] * (ncols - len(table.columns))
    widths = [c.width for c in table.columns] + [0] * (ncols - len(table.columns))
    plain_styles = [styles.xf("", f, wrap=w) for f, w in zip(column_formats, wrapped, strict=True)]
    row_styles: dict[tuple[RowStyle | None, tuple[Format, ...] | None], list[int]] = {}
    for index, values in enumerate(table.rows):
        number = index + 2
        style = table.styles.get(index)
        formats = table.row_formats.get(index)
        if style is None and formats is None:
            cell_styles = plain_styles
        elif (style, formats) in row_styles:  # rows of a section share their styles
            cell_styles = row_styles[(style, formats)]
        else:
            row_formats = (
                [table.format_of(index, c) for c in range(ncols)] if formats else column_formats
            )
            cell_styles = row_styles[(style, formats)] = [
                styles.xf(style or "", f, wrap=w) for f, w in zip(row_formats, wrapped, strict=True)
            ]
        cells = []
        fill_blanks = style is not None
        lines = 1  # how many lines of wrapped text the row must show
        for col, value in enumerate(values):
            kind = type(value)
            if isinstance(value, str):  # the common cases inline, the rest in _cell
                s = cell_styles[col]
                long = len(value) > widths[col] > 0  # wraps: longer than its column
                if long:
                    lines = max(lines, look.wrapped_lines(value, widths[col]))
                if (long and not wrapped[col]) or (index, col) in table.links:
                    s = styles.xf(
                        style or "",
                        table.format_of(index, col),
                        wrap=long or wrapped[col],
                        link=(index, col) in table.links,
                    )
                cells.append(_text_cell(f"{letters[col]}{number}", s, value))
            elif kind is int:
                s = cell_styles[col]
                cells.append(
                    f'<c r="{letters[col]}{number}" s="{s}"><v>{value}</v></c>'
                    if s
                    else f'<c r="{letters[col]}{number}"><v>{value}</v></c>'
                )
            elif value is None and not fill_blanks:
                continue
            else:
                ref = f"{letters[col]}{number}"
                cells.append(_cell(ref, cell_styles[col], value, fill_blanks, date1904))
        if fill_blanks:
            for col in range(len(values), ncols):
                cells.append(f'<c r="{letters[col]}{number}" s="{cell_styles[col]}"/>')
        out.append(f'<row r="{number}"{look.row_height(lines)}>{"".join(cells)}</row>')

    last = f"{letters[ncols - 1]}{len(table.rows) + 1}"
    cols = "".join(
        f'<col min="{i + 1}" max="{i + 1}" width="{max(1, min(255, c.width))}" customWidth="1"/>'
        for i, c in enumerate(table.columns)
    )
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{DOC_REL_NS}">'
        + look.fit_to_page(properties)
        + f'<dimension ref="A1:{last}"/>'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        "</sheetView></sheetViews>"
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + "<sheetData>"
    )
    marks = {kind: styles.dxf(FILLS[kind]) for kind in set(table.status.values()) if kind in FILLS}
    tail = (
        "</sheetData>"
        + look.conditional_formats(table, marks, ncols)
        + look.hyperlinks(table)
        + '<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
        + look.page_setup()
        + look.drawing(drawing_rel)
        + "</worksheet>"
    )
    return (head + "".join(out) + tail).encode("utf-8")


def _text_cell(ref: str, style: int, text: str) -> str:
    text = clean_text(text)
    if not text:  # a blank cell, as on Google, not a cell holding "" that COUNTA counts
        return f'<c r="{ref}" s="{style}"/>' if style else ""
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    s = f' s="{style}"' if style else ""
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _cell(ref: str, style: int, value: SummaryValue, fill_blank: bool, date1904: bool) -> str:
    s = f' s="{style}"' if style else ""
    if value is None:
        return f'<c r="{ref}"{s}/>' if fill_blank else ""
    if isinstance(value, str):
        return _text_cell(ref, style, value)
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    if isinstance(value, Decimal):
        if not value.is_finite():
            return _text_cell(ref, style, str(value))
        text = str(value)
        if "E" in text:
            text = format(value, "f")
        return f'<c r="{ref}"{s}><v>{text}</v></c>'
    if isinstance(value, float):  # not a SummaryValue, but never lose a number
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    if isinstance(value, dt.date):
        serial = _serial(value, date1904)
        if serial is None:
            return _text_cell(ref, style, value.isoformat())
        return f'<c r="{ref}"{s}><v>{serial}</v></c>'
    return _text_cell(ref, style, str(value))


# --------------------------------------------------------------------------------------------
# Bookkeeping parts, edited by insertion


def _root_prefix(xml: str, local: str) -> str:
    found = re.search(rf"<(\w+:)?{local}\b", xml)
    return found.group(1) or "" if found else ""


def _insert_before_close(xml: str, tag: str, text: str) -> str:
    """Insert ``text`` before ``</tag>`` (the last one), opening a self-closed element."""
    p = _root_prefix(xml, tag)
    close = xml.rfind(f"</{p}{tag}>")
    if close >= 0:
        return xml[:close] + text + xml[close:]
    empty = re.search(rf"<{re.escape(p)}{tag}\b([^>]*?)/>", xml)
    if empty is None:
        raise WorkbookError(f"The workbook has no <{tag}> list where one is required.")
    return (
        xml[: empty.start()] + f"<{p}{tag}{empty.group(1)}>{text}</{p}{tag}>" + xml[empty.end() :]
    )


def hide_sheets(xml: bytes, titles: Iterable[str]) -> bytes:
    """xl/workbook.xml with ``state="hidden"`` on the ``<sheet>`` of each title (ours, hidden
    again at each sync should someone have shown it)."""
    text = xml.decode("utf-8")
    for title in titles:
        name = re.escape(f'name="{xml_attr(title)}"')
        element = re.compile(rf"<(?:\w+:)?sheet\b(?=[^>]*\s{name})[^>]*?/?>")
        found = element.search(text)
        if found is None or 'state="hidden"' in found.group(0):
            continue
        tag = re.sub(r'\sstate="[^"]*"', "", found.group(0))
        end = -2 if tag.endswith("/>") else -1
        tag = tag[:end].rstrip() + ' state="hidden"' + tag[end:]
        text = text[: found.start()] + tag + text[found.end() :]
    return text.encode("utf-8")


def add_sheets(xml: bytes, sheets: Iterable[tuple[str, int, str]]) -> bytes:
    """xl/workbook.xml with new ``<sheet>`` elements appended (keeps existing indices)."""
    text = xml.decode("utf-8")
    p = _root_prefix(text, "workbook")
    root_tag = re.search(rf"<{re.escape(p)}workbook\b[^>]*>", text)
    assert root_tag is not None
    declared = re.search(rf'xmlns:(\w+)="{re.escape(DOC_REL_NS)}"', root_tag.group(0))
    r = declared.group(1) if declared else "r"
    extra = "" if declared else f' xmlns:r="{DOC_REL_NS}"'
    new = "".join(
        f'<{p}sheet name="{xml_attr(title)}" sheetId="{sheet_id}"{extra} {r}:id="{rel_id}"/>'
        for title, sheet_id, rel_id in sheets
    )
    return _insert_before_close(text, "sheets", new).encode("utf-8")


def full_calc_on_load(xml: bytes) -> bytes:
    """xl/workbook.xml with ``<calcPr fullCalcOnLoad="1">`` (unchanged when it has no calcPr)."""
    text = xml.decode("utf-8")
    p = _root_prefix(text, "workbook")
    calc = re.search(rf"<{re.escape(p)}calcPr\b[^>]*>", text)
    if calc is None:
        return xml
    tag = calc.group(0)
    if re.search(r'\sfullCalcOnLoad="(1|true)"', tag):
        return xml
    if re.search(r'\sfullCalcOnLoad="[^"]*"', tag):
        new = re.sub(r'\sfullCalcOnLoad="[^"]*"', ' fullCalcOnLoad="1"', tag)
    else:
        at = len(f"<{p}calcPr")
        new = tag[:at] + ' fullCalcOnLoad="1"' + tag[at:]
    return (text[: calc.start()] + new + text[calc.end() :]).encode("utf-8")


def add_relationships(xml: bytes | None, rels: Iterable[tuple[str, str, str]]) -> bytes:
    """A .rels part with relationships (id, type, target) added."""
    text = (
        xml
        or (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{PKG_REL_NS}"></Relationships>'
        ).encode()
    ).decode("utf-8")
    p = _root_prefix(text, "Relationships")
    new = "".join(
        f'<{p}Relationship Id="{rid}" Type="{kind}" Target="{xml_attr(target)}"/>'
        for rid, kind, target in rels
    )
    return _insert_before_close(text, "Relationships", new).encode("utf-8")


def add_overrides(xml: bytes, parts: Iterable[tuple[str, str]]) -> bytes:
    """[Content_Types].xml with an Override for each new (part, content type)."""
    text = xml.decode("utf-8")
    existing = {m.lower() for m in re.findall(r'PartName="([^"]*)"', text)}
    p = _root_prefix(text, "Types")
    new = "".join(
        f'<{p}Override PartName="/{part}" ContentType="{kind}"/>'
        for part, kind in parts
        if "/" + part.lower() not in existing
    )
    return _insert_before_close(text, "Types", new).encode("utf-8") if new else xml


def remove_overrides(xml: bytes, parts: Iterable[str]) -> bytes:
    text = xml.decode("utf-8")
    for part in parts:  # attributes in any order; part names compare ignoring case
        pattern = rf'<(\w+:)?Override\b[^>]*\sPartName="/{re.escape(part)}"[^>]*/>'
        text = re.sub(pattern, "", text, flags=re.I)
    return text.encode("utf-8")


def remove_relationship(xml: bytes, rel_id: str) -> bytes:
    text = xml.decode("utf-8")
    text = re.sub(rf'<(\w+:)?Relationship\b[^>]*\sId="{re.escape(rel_id)}"[^>]*/>', "", text)
    return text.encode("utf-8")


def next_rel_id(existing: Iterable[str]) -> Callable[[], str]:
    taken = set(existing)
    counter = [0]

    def fresh() -> str:
        while True:
            counter[0] += 1
            candidate = f"rId{counter[0]}"
            if candidate not in taken:
                taken.add(candidate)
                return candidate

    return fresh


def owned_property_xml(xml: bytes | None, records: Sequence[OwnedRecord]) -> bytes:
    """docProps/custom.xml with the ``prodsheets.owned`` property set to ``records``."""
    value = json.dumps(
        [
            {"title": r.title, "sheetId": r.sheet_id, "header": list(r.header), "token": r.token}
            for r in records
        ],
        ensure_ascii=False,
    )
    if xml is None:
        xml = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Properties xmlns="{CUSTOM_NS}" xmlns:vt="{VT_NS}"></Properties>'
        ).encode()
    text = xml.decode("utf-8")
    p = _root_prefix(text, "Properties")
    root_tag = re.search(rf"<{re.escape(p)}Properties\b[^>]*>", text)
    assert root_tag is not None
    declared = re.search(rf'xmlns:(\w+)="{re.escape(VT_NS)}"', root_tag.group(0))
    vt = declared.group(1) if declared else "vt"
    vt_decl = "" if declared else f' xmlns:vt="{VT_NS}"'
    ours = re.compile(
        rf'<{re.escape(p)}property\b[^>]*\bname="{re.escape(OWNED_PROPERTY)}"[^>]*>.*?'
        rf"</{re.escape(p)}property>",
        re.S,
    )
    found = ours.search(text)
    if found:
        pid = re.search(r'\bpid="(\d+)"', found.group(0))
        pid_value = pid.group(1) if pid else "2"
    else:
        pids = [int(x) for x in re.findall(r'\bpid="(\d+)"', text)]
        pid_value = str(max([1, *pids]) + 1)
    element = (
        f'<{p}property fmtid="{_PROPERTY_FMTID}" pid="{pid_value}" name="{OWNED_PROPERTY}"'
        f"{vt_decl}><{vt}:lpwstr>{_escape_text(value)}</{vt}:lpwstr></{p}property>"
    )
    if found:
        text = text[: found.start()] + element + text[found.end() :]
    else:
        text = _insert_before_close(text, "Properties", element)
    return text.encode("utf-8")


OWNER_NAME = "prodsheets_owner"  # the hidden defined name holding a tab's ownership token
# What may come between </sheets> and <definedNames> in xl/workbook.xml (the schema's order).
_BEFORE_DEFINED_NAMES = ("functionGroups", "externalReferences")


def new_token() -> str:
    """A random ownership token: nobody types it by hand into a tab of their own."""
    return secrets.token_hex(8)


def owner_names(xml: bytes, tokens: dict[int, str]) -> bytes:
    """xl/workbook.xml with one hidden ``OWNER_NAME`` defined name per written tab (by its
    place in the sheet list), holding its token, and none left from before. A defined name
    scoped to a tab goes when the tab is deleted, and Excel and LibreOffice keep it when they
    save, so the token stays with our tab and no other."""
    text = xml.decode("utf-8")
    p = _root_prefix(text, "workbook")
    q = re.escape(p)
    old = rf'<{q}definedName\b[^>]*\bname="{OWNER_NAME}"[^>]*(?:/>|>[^<]*</{q}definedName>)'
    text = re.sub(old, "", text, flags=re.I)
    new = "".join(
        f'<{p}definedName name="{OWNER_NAME}" localSheetId="{position}" hidden="1">'
        f'"{token}"</{p}definedName>'
        for position, token in sorted(tokens.items())
    )
    if re.search(rf"<{q}definedNames\b[^>]*/>", text) or f"</{p}definedNames>" in text:
        text = _insert_before_close(text, "definedNames", new) if new else text
    elif new:
        after = text.find(f"</{p}sheets>")
        if after < 0:
            raise WorkbookError("The workbook has no <sheets> list where one is required.")
        at = after + len(f"</{p}sheets>")
        for tag in _BEFORE_DEFINED_NAMES:
            found = re.search(rf"</{q}{tag}>|<{q}{tag}\b[^>]*/>", text[at:])
            if found:
                at += found.end()
        text = text[:at] + f"<{p}definedNames>{new}</{p}definedNames>" + text[at:]
    text = re.sub(rf"<{q}definedNames>\s*</{q}definedNames>", "", text)
    return text.encode("utf-8")


def add_app_titles(xml: bytes, before: Sequence[str], new_titles: Sequence[str]) -> bytes:
    """docProps/app.xml with new worksheet titles, only where its lists agree with the workbook
    (this part is informational; when it does not match what we expect we leave it alone)."""
    if not new_titles:
        return xml
    text = xml.decode("utf-8")
    heading = re.search(r"<(\w+:)?HeadingPairs>(.*?)</(\w+:)?HeadingPairs>", text, re.S)
    titles = re.search(r"<(\w+:)?TitlesOfParts>(.*?)</(\w+:)?TitlesOfParts>", text, re.S)
    if not heading or not titles:
        return xml
    counts = re.findall(r"<(\w+:)?i4>(\d+)</(\w+:)?i4>", heading.group(2))
    listed = re.findall(r"<(\w+:)?lpstr>(.*?)</(\w+:)?lpstr>", titles.group(2), re.S)
    if not counts or int(counts[0][1]) != len(before):
        return xml
    if [_xml_text(t[1].encode()) for t in listed[: len(before)]] != list(before):
        return xml
    vt = counts[0][0]
    # the first group's count
    inner = heading.group(2)
    first = re.search(r"<(\w+:)?i4>\d+</(\w+:)?i4>", inner)
    assert first is not None
    new_count = f"<{vt}i4>{len(before) + len(new_titles)}</{vt}i4>"
    inner = inner[: first.start()] + new_count + inner[first.end() :]
    text = text[: heading.start(2)] + inner + text[heading.end(2) :]
    titles = re.search(r"<(\w+:)?TitlesOfParts>(.*?)</(\w+:)?TitlesOfParts>", text, re.S)
    assert titles is not None
    vector = titles.group(2)
    entries = list(re.finditer(r"<(\w+:)?lpstr>(.*?)</(\w+:)?lpstr>", vector, re.S))
    insert_at = entries[len(before) - 1].end() if before else vector.find(">") + 1
    added = "".join(f"<{vt}lpstr>{_escape_text(clean_text(t))}</{vt}lpstr>" for t in new_titles)
    vector = vector[:insert_at] + added + vector[insert_at:]
    vector = re.sub(
        r'(<(\w+:)?vector\b[^>]*\bsize=")(\d+)"',
        lambda m: f'{m.group(1)}{int(m.group(3)) + len(new_titles)}"',
        vector,
        count=1,
    )
    text = text[: titles.start(2)] + vector + text[titles.end(2) :]
    return text.encode("utf-8")


def drop_calc_chain_cells(xml: bytes, sheet_ids: set[int]) -> bytes | None:
    """xl/calcChain.xml without the cells of sheets we replaced (None: nothing left in it)."""
    text = xml.decode("utf-8")
    current = 0
    kept: list[str] = []
    dropped = False
    body = re.search(r"<(\w+:)?calcChain\b[^>]*>(.*)</(\w+:)?calcChain>", text, re.S)
    if body is None:
        return xml
    for cell in re.finditer(
        r"<(\w+:)?c\b[^>]*/>|<(\w+:)?c\b[^>]*>.*?</(\w+:)?c>", body.group(2), re.S
    ):
        element = cell.group(0)
        index = re.search(r'\si="(\d+)"', element)
        if index:
            current = int(index.group(1))
        if current in sheet_ids:
            dropped = True
            continue
        if not index:
            element = re.sub(r"^<((\w+:)?c)\b", rf'<\1 i="{current}"', element)
        kept.append(element)
    if not dropped:
        return xml
    if not kept:
        return None
    text = text[: body.start(2)] + "".join(kept) + text[body.end(2) :]
    return text.encode("utf-8")


@dataclass
class Plan:
    """What one write changes in the package."""

    changed: dict[str, bytes] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    added: list[tuple[str, bytes]] = field(default_factory=list)


def plan_write(
    package: Package,
    structure: Structure,
    owned: frozenset[str],
    tables: Sequence[SummaryTable],
) -> Plan:
    """Work out every part a write touches, raising ``NotOwnedError`` before anything is made."""
    for table in tables:
        check_title(table.title)
        sheet = structure.sheet(table.title)
        if sheet is not None and sheet.title not in owned:
            raise NotOwnedError(
                f'The workbook already has a tab named "{sheet.title}" that prodsheets did not '
                "create; rename or delete that tab, then run sync again."
            )
        if sheet is not None and not sheet.part:
            raise WorkbookError(f'The tab "{sheet.title}" has no worksheet part in the file.')
        if sheet is not None and structure.shares_part(sheet):
            raise NotOwnedError(
                f'The tab "{sheet.title}" shares its worksheet part with another tab, so '
                "writing it would overwrite that tab; nothing was written. Open the file in "
                "Excel or LibreOffice, save it again, and re-run."
            )
    titles = [t.title.casefold() for t in tables]
    if len(set(titles)) != len(titles):
        raise WorkbookError("Two summary tabs have the same name.")

    plan = Plan()
    read = package.read
    folder = structure.workbook_part.rpartition("/")[0]
    prefix = f"{folder}/" if folder else ""
    styles_part = structure.styles_part
    styles_related = bool(related(structure.rels, STYLES_REL))
    styles = Styles(read(styles_part) if package.has(styles_part) else MINIMAL_STYLES)
    content_types = types_xml = read("[Content_Types].xml")
    workbook_xml = read(structure.workbook_part)
    rels_xml = read(structure.rels_part) if package.has(structure.rels_part) else None
    fresh_rel = next_rel_id(structure.rels)
    taken_parts = {name.lower() for name in package.by_name}
    next_sheet_id = max([0, *(s.sheet_id for s in structure.sheets)]) + 1
    new_sheets: list[tuple[str, int, str]] = []
    new_rels: list[tuple[str, str, str]] = []
    new_parts: list[tuple[str, str]] = []
    records = {r.title: r for r in structure.owned_records if r.title in owned}
    replaced_ids: set[int] = set()
    by_title = {t.title: t for t in tables}
    positions: dict[int, str] = {}  # where each summary tab sits among the tabs -> its title

    def relationships(part: str) -> dict[str, tuple[str, str]]:
        return read_relationships(package, rels_part_of(part), part)

    def chart_of(table: SummaryTable) -> look.ChartParts | None:
        spec = table.chart
        source = by_title.get(spec.source) if spec is not None else None
        if spec is None or source is None:
            return None
        parts = look.chart_parts(spec, table, source, prefix=prefix, taken=taken_parts)
        plan.added.extend(parts.added)
        new_parts.extend(parts.content_types)
        return parts

    for table in tables:
        header = tuple(c.name for c in table.columns)
        sheet = structure.sheet(table.title)
        if sheet is not None:
            positions[structure.sheets.index(sheet)] = sheet.title
            # our chart of the last sync (or a drawing a person put on our tab) goes
            old = [
                part for part in look.parts_on_tab(sheet.part, relationships) if package.has(part)
            ]
            plan.removed.update(old)
            content_types = remove_overrides(content_types, old)
            chart = chart_of(table)
            kept = kept_sheet_properties(package, sheet.part)
            xml = sheet_xml(
                table,
                styles,
                date1904=structure.date1904,
                properties=kept,
                drawing_rel=chart.rel_id if chart else "",
            )
            plan.changed[sheet.part] = xml
            sheet_rels = rels_part_of(sheet.part)
            if chart is not None and package.has(sheet_rels):
                plan.changed[sheet_rels] = chart.sheet_rels
            elif chart is not None:
                plan.added.append((sheet_rels, chart.sheet_rels))
            elif package.has(sheet_rels):  # comments or drawings a person put on our tab
                plan.removed.add(sheet_rels)
            replaced_ids.add(sheet.sheet_id)
            token = records[sheet.title].token if sheet.title in records else ""
            records[sheet.title] = OwnedRecord(
                sheet.title, sheet.sheet_id, header, token or new_token()
            )
            continue
        number = 1
        while f"{prefix}worksheets/sheet{number}.xml".lower() in taken_parts:
            number += 1
        part = f"{prefix}worksheets/sheet{number}.xml"
        taken_parts.add(part.lower())
        chart = chart_of(table)
        xml = sheet_xml(
            table, styles, date1904=structure.date1904, drawing_rel=chart.rel_id if chart else ""
        )
        if chart is not None:
            plan.added.append((rels_part_of(part), chart.sheet_rels))
        rel_id = fresh_rel()
        positions[len(structure.sheets) + len(new_sheets)] = table.title
        new_sheets.append((table.title, next_sheet_id, rel_id))
        new_rels.append((rel_id, WORKSHEET_REL, f"worksheets/sheet{number}.xml"))
        new_parts.append((part, WORKSHEET_CT))
        plan.added.append((part, xml))
        records[table.title] = OwnedRecord(table.title, next_sheet_id, header, new_token())
        next_sheet_id += 1

    if new_sheets:
        plan.changed[structure.workbook_part] = add_sheets(workbook_xml, new_sheets)
    hidden = [t.title for t in tables if t.hidden]
    if hidden:
        base = plan.changed.get(structure.workbook_part, workbook_xml)
        hiding = hide_sheets(base, hidden)
        if hiding != base:
            plan.changed[structure.workbook_part] = hiding
    # every summary tab prints with its header row on each page
    base = plan.changed.get(structure.workbook_part, workbook_xml)
    titled = look.print_titles(base, positions)
    # and carries its ownership token
    marked = owner_names(titled, {at: records[title].token for at, title in positions.items()})
    if marked != base:
        plan.changed[structure.workbook_part] = marked
    if not styles_related:
        new_rels.append((fresh_rel(), STYLES_REL, styles_part[len(prefix) :]))
    if not styles_related or not package.has(styles_part):
        new_parts.append((styles_part, STYLES_CT))
    if not package.has(styles_part):
        plan.added.append((styles_part, styles.data()))
    elif styles.changed:
        plan.changed[styles_part] = styles.data()
    if new_rels:
        if rels_xml is None:
            plan.added.append((structure.rels_part, add_relationships(None, new_rels)))
        else:
            plan.changed[structure.rels_part] = add_relationships(rels_xml, new_rels)

    # calcChain: cells of a replaced tab no longer hold formulas
    calc_part = related(structure.rels, CALC_CHAIN_REL)
    if replaced_ids and calc_part and package.has(calc_part):
        calc_xml = read(calc_part)
        chain = drop_calc_chain_cells(calc_xml, replaced_ids)
        if chain is None:
            plan.removed.add(calc_part)
            rel_id = next(r for r, (k, _) in structure.rels.items() if k == CALC_CHAIN_REL)
            base = plan.changed.get(structure.rels_part, rels_xml or b"")
            plan.changed[structure.rels_part] = remove_relationship(base, rel_id)
            content_types = remove_overrides(content_types, [calc_part])
        elif chain is not calc_xml:
            plan.changed[calc_part] = chain
    # Formulas in people's tabs may read our figures: a program that trusts the results saved
    # with them (Excel, which left this calcChain) must recalculate when it opens the file.
    if calc_part and package.has(calc_part) and calc_part not in plan.removed:
        base = plan.changed.get(structure.workbook_part, workbook_xml)
        recalculating = full_calc_on_load(base)
        if recalculating != base:
            plan.changed[structure.workbook_part] = recalculating

    # ownership
    custom = structure.custom_part
    ordered = [records[t] for t in sorted(records)]
    if package.has(custom):
        plan.changed[custom] = owned_property_xml(read(custom), ordered)
    else:
        plan.added.append((custom, owned_property_xml(None, ordered)))
        # a relationship to a missing part is reused; otherwise the package gets one
        if not any(kind == CUSTOM_PROPS_REL for kind, _ in structure.package_rels.values()):
            rel = [(next_rel_id(structure.package_rels)(), CUSTOM_PROPS_REL, custom)]
            if package.has("_rels/.rels"):
                plan.changed["_rels/.rels"] = add_relationships(read("_rels/.rels"), rel)
            else:
                plan.added.append(("_rels/.rels", add_relationships(None, rel)))
    new_parts.append((custom, CUSTOM_PROPS_CT))

    content_types = add_overrides(content_types, new_parts)
    if content_types != types_xml:
        plan.changed["[Content_Types].xml"] = content_types

    app = "docProps/app.xml"
    if new_sheets and package.has(app):
        worksheets = [s.title for s in structure.sheets if s.is_worksheet]
        app_xml = read(app)
        updated = add_app_titles(app_xml, worksheets, [t for t, _, _ in new_sheets])
        if updated != app_xml:
            plan.changed[app] = updated
    return plan


# --------------------------------------------------------------------------------------------
# init on a workbook that exists: add the missing source tabs, keep every part that is there


def layout_sheet_xml(
    tab: LayoutTab, styles: Styles, *, date1904: bool, dropdowns: dict[int, str]
) -> bytes:
    """The worksheet part of one laid-out source tab: bold frozen headers, widths, formats,
    example rows, and the dropdowns (column -> a list formula such as ``"A,B"``)."""
    columns = tuple(
        SummaryColumn(
            header,
            tab.formats[i] if i < len(tab.formats) else Format.TEXT,
            tab.widths[i] if i < len(tab.widths) else 14,
        )
        for i, header in enumerate(tab.headers)
    )
    table = SummaryTable(title=tab.title, columns=columns, rows=list(tab.rows))
    xml = sheet_xml(table, styles, date1904=date1904).decode("utf-8")
    # people type into these columns: the column itself carries the number format
    for i, column in enumerate(columns):
        if column.format in NUMBER_FORMATS:
            style = styles.xf("", column.format)
            xml = xml.replace(
                f'<col min="{i + 1}" max="{i + 1}" ',
                f'<col min="{i + 1}" max="{i + 1}" style="{style}" ',
                1,
            )
    if dropdowns:
        checks = "".join(
            '<dataValidation type="list" errorStyle="warning" allowBlank="1" '
            'showErrorMessage="1" error="Pick a value from the list." '
            f'sqref="{column_letter(col)}2:{column_letter(col)}1048576">'
            f"<formula1>{_escape_text(formula)}</formula1></dataValidation>"
            for col, formula in sorted(dropdowns.items())
        )
        block = f'<dataValidations count="{len(dropdowns)}">{checks}</dataValidations>'
        xml = xml.replace("</sheetData>", "</sheetData>" + block, 1)
    return xml.encode("utf-8")


def plan_layout(
    package: Package,
    structure: Structure,
    tabs: Sequence[tuple[LayoutTab, dict[int, str]]],
) -> Plan:
    """Add ``tabs`` (each with its dropdown formulas) as new worksheets after the others.

    Only the parts that list a workbook's tabs and styles gain entries (workbook.xml, its
    relationships, [Content_Types].xml, styles.xml, docProps/app.xml); every other part is
    copied byte for byte, and nothing is recorded as ours: a source tab belongs to people."""
    for tab, _ in tabs:
        check_title(tab.title)
        if structure.sheet(tab.title) is not None:
            raise WorkbookError(f'The workbook already has a tab named "{tab.title}".')
    plan = Plan()
    read = package.read
    folder = structure.workbook_part.rpartition("/")[0]
    prefix = f"{folder}/" if folder else ""
    styles_part = structure.styles_part
    styles_related = bool(related(structure.rels, STYLES_REL))
    styles = Styles(read(styles_part) if package.has(styles_part) else MINIMAL_STYLES)
    content_types = read("[Content_Types].xml")
    rels_xml = read(structure.rels_part) if package.has(structure.rels_part) else None
    fresh_rel = next_rel_id(structure.rels)
    taken_parts = {name.lower() for name in package.by_name}
    next_sheet_id = max([0, *(s.sheet_id for s in structure.sheets)]) + 1
    new_sheets: list[tuple[str, int, str]] = []
    new_rels: list[tuple[str, str, str]] = []
    new_parts: list[tuple[str, str]] = []
    for tab, dropdowns in tabs:
        number = 1
        while f"{prefix}worksheets/sheet{number}.xml".lower() in taken_parts:
            number += 1
        part = f"{prefix}worksheets/sheet{number}.xml"
        taken_parts.add(part.lower())
        xml = layout_sheet_xml(tab, styles, date1904=structure.date1904, dropdowns=dropdowns)
        rel_id = fresh_rel()
        new_sheets.append((tab.title, next_sheet_id, rel_id))
        new_rels.append((rel_id, WORKSHEET_REL, f"worksheets/sheet{number}.xml"))
        new_parts.append((part, WORKSHEET_CT))
        plan.added.append((part, xml))
        next_sheet_id += 1
    if not new_sheets:
        return plan
    plan.changed[structure.workbook_part] = add_sheets(read(structure.workbook_part), new_sheets)
    if not styles_related:
        new_rels.append((fresh_rel(), STYLES_REL, styles_part[len(prefix) :]))
    if not styles_related or not package.has(styles_part):
        new_parts.append((styles_part, STYLES_CT))
    if not package.has(styles_part):
        plan.added.append((styles_part, styles.data()))
    elif styles.changed:
        plan.changed[styles_part] = styles.data()
    if rels_xml is None:
        plan.added.append((structure.rels_part, add_relationships(None, new_rels)))
    else:
        plan.changed[structure.rels_part] = add_relationships(rels_xml, new_rels)
    updated_types = add_overrides(content_types, new_parts)
    if updated_types != content_types:
        plan.changed["[Content_Types].xml"] = updated_types
    app = "docProps/app.xml"
    if package.has(app):
        worksheets = [s.title for s in structure.sheets if s.is_worksheet]
        app_xml = read(app)
        updated = add_app_titles(app_xml, worksheets, [t for t, _, _ in new_sheets])
        if updated != app_xml:
            plan.changed[app] = updated
    return plan
