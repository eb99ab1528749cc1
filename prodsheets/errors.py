"""Faults that stop a run. Checks never raise these: they return issues.

Only ``cli.py`` turns a ``ProdsheetsError`` into one plain sentence and an exit code.
"""

from __future__ import annotations


class ProdsheetsError(Exception):
    """Base of every fault prodsheets reports to a person."""

    exit_code = 3


class UsageError(ProdsheetsError):
    """The command line, the config file or the template is wrong (exit 2)."""

    exit_code = 2


class ConfigError(UsageError):
    """``prodsheets.toml`` has an unknown key or a value of the wrong kind."""


class TemplateError(UsageError):
    """The template file cannot be read or does not describe the tabs."""


class WorkbookNotFound(UsageError):
    """The workbook named on the command line does not exist."""


class WorkbookError(ProdsheetsError):
    """The workbook could not be read or written (exit 3)."""


class NotOwnedError(WorkbookError):
    """A tab named like a summary tab was made by a person, so it is not ours to write."""


class WorkbookChanged(WorkbookError):
    """The workbook changed between our read and our write."""


class WorkbookLocked(WorkbookError):
    """Another program has the workbook open."""


class AlreadyExists(UsageError):
    """``init`` would overwrite a file or tab without ``--force``."""
