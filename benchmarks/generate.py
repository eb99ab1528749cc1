"""Large, realistic production workbooks for the benchmarks, the same every time (seeded).

    python benchmarks/generate.py --budget-lines 1000000 --schedule-items 100000 big.xlsx

About 50 departments, 500 vendors, 1,000 rooms with their own crews. Values come in the forms
people type: numbers, some "$1,234.50" strings, blanks, real dates and some ISO text, and about
0.5% mistakes (a misspelt department, "TBC" in a money cell, a double-booked room, ...), so the
checks have something to find without drowning in it.

``build_tabs`` gives the rows as ``RawTab``s, as a backend would hand them over, so the pipeline
benchmark can skip file IO; ``write_xlsx`` writes the sheet XML directly (openpyxl would take
minutes for a million lines).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np

from prodsheets.backends.base import Contents, RawCell, RawTab
from prodsheets.template import SOURCE_TABS, Template, load_template

SEED = 20260310
START = dt.date(2026, 1, 5)  # first day of the schedule
AS_OF = START + dt.timedelta(days=80)  # the "today" the benchmark checks against
MISTAKE_RATE = 0.005
CREW_PER_SPACE = 8
SPACES_PER_DEPARTMENT = 20
VENDOR_COUNT = 500

DEPARTMENTS = (
    "Scenic", "Lighting", "Sound", "Costume", "Props", "Stage Management", "Production",
    "Marketing", "Video", "Wigs and Makeup", "Automation", "Rigging", "Front of House",
    "Education", "Casting", "Music", "Orchestra", "Company Management", "Catering", "Transport",
    "Security", "Box Office", "Development", "Finance", "IT", "Health and Safety",
    "Special Effects", "Pyrotechnics", "Paint", "Carpentry", "Metalwork", "Wardrobe", "Hair",
    "Choreography", "Fight", "Access", "Captioning", "Archive", "Merchandise", "Publicity",
    "Photography", "Venue", "Facilities", "Electrics", "Stage Crew", "Flying", "Sound Design",
    "Lighting Design", "Set Design", "Hospitality",
)  # fmt: skip
CATEGORIES = (
    "Labour", "Materials", "Rentals", "Services", "Travel", "Fees", "Contingency", "Other",
)  # fmt: skip
_FIRST = (
    "Ada", "Ben", "Cleo", "Dan", "Eve", "Finn", "Gia", "Hal", "Ines", "Jo", "Kit", "Lena", "Mo",
    "Nia", "Oli", "Pia", "Quin", "Ravi", "Sam", "Tess", "Uma", "Vic", "Wren", "Xan", "Yara", "Zed",
    "Amir", "Bea", "Cal", "Dara", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jade", "Kai", "Lior",
    "Mara", "Ned", "Orla", "Priya", "Rosa", "Saul", "Tomas", "Una", "Vera", "Wes", "Yusuf", "Zoe",
)  # fmt: skip
_LAST = (
    "Ashworth", "Becker", "Cole", "Duarte", "Ellis", "Ford", "Grant", "Harlow", "Iqbal", "Jones",
    "Keel", "Lindqvist", "Menon", "Nair", "Okafor", "Park", "Quinn", "Reid", "Shaw", "Tallis",
    "Umar", "Vance", "Walsh", "Xu", "Young", "Zhang", "Adler", "Byrne", "Costa", "Dunn", "Evans",
    "Fox", "Gray", "Hart", "Ito", "Kaur", "Lowe", "Moss", "Nash", "Owen", "Price", "Ross", "Stone",
    "Tate", "Usher", "Voss", "Webb", "Yates", "Zamora", "Blake",
)  # fmt: skip
_WORDS = (
    "Harbour", "Northgate", "Summit", "Brightwater", "Tidewater", "Mill Street", "Redcliffe",
    "Anchor", "Ferry Road", "Coastline", "Keel", "Beacon", "Quayside", "Granite", "Saltmarsh",
    "Westbrook", "Lantern", "Copper", "Ironbridge", "Foxglove",
)  # fmt: skip
_TRADES = (
    "Lighting Hire", "Audio Rentals", "Timber", "Fabrics", "Costume Hire", "Props", "Transport",
    "Printing", "Rigging", "Scenic Studios", "Catering", "Security", "Wigs", "Staging", "Video",
    "Cleaning", "Travel", "Hardware", "Paints", "Electrical", "Insurance", "Photography",
    "Signage", "Plant Hire", "Freight",
)  # fmt: skip
_ITEMS = (
    "Timber and ply", "Steel", "Paint and texture", "Hardware", "Fabric and trims", "Dyes",
    "Moving light hire", "LED wash hire", "Gels and gobos", "Radio mics hire", "Speaker hire",
    "Cable and consumables", "Crew call", "Carpenters", "Stitchers", "Designer fee",
    "Rehearsal room hire", "Van hire", "Trucks", "Flights", "Hotels", "Per diems", "Printing",
    "Digital ads", "Programme", "Photography", "Catering", "First aid", "Security staff",
    "Cleaning", "Furniture hire", "Wig dressing", "Dry cleaning", "Rigging inspection",
    "Motor hire", "Projector hire", "Media server hire", "Pyro licence", "Contingency",
    "Sundries",
)  # fmt: skip
_ROOMS = ("Studio", "Workshop", "Rehearsal Room", "Stage", "Store", "Office", "Bay", "Booth")
_TASKS = (
    "Build", "Fit-up", "Rehearsal", "Fitting", "Focus", "Sound check", "Plotting session",
    "Paint call", "Production meeting", "Load-in", "Strike", "Inspection", "Photo call",
    "Delivery", "Tech", "Dress rehearsal", "Cue-to-cue", "Notes session",
)  # fmt: skip
_CONTRACTS = (("Signed", 0.9), ("Quote", 0.94), ("Negotiating", 0.97))
_MISSPELT = {"Lighting": "Lightng", "Costume": "Costumes", "Scenic": "Scenc", "Sound": "Sund"}


def _money_cell(cents: int, currency: bool, blank_zero: bool) -> RawCell:
    """One money value in one of the ways people type it."""
    if cents == 0 and blank_zero:
        return None
    if currency:
        return f"${cents / 100:,.2f}"
    return cents / 100


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream])


def _people(index: int) -> str:
    """A distinct name for each index below 65,000 (so that crews never share a person)."""
    first, rest = index % len(_FIRST), index // len(_FIRST)
    last, middle = rest % len(_LAST), rest // len(_LAST) % 26
    return f"{_FIRST[first]} {chr(65 + middle)}. {_LAST[last]}"


def vendor_names() -> list[str]:
    names = []
    for i in range(VENDOR_COUNT):
        word = _WORDS[i % len(_WORDS)]
        trade = _TRADES[(i // len(_WORDS)) % len(_TRADES)]
        names.append(f"{word} {trade}")
    return names


def departments_rows(seed: int, budgeted_by_department: np.ndarray) -> list[list[RawCell]]:
    rng = _rng(seed, 1)
    rows: list[list[RawCell]] = []
    factors = rng.uniform(0.95, 1.35, len(DEPARTMENTS))
    for i, name in enumerate(DEPARTMENTS):
        head = _people(i * 7 + 3)
        cap_cents = int(budgeted_by_department[i] * factors[i]) // 100_000 * 100_000
        cap: RawCell = f"${cap_cents / 100:,.2f}" if i % 9 == 0 else cap_cents / 100
        email = head.lower().replace(".", "").replace(" ", ".") + "@production.example"
        rows.append([name, head, email, cap])
    return rows


def vendors_rows(seed: int) -> list[list[RawCell]]:
    rng = _rng(seed, 2)
    rows: list[list[RawCell]] = []
    for i, name in enumerate(vendor_names()):
        pick = float(rng.random())
        contract = next((kind for kind, upto in _CONTRACTS if pick < upto), None)
        start = START - dt.timedelta(days=int(rng.integers(0, 60)))
        end = START + dt.timedelta(days=int(rng.integers(200, 300)))
        insured: RawCell = START + dt.timedelta(days=int(rng.integers(250, 400)))
        roll = rng.random()
        if roll < 0.08:
            insured = None
        elif roll < 0.12:
            insured = START + dt.timedelta(days=int(rng.integers(30, 150)))
        elif roll < 0.2:
            assert isinstance(insured, dt.date)
            insured = insured.isoformat()  # typed as text
        contact = _people(i * 13 + 5)
        rows.append([
            name, _TRADES[(i // len(_WORDS)) % len(_TRADES)], contact,
            contact.split()[0].lower() + "@" + name.split()[0].lower() + ".example",
            f"(207) 555-{i % 10000:04d}", contract, start, end, insured,
            "Net 30" if i % 3 else "Net 15", None,
        ])  # fmt: skip
    return rows


def budget_rows(seed: int, lines: int) -> tuple[list[list[RawCell]], np.ndarray]:
    """Budget lines, and the Budgeted total (cents) per department for the allocations."""
    rng = _rng(seed, 3)
    n = lines
    dept = rng.integers(0, len(DEPARTMENTS), n)
    category = rng.choice(len(CATEGORIES), n, p=[0.3, 0.2, 0.15, 0.15, 0.05, 0.07, 0.03, 0.05])
    item = rng.integers(0, len(_ITEMS), n)
    vendors = vendor_names()
    vendor = rng.integers(0, len(vendors), n)
    has_vendor = rng.random(n) < 0.6
    budgeted = np.clip(np.exp(rng.normal(np.log(2500_00), 1.0, n)), 50_00, 500_000_00)
    budgeted = budgeted.astype(np.int64)
    whole = rng.random(n) < 0.5  # many estimates are whole dollars
    budgeted[whole] = budgeted[whole] // 100 * 100
    ratio = rng.uniform(0.4, 0.88, n)
    roll = rng.random(n)
    ratio[roll < 0.03] = rng.uniform(1.0, 1.3, int((roll < 0.03).sum()))
    near = (roll >= 0.03) & (roll < 0.06)
    ratio[near] = rng.uniform(0.9, 1.0, int(near.sum()))
    efc = (budgeted * ratio).astype(np.int64)
    actual = (efc * rng.uniform(0, 1, n)).astype(np.int64)
    committed = ((efc - actual) * rng.uniform(0, 1, n)).astype(np.int64)
    committed[rng.random(n) < 0.4] = 0
    etc = efc - actual - committed
    currency = rng.random((n, 4)) < 0.03
    blank_zero = rng.random(n) < 0.8
    mistake = np.flatnonzero(rng.random(n) < MISTAKE_RATE)
    kinds = rng.integers(0, 7, len(mistake))

    descriptions = [f"{_ITEMS[i]}" for i in range(len(_ITEMS))]
    rows: list[list[RawCell]] = []
    for i in range(n):
        rows.append([
            f"B{i + 1:07d}",
            DEPARTMENTS[dept[i]],
            CATEGORIES[category[i]],
            descriptions[item[i]],
            vendors[vendor[i]] if has_vendor[i] else None,
            _money_cell(int(budgeted[i]), bool(currency[i, 0]), False),
            _money_cell(int(actual[i]), bool(currency[i, 1]), bool(blank_zero[i])),
            _money_cell(int(committed[i]), bool(currency[i, 2]), bool(blank_zero[i])),
            _money_cell(int(etc[i]), bool(currency[i, 3]), bool(blank_zero[i])),
            None,
        ])  # fmt: skip
    for i, kind in zip(mistake.tolist(), kinds.tolist(), strict=True):
        row = rows[i]
        if kind == 0:  # a misspelt department
            row[1] = _MISSPELT.get(str(row[1]), str(row[1]) + "s")
        elif kind == 1:
            row[6] = "TBC"
        elif kind == 2:
            row[7] = -abs(float(budgeted[i])) / 100
        elif kind == 3:
            row[2] = "Misc"
        elif kind == 4 and i > 0:
            row[0] = rows[i - 1][0]  # a code typed twice
        elif kind == 5:
            row[4] = "Acme Supplies"
        else:
            row[3] = None
        row[9] = "check this"
    by_department = np.bincount(dept, weights=budgeted, minlength=len(DEPARTMENTS))
    return rows, by_department


def _iso(value: dt.date) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def schedule_rows(seed: int, items: int) -> list[list[RawCell]]:
    """Calls in rooms (one a day per room, each room with its own crew) and dated deliverables."""
    rng = _rng(seed, 4)
    n = items
    calls = int(n * 0.8)
    spaces = len(DEPARTMENTS) * SPACES_PER_DEPARTMENT
    space = np.sort(rng.integers(0, spaces, calls))
    first = np.searchsorted(space, space, side="left")
    rank = np.arange(calls) - first
    day = rank * 2 + rng.integers(0, 2, calls)
    start_hour = rng.integers(8, 13, calls)
    hours = np.minimum(rng.integers(2, 9, calls), 20 - start_hour)
    crew_start = rng.integers(0, CREW_PER_SPACE, calls)
    crew_size = rng.integers(1, 4, calls)
    depends = rng.random(calls) < 0.3
    has_due = rng.random(n) < 0.4
    status_roll = rng.random(n)
    text_date = rng.random((n, 2)) < 0.1
    order = rng.permutation(n)  # sheet order is not time order
    ident = [f"S{order[i] + 1:06d}" for i in range(n)]

    rows: list[list[RawCell]] = [[] for _ in range(n)]
    for i in range(calls):
        s = int(space[i])
        department = DEPARTMENTS[s // SPACES_PER_DEPARTMENT]
        room = f"{department} {_ROOMS[s % len(_ROOMS)]} {s % SPACES_PER_DEPARTMENT + 1}"
        when = START + dt.timedelta(days=int(day[i]))
        start = dt.datetime.combine(when, dt.time(int(start_hour[i])))
        end = start + dt.timedelta(hours=int(hours[i]))
        crew = [
            _people(s * CREW_PER_SPACE + (int(crew_start[i]) + 3 * j) % CREW_PER_SPACE)
            for j in range(int(crew_size[i]))
        ]
        after = ident[i - 1] if depends[i] and rank[i] > 0 else None
        rows[i] = _schedule_row(
            ident[i], f"{_TASKS[(i + s) % len(_TASKS)]}: {department}", department, room,
            ", ".join(crew), start, end, bool(has_due[i]), float(status_roll[i]),
            text_date[i], after,
        )  # fmt: skip
    for i in range(calls, n):
        department = DEPARTMENTS[int(rng.integers(0, len(DEPARTMENTS)))]
        start_day = START + dt.timedelta(days=int(rng.integers(0, 170)))
        end_day = start_day + dt.timedelta(days=int(rng.integers(1, 15)))
        rows[i] = _schedule_row(
            ident[i], f"Deliver: {_ITEMS[i % len(_ITEMS)].lower()}", department, None, None,
            start_day, end_day, True, float(status_roll[i]), text_date[i], None,
        )  # fmt: skip

    mistake = np.flatnonzero(rng.random(n) < MISTAKE_RATE)
    for i, kind in zip(mistake.tolist(), rng.integers(0, 7, len(mistake)).tolist(), strict=True):
        row = rows[i]
        if kind == 0:
            row[5], row[6] = row[6], row[5]  # Start and End swapped
        elif kind == 1 and 0 < i < calls and space[i] == space[i - 1]:
            row[5], row[6] = rows[i - 1][5], rows[i - 1][6]  # double-booked with the one before
        elif kind == 2:
            row[2] = _MISSPELT.get(str(row[2]), str(row[2]) + "s")
        elif kind == 3:
            row[9] = "Dunno"
        elif kind == 4:
            row[10] = "S9999999"
        elif kind == 5:
            row[7] = "next tues"
        elif i > 0:
            row[0] = rows[i - 1][0]  # an ID typed twice
        row[11] = "check this"
    return [rows[j] for j in np.argsort(order, kind="stable")]


def _schedule_row(
    ident: str,
    task: str,
    department: str,
    room: str | None,
    people: str | None,
    start: dt.date,
    end: dt.date,
    has_due: bool,
    roll: float,
    as_text: np.ndarray,
    after: str | None,
) -> list[RawCell]:
    end_day = end.date() if isinstance(end, dt.datetime) else end
    due = end_day + dt.timedelta(days=int(roll * 4)) if has_due else None
    done_on: dt.date | None = None
    if roll < 0.01:
        status: str | None = "Cancelled"
    elif end_day < AS_OF:
        status = "Done" if roll < 0.96 else "In Progress"
        if status == "Done" and due is not None:
            done_on = due + dt.timedelta(days=int(roll * 100) % 6 - 3)
    else:
        status = None if roll < 0.5 else "Confirmed" if roll < 0.9 else "Planned"
    start_cell: RawCell = _iso(start) if as_text[0] else start
    end_cell: RawCell = _iso(end) if as_text[1] else end
    return [
        ident, task, department, room, people, start_cell, end_cell, due, done_on, status,
        after, None,
    ]  # fmt: skip


def build_tabs(
    budget_lines: int, schedule_items: int, *, seed: int = SEED, template: Template | None = None
) -> dict[str, RawTab]:
    """The four source tabs, header row first, values as a backend hands them over."""
    template = template or load_template()
    budget, by_department = budget_rows(seed, budget_lines)
    bodies = {
        "Departments": departments_rows(seed, by_department),
        "Schedule": schedule_rows(seed, schedule_items),
        "Budget": budget,
        "Vendors": vendors_rows(seed),
    }
    tabs = {}
    for name in SOURCE_TABS:
        headers: list[RawCell] = [col.name for col in template.tab(name).columns]
        tabs[name] = RawTab(name, [headers, *bodies[name]])
    return tabs


def build_contents(budget_lines: int, schedule_items: int, *, seed: int = SEED) -> Contents:
    """The generated workbook as ``Workbook.read`` would return it, without any file."""
    tabs = build_tabs(budget_lines, schedule_items, seed=seed)
    return Contents(titles=list(tabs), owned=frozenset(), tabs=tabs)


# ------------------------------------------------------------------------------------------------
# Writing .xlsx: the sheet XML by hand, shared strings, a date and a date-time style.

_EPOCH = dt.datetime(1899, 12, 30)
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>
<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>
<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill>
<fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _letters(count: int) -> list[str]:
    out = []
    for index in range(count):
        letters, number = "", index + 1
        while number:
            number, rest = divmod(number - 1, 26)
            letters = chr(65 + rest) + letters
        out.append(letters)
    return out


class _SharedStrings:
    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.index)
        return found

    def xml(self) -> Iterator[str]:
        yield (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<sst {_NS} uniqueCount="{len(self.index)}">'
        )
        for text in self.index:
            yield f'<si><t xml:space="preserve">{escape(text)}</t></si>'
        yield "</sst>"


def _sheet_xml(rows: Sequence[Sequence[Any]], strings: _SharedStrings) -> Iterator[str]:
    width = max((len(row) for row in rows), default=1)
    letters = _letters(width)
    # the used range, as Excel and LibreOffice write it at the top of every sheet
    dimension = f'<dimension ref="A1:{letters[-1]}{max(len(rows), 1)}"/>'
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet {_NS} {_RNS}>{dimension}<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        "</sheetView></sheetViews><sheetData>"
    )
    for number, row in enumerate(rows, start=1):
        style_text = ' s="4"' if number == 1 else ""
        cells = []
        for letter, value in zip(letters, row, strict=False):
            if value is None:
                continue
            ref = f"{letter}{number}"
            if isinstance(value, str):
                cells.append(f'<c r="{ref}" t="s"{style_text}><v>{strings(value)}</v></c>')
            elif isinstance(value, bool):
                cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int | float):
                cells.append(f'<c r="{ref}" s="3"><v>{value!r}</v></c>')
            elif isinstance(value, dt.datetime):
                serial = (value - _EPOCH).total_seconds() / 86400
                cells.append(f'<c r="{ref}" s="2"><v>{serial!r}</v></c>')
            elif isinstance(value, dt.date):
                serial_days = (value - _EPOCH.date()).days
                cells.append(f'<c r="{ref}" s="1"><v>{serial_days}</v></c>')
            else:
                raise TypeError(f"cannot write {value!r}")
        yield f'<row r="{number}">{"".join(cells)}</row>'
    yield "</sheetData></worksheet>"


def write_xlsx(tabs: dict[str, RawTab], path: str | Path) -> None:
    """A plain .xlsx that Excel, LibreOffice, calamine and openpyxl open."""
    strings = _SharedStrings()
    titles = [tab.title for tab in tabs.values()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for number, tab in enumerate(tabs.values(), start=1):
            with archive.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True) as out:
                batch: list[str] = []
                for piece in _sheet_xml(tab.rows, strings):
                    batch.append(piece)
                    if len(batch) >= 5000:
                        out.write("".join(batch).encode())
                        batch.clear()
                out.write("".join(batch).encode())
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
            for piece in strings.xml():
                out.write(piece.encode())
        archive.writestr("xl/styles.xml", _STYLES)
        sheets = "".join(
            f'<sheet name="{escape(title)}" sheetId="{n}" r:id="rId{n}"/>'
            for n, title in enumerate(titles, start=1)
        )
        archive.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f"<workbook {_NS} {_RNS}><sheets>{sheets}</sheets></workbook>",
        )
        count = len(titles)
        rels = "".join(
            f'<Relationship Id="rId{n}" Type="{_DOC}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, count + 1)
        )
        rels += (
            f'<Relationship Id="rId{count + 1}" Type="{_DOC}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{count + 2}" Type="{_DOC}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PKG}">{rels}</Relationships>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_CT}.worksheet+xml"/>'
            for n in range(1, count + 1)
        )
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
            f"{overrides}</Types>",
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="the .xlsx file to write")
    parser.add_argument("--budget-lines", type=int, default=100_000)
    parser.add_argument("--schedule-items", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    tabs = build_tabs(args.budget_lines, args.schedule_items, seed=args.seed)
    built = time.perf_counter()
    write_xlsx(tabs, args.out)
    done = time.perf_counter()
    size = Path(args.out).stat().st_size / 1e6
    print(
        f"{args.out}: {args.budget_lines:,} budget lines, {args.schedule_items:,} schedule items, "
        f"{size:.1f} MB (built in {built - began:.1f} s, written in {done - built:.1f} s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
