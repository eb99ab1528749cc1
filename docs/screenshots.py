"""Make the README's screenshots from the bundled example, so that they stay true.

    python docs/screenshots.py          # writes docs/images/*.png

It lays out the example production, syncs it, then lets the real programs draw it:
LibreOffice prints the Summary (with its chart) and Budget Variance tabs to PDF, Ghostscript
turns each page into pixels, and headless Chromium renders `report --format html` at a phone's
width. Needs soffice, gs and chromium on the PATH.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

from prodsheets import pipeline
from prodsheets.config import Config
from prodsheets.render import render

HERE = Path(__file__).resolve().parent
IMAGES = HERE / "images"
AS_OF = dt.date(2026, 12, 2)
SYNCED_AT = dt.datetime(2026, 12, 2, 9, 0)
TABS = {"Summary": "summary.png", "Budget Variance": "budget-variance.png"}


def main() -> None:
    tools = {name: shutil.which(name) for name in ("soffice", "gs", "chromium")}
    missing = [name for name, path in tools.items() if path is None]
    if missing:
        sys.exit(f"Install {', '.join(missing)} first (they draw the screenshots).")
    IMAGES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        os.chdir(work)  # the Summary names the workbook as it was given: example.xlsx
        book = Path("example.xlsx")
        config = Config()
        pipeline.init(str(book), config=config, example=True, force=True, as_of=AS_OF)
        pipeline.sync(str(book), config=config, as_of=AS_OF, now=SYNCED_AT)
        for tab, name in TABS.items():
            only = work / f"{name}.xlsx"
            only.write_bytes(only_tab(book.read_bytes(), tab))
            pdf = to_pdf(tools["soffice"] or "", only, work)
            pixels = first_page(tools["gs"] or "", pdf, work)
            write_png(IMAGES / name, crop(pixels))
        html = work / "report.html"
        report = pipeline.validate(str(book), config=config, as_of=AS_OF)
        html.write_text(render(report, "html"), encoding="utf-8")
        shot = IMAGES / "report-html.png"
        subprocess.run(
            [
                tools["chromium"] or "",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--user-data-dir={work / 'chromium'}",
                "--window-size=412,1600",
                f"--screenshot={shot}",
                html.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        print(f"Wrote {', '.join(sorted(p.name for p in IMAGES.glob('*.png')))} in {IMAGES}")


def only_tab(data: bytes, title: str) -> bytes:
    """The workbook with every tab but ``title`` hidden (and it active), so that printing it
    prints just that tab."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = source.read(info.filename)
            if info.filename == "xl/workbook.xml":
                part = _hidden_but(part.decode("utf-8"), title).encode("utf-8")
            target.writestr(info, part)
    return out.getvalue()


def _hidden_but(text: str, title: str) -> str:
    """xl/workbook.xml with every ``<sheet>`` but ``title``'s hidden, and that one active."""
    names = re.findall(r'<sheet\b[^>]*\bname="([^"]*)"', text)
    wanted = names.index(title.replace("&", "&amp;"))
    keep = f'name="{names[wanted]}"'
    text = re.sub(r"<sheet\b[^>]*/>", lambda found: _shown_if(found, keep), text)
    text = re.sub(r'activeTab="\d+"', f'activeTab="{wanted}"', text)
    return re.sub(r'firstSheet="\d+"', f'firstSheet="{wanted}"', text)


def _shown_if(found: re.Match[str], keep: str) -> str:
    """A ``<sheet>`` element visible when it is the one to keep, else hidden."""
    tag = re.sub(r'\sstate="[^"]*"', "", found.group(0))
    return tag if keep in tag else tag.replace("<sheet ", '<sheet state="hidden" ', 1)


def to_pdf(soffice: str, book: Path, work: Path) -> Path:
    profile = work / "libreoffice-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(book),
        ],
        check=True,
        capture_output=True,
        timeout=180,
        env=dict(os.environ, HOME=str(profile)),
    )
    return work / f"{book.stem}.pdf"


def first_page(gs: str, pdf: Path, work: Path) -> np.ndarray:
    page = work / f"{pdf.stem}.ppm"
    subprocess.run(
        [
            gs,
            "-q",
            "-dSAFER",
            "-dBATCH",
            "-dNOPAUSE",
            "-sDEVICE=ppmraw",
            "-r110",
            "-dFirstPage=1",
            "-dLastPage=1",
            f"-sOutputFile={page}",
            str(pdf),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data = page.read_bytes()
    skip = rb"(?:\s|#[^\n]*\n)+"
    header = re.match(rb"P6" + skip + rb"(\d+)" + skip + rb"(\d+)" + skip + rb"(\d+)\s", data)
    assert header is not None
    width, height = int(header.group(1)), int(header.group(2))
    pixels = np.frombuffer(data, np.uint8, width * height * 3, header.end())
    return pixels.reshape(height, width, 3)


def crop(pixels: np.ndarray, margin: int = 12) -> np.ndarray:
    """The page without its empty margins."""
    ink = (pixels < 245).any(axis=2)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not len(rows):
        return pixels
    top, bottom = max(rows[0] - margin, 0), min(rows[-1] + margin, pixels.shape[0])
    left, right = max(cols[0] - margin, 0), min(cols[-1] + margin, pixels.shape[1])
    return pixels[top:bottom, left:right]


def write_png(path: Path, pixels: np.ndarray) -> None:
    height, width, _ = pixels.shape
    raw = b"".join(b"\x00" + pixels[y].tobytes() for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    main()
