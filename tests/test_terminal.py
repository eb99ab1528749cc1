"""On a terminal (#13): words wrap at word boundaries, tables fold to fit, progress is one line
rewritten in place and erased; piped, lines stay whole and no progress shows."""

from __future__ import annotations

import io
from typing import Any

from prodsheets import terminal
from tests.workbooks import AS_OF, clean_production


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_text_wraps_at_word_boundaries_under_its_first_words() -> None:
    message = "Line CO-01: EFC $4,445.40 is $245.40 over the $4,200.00 budgeted; raise Budgeted"
    lines = terminal.hang("Budget!F17  warning  ", message, 50)
    assert len(lines) > 1 and all(len(line) <= 50 for line in lines)
    assert " ".join(line.strip() for line in lines) == "Budget!F17  warning  " + message
    assert all(line.startswith(" " * 21) for line in lines[1:])  # under the message
    assert terminal.hang("a ", message, None) == ["a " + message]  # piped: one line


def test_a_wide_table_folds_its_columns_into_blocks_that_fit() -> None:
    rows = [["Vendor", *(f"Column {n}" for n in range(12))]]
    rows += [["Northgate Timber & Board", *(f"{n * 1000:,}.00" for n in range(12))]]
    folded = terminal.table(rows, [False, *[True] * 12], 80)
    assert max(len(line) for line in folded) <= 80
    blocks = [line for line in folded if line.startswith("Vendor")]
    assert len(blocks) > 1  # the first column repeats in each block
    assert sum(line.count("Column") for line in folded) == 12
    assert len(terminal.table(rows, [False, *[True] * 12], None)) == 3  # unfolded when piped


def test_progress_is_one_line_in_place_then_erased() -> None:
    screen = FakeTerminal()
    with terminal.Progress(3, stream=screen, show=True) as progress:
        progress("Reading show.xlsx")
        progress("Checking entries")
    written = screen.getvalue()
    assert "\n" not in written  # never a new line
    assert written.count("\r\x1b[2K") == 3  # two updates, then erased
    assert "1/3 Checking entries" in written and written.endswith("\r\x1b[2K")
    piped = io.StringIO()
    with terminal.Progress(3, stream=piped, show=True) as progress:
        progress("Reading show.xlsx")
    assert piped.getvalue() == ""
    quiet = FakeTerminal()
    with terminal.Progress(3, stream=quiet, show=False) as progress:
        progress("Reading show.xlsx")
    assert quiet.getvalue() == ""


def test_the_first_sync_says_where_to_look_next(home: Any, run_cli: Any) -> None:
    location = home.make(clean_production())
    first = run_cli("sync", location, "--as-of", AS_OF)
    assert first.exit_code == 0, first.output
    assert "look at the Summary tab" in first.output
    if location.endswith(".xlsx"):
        assert f"Next: open {location} and look at the Summary tab." in first.output
    again = run_cli("sync", location, "--as-of", AS_OF)
    assert again.exit_code == 0 and "look at the Summary tab" not in again.output
    piped = run_cli("validate", location, "--as-of", AS_OF)
    assert "…" not in piped.output and "\r" not in piped.output  # no progress when piped
