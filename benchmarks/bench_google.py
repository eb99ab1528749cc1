"""A Google sync of a large workbook, through real gspread and google-auth, against the local
Sheets API server (``prodsheets.testing``): time per call and request/response sizes.

    python benchmarks/bench_google.py                       # 100k/10k and 850k/85k
    python benchmarks/bench_google.py --sizes 100000x10000 --json out.json

Each size runs in its own process. The server runs in that process too (on 127.0.0.1), so the
wall time includes the server's own work of serving the cells; the API call count and the
bytes on the wire are what Google would see. SPEC: a sync costs three calls (one metadata read,
one values.batchGet, one batchUpdate) whatever the size; the write stays under 2 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def measure(budget_lines: int, schedule_items: int) -> dict[str, Any]:
    from generate import build_tabs

    from prodsheets import pipeline
    from prodsheets.config import Config
    from prodsheets.testing import SheetsServer

    tabs = build_tabs(budget_lines, schedule_items)
    rows = {title: tab.rows for title, tab in tabs.items()}
    with SheetsServer() as server, tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        # each tab's grid just holds its cells, as in a spreadsheet whose unused columns were
        # deleted: the biggest size then comes close to Google's 10,000,000-cell limit
        server.add_spreadsheet("bench", rows, grid_size=(1, 1))
        seeded = time.perf_counter() - started
        key_file = server.write_credentials(Path(folder) / "key.json")
        config = Config(credentials=str(key_file), api_endpoint=server.url)
        started = time.perf_counter()
        result = pipeline.sync(
            "gsheets:bench", config=config, as_of=dt.date(2026, 3, 10), now=dt.datetime.now()
        )
        synced = time.perf_counter() - started
        calls = [c for c in server.calls if c["path"].startswith("/v4/")]
    return {
        "budget_lines": budget_lines,
        "schedule_items": schedule_items,
        "cells": sum(len(row) for tab in rows.values() for row in tab),
        "seed_s": round(seeded, 2),
        "sync_s": round(synced, 2),
        "calls": [
            {
                "call": f"{c['method']} {c['path'].split('/')[-1]}",
                "status": c["status"],
                "request_bytes": c["request_bytes"],
                "response_bytes": c["response_bytes"],
            }
            for c in calls
        ],
        "issues": len(result.issues),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # 1M lines (11.2M cells) would pass Google's limit of 10M cells per spreadsheet
    parser.add_argument("--sizes", default="100000x10000,850000x85000")
    parser.add_argument("--json", dest="json_out")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        lines, items = (int(n) for n in args.child.split("x"))
        print(json.dumps(measure(lines, items)))
        return 0
    results = []
    for size in args.sizes.split(","):
        print(f"running {size} ...", file=sys.stderr)
        out = subprocess.run(
            [sys.executable, __file__, "--child", size], capture_output=True, text=True, check=True
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    for r in results:
        print(
            f"{r['budget_lines']:>9,} lines {r['schedule_items']:>7,} items "
            f"{r['cells']:>11,} cells: sync {r['sync_s']:6.1f} s, peak {r['peak_mb']:,.0f} MB "
            f"(server seeded in {r['seed_s']:.1f} s), {r['issues']:,} issues"
        )
        for c in r["calls"]:
            print(
                f"    {c['call']:28} {c['status']}  sent {c['request_bytes']:>12,} B  "
                f"received {c['response_bytes']:>12,} B"
            )
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
