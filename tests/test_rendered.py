"""Judged by real programs (#13): LibreOffice draws the chart of a synced workbook, Chromium
renders `report --format html`; the pictures are checked by their pixels."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.pixels import near, read_png, read_ppm
from tests.test_presentation import troubled_production
from tests.workbooks import AS_OF, set_cell
from tests.xlsx_fixtures import SOFFICE, convert

GHOSTSCRIPT = shutil.which("gs")
CHROMIUM = next(
    (found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None
)
BUDGETED, EFC = "4472c4", "ed7d31"  # the series colours of both charts


@pytest.mark.skipif(SOFFICE is None or GHOSTSCRIPT is None, reason="needs LibreOffice and gs")
def test_libreoffice_draws_the_summary_chart(workbook: Any, run_cli: Any, tmp_path: Path) -> None:
    path = workbook(troubled_production())
    assert run_cli("sync", str(path), "--as-of", AS_OF).exit_code == 0
    [pdf] = convert([path], tmp_path / "pdf", "pdf", tmp_path / "profile")
    assert GHOSTSCRIPT is not None
    subprocess.run(
        [
            GHOSTSCRIPT,
            "-q",
            "-dSAFER",
            "-dBATCH",
            "-dNOPAUSE",
            "-sDEVICE=ppmraw",
            "-r40",
            f"-sOutputFile={tmp_path / 'page%03d.ppm'}",
            str(pdf),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pages = [read_ppm(page) for page in sorted(tmp_path.glob("page*.ppm"))]
    assert pages
    drawn = [(near(p, BUDGETED), near(p, EFC)) for p in pages]
    # one page (Summary's) holds both series' bars, each a solid block of colour
    assert any(blue > 300 and orange > 300 for blue, orange in drawn), drawn


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium")
def test_chromium_renders_the_html_report(home: Any, run_cli: Any, tmp_path: Path) -> None:
    tabs = troubled_production()
    set_cell(tabs, "Budget", 3, "Description", "<script>alert(1)</script> & co")
    location = home.make(tabs)
    result = run_cli("report", location, "--as-of", AS_OF, "--format", "html")
    assert result.exit_code == 0, result.output
    page = result.stdout
    assert "<script>" not in page and "&lt;script&gt;" in page  # text escaped
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")  # nothing fetched
    html = tmp_path / "report.html"
    html.write_text(page, encoding="utf-8")
    assert CHROMIUM is not None
    base = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'chromium'}",
    ]
    dom = subprocess.run(
        [*base, "--dump-dom", html.as_uri()], capture_output=True, text=True, timeout=120
    ).stdout
    for text in (
        "Lines over budget or at risk",
        "T-01",
        "Over, over allocation",
        "EFC against Budgeted by department",
        "Next milestones",
        "budgeted",
    ):
        assert text in dom, text
    shot = tmp_path / "phone.png"
    subprocess.run(
        [*base, "--window-size=412,1400", f"--screenshot={shot}", html.as_uri()],
        capture_output=True,
        timeout=120,
    )
    pixels = read_png(shot)
    assert pixels.shape[1] == 412  # a phone's width
    # the chart is drawn: both series' bars are on the page, not just background
    assert near(pixels, BUDGETED) > 500 and near(pixels, EFC) > 500


def test_the_html_page_stays_a_page_however_many_issues() -> None:
    import datetime as dt

    from prodsheets.html_report import MOST_ISSUES, to_html
    from prodsheets.issues import issue
    from prodsheets.pipeline import Result

    found = [
        issue("value.required", f"<b>Blank</b> {n}", tab="Budget", cell=f"D{n}", row=n)
        for n in range(2, 2 + MOST_ISSUES + 50)
    ]
    page = to_html(Result(workbook="show.xlsx", as_of=dt.date(2026, 3, 10), issues=found))
    assert "50 more issues are in the Issues tab." in page
    assert page.count("&lt;b&gt;Blank&lt;/b&gt;") == MOST_ISSUES and "<b>Blank" not in page
