"""pytest fixtures for the local Sheets server (loaded from conftest via pytest_plugins)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from prodsheets.testing import SheetsServer
from prodsheets.testing.auth import new_service_account

SPREADSHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"


@functools.cache
def shared_key_pem() -> str:
    """One RSA key for every test server: generating one costs ~0.2 s."""
    return new_service_account("unused@test").private_key_pem()


@pytest.fixture
def sheets_server() -> Iterator[SheetsServer]:
    """A started local Sheets server on a free 127.0.0.1 port, stopped afterwards."""
    with SheetsServer(private_key_pem=shared_key_pem()) as server:
        yield server


@pytest.fixture
def sheets_key_file(sheets_server: SheetsServer, tmp_path: Path) -> Path:
    """A service-account key file whose token_uri points at ``sheets_server``."""
    return sheets_server.write_credentials(tmp_path / "service-account.json")


@pytest.fixture
def sheets_session(sheets_server: SheetsServer) -> Iterator[Any]:
    """A google-auth AuthorizedSession holding real tokens from ``sheets_server``."""
    from google.auth.transport.requests import AuthorizedSession
    from google.oauth2 import service_account

    credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
        sheets_server.service_account_info(), scopes=[SPREADSHEETS_SCOPE]
    )
    session = AuthorizedSession(credentials)  # type: ignore[no-untyped-call]
    yield session
    session.close()  # type: ignore[no-untyped-call]
