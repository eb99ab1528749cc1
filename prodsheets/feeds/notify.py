"""The nightly digest, sent through Apprise: errors first, then what changed since the
previous sync, each with its tab and cell; one part per department to that department's head.

A notification is a courtesy on top of a run that has already done its work, so a target that
cannot be reached is a warning in the output and never changes the exit code or undoes a sync.
Apprise URLs carry passwords and tokens, so no part of one is ever printed: a target is named
by its place in the list and its kind ("target 2 (JSON)").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from prodsheets.feeds import Change, SinceLastSync
from prodsheets.issues import Issue, Severity
from prodsheets.tables import Table
from prodsheets.template import normalise

ON_CHANGE, ON_ERROR, ALWAYS = "change", "error", "always"
_EMAIL_SCHEMAS = ("mailto", "mailtos")
_MAX_LINES = 200  # per section: a digest is read on a phone; the Issues tab has the rest


@dataclass(frozen=True)
class Digest:
    """One message: to the whole team (``department`` "") or to one department's head."""

    title: str
    body: str
    errors: int
    changes: int
    news: int  # what counts as changed: the changes, or without history every open issue
    department: str = ""
    to: str = ""  # the head's email, for a department part


@dataclass
class Delivery:
    """What was sent, and the warnings to print (never a URL)."""

    sent: list[str] = field(default_factory=list)  # "target 1 (E-Mail)", "Lighting head"
    warnings: list[str] = field(default_factory=list)


def build_digests(
    issues: Sequence[Issue],
    since: SinceLastSync,
    tables: Mapping[str, Table],
    *,
    production: str,
    link: str,
    as_of: str,
    departments: bool,
) -> tuple[Digest, list[Digest]]:
    """The team's digest, and (with ``departments``) one part per department head with an
    email address, holding only that department's errors and changes."""
    changes = list(since.changes) if since.known else _issues_as_changes(issues, tables)
    errors = [i for i in issues if i.severity is Severity.ERROR]
    team = _digest(errors, changes, since, production=production, link=link, as_of=as_of)
    parts: list[Digest] = []
    if departments:
        owner = _department_of(tables)
        for name, email in department_heads(tables):
            key = normalise(name)
            mine = [i for i in errors if owner(i) == key]
            their_changes = [c for c in changes if normalise(c.department) == key]
            part = _digest(
                mine,
                their_changes,
                since,
                production=f"{production} ({name})",
                link=link,
                as_of=as_of,
            )
            parts.append(replace(part, department=name, to=email))
    return team, parts


def worth_sending(digest: Digest, on: str) -> bool:
    """``change``: only when something changed; ``error``: while there are errors;
    ``always``: every run."""
    if on == ALWAYS:
        return True
    if on == ON_ERROR:
        return digest.errors > 0
    return digest.news > 0


def send(urls: Sequence[str], team: Digest, parts: Sequence[Digest], *, on: str) -> Delivery:
    """Send the team digest to every URL and each department part to its head through the
    first email URL. Every failure becomes a warning; nothing here raises."""
    import apprise

    delivery = Delivery()
    asset = apprise.AppriseAsset(storage_mode="memory")  # no cache files on the runner
    email_url: str | None = None
    for n, url in enumerate(urls, start=1):
        plugin = _target(apprise, url, asset)
        if plugin is None:
            delivery.warnings.append(
                f"Notify target {n} is not an address Apprise understands; see "
                "https://github.com/caronc/apprise/wiki for the forms (nothing was sent to it)."
            )
            continue
        if email_url is None and _is_email(url):
            email_url = url
        if worth_sending(team, on):
            _deliver(apprise, plugin, team, f"target {n} ({plugin.service_name})", delivery)
    chosen = [part for part in parts if worth_sending(part, on)]
    if chosen and email_url is None:
        delivery.warnings.append(
            "[notify] departments = true sends each head their part by email: add a mailto:// "
            "or mailtos:// URL to send it from."
        )
        return delivery
    for part in chosen:
        assert email_url is not None
        plugin = _addressed_to(apprise, email_url, part.to, asset)
        if plugin is not None:
            _deliver(apprise, plugin, part, f"{part.department} head", delivery)
    return delivery


def department_heads(tables: Mapping[str, Table]) -> list[tuple[str, str]]:
    """(department, email) for every department with a head's email: the Departments tab's
    Email, else the head's Email in the Crew tab where the workbook has one."""
    table = tables.get("Departments")
    if table is None or not table.present or table.frame.empty:
        return []
    crew = _crew_emails(tables.get("Crew"))
    heads: list[tuple[str, str]] = []
    frame = table.frame
    for name, head, email in zip(frame["Department"], frame["Head"], frame["Email"], strict=True):
        if not isinstance(name, str) or not name.strip():
            continue
        address = email if isinstance(email, str) and "@" in email else ""
        if not address and isinstance(head, str):
            address = crew.get(normalise(head), "")
        if address:
            heads.append((name.strip(), address.strip()))
    return heads


# --- the message ----------------------------------------------------------------------------


def _digest(
    errors: Sequence[Issue],
    changes: Sequence[Change],
    since: SinceLastSync,
    *,
    production: str,
    link: str,
    as_of: str,
) -> Digest:
    what = "What changed since the last sync" if since.known else "Warnings"
    counts = [f"{len(errors)} error{'s' * (len(errors) != 1)}"]
    if since.known:
        counts.append(f"{len(changes)} change{'s' * (len(changes) != 1)}")
    else:
        counts.append(f"{len(changes)} warning{'s' * (len(changes) != 1)}")
    lines = [f"{production}, as of {as_of}: {', '.join(counts)}.", f"Open it: {link}", ""]
    if errors:
        lines.append(f"Errors ({len(errors)}): fix these first")
        lines += _capped([f"- {_where(i.tab, i.cell)}: {i.message} [{i.rule}]" for i in errors])
        lines.append("")
    if changes:
        lines.append(f"{what} ({len(changes)})")
        lines += _capped([f"- {_where(c.tab, c.cell, c.key)}: {c.text}" for c in changes])
        lines.append("")
    if not errors and not changes:
        quiet = "nothing changed since the last sync" if since.known else "no warnings"
        lines.append(f"No errors, and {quiet}.")
    return Digest(
        title=f"{production}: {', '.join(counts)}",
        body="\n".join(lines).rstrip() + "\n",
        errors=len(errors),
        changes=len(changes),
        # without history there is no "since": every open issue is news
        news=len(changes) if since.known else len(errors) + len(changes),
    )


def _issues_as_changes(issues: Sequence[Issue], tables: Mapping[str, Table]) -> list[Change]:
    """Without history the digest lists the warnings where the changes would go."""
    owner = _department_of(tables)
    return [
        Change(i.tab, key="", cell=i.cell, text=f"{i.message} [{i.rule}]", department=owner(i))
        for i in issues
        if i.severity is Severity.WARNING
    ]


def _where(tab: str, cell: str, key: str = "") -> str:
    place = f"{tab}!{cell}" if tab and cell else tab or "workbook"
    return f"{place} ({key})" if key else place


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= _MAX_LINES:
        return lines
    return [*lines[:_MAX_LINES], f"- … and {len(lines) - _MAX_LINES} more (see the Issues tab)"]


def _department_of(tables: Mapping[str, Table]) -> Callable[[Issue], str]:
    """issue -> the department (normalised) of the row it is on, "" when it has none."""
    by_title = {
        t.title: t for t in tables.values() if t.present and "Department" in t.frame.columns
    }

    def owner(found: Issue) -> str:
        table = by_title.get(found.tab)
        if table is None or found.row is None or found.row not in table.frame.index:
            return ""
        value = table.frame.at[found.row, "Department"]
        return normalise(value) if isinstance(value, str) else ""

    return owner


def _crew_emails(table: Table | None) -> dict[str, str]:
    """name -> email from the Crew tab, where the workbook has one with those columns."""
    if table is None or not table.present or "Email" not in table.frame.columns:
        return {}
    name = next((c for c in ("Name", "Person", "Crew") if c in table.frame.columns), None)
    if name is None:
        return {}
    return {
        normalise(who): email.strip()
        for who, email in zip(table.frame[name], table.frame["Email"], strict=True)
        if isinstance(who, str) and isinstance(email, str) and "@" in email
    }


# --- Apprise --------------------------------------------------------------------------------


def _target(apprise: Any, url: str, asset: Any) -> Any:
    try:
        return apprise.Apprise.instantiate(url, asset=asset)
    except Exception:  # a malformed URL must not end the run (nor be quoted)
        return None


def _is_email(url: str) -> bool:
    return url.split("://", 1)[0].strip().lower() in _EMAIL_SCHEMAS


def _addressed_to(apprise: Any, url: str, to: str, asset: Any) -> Any:
    """The email target ``url`` (its server, account and sender) sending to ``to`` only."""
    from apprise.plugins.email import NotifyEmail

    parse: Any = NotifyEmail.parse_url  # untyped in Apprise
    results = parse(url)
    if not results:
        return None
    results.update(targets=[to], cc=[], bcc=[])
    results.pop("qsd", None)
    return apprise.Apprise.instantiate(results, asset=asset)


def _deliver(apprise: Any, plugin: Any, digest: Digest, name: str, delivery: Delivery) -> None:
    kind = apprise.NotifyType.FAILURE if digest.errors else apprise.NotifyType.INFO
    # Apprise logs what it sends to (hosts, accounts): captured here, never printed
    with apprise.LogCapture(level=logging.DEBUG) as _log:
        try:
            ok = bool(plugin.notify(body=digest.body, title=digest.title, notify_type=kind))
        except Exception:
            ok = False
    if ok:
        delivery.sent.append(name)
    else:
        delivery.warnings.append(
            f"Could not send the digest to {name}; the run itself is not affected. Check the "
            "address, the network and the service's status, then run again."
        )
