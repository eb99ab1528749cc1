"""The template: which source tabs a workbook has, their columns, and how each is read.

The schema is data (``templates/production.toml``), not code, so a production can copy it and
change enums, aliases or columns without touching prodsheets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from prodsheets.errors import TemplateError
from prodsheets.files import path_problem, read_toml
from prodsheets.rule_sets import RuleSets, check_default, parse_rule_sets

ColumnType = Literal["text", "money", "date", "datetime", "email", "list", "integer", "dates"]
COLUMN_TYPES: tuple[str, ...] = (
    "text",
    "money",
    "date",
    "datetime",
    "email",
    "list",
    "integer",
    "dates",
)
SOURCE_TABS: tuple[str, ...] = ("Departments", "Schedule", "Budget", "Vendors")
# Tabs a workbook may have: read and checked when present, never missed when absent.
OPTIONAL_TABS: tuple[str, ...] = ("Crew", "Equipment")


# Characters that show as nothing but arrive in pasted text (from web pages, chat apps, PDFs):
# zero-width space, non-joiner and joiner, word joiner, byte-order mark, soft hyphen.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_DROP_INVISIBLE = str.maketrans(dict.fromkeys(INVISIBLE))


def normalise(name: object) -> str:
    """The form in which tab names, headers and enum values are compared: case, spaces and
    invisible characters ignored."""
    text = str(name)
    if not text.isascii():
        text = text.translate(_DROP_INVISIBLE)
    return "".join(text.split()).casefold()


_HEADER_DECORATION = re.compile(r"(\([^()]*\)|[*:#?$£€¥])+$")


def header_key(header: object) -> str:
    """How a header is matched: as ``normalise`` does, and also without the unit or marker
    people add to it ("Budgeted ($)", "Code*", "Due:" all mean their column)."""
    key = normalise(header)
    return _HEADER_DECORATION.sub("", key) or key


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = "text"
    required: bool = False
    unique: Literal["", "exact", "casefold"] = ""
    enum: tuple[str, ...] = ()
    default: str = ""
    ref: str = ""  # "Tab.Column"
    aliases: tuple[str, ...] = ()
    width: int = 14


@dataclass(frozen=True)
class TabSpec:
    name: str
    key: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()  # other names workbooks give the tab ("Suppliers")

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


@dataclass(frozen=True)
class Template:
    tabs: dict[str, TabSpec] = field(default_factory=dict)
    source: str = ""
    rule_sets: RuleSets = field(default_factory=RuleSets)

    def tab(self, name: str) -> TabSpec:
        return self.tabs[name]

    def laid_out(self) -> list[str]:
        """The tabs ``init`` lays out: the source tabs, then the optional ones described."""
        return [name for name in (*SOURCE_TABS, *OPTIONAL_TABS) if name in self.tabs]


def default_template_path() -> Path:
    return Path(str(resources.files("prodsheets.templates").joinpath("production.toml")))


def load_template(path: str | Path | None = None) -> Template:
    """Read and check a template file; a broken one is a usage problem, not a crash."""
    where = Path(path) if path is not None else default_template_path()
    try:
        data = read_toml(where, what=f"The template {where}", error=TemplateError)
    except FileNotFoundError as exc:
        problem = path_problem(where)
        if problem:
            raise TemplateError(f"The template {where} cannot be read: {problem}.") from exc
        raise TemplateError(f"The template {where} does not exist.") from exc
    return parse_template(data, source=str(where))


def parse_template(data: dict[str, Any], *, source: str = "<template>") -> Template:
    tabs_data = data.get("tabs")
    if not isinstance(tabs_data, dict):
        raise TemplateError(f"The template {source} has no [tabs] table.")
    tabs: dict[str, TabSpec] = {}
    for tab_name in SOURCE_TABS:
        spec = tabs_data.get(tab_name)
        if not isinstance(spec, dict):
            raise TemplateError(f"The template {source} does not describe the {tab_name} tab.")
        tabs[tab_name] = _tab(tab_name, spec, source)
    for tab_name in OPTIONAL_TABS:
        spec = tabs_data.get(tab_name)
        if spec is None:
            continue  # a template written before the tab existed: its checks stay off
        if not isinstance(spec, dict):
            raise TemplateError(f"The template {source}, tab {tab_name}, must be a table.")
        tabs[tab_name] = _tab(tab_name, spec, source)
    unknown = sorted(set(tabs_data) - set(SOURCE_TABS) - set(OPTIONAL_TABS))
    if unknown:
        raise TemplateError(
            f"The template {source} describes an unknown tab {unknown[0]!r}; "
            f"the source tabs are {', '.join((*SOURCE_TABS, *OPTIONAL_TABS))}."
        )
    rule_sets = parse_rule_sets(data.get("rule_sets", {}), f"The template {source}", TemplateError)
    check_default(rule_sets, f"The template {source}", TemplateError)
    return Template(tabs=tabs, source=source, rule_sets=rule_sets)


# The columns the checks and figures rely on, by tab: a template may add columns, not lose these.
REQUIRED_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "Departments": (("Department", "text"), ("Allocation", "money")),
    "Schedule": (
        ("ID", "text"),
        ("Task", "text"),
        ("Department", "text"),
        ("Space", "text"),
        ("People", "list"),
        ("Start", "datetime"),
        ("End", "datetime"),
        ("Due", "date"),
        ("Done On", "date"),
        ("Status", "text"),
        ("Depends On", "list"),
    ),
    "Budget": (
        ("Code", "text"),
        ("Department", "text"),
        ("Category", "text"),
        ("Description", "text"),
        ("Vendor", "text"),
        ("Budgeted", "money"),
        ("Actual", "money"),
        ("Committed", "money"),
        ("ETC", "money"),
    ),
    "Vendors": (
        ("Vendor", "text"),
        ("Contract", "text"),
        ("Contract Start", "date"),
        ("Contract End", "date"),
        ("Insurance Expires", "date"),
    ),
    "Crew": (
        ("Name", "text"),
        ("Department", "text"),
        ("Rule Set", "text"),
        ("Unavailable", "dates"),
    ),
    "Equipment": (
        ("Item", "text"),
        ("Quantity", "integer"),
        ("Vendor", "text"),
        ("Daily Rate", "money"),
    ),
}

_COLUMN_KEYS = {"name", "type", "required", "unique", "enum", "default", "ref", "aliases", "width"}


def _tab(tab_name: str, spec: dict[str, Any], source: str) -> TabSpec:
    where = f"The template {source}, tab {tab_name}"
    raw_columns = spec.get("columns")
    if not isinstance(raw_columns, list) or not raw_columns:
        raise TemplateError(f"{where}, has no columns.")
    columns: list[Column] = []
    for raw in raw_columns:
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise TemplateError(f"{where}, has a column without a name.")
        unknown = sorted(set(raw) - _COLUMN_KEYS)
        if unknown:
            raise TemplateError(f"{where}, column {raw['name']!r}: unknown key {unknown[0]!r}.")
        kind = raw.get("type", "text")
        if kind not in COLUMN_TYPES:
            raise TemplateError(
                f"{where}, column {raw['name']!r}: type {kind!r} is not one of "
                f"{', '.join(COLUMN_TYPES)}."
            )
        unique = raw.get("unique", "")
        if unique is True:
            unique = "exact"
        if unique not in ("", "exact", "casefold", False):
            raise TemplateError(
                f"{where}, column {raw['name']!r}: unique must be exact or casefold."
            )
        try:
            columns.append(
                Column(
                    name=raw["name"],
                    type=kind,
                    required=bool(raw.get("required", False)),
                    unique=unique or "",
                    enum=tuple(str(v) for v in raw.get("enum", ())),
                    default=str(raw.get("default", "")),
                    ref=str(raw.get("ref", "")),
                    aliases=tuple(str(a) for a in raw.get("aliases", ())),
                    width=int(raw.get("width", 14)),
                )
            )
        except (TypeError, ValueError) as exc:
            raise TemplateError(f"{where}, column {raw['name']!r}: {exc}.") from exc
    have = {c.name: c.type for c in columns}
    for name, kind in REQUIRED_COLUMNS[tab_name]:
        if name not in have:
            raise TemplateError(f"{where}, lacks the {name} column that prodsheets relies on.")
        if have[name] != kind:
            raise TemplateError(f"{where}, column {name} must have type {kind}.")
    key = str(spec.get("key", columns[0].name))
    if key not in have:
        raise TemplateError(f"{where}, key {key!r} is not one of its columns.")
    aliases = spec.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise TemplateError(f"{where}, aliases must be a list of tab names.")
    return TabSpec(name=tab_name, key=key, columns=tuple(columns), aliases=tuple(aliases))
