"""Every check: each module's ``check(tables, context)`` returns issues and never raises."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from prodsheets.issues import Issue
from prodsheets.rule_sets import RuleSets
from prodsheets.tables import Table


@dataclass(frozen=True)
class Context:
    """What the checks need besides the tables."""

    as_of: dt.date
    near_limit: Decimal = Decimal("0.9")
    min_turnaround: dt.timedelta = dt.timedelta(hours=10)
    rule_sets: RuleSets = field(default_factory=RuleSets)  # per-person working-time rules


def run_checks(tables: dict[str, Table], context: Context) -> list[Issue]:
    from . import budget, crew, equipment, schedule, values, vendors

    found: list[Issue] = []
    for module in (values, schedule, budget, vendors, crew, equipment):
        found.extend(module.check(tables, context))
    return found
