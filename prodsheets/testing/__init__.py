"""Tools for trying prodsheets without Google: a local Sheets API v4 server.

``SheetsServer`` serves spreadsheets over the real Sheets REST API on 127.0.0.1,
with real service-account token auth and faults on demand; see
``prodsheets.testing.sheets_server`` for its API and command line.
"""

from prodsheets.testing.sheets_server import Fault, SheetsServer

__all__ = ["Fault", "SheetsServer"]
