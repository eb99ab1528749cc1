"""Tools for trying prodsheets without Google: a local Sheets API v4 server.

``SheetsServer`` serves spreadsheets over the real Sheets REST API on 127.0.0.1,
with real service-account token auth and faults on demand; see
``prodsheets.testing.sheets_server`` for its API and command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prodsheets.testing.sheets_server import Fault, SheetsServer

__all__ = ["Fault", "SheetsServer"]


def __getattr__(name: str) -> Any:
    """Import the server on first use, so ``python -m prodsheets.testing.sheets_server`` runs
    the module once, as its own main."""
    if name in __all__:
        from prodsheets.testing import sheets_server

        return getattr(sheets_server, name)
    raise AttributeError(name)
