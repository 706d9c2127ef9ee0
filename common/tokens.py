"""Access tokens: short-lived EdDSA JWTs that the gateway signs and every process verifies.

The algorithm is pinned on both sides, so a token that claims ``alg: none`` or
an HMAC algorithm keyed with the public key is refused. Verified tokens are
kept in a small cache until they expire: a token is immutable, and verifying
the same one on every request of a session is the single largest cost of a
forwarded call.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common.revocations import RevokedTokens

ALGORITHM = "EdDSA"


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or not signed by our key."""


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the access token says."""

    id: uuid.UUID
    username: str
    roles: frozenset[str]
    organization_ids: tuple[uuid.UUID, ...]
    expires_at: float
    issued_at_ms: int = 0  # milliseconds since the epoch (common/revocations.py)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


def generate_key_pair() -> tuple[str, str]:
    """A new Ed25519 key pair as (private PEM, public PEM)."""
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


class TokenSigner:
    def __init__(self, private_key_pem: str, issuer: str, audience: str, ttl: int) -> None:
        self._key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        self.issuer = issuer
        self.audience = audience
        self.ttl = ttl

    def sign(
        self,
        subject: uuid.UUID,
        username: str,
        roles: Iterable[str],
        organization_ids: Iterable[uuid.UUID] = (),
        *,
        ttl: int | None = None,
        now: float | None = None,
    ) -> str:
        moment = now if now is not None else time.time()
        issued = int(moment)
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(subject),
            "name": username,
            "roles": sorted(set(roles)),
            "orgs": [str(o) for o in organization_ids],
            "iat": issued,
            # iat is whole seconds; revocations need the moment (common/revocations.py)
            "iat_ms": int(moment * 1000),
            "exp": issued + (self.ttl if ttl is None else ttl),
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)  # type: ignore[arg-type]


class TokenVerifier:
    def __init__(
        self, public_key_pem: str, issuer: str, audience: str, cache_size: int = 10_000
    ) -> None:
        self._key = serialization.load_pem_public_key(public_key_pem.encode())
        self.issuer = issuer
        self.audience = audience
        self._cache: OrderedDict[str, Principal] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        # set by common.app: tokens revoked before they expire (common/revocations.py)
        self.revoked: RevokedTokens | None = None

    def verify(self, token: str) -> Principal:
        principal = self._checked(token)
        if self.revoked is not None and self.revoked.revoked(principal.id, principal.issued_at_ms):
            raise InvalidToken("it was revoked (roles changed or account deleted); sign in again")
        return principal

    def _checked(self, token: str) -> Principal:
        now = time.time()
        with self._lock:
            cached = self._cache.get(token)
            if cached is not None:
                if cached.expires_at > now:
                    self._cache.move_to_end(token)
                    return cached
                del self._cache[token]
        principal = self._decode(token)
        with self._lock:
            self._cache[token] = principal
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return principal

    def _decode(self, token: str) -> Principal:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key,  # type: ignore[arg-type]
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
            return Principal(
                id=uuid.UUID(claims["sub"]),
                username=str(claims.get("name", "")),
                roles=frozenset(claims.get("roles", [])),
                organization_ids=tuple(uuid.UUID(o) for o in claims.get("orgs", [])),
                expires_at=float(claims["exp"]),
                # tokens signed before the claim existed: the start of their second
                issued_at_ms=int(claims.get("iat_ms", int(claims["iat"]) * 1000)),
            )
        except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
            raise InvalidToken(str(exc)) from exc


def bearer_token(authorization_header: str | None) -> str | None:
    if not authorization_header:
        return None
    scheme, _, token = authorization_header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("the Authorization header is not 'Bearer <token>'")
    return token.strip()
