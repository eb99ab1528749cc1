"""Every form people type into money, date, date-time, text, email, list and enum cells."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from prodsheets.backends.base import CellProblem, RawCell
from prodsheets.cells import (
    ERROR_VALUES,
    parse_date,
    parse_datetime,
    parse_email,
    parse_enum,
    parse_list,
    parse_money,
    parse_text,
)


def one_money(cell: RawCell, *, decimal_comma: bool = False) -> int | None:
    parsed = parse_money([cell], decimal_comma=decimal_comma)
    assert not parsed.blank[0]
    return None if parsed.bad[0] else int(parsed.values[0])


@pytest.mark.parametrize(
    ("cell", "cents"),
    [
        (1234.5, 123450),
        (1234.50, 123450),
        (0.1 + 0.2, 30),
        (0.285, 29),  # as typed: half a cent rounds up, whatever the float's binary value
        (1.005, 101),
        (2.675, 268),
        (-0.285, -29),
        (19.99, 1999),
        (12, 1200),
        (np.int64(7), 700),
        (np.float64(3.25), 325),
        (Decimal("10.125"), 1013),  # a number, not text: rounded as the money format shows it
        (1234.5600000000002, 123456),  # a formula's float result
        (12.345, 1235),
        (999_999_999_999.99, 99_999_999_999_999),
        ("1234.5", 123450),
        ("$1,234.50", 123450),
        ("£ 1 234.50", 123450),
        ("€1.234,50", 123450),
        ("1.234,50", 123450),
        ("(250.00)", -25000),
        ("($250.00)", -25000),
        ("-250", -25000),
        ("−250", -25000),
        ("-$250", -25000),
        ("$-250", -25000),
        ("250-", -25000),
        ("+250", 25000),
        ("  250  ", 25000),
        ("\u00a0250\u00a0", 25000),
        ("1\u202f234.50", 123450),
        ("1\u00a0234.50", 123450),
        ("USD 1,000", 100000),
        ("1,000 EUR", 100000),
        ("1,234", 123400),
        (".5", 50),
        ("0", 0),
        ("1'234.50", 123450),
        ("12,50", 1250),  # a lone comma before two digits can only be a decimal comma
        # as the end-to-end tests typed them (tests/test_cli_values.py) before they were
        # merged here
        ("1500", 150000),
        ("  $1,234.50  ", 123450),
        ("\u00a01\u00a0234.50\u00a0", 123450),
        ("£1,234.50", 123450),
        ("USD 1,234.50", 123450),
        ("-250", -25000),
        ("$(250.00)", -25000),
    ],
)
def test_money_forms(cell: RawCell, cents: int) -> None:
    assert one_money(cell) == cents


@pytest.mark.parametrize(
    ("cell", "cents"),
    [
        ("1.234,50", 123450),
        ("1 234,50", 123450),
        ("€1.234,50", 123450),
        ("1234,5", 123450),
        ("1.234", 123400),
        ("(1.000,00)", -100000),
        (1234.5, 123450),
    ],
)
def test_money_with_decimal_comma(cell: RawCell, cents: int) -> None:
    assert one_money(cell, decimal_comma=True) == cents


@pytest.mark.parametrize(
    ("cell", "decimal_comma", "message"),
    [
        (
            "1.234",
            False,
            "1.234 has three decimal places, and money is counted to the cent; "
            "if you meant 1,234 type 1234, otherwise round it to 1.23.",
        ),
        (
            "1,234",
            True,
            "1,234 has three decimal places, and money is counted to the cent; "
            "if you meant 1.234 type 1234, otherwise round it to 1,23.",
        ),
        (
            " $1.500 ",
            False,
            "$1.500 has three decimal places, and money is counted to the cent; "
            "if you meant 1,500 type 1500, otherwise round it to 1.50.",
        ),
        (
            "(2.345)",
            False,
            "(2.345) has three decimal places, and money is counted to the cent; "
            "if you meant -2,345 type -2345, otherwise round it to -2.35.",
        ),
        (
            "12.3456",
            False,
            "12.3456 has four decimal places, and money is counted to the cent; round it to 12.35.",
        ),
        (
            "0.285",
            False,
            "0.285 has three decimal places, and money is counted to the cent; round it to 0.29.",
        ),
        (
            "1,234,567.891",
            False,
            "1,234,567.891 has three decimal places, and money is counted to the cent; "
            "round it to 1234567.89.",
        ),
        (
            "1.234,567",
            True,
            "1.234,567 has three decimal places, and money is counted to the cent; "
            "round it to 1234,57.",
        ),
    ],
)
def test_money_text_with_more_than_two_decimals_is_not_rounded(
    cell: str, decimal_comma: bool, message: str
) -> None:
    parsed = parse_money([cell], decimal_comma=decimal_comma)
    assert parsed.bad.tolist() == [True]
    assert parsed.problems[0].rule == "value.type"
    assert parsed.problems[0].message == message


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("12%", "percentage"),
        ("12 %", "percentage"),
        (True, "yes/no"),
        (False, "yes/no"),
        ("abc", "not an amount"),
        ("12.34.56", ""),
        ("1e5", ""),
        ("$", ""),
        ("--5", ""),
        ("🎭", ""),
        ("x" * 5000, ""),
        (1e13, "too large"),
        ("10,000,000,000,000", "too large"),
        ("9" * 30, "too large"),  # more digits than Decimal rounds by default
        ("$1" + "0" * 40 + ".50", "too large"),
        (10**400, "too large"),
        (float("inf"), "too large"),
        (float("nan"), "not a number"),
        (dt.date(2026, 3, 1), "date"),
        (dt.datetime(2026, 3, 1, 9), "date"),
        (dt.time(9, 30), "date"),
        # placeholders for "nothing" or "not known yet" say what to write instead
        ("nil", "Write 0 if there is nothing to count"),
        ("none", "Write 0 if there is nothing to count"),
        (" pending ", "leave the cell blank until the amount is known"),
        ("unknown", "leave the cell blank until the amount is known"),
        # as the end-to-end tests typed them (tests/test_cli_values.py)
        ("twelve", "not an amount"),
        ("#N/A", "formula error #N/A"),
        ("1.2.3", ""),
        ("1e999", ""),
        ("4" * 30, "too large"),
    ],
)
def test_money_that_is_not_money(cell: RawCell, words: str) -> None:
    parsed = parse_money([cell])
    assert parsed.bad[0] and not parsed.blank[0]
    assert parsed.problems[0].rule == "value.type"
    assert words in parsed.problems[0].message


@pytest.mark.parametrize("error", sorted(ERROR_VALUES))
def test_formula_errors_are_unreadable_in_every_type(error: str) -> None:
    for parsed in (
        parse_money([error]),
        parse_date([error]),
        parse_datetime([f" {error} "]),
        parse_text([error]),
        parse_email([error]),
        parse_list([error]),
        parse_enum([error], ["Planned"], "Planned"),
    ):
        assert parsed.bad.tolist() == [True]
        assert parsed.problems[0].rule == "value.type"
        assert f"formula error {error}" in parsed.problems[0].message
        assert "fix the formula" in parsed.problems[0].message


def test_cell_problem_keeps_its_reason() -> None:
    problem = CellProblem("=SUM(F2:F9)", "The formula was saved without its result; open and save.")
    for parsed in (parse_money([problem]), parse_date([problem]), parse_text([problem])):
        assert parsed.bad.tolist() == [True]
        assert parsed.problems[0].message == problem.reason


@pytest.mark.parametrize("cell", [None, "", "   ", "\u00a0", "\u202f \n"])
def test_blank_cells_are_blank_not_unreadable(cell: RawCell) -> None:
    for parsed in (parse_money([cell]), parse_datetime([cell]), parse_text([cell])):
        assert parsed.blank.tolist() == [True]
        assert parsed.bad.tolist() == [False]
        assert parsed.problems == {}


def test_money_column_mixes_forms_and_keeps_positions() -> None:
    parsed = parse_money([1.5, None, "$2.00", "bad", 3, "$2.00", True])
    assert parsed.values[[0, 2, 4, 5]].tolist() == [150, 200, 300, 200]
    assert parsed.blank.tolist() == [False, True, False, False, False, False, False]
    assert parsed.bad.tolist() == [False, False, False, True, False, False, True]
    assert sorted(parsed.problems) == [3, 6]
    arr = parsed.array()
    assert str(arr.dtype) == "Int64"
    assert arr.isna().tolist() == [False, True, False, True, False, False, True]


def dates(cells: list[RawCell], *, order: str = "MDY", with_time: bool = True) -> list[str]:
    parsed = (parse_datetime if with_time else parse_date)(cells, date_order=order)
    shown = np.datetime_as_string(parsed.values.view("datetime64[ns]"), unit="m")
    return [("BAD" if bad else str(s)) for s, bad in zip(shown, parsed.bad, strict=True)]


@pytest.mark.parametrize(
    ("cell", "order", "expected", "date_only"),
    [
        ("2026-03-01", "MDY", "2026-03-01T00:00", True),
        ("2026-03-01T19:30", "MDY", "2026-03-01T19:30", False),
        ("2026-03-01 19:30:00", "MDY", "2026-03-01T19:30", False),
        ("2026/3/1", "MDY", "2026-03-01T00:00", True),
        ("03/04/2026", "MDY", "2026-03-04T00:00", True),
        ("03/04/2026", "DMY", "2026-04-03T00:00", True),
        ("3/4/26", "MDY", "2026-03-04T00:00", True),
        ("3/4/26", "DMY", "2026-04-03T00:00", True),
        ("13/04/2026", "MDY", "2026-04-13T00:00", True),  # only one reading is a real day
        ("04/13/2026", "DMY", "2026-04-13T00:00", True),
        ("1 Mar 2026", "MDY", "2026-03-01T00:00", True),
        ("1 March 2026", "DMY", "2026-03-01T00:00", True),
        ("01-Mar-26", "MDY", "2026-03-01T00:00", True),
        ("March 1, 2026", "MDY", "2026-03-01T00:00", True),
        ("Sept 30 2026", "MDY", "2026-09-30T00:00", True),
        ("Sun 1 Mar 2026", "MDY", "2026-03-01T00:00", True),
        ("Sunday, March 1, 2026 7:30 PM", "MDY", "2026-03-01T19:30", False),
        ("1 Mar 2026 7:30 PM", "MDY", "2026-03-01T19:30", False),
        ("3/1/2026 7pm", "MDY", "2026-03-01T19:00", False),
        ("3/1/2026 12:15 am", "MDY", "2026-03-01T00:15", False),
        ("2026-03-01 12:00 PM", "MDY", "2026-03-01T12:00", False),
        ("\u00a02026-03-01\u202f", "MDY", "2026-03-01T00:00", True),
        (46082, "MDY", "2026-03-01T00:00", True),
        (46082.8125, "MDY", "2026-03-01T19:30", False),
        (np.float64(46082.5), "MDY", "2026-03-01T12:00", False),
        (dt.date(2026, 3, 1), "MDY", "2026-03-01T00:00", True),
        (dt.datetime(2026, 3, 1, 19, 30), "MDY", "2026-03-01T19:30", False),
        (dt.datetime(2026, 3, 1), "MDY", "2026-03-01T00:00", True),
    ],
)
def test_datetime_forms(cell: RawCell, order: str, expected: str, date_only: bool) -> None:
    parsed = parse_datetime([cell], date_order=order)
    assert dates([cell], order=order) == [expected]
    assert parsed.date_only is not None
    assert parsed.date_only.tolist() == [date_only]


def test_date_column_keeps_the_day_only() -> None:
    got = dates(["2026-03-01 19:30", 46082.8125, dt.datetime(2026, 3, 1, 9)], with_time=False)
    assert got == ["2026-03-01T00:00"] * 3


def test_serials_of_a_1904_workbook() -> None:
    parsed = parse_datetime([46082.8125 - 1462, dt.datetime(2026, 3, 1, 19, 30)], date1904=True)
    assert (
        parsed.values.view("datetime64[ns]").astype("datetime64[m]").tolist()
        == [dt.datetime(2026, 3, 1, 19, 30)] * 2
    )
    assert parse_datetime([18264], date1904=True).bad.tolist() == [False]  # 1954: a date


@pytest.mark.parametrize(
    ("cell", "date1904", "shown"),
    [
        (2958465, False, "This is 9999-12-31 as a date (the number 2958465)"),  # Google's 9999
        (73051.75, False, "This is 2100-01-01 18:00 as a date (the number 73051.75)"),
        (2026, False, "This is 1905-07-18 as a date (the number 2026)"),  # a year, typed
        (71589, True, "This is 2100-01-01 as a date (the number 71589)"),
        (-1e12, False, "This number is not a date"),
        (1e12, False, "This number is not a date"),
    ],
)
def test_a_number_outside_the_date_window_names_the_date_it_stands_for(
    cell: float, date1904: bool, shown: str
) -> None:
    parsed = parse_datetime([cell], date1904=date1904)
    assert parsed.bad.tolist() == [True]
    message = parsed.problems[0].message
    assert message.startswith(shown)
    assert "a number is read as a date only between 1950 and 2099" in message


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("2026-02-30", "There is no 30 February 2026"),
        ("31/04/2026", "There is no 31 April 2026"),
        ("13/13/2026", "no month 13"),
        ("2026-03-01 25:00", "not a time of day"),
        ("2026-03-01 13:00 PM", "not a time of day"),
        ("19:30", "time without a day"),
        (dt.time(19, 30), "time without a day"),
        (True, "yes/no"),
        (5, "between 1950 and 2099"),
        (2026, "between 1950 and 2099"),
        (float("nan"), "between 1950 and 2099"),
        (dt.date(1800, 1, 1), "between 1900 and 2199"),
        # past what a nanosecond stamp holds: an issue, never an overflow
        ("3026-03-14", "between 1900 and 2199"),
        ("0001-01-01 09:00", "between 1900 and 2199"),
        (dt.date(9999, 12, 31), "between 1900 and 2199"),
        (dt.datetime(1, 1, 1, 0, 0, 0, 5), "between 1900 and 2199"),
        ("next Tuesday", "write it as 2026-03-14"),
        ("Smarch 3, 2026", "write it as 2026-03-14"),
        ("🎭", "write it as 2026-03-14"),
        ("9" * 5000, "write it as 2026-03-14"),
        (dt.timedelta(hours=3), "write it as 2026-03-14"),
        (dt.timedelta(hours=22), "a length of time"),
    ],
)
def test_dates_that_are_not_dates(cell: RawCell, words: str) -> None:
    parsed = parse_datetime([cell])
    assert parsed.bad.tolist() == [True]
    assert np.isnat(parsed.values.view("datetime64[ns]")[0])
    assert parsed.problems[0].rule == "value.type"
    assert words in parsed.problems[0].message
    assert "2026-03-14 19:30" in parsed.problems[0].message


def test_date_message_does_not_offer_a_time_for_a_date_column() -> None:
    parsed = parse_date(["soon"])
    assert parsed.problems[0].message.endswith("write it as 2026-03-14.")


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("  Lighting ", "Lighting"),
        ("Stage\u00a0Management", "Stage Management"),
        ("\u202fSound\u202f", "Sound"),
        ("\u200bLighting\ufeff", "Lighting"),  # invisible characters pasted around a name
        ("\u2060 Set\u00ad\u200d ", "Set"),
        (101, "101"),
        (101.0, "101"),
        (1.5, "1.5"),
        (True, "TRUE"),
        (dt.date(2026, 3, 1), "2026-03-01"),
        (dt.datetime(2026, 3, 1, 19, 30), "2026-03-01 19:30"),
        (dt.time(19, 30), "19:30"),
        ("🎭 Props", "🎭 Props"),
        ("x" * 5000, "x" * 5000),
        ("=IMPORTXML(a)", "=IMPORTXML(a)"),
    ],
)
def test_text_forms(cell: RawCell, text: str) -> None:
    parsed = parse_text([cell])
    assert parsed.values.tolist() == [text]
    assert not parsed.bad[0] and not parsed.blank[0]


def test_text_column_of_many_repeats_keeps_order() -> None:
    cells: list[RawCell] = ["a", None, " b", "a", "", "#N/A", 3]
    parsed = parse_text(cells)
    assert parsed.values.tolist() == ["a", None, "b", "a", None, None, "3"]
    assert parsed.blank.tolist() == [False, True, False, False, True, False, False]
    assert list(parsed.problems) == [5]


@pytest.mark.parametrize(
    ("cell", "ok"),
    [
        ("sam@example.com", True),
        (" Sam.Lee+shows@theatre.co.uk ", True),
        ("mailto:sam@example.com", True),
        ("sam at example.com", False),
        ("sam@", False),
        ("@example.com", False),
        ("sam@example", False),
        ("sam@@example.com", False),
        ("Sam <sam@example.com>", False),
        (42, False),
    ],
)
def test_email(cell: RawCell, ok: bool) -> None:
    parsed = parse_email([cell])
    assert bool(parsed.bad[0]) is not ok
    if not ok:
        assert "name@example.com" in parsed.problems[0].message


@pytest.mark.parametrize(
    ("cell", "parts"),
    [
        ("Ana, Ben; Cy\nDee", ("Ana", "Ben", "Cy", "Dee")),
        ("Ana,,  ; ,Ben", ("Ana", "Ben")),
        (" Ana\u00a0Lee ", ("Ana Lee",)),
        ("Ana\u200b; \ufeffBen", ("Ana", "Ben")),
        ("S-01;S-02", ("S-01", "S-02")),
        (3.0, ("3",)),
        (None, ()),
        ("  ", ()),
    ],
)
def test_list(cell: RawCell, parts: tuple[str, ...]) -> None:
    assert parse_list([cell]).values.tolist() == [parts]


STATUS = ("Planned", "Confirmed", "In Progress", "Done", "Cancelled")


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("in progress", "In Progress"),
        ("INPROGRESS", "In Progress"),
        ("  Done ", "Done"),
        ("in\u00a0progress", "In Progress"),
        ("Done\u200b", "Done"),
        ("In\u200bProgress", "In Progress"),
        (None, "Planned"),
        ("", "Planned"),
    ],
)
def test_enum_matches_ignoring_case_and_spaces(cell: RawCell, value: str) -> None:
    parsed = parse_enum([cell], STATUS, "Planned")
    assert parsed.values.tolist() == [value]
    assert not parsed.bad[0]


@pytest.mark.parametrize(
    ("cell", "hint"),
    [
        ("In Progres", "Did you mean 'In Progress'?"),
        ("canceled", "Did you mean 'Cancelled'?"),
        ("Conf", "Did you mean 'Confirmed'?"),
        ("Postponed", "use one of Planned, Confirmed, In Progress, Done, Cancelled"),
        (True, "use one of"),
    ],
)
def test_enum_suggests_the_closest_value(cell: RawCell, hint: str) -> None:
    parsed = parse_enum([cell], STATUS, "Planned")
    assert parsed.bad.tolist() == [True]
    assert parsed.values.tolist() == [None]
    assert parsed.problems[0].rule == "value.enum"
    assert hint in parsed.problems[0].message


def test_enum_without_default_leaves_blank_as_none() -> None:
    parsed = parse_enum([None, "materials"], ("Labour", "Materials"))
    assert parsed.values.tolist() == [None, "Materials"]


def test_take_drops_rows_and_renumbers_problems() -> None:
    parsed = parse_money([None, "x", 1, None, "y"])
    kept = parsed.take(np.array([False, True, True, False, True]))
    assert kept.values.tolist()[1] == 100
    assert sorted(kept.problems) == [0, 2]
    assert kept.bad.tolist() == [True, False, True]


def test_numeric_column_is_exact_to_the_cent() -> None:
    values = np.arange(1_000, dtype=np.float64) * 1.01
    parsed = parse_money(values.astype(object))
    expected = [int(Decimal(repr(float(v))).scaleb(2).to_integral_value()) for v in values]
    assert parsed.values.tolist() == expected
