"""Service-account keys and OAuth tokens for the local Sheets server.

Real google-auth must work unchanged against the local server, so the server
plays Google's token endpoint: it makes an RSA key pair per service account,
writes a full service-account key file whose ``token_uri`` points at itself,
verifies the RS256 JWT-bearer assertion google-auth signs with that key, and
hands out opaque, expiring access tokens that the API endpoints then demand.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SHEETS_SCOPES = frozenset(
    {
        "https://www.googleapis.com/auth/spreadsheets",
        "https://www.googleapis.com/auth/drive",
        "https://www.googleapis.com/auth/drive.file",
    }
)
READONLY_SCOPES = frozenset(
    {
        "https://www.googleapis.com/auth/spreadsheets.readonly",
        "https://www.googleapis.com/auth/drive.readonly",
    }
)
CLOCK_SKEW_S = 300
MAX_ASSERTION_LIFETIME_S = 3600


class TokenError(Exception):
    """A token request Google's endpoint would refuse (400 invalid_grant and kin)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass
class ServiceAccount:
    """One service account the server knows: its e-mail and RSA key pair."""

    email: str
    key_id: str
    client_id: str
    private_key: rsa.RSAPrivateKey

    def private_key_pem(self) -> str:
        """The private key as PKCS#8 PEM, as Google's key files hold it."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")


@dataclass
class AccessToken:
    """An issued access token: who holds it, what it may do, until when."""

    email: str
    scopes: frozenset[str]
    expires_at: float

    @property
    def can_write(self) -> bool:
        """Read-only scopes may read but not write."""
        return bool(self.scopes & SHEETS_SCOPES)


def new_service_account(email: str, private_key_pem: str | None = None) -> ServiceAccount:
    """A service account with a fresh 2048-bit key, or the PEM key given."""
    if private_key_pem is None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        loaded = serialization.load_pem_private_key(private_key_pem.encode("ascii"), None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ValueError("the service account key must be an RSA key")
        key = loaded
    return ServiceAccount(
        email=email,
        key_id=secrets.token_hex(20),
        client_id=str(10**20 + secrets.randbelow(9 * 10**20)),
        private_key=key,
    )


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


class TokenAuthority:
    """Verifies JWT-bearer assertions and keeps the access tokens it issued."""

    def __init__(self, token_lifetime_s: int = 3600) -> None:
        self.token_lifetime_s = token_lifetime_s
        self._accounts: dict[str, ServiceAccount] = {}
        self._tokens: dict[str, AccessToken] = {}
        self._lock = threading.Lock()

    def add(self, account: ServiceAccount) -> None:
        """Trust this service account's key."""
        with self._lock:
            self._accounts[account.email] = account

    def account(self, email: str) -> ServiceAccount:
        """The service account with this e-mail (KeyError if unknown)."""
        return self._accounts[email]

    def exchange(self, form: dict[str, list[str]], token_url: str) -> dict[str, Any]:
        """Turn a JWT-bearer grant into an access token, or raise TokenError."""
        grant = form.get("grant_type", [""])[0]
        if grant != JWT_BEARER:
            raise TokenError("unsupported_grant_type", "Invalid grant_type: " + grant)
        assertion = form.get("assertion", [""])[0]
        claims = self._verify(assertion, token_url)
        scopes = frozenset(str(claims.get("scope", "")).split())
        if not scopes & (SHEETS_SCOPES | READONLY_SCOPES):
            raise TokenError("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        token = "ya29.local-" + secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = AccessToken(
                email=str(claims["iss"]),
                scopes=scopes,
                expires_at=time.time() + self.token_lifetime_s,
            )
        return {
            "access_token": token,
            "expires_in": self.token_lifetime_s,
            "token_type": "Bearer",
        }

    def _verify(self, assertion: str, token_url: str) -> dict[str, Any]:
        parts = assertion.split(".")
        if len(parts) != 3:
            raise TokenError("invalid_grant", "Invalid JWT: malformed assertion.")
        try:
            header = json.loads(_b64decode(parts[0]))
            claims = json.loads(_b64decode(parts[1]))
            signature = _b64decode(parts[2])
        except ValueError as exc:
            raise TokenError("invalid_grant", "Invalid JWT: malformed assertion.") from exc
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise TokenError("invalid_grant", "Invalid JWT: malformed assertion.")
        if header.get("alg") != "RS256":
            raise TokenError("invalid_grant", "Invalid JWT: unsupported signing algorithm.")
        account = self._accounts.get(str(claims.get("iss")))
        if account is None:
            raise TokenError("invalid_grant", "Invalid JWT Signature.")
        if "kid" in header and header["kid"] != account.key_id:
            raise TokenError("invalid_grant", "Invalid JWT Signature.")
        try:
            account.private_key.public_key().verify(
                signature,
                f"{parts[0]}.{parts[1]}".encode("ascii"),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except InvalidSignature as exc:
            raise TokenError("invalid_grant", "Invalid JWT Signature.") from exc
        if claims.get("aud") not in (GOOGLE_TOKEN_URI, token_url):
            raise TokenError("invalid_grant", "Invalid JWT: Failed audience check.")
        now = time.time()
        iat, exp = claims.get("iat"), claims.get("exp")
        if (
            not isinstance(iat, (int, float))
            or not isinstance(exp, (int, float))
            or exp <= now - CLOCK_SKEW_S
            or iat > now + CLOCK_SKEW_S
            or exp - iat > MAX_ASSERTION_LIFETIME_S
        ):
            raise TokenError(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                "reasonable timeframe. Check your iat and exp values in the JWT claim.",
            )
        return claims

    def check(self, token: str) -> AccessToken | None:
        """The live access token for this bearer string, or None."""
        with self._lock:
            found = self._tokens.get(token)
        if found is None or found.expires_at <= time.time():
            return None
        return found

    def is_expired(self, token: str) -> bool:
        """True for a token that was issued here but has run out."""
        with self._lock:
            found = self._tokens.get(token)
        return found is not None and found.expires_at <= time.time()

    def expire_all(self) -> None:
        """Make every issued token expire now (to test refresh on 401)."""
        with self._lock:
            for token in self._tokens.values():
                token.expires_at = 0.0
