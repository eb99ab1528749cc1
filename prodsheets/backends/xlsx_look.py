"""What a local workbook shows beyond its values: the chart, conditional formats, print
settings and links of the summary tabs, as the XML parts ``xlsx_package`` writes.

Everything here is generated for our own tabs. The chart is a native DrawingML chart (as Excel
saves one: a drawing part anchored on the tab, a chart part with cached values), owned like
the tab it sits on: replaced on every sync, and a person's own charts and drawings (on their
tabs) are never read or touched. Excel and LibreOffice both open it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape

from prodsheets.a1 import column_letter, quote_title
from prodsheets.backends.base import ChartSpec, RowStyle, SummaryTable

DRAWING_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"
CHART_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"
DRAWING_CT = "application/vnd.openxmlformats-officedocument.drawing+xml"
CHART_CT = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
PRINT_TITLES = "_xlnm.Print_Titles"

_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"

# Series colours: Budgeted a quiet blue, EFC an orange that reads as "what it will cost".
SERIES_COLOURS = ("4472C4", "ED7D31", "A5A5A5", "FFC000")
CHART_COLUMNS = 9  # how many columns wide the chart sits, beside the tab's own columns
CHART_ROWS = 20
_EMU_PER_PIXEL = 9525


# --------------------------------------------------------------------------------------------
# Inside a worksheet part


def fit_to_page(properties: str) -> str:
    """The tab's ``<sheetPr>`` (as kept from a person's edits, or "") with
    ``<pageSetUpPr fitToPage="1"/>``, which lets the page setup fit it to one page wide."""
    setting = '<pageSetUpPr fitToPage="1"/>'
    if not properties:
        return f"<sheetPr>{setting}</sheetPr>"
    return properties.replace("</sheetPr>", setting + "</sheetPr>", 1)


def page_setup() -> str:
    """Landscape, one page wide and as many pages tall as it takes (Excel's "Fit All Columns
    on One Page"); the header row repeats through the Print_Titles defined name."""
    return '<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>'


def conditional_formats(table: SummaryTable, dxf_ids: dict[RowStyle, int], ncols: int) -> str:
    """``<conditionalFormatting>`` over the rows the table says are over budget (red) or at
    risk (amber), across the whole row; one rule per kind."""
    last = column_letter(max(ncols, 1) - 1)
    out = []
    priority = 0
    for style in (RowStyle.OVER, RowStyle.AT_RISK):
        runs = table.status_runs(style)
        if not runs or style not in dxf_ids:
            continue
        priority += 1
        sqref = " ".join(f"A{a + 2}:{last}{b + 2}" for a, b in runs)
        out.append(
            f'<conditionalFormatting sqref="{sqref}"><cfRule type="expression" '
            f'dxfId="{dxf_ids[style]}" priority="{priority}"><formula>TRUE</formula>'
            "</cfRule></conditionalFormatting>"
        )
    return "".join(out)


def hyperlinks(table: SummaryTable) -> str:
    """``<hyperlinks>``: each linked cell takes a person to the cell it names, in the
    workbook (a location, not a formula: the cell's text stays what it was)."""
    items = []
    tabs: dict[str, str] = {}  # tab -> its quoted title, escaped (a few tabs, many links)
    letters: dict[int, str] = {}
    for (row, col), link in sorted(table.links.items()):
        if row >= len(table.rows):
            continue
        if col not in letters:
            letters[col] = column_letter(col)
        if link.tab not in tabs:
            tabs[link.tab] = _attr(quote_title(link.tab))
        cell = _attr(link.cell)
        items.append(
            f'<hyperlink ref="{letters[col]}{row + 2}" location="{tabs[link.tab]}!{cell}" '
            f'display="{cell}"/>'
        )
    return f"<hyperlinks>{''.join(items)}</hyperlinks>" if items else ""


LINE_HEIGHT = 15  # points, the default row height of one line of 11-point text
MAX_LINES = 15


def wrapped_lines(text: str, width: int) -> int:
    """About how many lines ``text`` takes wrapped in a column ``width`` characters wide
    (words do not break, so a line holds a little less than the width)."""
    room = max(width - 1, 1)
    count = sum(-(-max(len(part), 1) * 115 // (room * 100)) for part in text.split("\n"))
    return min(max(count, 1), MAX_LINES)


def row_height(lines: int) -> str:
    """The row's height attributes when it shows more than one line: neither Excel nor
    LibreOffice grows a row to fit wrapped text when it opens a file."""
    if lines <= 1:
        return ""
    return f' ht="{lines * LINE_HEIGHT}" customHeight="1"'


def drawing(rel_id: str) -> str:
    return f'<drawing r:id="{rel_id}"/>' if rel_id else ""


# --------------------------------------------------------------------------------------------
# The workbook part: print titles


def print_titles(workbook_xml: bytes, sheets: dict[int, str]) -> bytes:
    """xl/workbook.xml with a Print_Titles name (row 1, repeated on every printed page) for
    each of ``sheets`` (position among the workbook's tabs -> title), replacing any such name
    those tabs had; every other defined name stays as it was."""
    text = workbook_xml.decode("utf-8")
    p = _prefix(text, "workbook")
    for position in sheets:
        text = re.sub(
            rf'<{re.escape(p)}definedName\b(?=[^>]*\bname="{re.escape(PRINT_TITLES)}")'
            rf'(?=[^>]*\blocalSheetId="{position}")[^>]*>.*?</{re.escape(p)}definedName>',
            "",
            text,
            flags=re.S,
        )
    names = "".join(
        f'<{p}definedName name="{PRINT_TITLES}" localSheetId="{position}">'
        f"{escape(quote_title(title))}!$1:$1</{p}definedName>"
        for position, title in sorted(sheets.items())
    )
    if not names:
        return text.encode("utf-8")
    close = text.find(f"</{p}definedNames>")
    if close >= 0:
        text = text[:close] + names + text[close:]
    else:
        empty = re.search(rf"<{re.escape(p)}definedNames\s*/>", text)
        block = f"<{p}definedNames>{names}</{p}definedNames>"
        if empty is not None:
            text = text[: empty.start()] + block + text[empty.end() :]
        else:  # definedNames comes right after sheets (and before calcPr and the rest)
            end = text.find(f"</{p}sheets>")
            if end < 0:
                return workbook_xml
            end += len(f"</{p}sheets>")
            text = text[:end] + block + text[end:]
    return text.encode("utf-8")


# --------------------------------------------------------------------------------------------
# The chart


@dataclass
class ChartParts:
    """The parts of one chart on one tab: added parts, their content types, and the
    relationship the tab's part gets."""

    added: list[tuple[str, bytes]] = field(default_factory=list)
    content_types: list[tuple[str, str]] = field(default_factory=list)
    sheet_rels: bytes = b""
    rel_id: str = ""


def free_name(taken: set[str], pattern: str) -> str:
    """The first ``pattern % n`` (n = 1, 2, ...) no part of the package has (ignoring case)."""
    number = 1
    while (pattern % number).lower() in taken:
        number += 1
    name = pattern % number
    taken.add(name.lower())
    return name


def chart_parts(
    spec: ChartSpec,
    table: SummaryTable,
    source: SummaryTable,
    *,
    prefix: str,
    taken: set[str],
) -> ChartParts:
    """A drawing anchored beside ``table``'s columns holding a clustered column chart of
    ``source``'s cells, as ``spec`` says; part names chosen among those not ``taken``."""
    drawing_part = free_name(taken, f"{prefix}drawings/drawing%d.xml")
    chart_part = free_name(taken, f"{prefix}charts/chart%d.xml")
    drawing_name = drawing_part.rsplit("/", 1)[1]
    chart_name = chart_part.rsplit("/", 1)[1]
    parts = ChartParts(rel_id="rId1")
    parts.added.append((drawing_part, drawing_xml(len(table.columns) + 1, "rId1")))
    parts.added.append(
        (_rels_of(drawing_part), _rels([("rId1", CHART_REL, f"../charts/{chart_name}")]))
    )
    parts.added.append((chart_part, chart_xml(spec, source)))
    parts.content_types += [(drawing_part, DRAWING_CT), (chart_part, CHART_CT)]
    parts.sheet_rels = _rels([("rId1", DRAWING_REL, f"../drawings/{drawing_name}")])
    return parts


def parts_on_tab(
    sheet_part: str, relationships: Callable[[str], dict[str, tuple[str, str]]]
) -> list[str]:
    """The drawing and chart parts hanging off one of our tabs (our chart of the last sync),
    to remove with the tab's old content. ``relationships(part)`` gives a part's
    relationships (id -> (type, target part)). Images are left alone: Excel shares one image
    part between drawings, so one may belong to a person's drawing elsewhere too."""
    found: list[str] = []
    for kind, drawing_part in relationships(sheet_part).values():
        if kind != DRAWING_REL or not drawing_part:
            continue
        found += [drawing_part, _rels_of(drawing_part)]
        for inner, chart in relationships(drawing_part).values():
            if inner != CHART_REL or not chart:
                continue
            found += [chart, _rels_of(chart)]
            found += [
                extra
                for style, extra in relationships(chart).values()
                if extra and style.endswith(("/chartStyle", "/chartColorStyle"))
            ]
    return found


def drawing_xml(column: int, chart_rel: str) -> bytes:
    """A drawing with one chart, from ``column`` (0-based) at row 2, CHART_COLUMNS wide."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<xdr:wsDr xmlns:xdr="{_XDR}" xmlns:a="{_A}"><xdr:twoCellAnchor>'
        f"<xdr:from><xdr:col>{column}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row>"
        "<xdr:rowOff>0</xdr:rowOff></xdr:from>"
        f"<xdr:to><xdr:col>{column + CHART_COLUMNS}</xdr:col><xdr:colOff>0</xdr:colOff>"
        f"<xdr:row>{1 + CHART_ROWS}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>"
        '<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr>'
        '<xdr:cNvPr id="2" name="prodsheets chart"/><xdr:cNvGraphicFramePr/>'
        '</xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
        f'<a:graphic><a:graphicData uri="{_C}"><c:chart xmlns:c="{_C}" xmlns:r="{_R}" '
        f'r:id="{chart_rel}"/></a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/>'
        "</xdr:twoCellAnchor></xdr:wsDr>"
    ).encode()


def chart_xml(spec: ChartSpec, source: SummaryTable) -> bytes:
    """A clustered column chart: categories and series from ``source``'s cells (the
    references say where, the caches hold the values so a reader need not recalculate)."""
    first, end = spec.rows
    end = min(end, len(source.rows))
    tab = quote_title(source.title)

    def ref(col: int) -> str:
        letter = column_letter(col)
        return escape(f"{tab}!${letter}${first + 2}:${letter}${end + 1}")

    def cell(row: int, col: int) -> object:
        values = source.rows[row]
        return values[col] if col < len(values) else None

    count = end - first
    categories = "".join(
        f'<c:pt idx="{n}"><c:v>{escape(_text(cell(first + n, spec.categories)))}</c:v></c:pt>'
        for n in range(count)
    )
    series = []
    for order, col in enumerate(spec.series):
        name = source.columns[col].name if col < len(source.columns) else f"Series {order + 1}"
        letter = column_letter(col)
        points = "".join(
            f'<c:pt idx="{n}"><c:v>{_number(cell(first + n, col))}</c:v></c:pt>'
            for n in range(count)
            if _number(cell(first + n, col)) != ""
        )
        colour = SERIES_COLOURS[order % len(SERIES_COLOURS)]
        series.append(
            f'<c:ser><c:idx val="{order}"/><c:order val="{order}"/>'
            f"<c:tx><c:strRef><c:f>{escape(f'{tab}!${letter}$1')}</c:f><c:strCache>"
            f'<c:ptCount val="1"/><c:pt idx="0"><c:v>{escape(name)}</c:v></c:pt>'
            "</c:strCache></c:strRef></c:tx>"
            f'<c:spPr><a:solidFill><a:srgbClr val="{colour}"/></a:solidFill></c:spPr>'
            '<c:invertIfNegative val="0"/>'
            f"<c:cat><c:strRef><c:f>{ref(spec.categories)}</c:f><c:strCache>"
            f'<c:ptCount val="{count}"/>{categories}</c:strCache></c:strRef></c:cat>'
            f"<c:val><c:numRef><c:f>{ref(col)}</c:f><c:numCache><c:formatCode>#,##0.00"
            f'</c:formatCode><c:ptCount val="{count}"/>{points}</c:numCache></c:numRef></c:val>'
            "</c:ser>"
        )
    axis_title = (
        f'<c:title>{_rich(spec.axis_title, size=1000)}<c:overlay val="0"/></c:title>'
        if spec.axis_title
        else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<c:chartSpace xmlns:c="{_C}" xmlns:a="{_A}" xmlns:r="{_R}">'
        '<c:lang val="en-US"/><c:roundedCorners val="0"/><c:chart>'
        f'<c:title>{_rich(spec.title, size=1400)}<c:overlay val="0"/></c:title>'
        '<c:autoTitleDeleted val="0"/><c:plotArea><c:layout/><c:barChart>'
        '<c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
        + "".join(series)
        + '<c:gapWidth val="80"/><c:axId val="50010001"/><c:axId val="50010002"/></c:barChart>'
        '<c:catAx><c:axId val="50010001"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
        '<c:delete val="0"/><c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="0"/>'
        '<c:tickLblPos val="low"/><c:crossAx val="50010002"/><c:crosses val="autoZero"/>'
        '<c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/></c:catAx>'
        '<c:valAx><c:axId val="50010002"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
        f'<c:delete val="0"/><c:axPos val="l"/><c:majorGridlines/>{axis_title}'
        '<c:numFmt formatCode="#,##0" sourceLinked="0"/><c:tickLblPos val="nextTo"/>'
        '<c:crossAx val="50010001"/><c:crosses val="autoZero"/>'
        '<c:crossBetween val="between"/></c:valAx></c:plotArea>'
        '<c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend>'
        '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
        "<c:printSettings><c:headerFooter/>"
        '<c:pageMargins b="0.75" l="0.7" r="0.7" t="0.75" header="0.3" footer="0.3"/>'
        "<c:pageSetup/></c:printSettings></c:chartSpace>"
    ).encode("utf-8")


def _rich(text: str, *, size: int) -> str:
    return (
        "<c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr>"
        f'<a:defRPr sz="{size}" b="1"/></a:pPr><a:r><a:rPr lang="en-US" sz="{size}" b="1"/>'
        f"<a:t>{escape(text)}</a:t></a:r></a:p></c:rich></c:tx>"
    )


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _number(value: object) -> str:
    if isinstance(value, Decimal) and value.is_finite():
        return format(value, "f")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _prefix(xml: str, local: str) -> str:
    found = re.search(rf"<(\w+:)?{local}\b", xml)
    return (found.group(1) or "") if found else ""


def _rels_of(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels"


def _rels(items: Sequence[tuple[str, str, str]]) -> bytes:
    body = "".join(
        f'<Relationship Id="{rid}" Type="{kind}" Target="{_attr(target)}"/>'
        for rid, kind, target in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{_PKG}">{body}</Relationships>'
    ).encode()
