"""A local validate loads no Google client code: gspread, google-auth and requests are for
Google workbooks only, and importing them costs a local run time it need not spend."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.workbooks import AS_OF, clean_production, write_workbook

GOOGLE_ONLY = ("gspread", "google", "google_auth_oauthlib", "requests")

_RUN = """
import json, sys
from prodsheets.cli import cli
try:
    cli(["validate", sys.argv[1], "--as-of", sys.argv[2], "-q"], prog_name="prodsheets")
except SystemExit as done:
    code = done.code
print(json.dumps({"exit": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def test_a_local_validate_imports_no_google_client(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "show.xlsx", clean_production())
    done = subprocess.run(
        [sys.executable, "-c", _RUN, str(path), AS_OF],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["exit"] == 0
    assert "prodsheets" in report["modules"] and "python_calamine" in report["modules"]
    assert [m for m in GOOGLE_ONLY if m in report["modules"]] == []
