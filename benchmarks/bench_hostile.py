"""How fast, and in how much memory, ``prodsheets validate`` refuses zip bombs.

    python benchmarks/bench_hostile.py            # the 1 GiB whitespace bomb and a 512 MiB string
    python benchmarks/bench_hostile.py --gib 4    # a 4 GiB bomb too (takes a minute to build)

Each bomb is the example production with one sheet part inflated: 1 GiB of whitespace after
the last row of Vendors, or a 512 MiB inline string in one cell (deflated by zipfile as a
stream, never held in memory). Each ``validate`` runs in its own subprocess; its wall time
and peak memory (the child's RSS high-water mark) are printed next to the same ``validate``
of the workbook without the bomb, measured in the same run, as a ratio. Target (#9): each bomb
ends within 15 s, in under 1 GB, with exit code 3.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

CHUNK = 1 << 20
TARGET_SECONDS = 15.0
TARGET_MB = 1024.0


def example(folder: Path) -> Path:
    path = folder / "clean.xlsx"
    subprocess.run(
        [sys.executable, "-m", "prodsheets", "init", str(path), "--example", "-q"], check=True
    )
    return path


def bomb(clean: Path, out: Path, *, mib: int, inside_a_cell: bool) -> Path:
    """``clean`` with the Vendors sheet part inflated by ``mib`` MiB of whitespace (after the
    last row, or as the text of one inline-string cell)."""
    source = zipfile.ZipFile(clean)
    vendors = next(i.filename for i in source.infolist() if i.filename.endswith("sheet4.xml"))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as new:
        for info in source.infolist():
            data = source.read(info)
            if info.filename != vendors:
                new.writestr(info.filename, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with new.open(info.filename, "w", force_zip64=True) as part:
                part.write(head)
                if inside_a_cell:
                    part.write(b'<row r="999"><c r="A999" t="inlineStr"><is><t>')
                spaces = b" " * CHUNK
                for _ in range(mib):
                    part.write(spaces)
                if inside_a_cell:
                    part.write(b"</t></is></c></row>")
                part.write(b"</sheetData>" + tail)
    return out


def measure(path: Path) -> tuple[float, float, int]:
    """Seconds, peak MB and exit code of ``prodsheets validate path`` in a fresh process."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "code = subprocess.run([sys.executable, '-m', 'prodsheets', 'validate', sys.argv[1]],"
        " capture_output=True).returncode\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(time.perf_counter() - start, peak, code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=True
    )
    seconds, peak, code = done.stdout.split()
    return float(seconds), float(peak), int(code)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gib", type=int, default=1, help="size of the whitespace bomb (GiB)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        clean = example(here)
        cases = [
            (f"{args.gib} GiB of whitespace after the last row", args.gib * 1024, False),
            ("a 512 MiB inline string", 512, True),
        ]
        base_s, base_mb, _ = measure(clean)
        print(f"peer: validate of the workbook without a bomb: {base_s:.2f} s, {base_mb:.0f} MB")
        failed = False
        for name, mib, inside in cases:
            started = time.perf_counter()
            path = bomb(clean, here / f"bomb-{mib}.xlsx", mib=mib, inside_a_cell=inside)
            built = time.perf_counter() - started
            seconds, peak, code = measure(path)
            size = path.stat().st_size / (1 << 20)
            ok = code == 3 and seconds < TARGET_SECONDS and peak < TARGET_MB
            failed |= not ok
            print(
                f"{name}: {size:.1f} MB file (built in {built:.1f} s), exit {code}, "
                f"{seconds:.2f} s ({seconds / base_s:.2f}x the peer), {peak:.0f} MB "
                f"({peak / base_mb:.2f}x the peer){'' if ok else '  <-- MISSES THE TARGET'}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
