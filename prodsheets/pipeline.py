"""The commands as library calls: read, parse, check, compute, build, write, in that order.

Each function takes keyword-only settings and knows nothing of click, so the CLI stays thin and
tests can call the same steps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from prodsheets.backends import open_workbook
from prodsheets.backends.base import SummaryTable, Workbook
from prodsheets.checks import Context, run_checks
from prodsheets.config import Config
from prodsheets.errors import ConfigError
from prodsheets.figures import Figures, compute_figures
from prodsheets.issues import Issue, apply_severities, count, sort_issues
from prodsheets.rule_sets import RuleSets, check_default
from prodsheets.tables import Table, production_currency, read_tables
from prodsheets.template import OPTIONAL_TABS, SOURCE_TABS, Template, load_template

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    """The default progress sink: say nothing."""


@dataclass
class Result:
    """What one run found; the renderers and the exit code are derived from it."""

    workbook: str
    as_of: dt.date
    issues: list[Issue]
    tables: dict[str, Table] = field(default_factory=dict)
    figures: Figures | None = None
    summary: list[SummaryTable] = field(default_factory=list)
    written: list[str] = field(default_factory=list)  # titles of the tabs written
    # the summary tabs the workbook already had, ours, when it was read (none before the
    # first sync, which then says where to look)
    owned_before: frozenset[str] = frozenset()

    @property
    def counts(self) -> dict[str, int]:
        return count(self.issues)

    def failed(self, *, strict: bool = False) -> bool:
        """Errors fail a run; with ``strict`` warnings do too."""
        counts = self.counts
        return counts["error"] > 0 or (strict and counts["warning"] > 0)


def today(config: Config) -> dt.date:
    """The as-of date: today where the production is (config ``timezone``), else here."""
    zone = ZoneInfo(config.timezone) if config.timezone else None
    return dt.datetime.now(zone).date()


def context_for(config: Config, as_of: dt.date, template: Template | None = None) -> Context:
    return Context(
        as_of=as_of,
        near_limit=config.near_limit,
        min_turnaround=dt.timedelta(hours=float(config.min_turnaround_hours)),
        rule_sets=rule_sets_for(template, config),
    )


def rule_sets_for(template: Template | None, config: Config) -> RuleSets:
    """The template's rule sets with prodsheets.toml's on top (a set of the same name wins)."""
    base = template.rule_sets if template is not None else RuleSets()
    if config.rule_sets is None:
        return base
    merged = base.merged(config.rule_sets)
    check_default(merged, config.source or "prodsheets.toml", ConfigError)
    return merged


def source_names(config: Config) -> list[str]:
    """The titles to look for: this workbook's names for the source tabs (and the optional
    Crew and Equipment tabs)."""
    return [config.tabs.get(name, name) for name in (*SOURCE_TABS, *OPTIONAL_TABS)]


def check_workbook(
    workbook: Workbook,
    *,
    config: Config,
    template: Template,
    as_of: dt.date,
    progress: Progress = _quiet,
) -> Result:
    """Read the source tabs, check every entry and compute the figures; write nothing."""
    progress(f"Reading {workbook.location}")
    contents = workbook.read(source_names(config))
    rows = sum(len(tab.rows) for tab in contents.tabs.values())
    progress(f"Reading cells: {rows:,} rows in {len(contents.tabs)} tabs")
    tables, found = read_tables(contents, template, config)
    context = context_for(config, as_of, template)
    progress("Checking entries")
    found.extend(run_checks(tables, context))
    progress("Computing figures")
    figures = compute_figures(tables, context)
    issues = sort_issues(apply_severities(found, config.rules))
    return Result(
        workbook=workbook.location,
        as_of=as_of,
        issues=issues,
        tables=tables,
        figures=figures,
        owned_before=contents.owned,
    )


def validate(
    location: str,
    *,
    config: Config,
    template: Template | None = None,
    as_of: dt.date | None = None,
    progress: Progress = _quiet,
) -> Result:
    """Read and check the workbook (``validate`` and ``report``); writes nothing."""
    workbook = open_workbook(location, config)
    return check_workbook(
        workbook,
        config=config,
        template=template or load_template(config.template or None),
        as_of=as_of or today(config),
        progress=progress,
    )


def sync(
    location: str,
    *,
    config: Config,
    template: Template | None = None,
    as_of: dt.date | None = None,
    dry_run: bool = False,
    force: bool = False,
    progress: Progress = _quiet,
    now: dt.datetime | None = None,
) -> Result:
    """Check the workbook and write the summary tabs back in one atomic step."""
    from prodsheets.summary import adoption_notes, build_summary

    workbook = open_workbook(location, config, force=force)
    result = check_workbook(
        workbook,
        config=config,
        template=template or load_template(config.template or None),
        as_of=as_of or today(config),
        progress=progress,
    )
    assert result.figures is not None
    zone = ZoneInfo(config.timezone) if config.timezone else None
    synced_at = (now or dt.datetime.now(zone)).replace(microsecond=0, tzinfo=None)
    progress("Building summary tabs")
    result.summary = build_summary(
        result.figures,
        result.issues,
        result.tables,
        as_of=result.as_of,
        synced_at=synced_at,
        workbook=location,
    )
    result.summary = adoption_notes(
        result.summary, result.tables, currency=production_currency(result.tables)
    )
    if not dry_run:
        progress(f"Writing {len(result.summary)} summary tabs")
        workbook.write(result.summary)
        result.written = [table.title for table in result.summary]
    return result


def init(
    location: str,
    *,
    config: Config,
    template: Template | None = None,
    example: bool = False,
    force: bool = False,
    as_of: dt.date | None = None,
) -> list[str]:
    """Lay out the source tabs (and, with ``example``, the sample production, dated around
    ``as_of``)."""
    from prodsheets.layout import source_layout

    workbook = open_workbook(location, config, create=True, force=force)
    tabs = source_layout(
        template or load_template(config.template or None),
        config,
        example=example,
        today=as_of or today(config),
    )
    return workbook.lay_out(tabs, force=force)
