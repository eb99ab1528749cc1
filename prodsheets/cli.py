"""The ``prodsheets`` command: options in, one library call, an exit code out.

Exit codes: 0 no errors, 1 errors found (warnings too with --strict), 2 usage or configuration
problem, 3 the workbook could not be read or written.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from prodsheets import __version__, pipeline, terminal
from prodsheets.config import Config, load_config
from prodsheets.errors import ProdsheetsError, UsageError
from prodsheets.render import render, render_changes, summary_line
from prodsheets.safe_text import printable, without_credentials

if TYPE_CHECKING:
    from prodsheets.feeds.calendar import Feeds

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_WORKBOOK = 0, 1, 2, 3


@dataclass
class Run:
    """Options shared by every command."""

    config_path: str | None
    credentials: str | None
    template: str | None
    quiet: bool
    verbose: bool

    def config(self, workbook: str | None) -> tuple[Config, str]:
        config = load_config(self.config_path).with_overrides(
            credentials=self.credentials, template=self.template
        )
        location = workbook or config.workbook
        if not location:
            raise UsageError(
                "Name the workbook: prodsheets COMMAND show.xlsx (or set workbook = in "
                "prodsheets.toml, or PRODSHEETS_WORKBOOK)."
            )
        return config, location

    def check(
        self, workbook: str | None, *, as_of: dt.datetime | None, since: dt.datetime | None
    ) -> tuple[Config, pipeline.Result]:
        """Read and check the workbook, writing nothing (validate, report, changes)."""
        config, location = self.config(workbook)
        with self.progress(CHECK_STEPS) as progress:
            result = pipeline.validate(
                location,
                config=config,
                as_of=_as_of(as_of),
                since=_as_of(since),
                progress=progress,
            )
        return config, result

    def progress(self, steps: int) -> terminal.Progress:
        """The run's ``steps`` as one line on a terminal's stderr, erased when done (each on
        its own line with --verbose); nothing when piped or quiet."""
        return terminal.Progress(steps, show=not self.quiet, verbose=self.verbose)


def common_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--config",
            "config_path",
            type=click.Path(dir_okay=False),
            help="Settings file. Default: ./prodsheets.toml where present.",
        ),
        click.option(
            "--credentials",
            type=click.Path(dir_okay=False),
            help="Google service-account key file (JSON). Default: credentials = in the "
            "config, then GOOGLE_APPLICATION_CREDENTIALS, then your Google login.",
        ),
        click.option(
            "--template",
            type=click.Path(dir_okay=False),
            help="Your own copy of templates/production.toml (tabs, columns, enums, aliases). "
            "Default: template = in the config, else the bundled one.",
        ),
        click.option("-q", "--quiet", is_flag=True, help="Print only the one-line outcome."),
        click.option(
            "-v", "--verbose", is_flag=True, help="Show each step, and a traceback on failure."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _run(options: dict[str, Any]) -> Run:
    return Run(
        config_path=options.pop("config_path"),
        credentials=options.pop("credentials"),
        template=options.pop("template"),
        quiet=options.pop("quiet"),
        verbose=options.pop("verbose"),
    )


class OutputFailed(ProdsheetsError):
    """Standard output is closed, full or gone: what the run found cannot be printed."""


def say(text: str, *, err: bool = False) -> None:
    """Print ``text`` (a line): credentials taken out of every URL in it, characters the
    stream cannot encode escaped; a stdout that is closed or full raises ``OutputFailed``."""
    stream = sys.stderr if err else sys.stdout
    if stream is None:  # started with that stream closed: there is nowhere to print
        return
    text = without_credentials(text)
    try:
        try:
            click.echo(text, file=stream, color=None)
        except UnicodeEncodeError:
            encoding = getattr(stream, "encoding", None) or "utf-8"
            click.echo(text.encode(encoding, "backslashreplace").decode(encoding), file=stream)
    except (OSError, ValueError) as exc:  # ValueError: the stream was closed
        _discard_unflushed(stream)
        if err:
            return
        reason = getattr(exc, "strerror", None) or "it is closed"
        raise OutputFailed(
            f"prodsheets could not print its output ({reason}); check where standard output "
            "goes (a full disk, a closed pipe) and run again."
        ) from None


def _discard_unflushed(stream: Any) -> None:
    """Point a failed stream at /dev/null, so that Python's own flush at exit does not
    fail again with a traceback of its own."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def _is_terminal(stream: Any) -> bool:
    try:
        return stream is not None and bool(stream.isatty())
    except (OSError, ValueError):
        return False


@contextmanager
def plain_failures(run: Run) -> Iterator[None]:
    """Turn a fault into one sentence and its exit code; a traceback only with --verbose.

    The output is printed inside it too, so that a stdout that fails is one more sentence."""
    try:
        yield
    except ProdsheetsError as exc:
        if run.verbose:
            say(traceback.format_exc().rstrip(), err=True)
        say(click.style("Error: ", fg="red", bold=True) + printable(exc), err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        say("Stopped; nothing was written.", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug of ours: still one sentence, never a bare traceback
        if run.verbose:
            say(traceback.format_exc().rstrip(), err=True)
        say(
            click.style("Error: ", fg="red", bold=True)
            + f"prodsheets hit an unexpected problem ({type(exc).__name__}); nothing was "
            "written. Run again with --verbose and send us what it prints.",
            err=True,
        )
        sys.exit(EXIT_WORKBOOK)


NOTIFY = click.option(
    "--notify",
    multiple=True,
    metavar="URL",
    help="Send the digest to this Apprise URL (mailtos://, slack://, json://, ...); repeat "
    "for more. Default: urls = under [notify] in prodsheets.toml. Never printed.",
)

AS_OF = click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Check as if today were this date (YYYY-MM-DD). Default: today in the config's timezone.",
)


SINCE = click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Compare with the last sync on or before this date (YYYY-MM-DD), as the History "
    "tab remembers it. Default: the previous sync (the last one dated before the as-of date).",
)


def _as_of(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def _finish(
    run: Run, result: pipeline.Result, output: str, *, fmt: str = "text", strict: bool = False
) -> None:
    """Print what the run found (just its one line with --quiet, unless a machine format was
    asked for), then exit 1 with one sentence when it failed."""
    say(summary_line(result) if run.quiet and fmt == "text" else output)
    if result.failed(strict=strict):
        what = "errors" if result.counts["error"] else "warnings (with --strict)"
        say(f"Found {what}: fix the cells listed and run again.", err=True)
        sys.exit(EXIT_ERRORS)


def _output(result: pipeline.Result, fmt: str, *, figures: bool) -> str:
    return render(
        result,
        fmt,
        with_figures=figures,
        colour=_is_terminal(sys.stdout),
        width=terminal.width(sys.stdout),
    )


CHECK_STEPS = 5  # reading, cells, checks, figures, history (see pipeline.check_workbook)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="prodsheets")
def cli() -> None:
    """Run a production from one shared workbook.

    Department heads type schedule items, budget lines and vendors into the workbook;
    prodsheets checks every entry, works out where the money stands against plan, finds
    schedule clashes, and writes summary tabs back for the whole team.

    WORKBOOK is a local file (show.xlsx) or a Google spreadsheet (gsheets:KEY or its URL).

    \b
    Example:
        prodsheets init show.xlsx --example
        prodsheets sync show.xlsx
    """


@cli.command(short_help="Lay out the source tabs a workbook lacks.")
@click.argument("workbook", required=False)
@click.option("--example", is_flag=True, help="Fill in a realistic sample production.")
@click.option(
    "--force", is_flag=True, help="Go ahead even if Excel or LibreOffice seems to have it open."
)
@common_options
def init(workbook: str | None, example: bool, force: bool, **options: Any) -> None:
    """Lay out the Departments, Schedule, Budget and Vendors tabs a workbook lacks, and the
    optional Crew and Equipment tabs (left empty, they change no check).

    Headers are bold and frozen, columns sized, dropdowns offered for every fixed list, for
    Department and Vendor and for a person's Rule Set, dates and money formatted. A new
    workbook is created; in one that exists only the missing tabs are added: every tab,
    chart, image, table and macro already in it stays exactly as it was, and a tab that is
    there is left alone. No flag deletes anything (--force only overrides the open-in-Excel
    check).

    \b
    Example:
        prodsheets init show.xlsx --example
        prodsheets init our-show.xlsm      # adds only the tabs it lacks
    """
    run = _run(options)
    with plain_failures(run):
        config, location = run.config(workbook)
        written = pipeline.init(location, config=config, example=example, force=force)
        if not run.quiet:
            tabs = ", ".join(written) if written else "nothing (every tab was already there)"
            say(printable(f"Laid out {tabs} in {location}."))
            kept = [t for t in pipeline.source_names(config) if t not in written]
            if kept:
                say(printable(f"Left as they are (already there): {', '.join(kept)}."))
            again = "".join(
                f" {flag} {shlex.quote(value)}"
                for flag, value in (("--config", run.config_path), ("--template", run.template))
                if value
            )
            say(
                printable(
                    f"Next: type into it, then run: prodsheets sync {shlex.quote(location)}{again}"
                )
            )


@cli.command(short_help="Propose the prodsheets.toml for a workbook you already keep.")
@click.argument("workbook", required=False)
@click.option(
    "--write",
    is_flag=True,
    help="Save it as prodsheets.toml beside the workbook (never over an existing file).",
)
@common_options
def adopt(workbook: str | None, write: bool, **options: Any) -> None:
    """Look at a workbook prodsheets did not lay out and print the prodsheets.toml that maps it.

    It says which of your tabs is Departments, Schedule, Budget and Vendors, which of your
    headers is which column (exact names and aliases need nothing; close spellings such as
    "Amount Spent" for Actual are mapped under [columns.Budget]), which row holds the headers
    when a title sits above them, and the date order and currency the cells show. What it
    could not place is listed at the end, with the reason. Nothing in the workbook changes.

    \b
    Example:
        prodsheets adopt "Spring tour.xlsx" --write
        prodsheets validate --config prodsheets.toml
    """
    from prodsheets.adopt import adopt as propose_config

    run = _run(options)
    with plain_failures(run):
        config, location = run.config(workbook)
        text, saved = propose_config(location, config=config, write=write)
        say(text.rstrip("\n"))
        if saved is not None and not run.quiet:
            next_step = f"prodsheets validate --config {shlex.quote(str(saved))}"
            say(printable(f"Saved {saved}. Next: {next_step}"), err=True)


@cli.command()
@click.argument("workbook", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown", "github"]),
    default="text",
    show_default=True,
    help="json for scripts, markdown for notes, github for GitHub Actions annotations.",
)
@AS_OF
@SINCE
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@NOTIFY
@common_options
def validate(
    workbook: str | None,
    fmt: str,
    as_of: dt.datetime | None,
    since: dt.datetime | None,
    strict: bool,
    notify: tuple[str, ...],
    **options: Any,
) -> None:
    """Check every entry and list what is wrong; writes nothing.

    Exits 0 when there are no errors (warnings allowed), 1 when there are errors (or warnings
    with --strict): made for a nightly job. With --format json, once the workbook has been
    synced, each issue says whether it is new since the previous sync (or --since) or has
    been open since a date. With --notify (or [notify] in prodsheets.toml) it also sends a
    digest; a digest that cannot be sent is a warning, never another exit code.

    \b
    Example:
        prodsheets validate show.xlsx --format github --strict
        prodsheets validate show.xlsx --notify "json://hooks.example.org/prodsheets"
    """
    run = _run(options)
    with plain_failures(run):
        config, result = run.check(workbook, as_of=as_of, since=since)
        _notify(run, result, config, notify)
        _finish(run, result, _output(result, fmt, figures=False), fmt=fmt, strict=strict)


@cli.command(short_help="Show the figures and issues; writes nothing.")
@click.argument("workbook", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown", "html"]),
    default="text",
    show_default=True,
    help="json for scripts, markdown for notes, html for a page to send a producer.",
)
@AS_OF
@SINCE
@common_options
def report(
    workbook: str | None,
    fmt: str,
    as_of: dt.datetime | None,
    since: dt.datetime | None,
    **options: Any,
) -> None:
    """Show the cost report, schedule and vendor figures and every issue; writes nothing.

    --format html prints one self-contained page (no network needed to open it, readable on
    a phone): the totals, EFC against Budgeted by department, the lines at risk, the next
    milestones and the issues.

    Once the workbook has been synced, --format json also gives each department and category
    its Previous EFC and Movement since the previous sync (or --since), and the changes.

    \b
    Example:
        prodsheets report show.xlsx --format markdown > cost-report.md
        prodsheets report show.xlsx --format html > cost-report.html
    """
    run = _run(options)
    with plain_failures(run):
        _, result = run.check(workbook, as_of=as_of, since=since)
        _finish(run, result, _output(result, fmt, figures=True), fmt=fmt)


@cli.command()
@click.argument("workbook", required=False)
@click.option("--dry-run", is_flag=True, help="Do everything but write.")
@click.option(
    "--force", is_flag=True, help="Write even if Excel or LibreOffice seems to have the file open."
)
@AS_OF
@SINCE
@click.option(
    "--calendar",
    "calendar_dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Also write the calendar feeds into DIR (as prodsheets calendar --out DIR does).",
)
@NOTIFY
@common_options
def sync(
    workbook: str | None,
    dry_run: bool,
    force: bool,
    as_of: dt.datetime | None,
    since: dt.datetime | None,
    calendar_dir: str | None,
    notify: tuple[str, ...],
    **options: Any,
) -> None:
    """Check the workbook and write the summary tabs back into it.

    Writes Summary, Budget Variance, Schedule Report, Vendor Report, Changes and Issues in one
    step, creating them where absent, and records what it saw in the hidden History tab, from
    which the next sync shows the Previous EFC, the Movement and the Changes. Never writes
    into a tab you made: if one of yours has a summary tab's name, nothing is written.

    With --calendar DIR it also writes the calendar feeds, and with --notify (or [notify] in
    prodsheets.toml) it sends the digest; neither can undo a sync that was written.

    \b
    Example:
        prodsheets sync show.xlsx --as-of 2026-03-14
        prodsheets sync show.xlsx --calendar public/calendars --notify "mailtos://..."
    """
    run = _run(options)
    with plain_failures(run):
        config, location = run.config(workbook)
        with run.progress(CHECK_STEPS + (1 if dry_run else 2)) as progress:
            result = pipeline.sync(
                location,
                config=config,
                as_of=_as_of(as_of),
                since=_as_of(since),
                dry_run=dry_run,
                force=force,
                progress=progress,
            )
        if dry_run:
            titles = ", ".join(t.title for t in result.summary)
            done = f"Dry run: would write {titles}; nothing was written."
        else:
            done = f"Wrote {', '.join(result.written)} to {location}."
        done += "".join(f" Left out {title}: {why}." for title, why in result.left_out.items())
        if not dry_run and result.written and result.written[0] not in result.owned_before:
            done += "\n" + where_to_look(location, result.written[0])
        if not dry_run:
            if calendar_dir:
                done += "\n" + _calendars(run, result, config, calendar_dir)
            _notify(run, result, config, notify)
        width = terminal.width(sys.stdout)
        done = "\n".join(
            line for part in done.split("\n") for line in terminal.paragraph(printable(part), width)
        )
        _finish(run, result, _output(result, "text", figures=False) + "\n" + done)


def where_to_look(location: str, first_tab: str) -> str:
    """What the first sync says next: where the figures now are."""
    if location.lower().endswith((".xlsx", ".xlsm")):
        return f"Next: open {location} and look at the {first_tab} tab."
    return f"Next: open the spreadsheet in Google Sheets and look at the {first_tab} tab."


@cli.command(short_help="Write calendar feeds for every person, space and department.")
@click.argument("workbook", required=False)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Folder for the .ics files: all.ics, people/, spaces/, departments/.",
)
@common_options
def calendar(workbook: str | None, out: str, **options: Any) -> None:
    """Write the Schedule tab as calendar feeds (iCalendar .ics files) into DIR.

    all.ics holds every item; people/NAME.ics, spaces/NAME.ics and departments/NAME.ics hold
    each one's share. Put DIR on a web server (GitHub Pages, a shared drive with public links)
    and subscribe to a file's address from any phone or desktop calendar: each sync then
    updates it. Events keep their identity across syncs, cancelled items are marked cancelled,
    and a file is only rewritten when something in it changed. Times are in the config's
    timezone.

    \b
    Example:
        prodsheets calendar show.xlsx --out public/calendars
    """
    run = _run(options)
    with plain_failures(run):
        config, location = run.config(workbook)
        with run.progress(CHECK_STEPS + 1) as progress:
            feeds = pipeline.calendar(location, config=config, out=out, progress=progress)
    click.echo(printable(_calendar_line(feeds)))  # the IDs left off are cell text


def _calendar_line(feeds: Feeds) -> str:
    total = len(feeds.written) + len(feeds.unchanged)
    line = (
        f"Calendars: {feeds.events} events in {total} files in {feeds.folder}; "
        f"{len(feeds.written)} written, {len(feeds.unchanged)} unchanged."
    )
    if feeds.left_off:
        shown = ", ".join(feeds.left_off[:10]) + (" …" if len(feeds.left_off) > 10 else "")
        line += f" Left off (no Start, End or Due to show): {shown}."
    return line


def _calendars(run: Run, result: pipeline.Result, config: Config, out: str) -> str:
    """``sync --calendar``: the feeds, or a warning; the sync is already written either way."""
    try:
        return _calendar_line(pipeline.publish_calendars(result, config=config, out=out))
    except ProdsheetsError as exc:
        return f"Warning: {exc}"
    except Exception as exc:  # a bug of ours: the sync is written, so still only a warning
        if run.verbose:
            traceback.print_exc()
        return (
            f"Warning: the calendars could not be written ({type(exc).__name__}); the sync "
            "is. Run again with --verbose and send us what it prints."
        )


def _notify(run: Run, result: pipeline.Result, config: Config, urls: tuple[str, ...]) -> None:
    """Send the digest; say where it went (unless --quiet) and warn about what failed."""
    delivery = pipeline.notify(result, config=config, urls=urls)
    if delivery.sent and not run.quiet:  # a department's name is cell text
        click.echo(printable(f"Sent the digest to {', '.join(delivery.sent)}."), err=True)
    for warning in delivery.warnings:
        click.echo(click.style("Warning: ", fg="yellow", bold=True) + printable(warning), err=True)


@cli.command(short_help="What changed since the previous sync; writes nothing.")
@click.argument("workbook", required=False)
@SINCE
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="json for scripts, markdown for notes.",
)
@AS_OF
@common_options
def changes(
    workbook: str | None,
    since: dt.datetime | None,
    fmt: str,
    as_of: dt.datetime | None,
    **options: Any,
) -> None:
    """List what changed since the previous sync (or --since): budget lines added, removed
    and re-estimated (EFC old -> new), schedule items added, cancelled, moved or with people
    added or removed, and issues new and resolved. Writes nothing; exits 0 whatever it finds.

    The History tab that every sync keeps is what it compares with: a workbook never synced
    has no history yet.

    \b
    Example:
        prodsheets changes show.xlsx --since 2026-03-02 --format markdown
    """
    run = _run(options)
    with plain_failures(run):
        _, result = run.check(workbook, as_of=as_of, since=since)
        say(render_changes(result, fmt))


def main() -> None:
    cli(prog_name="prodsheets")
