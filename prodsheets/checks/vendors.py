"""Vendor checks: money going to a vendor without a signed contract or cover for the whole run.

The conditions are computed once, per vendor, in ``figures.vendor_standing`` (which also
fills the Flags column of the Vendor Report), so the report and the issues always agree.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from prodsheets.checks import Context
from prodsheets.currency import symbol_for
from prodsheets.figures import budget_lines, money_text, vendor_standing
from prodsheets.issues import Issue
from prodsheets.tables import Table, production_currency


def check(tables: Mapping[str, Table], context: Context) -> list[Issue]:
    table = tables.get("Vendors")
    if table is None or not table.present:
        return []
    standing = vendor_standing(budget_lines(tables, context), tables, context)
    found: list[Issue] = []
    symbol = symbol_for(production_currency(tables))
    for vendor, facts in standing.iterrows():
        found += _vendor(str(vendor), facts, table, symbol)
    return found


def _day(value: object) -> str:
    """A date from the standing table as ISO text ("" for NaT)."""
    stamp = pd.Timestamp(value) if isinstance(value, pd.Timestamp | str) else pd.NaT
    return "" if pd.isna(stamp) else stamp.date().isoformat()


def _vendor(vendor: str, facts: pd.Series, table: Table, symbol: str = "$") -> list[Issue]:
    row = int(facts["Row"])
    found: list[Issue] = []

    def add(rule: str, column: str, value: object, message: str) -> None:
        found.append(table.issue(rule, column, row, message, value=value))

    committed = int(facts["Committed"])
    actual = int(facts["Actual"])
    last_end = _day(facts["Last End"])
    if facts["vendor.contract_missing"]:
        contract = facts["Contract"]
        money = " and ".join(
            part
            for part in (
                f"{money_text(committed, symbol)} committed" if committed > 0 else "",
                f"{money_text(actual, symbol)} paid" if actual > 0 else "",
            )
            if part
        )
        add(
            "vendor.contract_missing",
            "Contract",
            contract,
            f"{vendor} has {money} but no signed contract (Contract is {contract}); "
            f"get the contract signed and set Contract to Signed",
        )
    if facts["vendor.contract_expired"]:
        ended = _day(facts["Contract End"])
        add(
            "vendor.contract_expired",
            "Contract End",
            ended,
            f"{vendor}'s contract ended on {ended} but {money_text(committed, symbol)} is still "
            "committed; extend the contract or close the open orders",
        )
    if facts["vendor.insurance_missing"]:
        add(
            "vendor.insurance_missing",
            "Insurance Expires",
            "",
            f"{vendor} has Rentals money but no Insurance Expires date; ask {vendor} for a "
            "certificate of insurance and enter the date it expires",
        )
    if facts["vendor.insurance_expiring"]:
        expires = _day(facts["Insurance Expires"])
        runs_out = "expired" if facts["Insurance State"] == "Expired" else "expires"
        add(
            "vendor.insurance_expiring",
            "Insurance Expires",
            expires,
            f"{vendor}'s insurance {runs_out} on {expires}, before the last scheduled End on "
            f"{last_end}; ask {vendor} for a certificate that runs past {last_end}",
        )
    return found
