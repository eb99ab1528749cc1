"""What ``init`` lays out: the source tabs, straight from the template.

The headers, widths, formats and dropdowns come from the same template the checks read, so a
freshly laid-out workbook never disagrees with what ``validate`` expects.
"""

from __future__ import annotations

from datetime import date

from prodsheets.a1 import column_letter, quote_title
from prodsheets.backends.base import Format, LayoutTab, SummaryValue
from prodsheets.config import Config
from prodsheets.template import Column, Template

# How many rows a Department or Vendor dropdown offers: room for a large production.
REF_ROWS = 500

_FORMATS: dict[str, Format] = {
    "money": Format.MONEY,
    "date": Format.DATE,
    "datetime": Format.DATETIME,
}


def tab_title(name: str, config: Config) -> str:
    """This workbook's name for a source tab (``[tabs]`` in prodsheets.toml), or the template's."""
    return config.tabs.get(name, name) or name


def source_layout(
    template: Template, config: Config, *, example: bool, today: date
) -> list[LayoutTab]:
    """One ``LayoutTab`` per source tab in template order (then the optional Crew and
    Equipment tabs the template describes), with the example rows if asked."""
    rows_by_tab: dict[str, list[tuple[SummaryValue, ...]]] = {}
    if example:
        from prodsheets.example import example_rows

        rows_by_tab = example_rows(template, today)
    laid_out = []
    for name in template.laid_out():
        spec = template.tab(name)
        dropdowns = _dropdowns(spec.columns, template, config)
        if name == "Crew":
            dropdowns.update(_rule_set_dropdown(spec.columns, template, config))
        laid_out.append(
            LayoutTab(
                title=tab_title(name, config),
                headers=tuple(col.name for col in spec.columns),
                widths=tuple(col.width for col in spec.columns),
                formats=tuple(_FORMATS.get(col.type, Format.TEXT) for col in spec.columns),
                dropdowns=dropdowns,
                rows=list(rows_by_tab.get(name, [])),
            )
        )
    return laid_out


def _rule_set_dropdown(
    columns: tuple[Column, ...], template: Template, config: Config
) -> dict[int, tuple[str, ...] | str]:
    """The Crew tab's Rule Set offers the rule sets the template and prodsheets.toml declare."""
    rule_sets = template.rule_sets
    if config.rule_sets is not None:
        rule_sets = rule_sets.merged(config.rule_sets)
    names = tuple(rule_sets.names())
    at = [k for k, col in enumerate(columns) if col.name == "Rule Set"]
    return {at[0]: names} if at and names else {}


def _dropdowns(
    columns: tuple[Column, ...], template: Template, config: Config
) -> dict[int, tuple[str, ...] | str]:
    """Enum columns offer their values; ref columns offer the listed Departments or Vendors."""
    found: dict[int, tuple[str, ...] | str] = {}
    for index, col in enumerate(columns):
        if col.enum:
            found[index] = col.enum
        elif col.ref:
            reference = ref_range(col.ref, template, config)
            if reference:
                found[index] = reference
    return found


def ref_range(ref: str, template: Template, config: Config) -> str:
    """ "Departments.Department" -> "Departments!$A$2:$A$500", or "" if the ref names nothing."""
    tab_name, _, column_name = ref.partition(".")
    if tab_name not in template.tabs:
        return ""
    names = [col.name for col in template.tab(tab_name).columns]
    if column_name not in names:
        return ""
    letter = column_letter(names.index(column_name))
    title = quote_title(tab_title(tab_name, config))
    return f"{title}!${letter}$2:${letter}${REF_ROWS}"
