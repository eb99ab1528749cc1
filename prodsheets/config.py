"""``prodsheets.toml`` and environment variables, checked strictly.

A misspelt key would otherwise be ignored without a word and the workbook checked with
settings nobody chose, so every unknown key or wrong kind of value is a ``ConfigError``.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from prodsheets.errors import ConfigError
from prodsheets.files import is_home_path, path_problem, read_toml
from prodsheets.issues import RULES
from prodsheets.rule_sets import RuleSets, parse_rule_sets
from prodsheets.template import OPTIONAL_TABS, SOURCE_TABS

DEFAULT_CONFIG = "prodsheets.toml"


@dataclass(frozen=True)
class Config:
    workbook: str = ""
    template: str = ""
    timezone: str = ""  # "" means the machine's
    date_order: str = "MDY"
    decimal_comma: bool = False
    credentials: str = ""
    api_endpoint: str = ""
    retry_seconds: float = 120.0
    # how long one request may wait for Google's first byte when little retry time is left
    answer_seconds: float = 60.0
    near_limit: Decimal = Decimal("0.9")
    min_turnaround_hours: Decimal = Decimal("10")
    rules: dict[str, str] = field(default_factory=dict)
    tabs: dict[str, str] = field(default_factory=dict)  # source tab -> this workbook's name
    # [notify]: Apprise URLs (secrets: never printed), when to send, and per-department mail
    notify_urls: tuple[str, ...] = field(default=(), repr=False)
    notify_on: str = "change"
    notify_departments: bool = False
    # source tab -> {template column -> this workbook's header} ([columns.<Tab>])
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    header_row: dict[str, int] = field(default_factory=dict)  # source tab -> its header row
    currency: str = ""  # ISO 4217 code; "" means the one most money cells show
    rule_sets: RuleSets | None = None  # [rule_sets]: on top of the template's
    history_max_rows: int = 250_000  # [history] max_rows: past it the oldest syncs are folded
    source: str = ""  # the file it came from, for messages

    def with_overrides(self, **values: Any) -> Config:
        """Command-line options win over the file: only those actually given are applied."""
        return replace(self, **{k: v for k, v in values.items() if v not in (None, "")})


def load_config(path: str | Path | None = None, *, environ: dict[str, str] | None = None) -> Config:
    """The settings for one run: defaults, then the file, then environment variables."""
    env = os.environ if environ is None else environ
    explicit = path is not None
    where = Path(path) if path is not None else Path(DEFAULT_CONFIG)
    data: dict[str, Any] = {}
    try:
        data = read_toml(where, what=f"The config file {where}", error=ConfigError)
    except FileNotFoundError as exc:
        problem = path_problem(where)
        if problem:
            raise ConfigError(f"The config file {where} cannot be read: {problem}.") from exc
        if explicit:
            raise ConfigError(f"The config file {where} does not exist.") from exc
    config = resolve_paths(parse_config(data, source=str(where)), where.parent)
    if not config.workbook and env.get("PRODSHEETS_WORKBOOK"):
        config = replace(config, workbook=env["PRODSHEETS_WORKBOOK"])
    if not config.credentials and env.get("GOOGLE_APPLICATION_CREDENTIALS"):
        config = replace(config, credentials=env["GOOGLE_APPLICATION_CREDENTIALS"])
    return config


def parse_config(data: dict[str, Any], *, source: str = DEFAULT_CONFIG) -> Config:
    reader = _Reader(source)
    top = reader.table(
        data,
        "",
        {
            "workbook",
            "template",
            "timezone",
            "date_order",
            "decimal_comma",
            "google",
            "thresholds",
            "rules",
            "tabs",
            "notify",
            "columns",
            "header_row",
            "currency",
            "rule_sets",
            "history",
        },
    )
    values: dict[str, Any] = {"source": source}
    for key in ("workbook", "template", "timezone", "date_order"):
        if key in top:
            values[key] = reader.string(top, key)
    if "decimal_comma" in top:
        values["decimal_comma"] = reader.boolean(top, "decimal_comma")
    if values.get("date_order", "MDY").upper() not in ("MDY", "DMY"):
        raise ConfigError(f'{source}: date_order must be "MDY" or "DMY".')
    if "date_order" in values:
        values["date_order"] = values["date_order"].upper()
    if values.get("timezone"):
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                f"{source}: timezone {values['timezone']!r} is not a known time zone "
                '(use a name like "Europe/London").'
            ) from exc

    google = reader.table(
        top.get("google", {}),
        "google",
        {"credentials", "api_endpoint", "retry_seconds", "answer_seconds"},
    )
    for key in ("credentials", "api_endpoint"):
        if key in google:
            values[key] = reader.string(google, key, prefix="google.")
    if "retry_seconds" in google:
        values["retry_seconds"] = float(reader.number(google, "retry_seconds", prefix="google."))
    if "answer_seconds" in google:
        answer = float(reader.number(google, "answer_seconds", prefix="google."))
        if answer <= 0:
            raise ConfigError(f"{source}: google.answer_seconds must be more than 0.")
        values["answer_seconds"] = answer

    thresholds = reader.table(
        top.get("thresholds", {}), "thresholds", {"near_limit", "min_turnaround_hours"}
    )
    for key in ("near_limit", "min_turnaround_hours"):
        if key in thresholds:
            values[key] = reader.number(thresholds, key, prefix="thresholds.")
    if not 0 < values.get("near_limit", 1) <= 1:
        # a share of Budgeted: 0 would flag every line, past 1 never before budget.over does
        raise ConfigError(
            f"{source}: thresholds.near_limit must be a share of Budgeted above 0 and at most 1 "
            "(0.9 warns at 90%)."
        )

    rules = reader.table(top.get("rules", {}), "rules", set(RULES))
    for code in rules:
        level = rules[code]
        if level not in ("error", "warning", "off"):
            raise ConfigError(
                f'{source}: [rules] "{code}" must be "error", "warning" or "off", not {level!r}.'
            )
    values["rules"] = dict(rules)

    if "rule_sets" in top:
        values["rule_sets"] = parse_rule_sets(top["rule_sets"], source, ConfigError)

    tabs = reader.table(top.get("tabs", {}), "tabs", {*SOURCE_TABS, *OPTIONAL_TABS})
    values["tabs"] = {name: reader.string(tabs, name, prefix="tabs.") for name in tabs}
    values.update(_workbook_layout(top, reader, source))

    history = reader.table(top.get("history", {}), "history", {"max_rows"})
    if "max_rows" in history:
        rows = history["max_rows"]
        if isinstance(rows, bool) or not isinstance(rows, int) or not 100 <= rows <= 5_000_000:
            raise ConfigError(
                f"{source}: history.max_rows must be a whole number from 100 to 5000000 "
                "(the History tab's rows before the oldest syncs are folded)."
            )
        values["history_max_rows"] = rows
    values.update(_notify(reader, top.get("notify", {})))
    return Config(**values)


NOTIFY_ON = ("change", "error", "always")


def _notify(reader: _Reader, value: Any) -> dict[str, Any]:
    """``[notify]``: where the nightly digest goes and when (see prodsheets.feeds.notify)."""
    notify = reader.table(value, "notify", {"urls", "on", "departments"})
    values: dict[str, Any] = {}
    if "urls" in notify:
        urls = notify["urls"]
        if isinstance(urls, str):
            urls = [urls]
        if not isinstance(urls, list) or not all(isinstance(u, str) and u.strip() for u in urls):
            # never quote the value: an Apprise URL carries its password or token
            raise ConfigError(f"{reader.source}: notify.urls must be a list of Apprise URLs.")
        values["notify_urls"] = tuple(u.strip() for u in urls)
    if "on" in notify:
        on = reader.string(notify, "on", prefix="notify.").strip().lower()
        if on not in NOTIFY_ON:
            raise ConfigError(f'{reader.source}: notify.on must be "change", "error" or "always".')
        values["notify_on"] = on
    if "departments" in notify:
        values["notify_departments"] = reader.boolean(notify, "departments")
    return values


_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


def _workbook_layout(top: dict[str, Any], reader: _Reader, source: str) -> dict[str, Any]:
    """``[columns.<Tab>]``, ``[header_row]`` and ``currency``: how this workbook is laid out.

    Whether a mapped column is one the template has is checked against the template, in
    ``tables`` (a template of one's own may add columns)."""
    values: dict[str, Any] = {}
    columns = reader.table(top.get("columns", {}), "columns", {*SOURCE_TABS, *OPTIONAL_TABS})
    values["columns"] = {
        tab: {
            column: reader.string(mapping, column, prefix=f"columns.{tab}.")
            for column in reader.table(mapping, f"columns.{tab}", set(mapping))
        }
        for tab, mapping in columns.items()
    }
    header_row = reader.table(
        top.get("header_row", {}), "header_row", {*SOURCE_TABS, *OPTIONAL_TABS}
    )
    rows: dict[str, int] = {}
    for tab, row in header_row.items():
        if isinstance(row, bool) or not isinstance(row, int) or not 1 <= row <= 1000:
            raise ConfigError(
                f"{source}: header_row.{tab} must be the row number of the tab's headers "
                "(1 to 1000)."
            )
        rows[tab] = row
    values["header_row"] = rows
    if "currency" in top:
        code = reader.string(top, "currency").strip().upper()
        if not _CURRENCY_CODE.fullmatch(code):
            raise ConfigError(
                f'{source}: currency must be a three-letter ISO 4217 code such as "GBP", '
                f"not {top['currency']!r}."
            )
        values["currency"] = code
    return values


def resolve_paths(config: Config, folder: Path) -> Config:
    """Relative paths in a config file are taken from the file's folder, not from wherever
    the command happens to run (a Google workbook is no path and stays as it is)."""
    changes: dict[str, Any] = {}
    for key in ("workbook", "template", "credentials"):
        value = getattr(config, key)
        if not value or (key == "workbook" and _names_google(value)):
            continue
        path = Path(value)
        if not path.is_absolute() and not is_home_path(value):
            changes[key] = str(folder / path)
    return replace(config, **changes) if changes else config


def _names_google(location: str) -> bool:
    text = location.strip().lower()
    return text.startswith("gsheets:") or "://" in text or "google.com" in text


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def table(self, value: Any, name: str, known: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ConfigError(f"{self.source}: [{name}] must be a table.")
        for key in value:
            if key not in known:
                where = f"[{name}] " if name else ""
                message = f"{self.source}: unknown key {where}{key!r}"
                if name == "rules":
                    message += " (see docs/issues.md for the rule codes)"
                close = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.75)
                message += f". Did you mean {close[0]!r}?" if close else "."
                raise ConfigError(message)
        return value

    def string(self, table: dict[str, Any], key: str, prefix: str = "") -> str:
        value = table[key]
        if not isinstance(value, str):
            raise ConfigError(f"{self.source}: {prefix}{key} must be a string.")
        return value

    def boolean(self, table: dict[str, Any], key: str) -> bool:
        value = table[key]
        if not isinstance(value, bool):
            raise ConfigError(f"{self.source}: {key} must be true or false.")
        return value

    def number(self, table: dict[str, Any], key: str, prefix: str = "") -> Decimal:
        value = table[key]
        most = NUMBER_LIMITS.get(f"{prefix}{key}")
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)  # nan and inf are TOML numbers, but no setting's
            or value < 0
            or (most is not None and value > most)
        ):
            within = f" and at most {most:g}" if most is not None else ""
            raise ConfigError(
                f"{self.source}: {prefix}{key} must be a number of 0 or more{within}, "
                f"not {value!r}."
            )
        return Decimal(str(value))


# The largest sensible value of each numeric setting: beyond it a value is a typing slip that
# would hang a run (retries for days) or overflow a date.
NUMBER_LIMITS: dict[str, float] = {
    "google.retry_seconds": 3600.0,  # a nightly job gives up within the hour
    "thresholds.min_turnaround_hours": 8760.0,  # a year
}
