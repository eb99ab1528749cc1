"""validate/sync --notify and [notify]: digests delivered to a local SMTP server (aiosmtpd) and
a local JSON webhook, both started here on 127.0.0.1 and stopped at the end of each test."""

from __future__ import annotations

import email
import email.policy
import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.workbooks import AS_OF, clean_production, d, set_cell

SENDER = "prodsheets@example.org"


def free_port() -> int:
    """A loopback port nothing listens on (also the 'unreachable' target)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass
class Mail:
    to: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain",))
        assert body is not None
        return str(body.get_content())  # type: ignore[attr-defined]


@dataclass
class Mailbox:
    port: int
    mails: list[Mail] = field(default_factory=list)

    def url(self, to: str = "pm@example.org") -> str:
        return f"mailto://127.0.0.1:{self.port}?from={SENDER}&to={to}&mode=insecure"

    def to(self, address: str) -> list[Mail]:
        return [m for m in self.mails if address in m.to]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.mails.append(Mail(list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@dataclass
class Webhook:
    url: str
    posts: list[dict[str, Any]]


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    posts: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = min(int(self.headers.get("Content-Length", 0)), 1_000_000)
            posts.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield Webhook(f"json://127.0.0.1:{server.server_address[1]}/hooks/prodsheets", posts)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def settings(tmp_path: Path, urls: list[str], *, on: str = "change", departments: bool = False):
    (tmp_path / "prodsheets.toml").write_text(
        f"[notify]\nurls = {json.dumps(urls)}\non = {json.dumps(on)}\n"
        f"departments = {json.dumps(departments)}\n",
        encoding="utf-8",
    )


def troubled() -> dict[str, Any]:
    """An error in Lighting's budget line (Budget!F2) and an overdue item of Sound's
    (Schedule!H4), nothing wrong in Set."""
    tabs = clean_production()
    set_cell(tabs, "Budget", 2, "Budgeted", "eight thousand")  # L-01, Lighting
    set_cell(tabs, "Schedule", 4, "Due", d("2026-03-05"))  # S3, Sound, not Done
    return tabs


def test_a_nightly_run_sends_one_digest_to_each_target(
    workbook: Any, run_cli: Any, tmp_path: Path, mailbox: Mailbox, webhook: Webhook
) -> None:
    path = str(workbook(troubled(), "show.xlsx"))
    plain = run_cli("validate", path, "--as-of", AS_OF)
    settings(tmp_path, [mailbox.url(), webhook.url])
    result = run_cli("validate", path, "--as-of", AS_OF)
    assert result.exit_code == plain.exit_code == 1
    assert "Sent the digest to target 1 (E-Mail), target 2 (JSON)." in result.stderr
    assert [m.to for m in mailbox.mails] == [["pm@example.org"]]
    mail = mailbox.mails[0]
    assert mail.message["From"] == SENDER
    assert mail.subject.startswith("show: 1 error")
    text = mail.text
    assert "Budget!F2:" in text and "[value.type]" in text
    assert "Schedule!H4:" in text and "[schedule.overdue]" in text
    assert text.index("Errors (1)") < text.index("Schedule!H4")  # errors first
    assert path in text  # where to open it
    assert len(webhook.posts) == 1
    post = webhook.posts[0]
    assert post["title"] == mail.subject
    assert post["type"] == "failure"
    assert "Budget!F2:" in post["message"] and "Schedule!H4:" in post["message"]


def test_each_department_head_gets_their_own_part_only(
    workbook: Any, run_cli: Any, tmp_path: Path, mailbox: Mailbox
) -> None:
    settings(tmp_path, [mailbox.url()], departments=True)
    result = run_cli("validate", str(workbook(troubled(), "show.xlsx")), "--as-of", AS_OF)
    assert result.exit_code == 1
    assert sorted(r for m in mailbox.mails for r in m.to) == [
        "ana@example.org",
        "ben@example.org",
        "pm@example.org",
    ]  # Set (cy@example.org) has nothing to report
    (ana,) = mailbox.to("ana@example.org")
    assert ana.to == ["ana@example.org"]
    assert ana.message["From"] == SENDER  # sent through the same account as the team's
    assert "Lighting" in ana.subject
    assert "Budget!F2:" in ana.text and "Schedule!H4" not in ana.text
    (ben,) = mailbox.to("ben@example.org")
    assert ben.to == ["ben@example.org"]
    assert "Schedule!H4:" in ben.text and "Budget!F2" not in ben.text
    (team,) = mailbox.to("pm@example.org")
    assert "Budget!F2:" in team.text and "Schedule!H4:" in team.text


def test_a_head_without_an_email_in_departments_is_found_in_the_crew_tab(
    workbook: Any, run_cli: Any, tmp_path: Path, mailbox: Mailbox
) -> None:
    tabs = troubled()
    set_cell(tabs, "Departments", 2, "Email", None)  # Lighting's head, Ana Ruiz
    tabs["Crew"] = [
        ["Name", "Department", "Email"],
        ["ana ruiz", "Lighting", "ana@crew.example"],
        ["Ben Cole", "Sound", None],
        ["Cy Dow", "Set", "cy@crew.example"],  # Set's head has an email in Departments
        ["Ed Fox", "Set", None],
    ]
    settings(tmp_path, [mailbox.url()], departments=True)
    run_cli("validate", str(workbook(tabs, "show.xlsx")), "--as-of", AS_OF)
    (ana,) = mailbox.to("ana@crew.example")
    assert "Budget!F2:" in ana.text
    assert not mailbox.to("ana@example.org")
    assert not mailbox.to("cy@crew.example")  # the Departments tab's Email comes first


def test_the_next_syncs_send_what_changed_and_nothing_when_nothing_did(
    home: Any, run_cli: Any, mailbox: Mailbox, webhook: Webhook
) -> None:
    tabs = troubled()
    location = home.make(tabs)
    home.settings(
        f"[notify]\nurls = {json.dumps([mailbox.url(), webhook.url])}\ndepartments = true\n"
    )
    assert run_cli("sync", location, "--as-of", AS_OF).exit_code == 1
    assert len(webhook.posts) == 1  # the first sync: no history yet, the open issues
    mailbox.mails.clear()
    webhook.posts.clear()
    quiet = run_cli("sync", location, "--as-of", AS_OF)
    assert quiet.exit_code == 1
    assert (mailbox.mails, webhook.posts) == ([], [])  # nothing changed: nothing sent
    assert "Sent the digest" not in quiet.output
    set_cell(tabs, "Budget", 2, "Budgeted", 8000)  # the error fixed
    set_cell(tabs, "Schedule", 5, "Start", d("2026-03-13 10:00"))  # S4, Set's Tech, moved
    set_cell(tabs, "Schedule", 5, "End", d("2026-03-13 22:00"))
    home.edit(location, "Budget", tabs["Budget"])
    home.edit(location, "Schedule", tabs["Schedule"])
    assert run_cli("sync", location, "--as-of", AS_OF).exit_code == 0
    (post,) = webhook.posts
    message = post["message"]
    # (L-01 also counts as added: while its Budgeted could not be read it was not recorded)
    assert re.search(r": 0 errors, \d+ changes$", post["title"])
    assert "What changed since the last sync (" in message
    assert "- Schedule!A5 (S4): Tech: moved from Thu 12 Mar 10:00-22:00, Main Stage to " in message
    assert "- Budget!A2 (L-01): resolved: value.type (Budgeted)" in message
    assert sorted(r for m in mailbox.mails for r in m.to) == [
        "ana@example.org",  # Lighting: its error resolved
        "cy@example.org",  # Set: the Tech moved
        "pm@example.org",
    ]
    (cy,) = mailbox.to("cy@example.org")
    assert "(S4): Tech: moved" in cy.text and "value.type" not in cy.text
    (ana,) = mailbox.to("ana@example.org")
    assert "resolved: value.type" in ana.text and "S4" not in ana.text


def test_nothing_is_sent_when_there_is_nothing_to_say(
    workbook: Any, run_cli: Any, tmp_path: Path, mailbox: Mailbox
) -> None:
    path = str(workbook(clean_production(), "show.xlsx"))
    settings(tmp_path, [mailbox.url()])
    assert run_cli("sync", path, "--as-of", AS_OF).exit_code == 0
    assert mailbox.mails == []
    settings(tmp_path, [mailbox.url()], on="error")
    assert run_cli("sync", path, "--as-of", AS_OF).exit_code == 0
    assert mailbox.mails == []
    settings(tmp_path, [mailbox.url()], on="always")
    assert run_cli("sync", path, "--as-of", AS_OF).exit_code == 0
    (mail,) = mailbox.mails
    assert "0 errors" in mail.subject
    assert "No errors" in mail.text


def test_on_error_sends_only_while_there_are_errors(
    workbook: Any, run_cli: Any, tmp_path: Path, mailbox: Mailbox
) -> None:
    tabs = clean_production()
    set_cell(tabs, "Schedule", 4, "Due", d("2026-03-05"))  # a warning only
    settings(tmp_path, [mailbox.url()], on="error")
    assert run_cli("validate", str(workbook(tabs)), "--as-of", AS_OF).exit_code == 0
    assert mailbox.mails == []
    assert run_cli("validate", str(workbook(troubled())), "--as-of", AS_OF).exit_code == 1
    assert len(mailbox.mails) == 1


def test_notify_on_the_command_line_wins_over_the_config(
    workbook: Any, run_cli: Any, tmp_path: Path, mailbox: Mailbox, webhook: Webhook
) -> None:
    settings(tmp_path, [mailbox.url()])
    path = str(workbook(troubled()))
    result = run_cli("sync", path, "--as-of", AS_OF, "--notify", webhook.url)
    assert result.exit_code == 1
    assert len(webhook.posts) == 1
    assert mailbox.mails == []


def test_a_dry_run_sends_nothing(
    workbook: Any, run_cli: Any, tmp_path: Path, mailbox: Mailbox
) -> None:
    settings(tmp_path, [mailbox.url()], on="always")
    result = run_cli("sync", str(workbook(troubled())), "--as-of", AS_OF, "--dry-run")
    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert mailbox.mails == []


def test_an_unreachable_target_is_a_warning_and_never_a_secret(
    workbook: Any, run_cli: Any, tmp_path: Path, webhook: Webhook
) -> None:
    closed = free_port()
    urls = [
        f"json://127.0.0.1:{closed}/hook/s3cr3t-token",
        f"mailto://pm:s3cr3t-pass@127.0.0.1:{closed}?from={SENDER}&to=pm@example.org",
        "notaservice://s3cr3t@example.org",
        webhook.url,
    ]
    path = str(workbook(troubled(), "show.xlsx"))
    plain = run_cli("sync", path, "--as-of", AS_OF)
    settings(tmp_path, urls, on="always")  # (on = "change": nothing changed since that sync)
    result = run_cli("sync", path, "--as-of", AS_OF, "-v")
    assert result.exit_code == plain.exit_code == 1
    assert "Wrote Summary" in result.output  # the sync is not lost
    assert "Warning: Could not send the digest to target 1 (JSON)" in result.stderr
    assert "Warning: Could not send the digest to target 2 (E-Mail)" in result.stderr
    assert "Warning: Notify target 3 is not an address Apprise understands" in result.stderr
    assert "s3cr3t" not in result.output
    assert len(webhook.posts) == 1  # the working target still got its digest
    good = run_cli("validate", path, "--as-of", AS_OF, "--notify", urls[0])
    assert good.exit_code == 1
    assert "s3cr3t" not in good.output


def test_a_bad_notify_setting_is_a_config_problem(
    workbook: Any, run_cli: Any, tmp_path: Path
) -> None:
    path = str(workbook(clean_production()))
    (tmp_path / "prodsheets.toml").write_text('[notify]\non = "sometimes"\n')
    result = run_cli("validate", path)
    assert result.exit_code == 2
    assert 'notify.on must be "change", "error" or "always"' in result.output
    (tmp_path / "prodsheets.toml").write_text('[notify]\nurls = [1, "mailto://u:pw@x"]\n')
    result = run_cli("validate", path)
    assert result.exit_code == 2
    assert "notify.urls must be a list of Apprise URLs" in result.output
    assert "pw@x" not in result.output
    (tmp_path / "prodsheets.toml").write_text("[notify]\nurl = []\n")
    result = run_cli("validate", path)
    assert result.exit_code == 2
    assert "Did you mean 'urls'?" in result.output
