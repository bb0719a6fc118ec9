"""Credentials: bcrypt hashes in the store, HTTP Basic for API clients, a session cookie with a
CSRF token for browsers, the admin registration token, and the login-attempt limits."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

import bcrypt

from pgsage.web.config import Limit
from pgsage.web.store import Store, User

SESSION_COOKIE = "pgsage_session"
LOGIN_CSRF_COOKIE = "pgsage_login_csrf"
CSRF_HEADER = "x-csrf-token"
BASIC_CACHE_S = 60.0  # a verified Basic credential is trusted this long (bcrypt is slow)
ROLE_RECHECK_S = 2.0  # ... and its user's role looked up again at most this often
# A hash to verify against when the user does not exist: the same time either way.
_DUMMY_HASH = bcrypt.hashpw(b"pgsage-no-such-user", bcrypt.gensalt(4))


def hash_password(password: str, rounds: int = 12) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


def verify_password(password: str, hashed: str | None) -> bool:
    try:
        return bcrypt.checkpw(password.encode(), (hashed or "").encode() or _DUMMY_HASH)
    except ValueError:
        return False


def token_matches(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; False when either side is missing."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def parse_basic(header: str | None) -> tuple[str, str] | None:
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


@dataclass(frozen=True)
class Principal:
    """Who is asking, and how: ``basic`` (no CSRF needed: not ambient) or ``session``."""

    user: User
    method: str
    csrf: str | None = None
    session_token: str | None = None


class TooManyAttempts(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__("too many attempts")
        self.retry_after = retry_after


class Authenticator:
    def __init__(
        self,
        store: Store,
        user_limit: Limit,
        address_limit: Limit,
    ) -> None:
        self.store = store
        self.user_limit = user_limit
        self.address_limit = address_limit
        self._secret = secrets.token_bytes(32)
        # verified credential -> (verified at, user as of the last role look-up, looked up at)
        self._verified: dict[str, tuple[float, User, float]] = {}
        self._lock = threading.Lock()

    def _keys(self, username: str, address: str) -> list[tuple[str, int]]:
        return [
            (f"login-user:{username.lower()}", self.user_limit.period_s),
            (f"login-addr:{address}", self.address_limit.period_s),
        ]

    def _limited(self, username: str, address: str) -> None:
        hits = self.store.hits_many(self._keys(username, address))
        for hit, limit in zip(hits, (self.user_limit, self.address_limit), strict=True):
            if hit.hits >= limit.count:
                raise TooManyAttempts(hit.reset_in_s)

    def _failed(self, username: str, address: str) -> None:
        self.store.hit_many(self._keys(username, address))

    def check_password(self, username: str, password: str, address: str) -> User | None:
        """The user, or None; raises TooManyAttempts when the user or the address has failed
        too often in the current window (counted in the store, shared by every process)."""
        self._limited(username, address)
        found = self.store.password_hash(username)
        if found is None or not verify_password(password, found[0] if found else None):
            self._failed(username, address)
            return None
        return User(username, found[1])

    def _key(self, username: str, password: str) -> str:
        return hmac.new(
            self._secret, f"{username}\0{password}".encode(), hashlib.sha256
        ).hexdigest()

    def known(self, header: str) -> User | None:
        """The user of a Basic credential verified and looked up a moment ago (no I/O), or
        None (then ``basic`` decides)."""
        credentials = parse_basic(header)
        if credentials is None:
            return None
        with self._lock:
            cached = self._verified.get(self._key(*credentials))
        now = time.monotonic()
        if cached is None or now - cached[0] >= BASIC_CACHE_S or now - cached[2] >= ROLE_RECHECK_S:
            return None
        return cached[1]

    def basic(self, header: str | None, address: str) -> User | None:
        credentials = parse_basic(header)
        if credentials is None:
            return None
        username, password = credentials
        key = self._key(username, password)
        now = time.monotonic()
        with self._lock:
            cached = self._verified.get(key)
        if cached is not None and now - cached[0] < BASIC_CACHE_S:
            verified_at, user, looked_up = cached
            if now - looked_up < ROLE_RECHECK_S:
                return user
            # the role may have changed or the user gone: one cheap look-up, no bcrypt
            current = self.store.password_hash(username)
            if current is not None:
                user = User(username, current[1])
                with self._lock:
                    self._verified[key] = (verified_at, user, now)
                return user
        checked = self.check_password(username, password, address)
        if checked is not None:
            with self._lock:
                if len(self._verified) > 1000:
                    self._verified.clear()
                self._verified[key] = (now, checked, now)
        return checked
