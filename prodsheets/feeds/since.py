"""What history tells the feeds: each item's revision (SEQUENCE) and the changes digest, in
the plain words and places (tab, cell) a notification lists them."""

from __future__ import annotations

from collections.abc import Mapping

from prodsheets import history
from prodsheets.feeds import Change, SinceLastSync
from prodsheets.figures import money_text
from prodsheets.tables import Table
from prodsheets.template import normalise


def since_last_sync(
    compared: history.Comparison | None,
    log: history.Log,
    snapshot: history.Snapshot | None,
    tables: Mapping[str, Table],
) -> SinceLastSync:
    """SEQUENCE per schedule ID (0 until an item changes), and the digest once the workbook
    has a sync to compare with."""
    revisions = history.revisions(log, snapshot) if snapshot is not None else {}
    if compared is None or compared.since is None:
        return SinceLastSync(revisions=revisions)
    return SinceLastSync(
        known=True, revisions=revisions, changes=tuple(digest_changes(compared.digest, tables))
    )


def digest_changes(digest: history.Digest, tables: Mapping[str, Table]) -> list[Change]:
    """Each line, item and issue change as one digest line, located in the workbook now."""
    places = {
        name: _Rows(table, column)
        for name, column in history.KEY_COLUMNS.items()
        if (table := tables.get(name)) is not None
    }
    budget, schedule = places.get("Budget"), places.get("Schedule")
    found: list[Change] = []
    for line in digest.lines:
        found.append(
            Change(
                tab=budget.title if budget else "Budget",
                key=line.code,
                cell=budget.cell(line.code) if budget else "",
                text=f"{line.description}: {_line_text(line)}",
                department=line.department,
            )
        )
    for item in digest.items:
        found.append(
            Change(
                tab=schedule.title if schedule else "Schedule",
                key=item.item_id,
                cell=schedule.cell(item.item_id) if schedule else "",
                text=f"{item.task}: {_item_text(item)}",
                department=schedule.department(item.item_id) if schedule else "",
            )
        )
    for issue in digest.issues:
        rows = places.get(issue.tab)
        if issue.kind == "new":
            text = f"new {issue.severity}: {issue.message} [{issue.rule}]"
        else:
            column = f" ({issue.column})" if issue.column else ""
            text = f"resolved: {issue.rule}{column}"
        found.append(
            Change(
                tab=rows.title if rows else issue.tab,
                key=issue.key,
                cell=issue.cell or (rows.cell(issue.key) if rows else ""),
                text=text,
                department=rows.department(issue.key) if rows else "",
            )
        )
    return found


def _line_text(line: history.LineChange) -> str:
    if line.kind == "moved":
        return f"moved from {line.was} to {line.now}"
    if line.kind == "re-estimated":
        sign = "+" if line.movement > 0 else ""
        return (
            f"EFC {money_text(line.old_efc or 0)} -> {money_text(line.new_efc or 0)} "
            f"({sign}{money_text(line.movement)})"
        )
    if line.kind == "added":
        return f"added, EFC {money_text(line.new_efc or 0)}"
    return f"removed (EFC was {money_text(line.old_efc or 0)})"


def _item_text(item: history.ItemChange) -> str:
    if item.kind == "moved":
        return f"moved from {item.was} to {item.now}"
    if item.kind == "people":
        added = [f"+{p}" for p in item.people_added]
        removed = [f"-{p}" for p in item.people_removed]
        return "people " + ", ".join(added + removed)
    return f"{item.kind} ({item.now or item.was})"


class _Rows:
    """Where a record (by its key) is in a source tab now, and its department."""

    def __init__(self, table: Table, column: str) -> None:
        self.title = table.title or table.name
        self.table = table
        self.column = column
        frame = table.frame
        self.rows: dict[str, int] = {}
        if table.present and column in frame.columns:
            for row, key in zip(frame.index, frame[column], strict=True):
                if isinstance(key, str) and key.strip():
                    self.rows.setdefault(normalise(key), int(row))

    def cell(self, key: str) -> str:
        row = self.rows.get(normalise(key))
        return "" if row is None else self.table.cell(self.column, row)

    def department(self, key: str) -> str:
        row = self.rows.get(normalise(key))
        frame = self.table.frame
        if row is None or "Department" not in frame.columns:
            return key if self.column == "Department" else ""
        value = frame.at[row, "Department"]
        return value if isinstance(value, str) else ""
