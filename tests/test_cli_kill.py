"""A sync killed at any moment leaves the workbook whole: the old file or the new one."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl

from tests.workbooks import AS_OF, SOURCE_TABS, SUMMARY_TABS, clean_production, write_workbook


def test_killed_sync_leaves_old_or_new_file(tmp_path: Path) -> None:
    tabs = clean_production()
    for n in range(3000):  # enough work that a kill lands mid-run
        tabs["Budget"].append(
            [f"X-{n}", "Set", "Other", f"Item {n}", None, 100 + n, n % 7, 0, 1, None]
        )
    path = write_workbook(tmp_path / "show.xlsx", tabs)
    command = [sys.executable, "-m", "prodsheets", "sync", str(path), "--as-of", AS_OF, "-q"]
    started = time.monotonic()
    subprocess.run(command, cwd=tmp_path, check=False, capture_output=True, timeout=120)
    full = time.monotonic() - started
    rng = random.Random(7)
    for _ in range(8):
        process = subprocess.Popen(
            command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.0, full))
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        book = openpyxl.load_workbook(path, read_only=True)
        assert book.sheetnames in (SOURCE_TABS, SOURCE_TABS + SUMMARY_TABS)
        assert book["Budget"].max_row == 3005
        book.close()
    # a complete run afterwards tidies whatever temporary file a killed run left behind
    subprocess.run(command, cwd=tmp_path, check=False, capture_output=True, timeout=120)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["show.xlsx"]
