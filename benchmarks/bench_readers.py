"""``prodsheets validate`` next to the bare readers of the same .xlsx file, as ratios.

    pip install fastexcel       # optional: only this comparison needs it (no pyarrow needed)
    python benchmarks/bench_readers.py [--sizes 1000000x100000,100000x10000] [--repeat 3]

For each size (budget lines x schedule items) the workbook is generated once
(``generate.py``), then each of these runs in its own fresh process, ``--repeat`` times, and
the fastest run counts (the machine is shared; the fastest is the least disturbed):

| peer | what runs |
| --- | --- |
| ``fastexcel`` | fastexcel (Rust, calamine underneath) reads every tab to Arrow columns |
| ``calamine`` | python-calamine reads every tab into Python lists (``to_python``) |
| ``pandas+calamine`` | ``import pandas``, then the same calamine read |
| ``validate`` | ``prodsheets validate WORKBOOK -q``: read, parse, every check |
| ``validate (baseline)`` | the same from another checkout (``--baseline DIR``), for before/after |

Each process times itself from before its first import to its end, and reports its own peak
memory (RSS high-water mark), and that of the largest process it started. The ratios are
validate's time over each peer's, from the same run. SPEC targets: 1,000,000 lines + 100,000
items, validate at most 1.5x fastexcel's read and under 1.5 GB; 100,000 lines, at most 1.25x
``import pandas`` plus the bare read.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_pipeline import _ensure_workbook, _sizes  # noqa: E402

DEFAULT_SIZES = "1000000x100000,100000x10000"
AS_OF = "2026-03-10"

# Each peer as the body of a child process; PATH is the workbook. The child wraps it in a
# timer and prints {"seconds", "peak_mb"} as its last line.
PEERS: dict[str, str] = {
    "fastexcel": """
import fastexcel
reader = fastexcel.read_excel(PATH)
for name in reader.sheet_names:
    reader.load_sheet(name, header_row=None).__arrow_c_array__()
""",
    "calamine": """
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(PATH)
for name in book.sheet_names:
    book.get_sheet_by_name(name).to_python(skip_empty_area=False)
""",
    "pandas+calamine": """
import pandas
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(PATH)
for name in book.sheet_names:
    book.get_sheet_by_name(name).to_python(skip_empty_area=False)
""",
    "validate": f"""
from prodsheets.cli import cli
try:
    cli(["validate", PATH, "-q", "--as-of", "{AS_OF}"], prog_name="prodsheets")
except SystemExit as done:
    if done.code not in (0, 1):
        raise
""",
}

_CHILD = """
import time
_began = time.perf_counter()
PATH = {path!r}
{body}
import json, resource, sys
_seconds = time.perf_counter() - _began
_unit = 1024 * 1024 if sys.platform == "darwin" else 1024
_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / _unit
_child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / _unit
print(json.dumps({{"seconds": _seconds, "peak_mb": _mb, "child_peak_mb": _child_mb}}))
"""


def run_peer(peer: str, path: Path, baseline: str = "") -> dict[str, Any]:
    """One run of ``peer`` in a fresh process: its seconds and peak MB, or why it failed.
    ``baseline``: a checkout whose prodsheets is imported instead of the installed one."""
    script = _CHILD.format(path=str(path), body=PEERS[peer])
    env = dict(os.environ)
    if baseline:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [baseline, env.get("PYTHONPATH")]))
    # "python -c" looks in its working folder first: the baseline's, or this checkout's
    where = baseline or str(HERE.parent)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=where
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = done.stderr.strip().splitlines()
        return {"error": tail[-1] if tail else f"exit {done.returncode}"}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def measure(path: Path, repeat: int, baseline: str = "") -> dict[str, dict[str, Any]]:
    """Every peer, ``repeat`` times in turn (so that a busy moment hits all of them alike);
    the fastest run of each. With ``baseline``, also validate as that checkout has it."""
    best: dict[str, dict[str, Any]] = {}
    runs = [(peer, peer, "") for peer in PEERS]
    if baseline:
        runs.append(("validate (baseline)", "validate", baseline))
    for _ in range(repeat):
        for name, peer, where in runs:
            result = run_peer(peer, path, where)
            kept = best.get(name)
            if (
                kept is None
                or "error" in kept
                or ("error" not in result and result["seconds"] < kept["seconds"])
            ):
                best[name] = result
    return best


def report(size: tuple[int, int], results: dict[str, dict[str, Any]]) -> list[str]:
    lines = [f"{size[0]:,} budget lines + {size[1]:,} schedule items:"]
    validate = results["validate"]
    for peer, result in results.items():
        if "error" in result:
            lines.append(f"  {peer:<20} failed: {result['error']}")
            continue
        ratio = ""
        if not peer.startswith("validate") and "error" not in validate:
            ratio = f"  validate = {validate['seconds'] / result['seconds']:.2f}x this"
        child = result.get("child_peak_mb", 0)
        helper = f" (+ a {child:.0f} MB helper process)" if child >= 1 else ""
        lines.append(
            f"  {peer:<20} {result['seconds']:>7.2f} s {result['peak_mb']:>7.0f} MB{helper}{ratio}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="default: %(default)s")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the fastest counts")
    parser.add_argument("--data-dir", default=str(HERE / "out"), help="where .xlsx files go")
    parser.add_argument("--json", dest="json_out", help="also write the results here")
    parser.add_argument(
        "--baseline", default="", help="a checkout (e.g. of main) to time validate from too"
    )
    args = parser.parse_args(argv)

    everything = []
    lines = []
    for size in _sizes(args.sizes):
        path = _ensure_workbook(*size, Path(args.data_dir).resolve())
        print(f"running {size[0]:,} x {size[1]:,}...", file=sys.stderr)
        results = measure(path, max(args.repeat, 1), args.baseline)
        everything.append({"budget_lines": size[0], "schedule_items": size[1], **results})
        lines += report(size, results)
    lines.append(
        "SPEC: 1M + 100k: validate <= 1.5x fastexcel, < 1500 MB; 100k: validate <= 1.25x "
        f"pandas+calamine. This machine: {os.cpu_count()} cores, "
        f"Python {platform.python_version()}."
    )
    print("\n".join(lines))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(everything, indent=2) + "\n", encoding="utf-8")
    failed = any("error" in r for e in everything for k, r in e.items() if isinstance(r, dict))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
