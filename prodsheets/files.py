"""Reading the files a run is pointed at (settings, template, workbook): regular files only.

A path may name a FIFO that blocks forever, ``/dev/zero`` that never ends, or a symbolic link
that loops. So a file is opened without blocking, checked to be a regular file of a bounded
size, and only then read, and each way of failing gets its own true sentence.
"""

from __future__ import annotations

import errno
import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from prodsheets.errors import ProdsheetsError

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_regular_file(
    path: str | Path,
    *,
    what: str,
    limit: int,
    error: type[ProdsheetsError],
) -> tuple[bytes, os.stat_result]:
    """The bytes of ``path`` and what ``fstat`` said of it, or ``error`` with one sentence.

    ``what`` names the file for the person ("The config file show.toml"), ``limit`` is the
    most bytes it may hold. A missing file raises ``FileNotFoundError`` for the caller to word.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise
    except IsADirectoryError as exc:
        raise error(f"{what} is a folder, not a file; name a file.") from exc
    except PermissionError as exc:
        raise error(f"No permission to read {what}; check the file's permissions.") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise error(
                f"{what} is a symbolic link that leads back to itself (a loop); fix the link "
                "or name the file itself."
            ) from exc
        if exc.errno == errno.ENAMETOOLONG:
            raise error(f"{what} has a name too long for this system; use a shorter path.") from exc
        raise error(f"{what} cannot be opened: {exc.strerror}.") from exc
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            kind = next((k for test, k in _KINDS if test(info.st_mode)), "not a regular file")
            raise error(f"{what} is {kind}, not a regular file; name a file.")
        if info.st_size > limit:
            raise error(
                f"{what} is {info.st_size:,} bytes, more than prodsheets reads for it "
                f"({limit:,}); check that it is the right file."
            )
        os.set_blocking(descriptor, True)
        with os.fdopen(descriptor, "rb", closefd=True) as handle:
            descriptor = -1
            data = handle.read(limit + 1)
        if len(data) > limit:  # it grew while we read it
            raise error(
                f"{what} holds more than {limit:,} bytes, more than prodsheets reads for it; "
                "check that it is the right file."
            )
        return data, info
    except OSError as exc:
        raise error(f"{what} could not be read: {exc.strerror}.") from exc
    finally:
        if descriptor >= 0:
            os.close(descriptor)


def is_home_path(text: str) -> bool:
    """``~/show.xlsx`` or ``~ana/show.xlsx``: a home folder. ``~draft.xlsx`` is not: it is a
    file of that name (Office names its own lock files so), looked for where it is given."""
    return text == "~" or (text.startswith("~") and "/" in text)


def expand_home(text: str) -> str:
    """The path with its home folder filled in, where it names one (``is_home_path``)."""
    return os.path.expanduser(text) if is_home_path(text) else text


def path_problem(path: str | Path) -> str | None:
    """Why ``path`` cannot be looked at, when it is not simply missing ("" for fine): a
    symbolic-link loop, a name too long, a home folder of a user who does not exist."""
    text = str(path)
    if is_home_path(text) and os.path.expanduser(text) == text:
        user = text[1:].split("/", 1)[0]
        return f'there is no user "{user}" on this machine for ~{user} to stand for'
    try:
        os.stat(expand_home(text))
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "it is a symbolic link that leads back to itself (a loop)"
        if exc.errno == errno.ENAMETOOLONG:
            return "its name is too long for this system"
        return exc.strerror or str(exc)
    return None


# Settings and templates are a few kilobytes; this is far more than any will ever hold.
MAX_SETTINGS_BYTES = 1 << 20


def read_toml(path: str | Path, *, what: str, error: type[ProdsheetsError]) -> dict[str, Any]:
    """A settings or template file parsed as TOML, or ``error`` with one sentence (also for a
    file nested so deep that the parser would run out of stack). A missing file raises
    ``FileNotFoundError`` for the caller to word."""
    data, _ = read_regular_file(path, what=what, limit=MAX_SETTINGS_BYTES, error=error)
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise error(f"{what} cannot be read: it is not UTF-8 text ({exc.reason}).") from exc
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{what} cannot be read: {exc}.") from exc
    except RecursionError as exc:
        raise error(
            f"{what} cannot be read: it nests arrays or tables too deeply to be settings."
        ) from exc
