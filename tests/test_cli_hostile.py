"""Hostile workbooks and settings (#9): each attack ends in one sentence and the right exit
code, in seconds, with the workbook unchanged; nothing from a cell reaches a terminal raw."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from prodsheets.testing.sheets_server import Fault
from tests.backends import GoogleHome
from tests.workbooks import AS_OF, clean_production, set_cell

GIB = 1 << 30


def plain(result: Any, code: int, sentence: str) -> None:
    """Exit ``code``, one sentence containing ``sentence``, never a traceback."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert sentence in result.output, result.output


def rewrite(path: Path, parts: dict[str, bytes], out: Path | None = None) -> Path:
    """A copy of the workbook (or the file itself) with some parts replaced or added."""
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    target = out or path
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in source.infolist():
            if info.filename not in parts:
                new.writestr(info, source.read(info))
        for name, data in parts.items():
            new.writestr(name, data)
    return target


# --- 1. zip bombs ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def whitespace_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workbook of about 1 MB whose Vendors sheet inflates to 1 GiB of whitespace after
    its last row: deflate streamed by zipfile, never a GiB in memory."""
    from tests.workbooks import write_workbook

    folder = tmp_path_factory.mktemp("bomb")
    clean = write_workbook(folder / "clean.xlsx", clean_production())
    source = zipfile.ZipFile(clean)
    bomb = folder / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as new:
        for info in source.infolist():
            data = source.read(info)
            if info.filename != "xl/worksheets/sheet4.xml":
                new.writestr(info.filename, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with new.open(info.filename, "w") as part:
                part.write(head)
                spaces = b" " * (1 << 20)
                for _ in range(1024):
                    part.write(spaces)
                part.write(b"</sheetData>" + tail)
    return bomb


def test_a_zip_bomb_is_refused_from_the_directory(whitespace_bomb: Path, run_cli: Any) -> None:
    before = whitespace_bomb.read_bytes()
    assert len(before) < 2 << 20
    result = run_cli("validate", str(whitespace_bomb), "--as-of", AS_OF)
    plain(result, 3, "its part xl/worksheets/sheet4.xml would inflate from 1 MB to 1,024 MB")
    assert whitespace_bomb.read_bytes() == before


def test_a_directory_that_lies_about_a_size_is_refused(workbook: Any, run_cli: Any) -> None:
    """The directory says 600 bytes; the part inflates to 64 MB: the reader stops at 600."""
    path = workbook(clean_production())
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet4.xml"
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    xml = archive.read(name.decode())
    head, tail = xml.split(b"</sheetData>")
    padded = head + b" " * (64 << 20) + b"</sheetData>" + tail
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as new:
        for info in archive.infolist():
            new.writestr(info, padded if info.filename == name.decode() else archive.read(info))
    data = bytearray(rebuilt.getvalue())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = 0
        while (at := data.find(signature, at)) >= 0:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                data[at + offset : at + offset + 4] = len(xml).to_bytes(4, "little")
            at += 4
    path.write_bytes(bytes(data))
    result = run_cli("validate", str(path), "--as-of", AS_OF)
    plain(result, 3, "damaged")
    assert path.read_bytes() == bytes(data)


def test_a_row_without_end_is_scanned_in_linear_time_and_refused(
    workbook: Any, run_cli: Any
) -> None:
    """A row of 80 MB of XML with no </row> (random text, so no ratio gives it away)."""
    path = workbook(clean_production())
    archive = zipfile.ZipFile(path)
    xml = archive.read("xl/worksheets/sheet4.xml")
    filler = os.urandom(40 << 20).hex().encode()
    broken = xml.replace(b"</sheetData>", b'<row r="9"><c r="A9" t="inlineStr"><is><t>' + filler)
    rewrite(path, {"xl/worksheets/sheet4.xml": broken})
    before = path.read_bytes()
    result = run_cli("validate", str(path), "--as-of", AS_OF)
    plain(result, 3, 'A row of the tab "Vendors" in')
    assert "runs past 64 MB of XML" in result.output
    assert path.read_bytes() == before


# --- 2. a Rust panic ---------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["-1e12", "-1E15", "-Infinity"])
def test_a_date_cell_no_date_can_be_is_a_value_issue(
    number: str, workbook: Any, run_cli: Any
) -> None:
    path = workbook(clean_production())
    book = openpyxl.load_workbook(path)
    book["Schedule"]["F2"] = 1.0
    book["Schedule"]["F2"].number_format = "yyyy-mm-dd hh:mm"
    book.save(path)
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet2.xml")
    xml = re.sub(rb'(<c r="F2"[^>]*>)<v>[^<]*</v>', rb"\1<v>" + number.encode() + b"</v>", xml)
    rewrite(path, {"xl/worksheets/sheet2.xml": xml})
    before = path.read_bytes()
    result = run_cli("validate", str(path), "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 1, result.output
    issues = json.loads(result.stdout)["issues"]
    [issue] = [i for i in issues if i["cell"] == "F2" and i["tab"] == "Schedule"]
    assert issue["rule"] == "value.type"
    assert "formatted as a date but holds a number no date can be" in issue["message"]
    assert path.read_bytes() == before


def test_a_panic_never_reaches_the_terminal(workbook: Any, tmp_path: Path) -> None:
    path = workbook(clean_production())
    book = openpyxl.load_workbook(path)
    book["Schedule"]["F2"] = -1e12
    book["Schedule"]["F2"].number_format = "yyyy-mm-dd"
    book.save(path)
    done = subprocess.run(
        [sys.executable, "-m", "prodsheets", "validate", str(path), "--as-of", AS_OF],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "RUST_BACKTRACE": "1"},
    )
    assert done.returncode == 1
    assert "panicked" not in done.stderr and "Traceback" not in done.stderr
    assert "Schedule!F2" in done.stdout


# --- 3, 4, 5. what cell text may do to a terminal, a CI log, Markdown ------------------------

HOSTILE = (
    "Acme\x1b[2J\x1b]0;owned\x07\x1b]52;c;cm0gLXJmIH4=\x07\x1b]8;;http://evil\x1b\\link"
    "\x1b]8;;\x1b\\\x9b31m\u202eevil\x7f\n::add-mask::secret\r\n::stop-commands::x\n"
    "##[error]old\n##vso[task.setvariable variable=x]y\n"
    "::error::fake<script>alert(1)</script><img src=x onerror=alert(1)>[a](http://evil)"
)


def _as_typed(text: str, backend: str) -> str:
    """What a cell holds: on Google the characters themselves; in an .xlsx, Excel's
    ``_x001B_`` escapes for the controls XML cannot carry, which the reader decodes."""
    if backend != "xlsx":
        return text
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", lambda m: f"_x{ord(m[0]):04X}_", text)


def test_cell_text_cannot_drive_a_terminal_or_a_workflow(home: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 2, "Vendor", _as_typed(HOSTILE, home.name))
    set_cell(tabs, "Schedule", 2, "Task", _as_typed(HOSTILE, home.name))
    location = home.make(tabs)
    before = home.snapshot(location)
    outputs = [
        run_cli("report", location, "--as-of", AS_OF),
        run_cli("validate", location, "--as-of", AS_OF, "--format", "github"),
        run_cli("report", location, "--as-of", AS_OF, "--format", "markdown"),
        run_cli("report", location, "--as-of", AS_OF, "--format", "json"),
        run_cli("report", location, "--as-of", AS_OF, "--format", "html"),
    ]
    for result in outputs:
        assert result.exit_code in (0, 1), result.output
        text = result.output
        assert "\\x1b" in text or "\\u001b" in text  # shown, visibly
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", text)
        for line in text.splitlines():
            assert not line.lstrip().startswith(("::add-mask", "::stop-commands", "::error::f"))
            assert not line.lstrip().startswith("##[") and "##vso[" not in line
            if line.startswith("::"):
                assert re.match(r"::(error|warning) title=", line)
    markdown = outputs[2].output
    assert "<script>" not in markdown and "<img" not in markdown and "](http" not in markdown
    assert "&lt;script&gt;" in markdown
    assert "<script>" not in outputs[4].output and "&lt;script&gt;" in outputs[4].output
    assert home.snapshot(location) == before


# --- 6. settings that would hang or crash a run -------------------------------------------


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("[google]\nretry_seconds = nan\n", "google.retry_seconds must be a number"),
        ("[google]\nretry_seconds = inf\n", "google.retry_seconds must be a number"),
        ("[google]\nretry_seconds = 1e300\n", "at most 3600"),
        ("[thresholds]\nnear_limit = nan\n", "thresholds.near_limit must be a number"),
        ("[thresholds]\nmin_turnaround_hours = inf\n", "min_turnaround_hours must be"),
        ("[thresholds]\nmin_turnaround_hours = 1e300\n", "at most 8760"),
        ("x = " + "[" * 5000 + "]" * 5000 + "\n", "nests arrays or tables too deeply"),
    ],
)
def test_absurd_settings_are_configuration_errors(
    text: str, sentence: str, workbook: Any, run_cli: Any, tmp_path: Path
) -> None:
    path = workbook(clean_production())
    before = path.read_bytes()
    (tmp_path / "prodsheets.toml").write_text(text)
    plain(run_cli("validate", str(path), "--as-of", AS_OF), 2, sentence)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("location", "sentence"),
    [
        ("~nosuchuser/x.xlsx", 'there is no user "nosuchuser"'),
        ("n" * 300 + ".xlsx", "its name is too long"),
        ("https://[docs.google.com/spreadsheets/d/x", "is not a well-formed web address"),
    ],
)
def test_impossible_workbook_names_are_usage_errors(
    location: str, sentence: str, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain(run_cli("validate", location), 2, sentence)
    monkeypatch.setenv("PRODSHEETS_WORKBOOK", location)
    plain(run_cli("validate"), 2, sentence)


# --- 7. files that are not files ---------------------------------------------------------------


def test_only_regular_files_are_read(workbook: Any, run_cli: Any, tmp_path: Path) -> None:
    path = workbook(clean_production())
    before = path.read_bytes()
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    plain(run_cli("validate", str(fifo)), 3, "is a named pipe (FIFO), not a regular file")
    plain(run_cli("validate", str(path), "--config", "/dev/zero"), 2, "is a device")
    plain(run_cli("validate", str(path), "--template", "/dev/zero"), 2, "is a device")
    (tmp_path / "prodsheets.toml").write_text('template = "/dev/zero"\n')
    plain(run_cli("validate", str(path)), 2, "The template /dev/zero is a device")
    assert path.read_bytes() == before


# --- 8. output that cannot be printed ---------------------------------------------------------


def _prodsheets(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "prodsheets", *args],
        capture_output=kwargs.pop("capture_output", True),
        text=True,
        timeout=120,
        **kwargs,
    )


def test_a_full_or_closed_stdout_is_one_sentence(workbook: Any) -> None:
    path = workbook(clean_production())
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "prodsheets", "sync", str(path), "--as-of", AS_OF],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert done.returncode == 3
    assert "could not print its output (No space left on device)" in done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    closed = subprocess.run(
        [sys.executable, "-m", "prodsheets", "validate", str(path), "--as-of", AS_OF],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.close(1),
    )
    assert closed.returncode == 0 and "Traceback" not in closed.stderr


def test_text_no_encoding_carries_is_printed_escaped(workbook: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Budget", 2, "Vendor", "Bright _xD800_ Hire é")
    path = workbook(tabs)
    done = _prodsheets(
        "report", str(path), "--as-of", AS_OF, env={**os.environ, "PYTHONIOENCODING": "ascii"}
    )
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    assert "Bright" in done.stdout


# --- 9. credentials in URLs ------------------------------------------------------------------


def test_a_password_in_api_endpoint_is_never_printed(
    run_cli: Any, tmp_path: Path, sheets_key_file: Path
) -> None:
    (tmp_path / "prodsheets.toml").write_text(
        "[google]\n"
        f"credentials = {json.dumps(str(sheets_key_file))}\n"
        'api_endpoint = "http://user:PASS@127.0.0.1:9"\n'
        "retry_seconds = 0\n"
    )
    result = run_cli("validate", "gsheets:abc")
    plain(result, 3, "Could not reach Google Sheets at http://127.0.0.1:9")
    assert "PASS" not in result.output


# --- 10. forged ownership ---------------------------------------------------------------------


def _synced(workbook: Any, run_cli: Any) -> Path:
    path = workbook(clean_production())
    assert run_cli("sync", str(path), "--as-of", AS_OF).exit_code == 0
    return path


@pytest.mark.parametrize("target", ["Departments", "styles.xml"])
def test_a_summary_pointing_at_a_part_not_its_own_is_never_written(
    target: str, workbook: Any, run_cli: Any
) -> None:
    path = _synced(workbook, run_cli)
    archive = zipfile.ZipFile(path)
    rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    sheets = {
        re.search(r'\bname="([^"]*)"', tag)[1]: re.search(r'\br:id="([^"]*)"', tag)[1]  # type: ignore[index]
        for tag in re.findall(r"<sheet\s[^>]*>", archive.read("xl/workbook.xml").decode())
    }
    links = {
        re.search(r'\bId="([^"]*)"', tag)[1]: tag  # type: ignore[index]
        for tag in re.findall(r"<Relationship\s[^>]*>", rels)
    }
    departments = re.search(r'Target="([^"]*)"', links[sheets["Departments"]])
    assert departments
    summary = links[sheets["Summary"]]
    part = departments[1] if target == "Departments" else target
    forged = re.sub(r'Target="[^"]*"', f'Target="{part}"', summary)
    rels = rels.replace(summary, forged)
    rewrite(path, {"xl/_rels/workbook.xml.rels": rels.encode()})
    before = path.read_bytes()
    result = run_cli("sync", str(path), "--as-of", AS_OF)
    plain(result, 3, 'tab named "Summary" that prodsheets did not create')
    assert path.read_bytes() == before


def test_a_hand_made_look_alike_summary_is_refused(workbook: Any, run_cli: Any) -> None:
    path = _synced(workbook, run_cli)
    book = openpyxl.load_workbook(path)
    del book["Summary"]
    mine = book.create_sheet("Summary")
    mine.append(["Metric", "Value"])
    mine.append(["My notes", "keep me"])
    book.save(path)
    before = path.read_bytes()
    result = run_cli("sync", str(path), "--as-of", AS_OF)
    plain(result, 3, 'tab named "Summary" that prodsheets did not create')
    assert path.read_bytes() == before


def test_a_workbook_synced_before_tokens_still_syncs_and_gets_them(
    workbook: Any, run_cli: Any
) -> None:
    path = _synced(workbook, run_cli)
    archive = zipfile.ZipFile(path)
    custom = re.sub(
        rb",\s*&quot;token&quot;: &quot;\w+&quot;", b"", archive.read("docProps/custom.xml")
    )
    custom = re.sub(rb', "token": "\w+"', b"", custom)
    names = re.sub(
        rb'<definedName name="prodsheets_owner"[^>]*>[^<]*</definedName>',
        b"",
        archive.read("xl/workbook.xml"),
    )
    rewrite(path, {"docProps/custom.xml": custom, "xl/workbook.xml": names})
    assert b"token" not in zipfile.ZipFile(path).read("docProps/custom.xml")
    assert run_cli("sync", str(path), "--as-of", AS_OF).exit_code == 0
    assert b"token" in zipfile.ZipFile(path).read("docProps/custom.xml")
    assert b"prodsheets_owner" in zipfile.ZipFile(path).read("xl/workbook.xml")


# --- 11. the true reason -----------------------------------------------------------------------


def test_damaged_document_properties_are_said_not_blamed_on_the_person(
    workbook: Any, run_cli: Any
) -> None:
    path = _synced(workbook, run_cli)
    rewrite(path, {"docProps/custom.xml": b"<Properties><oops"})
    before = path.read_bytes()
    plain(run_cli("sync", str(path), "--as-of", AS_OF), 3, "(docProps/custom.xml)")
    assert path.read_bytes() == before


def test_a_symlink_loop_is_called_a_loop(run_cli: Any, tmp_path: Path) -> None:
    (tmp_path / "loop.xlsx").symlink_to(tmp_path / "loop.xlsx")
    plain(run_cli("validate", "loop.xlsx"), 2, "symbolic link that leads back to itself")


def test_a_retry_after_beyond_the_budget_says_so(
    sheets_server: Any, run_cli: Any, tmp_path: Path
) -> None:
    home = GoogleHome(tmp_path, sheets_server)
    location = home.make(clean_production())
    home.server.inject(Fault(status=429, retry_after=600, times=50))
    result = run_cli("validate", location, "--as-of", AS_OF)
    plain(result, 3, "asked to wait 600 seconds")
    assert "kept refusing" not in result.output


def test_a_malformed_token_uri_is_not_called_sign_in_trouble(
    run_cli: Any, tmp_path: Path, sheets_key_file: Path
) -> None:
    key = json.loads(sheets_key_file.read_text())
    key["token_uri"] = "http://[::1/token"
    sheets_key_file.write_text(json.dumps(key))
    result = run_cli("validate", "gsheets:abc", "--credentials", str(sheets_key_file))
    plain(result, 2, "has a token_uri that is not a web address")


# --- 12. Excel's cell limit in UTF-16 units ----------------------------------------------------


def test_a_long_emoji_name_is_cut_to_excels_limit(workbook: Any, run_cli: Any) -> None:
    tabs = clean_production()
    set_cell(tabs, "Vendors", 2, "Vendor", "\U0001f3ad" * 20_000)
    set_cell(tabs, "Budget", 2, "Vendor", "\U0001f3ad" * 20_000)
    path = workbook(tabs)
    assert run_cli("sync", str(path), "--as-of", AS_OF).exit_code in (0, 1)
    book = openpyxl.load_workbook(path, read_only=True)
    longest = max(
        len(str(cell.value).encode("utf-16-le")) // 2
        for title in ("Vendor Report", "Budget Variance")
        for row in book[title].iter_rows()
        for cell in row
        if cell.value is not None
    )
    assert 30_000 < longest <= 32_767


# --- 13. the local Sheets server and lone surrogates -------------------------------------------


def test_the_sheets_server_answers_a_lone_surrogate_as_google(
    sheets_server: Any, run_cli: Any, tmp_path: Path
) -> None:
    home = GoogleHome(tmp_path, sheets_server)
    tabs = clean_production()
    location = home.make(tabs)
    sheet = home.server.spreadsheet(location.removeprefix("gsheets:")).sheets[3]
    sheet.put(1, 0, {"userEnteredValue": {"stringValue": "Bright \ud800 Hire"}})
    result = run_cli("report", location, "--as-of", AS_OF, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    assert "Bright \ufffd Hire" in result.stdout


# --- calamine's refusals -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["macro sheet", "empty r:id"])
def test_workbooks_calamine_refuses_still_sync(kind: str, workbook: Any, run_cli: Any) -> None:
    path = workbook(clean_production())
    archive = zipfile.ZipFile(path)
    book = archive.read("xl/workbook.xml")
    parts: dict[str, bytes] = {}
    if kind == "macro sheet":
        parts["xl/workbook.xml"] = book.replace(
            b"</sheets>", b'<sheet name="Macro1" sheetId="99" r:id="rId99"/></sheets>'
        )
        parts["xl/_rels/workbook.xml.rels"] = archive.read("xl/_rels/workbook.xml.rels").replace(
            b"</Relationships>",
            b'<Relationship Id="rId99" Type="http://schemas.microsoft.com/office/2006/'
            b'relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/></Relationships>',
        )
        parts["xl/macrosheets/sheet1.xml"] = (
            b'<xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
            b' xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData>'
            b'<row r="1"><c r="A1"><f>HALT()</f></c></row></sheetData></xm:macrosheet>'
        )
    else:
        parts["xl/workbook.xml"] = book.replace(
            b"</sheets>", b'<sheet name="Ghost" sheetId="98" r:id=""/></sheets>'
        )
    rewrite(path, parts)
    result = run_cli("sync", str(path), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "Summary" in openpyxl.load_workbook(path).sheetnames


def test_a_proxy_that_trickles_bytes_cannot_hold_a_request_past_its_deadline() -> None:
    """One byte every half second, forever: every socket read succeeds, yet the request as a
    whole ends once its time is up, with the sentence of a server that gave no answer."""
    import socket
    import threading

    import requests

    from prodsheets.backends.retry import configured_client
    from prodsheets.errors import WorkbookError

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def trickle() -> None:
        connection, _ = listener.accept()
        connection.recv(65536)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        while not stop.wait(0.5):
            try:
                connection.sendall(b" ")
            except OSError:
                return
        connection.close()

    threading.Thread(target=trickle, daemon=True).start()
    endpoint = f"http://user:PASS@127.0.0.1:{listener.getsockname()[1]}"

    client = configured_client(endpoint, 0, answer_seconds=2.0)(None, requests.Session())
    try:
        with pytest.raises(WorkbookError) as refused:
            client.request("get", "https://sheets.googleapis.com/v4/spreadsheets/x")
    finally:
        stop.set()
        listener.close()
    assert "gave no answer for 2 seconds" in str(refused.value)
    assert "PASS" not in str(refused.value)


def test_a_hand_made_summary_on_google_is_refused(
    sheets_server: Any, run_cli: Any, tmp_path: Path
) -> None:
    home = GoogleHome(tmp_path, sheets_server)
    tabs = clean_production()
    tabs["Summary"] = [["Metric", "Value"], ["My notes", "keep me"]]
    location = home.make(tabs)
    before = home.snapshot(location)
    result = run_cli("sync", location, "--as-of", AS_OF)
    plain(result, 3, "The tab 'Summary' was not made by prodsheets")
    assert home.snapshot(location) == before
