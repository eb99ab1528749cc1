"""The change log's pure functions: parsing a hand-edited History, revisions, folding."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from prodsheets import history
from prodsheets.history import COLUMNS, Snapshot

T1 = dt.datetime(2026, 3, 1, 22, 0)


def snap(**items: dict[str, str]) -> Snapshot:
    state: history.State = {tab: {} for tab in history.TRACKED}
    state[history.SCHEDULE] = dict(items)
    return Snapshot(state, {tab: set() for tab in history.TRACKED})


def synced(log: history.Log, now: Snapshot, day: int, max_rows: int = 1_000) -> history.Log:
    return history.record_sync(
        log,
        now,
        synced_at=T1 + dt.timedelta(days=day),
        as_of=dt.date(2026, 3, 1) + dt.timedelta(days=day),
        max_rows=max_rows,
    )


def test_revisions_grow_each_sync_an_item_changes_and_survive_a_fold() -> None:
    focus = {"Task": "Focus", "Start": "2026-03-09T10:00"}
    log = synced(history.Log(), snap(S1=focus, S2={"Task": "Tech"}), 0)
    assert history.revisions(log) == {"S1": 0, "S2": 0}
    moved = {**focus, "Start": "2026-03-10T10:00"}
    log = synced(log, snap(S1=moved, S2={"Task": "Tech"}), 1)
    log = synced(log, snap(S1=moved, S2={"Task": "Tech"}), 2)  # nothing changed
    assert history.revisions(log) == {"S1": 1, "S2": 0}
    # an edit not synced yet counts as the next revision, so a calendar feed can say so
    later = {**moved, "Space": "Main Stage"}
    assert history.revisions(log, snap(S1=later, S2={"Task": "Tech"})) == {"S1": 2, "S2": 0}
    # a fold into one baseline keeps each item's revision and the history's dates
    folded = history.fold(log, 4)
    assert folded.syncs[0].baseline and len(folded.syncs) < len(log.syncs)
    assert history.revisions(folded) == {"S1": 1, "S2": 0}
    again = history.read_log([list(COLUMNS), *map(list, history.log_rows(folded))])
    assert again.damaged == [] and again.exact
    assert history.revisions(again) == {"S1": 1, "S2": 0}


def test_the_digest_is_plain_data() -> None:
    log = synced(history.Log(), snap(S1={"Task": "Focus", "People": "Ana, Ben"}), 0)
    recorded = history.replay(log)
    digest = history.digest_between(
        recorded, snap(S1={"Task": "Focus", "People": "Ana, Cy"}), {}, [], log.syncs[0]
    )
    assert digest.items == [
        history.ItemChange(
            "S1",
            "people",
            "Focus",
            "Ana, Ben",
            "Ana, Cy",
            people_added=("Cy",),
            people_removed=("Ben",),
        )
    ]
    assert digest.to_dict()["items"][0]["people_removed"] == ["Ben"]
    assert digest.to_dict()["since"] == {"as_of": "2026-03-01", "synced_at": "2026-03-01T22:00:00"}


GOOD = [
    ["2026-03-01T22:00:00", "2026-03-01", "(sync)"],
    ["2026-03-01T22:00:00", "2026-03-01", "Budget", "L-01", "(added)", None, '{"EFC":"10.00"}'],
]


@pytest.mark.parametrize(
    ("row", "why"),
    [
        (["2026-03-01T22:00:00", "2026-03-01", "Budget", "L-01", "EFC", "10.00", 12.5], "number"),
        (["2026-03-01T22:00:00", "2026-03-01", "Budget", "L-01", "EFC", "10.00", "12.5"], "EFC"),
        (["2026-03-01T22:00:00", "2026-03-01", "Budget", "L-01", "EFC", "9.00", "12.50"], "Old"),
        (["2026-03-01T22:00:00", "2026-03-01", "Budget", "L-02", "EFC", "", "12.50"], "does not"),
        (["2026-03-01T22:00:00", "2026-03-01", "Costs", "L-01", "EFC", "10.00", "1.00"], "Tab"),
        (["2026-03-01T22:00:00", "2026-03-01", "Budget", "L-01", "Notes", "", "x"], "Field"),
        (["2026-03-02T22:00:00", "2026-03-02", "Budget", "L-01", "EFC", "10.00", "1.00"], "marker"),
        (["Tuesday", "2026-03-01", "Budget", "L-01", "EFC", "10.00", "1.00"], "ISO"),
        (["2026-03-01T22:00:00", "2026-03-01", "Budget", "L-01", "(added)", None, "{"], "record"),
        (["2026-02-01T22:00:00", "2026-02-01", "(sync)"], "before"),
    ],
)
def test_a_row_that_does_not_parse_is_reported_and_skipped(row: list[Any], why: str) -> None:
    log = history.read_log([list(COLUMNS), *GOOD, row])
    [damaged] = log.damaged
    assert (damaged.rule, damaged.cell, damaged.tab) == ("history.damaged", "A4", "History")
    assert why in damaged.message
    assert history.replay(log).state["Budget"] == {"L-01": {"EFC": "10.00"}}
    assert not log.exact


def test_rows_after_a_bad_marker_are_skipped_and_the_sync_before_it_still_counts() -> None:
    rows = [
        list(COLUMNS),
        *GOOD,
        ["2026-02-01T22:00:00", "2026-02-01", "(sync)"],  # dated before the one above
        ["2026-02-01T22:00:00", "2026-02-01", "Budget", "L-01", "EFC", "10.00", "1.00"],
        ["2026-03-02T22:00:00", "2026-03-02", "(sync)"],
        ["2026-03-02T22:00:00", "2026-03-02", "Budget", "L-01", "EFC", "10.00", "20.00"],
    ]
    log = history.read_log(rows)
    assert [i.cell for i in log.damaged] == ["A4", "A5"]
    assert history.replay(log).state["Budget"] == {"L-01": {"EFC": "20.00"}}
    assert history.replay(log, 0).state["Budget"] == {"L-01": {"EFC": "10.00"}}
