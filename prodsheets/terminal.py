"""Text on a terminal: lines wrapped at word boundaries to its width, tables that fit it (by
folding columns into further blocks), and progress as one line updated in place.

Nothing here decides what is said; ``render`` does. When output is piped (a file, a CI log, a
script), lines stay whole and no progress is shown, so a machine reads one line per finding.
"""

from __future__ import annotations

import shutil
import sys
import textwrap
from collections.abc import Sequence
from typing import TextIO

MIN_WIDTH = 40  # narrower than this, wrapping would help nobody


def width(stream: TextIO | None = None) -> int | None:
    """The width to wrap to: the terminal's columns, or None when ``stream`` is not one."""
    stream = stream or sys.stdout
    try:
        if not stream.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return max(MIN_WIDTH, shutil.get_terminal_size((100, 24)).columns)


def hang(first: str, text: str, columns: int | None) -> list[str]:
    """``first`` then ``text`` wrapped at word boundaries to ``columns``, the lines after the
    first indented to where the text began; one line when ``columns`` is None."""
    if columns is None:
        return [first + text]
    indent = " " * _visible(first)
    room = max(columns - len(indent), 20)
    lines = textwrap.wrap(text, room, break_long_words=False, break_on_hyphens=False) or [""]
    return [first + lines[0], *(indent + line for line in lines[1:])]


def paragraph(text: str, columns: int | None) -> list[str]:
    """A sentence or two wrapped at word boundaries (as it is when ``columns`` is None)."""
    if columns is None:
        return [text]
    return textwrap.wrap(text, columns, break_long_words=False, break_on_hyphens=False) or [""]


def table(rows: Sequence[Sequence[str]], right: Sequence[bool], columns: int | None) -> list[str]:
    """``rows`` (the header first) as aligned text; ``right`` says which columns are figures
    (aligned right). When the table is wider than ``columns`` it is folded: the first column
    is repeated in each block and the other columns go on in the next block."""
    if not rows:
        return []
    count = len(rows[0])
    widths = [max(len(str(r[i])) for r in rows) for i in range(count)]
    blocks: list[list[int]] = []
    current: list[int] = []
    used = widths[0]
    for col in range(1, count):
        need = 2 + widths[col]
        if current and columns is not None and used + need > columns:
            blocks.append(current)
            current, used = [], widths[0]
        current.append(col)
        used += need
    blocks.append(current)
    out: list[str] = []
    for n, block in enumerate(blocks):
        if n:
            out.append("")
        chosen = [0, *block]
        for r, row in enumerate(rows):
            cells = [
                str(row[i]).rjust(widths[i]) if right[i] and i else str(row[i]).ljust(widths[i])
                for i in chosen
            ]
            out.append("  ".join(cells).rstrip())
            if r == 0:
                out.append("  ".join("-" * widths[i] for i in chosen))
    return out


def _visible(text: str) -> int:
    """How many columns ``text`` takes, ignoring colour codes."""
    length, skipping = 0, False
    for char in text:
        if char == "\x1b":
            skipping = True
        elif skipping:
            skipping = char != "m"
        else:
            length += 1
    return length


class Progress:
    """The steps of a run as one line on a terminal, rewritten in place with a bar and the
    count of steps done, and erased when the run ends; nothing at all when not a terminal
    (``verbose`` instead prints each step on its own line, terminal or not)."""

    def __init__(
        self, steps: int, *, stream: TextIO | None = None, show: bool, verbose: bool = False
    ) -> None:
        self.steps = max(steps, 1)
        self.done_steps = 0
        self.stream = stream or sys.stderr
        self.verbose = verbose
        self.live = show and not verbose and width(self.stream) is not None
        self.shown = False

    def __call__(self, step: str) -> None:
        if self.verbose:
            self.stream.write(f"… {step}\n")
            self.stream.flush()
            return
        if not self.live:
            return
        done = min(self.done_steps, self.steps)
        self.done_steps += 1
        bar = "█" * (done * 10 // self.steps) + "░" * (10 - done * 10 // self.steps)
        line = f"{bar} {done}/{self.steps} {step}…"
        room = (width(self.stream) or 80) - 1
        self.stream.write("\r\x1b[2K" + line[:room])
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        """Erase the line, so that what the run prints starts on a clean line."""
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.shown = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
