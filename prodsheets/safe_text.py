"""Cell text made safe to print: on a terminal, in a pipe, in a CI log, in Markdown.

Anyone on the team can type into the workbook, and what they type is printed by the nightly
job. Text from a cell could otherwise clear the screen, retitle the window, write the
clipboard (OSC 52), hide a link (OSC 8), reorder what is shown (bidi overrides), or start a
line of its own that GitHub Actions runs as a workflow command (``::add-mask::``,
``::stop-commands::``). Every renderer and every message passes cell text through
``printable`` (and Markdown through ``markdown_cell``), which shows such characters as
visible escapes instead.
"""

from __future__ import annotations

import re

# C0 controls (tab and line breaks too: a value never breaks or indents a line), DEL, C1
# controls, the bidi embeddings, overrides and isolates, the line and paragraph separators,
# the byte-order mark, and lone surrogates (which no output encoding can carry).
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff"
    "\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# A workflow command is "::name" at the start of a line, after any spaces (GitHub), or
# the older "##[name]" there; Azure Pipelines runs "##vso[" anywhere in a line.
_COMMAND_START = re.compile(r"^(\s*):(?=:)")
_OLD_COMMAND = re.compile(r"^(\s*)#(?=#\[)|#(?=#vso\[)", re.I)
_AZURE_COMMAND = re.compile(r"#(?=#vso\[)", re.I)


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    named = _NAMED.get(char)
    if named:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """``text`` as it may be printed anywhere: control characters, bidi controls and line
    breaks shown as escapes (``\\x1b``, ``\\u202e``, ``\\n``), and a leading ``::`` shown as
    ``\\x3a:`` (``##[`` and ``##vso[`` alike) so that it is never read as a CI command."""
    shown = str(text)
    if _UNPRINTABLE.search(shown):
        shown = _UNPRINTABLE.sub(_escape, shown)
    if "::" in shown:
        shown = _COMMAND_START.sub(r"\1\\x3a", shown)
    if "##" in shown:
        shown = _OLD_COMMAND.sub(lambda m: (m.group(1) or "") + "\\x23", shown)
    return shown


def json_printable(document: str) -> str:
    """A JSON document (already escaped for JSON's own needs) with the characters JSON lets
    through raw but a terminal acts on (DEL, C1 controls, bidi controls) written as
    ``\\uXXXX``: the same JSON value, safe to print."""
    document = _JSON_RAW.sub(lambda m: f"\\u{ord(m.group(0)):04x}", document)
    return _AZURE_COMMAND.sub(r"\\u0023", document) if "##" in document else document


# What of ``_UNPRINTABLE`` json.dumps leaves raw (it escapes C0 controls itself).
_JSON_RAW = re.compile(
    "[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)


# Markdown syntax that could make cell text a link, an image, emphasis, code or a new cell.
_MARKDOWN_SYNTAX = re.compile(r"([\\`*_\[\]|~])")
# Bare web addresses GitHub turns into links by itself ("https://...", "www.").
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|mailto|www)(?=:|\.)")


def markdown_cell(text: object) -> str:
    """Cell text for a Markdown table: ``printable``, then HTML (``<script>``, ``<img>``)
    and Markdown syntax escaped, and bare web addresses kept from becoming links, so that
    the text reads the same once rendered and does nothing else."""
    shown = printable(text)
    shown = shown.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    shown = _MARKDOWN_SYNTAX.sub(r"\\\1", shown)
    return _AUTOLINK.sub(lambda m: f"{m.group(1)[:-1]}&#{ord(m.group(1)[-1])};", shown)


# user:password@ (or a token@) in any URL: "https://user:PASS@host" -> "https://host".
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s?#]+@")


def without_credentials(text: str) -> str:
    """``text`` with the user name and password taken out of every URL in it."""
    return _URL_CREDENTIALS.sub(r"\1", text) if "@" in text else text
