"""How long writing the summary tabs into a local workbook takes, and what dominates it.

    python benchmarks/bench_write.py                      # a 100,000-line Budget tab
    python benchmarks/bench_write.py --budget-lines 1000000 --schedule-items 100000

The workbook comes from ``generate.py``. The summary tabs are built once (a dry-run sync), then
written two ways, each timed on a fresh copy of the workbook:

- ``package`` (what prodsheets does): ``XlsxWorkbook.write``, which adds or replaces only the
  summary tabs' parts inside the zip and copies every other part as it is;
- ``openpyxl`` (the earlier write path, kept here as the baseline): load the whole workbook
  with openpyxl, replace the summary tabs, save it whole, re-serialising every tab of the user's.

``summary only`` is the package writer putting the same summary tabs into a workbook whose
own tabs are tiny: how long writing our own tabs takes by itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from prodsheets.backends.base import SummaryTable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _openpyxl_write(path: Path, tables: Sequence[SummaryTable]) -> None:
    """The old way: the whole workbook through openpyxl."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    for table in tables:
        if table.title in book.sheetnames:
            del book[table.title]
        sheet = book.create_sheet(table.title)
        sheet.append([column.name for column in table.columns])
        for row in table.rows:
            sheet.append(list(row))
    book.save(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget-lines", type=int, default=100_000)
    parser.add_argument("--schedule-items", type=int, default=10_000)
    parser.add_argument("--skip-openpyxl", action="store_true", help="only time our writer")
    args = parser.parse_args(argv)

    from generate import AS_OF, build_tabs, write_xlsx

    from prodsheets import pipeline
    from prodsheets.backends.xlsx import XlsxWorkbook
    from prodsheets.config import Config

    with tempfile.TemporaryDirectory(dir=HERE) as folder:
        source = Path(folder) / "source.xlsx"
        write_xlsx(build_tabs(args.budget_lines, args.schedule_items), source)
        result = pipeline.sync(
            str(source), config=Config(), as_of=AS_OF, dry_run=True, now=dt.datetime(2026, 3, 1)
        )
        rows = sum(len(t.rows) for t in result.summary)
        print(
            f"workbook: {args.budget_lines:,} budget lines, {args.schedule_items:,} schedule "
            f"items, {source.stat().st_size / 1e6:.1f} MB; summary tabs: {rows:,} rows"
        )

        def timed(name: str, write: Callable[[Path], None]) -> None:
            copy = Path(folder) / f"{name}.xlsx"
            shutil.copyfile(source, copy)
            began = time.perf_counter()
            write(copy)
            seconds = time.perf_counter() - began
            print(f"{name:>12}: {seconds:6.2f} s, file {copy.stat().st_size / 1e6:.1f} MB")

        timed("package", lambda p: XlsxWorkbook(str(p)).write(result.summary))
        tiny = Path(folder) / "tiny.xlsx"
        write_xlsx(build_tabs(10, 10), tiny)
        began = time.perf_counter()
        XlsxWorkbook(str(tiny)).write(result.summary)
        print(f"{'summary only':>12}: {time.perf_counter() - began:6.2f} s")
        if not args.skip_openpyxl:
            timed("openpyxl", lambda p: _openpyxl_write(p, result.summary))
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
