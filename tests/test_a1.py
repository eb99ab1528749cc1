"""A1 notation helpers: letters and indexes round-trip; titles are quoted when they must be."""

from __future__ import annotations

import pytest

from prodsheets.a1 import column_index, column_letter, quote_title


def test_column_letters_round_trip() -> None:
    for index in range(0, 20_000, 7):
        assert column_index(column_letter(index)) == index
    assert column_index(b"AB") == 27


@pytest.mark.parametrize(
    ("title", "quoted"),
    [
        ("Budget", "Budget"),
        ("Budget Variance", "'Budget Variance'"),
        ("It's", "'It''s'"),
        ("A1", "'A1'"),
        ("🎭 Cast", "'🎭 Cast'"),
    ],
)
def test_quote_title(title: str, quoted: str) -> None:
    assert quote_title(title) == quoted


@pytest.mark.parametrize("bad", ["", "A1", "-", "É"])
def test_column_index_refuses_what_is_not_letters(bad: str) -> None:
    with pytest.raises(ValueError):
        column_index(bad)
