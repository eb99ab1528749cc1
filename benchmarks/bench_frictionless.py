"""``prodsheets validate`` on a workbook with a 100,000-line Budget tab, against frictionless.

    pip install frictionless        # optional: only this comparison needs it
    python benchmarks/bench_frictionless.py [--budget-lines 100000] [--json out.json]

frictionless validates the Budget tab alone against an equivalent Table Schema (required,
unique Code; Department and Vendor limited to the listed names; Category an enum; money a
number >= 0 that may be typed "$1,234.50"), twice: straight from the same .xlsx workbook (the
SPEC's comparison: the same input prodsheets reads) and from a CSV export of that tab (a
head start it would not have in real use). prodsheets validates the whole .xlsx workbook (all
four tabs, every check), through its command line. Each runs in its own process; the wall
time and the peak memory (RSS high-water mark) of that process are reported.
SPEC target: prodsheets at least 5x faster than frictionless on the workbook, in under 1 GB.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

TARGET_SPEEDUP = 5.0
TARGET_MB = 1024.0


def _cell_text(value: object) -> str:
    """A cell as it would appear in a CSV export of the sheet."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def table_schema(departments: list[str], vendors: list[str]) -> dict[str, Any]:
    """The Budget tab's rules as a Table Schema, as close to the template as it can say them."""
    from prodsheets.template import load_template

    categories = load_template().tab("Budget").column("Category").enum

    def money(name: str, required: bool = False) -> dict[str, Any]:
        constraints: dict[str, Any] = {"minimum": 0}
        if required:
            constraints["required"] = True
        return {
            "name": name,
            "type": "number",
            "bareNumber": False,
            "groupChar": ",",
            "constraints": constraints,
        }

    return {
        "fields": [
            {"name": "Code", "type": "string", "constraints": {"required": True, "unique": True}},
            {
                "name": "Department",
                "type": "string",
                "constraints": {"required": True, "enum": departments},
            },
            {
                "name": "Category",
                "type": "string",
                "constraints": {"enum": list(categories)},
            },
            {"name": "Description", "type": "string", "constraints": {"required": True}},
            {"name": "Vendor", "type": "string", "constraints": {"enum": vendors}},
            money("Budgeted", required=True),
            money("Actual"),
            money("Committed"),
            money("ETC"),
            {"name": "Notes", "type": "string"},
        ],
        "missingValues": [""],
    }


def prepare(budget_lines: int, schedule_items: int, where: Path) -> dict[str, Path]:
    """The workbook (.xlsx), its Budget tab as CSV, and the Table Schema, written once."""
    from generate import build_tabs, write_xlsx

    where.mkdir(parents=True, exist_ok=True)
    paths = {
        "xlsx": where / f"validate-{budget_lines}.xlsx",
        "csv": where / f"budget-{budget_lines}.csv",
        "schema": where / f"budget-{budget_lines}.schema.json",
    }
    if all(p.exists() for p in paths.values()):
        return paths
    tabs = build_tabs(budget_lines, schedule_items)
    write_xlsx(tabs, paths["xlsx"])
    with paths["csv"].open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        for row in tabs["Budget"].rows:
            writer.writerow([_cell_text(v) for v in row])
    departments = [str(row[0]) for row in tabs["Departments"].rows[1:]]
    vendors = [str(row[0]) for row in tabs["Vendors"].rows[1:]]
    paths["schema"].write_text(json.dumps(table_schema(departments, vendors), indent=1))
    return paths


def run_frictionless(source: str, schema_path: str) -> dict[str, Any]:
    """Validate the Budget tab (a CSV, or the workbook's Budget sheet) in this process (called
    in a child); errors found and their types."""
    from frictionless import Checklist, Resource, Schema, formats

    schema = Schema.from_descriptor(json.loads(Path(schema_path).read_text()))
    where = Path(source).resolve()
    # frictionless refuses absolute paths as unsafe; a base path and a plain name are fine.
    resource = Resource(path=where.name, basepath=str(where.parent), schema=schema)
    checklist = Checklist()
    if where.suffix == ".xlsx":
        resource.control = formats.ExcelControl(sheet="Budget")
        # .xlsx rows end at their last filled cell: a blank Notes is not an error.
        checklist = Checklist(skip_errors=["missing-cell"])
    report = resource.validate(checklist, limit_errors=10_000_000)
    task = report.tasks[0]
    kinds: dict[str, int] = {}
    for error in task.errors:
        kinds[error.type] = kinds.get(error.type, 0) + 1
    first = task.errors[0].message if task.errors else ""
    return {"valid": report.valid, "errors": len(task.errors), "by_type": kinds, "first": first}


def timed(command: list[str]) -> dict[str, Any]:
    """Run ``command`` in a wrapper process that reports its wall time and peak RSS."""
    wrapper = [sys.executable, str(Path(__file__).resolve()), "--measure", "--", *command]
    done = subprocess.run(wrapper, capture_output=True, text=True, check=True)
    parsed: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return parsed


def _measure(command: list[str]) -> None:
    """The wrapper: the child is the only process it waits for, so RUSAGE_CHILDREN is its own."""
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak_mb = peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
    found: Any
    try:
        found = json.loads(done.stdout)
    except json.JSONDecodeError:
        found = {"output": done.stdout.strip()[-500:]}
    if isinstance(found, dict) and "issues" in found:  # prodsheets: the counts, not every issue
        found = {"counts": found.get("counts"), "issues": len(found["issues"])}
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": peak_mb,
                "exit": done.returncode,
                "found": found,
                "stderr_tail": done.stderr.strip()[-500:],
            }
        )
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget-lines", type=int, default=100_000)
    parser.add_argument("--schedule-items", type=int, default=10_000)
    parser.add_argument("--data-dir", default=str(HERE / "out"))
    parser.add_argument("--json", dest="json_out", help="also write the results here")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--frictionless-child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("command", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.measure:
        _measure(args.command)
        return 0
    if args.frictionless_child:
        print(json.dumps(run_frictionless(*args.frictionless_child)))
        return 0

    try:
        import frictionless  # noqa: F401
    except ImportError:
        print("frictionless is not installed: pip install frictionless", file=sys.stderr)
        return 2
    from generate import AS_OF

    prodsheets = shutil.which("prodsheets")
    base = [prodsheets] if prodsheets else [sys.executable, "-m", "prodsheets"]
    paths = prepare(args.budget_lines, args.schedule_items, Path(args.data_dir))

    print("running prodsheets validate...", file=sys.stderr)
    as_of = AS_OF.isoformat()
    ours = timed([*base, "validate", str(paths["xlsx"]), "--format", "json", "--as-of", as_of])
    theirs = {}
    for source in ("xlsx", "csv"):
        print(f"running frictionless on the Budget tab ({source})...", file=sys.stderr)
        theirs[source] = timed(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--frictionless-child",
                str(paths[source]),
                str(paths["schema"]),
            ]
        )
    found_by_us = ours["found"]
    speedups = {
        source: run["seconds"] / ours["seconds"] if ours["seconds"] else float("inf")
        for source, run in theirs.items()
    }
    result = {
        "budget_lines": args.budget_lines,
        "schedule_items": args.schedule_items,
        "cores": os.cpu_count(),
        "prodsheets": ours,
        "frictionless": theirs,
        "speedup": speedups,
    }
    print(f"{'':30} {'seconds':>8} {'peak MB':>8}  found")
    print(
        f"{'prodsheets validate (.xlsx)':30} {ours['seconds']:>8.2f} {ours['peak_mb']:>8.0f}  "
        f"{found_by_us.get('counts', found_by_us)} (whole workbook, exit {ours['exit']})"
    )
    for source, run in theirs.items():
        print(
            f"{'frictionless (Budget, .' + source + ')':30} {run['seconds']:>8.2f} "
            f"{run['peak_mb']:>8.0f}  {run['found'].get('errors', '?')} errors "
            f"(prodsheets {speedups[source]:.1f}x faster)"
        )
    speedup = speedups["xlsx"]
    verdict = "meets" if speedup >= TARGET_SPEEDUP and ours["peak_mb"] < TARGET_MB else "misses"
    print(
        f"speed-up on the same workbook {speedup:.1f}x; SPEC: >= {TARGET_SPEEDUP:.0f}x and "
        f"< {TARGET_MB:.0f} MB ({verdict})"
    )
    if ours["exit"] not in (0, 1):
        print(f"prodsheets exited {ours['exit']}: {ours['stderr_tail']}", file=sys.stderr)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
