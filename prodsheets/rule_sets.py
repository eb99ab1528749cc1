"""Rule sets: the working-time rules a person is held to (rest, hours, days in a row, meals).

A production names its own sets (a cast agreement, a crew agreement, a local law) in the
template's or prodsheets.toml's ``[rule_sets]``, and the Crew tab's Rule Set column picks one
per person. prodsheets ships neutral example sets and claims no union's rules: the numbers in
force on a production are its own to type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

# The keys of one rule set; a key left out means that rule is not checked for the set.
RULE_KEYS = (
    "min_rest_hours",
    "max_hours_per_day",
    "max_consecutive_days",
    "meal_break_after_hours",
)
# A schedule item whose Task holds one of these words is a break, not a call.
BREAK_WORDS = ("break", "meal", "lunch", "dinner", "supper")


def set_key(name: str) -> str:
    """How a Rule Set cell finds its set: ignoring case and spaces, as headers match."""
    return "".join(name.split()).casefold()


@dataclass(frozen=True)
class RuleSet:
    """One set of working-time rules; None means the rule is not part of the set."""

    name: str
    min_rest_hours: Decimal | None = None
    max_hours_per_day: Decimal | None = None
    max_consecutive_days: int | None = None
    meal_break_after_hours: Decimal | None = None


@dataclass(frozen=True)
class RuleSets:
    """The sets a production declares, the one for people without their own, and what makes
    a schedule item a break."""

    sets: dict[str, RuleSet] = field(default_factory=dict)  # normalised name -> set
    default: str = ""  # the set's name, "" for none: today's schedule.turnaround applies
    break_words: tuple[str, ...] = BREAK_WORDS
    given: frozenset[str] = frozenset()  # the keys its table spelt out (for ``merged``)

    def find(self, name: str) -> RuleSet | None:
        return self.sets.get(set_key(name)) if name else None

    def default_set(self) -> RuleSet | None:
        return self.find(self.default)

    def names(self) -> list[str]:
        return [rules.name for rules in self.sets.values()]

    def merged(self, other: RuleSets) -> RuleSets:
        """These sets with ``other``'s on top: a set of the same name is replaced, and
        ``default`` and ``break_words`` are ``other``'s where its table gives them."""
        return RuleSets(
            sets={**self.sets, **other.sets},
            default=other.default if "default" in other.given else self.default,
            break_words=other.break_words if "break_words" in other.given else self.break_words,
            given=self.given | other.given,
        )


def parse_rule_sets(data: Any, where: str, fail: Callable[[str], Exception]) -> RuleSets:
    """``[rule_sets]`` of a template or prodsheets.toml; ``fail`` makes the error to raise
    (a TemplateError or a ConfigError, both exit 2) from one sentence naming the key."""
    if not isinstance(data, Mapping):
        raise fail(f"{where}: [rule_sets] must be a table.")
    sets: dict[str, RuleSet] = {}
    default = ""
    words = BREAK_WORDS
    for key, value in data.items():
        if key == "default":
            if not isinstance(value, str):
                raise fail(f"{where}: rule_sets.default must be the name of a rule set.")
            default = value.strip()
        elif key == "break_words":
            if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
                raise fail(f'{where}: rule_sets.break_words must be a list of words ["break"].')
            words = tuple(w.strip().casefold() for w in value if w.strip())
        elif isinstance(value, Mapping):
            sets[set_key(str(key))] = _rule_set(str(key), value, where, fail)
        else:
            raise fail(
                f'{where}: rule_sets.{key} must be a table of rules ([rule_sets."{key}"] with '
                f"{', '.join(RULE_KEYS)})."
            )
    return RuleSets(sets=sets, default=default, break_words=words, given=frozenset(data))


def check_default(rule_sets: RuleSets, where: str, fail: Callable[[str], Exception]) -> None:
    """A default that names no declared set is a typo that would silently check nobody."""
    if rule_sets.default and rule_sets.default_set() is None:
        known = ", ".join(rule_sets.names()) or "none are declared"
        raise fail(
            f"{where}: rule_sets.default is {rule_sets.default!r}, which is not a rule set "
            f"({known})."
        )


def _rule_set(
    name: str, data: Mapping[str, Any], where: str, fail: Callable[[str], Exception]
) -> RuleSet:
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in RULE_KEYS:
            raise fail(
                f'{where}: [rule_sets."{name}"] has an unknown key {key!r}; the rules are '
                f"{', '.join(RULE_KEYS)}."
            )
        number = _positive(value)
        if number is None or (key == "max_consecutive_days" and number != int(number)):
            kind = "a whole number of days" if key == "max_consecutive_days" else "hours"
            raise fail(
                f'{where}: [rule_sets."{name}"] {key} must be {kind} above 0, not {value!r}.'
            )
        values[key] = int(number) if key == "max_consecutive_days" else number
    return RuleSet(name=name, **values)


def _positive(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    if not number.is_finite() or number <= 0 or number > 10_000:
        return None
    return number
