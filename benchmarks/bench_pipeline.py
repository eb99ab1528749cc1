"""Time each pipeline stage on large workbooks, and the memory it takes.

    python benchmarks/bench_pipeline.py                      # 100k/10k and 1M/100k
    python benchmarks/bench_pipeline.py --sizes 100000x10000 --source memory --json out.json

Stages: ``read`` (the .xlsx backend reading the file, when ``--source xlsx``), ``parse``
(``tables.read_tables``), ``checks`` (``checks.run_checks``) and ``figures``
(``figures.compute_figures``). Each size runs in a fresh subprocess so that the peak memory
(the RSS high-water mark from ``resource.getrusage``) of one size does not hide in another's.
SPEC target: parse + checks + figures for 1,000,000 budget lines and 100,000 schedule items in
under 15 s on 2 cores, in under 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

DEFAULT_SIZES = ((100_000, 10_000), (1_000_000, 100_000))
TARGET_SECONDS = 15.0
TARGET_MB = 2048.0
STAGES = ("read", "parse", "checks", "figures")


def peak_mb() -> float:
    """This process's RSS high-water mark so far (Linux reports kB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def measure(budget_lines: int, schedule_items: int, xlsx: str | None) -> dict[str, Any]:
    """Run the stages once in this process; seconds and peak memory after each."""
    import datetime as dt

    from generate import AS_OF, build_contents

    from prodsheets.checks import Context, run_checks
    from prodsheets.config import Config
    from prodsheets.figures import compute_figures
    from prodsheets.tables import read_tables
    from prodsheets.template import SOURCE_TABS, load_template

    config, template = Config(), load_template()
    result: dict[str, Any] = {
        "budget_lines": budget_lines,
        "schedule_items": schedule_items,
        "source": "xlsx" if xlsx else "memory",
        "seconds": {},
        "peak_mb": {},
        "baseline_mb": round(peak_mb(), 1),
    }
    began = time.perf_counter()
    if xlsx:
        from prodsheets.backends import open_workbook

        contents = open_workbook(xlsx, config).read(list(SOURCE_TABS))
        result["seconds"]["read"] = time.perf_counter() - began
        result["peak_mb"]["read"] = peak_mb()
    else:
        contents = build_contents(budget_lines, schedule_items)
        result["seconds"]["build (not timed)"] = time.perf_counter() - began
        result["peak_mb"]["build (not timed)"] = peak_mb()

    def stage(name: str, run: Any) -> Any:
        start = time.perf_counter()
        value = run()
        result["seconds"][name] = time.perf_counter() - start
        result["peak_mb"][name] = peak_mb()
        return value

    tables, found = stage("parse", lambda: read_tables(contents, template, config))
    context = Context(as_of=AS_OF, min_turnaround=dt.timedelta(hours=10))
    found.extend(stage("checks", lambda: run_checks(tables, context)))
    figures = stage("figures", lambda: compute_figures(tables, context))
    result["pipeline_seconds"] = sum(result["seconds"][s] for s in ("parse", "checks", "figures"))
    result["peak_mb_total"] = peak_mb()
    result["issues"] = len(found)
    result["excluded_lines"] = int(figures.excluded_lines)
    rules: dict[str, int] = {}
    for found_issue in found:
        rules[found_issue.rule] = rules.get(found_issue.rule, 0) + 1
    result["issues_by_rule"] = dict(sorted(rules.items()))
    return result


def _xlsx_backend_present() -> bool:
    try:
        import prodsheets.backends.xlsx  # noqa: F401
    except ImportError:
        return False
    return True


def _ensure_workbook(budget_lines: int, schedule_items: int, data_dir: Path) -> Path:
    """Generate the .xlsx once (in its own process, so its memory is not counted)."""
    path = data_dir / f"bench-{budget_lines}x{schedule_items}.xlsx"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.xlsx")
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate.py"),
                "--budget-lines",
                str(budget_lines),
                "--schedule-items",
                str(schedule_items),
                str(partial),
            ],
            check=True,
        )
        partial.rename(path)
    return path


def run_child(budget_lines: int, schedule_items: int, xlsx: Path | None) -> dict[str, Any]:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        "--sizes",
        f"{budget_lines}x{schedule_items}",
    ]
    if xlsx is not None:
        command += ["--xlsx", str(xlsx)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        return {
            "budget_lines": budget_lines,
            "schedule_items": schedule_items,
            "source": "xlsx" if xlsx else "memory",
            "error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed",
        }
    last = done.stdout.strip().splitlines()[-1]
    parsed: dict[str, Any] = json.loads(last)
    return parsed


def table(results: Sequence[dict[str, Any]]) -> str:
    head = (
        f"{'budget lines':>12} {'schedule':>9} {'source':>6} {'read s':>7} {'parse s':>7} "
        f"{'checks s':>8} {'figures s':>9} {'pipeline s':>10} {'peak MB':>8} {'issues':>8}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        if "error" in r:
            lines.append(
                f"{r['budget_lines']:>12,} {r['schedule_items']:>9,} {r['source']:>6} "
                f"failed: {r['error']}"
            )
            continue
        s = r["seconds"]
        read = f"{s['read']:.2f}" if "read" in s else "-"
        lines.append(
            f"{r['budget_lines']:>12,} {r['schedule_items']:>9,} {r['source']:>6} {read:>7} "
            f"{s['parse']:>7.2f} {s['checks']:>8.2f} {s['figures']:>9.2f} "
            f"{r['pipeline_seconds']:>10.2f} {r['peak_mb_total']:>8.0f} {r['issues']:>8,}"
        )
    lines.append(
        f"SPEC: pipeline (parse + checks + figures) for 1,000,000 lines + 100,000 items "
        f"< {TARGET_SECONDS:.0f} s on 2 cores, peak < {TARGET_MB:.0f} MB. "
        f"This machine: {os.cpu_count()} cores, Python {platform.python_version()}."
    )
    return "\n".join(lines)


def _sizes(text: str) -> list[tuple[int, int]]:
    sizes = []
    for part in text.split(","):
        lines, _, items = part.strip().lower().partition("x")
        sizes.append((int(lines), int(items)))
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(f"{a}x{b}" for a, b in DEFAULT_SIZES),
        help="budget lines x schedule items, comma-separated (default: %(default)s)",
    )
    parser.add_argument(
        "--source",
        choices=("memory", "xlsx", "both"),
        default="both",
        help="memory: generated cells, no file IO; xlsx: read a generated .xlsx with the backend",
    )
    parser.add_argument("--data-dir", default=str(HERE / "out"), help="where .xlsx files go")
    parser.add_argument("--json", dest="json_out", help="also write the results here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--xlsx", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        (budget_lines, schedule_items) = _sizes(args.sizes)[0]
        print(json.dumps(measure(budget_lines, schedule_items, args.xlsx)))
        return 0

    sources = ["memory", "xlsx"] if args.source == "both" else [args.source]
    if "xlsx" in sources and not _xlsx_backend_present():
        print("There is no prodsheets.backends.xlsx: skipping the .xlsx runs.", file=sys.stderr)
        sources.remove("xlsx")
    results = []
    for budget_lines, schedule_items in _sizes(args.sizes):
        for source in sources:
            xlsx = None
            if source == "xlsx":
                xlsx = _ensure_workbook(budget_lines, schedule_items, Path(args.data_dir))
            print(f"running {budget_lines:,} x {schedule_items:,} ({source})...", file=sys.stderr)
            results.append(run_child(budget_lines, schedule_items, xlsx))
    print(table(results))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0 if all("error" not in r for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
