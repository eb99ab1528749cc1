"""Time the calendar feeds against the checks of the same schedule, in one run.

    python benchmarks/bench_calendar.py                       # 10,000 schedule items
    python benchmarks/bench_calendar.py --schedule-items 100000

The peer is ``parse + checks + figures`` of the same generated workbook (what every
``validate`` costs); ``calendar`` is ``publish_calendars`` writing every feed (all, per
person, per space, per department) into a fresh temporary folder, then again into the same
folder, where nothing changed and nothing is written. The ratio says what ``sync --calendar``
adds to a sync.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedule-items", type=int, default=10_000)
    parser.add_argument("--budget-lines", type=int, default=1_000)
    args = parser.parse_args()

    import datetime as dt

    from generate import AS_OF, build_contents

    from prodsheets.checks import Context, run_checks
    from prodsheets.config import Config
    from prodsheets.feeds.calendar import publish_calendars
    from prodsheets.figures import compute_figures
    from prodsheets.tables import read_tables
    from prodsheets.template import load_template

    contents = build_contents(args.budget_lines, args.schedule_items)
    config, template = Config(timezone="Europe/London"), load_template()
    started = time.perf_counter()
    tables, _found = read_tables(contents, template, config)
    context = Context(
        as_of=AS_OF,
        near_limit=config.near_limit,
        min_turnaround=dt.timedelta(hours=10),
    )
    run_checks(tables, context)
    compute_figures(tables, context)
    peer = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        feeds = publish_calendars(
            tables, folder, production="bench", workbook_id="bench", timezone="Europe/London"
        )
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = publish_calendars(
            tables, folder, production="bench", workbook_id="bench", timezone="Europe/London"
        )
        second = time.perf_counter() - started
        size = sum(p.stat().st_size for p in Path(folder).rglob("*.ics"))
    print(f"schedule items            {args.schedule_items:>10,}")
    print(f"events / files            {feeds.events:>10,} / {len(feeds.written):,}")
    print(f"feeds on disk             {size / 1e6:>10.1f} MB")
    print(f"parse + checks + figures  {peer:>10.2f} s   (the peer)")
    print(f"calendar, first write     {first:>10.2f} s   {first / peer:.2f}x the peer")
    print(
        f"calendar, nothing changed {second:>10.2f} s   {second / peer:.2f}x the peer "
        f"({len(again.written)} files written)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
