"""Source tabs, read into typed tables (one pandas DataFrame per tab).

This is where a header is matched to its template column and where each cell's text becomes a
typed value, or an issue on that cell. Everything after this step works on typed tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from prodsheets.template import TabSpec


@dataclass
class Table:
    """One source tab, typed.

    ``frame`` has one column per template column (canonical names, e.g. "Done On"), whether or
    not the sheet has it (absent columns are all blank), indexed by the row number the
    spreadsheet shows (header = 1). Fully blank rows are not in it. Column dtypes by type:

    - text, email: object (str, stripped, or None when blank). An enum column holds the
      canonical enum value ("In Progress"), its default when blank, None when unreadable.
    - money: "Int64" (nullable) integer cents; <NA> when blank or unreadable.
    - date, datetime: "datetime64[ns]"; NaT when blank or unreadable.
    - list: object, a tuple[str, ...] (empty when blank).
    """

    spec: TabSpec
    title: str  # the tab's name as the workbook spells it ("" when the tab is missing)
    frame: pd.DataFrame
    headers: dict[str, str] = field(default_factory=dict)  # column -> header as typed in row 1
    letters: dict[str, str] = field(default_factory=dict)  # column -> its column letter ("F")
    # column -> bool array aligned with frame rows: the cell held something that could not
    # be read (already reported as value.type / value.enum), so checks skip it.
    unreadable: dict[str, np.ndarray] = field(default_factory=dict)
    # datetime column -> bool array: the cell held a date without a time.
    date_only: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def present(self) -> bool:
        return bool(self.title)

    def cell(self, column: str, row: int) -> str:
        """A1 address of ``column`` at spreadsheet ``row`` ("" if the column is absent)."""
        letter = self.letters.get(column)
        return f"{letter}{row}" if letter else ""

    def header_cell(self, column: str) -> str:
        return self.cell(column, 1)

    def header(self, column: str) -> str:
        """The header as the sheet has it, or the template's name when the column is absent."""
        return self.headers.get(column, column)

    def bad(self, column: str) -> np.ndarray:
        mask = self.unreadable.get(column)
        return mask if mask is not None else np.zeros(len(self.frame), dtype=bool)
