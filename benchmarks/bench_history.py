"""How big the History tab grows over a season, and what keeping it costs a sync.

    python benchmarks/bench_history.py                       # 100,000 lines, 30 nights, 1%
    python benchmarks/bench_history.py --budget-lines 10000 --nights 5

A generated workbook (``generate.py``) is synced once a night for ``--nights`` nights, with
``--change`` of its budget lines re-estimated (a new ETC) between nights. Each night runs, on
the same cells, in the same process:

- ``without``: the sync as it was before the History (parse, checks, figures, the five summary
  tabs);
- ``with``: the same plus reading the History back (as text, as both backends hand it over),
  comparing, recording the night, and building Changes and History.

Cells stay in memory, so the ratio is the History's own cost. Then, once, the last night is
synced for real into an .xlsx file holding the season's History, against the same file synced
the old way (read, write the five tabs): both timed in this run. Reported: History's rows and
cells after the season, and the ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from prodsheets import history, pipeline
from prodsheets.backends.base import Contents, RawCell, SummaryTable
from prodsheets.backends.xlsx import XlsxWorkbook
from prodsheets.checks import run_checks
from prodsheets.config import Config
from prodsheets.figures import compute_figures
from prodsheets.issues import apply_severities, sort_issues
from prodsheets.summary import build_summary, history_tab
from prodsheets.tables import read_tables
from prodsheets.template import load_template

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

FIRST = dt.date(2026, 2, 1)


def _without(contents: Contents, config: Config, as_of: dt.date) -> list[SummaryTable]:
    """The sync's work before #10: parse, check, compute, the five tabs."""
    template = load_template()
    tables, found = read_tables(contents, template, config)
    context = pipeline.context_for(config, as_of)
    found.extend(run_checks(tables, context))
    figures = compute_figures(tables, context)
    issues = sort_issues(apply_severities(found, config.rules))
    return build_summary(
        figures, issues, tables, as_of=as_of, synced_at=dt.datetime(2026, 1, 1), workbook="b"
    )


def _with(
    contents: Contents, config: Config, as_of: dt.date, history_rows: list[list[RawCell]]
) -> tuple[list[SummaryTable], history.Log]:
    """The same, with the History read back, compared with, recorded and built."""
    template = load_template()
    tables, found = read_tables(contents, template, config)
    log = history.read_log(history_rows)
    found.extend(log.damaged)
    context = pipeline.context_for(config, as_of)
    found.extend(run_checks(tables, context))
    figures = compute_figures(tables, context)
    issues = sort_issues(apply_severities(found, config.rules))
    now = history.snapshot(tables, figures, issues)
    baseline = history.baseline_index(log, as_of=as_of)
    compared = (
        history.compare(log, now, tables, figures, issues, since=baseline)
        if baseline is not None
        else None
    )
    synced_at = dt.datetime.combine(as_of, dt.time(22))
    grown = history.record_sync(
        log, now, synced_at=synced_at, as_of=as_of, max_rows=config.history_max_rows
    )
    built = build_summary(
        figures,
        issues,
        tables,
        as_of=as_of,
        synced_at=synced_at,
        workbook="b",
        compared=compared,
        log=grown,
        kept=history.appendable(log, grown),
    )
    return built, grown


def _read_back(log: history.Log) -> list[list[RawCell]]:
    """The History tab's cells as a backend reads them: text, blanks as None."""
    rows: list[list[RawCell]] = [list(history.COLUMNS)]
    rows += [[v or None for v in row] for row in history.log_rows(log)]
    return rows


def _re_estimate(contents: Contents, share: float, rng: np.random.Generator) -> None:
    """A new ETC on ``share`` of the budget lines, typed as a number."""
    rows = contents.tabs["Budget"].rows
    etc = rows[0].index("ETC")
    for n in rng.choice(np.arange(1, len(rows)), size=max(1, int(share * (len(rows) - 1)))):
        row = rows[int(n)]
        while len(row) <= etc:
            row.append(None)
        row[etc] = round(float(rng.uniform(0, 5000)), 2)


def _file_sync(
    contents: Contents, log: history.Log, as_of: dt.date, folder: Path
) -> dict[str, float]:
    """The last night for real in .xlsx files: with the season's History, and the old way."""
    from generate import write_xlsx

    plain = folder / "plain.xlsx"
    write_xlsx({name: contents.tabs[name] for name in contents.tabs}, plain)
    kept = folder / "with-history.xlsx"
    kept.write_bytes(plain.read_bytes())
    XlsxWorkbook(str(kept)).read([])
    book = XlsxWorkbook(str(kept))
    book.read([])
    book.write([history_tab(log)])
    config = Config()

    def old_way() -> None:
        workbook = XlsxWorkbook(str(plain))
        read = workbook.read(pipeline.source_names(config))
        workbook.write(_without(read, config, as_of))

    times: dict[str, list[float]] = {"without": [], "with": []}
    for _ in range(2):
        started = time.perf_counter()
        old_way()
        times["without"].append(time.perf_counter() - started)
        copy = folder / "run.xlsx"
        copy.write_bytes(kept.read_bytes())
        started = time.perf_counter()
        pipeline.sync(
            str(copy), config=config, as_of=as_of, now=dt.datetime.combine(as_of, dt.time(23))
        )
        times["with"].append(time.perf_counter() - started)
    return {
        "without": min(times["without"]),
        "with": min(times["with"]),
        "file_mb": os.path.getsize(copy) / 1e6,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget-lines", type=int, default=100_000)
    parser.add_argument("--schedule-items", type=int, default=1_000)
    parser.add_argument("--nights", type=int, default=30)
    parser.add_argument("--change", type=float, default=0.01, help="share of lines re-estimated")
    parser.add_argument("--no-file", action="store_true", help="skip the .xlsx sync")
    args = parser.parse_args(argv)
    from generate import build_contents

    contents = build_contents(args.budget_lines, args.schedule_items)
    config = Config()
    rng = np.random.default_rng(10)
    log = history.Log()
    plain: list[float] = []
    kept: list[float] = []
    print(
        f"{args.budget_lines:,} lines, {args.schedule_items:,} items, {args.nights} nights, "
        f"{args.change:.0%} of lines re-estimated each night"
    )
    print(f"{'night':>5} {'without s':>10} {'with s':>8} {'ratio':>6} {'History rows':>13}")
    for night in range(args.nights):
        as_of = FIRST + dt.timedelta(days=night)
        if night:
            _re_estimate(contents, args.change, rng)
        started = time.perf_counter()
        _without(contents, config, as_of)
        plain.append(time.perf_counter() - started)
        rows = _read_back(log)
        started = time.perf_counter()
        _, log = _with(contents, config, as_of, rows)
        kept.append(time.perf_counter() - started)
        print(
            f"{night + 1:>5} {plain[-1]:>10.2f} {kept[-1]:>8.2f} {kept[-1] / plain[-1]:>6.2f} "
            f"{log.rows + 1:>13,}"
        )
    cells = (log.rows + 1) * len(history.COLUMNS)
    later = slice(1, None) if args.nights > 1 else slice(None)
    ratio = statistics.mean(kept[later]) / statistics.mean(plain[later])
    print()
    print(
        f"History after {args.nights} nights: {log.rows + 1:,} rows, {cells:,} cells "
        f"({cells / 10_000_000:.1%} of Google's 10,000,000-cell limit)"
    )
    print(f"first night (records every line): with/without = {kept[0] / plain[0]:.2f}x")
    print(
        f"later nights, mean: with {statistics.mean(kept[later]):.2f} s, "
        f"without {statistics.mean(plain[later]):.2f} s: {ratio:.2f}x"
    )
    if not args.no_file:
        with tempfile.TemporaryDirectory() as folder:
            as_of = FIRST + dt.timedelta(days=args.nights)
            found = _file_sync(contents, log, as_of, Path(folder))
        print(
            f".xlsx sync of night {args.nights + 1} ({found['file_mb']:.1f} MB file): with "
            f"History {found['with']:.2f} s, the old way {found['without']:.2f} s: "
            f"{found['with'] / found['without']:.2f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
