"""How long Google faults take to end a run: the waits the tests may not time.

    python benchmarks/bench_faults.py [--skip-silent]

Each scenario runs ``prodsheets`` (the library call the CLI makes) against the local Sheets
server with a fault injected, and prints how long it took next to the bound it must keep:

- 429 with ``Retry-After: 1`` on a read: the retry waits at least the 1 s asked;
- 429 with ``Retry-After`` as a date 2 s ahead on the write: the retry waits 2 to 3 s (the
  date is rounded up to the second);
- 500 on every write, ``retry_seconds = 5``: the sync gives up within about 5 s;
- the sign-in service out of reach, ``retry_seconds = 5``: validate gives up within about 5 s;
- a write never answered, ``retry_seconds = 5``, the default ``answer_seconds`` (60): the sync
  gives up after the minute of silence, well before 90 s.

The last one takes a minute of real time (``--skip-silent`` leaves it out).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

AS_OF = dt.date(2026, 3, 10)


def scenarios(skip_silent: bool) -> list[tuple[str, float, float, Callable[..., float]]]:
    """(name, least seconds, most seconds, run) for each fault."""
    from prodsheets.testing import Fault

    def quota_read(server, config) -> float:  # type: ignore[no-untyped-def]
        from prodsheets import pipeline

        server.inject(Fault(status=429, retry_after=1, times=1))
        started = time.monotonic()
        pipeline.validate("gsheets:bench", config=config, as_of=AS_OF)
        return time.monotonic() - started

    def quota_date(server, config) -> float:  # type: ignore[no-untyped-def]
        from prodsheets import pipeline

        server.inject(Fault(status=429, retry_after=2, retry_after_date=True, method="POST"))
        pipeline.sync("gsheets:bench", config=config, as_of=AS_OF)
        writes = [c for c in server.calls if c["path"].endswith(":batchUpdate")]
        return float(writes[1]["time"]) - float(writes[0]["time"])

    def storm(server, config) -> float:  # type: ignore[no-untyped-def]
        return _failing(
            server, config, Fault(status=500, times=10_000, method="POST"), command="sync"
        )

    def sign_in_unreachable(server, config) -> float:  # type: ignore[no-untyped-def]
        with socket.socket() as probe:  # a port nothing listens on
            probe.bind(("127.0.0.1", 0))
            closed = probe.getsockname()[1]
        info = server.service_account_info()
        key = Path(config.credentials).with_name("unreachable.json")
        key.write_text(json.dumps({**info, "token_uri": f"http://127.0.0.1:{closed}/token"}))
        return _failing(server, config.with_overrides(credentials=str(key)), None, "validate")

    def silent(server, config) -> float:  # type: ignore[no-untyped-def]
        fault = Fault(kind="delay", delay_s=600, method="POST", path=":batchUpdate$")
        return _failing(server, config, fault, command="sync")

    found = [
        ("429, Retry-After 1 s, on a read", 1.0, 3.0, quota_read),
        ("429, Retry-After a date 2 s ahead", 1.9, 4.5, quota_date),
        ("500 storm on the write, retry_seconds 5", 0.0, 30.0, storm),
        ("sign-in out of reach, retry_seconds 5", 0.0, 30.0, sign_in_unreachable),
    ]
    if not skip_silent:
        found.append(("a write never answered, answer_seconds 60", 55.0, 90.0, silent))
    return found


def _failing(server, config, fault, command: str) -> float:  # type: ignore[no-untyped-def]
    """Seconds until the run gives up (it must raise a WorkbookError)."""
    from prodsheets import pipeline
    from prodsheets.errors import WorkbookError

    if fault is not None:
        server.inject(fault)
    started = time.monotonic()
    try:
        if command == "sync":
            pipeline.sync("gsheets:bench", config=config, as_of=AS_OF)
        else:
            pipeline.validate("gsheets:bench", config=config, as_of=AS_OF)
    except WorkbookError:
        return time.monotonic() - started
    raise AssertionError(f"{command} did not give up")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-silent", action="store_true", help="leave out the 60 s one")
    args = parser.parse_args(argv)

    from generate import build_tabs

    from prodsheets.config import Config
    from prodsheets.testing import SheetsServer

    rows = {title: tab.rows for title, tab in build_tabs(100, 20).items()}
    failed = 0
    for name, least, most, run in scenarios(args.skip_silent):
        with SheetsServer() as server, tempfile.TemporaryDirectory() as folder:
            server.add_spreadsheet("bench", rows)
            key_file = server.write_credentials(Path(folder) / "key.json")
            config = Config(credentials=str(key_file), api_endpoint=server.url, retry_seconds=5)
            took = run(server, config)
        ok = least <= took < most
        failed += not ok
        print(f"{name:<46} {took:6.2f} s  bound {least:g}..{most:g} s  {'ok' if ok else 'OUT'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
