"""The commands as library calls: read, parse, check, compute, build, write, in that order.

Each function takes keyword-only settings and knows nothing of click, so the CLI stays thin and
tests can call the same steps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from prodsheets import history
from prodsheets.backends import open_workbook
from prodsheets.backends.base import Contents, SummaryTable, Workbook
from prodsheets.checks import Context, run_checks
from prodsheets.config import Config
from prodsheets.errors import ConfigError, UsageError
from prodsheets.feeds import SinceLastSync
from prodsheets.figures import Figures, compute_figures
from prodsheets.issues import Issue, apply_severities, count, sort_issues
from prodsheets.rule_sets import RuleSets, check_default
from prodsheets.tables import Table, production_currency, read_tables
from prodsheets.template import OPTIONAL_TABS, SOURCE_TABS, Template, load_template, normalise

if TYPE_CHECKING:
    from prodsheets.feeds.calendar import Feeds
    from prodsheets.feeds.notify import Delivery

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
    # the workbook now against its History (the previous sync, or --since); None when the
    # workbook has no History yet
    compared: history.Comparison | None = None
    snapshot: history.Snapshot | None = None  # what this run saw, as the History records it
    log: history.Log = field(default_factory=history.Log)  # the History as read
    # owned tabs not written, each with the sentence saying why (a tab of that name that a
    # person made, a History too large for one Google update)
    left_out: dict[str, str] = field(default_factory=dict)
    theirs: frozenset[str] = frozenset()  # normalised titles of the tabs prodsheets did not make
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
    since: dt.date | None = None,
    progress: Progress = _quiet,
) -> Result:
    """Read the source tabs and the History, check every entry, compute the figures and
    compare them with the previous sync (or the last one on or before ``since``); write
    nothing."""
    progress(f"Reading {workbook.location}")
    contents = workbook.read([*source_names(config), history.HISTORY])
    rows = sum(len(tab.rows) for tab in contents.tabs.values())
    progress(f"Reading cells: {rows:,} rows in {len(contents.tabs)} tabs")
    tables, found = read_tables(contents, template, config)
    log = history_log(contents)
    found.extend(log.damaged)
    context = context_for(config, as_of, template)
    progress("Checking entries")
    found.extend(run_checks(tables, context))
    progress("Computing figures")
    figures = compute_figures(tables, context)
    issues = sort_issues(apply_severities(found, config.rules))
    progress("Comparing with the history")
    now = history.snapshot(tables, figures, issues)
    compared = None
    if log.syncs:
        baseline = history.baseline_index(log, as_of=as_of, since=since)
        if baseline is None:
            first = log.syncs[0].as_of.isoformat()
            raise UsageError(
                f"The workbook's history starts on {first} (its first sync it still keeps), "
                f"so there is no sync on or before {since}; give a --since of {first} or later."
            )
        compared = history.compare(log, now, tables, figures, issues, since=baseline)
    return Result(
        workbook=workbook.location,
        as_of=as_of,
        issues=issues,
        tables=tables,
        figures=figures,
        compared=compared,
        snapshot=now,
        log=log,
        theirs=frozenset(normalise(t) for t in contents.titles if t not in contents.owned),
        owned_before=contents.owned,
    )


def history_log(contents: Contents) -> history.Log:
    """The owned History tab, parsed; an empty log when there is none (or it is not ours:
    sync then refuses to write over it, as over any tab it did not make)."""
    for title, tab in contents.tabs.items():
        if normalise(title) == normalise(history.HISTORY) and title in contents.owned:
            return history.read_log(tab.rows, title=title)
    return history.Log()


def validate(
    location: str,
    *,
    config: Config,
    template: Template | None = None,
    as_of: dt.date | None = None,
    since: dt.date | None = None,
    progress: Progress = _quiet,
) -> Result:
    """Read and check the workbook (``validate``, ``report``, ``changes``); writes nothing."""
    workbook = open_workbook(location, config)
    return check_workbook(
        workbook,
        config=config,
        template=template or load_template(config.template or None),
        as_of=as_of or today(config),
        since=since,
        progress=progress,
    )


def sync(
    location: str,
    *,
    config: Config,
    template: Template | None = None,
    as_of: dt.date | None = None,
    since: dt.date | None = None,
    dry_run: bool = False,
    force: bool = False,
    progress: Progress = _quiet,
    now: dt.datetime | None = None,
) -> Result:
    """Check the workbook and write the summary tabs back in one atomic step, the History
    with this sync appended among them."""
    from prodsheets.summary import CHANGES, HISTORY, adoption_notes, build_summary

    workbook = open_workbook(location, config, force=force)
    result = check_workbook(
        workbook,
        config=config,
        template=template or load_template(config.template or None),
        as_of=as_of or today(config),
        since=since,
        progress=progress,
    )
    assert result.figures is not None and result.snapshot is not None
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
        compared=result.compared,
        log=(
            log := history.record_sync(
                result.log,
                result.snapshot,
                synced_at=synced_at,
                as_of=result.as_of,
                max_rows=config.history_max_rows,
                added_bytes=workbook.history_bytes,
            )
        ),
        kept=history.appendable(result.log, log),
    )
    result.summary = adoption_notes(
        result.summary, result.tables, currency=production_currency(result.tables)
    )
    # Changes and History are newer than the other owned tabs: a tab of that name that a
    # person made keeps the workbook syncing as before, without them
    for title in (CHANGES, HISTORY):
        if normalise(title) in result.theirs:
            result.left_out[title] = (
                f"the workbook has a tab named {title} that prodsheets did not make; rename "
                f"it to have prodsheets keep its {title} tab"
            )
    result.summary = [t for t in result.summary if t.title not in result.left_out]
    if not dry_run:
        progress(f"Writing {len(result.summary)} summary tabs")
        workbook.write(result.summary)
        for title in workbook.left_out:
            result.left_out[title] = (
                "too large to rewrite in one Google Sheets update, so it keeps what it held "
                "(delete it to start the history afresh)"
            )
        result.written = [t.title for t in result.summary if t.title not in result.left_out]
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


def since_last_sync(result: Result) -> SinceLastSync:
    """What history knows about the previous sync, for the calendar's SEQUENCE and the
    digest's changes (``prodsheets.history``): until a workbook has been synced once, nothing
    is known (SEQUENCE 0; the digest lists the open issues)."""
    from prodsheets.feeds.since import since_last_sync as from_history

    return from_history(result.compared, result.log, result.snapshot, result.tables)


def calendar(
    location: str,
    *,
    config: Config,
    out: str | Path,
    template: Template | None = None,
    progress: Progress = _quiet,
    now: dt.datetime | None = None,
) -> Feeds:
    """Read the workbook and write its calendar feeds into ``out`` (``calendar``)."""
    result = validate(location, config=config, template=template, progress=progress)
    progress(f"Writing calendars to {out}")
    return publish_calendars(result, config=config, out=out, now=now)


def publish_calendars(
    result: Result, *, config: Config, out: str | Path, now: dt.datetime | None = None
) -> Feeds:
    """The calendar feeds of a run that has read the workbook (``sync --calendar``)."""
    from prodsheets.feeds import production_of
    from prodsheets.feeds.calendar import publish_calendars as publish

    production = production_of(result.workbook)
    try:
        return publish(
            result.tables,
            out,
            production=production.title,
            workbook_id=production.workbook_id,
            timezone=config.timezone,
            revisions=since_last_sync(result).revisions,
            now=now,
        )
    except OSError as exc:
        raise UsageError(
            f"The calendars cannot be written to {out}: {exc.strerror or exc}. Choose a "
            "folder you can write to."
        ) from exc


def notify(result: Result, *, config: Config, urls: Sequence[str] = ()) -> Delivery:
    """Send the digest of this run to ``urls`` (or ``[notify] urls``), as ``[notify] on``
    says. Never raises: a failure is a warning in what it returns."""
    from prodsheets.feeds import production_of
    from prodsheets.feeds.notify import Delivery, build_digests, send

    targets = tuple(u for u in urls if u.strip()) or config.notify_urls  # "" = an unset secret
    if not targets:
        return Delivery()
    production = production_of(result.workbook)
    try:
        team, parts = build_digests(
            result.issues,
            since_last_sync(result),
            result.tables,
            production=production.title,
            link=production.link,
            as_of=result.as_of.isoformat(),
            departments=config.notify_departments,
        )
    except Exception as exc:  # a bug of ours must not turn a finished run into a failure
        return Delivery(
            warnings=[
                f"The digest could not be made ({type(exc).__name__}); nothing was sent and "
                "the run itself is not affected. Run again with --verbose and send us what it "
                "prints."
            ]
        )
    return send(targets, team, parts, on=config.notify_on)
