"""Write docs/commands/<command>.md from click's --help and docs/issues.md from RULES.

Run after changing a command or a rule: ``python tools/generate_docs.py``. tests/test_docs.py
fails when the pages are out of date, so the docs never drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

from prodsheets.cli import cli
from prodsheets.issues import RULES

ROOT = Path(__file__).resolve().parent.parent


def command_page(name: str) -> str:
    result = CliRunner().invoke(cli, [name, "--help"], prog_name="prodsheets", terminal_width=100)
    return f"# prodsheets {name}\n\n```\n{result.output.rstrip()}\n```\n"


def issues_page() -> str:
    lines = [
        "# Rules",
        "",
        "Every finding names one of these rules. The code is stable: scripts and",
        "`prodsheets.toml` can rely on it. Change a rule's severity, or turn it off, per workbook:",
        "",
        "```toml",
        "[rules]",
        '"schedule.person_conflict" = "error"',
        '"vendor.insurance_missing" = "off"',
        "```",
        "",
        "| rule | default | when |",
        "| --- | --- | --- |",
    ]
    lines += [f"| `{r.code}` | {r.severity.value} | {r.when} |" for r in RULES.values()]
    return "\n".join(lines) + "\n"


def pages() -> dict[Path, str]:
    docs = ROOT / "docs"
    result = {docs / "commands" / f"{name}.md": command_page(name) for name in cli.commands}
    result[docs / "issues.md"] = issues_page()
    return result


def main() -> int:
    for path, text in pages().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
