"""Google credentials for the Sheets backend: a service account, a user login, or the defaults.

Where credentials come from, first match wins:

1. ``config.credentials`` (``--credentials``, ``[google] credentials`` or
   ``GOOGLE_APPLICATION_CREDENTIALS``): a JSON file, read by its ``type``:
   ``service_account`` (a key made in the Cloud console; its ``token_uri`` is used as-is),
   ``authorized_user`` (a saved user login), or an OAuth client (``installed``/``web``, as
   downloaded for a desktop app), which starts the browser sign-in below.
2. A user login saved earlier in ``~/.config/prodsheets/token.json`` (mode 0600).
3. An OAuth client saved as ``~/.config/prodsheets/client_secret.json`` (or named by
   ``PRODSHEETS_OAUTH_CLIENT``): on a terminal, the browser sign-in runs once and the login is
   saved to ``token.json``.
4. Application default credentials (``gcloud auth application-default login``, or the
   machine's service account on Google Cloud).

The scope is ``https://www.googleapis.com/auth/spreadsheets`` and nothing else. No message
made here ever quotes a key, a token or a secret: only file names and e-mail addresses.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import google.auth
import google.auth.exceptions
from google.auth.credentials import Credentials
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from prodsheets.errors import UsageError, WorkbookError
from prodsheets.files import MAX_SETTINGS_BYTES, read_regular_file
from prodsheets.safe_text import printable, without_credentials

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
OAUTH_CLIENT_ENV = "PRODSHEETS_OAUTH_CLIENT"
SERVICE_ACCOUNT_FIELDS = ("client_email", "private_key", "token_uri")


@dataclass(frozen=True)
class GoogleLogin:
    """Credentials plus who they are, for the "share it with ..." message."""

    credentials: Credentials
    account: str  # the service account's e-mail, or "" for a person's login
    source: str  # where they came from, for messages (a path or a description)


def config_folder(environ: os._Environ[str] | dict[str, str] | None = None) -> Path:
    """prodsheets' folder in the user's config home (``$XDG_CONFIG_HOME`` or ``~/.config``)."""
    env = os.environ if environ is None else environ
    home = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(home) / "prodsheets"


def token_path() -> Path:
    return config_folder() / "token.json"


def load_login(credentials_file: str) -> GoogleLogin:
    """The credentials to use, following the order in the module docstring."""
    if credentials_file:
        return _from_file(Path(credentials_file).expanduser())
    cached = token_path()
    if cached.exists():
        return _from_saved_login(cached)
    client = Path(os.environ.get(OAUTH_CLIENT_ENV) or config_folder() / "client_secret.json")
    if client.exists() and sys.stdin.isatty():
        return _sign_in(client, _read_json(client))
    try:
        found, _project = google.auth.default(scopes=list(SCOPES))
    except google.auth.exceptions.DefaultCredentialsError:
        raise UsageError(
            "No Google credentials were found: pass --credentials with a service-account key "
            "file, set GOOGLE_APPLICATION_CREDENTIALS, or save an OAuth client as "
            f"{client} to sign in with your Google account."
        ) from None
    account = str(getattr(found, "service_account_email", "") or "")
    return GoogleLogin(found, account if "@" in account else "", "application default credentials")


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data, _ = read_regular_file(
            path, what=f"The credentials file {path}", limit=MAX_SETTINGS_BYTES, error=UsageError
        )
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise UsageError(
            f"The credentials file {path} does not exist; check --credentials, "
            "[google] credentials in prodsheets.toml or GOOGLE_APPLICATION_CREDENTIALS."
        ) from None
    except (OSError, UnicodeDecodeError):
        raise UsageError(f"The credentials file {path} cannot be read.") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise UsageError(
            f"The credentials file {path} is not valid JSON; download the key again."
        ) from None
    if not isinstance(data, dict):
        raise UsageError(f"The credentials file {path} is not a Google credentials file.")
    return data


def _from_file(path: Path) -> GoogleLogin:
    info = _read_json(path)
    kind = info.get("type")
    if kind == "service_account":
        return _service_account(path, info)
    if kind == "authorized_user":
        return _user(path, info)
    if "installed" in info or "web" in info:
        return _sign_in(path, info)
    raise UsageError(
        f"The credentials file {path} is not a service-account key, a saved user login or an "
        "OAuth client; download a service-account key (JSON) from the Google Cloud console."
    )


def _service_account(path: Path, info: dict[str, Any]) -> GoogleLogin:
    missing = [name for name in SERVICE_ACCOUNT_FIELDS if not info.get(name)]
    if missing:
        raise UsageError(
            f"The service-account key {path} is missing {', '.join(missing)}; "
            "download the key again."
        )
    if not _web_address(info["token_uri"]):
        raise UsageError(
            f"The service-account key {path} has a token_uri that is not a web address "
            f"({without_credentials(printable(info['token_uri']))[:100]}); download the key "
            "again (it is https://oauth2.googleapis.com/token in a key from Google)."
        )
    try:
        found = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=list(SCOPES)
        )
    except (ValueError, TypeError, IndexError, google.auth.exceptions.GoogleAuthError):
        # The library's text may quote the key: say only what is wrong and where.
        raise UsageError(
            f"The private key in {path} cannot be read; download the key again."
        ) from None
    return GoogleLogin(found, str(info["client_email"]), str(path))


def _web_address(uri: object) -> bool:
    """Whether ``uri`` is an http(s) address with a host that google-auth can post to."""
    if not isinstance(uri, str) or any(c.isspace() for c in uri):
        return False
    try:
        parts = urlsplit(uri)
        _ = parts.port  # a port that is not a number raises here
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _user(path: Path, info: dict[str, Any]) -> GoogleLogin:
    try:
        found = user_credentials.Credentials.from_authorized_user_info(  # type: ignore[no-untyped-call]
            info, list(SCOPES)
        )
    except (ValueError, TypeError, google.auth.exceptions.GoogleAuthError):
        raise UsageError(
            f"The saved login {path} is incomplete; sign in again (delete the file and run "
            "prodsheets on a terminal)."
        ) from None
    return GoogleLogin(found, "", str(path))


def _from_saved_login(path: Path) -> GoogleLogin:
    """A login saved by an earlier sign-in; google-auth refreshes its access token on the
    first request (a revoked login then becomes a one-sentence ``WorkbookError``)."""
    login = _user(path, _read_json(path))
    return GoogleLogin(login.credentials, "", str(path))


def _sign_in(path: Path, client_config: dict[str, Any]) -> GoogleLogin:
    """The installed-app flow: a browser sign-in, then the login saved for next time."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    if not sys.stdin.isatty():
        raise UsageError(
            f"{path} is an OAuth client, which needs a browser sign-in on a terminal; "
            "use a service-account key for scheduled runs."
        )
    try:
        flow = InstalledAppFlow.from_client_config(client_config, scopes=list(SCOPES))
        creds = flow.run_local_server(port=0, open_browser=True)
    except ValueError:
        raise UsageError(f"The OAuth client file {path} is not a valid client.") from None
    except Exception as exc:  # the flow's own faults (user closed the page, denied access)
        raise WorkbookError(
            f"The Google sign-in did not finish ({type(exc).__name__}); run again."
        ) from None
    save_login(creds, token_path())
    return GoogleLogin(creds, "", "your Google login")


def save_login(creds: Any, path: Path) -> None:
    """Save a user login readable by its owner only (0600), in a 0700 folder."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = creds.to_json()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def refusal_sentence(login: GoogleLogin, error: google.auth.exceptions.RefreshError) -> str:
    """One sentence for credentials Google's token endpoint would not accept.

    Only the OAuth error code (``invalid_grant``) is quoted, never the library's text, which
    can carry the server's reply."""
    code = ""
    first = error.args[0] if error.args else ""
    if isinstance(first, str):
        head = first.split(":", 1)[0].strip()
        if head.replace("_", "").isalpha() and len(head) < 40:
            code = f" ({head})"
    who = f" for {login.account}" if login.account else ""
    return (
        f"Google refused the credentials{who} from {login.source}{code}: the key may have been "
        "deleted or revoked; create a new key and run again."
    )
