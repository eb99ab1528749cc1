"""``prodsheets adopt``: the prodsheets.toml for a workbook a production office already keeps.

The office's workbook has its own tab names, a title above the headers, "Amount Spent" where
the template says Actual, dates day-first and amounts in pounds. This looks at the workbook as
it is and proposes the settings that map it: which tab is which source tab, which header is
which column (exact names and aliases need no mapping; close spellings get one), where the
header rows are, the date order and the currency the cells show. What it cannot place it says,
with the reason, as comments in the file, so a person can finish the job.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from prodsheets.backends import google_key, open_workbook
from prodsheets.backends.base import Contents, RawCell, RawTab
from prodsheets.cells import parse_money
from prodsheets.config import Config
from prodsheets.currency import likeliest
from prodsheets.errors import UsageError
from prodsheets.safe_text import printable
from prodsheets.tables import (
    header_text,
    look_alike,
    look_alike_tabs,
    match_headers,
)
from prodsheets.template import (
    OPTIONAL_TABS,
    Column,
    TabSpec,
    Template,
    load_template,
    normalise,
)

_SEARCH_ROWS = 10  # the header row is one of the first ten, as tables reads it
_SAMPLE = 500  # cells of a column looked at to judge what it holds
_SLASH_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})\b")


@dataclass
class TabFinding:
    """What adopt found for one source tab."""

    name: str  # the template's tab ("Budget")
    title: str  # the workbook's tab ("Budget 2026")
    why: str  # how it was chosen, for the comment
    header_row: int
    mapped: dict[str, str] = field(default_factory=dict)  # column -> header (close spellings)
    matched: dict[str, str] = field(default_factory=dict)  # column -> header (name or alias)
    notes: list[str] = field(default_factory=list)  # what could not be placed, and why


@dataclass
class Proposal:
    """The settings adopt proposes, and everything it wants a person to know."""

    workbook: str
    tabs: list[TabFinding]
    date_order: str  # "" when the dates do not say
    date_evidence: str
    currency: str  # "" when no money cell shows one
    currency_evidence: str
    notes: list[str]  # workbook-level: tabs not found, tabs left alone
    google: dict[str, str] = field(default_factory=dict)  # [google] settings it was read with

    def toml(self) -> str:
        """The proposal as a ready prodsheets.toml, its reasons as comments."""
        out = [
            f"# prodsheets.toml for {self.workbook}, proposed by `prodsheets adopt`"
            f" on {dt.date.today().isoformat()}.",
            "# Check it, then run: prodsheets validate --config prodsheets.toml",
            "",
            f"workbook = {_string(self.workbook)}",
        ]
        if self.date_order:
            out.append(f"date_order = {_string(self.date_order)}  # {self.date_evidence}")
        else:
            out.append(f"# date_order: {self.date_evidence}")
        if self.currency:
            out.append(f"currency = {_string(self.currency)}  # {self.currency_evidence}")
        else:
            out.append(f"# currency: {self.currency_evidence}")
        renamed = [t for t in self.tabs if t.title != t.name]
        if renamed:
            out += ["", "[tabs]"]
            out += [f"{_key(t.name)} = {_string(t.title)}  # {t.why}" for t in renamed]
        lower = [t for t in self.tabs if t.header_row != 1]
        if lower:
            out += ["", "[header_row]  # the rows above hold a title or notes"]
            out += [f"{_key(t.name)} = {t.header_row}" for t in lower]
        for tab in self.tabs:
            if not tab.mapped:
                continue
            out += ["", f"[columns.{_key(tab.name)}]"]
            out += [
                f"{_key(column)} = {_string(header)}  # spelt like {column}"
                for column, header in tab.mapped.items()
            ]
        if self.google:
            out += ["", "[google]"]
            out += [f"{key} = {_string(value)}" for key, value in self.google.items()]
        out += ["", "# What adopt found"]
        for tab in self.tabs:
            known = ", ".join(
                f"{c} = '{h}'" if normalise(c) != normalise(h) else c
                for c, h in tab.matched.items()
            )
            out.append(f"# {tab.name} ('{tab.title}', headers in row {tab.header_row}): {known}")
        unplaced = self.notes + [f"{t.title}: {note}" for t in self.tabs for note in t.notes]
        if unplaced:
            out += ["", "# What adopt could not place"]
            out += [f"# - {note}" for note in unplaced]
        # a comment quotes the workbook's own text: never a control character (TOML refuses
        # them, a terminal obeys them); values are JSON-escaped strings already
        return "\n".join(printable(line) if "#" in line else line for line in out) + "\n"


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _string(name)


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


# --------------------------------------------------------------------------------------------


def adopt(
    location: str, *, config: Config, template: Template | None = None, write: bool = False
) -> tuple[str, Path | None]:
    """Inspect the workbook and return the proposed prodsheets.toml (and where it was saved,
    with ``write``: beside a local workbook, or here for a Google one; never over a file)."""
    target = _target(location) if write else None
    if target is not None and target.exists():
        raise UsageError(
            f"{target} already exists; prodsheets adopt never writes over it. Run without "
            "--write to see the proposal, and copy what you need into it."
        )
    workbook = open_workbook(location, config)
    contents = workbook.read(None)
    proposal = propose(contents, template or load_template(config.template or None), location)
    if google_key(location) is not None:  # read it again the way it was read now
        proposal.google = {
            key: value
            for key, value in (
                ("credentials", config.credentials),
                ("api_endpoint", config.api_endpoint),
            )
            if value
        }
    text = proposal.toml()
    if target is not None:
        try:
            with open(target, "x", encoding="utf-8") as handle:  # "x": never over a file
                handle.write(text)
        except FileExistsError as exc:
            raise UsageError(f"{target} already exists; nothing was written.") from exc
        except OSError as exc:
            raise UsageError(f"Could not write {target}: {exc.strerror}.") from exc
    return text, target


def _target(location: str) -> Path:
    if google_key(location) is not None:
        return Path("prodsheets.toml")
    return Path(location).parent / "prodsheets.toml"


def _workbook_setting(location: str) -> str:
    """How the config names the workbook: its file name (the config sits beside it)."""
    return location if google_key(location) is not None else Path(location).name


def propose(contents: Contents, template: Template, location: str) -> Proposal:
    """The settings that map this workbook onto the template, with the reasons."""
    candidates = {
        title: raw
        for title, raw in contents.tabs.items()
        if title not in contents.owned and raw.rows is not None
    }
    chosen = _choose_tabs(candidates, template)
    tabs: list[TabFinding] = []
    notes: list[str] = []
    marks: Counter[str] = Counter()
    day_first = month_first = 0
    for name, spec in template.tabs.items():
        picked = chosen.get(name)
        if picked is None and name in OPTIONAL_TABS:
            continue  # Crew, Equipment: a workbook need not have them
        if picked is None:
            notes.append(
                f"{name}: no tab looks like it (by name or by its headers); name yours under "
                f'[tabs] ({name} = "Your tab"), or let prodsheets init add an empty one.'
            )
            continue
        title, why = picked
        finding = _columns(candidates[title], spec, title, why)
        tabs.append(finding)
        raw = candidates[title]
        columns = {**finding.matched, **finding.mapped}
        header = _row(raw, finding.header_row)
        where = {c: _position(header, h) for c, h in columns.items()}
        for column in spec.columns:
            j = where.get(column.name)
            if j is None:
                continue
            cells = _sample(raw, finding.header_row, j)
            if column.type == "money":
                marks.update(parse_money(cells).marks)
            elif column.type in ("date", "datetime"):
                first, second = _slash_evidence(cells)
                day_first += first
                month_first += second
    taken = {t.title for t in tabs}
    for title in candidates:
        if title not in taken:
            notes.append(f"tab '{title}' is not one of the source tabs: left as it is.")
    currency = likeliest(marks.elements())
    currency_evidence = (
        f"{sum(marks.values())} money cells show a currency ({_listing(marks)})"
        if currency
        else "no money cell shows a currency symbol or code; set one (ISO 4217) if you like"
    )
    if day_first > month_first:
        order, evidence = "DMY", f"{day_first} slash dates read only day-first (13/03/2026)"
    elif month_first:
        order, evidence = "MDY", f"{month_first} slash dates read only month-first (03/13/2026)"
    else:
        order, evidence = "", 'no date says which comes first; MDY is assumed, "DMY" if day-first'
    return Proposal(
        workbook=_workbook_setting(location),
        tabs=tabs,
        date_order=order,
        date_evidence=evidence,
        currency=currency,
        currency_evidence=currency_evidence,
        notes=notes,
    )


def _listing(marks: Counter[str]) -> str:
    return ", ".join(f"{mark} {n}" for mark, n in marks.most_common())


# --- which tab is which ---------------------------------------------------------------------


def _choose_tabs(candidates: dict[str, RawTab], template: Template) -> dict[str, tuple[str, str]]:
    """Source tab -> (title, why): its own name, else a name holding its name or an alias,
    else the tab whose first rows hold most of its headers."""
    chosen: dict[str, tuple[str, str]] = {}
    used: set[str] = set()
    for name in template.tabs:
        for title in candidates:
            if normalise(title) == normalise(name) and title not in used:
                chosen[name] = (title, "its own name")
                used.add(title)
                break
    for name, spec in template.tabs.items():
        if name in chosen:
            continue
        alike = [t for t in look_alike_tabs(spec, candidates) if t not in used]
        if alike:
            best = max(alike, key=lambda t: _header_score(candidates[t], spec)[0])
            chosen[name] = (best, f"its name is like {name}")
            used.add(best)
    for name, spec in template.tabs.items():
        if name in chosen:
            continue
        scored = [(_header_score(candidates[t], spec)[0], t) for t in candidates if t not in used]
        scored = [(s, t) for s, t in scored if s >= 2]
        if scored:
            score, best = max(scored, key=lambda pair: pair[0])
            chosen[name] = (best, f"its headers are {name}'s ({score} of them)")
            used.add(best)
    return chosen


def _header_score(raw: RawTab, spec: TabSpec) -> tuple[int, int]:
    """(how many of the tab's columns one row holds, that row) over rows 1-10."""
    best, row = 0, 1
    for k, cells in enumerate(raw.rows[:_SEARCH_ROWS], start=1):
        score = len(match_headers(cells, spec, {}).positions)
        if score > best:
            best, row = score, k
    return best, row


# --- which header is which column -----------------------------------------------------------


def _columns(raw: RawTab, spec: TabSpec, title: str, why: str) -> TabFinding:
    _, row = _header_score(raw, spec)
    header = _row(raw, row)
    matched = match_headers(header, spec, {})
    finding = TabFinding(name=spec.name, title=title, why=why, header_row=row)
    exact = dict(matched.positions)
    taken = set(exact.values())
    for column in spec.columns:
        j = exact.get(column.name)
        if j is not None:
            finding.matched[column.name] = header_text(header[j])
    texts = {j: header_text(v) for j, v in enumerate(header) if header_text(v)}
    for column in sorted(spec.columns, key=lambda c: not c.required):
        if column.name in finding.matched:
            continue
        free = [texts[j] for j in texts if j not in taken]
        guess = look_alike(free, column, cutoff=0.75)
        if guess is None:
            if column.required:
                finding.notes.append(
                    f"no header looks like {column.name}, which is required; add a "
                    f"'{column.name}' column, or map yours under [columns.{spec.name}]."
                )
            elif column.type == "money":
                finding.notes.append(
                    f"no header looks like {column.name}: the figures will count it as 0 "
                    f"(a header.missing warning) until you map one under [columns.{spec.name}]."
                )
            continue
        j = next(k for k, text in texts.items() if text == guess and k not in taken)
        doubt = _holds_other(raw, row, j, column)
        if doubt:
            finding.notes.append(f"'{guess}' is spelt like {column.name}, but {doubt}; not mapped.")
            continue
        finding.mapped[column.name] = guess
        taken.add(j)
    extra = [texts[j] for j in texts if j not in taken]
    if extra:
        finding.notes.append(
            "left alone as extra columns (no template column is like them): "
            + ", ".join(f"'{e}'" for e in extra)
        )
    return finding


def _holds_other(raw: RawTab, header_row: int, j: int, column: Column) -> str:
    """Why the cells under a look-alike header are not ``column``'s kind ("" when they are)."""
    if column.type != "money":
        return ""
    cells = [c for c in _sample(raw, header_row, j) if c not in (None, "")]
    if not cells:
        return ""
    parsed = parse_money(cells)
    readable = int((~parsed.bad).sum())
    if readable * 2 < len(cells):
        return f"most of its cells are not amounts ({len(cells) - readable} of {len(cells)})"
    return ""


# --- helpers --------------------------------------------------------------------------------


def _row(raw: RawTab, number: int) -> list[RawCell]:
    return list(raw.rows[number - 1]) if len(raw.rows) >= number else []


def _position(header: list[RawCell], text: str) -> int | None:
    for j, value in enumerate(header):
        if header_text(value) == text:
            return j
    return None


def _sample(raw: RawTab, header_row: int, j: int) -> list[RawCell]:
    rows = raw.rows[header_row : header_row + _SAMPLE]
    return [row[j] if j < len(row) else None for row in rows]


def _slash_evidence(cells: list[RawCell]) -> tuple[int, int]:
    """(dates readable only day-first, dates readable only month-first) among the texts."""
    day_first = month_first = 0
    for value in cells:
        if not isinstance(value, str):
            continue
        found = _SLASH_DATE.match(value)
        if found is None:
            continue
        first, second = int(found.group(1)), int(found.group(2))
        if first > 12 >= second:
            day_first += 1
        elif second > 12 >= first:
            month_first += 1
    return day_first, month_first
